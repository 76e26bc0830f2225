//! The demo in a guest too small for the always-zero cache.
//!
//! In a 64 MiB guest the always-zero cache cannot re-zero a 100 MiB cache
//! hit: it must back every page with a frame, and there are too few. The
//! kernel reports that row with an [`OutOfMemory`] outcome and runs the
//! rest. Here that row becomes table cells that say "out of memory" with
//! the frames it needed and had ([`cells`]), a sentence ([`reading`]), and
//! one sentence per size on why no cache and dirty tracking ran where
//! always-zero could not ([`contrast`]).

use pristine_allocator::Policy;
use pristine_records::{DemoRow, OutOfMemory};

use crate::experiment::Setup;
use crate::render::grouped;

/// The cells of a row that ran out of memory in round `out.round`: what it
/// needed and had instead of per-round figures, which would mislead.
pub fn cells(row: &DemoRow, out: &OutOfMemory) -> Vec<String> {
    let completed = out.round.saturating_sub(1);
    let first_round = if completed > 0 {
        grouped(row.ticks_first_round)
    } else {
        "-".to_owned()
    };
    vec![
        Setup::from(row).to_string(),
        row.size.to_string(),
        format!("{} of {}", grouped(completed), grouped(row.rounds)),
        format!(
            "out of memory: needs {} frames, {} free",
            grouped(out.frames_needed),
            grouped(out.frames_free)
        ),
        first_round,
        "-".to_owned(),
        "-".to_owned(),
        "-".to_owned(),
        grouped(row.cache_hits),
        grouped(row.cache_misses),
        grouped(row.cache_bypasses),
    ]
}

/// What a row that ran out of memory says.
pub fn reading(who: &str, row: &DemoRow, out: &OutOfMemory) -> String {
    let why = if row.policy == Policy::AlwaysZero {
        "re-zeroing the cached block backs every one of its pages with a frame"
    } else {
        "the block needed more frames than the guest had"
    };
    format!(
        "{who}: out of memory in round {} of {}: {why}: {} frames needed, {} free. The kernel \
         gave every frame back and went on.",
        grouped(out.round),
        grouped(row.rounds),
        grouped(out.frames_needed),
        grouped(out.frames_free)
    )
}

/// Why the other policies ran a size the always-zero cache ran out of
/// memory on; `None` when none of them ran it to the end.
pub fn contrast(always_zero: &DemoRow, rows: &[DemoRow]) -> Option<String> {
    let ran: Vec<String> = rows
        .iter()
        .filter(|row| {
            row.size == always_zero.size
                && row.policy != Policy::AlwaysZero
                && row.out_of_memory.is_none()
        })
        .map(|row| Setup::from(row).to_string())
        .collect();
    let (last, others) = ran.split_last()?;
    let names = if others.is_empty() {
        last.clone()
    } else {
        format!("{} and {last}", others.join(", "))
    };
    let verb = match others.len() {
        0 => "ran",
        1 => "both ran",
        _ => "all ran",
    };
    Some(format!(
        "At {}, {names} {verb} every round in the same guest: memory nobody touches costs no \
         frames, and neither has to zero it. The always-zero cache has to back every page of a \
         cache hit with a frame just to zero it, so it needs the whole block in RAM.",
        always_zero.size
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::report::tests::{LIMITS, seed_rows};
    use crate::demo::report::{reading as demo_reading, table};
    use crate::experiment::Clock;

    /// The seed's rows in a 64 MiB guest: always-zero runs out of frames in
    /// its second round at 100 MiB.
    fn small_guest_rows() -> Vec<DemoRow> {
        let mut rows = seed_rows();
        rows[1] = DemoRow {
            ticks_total: 1_000,
            ticks_first_round: 1_000,
            pages_zeroed: 0,
            cache_hits: 1,
            out_of_memory: Some(OutOfMemory {
                round: 2,
                frames_needed: 25_600,
                frames_free: 14_321,
            }),
            ..rows[1].clone()
        };
        rows
    }

    #[test]
    fn an_out_of_memory_row_says_so_with_what_it_needed_and_had() {
        let text = table(&small_guest_rows(), Clock::Instructions);
        let line = text
            .lines()
            .find(|line| line.starts_with("alwayszero") && line.contains("100 MiB"))
            .expect("the always-zero row");
        assert!(line.contains("1 of 10"), "{line}");
        assert!(
            line.contains("out of memory: needs 25,600 frames, 14,321 free"),
            "{line}"
        );
        let sentences = demo_reading(&small_guest_rows(), Some(&LIMITS));
        assert!(
            sentences[1].starts_with("alwayszero at 100 MiB: out of memory in round 2 of 10"),
            "{}",
            sentences[1]
        );
        assert!(sentences[1].contains("25,600 frames needed, 14,321 free"));
        assert!(
            sentences[5].starts_with("At 100 MiB, nocache and dirty/hw both ran every round"),
            "{}",
            sentences[5]
        );
        assert!(sentences[5].contains("memory nobody touches costs no frames"));
        assert!(!sentences.iter().any(|s| s.contains("times a round")));
    }
}
