//! Small CPU operations the arch-neutral kernel needs by name.

/// Raises a breakpoint exception (`int3`); the handler resumes after it.
pub fn breakpoint() {
    x86_64::instructions::interrupts::int3();
}

/// A counter that only grows, in ticks: on x86_64 the CPU's time-stamp
/// counter (`rdtsc`).
///
/// Under QEMU with `-icount shift=0` the guest clock, and with it the TSC,
/// advances exactly one nanosecond per executed guest instruction, so
/// differences of this counter are instruction counts and repeat exactly
/// from run to run. Under plain TCG they follow host time (noisy).
pub fn read_timestamp() -> u64 {
    // SAFETY: rdtsc has no preconditions in ring 0 (CR4.TSD only restricts
    // ring 3) and touches no memory.
    unsafe { core::arch::x86_64::_rdtsc() }
}
