//! `report.md`: the pull-request page, GitHub-flavoured Markdown, a pure function of the
//! report. It fits a pull-request body (at most [`BODY_LIMIT`] characters): long lists fold into
//! `<details>` and are cut, with a count, until it does.

use std::fmt::Write as _;

use super::class::ClassReport;
use super::figures::fmt_secs;
use super::inputs::Read;
use super::redact::redact;
use super::{NotableBoot, Report};
use crate::chart::{ChartError, Kind};
use crate::render::escape::{markdown_cell as cell, markdown_code as code, markdown_text as text};
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
        Kind::Waterfall => "every boot, sorted by latency, coloured by phase",
        Kind::Timeline => "the worked instance, lane by lane",
        Kind::Phases => "per-phase p50/p90/p99 and tail blame",
        Kind::Compare => "share of boots not yet registered, one curve per cohort (log scale)",
    }
}

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
    if p.cut > 0 {
        // Said at the top, where a reviewer starts reading.
        let note = format!(
            "> Long lists below are cut to fit a pull-request body ({} characters): {} item{} left out; `report.json` holds them all.\n\n",
            thousands(BODY_LIMIT),
            thousands(p.cut),
            plural(p.cut)
        );
        let at = p.out.find("\n\n").map_or(0, |i| i + 2);
        p.out.insert_str(at, &note);
    }
    p.out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// 1234 → `1,234`.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn secs(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |x| format!("{x:.1}"))
}

fn pct(v: f64) -> String {
    crate::render::recommend::percent(v)
}

impl Page<'_> {
    fn line(&mut self, s: &str) {
        self.out.push_str(s);
        self.out.push('\n');
    }

    fn title_and_verdict(&mut self) {
        let r = self.r;
        let names: Vec<_> = r.classes.iter().map(|c| text(&c.class)).collect();
        self.line(&format!(
            "# Register-wait timeout: evidence from {} boots ({})",
            thousands(r.fleet.boots),
            names.join(", ")
        ));
        self.line("");
        let rec = &r.recommendation;
        for g in rec.classes.iter().chain(&rec.templates) {
            self.line(&format!(
                "- **{}**",
                text(&crate::render::recommend::headline(g, &rec.policy))
            ));
        }
        if rec.failed() {
            self.line("");
            self.line("**What must move with it** is listed under [Recommendation](#recommendation): a lockstep timeout or guard case fails, or no timeout separates slow from stuck.");
        }
        self.line("");
        let mut v = String::new();
        for c in &r.classes {
            let healthy = c.count(Outcome::Registered) + c.count(Outcome::FalseFailed);
            let _ = write!(
                v,
                "**{}** ({} attempts, {} healthy): the timeout is {} s, boots count as stuck after {} s",
                text(&c.class),
                thousands(c.n_attempts()),
                thousands(healthy),
                fmt_secs(c.timeout_secs),
                fmt_secs(c.stuck_threshold_secs)
            );
            match super::text::p999_bound(c) {
                Some((ucb, fam)) => {
                    let _ = write!(
                        v,
                        "; the p99.9 of healthy register latency is at most {ucb:.1} s ({fam}, {:.0} % one-sided)",
                        100.0 * r.policy.confidence
                    );
                    if c.count(Outcome::FalseFailed) > 0 {
                        let _ =
                            write!(
                            v,
                            ", and {} healthy boot{} {} failed by the sweep before {} registered",
                            c.count(Outcome::FalseFailed),
                            plural(c.count(Outcome::FalseFailed)),
                            if c.count(Outcome::FalseFailed) == 1 { "was" } else { "were" },
                            if c.count(Outcome::FalseFailed) == 1 { "it" } else { "they" }
                        );
                    }
                }
                None => v.push_str("; no distribution could be fitted"),
            }
            v.push_str(". ");
        }
        self.line(v.trim_end());
        self.line("");
    }

    fn evidence(&mut self) {
        let r = self.r;
        self.line("## Measured evidence");
        self.line("");
        let listed = |how: Read| r.inputs.files.iter().filter(|f| f.read() == how).count();
        let mut read = format!(
            "{} boots of {} instances read from {} input files ({} bytes; digest `{}`).",
            thousands(r.fleet.boots),
            thousands(r.fleet.instances),
            thousands(listed(Read::Whole)),
            thousands(r.inputs.bytes as usize),
            &r.inputs.digest[..16.min(r.inputs.digest.len())]
        );
        let mut also = Vec::new();
        match listed(Read::Copy) {
            0 => {}
            1 => also.push("1 copy of an earlier input (read once)".to_string()),
            n => also.push(format!(
                "{} copies of earlier inputs (read once)",
                thousands(n)
            )),
        }
        let files = |n: usize| format!("{} file{}", thousands(n), plural(n));
        match listed(Read::Skipped) {
            0 => {}
            n => also.push(format!(
                "{} skipped (no log bootline reads, or not a regular file)",
                files(n)
            )),
        }
        match listed(Read::NotDigested) {
            0 => {}
            n => also.push(format!("{} not read to the end", files(n))),
        }
        if !also.is_empty() {
            let _ = write!(read, " Also listed below: {}.", also.join("; "));
        }
        self.line(&read);
        self.line("");
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
                fmt_secs(c.timeout_secs),
                fmt_secs(c.stuck_threshold_secs),
                thousands(c.n_boots()),
                thousands(c.n_attempts())
            );
            for o in outcomes {
                let _ = write!(row, " {} |", thousands(c.count(o)));
            }
            self.line(&row);
        }
        self.line("");
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
        self.implausible();
        self.line("");
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
            plural(found.count),
            fmt_secs(found.max_plausible_secs),
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
            "{} records: {} exact, {} censored. Quantiles with {conf:.0} % two-sided intervals and one-sided upper bounds, seconds:",
            thousands(f.n),
            thousands(f.n_events),
            thousands(f.n_censored)
        ));
        self.line("");
        self.line("| estimate | p50 | p90 | p99 | p99.9 |");
        self.line("|---|---:|---:|---:|---:|");
        let levels = ["p50", "p90", "p99", "p99.9"];
        let cell = |q: Option<&crate::stats::summary::QuantileOut>| match q {
            Some(q) if q.estimate.is_some() => format!(
                "{} [{}, {}] ≤ {}",
                secs(q.estimate),
                secs(q.ci[0]),
                secs(q.ci[1]),
                secs(q.ucb)
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
        if let Some(best) = f.models.first() {
            let plausible: Vec<String> = f
                .models
                .iter()
                .filter(|m| m.score.delta_bic <= 10.0)
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
                "Chosen model: **{}**, the lowest BIC of {} fitted families (censored maximum likelihood). The p99.9 bound across the plausible models (ΔBIC ≤ 10): {}.",
                best.score.family.name(),
                f.models.len(),
                plausible.join(", ")
            ));
            if let Some(s) = best
                .survival_at
                .iter()
                .find(|s| (s.t - c.timeout_secs).abs() < 1e-9)
            {
                if let Some(v) = s.s {
                    self.line("");
                    self.line(&format!(
                        "At the current {} s timeout the chosen model leaves {} of healthy boots unregistered ({:.1} per 10,000 boots).",
                        fmt_secs(c.timeout_secs),
                        pct(v),
                        v * 1e4
                    ));
                }
            }
            self.line("");
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
            }
        }
    }

    fn recommendation(&mut self) {
        use crate::render::recommend::{percent, secs as s};
        let rec = &self.r.recommendation;
        let pol = &rec.policy;
        self.line("## Recommendation");
        self.line("");
        self.line(&format!(
            "Rule: bound the p{} of healthy latency from above ({:.0} % one-sided), timeout = max(bound × {:.2}, bound + {}) rounded up to the grid. False-fail rates are shares of healthy boots still unregistered at the timeout.",
            crate::stats::level_name(1.0 - pol.target_false_fail_rate).trim_start_matches('p'),
            100.0 * pol.confidence,
            pol.slack_multiplier,
            s(pol.slack_add_secs)
        ));
        self.line("");
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
        if !rec.lockstep.is_empty() {
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
        if !rec.guards.is_empty() {
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
        self.folded(
            &format!("{} boots that did not simply register", thousands(rows.len())),
            "| instance | class | outcome | latency or last seen | evidence |\n|---|---|---|---:|---|",
            rows,
        );
        let files: Vec<String> = r
            .inputs
            .files
            .iter()
            .map(|f| {
                let digest = match &f.copy_of {
                    Some(kept) => format!("copy of {}", cell(kept)),
                    None if f.counted() => format!("`{}`", f.sha256),
                    None => text(&f.sha256).into_owned(),
                };
                format!(
                    "| {} | {} | {digest} |",
                    cell(&f.path),
                    thousands(f.bytes as usize)
                )
            })
            .collect();
        self.folded(
            &format!("{} input files", thousands(files.len())),
            "| file | bytes | SHA-256 |\n|---|---:|---|",
            files,
        );
    }

    fn reproduce(&mut self) {
        let r = self.r;
        self.line("## How to reproduce");
        self.line("");
        self.line(&crate::render::escape::markdown_block("sh", &r.command));
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
}
