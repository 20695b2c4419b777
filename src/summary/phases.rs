//! Phase rows: for each boot with an exact latency, the latency and its phases (name, depth,
//! start and end as kept: `f32` seconds to the millisecond), in instance and boot order. The
//! phase statistics and tail blame are computed from them exactly as from the boots, in the
//! same order, so their sums come out to the same bits.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::report::class::PhaseReport;
use crate::timeline::lean::{Interner, LeanBoot, LeanPhases};
use crate::timeline::Latency;

/// Where a phase row sorts: class, instance, boot number.
pub(crate) type PhaseKey = (String, String, u32);

/// One boot's latency and phases.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PhaseRow {
    pub(crate) latency: Latency,
    /// Name, depth, start, end (`NaN`: still running).
    pub(crate) phases: Vec<(String, u8, [f32; 2])>,
}

/// A phase row as a line holds it: names by their index in the header's list, times as the
/// `f64` of the kept `f32` (exact both ways, so a summary gives back the same bits).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PhaseLine(
    pub(crate) String,
    pub(crate) String,
    pub(crate) u32,
    pub(crate) Latency,
    pub(crate) Vec<(u32, u8, f64, Option<f64>)>,
);

impl PhaseRow {
    /// The row of `b` when its latency is exact (plausible or not: the reader's limit
    /// decides).
    pub(crate) fn of(b: &LeanBoot) -> Option<(PhaseKey, Self)> {
        let latency = b.latency.filter(|l| !l.censored)?;
        let phases = b
            .phases
            .raw()
            .map(|(name, depth, t)| (name.to_string(), depth, t))
            .collect();
        let key = (b.class.to_string(), b.instance.to_string(), b.boot);
        Some((key, Self { latency, phases }))
    }

    /// The line of the row under `key`, with `index` giving each name's number.
    pub(crate) fn line(&self, key: &PhaseKey, index: &BTreeMap<&str, u32>) -> PhaseLine {
        let phases = self
            .phases
            .iter()
            .map(|(n, d, [s, e])| {
                let end = (!e.is_nan()).then_some(f64::from(*e));
                (index[n.as_str()], *d, f64::from(*s), end)
            })
            .collect();
        PhaseLine(key.0.clone(), key.1.clone(), key.2, self.latency, phases)
    }

    /// The row a line holds, its names looked up in `names`; `None` when an index is out of
    /// range.
    pub(crate) fn from_line(line: PhaseLine, names: &[String]) -> Option<(PhaseKey, Self)> {
        let phases = line
            .4
            .into_iter()
            .map(|(i, d, s, e)| {
                let name = names.get(i as usize)?.clone();
                Some((name, d, [s as f32, e.map_or(f32::NAN, |e| e as f32)]))
            })
            .collect::<Option<Vec<_>>>()?;
        let row = Self {
            latency: line.3,
            phases,
        };
        Some(((line.0, line.1, line.2), row))
    }

    /// Its phases as a lean boot keeps them.
    fn lean(&self, names: &mut Interner) -> LeanPhases {
        LeanPhases::from_raw(self.phases.iter().map(|(n, d, t)| (names.name(n), *d, *t)))
    }
}

/// The phase statistics of rows (one class's, in instance and boot order), those with a
/// plausible exact latency under `max_plausible_secs` counted.
pub(crate) fn report<'a>(
    rows: impl Iterator<Item = &'a PhaseRow>,
    max_plausible_secs: f64,
) -> PhaseReport {
    let mut names = Interner::default();
    let exact: Vec<(LeanPhases, f64)> = rows
        .filter_map(|r| match r.latency.record(max_plausible_secs) {
            Some((secs, false)) => Some((r.lean(&mut names), secs)),
            Some((_, true)) | None => None,
        })
        .collect();
    PhaseReport::of(exact.iter().map(|(p, s)| (p, *s)).collect())
}
