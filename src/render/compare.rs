//! Text of `bootline compare`: one headline per later cohort against the one before it (shift
//! at the gate quantile with its interval, log-rank p, false fails at the current timeout),
//! what disagrees and which phases moved, the gate's verdict, then the per-cohort table and
//! S(T) at each time. JSON is the serialised [`Comparison`] itself.

use std::fmt::Write as _;

use super::escape::terminal as shown;
use super::numbers::{percent, secs};
use crate::compare::{Comparison, Disagreement, Group, Pair, PhaseShift, Verdict};
use crate::stats::level_name;
use crate::stats::shift::QuantileShift;

/// A p-value readably: `0.031`, `3.1e-6`.
pub(crate) fn p_value(p: f64) -> String {
    if p < 1e-15 {
        // Past what the chi-square tail resolves in doubles (it may round to 0).
        "< 1e-15".to_string()
    } else if p >= 0.001 {
        format!("{p:.3}")
    } else {
        format!("{p:.1e}")
    }
}

/// `= 0.031`, `< 1e-15`: a p-value after its name.
fn p_eq(p: f64) -> String {
    let v = p_value(p);
    if v.starts_with('<') {
        v
    } else {
        format!("= {v}")
    }
}

/// A signed number of seconds: `+28 s`, `-3.5 s`.
fn signed_secs(v: f64) -> String {
    let s = secs(v.abs());
    if v < 0.0 {
        format!("-{s}")
    } else {
        format!("+{s}")
    }
}

/// "28 s slower at p90 [12, 44]".
fn shift_phrase(s: &QuantileShift) -> String {
    let level = level_name(s.q);
    let Some(shift) = s.shift else {
        return format!("{level} not reached in both cohorts");
    };
    let interval =
        s.ci.map(|[lo, hi]| format!(" [{}, {}]", fmt_num(lo), fmt_num(hi)))
            .unwrap_or_default();
    let how = if shift > 0.0 {
        "slower"
    } else if shift < 0.0 {
        "faster"
    } else {
        "no different"
    };
    if shift == 0.0 {
        return format!("{how} at {level}{interval}");
    }
    format!("{} {how} at {level}{interval}", secs(shift.abs()))
}

/// A number of seconds without a unit: whole seconds from 10 s on, else one decimal.
fn fmt_num(v: f64) -> String {
    if v.abs() >= 10.0 {
        format!("{v:.0}")
    } else {
        crate::render::numbers::secs_plain((v * 10.0).round() / 10.0)
    }
}

/// The headline of one pair.
fn headline(c: &Comparison, p: &Pair, before: &Group, after: &Group) -> String {
    let gate = p.shifts.iter().find(|s| s.q == c.gate.quantile);
    let mut line = format!(
        "{} vs {}: {}",
        shown(&p.after),
        shown(&p.before),
        gate.map_or_else(|| "no shift".to_string(), shift_phrase)
    );
    if let Some(lr) = &p.logrank {
        let _ = write!(line, ", log-rank p {}", p_eq(lr.p_value));
    }
    let _ = write!(
        line,
        "; false fails at {} {} → {}",
        secs(c.current_timeout_secs),
        percent(before.false_fail_share),
        percent(after.false_fail_share)
    );
    line
}

/// The lines under a pair's headline: the other quantiles, a disagreement, the phases that
/// moved most, and the pair's gate verdict.
fn details(out: &mut String, c: &Comparison, p: &Pair) {
    let others: Vec<String> = p
        .shifts
        .iter()
        .filter(|s| s.q != c.gate.quantile)
        .map(shift_phrase)
        .collect();
    let _ = writeln!(out, "  also: {}", others.join("; "));
    match p.disagreement {
        Some(Disagreement::Crossing) => {
            let _ = writeln!(
                out,
                "  the curves cross: the median and the tail moved in opposite directions; the \
                 tail is what the timeout feels"
            );
        }
        Some(Disagreement::TailOnly) => {
            let _ = writeln!(
                out,
                "  the log-rank test sees no difference, but the tail moved; the tail is what \
                 the timeout feels"
            );
        }
        None => {}
    }
    phases(out, &p.blame);
    let _ = writeln!(out, "  gate: {}", verdict(p));
}

/// The phases that moved: the most specific ones (deepest) first, with the phases that hold
/// them after `within`. A phase moved when its p90 changed by at least 1 s and a quarter of
/// the largest change.
fn phases(out: &mut String, blame: &[PhaseShift]) {
    let largest = blame
        .iter()
        .map(|b| b.p90_shift_secs.abs())
        .fold(0.0, f64::max);
    let moved: Vec<&PhaseShift> = blame
        .iter()
        .filter(|b| b.p90_shift_secs.abs() >= 1f64.max(0.25 * largest))
        .collect();
    let Some(deepest) = moved.iter().map(|b| b.depth).max() else {
        return;
    };
    let say = |b: &&PhaseShift| {
        format!(
            "`{}` {} at p90",
            shown(&b.phase),
            signed_secs(b.p90_shift_secs)
        )
    };
    let leaves: Vec<String> = moved
        .iter()
        .filter(|b| b.depth == deepest)
        .take(3)
        .map(say)
        .collect();
    let holders: Vec<String> = moved
        .iter()
        .filter(|b| b.depth < deepest)
        .take(3)
        .map(say)
        .collect();
    let _ = write!(out, "  phases: {}", leaves.join(", "));
    if !holders.is_empty() {
        let _ = write!(out, " (within {})", holders.join(", "));
    }
    out.push('\n');
}

/// The pair's gate verdict in words.
fn verdict(p: &Pair) -> String {
    let adj = p.gate.p_adjusted.map(p_eq).unwrap_or_default();
    match p.gate.verdict {
        Verdict::Slower => format!("FAILED: slower, corrected p {adj}"),
        Verdict::NotSignificant => format!("passed: slower, but corrected p {adj}"),
        Verdict::NotSlower => "passed: not slower than the tolerance".to_string(),
        Verdict::InsufficientData => format!(
            "not gated: a cohort has fewer than {} exact records",
            crate::compare::gate::MIN_EXACT
        ),
        Verdict::NotReached => "not gated: the gate quantile is not reached".to_string(),
    }
}

/// One table cell: a quantile with its interval, `412 [405, 420]`.
fn quantile_cell(g: &Group, q: f64) -> String {
    match g.quantiles.get(&level_name(q)) {
        Some(v) => {
            let est = v.estimate.map_or_else(|| "-".to_string(), fmt_num);
            let end = |x: Option<f64>| x.map_or_else(|| "-".to_string(), fmt_num);
            format!("{est} [{}, {}]", end(v.ci[0]), end(v.ci[1]))
        }
        None => "-".to_string(),
    }
}

/// The per-cohort table.
fn table(out: &mut String, c: &Comparison) {
    let width = c
        .groups
        .iter()
        .map(|g| shown(&g.name).chars().count())
        .max()
        .unwrap_or(6)
        .max(6);
    let _ = writeln!(
        out,
        "{:<width$}  {:>8}  {:>8}  {:<20}  {:<20}  {:<20}  false fails at {}",
        "cohort",
        "records",
        "censored",
        "p50 [interval]",
        "p90 [interval]",
        "p99 [interval]",
        secs(c.current_timeout_secs)
    );
    for g in &c.groups {
        let _ = writeln!(
            out,
            "{:<width$}  {:>8}  {:>8}  {:<20}  {:<20}  {:<20}  {}",
            shown(&g.name),
            g.n,
            g.n_censored,
            quantile_cell(g, 0.5),
            quantile_cell(g, 0.9),
            quantile_cell(g, 0.99),
            percent(g.false_fail_share)
        );
    }
}

/// S(T) at each time, and the fixed-time test with two cohorts.
fn survival_lines(out: &mut String, c: &Comparison) {
    for at in &c.at {
        let s: Vec<String> = at.survival.iter().map(|v| percent(*v)).collect();
        let _ = write!(out, "slower than {}: {}", secs(at.t), s.join(" · "));
        match at.difference_test {
            Some(Some(d)) => {
                let _ = write!(out, " (fixed-time test p {})", p_eq(d.p_value));
            }
            Some(None) => out.push_str(" (fixed-time test: not defined where S is 0 or 1)"),
            None => {}
        }
        out.push('\n');
    }
}

/// The whole text answer.
pub(crate) fn text(c: &Comparison) -> String {
    let mut out = String::new();
    for (i, p) in c.pairs.iter().enumerate() {
        let _ = writeln!(out, "{}", headline(c, p, &c.groups[i], &c.groups[i + 1]));
        details(&mut out, c, p);
    }
    let _ = writeln!(
        out,
        "gate: {} at {} with tolerance {}, α = {}, Holm over {}",
        if c.gate.failed { "FAILED" } else { "passed" },
        level_name(c.gate.quantile),
        secs(c.gate.tolerance_secs),
        c.gate.alpha,
        super::numbers::count(c.gate.gated_pairs, "gated pair")
    );
    out.push('\n');
    table(&mut out, c);
    if let Some(lr) = &c.logrank {
        let _ = writeln!(
            out,
            "\nlog-rank over {}: χ² = {:.3}, df = {}, p {}",
            super::numbers::count(c.groups.len(), "cohort"),
            lr.statistic,
            lr.df,
            p_eq(lr.p_value)
        );
    }
    survival_lines(&mut out, c);
    out
}
