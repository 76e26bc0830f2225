//! The serial console: COM1, a 16550 UART at I/O port 0x3f8.
//!
//! QEMU connects COM1 to its `-serial` backend (the runner uses `stdio`), so
//! everything the kernel prints here reaches the host runner line by line.
//! The `uart_16550` crate drives the chip; this module only owns the one
//! instance behind a lock.

use core::fmt::{self, Write};
use spin::Mutex;
use uart_16550::backend::PioBackend;
use uart_16550::{Config, Uart16550Tty};

/// I/O port base of COM1 on PC-compatible machines.
const COM1: u16 = 0x3f8;

static PORT: Mutex<Option<Uart16550Tty<PioBackend>>> = Mutex::new(None);

/// Initialises COM1. Output before this call is dropped.
pub fn init() {
    // SAFETY: COM1 is the standard PC serial port, and this module is its
    // only user.
    let port = unsafe { Uart16550Tty::new_port(COM1, Config::default()) };
    *PORT.lock() = port.ok();
}

/// Writes formatted text to the console: the serial port.
pub fn write_console(args: fmt::Arguments) {
    if let Some(port) = PORT.lock().as_mut() {
        // A serial write cannot fail in a way worth reporting (where to?).
        let _ = port.write_fmt(args);
    }
}

/// Takes the console (serial) lock even if someone holds it: for the panic
/// path only, when the holder may be the very code that panicked.
pub fn break_console_lock() {
    if PORT.is_locked() {
        // SAFETY: called only on the way to ending the machine; the holder
        // will never run again, so nobody observes the broken lock.
        unsafe { PORT.force_unlock() };
    }
}
