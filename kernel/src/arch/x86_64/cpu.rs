//! Small CPU operations the arch-neutral kernel needs by name.

/// Raises a breakpoint exception (`int3`); the handler resumes after it.
pub fn breakpoint() {
    x86_64::instructions::interrupts::int3();
}
