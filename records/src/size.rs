//! Sizes in bytes, written the way people write them: `100M`, `128K`, `3GiB`.
//!
//! One reader for every size the project takes as text: [`Quantity`] splits
//! a whole number from its binary [`Unit`] (`K`, `M`, `G`, `T`, optionally
//! followed by `iB` or `B`, in any case; `B` alone is bytes). What a bare
//! number means is up to the size type: [`AllocationSize`] (a block size for
//! the demo and the benchmark, in records and on the kernel command line)
//! counts bytes; the runner's guest-memory size counts MiB, as QEMU's `-m`
//! does. An [`AllocationSize`] prints itself in the largest unit that
//! divides it exactly (`100 MiB`, `129 MiB`, `128 KiB`).

use core::fmt;
use core::str::FromStr;

use pristine_allocator::PAGE_SIZE;
use serde::{Deserialize, Serialize};

/// A binary unit of bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unit {
    /// One byte (`B`).
    Byte,
    /// 2^10 bytes (`K`, `KiB`, `KB`).
    Kibibyte,
    /// 2^20 bytes (`M`, `MiB`, `MB`).
    Mebibyte,
    /// 2^30 bytes (`G`, `GiB`, `GB`).
    Gibibyte,
    /// 2^40 bytes (`T`, `TiB`, `TB`).
    Tebibyte,
}

/// A size as written: a whole number and the unit after it, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quantity {
    /// The number in front of the unit.
    pub number: u64,
    /// The unit, or `None` for a bare number.
    pub unit: Option<Unit>,
}

/// Why a text is not a [`Quantity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuantityError {
    /// Nothing was given.
    Empty,
    /// The text does not start with a whole number.
    NotANumber,
    /// The text after the number is not a unit.
    UnknownUnit,
    /// The number does not fit in 64 bits.
    Overflow,
}

/// A non-zero allocation size in bytes; JSON carries it as a plain number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct AllocationSize(u64);

/// Why a text or a number is not an [`AllocationSize`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SizeError {
    /// The text is not a number with a unit.
    Malformed(QuantityError),
    /// The size does not fit in 64 bits.
    TooLarge,
    /// Zero bytes is not an allocation.
    Zero,
}

impl Unit {
    /// Every unit, smallest first.
    pub const ALL: [Unit; 5] = [
        Unit::Byte,
        Unit::Kibibyte,
        Unit::Mebibyte,
        Unit::Gibibyte,
        Unit::Tebibyte,
    ];

    /// Bytes in one of this unit.
    pub const fn bytes(self) -> u64 {
        match self {
            Unit::Byte => 1,
            Unit::Kibibyte => 1 << 10,
            Unit::Mebibyte => 1 << 20,
            Unit::Gibibyte => 1 << 30,
            Unit::Tebibyte => 1 << 40,
        }
    }

    /// The unit's symbol: `B`, `KiB`, `MiB`, `GiB`, `TiB`.
    pub const fn symbol(self) -> &'static str {
        match self {
            Unit::Byte => "B",
            Unit::Kibibyte => "KiB",
            Unit::Mebibyte => "MiB",
            Unit::Gibibyte => "GiB",
            Unit::Tebibyte => "TiB",
        }
    }

    /// The unit a suffix names: its symbol's first letter, then nothing,
    /// `iB` or `B`, in any case (`G`, `g`, `GiB`, `gb`); `B` alone is bytes.
    fn from_suffix(suffix: &str) -> Option<Unit> {
        let (letter, tail) = suffix.split_at_checked(1)?;
        let unit = Unit::ALL
            .into_iter()
            .find(|unit| unit.symbol()[..1].eq_ignore_ascii_case(letter))?;
        let tail_allowed = match unit {
            Unit::Byte => tail.is_empty(),
            _ => ["", "b", "ib"]
                .into_iter()
                .any(|allowed| tail.eq_ignore_ascii_case(allowed)),
        };
        tail_allowed.then_some(unit)
    }
}

impl Quantity {
    /// The size in bytes, a bare number counting `bare` units; `None` when
    /// it does not fit in 64 bits.
    pub const fn bytes(self, bare: Unit) -> Option<u64> {
        let unit = match self.unit {
            Some(unit) => unit,
            None => bare,
        };
        self.number.checked_mul(unit.bytes())
    }
}

impl FromStr for Quantity {
    type Err = QuantityError;

    /// Reads `100M`, `3GiB`, `128k`, `4096B` or a bare `512`; blanks around
    /// the text are ignored, blanks inside it are not.
    fn from_str(text: &str) -> Result<Quantity, QuantityError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(QuantityError::Empty);
        }
        let digits_end = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (digits, suffix) = text.split_at(digits_end);
        if digits.is_empty() {
            return Err(QuantityError::NotANumber);
        }
        let number = digits.parse().map_err(|_| QuantityError::Overflow)?;
        let unit = match suffix {
            "" => None,
            suffix => Some(Unit::from_suffix(suffix).ok_or(QuantityError::UnknownUnit)?),
        };
        Ok(Quantity { number, unit })
    }
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            QuantityError::Empty => "the size is empty; write it like 100M or 3G",
            QuantityError::NotANumber => {
                "the size does not start with a whole number; write it like 100M or 3G"
            }
            QuantityError::UnknownUnit => "unknown unit; use B, K, M, G or T (or KiB, MiB, ...)",
            QuantityError::Overflow => "the number is too large",
        })
    }
}

impl core::error::Error for QuantityError {}

impl AllocationSize {
    /// 100 MiB, the seed's allocation.
    pub const HUNDRED_MIB: AllocationSize = AllocationSize::mib(100);

    /// 1000 MiB, the seed's allocation that was fast on macOS.
    pub const THOUSAND_MIB: AllocationSize = AllocationSize::mib(1000);

    /// A size of `bytes` bytes, refusing zero.
    pub const fn new(bytes: u64) -> Result<AllocationSize, SizeError> {
        if bytes == 0 {
            Err(SizeError::Zero)
        } else {
            Ok(AllocationSize(bytes))
        }
    }

    /// A size of `kib` KiB, for constants.
    ///
    /// # Panics
    ///
    /// If `kib` is zero (at compile time, in a constant).
    pub const fn kib(kib: u64) -> AllocationSize {
        assert!(kib > 0, "an allocation size must not be zero");
        AllocationSize(kib * Unit::Kibibyte.bytes())
    }

    /// A size of `mib` MiB, for constants.
    ///
    /// # Panics
    ///
    /// If `mib` is zero (at compile time, in a constant).
    pub const fn mib(mib: u64) -> AllocationSize {
        assert!(mib > 0, "an allocation size must not be zero");
        AllocationSize(mib * Unit::Mebibyte.bytes())
    }

    /// The size in bytes.
    pub const fn bytes(self) -> u64 {
        self.0
    }

    /// The pages the allocation covers (a partial page counts as one).
    pub const fn pages(self) -> u64 {
        self.0.div_ceil(PAGE_SIZE)
    }

    /// The size in MiB as a float, for plots.
    pub fn mebibytes(self) -> f64 {
        self.0 as f64 / Unit::Mebibyte.bytes() as f64
    }
}

impl fmt::Display for AllocationSize {
    /// `100 MiB`, `128 KiB`, `1 GiB`, or `12345 B` when no larger unit
    /// divides it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = Unit::ALL
            .into_iter()
            .rev()
            .find(|unit| self.0.is_multiple_of(unit.bytes()))
            .unwrap_or(Unit::Byte);
        write!(f, "{} {}", self.0 / unit.bytes(), unit.symbol())
    }
}

impl FromStr for AllocationSize {
    type Err = SizeError;

    /// Reads `100M`, `100MiB`, `128k`, `1G` or `104857600` (bytes).
    fn from_str(text: &str) -> Result<AllocationSize, SizeError> {
        let quantity: Quantity = text.parse().map_err(SizeError::Malformed)?;
        let bytes = quantity.bytes(Unit::Byte).ok_or(SizeError::TooLarge)?;
        AllocationSize::new(bytes)
    }
}

impl TryFrom<u64> for AllocationSize {
    type Error = SizeError;

    fn try_from(bytes: u64) -> Result<AllocationSize, SizeError> {
        AllocationSize::new(bytes)
    }
}

impl From<AllocationSize> for u64 {
    fn from(size: AllocationSize) -> u64 {
        size.0
    }
}

impl fmt::Display for SizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SizeError::Malformed(error) => error.fmt(f),
            SizeError::TooLarge => f.write_str("the size does not fit in 64 bits"),
            SizeError::Zero => f.write_str("an allocation size must be at least one byte"),
        }
    }
}

impl core::error::Error for SizeError {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn quantity(text: &str) -> Result<(u64, Option<Unit>), QuantityError> {
        text.parse::<Quantity>().map(|q| (q.number, q.unit))
    }

    fn bytes(text: &str) -> Result<u64, SizeError> {
        text.parse::<AllocationSize>().map(AllocationSize::bytes)
    }

    #[test]
    fn splits_number_and_unit() {
        assert_eq!(quantity("512"), Ok((512, None)));
        assert_eq!(quantity(" 3G "), Ok((3, Some(Unit::Gibibyte))));
        for suffix in ["M", "m", "MiB", "mib", "MB", "mb"] {
            let text = alloc::format!("100{suffix}");
            assert_eq!(quantity(&text), Ok((100, Some(Unit::Mebibyte))), "{text}");
        }
        assert_eq!(quantity("4096B"), Ok((4096, Some(Unit::Byte))));
        assert_eq!(quantity("1t"), Ok((1, Some(Unit::Tebibyte))));
    }

    #[test]
    fn refuses_malformed_quantities() {
        assert_eq!(quantity(""), Err(QuantityError::Empty));
        assert_eq!(quantity("G"), Err(QuantityError::NotANumber));
        assert_eq!(quantity("-1G"), Err(QuantityError::NotANumber));
        for bad in ["1.5G", "3X", "3 M", "3Bi", "3MiBs", "3iB"] {
            assert_eq!(quantity(bad), Err(QuantityError::UnknownUnit), "{bad}");
        }
        assert_eq!(
            quantity("99999999999999999999"),
            Err(QuantityError::Overflow)
        );
    }

    #[test]
    fn a_bare_number_counts_the_unit_the_caller_names() {
        let bare: Quantity = "512".parse().expect("valid");
        assert_eq!(bare.bytes(Unit::Byte), Some(512));
        assert_eq!(bare.bytes(Unit::Mebibyte), Some(512 << 20));
        let huge: Quantity = "99999999999T".parse().expect("valid");
        assert_eq!(huge.bytes(Unit::Byte), None);
    }

    #[test]
    fn allocation_sizes_count_bytes_and_refuse_zero() {
        assert_eq!(bytes("100M"), Ok(104_857_600));
        assert_eq!(bytes("1000M"), Ok(1_048_576_000));
        assert_eq!(bytes("128K"), Ok(131_072));
        assert_eq!(bytes("1g"), Ok(1 << 30));
        assert_eq!(bytes("4096"), Ok(4096));
        assert_eq!(bytes("0"), Err(SizeError::Zero));
        assert_eq!(
            bytes("M"),
            Err(SizeError::Malformed(QuantityError::NotANumber))
        );
        assert_eq!(
            bytes("3X"),
            Err(SizeError::Malformed(QuantityError::UnknownUnit))
        );
        assert_eq!(bytes("99999999999G"), Err(SizeError::TooLarge));
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
    fn json_carries_a_plain_non_zero_number() {
        let size: AllocationSize = serde_json::from_str("104857600").expect("a number");
        assert_eq!(size, AllocationSize::HUNDRED_MIB);
        assert_eq!(
            serde_json::to_string(&size).expect("serialises"),
            "104857600"
        );
        assert!(serde_json::from_str::<AllocationSize>("0").is_err());
        assert!(serde_json::from_str::<AllocationSize>(r#""100M""#).is_err());
    }
}
