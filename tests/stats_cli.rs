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
fn fit_and_recommend_bound_confidence_as_the_configuration_does() {
    // [policy] confidence lies in [0.5, 1); --confidence overrides it within the same bounds,
    // for fit as for recommend.
    let path = format!("{FIXTURES}/weibull_n50.json");
    for command in ["fit", "recommend"] {
        Command::cargo_bin("bootline")
            .expect("binary")
            .args([command, "--durations", &path, "--confidence", "0.3"])
            .assert()
            .code(2)
            .stderr("bootline: --confidence must lie in [0.5, 1), got 0.3\n");
    }
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

fn fit_text(args: &[&str]) -> String {
    let out = Command::cargo_bin("bootline")
        .expect("binary")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("fit")
        .args(args)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn text_opens_with_a_summary_line_and_shows_the_bootstrap_p_values() {
    let path = format!("{FIXTURES}/tiny_n10_ties.csv");
    let args = ["--durations", path.as_str(), "--bootstrap", "20"];
    let text = fit_text(&args);
    let json = fit_json(&args);
    let best = json["models"][0]["family"].as_str().expect("a model");
    let p999 = &json["models"][0]["quantiles"]["p99.9"];
    let first = text.lines().next().expect("a first line");
    assert_eq!(
        first,
        format!(
            "{path}: 10 records (6 registered, 4 censored); Kaplan–Meier p99 not reached; \
             best model {best}: p99.9 {:.1} s (bound {:.1} s)",
            p999["estimate"].as_f64().expect("estimate"),
            p999["ucb"].as_f64().expect("bound")
        )
    );
    // Every model's bootstrap p-value, as the JSON has it, in the text.
    let block = text
        .split("Goodness of fit (parametric bootstrap, 20 resamples")
        .nth(1)
        .expect("the bootstrap block");
    let models = json["models"].as_array().expect("models");
    assert!(models.len() >= 4);
    for m in models {
        let p = m["gof"]["bootstrap"]["p_value"]
            .as_f64()
            .expect("a p-value");
        let row = format!(
            "{:<19} {:<12} {:>8.3}",
            m["family"].as_str().expect("family"),
            "km_distance",
            p
        );
        assert!(block.contains(&row), "{row}\n{block}");
    }
    // Without --bootstrap there is no such block.
    assert!(!fit_text(&["--durations", &path]).contains("Goodness of fit"));
}

#[test]
fn the_phase_table_puts_the_slowest_p90_first_and_folds_phases_that_take_no_time() {
    let mut args = vec![
        "--config".to_string(),
        "fixtures/bootline.toml".to_string(),
        "fixtures/fleet/events.jsonl".to_string(),
    ];
    // Instances with a cloud-init.log have module phases, many of them instant.
    for id in [
        "i-05dfc7240642d4a88",
        "i-04b116bd52bb13ab5",
        "i-0cd9ad1e6f04f285d",
        "i-076733c04b1a35dd7",
    ] {
        args.push(format!("fixtures/fleet/{id}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let rows = |text: &str| -> Vec<(String, f64)> {
        text.split("slowest p90 first)\n")
            .nth(1)
            .expect("the phase table")
            .lines()
            .skip(1)
            .take_while(|l| l.starts_with("  ") && !l.starts_with("  ("))
            .map(|l| {
                let cells: Vec<&str> = l.split_whitespace().collect();
                (cells[0].to_string(), cells[3].parse().expect("p90"))
            })
            .collect()
    };
    let text = fit_text(&args);
    assert!(text.starts_with("class default: "), "{text}");
    let shown = rows(&text);
    assert!(shown.windows(2).all(|w| w[0].1 >= w[1].1), "{shown:?}");
    // The user-data script, in the last stage, is what makes these boots slow.
    assert!(shown[0].0.starts_with("modules-final"), "{shown:?}");
    let folded: usize = text
        .lines()
        .find_map(|l| l.strip_prefix("  (")?.split(' ').next()?.parse().ok())
        .expect("a folded count");
    assert!(folded > 0);
    let mut all_args = args.clone();
    all_args.push("--all-phases");
    let all = rows(&fit_text(&all_args));
    assert_eq!(all.len(), shown.len() + folded);
    assert!(all.iter().skip(shown.len()).all(|(_, p90)| *p90 == 0.0));
}

#[test]
fn a_progress_bar_shows_on_a_terminal_only() {
    let bin = assert_cmd::cargo::cargo_bin("bootline");
    let path = format!("{FIXTURES}/tiny_n10_ties.csv");
    let cmd = format!(
        "{} fit --bootstrap 50 --durations {path} >/dev/null",
        bin.display()
    );
    // stderr on a pseudo-terminal (util-linux script): the bar is drawn there.
    let tty = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("TERM", "xterm")
        .output()
        .expect("util-linux script runs a command on a terminal");
    assert!(tty.status.success());
    assert!(
        String::from_utf8_lossy(&tty.stdout).contains("bootstrap resamples"),
        "{}",
        String::from_utf8_lossy(&tty.stdout)
    );
    // stderr into a pipe: nothing.
    let piped = Command::cargo_bin("bootline")
        .expect("binary")
        .args(["fit", "--bootstrap", "50", "--durations", &path])
        .output()
        .expect("runs");
    assert!(piped.status.success());
    assert_eq!(String::from_utf8_lossy(&piped.stderr), "");
}
