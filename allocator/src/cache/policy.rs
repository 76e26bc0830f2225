//! The three cache policies that make up Pristine's experiment.
//!
//! | policy | behaves like | re-zeroes on reuse |
//! | --- | --- | --- |
//! | [`Policy::NoCache`] | Linux + glibc | nothing cached |
//! | [`Policy::AlwaysZero`] | macOS libmalloc | every page, written or not |
//! | [`Policy::DirtyTracking`] | Pristine | only pages written since last zeroed |
//!
//! Each policy has one name, [`Policy::name`] (`nocache`, `alwayszero`,
//! `dirty`), used by the kernel command line, the host runner's options and
//! the `@@PRISTINE` records alike: [`Display`](fmt::Display) prints it and
//! [`FromStr`] reads it back.

use core::fmt;
use core::str::FromStr;

/// What `free` does with a region and what `calloc` must do to reuse one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Linux + glibc: `free` unmaps the region and returns its frames;
    /// every allocation gets fresh zero-page mappings.
    NoCache,
    /// macOS libmalloc: `free` keeps the region and its frames in the cache;
    /// a `calloc` served from the cache zeroes every page through the
    /// mapping, so untouched pages fault in and get frames.
    AlwaysZero,
    /// Pristine: like `AlwaysZero`, but a `calloc` served from the cache
    /// zeroes only the pages written since they were last zeroed (their
    /// frames, through the port's direct map) and re-arms their dirty
    /// detection; untouched pages cost nothing.
    DirtyTracking,
}

impl Policy {
    /// Every policy, in the order of the table above.
    pub const ALL: [Policy; 3] = [Policy::NoCache, Policy::AlwaysZero, Policy::DirtyTracking];

    /// Whether freed regions go into the cache under this policy.
    pub const fn caches(self) -> bool {
        !matches!(self, Policy::NoCache)
    }

    /// The policy's one name: `nocache`, `alwayszero` or `dirty`.
    ///
    /// This is the only place the names are spelled; everything that prints
    /// or reads a policy goes through it.
    pub const fn name(self) -> &'static str {
        match self {
            Policy::NoCache => "nocache",
            Policy::AlwaysZero => "alwayszero",
            Policy::DirtyTracking => "dirty",
        }
    }
}

impl fmt::Display for Policy {
    /// The policy's [`name`](Policy::name).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a text is not the name of a [`Policy`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ParsePolicyError;

impl fmt::Display for ParsePolicyError {
    /// `expected nocache, alwayszero or dirty`, from [`Policy::ALL`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("expected ")?;
        let last = Policy::ALL.len() - 1;
        for (index, policy) in Policy::ALL.iter().enumerate() {
            let separator = match index {
                0 => "",
                index if index == last => " or ",
                _ => ", ",
            };
            write!(f, "{separator}{policy}")?;
        }
        Ok(())
    }
}

impl core::error::Error for ParsePolicyError {}

impl FromStr for Policy {
    type Err = ParsePolicyError;

    /// Reads a policy [`name`](Policy::name); the match is exact.
    fn from_str(text: &str) -> Result<Policy, ParsePolicyError> {
        Policy::ALL
            .into_iter()
            .find(|policy| policy.name() == text)
            .ok_or(ParsePolicyError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_no_cache_skips_the_cache() {
        let caching: usize = Policy::ALL.iter().filter(|p| p.caches()).count();
        assert_eq!(caching, 2);
        assert!(!Policy::NoCache.caches());
    }

    #[test]
    fn names_read_back_as_their_policy() {
        for policy in Policy::ALL {
            let name = std::format!("{policy}");
            assert_eq!(name, policy.name());
            assert_eq!(name.parse(), Ok(policy));
        }
        assert_eq!("dirty".parse(), Ok(Policy::DirtyTracking));
    }

    #[test]
    fn unknown_names_are_refused_with_the_choices() {
        for text in ["", "lru", "NoCache", "dirty "] {
            assert_eq!(text.parse::<Policy>(), Err(ParsePolicyError));
        }
        assert_eq!(
            std::format!("{ParsePolicyError}"),
            "expected nocache, alwayszero or dirty"
        );
    }
}
