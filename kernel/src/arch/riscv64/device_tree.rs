//! Reading the flattened device tree OpenSBI hands over in `a1`.
//!
//! The device tree (Devicetree Specification v0.4) describes the machine:
//! RAM in the `/memory` nodes, firmware memory the kernel must not touch
//! in the header's reservation block and under `/reserved-memory` (OpenSBI
//! keeps its own code and data there), the command line in
//! `/chosen/bootargs`, and the devices by their `compatible` strings. The
//! `fdt` crate parses it; this module copies what the kernel needs into a
//! [`BootInfo`] and a [`Devices`], so the memory that held the tree can be
//! reused like any other RAM.

use super::devices::{Devices, Uart};
use super::paging::phys_to_virt;
use crate::boot_info::{BootInfo, CommandLineError, MemoryKind, MemoryRegion};
use fdt::Fdt;
use fdt::node::FdtNode;
use pristine_allocator::PhysAddr;

/// `compatible` strings of the console UART.
const UART_COMPATIBLE: &[&str] = &["ns16550a", "ns16550"];
/// `compatible` strings of QEMU's test (exit) device.
const TEST_DEVICE_COMPATIBLE: &[&str] = &["sifive,test1", "sifive,test0"];

/// Why the device tree could not be used.
#[derive(Debug)]
pub enum DeviceTreeError {
    /// The header is not a device tree's (bad magic, or too small).
    Unreadable {
        /// Where the tree was said to be.
        address: PhysAddr,
        /// What the parser said.
        reason: fdt::FdtError,
    },
    /// No `/memory` node lists any RAM.
    NoMemory,
    /// More memory regions than [`BootInfo`] keeps.
    TooManyRegions,
    /// The command line cannot be used.
    CommandLine(CommandLineError),
}

impl core::fmt::Display for DeviceTreeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Unreadable { address, reason } => {
                write!(f, "no device tree at {address} (a1): {reason}")
            }
            Self::NoMemory => f.write_str("the device tree lists no RAM in /memory"),
            Self::TooManyRegions => {
                f.write_str("the device tree lists more memory regions than kept")
            }
            Self::CommandLine(error) => write!(f, "{error}"),
        }
    }
}

/// The device tree OpenSBI handed over, opened.
pub struct DeviceTree<'a> {
    tree: Fdt<'a>,
}

impl DeviceTree<'static> {
    /// Opens the device tree at physical `address`.
    ///
    /// # Safety
    /// `address` must be the physical address OpenSBI passed in `a1`, the
    /// boot page table must map it at the direct-map offset, and the tree
    /// must stay unchanged while the result lives (nothing writes to RAM
    /// outside the kernel image before the kernel has copied what it needs).
    pub unsafe fn at(address: PhysAddr) -> Result<Self, DeviceTreeError> {
        // SAFETY: per the contract a device tree lives at `address`,
        // readable through the direct map; `from_ptr` reads its header, then
        // its `totalsize` bytes, which stay unchanged while the tree lives.
        let tree = unsafe { Fdt::from_ptr(phys_to_virt(address)) }
            .map_err(|reason| DeviceTreeError::Unreadable { address, reason })?;
        Ok(DeviceTree { tree })
    }
}

impl DeviceTree<'_> {
    /// The devices the tree names: the console UART and the test device.
    pub fn devices(&self) -> Devices {
        let tree = &self.tree;
        Devices {
            uart: uart(tree),
            test_device: tree
                .find_compatible(TEST_DEVICE_COMPATIBLE)
                .and_then(|node| regions(node).next())
                .map(|(start, _)| PhysAddr(start)),
        }
    }

    /// Copies the command line, the memory map and the reservations into
    /// `boot_info`.
    pub fn copy_into(&self, boot_info: &mut BootInfo) -> Result<(), DeviceTreeError> {
        let tree = &self.tree;
        if let Some(bootargs) = command_line(tree) {
            boot_info
                .set_command_line(bootargs)
                .map_err(DeviceTreeError::CommandLine)?;
        }
        for memory in tree.find_all_nodes("/memory") {
            for (start, size) in regions(memory) {
                let region = MemoryRegion {
                    start: PhysAddr(start),
                    end: PhysAddr(start.saturating_add(size)),
                    kind: MemoryKind::Usable,
                };
                if !boot_info.push_region(region) {
                    return Err(DeviceTreeError::TooManyRegions);
                }
            }
        }
        if boot_info.usable_bytes() == 0 {
            return Err(DeviceTreeError::NoMemory);
        }
        let header_reservations = tree
            .memory_reservations()
            .map(|reservation| (reservation.address() as u64, reservation.size() as u64));
        let firmware = tree
            .find_node("/reserved-memory")
            .into_iter()
            .flat_map(|node| node.children())
            .flat_map(regions);
        for (start, size) in header_reservations.chain(firmware) {
            if !boot_info.reserve(PhysAddr(start), PhysAddr(start.saturating_add(size))) {
                return Err(DeviceTreeError::TooManyRegions);
            }
        }
        Ok(())
    }
}

/// `/chosen/bootargs` without its closing NUL, if present.
fn command_line<'a>(tree: &Fdt<'a>) -> Option<&'a [u8]> {
    let value = tree.find_node("/chosen")?.property("bootargs")?.value;
    Some(value.strip_suffix(&[0]).unwrap_or(value))
}

/// The `(address, size)` pairs of a node's `reg` property.
fn regions<'b, 'a: 'b>(node: FdtNode<'b, 'a>) -> impl Iterator<Item = (u64, u64)> + 'a {
    node.reg().into_iter().flatten().map(|region| {
        (
            region.starting_address as u64,
            region.size.unwrap_or(0) as u64,
        )
    })
}

/// The console UART: `/chosen/stdout-path` if it names a 16550, else the
/// first node compatible with one.
fn uart(tree: &Fdt) -> Option<Uart> {
    let is_16550 = |node: &FdtNode| {
        node.compatible()
            .is_some_and(|compatible| compatible.all().any(|name| UART_COMPATIBLE.contains(&name)))
    };
    let node = chosen_stdout(tree)
        .filter(is_16550)
        .or_else(|| tree.find_compatible(UART_COMPATIBLE))?;
    let (base, _) = regions(node).next()?;
    let shift = node
        .property("reg-shift")
        .and_then(|property| property.as_usize())
        .unwrap_or(0);
    Some(Uart {
        base: PhysAddr(base),
        stride: 1u8.checked_shl(shift as u32).unwrap_or(1),
    })
}

/// `/chosen/stdout-path`, resolved; checked for `/chosen` first, since
/// the `fdt` crate's `chosen()` panics without it.
fn chosen_stdout<'b, 'a>(tree: &'b Fdt<'a>) -> Option<FdtNode<'b, 'a>> {
    tree.find_node("/chosen")?;
    tree.chosen().stdout()
}
