//! Timeline shards: a fleet of provisioning attempts written straight as boot timelines, one
//! JSON line per boot in bootline's own `Boot` type — what `bootline timeline --format jsonl`
//! writes — for fleets far larger than raw logs on disk allow (`benches/reduce.rs` reads a
//! million of them back).
//!
//! Each attempt is planned by `plan` and `attempts` as the raw-log fleet plans its boots (the same
//! classes, latency distributions, hangs, crashes, cuts, kernel panics and reboots, instances
//! launched twice, the sweep's flips), drawn independently per instance so that nothing is held
//! beyond one instance. It is then laid out as timeline assembly lays out such a boot: phases at
//! depths 0–3, milestones, sources, the boot's outcome and latency, and the attempt's outcome,
//! latency and flip on each of its boots. The outcome each timeline shows is checked against
//! the one planned; a disagreement stops the run. Shards are written in parallel, each from its
//! own share of the attempts; `truth-timelines.json` counts attempts and boots per class and
//! outcome.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use bootline::timeline::identity::IdentitySource;
use bootline::timeline::{
    ClockStep, Evidence, Latency, Milestone, Outcome, Phase, Zero, SCHEMA_VERSION,
};
use chrono::{DateTime, Utc};
use rayon::prelude::*;

use crate::attempts::{self, FlipAs, Pattern};
use crate::clock::{floor_ms, to_secs, Micros, MS, SEC};
use crate::plan::{self, Class, Crash, Cut, Entry, Fate, Template, Window, DEFAULT, GROUPS};
use crate::rng::Rng;

/// Options of a timelines run.
#[derive(Debug)]
pub struct Options {
    pub out: PathBuf,
    /// Provisioning attempts to write.
    pub attempts: usize,
    /// Shards (`timelines-00.jsonl`, …), written in parallel.
    pub shards: usize,
    pub seed: u64,
    /// Seconds added to every registering boot's image pull (`--slower-pull`).
    pub pull_extra_secs: i64,
}

/// Default number of shards.
pub const DEFAULT_SHARDS: usize = 16;

/// Where sources are said to have been read.
const ROOT: &str = "fleet";

/// A template that keeps its class's timeout (`bootline.toml` names no override for it).
const STANDARD: Template = Template {
    name: "standard",
    timeout_secs: DEFAULT.timeout_secs,
};

/// Share of plain default boots that run the `standard` template.
const STANDARD_SHARE: f64 = 0.3;

/// Share of default instances whose platform events are missing (a pool the event export does
/// not cover): timed from kernel start, each boot its own attempt.
const NO_LAUNCH_SHARE: f64 = 0.005;

/// About 70% of the fleet are plain healthy default boots (a register between 330 and 480 s,
/// no template), among which the panic-and-reboot attempts are drawn.
const PLAIN_HEALTHY_SHARE: f64 = 0.7;

/// Of the OOM panics, the share followed by a reboot that hangs until the sweep flips it, and
/// of the user-data failures, the share whose instance is launched again.
const PANIC_THEN_HANGS_SHARE: f64 = 0.5;
const LAUNCHED_TWICE_SHARE: f64 = 0.5;

/// Of the sweep's flips of a single-boot timed-out attempt, the share logged as a `failed`
/// alone; other flips log `provision_timeout`, half of them with a `failed` beside it.
const FAILED_ONLY_SHARE: f64 = 0.1;

/// Of the boots that register after the sweep flipped them, the share whose `registered` event
/// the platform missed (their register is read from the console).
const LOST_REGISTER_SHARE: f64 = 0.2;

/// Regions the `launched` events carry, with their shares in per mille.
const REGIONS: [(&str, u64); 3] = [
    ("us-east-1", 550),
    ("eu-west-1", 300),
    ("ap-southeast-2", 150),
];

/// Counts per class and outcome name.
type Counts = BTreeMap<(String, String), u64>;

/// What a shard wrote.
#[derive(Debug, Default)]
struct Tally {
    attempts: Counts,
    boots: Counts,
    bytes: u64,
}

impl Tally {
    fn merge(mut self, other: Tally) -> Tally {
        for (k, v) in other.attempts {
            *self.attempts.entry(k).or_default() += v;
        }
        for (k, v) in other.boots {
            *self.boots.entry(k).or_default() += v;
        }
        self.bytes += other.bytes;
        self
    }
}

/// Writes the shards and `truth-timelines.json`.
pub fn write(options: &Options) -> io::Result<()> {
    fs::create_dir_all(&options.out)?;
    remove_stale_shards(&options.out)?;
    let shards = options.shards.max(1);
    let window = window(options.attempts);
    let tally = (0..shards)
        .into_par_iter()
        .map(|shard| {
            let quota = options.attempts / shards + usize::from(shard < options.attempts % shards);
            write_shard(options, shard, shards, quota, window)
        })
        .try_reduce(Tally::default, |a, b| Ok(a.merge(b)))?;
    write_truth(options, shards, &tally)?;
    let total = |c: &Counts| c.values().sum::<u64>();
    eprintln!(
        "{} attempts in {} boots, {} shards, {} bytes",
        total(&tally.attempts),
        total(&tally.boots),
        shards,
        tally.bytes
    );
    Ok(())
}

/// The observation window: the fixture's day, one more for every 50,000 attempts.
fn window(attempts: usize) -> Window {
    let day = plan::window();
    let days = 1 + attempts as i64 / 50_000;
    Window {
        start: day.start,
        end: day.start + days * 86_400 * SEC,
    }
}

/// The name of one shard.
fn shard_name(shard: usize) -> String {
    format!("timelines-{shard:02}.jsonl")
}

/// Removes the shards and truth of an earlier run (a run of more shards leaves more files); the
/// truth is written last, so a folder with one holds complete shards.
fn remove_stale_shards(out: &Path) -> io::Result<()> {
    match fs::remove_file(out.join("truth-timelines.json")) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        Ok(()) | Err(_) => {}
    }
    for entry in fs::read_dir(out)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let numbered = name
            .strip_prefix("timelines-")
            .and_then(|n| n.strip_suffix(".jsonl"))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if numbered && entry.file_type()?.is_file() {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// Writes one shard: instances `shard`, `shard + shards`, … until `quota` attempts are written.
fn write_shard(
    options: &Options,
    shard: usize,
    shards: usize,
    quota: usize,
    window: Window,
) -> io::Result<Tally> {
    let file = File::create(options.out.join(shard_name(shard)))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let mut tally = Tally::default();
    let mut line = Vec::with_capacity(16 << 10);
    let mut written = 0;
    let mut index = shard;
    while written < quota {
        let unit = unit(index, options, window, quota - written)?;
        for attempt in &unit {
            for boot in attempt {
                line.clear();
                serde_json::to_writer(&mut line, boot).map_err(io::Error::other)?;
                line.push(b'\n');
                out.write_all(&line)?;
                tally.bytes += line.len() as u64;
                *tally
                    .boots
                    .entry((boot.class.clone(), boot.outcome.as_str().to_string()))
                    .or_default() += 1;
            }
            let first = &attempt[0];
            let outcome = first.attempt_outcome.unwrap_or(first.outcome);
            *tally
                .attempts
                .entry((first.class.clone(), outcome.as_str().to_string()))
                .or_default() += 1;
        }
        written += unit.len();
        index += shards;
    }
    out.flush()?;
    Ok(tally)
}

/// `truth-timelines.json`: what the shards hold, per class and outcome.
fn write_truth(options: &Options, shards: usize, tally: &Tally) -> io::Result<()> {
    let mut classes: BTreeMap<&str, serde_json::Map<String, serde_json::Value>> = BTreeMap::new();
    for (name, counts) in [("attempts", &tally.attempts), ("boots", &tally.boots)] {
        for ((class, outcome), n) in counts {
            let entry = classes.entry(class.as_str()).or_default();
            let per = entry
                .entry(name)
                .or_insert_with(|| serde_json::Value::Object(Default::default()));
            per[outcome.as_str()] = (*n).into();
        }
    }
    let total = |c: &Counts| c.values().sum::<u64>();
    let truth = serde_json::json!({
        "schema_version": 1,
        "generator": format!(
            "cargo run --release --example fleet -- --timelines {} --shards {shards} --seed {} --out DIR",
            options.attempts, options.seed
        ),
        "seed": options.seed,
        "shards": shards,
        "attempts": total(&tally.attempts),
        "boots": total(&tally.boots),
        "bytes": tally.bytes,
        "classes": classes,
    });
    let mut out = BufWriter::new(File::create(options.out.join("truth-timelines.json"))?);
    serde_json::to_writer_pretty(&mut out, &truth).map_err(io::Error::other)?;
    writeln!(out)?;
    out.flush()
}

// ---------------------------------------------------------------------------------------------
// Planning one instance.

/// One attempt as planned: its roster entry, its random stream, whether the platform's events
/// cover it, and the labels of its launch.
struct Planned {
    entry: Entry,
    /// The random stream `plan` draws the attempt from.
    stream: usize,
    /// False for an instance the platform's events do not cover.
    platform: bool,
    /// Labels of its `launched` event.
    labels: BTreeMap<String, String>,
}

/// The boots of instance `index`, attempt by attempt (at most `room` attempts).
fn unit(
    index: usize,
    options: &Options,
    window: Window,
    room: usize,
) -> io::Result<Vec<Vec<bootline::timeline::Boot>>> {
    let seed = options.seed;
    let mut rng = Rng::new(seed ^ 0x7431_6d65_6c69_6e65, index as u64);
    let mut planned = plan_unit(index, seed, window, room, &mut rng);
    for p in &mut planned {
        if let Fate::Registers(secs) = p.entry.fate {
            p.entry.fate = Fate::Registers(secs + options.pull_extra_secs);
            p.entry.pull_extra_secs = options.pull_extra_secs;
        }
    }
    let mut number = 0;
    let mut events_line = 1 + 16 * index;
    planned
        .iter()
        .map(|p| {
            let mut boots = attempts::plan_boots(&p.entry, p.stream, seed, window);
            let outcome = attempts::attempt_outcome(&boots);
            for b in &mut boots {
                b.attempt_outcome = outcome;
                flip_as(b, &mut rng);
            }
            let timeouts = stated_timeouts(&boots, p);
            let laid: Vec<_> = boots
                .iter()
                .map(|b| {
                    number += 1;
                    let boot = lay_out(b, p, number, &mut events_line, &mut rng);
                    (boot.0, boot.1, b.outcome)
                })
                .collect();
            finish_attempt(laid, p, outcome, timeouts)
        })
        .collect()
}

/// The timeout the attempt's events state (`timeout_s` on a `provision_timeout`) and the one its
/// first `failed` event is judged against, as assembly records them.
fn stated_timeouts(boots: &[plan::Boot], p: &Planned) -> (Option<f64>, Option<f64>) {
    if !p.platform {
        return (None, None);
    }
    let flipped = boots.iter().filter(|b| b.platform.flipped.is_some());
    let stated = flipped
        .clone()
        .any(|b| matches!(b.platform.flip_as, FlipAs::ProvisionTimeout | FlipAs::Both))
        .then_some(p.entry.timeout_secs() as f64);
    let failed = flipped
        .clone()
        .any(|b| matches!(b.platform.flip_as, FlipAs::Both | FlipAs::FailedOnly))
        || boots.iter().any(|b| b.platform.failed.is_some());
    let declared = p.entry.timeout_secs() as f64;
    (stated, failed.then(|| stated.unwrap_or(declared)))
}

/// The attempts of one instance: one, or a user-data failure and a second launch that
/// registers hours later.
fn plan_unit(index: usize, seed: u64, window: Window, room: usize, rng: &mut Rng) -> Vec<Planned> {
    let id = format!("i-{:017x}", scramble(index as u64 ^ seed.rotate_left(32)));
    let first = draw_entry(rng, window, id.clone(), workspace(index, 1), 1);
    // The shares are of the whole fleet; these boots are drawn from the plain default ones.
    let no_launch = first.template.is_none()
        && first.class.name == DEFAULT.name
        && first.pattern == Pattern::Single
        && matches!(
            first.fate,
            Fate::Registers(_) | Fate::Unknown(Cut::WindowEnd)
        )
        && rng.chance(NO_LAUNCH_SHARE / 0.6);
    let platform = !no_launch;
    let twice = platform
        && room >= 2
        && first.fate == Fate::Crashes(Crash::PullDenied)
        && rng.chance(LAUNCHED_TWICE_SHARE);
    let first_labels = labels(&first, rng);
    let mut out = vec![Planned {
        stream: index,
        platform,
        labels: first_labels,
        entry: first,
    }];
    if twice {
        let mut second = healthy_entry(&DEFAULT, None, rng);
        second.instance = id;
        second.workspace = workspace(index, 2);
        second.attempt = 2;
        second.launched = out[0].entry.launched + rng.int(7200, 14_400) * SEC;
        out.push(Planned {
            stream: (1 << 42) + index,
            platform: true,
            labels: labels(&second, rng),
            entry: second,
        });
    }
    out
}

/// One roster entry drawn at the fixture fleet's shares: the group by its size, a special fate
/// by its count in the group, else a healthy latency from the class's distribution.
fn draw_entry(
    rng: &mut Rng,
    window: Window,
    instance: String,
    workspace: String,
    attempt: usize,
) -> Entry {
    let total: usize = GROUPS.iter().map(|g| g.base).sum();
    let mut pick = rng.below(total as u64) as usize;
    let group = GROUPS
        .iter()
        .find(|g| {
            let here = pick < g.base;
            pick = pick.saturating_sub(g.base);
            here
        })
        .unwrap_or(&GROUPS[0]);
    let s = &group.specials;
    let specials: Vec<Fate> = s
        .hangs
        .iter()
        .map(|&h| Fate::Hangs(h))
        .chain(s.crashes.iter().map(|&c| Fate::Crashes(c)))
        .chain(std::iter::repeat_n(Fate::TimesOut, s.timed_out))
        .chain(s.unknown.iter().map(|&c| Fate::Unknown(c)))
        .collect();
    let k = rng.below(group.base as u64) as usize;
    let template = match group.template {
        None if group.class.name == DEFAULT.name && rng.chance(STANDARD_SHARE) => Some(&STANDARD),
        t => t,
    };
    let mut entry = healthy_entry(group.class, template, rng);
    if let Some(&fate) = specials.get(k) {
        entry.fate = fate;
    }
    entry.instance = instance;
    entry.workspace = workspace;
    entry.attempt = attempt;
    let span = (window.end - window.start) / SEC - 2 * 3600;
    entry.launched = if entry.fate == Fate::Unknown(Cut::WindowEnd) {
        window.end - rng.int(240, 420) * SEC
    } else {
        window.start + rng.int(0, span) * SEC
    };
    let ptr = attempts::PANIC_THEN_REGISTERS as f64
        / plan::DEFAULT_INSTANCES as f64
        / PLAIN_HEALTHY_SHARE;
    if attempts::plain_healthy(&entry) && rng.chance(ptr) {
        entry.pattern = Pattern::PanicThenReboot;
    } else if entry.fate == Fate::Crashes(Crash::OomPanic) && rng.chance(PANIC_THEN_HANGS_SHARE) {
        entry.pattern = Pattern::PanicThenReboot;
        entry.fate = Fate::TimesOut;
    }
    if matches!(entry.fate, Fate::Registers(secs) if secs > entry.timeout_secs() + 1) {
        entry.register_event = !rng.chance(LOST_REGISTER_SHARE);
    }
    entry
}

/// A healthy entry of `class`: a register latency drawn from its lognormal, whole seconds.
fn healthy_entry(
    class: &'static Class,
    template: Option<&'static Template>,
    rng: &mut Rng,
) -> Entry {
    let latency = (class.median_secs * (class.sigma * rng.normal()).exp()).round() as i64;
    Entry::new(class, template, Fate::Registers(latency))
}

/// The labels of an attempt's `launched` event.
fn labels(entry: &Entry, rng: &mut Rng) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    labels.insert("class".to_string(), entry.class.name.to_string());
    if let Some(t) = entry.template {
        labels.insert("template".to_string(), t.name.to_string());
    }
    let instance_type = match entry.template {
        Some(t) if t.name == plan::GPU_LARGE.name => "g5.4xlarge",
        _ => entry.class.os.instance_type,
    };
    labels.insert("instance_type".to_string(), instance_type.to_string());
    let mut pick = rng.below(1000);
    let region = REGIONS
        .iter()
        .find(|(_, share)| {
            let here = pick < *share;
            pick = pick.saturating_sub(*share);
            here
        })
        .map_or(REGIONS[0].0, |r| r.0);
    labels.insert("region".to_string(), region.to_string());
    labels
}

/// How the sweep's flip of a boot shows in the events.
fn flip_as(b: &mut plan::Boot, rng: &mut Rng) {
    if b.platform.flipped.is_none() {
        return;
    }
    let single_timeout = b.entry.fate == Fate::TimesOut && b.entry.pattern == Pattern::Single;
    b.platform.flip_as = if single_timeout && rng.chance(FAILED_ONLY_SHARE) {
        FlipAs::FailedOnly
    } else if rng.chance(0.5) {
        FlipAs::Both
    } else {
        FlipAs::ProvisionTimeout
    };
}

/// A bijection of `u64` (splitmix64's finalizer): distinct instances get distinct ids.
fn scramble(x: u64) -> u64 {
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// An 8-hex workspace id, distinct per attempt (a bijection of `u32`).
fn workspace(index: usize, attempt: usize) -> String {
    let mut x = (index as u32).wrapping_mul(2).wrapping_add(attempt as u32);
    x = (x ^ (x >> 16)).wrapping_mul(0x7feb_352d);
    x = (x ^ (x >> 15)).wrapping_mul(0x846c_a68b);
    format!("{:08x}", x ^ (x >> 16))
}

// ---------------------------------------------------------------------------------------------
// Laying out one boot as timeline assembly would.

/// Seconds to the millisecond, as assembly keeps them.
fn milli(x: f64) -> f64 {
    (x * 1e3).round() / 1e3
}

/// What the attempt is decided on: the boot's register, flip, crash and last observation.
#[derive(Debug, Clone, Copy, Default)]
struct Signals {
    registered: Option<f64>,
    flip: Option<f64>,
    crashed: bool,
    observed: Option<f64>,
}

/// Outcome precedence of DESIGN.md §3.
fn classify(s: &Signals, stuck_secs: f64) -> Outcome {
    match (s.registered, s.flip) {
        (Some(r), Some(f)) if f < r => Outcome::FalseFailed,
        (Some(_), _) => Outcome::Registered,
        (None, _) if s.crashed => Outcome::Crashed,
        (None, _) if s.observed.is_some_and(|o| o > stuck_secs) => Outcome::Stuck,
        (None, Some(_)) => Outcome::TimedOut,
        (None, None) => Outcome::Unknown,
    }
}

/// Latency of an outcome: exact at the register, censored at the flip or the end of
/// observation, none for stuck and crashed.
fn latency(outcome: Outcome, s: &Signals, from: Zero) -> Option<Latency> {
    let at = |secs: Option<f64>, censored: bool| {
        secs.map(|secs| Latency {
            secs: milli(secs),
            censored,
            from,
        })
    };
    match outcome {
        Outcome::Registered | Outcome::FalseFailed => at(s.registered, false),
        Outcome::TimedOut => at(s.flip, true),
        Outcome::Unknown => at(s.observed, true),
        Outcome::Crashed | Outcome::Stuck => None,
    }
}

/// The planned outcome in the library's words.
fn outcome(o: plan::Outcome) -> Outcome {
    match o {
        plan::Outcome::Registered => Outcome::Registered,
        plan::Outcome::FalseFailed => Outcome::FalseFailed,
        plan::Outcome::TimedOut => Outcome::TimedOut,
        plan::Outcome::Stuck => Outcome::Stuck,
        plan::Outcome::Crashed => Outcome::Crashed,
        plan::Outcome::Unknown => Outcome::Unknown,
    }
}

/// A boot being laid out: times relative to its zero, sources named as a fleet folder.
struct Layout<'a> {
    b: &'a plan::Boot,
    zero: Micros,
    dir: String,
    /// Console lines of the instance's earlier boots.
    console_before: usize,
    phases: Vec<Phase>,
    milestones: Vec<Milestone>,
    sources: BTreeSet<String>,
    last: Option<f64>,
}

impl Layout<'_> {
    fn secs(&self, wall: Micros) -> f64 {
        milli(to_secs(wall - self.zero))
    }

    /// Seconds from the zero of an uptime.
    fn up(&self, up: Micros) -> f64 {
        self.secs(self.b.wall(up))
    }

    fn wall(wall: Micros) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp_millis((wall as f64 / 1e3).round() as i64)
    }

    fn file(&mut self, name: &str, line: usize) -> String {
        let path = format!("{}/{name}", self.dir);
        let text = format!("{path}:{line}");
        self.sources.insert(path);
        text
    }

    fn console(&mut self, line: usize) -> String {
        let line = line + self.console_before;
        self.file("console.log", line)
    }

    fn events(&mut self, line: &mut usize) -> String {
        let path = format!("{ROOT}/events.jsonl");
        let text = format!("{path}:{line}");
        *line += 1;
        self.sources.insert(path);
        text
    }

    fn seen(&mut self, secs: f64) {
        self.last = Some(self.last.map_or(secs, |l| l.max(secs)));
    }

    fn phase(
        &mut self,
        name: &str,
        depth: usize,
        start: f64,
        end: Option<f64>,
        result: Option<&str>,
        source: String,
    ) {
        self.seen(end.unwrap_or(start));
        self.phases.push(Phase {
            name: name.to_string(),
            depth,
            start_secs: start,
            end_secs: end,
            result: result.map(str::to_string),
            source,
        });
    }

    fn milestone(&mut self, name: &str, wall: Micros, source: String) {
        let at = self.secs(wall);
        self.seen(at);
        self.milestones.push(Milestone {
            name: name.to_string(),
            at_secs: at,
            wall: Self::wall(wall),
            source,
        });
    }
}

/// cloud-init's stages: name, the cloud-init.log line of its start, and the console's.
const STAGES: [(&str, usize, usize); 4] = [
    ("init-local", 1, 18),
    ("init-network", 14, 23),
    ("modules-config", 44, 34),
    ("modules-final", 58, 40),
];

/// Sub-phases cloud-init.log times inside each stage: (stage, name, min ms, max ms).
const MODULES: [(&str, &str, u32, u32); 31] = [
    ("init-local", "check-cache", 0, 2),
    ("init-local", "search-Ec2Local", 300, 900),
    ("init-network", "check-cache", 1, 4),
    ("init-network", "setup-datasource", 0, 1),
    ("init-network", "consume-user-data", 5, 15),
    ("init-network", "consume-vendor-data", 0, 2),
    ("init-network", "activate-datasource", 2, 6),
    ("init-network", "config-seed_random", 0, 2),
    ("init-network", "config-write_files", 0, 3),
    ("init-network", "config-growpart", 100, 600),
    ("init-network", "config-resizefs", 50, 300),
    ("init-network", "config-mounts", 1, 4),
    ("init-network", "config-set_hostname", 1, 5),
    ("init-network", "config-update_hostname", 0, 2),
    ("init-network", "config-users_groups", 100, 500),
    ("init-network", "config-ssh", 200, 900),
    ("modules-config", "config-ssh_import_id", 0, 2),
    ("modules-config", "config-locale", 10, 600),
    ("modules-config", "config-set_passwords", 10, 80),
    ("modules-config", "config-grub_dpkg", 200, 500),
    ("modules-config", "config-apt_configure", 20, 100),
    ("modules-config", "config-runcmd", 0, 2),
    (
        "modules-final",
        "config-package_update_upgrade_install",
        0,
        2,
    ),
    ("modules-final", "config-write_files_deferred", 0, 2),
    ("modules-final", "config-scripts_vendor", 0, 1),
    ("modules-final", "config-scripts_per_boot", 0, 1),
    ("modules-final", "config-scripts_per_instance", 0, 1),
    ("modules-final", "config-ssh_authkey_fingerprints", 30, 100),
    ("modules-final", "config-keys_to_console", 50, 350),
    ("modules-final", "config-install_hotplug", 0, 2),
    ("modules-final", "config-final_message", 2, 6),
];

/// Whether a boot's `modules-final` ran to its end: every registering boot, and the user-data
/// and stage failures (cloud-final finishes, failed).
fn final_finishes(b: &plan::Boot) -> bool {
    let ran = matches!(
        b.entry.fate,
        Fate::Registers(_)
            | Fate::Crashes(Crash::PullDenied | Crash::AptForbidden | Crash::StageFail)
    );
    ran && b.captured(b.t.final_end)
}

/// Lays out one boot; returns it (without its attempt's fields) and its signals.
fn lay_out(
    b: &plan::Boot,
    p: &Planned,
    number: usize,
    events_line: &mut usize,
    rng: &mut Rng,
) -> (bootline::timeline::Boot, Signals) {
    let e = &b.entry;
    let zero = if p.platform { e.launched } else { b.kernel };
    let mut l = Layout {
        b,
        zero,
        dir: format!("{ROOT}/{}", e.instance),
        console_before: 48 * (number - 1),
        phases: Vec::new(),
        milestones: Vec::new(),
        sources: BTreeSet::new(),
        last: None,
    };
    let root_fs = e.fate == Fate::Crashes(Crash::RootFsPanic);
    let mut flip = None;
    let mut registered = None;
    if p.platform && e.kernel_after.is_none() {
        let src = l.events(events_line);
        l.milestone("launched", e.launched, src);
    }
    // A console that dies before any wall-clock stamp cannot be placed on the boot's clock.
    if !root_fs {
        let src = l.console(4);
        l.milestone("kernel_start", b.kernel, src);
        stages(&mut l, rng);
        markers(&mut l);
        if b.write_cloudinit {
            startup(&mut l);
        }
        if final_finishes(b) {
            let src = l.console(71);
            l.milestone("boot_finished", b.wall(b.t.finished), src);
        }
        unit_failed(&mut l);
    }
    if let Fate::Registers(_) = e.fate {
        let on_console = !p.platform || b.platform.registered.is_none();
        let (at, src) = if on_console {
            (floor_ms(b.wall(b.t.register_line)), l.console(75))
        } else {
            (
                b.platform.registered.unwrap_or_default(),
                l.events(events_line),
            )
        };
        l.milestone("registered", at, src.clone());
        let at = l.secs(at);
        registered = Some(at);
        agent_to_register(&mut l, at, src);
    }
    if p.platform {
        if let Some(t) = b.platform.flipped {
            let names: &[&str] = match b.platform.flip_as {
                FlipAs::ProvisionTimeout => &["timed_out"],
                FlipAs::Both => &["timed_out", "failed"],
                FlipAs::FailedOnly => &["failed"],
            };
            for name in names {
                let src = l.events(events_line);
                l.milestone(name, t, src);
            }
            flip = Some(l.secs(t));
        }
        if let Some((t, _)) = b.platform.failed {
            let src = l.events(events_line);
            l.milestone("failed", t, src);
        }
    }
    let deleted = match (p.platform, b.platform.deleted) {
        (true, Some(t)) => {
            let src = l.events(events_line);
            l.milestone("deleted", t, src);
            Some(l.secs(t))
        }
        _ => None,
    };
    if let Some(cut) = b.cut.filter(|_| !root_fs) {
        let at = l.up(cut);
        l.seen(at);
    }
    let evidence = evidence(&mut l);
    let observed = deleted.or(l.last);
    let signals = Signals {
        registered,
        flip,
        crashed: evidence.is_some(),
        observed,
    };
    let from = if p.platform {
        Zero::Launch
    } else {
        Zero::KernelStart
    };
    let stuck_secs = e.class.stuck_secs as f64;
    let boot_outcome = classify(&signals, stuck_secs);
    let boot = finish_boot(
        l,
        p,
        number,
        boot_outcome,
        latency(boot_outcome, &signals, from),
        observed,
        evidence,
        rng,
    );
    (boot, signals)
}

/// The stages, from cloud-init.log (with their modules) when the boot has one, else from the
/// console; a stage still running when the capture ends has no end.
fn stages(l: &mut Layout, rng: &mut Rng) {
    let b = l.b;
    let t = &b.t;
    let fin = final_finishes(b);
    let console_spans = [
        (t.local_start, t.net_start),
        (t.net_start, t.config_start),
        (t.config_start, t.final_start),
        (t.final_start, t.finished),
    ];
    let log_spans = [
        (t.local_banner, t.local_end),
        (t.net_banner, t.net_end),
        (t.config_banner, t.config_end),
        (t.final_banner, t.final_end),
    ];
    let failed_stage = match b.entry.fate {
        Fate::Crashes(Crash::StageFail) => Some("init-network"),
        Fate::Crashes(Crash::PullDenied | Crash::AptForbidden) => Some("modules-final"),
        _ => None,
    };
    for (i, &(name, log_line, console_line)) in STAGES.iter().enumerate() {
        let last = i == STAGES.len() - 1;
        let from_log = b.write_cloudinit && (!last || fin);
        let (start, end) = if from_log {
            log_spans[i]
        } else {
            console_spans[i]
        };
        if !b.captured(start) {
            continue;
        }
        let ended = if last { fin } else { b.captured(end) };
        let end = ended.then(|| l.up(end));
        let start_secs = l.up(start);
        if from_log {
            let result = if failed_stage == Some(name) || (last && failed_stage.is_some()) {
                "FAIL"
            } else {
                "SUCCESS"
            };
            let src = l.file("cloud-init.log", log_line);
            l.phase(name, 1, start_secs, end, Some(result), src);
            modules(l, rng, name, start, log_spans[i].1, log_line);
        } else {
            let src = l.console(console_line);
            l.phase(name, 1, start_secs, end, None, src);
        }
        stage_milestones(l, name, start_secs, end, from_log, log_line, console_line);
    }
}

/// `<stage>_start` and `<stage>_finish`, from the phase kept.
fn stage_milestones(
    l: &mut Layout,
    name: &str,
    start: f64,
    end: Option<f64>,
    from_log: bool,
    log_line: usize,
    console_line: usize,
) {
    let src = if from_log {
        l.file("cloud-init.log", log_line)
    } else {
        l.console(console_line)
    };
    let wall = |secs: f64| Layout::wall(l.zero + (secs * 1e6).round() as Micros);
    let mut ms = vec![Milestone {
        name: format!("{name}_start"),
        at_secs: start,
        wall: wall(start),
        source: src.clone(),
    }];
    if let Some(e) = end {
        ms.push(Milestone {
            name: format!("{name}_finish"),
            at_secs: e,
            wall: wall(e),
            source: src,
        });
    }
    l.milestones.extend(ms);
}

/// The modules cloud-init.log times within a stage, one after another from its start; those
/// finished inside the capture. `modules-final` runs the user-data script between its own
/// modules.
fn modules(
    l: &mut Layout,
    rng: &mut Rng,
    stage: &str,
    from: Micros,
    to: Micros,
    first_line: usize,
) {
    let b = l.b;
    let t = &b.t;
    let mut at = from + 6 * MS;
    let mut line = first_line + 1;
    let mut after_script = false;
    for &(_, name, lo, hi) in MODULES.iter().filter(|m| m.0 == stage) {
        if stage == "modules-final" && name == "config-ssh_authkey_fingerprints" {
            // The user-data script, then the modules after it (when it ended).
            let ok = matches!(b.entry.fate, Fate::Registers(_));
            let end = floor_ms(t.scripts_end);
            if final_finishes(b) {
                let src = l.file("cloud-init.log", line);
                let (s, e) = (l.up(floor_ms(t.scripts_start)), l.up(end));
                let result = if ok { "SUCCESS" } else { "FAIL" };
                l.phase(
                    "modules-final/config-scripts_user",
                    2,
                    s,
                    Some(e),
                    Some(result),
                    src,
                );
            }
            line += 3;
            at = end + MS;
            after_script = true;
        }
        let dur = rng.int(i64::from(lo), i64::from(hi)) * MS;
        let end = (at + dur).min(to.max(at));
        if b.captured(end) && (!after_script || final_finishes(b)) {
            let src = l.file("cloud-init.log", line);
            let (s, e) = (l.up(at), l.up(end));
            l.phase(
                &format!("{stage}/{name}"),
                2,
                s,
                Some(e),
                Some("SUCCESS"),
                src,
            );
        }
        line += 2;
        at = end + MS;
    }
}

/// The bootstrap's marker spans (`image-pull`, `docker-setup`), where both ends were printed.
fn markers(l: &mut Layout) {
    let b = l.b;
    let t = &b.t;
    for (name, start, end, line) in [
        ("image-pull", t.pull_start, t.pull_end, 41),
        ("docker-setup", t.setup_start, t.setup_end, 46),
    ] {
        if b.captured(end) && b.script_running(end) {
            let src = l.console(line);
            let (s, e) = (l.up(start), l.up(end));
            l.phase(name, 3, s, Some(e), None, src);
        }
    }
}

/// systemd's `Startup finished in … (kernel) + … (initrd) + … (userspace)`, from the
/// `systemd-analyze` output collected beside cloud-init.log.
fn startup(l: &mut Layout) {
    let t = &l.b.t;
    let kernel = t.systemd * 45 / 100;
    let userspace_end = t.final_start;
    let src = l.file("systemd-analyze.txt", 1);
    let k0 = l.up(0);
    let (k1, i1, u1) = (l.up(kernel), l.up(t.systemd), l.up(userspace_end));
    l.phase("kernel", 0, k0, Some(k1), None, src.clone());
    l.phase("initrd", 0, k1, Some(i1), None, src.clone());
    l.phase("userspace", 0, i1, Some(u1), None, src.clone());
    let wall = l.b.wall(userspace_end);
    l.milestone("startup_finished", wall, src);
}

/// A unit that failed: cloud-final after a user-data failure, docker.service in a hang.
fn unit_failed(l: &mut Layout) {
    let b = l.b;
    let at = match b.entry.fate {
        Fate::Crashes(Crash::PullDenied | Crash::AptForbidden) if final_finishes(b) => b.t.finished,
        Fate::Hangs(plan::Hang::DockerDaemon) => b.t.setup_start + 200 * MS,
        _ => return,
    };
    if b.captured(at) {
        let src = l.console(62);
        l.milestone("unit_failed", b.wall(at), src);
    }
}

/// The machine's wall-clock step, as each source that stamps wall time saw it.
fn clock_steps(l: &mut Layout) -> Vec<ClockStep> {
    let Some(step) = l.b.clock_step else {
        return Vec::new();
    };
    let t = &l.b.t;
    let mut steps = vec![(l.up(t.net_start), l.up(t.config_start), l.console(34))];
    if l.b.write_cloudinit {
        steps.push((
            l.up(t.net_banner),
            l.up(t.config_banner),
            l.file("cloud-init.log", 44),
        ));
    }
    let by = to_secs(step.by);
    steps
        .into_iter()
        .enumerate()
        .map(|(i, (after, by_secs, source))| ClockStep {
            after_secs: after,
            by_secs,
            step_secs: milli(by - 0.13 * i as f64),
            source,
        })
        .collect()
}

/// From cloud-init's end (or the final stage's end) to the register.
fn agent_to_register(l: &mut Layout, at: f64, source: String) {
    let ci_end = l
        .milestones
        .iter()
        .filter(|m| m.name == "boot_finished" && m.at_secs <= at)
        .map(|m| m.at_secs)
        .reduce(f64::max)
        .or_else(|| {
            l.phases
                .iter()
                .filter(|p| p.name == "modules-final")
                .filter_map(|p| p.end_secs)
                .reduce(f64::max)
        });
    if let Some(start) = ci_end {
        l.phase("agent-to-register", 0, start, Some(at), None, source);
    }
}

/// The line that makes the boot crashed, where its sources show one.
fn evidence(l: &mut Layout) -> Option<Evidence> {
    let b = l.b;
    let Fate::Crashes(crash) = b.entry.fate else {
        return None;
    };
    let (kind, line, source) = match crash {
        Crash::RootFsPanic => (
            "kernel_panic",
            "Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)"
                .to_string(),
            l.console(10),
        ),
        Crash::OomPanic => (
            "kernel_panic",
            "Kernel panic - not syncing: Out of memory: system-wide panic_on_oom is enabled"
                .to_string(),
            l.console(47),
        ),
        Crash::PullDenied | Crash::AptForbidden => {
            let code = if crash == Crash::PullDenied { 1 } else { 100 };
            let stamp = crate::clock::asctime(b.machine_wall(b.t.script_stop.unwrap_or_default()));
            (
                "user_data_failed",
                format!("{stamp} - util.py[WARNING]: Failed running /var/lib/cloud/instance/scripts/part-001 [{code}]"),
                l.console(if code == 1 { 44 } else { 53 }),
            )
        }
        Crash::StageFail => (
            "stage_failed",
            "finish: init-network: FAIL: searching for network datasources".to_string(),
            if b.write_cloudinit {
                l.file("cloud-init.log", 48)
            } else {
                l.console(30)
            },
        ),
    };
    Some(Evidence {
        kind: kind.to_string(),
        line,
        source,
    })
}

/// The boot, in assembly's order (phases by start, depth and name; milestones by time and
/// name), with its own outcome and latency; the attempt's fields come later.
#[allow(clippy::too_many_arguments)]
fn finish_boot(
    mut l: Layout,
    p: &Planned,
    number: usize,
    outcome: Outcome,
    latency: Option<Latency>,
    observed: Option<f64>,
    evidence: Option<Evidence>,
    rng: &mut Rng,
) -> bootline::timeline::Boot {
    let e = &l.b.entry;
    let clock_steps = if l.b.entry.fate == Fate::Crashes(Crash::RootFsPanic) {
        Vec::new()
    } else {
        clock_steps(&mut l)
    };
    l.phases.sort_by(|a, b| {
        a.start_secs
            .total_cmp(&b.start_secs)
            .then(a.depth.cmp(&b.depth))
            .then_with(|| a.name.cmp(&b.name))
    });
    l.milestones.sort_by(|a, b| {
        a.at_secs
            .total_cmp(&b.at_secs)
            .then_with(|| a.name.cmp(&b.name))
    });
    let aligned = e.fate != Fate::Crashes(Crash::RootFsPanic);
    let mut identity = Vec::new();
    if p.platform {
        identity.push(IdentitySource::PlatformEvents);
    }
    identity.push(IdentitySource::Folder);
    let zero_wall = Layout::wall(l.zero);
    bootline::timeline::Boot {
        schema_version: SCHEMA_VERSION,
        instance: e.instance.clone(),
        workspace: p.platform.then(|| e.workspace.clone()),
        class: if p.platform {
            e.class.name
        } else {
            DEFAULT.name
        }
        .to_string(),
        template: e
            .template
            .filter(|_| p.platform)
            .map(|t| t.name.to_string()),
        boot: number,
        zero: if p.platform {
            Zero::Launch
        } else {
            Zero::KernelStart
        },
        zero_wall,
        launched: p.platform.then(|| Layout::wall(e.launched)).flatten(),
        outcome,
        latency,
        timeout_secs: e.timeout_secs() as f64,
        stuck_threshold_secs: e.class.stuck_secs as f64,
        observed_secs: observed,
        evidence: evidence.filter(|_| outcome == Outcome::Crashed),
        phases: l.phases,
        milestones: l.milestones,
        clock_skew_secs: aligned.then(|| milli(rng.uniform(0.2, 0.99))),
        clock_steps,
        sources: l.sources.into_iter().collect(),
        labels: if p.platform {
            p.labels.clone()
        } else {
            BTreeMap::new()
        },
        end: "registered".to_string(),
        identity,
        attempt: 0,
        attempt_outcome: None,
        attempt_latency: None,
        attempt_flip_secs: None,
        attempt_stated_timeout_secs: None,
        attempt_failed_timeout_secs: None,
    }
}

/// The attempt's outcome, latency and flip on each of its boots (a boot without platform
/// events is its own attempt), and the reboot between two boots; checked against the plan.
fn finish_attempt(
    laid: Vec<(bootline::timeline::Boot, Signals, plan::Outcome)>,
    p: &Planned,
    planned: plan::Outcome,
    (stated, failed): (Option<f64>, Option<f64>),
) -> io::Result<Vec<bootline::timeline::Boot>> {
    let merged = laid
        .iter()
        .map(|x| x.1)
        .reduce(|a, o| Signals {
            registered: first(a.registered, o.registered),
            flip: first(a.flip, o.flip),
            crashed: a.crashed || o.crashed,
            observed: last(a.observed, o.observed),
        })
        .unwrap_or_default();
    let e = &p.entry;
    let from = if p.platform {
        Zero::Launch
    } else {
        Zero::KernelStart
    };
    let attempt_outcome = classify(&merged, e.class.stuck_secs as f64);
    let attempt_latency = latency(attempt_outcome, &merged, from);
    let expected = |o: plan::Outcome| match (p.platform, o) {
        // Without platform events no flip is seen: a late register is simply registered.
        (false, plan::Outcome::FalseFailed) => Outcome::Registered,
        (_, o) => outcome(o),
    };
    let mut previous_end: Option<f64> = None;
    let mut boots = Vec::with_capacity(laid.len());
    for (mut b, _, planned_boot) in laid {
        if (b.outcome, attempt_outcome) != (expected(planned_boot), expected(planned)) {
            return Err(io::Error::other(format!(
                "{} boot {}: planned {:?} in a {:?} attempt, but the timeline shows {:?} in a {:?} one",
                b.instance,
                b.boot,
                planned_boot,
                planned,
                b.outcome,
                attempt_outcome
            )));
        }
        b.attempt = if p.platform { e.attempt } else { b.boot };
        b.attempt_outcome = Some(attempt_outcome);
        b.attempt_latency = attempt_latency;
        b.attempt_flip_secs = merged.flip.map(milli);
        b.attempt_stated_timeout_secs = stated;
        b.attempt_failed_timeout_secs = failed;
        let start = b
            .milestones
            .iter()
            .find(|m| m.name == "kernel_start")
            .map(|m| (m.at_secs, m.source.clone()));
        if let (Some(end), Some((start, source))) = (previous_end, start) {
            if end <= start {
                let at = b.phases.partition_point(|x| x.start_secs <= end);
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
        boots.push(b);
    }
    Ok(boots)
}

fn last(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn first(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
