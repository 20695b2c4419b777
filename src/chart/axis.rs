//! A time axis from 0 that ends on a round tick (1, 2 or 5 × 10^k seconds apart), labelled at
//! every tick, both ends among them: the phases chart's axis, and the waterfall's, which draws
//! what lies past the end clipped and marked.

use crate::report::figures::curves::nice_width;

/// Steps the axis aims at: its step is the round number nearest the longest value / 5, so the
/// value spans 3.5 to 7.5 steps.
const TICKS: f64 = 5.0;

/// The time axis: from 0 to `end`, a multiple of the tick `step`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RoundAxis {
    /// Right end, seconds: the first tick at or past the value it was made for.
    pub(crate) end: f64,
    /// Seconds between ticks.
    pub(crate) step: f64,
}

impl RoundAxis {
    /// The axis for values up to `longest` seconds: between 4 and 9 steps of a round size, the
    /// last at or just past `longest` (less than a step past it).
    pub(crate) fn past(longest: f64) -> RoundAxis {
        if !(longest.is_finite() && longest > 0.0) {
            return RoundAxis {
                end: 1.0,
                step: 0.2,
            };
        }
        let step = nice_width(longest / TICKS);
        // Ticks as a whole number of steps, the end written from integers so it is the
        // nearest double to the round number (1.2, not 1.2000000000000002).
        let ticks = (longest / step - 1e-9).ceil().max(1.0);
        let exp = step.log10().floor();
        let mantissa = (step / 10f64.powf(exp)).round();
        let end = if exp < 0.0 {
            ticks * mantissa / 10f64.powf(-exp)
        } else {
            ticks * mantissa * 10f64.powf(exp)
        };
        RoundAxis { end, step }
    }

    /// The right end of the plot's range: [`RoundAxis::end`] and a millionth of a step, because
    /// plotters finds its last tick with a floating-point remainder that can fall a hair short
    /// of a round end and would leave the end's tick out.
    pub(crate) fn range_end(&self) -> f64 {
        self.end + self.step * 1e-6
    }

    /// Labels on the axis, both ends among them.
    pub(crate) fn labels(&self) -> usize {
        (self.end / self.step).round() as usize + 1
    }

    /// A tick's label: as many decimals as the step needs.
    pub(crate) fn label(&self, secs: f64) -> String {
        let decimals = (-self.step.log10().floor()).max(0.0) as usize;
        format!("{secs:.decimals$}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_axis_ends_on_the_first_round_tick_at_or_past_the_value() {
        let cases = [
            (918.0, 1000.0, 200.0),
            (1000.0, 1000.0, 200.0),
            (734.4, 800.0, 100.0),
            (0.306, 0.35, 0.05),
            (87_720.0, 100_000.0, 20_000.0),
            // The fixture fleet's longest phase p99 (modules-final/config-scripts_user).
            (564.4, 600.0, 100.0),
            (600.0, 600.0, 100.0),
            (601.0, 700.0, 100.0),
            (9.0, 10.0, 2.0),
            (0.9, 1.0, 0.2),
            (0.27, 0.3, 0.05),
            (7200.0, 8000.0, 1000.0),
        ];
        for (longest, end, step) in cases {
            assert_eq!(
                RoundAxis::past(longest),
                RoundAxis { end, step },
                "{longest}"
            );
        }
        for nothing in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(RoundAxis::past(nothing).end, 1.0);
        }
        let mut longest = 0.0123;
        while longest < 1e6 {
            let a = RoundAxis::past(longest);
            let steps = a.end / a.step;
            assert!((steps - steps.round()).abs() < 1e-9, "{longest}: {a:?}");
            assert!(
                a.end >= longest && a.end - longest < a.step,
                "{longest}: {a:?}"
            );
            // The value covers 80 % of the axis or more.
            assert!(longest >= 0.8 * a.end, "{longest}: {a:?}");
            assert!((4..=9).contains(&(steps.round() as usize)), "{a:?}");
            assert_eq!(a.labels(), steps.round() as usize + 1);
            assert_eq!(a.label(a.end), a.label(steps.round() * a.step));
            longest *= 1.37;
        }
        assert_eq!(RoundAxis::past(0.306).label(0.15000000000000002), "0.15");
        assert_eq!(RoundAxis::past(918.0).label(1000.0), "1000");
        assert_eq!(RoundAxis::past(0.9).label(0.6000000000000001), "0.6");
        assert_eq!(RoundAxis::past(0.27).label(0.15), "0.15");
        assert_eq!(RoundAxis::past(564.4).label(600.0), "600");
    }
}
