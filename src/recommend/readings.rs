//! The two readings of the boots the sweep killed without a later register (killed were slow:
//! censored at the flip; killed were stuck: dropped) and the cure model, with the answer under
//! each (docs/recommendation.md, "Killed is not slow").

use crate::config::Policy;
use crate::stats::family::Family;
use crate::stats::Record;

use super::attempt::Attempt;
use super::rule::{bound, raw_timeout, round_to_grid, Basis, Bound, Evidence};
use super::{Assume, Assumption, Reading, RecommendError};

/// Families the rule may use under a reading.
pub(super) fn without_cure(f: Family) -> bool {
    f != Family::LognormalCure
}

/// The evidence under both readings of the killed boots, and their bounds.
pub(super) struct Readings {
    /// Every fitted record; killed boots censored at the flip.
    pub(super) killed_slow: Evidence,
    /// Killed boots never seen registering dropped (only when there are some).
    pub(super) killed_stuck: Option<Evidence>,
    /// The bound of `killed_slow` over every family, the cure model included.
    pub(super) auto: Option<Bound>,
    /// The bound of `killed_slow` without the cure model.
    pub(super) slow: Option<Bound>,
    /// The bound of `killed_stuck` without the cure model (`slow`'s when nothing is dropped).
    pub(super) stuck: Option<Bound>,
}

impl Readings {
    pub(super) fn new(fitted: &[&Attempt], policy: &Policy) -> Result<Self, RecommendError> {
        let all: Vec<(Record, u64)> = fitted.iter().filter_map(|a| a.counted_record()).collect();
        let kept: Vec<(Record, u64)> = fitted
            .iter()
            .filter(|a| !a.killed_unresolved())
            .filter_map(|a| a.counted_record())
            .collect();
        let n = |v: &[(Record, u64)]| v.iter().map(|r| r.1).sum::<u64>();
        let dropped = n(&kept) < n(&all);
        let killed_slow = Evidence::new(all, &Family::ALL, policy)?;
        let killed_stuck = if dropped && !kept.is_empty() {
            Some(Evidence::new(kept, &Family::ALL, policy)?)
        } else {
            None
        };
        let auto = bound(&killed_slow, |_| true, policy);
        let slow = bound(&killed_slow, without_cure, policy);
        let stuck = match &killed_stuck {
            Some(ev) => bound(ev, without_cure, policy),
            None => slow.clone(),
        };
        Ok(Self {
            killed_slow,
            killed_stuck,
            auto,
            slow,
            stuck,
        })
    }

    /// The evidence [`Readings::choose`] reads under `assume`, kept whole: the report
    /// summarises and draws it instead of fitting the records again.
    pub(super) fn into_chosen(self, assume: Assume) -> Evidence {
        match (assume, self.killed_stuck) {
            (Assume::KilledStuck, Some(ev)) => ev,
            _ => self.killed_slow,
        }
    }

    /// The evidence, bound and reading the recommendation uses: `auto` applies the rule over
    /// every family, so the cure model is the answer when it wins BIC.
    pub(super) fn choose(
        &self,
        assume: Assume,
        q: f64,
    ) -> Result<(&Evidence, Bound, Reading), RecommendError> {
        let no_bound = |reason: &str| RecommendError::NoBound {
            quantile: q,
            reason: reason.to_string(),
        };
        const NONE: &str = "no distribution-free bound and no model could be fitted";
        match assume {
            Assume::Auto => {
                let chosen = self.auto.clone().ok_or_else(|| no_bound(NONE))?;
                let reading = if chosen.basis == Basis::Model(Family::LognormalCure) {
                    Reading::Cure
                } else {
                    Reading::KilledSlow
                };
                Ok((&self.killed_slow, chosen, reading))
            }
            Assume::KilledSlow => Ok((
                &self.killed_slow,
                self.slow.clone().ok_or_else(|| no_bound(NONE))?,
                Reading::KilledSlow,
            )),
            Assume::KilledStuck => Ok((
                self.killed_stuck.as_ref().unwrap_or(&self.killed_slow),
                self.stuck
                    .clone()
                    .ok_or_else(|| no_bound("no bound once the killed boots are dropped"))?,
                Reading::KilledStuck,
            )),
        }
    }
}

/// The answer under each reading of the killed boots (docs/recommendation.md, "Killed is not slow").
pub(super) fn assumptions(readings: &Readings, used: Reading, policy: &Policy) -> Vec<Assumption> {
    let ev_a = &readings.killed_slow;
    let slow = readings.slow.as_ref();
    let answer = |reading: Reading, ev: &Evidence, b: Option<&Bound>, note: Option<String>| {
        let timeout = b.map(|b| round_to_grid(raw_timeout(b.bound, policy), policy));
        Assumption {
            basis: b.map(|b| b.basis),
            bound_s: b.map(|b| b.bound),
            recommended_timeout_s: timeout,
            used: used == reading,
            note: note.or_else(|| b.is_none().then(|| "no bound".to_string())),
            ..unanswered(reading, ev)
        }
    };
    vec![
        answer(Reading::KilledSlow, ev_a, slow, None),
        match &readings.killed_stuck {
            Some(ev) => answer(Reading::KilledStuck, ev, readings.stuck.as_ref(), None),
            None => answer(
                Reading::KilledStuck,
                ev_a,
                slow,
                Some("no killed boot lacks a register: the same records as killed_slow".into()),
            ),
        },
        cure(ev_a, used, policy),
    ]
}

/// A reading of these records with no answer yet.
fn unanswered(reading: Reading, ev: &Evidence) -> Assumption {
    Assumption {
        reading,
        n: ev.n(),
        n_censored: ev.n_censored(),
        basis: None,
        bound_s: None,
        recommended_timeout_s: None,
        stuck_fraction: None,
        delta_bic: None,
        used: false,
        note: None,
    }
}

/// The cure model's answer: its bound, its stuck fraction and ΔBIC, or why it was not fitted.
fn cure(ev: &Evidence, used: Reading, policy: &Policy) -> Assumption {
    let q = 1.0 - policy.target_false_fail_rate;
    let fits = &ev.fits;
    let Some(m) = fits
        .models
        .iter()
        .find(|m| m.family == Family::LognormalCure)
    else {
        let reason = fits
            .unavailable
            .iter()
            .find(|u| u.family == Family::LognormalCure)
            .map_or_else(
                || "not fitted".to_string(),
                |u| format!("not fitted: {}", u.reason),
            );
        return Assumption {
            note: Some(reason),
            ..unanswered(Reading::Cure, ev)
        };
    };
    let ucb = m.quantile(q, policy.confidence).ok().and_then(|qe| qe.ucb);
    let score = fits
        .scores
        .iter()
        .find(|s| s.family == Family::LognormalCure);
    let best_bic = fits.scores.first().map(|s| s.bic);
    Assumption {
        basis: ucb.map(|_| Basis::Model(Family::LognormalCure)),
        bound_s: ucb,
        recommended_timeout_s: ucb.map(|b| round_to_grid(raw_timeout(b, policy), policy)),
        stuck_fraction: m.params().get(2).copied(),
        delta_bic: score.zip(best_bic).map(|(s, b)| s.bic - b),
        used: used == Reading::Cure,
        note: m.cov_unavailable.clone(),
        ..unanswered(Reading::Cure, ev)
    }
}
