//! The kernel's one physical frame allocator, shared behind a lock.
//!
//! [`init`] turns the boot memory map into a
//! [`FrameAllocator`](pristine_allocator::frame::FrameAllocator): it finds room
//! for the allocator's bitmap in low RAM (the only RAM the boot page tables
//! reach), hands every usable range to it, and takes back what is already
//! spoken for: the first MiB (on x86_64 firmware data and the boot loader's
//! structures), the kernel image with its stacks, and the bitmap itself.

use crate::arch::{EARLY_MAPPED_LIMIT, kernel_image, phys_to_virt};
use crate::boot_info::BootInfo;
use pristine_allocator::frame::{FrameAllocator, FrameStats};
use pristine_allocator::{PAGE_SIZE, PhysAddr};
use spin::Mutex;

/// Physical memory below this is never handed out.
const LOW_MEMORY_RESERVED: u64 = 1 << 20;

static FRAMES: Mutex<Option<FrameAllocator<'static>>> = Mutex::new(None);

/// Runs `operation` with the frame allocator locked.
///
/// # Panics
/// If called before [`init`]: a boot-order bug, not a runtime condition.
pub fn with_frames<R>(operation: impl FnOnce(&mut FrameAllocator<'static>) -> R) -> R {
    let mut guard = FRAMES.lock();
    let frames = guard
        .as_mut()
        .expect("frame allocator used before memory::frames::init");
    operation(frames)
}

/// Counts of usable, free and used frames.
pub fn stats() -> FrameStats {
    with_frames(|frames| frames.stats())
}

/// Builds the frame allocator from the boot memory map.
///
/// # Panics
/// If no usable RAM below [`EARLY_MAPPED_LIMIT`] can hold the bitmap: the machine is too small
/// to boot at all.
pub fn init(boot_info: &BootInfo) {
    let frame_limit = boot_info.usable_end().frame_at_or_after();
    let words = FrameAllocator::metadata_words(frame_limit);
    let bytes = (words as u64 * 8).next_multiple_of(PAGE_SIZE);
    let metadata_start = find_metadata_home(boot_info, bytes).unwrap_or_else(|| {
        panic!("no room below {EARLY_MAPPED_LIMIT:#x} for {bytes} bytes of frame bitmap")
    });
    // SAFETY: the range is usable RAM, not part of the kernel image, reachable
    // through the boot direct map, and reserved below so nothing else gets it.
    let metadata =
        unsafe { core::slice::from_raw_parts_mut(phys_to_virt(metadata_start) as *mut u64, words) };
    let mut frames = FrameAllocator::new(metadata, frame_limit)
        .unwrap_or_else(|error| panic!("frame allocator: {error}"));
    for region in boot_info.usable_regions() {
        frames.add_usable_range(region.start, region.end);
    }
    let (image_start, image_end) = kernel_image();
    frames.reserve_range(PhysAddr(0), PhysAddr(LOW_MEMORY_RESERVED));
    frames.reserve_range(image_start, image_end);
    frames.reserve_range(metadata_start, PhysAddr(metadata_start.0 + bytes));
    log::info!(
        "frames: {} usable, {} free; bitmap {} KiB at {}",
        frames.stats().usable.0,
        frames.stats().free.0,
        bytes / 1024,
        metadata_start
    );
    *FRAMES.lock() = Some(frames);
}

/// The first page-aligned spot of `bytes` bytes of usable RAM that is above
/// the reserved low memory, outside the kernel image, and early-mapped.
fn find_metadata_home(boot_info: &BootInfo, bytes: u64) -> Option<PhysAddr> {
    let (image_start, image_end) = kernel_image();
    boot_info.usable_regions().find_map(|region| {
        let mut start = region
            .start
            .0
            .max(LOW_MEMORY_RESERVED)
            .next_multiple_of(PAGE_SIZE);
        if start < image_end.0 && start + bytes > image_start.0 {
            start = image_end.0.next_multiple_of(PAGE_SIZE);
        }
        let end = region.end.0.min(EARLY_MAPPED_LIMIT);
        (start + bytes <= end).then_some(PhysAddr(start))
    })
}
