//! The zero page: one zeroed frame that every untouched page can share.
//!
//! A page that was allocated but never written needs no frame of its own: a
//! read may see the one shared zero frame, mapped read-only. The first write
//! takes a copy-on-write fault, and the engine maps a *freshly zeroed* frame
//! instead (it never copies the zero page, and never maps it writable). This
//! is how Linux makes `calloc` of untouched memory cost almost nothing.
//!
//! Whether untouched pages get the zero page up front or on their first
//! read is [`ZeroPageMapping`]; its docs give the numbers.

use crate::addr::FrameNumber;
use crate::frame::{FrameError, FrameSource};
use crate::mmu::Mmu;

/// When untouched pages get their zero-page mapping.
///
/// [`ZeroPageMapping::Eager`] maps the zero page into every page when a
/// region is created, so reads never fault. [`ZeroPageMapping::Lazy`] (the
/// default, and what Linux does) maps nothing: the first read of a page
/// faults and maps the zero page; a first write faults once and maps a fresh
/// frame directly. Counted on the simulator for one region of `n` pages
/// (`tests/zero_page_mapping.rs` asserts these numbers; "ops" are
/// map + unmap + protect + TLB flush calls on the MMU):
///
/// | pattern (`n` pages) | lazy: faults / ops | eager: faults / ops |
/// | --- | --- | --- |
/// | calloc, free, untouched | 0 / 0 | 0 / 3n |
/// | calloc, read every page, free | n / 3n | 0 / 3n |
/// | calloc, write every page, free | n / 3n | n / 6n |
/// | calloc, read then write every page, free | 2n / 6n | n / 6n |
///
/// For the seed's loop (100 MiB, n = 25,600, never touched) eager costs
/// 76,800 page-table operations per `calloc`/`free` pair and lazy costs
/// none. Eager saves faults only for pages that are read before (or
/// without) being written, and never saves page-table work; for pages that
/// are only written it doubles that work (each write must first remove the
/// zero page). Pristine therefore defaults to lazy; eager stays available
/// so the kernel can measure the difference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum ZeroPageMapping {
    /// Map nothing up front; map the zero page on the first read fault.
    #[default]
    Lazy,
    /// Map the zero page into every page when the region is created.
    Eager,
}

/// The shared zero frame. Only ever mapped read-only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ZeroPage(FrameNumber);

impl ZeroPage {
    /// Takes one frame from `frames` and zeroes it through `mmu`.
    pub(crate) fn allocate<M: Mmu, F: FrameSource>(
        mmu: &mut M,
        frames: &mut F,
    ) -> Result<ZeroPage, FrameError> {
        let frame = frames.allocate_frame()?;
        mmu.zero_frame(frame);
        Ok(ZeroPage(frame))
    }

    /// The frame holding the zeroes.
    pub(crate) const fn frame(self) -> FrameNumber {
        self.0
    }

    /// Whether `frame` is the zero page.
    pub(crate) fn is(self, frame: FrameNumber) -> bool {
        self.0 == frame
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::FrameCount;
    use crate::mmu::DirtyDetection;
    use crate::sim::{SimConfig, machine};

    #[test]
    fn zero_page_is_a_zeroed_frame() {
        let (mut mmu, mut frames) =
            machine(SimConfig::new(FrameCount(4), DirtyDetection::Hardware));
        let zero = ZeroPage::allocate(&mut mmu, &mut frames).unwrap();
        assert!(zero.is(zero.frame()));
        assert!(
            mmu.frame_bytes(zero.frame())
                .unwrap()
                .iter()
                .all(|&b| b == 0)
        );
        assert_eq!(frames.in_use(), 1);
    }

    #[test]
    fn lazy_is_the_default() {
        assert_eq!(ZeroPageMapping::default(), ZeroPageMapping::Lazy);
    }
}
