//! The panic handler: say what went wrong and where, then fail loudly.
//!
//! A panic in the kernel is the end of the run: the message and location go
//! to the serial console (the runner shows them), and QEMU exits with the
//! failure status so no test can mistake a crash for a pass.

use core::panic::PanicInfo;

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    crate::arch::break_console_lock();
    match info.location() {
        Some(location) => crate::println!(
            "[PANIC] {} at {}:{}:{}",
            info.message(),
            location.file(),
            location.line(),
            location.column()
        ),
        None => crate::println!("[PANIC] {}", info.message()),
    }
    crate::arch::exit_failure()
}
