//! Fault injection: make one chosen request fail.
//!
//! A test that must show every failure is handled counts the requests a
//! sequence makes (frames from [`crate::sim::SimFrames`], page-table
//! entries from [`crate::sim::SimMmu`]), then runs it again once for each
//! request, failing that one. [`OneFailure`] is the counter both use.

/// Counts requests and says which one is to fail.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct OneFailure {
    /// Requests made so far, refused ones included.
    requests: u64,
    /// The request (counted as in `requests`) that is to fail, if any.
    fail_at: Option<u64>,
    /// Requests refused so far.
    injected: u64,
}

impl OneFailure {
    /// Makes the request `n` requests from now fail, once (0: the next).
    /// Replaces a failure not injected yet.
    pub(crate) fn arm(&mut self, n: u64) {
        self.fail_at = Some(self.requests.saturating_add(n));
    }

    /// Counts one request; whether it is the one to fail.
    pub(crate) fn next_fails(&mut self) -> bool {
        let request = self.requests;
        self.requests += 1;
        if self.fail_at != Some(request) {
            return false;
        }
        self.fail_at = None;
        self.injected += 1;
        true
    }

    /// Requests made so far, refused ones included.
    pub(crate) const fn requests(&self) -> u64 {
        self.requests
    }

    /// Requests refused so far.
    pub(crate) const fn injected(&self) -> u64 {
        self.injected
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_the_chosen_request_fails_once() {
        let mut injection = OneFailure::default();
        assert!(!injection.next_fails());
        injection.arm(2);
        let outcomes: [bool; 4] = core::array::from_fn(|_| injection.next_fails());
        assert_eq!(outcomes, [false, false, true, false]);
        assert_eq!((injection.requests(), injection.injected()), (5, 1));
    }

    #[test]
    fn arming_again_replaces_a_pending_failure() {
        let mut injection = OneFailure::default();
        injection.arm(5);
        injection.arm(0);
        assert!(injection.next_fails());
        assert!(!(0..10).any(|_| injection.next_fails()));
        assert_eq!(injection.injected(), 1);
    }
}
