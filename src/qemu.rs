//! The QEMU command line that boots the kernel, and the checks made before it.
//!
//! One place decides every QEMU argument, so the runner, the tests and later
//! the demo and the benchmark all boot the same machine: a `pc` machine with
//! the `max` CPU, no display, the serial port on stdio, no monitor, no reboot
//! (so a triple fault ends QEMU instead of looping), and the `isa-debug-exit`
//! device the kernel uses to report its result (see [`crate::exit`]). QEMU
//! loads the kernel ELF through its PVH note, so no bootloader is involved.
//!
//! TCG is the default accelerator: on this project's machines `/dev/kvm` is
//! nested and much slower than TCG. `-icount shift=0,sleep=off` makes the
//! guest clock count instructions, which keeps benchmark numbers repeatable.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmdline::KernelCmdline;
use crate::size::MemorySize;

/// The QEMU system emulator the runner starts.
pub const QEMU_PROGRAM: &str = "qemu-system-x86_64";

/// The device through which the kernel ends QEMU with a status.
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
    /// The kernel ELF with its PVH note.
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
    #[error("{QEMU_PROGRAM} not found; install it with: sudo apt-get install qemu-system-x86")]
    NotFound,
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
    /// A machine booting `kernel` with default memory, TCG and no arguments.
    pub fn new(kernel: impl Into<PathBuf>) -> Self {
        Machine {
            kernel: kernel.into(),
            cmdline: KernelCmdline::new(),
            memory: MemorySize::DEFAULT,
            accel: Accel::Tcg,
            icount: false,
        }
    }

    /// Checks the host can run this machine and finds the emulator.
    pub fn preflight(&self) -> Result<PathBuf, QemuError> {
        if self.icount && self.accel != Accel::Tcg {
            return Err(QemuError::IcountNeedsTcg);
        }
        if self.accel == Accel::Kvm && !Path::new("/dev/kvm").exists() {
            return Err(QemuError::KvmMissing);
        }
        find_on_path(QEMU_PROGRAM).ok_or(QemuError::NotFound)
    }
}

impl QemuCommand {
    /// The invocation of `program` that boots `machine`.
    pub fn new(program: impl Into<PathBuf>, machine: &Machine) -> Self {
        let mut args = Vec::new();
        let mut flag = |name: &str, value: OsString| args.extend([name.into(), value]);
        flag("-kernel", machine.kernel.clone().into_os_string());
        flag("-append", machine.cmdline.to_string().into());
        flag("-m", machine.memory.qemu_arg().into());
        flag("-cpu", machine.accel.cpu_model().into());
        flag("-machine", "pc".into());
        flag("-accel", machine.accel.qemu_name().into());
        flag("-display", "none".into());
        flag("-serial", "stdio".into());
        flag("-monitor", "none".into());
        if machine.icount {
            flag("-icount", "shift=0,sleep=off".into());
        }
        args.push("-no-reboot".into());
        args.extend(["-device".into(), DEBUG_EXIT_DEVICE.into()]);
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
        QemuCommand::new(QEMU_PROGRAM, machine)
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
        let shown = QemuCommand::new(QEMU_PROGRAM, &machine).to_string();
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
