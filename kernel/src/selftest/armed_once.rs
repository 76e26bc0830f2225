//! One expectation per boot, armed by a test and read by a fault handler.
//!
//! A kernel test that provokes a fault on purpose tells the fault
//! dispatcher what it expects before the faulting access. The dispatcher
//! looks on every fault, so the look must cost nothing on the ordinary
//! path: an [`ArmedOnce`] is a [`spin::Once`], one atomic load and no lock.
//! The runner boots the kernel once per test, so a second arming in one
//! boot is a bug in the test, and panics.

use spin::Once;

/// A value a test arms at most once per boot.
pub struct ArmedOnce<T>(Once<T>);

impl<T> ArmedOnce<T> {
    /// Nothing armed yet.
    pub const fn new() -> Self {
        Self(Once::new())
    }

    /// Arms `value` for `test`.
    ///
    /// # Panics
    /// If something is already armed in this boot: each test arms one.
    pub fn arm(&self, value: T, test: &str) {
        let mut stored = false;
        self.0.call_once(|| {
            stored = true;
            value
        });
        assert!(stored, "{test} armed a second expected fault; one per boot");
    }

    /// What was armed, if anything: the dispatcher's fast check.
    #[inline]
    pub fn armed(&self) -> Option<&T> {
        self.0.get()
    }
}
