//! `report.md`: the pull-request page, GitHub-flavoured Markdown, a pure function of the
//! report. It fits a pull-request body (at most [`BODY_LIMIT`] characters): long lists fold into
//! `<details>` and are cut, with a count, until it does.

use std::fmt::Write as _;

use super::class::ClassReport;
use super::redact::redact;
use super::{NotableBoot, Report};
use crate::chart::{ChartError, Kind};
use crate::render::escape::{markdown_cell as cell, markdown_code as code, markdown_text as text};
use crate::render::numbers::{percent, plural_s, secs_cell, secs_plain, thousands};
use crate::timeline::Outcome;

/// A verdict or expectation as the word the JSON uses for it (`must_move`, `vacuous`,
/// `spared`), so the page and `report.json` name it alike.
fn word<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(w)) => w,
        _ => "–".to_string(),
    }
}

/// The most characters GitHub takes in a pull-request body.
pub const BODY_LIMIT: usize = 65_536;

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

/// What the worked instance shows, in words, when the sweep failed it before it registered:
/// "Failed by the sweep at 630.0 s, it registered 5.0 s later (35.0 s past the 600 s timeout)."
fn worked_story(w: &super::Worked) -> Option<String> {
    let at = |name: &str| w.events.iter().find(|e| e.event == name).map(|e| e.at_secs);
    let (failed, registered) = (at("failed")?, at("registered")?);
    (registered > failed).then(|| {
        format!(
            "The sweep failed it at {failed:.1} s; it registered {:.1} s later, at {registered:.1} s: a healthy boot the current timeout killed.",
            registered - failed
        )
    })
}

/// The folder the reproduce line writes to.
pub(crate) const REPRODUCE_OUT: &str = "bootline-report";

/// Caps tried in turn on every long list until the page fits [`BODY_LIMIT`].
const LIST_CAPS: [usize; 7] = [200, 100, 50, 20, 10, 5, 0];

/// `report.md`, beside the charts that were drawn: those that could not be (`undrawn`, see
/// [`crate::chart::render_all`]) are named with the reason instead of linked.
pub fn render(r: &Report, undrawn: &[ChartError]) -> String {
    let mut last = String::new();
    for cap in LIST_CAPS {
        last = render_capped(r, undrawn, cap);
        if last.chars().count() <= BODY_LIMIT {
            return last;
        }
    }
    last
}

/// Renders with at most `cap` items per long list; `cut` counts the items left out.
struct Page<'a> {
    r: &'a Report,
    undrawn: &'a [ChartError],
    cap: usize,
    cut: usize,
    out: String,
}

fn render_capped(r: &Report, undrawn: &[ChartError], cap: usize) -> String {
    let mut p = Page {
        r,
        undrawn,
        cap,
        cut: 0,
        out: String::new(),
    };
    p.title_and_verdict();
    p.evidence();
    p.worked();
    p.distribution();
    p.blame();
    p.recommendation();
    p.charts();
    p.notable();
    p.reproduce();
    p.glossary();
    if p.cut > 0 {
        // Said at the top, where a reviewer starts reading.
        let note = format!(
            "> Long lists below are cut to fit a pull-request body ({} characters): {} item{} left out; `report.json` holds them all.\n\n",
            thousands(BODY_LIMIT),
            thousands(p.cut),
            plural_s(p.cut)
        );
        let at = p.out.find("\n\n").map_or(0, |i| i + 2);
        p.out.insert_str(at, &note);
    }
    p.out
}

impl Page<'_> {
    fn line(&mut self, s: &str) {
        self.out.push_str(s);
        self.out.push('\n');
    }

    /// The title, then the first screen: each class's and template's decision.
    fn title_and_verdict(&mut self) {
        let r = self.r;
        self.line(&format!(
            "# Register-wait timeout: the decision from {} boots",
            thousands(r.fleet.boots)
        ));
        self.line("");
        self.out.push_str(&crate::render::decision::first_screen(r));
        for c in r
            .classes
            .iter()
            .filter(|c| !r.recommendation.classes.iter().any(|g| g.class == c.class))
        {
            self.line(&format!(
                "**{}: no recommendation** — {}.",
                text(&c.class),
                text(&super::text::verdict(c))
            ));
            self.line("");
        }
    }

    fn evidence(&mut self) {
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

    fn worked(&mut self) {
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

    fn distribution(&mut self) {
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

    fn blame(&mut self) {
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

    fn recommendation(&mut self) {
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

    fn charts(&mut self) {
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

    /// A folded list: at most `cap` rows, the rest counted.
    fn folded(&mut self, summary: &str, head: &str, rows: Vec<String>) {
        let n = rows.len();
        let shown = n.min(self.cap);
        self.line("<details>");
        self.line(&format!("<summary>{summary}</summary>"));
        self.line("");
        if shown > 0 {
            self.line(head);
            for row in rows.into_iter().take(shown) {
                self.line(&row);
            }
            self.line("");
        }
        if shown < n {
            self.cut += n - shown;
            self.line(&format!(
                "… and {} more (cut to fit a pull-request body).",
                thousands(n - shown)
            ));
            self.line("");
        }
        self.line("</details>");
        self.line("");
    }

    fn notable(&mut self) {
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

    fn reproduce(&mut self) {
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
    fn glossary(&mut self) {
        self.line("");
        self.line("## Glossary");
        self.line("");
        for (term, meaning) in GLOSSARY {
            self.line(&format!("- **{term}**: {meaning}"));
        }
    }
}

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
