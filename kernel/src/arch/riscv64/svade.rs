//! Svade on QEMU: the `svade=on` boot word, and how the MMU imitates a core
//! that faults on a clear dirty bit.
//!
//! The RISC-V Privileged Architecture allows two behaviours when an access
//! finds A = 0, or a store finds D = 0, in a leaf entry (10.3.1): the
//! hardware sets the bit itself (Svadu), or it raises a page fault and
//! leaves the bit to software (Svade). QEMU 7.2 does the first. Many real
//! cores do the second, and an allocator engine that sees a fault on an
//! entry that already allows the access must then set the bit instead of
//! calling the fault spurious and retrying forever.
//!
//! So both run on QEMU, the kernel offers `svade=on`. The MMU then declares
//! [`AccessedDirtyUpdates::Software`], and makes the hardware fault as a
//! Svade core would: it keeps the entry's write right in the software bit
//! [`SOFTWARE_WRITE`] (RSW, bit 8, reserved for software by the
//! specification) and grants the hardware W bit only while D is set. The
//! first store to a clean page (D = 0) then raises a store page fault on an
//! entry the engine reads as writable and not dirty, exactly the Svade
//! case; the engine sets D through `protect`, which grants W again. A
//! clear of D (re-arming the dirty-tracking cache) takes W away with it.
//! Faults on A = 0 are not imitated: with `AccessedDirtyUpdates::Software`
//! the engine creates every entry with A set and never clears it, so none
//! could come.

use super::sv39::EntryFlags;
use crate::boot_info::BootInfo;
use crate::boot_input::Word;
use crate::cmdline::CommandLine;
use core::sync::atomic::{AtomicBool, Ordering};
use pristine_allocator::AccessedDirtyUpdates;

/// The entry's write right while Svade is imitated: RSW bit 8.
pub const SOFTWARE_WRITE: EntryFlags = EntryFlags::SOFTWARE_0;

/// The riscv64 boot words: `svade=on|off` (default off).
pub const BOOT_WORDS: &[Word] = &[Word {
    key: "svade",
    expected: |f| f.write_str("expected on or off"),
    accepts: |value| matches!(value, "on" | "off"),
}];

static SVADE: AtomicBool = AtomicBool::new(false);

/// Reads `svade=` from the (already checked) command line.
pub fn configure(boot_info: &BootInfo) {
    let on = CommandLine::new(boot_info.command_line()).get("svade") == Some("on");
    SVADE.store(on, Ordering::Relaxed);
    if on {
        log::info!("svade=on: the allocator's MMU faults on a clear dirty bit, as a Svade core");
    }
}

/// Who sets A and D for the allocator's pages in this boot.
pub fn updates() -> AccessedDirtyUpdates {
    if SVADE.load(Ordering::Relaxed) {
        AccessedDirtyUpdates::Software
    } else {
        AccessedDirtyUpdates::Hardware
    }
}
