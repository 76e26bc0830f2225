//! Progress bars for the long runs: the demo's rounds and the benchmark's points.
//!
//! A guest run can take minutes, and QEMU prints nothing a person would want
//! to read meanwhile, so the demo and the benchmark show one `indicatif` bar
//! on stderr. The bar draws only when stderr is a terminal (indicatif checks)
//! and never in `--json` mode, so scripts and CI logs stay clean.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// The bar's layout: elapsed time, bar, count, current step.
const TEMPLATE: &str = "{prefix} [{elapsed_precise}] [{bar:30.cyan/blue}] {pos}/{len} {msg}";

/// A bar of `length` steps on stderr; hidden when `hidden` is set.
pub fn bar(length: u64, hidden: bool) -> ProgressBar {
    if hidden {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(length);
    // The template is a constant; should it ever be refused, the default
    // style still shows the count.
    if let Ok(style) = ProgressStyle::with_template(TEMPLATE) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_is_valid() {
        assert!(ProgressStyle::with_template(TEMPLATE).is_ok());
    }

    #[test]
    fn hidden_bars_count_but_do_not_draw() {
        let bar = bar(10, true);
        bar.inc(3);
        assert!(bar.is_hidden());
        assert_eq!(bar.position(), 3);
    }
}
