//! The guest architectures the runner can build and boot.
//!
//! Pristine's kernel builds from one source tree for two targets. An
//! [`Arch`] names one of them and everything the host needs to know about
//! it: the Rust target the kernel is built for, the QEMU program that runs
//! it, the firmware that program needs, and the Debian packages that
//! provide both, for the one-line error when something is missing. The
//! QEMU machine itself (devices, firmware flags) is decided in
//! [`crate::qemu`].

use std::fmt;
use std::str::FromStr;

/// A guest architecture (`--arch`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum Arch {
    /// x86_64: QEMU's `pc` machine, the kernel booted through its PVH note.
    #[default]
    #[value(name = "x86_64")]
    X86_64,
    /// riscv64: QEMU's `virt` machine, the kernel started in S-mode by OpenSBI.
    #[value(name = "riscv64")]
    Riscv64,
}

impl Arch {
    /// Every architecture, the default first.
    pub const ALL: [Arch; 2] = [Arch::X86_64, Arch::Riscv64];

    /// The name `--arch` takes.
    pub const fn name(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Riscv64 => "riscv64",
        }
    }

    /// The Rust target the kernel is built for.
    pub const fn rust_target(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64-unknown-none",
            Arch::Riscv64 => "riscv64gc-unknown-none-elf",
        }
    }

    /// The QEMU system emulator that boots this architecture.
    pub const fn qemu_program(self) -> &'static str {
        match self {
            Arch::X86_64 => "qemu-system-x86_64",
            Arch::Riscv64 => "qemu-system-riscv64",
        }
    }

    /// The firmware file QEMU's `-bios default` loads from its data folder,
    /// if the machine needs one the runner must check for: OpenSBI's
    /// `fw_dynamic` image on riscv64 (x86_64's SeaBIOS is part of the QEMU
    /// package itself).
    pub const fn firmware(self) -> Option<&'static str> {
        match self {
            Arch::X86_64 => None,
            Arch::Riscv64 => Some("opensbi-riscv64-generic-fw_dynamic.bin"),
        }
    }

    /// The Debian packages that provide the emulator and its firmware.
    pub const fn packages(self) -> &'static str {
        match self {
            Arch::X86_64 => "qemu-system-x86",
            Arch::Riscv64 => "qemu-system-misc opensbi",
        }
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An architecture name the runner does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown architecture {0:?}; expected x86_64 or riscv64")]
pub struct UnknownArch(pub String);

impl FromStr for Arch {
    type Err = UnknownArch;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Arch::ALL
            .into_iter()
            .find(|arch| arch.name() == text)
            .ok_or_else(|| UnknownArch(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_x86_64_is_the_default() {
        for arch in Arch::ALL {
            assert_eq!(arch.name().parse::<Arch>(), Ok(arch));
            assert_eq!(arch.to_string(), arch.name());
        }
        assert_eq!(Arch::default(), Arch::X86_64);
        assert_eq!(
            "arm".parse::<Arch>().unwrap_err().to_string(),
            "unknown architecture \"arm\"; expected x86_64 or riscv64"
        );
    }

    #[test]
    fn each_arch_names_its_target_emulator_and_packages() {
        assert_eq!(Arch::Riscv64.rust_target(), "riscv64gc-unknown-none-elf");
        assert_eq!(Arch::Riscv64.qemu_program(), "qemu-system-riscv64");
        assert_eq!(Arch::Riscv64.packages(), "qemu-system-misc opensbi");
        assert_eq!(Arch::X86_64.firmware(), None);
        assert!(Arch::Riscv64.firmware().is_some());
    }
}
