//! Writes the fleet: one folder per instance, `events.jsonl` sorted by time, and
//! `truth.json` sorted by instance.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::attempts::{self, FlipAs, SweepReports, SWEEP_REASON};
use crate::clock::{floor_ms, rfc3339, to_secs, Micros, SEC};
use crate::lines::Written;
use crate::plan::{self, Boot, Crash, Fate, Hang, Outcome, DEFAULT_INSTANCES};
use crate::rng::Rng;
use crate::{cloudinit, console};

/// Options of a fleet run.
#[derive(Debug)]
pub struct Options {
    pub out: PathBuf,
    pub instances: usize,
    pub seed: u64,
    /// Pad consoles to about this many KiB (0: no padding).
    pub console_kb: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            out: PathBuf::new(),
            instances: DEFAULT_INSTANCES,
            seed: 20_260_610,
            console_kb: 0,
        }
    }
}

/// One platform event (docs/design.md §4), with its keys in the order they are written.
struct Event {
    time: Micros,
    rank: u8,
    fields: Vec<(&'static str, serde_json::Value)>,
}

impl Event {
    fn new(time: Micros, kind: &'static str) -> Self {
        let rank = match kind {
            "launched" => 0,
            "registered" => 1,
            "provision_timeout" => 2,
            "failed" => 3,
            _ => 4,
        };
        Event {
            time,
            rank,
            fields: vec![("time", rfc3339(time).into()), ("event", kind.into())],
        }
    }

    fn with(mut self, key: &'static str, value: impl Into<serde_json::Value>) -> Self {
        self.fields.push((key, value.into()));
        self
    }

    fn to_json(&self) -> String {
        let parts: Vec<String> = self
            .fields
            .iter()
            .map(|(k, v)| format!("{}:{v}", serde_json::Value::from(*k)))
            .collect();
        format!("{{{}}}", parts.join(","))
    }
}

/// Where a crash shows.
#[derive(Debug, Serialize)]
struct Evidence {
    file: &'static str,
    line: usize,
    text: String,
}

/// Phase durations of a boot that ran its whole script, in seconds.
#[derive(Debug, Serialize)]
struct Phases {
    scripts_user_secs: f64,
    image_pull_secs: f64,
    docker_setup_secs: f64,
}

/// The generator's truth about one boot.
#[derive(Debug, Serialize)]
struct Truth {
    instance: String,
    /// 1-based boot of the instance, across its attempts.
    boot: usize,
    /// 1-based provisioning attempt of the instance.
    attempt: usize,
    workspace: String,
    class: &'static str,
    template: Option<&'static str>,
    outcome: &'static str,
    /// The attempt's outcome, decided over all its boots.
    attempt_outcome: &'static str,
    /// The attempt's register latency (from launch, across reboots), when it registered.
    attempt_register_latency_secs: Option<f64>,
    incident: bool,
    launched: String,
    kernel_start: String,
    registered: Option<String>,
    register_latency_secs: Option<f64>,
    register_source: Option<&'static str>,
    timeout_secs: i64,
    stuck_threshold_secs: i64,
    flipped: Option<String>,
    /// How the flip shows in the events: `provision_timeout`, `provision_timeout+failed` (the
    /// sweep's `failed` at the same tick), or `failed` alone.
    flip_events: Option<&'static str>,
    failed: Option<String>,
    failed_reason: Option<&'static str>,
    deleted: Option<String>,
    observed_until: String,
    crash_kind: Option<&'static str>,
    crash_evidence: Option<Evidence>,
    hang: Option<&'static str>,
    phases: Option<Phases>,
    clock_step: Option<TruthStep>,
    files: Vec<&'static str>,
}

/// Where the machine's wall clock stepped (uptimes, seconds) and by how much.
#[derive(Debug, Serialize)]
struct TruthStep {
    at_uptime_secs: f64,
    step_secs: f64,
}

/// Writes the whole fleet.
pub fn write(options: &Options) -> io::Result<()> {
    let window = plan::window();
    let roster = plan::roster(options.instances, options.seed, window);
    fs::create_dir_all(&options.out)?;
    remove_stale_instances(&options.out)?;
    let mut events = Vec::new();
    let mut truths = Vec::new();
    let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut sweep = SweepReports::default();
    // Boots and console lines written so far per instance (an instance launched twice).
    let mut written: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (index, entry) in roster.iter().enumerate() {
        let mut boots = attempts::plan_boots(entry, index, options.seed, window);
        let attempt_outcome = attempts::attempt_outcome(&boots);
        let latency = boots.iter().find_map(Boot::registered_at);
        for boot in &mut boots {
            sweep.report(boot);
            boot.attempt_outcome = attempt_outcome;
        }
        *counts
            .entry((entry.class.name, attempt_outcome.name()))
            .or_default() += 1;
        for mut boot in boots {
            let so_far = written.entry(entry.instance.clone()).or_default();
            boot.number = so_far.0 + 1;
            let (truth, lines) = write_instance(&options.out, &boot, so_far.1, options)?;
            *so_far = (boot.number, so_far.1 + lines);
            let truth = Truth {
                attempt_register_latency_secs: latency.map(|r| rounded(r - entry.launched)),
                ..truth
            };
            check(&boot, &truth)?;
            events.extend(platform_events(&boot));
            truths.push(truth);
        }
    }
    write_events(&options.out.join("events.jsonl"), &mut events)?;
    write_truth(&options.out.join("truth.json"), options, &mut truths)?;
    for ((class, outcome), n) in counts {
        eprintln!("{class:>8} {outcome:<13} {n}");
    }
    Ok(())
}

/// Removes instance folders left by an earlier run (a different seed or size).
fn remove_stale_instances(out: &Path) -> io::Result<()> {
    for entry in fs::read_dir(out)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let is_instance = name.len() == 19
            && name.starts_with("i-0")
            && name[2..].bytes().all(|b| b.is_ascii_hexdigit());
        if is_instance && entry.file_type()?.is_dir() {
            fs::remove_dir_all(entry.path())?;
        }
    }
    Ok(())
}

/// Writes one boot into its instance's folder (after `lines_before` console lines of the
/// instance's earlier boots) and returns its truth and the console lines it wrote.
fn write_instance(
    out: &Path,
    boot: &Boot,
    lines_before: usize,
    options: &Options,
) -> io::Result<(Truth, usize)> {
    let dir = out.join(&boot.entry.instance);
    fs::create_dir_all(&dir)?;
    let mut rng = Rng::new(options.seed ^ 0xC0_7501E, boot.index as u64);
    let mut files = vec!["console.log"];
    let lines = console::build(boot, &mut rng, options.console_kb * 1024);
    // A later boot continues the instance's console, as a serial capture does.
    let file = fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(boot.number > 1)
        .truncate(boot.number == 1)
        .open(dir.join("console.log"))?;
    let mut file = BufWriter::new(file);
    let written = lines.write(&mut file, boot.cut)?;
    if written.partial {
        writeln!(file)?;
    }
    file.flush()?;
    let mut evidence = written.evidence.as_ref().map(|(line, text)| Evidence {
        file: "console.log",
        line: lines_before + *line,
        text: text.clone(),
    });
    if boot.write_cloudinit {
        let mut log = BufWriter::new(File::create(dir.join("cloud-init.log"))?);
        let mut blame = BufWriter::new(File::create(dir.join("blame.txt"))?);
        let mut rng = Rng::new(options.seed ^ 0xC1_0D1A17, boot.index as u64);
        let log_written = cloudinit::write_log(boot, &mut rng, &mut log, &mut blame)?;
        log.flush()?;
        blame.flush()?;
        files.extend(["cloud-init.log", "blame.txt"]);
        if evidence.is_none() {
            evidence = log_written.evidence.map(|(line, text)| Evidence {
                file: "cloud-init.log",
                line,
                text,
            });
        }
    }
    let count = written.lines + usize::from(written.partial);
    Ok((truth(boot, &written, evidence, files), count))
}

fn truth(
    boot: &Boot,
    console: &Written,
    evidence: Option<Evidence>,
    files: Vec<&'static str>,
) -> Truth {
    let e = &boot.entry;
    let p = &boot.platform;
    let registered = boot.registered_at();
    let last_line = console.last.map(|up| boot.wall(up));
    let observed_until = [last_line, p.deleted, registered]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(e.launched);
    let (crash_kind, hang) = match e.fate {
        Fate::Crashes(c) => (Some(crash_name(c)), None),
        Fate::Hangs(h) => (None, Some(hang_name(h))),
        _ => (None, None),
    };
    let t = &boot.t;
    let phases = matches!(e.fate, Fate::Registers(_)).then(|| Phases {
        scripts_user_secs: rounded(
            floor_ms(boot.wall(t.scripts_end)) - floor_ms(boot.wall(t.scripts_start)),
        ),
        image_pull_secs: rounded(t.pull_end - t.pull_start),
        docker_setup_secs: rounded(t.setup_end - t.setup_start),
    });
    Truth {
        instance: e.instance.clone(),
        boot: boot.number,
        attempt: e.attempt,
        workspace: e.workspace.clone(),
        class: e.class.name,
        template: e.template.map(|t| t.name),
        outcome: boot.outcome.name(),
        attempt_outcome: boot.attempt_outcome.name(),
        attempt_register_latency_secs: None,
        incident: e.incident,
        launched: rfc3339(e.launched),
        kernel_start: rfc3339(boot.kernel),
        registered: registered.map(rfc3339),
        register_latency_secs: registered.map(|r| rounded(r - e.launched)),
        register_source: registered.map(|_| {
            if p.registered.is_some() {
                "platform"
            } else {
                "console"
            }
        }),
        timeout_secs: e.timeout_secs(),
        stuck_threshold_secs: e.class.stuck_secs,
        flipped: p.flipped.map(rfc3339),
        flip_events: p.flipped.map(|_| p.flip_as.name()),
        failed: p.failed.map(|(t, _)| rfc3339(t)),
        failed_reason: p.failed.map(|(_, r)| r),
        deleted: p.deleted.map(rfc3339),
        observed_until: rfc3339(floor_ms(observed_until)),
        crash_kind,
        crash_evidence: evidence,
        hang,
        phases,
        clock_step: boot.clock_step.map(|s| TruthStep {
            at_uptime_secs: rounded(s.at),
            step_secs: rounded(s.by),
        }),
        files,
    }
}

/// Seconds of a duration, rounded to milliseconds.
fn rounded(d: Micros) -> f64 {
    (to_secs(d) * 1000.0).round() / 1000.0
}

fn crash_name(crash: Crash) -> &'static str {
    match crash {
        Crash::RootFsPanic => "kernel_panic_root_fs",
        Crash::OomPanic => "kernel_panic_oom",
        Crash::PullDenied => "userdata_exit_1",
        Crash::AptForbidden => "userdata_exit_100",
        Crash::StageFail => "stage_fail",
    }
}

fn hang_name(hang: Hang) -> &'static str {
    match hang {
        Hang::RegistryStall => "registry_stall",
        Hang::AptLock => "apt_lock",
        Hang::DockerDaemon => "docker_daemon",
    }
}

/// Checks that what was written supports the intended outcome (docs/design.md §3).
fn check(boot: &Boot, truth: &Truth) -> io::Result<()> {
    let e = &boot.entry;
    let stuck_at = e.launched + e.class.stuck_secs * SEC;
    let p = &boot.platform;
    let end = [boot.cut.map(|c| boot.wall(c)), p.deleted]
        .into_iter()
        .flatten()
        .max();
    let ok = match boot.outcome {
        Outcome::Registered => p.flipped.is_none(),
        Outcome::FalseFailed => p
            .flipped
            .is_some_and(|f| boot.registered_at().is_some_and(|r| r > f)),
        Outcome::Crashed => truth.crash_evidence.is_some(),
        Outcome::Stuck => end.is_some_and(|end| end > stuck_at) && p.flipped.is_some(),
        Outcome::TimedOut => p.flipped.is_some() && end.is_some_and(|end| end < stuck_at),
        Outcome::Unknown => p.flipped.is_none() && p.failed.is_none(),
    };
    if ok {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "{}: planned {:?} but the data do not support it",
            e.instance, boot.outcome
        )))
    }
}

/// The platform's events for one boot.
fn platform_events(boot: &Boot) -> Vec<Event> {
    let e = &boot.entry;
    let p = &boot.platform;
    let mut events = Vec::new();
    // A later boot of an attempt was not launched: its kernel started again.
    if e.kernel_after.is_none() {
        let mut launched = Event::new(e.launched, "launched")
            .with("instance", e.instance.as_str())
            .with("workspace", e.workspace.as_str())
            .with("class", e.class.name);
        if let Some(template) = e.template {
            launched = launched.with("template", template.name);
        }
        events.push(launched);
    }
    if let Some(t) = p.registered {
        events.push(
            Event::new(t, "registered")
                .with("instance", e.instance.as_str())
                .with("status", 200),
        );
    }
    if let Some(t) = p.flipped {
        events.extend(flip_events(boot, t));
    }
    if let Some((t, reason)) = p.failed {
        events.push(
            Event::new(t, "failed")
                .with("instance", e.instance.as_str())
                .with("workspace", e.workspace.as_str())
                .with("reason", reason),
        );
    }
    if let Some(t) = p.deleted {
        events.push(
            Event::new(t, "deleted")
                .with("instance", e.instance.as_str())
                .with("workspace", e.workspace.as_str()),
        );
    }
    events
}

/// The sweep's flip as the platform logs it (see `attempts::FlipAs`).
fn flip_events(boot: &Boot, at: Micros) -> Vec<Event> {
    let e = &boot.entry;
    let timeout = || {
        Event::new(at, "provision_timeout")
            .with("workspace", e.workspace.as_str())
            .with("timeout_s", e.timeout_secs())
    };
    let failed = || {
        Event::new(at, "failed")
            .with("instance", e.instance.as_str())
            .with("workspace", e.workspace.as_str())
            .with("reason", SWEEP_REASON)
    };
    match boot.platform.flip_as {
        FlipAs::ProvisionTimeout => vec![timeout()],
        FlipAs::Both => vec![timeout(), failed()],
        FlipAs::FailedOnly => vec![failed()],
    }
}

fn write_events(path: &Path, events: &mut [Event]) -> io::Result<()> {
    events.sort_by(|a, b| {
        (a.time, a.rank)
            .cmp(&(b.time, b.rank))
            .then_with(|| a.to_json().cmp(&b.to_json()))
    });
    let mut out = BufWriter::new(File::create(path)?);
    for event in events.iter() {
        writeln!(out, "{}", event.to_json())?;
    }
    out.flush()
}

/// `truth.json`: a small header, then one instance per line (diff-friendly).
fn write_truth(path: &Path, options: &Options, truths: &mut [Truth]) -> io::Result<()> {
    truths.sort_by(|a, b| a.instance.cmp(&b.instance).then(a.boot.cmp(&b.boot)));
    let window = plan::window();
    let mut out = BufWriter::new(File::create(path)?);
    writeln!(out, "{{")?;
    writeln!(out, "  \"schema_version\": 1,")?;
    writeln!(out, "  \"generator\": \"cargo run --release --example fleet -- --out DIR --instances {} --seed {}\",", options.instances, options.seed)?;
    writeln!(out, "  \"seed\": {},", options.seed)?;
    writeln!(out, "  \"window_start\": \"{}\",", rfc3339(window.start))?;
    writeln!(out, "  \"window_end\": \"{}\",", rfc3339(window.end))?;
    writeln!(
        out,
        "  \"sweep_interval_secs\": {},",
        plan::SWEEP_INTERVAL / SEC
    )?;
    writeln!(out, "  \"instances\": [")?;
    for (i, truth) in truths.iter().enumerate() {
        let comma = if i + 1 < truths.len() { "," } else { "" };
        writeln!(
            out,
            "    {}{comma}",
            serde_json::to_string(truth).map_err(io::Error::other)?
        )?;
    }
    writeln!(out, "  ]")?;
    writeln!(out, "}}")?;
    out.flush()
}
