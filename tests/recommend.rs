//! `bootline recommend` and `bootline check`: the reference datasets' `timeout_recommendation`
//! (fixtures/stats, numbers from scipy and lifelines), the fixture fleet from its raw logs and
//! events (the incident: 600 → 720 s, the 300 s watcher, the vacuous 660 s guard), a generated
//! fleet whose healthy tail reaches the stuck threshold, the CI gate both ways, what-if
//! candidates, and the exit codes.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;

use assert_cmd::Command;
use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Runs bootline in the repository root; returns the exit code and stdout.
fn run(args: &[&str]) -> (i32, String) {
    let out = Command::cargo_bin("bootline")
        .expect("binary")
        .current_dir(ROOT)
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).expect("utf-8"),
    )
}

fn json(args: &[&str]) -> (i32, Value) {
    let (code, out) = run(args);
    (code, serde_json::from_str(&out).expect("json output"))
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-300)
}

/// The reference's names for a basis: `parametric:<family>` is our `model:<family>`.
fn reference_basis(b: &str) -> String {
    match b.split_once(':') {
        Some(("parametric", family)) => format!("model:{family}"),
        _ => match b {
            "km_band" | "kaplan_meier" => "kaplan_meier".to_string(),
            "order_statistic" | "binomial_order_statistic" => "order_statistic".to_string(),
            other => panic!("unmapped reference basis {other}"),
        },
    }
}

/// The reference's warning sentences as our warning kinds.
fn reference_warning_kind(w: &str) -> &'static str {
    if w.starts_with("no distribution-free bound") {
        "no_distribution_free_bound"
    } else if w.contains("extrapolation") {
        "extrapolation"
    } else if w.contains("disagree by more than 25%") {
        "model_sensitive"
    } else if w.starts_with("KM ends on a plateau") {
        "killed_plateau"
    } else if w.contains("reaches the stuck threshold") {
        "overlap"
    } else if w.contains("within 20% of the stuck threshold") {
        "near_stuck_threshold"
    } else {
        panic!("unmapped reference warning: {w}")
    }
}

/// A rate of ours against the reference's at 1e-6 absolute. A reference Kaplan–Meier rate of
/// 0 beyond a censored last record is "beyond the data" for us.
fn check_rates(name: &str, ours: &Value, reference: &Value, last_record_censored: bool) {
    let at = reference["timeout"].as_f64().expect("timeout");
    assert_eq!(ours["timeout_s"].as_f64(), Some(at), "{name}");
    let model = reference["model"].as_f64().expect("model rate");
    let got = ours["model"].as_f64().expect("our model rate");
    assert!(
        (got - model).abs() < 1e-6,
        "{name} model at {at}: {got} vs {model}"
    );
    assert_eq!(ours["model_family"], reference["model_name"], "{name}");
    let per_10k = reference["expected_false_fails_per_10k_boots_model"]
        .as_f64()
        .expect("per 10k");
    assert!((ours["per_10k"].as_f64().expect("per_10k") - per_10k).abs() < 1e-2);
    match reference["km"].as_f64() {
        None => {
            assert_eq!(ours["km"], Value::Null, "{name} km at {at}");
            assert_eq!(ours["km_beyond_data"], true, "{name} at {at}");
        }
        Some(0.0) if ours["km_beyond_data"] == true => {
            assert!(
                last_record_censored,
                "{name}: KM 0 beyond an event is 0, not unknown"
            );
            assert_eq!(ours["km"], Value::Null);
        }
        Some(km) => {
            let got = ours["km"].as_f64().expect("our km");
            assert!((got - km).abs() < 1e-6, "{name} km at {at}: {got} vs {km}");
            if let Some(ci) = reference["km_ci_loglog"].as_array() {
                for (o, r) in ours["km_ci"].as_array().expect("km_ci").iter().zip(ci) {
                    let (o, r) = (o.as_f64().expect("ci"), r.as_f64().expect("ref ci"));
                    assert!((o - r).abs() < 1e-9, "{name} km ci at {at}: {o} vs {r}");
                }
            }
        }
    }
}

/// Last record censored? (the largest duration, censorings after events at ties)
fn last_record_censored(data: &str) -> bool {
    let path = format!("{ROOT}/fixtures/stats/{data}");
    let text = std::fs::read_to_string(&path).expect("dataset");
    let mut rows: Vec<(f64, bool)> = if data.ends_with(".json") {
        let v: Value = serde_json::from_str(&text).expect("json");
        v.as_array()
            .expect("a list of records")
            .iter()
            .map(|r| {
                let c = &r["censored"];
                (
                    r["duration_seconds"].as_f64().expect("duration"),
                    c.as_f64() == Some(1.0) || *c == true,
                )
            })
            .collect()
    } else {
        text.lines()
            .skip(1)
            .map(|l| {
                let (d, c) = l.split_once(',').expect("row");
                (d.parse().expect("d"), c.trim() == "1")
            })
            .collect()
    };
    rows.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    rows.last().expect("rows").1
}

#[test]
fn every_reference_dataset_gives_the_reference_timeout() {
    let datasets = [
        ("tiny_n10_ties", "tiny_n10_ties.csv"),
        ("nist_weibull_n20_cens500", "nist_weibull_n20_cens500.csv"),
        ("lognormal_n200_cens600", "lognormal_n200_cens600.csv"),
        ("weibull_n50", "weibull_n50.json"),
        ("gamma_n500_ties_mixedcens", "gamma_n500_ties_mixedcens.csv"),
    ];
    for (name, data) in datasets {
        let reference: Value = serde_json::from_str(
            &std::fs::read_to_string(format!("{ROOT}/fixtures/stats/{name}.ref.json"))
                .expect("reference"),
        )
        .expect("reference json");
        let tr = &reference["timeout_recommendation"];
        let current = tr["current_timeout"].as_f64().expect("current").to_string();
        let stuck = tr["stuck_threshold"].as_f64().expect("stuck").to_string();
        let path = format!("fixtures/stats/{data}");
        let (code, v) = json(&[
            "recommend",
            "--durations",
            &path,
            "--current",
            &current,
            "--stuck",
            &stuck,
            "--format",
            "json",
        ]);
        let c = &v["classes"][0];
        assert_eq!(v["classes"].as_array().map(Vec::len), Some(1), "{name}");
        // Policy as the reference used it.
        assert_eq!(
            v["policy"]["target_false_fail_rate"],
            tr["target_false_fail_rate"]
        );
        assert_eq!(v["policy"]["confidence"], tr["confidence"]);
        assert_eq!(c["quantile"], tr["quantile_level"]);
        assert_eq!(
            c["recommended_timeout_s"], tr["recommended_timeout"],
            "{name}"
        );
        let bound = tr["bound_used"].as_f64().expect("bound");
        assert!(
            close(c["bound_s"].as_f64().expect("bound_s"), bound, 1e-4),
            "{name}"
        );
        let raw = tr["raw"].as_f64().expect("raw");
        assert!(
            close(c["raw_s"].as_f64().expect("raw_s"), raw, 1e-4),
            "{name}"
        );
        assert_eq!(
            c["basis"].as_str(),
            Some(reference_basis(tr["basis"].as_str().expect("basis")).as_str()),
            "{name}"
        );
        let censored_last = last_record_censored(data);
        check_rates(
            name,
            &c["false_fail_at_current"],
            &tr["false_fail_at_current"],
            censored_last,
        );
        check_rates(
            name,
            &c["false_fail_at_recommended"],
            &tr["false_fail_at_recommended"],
            censored_last,
        );
        // The plausible models and their bounds.
        let ours: BTreeMap<String, f64> = c["plausible_models"]
            .as_array()
            .expect("plausible")
            .iter()
            .map(|m| {
                (
                    m["family"].as_str().expect("family").to_string(),
                    m["ucb_s"].as_f64().expect("ucb"),
                )
            })
            .collect();
        let theirs = tr["plausible_models_ucb"]
            .as_object()
            .expect("plausible ref");
        assert_eq!(
            ours.keys().collect::<BTreeSet<_>>(),
            theirs.keys().collect::<BTreeSet<_>>(),
            "{name}"
        );
        for (family, ucb) in theirs {
            assert!(
                close(ours[family], ucb.as_f64().expect("ucb"), 1e-4),
                "{name} {family}"
            );
        }
        // The same warnings (ours may add the small-sample one).
        let kinds: BTreeSet<&str> = c["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .map(|w| w["kind"].as_str().expect("kind"))
            .filter(|k| *k != "few_records")
            .collect();
        let expected: BTreeSet<&str> = tr["warnings"]
            .as_array()
            .expect("ref warnings")
            .iter()
            .map(|w| reference_warning_kind(w.as_str().expect("text")))
            .collect();
        assert_eq!(kinds, expected, "{name}");
        // Under 200 exact records the verdict is not enough evidence (the overlap warning
        // above is the model-only timeout's) and exits 0; otherwise overlap exits 1, the rest 0.
        let n_exact = c["n"].as_u64().expect("n") - c["n_censored"].as_u64().expect("censored");
        assert_eq!(c["n_exact"].as_u64(), Some(n_exact), "{name}");
        let verdict = if n_exact < 200 {
            "insufficient_data"
        } else if expected.contains("overlap") {
            "overlap"
        } else {
            c["verdict"].as_str().expect("verdict")
        };
        assert_eq!(c["verdict"], verdict, "{name}");
        assert_eq!(code, if verdict == "overlap" { 1 } else { 0 }, "{name}");
    }
}

/// The generator's truth, one row per provisioning attempt (the statistical unit): the rows
/// are per boot, and the boots of one attempt share its `attempt_outcome`.
fn truth() -> Vec<Value> {
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{ROOT}/fixtures/fleet/truth.json")).expect("truth"),
    )
    .expect("truth json");
    let mut seen = BTreeSet::new();
    v["instances"]
        .as_array()
        .expect("instances")
        .iter()
        .filter(|b| seen.insert((b["instance"].to_string(), b["attempt"].to_string())))
        .map(|b| {
            let mut a = b.clone();
            a["outcome"] = b["attempt_outcome"].clone();
            a
        })
        .collect()
}

const FLEET: [&str; 4] = [
    "recommend",
    "--config",
    "fixtures/bootline.toml",
    "fixtures/fleet",
];

#[test]
fn the_fixture_fleet_gives_720_s_and_flags_the_watcher_and_the_vacuous_guard() {
    let mut args = FLEET.to_vec();
    args.extend(["--format", "json"]);
    let (code, v) = json(&args);
    // Exit 1: the lockstep watcher and the vacuous guard (no overlap anywhere).
    assert_eq!(code, 1);
    let classes: Vec<&str> = v["classes"]
        .as_array()
        .expect("classes")
        .iter()
        .map(|c| c["class"].as_str().expect("class"))
        .collect();
    assert_eq!(classes, ["default", "hermes"]);
    let templates: Vec<&str> = v["templates"]
        .as_array()
        .expect("templates")
        .iter()
        .map(|c| c["template"].as_str().expect("template"))
        .collect();
    assert_eq!(templates, ["gpu-large"]);

    let d = &v["classes"][0];
    assert_eq!(d["current_timeout_s"], 600.0);
    assert_eq!(d["recommended_timeout_s"], 720.0);
    assert_eq!(d["verdict"], "ok");
    assert_eq!(d["stuck_margin_s"], 180.0);
    assert_eq!(d["basis"], "model:lognormal");
    // fixtures/fleet/README.md: lognormal UCB 632.28 s (scipy), 994 records.
    assert!((d["bound_s"].as_f64().expect("bound") - 632.28).abs() < 0.01);

    // The class fit holds the default boots outside the gpu-large template, fitted outcomes
    // only; the template's boots form their own group.
    let truth = truth();
    let fitted = |t: &&Value| {
        matches!(
            t["outcome"].as_str(),
            Some("registered" | "false_failed" | "timed_out" | "unknown")
        )
    };
    let default_fitted = truth
        .iter()
        .filter(|t| t["class"] == "default" && t["template"].is_null())
        .filter(fitted)
        .count();
    assert_eq!(d["n"].as_u64(), Some(default_fitted as u64));
    let gpu = truth
        .iter()
        .filter(|t| t["template"] == "gpu-large")
        .filter(fitted)
        .count();
    assert_eq!(v["templates"][0]["n"].as_u64(), Some(gpu as u64));
    assert_eq!(v["templates"][0]["current_timeout_s"], 1200.0);
    // Stuck and crashed boots are counted, not fitted.
    let count = |o: &str| {
        truth
            .iter()
            .filter(|t| t["class"] == "default" && t["template"].is_null() && t["outcome"] == o)
            .count() as u64
    };
    assert_eq!(d["n_stuck"].as_u64(), Some(count("stuck")));
    assert_eq!(d["n_crashed"].as_u64(), Some(count("crashed")));
    assert_eq!(d["n_killed_unresolved"].as_u64(), Some(count("timed_out")));

    // At 600 s the sweep fails exactly the false-failed boots; at 720 s none.
    let mut false_failed: Vec<&str> = truth
        .iter()
        .filter(|t| t["outcome"] == "false_failed" && t["class"] == "default")
        .map(|t| t["instance"].as_str().expect("id"))
        .collect();
    false_failed.sort();
    let at_current: Vec<&str> = d["false_fail_at_current"]["instances"]
        .as_array()
        .expect("instances")
        .iter()
        .map(|i| i.as_str().expect("id"))
        .collect();
    assert_eq!(at_current, false_failed);
    assert_eq!(d["false_fail_at_recommended"]["observed"], 0);
    // Most boots take about 7 minutes; Kaplan–Meier's share past 600 s is about half a
    // percent, and beyond the data at 720 s.
    let km = d["false_fail_at_current"]["km"].as_f64().expect("km");
    assert!(km > 0.003 && km < 0.007, "{km}");
    assert_eq!(d["false_fail_at_recommended"]["km_beyond_data"], true);

    // Hermes: lognormal UCB 1601.9 s → 1800 s (fixtures/fleet/README.md), model-sensitive.
    let h = &v["classes"][1];
    assert!((h["bound_s"].as_f64().expect("bound") - 1601.9).abs() < 0.1);
    assert_eq!(h["recommended_timeout_s"], 1800.0);

    // Lockstep: the 300 s watcher must move to at least 720 s.
    assert_eq!(v["lockstep"][0]["verdict"], "must_move");
    assert_eq!(v["lockstep"][0]["required_s"], 720.0);
    assert_eq!(v["lockstep"][0]["timeout_s"], 300.0);
    // Guards: 660 s (spared by the template) is vacuous, a real guard lies in (720, 1200];
    // 800 s (failed past the default) still guards.
    assert_eq!(v["guards"][0]["verdict"], "vacuous");
    assert_eq!(v["guards"][0]["age_s"], 660.0);
    assert_eq!(
        v["guards"][0]["real_guard_interval_s"],
        serde_json::json!([720.0, 1200.0])
    );
    assert_eq!(v["guards"][1]["verdict"], "ok");

    // The text opens with the answer.
    let (code, text) = run(&FLEET);
    assert_eq!(code, 1);
    let first = text.lines().next().expect("a line");
    assert!(
        first.starts_with("default: raise 600 s → 720 s (p99.9 bound 632.3 s × 1.10; 0.50 % of healthy boots fail at 600 s, < 0.10 % at 720 s; 180 s below the stuck threshold)"),
        "{first}"
    );
    assert!(text.contains("must move to ≥ 720 s"), "{text}");
    // The README shows these three lines as they are.
    let readme = std::fs::read_to_string(format!("{ROOT}/README.md")).expect("README");
    let section = &readme[readme.find("## Recommending a timeout").expect("section")..];
    let block = &section[section.find("```text\n").expect("example") + 8..];
    let block = &block[..block.find("```").expect("end of example")];
    let answer: Vec<&str> = text.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(block.lines().collect::<Vec<_>>(), answer);
}

#[test]
fn candidates_on_the_fleet() {
    let mut args = FLEET.to_vec();
    args.extend(["--class", "default", "--candidates", "600,660,720,900"]);
    let (code, text) = run(&args);
    assert_eq!(code, 1);
    insta::assert_snapshot!("recommend_fleet_candidates", text);
    let mut args = args.clone();
    args.extend(["--format", "json"]);
    let (_, v) = json(&args);
    let c = v["classes"][0]["candidates"]
        .as_array()
        .expect("candidates");
    let observed: Vec<u64> = c
        .iter()
        .map(|c| c["observed"].as_u64().expect("n"))
        .collect();
    // 3 false-failed boots are slower than 600 s (606.1, 626, 635 s); none past 660 s.
    assert_eq!(observed, [3, 0, 0, 0]);
    let saved: Vec<f64> = c
        .iter()
        .map(|c| c["stuck_delay_saved_s"].as_f64().expect("delay"))
        .collect();
    assert_eq!(saved, [0.0, -60.0, -120.0, -300.0]);
    assert_eq!(c[3]["verdict"], "overlap");
}

#[test]
fn the_guard_incident_as_check() {
    let (code, text) = run(&[
        "check",
        "--config",
        "fixtures/bootline.toml",
        "--proposed",
        "720",
    ]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("check_incident", text);
    // Before the change every case guards and the watcher covers nothing at 600 s either.
    let (code, v) = json(&[
        "check",
        "--config",
        "fixtures/bootline.toml",
        "--proposed",
        "default=600",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    assert_eq!(v["guards"][0]["verdict"], "ok");
    assert_eq!(v["lockstep"][0]["verdict"], "must_move");
    assert!(v.get("gate").is_none());
}

/// The fleet's configuration without lockstep timeouts and guard cases, with a policy of
/// `target` false-fail rate and `slack` multiplier (the class timeouts stay those the fleet's
/// sweep used).
fn gate_config(target: &str, slack: &str) -> tempfile::NamedTempFile {
    let text = std::fs::read_to_string(format!("{ROOT}/fixtures/bootline.toml")).expect("config");
    let cut = text.find("[[lockstep]]").expect("lockstep section");
    let text = text[..cut]
        .replace(
            "target_false_fail_rate = 0.001",
            &format!("target_false_fail_rate = {target}"),
        )
        .replace(
            "slack_multiplier = 1.10",
            &format!("slack_multiplier = {slack}"),
        );
    assert!(text.contains(target) && text.contains(slack), "{text}");
    let mut f = tempfile::NamedTempFile::new().expect("temp");
    f.write_all(text.as_bytes()).expect("write");
    f
}

#[test]
fn the_ci_gate_fails_below_the_recommendation_and_passes_at_it() {
    // 0.1 % target: 600 s is below the recommended 720 s, and 0.50 % of boots exceed it.
    let config = gate_config("0.001", "1.10");
    let path = config.path().to_str().expect("path");
    let (code, text) = run(&["check", "--config", path, "fixtures/fleet"]);
    assert_eq!(code, 1, "{text}");
    insta::assert_snapshot!("check_gate_fails", text);

    // A 2 % target without slack: the Kaplan–Meier bound of p98 (550 s) rounds to 570 s, and
    // the 0.50 % past 600 s is within the target.
    let config = gate_config("0.02", "1.0");
    let path = config.path().to_str().expect("path");
    let (code, text) = run(&["check", "--config", path, "fixtures/fleet"]);
    assert_eq!(code, 0, "{text}");
    insta::assert_snapshot!("check_gate_passes", text);
}

/// Inverse of the standard normal CDF (Acklam's rational approximation, refined by one Halley
/// step against erfc), for generating latencies at probability midpoints.
fn latencies(n: usize, median: f64, sigma: f64) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let p = (i as f64 + 0.5) / n as f64;
            (median.ln() + sigma * bootline::stats::special::norm_quantile(p))
                .exp()
                .round()
        })
        .collect()
}

/// Platform events of a fleet with two instance types: `fast` boots take about 5 min, `slow`
/// ones about 10 min with a long tail; the sweep's timeout is 1,200 s so none is killed.
fn two_cohort_events() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("dir");
    let mut lines = Vec::new();
    let start = 1_781_049_600i64; // 2026-06-10T00:00:00Z
    let mut k = 0i64;
    for (kind, median, sigma) in [("fast", 300.0, 0.1), ("slow", 600.0, 0.2)] {
        for secs in latencies(300, median, sigma) {
            k += 1;
            let launched = start + 60 * k;
            let ts = |t: i64| {
                chrono::DateTime::from_timestamp(t, 0)
                    .expect("time")
                    .format("%Y-%m-%dT%H:%M:%SZ")
                    .to_string()
            };
            lines.push(format!(
                r#"{{"time":"{}","event":"launched","instance":"i-{k:05}","workspace":"w{k:05}","class":"default","instance_type":"{kind}"}}"#,
                ts(launched)
            ));
            lines.push(format!(
                r#"{{"time":"{}","event":"registered","instance":"i-{k:05}","status":200}}"#,
                ts(launched + secs as i64)
            ));
        }
    }
    std::fs::write(dir.path().join("events.jsonl"), lines.join("\n") + "\n").expect("write");
    std::fs::write(
        dir.path().join("bootline.toml"),
        "[[class]]\nname = \"default\"\ntimeout_secs = 1200\nstuck_threshold_secs = 900\n",
    )
    .expect("write");
    dir
}

#[test]
fn a_tail_reaching_the_stuck_threshold_overlaps_and_suggests_cohorts() {
    let dir = two_cohort_events();
    let config = dir.path().join("bootline.toml");
    let events = dir.path().join("events.jsonl");
    let (code, v) = json(&[
        "recommend",
        "--config",
        config.to_str().expect("path"),
        events.to_str().expect("path"),
        "--group-by",
        "instance_type",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let d = &v["classes"][0];
    assert_eq!(d["n"], 600);
    assert_eq!(d["verdict"], "overlap");
    assert!(d["recommended_timeout_s"].as_f64().expect("t") >= 900.0);
    // The share of healthy boots still running at the stuck threshold, by KM and the model.
    let at = &d["at_stuck_threshold"];
    assert_eq!(at["timeout_s"], 900.0);
    let km = at["km"].as_f64().expect("km at the threshold");
    let slow_past_900 = latencies(300, 600.0, 0.2)
        .iter()
        .filter(|&&t| t > 900.0)
        .count();
    assert!((km - slow_past_900 as f64 / 600.0).abs() < 1e-12, "{km}");
    assert!(at["model"].as_f64().expect("model") > 0.0);
    // Each cohort fitted on its own: the fast one separates, the slow one does not.
    let cohorts = d["cohorts"].as_array().expect("cohorts");
    assert_eq!(cohorts.len(), 2);
    assert_eq!(cohorts[0]["value"], "fast");
    assert_eq!(cohorts[0]["verdict"], "ok");
    assert_eq!(cohorts[0]["covered_by_pooled"], true);
    assert_eq!(cohorts[1]["value"], "slow");
    assert_eq!(cohorts[1]["verdict"], "overlap");
    let s = &d["suggestion"];
    assert_eq!(s["kind"], "per_cohort");
    assert_eq!(s["separable"][0][0], "fast");
    assert_eq!(s["separable"][0][1], cohorts[0]["recommended_timeout_s"]);
    assert_eq!(s["overlapping"], serde_json::json!(["slow"]));

    // Without --group-by the suggestion names the labels to split by.
    let (code, text) = run(&[
        "recommend",
        "--config",
        config.to_str().expect("path"),
        events.to_str().expect("path"),
    ]);
    assert_eq!(code, 1);
    assert!(text.contains("--group-by instance_type"), "{text}");
    assert!(text.contains("overlap"), "{text}");
    // The ways out are computed: the slow cohort overlaps on its own, so no label separates;
    // the stuck threshold that would is the next grid step above the recommended timeout.
    let (_, v) = json(&[
        "recommend",
        "--config",
        config.to_str().expect("path"),
        events.to_str().expect("path"),
        "--format",
        "json",
    ]);
    let d = &v["classes"][0];
    let s = &d["suggestion"];
    assert_eq!(s["kind"], "group_by");
    assert_eq!(s["labels"], serde_json::json!(["instance_type"]));
    assert_eq!(s["splits"], serde_json::json!([]));
    let recommended = d["recommended_timeout_s"].as_f64().expect("t");
    assert_eq!(
        s["stuck_threshold_needed_s"].as_f64(),
        Some(recommended + 60.0)
    );
    assert!(
        text.contains(&format!(
            "raise the stuck threshold to {:.0} s",
            recommended + 60.0
        )),
        "{text}"
    );
}

#[test]
fn exit_codes_and_usage_errors() {
    // 0: a recommendation without findings (weibull_n50: 50 records are not enough evidence;
    // the model-only answer is 840 s).
    let (code, _) = run(&[
        "recommend",
        "--durations",
        "fixtures/stats/weibull_n50.json",
    ]);
    assert_eq!(code, 0);
    // 2: usage and input errors, with a message.
    for args in [
        vec!["recommend"],
        vec![
            "recommend",
            "--durations",
            "fixtures/stats/weibull_n50.json",
            "--target",
            "2",
        ],
        vec![
            "recommend",
            "--durations",
            "fixtures/stats/weibull_n50.json",
            "--current",
            "x",
        ],
        vec!["recommend", "--durations", "fixtures/stats/nope.csv"],
        vec![
            "recommend",
            "--config",
            "fixtures/bootline.toml",
            "fixtures/fleet",
            "--current",
            "700",
        ],
        vec!["check"],
        vec![
            "check",
            "--config",
            "fixtures/bootline.toml",
            "--proposed",
            "nope=3",
        ],
    ] {
        let out = Command::cargo_bin("bootline")
            .expect("binary")
            .current_dir(ROOT)
            .args(&args)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn policy_flags_and_keys_change_the_answer() {
    let base = [
        "recommend",
        "--durations",
        "fixtures/stats/weibull_n50.json",
        "--format",
        "json",
    ];
    let (_, v) = json(&base);
    assert_eq!(v["classes"][0]["recommended_timeout_s"], 840.0);
    // A 1 % target bounds p99 instead.
    let mut args = base.to_vec();
    args.extend(["--target", "0.01"]);
    let (_, v) = json(&args);
    assert_eq!(v["classes"][0]["quantile"], 0.99);
    assert!(
        v["classes"][0]["recommended_timeout_s"]
            .as_f64()
            .expect("t")
            < 840.0
    );
    // Additive slack wins when larger: 731.4 + 200 s → 960 s.
    let mut args = base.to_vec();
    args.extend(["--slack-add", "200"]);
    let (_, v) = json(&args);
    assert_eq!(v["classes"][0]["recommended_timeout_s"], 960.0);
    // The grid comes from [policy].
    let mut f = tempfile::NamedTempFile::new().expect("temp");
    f.write_all(b"[policy]\ngrid_secs = 10\ngrid_above_secs = 25\ngrid_switch_secs = 1000\n")
        .expect("write");
    let mut args = base.to_vec();
    args.extend(["--config", f.path().to_str().expect("path")]);
    let (_, v) = json(&args);
    // raw 804.56 s on a 10 s grid below 1,000 s.
    assert_eq!(v["classes"][0]["recommended_timeout_s"], 810.0);
    assert_eq!(v["policy"]["grid_secs"], 10.0);
}

#[test]
fn fit_text_shows_the_share_past_the_current_timeout_with_the_policy_confidence() {
    let mut f = tempfile::NamedTempFile::new().expect("temp");
    f.write_all(b"[policy]\nconfidence = 0.8\n[[class]]\nname = \"default\"\ntimeout_secs = 240\n")
        .expect("write");
    let config = f.path().to_str().expect("path");
    let (code, text) = run(&[
        "fit",
        "--config",
        config,
        "--durations",
        "fixtures/stats/tiny_n10_ties.csv",
    ]);
    assert_eq!(code, 0);
    // S(240) = 0.2142857 (STATS.md §4), with its 80 % log-log interval.
    assert!(text.contains("intervals 80 % two-sided"), "{text}");
    let line = text
        .lines()
        .find(|l| l.contains("of healthy boots exceed 240 s"))
        .expect("the share past the current timeout");
    assert!(line.trim_start().starts_with("21.4 % ["), "{line}");
    // Past the last (censored) record the share is unknown, not 0.
    let (_, text) = run(&["fit", "--durations", "fixtures/stats/tiny_n10_ties.csv"]);
    assert!(
        text.contains("beyond the data: an unknown share of healthy boots exceed 600 s"),
        "{text}"
    );
}

#[test]
fn timelines_read_back_give_the_same_recommendation_as_raw_inputs() {
    let (code, jsonl) = run(&[
        "timeline",
        "--config",
        "fixtures/bootline.toml",
        "--format",
        "jsonl",
        "fixtures/fleet",
    ]);
    assert_eq!(code, 0);
    let dir = tempfile::tempdir().expect("dir");
    let shard = dir.path().join("fleet.jsonl");
    std::fs::write(&shard, jsonl).expect("write");
    let from_timelines = json(&[
        "recommend",
        "--config",
        "fixtures/bootline.toml",
        "--format",
        "json",
        shard.to_str().expect("path"),
    ]);
    let mut args = FLEET.to_vec();
    args.extend(["--format", "json"]);
    let from_raw = json(&args);
    assert_eq!(from_timelines.0, 1);
    assert_eq!(from_timelines, from_raw);
}

#[test]
fn ten_records_are_not_enough_evidence_and_exit_0_unless_strict() {
    let tiny = "fixtures/stats/tiny_n10_ties.csv";
    let (code, v) = json(&["recommend", "--durations", tiny, "--format", "json"]);
    let c = &v["classes"][0];
    assert_eq!(c["verdict"], "insufficient_data");
    assert_eq!(code, 0);
    assert_eq!(v["policy"]["min_records"], 200);
    // The file's 10 records: 6 registered, 4 censored.
    assert_eq!(
        (c["n"].as_u64(), c["n_exact"].as_u64()),
        (Some(10), Some(6))
    );
    // The rule's numbers are kept: the model-only bound gives 1200 s at slack 1.10.
    let bound = c["bound_s"].as_f64().expect("bound");
    let timeout = c["recommended_timeout_s"].as_f64().expect("timeout");
    assert!(timeout >= bound * 1.10 && timeout < bound * 1.10 + 60.0);
    assert!(c["basis"].as_str().expect("basis").starts_with("model:"));
    let (code, text) = run(&["recommend", "--durations", tiny]);
    assert_eq!(code, 0);
    let first = text.lines().next().expect("a headline");
    assert!(
        first.starts_with("default: not enough evidence: 6 exact records, the policy needs 200"),
        "{first}"
    );
    assert!(
        first.contains(&format!("model-only: p99.9 bound {bound:.1} s")),
        "{first}"
    );
    let (code, _) = run(&["recommend", "--durations", tiny, "--strict"]);
    assert_eq!(code, 1);
    // A policy that asks for fewer records makes the same numbers a verdict.
    let mut f = tempfile::NamedTempFile::new().expect("temp");
    f.write_all(b"[policy]\nmin_records = 5\n").expect("write");
    let path = f.path().to_str().expect("path").to_string();
    let (_, v) = json(&[
        "recommend",
        "--config",
        &path,
        "--durations",
        tiny,
        "--format",
        "json",
    ]);
    assert_eq!(v["classes"][0]["verdict"], "overlap");
    assert_eq!(
        v["classes"][0]["recommended_timeout_s"].as_f64(),
        Some(timeout)
    );
}
