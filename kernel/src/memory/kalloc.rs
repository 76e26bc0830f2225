//! The kernel's `calloc`, `malloc`, `free` and `realloc`.
//!
//! Like a C library, the kernel sends each request where it fits best:
//! requests of at least the engine's threshold (128 KiB, glibc's mmap
//! threshold) go to the large-allocation engine ([`super::large`]), smaller
//! ones, which the engine turns away as below its threshold, to the kernel
//! heap. A heap block carries a 16-byte header holding its
//! size, so `free` and `realloc` need only the pointer, as in C. A pointer's
//! address says where it came from: the large range belongs to the engine.
//!
//! `calloc` memory reads zero, always; `malloc` memory may hold old bytes of
//! this same allocator (never of another program, because there is none).

use super::large;
use alloc::alloc::Layout;
use core::ptr::NonNull;
use pristine_allocator::AllocError;
use pristine_allocator::VirtAddr;

/// Bytes in front of each heap block; keeps 16-byte alignment.
const HEADER: usize = 16;

/// Why a kernel allocation call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelAllocError {
    /// `count * size` does not fit in 64 bits.
    Overflow,
    /// A zero-byte request: no memory is handed out (C may return null).
    ZeroSize,
    /// The kernel heap could not provide `size` bytes.
    HeapExhausted {
        /// The requested size in bytes.
        size: u64,
    },
    /// The large-allocation engine refused.
    Large(AllocError),
}

/// The engine's size errors are the kernel API's own; the rest it wraps.
impl From<AllocError> for KernelAllocError {
    fn from(error: AllocError) -> Self {
        match error {
            AllocError::Overflow => Self::Overflow,
            AllocError::ZeroSize => Self::ZeroSize,
            other => Self::Large(other),
        }
    }
}

fn heap_layout(size: u64) -> Result<Layout, KernelAllocError> {
    let total = usize::try_from(size)
        .ok()
        .and_then(|size| size.checked_add(HEADER));
    let total = total.ok_or(KernelAllocError::HeapExhausted { size })?;
    Layout::from_size_align(total, HEADER).map_err(|_| KernelAllocError::HeapExhausted { size })
}

fn heap_allocate(size: u64, zeroed: bool) -> Result<NonNull<u8>, KernelAllocError> {
    let layout = heap_layout(size)?;
    let block = if zeroed {
        // SAFETY: the layout has a non-zero size (at least the header).
        unsafe { alloc::alloc::alloc_zeroed(layout) }
    } else {
        // SAFETY: as for alloc_zeroed: a non-zero size.
        unsafe { alloc::alloc::alloc(layout) }
    };
    let block = NonNull::new(block).ok_or(KernelAllocError::HeapExhausted { size })?;
    // SAFETY: the block is at least HEADER bytes and 16-byte aligned, so its
    // first 8 bytes can hold the size; nothing else refers to it yet.
    unsafe { block.cast::<u64>().write(size) };
    // SAFETY: the layout's size is at least HEADER, so the caller's bytes
    // start inside the block (or one past its end for a zero-size request).
    Ok(unsafe { block.add(HEADER) })
}

/// The start of the heap block whose caller bytes begin at `pointer`, where
/// its header is.
///
/// # Safety
/// `pointer` must come from [`heap_allocate`] and not be freed yet.
unsafe fn heap_block_start(pointer: NonNull<u8>) -> NonNull<u8> {
    // SAFETY: per the contract, `pointer` is HEADER bytes into one live
    // block, so stepping back stays inside it.
    unsafe { pointer.sub(HEADER) }
}

/// The size a heap block was allocated with, read from its header.
///
/// # Safety
/// `pointer` must come from [`heap_allocate`] and not be freed yet.
unsafe fn heap_block_size(pointer: NonNull<u8>) -> u64 {
    // SAFETY: forwarded from the caller.
    let header = unsafe { heap_block_start(pointer) };
    // SAFETY: the header is the aligned first word of a live block, written
    // by heap_allocate.
    unsafe { header.cast::<u64>().read() }
}

fn to_pointer(address: VirtAddr) -> NonNull<u8> {
    // The engine's range cannot start at 0 (`VirtRange::new` refuses it with
    // `SetupError::RangeContainsAddressZero`), so no region starts there.
    NonNull::new(address.0 as *mut u8).expect("the engine never hands out address 0")
}

/// Allocates `count * size` bytes that read as zero.
pub fn calloc(count: u64, size: u64) -> Result<NonNull<u8>, KernelAllocError> {
    match large::with_engine(|engine| engine.calloc(count, size)) {
        Err(AllocError::BelowThreshold { size, .. }) => heap_allocate(size, true),
        result => Ok(to_pointer(result?)),
    }
}

/// Allocates `size` bytes with unspecified contents.
pub fn malloc(size: u64) -> Result<NonNull<u8>, KernelAllocError> {
    match large::with_engine(|engine| engine.malloc(size)) {
        Err(AllocError::BelowThreshold { size, .. }) => heap_allocate(size, false),
        result => Ok(to_pointer(result?)),
    }
}

/// Frees memory from [`calloc`], [`malloc`] or [`realloc`].
///
/// # Safety
/// A heap pointer (outside the large range) must come from this module and
/// not be freed yet; large pointers are checked by the engine.
pub unsafe fn free(pointer: NonNull<u8>) -> Result<(), KernelAllocError> {
    let address = pointer.as_ptr() as u64;
    if large::owns(address) {
        return Ok(large::with_engine(|engine| engine.free(VirtAddr(address)))?);
    }
    // SAFETY: per the contract, a live heap block with its header.
    let size = unsafe { heap_block_size(pointer) };
    let layout = heap_layout(size)?;
    // SAFETY: per the contract, a live heap block.
    let block = unsafe { heap_block_start(pointer) };
    // SAFETY: allocated by heap_allocate with this layout, freed once.
    unsafe { alloc::alloc::dealloc(block.as_ptr(), layout) };
    Ok(())
}

/// Resizes an allocation, keeping its first `min(old, new)` bytes.
///
/// # Safety
/// As for [`free`].
pub unsafe fn realloc(pointer: NonNull<u8>, size: u64) -> Result<NonNull<u8>, KernelAllocError> {
    let address = pointer.as_ptr() as u64;
    let threshold = large::with_engine(|engine| engine.config().threshold);
    if large::owns(address) && size >= threshold {
        let moved = large::with_engine(|engine| engine.realloc(VirtAddr(address), size))?;
        return Ok(to_pointer(moved));
    }
    let old_size = if large::owns(address) {
        large::with_engine(|engine| engine.allocation_size(VirtAddr(address)))?
    } else {
        // SAFETY: per the contract, a live heap block.
        unsafe { heap_block_size(pointer) }
    };
    let new = malloc(size)?;
    let kept = usize::try_from(old_size.min(size)).unwrap_or(usize::MAX);
    // SAFETY: both blocks are live, distinct, and at least `kept` bytes long.
    unsafe { core::ptr::copy_nonoverlapping(pointer.as_ptr(), new.as_ptr(), kept) };
    // SAFETY: forwarded from the caller.
    unsafe { free(pointer)? };
    Ok(new)
}
