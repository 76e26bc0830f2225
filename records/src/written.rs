//! How much of a block a benchmark round writes (none, one page, a
//! percentage) or reads (the read axis).
//!
//! The kernel's `written=` word and the `bench-point` record spell it the
//! same way: `0`, `page`, or a percentage from 1 to 100; and for the read
//! axis `read` (one byte of every page read, nothing written: the 2 MiB
//! zero page's case), `read-4k` (the same with the 4 KiB zero page only)
//! and `write-read` (every page written, then every page read). A percentage of a
//! block's pages rounds down but is at least one page, so `10` of a 5-page
//! block writes one page. Kernel and host share [`Written::pages_of`], so
//! they agree on the count.

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How much of an allocation a benchmark round writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Written {
    /// Nothing: the seed's untouched loop (`0`).
    Nothing,
    /// Exactly one page (`page`).
    OnePage,
    /// This percentage of the pages, 1 to 100, rounded down but at least one
    /// page.
    Percent(u8),
    /// Nothing written, one byte of every page read (`read`): reads of
    /// untouched memory, with the 2 MiB zero page if the kernel has it.
    ReadUntouched,
    /// The same with the 2 MiB zero page switched off for the point
    /// (`read-4k`): one 4 KiB zero-page fault per page.
    ReadUntouchedSmallZero,
    /// Every page written, then one byte of every page read (`write-read`).
    ReadAfterWrite,
}

/// Why a text is not a [`Written`] spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParseWrittenError;

impl Written {
    /// The full sweep: none, one page, 10 %, 50 %, 100 %.
    pub const SWEEP: [Written; 5] = [
        Written::Nothing,
        Written::OnePage,
        Written::Percent(10),
        Written::Percent(50),
        Written::Percent(100),
    ];

    /// The read axis: untouched with the 2 MiB and the 4 KiB zero page,
    /// and read after write.
    pub const READS: [Written; 3] = [
        Written::ReadUntouched,
        Written::ReadUntouchedSmallZero,
        Written::ReadAfterWrite,
    ];

    /// Whether a round also reads one byte of every page (after its writes).
    pub const fn reads(self) -> bool {
        matches!(
            self,
            Written::ReadUntouched | Written::ReadUntouchedSmallZero | Written::ReadAfterWrite
        )
    }

    /// The pages a round writes in an allocation of `pages` pages.
    pub const fn pages_of(self, pages: u64) -> u64 {
        let written = match self {
            Written::Nothing | Written::ReadUntouched | Written::ReadUntouchedSmallZero => 0,
            Written::OnePage => 1,
            Written::ReadAfterWrite => pages,
            Written::Percent(percent) => {
                let share = pages.saturating_mul(percent as u64) / 100;
                if share == 0 { 1 } else { share }
            }
        };
        if written < pages { written } else { pages }
    }

    /// The written share of `pages` pages, in percent, for plots.
    pub fn percent_of(self, pages: u64) -> f64 {
        if pages == 0 {
            return 0.0;
        }
        100.0 * self.pages_of(pages) as f64 / pages as f64
    }
}

impl fmt::Display for Written {
    /// `0`, `page`, the percentage, `read`, `read-4k` or `write-read`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Written::Nothing => f.write_str("0"),
            Written::OnePage => f.write_str("page"),
            Written::Percent(percent) => write!(f, "{percent}"),
            Written::ReadUntouched => f.write_str("read"),
            Written::ReadUntouchedSmallZero => f.write_str("read-4k"),
            Written::ReadAfterWrite => f.write_str("write-read"),
        }
    }
}

impl FromStr for Written {
    type Err = ParseWrittenError;

    /// Reads `0`, `page`, or a whole percentage from 1 to 100.
    fn from_str(text: &str) -> Result<Written, ParseWrittenError> {
        match text {
            "0" => Ok(Written::Nothing),
            "page" => Ok(Written::OnePage),
            "read" => Ok(Written::ReadUntouched),
            "read-4k" => Ok(Written::ReadUntouchedSmallZero),
            "write-read" => Ok(Written::ReadAfterWrite),
            _ => match text.parse::<u8>() {
                Ok(percent @ 1..=100) => Ok(Written::Percent(percent)),
                _ => Err(ParseWrittenError),
            },
        }
    }
}

impl fmt::Display for ParseWrittenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("expected 0, page, a percentage from 1 to 100, read, read-4k or write-read")
    }
}

impl core::error::Error for ParseWrittenError {}

impl Serialize for Written {
    /// As its text: `"0"`, `"page"`, `"10"`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::by_name::serialize(self, serializer)
    }
}

impl<'de> Deserialize<'de> for Written {
    /// From its text; a JSON number is refused.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Written, D::Error> {
        crate::by_name::deserialize(deserializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn specs_round_trip_as_text_and_as_json() {
        for written in Written::SWEEP.into_iter().chain(Written::READS) {
            assert_eq!(written.to_string().parse(), Ok(written));
        }
        for bad in ["", "101", "-1", "pages", "00x", "0.5"] {
            assert_eq!(bad.parse::<Written>(), Err(ParseWrittenError), "{bad}");
        }
        let json = serde_json::to_string(&Written::OnePage).expect("serialises");
        assert_eq!(json, r#""page""#);
        let back: Written = serde_json::from_str(r#""10""#).expect("a spec");
        assert_eq!(back, Written::Percent(10));
        assert!(serde_json::from_str::<Written>(r#""0.5""#).is_err());
        assert!(serde_json::from_str::<Written>("10").is_err());
    }

    #[test]
    fn written_pages_round_down_but_write_at_least_one() {
        assert_eq!(Written::Nothing.pages_of(25_600), 0);
        assert_eq!(Written::OnePage.pages_of(25_600), 1);
        assert_eq!(Written::Percent(10).pages_of(25_600), 2_560);
        assert_eq!(Written::Percent(10).pages_of(5), 1);
        assert_eq!(Written::Percent(100).pages_of(32), 32);
        assert_eq!(Written::OnePage.pages_of(0), 0);
        assert!((Written::Percent(50).percent_of(32) - 50.0).abs() < 1e-9);
    }

    #[test]
    fn the_read_axis_reads_and_writes_nothing_or_everything() {
        assert_eq!(Written::ReadUntouched.pages_of(25_600), 0);
        assert_eq!(Written::ReadUntouchedSmallZero.pages_of(25_600), 0);
        assert_eq!(Written::ReadAfterWrite.pages_of(25_600), 25_600);
        assert!(Written::READS.into_iter().all(Written::reads));
        assert!(!Written::SWEEP.into_iter().any(Written::reads));
        assert_eq!("read-4k".parse(), Ok(Written::ReadUntouchedSmallZero));
    }
}
