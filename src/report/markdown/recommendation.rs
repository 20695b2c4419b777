//! The page's recommendation: the recommended timeouts with their false-fail rates, the
//! warnings, the sensitivity table, and the lockstep and guard checks. It says what to
//! decide, so it stands apart from the evidence and the fits.

use super::{word, Page};
use crate::render::escape::markdown_text as text;
use crate::render::numbers::thousands;

impl Page<'_> {
    pub(super) fn recommendation(&mut self) {
        use crate::render::numbers::secs as s;
        let rec = &self.r.recommendation;
        let pol = &rec.policy;
        self.line("## Recommendation");
        self.line("");
        self.line(&format!(
            "Rule: bound the p{} of healthy latency from above ({:.0} % one-sided), timeout = max(bound × {:.2}, bound + {}) rounded up to the grid; a group with fewer than {} exact records gets no verdict. False-fail rates are shares of healthy boots still unregistered at the timeout.",
            crate::stats::level_name(1.0 - pol.target_false_fail_rate).trim_start_matches('p'),
            100.0 * pol.confidence,
            pol.slack_multiplier,
            s(pol.slack_add_secs),
            pol.min_records
        ));
        self.line("");
        self.recommendation_table();
        self.warnings();
        self.sensitivity();
        self.lockstep();
        self.guards();
    }

    /// One row per group: the rule's arithmetic, both rates at both timeouts, the verdict.
    fn recommendation_table(&mut self) {
        use crate::render::numbers::{percent, secs as s};
        let rec = &self.r.recommendation;
        self.line("| group | n (censored) | basis | bound | raw | current → recommended | fails at current | fails at recommended | stuck margin | verdict |");
        self.line("|---|---:|---|---:|---:|---|---:|---:|---:|---|");
        // Each estimate named: Kaplan–Meier's share (the headline's) and the model's, whose
        // expected count per 10,000 boots follows it.
        let rate = |f: &crate::recommend::FalseFail| {
            let km = match (f.km, f.km_beyond_data) {
                (Some(v), _) => format!("{} by Kaplan–Meier", percent(v)),
                (None, true) => "beyond the data by Kaplan–Meier".to_string(),
                (None, false) => "no Kaplan–Meier estimate".to_string(),
            };
            let model = match (f.model, f.per_10k) {
                (Some(m), Some(n)) => format!("; model {} ({n:.1} per 10,000)", percent(m)),
                (Some(m), None) => format!("; model {}", percent(m)),
                (None, _) => String::new(),
            };
            format!("{km}{model}; {} seen", f.observed)
        };
        for g in rec.classes.iter().chain(&rec.templates) {
            let name = match &g.template {
                Some(t) => format!("{} (template of {})", text(t), text(&g.class)),
                None => text(&g.class).into_owned(),
            };
            self.line(&format!(
                "| {name} | {} ({}) | `{}` | {:.1} s | {:.1} s | {} → **{}** | {} | {} | {} | {} |",
                thousands(g.n),
                g.n_censored,
                g.basis,
                g.bound_s,
                g.raw_s,
                s(g.current_timeout_s),
                s(g.recommended_timeout_s),
                rate(&g.false_fail_at_current),
                rate(&g.false_fail_at_recommended),
                s(g.stuck_margin_s),
                word(&g.verdict)
            ));
        }
        for sk in &rec.skipped {
            self.line(&format!(
                "| {} | – | – | – | – | no recommendation: {} | | | | |",
                text(sk.template.as_deref().unwrap_or(&sk.class)),
                text(&sk.reason)
            ));
        }
        self.line("");
    }

    fn warnings(&mut self) {
        let rec = &self.r.recommendation;
        let warnings: Vec<String> = rec
            .classes
            .iter()
            .chain(&rec.templates)
            .flat_map(|g| {
                g.warnings
                    .iter()
                    .map(move |w| format!("- {}: {}", text(g.name()), text(&w.message)))
            })
            .collect();
        if !warnings.is_empty() {
            self.line("Warnings:");
            self.line("");
            for w in warnings {
                self.line(&w);
            }
            self.line("");
        }
    }

    /// Per class with enough evidence: the timeout under each reading, model and policy.
    fn sensitivity(&mut self) {
        use crate::render::numbers::{percent, secs as s};
        use crate::render::recommend::{sensitivity_summary, varied_name};
        let rec = &self.r.recommendation;
        for g in rec.classes.iter().filter(|g| !g.insufficient()) {
            self.line(&format!(
                "### Sensitivity of {}: would the answer change?",
                text(&g.class)
            ));
            self.line("");
            self.line("| variation | reading of killed boots | model | target | confidence | bound | timeout |");
            self.line("|---|---|---|---:|---:|---:|---:|");
            for row in &g.sensitivity {
                self.line(&format!(
                    "| {} | {} | {} | {} | {:.0} % | {} | {} |",
                    text(&varied_name(row)),
                    word(&row.reading),
                    row.model.map_or("distribution-free", |f| f.name()),
                    percent(row.target),
                    100.0 * row.confidence,
                    row.bound_s.map_or("–".to_string(), |b| format!("{b:.1} s")),
                    row.recommended_timeout_s.map_or("–".to_string(), s)
                ));
            }
            self.line("");
            self.line(&format!("{}.", text(&sensitivity_summary(g))));
            self.line("");
        }
    }

    fn lockstep(&mut self) {
        use crate::render::numbers::secs as s;
        let rec = &self.r.recommendation;
        if rec.lockstep.is_empty() {
            return;
        }
        self.line("### Lockstep timeouts");
        self.line("");
        self.line("| timeout | class | now | must be at least | verdict |");
        self.line("|---|---|---:|---:|---|");
        for l in &rec.lockstep {
            self.line(&format!(
                "| {} | {} | {} | {} | {} |",
                text(&l.name),
                text(&l.class),
                s(l.timeout_s),
                l.required_s.map_or("–".to_string(), s),
                word(&l.verdict)
            ));
        }
        self.line("");
    }

    fn guards(&mut self) {
        use crate::render::numbers::secs as s;
        let rec = &self.r.recommendation;
        if rec.guards.is_empty() {
            return;
        }
        self.line("### Guard cases");
        self.line("");
        self.line("| case | age | timeout that applies | expects | verdict | ages that make it a real guard |");
        self.line("|---|---:|---:|---|---|---|");
        for g in &rec.guards {
            let interval = match g.real_guard_interval_s {
                Some([lo, hi]) => format!(
                    "({}, {}]",
                    lo.map_or("0 s".to_string(), s),
                    hi.map_or("∞".to_string(), s)
                ),
                None => "none".to_string(),
            };
            self.line(&format!(
                "| {} | {} | {} | {} | {} | {interval} |",
                text(&g.name),
                s(g.age_s),
                g.timeout_s.map_or("–".to_string(), s),
                word(&g.expect),
                word(&g.verdict)
            ));
        }
        self.line("");
    }
}
