//! Model-based property tests of the frame allocator.
//!
//! Each case builds a [`FrameAllocator`] over a few usable ranges with holes
//! and reserved pieces (at unaligned byte addresses, so rounding is tested
//! too), and the same memory as a [`Model`]: plain sets of frames, too simple
//! to be wrong. It then runs a random sequence of allocations, frees of
//! single frames and runs, double frees and frees of frames that were never
//! usable, and checks after every step that the allocator did exactly what the
//! model predicts: the lowest free frame, the lowest aligned run, the same
//! error. Each property then states one invariant on top of that.

use pristine_allocator::frame::{FrameAllocator, FrameError, FrameStats};
use pristine_allocator::{FrameCount, FrameNumber, PAGE_SIZE, PhysAddr};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use std::collections::BTreeSet;

/// Frames managed in every case: room for a few 2 MiB (512-frame) runs.
const LIMIT: u64 = 2048;

/// One memory-map entry given to the allocator before any allocation.
#[derive(Clone, Debug)]
enum Setup {
    /// `add_usable_range(start, end)`, byte addresses.
    Add(u64, u64),
    /// `reserve_range(start, end)`, byte addresses.
    Reserve(u64, u64),
}

/// One step of a test sequence. `pick` chooses among the candidates the
/// model has at that moment (held runs or free frames), modulo their number.
#[derive(Clone, Debug)]
enum Op {
    /// `allocate()`.
    Allocate,
    /// `allocate_contiguous(count, 1 << align_log2)`.
    AllocateRun { count: u64, align_log2: u32 },
    /// Frees the first frame of a held run with `free`.
    FreeFirst { pick: usize },
    /// Frees a whole held run with `free_contiguous`.
    FreeRun { pick: usize },
    /// Frees a frame that is already free: must be a double free.
    DoubleFree { pick: usize },
    /// Frees a frame that is not usable (a hole, reserved, or past the limit).
    FreeUnusable { frame: u64 },
    /// Frees a held run plus the frame after it, which is not in use.
    FreeOverhangingRun { pick: usize },
}

/// A run the allocator handed out.
#[derive(Clone, Copy, Debug)]
struct Run {
    first: u64,
    count: u64,
    align: u64,
}

/// The reference: which frames are usable, reserved, free and held.
#[derive(Default)]
struct Model {
    usable: BTreeSet<u64>,
    reserved: BTreeSet<u64>,
    free: BTreeSet<u64>,
    /// Runs handed out and not yet given back, as `(first, count)`.
    held: Vec<(u64, u64)>,
}

impl Model {
    fn apply_setup(&mut self, setup: &Setup) {
        match *setup {
            Setup::Add(start, end) => {
                for frame in start.div_ceil(PAGE_SIZE)..(end / PAGE_SIZE).min(LIMIT) {
                    if !self.reserved.contains(&frame) && self.usable.insert(frame) {
                        self.free.insert(frame);
                    }
                }
            }
            Setup::Reserve(start, end) => {
                for frame in start / PAGE_SIZE..end.div_ceil(PAGE_SIZE).min(LIMIT) {
                    self.reserved.insert(frame);
                    self.usable.remove(&frame);
                    self.free.remove(&frame);
                }
            }
        }
    }

    /// The lowest start of `count` free frames aligned to `align`.
    fn lowest_run(&self, count: u64, align: u64) -> Option<u64> {
        let mut free_after = vec![0u64; LIMIT as usize + 1];
        for &frame in self.free.iter().rev() {
            free_after[frame as usize] = free_after[frame as usize + 1] + 1;
        }
        (0..LIMIT)
            .step_by(align as usize)
            .find(|&start| free_after[start as usize] >= count)
    }

    /// The error freeing `frame` must give, if it is not in use.
    fn free_error(&self, frame: u64) -> Option<FrameError> {
        let number = FrameNumber(frame);
        if frame >= LIMIT {
            let limit = FrameNumber(LIMIT);
            Some(FrameError::BeyondLimit {
                frame: limit.max(number),
                limit,
            })
        } else if self.reserved.contains(&frame) {
            Some(FrameError::Reserved(number))
        } else if !self.usable.contains(&frame) {
            Some(FrameError::NotUsable(number))
        } else if self.free.contains(&frame) {
            Some(FrameError::DoubleFree(number))
        } else {
            None
        }
    }

    fn take(&mut self, first: u64, count: u64) {
        (first..first + count).for_each(|frame| assert!(self.free.remove(&frame)));
        self.held.push((first, count));
    }

    fn stats(&self) -> FrameStats {
        let usable = self.usable.len() as u64;
        let free = self.free.len() as u64;
        FrameStats {
            usable: FrameCount(usable),
            free: FrameCount(free),
            used: FrameCount(usable - free),
        }
    }
}

/// The allocator under test and its model, kept in step.
struct World<'m> {
    frames: FrameAllocator<'m>,
    model: Model,
}

impl<'m> World<'m> {
    fn new(metadata: &'m mut Vec<u64>, setups: &[Setup]) -> Self {
        metadata.resize(FrameAllocator::metadata_words(FrameNumber(LIMIT)), 0);
        let mut frames = FrameAllocator::new(metadata, FrameNumber(LIMIT)).unwrap();
        let mut model = Model::default();
        for setup in setups {
            match *setup {
                Setup::Add(start, end) => frames.add_usable_range(PhysAddr(start), PhysAddr(end)),
                Setup::Reserve(start, end) => frames.reserve_range(PhysAddr(start), PhysAddr(end)),
            };
            model.apply_setup(setup);
        }
        World { frames, model }
    }

    /// Runs `op` on both, checks they agree, and returns the run allocated.
    fn apply(&mut self, op: &Op) -> Result<Option<Run>, TestCaseError> {
        let mut run = None;
        match *op {
            Op::Allocate => run = self.allocate_run(1, 1, true)?,
            Op::AllocateRun { count, align_log2 } => {
                run = self.allocate_run(count, 1 << align_log2, false)?;
            }
            Op::FreeFirst { pick } => self.free_first(pick)?,
            Op::FreeRun { pick } => self.free_run(pick)?,
            Op::DoubleFree { pick } => {
                let free = &self.model.free;
                let frame = free.iter().nth(pick % free.len().max(1)).copied();
                self.refused_free(frame, 1)?;
            }
            Op::FreeUnusable { frame } => {
                let unusable = !self.model.usable.contains(&frame);
                self.refused_free(unusable.then_some(frame), 1)?;
            }
            Op::FreeOverhangingRun { pick } => self.free_overhanging(pick)?,
        }
        prop_assert_eq!(self.frames.stats(), self.model.stats());
        Ok(run)
    }

    fn allocate_run(&mut self, count: u64, align: u64, single: bool) -> RunResult {
        let got = if single {
            self.frames.allocate()
        } else {
            self.frames
                .allocate_contiguous(FrameCount(count), FrameCount(align))
        };
        let Some(first) = self.model.lowest_run(count, align) else {
            let (count, align) = (FrameCount(count), FrameCount(align));
            let run_error = FrameError::NoContiguousRun { count, align };
            let expected = if single {
                FrameError::OutOfFrames
            } else {
                run_error
            };
            prop_assert_eq!(got, Err(expected));
            return Ok(None);
        };
        prop_assert_eq!(got, Ok(FrameNumber(first)));
        let run = Run {
            first,
            count,
            align,
        };
        prop_assert!(self.disjoint_from_held(run), "{run:?} overlaps a held run");
        self.model.take(first, count);
        Ok(Some(run))
    }

    fn disjoint_from_held(&self, run: Run) -> bool {
        let end = run.first + run.count;
        self.model
            .held
            .iter()
            .all(|&(first, count)| end <= first || first + count <= run.first)
    }

    fn free_first(&mut self, pick: usize) -> Result<(), TestCaseError> {
        let Some(index) = self.held_index(pick) else {
            return Ok(());
        };
        let (first, count) = self.model.held[index];
        prop_assert_eq!(self.frames.free(FrameNumber(first)), Ok(()));
        self.model.free.insert(first);
        if count == 1 {
            self.model.held.swap_remove(index);
        } else {
            self.model.held[index] = (first + 1, count - 1);
        }
        Ok(())
    }

    fn free_run(&mut self, pick: usize) -> Result<(), TestCaseError> {
        let Some(index) = self.held_index(pick) else {
            return Ok(());
        };
        let (first, count) = self.model.held.swap_remove(index);
        let freed = self
            .frames
            .free_contiguous(FrameNumber(first), FrameCount(count));
        prop_assert_eq!(freed, Ok(()));
        self.model.free.extend(first..first + count);
        Ok(())
    }

    fn free_overhanging(&mut self, pick: usize) -> Result<(), TestCaseError> {
        let Some(index) = self.held_index(pick) else {
            return Ok(());
        };
        let (first, count) = self.model.held[index];
        if self.model.free_error(first + count).is_none() {
            return Ok(()); // The frame after the run is in use: not a bad free.
        }
        self.refused_free(Some(first), count + 1)
    }

    /// Frees `count` frames from `frame`, which the model says must fail
    /// (at the first frame not in use), and checks nothing changed.
    fn refused_free(&mut self, frame: Option<u64>, count: u64) -> Result<(), TestCaseError> {
        let Some(first) = frame else { return Ok(()) };
        let expected = (first..first + count).find_map(|frame| self.model.free_error(frame));
        prop_assert!(expected.is_some());
        let before = self.frames.stats();
        let got = if count == 1 {
            self.frames.free(FrameNumber(first))
        } else {
            self.frames
                .free_contiguous(FrameNumber(first), FrameCount(count))
        };
        prop_assert_eq!(got, Err(expected.unwrap()));
        prop_assert_eq!(self.frames.stats(), before);
        for frame in first..(first + count).min(LIMIT) {
            let free = self.model.free.contains(&frame);
            prop_assert_eq!(self.frames.is_free(FrameNumber(frame)), free);
        }
        Ok(())
    }

    fn held_index(&self, pick: usize) -> Option<usize> {
        (!self.model.held.is_empty()).then(|| pick % self.model.held.len())
    }

    /// Runs every op, checking each against the model.
    fn run_all(&mut self, ops: &[Op]) -> Result<Vec<Run>, TestCaseError> {
        let mut runs = Vec::new();
        for op in ops {
            runs.extend(self.apply(op)?);
        }
        Ok(runs)
    }
}

/// What an allocation step gives back.
type RunResult = Result<Option<Run>, TestCaseError>;

/// A memory-map entry: `(first frame, length in frames)` with a byte offset
/// inside the first and last page, so ranges start and end off page bounds.
fn setup() -> impl Strategy<Value = Setup> {
    let range = |max_len: u64| (0..LIMIT + 64, 1..max_len, 0..PAGE_SIZE, 0..PAGE_SIZE);
    let bytes = |(first, len, start_offset, end_offset): (u64, u64, u64, u64)| {
        let start = first * PAGE_SIZE + start_offset;
        (start, (first + len) * PAGE_SIZE + end_offset)
    };
    prop_oneof![
        3 => range(1200).prop_map(move |r| { let (s, e) = bytes(r); Setup::Add(s, e) }),
        2 => range(24).prop_map(move |r| { let (s, e) = bytes(r); Setup::Reserve(s, e) }),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let count = prop_oneof![1..=8u64, 1..=130u64, Just(512u64)];
    prop_oneof![
        4 => Just(Op::Allocate),
        4 => (count, 0..=9u32).prop_map(|(count, align_log2)| Op::AllocateRun { count, align_log2 }),
        3 => any::<usize>().prop_map(|pick| Op::FreeFirst { pick }),
        3 => any::<usize>().prop_map(|pick| Op::FreeRun { pick }),
        1 => any::<usize>().prop_map(|pick| Op::DoubleFree { pick }),
        1 => (0..LIMIT + 64).prop_map(|frame| Op::FreeUnusable { frame }),
        1 => any::<usize>().prop_map(|pick| Op::FreeOverhangingRun { pick }),
    ]
}

/// A memory map and an op sequence: the input of every property.
fn scenario() -> impl Strategy<Value = (Vec<Setup>, Vec<Op>)> {
    (
        prop::collection::vec(setup(), 1..6),
        prop::collection::vec(op(), 1..60),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// No frame is handed out twice: every new frame or run is disjoint from
    /// every frame handed out and not yet given back.
    #[test]
    fn no_frame_is_handed_out_twice((setups, ops) in scenario()) {
        let mut metadata = Vec::new();
        let mut world = World::new(&mut metadata, &setups);
        let mut outstanding = BTreeSet::new();
        for op in &ops {
            let held_before: BTreeSet<u64> = world.model.held.iter()
                .flat_map(|&(first, count)| first..first + count).collect();
            outstanding.retain(|frame| held_before.contains(frame));
            if let Some(run) = world.apply(op)? {
                for frame in run.first..run.first + run.count {
                    prop_assert!(outstanding.insert(frame), "frame {} handed out twice", frame);
                }
            }
        }
    }

    /// Every frame comes back: after freeing everything still held, the
    /// statistics equal those before the first allocation and every usable
    /// frame is free again.
    #[test]
    fn every_frame_comes_back((setups, ops) in scenario()) {
        let mut metadata = Vec::new();
        let mut world = World::new(&mut metadata, &setups);
        let start = world.frames.stats();
        world.run_all(&ops)?;
        while !world.model.held.is_empty() {
            world.apply(&Op::FreeRun { pick: 0 })?;
        }
        prop_assert_eq!(world.frames.stats(), start);
        for frame in 0..LIMIT {
            let usable = world.model.usable.contains(&frame);
            prop_assert_eq!(world.frames.is_free(FrameNumber(frame)), usable);
        }
    }

    /// Alignment is honoured: every run starts at a multiple of its alignment
    /// and is the lowest such run of free frames (the model's answer).
    #[test]
    fn runs_are_aligned_and_lowest_first((setups, ops) in scenario()) {
        let mut metadata = Vec::new();
        let mut world = World::new(&mut metadata, &setups);
        for run in world.run_all(&ops)? {
            prop_assert_eq!(run.first % run.align, 0, "{:?} is misaligned", run);
        }
    }

    /// Exhaustion returns an error, not a panic, and no frame outside the
    /// usable ranges is ever returned: allocating until failure yields every
    /// free frame once, in rising order, all of them usable.
    #[test]
    fn exhaustion_errors_and_only_usable_frames_are_returned((setups, ops) in scenario()) {
        let mut metadata = Vec::new();
        let mut world = World::new(&mut metadata, &setups);
        for run in world.run_all(&ops)? {
            let usable = (run.first..run.first + run.count).all(|f| world.model.usable.contains(&f));
            prop_assert!(usable, "{:?} is not all usable", run);
        }
        let expected: Vec<u64> = world.model.free.iter().copied().collect();
        let mut got = Vec::new();
        let error = loop {
            match world.frames.allocate() {
                Ok(frame) => got.push(frame.0),
                Err(error) => break error,
            }
        };
        prop_assert_eq!(error, FrameError::OutOfFrames);
        prop_assert_eq!(got, expected);
        prop_assert_eq!(world.frames.stats().free, FrameCount(0));
        let run = world.frames.allocate_contiguous(FrameCount(1), FrameCount(1));
        prop_assert!(matches!(run, Err(FrameError::NoContiguousRun { .. })), "{:?}", run);
    }
}
