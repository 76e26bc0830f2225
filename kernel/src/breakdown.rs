//! Where the instructions go: guest instructions counted per part of a round.
//!
//! Built only with the kernel's `breakdown` feature (the benchmark's
//! `--breakdown` builds such a kernel on its own); without it [`measure`]
//! is the bare call, so the ordinary kernel pays nothing.
//!
//! Under `-icount shift=0` the timestamp counter advances one tick per guest
//! instruction, so a timestamp read before and after a section counts the
//! instructions it ran. Sections nest (a write fault runs inside the
//! program's write loop; a page-table walk inside the engine), and each
//! [`Part`] is charged only its *own* instructions: a section's count minus
//! those of the sections it contains. A section also costs its parent the
//! few instructions of its own timestamp bookkeeping; [`calibrate`]
//! measures that once, and [`take`] subtracts it per contained section.
//! The outermost sections' own bookkeeping stays in no part, so the parts
//! add up to a little less than the (counting) round.
//!
//! What is measured where: [`Part::Zeroing`] around every page clear of the
//! MMU; [`Part::TlbFlush`] around `invlpg`; [`Part::PageTables`] around every
//! other MMU method (walks and entry updates); [`Part::Frames`] around the
//! frame allocator; [`Part::Engine`] around `calloc`, `free` and the engine's
//! fault handling (cache bookkeeping, region table, policy decisions);
//! [`Part::Program`] around the round's write loop, which holds the faults'
//! entry and exit too; [`Part::Stores`] around the same loop run again, when
//! it no longer faults. The program's own stores are `Stores`, and fault
//! entry and exit are `Program - Stores`: the only figure obtained by
//! difference, of two measured ones.

/// A part of a round's cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The engine's own logic: cache bookkeeping, regions, decisions.
    Engine,
    /// Page-table walks and entry updates (every MMU method but clears and flushes).
    PageTables,
    /// Clearing pages.
    Zeroing,
    /// TLB invalidation.
    TlbFlush,
    /// Taking and giving back frames.
    Frames,
    /// The program's write loop, fault entry and exit included. (Only the
    /// `breakdown` kernel's round measures the loop.)
    #[cfg_attr(not(feature = "breakdown"), allow(dead_code))]
    Program,
    /// The same write loop once more, without faults: the stores alone.
    #[cfg_attr(not(feature = "breakdown"), allow(dead_code))]
    Stores,
}

/// How many parts there are.
pub const PARTS: usize = 7;

/// Whether this kernel counts (built with the `breakdown` feature).
pub const ENABLED: bool = cfg!(feature = "breakdown");

/// Runs `operation`, charging its own instructions to `part` in a
/// `breakdown` kernel; just runs it otherwise.
#[inline(always)]
pub fn measure<R>(part: Part, operation: impl FnOnce() -> R) -> R {
    #[cfg(feature = "breakdown")]
    {
        counting::measure(part, operation)
    }
    #[cfg(not(feature = "breakdown"))]
    {
        let _ = part;
        operation()
    }
}

/// Clears the counters (after a warm-up round).
pub fn reset() {
    #[cfg(feature = "breakdown")]
    counting::reset();
}

/// Measures what one nested section costs its parent, once, before any
/// counting that [`take`] reports.
pub fn calibrate() {
    #[cfg(feature = "breakdown")]
    counting::calibrate();
}

/// Each part's own instructions since the last [`reset`], with the
/// bookkeeping of the sections it contained subtracted, in [`Part`] order;
/// zeros in a kernel without the feature.
pub fn take() -> [u64; PARTS] {
    #[cfg(feature = "breakdown")]
    {
        counting::take()
    }
    #[cfg(not(feature = "breakdown"))]
    {
        [0; PARTS]
    }
}

#[cfg(feature = "breakdown")]
mod counting {
    use super::{PARTS, Part};
    use crate::arch::read_timestamp;
    use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

    /// Each part's own instructions, bookkeeping of its sections included.
    static OWN: [AtomicU64; PARTS] = [const { AtomicU64::new(0) }; PARTS];
    /// How many sections each part directly contained.
    static CONTAINED: [AtomicU64; PARTS] = [const { AtomicU64::new(0) }; PARTS];
    /// Instructions of the sections directly inside the running one.
    static INNER: AtomicU64 = AtomicU64::new(0);
    /// How many sections ran directly inside the running one.
    static INNER_SECTIONS: AtomicU64 = AtomicU64::new(0);
    /// What one contained section costs its parent, from `calibrate`.
    static OVERHEAD: AtomicU64 = AtomicU64::new(0);

    #[inline(always)]
    pub fn measure<R>(part: Part, operation: impl FnOnce() -> R) -> R {
        let outer = INNER.swap(0, Relaxed);
        let outer_sections = INNER_SECTIONS.swap(0, Relaxed);
        let start = read_timestamp();
        let result = operation();
        let total = read_timestamp() - start;
        let inner = INNER.load(Relaxed);
        OWN[part as usize].fetch_add(total.saturating_sub(inner), Relaxed);
        CONTAINED[part as usize].fetch_add(INNER_SECTIONS.load(Relaxed), Relaxed);
        INNER.store(outer + total, Relaxed);
        INNER_SECTIONS.store(outer_sections + 1, Relaxed);
        result
    }

    pub fn reset() {
        for counter in OWN.iter().chain(&CONTAINED) {
            counter.store(0, Relaxed);
        }
    }

    pub fn calibrate() {
        const SECTIONS: u64 = 64;
        reset();
        measure(Part::Engine, || {
            for _ in 0..SECTIONS {
                measure(Part::Frames, || core::hint::black_box(()));
            }
        });
        // The empty loop's own instructions stay in; a few per section.
        let parent = OWN[Part::Engine as usize].load(Relaxed);
        OVERHEAD.store(parent / SECTIONS, Relaxed);
        reset();
    }

    pub fn take() -> [u64; PARTS] {
        let overhead = OVERHEAD.load(Relaxed);
        core::array::from_fn(|part| {
            let own = OWN[part].load(Relaxed);
            own.saturating_sub(CONTAINED[part].load(Relaxed) * overhead)
        })
    }
}
