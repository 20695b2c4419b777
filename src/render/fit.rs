//! Parts of the `fit` text that a reader acts on first: the one-line summary that opens it,
//! the phase table (slowest p90 first, phases that take no time folded into a count), and the
//! bootstrap goodness-of-fit p-values.

use std::fmt::Write as _;

use super::escape::terminal;
use super::secs_or_dash as secs;
use crate::stats::phase::PhaseQuantiles;
use crate::stats::summary::FitSummary;

/// The level the summary line reports for Kaplan–Meier (reached by a few hundred boots).
const KM_LEVEL: &str = "p99";
/// The level the summary line reports for the best model (the default target's quantile).
const MODEL_LEVEL: &str = "p99.9";

/// One line: how many records, the Kaplan–Meier p99 with its upper bound, and the best model
/// by BIC with its p99.9 and bound. `subject` names what was fitted (`class default`, a
/// file).
pub fn summary_line(s: &FitSummary, subject: &str) -> String {
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
pub fn phase_table(quantiles: &[PhaseQuantiles], all: bool) -> String {
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
            if folded.len() == 1 { "" } else { "s" }
        );
    }
    t
}

/// The models' bootstrap goodness-of-fit p-values, when `--bootstrap` asked for them.
pub fn bootstrap_table(s: &FitSummary) -> String {
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
