//! The fleet generator's timeline shards (`--timelines`): read back by bootline's own `Boot`
//! type and by `bootline fit`, they hold exactly the attempts the generator counted, with every
//! pattern a platform produces and each attempt's fields as assembly sets them. The generator's
//! modules are compiled in here, so the check runs with `cargo test`.

#[allow(dead_code)]
#[path = "../examples/fleet/attempts.rs"]
mod attempts;
#[allow(dead_code)]
#[path = "../examples/fleet/clock.rs"]
mod clock;
#[allow(dead_code)]
#[path = "../examples/fleet/plan.rs"]
mod plan;
#[allow(dead_code)]
#[path = "../examples/fleet/rng.rs"]
mod rng;
#[allow(dead_code)]
#[path = "../examples/fleet/timelines.rs"]
mod timelines;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use bootline::timeline::{Boot, Outcome, Zero};
use serde_json::Value;

mod common;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn generate(dir: &Path, attempts: usize, shards: usize) -> Value {
    timelines::write(&timelines::Options {
        out: dir.to_path_buf(),
        attempts,
        shards,
        seed: 20_260_610,
        pull_extra_secs: 0,
    })
    .expect("write the shards");
    let truth = std::fs::read_to_string(dir.join("truth-timelines.json")).expect("truth");
    serde_json::from_str(&truth).expect("truth is JSON")
}

/// Every boot of every shard, in shard order, through the library's own type.
fn read_boots(dir: &Path, shards: usize) -> Vec<(usize, Boot)> {
    let mut boots = Vec::new();
    for shard in 0..shards {
        let path = dir.join(format!("timelines-{shard:02}.jsonl"));
        let text = std::fs::read_to_string(&path).expect("a shard per --shards");
        for (no, line) in text.lines().enumerate() {
            let boot: Boot = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}:{}: not a Boot: {e}", path.display(), no + 1));
            boots.push((shard, boot));
        }
    }
    boots
}

fn fit(dir: &Path, class: &str) -> Value {
    let dir = dir.to_str().expect("a UTF-8 path");
    let args = [
        "fit",
        "--config",
        "fixtures/bootline.toml",
        "--format",
        "json",
    ];
    let out = run(&[&args[..], &["--class", class, dir]].concat(), &[0]);
    serde_json::from_str(&out).expect("fit --format json is JSON")
}

/// Runs `bootline` with `args` from the repository's root; its stdout, once its exit code is
/// one of `codes`.
fn run(args: &[&str], codes: &[i32]) -> String {
    let (code, out, err) = common::bootline(args);
    assert!(codes.contains(&code), "{args:?} exited {code}: {err}");
    out
}

#[test]
fn fit_counts_exactly_the_attempts_and_boots_the_generator_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let truth = generate(dir.path(), 3000, 4);
    assert_eq!(truth["attempts"], 3000);
    for class in ["default", "hermes"] {
        let fitted = fit(dir.path(), class);
        let want = &truth["classes"][class];
        assert_eq!(fitted["attempts"], want["attempts"], "{class}: attempts");
        assert_eq!(fitted["boots"], want["boots"], "{class}: boots");
    }
    let boots = read_boots(dir.path(), 4);
    assert_eq!(boots.len() as u64, truth["boots"].as_u64().unwrap());
}

/// The attempts of the boots, by instance and attempt number, in the order written.
fn attempts_of(boots: &[(usize, Boot)]) -> BTreeMap<(String, usize), Vec<&Boot>> {
    let mut by: BTreeMap<(String, usize), Vec<&Boot>> = BTreeMap::new();
    for (_, b) in boots {
        by.entry((b.instance.clone(), b.attempt))
            .or_default()
            .push(b);
    }
    by
}

/// 10,000 attempts: enough for the rarest patterns (a panic, a reboot and a flip; an instance
/// launched twice; a hermes boot cut by the capture) to appear.
#[test]
fn the_shards_hold_every_pattern_with_each_attempts_fields_as_assembly_sets_them() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 10_000, 3);
    let boots = read_boots(dir.path(), 3);
    drop(dir);
    every_attempt_carries_the_fields_assembly_gives_it(&boots);
    the_shards_hold_every_pattern_a_platform_produces(&boots);
}

fn every_attempt_carries_the_fields_assembly_gives_it(boots: &[(usize, Boot)]) {
    // An instance lives in one shard, its boots numbered 1, 2, … in order.
    let mut shard_of: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (shard, b) in boots {
        assert_eq!(b.schema_version, 1);
        assert_eq!(b.end, "registered");
        let seen = shard_of.entry(&b.instance).or_insert((*shard, 0));
        assert_eq!(seen.0, *shard, "{} in two shards", b.instance);
        assert_eq!(b.boot, seen.1 + 1, "{} boots out of order", b.instance);
        seen.1 = b.boot;
    }
    for ((instance, _), a) in attempts_of(boots) {
        let first = a[0];
        for b in &a {
            assert_eq!(
                (b.attempt_outcome, b.attempt_latency, b.attempt_flip_secs),
                (
                    first.attempt_outcome,
                    first.attempt_latency,
                    first.attempt_flip_secs
                ),
                "{instance}: boots of one attempt disagree"
            );
        }
        let outcome = first.attempt_outcome.expect("an attempt outcome");
        let latency = first.attempt_latency;
        let flip = first.attempt_flip_secs;
        match outcome {
            Outcome::Registered => {
                assert!(latency.is_some_and(|l| !l.censored && l.secs > 0.0));
            }
            Outcome::FalseFailed => {
                let l = latency.expect("false-failed has a latency");
                assert!(
                    !l.censored && flip.is_some_and(|f| f < l.secs),
                    "{instance}"
                );
            }
            Outcome::TimedOut => {
                let l = latency.expect("timed-out is censored at the flip");
                assert!(l.censored && Some(l.secs) == flip, "{instance}");
            }
            Outcome::Unknown => {
                let l = latency.expect("unknown is censored at its end");
                assert!(l.censored && flip.is_none(), "{instance}");
                assert_eq!(Some(l.secs), a.last().unwrap().observed_secs);
            }
            Outcome::Stuck => {
                assert!(latency.is_none());
                let observed = a.last().unwrap().observed_secs.unwrap();
                assert!(observed > first.stuck_threshold_secs, "{instance}");
            }
            Outcome::Crashed => {
                assert!(latency.is_none());
                assert!(a.iter().any(|b| b.evidence.is_some()), "{instance}");
            }
        }
        // A boot flipped by the sweep says how: a `timed_out` or a `failed` at the flip.
        if let Some(f) = flip {
            let shown = a.iter().flat_map(|b| &b.milestones).any(|m| {
                (m.name == "timed_out" || m.name == "failed") && (m.at_secs - f).abs() < 1e-9
            });
            assert!(shown, "{instance}: a flip no milestone shows");
        }
    }
}

fn the_shards_hold_every_pattern_a_platform_produces(boots: &[(usize, Boot)]) {
    let attempts = attempts_of(boots);
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut note = |s: &str| {
        seen.insert(s.to_string());
    };
    for a in attempts.values() {
        let first = a[0];
        let outcome = first.attempt_outcome.unwrap();
        note(&format!("{} {}", first.class, outcome.as_str()));
        let boot_outcomes: Vec<&str> = a.iter().map(|b| b.outcome.as_str()).collect();
        if a.len() > 1 {
            note(&format!(
                "{} after {}",
                outcome.as_str(),
                boot_outcomes.join(" then ")
            ));
        }
        if first.attempt == 2 {
            note("launched twice");
        }
        let flipped_by_failed_alone = first.attempt_flip_secs.is_some()
            && a.iter()
                .flat_map(|b| &b.milestones)
                .all(|m| m.name != "timed_out");
        if flipped_by_failed_alone {
            note("flip logged as failed alone");
        }
    }
    for (_, b) in boots {
        if b.zero == Zero::KernelStart && b.launched.is_none() && b.labels.is_empty() {
            note("no launch");
        }
        for p in &b.phases {
            note(&format!(
                "depth {} {}",
                p.depth,
                p.name.split('/').next().unwrap()
            ));
        }
        if !b.clock_steps.is_empty() {
            note("clock step");
        }
        if let Some(t) = &b.template {
            note(&format!("template {t} {}", b.timeout_secs));
        }
        if b.labels.contains_key("region") && b.labels.contains_key("instance_type") {
            note("region and instance type");
        }
        if let Some(e) = &b.evidence {
            note(&format!("evidence {}", e.kind));
        }
        let register = b.milestones.iter().find(|m| m.name == "registered");
        if register.is_some_and(|m| m.source.contains("/console.log:")) && b.launched.is_some() {
            note("register from the console");
        }
    }
    let want = [
        "default registered",
        "default false_failed",
        "default timed_out",
        "default stuck",
        "default crashed",
        "default unknown",
        "hermes registered",
        "hermes stuck",
        "hermes crashed",
        "hermes unknown",
        "registered after crashed then registered",
        "crashed after crashed then timed_out",
        "launched twice",
        "flip logged as failed alone",
        "no launch",
        "depth 0 kernel",
        "depth 0 agent-to-register",
        "depth 0 reboot",
        "depth 1 init-local",
        "depth 1 modules-final",
        "depth 2 modules-final",
        "depth 2 init-network",
        "depth 3 image-pull",
        "depth 3 docker-setup",
        "clock step",
        "template gpu-large 1200",
        "template standard 600",
        "region and instance type",
        "evidence kernel_panic",
        "evidence user_data_failed",
        "evidence stage_failed",
        "register from the console",
    ];
    let missing: Vec<&str> = want.into_iter().filter(|w| !seen.contains(*w)).collect();
    assert!(missing.is_empty(), "missing patterns: {missing:?}");
    // Instance ids are unique per instance: an id belongs to one run of boots.
    let instances: BTreeSet<&str> = boots.iter().map(|(_, b)| b.instance.as_str()).collect();
    let launched_twice = attempts.keys().filter(|(_, n)| *n == 2).count();
    assert_eq!(instances.len(), attempts.len() - launched_twice);
}

/// `bootline timeline` over `inputs` in `format`, its stdout.
fn timeline(format: &str, inputs: &[&Path]) -> String {
    let inputs: Vec<&str> = inputs
        .iter()
        .map(|p| p.to_str().expect("a UTF-8 path"))
        .collect();
    let args = [
        "timeline",
        "--config",
        "fixtures/bootline.toml",
        "--format",
        format,
    ];
    run(&[&args[..], &inputs].concat(), &[0])
}

#[test]
fn timeline_lines_are_written_as_boots_come_in_the_order_of_the_whole_document() {
    let fleet = Path::new(ROOT).join("fixtures/fleet");
    let doc: Value = serde_json::from_str(&timeline("json", &[&fleet])).expect("JSON");
    let boots = doc["boots"].as_array().expect("boots");
    assert!(boots.len() > 1000, "the fixture fleet's boots");
    let lines = timeline("jsonl", &[&fleet]);
    let parsed: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).expect("a boot a line"))
        .collect();
    assert_eq!(&parsed, boots);
    // A shard holding every third boot, read before the logs: its boots are merged in among
    // the built ones (which it repeats, and which are dropped), in the same order.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let shard = dir.path().join("third.jsonl");
    let third: String = lines.lines().step_by(3).map(|l| format!("{l}\n")).collect();
    std::fs::write(&shard, third).expect("write the shard");
    let mixed = timeline("jsonl", &[&shard, &fleet]);
    assert_eq!(mixed, lines);
}

/// `bootline COMMAND --format json` over the shards in `dir`, its stdout (exit 0 or 1).
fn json_of(command: &[&str], dir: &Path) -> String {
    let dir = dir.to_str().expect("a UTF-8 path");
    let args = [
        "--config",
        "fixtures/bootline.toml",
        "--format",
        "json",
        dir,
    ];
    run(&[command, &args[..]].concat(), &[0, 1])
}

#[test]
fn shards_laid_out_otherwise_are_read_whole_and_give_the_same_results() {
    let dir = tempfile::tempdir().unwrap();
    let written = dir.path().join("written");
    generate(&written, 2000, 2);
    // The same boots with a space after the phases' key, as another JSON writer may put it:
    // no line can be skimmed, every one is parsed whole by `recommend`.
    let spaced = dir.path().join("spaced");
    std::fs::create_dir(&spaced).unwrap();
    for shard in 0..2 {
        let name = format!("timelines-{shard:02}.jsonl");
        let text = std::fs::read_to_string(written.join(&name)).unwrap();
        let other = text.replace(r#","phases":["#, r#", "phases": ["#);
        assert_eq!(other.len(), text.len() + 2 * text.lines().count());
        std::fs::write(spaced.join(&name), other).unwrap();
    }
    for command in [
        &["recommend"][..],
        &["fit", "--class", "default"],
        &["compare", "--group-by", "region"],
    ] {
        let a = json_of(command, &written);
        assert!(a.len() > 100, "{command:?} wrote its JSON");
        assert_eq!(a, json_of(command, &spaced), "{command:?}");
    }
}
