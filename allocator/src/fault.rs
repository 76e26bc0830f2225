//! What a page fault in the engine's range comes to, as values.
//!
//! The kernel routes every page fault inside the engine's range to
//! [`crate::LargeAllocator::handle_fault`] and acts on the [`FaultOutcome`]:
//! retry the access, look elsewhere, or report a fatal fault. A fault is
//! not a call that failed but an event the kernel must act on, so it has
//! its own outcome type rather than an error. Every outcome prints itself
//! without allocating ([`fmt::Display`]), so a fault handler can report it.

use core::fmt;

use crate::addr::VirtAddr;
use crate::frame::FrameError;
use crate::mmu::MmuError;

/// What the kernel should do after a fault in the engine's range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "a fault that is not retried or reported hangs or corrupts the program"]
pub enum FaultOutcome {
    /// The engine fixed the mapping: retry the access.
    Handled(Resolution),
    /// The address is outside the engine's range: not this engine's fault.
    NotOurs,
    /// The access cannot be allowed: report it (kill the program, or panic
    /// if the kernel itself faulted).
    Fatal(FatalFault),
}

/// How a handled fault was fixed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Resolution {
    /// A read of an untouched page: the zero page is now mapped read-only.
    ZeroPageMapped,
    /// A read of an untouched, 2 MiB-aligned stretch of a region: the large
    /// zero page now maps the whole stretch read-only, with one entry.
    LargeZeroPageMapped,
    /// A first write inside a stretch the large zero page maps: the large
    /// entry was split into 4 KiB entries of the zero page, and a freshly
    /// zeroed frame is now mapped writable at the written page.
    LargeZeroPageSplit,
    /// A first write to an untouched page (copy-on-write of the zero page,
    /// or nothing mapped yet): a freshly zeroed frame is now mapped writable.
    FreshFrameMapped,
    /// A write to a zeroed, write-protected page (software dirty strategy):
    /// the write is recorded and the page is now writable.
    WriteTracked,
    /// The entry allowed the access but its accessed bit, or for a write
    /// its dirty bit, was clear, on an MMU that faults instead of setting
    /// them ([`crate::AccessedDirtyUpdates::Software`]): the engine set them.
    AccessedDirtySet,
    /// The entry already allowed the access (a stale TLB entry): flushed.
    Spurious,
    /// A write to a page that shares its frame with other mappings
    /// ([`crate::LargeAllocator::duplicate`]): the page now maps a copy of
    /// its own, writable, and the shared frame lost one reference.
    SharedFrameCopied,
    /// A write to a page whose frame had been shared, after every other
    /// mapping of it was gone: the page took the frame over, writable
    /// again, without a copy.
    SharedFrameTakenOver,
}

/// Why a fault in the engine's range cannot be allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FatalFault {
    /// An instruction fetch: allocation memory is never executable.
    Execute(VirtAddr),
    /// The address is in no region: a guard page or unallocated space.
    NotAllocated(VirtAddr),
    /// The address is in a region that was freed and sits in the cache.
    UseAfterFree(VirtAddr),
    /// A first write needed a frame and none was left, even after evicting
    /// the whole cache.
    OutOfFrames(VirtAddr),
    /// The frame source refused a frame back while the cache was evicted.
    FrameSource(FrameError),
    /// The MMU refused the page-table change.
    Mmu(MmuError),
    /// The same access faulted again after the engine had fixed its entry
    /// in place ([`Resolution::Spurious`]: the entry allowed the access and
    /// its translation was flushed; [`Resolution::AccessedDirtySet`]: its
    /// accessed and dirty bits were set), and the entry is still as that fix
    /// left it. The MMU refuses the access for a reason the entry does not
    /// show (for example, it faults on a clear accessed or dirty bit but
    /// declares [`crate::AccessedDirtyUpdates::Hardware`]), or it did not
    /// keep the bits it was asked to set. Retrying would loop forever.
    ///
    /// The rule assumes one CPU, as Pristine has: on several, two CPUs
    /// that faulted on the same stale translation before a shootdown would
    /// reach the engine one after the other and look like such a repeat.
    Unresolvable(VirtAddr),
}

impl fmt::Display for FaultOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultOutcome::Handled(resolution) => write!(f, "handled: {resolution}"),
            FaultOutcome::NotOurs => f.write_str("not in the engine's range"),
            FaultOutcome::Fatal(fatal) => write!(f, "fatal: {fatal}"),
        }
    }
}

impl fmt::Display for Resolution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Resolution::ZeroPageMapped => "zero page mapped",
            Resolution::LargeZeroPageMapped => "large zero page mapped",
            Resolution::LargeZeroPageSplit => "large zero page split, fresh frame mapped",
            Resolution::FreshFrameMapped => "fresh frame mapped",
            Resolution::WriteTracked => "write tracked",
            Resolution::AccessedDirtySet => "accessed/dirty bits set",
            Resolution::Spurious => "spurious, flushed",
            Resolution::SharedFrameCopied => "shared frame copied",
            Resolution::SharedFrameTakenOver => "shared frame taken over",
        })
    }
}

impl fmt::Display for FatalFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FatalFault::Execute(addr) => write!(f, "instruction fetch from data at {addr}"),
            FatalFault::NotAllocated(addr) => write!(f, "access to unallocated {addr}"),
            FatalFault::UseAfterFree(addr) => write!(f, "use after free at {addr}"),
            FatalFault::OutOfFrames(addr) => write!(f, "no frame for a write at {addr}"),
            FatalFault::FrameSource(err) => write!(f, "frame source refused a frame: {err}"),
            FatalFault::Mmu(err) => write!(f, "MMU error: {err}"),
            FatalFault::Unresolvable(addr) => {
                write!(
                    f,
                    "access at {addr} keeps faulting on an entry that allows it"
                )
            }
        }
    }
}

impl core::error::Error for FatalFault {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn fatal_faults_describe_themselves() {
        let text = FatalFault::UseAfterFree(VirtAddr(0x2000)).to_string();
        assert_eq!(text, "use after free at 0x2000");
    }

    #[test]
    fn outcomes_describe_themselves() {
        let handled = FaultOutcome::Handled(Resolution::ZeroPageMapped);
        assert_eq!(handled.to_string(), "handled: zero page mapped");
        let fatal = FaultOutcome::Fatal(FatalFault::Unresolvable(VirtAddr(0x3000)));
        assert_eq!(
            fatal.to_string(),
            "fatal: access at 0x3000 keeps faulting on an entry that allows it"
        );
    }
}
