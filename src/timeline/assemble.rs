//! Step two of assembly: group fragments and platform facts by instance, split and join boots,
//! align clocks, and classify each boot's outcome.

mod build;
mod group;
mod plan;
mod platform;
mod reduce;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use rayon::prelude::*;

use regex::RegexSet;

use super::fragment::{Fragment, PlatformFact, SourceBoots};
use super::identity::IdentitySource;
use super::verdict::{Signals, Sweep};
use super::Boot;
use crate::config::LatencyEnd;
use build::build_boot;
use group::group_boots;
use plan::{finish_attempt, plan_attempts, register_classes, AttemptContext};
use platform::{platform_by_instance, take_platform, PlatformInfo};
pub(crate) use reduce::reduce;

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
    pub(super) fn class(&self, name: &str) -> ClassPolicy {
        crate::config::class_policy(&self.classes, name)
    }
}

/// [`assemble`], with a line for each source kept out of a boot because its clock puts it
/// more than a day from the boot's (for stderr).
pub(crate) fn assemble_noting(
    digests: Vec<SourceBoots>,
    policy: &Classes,
) -> (Vec<Boot>, Vec<String>) {
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
    digests: Vec<SourceBoots>,
    policy: &Classes,
    each: &mut dyn FnMut(Boot),
) -> Vec<String> {
    let Gathered {
        shard_boots,
        fragments,
        facts,
    } = gather(digests);
    let register_lines = fragments.values().flatten().any(|f| {
        !f.registered.is_empty() || f.milestones.iter().any(|m| m.name == "register_failed")
    });
    let timed_to_register = register_classes(&facts, register_lines, policy);
    // A boot a timeline shard holds already (a shard beside its raw logs) is one boot.
    let mut shards = super::dedup::PowerOns::default();
    for mut b in shard_boots {
        b.own_attempt();
        shards.add(&b.instance, super::dedup::boot_power_on(&b));
        each(b);
    }
    let mut repeated = Vec::new();
    let notes = build_in_batches(
        fragments,
        platform_by_instance(facts),
        &|instance, frags, info| build_instance(instance, frags, info, policy, &timed_to_register),
        &mut |b| {
            if shards.holds(&b.instance, super::dedup::boot_power_on(&b)) {
                repeated.push(format!("{} boot {}", b.instance, b.boot));
            } else {
                each(b);
            }
        },
    );
    notes
        .into_iter()
        .chain(super::dedup::read_twice(&repeated))
        .collect()
}

/// [`assemble_noting`]'s boots in its order — by instance, then boot number, a boot read
/// whole from a timeline before a built one with the same — handed to `each` as soon as each
/// is final instead of collected: the boots read whole first (they are held already), then
/// each built instance's merged in among them as its batch is built. Memory holds the boots
/// in flight, not every whole boot (`timeline --format jsonl` writes a fleet's shards so).
pub(crate) fn assemble_in_order(
    digests: Vec<SourceBoots>,
    policy: &Classes,
    each: &mut dyn FnMut(Boot),
) -> Vec<String> {
    let read_whole: usize = digests.iter().map(|d| d.boots.len()).sum();
    let mut whole: VecDeque<Boot> = VecDeque::with_capacity(read_whole);
    let mut whole_sorted = read_whole == 0;
    // The built boots of the instance being handed over (an instance's come together).
    let mut instance: Vec<Boot> = Vec::new();
    let mut hand_over = |instance: &mut Vec<Boot>, whole: &mut VecDeque<Boot>| {
        instance.sort_by_key(|b| b.boot);
        for b in instance.drain(..) {
            while whole
                .front()
                .is_some_and(|w| (&w.instance, w.boot) <= (&b.instance, b.boot))
            {
                each(whole.pop_front().expect("a front boot"));
            }
            each(b);
        }
    };
    let notes = assemble_each(digests, policy, &mut |b| {
        if !whole_sorted {
            whole.push_back(b);
            if whole.len() == read_whole {
                whole
                    .make_contiguous()
                    .sort_by(|a, b| a.instance.cmp(&b.instance).then(a.boot.cmp(&b.boot)));
                whole_sorted = true;
            }
            return;
        }
        if instance.first().is_some_and(|f| f.instance != b.instance) {
            hand_over(&mut instance, &mut whole);
        }
        instance.push(b);
    });
    hand_over(&mut instance, &mut whole);
    whole.into_iter().for_each(each);
    notes
}

/// What the digests hold, gathered: the boots read whole from timelines, the fragments by
/// instance, and every platform fact.
struct Gathered {
    shard_boots: Vec<Boot>,
    fragments: BTreeMap<String, Vec<Fragment>>,
    facts: Vec<PlatformFact>,
}

fn gather(digests: Vec<SourceBoots>) -> Gathered {
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
    Gathered {
        shard_boots,
        fragments,
        facts,
    }
}

/// Builds one instance's boots from its fragments and platform facts, with notes for stderr.
type BuildInstance<'a> =
    dyn Fn(&str, Vec<Fragment>, PlatformInfo) -> (Vec<Boot>, Vec<String>) + Sync + 'a;

/// Builds every instance (those with fragments and those the platform names) with `build`,
/// handing the boots to `each` in instance order. Instances are independent: a batch of them
/// is built in parallel, their boots handed over in order, and their fragments and facts let
/// go of before the next batch. Returns the notes of the builds.
fn build_in_batches(
    mut fragments: BTreeMap<String, Vec<Fragment>>,
    mut platform: Vec<PlatformFact>,
    build: &BuildInstance<'_>,
    each: &mut dyn FnMut(Boot),
) -> Vec<String> {
    let instances: BTreeSet<String> = fragments
        .keys()
        .cloned()
        .chain(platform.iter().filter_map(|f| f.instance.clone()))
        .collect();
    let mut notes = Vec::new();
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
            .map(|(instance, frags, info)| build(&instance, frags, info))
            .collect();
        for (boots, n) in built {
            boots.into_iter().for_each(&mut *each);
            notes.extend(n);
        }
    }
    notes
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

#[cfg(test)]
/// Builds boot timelines from digests.
pub(crate) fn assemble(digests: Vec<SourceBoots>, policy: &Classes) -> Vec<Boot> {
    assemble_noting(digests, policy).0
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{BootClock, Event, EventKind, Location, PlatformAction, SinceBoot, Stamp};
    use crate::timeline::fragment::digest;
    use crate::timeline::{Outcome, Zero};
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
        digests.push(SourceBoots {
            platform: vec![PlatformFact {
                action: PlatformAction::Launched,
                at: 1_665_062_800.0,
                instance: Some("vm/cloud-init-output.log".into()),
                workspace: None,
                labels: Default::default(),
                source: Location::new("events.jsonl".into(), 1),
            }],
            ..SourceBoots::default()
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
