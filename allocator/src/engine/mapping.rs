//! Getting frames and putting pages into the page tables.
//!
//! Small building blocks shared by the fault path, the cache and realloc:
//! take a frame (evicting cached regions if the frame source runs dry),
//! give one back, map the zero page, map a freshly zeroed frame, and record
//! that a page of a region was mapped. Each keeps [`crate::Stats`] exact.

use crate::addr::FrameNumber;
use crate::error::Shortfall;
use crate::frame::{FrameError, FrameSource};
use crate::page::Page;
use crate::port::{PageFlags, Port};

use super::LargeAllocator;

impl<P: Port, F: FrameSource, const SLOTS: usize> LargeAllocator<P, F, SLOTS> {
    /// Takes a frame; when the source is empty, evicts cached regions (oldest
    /// first) until one frees up or the cache is empty.
    pub(crate) fn take_frame(&mut self) -> Result<FrameNumber, Shortfall> {
        loop {
            match self.frames.allocate_frame() {
                Ok(frame) => return Ok(frame),
                Err(FrameError::OutOfFrames) => {
                    if !self.evict_oldest()? {
                        return Err(Shortfall::Frames(FrameError::OutOfFrames));
                    }
                }
                Err(other) => return Err(Shortfall::Frames(other)),
            }
        }
    }

    /// Gives a data frame back to the frame source.
    pub(crate) fn give_frame(&mut self, frame: FrameNumber) -> Result<(), FrameError> {
        self.stats.frames_in_use = self.stats.frames_in_use.saturating_sub(1);
        self.frames.free_frame(frame)
    }

    /// Maps the shared zero page read-only at `page` (which must be unmapped).
    pub(crate) fn map_zero_page(&mut self, page: Page) -> Result<(), Shortfall> {
        self.port
            .map(page, self.zero_page.frame(), PageFlags::empty())?;
        self.stats.zero_page_mappings += 1;
        self.note_touched(page);
        Ok(())
    }

    /// Maps a freshly zeroed frame writable at `page` (which must be
    /// unmapped). The frame is zeroed through the port's direct map, not
    /// copied from the zero page.
    pub(crate) fn map_fresh_frame(&mut self, page: Page) -> Result<(), Shortfall> {
        let frame = self.take_frame()?;
        self.port.zero_frame(frame);
        self.stats.pages_zeroed_on_fault += 1;
        self.stats.frames_in_use += 1;
        if let Err(err) = self.port.map(page, frame, PageFlags::WRITABLE) {
            // The map failed, so the frame is ours alone: hand it back.
            self.give_frame(frame)?;
            return Err(Shortfall::Port(err));
        }
        self.note_touched(page);
        Ok(())
    }

    /// Records that `page` is mapped, growing its region's touched span.
    pub(crate) fn note_touched(&mut self, page: Page) {
        if let Some(index) = self.regions.find(page.start())
            && let Some(region) = self.regions.get_mut(index)
        {
            let offset = region.index_of(page);
            region.touched = region.touched.including(offset);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::cache::Policy;
    use crate::page::Page;
    use crate::port::DirtyDetection;
    use crate::sim::testing::{after, engine, pages};

    #[test]
    fn fresh_frames_are_zeroed_and_counted() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(3)).unwrap();
        let page = Page::containing(after(ptr, 1));
        engine.map_fresh_frame(page).unwrap();
        let entry = engine.port().entry(page).unwrap();
        assert!(
            engine
                .port()
                .frame_bytes(entry.frame)
                .unwrap()
                .iter()
                .all(|&b| b == 0)
        );
        assert_eq!(engine.stats().frames_in_use, 1);
        let region = engine.regions.get(0).unwrap();
        assert_eq!(region.touched.indices(), 1..2);
        engine.give_frame(entry.frame).unwrap();
        assert_eq!(engine.stats().frames_in_use, 0);
    }
}
