//! The comparison statistics against lifelines' numbers on the datasets of `fixtures/compare/`
//! (made by `fixtures/compare/make_reference.py`): log-rank statistic and p-value, Kaplan–Meier
//! medians and S(T), and the fixed-time difference test, to 1e-6 relative.

use std::path::PathBuf;

use serde_json::Value;

use super::fixed_time::difference_test;
use super::logrank::logrank;
use super::table::Table;
use super::Record;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/compare")
        .join(name)
}

/// The dataset's groups in file order, each with its records, and the reference document.
fn load(name: &str) -> (Vec<(String, Vec<Record>)>, Value) {
    let csv = std::fs::read_to_string(fixture(&format!("{name}.csv"))).expect("dataset csv");
    let mut groups: Vec<(String, Vec<Record>)> = Vec::new();
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let t: f64 = f[1].parse().expect("duration");
        let r = if f[2] == "1" {
            Record::event(t)
        } else {
            Record::censored(t)
        };
        match groups.iter_mut().find(|(g, _)| g == f[0]) {
            Some((_, v)) => v.push(r),
            None => groups.push((f[0].to_string(), vec![r])),
        }
    }
    let json = std::fs::read_to_string(fixture(&format!("{name}.json"))).expect("reference");
    (groups, serde_json::from_str(&json).expect("reference json"))
}

fn close(got: f64, want: &Value, what: &str) {
    let want = want
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: no number in the reference"));
    let ok = if want == 0.0 {
        got.abs() < 1e-12
    } else {
        (got / want - 1.0).abs() < 1e-6
    };
    assert!(ok, "{what}: got {got}, lifelines {want}");
}

fn check(name: &str) {
    let (groups, reference) = load(name);
    let tables: Vec<Table> = groups
        .iter()
        .map(|(_, r)| Table::new(r).expect("table"))
        .collect();
    let refs: Vec<&Table> = tables.iter().collect();
    let lr = logrank(&refs).expect("log-rank");
    close(
        lr.statistic,
        &reference["logrank"]["statistic"],
        &format!("{name} log-rank"),
    );
    close(
        lr.p_value,
        &reference["logrank"]["p_value"],
        &format!("{name} log-rank p"),
    );
    assert_eq!(Some(lr.df as u64), reference["logrank"]["df"].as_u64());
    for (i, g) in reference["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .enumerate()
    {
        assert_eq!(g["name"].as_str(), Some(groups[i].0.as_str()));
        assert_eq!(g["n"].as_f64(), Some(tables[i].n));
        assert_eq!(g["n_censored"].as_f64(), Some(tables[i].n_censored()));
        assert_eq!(
            tables[i].quantile(0.5),
            g["km_median"].as_f64(),
            "{name} median {i}"
        );
    }
    let at = reference["at"].as_array().expect("at");
    assert!(!at.is_empty());
    for row in at {
        let t = row["t"].as_f64().expect("t");
        for (i, s) in row["survival"]
            .as_array()
            .expect("survival")
            .iter()
            .enumerate()
        {
            close(tables[i].survival(t), s, &format!("{name} S_{i}({t})"));
        }
        if tables.len() == 2 {
            let d = difference_test(&tables[0], &tables[1], t);
            match (&row["difference_test"], d) {
                (Value::Null, None) => {}
                (want, Some(d)) if !want.is_null() => {
                    close(d.statistic, &want["statistic"], &format!("{name} X({t})"));
                    close(d.p_value, &want["p_value"], &format!("{name} p({t})"));
                }
                (want, got) => panic!("{name} at {t}: lifelines {want}, bootline {got:?}"),
            }
        }
    }
}

#[test]
fn two_sample_with_censoring() {
    check("two_sample");
}

#[test]
fn three_cohorts() {
    check("k3");
}

#[test]
fn small_samples_with_ties() {
    check("small_ties");
}

#[test]
fn crossing_curves() {
    check("crossing");
}
