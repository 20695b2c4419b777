//! The attempts of one instance: its boots and platform facts grouped by `launched` event,
//! what every boot of an attempt shares (class, timeouts, what latencies run to), the sweep's
//! flips told apart from crashes, and the verdict written on each boot of an attempt.

use std::collections::{BTreeMap, BTreeSet};

use super::{milli, Classes};
use crate::config::{LatencyEnd, DEFAULT_CLASS};
use crate::event::PlatformAction;
use crate::timeline::boot_time::BootTime;
use crate::timeline::fragment::{Fragment, PlatformFact};
use crate::timeline::lean::Labels;
use crate::timeline::verdict::{
    classify, is_sweep_flip, latency, stated_timeout_secs, Failed, Signals, Sweep, TIMEOUT_LABEL,
};
use crate::timeline::{Boot, Latency, Phase, Zero};

/// A boot whose kernel appears to start up to this long before a launch belongs to that launch's
/// attempt (clocks disagree by a little).
const LAUNCH_SLACK_SECS: f64 = 60.0;

/// A platform fact of one attempt, with what a `failed` means read once for the whole attempt.
#[derive(Debug)]
pub(super) struct Fact {
    pub(super) fact: PlatformFact,
    /// A `failed` that is the sweep's flip rather than crash evidence.
    pub(super) sweep_flip: bool,
}

/// One boot of an attempt: its fragments and the platform facts that fell while it ran.
type PlannedBoot = (Vec<Fragment>, Vec<Fact>);

/// One attempt of an instance: its `launched` event (none without platform events), its boots,
/// and the timeouts its platform events were judged by.
#[derive(Debug, Default)]
pub(super) struct AttemptPlan {
    pub(super) launched: Option<PlatformFact>,
    pub(super) boots: Vec<PlannedBoot>,
    pub(super) timeouts: AttemptTimeouts,
}

/// The timeouts of an attempt's sweep verdict, as the timeline records them.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(super) struct AttemptTimeouts {
    /// The timeout the platform stated on the attempt's `provision_timeout` or `failed` events
    /// (the earliest that states one).
    pub(super) stated_secs: Option<f64>,
    /// The timeout its first `failed` event was judged against, when it had one.
    pub(super) failed_secs: Option<f64>,
}

/// What every boot of an attempt shares: its launch, class and timeouts.
#[derive(Debug)]
pub(super) struct AttemptContext<'a> {
    pub(super) launched: Option<&'a PlatformFact>,
    pub(super) labels: Labels,
    pub(super) workspace: Option<String>,
    pub(super) class: String,
    pub(super) template: Option<String>,
    pub(super) timeout_secs: f64,
    pub(super) stuck_threshold_secs: f64,
    /// What latencies run to.
    pub(super) end: LatencyEnd,
}

/// The class a `launched` event's labels put its attempt in: its `class`, else its template's,
/// else the default.
fn class_of(labels: &BTreeMap<String, String>, policy: &Classes) -> String {
    let template_class = labels
        .get("template")
        .and_then(|t| policy.templates.get(t))
        .map(|(c, _)| c);
    labels
        .get("class")
        .or(template_class)
        .cloned()
        .unwrap_or_else(|| DEFAULT_CLASS.to_string())
}

/// The classes whose boots have a register to time: those of the platform's `launched` events,
/// and the default class when the events launch nothing or a log has register lines (a boot
/// without a launch is in the default class). Their latencies run to the register under
/// `[latency] end = "auto"`; the others' to cloud-init's end.
pub(super) fn register_classes(
    facts: &[PlatformFact],
    register_lines: bool,
    policy: &Classes,
) -> BTreeSet<String> {
    let mut classes: BTreeSet<String> = facts
        .iter()
        .filter(|f| f.action == PlatformAction::Launched)
        .map(|f| class_of(&f.labels, policy))
        .collect();
    if register_lines || (classes.is_empty() && !facts.is_empty()) {
        classes.insert(DEFAULT_CLASS.to_string());
    }
    classes
}

impl<'a> AttemptContext<'a> {
    pub(super) fn new(
        launched: Option<&'a PlatformFact>,
        workspace: Option<&String>,
        policy: &Classes,
        register_classes: &BTreeSet<String>,
    ) -> Self {
        let labels = launched.map(|f| f.labels.clone()).unwrap_or_default();
        let template = labels.get("template").cloned();
        let template_policy = template.as_ref().and_then(|t| policy.templates.get(t));
        let class = class_of(&labels, policy);
        let class_policy = policy.class(&class);
        let end = policy.end.resolve(register_classes.contains(&class));
        Self {
            launched,
            workspace: launched
                .and_then(|l| l.workspace.clone())
                .or_else(|| workspace.cloned()),
            labels,
            class,
            template,
            timeout_secs: template_policy.map_or(class_policy.timeout_secs, |(_, t)| *t),
            stuck_threshold_secs: class_policy.stuck_threshold_secs,
            end,
        }
    }
}

/// Groups an instance's boots and platform facts into attempts, one per `launched` event: facts
/// between two launches belong to the first, a boot to the last launch before its kernel
/// started. Without a launch each boot is its own attempt and the facts go to the first.
pub(super) fn plan_attempts(
    groups: Vec<Vec<Fragment>>,
    facts: Vec<PlatformFact>,
    policy: &Classes,
    register_classes: &BTreeSet<String>,
) -> Vec<AttemptPlan> {
    let mut plans = attempts_of(groups, facts);
    for (plan, facts) in &mut plans {
        if plan.boots.is_empty() {
            plan.boots.push((Vec::new(), Vec::new()));
        }
        let ctx = AttemptContext::new(plan.launched.as_ref(), None, policy, register_classes);
        let zero = ctx
            .launched
            .map(|l| l.at)
            .or_else(|| plan.boots.first().and_then(|b| boot_start(&b.0)));
        let (flips, timeouts) = sweep_flips(facts, zero, ctx.timeout_secs, &policy.sweep);
        plan.timeouts = timeouts;
        let starts: Vec<Option<f64>> = plan.boots.iter().map(|b| boot_start(&b.0)).collect();
        for (fact, sweep_flip) in std::mem::take(facts).into_iter().zip(flips) {
            // A fact belongs to the last boot that had started by then (the first otherwise).
            let k = starts
                .iter()
                .rposition(|s| s.is_some_and(|s| s <= fact.at))
                .unwrap_or(0);
            plan.boots[k].1.push(Fact { fact, sweep_flip });
        }
    }
    plans.into_iter().map(|(plan, _)| plan).collect()
}

/// The attempts of an instance, each with its platform facts: one per `launched` event, each
/// boot in the last launched by its start (and a little before), each fact in the last launched
/// by then; without `launched` events, each boot is its own attempt and the facts are the
/// first's.
fn attempts_of(
    groups: Vec<Vec<Fragment>>,
    facts: Vec<PlatformFact>,
) -> Vec<(AttemptPlan, Vec<PlatformFact>)> {
    let launches: Vec<f64> = facts
        .iter()
        .filter(|f| f.action == PlatformAction::Launched)
        .map(|f| f.at)
        .collect();
    let mut plans: Vec<(AttemptPlan, Vec<PlatformFact>)> = Vec::new();
    if launches.is_empty() {
        plans.extend(groups.into_iter().map(|g| {
            let plan = AttemptPlan {
                boots: vec![(g, Vec::new())],
                ..AttemptPlan::default()
            };
            (plan, Vec::new())
        }));
        if plans.is_empty() {
            plans.push(Default::default());
        }
        plans[0].1 = facts;
        return plans;
    }
    let starts: Vec<Option<f64>> = groups.iter().map(|g| boot_start(g)).collect();
    plans.resize_with(launches.len(), Default::default);
    for f in facts {
        let k = launches.iter().rposition(|&l| l <= f.at).unwrap_or(0);
        if f.action == PlatformAction::Launched && plans[k].0.launched.is_none() {
            plans[k].0.launched = Some(f.clone());
        }
        plans[k].1.push(f);
    }
    for (g, start) in groups.into_iter().zip(&starts) {
        let k = start
            .and_then(|s| launches.iter().rposition(|&l| l <= s + LAUNCH_SLACK_SECS))
            .unwrap_or(0);
        plans[k].0.boots.push((g, Vec::new()));
    }
    plans
}

/// Wall-clock epoch seconds of a boot's kernel start: the median of its fragments' estimates.
fn boot_start(frags: &[Fragment]) -> Option<f64> {
    BootTime::of(frags, None).kernel_zero
}

/// For each fact of an attempt, whether it is a `failed` that is the sweep's flip (`zero`: epoch
/// seconds the attempt's age counts from), and the timeouts they were judged by: a `failed`
/// is judged against the timeout it states, else the one the attempt's other timeout or
/// `failed` events state, else the declared one.
fn sweep_flips(
    facts: &[PlatformFact],
    zero: Option<f64>,
    declared_timeout_secs: f64,
    sweep: &Sweep,
) -> (Vec<bool>, AttemptTimeouts) {
    let is_timeout = |f: &&PlatformFact| {
        matches!(
            f.action,
            PlatformAction::ProvisionTimeout | PlatformAction::Failed
        )
    };
    let stated =
        |f: &PlatformFact| stated_timeout_secs(f.labels.get(TIMEOUT_LABEL).map(String::as_str));
    let attempt_stated = facts
        .iter()
        .filter(is_timeout)
        .filter_map(|f| Some((f.at, stated(f)?)))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, secs)| secs);
    let timeouts: Vec<f64> = facts
        .iter()
        .filter(|f| f.action == PlatformAction::ProvisionTimeout)
        .map(|f| f.at)
        .collect();
    let judged = |f: &PlatformFact| stated(f).or(attempt_stated);
    let flips = facts
        .iter()
        .map(|f| {
            f.action == PlatformAction::Failed
                && is_sweep_flip(
                    &Failed {
                        age_secs: zero.map(|z| f.at - z),
                        reason: f.labels.get("reason").map(String::as_str),
                        from_provision_timeout_secs: timeouts
                            .iter()
                            .map(|t| f.at - t)
                            .min_by(|a, b| a.abs().total_cmp(&b.abs())),
                        stated_timeout_secs: judged(f),
                    },
                    declared_timeout_secs,
                    sweep,
                )
        })
        .collect();
    let failed_secs = facts
        .iter()
        .filter(|f| f.action == PlatformAction::Failed)
        .min_by(|a, b| a.at.total_cmp(&b.at))
        .map(|f| judged(f).unwrap_or(declared_timeout_secs));
    (
        flips,
        AttemptTimeouts {
            stated_secs: attempt_stated,
            failed_secs,
        },
    )
}

/// Decides an attempt over all its boots and writes the verdict on each; a boot after the
/// first shows the reboot that started it as a phase (on the attempt's clock).
pub(super) fn finish_attempt(
    boots: &mut [Boot],
    number: usize,
    s: &Signals,
    ctx: &AttemptContext<'_>,
    timeouts: AttemptTimeouts,
) {
    let outcome = classify(s, ctx.stuck_threshold_secs);
    let from = boots.first().map_or(Zero::KernelStart, |b| b.zero);
    let latency = latency(outcome, s, from).map(|l| Latency {
        secs: milli(l.secs),
        ..l
    });
    let mut previous_end: Option<f64> = None;
    for b in boots.iter_mut() {
        b.attempt = number;
        b.attempt_outcome = Some(outcome);
        b.attempt_latency = latency;
        b.attempt_flip_secs = s.flip_secs.map(milli);
        b.attempt_stated_timeout_secs = timeouts.stated_secs;
        b.attempt_failed_timeout_secs = timeouts.failed_secs;
        let start = b
            .milestones
            .iter()
            .find(|m| m.name == "kernel_start")
            .map(|m| (m.at_secs, m.source.clone()));
        if let (Some(end), Some((start, source)), Zero::Launch) = (previous_end, start, b.zero) {
            if end <= start {
                let at = b.phases.partition_point(|p| p.start_secs <= end);
                b.phases.insert(
                    at,
                    Phase {
                        name: "reboot".into(),
                        depth: 0,
                        start_secs: end,
                        end_secs: Some(start),
                        result: None,
                        source,
                    },
                );
            }
        }
        previous_end = b.observed_secs;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::event::Location;

    fn fact(action: PlatformAction, at: f64, labels: &[(&str, &str)]) -> PlatformFact {
        PlatformFact {
            action,
            at,
            instance: Some("i-1".into()),
            workspace: Some("w1".into()),
            labels: Arc::new(
                labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            source: Location::new("events.jsonl".into(), 1),
        }
    }

    #[test]
    fn a_failed_is_judged_at_the_timeout_its_attempt_states() {
        const NEVER: (&str, &str) = ("reason", "never called /registry/register");
        let sweep = Sweep::default();
        let launched = fact(PlatformAction::Launched, 0.0, &[]);
        // Its own event states 600 s: the flip, though 720 s is declared.
        let own = [
            launched.clone(),
            fact(
                PlatformAction::Failed,
                659.0,
                &[NEVER, ("timeout_s", "600")],
            ),
        ];
        let (flips, t) = sweep_flips(&own, Some(0.0), 720.0, &sweep);
        assert_eq!(flips, [false, true]);
        assert_eq!((t.stated_secs, t.failed_secs), (Some(600.0), Some(600.0)));
        // A provision_timeout of the attempt states it, two sweep periods before the failed.
        let beside = [
            launched.clone(),
            fact(
                PlatformAction::ProvisionTimeout,
                520.0,
                &[("timeout_s", "500")],
            ),
            fact(PlatformAction::Failed, 659.0, &[NEVER]),
        ];
        let (flips, t) = sweep_flips(&beside, Some(0.0), 720.0, &sweep);
        assert_eq!(flips, [false, false, true]);
        assert_eq!((t.stated_secs, t.failed_secs), (Some(500.0), Some(500.0)));
        // Nothing stated: the declared timeout judges it, a crash as before.
        let unstated = [
            launched.clone(),
            fact(PlatformAction::Failed, 659.0, &[NEVER]),
        ];
        let (flips, t) = sweep_flips(&unstated, Some(0.0), 720.0, &sweep);
        assert_eq!(flips, [false, false]);
        assert_eq!((t.stated_secs, t.failed_secs), (None, Some(720.0)));
        // A stated timeout on a launch is no timeout event's: it states nothing.
        let on_launch = [
            fact(PlatformAction::Launched, 0.0, &[("timeout_s", "600")]),
            fact(PlatformAction::Failed, 659.0, &[NEVER]),
        ];
        assert_eq!(
            sweep_flips(&on_launch, Some(0.0), 720.0, &sweep).0,
            [false, false]
        );
        // No failed event: nothing judged.
        let (_, t) = sweep_flips(&beside[..2], Some(0.0), 720.0, &sweep);
        assert_eq!((t.stated_secs, t.failed_secs), (Some(500.0), None));
    }
}
