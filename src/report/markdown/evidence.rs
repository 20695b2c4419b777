//! The page's measured evidence: the inputs read, the outcome table, templates and records,
//! the implausible latencies, and the worked instance told event by event. It says what was
//! seen before anything is fitted, so it stands apart from the fits and the decision.

use std::fmt::Write as _;

use super::Page;
use crate::render::escape::{markdown_cell as cell, markdown_code as code, markdown_text as text};
use crate::render::numbers::{plural_s, secs_plain, thousands};
use crate::timeline::Outcome;

/// What the worked instance shows, in words, when the sweep failed it before it registered:
/// "Failed by the sweep at 630.0 s, it registered 5.0 s later (35.0 s past the 600 s timeout)."
fn worked_story(w: &crate::report::Worked) -> Option<String> {
    let at = |name: &str| w.events.iter().find(|e| e.event == name).map(|e| e.at_secs);
    let (failed, registered) = (at("failed")?, at("registered")?);
    (registered > failed).then(|| {
        format!(
            "The sweep failed it at {failed:.1} s; it registered {:.1} s later, at {registered:.1} s: a healthy boot the current timeout killed.",
            registered - failed
        )
    })
}

impl Page<'_> {
    pub(super) fn evidence(&mut self) {
        self.line("## Measured evidence");
        self.line("");
        self.inputs_read();
        self.outcome_table();
        self.templates_and_records();
        self.implausible();
        self.line("");
    }

    /// Boots, instances, input files, bytes and the digest; files copied, skipped, not read.
    fn inputs_read(&mut self) {
        let r = self.r;
        let counts = r.inputs.counts;
        let mut read = format!(
            "{} boots of {} instances read from {} input files ({} bytes; digest `{}`).",
            thousands(r.fleet.boots),
            thousands(r.fleet.instances),
            thousands(counts.whole),
            thousands(r.inputs.bytes as usize),
            &r.inputs.digest[..16.min(r.inputs.digest.len())]
        );
        let mut also = Vec::new();
        match counts.copies {
            0 => {}
            1 => also.push("1 copy of an earlier input (read once)".to_string()),
            n => also.push(format!(
                "{} copies of earlier inputs (read once)",
                thousands(n)
            )),
        }
        let files = |n: usize| format!("{} file{}", thousands(n), plural_s(n));
        match counts.skipped {
            0 => {}
            n => also.push(format!(
                "{} skipped (no log bootline reads, or not a regular file)",
                files(n)
            )),
        }
        match counts.not_digested {
            0 => {}
            n => also.push(format!("{} not read to the end", files(n))),
        }
        if !also.is_empty() {
            let _ = write!(read, " Also: {}.", also.join("; "));
        }
        if r.inputs.not_listed == 0 {
            read.push_str(" `report.json` lists every file with its size and SHA-256.");
        } else {
            let _ = write!(
                read,
                " `report.json` lists {} of them with their size and SHA-256, every file not read whole among them; the counts, bytes and digest cover all.",
                thousands(r.inputs.files.len())
            );
        }
        self.line(&read);
        self.line("");
    }

    /// Attempts by outcome per class.
    fn outcome_table(&mut self) {
        let r = self.r;
        let outcomes = Outcome::ALL;
        self.line("Attempts by outcome (an attempt is one launch, however many boots it took; each is one latency record):");
        self.line("");
        let mut head = "| class | timeout | stuck after | boots | attempts |".to_string();
        let mut rule = "|---|---:|---:|---:|---:|".to_string();
        for o in outcomes {
            let _ = write!(head, " {} |", o.as_str());
            rule.push_str("---:|");
        }
        self.line(&head);
        self.line(&rule);
        for c in &r.classes {
            let mut row = format!(
                "| {}{} | {} s | {} s | {} | {} |",
                text(&c.class),
                if c.configured {
                    ""
                } else {
                    " (not configured: default values)"
                },
                secs_plain(c.timeout_secs),
                secs_plain(c.stuck_threshold_secs),
                thousands(c.n_boots()),
                thousands(c.n_attempts())
            );
            for o in outcomes {
                let _ = write!(row, " {} |", thousands(c.count(o)));
            }
            self.line(&row);
        }
        self.line("");
    }

    /// Templates, what a record is, kernel-start latencies, contradicted timeouts.
    fn templates_and_records(&mut self) {
        let r = self.r;
        let templates: Vec<String> = r
            .classes
            .iter()
            .flat_map(|c| {
                c.templates.iter().map(move |(t, n)| {
                    format!(
                        "{} ({} boots, class {})",
                        code(t),
                        thousands(*n),
                        text(&c.class)
                    )
                })
            })
            .collect();
        if !templates.is_empty() {
            self.line(&format!("Templates: {}.", templates.join(", ")));
            self.line("");
        }
        self.line("Registered and false-failed attempts are exact latency records; timed-out and unknown ones are censored (only known to take longer); stuck and crashed attempts are counted, never fitted.");
        for c in r.classes.iter().filter(|c| c.from_kernel_start > 0) {
            self.line(&format!(
                "Class {}: {} latencies count from the kernel's start (launch unknown).",
                text(&c.class),
                c.from_kernel_start
            ));
        }
        for o in r.classes.iter().flat_map(|c| &c.observed_timeouts) {
            self.line(&format!(
                "The platform's events contradict a declared timeout: {}.",
                text(&o.to_string())
            ));
        }
    }

    /// One line naming the attempts excluded for an implausible latency (the first few).
    fn implausible(&mut self) {
        let found = &self.r.implausible;
        if found.is_empty() {
            return;
        }
        const SHOWN: usize = 5;
        let mut names: Vec<String> = found
            .attempts
            .iter()
            .take(SHOWN)
            .map(|a| {
                format!(
                    "{} attempt {} ({})",
                    code(&a.instance),
                    a.attempt,
                    a.detail()
                )
            })
            .collect();
        if found.count > SHOWN {
            names.push(format!("and {} more", found.count - SHOWN));
        }
        self.line(&format!(
            "{} attempt{} with an implausible latency (negative, zero, or beyond `[latency] max_plausible_secs` = {} s) {} excluded from every fit and chart: {}.",
            thousands(found.count),
            plural_s(found.count),
            secs_plain(found.max_plausible_secs),
            if found.count == 1 { "is" } else { "are" },
            names.join(", ")
        ));
    }

    pub(super) fn worked(&mut self) {
        let r = self.r;
        let Some(w) = &r.worked else {
            return;
        };
        let zone = r.presentation.zone.offset();
        self.line(&format!("### Worked instance {}", code(&w.instance)));
        self.line("");
        let first_wall = w.events.iter().find_map(|e| e.wall);
        self.line(&format!(
            "{} of class {}{}: {}{}.",
            text(&w.why),
            text(&w.class),
            w.workspace
                .as_ref()
                .map_or(String::new(), |ws| format!(", workspace {}", code(ws))),
            w.outcome.as_str(),
            w.latency_secs
                .map_or(String::new(), |l| format!(" after {l:.1} s")),
        ));
        self.line("");
        if let Some(story) = worked_story(w) {
            self.line(&story);
            self.line("");
        }
        self.line(&format!(
            "| time ({}) | +s | event | took |",
            r.presentation.zone.name
        ));
        self.line("|---|---:|---|---:|");
        for e in &w.events {
            let wall = e.wall.map_or("–".to_string(), |t| {
                let local = t.with_timezone(&zone);
                if Some(t) == first_wall {
                    local.format("%Y-%m-%d %H:%M:%S%.3f").to_string()
                } else {
                    local.format("%H:%M:%S%.3f").to_string()
                }
            });
            self.line(&format!(
                "| {wall} | {:.1} | {} | {} |",
                e.at_secs,
                cell(&e.event),
                e.duration_secs
                    .map_or(String::new(), |d| format!("{d:.1} s"))
            ));
        }
        self.line("");
    }
}
