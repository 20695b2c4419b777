//! The documented range of every number in `bootline.toml`, checked with the value's own
//! words ("must be in (0 s, 7 days]").

use super::{MAX_SECS, MIN_SECS};

/// The documented range of a number in `bootline.toml` (and of the flags that override it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bounds {
    lo: f64,
    lo_open: bool,
    hi: f64,
    hi_open: bool,
    /// The range as the README writes it.
    shown: &'static str,
}

impl Bounds {
    /// Durations: timeouts, thresholds, grid steps, the sweep period, guard ages. A millisecond
    /// is the finest any log states (`1e-300` would round every timeout to nothing).
    pub(crate) const SECS: Bounds = Bounds::new(
        MIN_SECS,
        false,
        MAX_SECS,
        false,
        "[0.001 s, 7 days = 604800 s]",
    );
    /// Durations that may be zero: the additive slack and the grid's switch point.
    pub(crate) const SECS_OR_ZERO: Bounds =
        Bounds::new(0.0, false, MAX_SECS, false, "[0 s, 7 days = 604800 s]");
    /// The target false-fail rate: below one in a million no fleet could show it met.
    pub(crate) const RATE: Bounds = Bounds::new(1e-6, false, 0.5, true, "[0.000001, 0.5)");
    /// The one-sided confidence of a bound: below one half it bounds nothing from above.
    pub(crate) const CONFIDENCE: Bounds = Bounds::new(0.5, false, 1.0, true, "[0.5, 1)");
    /// The multiplicative slack.
    pub(crate) const MULTIPLIER: Bounds = Bounds::new(1.0, false, 10.0, false, "[1, 10]");
    /// A count of records: at least one, at most a billion.
    pub(crate) const COUNT: Bounds =
        Bounds::new(1.0, false, 1e9, false, "whole numbers in [1, 1000000000]");

    const fn new(lo: f64, lo_open: bool, hi: f64, hi_open: bool, shown: &'static str) -> Self {
        Self {
            lo,
            lo_open,
            hi,
            hi_open,
            shown,
        }
    }

    /// `x` when it lies within the bounds (NaN never does), else what was expected.
    pub(crate) fn check(self, key: &str, x: f64) -> std::result::Result<f64, String> {
        let above = if self.lo_open {
            x > self.lo
        } else {
            x >= self.lo
        };
        let below = if self.hi_open {
            x < self.hi
        } else {
            x <= self.hi
        };
        if above && below {
            Ok(x)
        } else {
            Err(format!(
                "{key} must lie in {}, got {}",
                self.shown,
                shown_number(x)
            ))
        }
    }
}

/// `x` as written in a message: plainly in the range people write (`1.5`, `-60`, `604801`),
/// else in exponent form (`1e308`, `1e-300`) rather than three hundred digits.
fn shown_number(x: f64) -> String {
    if x == 0.0 || !x.is_finite() || (1e-4..1e9).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}
