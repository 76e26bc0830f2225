//! The demo's table and what it says in words.
//!
//! Every count in a `demo-row` is a total over its rounds; the table divides
//! by the rounds so rows with different round counts compare, and keeps the
//! first round apart in its own column (the cache is empty then, so every
//! policy pays for a fresh mapping once). A row that ran out of memory shows
//! "out of memory" with the frames it needed and had instead of figures.
//! Below the table, [`reading`] puts the counters into sentences: which
//! policy re-zeroed what, where the cache was bypassed (against the cache
//! limits the kernel printed), how far apart always-zero and dirty tracking
//! ended up, and, in a guest too small for the always-zero cache, why the
//! others ran where it could not.

use pristine_allocator::{CacheLimits, Policy};
use pristine_records::{AllocationSize, DemoRow};

use crate::demo::run::DemoOutcome;
use crate::demo::small_guest;
use crate::experiment::{Clock, Setup};
use crate::render::grouped;
use crate::stats::{per_round, ratio};
use crate::table::{Align, Table};

/// The table of a finished demo, one line per row, ticks in `clock` units.
pub fn table(rows: &[DemoRow], clock: Clock) -> String {
    let ticks_title = format!("{} / round (mean)", clock.unit());
    let mut table = Table::new(&[
        ("policy", Align::Left),
        ("size", Align::Right),
        ("rounds", Align::Right),
        (&ticks_title, Align::Right),
        ("first round", Align::Right),
        ("pages zeroed / round (mean)", Align::Right),
        ("faults / round (mean)", Align::Right),
        ("zero-page maps / round (mean)", Align::Right),
        ("cache hits", Align::Right),
        ("misses", Align::Right),
        ("bypasses", Align::Right),
    ]);
    for row in rows {
        let cells = match &row.out_of_memory {
            None => vec![
                Setup::from(row).to_string(),
                row.size.to_string(),
                grouped(row.rounds),
                decimal(per_round(row.ticks_total, row.rounds)),
                grouped(row.ticks_first_round),
                decimal(per_round(row.pages_zeroed, row.rounds)),
                decimal(per_round(row.faults, row.rounds)),
                decimal(per_round(row.zero_page_mappings, row.rounds)),
                grouped(row.cache_hits),
                grouped(row.cache_misses),
                grouped(row.cache_bypasses),
            ],
            Some(out) => small_guest::cells(row, out),
        };
        table.row(cells);
    }
    table.render()
}

/// The whole report: table, reading, and the unit and run time.
pub fn report(outcome: &DemoOutcome) -> String {
    let mut text = table(&outcome.rows, outcome.clock);
    text.push_str(
        "\n(mean): the total over all rounds divided by the rounds, so a cost paid in one \
         round shows as a fraction per round; --json prints the totals.\n\n",
    );
    for sentence in reading(&outcome.rows, outcome.limits.as_ref()) {
        text.push_str("- ");
        text.push_str(&sentence);
        text.push('\n');
    }
    text.push_str(&format!(
        "\nTicks are the guest's timestamp counter (rdtsc on x86_64, the cycle CSR on riscv64): \
         {}{}. The demo took {:.1} s.",
        outcome.clock.unit(),
        clock_note(outcome.clock),
        outcome.elapsed.as_secs_f64()
    ));
    text
}

/// What the clock means, in a clause.
fn clock_note(clock: Clock) -> &'static str {
    match clock {
        Clock::Instructions => ", exact and repeatable (-icount shift=0)",
        Clock::TcgTicks => {
            ", which follow the host's clock and vary run to run; --icount counts \
                            guest instructions instead"
        }
        Clock::KvmTicks => ", through nested KVM",
    }
}

/// Plain-language sentences about `rows`: one per row, then one comparison
/// per size where both caches ran. `limits` are the cache limits the kernel
/// printed, if it did.
pub fn reading(rows: &[DemoRow], limits: Option<&CacheLimits>) -> Vec<String> {
    let mut sentences: Vec<String> = rows.iter().map(|row| row_reading(row, limits)).collect();
    let mut sizes = Vec::new();
    for row in rows {
        if !sizes.contains(&row.size) {
            sizes.push(row.size);
        }
    }
    sentences.extend(sizes.into_iter().filter_map(|size| {
        let find = |policy| {
            rows.iter()
                .find(|row| row.policy == policy && row.size == size)
        };
        let always_zero = find(Policy::AlwaysZero)?;
        if always_zero.out_of_memory.is_some() {
            return small_guest::contrast(always_zero, rows);
        }
        comparison(always_zero, find(Policy::DirtyTracking)?)
    }));
    sentences
}

/// What one row's counters say.
fn row_reading(row: &DemoRow, limits: Option<&CacheLimits>) -> String {
    let who = format!("{} at {}", Setup::from(row), row.size);
    if let Some(out) = &row.out_of_memory {
        return small_guest::reading(&who, row, out);
    }
    let zeroed = decimal(per_round(row.pages_zeroed, row.rounds));
    let faults = decimal(per_round(row.faults, row.rounds));
    if row.rounds > 0 && row.cache_bypasses == row.rounds {
        let cliff = if row.policy == Policy::AlwaysZero {
            " Bigger is cheaper here: the macOS cliff."
        } else {
            ""
        };
        let limit = limits
            .and_then(|limits| AllocationSize::new(limits.max_entry_bytes).ok())
            .map_or_else(String::new, |limit| {
                format!(" (entries must be under {limit})")
            });
        return format!(
            "{who}: too large for the cache{limit}, so every round bypassed it and got a fresh \
             mapping: {zeroed} pages zeroed per round, {}.{cliff}",
            zero_page_reading(row)
        );
    }
    if row.cache_hits == 0 {
        return format!(
            "{who}: nothing is cached, so every round gets a fresh mapping; the memory is never \
             touched, so {zeroed} pages zeroed and {faults} faults per round, {}.",
            zero_page_reading(row)
        );
    }
    let whole_block = row.cache_hits.saturating_mul(row.size.pages());
    if row.pages_zeroed >= whole_block {
        let paged_in = if row.faults > 0 {
            format!(
                " Its {} faults (all rounds together; {faults} per round on average) are the \
                 never-backed pages that the first re-zeroing paged in.",
                grouped(row.faults)
            )
        } else {
            String::new()
        };
        format!(
            "{who}: re-zeroed the whole block on each of its {} cache hits, although nothing \
             was ever written: {zeroed} pages per round.{paged_in}",
            grouped(row.cache_hits)
        )
    } else {
        format!(
            "{who}: reused the cached block {} times and zeroed {} pages in all: only pages \
             written since their last zeroing need it, and none were.",
            grouped(row.cache_hits),
            grouped(row.pages_zeroed)
        )
    }
}

/// What the zero-page counter of a fresh mapping says: none under lazy
/// mapping (untouched pages stay unmapped), one per page under eager.
fn zero_page_reading(row: &DemoRow) -> String {
    let maps = decimal(per_round(row.zero_page_mappings, row.rounds));
    if row.zero_page_mappings == 0 {
        "and no zero-page maps: untouched pages stay unmapped until their first read (lazy \
         mapping)"
            .to_owned()
    } else if row.zero_page_mappings > row.read_faults {
        format!(
            "and {maps} zero-page maps per round, made before anything was read (eager mapping)"
        )
    } else {
        format!("and {maps} zero-page maps per round, one for each first read")
    }
}

/// How much more a round of always-zero cost than one of dirty tracking,
/// where the always-zero cache was used at all.
fn comparison(always_zero: &DemoRow, dirty: &DemoRow) -> Option<String> {
    if always_zero.cache_hits == 0 {
        return None;
    }
    let always = always_zero.ticks_total.checked_div(always_zero.rounds)?;
    let tracked = dirty.ticks_total.checked_div(dirty.rounds)?;
    let factor = ratio(always, tracked)?;
    Some(format!(
        "At {}, a round of always-zero cost {} times a round of dirty tracking.",
        always_zero.size,
        decimal(factor)
    ))
}

/// `x` grouped, with one decimal unless it is a whole number.
pub fn decimal(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < u64::MAX as f64 {
        grouped(x as u64)
    } else if x < 1000.0 {
        format!("{x:.1}")
    } else {
        grouped(x.round() as u64)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use pristine_allocator::{DirtyStrategy, PageCount};
    use std::time::Duration;

    pub(crate) const LIMITS: CacheLimits = CacheLimits::LIBMALLOC_116;

    pub(crate) fn row(
        policy: Policy,
        size: AllocationSize,
        ticks: u64,
        zeroed: u64,
        hits: u64,
    ) -> DemoRow {
        DemoRow {
            policy,
            dirty: DirtyStrategy::Hardware,
            size,
            rounds: 10,
            ticks_total: ticks,
            ticks_first_round: ticks / 10,
            pages_zeroed: zeroed,
            faults: 0,
            cow_faults: 0,
            read_faults: 0,
            zero_page_mappings: 0,
            cache_hits: hits,
            cache_misses: if hits > 0 { 1 } else { 0 },
            cache_bypasses: if LIMITS.admits(PageCount(size.pages())) {
                0
            } else {
                10
            },
            out_of_memory: None,
        }
    }

    pub(crate) fn seed_rows() -> Vec<DemoRow> {
        let hundred = AllocationSize::HUNDRED_MIB;
        let thousand = AllocationSize::THOUSAND_MIB;
        vec![
            row(Policy::NoCache, hundred, 50_000, 0, 0),
            row(Policy::AlwaysZero, hundred, 900_000_000, 230_400, 9),
            row(Policy::DirtyTracking, hundred, 30_000, 0, 9),
            row(Policy::AlwaysZero, thousand, 60_000, 0, 0),
            row(Policy::DirtyTracking, thousand, 20_000, 0, 0),
        ]
    }

    #[test]
    fn table_shows_per_round_figures_and_the_unit() {
        let text = table(&seed_rows(), Clock::Instructions);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("policy"));
        assert!(lines[0].contains("guest instructions / round"));
        let words: Vec<&str> = lines[3].split_whitespace().collect();
        assert_eq!(words[..4], ["alwayszero", "100", "MiB", "10"]);
        assert_eq!(words[4..7], ["90,000,000", "90,000,000", "23,040"]);
        assert!(lines[0].contains("faults / round (mean)"));
        assert!(lines[0].contains("zero-page maps / round (mean)"));
    }

    #[test]
    fn reading_tells_lazy_from_eager_zero_page_mapping() {
        let lazy = row(Policy::NoCache, AllocationSize::HUNDRED_MIB, 50_000, 0, 0);
        let eager = DemoRow {
            zero_page_mappings: 10 * 25_600,
            ..lazy.clone()
        };
        let read = DemoRow {
            zero_page_mappings: 10 * 25_600,
            read_faults: 10 * 25_600,
            ..lazy.clone()
        };
        assert!(row_reading(&lazy, None).contains("no zero-page maps"));
        assert!(row_reading(&eager, None).contains("25,600 zero-page maps per round"));
        assert!(row_reading(&eager, None).contains("(eager mapping)"));
        assert!(row_reading(&read, None).contains("one for each first read"));
        let words: Vec<String> = table(&[eager], Clock::Instructions)
            .lines()
            .nth(2)
            .map(|line| line.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        assert_eq!(words[8], "25,600", "{words:?}");
    }

    #[test]
    fn reading_names_what_each_policy_zeroed() {
        let sentences = reading(&seed_rows(), Some(&LIMITS));
        assert_eq!(sentences.len(), 6);
        assert!(sentences[0].starts_with("nocache at 100 MiB: nothing is cached"));
        assert!(sentences[1].contains("re-zeroed the whole block on each of its 9 cache hits"));
        assert!(sentences[2].contains("zeroed 0 pages in all"));
        assert!(sentences[3].contains("bypassed") && sentences[3].contains("the macOS cliff"));
        assert!(sentences[3].contains("(entries must be under 128 MiB)"));
        assert!(sentences[4].contains("bypassed") && !sentences[4].contains("cliff"));
        assert_eq!(
            sentences[5],
            "At 100 MiB, a round of always-zero cost 30,000 times a round of dirty tracking."
        );
        let larger = CacheLimits {
            max_entry_bytes: 512 << 20,
            ..LIMITS
        };
        let unknown = reading(&seed_rows(), None);
        assert!(unknown[3].contains("too large for the cache, so"));
        assert!(reading(&seed_rows(), Some(&larger))[3].contains("under 512 MiB"));
    }

    #[test]
    fn report_ends_with_the_clock() {
        let outcome = DemoOutcome {
            rows: seed_rows(),
            limits: Some(LIMITS),
            clock: Clock::TcgTicks,
            elapsed: Duration::from_millis(2500),
        };
        let text = report(&outcome);
        assert!(text.contains("timestamp ticks (plain TCG) / round (mean)"));
        assert!(text.contains("(mean): the total over all rounds divided by the rounds"));
        assert!(text.ends_with("The demo took 2.5 s."));
    }

    #[test]
    fn decimals_read_naturally() {
        assert_eq!(decimal(25_600.0), "25,600");
        assert_eq!(decimal(2.5), "2.5");
        assert_eq!(decimal(12_345.6), "12,346");
    }
}
