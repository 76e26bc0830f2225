//! The kernel heap: `linked_list_allocator` over pages the kernel maps, growing
//! on demand.
//!
//! `alloc` (`Box`, `Vec`, `BTreeMap`) needs a `#[global_allocator]`. The heap
//! starts with [`INITIAL_SIZE`] bytes at [`HEAP_START`]; when an allocation
//! does not fit, [`GrowingHeap`] maps more fresh frames right after the end
//! and extends the heap, up to [`HEAP_MAX_SIZE`]. If that fails too the
//! allocation fails with a log line saying why, and Rust's allocation-error
//! path panics with the size that could not be had.

use crate::arch::{HEAP_MAX_SIZE, HEAP_START, map_fresh_pages};
use crate::memory::paging_error::PagingError;
use core::alloc::{GlobalAlloc, Layout};
use core::fmt;
use core::ptr::{self, NonNull};
use linked_list_allocator::Heap;
use pristine_allocator::PAGE_SIZE;
use spin::Mutex;

/// Bytes mapped for the heap at boot.
pub const INITIAL_SIZE: u64 = 1 << 20;
/// Smallest step the heap grows by.
const GROWTH_STEP: u64 = 1 << 20;

/// Why the heap could not grow.
#[derive(Debug)]
enum GrowthError {
    /// The heap would pass [`HEAP_MAX_SIZE`].
    PastMaximum,
    /// The new pages could not be mapped (usually: no free frames left).
    Mapping(PagingError),
}

impl fmt::Display for GrowthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PastMaximum => write!(
                f,
                "the heap would pass its maximum of {HEAP_MAX_SIZE} bytes"
            ),
            Self::Mapping(error) => write!(f, "cannot map more heap: {error}"),
        }
    }
}

/// The heap and how many bytes of it are mapped.
struct HeapState {
    heap: Heap,
    mapped: u64,
}

/// A `linked_list_allocator` heap that maps more pages when it runs out.
pub struct GrowingHeap {
    state: Mutex<HeapState>,
}

#[global_allocator]
static HEAP: GrowingHeap = GrowingHeap {
    state: Mutex::new(HeapState {
        heap: Heap::empty(),
        mapped: 0,
    }),
};

/// Maps the initial heap.
///
/// # Panics
/// If the initial heap cannot be mapped: the machine is too small to boot.
pub fn init() {
    let mut state = HEAP.state.lock();
    map_more(state.mapped, INITIAL_SIZE)
        .unwrap_or_else(|reason| panic!("cannot map the initial kernel heap: {reason}"));
    // SAFETY: [HEAP_START, HEAP_START + INITIAL_SIZE) was just mapped
    // read-write and is used by nothing else.
    unsafe {
        state
            .heap
            .init(HEAP_START as *mut u8, INITIAL_SIZE as usize)
    };
    state.mapped = INITIAL_SIZE;
}

/// Bytes currently mapped for the heap.
pub fn mapped_bytes() -> u64 {
    HEAP.state.lock().mapped
}

fn map_more(mapped: u64, bytes: u64) -> Result<(), GrowthError> {
    if mapped + bytes > HEAP_MAX_SIZE {
        return Err(GrowthError::PastMaximum);
    }
    let pages = bytes / PAGE_SIZE;
    // SAFETY: the heap range beyond `mapped` is reserved for the heap and
    // not mapped yet.
    unsafe { map_fresh_pages(HEAP_START + mapped, pages) }.map_err(GrowthError::Mapping)
}

impl HeapState {
    fn grow_for(&mut self, layout: Layout) -> Result<(), GrowthError> {
        let needed = (layout.size() + layout.align()) as u64;
        let bytes = needed.max(GROWTH_STEP).next_multiple_of(PAGE_SIZE);
        map_more(self.mapped, bytes)?;
        // SAFETY: the `bytes` right after the heap's end were just mapped.
        unsafe { self.heap.extend(bytes as usize) };
        self.mapped += bytes;
        Ok(())
    }
}

// SAFETY: allocation and deallocation go through the locked
// linked_list_allocator heap, which hands out disjoint, aligned blocks.
unsafe impl GlobalAlloc for GrowingHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let mut state = self.state.lock();
        if let Ok(block) = state.heap.allocate_first_fit(layout) {
            return block.as_ptr();
        }
        if let Err(reason) = state.grow_for(layout) {
            log::error!(
                "kernel heap exhausted: cannot allocate {} bytes ({} mapped): {reason}",
                layout.size(),
                state.mapped
            );
            return ptr::null_mut();
        }
        state
            .heap
            .allocate_first_fit(layout)
            .map_or(ptr::null_mut(), NonNull::as_ptr)
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        if let Some(block) = NonNull::new(pointer) {
            // SAFETY: the caller passes a block this heap allocated with `layout`.
            unsafe { self.state.lock().heap.deallocate(block, layout) };
        }
    }
}
