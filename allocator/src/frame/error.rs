//! Errors of the frame allocator.
//!
//! Every way a frame operation can fail has its own variant, so the kernel can
//! tell a bug in its own bookkeeping (a double free, freeing the kernel image)
//! from an honest shortage of memory, and print a message that names the
//! frame at fault.

use core::fmt;

use crate::addr::{FrameCount, FrameNumber};

/// Why a frame operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// No free frame is left.
    OutOfFrames,
    /// No free run of `count` frames starting at a multiple of `align` exists
    /// (the free frames may be too few or too scattered).
    NoContiguousRun {
        /// How many frames were asked for.
        count: FrameCount,
        /// The alignment asked for, in frames.
        align: FrameCount,
    },
    /// The frame was already free: a double free.
    DoubleFree(FrameNumber),
    /// The frame was never handed to the allocator as usable RAM (a hole in
    /// the memory map, device memory, or a range never added).
    NotUsable(FrameNumber),
    /// The frame was taken out of use for good by
    /// [`reserve_range`](super::FrameAllocator::reserve_range): the kernel
    /// image, boot data or the allocator's own metadata.
    Reserved(FrameNumber),
    /// The frame lies at or beyond the highest frame the allocator manages.
    BeyondLimit {
        /// The first offending frame.
        frame: FrameNumber,
        /// The allocator's frame limit: frames `0..limit` are managed.
        limit: FrameNumber,
    },
    /// A run of zero frames was asked for or given back.
    ZeroCount,
    /// The alignment is not a power of two (zero included).
    BadAlignment(FrameCount),
    /// The metadata storage handed to
    /// [`FrameAllocator::new`](super::FrameAllocator::new) is too small.
    MetadataTooSmall {
        /// Words needed, from
        /// [`FrameAllocator::metadata_words`](super::FrameAllocator::metadata_words).
        needed: usize,
        /// Words given.
        given: usize,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::OutOfFrames => write!(f, "out of physical frames"),
            Self::NoContiguousRun { count, align } => write!(
                f,
                "no free run of {} frames aligned to {} frames",
                count.0, align.0
            ),
            Self::DoubleFree(frame) => write!(f, "frame {} freed twice", frame.0),
            Self::NotUsable(frame) => write!(f, "frame {} is not usable RAM", frame.0),
            Self::Reserved(frame) => write!(f, "frame {} is reserved for good", frame.0),
            Self::BeyondLimit { frame, limit } => {
                write!(f, "frame {} is beyond the frame limit {}", frame.0, limit.0)
            }
            Self::ZeroCount => write!(f, "a run of zero frames"),
            Self::BadAlignment(align) => {
                write!(f, "alignment of {} frames is not a power of two", align.0)
            }
            Self::MetadataTooSmall { needed, given } => write!(
                f,
                "frame metadata too small: {needed} words needed, {given} given"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate alloc;

    use super::*;
    use alloc::string::ToString;

    #[test]
    fn messages_name_the_frame_at_fault() {
        assert_eq!(
            FrameError::DoubleFree(FrameNumber(7)).to_string(),
            "frame 7 freed twice"
        );
        let error = FrameError::NoContiguousRun {
            count: FrameCount(512),
            align: FrameCount(512),
        };
        assert_eq!(
            error.to_string(),
            "no free run of 512 frames aligned to 512 frames"
        );
    }
}
