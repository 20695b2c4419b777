//! The worked instance: one boot told as a table of events with wall-clock times (launch,
//! kernel, each cloud-init stage, its biggest module, marker sub-phases, registered), the way
//! `docs/design.md` §1 tells the incident.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::timeline::lean::slower;
use crate::timeline::{Boot, Outcome};

/// One event of the worked instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Event {
    /// Seconds from the boot's zero.
    pub(crate) at_secs: f64,
    /// Wall-clock time, when the boot's zero is known on the wall clock.
    pub(crate) wall: Option<DateTime<Utc>>,
    /// What happened (`launched`, `modules-final`, `modules-final/config-scripts_user`, …).
    pub(crate) event: String,
    /// How long it took, for a phase.
    pub(crate) duration_secs: Option<f64>,
    /// Where it was read (`path:line`).
    pub(crate) source: String,
}

/// The worked instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Worked {
    /// Instance id.
    pub(crate) instance: String,
    /// Workspace id.
    pub(crate) workspace: Option<String>,
    /// Class.
    pub(crate) class: String,
    /// Why this boot: `slowest healthy boot` or `chosen`.
    pub(crate) why: String,
    /// What became of it.
    pub(crate) outcome: Outcome,
    /// Register latency, seconds (exact or censored).
    pub(crate) latency_secs: Option<f64>,
    /// Events in time order.
    pub(crate) events: Vec<Event>,
}

/// The slowest boot of `class` with a plausible exact latency among `boots` (the boots kept
/// whole; ties: the first instance id).
pub(crate) fn slowest_healthy<'a>(
    boots: &'a [Boot],
    class: &str,
    max_plausible_secs: f64,
) -> Option<&'a Boot> {
    boots
        .iter()
        .filter(|b| b.class == class)
        .filter(|b| matches!(b.outcome, Outcome::Registered | Outcome::FalseFailed))
        .filter_map(|b| match b.record(max_plausible_secs) {
            Some((secs, false)) => Some((b, secs)),
            Some((_, true)) | None => None,
        })
        .reduce(|best, x| {
            if slower((x.1, &x.0.instance), (best.1, &best.0.instance)) {
                x
            } else {
                best
            }
        })
        .map(|(b, _)| b)
}

/// A stage's longest module, the first by name among equals.
fn longest_module<'a>(b: &'a Boot, stage: &str) -> Option<&'a crate::timeline::Phase> {
    b.phases
        .iter()
        .filter(|p| p.depth == 2 && p.name.split('/').next() == Some(stage))
        .filter_map(|p| Some((p, p.duration_secs()?)))
        .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.name.cmp(&a.0.name)))
        .map(|(p, _)| p)
}

/// The events of one boot: milestones that are not a stage's edge, boot-level phases, stages,
/// each stage's longest module, marker sub-phases.
pub(crate) fn worked(b: &Boot, why: &str) -> Worked {
    let wall = |secs: f64| {
        b.zero_wall
            .map(|z| z + chrono::Duration::microseconds((secs * 1e6).round() as i64))
    };
    let mut events: Vec<Event> = Vec::new();
    for m in &b.milestones {
        let edge = m.name.ends_with("_start") || m.name.ends_with("_finish");
        if edge && m.name != "kernel_start" {
            continue;
        }
        events.push(Event {
            at_secs: m.at_secs,
            wall: m.wall.or_else(|| wall(m.at_secs)),
            event: m.name.clone(),
            duration_secs: None,
            source: m.source.clone(),
        });
    }
    for p in &b.phases {
        // Boot-level phases, stages and marker sub-phases; modules only as a stage's longest.
        if !matches!(p.depth, 0 | 1 | 3) {
            continue;
        }
        let module = if p.depth == 1 {
            longest_module(b, &p.name)
        } else {
            None
        };
        for q in std::iter::once(p).chain(module) {
            events.push(Event {
                at_secs: q.start_secs,
                wall: wall(q.start_secs),
                event: q.name.clone(),
                duration_secs: q.duration_secs(),
                source: q.source.clone(),
            });
        }
    }
    events.sort_by(|a, b| {
        a.at_secs
            .total_cmp(&b.at_secs)
            .then_with(|| a.event.len().cmp(&b.event.len()))
    });
    Worked {
        instance: b.instance.clone(),
        workspace: b.workspace.clone(),
        class: b.class.clone(),
        why: why.to_string(),
        outcome: b.outcome,
        latency_secs: b.latency.map(|l| l.secs),
        events,
    }
}
