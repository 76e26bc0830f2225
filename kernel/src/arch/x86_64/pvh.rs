//! Reading the PVH `hvm_start_info` structure.
//!
//! Layout from Xen's `xen/include/public/arch-x86/hvm/start_info.h`: a magic
//! number, the command line's physical address, and (version 1 and later) a
//! memory map in E820 form. Everything is copied into a [`BootInfo`] so the
//! original memory can be reused.
//!
//! Where the originals live: QEMU's PVH option ROM (`pvh.bin`) builds them
//! in its own data in low memory. With QEMU 7.2 the memory map is at
//! 0x5a8, the command line in a 4 KiB buffer at 0x11c0 and the start info
//! right after that buffer, at 0x21e0. All of it lies in the first MiB,
//! which the frame allocator never hands out (`memory::frames`), far below
//! the kernel image (linked at 2 MiB, its stacks and page tables in its
//! BSS); and the copy is the first thing the kernel does, before any frame
//! is allocated. The one way to overwrite the start info is the loader's:
//! a command line longer than its buffer runs over it before the kernel
//! starts, so that case is named in [`StartInfoError::BadMagic`].

use super::paging::phys_to_virt;
use crate::boot_info::{BootInfo, CommandLineError, MAX_COMMAND_LINE, MemoryKind, MemoryRegion};
use pristine_allocator::PhysAddr;

/// `hvm_start_info.magic`: "xEn3" with the top bit cleared.
pub const START_INFO_MAGIC: u32 = 0x336e_c578;

/// `struct hvm_start_info`, as the boot loader lays it out.
#[repr(C)]
struct StartInfo {
    magic: u32,
    version: u32,
    flags: u32,
    module_count: u32,
    module_list: u64,
    command_line: u64,
    rsdp: u64,
    memory_map: u64,
    memory_map_entries: u32,
    reserved: u32,
}

/// `struct hvm_memmap_table_entry`.
#[repr(C)]
#[derive(Clone, Copy)]
struct MemoryMapEntry {
    address: u64,
    size: u64,
    kind: u32,
    reserved: u32,
}

/// E820 type numbers (ACPI spec, "Address Range Types").
const E820_RAM: u32 = 1;
const E820_ACPI: u32 = 3;

/// Why the start info could not be used.
#[derive(Debug)]
pub enum StartInfoError {
    /// The magic number is wrong: not booted through PVH, or overwritten.
    BadMagic {
        /// Where the start info was said to be.
        address: PhysAddr,
        /// What was found there instead of [`START_INFO_MAGIC`].
        magic: u32,
    },
    /// Version 0 has no memory map, and Pristine needs one.
    NoMemoryMap,
    /// The command line cannot be used.
    CommandLine(CommandLineError),
}

impl core::fmt::Display for StartInfoError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::BadMagic { address, magic } => {
                write!(
                    f,
                    "the start info at {address} has magic {magic:#x}, not {START_INFO_MAGIC:#x}"
                )?;
                if magic.to_le_bytes().iter().all(u8::is_ascii_graphic) {
                    write!(
                        f,
                        ": it holds text, so a command line longer than {MAX_COMMAND_LINE} \
                         bytes overran QEMU's PVH loader buffer onto it"
                    )
                } else {
                    f.write_str(": not a PVH boot")
                }
            }
            Self::NoMemoryMap => f.write_str("start info version 0 carries no memory map"),
            Self::CommandLine(error) => write!(f, "{error}"),
        }
    }
}

/// Copies command line and memory map out of the start info at `address`.
///
/// # Safety
/// `address` must be the physical address the PVH loader passed in `ebx`,
/// and the boot page tables must still map low memory at the direct-map
/// offset.
pub unsafe fn read_start_info(
    address: PhysAddr,
    boot_info: &mut BootInfo,
) -> Result<(), StartInfoError> {
    // SAFETY: the caller guarantees a PVH start info lives at `address`, and
    // the direct map covers it.
    let start_info = unsafe { &*(phys_to_virt(address) as *const StartInfo) };
    if start_info.magic != START_INFO_MAGIC {
        return Err(StartInfoError::BadMagic {
            address,
            magic: start_info.magic,
        });
    }
    if start_info.version < 1 || start_info.memory_map == 0 {
        return Err(StartInfoError::NoMemoryMap);
    }
    if start_info.command_line != 0 {
        // SAFETY: the loader promises a NUL-terminated string at this
        // address, in a buffer of at least MAX_COMMAND_LINE + 1 bytes;
        // nothing overwrites boot-loader memory before the copy just below.
        let command_line = unsafe { c_string_at(PhysAddr(start_info.command_line)) }
            .ok_or(StartInfoError::CommandLine(CommandLineError::TooLong))?;
        boot_info
            .set_command_line(command_line)
            .map_err(StartInfoError::CommandLine)?;
    }
    // SAFETY: the loader promises `memory_map_entries` entries at this address.
    let entries = unsafe {
        core::slice::from_raw_parts(
            phys_to_virt(PhysAddr(start_info.memory_map)) as *const MemoryMapEntry,
            start_info.memory_map_entries as usize,
        )
    };
    for entry in entries {
        if !boot_info.push_region(region_of(entry)) {
            log::warn!("memory map has more entries than kept; the rest is ignored");
            break;
        }
    }
    Ok(())
}

fn region_of(entry: &MemoryMapEntry) -> MemoryRegion {
    let kind = match entry.kind {
        E820_RAM => MemoryKind::Usable,
        E820_ACPI => MemoryKind::AcpiReclaimable,
        _ => MemoryKind::Reserved,
    };
    let end = entry.address.saturating_add(entry.size);
    MemoryRegion {
        start: PhysAddr(entry.address),
        end: PhysAddr(end),
        kind,
    }
}

/// The bytes of the NUL-terminated string at `address`, or `None` if no NUL
/// ends it within [`MAX_COMMAND_LINE`] + 1 bytes (the loader's buffer).
///
/// # Safety
/// A NUL-terminated string, or at least [`MAX_COMMAND_LINE`] + 1 bytes of
/// readable memory, must be at `address`, reachable through the direct map,
/// and stay unchanged for as long as the caller keeps the returned slice
/// (`'a`).
unsafe fn c_string_at<'a>(address: PhysAddr) -> Option<&'a [u8]> {
    let start = phys_to_virt(address) as *const u8;
    for len in 0..=MAX_COMMAND_LINE {
        // SAFETY: len <= MAX_COMMAND_LINE: the byte lies within the string,
        // or within the buffer the caller vouched for.
        let byte = unsafe { start.add(len) };
        // SAFETY: `byte` points to readable memory, as just argued.
        if unsafe { byte.read() } == 0 {
            // SAFETY: the `len` bytes just read are readable, and the
            // caller promises they stay unchanged for `'a`.
            return Some(unsafe { core::slice::from_raw_parts(start, len) });
        }
    }
    None
}
