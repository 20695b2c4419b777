//! The life table of one cohort: each distinct time once, with its events and censorings
//! (docs/statistics.md §10). A million whole-second boots make a few thousand rows, so the
//! comparisons and the bootstrap work on rows, not on records.

use super::error::Result;
use super::km::TIE_TOLERANCE;
use super::record::{Record, Sample};

/// One cohort's distinct times, ascending, with their counts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Table {
    /// Distinct times, ascending.
    pub(crate) times: Vec<f64>,
    /// Events at each time.
    pub(crate) events: Vec<f64>,
    /// Censorings at each time.
    pub(crate) censored: Vec<f64>,
    /// All records.
    pub(crate) n: f64,
}

impl Table {
    /// Validates and tabulates the records.
    #[cfg(test)]
    pub(crate) fn new(records: &[Record]) -> Result<Self> {
        Self::weighted(records.iter().map(|r| (*r, 1)))
    }

    /// Validates and tabulates records given with their counts (a record standing for `count`
    /// equal ones; 0 adds nothing): the same table as [`Table::new`] of the records repeated,
    /// since events and censorings at a time are whole numbers either way; in memory for the
    /// distinct times only.
    pub(crate) fn weighted(records: impl IntoIterator<Item = (Record, u64)>) -> Result<Self> {
        let sample = Sample::weighted(records)?;
        let mut table = Self {
            times: Vec::new(),
            events: Vec::new(),
            censored: Vec::new(),
            n: sample.n as f64,
        };
        for (r, p) in sample.in_order() {
            if table.times.last() != Some(&r.duration_secs) {
                table.times.push(r.duration_secs);
                table.events.push(0.0);
                table.censored.push(0.0);
            }
            let k = table.times.len() - 1;
            if r.censored {
                table.censored[k] += p.weight;
            } else {
                table.events[k] += p.weight;
            }
        }
        Ok(table)
    }

    /// A table with the same times and other counts (a bootstrap resample); rows whose counts
    /// are both zero are kept, they change nothing.
    pub(crate) fn with_counts(&self, events: Vec<f64>, censored: Vec<f64>) -> Self {
        let n = events.iter().sum::<f64>() + censored.iter().sum::<f64>();
        Self {
            times: self.times.clone(),
            events,
            censored,
            n,
        }
    }

    /// Number of censored records.
    pub(crate) fn n_censored(&self) -> f64 {
        self.censored.iter().sum()
    }

    /// Kaplan–Meier Ŝ(t): the product over event times ≤ t (1 before the first).
    pub(crate) fn survival(&self, t: f64) -> f64 {
        let mut at_risk = self.n;
        let mut s = 1.0;
        for k in 0..self.times.len() {
            if self.times[k] > t {
                break;
            }
            if self.events[k] > 0.0 {
                s *= 1.0 - self.events[k] / at_risk;
            }
            at_risk -= self.events[k] + self.censored[k];
        }
        s
    }

    /// The Kaplan–Meier steps: (event time, Ŝ just after it), ascending.
    pub(crate) fn steps(&self) -> Vec<[f64; 2]> {
        let mut at_risk = self.n;
        let mut s = 1.0;
        let mut out = Vec::new();
        for k in 0..self.times.len() {
            if self.events[k] > 0.0 {
                s *= 1.0 - self.events[k] / at_risk;
                out.push([self.times[k], s]);
            }
            at_risk -= self.events[k] + self.censored[k];
        }
        out
    }

    /// The Kaplan–Meier q-quantile, the first event time where Ŝ ≤ 1 − q (with the tie
    /// tolerance of [`super::km`]); `None` when Ŝ never gets that low.
    pub(crate) fn quantile(&self, q: f64) -> Option<f64> {
        let level = 1.0 - q;
        let mut at_risk = self.n;
        let mut s = 1.0;
        for k in 0..self.times.len() {
            if self.events[k] > 0.0 {
                s *= 1.0 - self.events[k] / at_risk;
                if s <= level * (1.0 + TIE_TOLERANCE) {
                    return Some(self.times[k]);
                }
            }
            at_risk -= self.events[k] + self.censored[k];
        }
        None
    }

    /// Greenwood's sum V(t) as lifelines evaluates it for its fixed-time test: the running sum
    /// of d/(n(n − d)) at every distinct time (0 where n = d), on a timeline that starts at
    /// (0, 0), linearly interpolated between the times around t and constant after the last.
    pub(crate) fn greenwood_interpolated(&self, t: f64) -> f64 {
        let mut at_risk = self.n;
        let mut sum = 0.0;
        let (mut prev_t, mut prev_v) = (0.0, 0.0);
        for k in 0..self.times.len() {
            let (d, time) = (self.events[k], self.times[k]);
            if d > 0.0 && at_risk > d {
                sum += d / (at_risk * (at_risk - d));
            }
            at_risk -= d + self.censored[k];
            if time >= t {
                if time == t || time == prev_t {
                    return sum;
                }
                return prev_v + (sum - prev_v) * (t - prev_t) / (time - prev_t);
            }
            (prev_t, prev_v) = (time, sum);
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Table {
        let r = [
            Record::event(5.0),
            Record::censored(10.0),
            Record::event(10.0),
            Record::censored(12.0),
            Record::event(20.0),
        ];
        Table::new(&r).expect("table")
    }

    #[test]
    fn tabulates_ties_and_evaluates_the_curve() {
        let t = small();
        assert_eq!(t.times, vec![5.0, 10.0, 12.0, 20.0]);
        assert_eq!(t.events, vec![1.0, 1.0, 0.0, 1.0]);
        assert_eq!(t.censored, vec![0.0, 1.0, 1.0, 0.0]);
        assert_eq!(t.n_censored(), 2.0);
        assert!((t.survival(11.0) - 0.6).abs() < 1e-15);
        assert_eq!(t.survival(4.0), 1.0);
        assert_eq!(t.survival(20.0), 0.0);
        assert_eq!(t.quantile(0.3), Some(10.0));
        assert_eq!(t.quantile(0.5), Some(20.0));
        let steps = t.steps();
        let want = [[5.0, 0.8], [10.0, 0.6], [20.0, 0.0]];
        assert_eq!(steps.len(), want.len());
        for (got, want) in steps.iter().zip(want) {
            assert_eq!(got[0], want[0]);
            assert!((got[1] - want[1]).abs() < 1e-15, "{got:?}");
        }
    }

    #[test]
    fn weighted_records_tabulate_as_the_records_repeated() {
        let w = [
            (Record::event(10.0), 2),
            (Record::censored(12.0), 3),
            (Record::event(5.0), 1),
            (Record::censored(10.0), 1),
            (Record::event(10.0), 1),
            (Record::event(20.0), 0),
        ];
        let repeated: Vec<Record> = w
            .iter()
            .flat_map(|(r, n)| std::iter::repeat_n(*r, *n as usize))
            .collect();
        let t = Table::weighted(w).expect("table");
        assert_eq!(t, Table::new(&repeated).expect("table"));
        assert_eq!(t.times, vec![5.0, 10.0, 12.0]);
        assert_eq!(t.events, vec![1.0, 3.0, 0.0]);
        assert_eq!(t.censored, vec![0.0, 1.0, 3.0]);
        assert_eq!(t.n, 8.0);
        assert!(Table::weighted([(Record::event(1.0), 0)]).is_err());
        assert!(Table::weighted([(Record::event(f64::NAN), 1)]).is_err());
    }

    #[test]
    fn greenwood_follows_lifelines_interpolation() {
        // lifelines 0.30.3: KaplanMeierFitter().fit([5,10,10,12,20],[1,0,1,0,1])._cumulative_sq_
        // is 0, 0.05, 0.133333, 0.133333, 0.133333 at 0, 5, 10, 12, 20 (the last term, n = d,
        // is 0).
        let t = small();
        assert!((t.greenwood_interpolated(5.0) - 0.05).abs() < 1e-15);
        assert!((t.greenwood_interpolated(2.5) - 0.025).abs() < 1e-15);
        let v10 = 0.05 + 1.0 / (4.0 * 3.0);
        assert!((t.greenwood_interpolated(7.5) - (0.05 + v10) / 2.0).abs() < 1e-15);
        assert!((t.greenwood_interpolated(30.0) - v10).abs() < 1e-15);
    }
}
