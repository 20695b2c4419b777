//! The `fit` text ([`text`]): the one-line summary that opens it, the class's counts,
//! Kaplan–Meier, the distribution-free bounds, the models and their quantiles, the tail, the
//! bootstrap goodness-of-fit p-values and the phase table (slowest p90 first, phases that take
//! no time folded into a count).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::escape::terminal;
use super::numbers::secs_or_dash as secs;
use super::numbers::{percent, secs as secs_unit};
use crate::report::fit::{ClassFit, FitReport};
use crate::stats::phase::PhaseQuantiles;
use crate::stats::summary::{FitSummary, QuantileOut};

/// `fit`'s text: every section of the report in reading order; the phase table lists phases
/// that take no time too when `all_phases`.
pub(crate) fn text(r: &FitReport, all_phases: bool) -> String {
    let mut t = summary_line(&r.summary, &r.subject);
    if let Some(c) = &r.class {
        t.push_str(&class_counts(c));
    }
    t.push_str(&records_line(&r.summary));
    t.push_str(&kaplan_meier(&r.summary, r.current_timeout_secs));
    t.push_str(&order_statistics(&r.summary));
    t.push_str(&models(&r.summary));
    t.push_str(&model_quantiles(&r.summary));
    t.push_str(&tail(&r.summary));
    t.push_str(&bootstrap_table(&r.summary));
    if let Some(c) = &r.class {
        t.push_str(&crate::report::text::phases(&c.phases, all_phases));
    }
    t
}

/// `3 registered, 1 timed_out`.
fn outcome_counts(m: &BTreeMap<String, usize>) -> String {
    m.iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The class's attempts and boots by outcome, and how many latencies count from the kernel.
fn class_counts(c: &ClassFit) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "class {}: {} attempts ({}); {} boots ({})\n",
        c.class,
        c.attempts.values().sum::<usize>(),
        outcome_counts(&c.attempts),
        c.boots.values().sum::<usize>(),
        outcome_counts(&c.boots)
    );
    if c.from_kernel_start > 0 {
        let _ = writeln!(
            t,
            "{} of the latencies count from the kernel's start, not a launch (no platform event for them): the time before the kernel is missing\n",
            super::numbers::count(c.from_kernel_start, "attempt")
        );
    }
    t
}

/// A model parameter: fixed-point, or scientific when tiny.
fn param(v: f64) -> String {
    if v != 0.0 && v.abs() < 1e-3 {
        format!("{v:.3e}")
    } else {
        format!("{v:.6}")
    }
}

/// Estimate, interval and bound, aligned.
fn quantile_cells(q: &QuantileOut) -> String {
    format!(
        "{:>9} [{:>9}, {:>9}] {:>9}",
        secs(q.estimate),
        secs(q.ci[0]),
        secs(q.ci[1]),
        secs(q.ucb)
    )
}

/// How many records, and the confidence of intervals and bounds.
fn records_line(s: &FitSummary) -> String {
    let pct = s.confidence * 100.0;
    format!(
        "{} records: {} registered, {} censored; intervals {pct:.0} % two-sided, bounds {pct:.0} % one-sided\n",
        s.n, s.n_events, s.n_censored
    )
}

/// Kaplan–Meier: the median, the quantiles, survival at the asked times, the share beyond the
/// current timeout and the plateau.
fn kaplan_meier(s: &FitSummary, current_timeout: f64) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "\nKaplan–Meier (log-log band inversion)");
    let _ = writeln!(o, "  median {} s", secs(s.km.median));
    let _ = writeln!(
        o,
        "  {:<6} {:>9} [{:>9}, {:>9}] {:>9}",
        "level", "estimate", "lower", "upper", "bound"
    );
    for (l, q) in &s.km.quantiles {
        let _ = writeln!(o, "  {l:<6} {}", quantile_cells(q));
    }
    for p in &s.km.survival_at {
        let _ = writeln!(
            o,
            "  S({:.0} s) = {:.6} [{}, {}]{}",
            p.t,
            p.s.unwrap_or(f64::NAN),
            p.ci[0].map_or("-".into(), |v| format!("{v:.6}")),
            p.ci[1].map_or("-".into(), |v| format!("{v:.6}")),
            if p.beyond_last_record == Some(true) {
                " (beyond the data)"
            } else {
                ""
            }
        );
    }
    o.push_str(&beyond_current(s, current_timeout));
    if let Some(p) = &s.km.plateau {
        let _ = writeln!(
            o,
            "  plateau after {:.1} s to {:.1} s: {} censored, S = {:.6}{}",
            p.last_event_time,
            p.max_time,
            p.n_censored_after_last_event,
            p.pi_hat,
            if p.long_plateau {
                " (long: stuck VMs likely; see lognormal_cure)"
            } else {
                ""
            }
        );
    }
    o
}

/// The share of healthy boots that exceed the current timeout, when survival was asked there.
fn beyond_current(s: &FitSummary, current_timeout: f64) -> String {
    let Some(p) = s.km.survival_at.iter().find(|p| p.t == current_timeout) else {
        return String::new();
    };
    let share = match (p.s, p.beyond_last_record) {
        (Some(v), Some(true)) if v > 0.0 => "beyond the data: an unknown share".to_string(),
        (Some(v), _) => format!(
            "{} [{}, {}]",
            percent(v),
            p.ci[0].map_or("-".into(), percent),
            p.ci[1].map_or("-".into(), percent)
        ),
        (None, _) => "an unknown share".to_string(),
    };
    format!(
        "  {share} of healthy boots exceed {} (the current timeout)\n",
        secs_unit(current_timeout)
    )
}

/// The order-statistic bounds of each level.
fn order_statistics(s: &FitSummary) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "\nDistribution-free bounds (order statistics)");
    for (l, b) in &s.order_statistic {
        let _ = writeln!(
            o,
            "  {l:<6} [{:>9}, {:>9}] {:>9}{}",
            secs(b.lower),
            secs(b.upper),
            secs(b.ucb),
            b.unavailable
                .as_ref()
                .map_or(String::new(), |r| format!("  ({r})"))
        );
    }
    o
}

/// The models ranked by BIC, with their scores and parameters.
fn models(s: &FitSummary) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "\nModels (best BIC first; n = all records)");
    let _ = writeln!(
        o,
        "  {:<19} {:>12} {:>11} {:>11} {:>8}  parameters",
        "family", "loglik", "AIC", "BIC", "ΔBIC"
    );
    for m in &s.models {
        let params: Vec<String> = m
            .params
            .iter()
            .map(|(k, v)| format!("{k}={}", param(*v)))
            .collect();
        let _ = writeln!(
            o,
            "  {:<19} {:>12.3} {:>11.3} {:>11.3} {:>8.3}  {}",
            m.score.family.name(),
            m.score.loglik,
            m.score.aic,
            m.score.bic,
            m.score.delta_bic,
            params.join(" ")
        );
    }
    o
}

/// Each model's quantiles with intervals and bounds, and the models not fitted.
fn model_quantiles(s: &FitSummary) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "\n  {:<19} {:<6} {:>9} [{:>9}, {:>9}] {:>9}",
        "family", "level", "estimate", "lower", "upper", "bound"
    );
    for m in &s.models {
        for l in ["p50", "p90", "p99", "p99.9"] {
            if let Some(q) = m.quantiles.get(l) {
                let _ = writeln!(
                    o,
                    "  {:<19} {l:<6} {}",
                    m.score.family.name(),
                    quantile_cells(q)
                );
            }
        }
        if let Some(r) = &m.se_unavailable {
            let _ = writeln!(o, "  {:<19} {r}", m.score.family.name());
        }
    }
    for u in &s.unavailable_models {
        let _ = writeln!(o, "  {:<19} not fitted: {}", u.family.name(), u.reason);
    }
    o
}

/// The generalized Pareto tail, or why it was skipped.
fn tail(s: &FitSummary) -> String {
    match (&s.tail_gpd.fit, &s.tail_gpd.skipped) {
        (Some(g), _) => format!(
            "\nGeneralized Pareto tail above {:.1} s ({} exceedances): xi = {:.4}, sigma = {:.3}, p99.9 = {} s\n",
            g.threshold,
            g.n_exceedances,
            g.xi,
            g.sigma,
            secs(g.quantiles.get("p99.9").copied().flatten())
        ),
        (None, Some(r)) => format!("\nGeneralized Pareto tail: skipped ({r})\n"),
        (None, None) => String::new(),
    }
}

/// The level the summary line reports for Kaplan–Meier (reached by a few hundred boots).
const KM_LEVEL: &str = "p99";
/// The level the summary line reports for the best model (the default target's quantile).
const MODEL_LEVEL: &str = "p99.9";

/// One line: how many records, the Kaplan–Meier p99 with its upper bound, and the best model
/// by BIC with its p99.9 and bound. `subject` names what was fitted (`class default`, a
/// file).
pub(crate) fn summary_line(s: &FitSummary, subject: &str) -> String {
    let km = match s.km.quantiles.get(KM_LEVEL) {
        Some(q) if q.estimate.is_some() => format!(
            "Kaplan–Meier {KM_LEVEL} {} s (bound {} s)",
            secs(q.estimate),
            secs(q.ucb)
        ),
        Some(_) | None => format!("Kaplan–Meier {KM_LEVEL} not reached"),
    };
    let model = match s.models.first() {
        Some(m) => {
            let q = m.quantiles.get(MODEL_LEVEL);
            format!(
                "best model {}: {MODEL_LEVEL} {} s (bound {} s)",
                m.score.family.name(),
                secs(q.and_then(|q| q.estimate)),
                secs(q.and_then(|q| q.ucb))
            )
        }
        None => "no model fitted".to_string(),
    };
    format!(
        "{subject}: {} records ({} registered, {} censored); {km}; {model}\n",
        s.n, s.n_events, s.n_censored
    )
}

/// Whether a phase took no measurable time in any boot (p50, p90 and p99 all 0.0 s as shown).
fn takes_no_time(q: &PhaseQuantiles) -> bool {
    [q.p50, q.p90, q.p99].iter().all(|v| v.abs() < 0.05)
}

/// The per-phase table, slowest p90 first (ties by name). Phases that take no time are
/// folded into one line with their count unless `all`.
pub(crate) fn phase_table(quantiles: &[PhaseQuantiles], all: bool) -> String {
    let mut rows: Vec<&PhaseQuantiles> = quantiles.iter().collect();
    rows.sort_by(|a, b| b.p90.total_cmp(&a.p90).then_with(|| a.phase.cmp(&b.phase)));
    let (shown, folded): (Vec<&PhaseQuantiles>, Vec<&PhaseQuantiles>) =
        rows.into_iter().partition(|q| all || !takes_no_time(q));
    let width = shown
        .iter()
        .map(|q| terminal(&q.phase).chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    let mut t = String::new();
    let _ = writeln!(
        t,
        "\nPhases (boots with an exact latency; seconds; slowest p90 first)"
    );
    let _ = writeln!(
        t,
        "  {:width$} {:>6} {:>9} {:>9} {:>9}",
        "phase", "n", "p50", "p90", "p99"
    );
    for q in &shown {
        let _ = writeln!(
            t,
            "  {:width$} {:>6} {:>9.1} {:>9.1} {:>9.1}",
            terminal(&q.phase),
            q.n,
            q.p50,
            q.p90,
            q.p99
        );
    }
    if !folded.is_empty() {
        let _ = writeln!(
            t,
            "  ({} more phase{} take 0.0 s at p50, p90 and p99; --all-phases lists them)",
            folded.len(),
            crate::render::numbers::plural_s(folded.len())
        );
    }
    t
}

/// The models' bootstrap goodness-of-fit p-values, when `--bootstrap` asked for them.
pub(crate) fn bootstrap_table(s: &FitSummary) -> String {
    let rows: Vec<_> = s
        .models
        .iter()
        .filter_map(|m| Some((m.score.family.name(), m.gof.bootstrap.as_ref()?)))
        .collect();
    let Some((_, first)) = rows.first() else {
        return String::new();
    };
    let mut t = String::new();
    let _ = writeln!(
        t,
        "\nGoodness of fit (parametric bootstrap, {} resamples, seed {}; small p: the model does not fit)",
        first.resamples, first.seed
    );
    let _ = writeln!(
        t,
        "  {:<19} {:<12} {:>8}  failed refits",
        "family", "statistic", "p"
    );
    for (family, b) in rows {
        let _ = writeln!(
            t,
            "  {:<19} {:<12} {:>8}  {}",
            family,
            b.statistic,
            b.p_value.map_or("-".to_string(), |p| format!("{p:.3}")),
            b.failed
        );
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(phase: &str, p50: f64, p90: f64, p99: f64) -> PhaseQuantiles {
        PhaseQuantiles {
            phase: phase.into(),
            n: 10,
            p50,
            p90,
            p99,
        }
    }

    #[test]
    fn phases_sort_by_p90_and_fold_the_ones_that_take_no_time() {
        let qs = [
            q("init-local", 1.0, 2.0, 3.0),
            q("a-zero", 0.0, 0.0, 0.0),
            q("modules-final", 300.0, 400.0, 500.0),
            q("b-zero", 0.01, 0.02, 0.04),
            q("kernel", 2.0, 2.0, 2.5),
        ];
        let t = phase_table(&qs, false);
        let names: Vec<&str> = t
            .lines()
            .skip(3)
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        assert_eq!(names, ["modules-final", "init-local", "kernel", "(2"]);
        assert!(
            t.contains("(2 more phases take 0.0 s at p50, p90 and p99; --all-phases lists them)")
        );
        let all = phase_table(&qs, true);
        assert!(all.contains("a-zero") && all.contains("b-zero") && !all.contains("more phase"));
        // A phase with time only in its tail is not folded.
        assert!(phase_table(&[q("slow-tail", 0.0, 0.0, 9.0)], false).contains("slow-tail"));
    }
}
