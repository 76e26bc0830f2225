//! Guest memory sizes, written the way QEMU's `-m` option writes them.
//!
//! `--memory` accepts what users already type for QEMU: a whole number with an
//! optional binary suffix (`64M`, `3G`, `8G`, `512` meaning 512 MiB, since
//! QEMU's default unit is the mebibyte). The runner checks the value here,
//! before QEMU starts, so a typo gives one clear line instead of a QEMU error,
//! and always hands QEMU a plain `<N>M` it cannot misread. The text is read
//! by the one size reader the project has, [`pristine_records::Quantity`]
//! (also behind [`pristine_records::AllocationSize`], where a bare number
//! counts bytes instead).

use std::fmt;
use std::str::FromStr;

use pristine_records::{Quantity, QuantityError, Unit};

/// Bytes in one mebibyte.
const MIB: u64 = Unit::Mebibyte.bytes();

/// A guest RAM size: a whole number of mebibytes within [`MemorySize::MIN`]
/// and [`MemorySize::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MemorySize {
    /// Whole mebibytes; the constructors keep it in range.
    mebibytes: u64,
}

/// Why a `--memory` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    /// Nothing was given.
    #[error("the memory size is empty; write it like 512M or 3G")]
    Empty,
    /// The text does not start with a whole number.
    #[error("`{0}` does not start with a whole number; write it like 512M or 3G")]
    NotANumber(String),
    /// The text after the number is not a unit.
    #[error("`{0}` has an unknown unit; use K, M, G or T (or no unit for MiB)")]
    UnknownUnit(String),
    /// The size does not fit in 64 bits.
    #[error("`{0}` is too large to represent")]
    Overflow(String),
    /// QEMU rounds guest RAM to whole MiB, so other sizes would be misreported.
    #[error("{0} bytes is not a whole number of MiB")]
    NotWholeMebibytes(u64),
    /// Too little RAM for the kernel to boot.
    #[error("{0} is below the minimum of {min}", min = MemorySize::MIN)]
    TooSmall(MemorySize),
    /// More than the runner will ask QEMU to reserve.
    #[error("{0} is above the maximum of {max}", max = MemorySize::MAX)]
    TooLarge(MemorySize),
}

impl MemorySize {
    /// The smallest guest the runner starts: room for the kernel image, its
    /// page tables and heap, with frames left over to allocate.
    pub const MIN: MemorySize = MemorySize { mebibytes: 16 };

    /// The largest guest the runner starts. QEMU reserves guest RAM as host
    /// address space up front; this cap keeps a typo (`80000G`) from asking
    /// for more than a workstation can map.
    pub const MAX: MemorySize = MemorySize {
        mebibytes: 64 * 1024,
    };

    /// The default guest size, 512 MiB, as in `--memory 512M`.
    pub const DEFAULT: MemorySize = MemorySize { mebibytes: 512 };

    /// 2 GiB: the demo's guest, with room for a 1000 MiB block.
    pub const TWO_GIB: MemorySize = MemorySize { mebibytes: 2048 };

    /// 3 GiB: the benchmark's guest, with room for a fully written 1 GiB
    /// block and a full cache besides.
    pub const THREE_GIB: MemorySize = MemorySize { mebibytes: 3072 };

    /// A size of `mebibytes` MiB, checked against [`Self::MIN`] and [`Self::MAX`].
    pub fn from_mebibytes(mebibytes: u64) -> Result<Self, SizeError> {
        let size = MemorySize { mebibytes };
        if size < Self::MIN {
            Err(SizeError::TooSmall(size))
        } else if size > Self::MAX {
            Err(SizeError::TooLarge(size))
        } else {
            Ok(size)
        }
    }

    /// The size in bytes.
    pub fn bytes(self) -> u64 {
        self.mebibytes * MIB
    }

    /// The size in whole mebibytes.
    pub fn mebibytes(self) -> u64 {
        self.mebibytes
    }

    /// The value for QEMU's `-m` option, always in MiB (`3072M`).
    pub fn qemu_arg(self) -> String {
        format!("{}M", self.mebibytes)
    }
}

impl Default for MemorySize {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl fmt::Display for MemorySize {
    /// Shortest exact form: `3G` when a whole number of GiB, else `640M`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mebibytes.is_multiple_of(1024) {
            write!(f, "{}G", self.mebibytes / 1024)
        } else {
            write!(f, "{}M", self.mebibytes)
        }
    }
}

impl FromStr for MemorySize {
    type Err = SizeError;

    /// Parses `64M`, `3G`, `3GiB`, `1T`, `65536K` or `512` (MiB), in any case.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let owned = || text.trim().to_owned();
        let quantity: Quantity = text.parse().map_err(|error| match error {
            QuantityError::Empty => SizeError::Empty,
            QuantityError::NotANumber => SizeError::NotANumber(owned()),
            QuantityError::UnknownUnit => SizeError::UnknownUnit(owned()),
            QuantityError::Overflow => SizeError::Overflow(owned()),
        })?;
        let bytes = quantity
            .bytes(Unit::Mebibyte)
            .ok_or_else(|| SizeError::Overflow(owned()))?;
        if bytes % MIB != 0 {
            return Err(SizeError::NotWholeMebibytes(bytes));
        }
        Self::from_mebibytes(bytes / MIB)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mib(text: &str) -> Result<u64, SizeError> {
        text.parse::<MemorySize>().map(MemorySize::mebibytes)
    }

    #[test]
    fn accepts_qemu_forms() {
        assert_eq!(mib("64M"), Ok(64));
        assert_eq!(mib("512"), Ok(512));
        assert_eq!(mib("3G"), Ok(3072));
        assert_eq!(mib("8g"), Ok(8192));
        assert_eq!(mib("2GiB"), Ok(2048));
        assert_eq!(mib("128MB"), Ok(128));
        assert_eq!(mib("65536K"), Ok(64));
        assert_eq!(mib(" 1G "), Ok(1024));
    }

    #[test]
    fn refuses_malformed_text() {
        assert_eq!(mib(""), Err(SizeError::Empty));
        assert_eq!(mib("G"), Err(SizeError::NotANumber("G".into())));
        assert_eq!(mib("-1G"), Err(SizeError::NotANumber("-1G".into())));
        assert_eq!(mib("1.5G"), Err(SizeError::UnknownUnit("1.5G".into())));
        assert_eq!(mib("3X"), Err(SizeError::UnknownUnit("3X".into())));
        assert_eq!(mib("3B"), Err(SizeError::NotWholeMebibytes(3)));
        assert!(matches!(
            mib("99999999999999999999"),
            Err(SizeError::Overflow(_))
        ));
        assert!(matches!(mib("99999999999T"), Err(SizeError::Overflow(_))));
    }

    #[test]
    fn refuses_sizes_out_of_range() {
        assert_eq!(mib("100K"), Err(SizeError::NotWholeMebibytes(102_400)));
        assert!(matches!(mib("8M"), Err(SizeError::TooSmall(_))));
        assert!(matches!(mib("0"), Err(SizeError::TooSmall(_))));
        assert!(matches!(mib("65G"), Err(SizeError::TooLarge(_))));
        assert_eq!(mib("16M"), Ok(16));
        assert_eq!(mib("64G"), Ok(65536));
    }

    #[test]
    fn renders_for_people_and_for_qemu() {
        let size: MemorySize = "3G".parse().expect("3G is valid");
        assert_eq!(size.to_string(), "3G");
        assert_eq!(size.qemu_arg(), "3072M");
        assert_eq!(size.bytes(), 3 << 30);
        assert_eq!(MemorySize::DEFAULT.to_string(), "512M");
        assert_eq!(MemorySize::default().qemu_arg(), "512M");
    }
}
