//! Runs an operation sequence on a starved engine beside a reference model.
//!
//! The model is small: per live allocation, the bytes stored into it and
//! how long a prefix must read zero (all of a `calloc`, none of a
//! `malloc`). After every step the driver checks what holds whatever the
//! frame supply: loads agree with the model, every `calloc` reads zero,
//! frames held match the frame source exactly, no stale translation was
//! used, the zero page is never writable, and NoCache never reclaims.
//! [`Driver::finish`] frees everything and checks that every frame came
//! back.
//!
//! When the engine runs short (an allocation call fails with a shortage,
//! or an access faults fatally for want of a frame), [`Shortage`] says
//! whether that may happen at all; it may never happen while a cached
//! region still holds frames, so the cache must be empty afterwards. A
//! store that could not be made leaves the byte as it was; a load that
//! ran short is retried once (the injected failure is spent by then).

use std::collections::BTreeMap;

use pristine_allocator::sim::{CpuError, read_byte, reads_zero, write_byte};
use pristine_allocator::{AllocError, FatalFault, FaultOutcome, MmuError, Policy, VirtAddr};

use super::ops::{Op, PAGE};
use super::setup::Engine;

/// When the engine may run short.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shortage {
    /// Never. The driver keeps live allocations within `live_pages` pages
    /// (freeing the oldest first), the number of frames left beside the
    /// zero page, so a frame is always free or held by the cache.
    Forbidden {
        /// The most pages live allocations may cover together.
        live_pages: u64,
    },
    /// Only with nothing left to reclaim: the cache must be empty after
    /// every shortage.
    OnlyWithEmptyCache,
}

/// One live allocation as the model sees it.
#[derive(Clone, Debug)]
struct Allocation {
    addr: u64,
    len: u64,
    stored: BTreeMap<u64, u8>,
    /// Offsets below this read zero unless stored to.
    zero_prefix: u64,
}

impl Allocation {
    fn expected(&self, offset: u64) -> Option<u8> {
        match self.stored.get(&offset) {
            Some(&value) => Some(value),
            None if offset < self.zero_prefix => Some(0),
            None => None,
        }
    }
}

/// Pages covering `len` bytes.
pub fn pages(len: u64) -> u64 {
    len.div_ceil(PAGE)
}

/// An engine, the model of its live allocations, and what was seen so far.
pub struct Driver {
    /// The engine under test.
    pub engine: Engine,
    live: Vec<Allocation>,
    shortage: Shortage,
    /// Shortages met so far (allocation calls and accesses).
    pub shortages: u64,
}

impl Driver {
    /// A driver for `engine` (fresh: nothing allocated yet).
    pub fn new(engine: Engine, shortage: Shortage) -> Driver {
        Driver {
            engine,
            live: Vec::new(),
            shortage,
            shortages: 0,
        }
    }

    /// Runs one operation and checks the invariants.
    pub fn step(&mut self, op: &Op) -> Result<(), String> {
        match *op {
            Op::Calloc { bytes } => self.allocate(bytes, true)?,
            Op::Malloc { bytes } => self.allocate(bytes, false)?,
            Op::Fill { slot, value } => self.fill(slot, value)?,
            Op::Write {
                slot,
                offset,
                value,
            } => {
                if let Some(index) = self.pick(slot) {
                    let offset = offset % self.live[index].len;
                    self.store(index, offset, value)?;
                }
            }
            Op::Read { slot, offset } => {
                if let Some(index) = self.pick(slot) {
                    let offset = offset % self.live[index].len;
                    self.check_byte(index, offset)?;
                }
            }
            Op::Realloc { slot, bytes } => self.realloc(slot, bytes)?,
            Op::Free { slot } => {
                if let Some(index) = self.pick(slot) {
                    self.free(index)?;
                }
            }
        }
        self.check_accounting()
    }

    /// Frees every live allocation, drains the cache, and checks that every
    /// frame came back (the zero page is all the engine holds).
    pub fn finish(&mut self) -> Result<(), String> {
        while !self.live.is_empty() {
            self.free(0)?;
        }
        self.engine
            .drain_cache()
            .map_err(|err| format!("draining the cache: {err:?}"))?;
        let held = self.engine.frames().in_use();
        let stats = self.engine.stats();
        let mapped = self.engine.mmu().mapped_pages();
        if (held, stats.frames_in_use, mapped) != (1, 0, 0) {
            return Err(format!(
                "after freeing everything: {held} frames out (only the zero page should be), \
                 {} counted by the engine, {mapped} pages mapped",
                stats.frames_in_use
            ));
        }
        Ok(())
    }

    fn pick(&self, slot: usize) -> Option<usize> {
        (!self.live.is_empty()).then(|| slot % self.live.len())
    }

    fn allocate(&mut self, bytes: u64, zeroed: bool) -> Result<(), String> {
        self.make_room(pages(bytes), None)?;
        let (what, result) = if zeroed {
            ("calloc", self.engine.calloc(1, bytes))
        } else {
            ("malloc", self.engine.malloc(bytes))
        };
        let addr = match result {
            Ok(addr) => addr.as_u64(),
            Err(err) => return self.refused(&format!("{what}({bytes})"), err),
        };
        if zeroed {
            self.expect_zero(addr, bytes)?;
        }
        self.live.push(Allocation {
            addr,
            len: bytes,
            stored: BTreeMap::new(),
            zero_prefix: if zeroed { bytes } else { 0 },
        });
        Ok(())
    }

    fn realloc(&mut self, slot: usize, bytes: u64) -> Result<(), String> {
        let Some(index) = self.pick(slot) else {
            return Ok(());
        };
        let old_addr = self.live[index].addr;
        let grows_by = pages(bytes).saturating_sub(pages(self.live[index].len));
        self.make_room(grows_by, Some(old_addr))?;
        let Some(index) = self.live.iter().position(|a| a.addr == old_addr) else {
            return Err(format!("{old_addr:#x} was freed to make room for itself"));
        };
        let old_len = self.live[index].len;
        match self.engine.realloc(VirtAddr(old_addr), bytes) {
            Ok(new) => {
                let allocation = &mut self.live[index];
                allocation.addr = new.as_u64();
                allocation.stored.retain(|&offset, _| offset < bytes);
                allocation.zero_prefix = allocation.zero_prefix.min(old_len).min(bytes);
                allocation.len = bytes;
                Ok(())
            }
            Err(err) => {
                self.refused(&format!("realloc({old_addr:#x}, {bytes})"), err)?;
                match self.engine.allocation_size(VirtAddr(old_addr)) {
                    Ok(len) if len == old_len => Ok(()),
                    other => Err(format!(
                        "a failed realloc changed {old_addr:#x}: {old_len} bytes before, {other:?} after"
                    )),
                }
            }
        }
    }

    fn free(&mut self, index: usize) -> Result<(), String> {
        let allocation = self.live.remove(index);
        self.engine
            .free(VirtAddr(allocation.addr))
            .map_err(|err| format!("free({:#x}): {err:?}", allocation.addr))
    }

    /// Under [`Shortage::Forbidden`], frees the oldest live allocations
    /// (but not `keep`) until `more` pages fit beside the rest.
    fn make_room(&mut self, more: u64, keep: Option<u64>) -> Result<(), String> {
        let Shortage::Forbidden { live_pages } = self.shortage else {
            return Ok(());
        };
        while self.live.iter().map(|a| pages(a.len)).sum::<u64>() + more > live_pages {
            let Some(oldest) = self.live.iter().position(|a| Some(a.addr) != keep) else {
                break;
            };
            self.free(oldest)?;
        }
        Ok(())
    }

    /// Stores `value` into every page of allocation `slot` (one byte each).
    fn fill(&mut self, slot: usize, value: u8) -> Result<(), String> {
        let Some(index) = self.pick(slot) else {
            return Ok(());
        };
        let len = self.live[index].len;
        for page in 0..pages(len) {
            let offset = (page * PAGE + (u64::from(value) * 31 + page) % PAGE).min(len - 1);
            self.store(index, offset, value)?;
        }
        Ok(())
    }

    /// Stores `value` at `offset` of allocation `index`. A store that ran
    /// short must leave the byte as it was.
    fn store(&mut self, index: usize, offset: u64, value: u8) -> Result<(), String> {
        let addr = VirtAddr(self.live[index].addr + offset);
        match write_byte(&mut self.engine, addr, value) {
            Ok(()) => {
                self.live[index].stored.insert(offset, value);
                Ok(())
            }
            Err(err) if is_shortage(&err) => {
                self.ran_short(&format!("a store at {addr}"))?;
                self.check_byte(index, offset)
            }
            Err(err) => Err(format!("a store at {addr}: {err}")),
        }
    }

    /// Loads the byte at `offset` of allocation `index` and compares it
    /// with the model.
    fn check_byte(&mut self, index: usize, offset: u64) -> Result<(), String> {
        let allocation = &self.live[index];
        let (addr, expected) = (
            VirtAddr(allocation.addr + offset),
            allocation.expected(offset),
        );
        let got = self.load(|engine| read_byte(engine, addr), addr)?;
        match expected {
            Some(want) if want != got => Err(format!("{addr} reads {got}, expected {want}")),
            _ => Ok(()),
        }
    }

    /// Checks that all `len` bytes from `addr` read zero.
    fn expect_zero(&mut self, addr: u64, len: u64) -> Result<(), String> {
        let at = VirtAddr(addr);
        if self.load(|engine| reads_zero(engine, at, len), at)? {
            Ok(())
        } else {
            Err(format!(
                "a calloc of {len} bytes at {at} does not read zero"
            ))
        }
    }

    /// A load, retried once if it ran short.
    fn load<T>(
        &mut self,
        mut access: impl FnMut(&mut Engine) -> Result<T, CpuError>,
        addr: VirtAddr,
    ) -> Result<T, String> {
        match access(&mut self.engine) {
            Ok(value) => Ok(value),
            Err(err) if is_shortage(&err) => {
                self.ran_short(&format!("a load at {addr}"))?;
                access(&mut self.engine).map_err(|err| format!("a load at {addr}, again: {err}"))
            }
            Err(err) => Err(format!("a load at {addr}: {err}")),
        }
    }

    /// An allocation call failed: only a shortage is acceptable, and only
    /// as [`Shortage`] allows.
    fn refused(&mut self, what: &str, err: AllocError) -> Result<(), String> {
        match err {
            AllocError::OutOfFrames | AllocError::Mmu(MmuError::OutOfPageTableFrames) => {
                self.ran_short(&format!("{what}: {err}"))
            }
            other => Err(format!("{what}: unexpected {other:?}")),
        }
    }

    fn ran_short(&mut self, what: &str) -> Result<(), String> {
        self.shortages += 1;
        if let Shortage::Forbidden { live_pages } = self.shortage {
            return Err(format!(
                "{what} ran short, with live allocations within {live_pages} pages"
            ));
        }
        let cached = self.engine.cache_usage();
        if cached.entries != 0 {
            return Err(format!(
                "{what} ran short while the cache held {} regions ({} bytes)",
                cached.entries, cached.bytes
            ));
        }
        Ok(())
    }

    fn check_accounting(&mut self) -> Result<(), String> {
        let stats = self.engine.stats();
        let out = self.engine.frames().in_use();
        if stats.frames_in_use + 1 != out {
            return Err(format!(
                "the engine counts {} frames, the frame source has {out} out (1 is the zero page)",
                stats.frames_in_use
            ));
        }
        if self.engine.policy() == Policy::NoCache && stats.frames_reclaimed != 0 {
            return Err(format!(
                "NoCache reclaimed {} frames",
                stats.frames_reclaimed
            ));
        }
        let stale = self.engine.mmu().counters().stale_translations;
        let zero_page = self.engine.zero_page();
        let writable_zero = self.engine.mmu().writable_mappings_of(zero_page);
        if stale != 0 || writable_zero != 0 || stats.spurious_faults != 0 {
            return Err(format!(
                "{stale} stale translations used, zero page writable {writable_zero} times, \
                 {} spurious faults",
                stats.spurious_faults
            ));
        }
        Ok(())
    }
}

/// Whether an access failed for want of a frame (for data or a page table).
fn is_shortage(err: &CpuError) -> bool {
    matches!(
        err,
        CpuError::Unhandled {
            outcome: FaultOutcome::Fatal(
                FatalFault::OutOfFrames(_) | FatalFault::Mmu(MmuError::OutOfPageTableFrames)
            ),
            ..
        }
    )
}
