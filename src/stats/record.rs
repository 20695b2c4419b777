//! Duration records (seconds, right-censoring flag), their validation, and the weighted grouping
//! of equal (value, censored) pairs that every likelihood uses.

use serde::{Deserialize, Serialize};

use super::error::{Result, StatsError};

/// One boot: its duration and whether it is right-censored (only known to exceed the value).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Observed time in seconds (> 0).
    pub duration_secs: f64,
    /// `true` when the boot was cut off (killed, or still booting when the data were pulled).
    pub censored: bool,
}

impl Record {
    /// A registered boot (an exact event time).
    pub fn event(duration_secs: f64) -> Self {
        Self {
            duration_secs,
            censored: false,
        }
    }

    /// A right-censored boot.
    pub fn censored(duration_secs: f64) -> Self {
        Self {
            duration_secs,
            censored: true,
        }
    }
}

/// Rejects empty input and any duration that is not a positive finite number.
#[cfg(test)]
pub(crate) fn validate(records: &[Record]) -> Result<()> {
    if records.is_empty() {
        return Err(StatsError::Empty);
    }
    (records.iter().enumerate()).try_for_each(|(index, r)| check(index, r))
}

/// Rejects a duration that is not a positive finite number (`index`: the record's place).
fn check(index: usize, r: &Record) -> Result<()> {
    if r.duration_secs.is_finite() && r.duration_secs > 0.0 {
        return Ok(());
    }
    Err(StatsError::InvalidDuration {
        index,
        value: r.duration_secs,
    })
}

/// The order of the statistics: by time, and at a tied time the events before the
/// censorings.
fn by_time_then_censored(a: &Record, b: &Record) -> std::cmp::Ordering {
    a.duration_secs
        .total_cmp(&b.duration_secs)
        .then(a.censored.cmp(&b.censored))
}

/// A distinct time with its multiplicity and precomputed logarithm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Time in seconds.
    pub(crate) t: f64,
    /// ln t.
    pub(crate) ln_t: f64,
    /// How many records share this (time, censored) pair.
    pub(crate) weight: f64,
}

/// Validated records grouped for likelihood evaluation: one term per distinct (time, censored)
/// pair, with weights, plus sufficient statistics of the events.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Distinct event times, ascending.
    pub events: Vec<Point>,
    /// Distinct censoring times, ascending.
    pub censored: Vec<Point>,
    /// All records.
    pub(crate) n: usize,
    /// Number of events.
    pub(crate) n_events: usize,
    /// Number of censored records.
    pub(crate) n_censored: usize,
    /// Weighted mean of ln t over events (0 without events).
    pub(crate) event_mean_ln_t: f64,
    /// Σ w (ln t − mean)² over events.
    pub(crate) event_ss_ln_t: f64,
    /// Σ w ln t over events.
    pub(crate) event_sum_ln_t: f64,
    /// Σ w t over events.
    pub(crate) event_sum_t: f64,
}

impl Sample {
    /// Validates and groups the records.
    pub fn new(records: &[Record]) -> Result<Self> {
        Self::weighted(records.iter().map(|r| (*r, 1)))
    }

    /// Validates and groups records given with their multiplicities (a record standing for
    /// `count` equal ones): the same sample, to the bit, as [`Sample::new`] of the records
    /// repeated, in memory for the distinct pairs only. A count of 0 adds nothing.
    pub fn weighted(records: impl IntoIterator<Item = (Record, u64)>) -> Result<Self> {
        let mut v: Vec<(Record, u64)> = records.into_iter().filter(|(_, n)| *n > 0).collect();
        if v.is_empty() {
            return Err(StatsError::Empty);
        }
        (v.iter().enumerate()).try_for_each(|(index, (r, _))| check(index, r))?;
        v.sort_by(|(a, _), (b, _)| by_time_then_censored(a, b));
        Ok(Self::grouped(v))
    }

    /// Groups records sorted by (time, censored), each with its multiplicity. A weight is the
    /// count as `f64`: exact below 2^53, so equal to adding 1 per record.
    fn grouped(sorted: impl IntoIterator<Item = (Record, u64)>) -> Self {
        let mut events: Vec<Point> = Vec::new();
        let mut censored: Vec<Point> = Vec::new();
        let (mut n, mut n_censored) = (0usize, 0usize);
        for (r, count) in sorted {
            n += count as usize;
            let list = if r.censored {
                n_censored += count as usize;
                &mut censored
            } else {
                &mut events
            };
            match list.last_mut() {
                Some(p) if p.t == r.duration_secs => p.weight += count as f64,
                _ => list.push(Point {
                    t: r.duration_secs,
                    ln_t: r.duration_secs.ln(),
                    weight: count as f64,
                }),
            }
        }
        let n_events = n - n_censored;
        let w: f64 = n_events as f64;
        let event_sum_ln_t: f64 = events.iter().map(|p| p.weight * p.ln_t).sum();
        let event_sum_t: f64 = events.iter().map(|p| p.weight * p.t).sum();
        let event_mean_ln_t = if n_events > 0 {
            event_sum_ln_t / w
        } else {
            0.0
        };
        let event_ss_ln_t: f64 = events
            .iter()
            .map(|p| p.weight * (p.ln_t - event_mean_ln_t).powi(2))
            .sum();
        Self {
            events,
            censored,
            n,
            n_events,
            n_censored,
            event_mean_ln_t,
            event_ss_ln_t,
            event_sum_ln_t,
            event_sum_t,
        }
    }

    /// Every distinct (time, censored) pair with its weight, in the order of [`by_time_then_censored`]
    /// (ascending time; at a tied time the events first).
    pub(crate) fn in_order(&self) -> impl Iterator<Item = (Record, &Point)> {
        let (mut e, mut c) = (
            self.events.iter().peekable(),
            self.censored.iter().peekable(),
        );
        std::iter::from_fn(move || {
            let take_event = match (e.peek(), c.peek()) {
                (Some(a), Some(b)) => a.t <= b.t,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => return None,
            };
            if take_event {
                e.next().map(|p| (Record::event(p.t), p))
            } else {
                c.next().map(|p| (Record::censored(p.t), p))
            }
        })
    }

    /// The record at 1-based `rank` in the order of [`by_time_then_censored`] (`None` past the last).
    pub(crate) fn at_rank(&self, rank: u64) -> Option<Record> {
        let mut below = 0u64;
        for (r, p) in self.in_order() {
            below += p.weight as u64;
            if rank >= 1 && rank <= below {
                return Some(r);
            }
        }
        None
    }

    /// Every distinct point with its weight, events and censored together (for moment starts).
    pub(crate) fn all_points(&self) -> impl Iterator<Item = &Point> {
        self.events.iter().chain(self.censored.iter())
    }

    /// Weighted mean and standard deviation (ddof 0) of ln t over all records.
    pub(crate) fn ln_t_mean_sd(&self) -> (f64, f64) {
        let n = self.n as f64;
        let mean = self.all_points().map(|p| p.weight * p.ln_t).sum::<f64>() / n;
        let var = self
            .all_points()
            .map(|p| p.weight * (p.ln_t - mean).powi(2))
            .sum::<f64>()
            / n;
        (mean, var.sqrt())
    }

    /// Weighted mean and variance (ddof 0) of t over all records.
    pub(crate) fn t_mean_var(&self) -> (f64, f64) {
        let n = self.n as f64;
        let mean = self.all_points().map(|p| p.weight * p.t).sum::<f64>() / n;
        let var = self
            .all_points()
            .map(|p| p.weight * (p.t - mean).powi(2))
            .sum::<f64>()
            / n;
        (mean, var)
    }

    /// The smallest censoring time, if any record is censored.
    pub fn min_censored(&self) -> Option<f64> {
        self.censored.first().map(|p| p.t)
    }

    /// The largest time of any record.
    pub fn max_time(&self) -> f64 {
        let e = self.events.last().map_or(0.0, |p| p.t);
        let c = self.censored.last().map_or(0.0, |p| p.t);
        e.max(c)
    }

    /// Expands the groups back into records (all events, then all censored records): what
    /// [`Weighted::of_sample`] stands for, one by one (for tests that compare the two).
    #[cfg(test)]
    pub(crate) fn records(&self) -> Vec<Record> {
        let mut out = Vec::with_capacity(self.n);
        for p in &self.events {
            out.extend(std::iter::repeat_n(Record::event(p.t), p.weight as usize));
        }
        for p in &self.censored {
            out.extend(std::iter::repeat_n(
                Record::censored(p.t),
                p.weight as usize,
            ));
        }
        out
    }
}

/// Records as they were given, each with how many equal ones it stands for, and the same
/// records grouped: what the statistics of `bootline fit` read, in memory for the distinct
/// records given (a summary's rows), never one per record counted.
///
/// The given order is kept because two estimators add a value per record in that order (the
/// tail fit's likelihood and the parametric bootstrap's draws): they add a counted record's
/// value `count` times in a row, which is the one-by-one sum of the records repeated.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Weighted {
    /// The records with their counts (all > 0), in the given order.
    pub(crate) records: Vec<(Record, u64)>,
    /// The same records grouped.
    pub(crate) sample: Sample,
}

impl Weighted {
    /// Validates and groups records given with their counts (a count of 0 adds nothing): the
    /// errors of [`Sample::weighted`].
    pub(crate) fn new(records: impl IntoIterator<Item = (Record, u64)>) -> Result<Self> {
        let records: Vec<(Record, u64)> = records.into_iter().filter(|(_, n)| *n > 0).collect();
        let sample = Sample::weighted(records.iter().copied())?;
        Ok(Self { records, sample })
    }

    /// The records of a grouped sample, in the order of its groups: every distinct event time
    /// ascending, then every distinct censoring time ascending.
    pub(crate) fn of_sample(sample: Sample) -> Self {
        let events = sample.events.iter().map(|p| (Record::event(p.t), p));
        let censored = sample.censored.iter().map(|p| (Record::censored(p.t), p));
        let records = (events.chain(censored))
            .map(|(r, p)| (r, p.weight as u64))
            .collect();
        Self { records, sample }
    }

    /// Every record's duration ascending, each distinct one with how many records have it
    /// (events and censored records at one time counted apart, events first).
    pub(crate) fn sorted_runs(&self) -> Vec<(f64, u64)> {
        (self.sample.in_order())
            .map(|(r, p)| (r.duration_secs, p.weight as u64))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_non_positive_and_non_finite() {
        assert_eq!(validate(&[]), Err(StatsError::Empty));
        let bad = [Record::event(3.0), Record::event(0.0)];
        assert_eq!(
            validate(&bad),
            Err(StatsError::InvalidDuration {
                index: 1,
                value: 0.0
            })
        );
        assert!(validate(&[Record::censored(f64::NAN)]).is_err());
        assert!(validate(&[Record::event(f64::INFINITY)]).is_err());
        assert!(validate(&[Record::event(-1.0)]).is_err());
    }

    #[test]
    fn weighted_records_group_as_the_records_repeated() {
        let w = [
            (Record::event(120.0), 3),
            (Record::censored(120.0), 2),
            (Record::event(80.5), 1),
            (Record::censored(300.0), 0),
            (Record::event(80.5), 4),
        ];
        let repeated: Vec<Record> = w
            .iter()
            .flat_map(|(r, n)| std::iter::repeat_n(*r, *n as usize))
            .collect();
        let s = Sample::weighted(w).expect("valid");
        assert_eq!(s, Sample::new(&repeated).expect("valid"));
        assert_eq!((s.n, s.events[0].weight), (10, 5.0));
        assert_eq!(s.at_rank(6), Some(Record::event(120.0)));
        assert_eq!(s.at_rank(9), Some(Record::censored(120.0)));
        assert_eq!(s.at_rank(11), None);
        assert_eq!(
            Sample::weighted([(Record::event(1.0), 0)]),
            Err(StatsError::Empty)
        );
        assert!(Sample::weighted([(Record::event(-1.0), 2)]).is_err());
    }

    #[test]
    fn weighted_records_keep_their_order_and_their_sample_groups_them() {
        let given = [
            (Record::censored(300.0), 2),
            (Record::event(80.5), 0),
            (Record::event(120.0), 3),
            (Record::event(80.5), 1),
        ];
        let w = Weighted::new(given).expect("valid");
        assert_eq!(
            w.records,
            [given[0], given[2], given[3]],
            "the given order, without the count of 0"
        );
        assert_eq!(w.sample, Sample::weighted(given).expect("valid"));
        assert_eq!(w.sorted_runs(), [(80.5, 1), (120.0, 3), (300.0, 2)]);
        let back = Weighted::of_sample(w.sample.clone());
        assert_eq!(
            back.records,
            [
                (Record::event(80.5), 1),
                (Record::event(120.0), 3),
                (Record::censored(300.0), 2)
            ]
        );
        let one_by_one: Vec<Record> = (back.records.iter())
            .flat_map(|(r, n)| std::iter::repeat_n(*r, *n as usize))
            .collect();
        assert_eq!(one_by_one, w.sample.records());
        assert_eq!(
            Weighted::new([(Record::event(1.0), 0)]),
            Err(StatsError::Empty)
        );
    }

    #[test]
    fn groups_equal_pairs_with_weights() {
        let r = [
            Record::event(120.0),
            Record::censored(120.0),
            Record::event(120.0),
            Record::event(100.0),
            Record::censored(300.0),
        ];
        let s = Sample::new(&r).expect("valid");
        assert_eq!(s.n, 5);
        assert_eq!(s.n_events, 3);
        assert_eq!(s.events.len(), 2);
        assert_eq!(s.events[1].t, 120.0);
        assert_eq!(s.events[1].weight, 2.0);
        assert_eq!(s.censored.len(), 2);
        assert_eq!(s.min_censored(), Some(120.0));
        assert_eq!(s.max_time(), 300.0);
        assert!((s.event_sum_t - 340.0).abs() < 1e-12);
        assert_eq!(s.records().len(), 5);
    }
}
