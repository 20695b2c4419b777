//! `bootline compare`: cohorts of the fixture fleet split by a label, plain durations files
//! checked end to end against lifelines' numbers, and the regression gate on generated fleets
//! (the generator's modules are compiled in here): an image whose pull got 30 s slower fails
//! it and names the phase, an unchanged fleet passes, across seeds.

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

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Attempts per generated fleet.
const ATTEMPTS: usize = 3000;

fn compare(args: &[&str]) -> (i32, Value, String) {
    let out = Command::cargo_bin("bootline")
        .expect("binary")
        .current_dir(ROOT)
        .arg("compare")
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}); stderr: {stderr}"));
    (out.status.code().expect("an exit code"), json, stderr)
}

fn text(args: &[&str]) -> (i32, String) {
    let out = Command::cargo_bin("bootline")
        .expect("binary")
        .current_dir(ROOT)
        .arg("compare")
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().expect("an exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn the_fixture_fleet_by_template_has_every_key_the_issue_lists() {
    let args = [
        "--config",
        "fixtures/bootline.toml",
        "--group-by",
        "template",
        "fixtures/fleet",
    ];
    let (code, v, stderr) = compare(&args);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["class"], "default");
    assert_eq!(v["group_by"], "template");
    let groups = v["groups"].as_array().expect("groups");
    let names: Vec<&str> = groups.iter().filter_map(|g| g["name"].as_str()).collect();
    assert_eq!(names, ["gpu-large", "(none)"]);
    // fixtures/fleet/README.md: 36 gpu-large attempts, all registered.
    assert_eq!(groups[0]["n"], 36);
    assert_eq!(groups[0]["n_censored"], 0);
    for g in groups {
        let median = g["km_median"].as_f64().expect("a median");
        let p50 = &g["quantiles"]["p50"];
        assert_eq!(p50["estimate"].as_f64(), Some(median));
        assert!(p50["ci"][0].as_f64().expect("lower") <= median);
    }
    assert_eq!(v["logrank"]["df"], 1);
    let at = v["at"].as_array().expect("at");
    assert_eq!(at[0]["t"], 600.0);
    assert_eq!(at[0]["survival"].as_array().map(Vec::len), Some(2));
    // gpu-large never runs past 600 s: S = 0 there, so the test is not defined.
    assert_eq!(at[0]["survival"][0], 0.0);
    assert!(at[0]["difference_test"].is_null());
    // 36 records are too few to gate on.
    assert_eq!(v["pairs"][0]["gate"]["verdict"], "insufficient_data");
    assert_eq!(v["gate"]["failed"], false);
}

/// A durations file of one group of a `fixtures/compare` dataset.
fn durations_file(dir: &Path, dataset: &str, group: &str) -> String {
    let csv =
        std::fs::read_to_string(format!("{ROOT}/fixtures/compare/{dataset}.csv")).expect("dataset");
    let mut out = String::from("duration_seconds,censored\n");
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[0] == group {
            let censored = if f[2] == "1" { 0 } else { 1 };
            out.push_str(&format!("{},{censored}\n", f[1]));
        }
    }
    let path = dir.join(format!("{group}.csv"));
    std::fs::write(&path, out).expect("write durations");
    path.display().to_string()
}

#[test]
fn durations_files_give_lifelines_numbers_end_to_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = durations_file(dir.path(), "two_sample", "before");
    let b = durations_file(dir.path(), "two_sample", "after");
    let (code, v, stderr) = compare(&["--durations", &a, &b, "--at", "400", "--at", "450.5"]);
    let reference: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{ROOT}/fixtures/compare/two_sample.json")).expect("ref"),
    )
    .expect("ref json");
    let close = |got: &Value, want: &Value| {
        let (g, w) = (got.as_f64().expect("got"), want.as_f64().expect("want"));
        assert!((g / w - 1.0).abs() < 1e-6, "{g} vs lifelines {w}");
    };
    close(
        &v["logrank"]["statistic"],
        &reference["logrank"]["statistic"],
    );
    close(&v["logrank"]["p_value"], &reference["logrank"]["p_value"]);
    for i in 0..2 {
        close(
            &v["at"][i]["difference_test"]["statistic"],
            &reference["at"][i]["difference_test"]["statistic"],
        );
        close(
            &v["at"][i]["survival"][1],
            &reference["at"][i]["survival"][1],
        );
        close(
            &v["groups"][i]["km_median"],
            &reference["groups"][i]["km_median"],
        );
    }
    assert_eq!(v["groups"][0]["name"], "before.csv");
    // after is slower at p90 (lifelines' medians: 382.7 s → 422.9 s) and p = 1e-4 < 0.01.
    assert!(
        v["pairs"][0]["shifts"][1]["shift"]
            .as_f64()
            .expect("p90 shift")
            > 0.0
    );
    assert_eq!(v["pairs"][0]["gate"]["verdict"], "slower");
    assert_eq!(code, 1, "{stderr}");
}

#[test]
fn bad_arguments_exit_2_with_a_reason() {
    let (code, _) = text(&["--gate-quantile", "1.5", "fixtures/fleet"]);
    assert_eq!(code, 2);
    let out = Command::cargo_bin("bootline")
        .expect("binary")
        .current_dir(ROOT)
        .args([
            "compare",
            "--config",
            "fixtures/bootline.toml",
            "fixtures/fleet",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("1 cohort to compare"), "{stderr}");
}

fn generate(dir: &Path, seed: u64, pull_extra_secs: i64) {
    timelines::write(&timelines::Options {
        out: dir.to_path_buf(),
        attempts: ATTEMPTS,
        shards: 2,
        seed,
        pull_extra_secs,
    })
    .expect("write the shards");
    // The generator's counts are not an input.
    std::fs::remove_file(dir.join("truth-timelines.json")).expect("truth written");
}

#[test]
fn an_image_30_s_slower_fails_the_gate_and_an_unchanged_one_passes_across_seeds() {
    for seed in [11u64, 12, 13] {
        let dir = tempfile::tempdir().expect("tempdir");
        let (before, same, slower) = (
            dir.path().join("before"),
            dir.path().join("same"),
            dir.path().join("slower"),
        );
        generate(&before, seed, 0);
        generate(&same, seed + 1000, 0);
        generate(&slower, seed + 1000, 30);
        let config = "fixtures/bootline.toml";
        let (b, s, w) = (
            before.to_str().unwrap(),
            same.to_str().unwrap(),
            slower.to_str().unwrap(),
        );
        let (code, v, stderr) = compare(&["--config", config, b, s, "--resamples", "200"]);
        assert_eq!(
            code, 0,
            "seed {seed}: an unchanged fleet failed the gate: {v} {stderr}"
        );
        let (code, v, stderr) = compare(&["--config", config, b, w, "--resamples", "200"]);
        assert_eq!(code, 1, "seed {seed}: the slower image passed: {stderr}");
        let pair = &v["pairs"][0];
        assert_eq!(pair["after"], "slower");
        let shift = pair["gate"]["shift_secs"].as_f64().expect("shift");
        assert!(
            (20.0..=40.0).contains(&shift),
            "seed {seed}: p90 shift {shift}"
        );
        let (code, out) = text(&["--config", config, b, w, "--resamples", "200"]);
        assert_eq!(code, 1);
        assert!(out.contains("phases: `image-pull` +"), "seed {seed}: {out}");
        assert!(out.starts_with("slower vs before: "), "{out}");
    }
}

#[test]
fn report_group_by_adds_the_comparison_section_and_its_chart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report");
    let status = Command::cargo_bin("bootline")
        .expect("binary")
        .current_dir(ROOT)
        .args([
            "report",
            "--config",
            "fixtures/bootline.toml",
            "fixtures/fleet",
            "--quiet",
        ])
        .args(["--group-by", "template", "--out"])
        .arg(&out)
        .output()
        .expect("runs");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap_or_else(|e| {
        panic!(
            "no report.md ({e}): {}",
            String::from_utf8_lossy(&status.stderr)
        )
    });
    let section = md
        .split("## Cohorts by `template`")
        .nth(1)
        .expect("the section");
    assert!(section.contains("| `gpu-large` | 36 | 0 |"), "{section}");
    assert!(
        section.contains("too few exact records to say"),
        "{section}"
    );
    assert!(section.contains("](compare.svg)"));
    let svg = std::fs::read_to_string(out.join("compare.svg")).expect("compare.svg");
    assert!(svg.contains("<title>Boots not yet registered by cohort, class default</title>"));
    assert!(
        svg.contains("gpu-large (n = 36)"),
        "the legend names the cohorts"
    );
}

#[test]
fn crossing_curves_are_said_to_cross() {
    // fixtures/compare/crossing: the same median (lifelines: 402.8 s and 392.5 s), a 20 % slow
    // minority in the second cohort.
    let dir = tempfile::tempdir().expect("tempdir");
    let a = durations_file(dir.path(), "crossing", "before");
    let b = durations_file(dir.path(), "crossing", "after");
    let (code, v, stderr) = compare(&["--durations", &a, &b]);
    assert_eq!(code, 0, "log-rank p = 0.027 is not below 0.01: {stderr}");
    let pair = &v["pairs"][0];
    assert_eq!(pair["disagreement"], "crossing");
    assert!(pair["shifts"][0]["shift"].as_f64().expect("p50 shift") < 0.0);
    let p90 = &pair["shifts"][1];
    assert!(
        p90["ci"][0].as_f64().expect("p90 lower limit") > 0.0,
        "{p90}"
    );
    assert_eq!(pair["gate"]["verdict"], "not_significant");
    let (_, out) = text(&["--durations", &a, &b]);
    assert!(out.contains("the curves cross"), "{out}");
}
