//! The page's distribution and blame: per class the fitted models, the chosen one and its
//! quantiles, the templates with their own numbers, and which phases the tail blames. It says
//! what the fits found, so it stands apart from the evidence and the decision.

use std::fmt::Write as _;

use super::Page;
use crate::render::escape::{markdown_cell as cell, markdown_code as code, markdown_text as text};
use crate::render::numbers::{percent, secs_cell, secs_plain, thousands};
use crate::report::class::ClassReport;

impl Page<'_> {
    pub(super) fn distribution(&mut self) {
        let r = self.r;
        self.line("## Distribution of register latency");
        self.line("");
        for c in &r.classes {
            self.class_distribution(c);
        }
    }

    fn class_distribution(&mut self, c: &ClassReport) {
        let conf = 100.0 * self.r.policy.confidence;
        self.line(&format!("### Class {}", text(&c.class)));
        self.line("");
        let Some(f) = &c.fit else {
            self.line(&format!(
                "No fit: {}.",
                text(c.fit_unavailable.as_deref().unwrap_or("no records"))
            ));
            self.line("");
            return;
        };
        self.line(&format!(
            "{} records: {} exact, {} censored (only known to take longer). Quantiles with {conf:.0} % two-sided intervals and one-sided upper bounds, seconds:",
            thousands(f.n),
            thousands(f.n_events),
            thousands(f.n_censored)
        ));
        self.line("");
        self.quantile_table(f);
        self.own_templates(c);
        if let Some(best) = f.models.first() {
            self.chosen_model(c, f, best);
        }
        if let Some(p) = &f.km.plateau {
            if p.long_plateau {
                self.line(&format!(
                    "Kaplan–Meier ends in a plateau from {:.1} s to {:.1} s made of {} censored records: stuck VMs may sit among them.",
                    p.last_event_time, p.max_time, p.n_censored_after_last_event
                ));
                self.line("");
            }
        }
    }

    /// Kaplan–Meier, order statistics and the three best models at p50/p90/p99/p99.9.
    fn quantile_table(&mut self, f: &crate::stats::summary::FitSummary) {
        self.line("| estimate | p50 | p90 | p99 | p99.9 |");
        self.line("|---|---:|---:|---:|---:|");
        let levels = ["p50", "p90", "p99", "p99.9"];
        let cell = |q: Option<&crate::stats::summary::QuantileOut>| match q {
            Some(q) if q.estimate.is_some() => format!(
                "{} [{}, {}] ≤ {}",
                secs_cell(q.estimate),
                secs_cell(q.ci[0]),
                secs_cell(q.ci[1]),
                secs_cell(q.ucb)
            ),
            Some(_) | None => "not reached".to_string(),
        };
        let mut row = "| Kaplan–Meier |".to_string();
        for l in levels {
            let _ = write!(row, " {} |", cell(f.km.quantiles.get(l)));
        }
        self.line(&row);
        let mut row = "| order statistics (bound) |".to_string();
        for l in levels {
            let b = f.order_statistic.get(l);
            let _ = write!(
                row,
                " {} |",
                b.and_then(|b| b.ucb)
                    .map_or("n too small".to_string(), |u| format!("≤ {u:.1}"))
            );
        }
        self.line(&row);
        for m in f.models.iter().take(3) {
            let mut row = format!(
                "| {} (ΔBIC {:.1}) |",
                m.score.family.name(),
                m.score.delta_bic
            );
            for l in levels {
                let _ = write!(row, " {} |", cell(m.quantiles.get(l)));
            }
            self.line(&row);
        }
        self.line("");
    }

    /// One line naming the templates with their own timeout, whose boots are the class's but
    /// not among these records: each has its own recommendation.
    fn own_templates(&mut self, c: &ClassReport) {
        let rec = &self.r.recommendation;
        let own: Vec<String> = (rec.templates.iter())
            .filter(|t| t.class == c.class)
            .map(|t| format!("{} ({})", code(t.name()), thousands(t.n)))
            .collect();
        if own.is_empty() {
            return;
        }
        if rec.classes.iter().any(|g| g.class == c.class) {
            self.line(&format!(
                "These are the records the recommendation fitted: the records of templates with their own timeout ({}) are left out; each has its own recommendation.",
                own.join(", ")
            ));
        } else {
            self.line(&format!(
                "The class has no recommendation of its own (its records are all of templates with their own timeout: {}): these are all its records, fitted for this section.",
                own.join(", ")
            ));
        }
        self.line("");
    }

    /// The chosen model, the plausible ones (the rule's ΔBIC window), the share at the timeout.
    fn chosen_model(
        &mut self,
        c: &ClassReport,
        f: &crate::stats::summary::FitSummary,
        best: &crate::stats::summary::ModelOut,
    ) {
        let window = crate::stats::select::PLAUSIBLE_DELTA_BIC;
        let plausible: Vec<String> = f
            .models
            .iter()
            .filter(|m| m.score.delta_bic <= window)
            .filter_map(|m| {
                let u = m.quantiles.get("p99.9")?.ucb?;
                Some(format!(
                    "{} {u:.1} s (ΔBIC {:.1})",
                    m.score.family.name(),
                    m.score.delta_bic
                ))
            })
            .collect();
        self.line(&format!(
            "Chosen model: **{}**, the lowest BIC (Bayesian information criterion: fit penalised for parameters; lower is better) of {} fitted families (censored maximum likelihood). The p99.9 bound across the plausible models (ΔBIC ≤ {window:.0}): {}.",
            best.score.family.name(),
            f.models.len(),
            plausible.join(", ")
        ));
        let at = best
            .survival_at
            .iter()
            .find(|s| (s.t - c.timeout_secs).abs() < 1e-9)
            .and_then(|s| s.s);
        if let Some(v) = at {
            self.line("");
            self.line(&format!(
                "At the current {} s timeout the {} model (on these records) leaves {} of healthy boots unregistered ({:.1} per 10,000 boots).",
                secs_plain(c.timeout_secs),
                best.score.family.name(),
                percent(v),
                v * 1e4
            ));
        }
        self.line("");
    }

    pub(super) fn blame(&mut self) {
        let r = self.r;
        self.line("## Tail blame: what makes the slow boots slow");
        self.line("");
        for c in &r.classes {
            for (level, b) in c.phases.tail_blame.levels() {
                let Some(b) = b else { continue };
                self.line(&format!(
                    "**{} — {}**: the {} boots above the p90 ({:.1} s) take {:.1} s longer than the median boot ({:.1} s) on average.",
                    text(&c.class),
                    level.replace('_', "-"),
                    b.n_tail,
                    b.p90_latency_secs,
                    b.mean_excess_secs,
                    b.median_latency_secs
                ));
                self.line("");
                self.line("| phase | excess | share | median | tail mean |");
                self.line("|---|---:|---:|---:|---:|");
                // Phases that explain under half a percent either way are counted, not listed.
                let listed: Vec<_> = b
                    .phases
                    .iter()
                    .filter(|p| p.share.abs() >= 0.005)
                    .take(5)
                    .collect();
                for p in &listed {
                    self.line(&format!(
                        "| {} | {:+.1} s | {:.1} % | {:.1} s | {:.1} s |",
                        cell(&p.phase),
                        p.excess_secs,
                        100.0 * p.share,
                        p.median_secs,
                        p.tail_mean_secs
                    ));
                }
                let rest = b.phases.len() - listed.len();
                if rest > 0 {
                    let excess: f64 = b
                        .phases
                        .iter()
                        .filter(|p| !listed.iter().any(|l| l.phase == p.phase))
                        .map(|p| p.excess_secs)
                        .sum();
                    self.line(&format!("| {rest} other phases | {excess:+.1} s | | | |"));
                }
                self.line(&format!(
                    "| (unexplained) | {:+.1} s | | | |",
                    b.unexplained_secs
                ));
                self.line("");
                self.blame_notes(b, c.phases.tail_blame.stages.as_ref());
            }
        }
    }

    /// Says on the spot why a share exceeds 100 % and why a level's tail is another set of
    /// boots than the stages'.
    fn blame_notes(
        &mut self,
        b: &crate::stats::phase::TailBlame,
        stages: Option<&crate::stats::phase::TailBlame>,
    ) {
        if let Some(p) = b.phases.iter().find(|p| p.share > 1.0) {
            self.line(&format!(
                "{} explains {:.1} % of the excess: the other rows together are faster in the slow boots than in the median one (their excess is negative), so one phase can explain more than all of it.",
                code(&p.phase),
                100.0 * p.share
            ));
            self.line("");
        }
        if let Some(s) = stages.filter(|s| s.n_tail != b.n_tail) {
            self.line(&format!(
                "This level counts only the boots whose logs give these phases: its {} slow boots are another set than the stages' {}, so its medians and shares are not comparable with theirs.",
                b.n_tail, s.n_tail
            ));
            self.line("");
        }
    }
}
