//! The serial console: the `virt` machine's 16550 UART, on MMIO.
//!
//! QEMU connects the UART to its `-serial` backend (the runner uses
//! `stdio`), so everything the kernel prints here reaches the host runner
//! line by line. The `uart_16550` crate drives the chip through the direct
//! map at the address the device tree gave; this module only owns the one
//! instance behind a lock. Until [`init`] has run (and if it fails), text
//! goes out through OpenSBI's console instead ([`super::sbi`]), so even a
//! fault during the first steps of boot is reported.

use super::devices::Uart;
use super::paging::phys_to_virt;
use super::sbi;
use core::fmt::{self, Write};
use core::num::NonZeroUsize;
use spin::Mutex;
use uart_16550::backend::MmioBackend;
use uart_16550::{Config, Uart16550Tty};

static PORT: Mutex<Option<Uart16550Tty<MmioBackend>>> = Mutex::new(None);

/// Starts the UART at `uart`.
pub fn init(uart: Uart) {
    let Some(base) = NonZeroUsize::new(phys_to_virt(uart.base) as usize) else {
        return;
    };
    // SAFETY: the device tree names a 16550 at this address; the direct map
    // reaches it (the boot table maps all low physical memory, the kernel's
    // tables map its page, see paging.rs), and this module is its only user.
    let port = unsafe { Uart16550Tty::new_mmio_from_address(base, uart.stride, Config::default()) };
    *PORT.lock() = port.ok();
}

/// Writes through the firmware, one byte per SBI call.
struct FirmwareConsole;

impl Write for FirmwareConsole {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        text.bytes().for_each(sbi::console_putchar);
        Ok(())
    }
}

/// Writes formatted text to the console: the UART, or the firmware's
/// console before the UART is up.
pub fn write_console(args: fmt::Arguments) {
    let mut port = PORT.lock();
    // A console write cannot fail in a way worth reporting (where to?).
    let _ = match port.as_mut() {
        Some(port) => port.write_fmt(args),
        None => FirmwareConsole.write_fmt(args),
    };
}

/// Takes the console lock even if someone holds it: for the panic path
/// only, when the holder may be the very code that panicked.
pub fn break_console_lock() {
    if PORT.is_locked() {
        // SAFETY: called only on the way to ending the machine; the holder
        // will never run again, so nobody observes the broken lock.
        unsafe { PORT.force_unlock() };
    }
}
