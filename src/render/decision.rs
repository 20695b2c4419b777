//! The report's first screen, in words: per class and per template with its own override, the
//! verdict on the first line that names it, then the rule as arithmetic a reviewer can redo,
//! what the current timeout did, the trade-off, and what must move with the change. Every
//! number is the recommendation's or the report's trade-off; nothing is computed here.

use std::fmt::Write as _;

use super::escape::{markdown_code as code, markdown_text as text};
use super::numbers::{percent, secs};
use super::recommend::{sensitivity_summary, split_text};
use crate::recommend::checks::{GuardVerdict, LockstepVerdict};
use crate::recommend::{Recommendation, Recommendations, Suggestion, Verdict};
use crate::report::decision::{Per10k, Tradeoff};
use crate::report::Report;

/// The first screen: one block per class and template, each opening with its verdict.
pub(crate) fn first_screen(r: &Report) -> String {
    let rec = &r.recommendation;
    let mut o = String::new();
    for g in rec.classes.iter().chain(&rec.templates) {
        let tradeoff = crate::report::decision::tradeoff(g);
        o.push_str(&verdict_line(g, rec));
        o.push('\n');
        o.push('\n');
        if g.insufficient() {
            let _ = writeln!(o, "- {}", model_only_item(g));
            o.push('\n');
            continue;
        }
        let _ = writeln!(o, "- {}", rule_item(g, rec));
        let _ = writeln!(o, "- {}", killed_item(g));
        let _ = writeln!(o, "- {}", tradeoff_item(g, &tradeoff));
        if let Some(m) = move_item(g, rec, r.config.as_deref()) {
            let _ = writeln!(o, "- {m}");
        }
        if !g.sensitivity.is_empty() {
            let _ = writeln!(
                o,
                "- **Would the answer change?** {}.",
                sensitivity_summary(g)
            );
        }
        o.push('\n');
    }
    o
}

fn name(g: &Recommendation) -> String {
    match &g.template {
        Some(t) => format!("{} (template of {})", text(t), text(&g.class)),
        None => text(&g.class).into_owned(),
    }
}

/// The verdict in words: the change, keep, no single value, or not enough evidence.
fn verdict_line(g: &Recommendation, rec: &Recommendations) -> String {
    let (cur, proposed) = (g.current_timeout_s, g.recommended_timeout_s);
    match g.verdict {
        Verdict::InsufficientData => format!(
            "**{}: not enough evidence** — {} exact records, the policy needs {}: keep {} and collect more boots.",
            name(g),
            g.n_exact,
            rec.policy.min_records,
            secs(cur)
        ),
        Verdict::Overlap => overlap_line(g),
        Verdict::Ok | Verdict::Warn => {
            let what = if proposed > cur {
                format!("raise the register-wait timeout {} → {}", secs(cur), secs(proposed))
            } else if proposed < cur {
                format!("lower the register-wait timeout {} → {}", secs(cur), secs(proposed))
            } else {
                format!("keep the register-wait timeout at {}", secs(cur))
            };
            format!("**{}: {what}.**", name(g))
        }
    }
}

/// No single timeout: the healthy share at the threshold, extrapolation or not, the ways out.
fn overlap_line(g: &Recommendation) -> String {
    let mut o = format!(
        "**{}: no single timeout separates slow boots from stuck ones** — the rule asks for {}, at or past the {} stuck threshold",
        name(g),
        secs(g.recommended_timeout_s),
        secs(g.stuck_threshold_s)
    );
    if let Some(at) = &g.at_stuck_threshold {
        let share = match (at.km, at.model) {
            (Some(k), Some(m)) => format!(
                "{} of healthy boots (Kaplan–Meier; {} by the model)",
                percent(k),
                percent(m)
            ),
            (Some(k), None) => format!("{} of healthy boots (Kaplan–Meier)", percent(k)),
            (None, Some(m)) => format!("{} of healthy boots (the model)", percent(m)),
            (None, None) => "an unknown share of healthy boots".to_string(),
        };
        let _ = write!(
            o,
            "; {share} are still unregistered at {}",
            secs(at.timeout_s)
        );
    }
    let largest = g.warnings.iter().find_map(|w| match w.kind {
        crate::recommend::WarningKind::Extrapolation {
            largest_registered_s,
            ..
        } => Some(largest_registered_s),
        _ => None,
    });
    match largest {
        Some(l) => {
            let _ = write!(
                o,
                "; this rests on extrapolation: the largest registered boot took {l:.1} s, the p99.9 bound is {:.1} s",
                g.bound_s
            );
        }
        None => o.push_str(
            "; the model's p99.9 lies within the registered boots, so this is not extrapolation",
        ),
    }
    if let Some(s) = &g.suggestion {
        let _ = write!(o, ". Ways out: {}", ways_out(s));
    }
    o.push('.');
    o
}

/// The computed remedies of an overlap.
fn ways_out(s: &Suggestion) -> String {
    match s {
        Suggestion::PerCohort {
            label,
            separable,
            overlapping,
        } => {
            let own: Vec<String> = separable
                .iter()
                .map(|(v, t)| format!("{} {}", text(v), secs(*t)))
                .collect();
            let mut o = format!(
                "split with `--group-by {}`: {}",
                text(label),
                if own.is_empty() {
                    "no cohort separates".to_string()
                } else {
                    own.join(", ")
                }
            );
            if !overlapping.is_empty() {
                let _ = write!(o, " (still overlapping: {})", text(&overlapping.join(", ")));
            }
            o
        }
        Suggestion::GroupBy {
            splits,
            stuck_threshold_needed_s,
            ..
        } => {
            let mut ways: Vec<String> = splits
                .iter()
                .map(|s| text(&split_text(s)).into_owned())
                .collect();
            ways.push(format!(
                "raise the stuck threshold to {}",
                secs(*stuck_threshold_needed_s)
            ));
            ways.join("; or ")
        }
    }
}

/// The target as a target, the bound, slack and grid as arithmetic, the sweep period.
fn rule_item(g: &Recommendation, rec: &Recommendations) -> String {
    let p = &rec.policy;
    let basis = match g.basis {
        crate::recommend::Basis::Model(f) => format!("the {} model", f.name()),
        crate::recommend::Basis::KaplanMeier => "the Kaplan–Meier band".to_string(),
        crate::recommend::Basis::OrderStatistic => "order statistics".to_string(),
    };
    let grid = if g.raw_s < p.grid_switch_secs {
        p.grid_secs
    } else {
        p.grid_above_secs
    };
    let slack = if (g.raw_s - g.bound_s * p.slack_multiplier).abs() < 1e-9 {
        format!("× {:.2}", p.slack_multiplier)
    } else {
        format!("+ {}", secs(p.slack_add_secs))
    };
    format!(
        "**Target**: at most {} of healthy boots failed, {:.0} % one-sided. p99.9 bound {:.1} s ({basis}, {} records) {slack} = {:.1} s, rounded up to the {} grid → **{}**. The sweep runs every {}, so a boot is failed up to {} after the timeout and every rate here is a worst case.",
        percent(p.target_false_fail_rate),
        100.0 * p.confidence,
        g.bound_s,
        g.n,
        g.raw_s,
        secs(grid),
        secs(g.recommended_timeout_s),
        secs(rec.sweep_period_s),
        secs(rec.sweep_period_s)
    )
}

/// The rule's numbers for a group without enough evidence, labelled as the model's alone.
fn model_only_item(g: &Recommendation) -> String {
    format!(
        "Model-only, deciding nothing: p99.9 bound {:.1} s (`{}`, {} records, {} exact) with slack {:.1} s, rounded up → {}.",
        g.bound_s,
        g.basis,
        g.n,
        g.n_exact,
        g.raw_s,
        secs(g.recommended_timeout_s)
    )
}

/// What the current timeout did: killed, registered later (ids, seconds late), never.
fn killed_item(g: &Recommendation) -> String {
    let cur = g.current_timeout_s;
    if g.n_killed == 0 {
        return format!("**What {} did**: the sweep killed no attempt.", secs(cur));
    }
    let mut late: Vec<String> = g
        .killed_registered
        .iter()
        .map(|l| {
            format!(
                "{} at {:.1} s, {:.1} s late",
                code(&l.instance),
                l.latency_s,
                l.latency_s - cur
            )
        })
        .collect();
    if g.killed_registered_more > 0 {
        late.push(format!("and {} more", g.killed_registered_more));
    }
    let mut o = format!(
        "**What {} did**: the sweep killed {} attempt{}: {} registered later",
        secs(cur),
        g.n_killed,
        crate::render::numbers::plural_s(g.n_killed),
        g.killed_registered.len() + g.killed_registered_more
    );
    if !late.is_empty() {
        let _ = write!(o, " ({})", late.join("; "));
    }
    let _ = write!(o, ", {} never did.", g.n_killed_unresolved);
    o
}

/// `50.3 [19.1, 113.4]`: a count per 10,000 and its interval.
fn per10k(v: Option<f64>, ci: &[Option<f64>; 2]) -> String {
    let n = |x: f64| {
        if x == 0.0 {
            "0".to_string()
        } else if x >= 100.0 {
            format!("{x:.0}")
        } else if x >= 1.0 {
            format!("{x:.1}")
        } else if x >= 0.01 {
            format!("{x:.2}")
        } else {
            "< 0.01".to_string()
        }
    };
    match v {
        Some(v) => format!(
            "{} [{}, {}]",
            n(v),
            ci[0].map_or("–".into(), n),
            ci[1].map_or("–".into(), n)
        ),
        None => "–".to_string(),
    }
}

/// Both estimates at one timeout, each named.
fn estimates(at: &Per10k) -> String {
    let km = if at.kaplan_meier_beyond_data {
        "beyond the data by Kaplan–Meier".to_string()
    } else {
        format!(
            "{} by Kaplan–Meier",
            per10k(at.kaplan_meier, &at.kaplan_meier_ci)
        )
    };
    match at.model_family {
        Some(f) => format!(
            "{km}, {} by the {} model",
            per10k(at.model, &at.model_ci),
            f.name()
        ),
        None => km,
    }
}

/// False fails per 10,000 at both timeouts against the stuck-detection cost.
fn tradeoff_item(g: &Recommendation, t: &Tradeoff) -> String {
    let (cur, at_cur) = (g.current_timeout_s, &t.false_fails_per_10k_at_current);
    let mut o = format!(
        "**Trade-off**: false fails per 10,000 healthy boots (95 % intervals) at {}: {}",
        secs(cur),
        estimates(at_cur)
    );
    if t.stuck_detection_delay_s != 0.0 {
        let _ = write!(
            o,
            "; at {}: {}",
            secs(g.recommended_timeout_s),
            estimates(&t.false_fails_per_10k_at_recommended)
        );
    }
    if t.benefit_rests_on_model {
        o.push_str(" — no boot ran that long, so the benefit rests on the model's tail alone");
    }
    let delay = t.stuck_detection_delay_s;
    let cost = if delay > 0.0 {
        format!(
            ". Cost: a stuck boot is failed {} later; {:.1} stuck boots per 10,000 launches ({} of {}) × {:.1} min = {:.1} instance-minutes per 10,000 launches.",
            secs(delay),
            t.stuck_per_10k_launches,
            t.stuck,
            crate::render::numbers::thousands(t.launches),
            delay / 60.0,
            t.instance_minutes_per_10k_launches
        )
    } else if delay < 0.0 {
        format!(
            ". Gain: a stuck boot is failed {} sooner; {:.1} stuck boots per 10,000 launches × {:.1} min = {:.1} instance-minutes saved per 10,000 launches.",
            secs(-delay),
            t.stuck_per_10k_launches,
            -delay / 60.0,
            -t.instance_minutes_per_10k_launches
        )
    } else {
        ". Stuck boots are failed as soon as now.".to_string()
    };
    o.push_str(&cost);
    o
}

/// Lockstep timeouts and guard cases of the class, with exact values, and the CI line.
fn move_item(g: &Recommendation, rec: &Recommendations, config: Option<&str>) -> Option<String> {
    if g.template.is_some() {
        return None;
    }
    let mut parts = lockstep_parts(g, rec);
    parts.extend(guard_parts(g, rec));
    let proposals: Vec<&Recommendation> = std::iter::once(g)
        .chain(rec.templates.iter().filter(|t| t.class == g.class))
        .filter(|r| !r.insufficient() && r.recommended_timeout_s != r.current_timeout_s)
        .collect();
    if proposals.is_empty() && parts.is_empty() {
        return None;
    }
    let mut check = "bootline check".to_string();
    if let Some(c) = config {
        let _ = write!(check, " --config {c}");
    }
    for r in proposals {
        let _ = write!(
            check,
            " --proposed {}={}",
            r.name(),
            r.recommended_timeout_s
        );
    }
    Some(format!(
        "**What must move with it**: {}. Gate the follow-up in CI with {}.",
        if parts.is_empty() {
            "nothing".to_string()
        } else {
            parts.join("; ")
        },
        code(&check)
    ))
}

/// Each lockstep timeout of the class: the value it must move to, or that it covers.
fn lockstep_parts(g: &Recommendation, rec: &Recommendations) -> Vec<String> {
    rec.lockstep
        .iter()
        .filter(|l| l.class == g.class)
        .filter_map(|l| match (l.verdict, l.required_s) {
            (LockstepVerdict::MustMove, Some(req)) => Some(format!(
                "{} {} → at least {}",
                text(&l.name),
                secs(l.timeout_s),
                secs(req)
            )),
            (LockstepVerdict::Ok, Some(req)) => Some(format!(
                "{} {} already covers {}",
                text(&l.name),
                secs(l.timeout_s),
                secs(req)
            )),
            _ => None,
        })
        .collect()
}

/// Each guard case of the class against every proposed value: real, or the ages that make it
/// real again.
fn guard_parts(g: &Recommendation, rec: &Recommendations) -> Vec<String> {
    rec.guards
        .iter()
        .filter(|c| c.class == g.class)
        .filter_map(|c| {
            let interval = match c.real_guard_interval_s {
                Some([Some(lo), Some(hi)]) => format!("an age in ({}, {}]", secs(lo), secs(hi)),
                Some([Some(lo), None]) => format!("an age above {}", secs(lo)),
                Some([None, _]) => "any age".to_string(),
                None => "no age".to_string(),
            };
            let what = match c.verdict {
                GuardVerdict::Ok => {
                    return Some(format!(
                        "guard case “{}” (age {}) stays real",
                        text(&c.name),
                        secs(c.age_s)
                    ))
                }
                GuardVerdict::Vacuous => "vacuous (it passes even when what it guards is broken)",
                GuardVerdict::WrongSide => "on the wrong side (it fails)",
                GuardVerdict::NoProposal => return None,
            };
            Some(format!(
                "guard case “{}” (age {}) is {what}: give it {interval}",
                text(&c.name),
                secs(c.age_s)
            ))
        })
        .collect()
}
