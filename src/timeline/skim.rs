//! A timeline line read without its phases and milestones, for reductions that need neither
//! (`recommend`, `summarize --attempts-only`).
//!
//! A shard's line is a [`Boot`] of about 4.6 KB, of which the `phases` and `milestones` arrays
//! are nine tenths; parsing them costs more than the rest of the reduction. Their bounds are
//! found instead with three fixed searches (`memchr::memmem`), and only the fields around them
//! are parsed:
//!
//! ```text
//! {…,"evidence":null,"phases":[…],"milestones":[…],"clock_skew_secs":…,"sources":[…],…}
//!                   ^ cut from here                  ^ to here
//! ```
//!
//! The searches cannot be fooled by text inside the line: a JSON string escapes every `"` it
//! holds, so a byte sequence that begins `,"` or `],"` is structure, not text; and no other
//! object of a boot has a key `phases`, `milestones` or `clock_skew_secs` after an array. A
//! line laid out otherwise (another writer's spacing, a field order of its own, a line cut
//! short) is not skimmed: [`skim`] gives `None`, and the caller parses it whole, which also
//! gives the located error of a damaged line. What a skim does not check is that the skipped
//! arrays themselves are valid JSON: a line whose phases alone are damaged is read here and
//! refused by the commands that read phases.
//!
//! The fields around the cut are read by a scan by hand ([`scan`]) where the line is laid
//! out as bootline writes it, and by `serde_json` otherwise: the same fields either way. A
//! reduction takes the scanned fields as they are, their strings borrowed from the line
//! ([`scanned`], [`crate::timeline::lean::Reducer::push_scanned`]): no [`Boot`] is made.
//!
//! The one milestone a lean boot without phases reads, `kernel_start` (when the boot powered
//! on, to tell the same boot in two shards apart from a reboot), is found in the milestones
//! by its leading bytes and its time parsed; every other milestone, every phase, the sources
//! and the identity evidence are left behind.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use memchr::memmem::Finder;
use serde::de::IgnoredAny;
use serde::Deserialize;

use super::{Boot, Evidence, Latency, Milestone, Outcome, Phase, Zero};

#[path = "skim_scan.rs"]
mod scan;
pub(crate) use scan::{labels_of, Scanned};

#[path = "thin_scan.rs"]
mod thin_scan;

static PHASES: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b",\"phases\":["));
static MILESTONES: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"],\"milestones\":["));
static AFTER: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"],\"clock_skew_secs\":"));
static KERNEL: LazyLock<Finder<'static>> =
    LazyLock::new(|| Finder::new(b"{\"name\":\"kernel_start\",\"at_secs\":"));

/// The fields of a boot's line a reduction reads: [`Boot`]'s, with the same defaults, the
/// sources, clock steps and identity evidence read past, and the phases and milestones as `P`
/// and `M` (absent in a skim, which cuts them out before parsing).
#[derive(Deserialize)]
#[serde(bound(deserialize = "P: Deserialize<'de> + Default, M: Deserialize<'de> + Default"))]
struct Fields<P, M> {
    schema_version: u32,
    instance: String,
    workspace: Option<String>,
    class: String,
    template: Option<String>,
    boot: usize,
    zero: Zero,
    zero_wall: Option<DateTime<Utc>>,
    launched: Option<DateTime<Utc>>,
    outcome: Outcome,
    latency: Option<Latency>,
    timeout_secs: f64,
    stuck_threshold_secs: f64,
    observed_secs: Option<f64>,
    evidence: Option<Evidence>,
    #[serde(default)]
    phases: P,
    #[serde(default)]
    milestones: M,
    clock_skew_secs: Option<f64>,
    #[serde(default)]
    #[allow(dead_code)]
    clock_steps: IgnoredAny,
    #[allow(dead_code)]
    sources: IgnoredAny,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default = "super::registered")]
    end: String,
    #[serde(default)]
    #[allow(dead_code)]
    identity: IgnoredAny,
    #[serde(default)]
    attempt: usize,
    #[serde(default)]
    attempt_outcome: Option<Outcome>,
    #[serde(default)]
    attempt_latency: Option<Latency>,
    #[serde(default)]
    attempt_flip_secs: Option<f64>,
    #[serde(default)]
    attempt_stated_timeout_secs: Option<f64>,
    #[serde(default)]
    attempt_failed_timeout_secs: Option<f64>,
}

impl<P, M> Fields<P, M> {
    /// The boot of these fields, with `phases` and `milestones`.
    fn into_boot(self, phases: Vec<Phase>, milestones: Vec<Milestone>) -> Boot {
        Boot {
            schema_version: self.schema_version,
            instance: self.instance,
            workspace: self.workspace,
            class: self.class,
            template: self.template,
            boot: self.boot,
            zero: self.zero,
            zero_wall: self.zero_wall,
            launched: self.launched,
            outcome: self.outcome,
            latency: self.latency,
            timeout_secs: self.timeout_secs,
            stuck_threshold_secs: self.stuck_threshold_secs,
            observed_secs: self.observed_secs,
            evidence: self.evidence,
            phases,
            milestones,
            clock_skew_secs: self.clock_skew_secs,
            clock_steps: Vec::new(),
            sources: Vec::new(),
            labels: self.labels,
            end: self.end,
            identity: Vec::new(),
            attempt: self.attempt,
            attempt_outcome: self.attempt_outcome,
            attempt_latency: self.attempt_latency,
            attempt_flip_secs: self.attempt_flip_secs,
            attempt_stated_timeout_secs: self.attempt_stated_timeout_secs,
            attempt_failed_timeout_secs: self.attempt_failed_timeout_secs,
        }
    }
}

/// A phase as a lean boot reads it: its result and source read past.
// {"name":"init-local","depth":1,"start_secs":17.073,"end_secs":18.15,"result":…,"source":…}
#[derive(Deserialize)]
struct ThinPhase {
    name: String,
    depth: usize,
    start_secs: f64,
    end_secs: Option<f64>,
    #[serde(default)]
    #[allow(dead_code)]
    result: IgnoredAny,
    #[allow(dead_code)]
    source: IgnoredAny,
}

/// A milestone as a lean boot reads it: its wall time and source read past.
#[derive(Deserialize)]
struct ThinMilestone {
    name: String,
    at_secs: f64,
    #[serde(default)]
    #[allow(dead_code)]
    wall: IgnoredAny,
    #[allow(dead_code)]
    source: IgnoredAny,
}

/// The boot of a timeline line as a lean boot reads it, phases and milestones included: every
/// field a lean boot keeps parsed, and the rest (phases' results and sources, milestones' wall
/// times and sources, the boot's sources, clock steps and identity evidence) read past, not
/// kept and not checked. `None` when the line does not parse so (or lacks its phases or
/// milestones): parse it whole then, which locates what is wrong.
pub(crate) fn thin(line: &[u8]) -> Option<Boot> {
    type Thin = Fields<Option<Vec<ThinPhase>>, Option<Vec<ThinMilestone>>>;
    // One check of the whole line is cheaper than one per string (`from_slice`'s).
    let text = std::str::from_utf8(line).ok()?;
    let mut f: Thin = serde_json::from_str(text).ok()?;
    let phases = f.phases.take()?;
    let milestones = f.milestones.take()?;
    let phases = phases
        .into_iter()
        .map(|p| Phase {
            name: p.name,
            depth: p.depth,
            start_secs: p.start_secs,
            end_secs: p.end_secs,
            result: None,
            source: String::new(),
        })
        .collect();
    let milestones = milestones
        .into_iter()
        .map(|m| Milestone {
            name: m.name,
            at_secs: m.at_secs,
            wall: None,
            source: String::new(),
        })
        .collect();
    Some(f.into_boot(phases, milestones))
}

/// A phase of a thin read by hand ([`thin_scan`]): what a lean boot keeps of it, its name
/// borrowed from the line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PhaseRef<'a> {
    /// As [`Phase::name`].
    pub(crate) name: &'a str,
    /// As [`Phase::depth`].
    pub(crate) depth: usize,
    /// As [`Phase::start_secs`].
    pub(crate) start_secs: f64,
    /// As [`Phase::end_secs`].
    pub(crate) end_secs: Option<f64>,
}

/// A boot read in part: its fields, and its phases borrowed from the line where a scan by
/// hand read them (`boot.phases` is then empty, and the first `kernel_start` its one
/// milestone), else in `boot.phases`.
#[derive(Debug)]
pub(crate) struct Part<'a> {
    /// The boot's fields.
    pub(crate) boot: Boot,
    /// Its phases, when read by hand.
    pub(crate) phases: Option<Vec<PhaseRef<'a>>>,
}

impl Part<'_> {
    /// A boot whose phases are its own.
    pub(crate) fn whole(boot: Boot) -> Self {
        Self { boot, phases: None }
    }
}

/// [`thin`], by the scan by hand where the line is laid out as bootline writes it
/// ([`thin_scan`]): the same boot, its phases' names borrowed from the line.
pub(crate) fn thin_part(line: &[u8]) -> Option<Part<'_>> {
    match thin_scan::read(line) {
        Some((boot, phases)) => Some(Part {
            boot,
            phases: Some(phases),
        }),
        None => thin(line).map(Part::whole),
    }
}

/// Where a line's phases and milestones are: the `,` before `"phases"`, the `[` that opens
/// the milestones, and the `,` before `"clock_skew_secs"`.
fn bounds(line: &[u8]) -> Option<(usize, usize, usize)> {
    let phases = PHASES.find(line)?;
    let milestones = phases + MILESTONES.find(&line[phases..])?;
    let after = milestones + AFTER.find(&line[milestones..])?;
    Some((
        phases,
        milestones + MILESTONES.needle().len() - 1,
        after + 1,
    ))
}

/// The boot of a timeline line, without its phases and with `kernel_start` its one milestone,
/// buffering the fields it parses in `buf`; `None` when the line is not laid out as
/// bootline writes it, does not parse, or is of a timeline written before attempts (whose
/// attempt is read from a milestone): parse it whole then.
pub(crate) fn skim(line: &[u8], buf: &mut Vec<u8>) -> Option<Boot> {
    let (phases, milestones, after) = bounds(line)?;
    let s = match scan::fields(line, phases, after) {
        Some(s) => s.into_fields()?,
        None => {
            buf.clear();
            buf.extend_from_slice(&line[..phases]);
            buf.extend_from_slice(&line[after..]);
            serde_json::from_slice(buf).ok()?
        }
    };
    if s.attempt == 0 {
        return None;
    }
    let kernel = kernel_start(&line[milestones..after])?.map(|at_secs| Milestone {
        name: "kernel_start".into(),
        at_secs,
        wall: None,
        source: String::new(),
    });
    Some(s.into_boot(Vec::new(), kernel.into_iter().collect()))
}

/// What [`skim`] reads of a line, its strings borrowed from the line, and the kernel's start:
/// where the hand scan reads the line alone. `None` where [`skim`] would read it with
/// `serde_json` or give no boot: skim it then.
pub(crate) fn scanned(line: &[u8]) -> Option<(Scanned<'_>, Option<f64>)> {
    let (phases, milestones, after) = bounds(line)?;
    let s = scan::fields(line, phases, after)?;
    if s.attempt == 0 {
        return None;
    }
    let kernel = kernel_start(&line[milestones..after])?;
    Some((s, kernel))
}

/// The time of the first `kernel_start` milestone of a milestones array (`[…]`): `Some(None)`
/// when there is none, `None` when its time does not parse.
// {"name":"kernel_start","at_secs":11.445,"wall":…,"source":…}
fn kernel_start(milestones: &[u8]) -> Option<Option<f64>> {
    let Some(at) = KERNEL.find(milestones) else {
        return Some(None);
    };
    let rest = &milestones[at + KERNEL.needle().len()..];
    let mut numbers = serde_json::Deserializer::from_slice(rest).into_iter::<f64>();
    Some(Some(numbers.next()?.ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::SCHEMA_VERSION;

    pub(super) fn boot() -> Boot {
        Boot {
            schema_version: SCHEMA_VERSION,
            instance: "i-1".into(),
            workspace: Some("w".into()),
            class: "default".into(),
            template: None,
            boot: 2,
            zero: Zero::Launch,
            zero_wall: None,
            launched: None,
            outcome: Outcome::Registered,
            latency: Some(Latency {
                secs: 61.25,
                censored: false,
                from: Zero::Launch,
            }),
            timeout_secs: 600.0,
            stuck_threshold_secs: 900.0,
            observed_secs: Some(70.0),
            evidence: None,
            // Text that looks like the bounds a skim searches for, inside strings.
            phases: vec![Phase {
                name: r#"x],"milestones":[ ],"clock_skew_secs":"#.into(),
                depth: 1,
                start_secs: 1.0,
                end_secs: Some(2.0),
                result: None,
                source: r#"{"name":"kernel_start","at_secs":3.0}"#.into(),
            }],
            milestones: vec![
                Milestone {
                    name: "launched".into(),
                    at_secs: 0.0,
                    wall: None,
                    source: "e:1".into(),
                },
                Milestone {
                    name: "kernel_start".into(),
                    at_secs: 11.445,
                    wall: None,
                    source: "c:4".into(),
                },
            ],
            clock_skew_secs: Some(0.5),
            clock_steps: Vec::new(),
            sources: vec![r#"a],"labels":{"#.into()],
            labels: BTreeMap::from([("region".into(), "eu".into())]),
            end: "registered".into(),
            identity: Vec::new(),
            attempt: 2,
            attempt_outcome: Some(Outcome::Registered),
            attempt_latency: None,
            attempt_flip_secs: Some(99.5),
            attempt_stated_timeout_secs: None,
            attempt_failed_timeout_secs: Some(600.0),
        }
    }

    /// What a skim keeps of a whole boot.
    fn skimmed(mut b: Boot) -> Boot {
        b.phases.clear();
        b.milestones.retain(|m| m.name == "kernel_start");
        b.milestones.truncate(1);
        for m in &mut b.milestones {
            m.source.clear();
        }
        b.sources.clear();
        b
    }

    #[test]
    fn a_skim_is_the_boot_less_its_phases_and_all_milestones_but_the_kernels_start() {
        let b = boot();
        let line = serde_json::to_vec(&b).unwrap();
        let got = skim(&line, &mut Vec::new()).unwrap();
        assert_eq!(got, skimmed(b));
        assert_eq!(got.milestones[0].at_secs, 11.445);
    }

    #[test]
    fn a_thin_read_is_the_boot_less_what_a_lean_boot_does_not_keep() {
        let mut b = boot();
        b.phases[0].result = Some("SUCCESS".into());
        b.milestones[0].wall = Some(DateTime::from_timestamp(1_781_000_000, 0).unwrap());
        let line = serde_json::to_vec(&b).unwrap();
        let got = thin(&line).unwrap();
        for p in &mut b.phases {
            (p.result, p.source) = (None, String::new());
        }
        for m in &mut b.milestones {
            (m.wall, m.source) = (None, String::new());
        }
        b.sources.clear();
        assert_eq!(got, b);
        let no_phases = String::from_utf8(line)
            .unwrap()
            .replace(r#""phases":"#, r#""other":"#);
        assert!(thin(no_phases.as_bytes()).is_none());
    }

    #[test]
    fn a_boot_without_a_kernel_start_skims_without_milestones() {
        let mut b = boot();
        b.milestones.remove(1);
        let line = serde_json::to_vec(&b).unwrap();
        let got = skim(&line, &mut Vec::new()).unwrap();
        assert!(got.milestones.is_empty());
        assert_eq!(got, skimmed(b));
    }

    #[test]
    fn lines_laid_out_otherwise_cut_or_from_before_attempts_are_not_skimmed() {
        let line = serde_json::to_string(&boot()).unwrap();
        let pretty = serde_json::to_string_pretty(&boot()).unwrap();
        assert!(skim(pretty.as_bytes(), &mut Vec::new()).is_none());
        let cut = &line[..line.len() - 10];
        assert!(skim(cut.as_bytes(), &mut Vec::new()).is_none());
        let old = serde_json::to_vec(&Boot {
            attempt: 0,
            ..boot()
        })
        .unwrap();
        assert!(skim(&old, &mut Vec::new()).is_none());
        let damaged = line.replace(r#""outcome":"registered""#, r#""outcome":"fine""#);
        assert!(skim(damaged.as_bytes(), &mut Vec::new()).is_none());
    }
}
