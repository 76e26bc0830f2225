//! The QEMU tests' checks that are more than "this kernel test passes":
//! the kernel's test list against the host's, the out-of-memory ending,
//! an unknown test name, the usable RAM per guest size, and what the kernel
//! and the runner do with command lines they cannot use. `main.rs` lists
//! them (the `checks` part of `kernel_tests!`) once per architecture.

use super::*;

/// Kernel tests that end the machine on purpose instead of reporting a
/// result; each has its own check (in `checks`).
pub(super) const ENDING_TESTS: &[&str] = &["write_fault_without_frames_reports_out_of_memory"];

/// Checks the `arch` kernel's `test=list` names exactly `host_tests` and
/// [`ENDING_TESTS`].
pub(super) fn expect_test_list_matches(arch: Arch, host_tests: &[&str]) {
    let outcome = boot_kernel(arch, "64M", test_cmdline("list"));
    let lists: Vec<_> = outcome.test_lists().collect();
    let ([list], GuestExit::Success) = (lists.as_slice(), outcome.exit) else {
        panic!(
            "expected one test-list line and success, got {} lines; {}\n{}",
            lists.len(),
            outcome.exit,
            outcome.transcript()
        );
    };
    let kernel: BTreeSet<&str> = list.names.iter().map(String::as_str).collect();
    let host: BTreeSet<&str> = host_tests.iter().chain(ENDING_TESTS).copied().collect();
    let missing_here: Vec<_> = kernel.difference(&host).collect();
    let missing_in_kernel: Vec<_> = host.difference(&kernel).collect();
    assert!(
        missing_here.is_empty() && missing_in_kernel.is_empty() && kernel.len() == list.names.len(),
        "{arch} kernel tests without a host #[test] in tests/qemu/main.rs: {missing_here:?}\n\
         host tests the kernel does not have: {missing_in_kernel:?}\n\
         kernel list: {:?}\n{}",
        list.names,
        outcome.transcript()
    );
}

/// A write fault that no frame can serve, even after the cache gave back a
/// written block, ends the 64 MiB guest with one `[OUT OF MEMORY]` line
/// (the address, the free frames, the cache state) and exit status 39: no
/// panic, no result line.
pub(super) fn write_fault_without_frames_reports_out_of_memory(arch: Arch) {
    let name = "write_fault_without_frames_reports_out_of_memory";
    let outcome = boot_kernel(arch, "64M", test_cmdline(name));
    let lines: Vec<&str> = outcome.lines.iter().map(|line| line.text()).collect();
    let reports: Vec<&&str> = lines
        .iter()
        .filter(|line| line.starts_with("[OUT OF MEMORY] "))
        .collect();
    let panicked = lines.iter().any(|line| line.contains("PANIC"));
    let expected = [
        "[OUT OF MEMORY] write fault at 0xffff",
        "needed a frame",
        "frames free; large allocations hold",
        "cache: 0 blocks, 0 bytes",
        "1024 frames reclaimed",
    ];
    let clear = matches!(
        reports.as_slice(),
        [report] if expected.iter().all(|part| report.contains(part))
    );
    assert!(
        outcome.exit == GuestExit::OutOfMemory
            && clear
            && !panicked
            && outcome.test_results().next().is_none(),
        "expected exit status 39 after one [OUT OF MEMORY] line containing {expected:?},          no panic and no result line; got {} such lines; {}\n{}",
        reports.len(),
        outcome.exit,
        outcome.transcript()
    );
}

/// Asking for a test the kernel does not have fails with a result line that
/// names it, instead of passing, hanging or crashing.
pub(super) fn unknown_test_name_fails_clearly(arch: Arch) {
    let name = "no_such_test";
    let outcome = boot_kernel(arch, "64M", test_cmdline(name));
    let results: Vec<_> = outcome.test_results().collect();
    let clear = matches!(
        results.as_slice(),
        [result] if result.name == name && result.outcome == Outcome::Fail && !result.detail.is_empty()
    );
    assert!(
        clear && outcome.exit == GuestExit::Failure,
        "expected one `fail` result line for `{name}` with a detail, and the failure exit; \
         got {} result lines; {}\n{}",
        results.len(),
        outcome.exit,
        outcome.transcript()
    );
}

/// Boots normally with `memory` and checks the memory summary reports
/// usable RAM within 2 % of it.
pub(super) fn expect_usable_ram_matches(arch: Arch, memory: &str) {
    let size = parse_memory(memory);
    let outcome = boot_kernel(arch, memory, KernelCmdline::new());
    let summaries: Vec<_> = outcome.memory_summaries().collect();
    let ([summary], GuestExit::Success) = (summaries.as_slice(), outcome.exit) else {
        panic!(
            "expected one memory line and success, got {} lines; {}\n{}",
            summaries.len(),
            outcome.exit,
            outcome.transcript()
        );
    };
    let usable = summary.usable_bytes;
    let deviation = usable.abs_diff(size.bytes()) as f64 / size.bytes() as f64;
    assert!(
        deviation <= 0.02,
        "{arch} --memory {memory}: usable RAM is {usable} bytes, {:.2} % away from {} bytes \
         (at most 2 % allowed)\n{}",
        deviation * 100.0,
        size.bytes(),
        outcome.transcript()
    );
}

/// One check per guest size for [`expect_usable_ram_matches`].
macro_rules! usable_ram_tests {
    ($($name:ident => $memory:literal,)*) => {
        $(
            #[doc = concat!("A normal boot with `--memory ", $memory, "` reports that much usable RAM.")]
            pub(super) fn $name(arch: Arch) {
                expect_usable_ram_matches(arch, $memory);
            }
        )*
    };
}

usable_ram_tests! {
    usable_ram_matches_memory_64m => "64M",
    usable_ram_matches_memory_512m => "512M",
    usable_ram_matches_memory_3g => "3G",
    usable_ram_matches_memory_8g => "8G",
}

/// Boots `cmdline` on `arch` in a 64 MiB guest straight through QEMU,
/// without the runner's length check, as a user's own QEMU command would.
pub(super) fn boot_unchecked(arch: Arch, cmdline: KernelCmdline) -> RunOutcome {
    let mut machine = machine_for(arch);
    machine.memory = parse_memory("64M");
    machine.cmdline = cmdline;
    let program = machine
        .preflight()
        .unwrap_or_else(|error| panic!("error: {error}"));
    let command = QemuCommand::new(program, &machine);
    run_command(command, Duration::from_secs(60), |_| {})
        .unwrap_or_else(|error| panic!("error: {error}"))
}

/// Checks `outcome` ended with the bad-boot-input status after exactly one
/// `[BOOT INPUT]` line that contains `expected`, and no panic.
pub(super) fn expect_refused(outcome: &RunOutcome, expected: &str) {
    let lines: Vec<&str> = outcome.lines.iter().map(|line| line.text()).collect();
    let refusals: Vec<&&str> = lines
        .iter()
        .filter(|line| line.starts_with("[BOOT INPUT] "))
        .collect();
    let panicked = lines.iter().any(|line| line.contains("PANIC"));
    assert!(
        outcome.exit == GuestExit::BadBootInput
            && matches!(refusals.as_slice(), [line] if line.contains(expected))
            && !panicked,
        "expected exit status 37 after one [BOOT INPUT] line containing {expected:?}, no panic; \
         got {} such lines; {}\n{}",
        refusals.len(),
        outcome.exit,
        outcome.transcript()
    );
}

/// A command line of exactly 4095 bytes, the most a PVH boot carries (and
/// the most the kernel takes from a device tree), arrives whole: its last
/// word, `test=boot`, is seen and the test passes.
pub(super) fn command_line_of_4095_bytes_arrives_whole(arch: Arch) {
    let last = "test=boot";
    let mut padding = String::new();
    while padding.len() + "log=info ".len() + last.len() + " rounds=1".len() <= 4095 {
        padding.push_str("log=info ");
    }
    let ones = 4095 - padding.len() - last.len() - "rounds= ".len();
    padding.push_str(&format!("rounds={}", "1".repeat(ones)));
    let mut cmdline = KernelCmdline::new();
    cmdline.append_raw(&padding);
    cmdline.set("test", "boot").expect("a valid word");
    assert_eq!(cmdline.to_string().len(), KernelCmdline::MAX_LEN);
    let outcome = boot_kernel(arch, "64M", cmdline);
    if let Err(failure) = judge_test(&outcome, "boot") {
        panic!(
            "a 4095-byte command line did not arrive whole: {failure}\n{}",
            outcome.transcript()
        );
    }
}

/// A 60 KB `--append` is refused by the runner with the exact lengths,
/// before QEMU starts (QEMU's PVH loader would overrun its own memory).
#[test]
pub(super) fn command_line_of_60_kb_is_refused_by_the_runner() {
    let mut cmdline = KernelCmdline::for_test("boot").expect("a valid name");
    let long = "log=info ".repeat(60 * 1024 / 9);
    let error = cmdline
        .append_user(&long)
        .expect_err("60 KB cannot reach the kernel");
    let len = "test=boot poison=on ".len() + long.len();
    assert_eq!(
        error,
        CmdlineError::TooLong {
            len,
            max: KernelCmdline::MAX_LEN
        }
    );
    cmdline.append_raw(&long);
    let mut machine = machine_for(Arch::X86_64);
    machine.cmdline = cmdline;
    match run_kernel(&RunConfig::new(machine)) {
        Err(RunError::Cmdline(CmdlineError::TooLong { len: seen, .. })) => assert_eq!(seen, len),
        other => panic!("expected the runner to refuse a {len}-byte line, got {other:?}"),
    }
}

/// A line a few bytes longer than the loader's buffer (booted without the
/// runner's check) is refused by the kernel with one line naming the limit,
/// not cut silently.
pub(super) fn command_line_over_4095_bytes_is_refused_by_the_kernel(arch: Arch) {
    let mut cmdline = KernelCmdline::for_test("boot").expect("a valid name");
    cmdline.append_raw(&"log=info ".repeat(4100 / 9));
    let outcome = boot_unchecked(arch, cmdline);
    expect_refused(&outcome, "longer than 4095 bytes");
}

/// A line long enough to overwrite the PVH start info (4.5 KB, booted
/// without the runner's check) is named as the cause, not reported as a
/// panic. x86_64 only: a device tree has no loader buffer to overrun.
#[test]
pub(super) fn command_line_over_the_start_info_is_named_by_the_kernel() {
    let mut cmdline = KernelCmdline::for_test("boot").expect("a valid name");
    cmdline.append_raw(&"log=info ".repeat(4600 / 9));
    let outcome = boot_unchecked(Arch::X86_64, cmdline);
    expect_refused(&outcome, "overran QEMU's PVH loader buffer");
}

/// One check per bad kernel word: the kernel refuses it with one line
/// naming it and exit status 37.
macro_rules! bad_word_tests {
    ($($name:ident => $word:literal names $key:literal,)*) => {
        $(
            #[doc = concat!("`", $word, "` is refused with one line and exit status 37.")]
            pub(super) fn $name(arch: Arch) {
                let mut cmdline = KernelCmdline::new();
                cmdline.append_raw($word);
                expect_refused(&boot_kernel(arch, "64M", cmdline), $key);
            }
        )*
    };
}

bad_word_tests! {
    bad_word_policy_is_refused => "policy=bogus" names "policy=\"bogus\" is not valid",
    bad_word_mode_is_refused => "mode=bogus" names "mode=\"bogus\" is not valid",
    bad_word_sizes_zero_is_refused => "mode=demo sizes=0" names "sizes=\"0\" is not valid",
    bad_word_negative_rounds_is_refused => "rounds=-1" names "rounds=\"-1\" is not valid",
    unknown_word_is_refused => "unknownword=1" names "\"unknownword\" is not a kernel command-line key",
}
