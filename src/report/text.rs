//! Terminal text: the one-line verdict per class that `bootline report` prints, and the phase
//! tables `bootline fit` prints.

use std::fmt::Write as _;

use super::class::{ClassReport, PhaseReport};
use super::Report;
use crate::render::escape::terminal;
use crate::render::numbers::secs_plain;

/// The best model's p99.9 bound of a class, with the family's name.
pub(crate) fn p999_bound(c: &ClassReport) -> Option<(f64, &'static str)> {
    let fit = c.fit.as_ref()?;
    let best = fit.models.first()?;
    let ucb = best.quantiles.get("p99.9")?.ucb?;
    Some((ucb, best.score.family.name()))
}

/// One line per class: boots, what the current timeout does to healthy boots, the tail bound.
pub(crate) fn verdict(c: &ClassReport) -> String {
    let healthy = c.count(crate::timeline::Outcome::Registered)
        + c.count(crate::timeline::Outcome::FalseFailed);
    let mut line = format!(
        "{}: {} attempts ({} healthy), current timeout {} s, stuck after {} s",
        terminal(&c.class),
        c.n_attempts(),
        healthy,
        secs_plain(c.timeout_secs),
        secs_plain(c.stuck_threshold_secs)
    );
    match (p999_bound(c), &c.fit_unavailable) {
        (Some((ucb, family)), _) => {
            let _ = write!(line, "; p99.9 ≤ {ucb:.1} s ({family}, best BIC)");
        }
        (None, Some(why)) => {
            let _ = write!(line, "; no fit ({})", terminal(why));
        }
        (None, None) => line.push_str("; no model fitted"),
    }
    line
}

/// The answer per class and template, as `bootline recommend` opens with it; classes without
/// a recommendation get their distribution's line.
pub(crate) fn verdicts(r: &Report) -> String {
    let rec = &r.recommendation;
    let mut out: String = rec
        .classes
        .iter()
        .chain(&rec.templates)
        .map(|g| crate::render::recommend::headline(g, &rec.policy) + "\n")
        .collect();
    for c in r
        .classes
        .iter()
        .filter(|c| !rec.classes.iter().any(|g| g.class == c.class))
    {
        out.push_str(&verdict(c));
        out.push('\n');
    }
    out
}

/// Per-phase p50/p90/p99 (phases that take no time folded unless `all_phases`) and the tail
/// blame at each level (the end of `bootline fit`'s text).
pub(crate) fn phases(p: &PhaseReport, all_phases: bool) -> String {
    let mut t = crate::render::fit::phase_table(&p.quantiles, all_phases);
    let width = p
        .quantiles
        .iter()
        .map(|q| terminal(&q.phase).len())
        .max()
        .unwrap_or(5)
        .max(5);
    for (level, b) in p.tail_blame.levels() {
        let Some(b) = b else {
            let _ = writeln!(
                t,
                "\nTail blame ({level}): unavailable (too few boots above p90)"
            );
            continue;
        };
        let _ = writeln!(
            t,
            "\nTail blame ({level}): {} boots above p90 {:.1} s exceed the median {:.1} s by {:.1} s on average",
            b.n_tail, b.p90_latency_secs, b.median_latency_secs, b.mean_excess_secs
        );
        for ph in b.phases.iter().take(8) {
            let _ = writeln!(
                t,
                "  {:width$} {:>+9.1} s  {:>5.1} %  (median {:.1} s, tail mean {:.1} s)",
                terminal(&ph.phase),
                ph.excess_secs,
                100.0 * ph.share,
                ph.median_secs,
                ph.tail_mean_secs
            );
        }
        let _ = writeln!(
            t,
            "  {:width$} {:>+9.1} s",
            "(unexplained)", b.unexplained_secs
        );
    }
    t
}
