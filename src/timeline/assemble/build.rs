//! One boot built from its fragments and the platform facts that fell while it ran: its
//! phases and milestones on its attempt's clock, the register that counts, its own outcome and
//! the signals its attempt is decided on.

use std::collections::BTreeSet;

use super::plan::{AttemptContext, Fact};
use super::{milli, utc};
use crate::config::LatencyEnd;
use crate::event::PlatformAction;
use crate::record::is_stage;
use crate::timeline::boot_time::BootTime;
use crate::timeline::fragment::{Fragment, PlatformFact};
use crate::timeline::verdict::{
    boot_finished_secs, classify, latency, marker_secs, timed, Signals,
};
use crate::timeline::{Boot, Evidence, Latency, Milestone, Outcome, Phase, Zero, SCHEMA_VERSION};

/// What the sources of one boot show, on the boot's clock (seconds from its zero).
#[derive(Debug, Default)]
struct Shown {
    phases: Vec<Phase>,
    milestones: Vec<Milestone>,
    /// The logs' register lines, `(secs, source)`.
    registered: Vec<(f64, String)>,
    /// The platform's own registers, `(secs, source)`.
    platform_registered: Vec<(f64, String)>,
    /// The last moment any source observed.
    last_seen: Option<f64>,
    /// The first crash evidence, with when.
    crash: Option<(Evidence, Option<f64>)>,
    sources: BTreeSet<String>,
    /// The sweep's earliest flip.
    flip: Option<f64>,
    /// The platform's earliest `deleted`.
    deleted: Option<f64>,
}

/// A wall time as shown: none for a boot whose times stand in a year of no meaning.
fn shown_wall(
    w: Option<chrono::DateTime<chrono::Utc>>,
    undated: bool,
) -> Option<chrono::DateTime<chrono::Utc>> {
    w.filter(|_| !undated)
}

/// The earlier of `x` and `at`.
fn earliest(x: Option<f64>, at: f64) -> Option<f64> {
    Some(x.map_or(at, |x| x.min(at)))
}

impl Shown {
    /// What a boot's fragments and the platform facts that fell while it ran show.
    fn of(frags: &[Fragment], facts: &[Fact], clock: BootTime, undated: bool) -> Self {
        let mut shown = Shown::default();
        for f in frags {
            shown.add_fragment(f, clock, undated);
        }
        for fact in facts {
            let f = &fact.fact;
            shown
                .sources
                .insert(f.source.path.split(':').next().unwrap_or("").to_string());
            if let Some(at) = clock.zero_wall.map(|z| f.at - z) {
                shown.add_fact(fact, at);
            }
        }
        shown
    }

    /// Moves the last moment seen to `t`, when later.
    fn note(&mut self, t: Option<f64>) {
        if let Some(t) = t {
            self.last_seen = Some(self.last_seen.map_or(t, |l: f64| l.max(t)));
        }
    }

    /// A fragment's phases, milestones, registers, last moment and crash, on the boot's clock.
    fn add_fragment(&mut self, f: &Fragment, clock: BootTime, undated: bool) {
        self.sources.insert(f.source.to_string());
        for p in &f.phases {
            let Some(start) = clock.secs(p.start) else {
                continue;
            };
            self.phases.push(Phase {
                name: p.name.clone(),
                depth: p.depth,
                start_secs: start,
                end_secs: p.end.and_then(|w| clock.secs(w)),
                result: p.result.clone(),
                source: p.source.to_string(),
            });
        }
        for m in &f.milestones {
            if let Some(at) = clock.secs(m.at) {
                self.milestones.push(Milestone {
                    name: m.name.to_string(),
                    at_secs: at,
                    wall: shown_wall(clock.to_wall(m.at).and_then(utc), undated),
                    source: m.source.to_string(),
                });
            }
        }
        for m in &f.registered {
            if let Some(at) = clock.secs(m.at) {
                self.registered.push((at, m.source.to_string()));
            }
        }
        self.note(f.last.and_then(|w| clock.secs(w)));
        if self.crash.is_none() {
            if let Some((e, w)) = f.crash.as_deref() {
                self.crash = Some((e.clone(), w.and_then(|w| clock.secs(w))));
            }
        }
    }

    /// A platform fact, `at` seconds from the zero: a milestone, except a successful register
    /// (kept apart: [`Shown::register`] decides which register counts).
    fn add_fact(&mut self, fact: &Fact, at: f64) {
        let f = &fact.fact;
        self.note(Some(at));
        let name = match f.action {
            PlatformAction::Launched => "launched",
            PlatformAction::Registered => {
                let ok = f
                    .labels
                    .get("status")
                    .is_none_or(|s| s.starts_with('2') && s.len() == 3);
                if ok {
                    self.platform_registered.push((at, f.source.to_string()));
                    return;
                }
                "register_failed"
            }
            PlatformAction::ProvisionTimeout => {
                self.flip = earliest(self.flip, at);
                "timed_out"
            }
            PlatformAction::Failed if fact.sweep_flip => {
                self.flip = earliest(self.flip, at);
                "failed"
            }
            PlatformAction::Failed => {
                if self.crash.is_none() {
                    self.crash = Some((platform_failure(f), Some(at)));
                }
                "failed"
            }
            PlatformAction::Deleted => {
                self.deleted = earliest(self.deleted, at);
                "deleted"
            }
        };
        self.milestones.push(Milestone {
            name: name.into(),
            at_secs: at,
            wall: utc(f.at),
            source: f.source.to_string(),
        });
    }

    /// The register that counts, shown as a milestone, with the agent's part before it as a
    /// phase: the platform's own record of the register is what the sweep judges by; a
    /// console's register line stands in when the platform's is missing.
    fn register(&mut self, zero_wall: Option<f64>, undated: bool) -> Option<(f64, String)> {
        self.registered.sort_by(|a, b| a.0.total_cmp(&b.0));
        let register = self
            .platform_registered
            .iter()
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .cloned()
            .or_else(|| self.registered.first().cloned());
        let (at, src) = register.as_ref()?;
        self.milestones.push(Milestone {
            name: "registered".into(),
            at_secs: *at,
            wall: shown_wall(zero_wall.and_then(|z| utc(z + at)), undated),
            source: src.clone(),
        });
        if let Some(e) = self.cloud_init_end(*at) {
            self.phases.push(Phase {
                name: "agent-to-register".into(),
                depth: 0,
                start_secs: e,
                end_secs: Some(*at),
                result: None,
                source: src.clone(),
            });
        }
        register
    }

    /// Where the agent's part before a register at `at` starts: cloud-init's end (the latest
    /// `boot_finished` by then), else the last stage's end.
    fn cloud_init_end(&self, at: f64) -> Option<f64> {
        let latest = |m: Option<f64>, x: f64| Some(m.map_or(x, |m| m.max(x)));
        self.milestones
            .iter()
            .filter(|m| m.name == "boot_finished" && m.at_secs <= at)
            .map(|m| m.at_secs)
            .fold(None, latest)
            .or_else(|| {
                self.phases
                    .iter()
                    .filter(|p| p.name == "modules-final")
                    .filter_map(|p| p.end_secs)
                    .fold(None, latest)
            })
    }

    /// Phases and milestones as every output shows them: to the millisecond (stable text in
    /// every output, equal across shards), phases in start order, each once, and the stages'
    /// starts and finishes as milestones too (from the phases kept, once each).
    fn settle(&mut self, zero_wall: Option<f64>, undated: bool) {
        for p in &mut self.phases {
            p.start_secs = milli(p.start_secs);
            p.end_secs = p.end_secs.map(milli);
        }
        for m in &mut self.milestones {
            m.at_secs = milli(m.at_secs);
        }
        self.phases.sort_by(|a, b| {
            a.start_secs
                .total_cmp(&b.start_secs)
                .then(a.depth.cmp(&b.depth))
                .then_with(|| a.name.cmp(&b.name))
        });
        dedup_phases(&mut self.phases);
        let wall = |secs: f64| shown_wall(zero_wall.and_then(|z| utc(z + secs)), undated);
        for p in self
            .phases
            .iter()
            .filter(|p| p.depth == 1 && is_stage(&p.name))
        {
            self.milestones.push(Milestone {
                name: format!("{}_start", p.name),
                at_secs: p.start_secs,
                wall: wall(p.start_secs),
                source: p.source.clone(),
            });
            if let Some(e) = p.end_secs {
                self.milestones.push(Milestone {
                    name: format!("{}_finish", p.name),
                    at_secs: e,
                    wall: wall(e),
                    source: p.source.clone(),
                });
            }
        }
        dedup_milestones(&mut self.milestones);
        self.phases.shrink_to_fit();
        self.milestones.shrink_to_fit();
    }
}

/// The crash evidence of a platform `failed` event that is not the sweep's flip.
fn platform_failure(f: &PlatformFact) -> Evidence {
    let reason = f
        .labels
        .get("reason")
        .cloned()
        .unwrap_or_else(|| "unstated".into());
    Evidence {
        kind: "platform_failed".into(),
        line: format!("platform failed: {reason}"),
        source: f.source.to_string(),
    }
}

/// Builds one boot of an attempt from its fragments and the platform facts that fell while it
/// ran, with its own outcome and the signals its attempt is decided on.
pub(super) fn build_boot(
    instance: &str,
    number: usize,
    frags: &[Fragment],
    facts: &[Fact],
    ctx: &AttemptContext<'_>,
) -> (Boot, Signals) {
    let clock = BootTime::of(frags, ctx.launched.map(|l| l.at));
    // Times of a source with no year are good for durations, not for dates: none is shown.
    let undated = ctx.launched.is_none() && frags.iter().any(|f| f.undated);
    let mut shown = Shown::of(frags, facts, clock, undated);
    let register = shown.register(clock.zero_wall, undated);
    let signals = boot_signals(&shown, register.map(|r| r.0), frags, clock.zero, &ctx.end);
    let outcome = classify(&signals, ctx.stuck_threshold_secs);
    let latency = latency(outcome, &signals, clock.zero).map(|l| Latency {
        secs: milli(l.secs),
        ..l
    });
    let observed = shown.deleted.or(shown.last_seen).map(milli);
    shown.settle(clock.zero_wall, undated);
    let evidence = shown.crash.take().filter(|_| outcome == Outcome::Crashed);
    let boot = Boot {
        schema_version: SCHEMA_VERSION,
        identity: Vec::new(),
        instance: instance.to_string(),
        workspace: ctx.workspace.clone(),
        class: ctx.class.clone(),
        template: ctx.template.clone(),
        boot: number,
        zero: clock.zero,
        zero_wall: shown_wall(clock.zero_wall.and_then(utc), undated),
        launched: ctx.launched.and_then(|l| utc(l.at)),
        outcome,
        latency,
        timeout_secs: ctx.timeout_secs,
        stuck_threshold_secs: ctx.stuck_threshold_secs,
        observed_secs: observed,
        evidence: evidence.map(|c| c.0),
        phases: shown.phases,
        milestones: shown.milestones,
        clock_skew_secs: clock.skew_secs.map(milli),
        clock_steps: clock.steps(frags, milli),
        sources: shown
            .sources
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect(),
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

/// What a boot's outcome is decided on: the moment latencies run to (the register, cloud-init's
/// end or a marker), the flip, a crash and the last moment observed. A boot whose start no
/// source saw can be neither timed nor taken as stuck: what its sources show is kept, and its
/// outcome is `unknown` unless it crashed or was flipped.
fn boot_signals(
    shown: &Shown,
    register_secs: Option<f64>,
    frags: &[Fragment],
    zero: Zero,
    end: &LatencyEnd,
) -> Signals {
    let reached = match end {
        // `auto` was resolved with the class (AttemptContext::new).
        LatencyEnd::Registered | LatencyEnd::Auto => register_secs,
        LatencyEnd::BootFinished => boot_finished_secs(&shown.milestones, &shown.phases),
        LatencyEnd::Marker(name) => marker_secs(name, &shown.milestones),
    };
    let timed = timed(zero, frags.iter().any(|f| f.saw_start));
    Signals {
        registered_secs: reached.filter(|_| timed),
        flip_secs: shown.flip,
        crashed: shown.crash.is_some(),
        observed_secs: shown.deleted.or(shown.last_seen).filter(|_| timed),
    }
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
