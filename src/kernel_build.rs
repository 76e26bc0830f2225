//! Building the kernel ELF with a nested `cargo build`.
//!
//! The kernel is a workspace member but not a default member, so host commands
//! never compile it for the host. The runner builds it here instead, for the
//! Rust target of the guest architecture ([`Arch::rust_target`]:
//! `x86_64-unknown-none` or `riscv64gc-unknown-none-elf`) with the `kernel`
//! profile and its own target directory (`target/kernel`), so the nested
//! build never waits on the lock of the build that started the runner. Cargo's freshness checks decide whether
//! anything is recompiled: a change under `kernel/` or `allocator/` rebuilds,
//! anything else costs one quick no-op check.
//!
//! [`build_kernel_for`] builds each architecture's kernel at most once per
//! process, so all the `#[test]`s of one test binary share one build per
//! architecture even when they run in parallel threads.
//! Cargo's output is kept quiet unless the build fails.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::arch::Arch;

/// The Cargo profile the kernel is built with (defined in the root manifest).
pub const KERNEL_PROFILE: &str = "kernel";

/// The kernel's package and binary name.
pub const KERNEL_PACKAGE: &str = "pristine-kernel";

/// Host settings that must not leak into the nested kernel build: flags meant
/// for host code, a host target, wrappers, and the outer build's target dir.
const LEAKY_VARS: &[&str] = &[
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "CARGO_BUILD_TARGET",
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET_DIR",
    "RUSTC_WRAPPER",
    "RUSTC_WORKSPACE_WRAPPER",
    "CARGO_BUILD_RUSTC_WRAPPER",
    "CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER",
];

/// Prefixes of variables the outer Cargo sets for the package it is building.
const LEAKY_PREFIXES: &[&str] = &["CARGO_PRIMARY_PACKAGE", "CARGO_MANIFEST_"];

/// Why the kernel could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// The pinned toolchain lacks the kernel's target.
    #[error(
        "the Rust target {} is missing; run `rustup toolchain install` in the repository root",
        .0.rust_target()
    )]
    TargetMissing(Arch),
    /// `rustc --print sysroot` could not be run or failed.
    #[error("could not ask rustc for its sysroot: {0}")]
    Sysroot(String),
    /// Cargo could not be started.
    #[error("could not start `{program}`: {message}")]
    CargoSpawn {
        /// The cargo program that was tried.
        program: String,
        /// The operating system's reason.
        message: String,
    },
    /// Cargo ran and reported errors.
    #[error("building the kernel failed ({status}); cargo said:\n{stderr}")]
    CargoFailed {
        /// Cargo's exit status, as text.
        status: String,
        /// Everything cargo wrote to stderr.
        stderr: String,
    },
    /// Cargo succeeded but the ELF is not where it should be.
    #[error("cargo reported success but {} does not exist", .0.display())]
    ElfMissing(PathBuf),
}

/// The workspace root: the directory of the root `Cargo.toml`.
pub fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Where the nested build leaves the kernel ELF for `arch` under `root`.
pub fn kernel_elf_path(root: &Path, arch: Arch) -> PathBuf {
    elf_path(root, arch, Flavour::Plain)
}

/// Where the nested build of `flavour` leaves the kernel ELF.
fn elf_path(root: &Path, arch: Arch, flavour: Flavour) -> PathBuf {
    root.join(flavour.target_dir())
        .join(arch.rust_target())
        .join(KERNEL_PROFILE)
        .join(KERNEL_PACKAGE)
}

/// Builds the x86_64 kernel of this workspace, once per process, and
/// returns its ELF: [`build_kernel_for`] with the default architecture.
pub fn build_kernel() -> Result<PathBuf, BuildError> {
    build_kernel_for(Arch::default())
}

/// Builds the kernel of this workspace for `arch`, once per process and
/// architecture, and returns its ELF.
///
/// Later calls, from any thread, wait for the first and share its result.
pub fn build_kernel_for(arch: Arch) -> Result<PathBuf, BuildError> {
    static BUILT: [OnceLock<Result<PathBuf, BuildError>>; Arch::ALL.len()] =
        [const { OnceLock::new() }; Arch::ALL.len()];
    BUILT[arch as usize]
        .get_or_init(|| build_kernel_at(workspace_root(), arch))
        .clone()
}

/// Builds the kernel of the workspace at `root` for `arch` now, without
/// sharing.
pub fn build_kernel_at(root: &Path, arch: Arch) -> Result<PathBuf, BuildError> {
    build_flavour_at(root, arch, Flavour::Plain)
}

/// Builds this workspace's kernel for `arch` with the `breakdown` feature
/// (guest instructions counted per part of a benchmark round), into
/// `target/kernel-breakdown` so the ordinary kernel is left as it is, and
/// returns its ELF.
pub fn build_breakdown_kernel(arch: Arch) -> Result<PathBuf, BuildError> {
    build_flavour_at(workspace_root(), arch, Flavour::Breakdown)
}

/// Which kernel build: the ordinary one, or one with extra features.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavour {
    /// No features: the kernel everything runs.
    Plain,
    /// The `breakdown` feature, in its own target directory.
    Breakdown,
}

impl Flavour {
    /// The target directory under the workspace root.
    const fn target_dir(self) -> &'static str {
        match self {
            Flavour::Plain => "target/kernel",
            Flavour::Breakdown => "target/kernel-breakdown",
        }
    }
}

fn build_flavour_at(root: &Path, arch: Arch, flavour: Flavour) -> Result<PathBuf, BuildError> {
    check_target_installed(root, arch)?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let host_vars = std::env::vars_os().map(|(key, _)| key);
    let output = cargo_command(&cargo, root, arch, flavour, host_vars)
        .stdin(Stdio::null())
        .output()
        .map_err(|error| BuildError::CargoSpawn {
            program: cargo.to_string_lossy().into_owned(),
            message: error.to_string(),
        })?;
    if !output.status.success() {
        return Err(BuildError::CargoFailed {
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    let elf = elf_path(root, arch, flavour);
    if elf.is_file() {
        Ok(elf)
    } else {
        Err(BuildError::ElfMissing(elf))
    }
}

/// The nested `cargo build` command for `arch`; `host_vars` are the names of
/// the variables in the runner's environment, so leaky ones can be removed.
fn cargo_command(
    cargo: &OsStr,
    root: &Path,
    arch: Arch,
    flavour: Flavour,
    host_vars: impl Iterator<Item = OsString>,
) -> Command {
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .arg("build")
        .arg("--manifest-path")
        .arg(root.join("kernel/Cargo.toml"))
        .args(["-p", KERNEL_PACKAGE, "--target", arch.rust_target()])
        .args(["--profile", KERNEL_PROFILE])
        .arg("--target-dir")
        .arg(root.join(flavour.target_dir()));
    if flavour == Flavour::Breakdown {
        command.args(["--features", "breakdown"]);
    }
    for name in host_vars.filter(|name| is_leaky(name)) {
        command.env_remove(name);
    }
    command
}

/// Whether the variable `name` would leak host settings into the kernel build.
fn is_leaky(name: &OsStr) -> bool {
    let name = name.to_string_lossy();
    LEAKY_VARS.contains(&name.as_ref())
        || LEAKY_PREFIXES.iter().any(|prefix| name.starts_with(prefix))
}

/// Fails with [`BuildError::TargetMissing`] unless the toolchain that `root`
/// pins has `arch`'s target installed.
fn check_target_installed(root: &Path, arch: Arch) -> Result<(), BuildError> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(&rustc)
        .current_dir(root)
        .args(["--print", "sysroot"])
        .stdin(Stdio::null())
        .output()
        .map_err(|error| BuildError::Sysroot(format!("{}: {error}", rustc.to_string_lossy())))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(BuildError::Sysroot(stderr.trim().to_owned()));
    }
    let sysroot = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    if has_target(&sysroot, arch) {
        Ok(())
    } else {
        Err(BuildError::TargetMissing(arch))
    }
}

/// Whether the sysroot holds the standard library for `arch`'s target.
fn has_target(sysroot: &Path, arch: Arch) -> bool {
    sysroot
        .join("lib/rustlib")
        .join(arch.rust_target())
        .is_dir()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_kernel_package_for_its_target_and_profile() {
        let root = Path::new("/repo");
        let command = cargo_command(
            OsStr::new("cargo"),
            root,
            Arch::X86_64,
            Flavour::Plain,
            std::iter::empty(),
        );
        let args: Vec<_> = command.get_args().map(|a| a.to_string_lossy()).collect();
        assert_eq!(
            args.join(" "),
            "build --manifest-path /repo/kernel/Cargo.toml -p pristine-kernel \
             --target x86_64-unknown-none --profile kernel --target-dir /repo/target/kernel"
        );
        assert_eq!(command.get_current_dir(), Some(root));
        let riscv = cargo_command(
            OsStr::new("cargo"),
            root,
            Arch::Riscv64,
            Flavour::Plain,
            std::iter::empty(),
        );
        let args: Vec<_> = riscv.get_args().map(|a| a.to_string_lossy()).collect();
        assert!(
            args.join(" ")
                .contains("--target riscv64gc-unknown-none-elf ")
        );
        let counting = cargo_command(
            OsStr::new("cargo"),
            root,
            Arch::X86_64,
            Flavour::Breakdown,
            std::iter::empty(),
        );
        let args: Vec<_> = counting.get_args().map(|a| a.to_string_lossy()).collect();
        assert!(
            args.join(" ")
                .ends_with("--target-dir /repo/target/kernel-breakdown --features breakdown"),
            "{args:?}"
        );
    }

    #[test]
    fn removes_only_leaky_variables() {
        let vars = [
            "RUSTFLAGS",
            "CARGO_MANIFEST_DIR",
            "CARGO_PRIMARY_PACKAGE",
            "PATH",
            "HOME",
        ];
        let command = cargo_command(
            OsStr::new("cargo"),
            Path::new("/repo"),
            Arch::X86_64,
            Flavour::Plain,
            vars.iter().map(OsString::from),
        );
        let removed: Vec<_> = command
            .get_envs()
            .filter(|(_, value)| value.is_none())
            .map(|(key, _)| key.to_string_lossy().into_owned())
            .collect();
        assert_eq!(removed.len(), 3, "removed {removed:?}");
        assert!(!removed.iter().any(|key| key == "PATH" || key == "HOME"));
        for name in LEAKY_VARS {
            assert!(is_leaky(OsStr::new(name)), "{name}");
        }
    }

    #[test]
    fn elf_path_follows_target_and_profile() {
        assert_eq!(
            kernel_elf_path(Path::new("/repo"), Arch::X86_64),
            Path::new("/repo/target/kernel/x86_64-unknown-none/kernel/pristine-kernel")
        );
        assert_eq!(
            kernel_elf_path(Path::new("/repo"), Arch::Riscv64),
            Path::new("/repo/target/kernel/riscv64gc-unknown-none-elf/kernel/pristine-kernel")
        );
    }

    #[test]
    fn missing_target_is_one_line_naming_rustup() {
        let message = BuildError::TargetMissing(Arch::Riscv64).to_string();
        assert_eq!(
            message,
            "the Rust target riscv64gc-unknown-none-elf is missing; \
             run `rustup toolchain install` in the repository root"
        );
        assert!(!has_target(Path::new("/nonexistent-sysroot"), Arch::X86_64));
    }
}
