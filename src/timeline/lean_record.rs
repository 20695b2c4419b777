//! A lean boot as a summary stores it: every field, names as text, phase names by their
//! number in a list the summary holds once, and times as the kept `f32` written in its
//! shortest form (`27.088`, not `27.08799934387207`: checked to read back to the same `f32`,
//! else written whole), so a boot read back from a summary is the boot that was summarised.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Interner, LeanBoot, LeanPhases};
use crate::timeline::{Evidence, Latency, Outcome, Zero};

/// One phase: its name's number, depth, start and end (`null` while running), seconds.
type PhaseCells = (u32, u8, f64, Option<f64>);

/// A lean boot's fields, for a summary's line: written as one array of the fields in this
/// order ([`Row`]), so a summary does not repeat the field names on each of its boots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "Row", into = "Row")]
pub(crate) struct LeanRecord {
    instance: String,
    boot: u32,
    workspace: Option<String>,
    class: String,
    template: Option<String>,
    labels: BTreeMap<String, String>,
    end: String,
    attempt: u32,
    zero: Zero,
    outcome: Outcome,
    attempt_outcome: Option<Outcome>,
    latency: Option<Latency>,
    attempt_latency: Option<Latency>,
    attempt_flip_secs: Option<f64>,
    attempt_timeouts: [Option<f64>; 2],
    timeout_secs: f64,
    stuck_threshold_secs: f64,
    zero_wall: Option<DateTime<Utc>>,
    observed_secs: Option<f64>,
    kernel_secs: Option<f64>,
    evidence: Option<Evidence>,
    phases: Vec<PhaseCells>,
}

/// [`LeanRecord`]'s fields in order, as written.
#[derive(Serialize, Deserialize)]
struct Row(
    String,
    u32,
    Option<String>,
    String,
    Option<String>,
    BTreeMap<String, String>,
    String,
    u32,
    Zero,
    Outcome,
    Option<Outcome>,
    Option<Latency>,
    Option<Latency>,
    Option<f64>,
    [Option<f64>; 2],
    f64,
    f64,
    Option<DateTime<Utc>>,
    Option<f64>,
    Option<f64>,
    Option<Evidence>,
    Vec<PhaseCells>,
);

impl From<Row> for LeanRecord {
    fn from(r: Row) -> Self {
        let Row(
            instance,
            boot,
            workspace,
            class,
            template,
            labels,
            end,
            attempt,
            zero,
            outcome,
            attempt_outcome,
            latency,
            attempt_latency,
            attempt_flip_secs,
            attempt_timeouts,
            timeout_secs,
            stuck_threshold_secs,
            zero_wall,
            observed_secs,
            kernel_secs,
            evidence,
            phases,
        ) = r;
        Self {
            instance,
            boot,
            workspace,
            class,
            template,
            labels,
            end,
            attempt,
            zero,
            outcome,
            attempt_outcome,
            latency,
            attempt_latency,
            attempt_flip_secs,
            attempt_timeouts,
            timeout_secs,
            stuck_threshold_secs,
            zero_wall,
            observed_secs,
            kernel_secs,
            evidence,
            phases,
        }
    }
}

impl From<LeanRecord> for Row {
    fn from(r: LeanRecord) -> Self {
        let LeanRecord {
            instance,
            boot,
            workspace,
            class,
            template,
            labels,
            end,
            attempt,
            zero,
            outcome,
            attempt_outcome,
            latency,
            attempt_latency,
            attempt_flip_secs,
            attempt_timeouts,
            timeout_secs,
            stuck_threshold_secs,
            zero_wall,
            observed_secs,
            kernel_secs,
            evidence,
            phases,
        } = r;
        Row(
            instance,
            boot,
            workspace,
            class,
            template,
            labels,
            end,
            attempt,
            zero,
            outcome,
            attempt_outcome,
            latency,
            attempt_latency,
            attempt_flip_secs,
            attempt_timeouts,
            timeout_secs,
            stuck_threshold_secs,
            zero_wall,
            observed_secs,
            kernel_secs,
            evidence,
            phases,
        )
    }
}

fn wide(t: f32) -> Option<f64> {
    (!t.is_nan()).then(|| short(t))
}

/// The `f64` of `t`'s shortest decimal form when that reads back (through `f64`, as a
/// summary is read) to `t`, else `t`'s own value: either way `t` is what is read back.
fn short(t: f32) -> f64 {
    let near: f64 = t.to_string().parse().unwrap_or(f64::NAN);
    if near as f32 == t {
        near
    } else {
        f64::from(t)
    }
}

fn narrow(t: Option<f64>) -> f32 {
    t.map_or(f32::NAN, |t| t as f32)
}

impl LeanBoot {
    /// Its record, phase names numbered by `number` (which must know every name).
    pub(crate) fn to_record(&self, number: &dyn Fn(&str) -> u32) -> LeanRecord {
        LeanRecord {
            instance: self.instance.to_string(),
            boot: self.boot,
            workspace: self.workspace.as_deref().map(String::from),
            class: self.class.to_string(),
            template: self.template.as_deref().map(String::from),
            labels: (*self.labels).clone(),
            end: self.end.to_string(),
            attempt: self.attempt,
            zero: self.zero,
            outcome: self.outcome,
            attempt_outcome: self.attempt_outcome,
            latency: self.latency,
            attempt_latency: self.attempt_latency,
            attempt_flip_secs: self.attempt_flip_secs,
            attempt_timeouts: self.attempt_timeouts.map(wide),
            timeout_secs: self.timeout_secs,
            stuck_threshold_secs: self.stuck_threshold_secs,
            zero_wall: self.zero_wall,
            observed_secs: self.observed_secs,
            kernel_secs: self.kernel_secs,
            evidence: self.evidence.as_deref().cloned(),
            phases: self
                .phases
                .raw()
                .map(|(name, depth, [s, e])| (number(name), depth, short(s), wide(e)))
                .collect(),
        }
    }

    /// The boot of a record, its names shared through `names`; `None` when a phase's number
    /// is not in `phase_names`.
    pub(crate) fn from_record(
        r: LeanRecord,
        phase_names: &[String],
        names: &mut Interner,
    ) -> Option<Self> {
        let phases = r
            .phases
            .iter()
            .map(|&(i, depth, s, e)| {
                let name = names.name(phase_names.get(i as usize)?);
                Some((name, depth, [s as f32, narrow(e)]))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Self {
            instance: std::sync::Arc::from(r.instance.as_str()),
            workspace: r.workspace.as_deref().map(std::sync::Arc::from),
            class: names.name(&r.class),
            template: r.template.as_deref().map(|t| names.name(t)),
            labels: names.labels(&r.labels),
            end: names.name(&r.end),
            boot: r.boot,
            attempt: r.attempt,
            zero: r.zero,
            outcome: r.outcome,
            attempt_outcome: r.attempt_outcome,
            latency: r.latency,
            attempt_latency: r.attempt_latency,
            attempt_flip_secs: r.attempt_flip_secs,
            attempt_timeouts: r.attempt_timeouts.map(narrow),
            timeout_secs: r.timeout_secs,
            stuck_threshold_secs: r.stuck_threshold_secs,
            zero_wall: r.zero_wall,
            observed_secs: r.observed_secs,
            kernel_secs: r.kernel_secs,
            evidence: r.evidence.map(Box::new),
            phases: LeanPhases::from_raw(phases),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::short;

    #[test]
    fn times_are_written_short_and_read_back_whole() {
        assert_eq!(serde_json::to_string(&short(27.088)).unwrap(), "27.088");
        assert_eq!(serde_json::to_string(&short(0.1)).unwrap(), "0.1");
        let mut t = 1.0e-3f32;
        while t < 1.0e6 {
            for x in [t, t.next_up(), t.next_down(), -t] {
                let text = serde_json::to_string(&short(x)).unwrap();
                let back: f64 = serde_json::from_str(&text).unwrap();
                assert_eq!((back as f32).to_bits(), x.to_bits(), "{x} as {text}");
                assert!(text.len() <= x.to_string().len() + 2, "{x} as {text}");
            }
            t *= 1.000_37;
        }
    }
}
