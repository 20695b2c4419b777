//! The page's closing parts: the list of charts with their captions, the notable boots by
//! instance, the line that reproduces the report, and the glossary. They point elsewhere
//! (charts, `report.json`, the command line) or define terms, and hold no analysis.

use std::fmt::Write as _;

use super::Page;
use crate::chart::Kind;
use crate::render::escape::{markdown_cell as cell, markdown_text as text};
use crate::render::numbers::thousands;
use crate::report::redact::redact;
use crate::report::NotableBoot;

/// What a chart shows, as the report's list of charts says it (the charts are listed in the
/// order of [`Kind::ALL`]).
pub(crate) fn caption(kind: Kind) -> &'static str {
    match kind {
        Kind::Distribution => {
            "register latency: histogram, fitted densities, timeout and stuck lines"
        }
        Kind::Survival => {
            "share of boots not yet registered (Kaplan–Meier with band, fits; log scale)"
        }
        Kind::Waterfall => {
            "the slowest healthy boots, then every killed, stuck and crashed one, coloured by phase"
        }
        Kind::Timeline => "the worked instance, lane by lane",
        Kind::Phases => "per-phase p50/p90/p99 and tail blame",
        Kind::Compare => "share of boots not yet registered, one curve per cohort (log scale)",
    }
}

/// The folder the reproduce line writes to.
pub(crate) const REPRODUCE_OUT: &str = "bootline-report";

/// The report's terms and what they mean.
const GLOSSARY: [(&str, &str); 9] = [
    ("healthy boot", "one that registers, however late; stuck and crashed boots are not healthy"),
    ("false fail", "a healthy boot the sweep fails because it registered after the timeout"),
    ("censored", "a latency only known to be longer than what was seen (killed by the sweep before registering, or still booting when the logs end)"),
    ("Kaplan–Meier", "the share of boots still unregistered at each time, counted from the data alone with censored boots taken into account; it says nothing past the longest boot (\"beyond the data\")"),
    ("p99.9 bound", "a time that, with the stated one-sided confidence, at least 99.9 % of healthy boots register by"),
    ("order statistics", "a bound read off the sorted latencies themselves, with no model; it needs 2,995 boots for the p99.9"),
    ("model", "a distribution (lognormal, gamma, …) fitted to the records by censored maximum likelihood; past the data its tail is an assumption"),
    ("BIC, ΔBIC", "the Bayesian information criterion ranks the fitted models (lower is better); a model within ΔBIC ≤ 2 of the best is as plausible"),
    ("cure model", "a lognormal fit that also estimates a fraction of boots that never register (stuck), so they do not stretch the healthy tail"),
];

impl Page<'_> {
    pub(super) fn charts(&mut self) {
        let r = self.r;
        self.line(&format!("## Charts (class {})", text(&r.figures.class)));
        self.line("");
        let undrawn = |kind: Kind| self.undrawn.iter().find(|e| e.kind() == kind);
        let mut lines = Vec::new();
        for kind in Kind::ALL {
            if let Some(e) = undrawn(kind) {
                lines.push(format!("- {kind}: not drawn ({})", e.reason()));
                continue;
            }
            if kind == Kind::Timeline && r.figures.lanes.is_none() {
                continue;
            }
            let caption = caption(kind);
            let href = match &r.presentation.link_base {
                Some(base) => format!("{}/{kind}.svg", base.trim_end_matches('/')),
                None => format!("{kind}.svg"),
            };
            lines.push(format!("- [{kind}]({href}): {caption}"));
        }
        let embed = undrawn(Kind::Distribution).is_none();
        for l in lines {
            self.line(&l);
        }
        self.line("");
        if embed {
            let first = match &r.presentation.link_base {
                Some(base) => format!("{}/distribution.svg", base.trim_end_matches('/')),
                None => "distribution.svg".to_string(),
            };
            self.line(&format!(
                "![register latency of class {}]({first})",
                text(&r.figures.class)
            ));
            self.line("");
        }
    }

    pub(super) fn notable(&mut self) {
        let r = self.r;
        self.line("## Boots by instance");
        self.line("");
        let redacting = r.presentation.redact;
        let row = |b: &NotableBoot| {
            let evidence = b.evidence.as_ref().map_or(String::new(), |(kind, line)| {
                let line = if redacting {
                    redact(line)
                } else {
                    line.clone()
                };
                format!("{kind}: {}", cell(&line))
            });
            format!(
                "| {} | {} | {} | {} | {} |",
                cell(&b.instance),
                text(&b.class),
                b.outcome.as_str(),
                b.latency_secs
                    .or(b.observed_secs)
                    .map_or("–".into(), |s| format!("{s:.1} s")),
                evidence
            )
        };
        let rows: Vec<String> = r.notable.iter().map(row).collect();
        let unlisted: usize = r.notable_unlisted.values().flat_map(|m| m.values()).sum();
        self.folded(
            &format!(
                "{} boots that did not simply register",
                thousands(rows.len() + unlisted)
            ),
            "| instance | class | outcome | latency or last seen | evidence |\n|---|---|---|---:|---|",
            rows,
        );
        for (class, outcomes) in &r.notable_unlisted {
            for (outcome, n) in outcomes {
                self.line(&format!(
                    "Not listed: {} more {} boots of class {} (the table lists the first {} \
                     of each class and outcome by instance id).",
                    thousands(*n),
                    text(outcome),
                    text(class),
                    thousands(crate::summary::boots::NOTABLE_ROWS)
                ));
                self.line("");
            }
        }
    }

    pub(super) fn reproduce(&mut self) {
        let r = self.r;
        self.line("## How to reproduce");
        self.line("");
        // A fixed folder: where this report was written must not change its bytes.
        self.line(
            "Run from the repository root; it writes the same `report.md` into `bootline-report/`:",
        );
        self.line("");
        self.line(&crate::render::escape::markdown_block(
            "sh",
            &format!("{} --out {REPRODUCE_OUT}", r.command),
        ));
        self.line("");
        let mut tail = format!(
            "bootline {}; inputs digest `{}` (SHA-256 over the sorted SHA-256 of each file read; copies and files not read left out); times in {}",
            r.bootline_version, r.inputs.digest, r.presentation.zone.name
        );
        if let Some(t) = r.generated_at {
            let _ = write!(tail, "; generated {}", t.format("%Y-%m-%dT%H:%M:%SZ"));
        }
        tail.push('.');
        self.line(&tail);
    }

    /// The terms a platform engineer may not know, one clause each.
    pub(super) fn glossary(&mut self) {
        self.line("");
        self.line("## Glossary");
        self.line("");
        for (term, meaning) in GLOSSARY {
            self.line(&format!("- **{term}**: {meaning}"));
        }
    }
}
