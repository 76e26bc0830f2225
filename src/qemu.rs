//! The QEMU command line that boots the kernel, and the checks made before it.
//!
//! One place decides every QEMU argument, so the runner, the tests, the demo
//! and the benchmark all boot the same machine for an architecture
//! ([`Arch`]):
//! - **x86_64**: a `pc` machine with the `max` CPU and the `isa-debug-exit`
//!   device the kernel uses to report its result (see [`crate::exit`]);
//!   QEMU loads the kernel ELF through its PVH note, so no bootloader is
//!   involved;
//! - **riscv64**: a `virt` machine with OpenSBI as firmware (`-bios
//!   default`, QEMU's bundled `fw_dynamic` image), which starts the kernel
//!   in S-mode; the kernel ends QEMU through the machine's `sifive_test`
//!   device with the same statuses.
//!
//! Both run with no display, the serial port on stdio, no monitor and no
//! reboot (so a triple fault, or a firmware reset, ends QEMU instead of
//! looping).
//!
//! TCG is the default accelerator: on this project's machines `/dev/kvm` is
//! nested and much slower than TCG, and it runs only x86_64 guests.
//! `-icount shift=0,sleep=off` makes the guest clock count instructions,
//! which keeps benchmark numbers repeatable on both architectures.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::arch::Arch;
use crate::cmdline::KernelCmdline;
use crate::size::MemorySize;

/// The device through which the x86_64 kernel ends QEMU with a status.
const DEBUG_EXIT_DEVICE: &str = "isa-debug-exit,iobase=0xf4,iosize=0x04";

/// How QEMU runs guest code.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Accel {
    /// QEMU's own translator: portable, and the fast choice on nested hosts.
    #[default]
    Tcg,
    /// Hardware virtualisation through `/dev/kvm`.
    Kvm,
}

impl Accel {
    /// The name QEMU's `-accel` option takes.
    pub fn qemu_name(self) -> &'static str {
        match self {
            Accel::Tcg => "tcg",
            Accel::Kvm => "kvm",
        }
    }

    /// The `-cpu` model: `max`, everything the accelerator can offer. Under
    /// KVM the `arch-capabilities` MSR (0x10a) is left out: on nested KVM
    /// hosts QEMU 7.2 fails to set it and aborts before the guest starts
    /// ("failed to set MSR 0x10a"), and the kernel does not read it.
    pub fn cpu_model(self) -> &'static str {
        match self {
            Accel::Tcg => "max",
            Accel::Kvm => "max,-arch-capabilities",
        }
    }
}

/// Everything about the virtual machine that QEMU needs to boot the kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// The guest architecture: which QEMU and which machine.
    pub arch: Arch,
    /// The kernel ELF, built for [`Machine::arch`].
    pub kernel: PathBuf,
    /// The kernel command line (`-append`).
    pub cmdline: KernelCmdline,
    /// Guest RAM (`-m`).
    pub memory: MemorySize,
    /// The accelerator (`-accel`).
    pub accel: Accel,
    /// Whether to add `-icount shift=0,sleep=off` (TCG only).
    pub icount: bool,
}

/// Why QEMU cannot be started for a [`Machine`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QemuError {
    /// The emulator is not on `PATH`.
    #[error("{} not found; install it with: sudo apt-get install {}", .0.qemu_program(), .0.packages())]
    NotFound(Arch),
    /// The emulator is there but the firmware its machine boots is not.
    #[error(
        "{} needs the firmware {file}, which is not in QEMU's data folder; \
         install it with: sudo apt-get install {}",
        .arch.qemu_program(),
        .arch.packages()
    )]
    FirmwareMissing {
        /// The architecture whose machine needs it.
        arch: Arch,
        /// The file QEMU looks for.
        file: &'static str,
    },
    /// KVM runs only guests of the host's own architecture.
    #[error("--accel kvm runs only x86_64 guests on this host; use --accel tcg for {0}")]
    KvmForeignArch(Arch),
    /// KVM was asked for on a machine without `/dev/kvm`.
    #[error("--accel kvm needs /dev/kvm, which this machine does not have; use --accel tcg")]
    KvmMissing,
    /// `-icount` only works under TCG.
    #[error("instruction counting (-icount) works only with --accel tcg")]
    IcountNeedsTcg,
}

/// A complete QEMU invocation: program and arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QemuCommand {
    /// The emulator to run.
    pub program: PathBuf,
    /// Its arguments, in order.
    pub args: Vec<OsString>,
}

impl Machine {
    /// An x86_64 machine booting `kernel` with default memory, TCG and no
    /// arguments (set [`Machine::arch`] for another architecture).
    pub fn new(kernel: impl Into<PathBuf>) -> Self {
        Machine {
            arch: Arch::X86_64,
            kernel: kernel.into(),
            cmdline: KernelCmdline::new(),
            memory: MemorySize::DEFAULT,
            accel: Accel::Tcg,
            icount: false,
        }
    }

    /// Checks the host can run this machine and finds the emulator (and,
    /// for riscv64, the firmware it loads).
    pub fn preflight(&self) -> Result<PathBuf, QemuError> {
        if self.icount && self.accel != Accel::Tcg {
            return Err(QemuError::IcountNeedsTcg);
        }
        if self.accel == Accel::Kvm && self.arch != Arch::X86_64 {
            return Err(QemuError::KvmForeignArch(self.arch));
        }
        if self.accel == Accel::Kvm && !Path::new("/dev/kvm").exists() {
            return Err(QemuError::KvmMissing);
        }
        let program =
            find_on_path(self.arch.qemu_program()).ok_or(QemuError::NotFound(self.arch))?;
        if let Some(file) = self.arch.firmware()
            && !firmware_present(&program, file)
        {
            return Err(QemuError::FirmwareMissing {
                arch: self.arch,
                file,
            });
        }
        Ok(program)
    }
}

/// Whether `file` is in one of the data folders QEMU at `program` searches
/// for `-bios default`: `share/qemu` beside its `bin` folder, and
/// `/usr/share/qemu` (Debian's `qemu-system-data` puts OpenSBI's image
/// there, next to the `opensbi` package's own copy).
fn firmware_present(program: &Path, file: &str) -> bool {
    let beside = program
        .parent()
        .and_then(Path::parent)
        .map(|prefix| prefix.join("share/qemu"));
    beside
        .into_iter()
        .chain([PathBuf::from("/usr/share/qemu")])
        .any(|folder| folder.join(file).is_file())
}

impl QemuCommand {
    /// The invocation of `program` that boots `machine`.
    pub fn new(program: impl Into<PathBuf>, machine: &Machine) -> Self {
        let mut args = Vec::new();
        let mut flag = |name: &str, value: OsString| args.extend([name.into(), value]);
        flag("-kernel", machine.kernel.clone().into_os_string());
        flag("-append", machine.cmdline.to_string().into());
        flag("-m", machine.memory.qemu_arg().into());
        match machine.arch {
            Arch::X86_64 => {
                flag("-cpu", machine.accel.cpu_model().into());
                flag("-machine", "pc".into());
            }
            Arch::Riscv64 => {
                flag("-machine", "virt".into());
                flag("-bios", "default".into());
            }
        }
        flag("-accel", machine.accel.qemu_name().into());
        flag("-display", "none".into());
        flag("-serial", "stdio".into());
        flag("-monitor", "none".into());
        if machine.icount {
            flag("-icount", "shift=0,sleep=off".into());
        }
        args.push("-no-reboot".into());
        if machine.arch == Arch::X86_64 {
            args.extend(["-device".into(), DEBUG_EXIT_DEVICE.into()]);
        }
        QemuCommand {
            program: program.into(),
            args,
        }
    }

    /// A [`Command`] ready to spawn (standard streams still to be set).
    pub fn to_command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.args);
        command
    }
}

impl fmt::Display for QemuCommand {
    /// The invocation as a shell line a user can copy and run.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&shell_quote(&self.program.to_string_lossy()))?;
        for arg in &self.args {
            write!(f, " {}", shell_quote(&arg.to_string_lossy()))?;
        }
        Ok(())
    }
}

/// `word`, single-quoted when a POSIX shell would otherwise split or expand it.
fn shell_quote(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=,:+@%".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The first executable file called `name` in a directory on `PATH`.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

/// Whether `path` is a file the current user may execute.
fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args_of(machine: &Machine) -> Vec<String> {
        QemuCommand::new(machine.arch.qemu_program(), machine)
            .args
            .iter()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect()
    }

    fn value_after(args: &[String], flag: &str) -> Option<String> {
        let index = args.iter().position(|arg| arg == flag)?;
        args.get(index + 1).cloned()
    }

    #[test]
    fn default_machine_has_the_protocol_arguments() {
        let args = args_of(&Machine::new("/k/pristine-kernel"));
        let expected = "-kernel /k/pristine-kernel -append  -m 512M -cpu max -machine pc \
                        -accel tcg -display none -serial stdio -monitor none -no-reboot \
                        -device isa-debug-exit,iobase=0xf4,iosize=0x04";
        assert_eq!(args.join(" "), expected);
    }

    #[test]
    fn riscv64_machine_is_virt_with_opensbi_and_no_debug_exit() {
        let mut machine = Machine::new("/k/pristine-kernel");
        machine.arch = Arch::Riscv64;
        let args = args_of(&machine);
        let expected = "-kernel /k/pristine-kernel -append  -m 512M -machine virt -bios default \
                        -accel tcg -display none -serial stdio -monitor none -no-reboot";
        assert_eq!(args.join(" "), expected);
    }

    #[test]
    fn kvm_is_refused_for_riscv64() {
        let mut machine = Machine::new("k");
        machine.arch = Arch::Riscv64;
        machine.accel = Accel::Kvm;
        assert_eq!(
            machine.preflight(),
            Err(QemuError::KvmForeignArch(Arch::Riscv64))
        );
    }

    #[test]
    fn missing_emulator_and_firmware_name_the_packages() {
        assert_eq!(
            QemuError::NotFound(Arch::Riscv64).to_string(),
            "qemu-system-riscv64 not found; install it with: \
             sudo apt-get install qemu-system-misc opensbi"
        );
        let firmware = QemuError::FirmwareMissing {
            arch: Arch::Riscv64,
            file: "opensbi-riscv64-generic-fw_dynamic.bin",
        };
        let message = firmware.to_string();
        assert!(!message.contains('\n'), "{message}");
        assert!(
            message.ends_with("sudo apt-get install qemu-system-misc opensbi"),
            "{message}"
        );
        assert!(!firmware_present(
            Path::new("/nonexistent/bin/qemu"),
            "no-such-firmware.bin"
        ));
    }

    #[test]
    fn icount_only_when_asked() {
        let mut machine = Machine::new("k");
        assert!(!args_of(&machine).iter().any(|arg| arg == "-icount"));
        machine.icount = true;
        let args = args_of(&machine);
        assert_eq!(
            value_after(&args, "-icount").as_deref(),
            Some("shift=0,sleep=off")
        );
    }

    #[test]
    fn accel_memory_and_cmdline_follow_the_machine() {
        let mut machine = Machine::new("k");
        machine.accel = Accel::Kvm;
        machine.memory = "3G".parse().expect("valid size");
        machine.cmdline = KernelCmdline::for_test("boot").expect("valid name");
        let args = args_of(&machine);
        assert_eq!(value_after(&args, "-accel").as_deref(), Some("kvm"));
        assert_eq!(
            value_after(&args, "-cpu").as_deref(),
            Some("max,-arch-capabilities")
        );
        assert_eq!(value_after(&args, "-m").as_deref(), Some("3072M"));
        assert_eq!(
            value_after(&args, "-append").as_deref(),
            Some("test=boot poison=on")
        );
    }

    #[test]
    fn icount_is_refused_under_kvm() {
        let mut machine = Machine::new("k");
        machine.accel = Accel::Kvm;
        machine.icount = true;
        assert_eq!(machine.preflight(), Err(QemuError::IcountNeedsTcg));
    }

    #[test]
    fn displays_a_copyable_shell_line() {
        let mut machine = Machine::new("/tmp/my kernel");
        machine.cmdline.append_raw("policy=dirty rounds=3");
        let shown = QemuCommand::new(machine.arch.qemu_program(), &machine).to_string();
        assert!(shown.starts_with("qemu-system-x86_64 -kernel '/tmp/my kernel' "));
        assert!(shown.contains(" -append 'policy=dirty rounds=3' "));
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn finds_programs_on_path() {
        assert!(find_on_path("sh").is_some());
        assert!(find_on_path("no-such-program-pristine").is_none());
    }
}
