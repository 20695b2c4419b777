//! `bootline fit --durations`: real values in the JSON, the text table, and located input errors.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/stats");

fn fit_json(args: &[&str]) -> Value {
    let out = Command::cargo_bin("bootline")
        .expect("binary")
        .arg("fit")
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn json_on_the_nist_example_has_the_published_fit() {
    let path = format!("{FIXTURES}/nist_weibull_n20_cens500.csv");
    let v = fit_json(&["--durations", &path, "--times", "300,500"]);
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["n"], 20);
    assert_eq!(v["n_events"], 10);
    assert_eq!(v["n_censored"], 10);
    assert_eq!(v["empirical_quantiles"]["type1"]["p50"], 386.0);
    let models = v["models"].as_array().expect("models");
    let w = models
        .iter()
        .find(|m| m["family"] == "weibull")
        .expect("weibull");
    let scale = w["params"]["scale"].as_f64().expect("scale");
    let shape = w["params"]["shape"].as_f64().expect("shape");
    assert!((scale - 606.5276).abs() < 1e-3, "{scale}");
    assert!((shape - 1.72080).abs() < 1e-5, "{shape}");
    assert!((w["loglik"].as_f64().expect("ll") + 75.1346).abs() < 1e-4);
    assert!(w["se"]["shape"].as_f64().expect("se") > 0.0);
    let q = &w["quantiles"]["p99.9"];
    let est = q["estimate"].as_f64().expect("estimate");
    let ucb = q["ucb"].as_f64().expect("ucb");
    assert!(est < ucb && ucb < q["ci"][1].as_f64().expect("upper"));
    // Ranking is by BIC and names every fitted family; mixture/cure are not fitted at n = 20.
    let ranking: Vec<&str> = v["ranking"]
        .as_array()
        .expect("ranking")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(ranking.len(), 4);
    assert_eq!(ranking[0], models[0]["family"].as_str().expect("family"));
    // KM: five failures among 20 units before 300 h, none removed yet: S(300) = 15/20. The ten
    // failures bring S to exactly ½ at 386 h, the median.
    let km = &v["km"];
    assert_eq!(km["survival_at"][0]["t"], 300.0);
    assert!((km["survival_at"][0]["s"].as_f64().expect("s") - 0.75).abs() < 1e-12);
    assert_eq!(km["median"], 386.0);
    assert_eq!(km["quantiles"]["p99.9"]["estimate"], Value::Null);
}

#[test]
fn json_objects_and_column_arrays_give_the_same_numbers() {
    let list = format!("{FIXTURES}/weibull_n50.json");
    let a = fit_json(&["--durations", &list]);
    let text = std::fs::read_to_string(&list).expect("fixture");
    let rows: Vec<Value> = serde_json::from_str(&text).expect("rows");
    let cols = serde_json::json!({
        "duration_seconds": rows.iter().map(|r| r["duration_seconds"].clone()).collect::<Vec<_>>(),
        "censored": rows.iter().map(|r| r["censored"] == 1).collect::<Vec<_>>(),
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("cols.json");
    std::fs::write(&p, cols.to_string()).expect("write");
    let b = fit_json(&["--durations", p.to_str().expect("utf-8")]);
    assert_eq!(a, b);
    assert_eq!(a["km"]["median"], 234.4);
    assert_eq!(a["order_statistic"]["p90"]["ucb"], 469.2);
}

#[test]
fn text_lists_models_and_km_quantiles() {
    let path = format!("{FIXTURES}/tiny_n10_ties.csv");
    Command::cargo_bin("bootline")
        .expect("binary")
        .args(["fit", "--durations", &path])
        .assert()
        .success()
        .stdout(predicate::str::contains("median 180.0 s"))
        .stdout(predicate::str::contains("lognormal"))
        .stdout(predicate::str::contains("-35.024"))
        .stdout(predicate::str::contains("not fitted: fitted when n >= 50"));
}

#[test]
fn bad_input_names_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("d.csv");
    std::fs::write(&csv, "duration_seconds,censored\n12.5,0\n-3,0\n").expect("write");
    Command::cargo_bin("bootline")
        .expect("binary")
        .args(["fit", "--durations", csv.to_str().expect("utf-8")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "d.csv:3: duration_seconds must be a positive",
        ));

    let json = dir.path().join("d.json");
    std::fs::write(&json, "[\n{\"duration_seconds\": 1, \"censored\": 0},\n{\"duration_seconds\": 2, \"censored\": 7}\n]")
        .expect("write");
    Command::cargo_bin("bootline")
        .expect("binary")
        .args(["fit", "--durations", json.to_str().expect("utf-8")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("d.json:3:"))
        .stderr(predicate::str::contains(
            "censored must be 0, 1, false or true",
        ));

    let header = dir.path().join("h.csv");
    std::fs::write(&header, "t,c\n1,0\n").expect("write");
    Command::cargo_bin("bootline")
        .expect("binary")
        .args(["fit", "--durations", header.to_str().expect("utf-8")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("h.csv:1: expected the header"));
}

#[test]
fn missing_inputs_are_a_usage_error() {
    Command::cargo_bin("bootline")
        .expect("binary")
        .args(["fit", "does/not/exist.log"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does/not/exist.log"));
}

#[test]
fn bootstrap_p_values_are_seeded() {
    let path = format!("{FIXTURES}/tiny_n10_ties.csv");
    let a = fit_json(&["--durations", &path, "--bootstrap", "19"]);
    let b = fit_json(&["--durations", &path, "--bootstrap", "19"]);
    assert_eq!(a, b);
    let boot = &a["models"][0]["gof"]["bootstrap"];
    assert_eq!(boot["statistic"], "km_distance");
    assert_eq!(boot["resamples"], 19);
    let p = boot["p_value"].as_f64().expect("p-value");
    // (1 + k) / (B' + 1) over the B' resamples whose refit succeeded.
    let ok = 19 - boot["failed"].as_u64().expect("failed count");
    let scaled = p * (ok + 1) as f64;
    assert!(p > 0.0 && p <= 1.0, "{p}");
    assert!(
        (scaled - scaled.round()).abs() < 1e-9,
        "{p} with {ok} resamples"
    );
    // Off by default.
    let c = fit_json(&["--durations", &path]);
    assert_eq!(c["models"][0]["gof"]["bootstrap"], Value::Null);
}
