//! Step two of assembly: group fragments and platform facts by instance, split and join boots,
//! align clocks, and classify each boot's outcome.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rayon::prelude::*;

use regex::RegexSet;

use super::boot_time::BootTime;
use super::clock::When;
use super::fragment::{Digest, Fragment, PlatformFact};
use super::identity::IdentitySource;
use super::lean::Labels;
use super::verdict::{
    boot_finished_secs, classify, is_sweep_flip, latency, marker_secs, stated_timeout_secs, timed,
    Failed, Signals, Sweep, TIMEOUT_LABEL,
};
use super::{Boot, Evidence, Latency, Milestone, Outcome, Phase, Zero, SCHEMA_VERSION};
use crate::config::LatencyEnd;
use crate::event::PlatformAction;
use crate::record::is_stage;

/// Fragments whose kernel zeros lie closer than this are the same boot: the same rule that
/// makes files one machine (a reboot within minutes is another boot).
const SAME_BOOT_SECS: f64 = super::machine::SAME_MACHINE_SECS;
/// Sources whose clocks put them further apart than this are never one boot.
const APART_SECS: f64 = 86_400.0;

/// A boot whose kernel appears to start up to this long before a launch belongs to that launch's
/// attempt (clocks disagree by a little).
const LAUNCH_SLACK_SECS: f64 = 60.0;

pub(crate) use crate::config::ClassPolicy;

/// What assembly needs of the configuration: classes, template overrides and the sweep's rules.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Classes {
    /// Classes by name, as configured.
    pub(crate) classes: BTreeMap<String, crate::config::Class>,
    /// Templates by name: (class, provision timeout in seconds).
    pub(crate) templates: BTreeMap<String, (String, f64)>,
    /// How the platform's `failed` events are read.
    pub(crate) sweep: Sweep,
    /// What latencies run to (`[latency] end`).
    pub(crate) end: LatencyEnd,
}

/// The class every boot belongs to unless the platform says otherwise.
pub(crate) use crate::config::DEFAULT_CLASS;

impl Default for Classes {
    fn default() -> Self {
        Self::from(&crate::config::Config::default())
    }
}

impl From<&crate::config::Config> for Classes {
    fn from(c: &crate::config::Config) -> Self {
        let classes = c.classes.clone();
        let templates = c
            .templates
            .iter()
            .map(|(name, t)| (name.clone(), (t.class.clone(), t.provision_timeout_seconds)))
            .collect();
        // Loading validated every expression; one that does not compile (a configuration built
        // in code) matches nothing.
        let reasons: Vec<&str> = c
            .platform
            .crash_reasons
            .iter()
            .map(String::as_str)
            .filter(|r| regex::Regex::new(r).is_ok())
            .collect();
        let sweep = Sweep {
            period_secs: c.platform.sweep_period_secs,
            crash_reasons: regex::RegexSet::new(reasons).unwrap_or_else(|_| RegexSet::empty()),
        };
        Self {
            classes,
            templates,
            sweep,
            end: c.latency.end.clone(),
        }
    }
}

impl Classes {
    fn class(&self, name: &str) -> ClassPolicy {
        crate::config::class_policy(&self.classes, name)
    }
}

/// What the platform said about one instance.
#[derive(Debug, Default)]
struct PlatformInfo {
    workspace: Option<String>,
    facts: Vec<PlatformFact>,
}

/// [`assemble`], with a line for each source kept out of a boot because its clock puts it
/// more than a day from the boot's (for stderr).
pub(crate) fn assemble_noting(digests: Vec<Digest>, policy: &Classes) -> (Vec<Boot>, Vec<String>) {
    let mut boots: Vec<Boot> = Vec::new();
    let notes = assemble_each(digests, policy, &mut |b| boots.push(b));
    boots.sort_by(|a, b| a.instance.cmp(&b.instance).then(a.boot.cmp(&b.boot)));
    (boots, notes)
}

/// How many instances are built at once (in parallel) before their boots are handed over.
const INSTANCES_AT_ONCE: usize = 4096;

/// [`assemble_noting`], handing each boot to `each` as it is built instead of collecting them:
/// the boots read whole from timelines first, then the built ones instance by instance in id
/// order, each instance's in boot order. A caller that reduces them (`fit`, `recommend`,
/// `report`) never holds every whole boot at once.
pub(crate) fn assemble_each(
    digests: Vec<Digest>,
    policy: &Classes,
    each: &mut dyn FnMut(Boot),
) -> Vec<String> {
    let mut shard_boots = Vec::new();
    let mut fragments: BTreeMap<String, Vec<Fragment>> = BTreeMap::new();
    let mut facts: Vec<PlatformFact> = Vec::new();
    for d in digests {
        shard_boots.extend(d.boots);
        if facts.is_empty() {
            facts = d.platform;
        } else {
            facts.extend(d.platform);
        }
        for f in d.fragments {
            fragments.entry(f.instance.clone()).or_default().push(f);
        }
    }
    let register_lines = fragments.values().flatten().any(|f| {
        !f.registered.is_empty() || f.milestones.iter().any(|m| m.name == "register_failed")
    });
    let timed_to_register = register_classes(&facts, register_lines, policy);
    let mut platform = platform_by_instance(facts);
    let instances: BTreeSet<String> = fragments
        .keys()
        .cloned()
        .chain(platform.iter().filter_map(|f| f.instance.clone()))
        .collect();
    // A boot a timeline shard holds already (a shard beside its raw logs) is one boot.
    let mut shards = super::dedup::PowerOns::default();
    for mut b in shard_boots {
        b.own_attempt();
        shards.add(&b.instance, super::dedup::boot_power_on(&b));
        each(b);
    }
    let mut notes = Vec::new();
    let mut repeated = Vec::new();
    // Instances are independent: build a batch of them in parallel, hand their boots over in
    // order, and let go of their fragments and facts before the next batch.
    let mut instances = instances.into_iter().peekable();
    while instances.peek().is_some() {
        let work: Vec<(String, Vec<Fragment>, PlatformInfo)> = instances
            .by_ref()
            .take(INSTANCES_AT_ONCE)
            .map(|instance| {
                let frags = fragments.remove(&instance).unwrap_or_default();
                let info = take_platform(&mut platform, &instance);
                (instance, frags, info)
            })
            .collect();
        let built: Vec<(Vec<Boot>, Vec<String>)> = work
            .into_par_iter()
            .map(|(instance, frags, info)| {
                build_instance(&instance, frags, info, policy, &timed_to_register)
            })
            .collect();
        for (boots, n) in built {
            for b in boots {
                if shards.holds(&b.instance, super::dedup::boot_power_on(&b)) {
                    repeated.push(format!("{} boot {}", b.instance, b.boot));
                } else {
                    each(b);
                }
            }
            notes.extend(n);
        }
    }
    notes.extend(super::dedup::read_twice(&repeated));
    notes
}

/// The platform's facts, each with the instance it is about and sorted by it (last first, so
/// that [`take_platform`] takes each instance's off the end): an event that names only its
/// workspace is about the instance another event names with that workspace
/// (`workspace:<id>` when none does); an event that names neither is about none.
fn platform_by_instance(mut facts: Vec<PlatformFact>) -> Vec<PlatformFact> {
    let by_workspace_only = facts
        .iter()
        .any(|f| f.instance.is_none() && f.workspace.is_some());
    let mut ws_to_instance: BTreeMap<String, String> = BTreeMap::new();
    for f in facts.iter().filter(|_| by_workspace_only) {
        if let (Some(i), Some(w)) = (&f.instance, &f.workspace) {
            if !ws_to_instance.contains_key(w) {
                ws_to_instance.insert(w.clone(), i.clone());
            }
        }
    }
    facts.retain_mut(|f| match (&f.instance, &f.workspace) {
        (Some(_), _) => true,
        (None, Some(w)) => {
            let i = ws_to_instance.get(w).cloned();
            f.instance = Some(i.unwrap_or_else(|| format!("workspace:{w}")));
            true
        }
        (None, None) => false,
    });
    // Stable: an instance's facts stay in the order they were read.
    facts.sort_by(|a, b| b.instance.cmp(&a.instance));
    facts
}

/// What the platform said about `instance`: the facts about it at the end of `facts` (sorted
/// by [`platform_by_instance`]) in time order, and the first workspace they name.
fn take_platform(facts: &mut Vec<PlatformFact>, instance: &str) -> PlatformInfo {
    let n = facts
        .iter()
        .rev()
        .take_while(|f| f.instance.as_deref() == Some(instance))
        .count();
    let mut facts = facts.split_off(facts.len() - n);
    let workspace = facts.iter().find_map(|f| f.workspace.clone());
    facts.sort_by(|a, b| a.at.total_cmp(&b.at));
    PlatformInfo { workspace, facts }
}

/// The wall-clock span a fragment observed, when it has one.
fn wall_span(f: &Fragment) -> Option<(f64, f64)> {
    let a = f.first.and_then(|w| f.to_wall(w))?;
    let b = f.last.and_then(|w| f.to_wall(w)).unwrap_or(a);
    Some((a.min(b), a.max(b)))
}

/// Seconds between two wall-clock spans (0 when they overlap).
fn gap_secs(a: (f64, f64), b: (f64, f64)) -> f64 {
    (b.0 - a.1).max(a.0 - b.1).max(0.0)
}

/// Whether `f` may join a boot made of `members`: not when the clocks put it more than a day
/// from any of them. Returns the note that says why not.
fn too_far(f: &Fragment, members: &[Fragment]) -> Option<String> {
    let span = wall_span(f)?;
    members.iter().find_map(|m| {
        let gap = gap_secs(span, wall_span(m)?);
        (gap > APART_SECS).then(|| {
            format!(
                "{} and {} are {:.0} days apart by their clocks: not one boot of {}",
                f.source,
                m.source,
                gap / 86_400.0,
                f.instance
            )
        })
    })
}

/// Splits an instance's fragments into boots: fragments whose kernel zeros agree are one boot;
/// fragments with no clock to place them join the first boot.
fn group_boots(mut frags: Vec<Fragment>, notes: &mut Vec<String>) -> Vec<Vec<Fragment>> {
    frags.sort_by(|a, b| {
        let ka = a.kernel_zero.unwrap_or(f64::INFINITY);
        let kb = b.kernel_zero.unwrap_or(f64::INFINITY);
        ka.total_cmp(&kb).then_with(|| a.source.cmp(&b.source))
    });
    let mut groups: Vec<(Option<f64>, Vec<Fragment>)> = Vec::new();
    let mut unplaced: Vec<Fragment> = Vec::new();
    for f in frags {
        match f.kernel_zero {
            // Two boots of one source are two boots, however close their clocks say they are
            // (a machine without a hardware clock starts every boot at the same wall time).
            Some(kz) => match groups.last_mut() {
                Some((Some(g), members))
                    if (kz - *g).abs() < SAME_BOOT_SECS
                        && members.iter().all(|m| m.source != f.source) =>
                {
                    members.push(f)
                }
                _ => groups.push((Some(kz), vec![f])),
            },
            None => unplaced.push(f),
        }
    }
    if groups.is_empty() {
        // No clocks: each source's fragments in order are the boots.
        let mut by_source: BTreeMap<Arc<str>, Vec<Fragment>> = BTreeMap::new();
        for f in unplaced {
            by_source.entry(f.source.clone()).or_default().push(f);
        }
        let n = by_source.values().map(Vec::len).max().unwrap_or(0);
        let mut out: Vec<Vec<Fragment>> = vec![Vec::new(); n];
        let mut apart: Vec<Vec<Fragment>> = Vec::new();
        for list in by_source.into_values() {
            for (k, f) in list.into_iter().enumerate() {
                match too_far(&f, &out[k]) {
                    Some(note) => {
                        notes.push(note);
                        apart.push(vec![f]);
                    }
                    None => out[k].push(f),
                }
            }
        }
        out.extend(apart);
        return out;
    }
    // A source without a kernel clock joins the first boot its wall clock is near.
    for f in unplaced {
        match groups.iter().position(|(_, g)| too_far(&f, g).is_none()) {
            Some(k) => groups[k].1.push(f),
            None => {
                notes.extend(too_far(&f, &groups[0].1));
                groups.push((None, vec![f]));
            }
        }
    }
    groups.into_iter().map(|(_, g)| g).collect()
}

/// A platform fact of one attempt, with what a `failed` means read once for the whole attempt.
#[derive(Debug)]
struct Fact {
    fact: PlatformFact,
    /// A `failed` that is the sweep's flip rather than crash evidence.
    sweep_flip: bool,
}

/// One boot of an attempt: its fragments and the platform facts that fell while it ran.
type PlannedBoot = (Vec<Fragment>, Vec<Fact>);

/// One attempt of an instance: its `launched` event (none without platform events), its boots,
/// and the timeouts its platform events were judged by.
#[derive(Debug, Default)]
struct AttemptPlan {
    launched: Option<PlatformFact>,
    boots: Vec<PlannedBoot>,
    timeouts: AttemptTimeouts,
}

/// The timeouts of an attempt's sweep verdict, as the timeline records them.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct AttemptTimeouts {
    /// The timeout the platform stated on the attempt's `provision_timeout` or `failed` events
    /// (the earliest that states one).
    stated_secs: Option<f64>,
    /// The timeout its first `failed` event was judged against, when it had one.
    failed_secs: Option<f64>,
}

/// What every boot of an attempt shares: its launch, class and timeouts.
#[derive(Debug)]
struct AttemptContext<'a> {
    launched: Option<&'a PlatformFact>,
    labels: Labels,
    workspace: Option<String>,
    class: String,
    template: Option<String>,
    timeout_secs: f64,
    stuck_threshold_secs: f64,
    /// What latencies run to.
    end: LatencyEnd,
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
fn register_classes(
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
    fn new(
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

/// The boots of one instance: its fragments split into boots, the boots and platform facts
/// grouped into attempts, each boot built on its attempt's clock and each attempt decided over
/// all its boots.
fn build_instance(
    instance: &str,
    frags: Vec<Fragment>,
    info: PlatformInfo,
    policy: &Classes,
    register_classes: &BTreeSet<String>,
) -> (Vec<Boot>, Vec<String>) {
    let mut notes = Vec::new();
    let groups = group_boots(frags, &mut notes);
    let named_by_platform = !info.facts.is_empty();
    let plans = plan_attempts(groups, info.facts, policy, register_classes);
    let mut boots: Vec<Boot> = Vec::new();
    for (k, plan) in plans.into_iter().enumerate() {
        let ctx = AttemptContext::new(
            plan.launched.as_ref(),
            info.workspace.as_ref(),
            policy,
            register_classes,
        );
        let first = boots.len();
        let mut signals = Signals::default();
        // Each boot's fragments are dropped once it is built: an instance of many boots
        // never holds all its fragments and all its boots at once.
        for (frags, facts) in plan.boots {
            let (mut boot, s) = build_boot(instance, boots.len() + 1, &frags, &facts, &ctx);
            boot.identity = identity_sources(&frags, named_by_platform);
            signals = signals.merge(s);
            boots.push(boot);
        }
        finish_attempt(&mut boots[first..], k + 1, &signals, &ctx, plan.timeouts);
    }
    (boots, notes)
}

/// Where a boot's instance identity came from: each kind of evidence among its fragments, and
/// the platform's events when they name the instance.
fn identity_sources(frags: &[Fragment], named_by_platform: bool) -> Vec<IdentitySource> {
    let mut kinds: BTreeSet<IdentitySource> = frags.iter().filter_map(|f| f.identity).collect();
    if named_by_platform {
        kinds.insert(IdentitySource::PlatformEvents);
    }
    kinds.into_iter().collect()
}

/// Groups an instance's boots and platform facts into attempts, one per `launched` event: facts
/// between two launches belong to the first, a boot to the last launch before its kernel
/// started. Without a launch each boot is its own attempt and the facts go to the first.
fn plan_attempts(
    groups: Vec<Vec<Fragment>>,
    facts: Vec<PlatformFact>,
    policy: &Classes,
    register_classes: &BTreeSet<String>,
) -> Vec<AttemptPlan> {
    let launches: Vec<f64> = facts
        .iter()
        .filter(|f| f.action == PlatformAction::Launched)
        .map(|f| f.at)
        .collect();
    let starts: Vec<Option<f64>> = groups.iter().map(|g| boot_start(g)).collect();
    let mut plans: Vec<AttemptPlan> = Vec::new();
    let mut facts_of: Vec<Vec<PlatformFact>> = Vec::new();
    if launches.is_empty() {
        plans.extend(groups.into_iter().map(|g| AttemptPlan {
            boots: vec![(g, Vec::new())],
            ..AttemptPlan::default()
        }));
        if plans.is_empty() {
            plans.push(AttemptPlan::default());
        }
        facts_of.resize_with(plans.len(), Vec::new);
        facts_of[0] = facts;
    } else {
        plans.resize_with(launches.len(), AttemptPlan::default);
        facts_of.resize_with(launches.len(), Vec::new);
        for f in facts {
            let k = launches.iter().rposition(|&l| l <= f.at).unwrap_or(0);
            if f.action == PlatformAction::Launched && plans[k].launched.is_none() {
                plans[k].launched = Some(f.clone());
            }
            facts_of[k].push(f);
        }
        for (g, start) in groups.into_iter().zip(&starts) {
            let k = start
                .and_then(|s| launches.iter().rposition(|&l| l <= s + LAUNCH_SLACK_SECS))
                .unwrap_or(0);
            plans[k].boots.push((g, Vec::new()));
        }
    }
    for (plan, facts) in plans.iter_mut().zip(facts_of) {
        if plan.boots.is_empty() {
            plan.boots.push((Vec::new(), Vec::new()));
        }
        let ctx = AttemptContext::new(plan.launched.as_ref(), None, policy, register_classes);
        let zero = ctx
            .launched
            .map(|l| l.at)
            .or_else(|| plan.boots.first().and_then(|b| boot_start(&b.0)));
        let (flips, timeouts) = sweep_flips(&facts, zero, ctx.timeout_secs, &policy.sweep);
        plan.timeouts = timeouts;
        let starts: Vec<Option<f64>> = plan.boots.iter().map(|b| boot_start(&b.0)).collect();
        for (fact, sweep_flip) in facts.into_iter().zip(flips) {
            // A fact belongs to the last boot that had started by then (the first otherwise).
            let k = starts
                .iter()
                .rposition(|s| s.is_some_and(|s| s <= fact.at))
                .unwrap_or(0);
            plan.boots[k].1.push(Fact { fact, sweep_flip });
        }
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
fn finish_attempt(
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

/// Builds one boot of an attempt from its fragments and the platform facts that fell while it
/// ran, with its own outcome and the signals its attempt is decided on.
fn build_boot(
    instance: &str,
    number: usize,
    frags: &[Fragment],
    facts: &[Fact],
    ctx: &AttemptContext<'_>,
) -> (Boot, Signals) {
    let launched = ctx.launched;

    let clock = BootTime::of(frags, launched.map(|l| l.at));
    let (zero, zero_wall, clock_skew_secs) = (clock.zero, clock.zero_wall, clock.skew_secs);
    // Times of a source with no year are good for durations, not for dates: none is shown.
    let undated = launched.is_none() && frags.iter().any(|f| f.undated);
    let shown_wall = |w: Option<chrono::DateTime<chrono::Utc>>| w.filter(|_| !undated);
    let to_wall = |w: When| clock.to_wall(w);
    let secs = |w: When| clock.secs(w);

    let mut phases: Vec<Phase> = Vec::new();
    let mut milestones: Vec<Milestone> = Vec::new();
    let mut registered: Vec<(f64, String)> = Vec::new();
    let mut last_seen: Option<f64> = None;
    let mut crash: Option<(Evidence, Option<f64>)> = None;
    let mut sources: BTreeSet<String> = BTreeSet::new();
    let note = |last: &mut Option<f64>, t: Option<f64>| {
        if let Some(t) = t {
            *last = Some(last.map_or(t, |l: f64| l.max(t)));
        }
    };
    for f in frags {
        sources.insert(f.source.to_string());
        for p in &f.phases {
            let Some(start) = secs(p.start) else { continue };
            let end = p.end.and_then(secs);
            phases.push(Phase {
                name: p.name.clone(),
                depth: p.depth,
                start_secs: start,
                end_secs: end,
                result: p.result.clone(),
                source: p.source.to_string(),
            });
        }
        for m in &f.milestones {
            if let Some(at) = secs(m.at) {
                milestones.push(Milestone {
                    name: m.name.to_string(),
                    at_secs: at,
                    wall: shown_wall(to_wall(m.at).and_then(utc)),
                    source: m.source.to_string(),
                });
            }
        }
        for m in &f.registered {
            if let Some(at) = secs(m.at) {
                registered.push((at, m.source.to_string()));
            }
        }
        note(&mut last_seen, f.last.and_then(secs));
        if crash.is_none() {
            if let Some((e, w)) = f.crash.as_deref() {
                crash = Some((e.clone(), w.and_then(secs)));
            }
        }
    }
    // Platform facts.
    let rel = |at: f64| zero_wall.map(|z| at - z);
    let mut flip: Option<f64> = None;
    let mut deleted: Option<f64> = None;
    let mut platform_registered: Vec<(f64, String)> = Vec::new();
    for Fact {
        fact: f,
        sweep_flip,
    } in facts
    {
        sources.insert(f.source.path.split(':').next().unwrap_or("").to_string());
        let Some(at) = rel(f.at) else { continue };
        note(&mut last_seen, Some(at));
        let name = match f.action {
            PlatformAction::Launched => "launched",
            PlatformAction::Registered => {
                let ok = f
                    .labels
                    .get("status")
                    .is_none_or(|s| s.starts_with('2') && s.len() == 3);
                if ok {
                    platform_registered.push((at, f.source.to_string()));
                    continue;
                }
                "register_failed"
            }
            PlatformAction::ProvisionTimeout => {
                flip = Some(flip.map_or(at, |x: f64| x.min(at)));
                "timed_out"
            }
            PlatformAction::Failed if *sweep_flip => {
                flip = Some(flip.map_or(at, |x: f64| x.min(at)));
                "failed"
            }
            PlatformAction::Failed => {
                if crash.is_none() {
                    let reason = f
                        .labels
                        .get("reason")
                        .cloned()
                        .unwrap_or_else(|| "unstated".into());
                    crash = Some((
                        Evidence {
                            kind: "platform_failed".into(),
                            line: format!("platform failed: {reason}"),
                            source: f.source.to_string(),
                        },
                        Some(at),
                    ));
                }
                "failed"
            }
            PlatformAction::Deleted => {
                deleted = Some(deleted.map_or(at, |x: f64| x.min(at)));
                "deleted"
            }
        };
        milestones.push(Milestone {
            name: name.into(),
            at_secs: at,
            wall: utc(f.at),
            source: f.source.to_string(),
        });
    }
    // The platform's own record of the register is what the sweep judges by; a console's
    // register line stands in when the platform's is missing.
    registered.sort_by(|a, b| a.0.total_cmp(&b.0));
    let register = platform_registered
        .iter()
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .cloned()
        .or_else(|| registered.first().cloned());
    if let Some((at, src)) = &register {
        milestones.push(Milestone {
            name: "registered".into(),
            at_secs: *at,
            wall: shown_wall(zero_wall.and_then(|z| utc(z + at))),
            source: src.clone(),
        });
        // The agent's part: from cloud-init's end (or the last stage's end) to the register.
        let ci_end = milestones
            .iter()
            .filter(|m| m.name == "boot_finished" && m.at_secs <= *at)
            .map(|m| m.at_secs)
            .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))))
            .or_else(|| {
                phases
                    .iter()
                    .filter(|p| p.name == "modules-final")
                    .filter_map(|p| p.end_secs)
                    .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))))
            });
        if let Some(e) = ci_end {
            phases.push(Phase {
                name: "agent-to-register".into(),
                depth: 0,
                start_secs: e,
                end_secs: Some(*at),
                result: None,
                source: src.clone(),
            });
        }
    }
    let observed = deleted.or(last_seen);
    let reached = match &ctx.end {
        // `auto` was resolved with the class (AttemptContext::new).
        LatencyEnd::Registered | LatencyEnd::Auto => register.as_ref().map(|r| r.0),
        LatencyEnd::BootFinished => boot_finished_secs(&milestones, &phases),
        LatencyEnd::Marker(name) => marker_secs(name, &milestones),
    };
    // A boot whose start no source saw can be neither timed nor taken as stuck: what its
    // sources show is kept, and its outcome is `unknown` unless it crashed or was flipped.
    let timed = timed(zero, frags.iter().any(|f| f.saw_start));
    let signals = Signals {
        registered_secs: reached.filter(|_| timed),
        flip_secs: flip,
        crashed: crash.is_some(),
        observed_secs: observed.filter(|_| timed),
    };
    let stuck_threshold_secs = ctx.stuck_threshold_secs;
    let outcome = classify(&signals, stuck_threshold_secs);
    let latency = latency(outcome, &signals, zero);
    // Seconds to the millisecond: stable text in every output, equal across shards.
    for p in &mut phases {
        p.start_secs = milli(p.start_secs);
        p.end_secs = p.end_secs.map(milli);
    }
    for m in &mut milestones {
        m.at_secs = milli(m.at_secs);
    }
    let latency = latency.map(|l| Latency {
        secs: milli(l.secs),
        ..l
    });
    let observed = observed.map(milli);
    let clock_skew_secs = clock_skew_secs.map(milli);
    phases.sort_by(|a, b| {
        a.start_secs
            .total_cmp(&b.start_secs)
            .then(a.depth.cmp(&b.depth))
            .then_with(|| a.name.cmp(&b.name))
    });
    dedup_phases(&mut phases);
    // Stage starts and finishes are milestones too (from the phases kept, once each).
    for p in phases.iter().filter(|p| p.depth == 1 && is_stage(&p.name)) {
        milestones.push(Milestone {
            name: format!("{}_start", p.name),
            at_secs: p.start_secs,
            wall: shown_wall(zero_wall.and_then(|z| utc(z + p.start_secs))),
            source: p.source.clone(),
        });
        if let Some(e) = p.end_secs {
            milestones.push(Milestone {
                name: format!("{}_finish", p.name),
                at_secs: e,
                wall: shown_wall(zero_wall.and_then(|z| utc(z + e))),
                source: p.source.clone(),
            });
        }
    }
    dedup_milestones(&mut milestones);
    phases.shrink_to_fit();
    milestones.shrink_to_fit();
    let boot = Boot {
        schema_version: SCHEMA_VERSION,
        identity: Vec::new(),
        instance: instance.to_string(),
        workspace: ctx.workspace.clone(),
        class: ctx.class.clone(),
        template: ctx.template.clone(),
        boot: number,
        zero,
        zero_wall: shown_wall(zero_wall.and_then(utc)),
        launched: launched.and_then(|l| utc(l.at)),
        outcome,
        latency,
        timeout_secs: ctx.timeout_secs,
        stuck_threshold_secs,
        observed_secs: observed,
        evidence: if outcome == Outcome::Crashed {
            crash.map(|c| c.0)
        } else {
            None
        },
        phases,
        milestones,
        clock_skew_secs,
        clock_steps: clock.steps(frags, milli),
        sources: sources.into_iter().filter(|s| !s.is_empty()).collect(),
        labels: (*ctx.labels).clone(),
        end: ctx.end.as_str().to_string(),
        // Decided over the whole attempt by `finish_attempt`.
        attempt: 0,
        attempt_outcome: None,
        attempt_latency: None,
        attempt_flip_secs: None,
        attempt_stated_timeout_secs: None,
        attempt_failed_timeout_secs: None,
    };
    (boot, signals)
}

/// Seconds to the millisecond, the precision every boot's times and durations are kept at:
/// what cloud-init stamps resolve, and one value for a boot whether it was assembled from raw
/// logs or read back from a timeline shard.
fn milli(x: f64) -> f64 {
    (x * 1e3).round() / 1e3
}

/// An epoch time to the millisecond, as a UTC time.
fn utc(epoch_secs: f64) -> Option<chrono::DateTime<chrono::Utc>> {
    if !epoch_secs.is_finite() {
        return None;
    }
    chrono::DateTime::from_timestamp_millis((epoch_secs * 1e3).round() as i64)
}

/// The same milestone read from two sources (a console and a cloud-init.log) is kept once:
/// the first by time within a second of another of its name.
fn dedup_milestones(m: &mut Vec<Milestone>) {
    m.sort_by(|a, b| {
        a.at_secs
            .total_cmp(&b.at_secs)
            .then_with(|| a.name.cmp(&b.name))
    });
    let mut kept: Vec<Milestone> = Vec::with_capacity(m.len());
    for x in m.drain(..) {
        let dup = kept
            .iter()
            .rev()
            .take_while(|k| x.at_secs - k.at_secs <= 1.5)
            .any(|k| k.name == x.name);
        if !dup {
            kept.push(x);
        }
    }
    *m = kept;
}

/// The same phase from two sources: keep the one that finished (or the first).
fn dedup_phases(p: &mut Vec<Phase>) {
    let mut kept: Vec<Phase> = Vec::with_capacity(p.len());
    for x in p.drain(..) {
        if let Some(k) = kept
            .iter_mut()
            .rev()
            .take_while(|k| x.start_secs - k.start_secs <= 1.5)
            .find(|k| k.name == x.name)
        {
            // Prefer the reading that finished, then the one that states a result (a
            // cloud-init.log over a console's banners).
            let better = (k.end_secs.is_none() && x.end_secs.is_some())
                || (k.end_secs.is_some() == x.end_secs.is_some()
                    && k.result.is_none()
                    && x.result.is_some());
            if better {
                *k = x;
            }
            continue;
        }
        kept.push(x);
    }
    *p = kept;
}

#[cfg(test)]
/// Builds boot timelines from digests.
pub(crate) fn assemble(digests: Vec<Digest>, policy: &Classes) -> Vec<Boot> {
    assemble_noting(digests, policy).0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{BootClock, Event, EventKind, Location, SinceBoot, Stamp};
    use crate::timeline::fragment::digest;
    use chrono::DateTime;
    use std::sync::Arc;

    fn wall(s: &str) -> Stamp {
        Stamp::wall(DateTime::parse_from_rfc3339(s).unwrap())
    }

    fn platform(
        action: PlatformAction,
        at: &str,
        instance: Option<&str>,
        ws: Option<&str>,
        labels: &[(&str, &str)],
    ) -> Event {
        Event::new(
            EventKind::Platform {
                action,
                instance: instance.map(String::from),
                workspace: ws.map(String::from),
                labels: labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            },
            wall(at),
            Location::new("events.jsonl".into(), 1),
        )
    }

    fn console(path: &str, launched: &str, reg_up: Option<f64>, up_end: f64) -> Vec<Event> {
        let at = |line| Location::new(path.into(), line);
        let base = DateTime::parse_from_rfc3339(launched).unwrap() + chrono::Duration::seconds(20);
        let banner = |action: &str, up: f64, line| {
            let mut s = Stamp::wall(base + chrono::Duration::milliseconds((up * 1000.0) as i64));
            s.since_boot = Some(SinceBoot {
                clock: BootClock::Uptime,
                secs: up,
            });
            Event::new(
                EventKind::StageBanner {
                    version: "23".into(),
                    action: action.into(),
                },
                s,
                at(line),
            )
        };
        let mut v = vec![
            Event::new(
                EventKind::KernelStart {
                    version: "6".into(),
                },
                Stamp::since_boot(BootClock::Kernel, 0.0),
                at(1),
            ),
            banner("init-local", 5.0, 2),
            banner("init", 8.0, 3),
            banner("modules:final", 12.0, 4),
        ];
        if let Some(r) = reg_up {
            v.push(Event::new(
                EventKind::Marker {
                    name: "registered".into(),
                    edge: crate::event::Edge::Instant,
                    captures: [("status".to_string(), "200".to_string())]
                        .into_iter()
                        .collect(),
                },
                Stamp::since_boot(BootClock::Kernel, r),
                at(5),
            ));
        }
        v.push(Event::new(
            EventKind::CaptureEnd,
            Stamp::since_boot(BootClock::Kernel, up_end),
            at(6),
        ));
        v
    }

    fn run(events: Vec<(String, Vec<Event>)>) -> Vec<Boot> {
        let digests = events
            .into_iter()
            .map(|(p, e)| digest(Arc::from(p.as_str()), e))
            .collect();
        // Latencies to the register, with or without platform events: the outcome rules.
        let classes = Classes {
            end: LatencyEnd::Registered,
            ..Classes::default()
        };
        assemble(digests, &classes)
    }

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

    #[test]
    fn classifies_registered_false_failed_timed_out_stuck_unknown() {
        let l = "2026-06-10T14:51:01Z";
        let plat = vec![
            platform(
                PlatformAction::Launched,
                l,
                Some("i-00000001"),
                Some("w1"),
                &[("class", "default")],
            ),
            platform(
                PlatformAction::Launched,
                l,
                Some("i-00000002"),
                Some("w2"),
                &[],
            ),
            platform(
                PlatformAction::ProvisionTimeout,
                "2026-06-10T15:01:31Z",
                None,
                Some("w2"),
                &[("timeout_s", "600")],
            ),
            platform(
                PlatformAction::Launched,
                l,
                Some("i-00000003"),
                Some("w3"),
                &[],
            ),
            platform(
                PlatformAction::ProvisionTimeout,
                "2026-06-10T15:01:31Z",
                None,
                Some("w3"),
                &[],
            ),
            platform(
                PlatformAction::Deleted,
                "2026-06-10T15:02:01Z",
                Some("i-00000003"),
                None,
                &[],
            ),
            platform(PlatformAction::Launched, l, Some("i-00000004"), None, &[]),
            platform(PlatformAction::Launched, l, Some("i-00000005"), None, &[]),
        ];
        let boots = run(vec![
            ("events.jsonl".into(), plat),
            // Registers 20 + 403 = 423 s after launch.
            (
                "i-00000001/console.log".into(),
                console("i-00000001/console.log", l, Some(403.0), 420.0),
            ),
            // Registers at 20 + 620 = 640 s, after the flip at 630 s.
            (
                "i-00000002/console.log".into(),
                console("i-00000002/console.log", l, Some(620.0), 700.0),
            ),
            (
                "i-00000003/console.log".into(),
                console("i-00000003/console.log", l, None, 500.0),
            ),
            // Observed to 20 + 1000 s > 900 s: stuck.
            (
                "i-00000004/console.log".into(),
                console("i-00000004/console.log", l, None, 1000.0),
            ),
            (
                "i-00000005/console.log".into(),
                console("i-00000005/console.log", l, None, 300.0),
            ),
        ]);
        let got: Vec<(String, Outcome)> = boots
            .iter()
            .map(|b| (b.instance.clone(), b.outcome))
            .collect();
        assert_eq!(
            got,
            [
                ("i-00000001".to_string(), Outcome::Registered),
                ("i-00000002".to_string(), Outcome::FalseFailed),
                ("i-00000003".to_string(), Outcome::TimedOut),
                ("i-00000004".to_string(), Outcome::Stuck),
                ("i-00000005".to_string(), Outcome::Unknown),
            ]
        );
        let lat = |i: usize| boots[i].latency.unwrap();
        assert!((lat(0).secs - 423.0).abs() < 1e-6 && !lat(0).censored);
        assert!((lat(1).secs - 640.0).abs() < 1e-6 && !lat(1).censored);
        assert!((lat(2).secs - 630.0).abs() < 1e-6 && lat(2).censored);
        assert!(boots[3].latency.is_none());
        assert!((lat(4).secs - 320.0).abs() < 1e-6 && lat(4).censored);
        assert_eq!(boots[0].workspace.as_deref(), Some("w1"));
        // Banners say when a stage started, not how long it ran: a milestone, no phase.
        let stage = boots[0]
            .milestones
            .iter()
            .find(|m| m.name == "init-local_start")
            .unwrap();
        assert!((stage.at_secs - 25.0).abs() < 1e-6);
        assert!(!boots[0].phases.iter().any(|p| p.name == "init-local"));
        let agent = boots[0]
            .phases
            .iter()
            .find(|p| p.name == "agent-to-register");
        assert!(agent.is_none(), "no cloud-init end seen: no agent phase");
    }

    #[test]
    fn crash_evidence_wins_over_unknown_and_kernel_start_is_the_zero_without_launch() {
        let mut ev = console("x/console.log", "2026-06-10T14:51:01Z", None, 100.0);
        ev.push(Event::new(
            EventKind::Crash {
                crash: crate::event::CrashKind::KernelPanic,
                evidence: "Kernel panic - not syncing: VFS".into(),
            },
            Stamp::since_boot(BootClock::Kernel, 50.0),
            Location::new("x/console.log".into(), 9),
        ));
        let boots = run(vec![("x/console.log".into(), ev)]);
        assert_eq!(boots.len(), 1);
        // A folder not named like an instance names none: the file is its own.
        assert_eq!(boots[0].instance, "x/console.log");
        assert_eq!(boots[0].outcome, Outcome::Crashed);
        assert_eq!(boots[0].zero, Zero::KernelStart);
        assert_eq!(boots[0].evidence.as_ref().unwrap().kind, "kernel_panic");
        let init = boots[0]
            .milestones
            .iter()
            .find(|m| m.name == "init-local_start")
            .unwrap();
        assert!((init.at_secs - 5.0).abs() < 1e-6);
    }

    /// cloud-init's banners from `first` on (`Up` seconds), ending with `finished at … Up 34.8`,
    /// as a `cloud-init-output.log` shows them: no kernel line.
    fn banners_from(first: usize) -> Vec<Event> {
        let base = DateTime::parse_from_rfc3339("2022-10-06T13:26:55Z").unwrap();
        let stamp = |up: f64| {
            let mut s = Stamp::wall(base + chrono::Duration::milliseconds((up * 1000.0) as i64));
            s.since_boot = Some(SinceBoot {
                clock: BootClock::Uptime,
                secs: up,
            });
            s
        };
        let at = |line| Location::new("vm/cloud-init-output.log".into(), line);
        let stages = [
            ("init-local", 11.0),
            ("init", 15.0),
            ("modules:config", 32.7),
            ("modules:final", 34.5),
        ];
        let mut v: Vec<Event> = stages[first..]
            .iter()
            .enumerate()
            .map(|(k, (action, up))| {
                let kind = EventKind::StageBanner {
                    version: "22.2".into(),
                    action: (*action).into(),
                };
                Event::new(kind, stamp(*up), at(k as u64 + 1))
            })
            .collect();
        let finished = EventKind::FinishedBanner {
            version: "22.2".into(),
            datasource: None,
        };
        v.push(Event::new(finished, stamp(34.8), at(9)));
        v
    }

    #[test]
    fn without_platform_events_auto_times_boots_to_cloud_inits_end_from_its_first_stage() {
        let digests = vec![digest(
            Arc::from("vm/cloud-init-output.log"),
            banners_from(0),
        )];
        let boots = assemble(digests, &Classes::default());
        assert_eq!(boots.len(), 1);
        assert_eq!(boots[0].end, "boot_finished");
        assert_eq!(boots[0].outcome, Outcome::Registered);
        assert_eq!(boots[0].zero, Zero::KernelStart);
        // `Up 34.8` dates the kernel's start: an exact record of 34.8 s, no kernel line needed.
        let l = boots[0].latency.unwrap();
        assert!((l.secs - 34.8).abs() < 1e-9 && !l.censored, "{l:?}");
        // The same boot under a platform's launch runs to the register.
        let mut digests = vec![digest(
            Arc::from("vm/cloud-init-output.log"),
            banners_from(0),
        )];
        digests.push(Digest {
            platform: vec![PlatformFact {
                action: PlatformAction::Launched,
                at: 1_665_062_800.0,
                instance: Some("vm/cloud-init-output.log".into()),
                workspace: None,
                labels: Default::default(),
                source: Location::new("events.jsonl".into(), 1),
            }],
            ..Digest::default()
        });
        let boots = assemble(digests, &Classes::default());
        assert_eq!(boots[0].end, "registered");
        assert_eq!(boots[0].outcome, Outcome::Unknown);
    }

    #[test]
    fn a_log_that_begins_past_the_first_stage_times_nothing() {
        for first in [2, 3] {
            let digests = vec![digest(
                Arc::from("vm/cloud-init-output.log"),
                banners_from(first),
            )];
            let boots = assemble(digests, &Classes::default());
            assert_eq!(boots.len(), 1);
            assert_eq!(boots[0].outcome, Outcome::Unknown, "from stage {first}");
            assert_eq!(boots[0].latency, None, "from stage {first}");
            // What it showed stays: cloud-init's end at its banner's uptime.
            let end = boots[0]
                .milestones
                .iter()
                .find(|m| m.name == "boot_finished");
            assert!((end.unwrap().at_secs - 34.8).abs() < 1e-9);
        }
        // From `init` (no `init-local` ran) the boot is seen from its first stage.
        let digests = vec![digest(
            Arc::from("vm/cloud-init-output.log"),
            banners_from(1),
        )];
        let boots = assemble(digests, &Classes::default());
        assert_eq!(boots[0].outcome, Outcome::Registered);
    }

    #[test]
    fn a_reboot_splits_boots_and_two_sources_join() {
        let l = "2026-06-10T14:51:01Z";
        let mut ev = console("i-0000000a/console.log", l, None, 60.0);
        // A second power-on an hour later.
        let later = "2026-06-10T15:51:01Z";
        ev.extend(console("i-0000000a/console.log", later, Some(200.0), 210.0));
        let second = console("i-0000000a/console.log", l, None, 30.0);
        let boots = run(vec![
            ("i-0000000a/console.log".into(), ev),
            ("i-0000000a/other.log".into(), second),
        ]);
        assert_eq!(boots.len(), 2);
        assert_eq!(boots[0].sources.len(), 2, "{:?}", boots[0].sources);
        assert_eq!(boots[1].outcome, Outcome::Registered);
        assert_eq!(boots[1].zero, Zero::KernelStart);
        assert!(boots[0].clock_skew_secs.unwrap() < 1.0);
    }
}
