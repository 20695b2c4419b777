//! The report's comparison section (`report --group-by LABEL`): the cohorts of the charted
//! class side by side, as `bootline compare --group-by LABEL` computes them, with a link to
//! the chart of their survival curves.

use std::fmt::Write as _;

use crate::compare::{Comparison, Verdict};
use crate::render::escape::{markdown_cell, markdown_code};
use crate::render::numbers::percent;
use crate::render::numbers::secs_plain;
use crate::stats::level_name;

/// The chart's file name in the report folder.
pub(crate) const CHART: &str = "compare.svg";

fn cell(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), secs_plain)
}

/// The section as Markdown, ending in a blank line.
pub(crate) fn section(c: &Comparison, chart_drawn: bool) -> String {
    let mut out = String::new();
    let label = c.group_by.as_deref().unwrap_or("cohort");
    let _ = writeln!(out, "## Cohorts by {}\n", markdown_code(label));
    let _ = writeln!(
        out,
        "| cohort | records | censored | p50 (s) | p90 (s) | p99 (s) | slower than {} s |",
        secs_plain(c.current_timeout_secs)
    );
    out.push_str("|---|---:|---:|---:|---:|---:|---:|\n");
    for g in &c.groups {
        let q = |l: f64| cell(g.quantiles.get(&level_name(l)).and_then(|v| v.estimate));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            markdown_cell(&g.name),
            g.n,
            g.n_censored,
            q(0.5),
            q(0.9),
            q(0.99),
            percent(g.false_fail_share)
        );
    }
    out.push('\n');
    for p in &c.pairs {
        let shift = p.gate.shift_secs.map_or_else(
            || "not reached".to_string(),
            |s| format!("{:+} s", (s * 10.0).round() / 10.0),
        );
        let verdict = match p.gate.verdict {
            Verdict::Slower => "slower (the gate would fail)",
            Verdict::NotSignificant => "slower, not significantly",
            Verdict::NotSlower => "not slower",
            Verdict::InsufficientData => "too few exact records to say",
            Verdict::NotReached => "the gate quantile is not reached",
        };
        let _ = writeln!(
            out,
            "- {} against {}: {} at {}, log-rank p = {}: {verdict}.",
            markdown_cell(&p.after),
            markdown_cell(&p.before),
            shift,
            level_name(c.gate.quantile),
            p.logrank.map_or_else(
                || "–".to_string(),
                |l| crate::render::compare::p_value(l.p_value)
            )
        );
    }
    if chart_drawn {
        let _ = writeln!(out, "\n![cohorts' survival curves]({CHART})");
    }
    out.push('\n');
    out
}

/// The comparison of the class's cohorts (its boots split by `label`), with the defaults of
/// `bootline compare`; `None` when fewer than two cohorts have records.
pub(crate) fn comparison(
    cohorts: Vec<crate::compare::Cohort>,
    config: &crate::config::Config,
    class: &str,
    label: &str,
) -> Option<Comparison> {
    use crate::compare::{compare, GateOptions, Options};
    let cohorts: Vec<_> = (cohorts.into_iter())
        .filter(|c| !c.records.is_empty())
        .collect();
    if cohorts.len() < 2 {
        return None;
    }
    let options = Options {
        class: Some(class.to_string()),
        group_by: Some(label.to_string()),
        current_timeout_secs: config.class_policy(class).timeout_secs,
        recommended_timeout_secs: None,
        at: Vec::new(),
        confidence: config.policy.confidence,
        resamples: crate::stats::shift::BOOTSTRAP_RESAMPLES,
        seed: crate::stats::shift::BOOTSTRAP_SEED,
        gate: GateOptions {
            quantile: 0.9,
            tolerance_secs: 0.0,
            alpha: 0.01,
        },
    };
    compare(&cohorts, &options).ok()
}
