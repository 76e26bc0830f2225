//! Allocation sizes in bytes, as the demo and the benchmark name them.
//!
//! The kernel's `sizes=` word and its records count bytes, so a size here is
//! a plain byte count. People type sizes the way the seed's story tells them
//! (`100M`, `1000M`, `128K`, `1G`), so [`AllocationSize`] parses binary
//! suffixes and a plain number as bytes, and prints itself back in the
//! largest unit that divides it exactly (`100 MiB`, `129 MiB`, `128 KiB`).
//! [`crate::size::MemorySize`] is the other size type: guest RAM for `-m`,
//! where a plain number means MiB as in QEMU.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::size::{NumberError, split_number, unit_letter};

/// Bytes in one page of the guest: the unit of the kernel's page counters.
pub const PAGE_BYTES: u64 = 4096;

/// Bytes in one kibibyte.
const KIB: u64 = 1 << 10;
/// Bytes in one mebibyte.
const MIB: u64 = 1 << 20;
/// Bytes in one gibibyte.
const GIB: u64 = 1 << 30;

/// A non-zero allocation size in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AllocationSize(u64);

/// Why an allocation size was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllocationSizeError {
    /// The text does not start with a whole number.
    #[error("`{0}` is not a size; write it like 100M, 128K, 1G or a number of bytes")]
    NotANumber(String),
    /// The unit after the number is not one this parser knows.
    #[error("unknown unit `{0}`; use K, M or G (or no unit for bytes)")]
    UnknownUnit(String),
    /// The size does not fit in 64 bits.
    #[error("`{0}` is too large")]
    Overflow(String),
    /// Zero bytes is not an allocation.
    #[error("an allocation size must be at least one byte")]
    Zero,
}

impl AllocationSize {
    /// 100 MiB, the seed's allocation.
    pub const HUNDRED_MIB: AllocationSize = AllocationSize(100 * MIB);

    /// 1000 MiB, the seed's allocation that was fast on macOS.
    pub const THOUSAND_MIB: AllocationSize = AllocationSize(1000 * MIB);

    /// A size of `bytes` bytes, refusing zero.
    pub const fn new(bytes: u64) -> Result<Self, AllocationSizeError> {
        if bytes == 0 {
            Err(AllocationSizeError::Zero)
        } else {
            Ok(AllocationSize(bytes))
        }
    }

    /// A size of `kib` KiB, for constants.
    ///
    /// # Panics
    ///
    /// If `kib` is zero (at compile time, in a constant).
    pub const fn kib(kib: u64) -> Self {
        assert!(kib > 0, "an allocation size must not be zero");
        AllocationSize(kib * KIB)
    }

    /// A size of `mib` MiB, for constants.
    ///
    /// # Panics
    ///
    /// If `mib` is zero (at compile time, in a constant).
    pub const fn mib(mib: u64) -> Self {
        assert!(mib > 0, "an allocation size must not be zero");
        AllocationSize(mib * MIB)
    }

    /// The size in bytes.
    pub const fn bytes(self) -> u64 {
        self.0
    }

    /// The pages the allocation covers (a partial page counts as one).
    pub const fn pages(self) -> u64 {
        self.0.div_ceil(PAGE_BYTES)
    }

    /// The size in MiB as a float, for plots.
    pub fn mebibytes(self) -> f64 {
        self.0 as f64 / MIB as f64
    }
}

impl fmt::Display for AllocationSize {
    /// `100 MiB`, `128 KiB`, `1 GiB`, or `12345 B` when no unit divides it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = self.0;
        match [(GIB, "GiB"), (MIB, "MiB"), (KIB, "KiB")]
            .into_iter()
            .find(|(unit, _)| bytes.is_multiple_of(*unit))
        {
            Some((unit, name)) => write!(f, "{} {name}", bytes / unit),
            None => write!(f, "{bytes} B"),
        }
    }
}

impl FromStr for AllocationSize {
    type Err = AllocationSizeError;

    /// Parses `100M`, `100MiB`, `128k`, `1G` or `104857600` (bytes).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let (number, unit) = split_number(text).map_err(|error| match error {
            NumberError::NotANumber => AllocationSizeError::NotANumber(text.to_owned()),
            NumberError::Overflow => AllocationSizeError::Overflow(text.to_owned()),
        })?;
        let bytes = number
            .checked_mul(unit_bytes(unit)?)
            .ok_or_else(|| AllocationSizeError::Overflow(text.to_owned()))?;
        Self::new(bytes)
    }
}

/// Bytes per unit for a suffix; no suffix means bytes.
fn unit_bytes(unit: &str) -> Result<u64, AllocationSizeError> {
    match unit_letter(unit.trim()).as_str() {
        "" if unit.is_empty() => Ok(1),
        "k" => Ok(KIB),
        "m" => Ok(MIB),
        "g" => Ok(GIB),
        _ => Err(AllocationSizeError::UnknownUnit(unit.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(text: &str) -> Result<u64, AllocationSizeError> {
        text.parse::<AllocationSize>().map(AllocationSize::bytes)
    }

    #[test]
    fn parses_suffixes_and_plain_bytes() {
        assert_eq!(bytes("100M"), Ok(104_857_600));
        assert_eq!(bytes("1000M"), Ok(1_048_576_000));
        assert_eq!(bytes("128K"), Ok(131_072));
        assert_eq!(bytes("1g"), Ok(1 << 30));
        assert_eq!(bytes("100MiB"), Ok(104_857_600));
        assert_eq!(bytes("4096"), Ok(4096));
    }

    #[test]
    fn refuses_bad_sizes() {
        assert_eq!(bytes("0"), Err(AllocationSizeError::Zero));
        assert!(matches!(
            bytes("M"),
            Err(AllocationSizeError::NotANumber(_))
        ));
        assert!(matches!(
            bytes("3X"),
            Err(AllocationSizeError::UnknownUnit(_))
        ));
        assert!(matches!(
            bytes("3T"),
            Err(AllocationSizeError::UnknownUnit(_))
        ));
        assert!(matches!(
            bytes("99999999999G"),
            Err(AllocationSizeError::Overflow(_))
        ));
    }

    #[test]
    fn displays_in_the_largest_exact_unit() {
        assert_eq!(AllocationSize::HUNDRED_MIB.to_string(), "100 MiB");
        assert_eq!(AllocationSize::THOUSAND_MIB.to_string(), "1000 MiB");
        assert_eq!(AllocationSize::mib(1024).to_string(), "1 GiB");
        assert_eq!(AllocationSize::kib(128).to_string(), "128 KiB");
        assert_eq!(AllocationSize(12_345).to_string(), "12345 B");
    }

    #[test]
    fn counts_pages_rounding_up() {
        assert_eq!(AllocationSize::HUNDRED_MIB.pages(), 25_600);
        assert_eq!(AllocationSize(1).pages(), 1);
        assert_eq!(AllocationSize(4097).pages(), 2);
    }

    #[test]
    fn reads_and_writes_json_as_a_plain_number() {
        let size: AllocationSize = serde_json::from_str("104857600").expect("a number");
        assert_eq!(size, AllocationSize::HUNDRED_MIB);
        assert_eq!(
            serde_json::to_string(&size).expect("serialises"),
            "104857600"
        );
    }
}
