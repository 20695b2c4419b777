//! Per-phase statistics across a fleet and tail blame: for the boots slower than the fleet's p90
//! latency, how much of their excess over the median boot each phase explains. Functions over
//! plain phase-duration maps; the timeline layer supplies them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::quantile::type7;

/// What the phase statistics read of one boot: its total latency and each phase's duration,
/// in seconds (a view, so a fleet's boots need no copy of their phases).
pub(crate) trait BootPhases {
    /// End-to-end latency (e.g. launch to register).
    fn latency_secs(&self) -> f64;
    /// Hands each phase's name and duration to `f`, each name at most once.
    fn each_phase(&self, f: &mut dyn FnMut(&str, f64));
}

/// Quantiles of one phase's duration over the boots that have it (type 7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseQuantiles {
    /// Phase name.
    pub(crate) phase: String,
    /// Boots with this phase.
    pub(crate) n: usize,
    /// Median.
    pub(crate) p50: f64,
    /// 90th percentile.
    pub(crate) p90: f64,
    /// 99th percentile.
    pub(crate) p99: f64,
}

/// One phase's share of the tail boots' excess latency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PhaseBlame {
    /// Phase name.
    pub(crate) phase: String,
    /// Median duration over all boots (a missing phase counts as 0 s).
    pub(crate) median_secs: f64,
    /// Mean duration over the tail boots.
    pub(crate) tail_mean_secs: f64,
    /// tail_mean − median: seconds of excess this phase explains on average.
    pub(crate) excess_secs: f64,
    /// excess_secs / mean excess latency.
    pub(crate) share: f64,
}

/// Where the slow boots lose their time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct TailBlame {
    /// Fleet median latency.
    pub(crate) median_latency_secs: f64,
    /// Fleet p90 latency (type 7); tail boots lie strictly above it.
    pub(crate) p90_latency_secs: f64,
    /// Number of tail boots.
    pub(crate) n_tail: usize,
    /// Mean over tail boots of latency − median latency.
    pub(crate) mean_excess_secs: f64,
    /// Phases, largest excess first (ties by name).
    pub(crate) phases: Vec<PhaseBlame>,
    /// Excess not explained by the phases (gaps between phases, overlap counted twice is negative).
    pub(crate) unexplained_secs: f64,
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

/// p50/p90/p99 of each phase's duration (non-finite durations are ignored), by phase name.
pub(crate) fn phase_quantiles<B: BootPhases>(boots: &[B]) -> Vec<PhaseQuantiles> {
    let mut by_phase: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for b in boots {
        b.each_phase(&mut |name, d| {
            if d.is_finite() {
                durations(&mut by_phase, name).push(d);
            }
        });
    }
    by_phase
        .into_iter()
        .filter_map(|(name, v)| {
            let v = sorted(v);
            Some(PhaseQuantiles {
                phase: name,
                n: v.len(),
                p50: type7(&v, 0.5)?,
                p90: type7(&v, 0.9)?,
                p99: type7(&v, 0.99)?,
            })
        })
        .collect()
}

/// The list of `name` in `m`, made on first use (a name is copied once, not once a boot).
fn durations<'m, T: Default>(m: &'m mut BTreeMap<String, T>, name: &str) -> &'m mut T {
    if !m.contains_key(name) {
        m.insert(name.to_string(), T::default());
    }
    m.get_mut(name).expect("inserted above")
}

/// Each phase's median over all `boots` (0 s where a boot does not show it), its mean over the
/// `nt` boots above `p90`, and the excess between them as a share of the latency's
/// `mean_excess`.
fn phase_excess<B: BootPhases>(
    boots: &[&B],
    p90: f64,
    nt: f64,
    mean_excess: f64,
) -> Vec<PhaseBlame> {
    // Per phase: the finite durations shown, and their sum over the tail boots.
    let mut shown: BTreeMap<String, (Vec<f64>, f64)> = BTreeMap::new();
    for b in boots {
        let tail = b.latency_secs() > p90;
        b.each_phase(&mut |name, d| {
            let (v, tail_sum) = durations(&mut shown, name);
            if d.is_finite() {
                v.push(d);
                if tail {
                    *tail_sum += d;
                }
            }
        });
    }
    let n = boots.len();
    shown
        .into_iter()
        .filter_map(|(name, (mut all, tail_sum))| {
            // Boots without the phase (or without a finite duration of it) count as 0 s.
            all.resize(n, 0.0);
            let all = sorted(all);
            let median_secs = type7(&all, 0.5)?;
            let tail_mean_secs = tail_sum / nt;
            let excess_secs = tail_mean_secs - median_secs;
            Some(PhaseBlame {
                phase: name,
                median_secs,
                tail_mean_secs,
                excess_secs,
                share: excess_secs / mean_excess,
            })
        })
        .collect()
}

/// Tail blame; `None` when no boot lies strictly above the p90 latency or the excess is zero.
/// A phase a boot does not show counts as 0 s for it.
pub(crate) fn tail_blame<B: BootPhases>(boots: &[B]) -> Option<TailBlame> {
    let boots: Vec<&B> = boots
        .iter()
        .filter(|b| b.latency_secs().is_finite())
        .collect();
    let lat = sorted(boots.iter().map(|b| b.latency_secs()).collect());
    let median = type7(&lat, 0.5)?;
    let p90 = type7(&lat, 0.9)?;
    drop(lat);
    let in_tail = |b: &B| b.latency_secs() > p90;
    let nt = boots.iter().filter(|b| in_tail(b)).count();
    if nt == 0 {
        return None;
    }
    let nt = nt as f64;
    let mean_excess = boots
        .iter()
        .filter(|b| in_tail(b))
        .map(|b| b.latency_secs() - median)
        .sum::<f64>()
        / nt;
    if mean_excess.is_nan() || mean_excess <= 0.0 {
        return None;
    }
    let mut phases = phase_excess(&boots, p90, nt, mean_excess);
    phases.sort_by(|a, b| {
        b.excess_secs
            .total_cmp(&a.excess_secs)
            .then_with(|| a.phase.cmp(&b.phase))
    });
    let explained: f64 = phases.iter().map(|p| p.excess_secs).sum();
    Some(TailBlame {
        median_latency_secs: median,
        p90_latency_secs: p90,
        n_tail: nt as usize,
        mean_excess_secs: mean_excess,
        phases,
        unexplained_secs: mean_excess - explained,
    })
}

#[cfg(test)]
/// One boot's phases as a map: phase name → duration.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct PhaseMap {
    /// End-to-end latency.
    pub(crate) latency_secs: f64,
    /// Phase name → duration.
    pub(crate) phases: BTreeMap<String, f64>,
}

#[cfg(test)]
impl BootPhases for PhaseMap {
    fn latency_secs(&self) -> f64 {
        self.latency_secs
    }

    fn each_phase(&self, f: &mut dyn FnMut(&str, f64)) {
        for (name, &d) in &self.phases {
            f(name, d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boot(kernel: f64, pull: f64) -> PhaseMap {
        PhaseMap {
            latency_secs: kernel + pull,
            phases: [
                ("kernel".to_string(), kernel),
                ("image_pull".to_string(), pull),
            ]
            .into_iter()
            .collect(),
        }
    }

    #[test]
    fn slow_image_pulls_take_the_blame() {
        // 18 normal boots (10 s kernel + 20 s pull), 2 with a 120 s pull.
        let mut boots: Vec<PhaseMap> = (0..18).map(|_| boot(10.0, 20.0)).collect();
        boots.push(boot(11.0, 120.0));
        boots.push(boot(10.0, 120.0));
        let b = tail_blame(&boots).expect("blame");
        assert_eq!(b.n_tail, 2);
        assert_eq!(b.median_latency_secs, 30.0);
        assert!((b.mean_excess_secs - 100.5).abs() < 1e-12);
        assert_eq!(b.phases[0].phase, "image_pull");
        assert!((b.phases[0].excess_secs - 100.0).abs() < 1e-12);
        assert!((b.phases[0].share - 100.0 / 100.5).abs() < 1e-12);
        assert!((b.phases[1].excess_secs - 0.5).abs() < 1e-12);
        assert!(b.unexplained_secs.abs() < 1e-12);

        let q = phase_quantiles(&boots);
        assert_eq!(q[0].phase, "image_pull");
        assert_eq!(q[0].p50, 20.0);
        assert_eq!(q[0].n, 20);
    }

    #[test]
    fn no_tail_without_spread() {
        let boots: Vec<PhaseMap> = (0..5).map(|_| boot(1.0, 1.0)).collect();
        assert!(tail_blame(&boots).is_none());
    }
}
