//! Step one of assembly: digest one source's events into per-boot fragments (what a timeline
//! needs, nothing more) and platform facts. Runs per source, in parallel; memory per source is
//! one fragment per boot.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use super::clock::Anchor;
pub(crate) use super::clock::When;
use super::identity::{self, IdentitySource};
mod open_boot;

use super::{Boot, ClockStep, Evidence};
use crate::event::{
    epoch_secs as epoch, stage_of_action, uptime_went_back, BootClock, Event, EventKind,
    IdEvidence, Location, PlatformAction, Stamp,
};
use open_boot::{close, Open};

/// Where an item of a fragment was found: a line of its source, or the source as a whole
/// (systemd's startup totals). The path is the source's, shared: an item costs no copy of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Origin {
    /// The source's path.
    pub(crate) path: Arc<str>,
    /// 1-based line, when the item came from one.
    pub(crate) line: Option<u64>,
}

impl Origin {
    /// The source as a whole.
    pub(crate) fn whole(path: &Arc<str>) -> Self {
        Self {
            path: path.clone(),
            line: None,
        }
    }
}

impl From<&Location> for Origin {
    fn from(l: &Location) -> Self {
        Self {
            path: l.path.clone(),
            line: Some(l.line),
        }
    }
}

/// `path:line`, or `path` for the source as a whole.
impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}", self.path),
            None => f.write_str(&self.path),
        }
    }
}

/// A span found in a source.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PhaseItem {
    /// Phase name.
    pub(crate) name: String,
    /// Nesting depth.
    pub(crate) depth: usize,
    /// Start.
    pub(crate) start: When,
    /// End, if seen.
    pub(crate) end: Option<When>,
    /// Result word.
    pub(crate) result: Option<String>,
    /// Where.
    pub(crate) source: Origin,
}

/// An instant found in a source.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MilestoneItem {
    /// Milestone name (the built-in ones are not allocated: a source of a million kernel
    /// starts holds no million copies of `kernel_start`).
    pub(crate) name: Cow<'static, str>,
    /// When.
    pub(crate) at: When,
    /// Where.
    pub(crate) source: Origin,
}

/// What one source knows about one boot.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fragment {
    /// The instance (see [`identity`]): an id inside the source, an instance-like folder, or
    /// the file.
    pub(crate) instance: String,
    /// Where `instance` came from.
    pub(crate) identity: Option<identity::IdentitySource>,
    /// The first usable id found inside the source for this boot (or, failing that, for the
    /// nearest boot of the same source that has one).
    pub(crate) content_id: Option<(String, IdEvidence)>,
    /// The source's path (shared by its fragments).
    pub(crate) source: Arc<str>,
    /// journald's `_BOOT_ID`, when known.
    pub(crate) boot_id: Option<String>,
    /// Wall-clock epoch seconds of the kernel's zero, estimated from events with two clocks
    /// (after the wall clock's last step).
    pub(crate) kernel_zero: Option<f64>,
    /// Spread of those estimates between steps (how far the clocks disagree), seconds.
    pub(crate) skew: Option<f64>,
    /// The wall clock's steps, on the since-boot clock.
    pub(crate) steps: Vec<ClockStep>,
    /// Phases.
    pub(crate) phases: Vec<PhaseItem>,
    /// Milestones.
    pub(crate) milestones: Vec<MilestoneItem>,
    /// Successful registrations (2xx) seen in the source.
    pub(crate) registered: Vec<MilestoneItem>,
    /// Crash evidence (the first), with when (boxed: few boots have one).
    pub(crate) crash: Option<Box<(Evidence, Option<When>)>>,
    /// Whether the boot's start was seen: the kernel's start (a console from power-on),
    /// systemd's startup totals (which count from it), or cloud-init's first stage
    /// (`init-local`, or `init` where no `init-local` ran), whose `Up N seconds` dates the
    /// kernel's start. A log that begins past them began mid-boot: it times nothing.
    pub(crate) saw_start: bool,
    /// The source's wall times stand in a year of no meaning ([`EventKind::YearUnknown`]):
    /// its boots have no date.
    pub(crate) undated: bool,
    /// First and last observed moments.
    pub(crate) first: Option<When>,
    /// See `first`.
    pub(crate) last: Option<When>,
}

impl Fragment {
    /// Converts a source time to epoch seconds, when the fragment's clocks allow.
    pub(crate) fn to_wall(&self, w: When) -> Option<f64> {
        match w {
            When::Wall(e) => Some(e),
            When::Boot(s) => self.kernel_zero.map(|z| z + s),
        }
    }

    /// Moves every wall-clock time of the fragment by `secs` (a year learned from the other
    /// files of its machine): it is dated from then on.
    pub(crate) fn shift_wall(&mut self, secs: f64) {
        let by = |w: &mut When| {
            if let When::Wall(x) = w {
                *x += secs;
            }
        };
        self.kernel_zero = self.kernel_zero.map(|z| z + secs);
        for p in &mut self.phases {
            by(&mut p.start);
            if let Some(e) = &mut p.end {
                by(e);
            }
        }
        for m in self.milestones.iter_mut().chain(self.registered.iter_mut()) {
            by(&mut m.at);
        }
        if let Some(c) = &mut self.crash {
            if let (_, Some(w)) = &mut **c {
                by(w);
            }
        }
        for w in [&mut self.first, &mut self.last].into_iter().flatten() {
            by(w);
        }
        self.undated = false;
    }
}

/// One platform event, reduced.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PlatformFact {
    /// What happened.
    pub(crate) action: PlatformAction,
    /// When (epoch seconds).
    pub(crate) at: f64,
    /// Instance id, if given.
    pub(crate) instance: Option<String>,
    /// Workspace id, if given.
    pub(crate) workspace: Option<String>,
    /// Labels (class, template, status, timeout_s, reason, …), shared by the facts of a
    /// source that carry the same set.
    pub(crate) labels: super::Labels,
    /// Where.
    pub(crate) source: Location,
}

/// Platform events of all sources.
pub(crate) type PlatformFacts = Vec<PlatformFact>;

/// How many boots one raw source may hold by default (`--max-boots-per-source`). A real source
/// holds at most thousands (a console captured over years of daily reboots: a few thousand);
/// a source past this is a console of repeated banners or a generator gone wrong, and each
/// boot kept costs memory.
pub(crate) const MAX_BOOTS_PER_SOURCE: usize = 100_000;

/// What one source gave, boot by boot: its per-boot fragments, its platform events and the
/// boots it held whole (a timeline input). Not a hash: the hashes of a source's bytes are
/// [`crate::input::ContentHash`] and its SHA-256.
#[derive(Debug, Default)]
pub(crate) struct SourceBoots {
    /// Per-boot fragments.
    pub(crate) fragments: Vec<Fragment>,
    /// Platform events.
    pub(crate) platform: PlatformFacts,
    /// Boots read whole from a timeline (JSON Lines) input.
    pub(crate) boots: Vec<Boot>,
    /// Boots of a timeline input reduced as they were read, when the reader reduces
    /// ([`Digester::reducing`]); `boots` stays empty then.
    pub(crate) reduced: Option<super::lean::Reducer>,
    /// Boots the source held twice (a console captured twice into one file), kept once.
    pub(crate) repeated_boots: usize,
    /// Where the source began one boot more than its limit ([`Digester::with_max_boots`]):
    /// what follows was not read as boots.
    pub(crate) boots_cut: Option<crate::error::Error>,
}

/// What makes two boots of one source the same boot read twice: the same power-on and the same
/// moments seen, to the bit. Two real boots of a machine without a hardware clock may share a
/// kernel start; they do not share every moment.
type Fingerprint<'a> = (
    Option<u64>,
    Option<&'a str>,
    Option<(bool, u64)>,
    Option<(bool, u64)>,
    Vec<(&'a str, (bool, u64))>,
    usize,
);

fn bits(w: When) -> (bool, u64) {
    match w {
        When::Wall(x) => (true, x.to_bits()),
        When::Boot(x) => (false, x.to_bits()),
    }
}

fn fingerprint(f: &Fragment) -> Fingerprint<'_> {
    let moments = f
        .milestones
        .iter()
        .chain(&f.registered)
        .map(|m| (&*m.name, bits(m.at)))
        .collect();
    (
        f.kernel_zero.map(f64::to_bits),
        f.boot_id.as_deref(),
        f.first.map(bits),
        f.last.map(bits),
        moments,
        f.phases.len(),
    )
}

/// The boots a source kept so far, with an index that finds a boot read twice as it closes:
/// a source that repeats one boot a million times (a console captured over and over) holds it
/// once, not a million times until the end.
#[derive(Debug, Default)]
struct Kept {
    /// A hash of each fingerprint, with the first boot kept that has it.
    by_hash: HashMap<u64, usize>,
    /// Boots dropped as repeats of one kept.
    repeated: usize,
}

impl Kept {
    /// Keeps `f` in `frags` unless it repeats a boot kept already (then counts it).
    fn offer(&mut self, frags: &mut Vec<Fragment>, f: Fragment) {
        let print = fingerprint(&f);
        let mut h = std::hash::DefaultHasher::new();
        print.hash(&mut h);
        let hash = h.finish();
        let repeat = match self.by_hash.get(&hash) {
            Some(&i) if fingerprint(&frags[i]) == print => true,
            // Two fingerprints with one hash: compare with every boot (this is rare).
            Some(_) => frags.iter().any(|g| fingerprint(g) == print),
            None => false,
        };
        drop(print);
        if repeat {
            self.repeated += 1;
            return;
        }
        self.by_hash.entry(hash).or_insert(frags.len());
        frags.push(shrunk(f));
    }
}

/// `f` without the room its lists grew into: a boot of one kernel start holds one milestone,
/// not four.
fn shrunk(mut f: Fragment) -> Fragment {
    f.phases.shrink_to_fit();
    f.milestones.shrink_to_fit();
    f.registered.shrink_to_fit();
    f.steps.shrink_to_fit();
    f
}

/// Builds a digest from a stream of events.
#[derive(Debug)]
pub(crate) struct Digester {
    path: Arc<str>,
    current: Option<Open>,
    out: SourceBoots,
    kept: Kept,
    /// The source said its year is unknown.
    undated: bool,
    /// The most boots kept; the line that began one more, once one did.
    max_boots: usize,
    cut: Option<Location>,
    /// The platform events' label sets, one copy each.
    labels: HashSet<super::Labels>,
}

impl Digester {
    /// A digester for the source at `path`.
    pub(crate) fn new(path: Arc<str>) -> Self {
        Self {
            path,
            current: None,
            out: SourceBoots::default(),
            kept: Kept::default(),
            undated: false,
            max_boots: MAX_BOOTS_PER_SOURCE,
            cut: None,
            labels: HashSet::new(),
        }
    }

    /// The shared copy of a platform event's labels: a source of a million events carries a
    /// handful of label sets (a class, a template, a status).
    fn shared_labels(&mut self, labels: &BTreeMap<String, String>) -> super::Labels {
        if let Some(l) = self.labels.get(labels) {
            return l.clone();
        }
        let l = Arc::new(labels.clone());
        self.labels.insert(l.clone());
        l
    }

    /// This digester keeping at most `boots` boots of its source (at least one): a boot begun
    /// beyond them ends what is read as boots ([`SourceBoots::boots_cut`]). Boots read whole from a
    /// timeline are not counted: a shard holds a fleet.
    pub(crate) fn with_max_boots(mut self, boots: usize) -> Self {
        self.max_boots = boots.max(1);
        self
    }

    fn open(&mut self) -> &mut Open {
        let src = &self.path;
        self.current.get_or_insert_with(|| Open::new(src))
    }

    fn close_current(&mut self) {
        if let Some(o) = self.current.take() {
            if let Some(f) = close(o) {
                self.kept.offer(&mut self.out.fragments, f);
            }
        }
    }

    /// Ends the current boot because the event at `at` begins another. False when the source
    /// holds its most boots already: that line and the rest are not read as boots.
    fn split(&mut self, at: &Location) -> bool {
        self.close_current();
        if self.out.fragments.len() >= self.max_boots {
            self.cut = Some(at.clone());
            return false;
        }
        true
    }

    /// Adds a boot read from a timeline input (reduced at once when reducing), its phases
    /// borrowed from its line where a thin scan read them so (only when reducing: a reducer
    /// reads such phases).
    pub(crate) fn boot_part(&mut self, part: super::skim::Part<'_>) {
        match &mut self.out.reduced {
            Some(r) => r.push_part(part),
            None => {
                debug_assert!(part.phases.is_none(), "phases read by hand, not reduced");
                self.out.boots.push(part.boot)
            }
        }
    }

    /// Reduces a boot as a skim scanned it ([`super::lean::Reducer::push_scanned`]); `false`
    /// when this digester does not reduce, or keeps boots whole: add the boot then.
    pub(crate) fn push_scanned(
        &mut self,
        s: &super::skim::Scanned<'_>,
        kernel_secs: Option<f64>,
    ) -> bool {
        let reduced = self.out.reduced.as_mut();
        reduced.is_some_and(|r| r.push_scanned(s, kernel_secs))
    }

    /// Whether a boot read in part would be kept whole by the reduction (read it whole then).
    pub(crate) fn keeps_whole(&self, b: &Boot) -> bool {
        self.out.reduced.as_ref().is_some_and(|r| r.keeps_whole(b))
    }

    /// A digester that reduces the boots of timeline inputs as they are read (`fit`,
    /// `recommend`, `report`): memory follows the lean boots, not the timelines.
    pub(crate) fn reducing(path: Arc<str>, spec: &super::lean::Reduce) -> Self {
        let mut d = Self::new(path);
        d.out.reduced = Some(super::lean::Reducer::new(spec));
        d
    }

    /// Adds an event: platform events and the events that say whose boot this is or where a
    /// boot begins are decided here; what a boot shows goes to the open boot.
    pub(crate) fn push(&mut self, e: Event) {
        if self.cut.is_some() && !matches!(e.kind, EventKind::Platform { .. }) {
            return;
        }
        // A cloud-init banner (`init-local` or not) may begin a new boot.
        let banner = match &e.kind {
            EventKind::Platform { .. } => return self.platform(&e),
            EventKind::KernelStart { .. } => return self.kernel_start(&e),
            EventKind::YearUnknown => {
                self.undated = true;
                return;
            }
            // Whose boot this is says nothing of its progress: it neither starts a boot nor
            // counts as something seen of one.
            EventKind::InstanceId { id, evidence } => {
                let o = self.open();
                if o.frag.content_id.is_none() && !identity::is_generic_id(id) {
                    o.frag.content_id = Some((id.clone(), *evidence));
                }
                return;
            }
            EventKind::BootId { id } => return self.boot_id(id, &e.source),
            EventKind::StageBanner { action, .. } => Some(stage_of_action(action) == "init-local"),
            EventKind::FinishedBanner { .. } => Some(false),
            _ => None,
        };
        if let Some(init_local) = banner {
            if self.banner_begins_boot(&e.stamp, init_local) && !self.split(&e.source) {
                return;
            }
        }
        self.open().push(e);
    }

    /// Keeps a platform event (one with a wall time) as a fact of the source.
    fn platform(&mut self, e: &Event) {
        let EventKind::Platform {
            action,
            instance,
            workspace,
            labels,
        } = &e.kind
        else {
            return;
        };
        if let Some(at) = e.stamp.wall {
            let labels = self.shared_labels(labels);
            self.out.platform.push(PlatformFact {
                action: *action,
                at: epoch(at),
                instance: instance.clone(),
                workspace: workspace.clone(),
                labels,
                source: e.source.clone(),
            });
        }
    }

    /// A kernel start: begins a boot (unless the source names its boots) and sets its zero.
    fn kernel_start(&mut self, e: &Event) {
        // A source that names its boots (journald's `_BOOT_ID`) splits only where the id
        // changes: its kernel lines are that boot's, whatever was logged before.
        if self
            .current
            .as_ref()
            .is_some_and(|o| o.content && o.frag.boot_id.is_none())
            && !self.split(&e.source)
        {
            return;
        }
        let o = self.open();
        o.frag.saw_start = true;
        o.content = true;
        o.frag.milestones.push(MilestoneItem {
            name: Cow::Borrowed("kernel_start"),
            at: When::Boot(0.0),
            source: Origin::from(&e.source),
        });
        // A kernel start with its own wall time anchors the zero directly.
        let at_zero = Stamp {
            since_boot: e.stamp.since_boot.or(Some(crate::event::SinceBoot {
                clock: BootClock::Kernel,
                secs: 0.0,
            })),
            ..e.stamp
        };
        if let Some(a) = Anchor::of(&at_zero) {
            o.clock.push(a, &e.source);
        }
        o.observe(Some(When::Boot(0.0)));
    }

    /// journald's boot id: a new id, or the first after a boot that had none (`-- Reboot --`
    /// comes only between boots), starts a boot.
    fn boot_id(&mut self, id: &str, at: &Location) {
        let differs = self
            .current
            .as_ref()
            .is_some_and(|o| o.frag.boot_id.as_deref().map_or(o.content, |b| b != id));
        if differs && !self.split(at) {
            return;
        }
        self.open().frag.boot_id = Some(id.to_string());
    }

    /// Whether a cloud-init banner stamped `stamp` begins a new boot: the uptime went back, or
    /// (for an `init-local` stage banner) a stage banner or the finished banner came before.
    fn banner_begins_boot(&self, stamp: &Stamp, init_local: bool) -> bool {
        let up = stamp.since_boot.map(|b| b.secs);
        self.current.as_ref().is_some_and(|o| {
            o.content
                && (up
                    .zip(o.last_up)
                    .is_some_and(|(u, l)| uptime_went_back(l, u))
                    || (init_local && (o.saw_finished || o.saw_stage_banner)))
        })
    }

    /// Ends the source: boots without an id of their own take the nearest earlier one of the
    /// source (the first one, for boots before it: the machine is the same until the log says
    /// otherwise), then each boot's instance is decided with the default rule.
    pub(crate) fn finish(mut self) -> SourceBoots {
        self.close_current();
        self.out.repeated_boots = self.kept.repeated;
        self.out.boots_cut = self.cut.map(|at| crate::error::Error::TooManyBoots {
            at,
            limit: self.max_boots,
        });
        let frags = &mut self.out.fragments;
        for f in frags.iter_mut() {
            f.undated = self.undated;
        }
        let first = frags.iter().find_map(|f| f.content_id.clone());
        let mut last = first;
        for f in frags.iter_mut() {
            match &f.content_id {
                Some(id) => last = Some(id.clone()),
                None => f.content_id = last.clone(),
            }
        }
        let _ = apply(&mut self.out, &identity::IdentitySettings::default());
        if let Some(r) = &mut self.out.reduced {
            r.shrink();
        }
        self.out
    }
}

/// Decides the instance of every fragment of a digest under `settings` (`--identity`,
/// `[identity] folder_regex`). Returns why the rule asked for could not apply to the source,
/// when it could not (`--identity folder` for a file in no folder).
pub(crate) fn apply(
    digest: &mut SourceBoots,
    settings: &identity::IdentitySettings,
) -> Option<String> {
    let mut why = None;
    for f in &mut digest.fragments {
        let content = f.content_id.as_ref().map(|(id, e)| (id.as_str(), *e));
        let (instance, source) = identity::decide(&f.source, content, settings);
        if settings.rule == identity::IdentityRule::Folder && source != IdentitySource::Folder {
            why = Some(format!(
                "--identity folder: {} is in no folder: it is its own instance",
                f.source
            ));
        }
        f.instance = instance;
        f.identity = Some(source);
    }
    why
}

#[cfg(test)]
/// Digests a whole event sequence from one source.
pub(crate) fn digest(path: Arc<str>, events: impl IntoIterator<Item = Event>) -> SourceBoots {
    let mut d = Digester::new(path);
    for e in events {
        d.push(e);
    }
    d.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::SinceBoot;
    use chrono::DateTime;

    fn banner(action: &str, wall: &str, up: f64, line: u64) -> Event {
        let mut s = Stamp::wall(DateTime::parse_from_rfc3339(wall).unwrap());
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
            Location::new("cloud-init.log".into(), line),
        )
    }

    fn kernel_start(wall: &str, line: u64) -> Event {
        Event::new(
            EventKind::KernelStart {
                version: "5.15.0-1019-aws".into(),
            },
            Stamp::wall(DateTime::parse_from_rfc3339(wall).unwrap()),
            Location::new("console.log".into(), line),
        )
    }

    #[test]
    fn a_boot_read_again_is_dropped_as_it_closes_and_counted() {
        // A, B, A, A: the repeats of A are dropped whenever they come; B is another boot.
        let d = digest(
            "console.log".into(),
            [
                kernel_start("2024-05-01T12:00:00Z", 1),
                kernel_start("2024-05-01T13:00:00Z", 2),
                kernel_start("2024-05-01T12:00:00Z", 3),
                kernel_start("2024-05-01T12:00:00Z", 4),
            ],
        );
        let zeros: Vec<f64> = d.fragments.iter().filter_map(|f| f.kernel_zero).collect();
        assert_eq!(zeros, [1_714_564_800.0, 1_714_568_400.0]);
        assert_eq!(d.repeated_boots, 2);
        assert_eq!(
            d.fragments[0].milestones[0].source.to_string(),
            "console.log:1"
        );
    }

    #[test]
    fn an_early_crash_and_reboot_is_two_fragments() {
        // The first boot dies in `init` at 9.5 s; the second's `init-local` says 6.0 s: not
        // under half, but a second `init-local` is a new boot.
        let d = digest(
            "cloud-init.log".into(),
            [
                banner("init-local", "2024-05-01T12:00:03Z", 3.0, 1),
                banner("init", "2024-05-01T12:00:09Z", 9.5, 2),
                banner("init-local", "2024-05-01T12:01:06Z", 6.0, 3),
                banner("init", "2024-05-01T12:01:09Z", 9.0, 4),
            ],
        );
        assert_eq!(d.fragments.len(), 2);
        let zeros: Vec<f64> = d.fragments.iter().filter_map(|f| f.kernel_zero).collect();
        let t0 = DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z")
            .unwrap()
            .timestamp() as f64;
        assert_eq!(zeros, [t0, t0 + 60.0]);
    }
}
