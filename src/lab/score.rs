//! Score tables: points per graded test, a total per lab.
//!
//! A [`ScoreCard`] pairs each graded test of a lab with what happened to
//! it. Only a pass earns its points; a test that failed, was ignored or
//! did not run (its code did not compile, or it has no such name) earns
//! none, and the table says which.

use super::catalogue::{GradedTest, Lab};
use super::grade::Results;
use super::libtest::Verdict;
use crate::table::{Align, Table};

/// What happened to one graded test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It passed: full points.
    Passed,
    /// It ran and failed.
    Failed,
    /// It was ignored.
    Ignored,
    /// No verdict: the suite did not build, or no test has that name.
    NotRun,
}

impl Outcome {
    /// The word in the score table.
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Passed => "pass",
            Outcome::Failed => "FAIL",
            Outcome::Ignored => "ignored",
            Outcome::NotRun => "not run (build failed?)",
        }
    }
}

impl From<Option<Verdict>> for Outcome {
    fn from(verdict: Option<Verdict>) -> Self {
        match verdict {
            Some(Verdict::Passed) => Outcome::Passed,
            Some(Verdict::Failed) => Outcome::Failed,
            Some(Verdict::Ignored) => Outcome::Ignored,
            None => Outcome::NotRun,
        }
    }
}

/// One lab's graded tests and their outcomes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoreCard {
    /// The lab.
    pub lab: &'static Lab,
    /// Each graded test, in the catalogue's order, with its outcome.
    pub rows: Vec<(GradedTest, Outcome)>,
}

impl ScoreCard {
    /// The card of `lab` from `results`.
    pub fn new(lab: &'static Lab, results: &Results) -> Self {
        let rows = lab
            .tests
            .iter()
            .map(|test| (*test, Outcome::from(results.verdict(test))))
            .collect();
        ScoreCard { lab, rows }
    }

    /// Points earned.
    pub fn scored(&self) -> u32 {
        self.rows
            .iter()
            .filter(|(_, outcome)| *outcome == Outcome::Passed)
            .map(|(test, _)| test.points)
            .sum()
    }

    /// Points possible.
    pub fn possible(&self) -> u32 {
        self.lab.points()
    }

    /// Whether every graded test passed.
    pub fn is_full(&self) -> bool {
        self.scored() == self.possible()
    }

    /// The graded tests whose outcome is not `outcome`.
    pub fn tests_not(&self, outcome: Outcome) -> Vec<(&'static str, Outcome)> {
        self.rows
            .iter()
            .filter(|(_, seen)| *seen != outcome)
            .map(|(test, seen)| (test.name, *seen))
            .collect()
    }

    /// The table: one row per test, then the total.
    pub fn render(&self) -> String {
        let mut table = Table::new(&[
            ("test", Align::Left),
            ("runs on", Align::Left),
            ("result", Align::Left),
            ("points", Align::Right),
        ]);
        for (test, outcome) in &self.rows {
            let earned = if *outcome == Outcome::Passed {
                test.points
            } else {
                0
            };
            table.row(vec![
                test.name.to_owned(),
                test.suite.label(),
                outcome.word().to_owned(),
                format!("{earned}/{}", test.points),
            ]);
        }
        table.row(vec![
            "total".to_owned(),
            String::new(),
            String::new(),
            format!("{}/{}", self.scored(), self.possible()),
        ]);
        format!(
            "lab {}: {}\n{}",
            self.lab.name,
            self.lab.title,
            table.render()
        )
    }
}

/// A line per lab and the course total, for grading several labs.
pub fn summary(cards: &[ScoreCard]) -> String {
    let mut table = Table::new(&[("lab", Align::Left), ("points", Align::Right)]);
    for card in cards {
        table.row(vec![
            card.lab.name.to_owned(),
            format!("{}/{}", card.scored(), card.possible()),
        ]);
    }
    let scored: u32 = cards.iter().map(ScoreCard::scored).sum();
    let possible: u32 = cards.iter().map(ScoreCard::possible).sum();
    table.row(vec!["total".to_owned(), format!("{scored}/{possible}")]);
    table.render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::catalogue::{Region, Suite};
    use crate::lab::grade::SuiteRun;

    const LAB: Lab = Lab {
        name: "demo",
        title: "a demo lab",
        teaches: "",
        regions: &[Region {
            path: "x.rs",
            stub: "",
        }],
        tests: &[
            GradedTest {
                suite: Suite::AllocatorUnit,
                name: "unit::passes",
                points: 30,
            },
            GradedTest {
                suite: Suite::AllocatorUnit,
                name: "unit::fails",
                points: 20,
            },
            GradedTest {
                suite: Suite::Qemu,
                name: "boot",
                points: 50,
            },
        ],
    };

    fn results() -> Results {
        let mut results = Results::default();
        let verdicts = [
            ("unit::passes".to_owned(), Verdict::Passed),
            ("unit::fails".to_owned(), Verdict::Failed),
        ];
        results.suites.insert(
            Suite::AllocatorUnit,
            SuiteRun {
                verdicts: verdicts.into_iter().collect(),
                stdout: String::new(),
                stderr: String::new(),
            },
        );
        results
    }

    #[test]
    fn only_passing_tests_earn_points() {
        let card = ScoreCard::new(&LAB, &results());
        assert_eq!((card.scored(), card.possible()), (30, 100));
        assert!(!card.is_full());
        assert_eq!(
            card.tests_not(Outcome::Failed),
            [("unit::passes", Outcome::Passed), ("boot", Outcome::NotRun)]
        );
    }

    #[test]
    fn the_table_shows_each_test_and_the_total() {
        let rendered = ScoreCard::new(&LAB, &results()).render();
        let expected = "\
lab demo: a demo lab
test          runs on    result                   points
--------------------------------------------------------
unit::passes  host unit  pass                      30/30
unit::fails   host unit  FAIL                       0/20
boot          QEMU       not run (build failed?)    0/50
total                                             30/100";
        assert_eq!(rendered, expected);
        let summary = summary(&[ScoreCard::new(&LAB, &results())]);
        assert!(summary.ends_with("total  30/100"), "{summary}");
    }
}
