//! The devices the kernel drives, as the device tree named them.
//!
//! `virt` puts its 16550 UART at `0x1000_0000` and its `sifive_test`
//! device at `0x10_0000`, but the kernel does not assume it: the device
//! tree says where they are ([`super::device_tree`]), and this module
//! keeps the answer for the console, the exit path and the page tables
//! (which map one page for each device).

use pristine_allocator::PhysAddr;
use spin::Once;

/// A 16550-compatible UART on MMIO.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Uart {
    /// Physical address of register 0.
    pub base: PhysAddr,
    /// Bytes between consecutive registers (`1 << reg-shift`).
    pub stride: u8,
}

/// Where the devices are; `None` for one the device tree did not name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Devices {
    /// The console UART (`ns16550a`).
    pub uart: Option<Uart>,
    /// The `sifive_test` device, whose register ends QEMU with a status.
    pub test_device: Option<PhysAddr>,
}

impl Devices {
    /// The physical address of each device's registers, for the page tables.
    pub fn mmio_pages(&self) -> [Option<PhysAddr>; 2] {
        [self.uart.map(|uart| uart.base), self.test_device]
    }
}

static DEVICES: Once<Devices> = Once::new();

/// Records the devices found at boot; later calls keep the first answer.
pub fn set(devices: Devices) {
    DEVICES.call_once(|| devices);
}

/// The devices found at boot (none before [`set`]).
pub fn get() -> Devices {
    DEVICES.get().copied().unwrap_or_default()
}
