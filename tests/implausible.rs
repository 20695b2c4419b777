//! Impossible latencies — a register stamped before its launch, at the launch's very instant, in
//! the year 9999, beyond `[latency] max_plausible_secs`, or written so in a timeline shard — are
//! named on stderr and in every JSON and report, excluded from every fit, and an error with
//! `--strict`. The inputs are the hand-written platform events of `fixtures/implausible/`.

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const CLEAN: &str = "fixtures/implausible/clean.jsonl";

fn bootline() -> Command {
    let mut c = Command::cargo_bin("bootline").unwrap();
    c.current_dir(ROOT).timeout(Duration::from_secs(120));
    c
}

/// Runs bootline; returns the exit code, stdout and stderr.
fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = bootline().args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn fixture(name: &str) -> String {
    let path = format!("fixtures/implausible/{name}");
    assert!(Path::new(ROOT).join(&path).is_file(), "{path} is missing");
    path
}

/// The warning every command prints for these attempts under the default limit.
fn warning(count: &str, names: &str) -> String {
    format!(
        "bootline: {count} with an implausible latency, not fitted ([latency] max_plausible_secs \
         = 86400 s; --strict makes this an error): {names}\n"
    )
}

/// `fit --format json` of the clean fleet and `extra`: exit 0, the warning, the document.
fn fit_with(extra: &[&str], expected_stderr: &str) -> Value {
    let mut args = vec!["fit", "--format", "json", CLEAN];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = run(&args);
    assert_eq!(stderr, expected_stderr);
    assert_eq!(code, Some(0), "exit codes are unchanged");
    serde_json::from_str(&stdout).unwrap()
}

fn named(doc: &Value) -> Vec<(String, String, f64)> {
    doc["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["instance"].as_str().unwrap().to_string(),
                a["reason"].as_str().unwrap().to_string(),
                a["latency_secs"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_register_stamped_before_its_launch_is_named_and_not_fitted() {
    let doc = fit_with(
        &[&fixture("before_launch.jsonl")],
        &warning(
            "1 attempt",
            "i-early attempt 1 (-5 s: registered before launch)",
        ),
    );
    assert_eq!(doc["implausible"]["count"], 1);
    assert_eq!(
        named(&doc["implausible"]),
        [("i-early".into(), "before_launch".into(), -5.0)]
    );
    // Still a registered attempt in the counts: counted, never fitted.
    assert_eq!(doc["attempts"]["registered"], 11);
    assert_eq!(doc["n"], 12);
}

#[test]
fn check_names_the_implausible_attempts_as_recommend_does() {
    let early = fixture("before_launch.jsonl");
    let args = |command| {
        vec![
            command,
            "--config",
            "fixtures/bootline.toml",
            "--format",
            "json",
            CLEAN,
            early.as_str(),
        ]
    };
    let doc = |args: Vec<&str>| -> Value {
        let (_, stdout, stderr) = run(&args);
        assert_eq!(
            stderr,
            warning(
                "1 attempt",
                "i-early attempt 1 (-5 s: registered before launch)"
            )
        );
        serde_json::from_str(&stdout).unwrap()
    };
    let check = doc(args("check"));
    let recommend = doc(args("recommend"));
    assert_eq!(check["implausible"]["count"], 1);
    assert_eq!(check["implausible"], recommend["implausible"]);
}

#[test]
fn a_register_at_the_instant_of_launch_is_named_and_not_fitted() {
    let doc = fit_with(
        &[&fixture("zero.jsonl")],
        &warning(
            "1 attempt",
            "i-instant attempt 1 (0 s: registered at launch)",
        ),
    );
    assert_eq!(
        named(&doc["implausible"]),
        [("i-instant".into(), "zero".into(), 0.0)]
    );
    assert_eq!(doc["n"], 12);
}

#[test]
fn a_register_in_the_year_9999_is_beyond_the_default_limit() {
    // 9999-12-31T23:59:59Z less the launch at 2026-06-10T09:02:00Z.
    let doc = fit_with(
        &[&fixture("year9999.jsonl")],
        &warning(
            "1 attempt",
            "i-far attempt 1 (251621218679 s: beyond the limit)",
        ),
    );
    assert_eq!(doc["implausible"]["max_plausible_secs"], 86400.0);
    assert_eq!(
        named(&doc["implausible"]),
        [("i-far".into(), "beyond_limit".into(), 251_621_218_679.0)]
    );
    assert_eq!(doc["n"], 12);
}

#[test]
fn a_configured_limit_is_the_one_applied() {
    let slow = fixture("slow.jsonl");
    // Two hours is plausible by default: fitted, nothing said.
    let doc = fit_with(&[&slow], "");
    assert_eq!(doc["n"], 13);
    assert!(doc.get("implausible").is_none());
    let (code, stdout, stderr) = run(&[
        "fit",
        "--format",
        "json",
        "--config",
        &fixture("hour.toml"),
        CLEAN,
        &slow,
    ]);
    assert_eq!(
        stderr,
        "bootline: 1 attempt with an implausible latency, not fitted ([latency] \
         max_plausible_secs = 3600 s; --strict makes this an error): i-slow attempt 1 (7200 s: \
         beyond the limit)\n"
    );
    assert_eq!(code, Some(0));
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["n"], 12);
    assert_eq!(doc["implausible"]["max_plausible_secs"], 3600.0);
}

#[test]
fn impossible_latencies_in_a_timeline_shard_are_named_and_not_fitted() {
    let doc = fit_with(
        &[&fixture("shard.jsonl")],
        &warning(
            "3 attempts",
            "i-shard-huge attempt 1 (4000000000 s: beyond the limit), i-shard-neg attempt 1 \
             (-5 s: registered before launch), i-shard-zero attempt 1 (0 s: registered at \
             launch)",
        ),
    );
    assert_eq!(doc["implausible"]["count"], 3);
    assert_eq!(
        named(&doc["implausible"]),
        [
            ("i-shard-huge".into(), "beyond_limit".into(), 4e9),
            ("i-shard-neg".into(), "before_launch".into(), -5.0),
            ("i-shard-zero".into(), "zero".into(), 0.0),
        ]
    );
    assert_eq!(doc["n"], 12);
}

/// Every implausible input of the folder beside the clean fleet.
fn all_implausible() -> Vec<String> {
    [
        "before_launch.jsonl",
        "zero.jsonl",
        "year9999.jsonl",
        "shard.jsonl",
    ]
    .map(fixture)
    .to_vec()
}

const ALL_NAMES: &str = "i-early attempt 1 (-5 s: registered before launch), i-far attempt 1 \
                         (251621218679 s: beyond the limit), i-instant attempt 1 (0 s: \
                         registered at launch), i-shard-huge attempt 1 (4000000000 s: beyond \
                         the limit), i-shard-neg attempt 1 (-5 s: registered before launch) and 1 \
                         more";

#[test]
fn strict_makes_an_implausible_latency_an_error() {
    let extra = all_implausible();
    let message = format!(
        "bootline: 6 attempts with an implausible latency ([latency] max_plausible_secs = \
         86400 s): {ALL_NAMES}\n"
    );
    let out = tempfile::tempdir().unwrap();
    let folder = out.path().join("report");
    let folder = folder.to_str().unwrap();
    for command in [
        &["fit", "--strict"][..],
        &["recommend", "--strict"][..],
        &["report", "--strict", "--quiet", "--out", folder][..],
    ] {
        let mut args = command.to_vec();
        args.push(CLEAN);
        args.extend(extra.iter().map(String::as_str));
        let (code, stdout, stderr) = run(&args);
        assert_eq!(code, Some(2), "{command:?}");
        assert_eq!(stderr, message, "{command:?}");
        assert_eq!(stdout, "", "{command:?}");
    }
    assert!(!Path::new(folder).exists(), "no report is written");
}

/// A JSON document without the given keys.
fn without(mut doc: Value, keys: &[&str]) -> Value {
    for k in keys {
        doc.as_object_mut().unwrap().remove(*k);
    }
    doc
}

#[test]
fn implausible_attempts_are_excluded_from_the_fit_not_fitted() {
    let clean = fit_with(&[], "");
    let extra = all_implausible();
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let mixed = fit_with(&extra, &warning("6 attempts", ALL_NAMES));
    assert_eq!(mixed["implausible"]["count"], 6);
    assert_eq!(
        mixed["implausible"]["attempts"].as_array().unwrap().len(),
        6
    );
    // Counted among the attempts (all six registered)…
    assert_eq!(clean["attempts"]["registered"], 10);
    assert_eq!(mixed["attempts"]["registered"], 16);
    // …and every statistic is the clean input's.
    let counts = ["implausible", "attempts", "boots"];
    assert_eq!(without(mixed, &counts), without(clean, &counts));
}

#[test]
fn recommend_json_names_them_and_recommends_from_the_clean_attempts() {
    let (clean_code, clean, _) = run(&["recommend", "--format", "json", CLEAN]);
    let mut args = vec!["recommend", "--format", "json", CLEAN];
    let year = fixture("year9999.jsonl");
    let early = fixture("before_launch.jsonl");
    args.extend([year.as_str(), early.as_str()]);
    let (code, stdout, stderr) = run(&args);
    assert_eq!(
        stderr,
        warning(
            "2 attempts",
            "i-early attempt 1 (-5 s: registered before launch), i-far attempt 1 \
             (251621218679 s: beyond the limit)"
        )
    );
    assert_eq!(code, clean_code, "exit codes are unchanged");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["implausible"]["count"], 2);
    assert_eq!(
        named(&doc["implausible"]),
        [
            ("i-early".into(), "before_launch".into(), -5.0),
            ("i-far".into(), "beyond_limit".into(), 251_621_218_679.0),
        ]
    );
    let clean: Value = serde_json::from_str(&clean).unwrap();
    assert!(clean.get("implausible").is_none());
    assert_eq!(without(doc, &["implausible"]), clean);
}

#[test]
fn the_report_names_them_in_json_and_markdown() {
    let out = tempfile::tempdir().unwrap();
    let folder = out.path().to_str().unwrap();
    let year = fixture("year9999.jsonl");
    let zero = fixture("zero.jsonl");
    let (code, _, stderr) = run(&["report", "--quiet", "--out", folder, CLEAN, &year, &zero]);
    assert_eq!(
        stderr.lines().next().unwrap_or(""),
        warning(
            "2 attempts",
            "i-far attempt 1 (251621218679 s: beyond the limit), i-instant attempt 1 (0 s: \
             registered at launch)"
        )
        .trim_end()
    );
    let clean_dir = tempfile::tempdir().unwrap();
    let (clean_code, _, _) = run(&[
        "report",
        "--quiet",
        "--out",
        clean_dir.path().to_str().unwrap(),
        CLEAN,
    ]);
    assert_eq!(code, clean_code, "exit codes are unchanged");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(json["implausible"]["count"], 2);
    assert_eq!(
        named(&json["implausible"]),
        [
            ("i-far".into(), "beyond_limit".into(), 251_621_218_679.0),
            ("i-instant".into(), "zero".into(), 0.0),
        ]
    );
    let clean: Value = serde_json::from_str(
        &std::fs::read_to_string(clean_dir.path().join("report.json")).unwrap(),
    )
    .unwrap();
    // Excluded from every fit and chart: the class's statistics and figures are the clean ones.
    assert_eq!(json["classes"][0]["fit"], clean["classes"][0]["fit"]);
    assert_eq!(json["figures"], clean["figures"]);
    let md = std::fs::read_to_string(out.path().join("report.md")).unwrap();
    assert!(
        md.lines().any(|l| l
            == "2 attempts with an implausible latency (negative, zero, or beyond `[latency] \
                max_plausible_secs` = 86400 s) are excluded from every fit and chart: `i-far` \
                attempt 1 (251621218679 s: beyond the limit), `i-instant` attempt 1 (0 s: \
                registered at launch)."),
        "{md}"
    );
}
