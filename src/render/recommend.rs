//! Text of `bootline recommend` and `bootline check`: the answer in one line per group first,
//! then the arithmetic, the rates and the checks. JSON is the serialised result itself.

use std::fmt::Write as _;

use super::escape::terminal as shown;
use super::numbers::{percent, secs, secs1};
use crate::config::{Expect, Policy};
use crate::recommend::checks::{GuardCheck, GuardVerdict, LockstepCheck, LockstepVerdict};
use crate::recommend::group::{Check, GateReason};
use crate::recommend::{
    Assumption, Cohort, FalseFail, Reading, Recommendation, Recommendations, Sensitivity,
    Suggestion, Varied, Verdict,
};

fn group_name(r: &Recommendation) -> String {
    match &r.template {
        Some(t) => format!("{} (template of {})", shown(t), shown(&r.class)),
        None => shown(&r.class).into_owned(),
    }
}

/// A rate for the one-line answer: below the target it reads `< target`.
fn rate_phrase(f: &FalseFail, target: f64) -> String {
    let v = f.km.or(f.model);
    match v {
        Some(v) if v < target => format!("< {}", percent(target)),
        Some(v) => percent(v),
        None => "an unknown share".to_string(),
    }
}

/// The one-line answer of a group.
pub(crate) fn headline(r: &Recommendation, policy: &Policy) -> String {
    let target = policy.target_false_fail_rate;
    let (cur, rec) = (r.current_timeout_s, r.recommended_timeout_s);
    let bound = format!(
        "{} bound {}{}",
        crate::stats::level_name(r.quantile),
        secs1(r.bound_s),
        slack_phrase(r, policy)
    );
    if r.insufficient() {
        return format!(
            "{}: not enough evidence: {} exact records, the policy needs {}; keep {} (model-only: {bound} → {})",
            group_name(r),
            r.n_exact,
            policy.min_records,
            secs(cur),
            secs(rec)
        );
    }
    let stuck = match r.verdict {
        Verdict::Overlap => format!(
            "reaches the stuck threshold {}: overlap",
            secs(r.stuck_threshold_s)
        ),
        Verdict::Warn | Verdict::Ok | Verdict::InsufficientData => {
            format!("{} below the stuck threshold", secs(r.stuck_margin_s))
        }
    };
    let rates = if rec == cur {
        format!(
            "{} of healthy boots fail at {}",
            rate_phrase(&r.false_fail_at_current, target),
            secs(cur)
        )
    } else {
        format!(
            "{} of healthy boots fail at {}, {} at {}",
            rate_phrase(&r.false_fail_at_current, target),
            secs(cur),
            rate_phrase(&r.false_fail_at_recommended, target),
            secs(rec)
        )
    };
    format!(
        "{}: {} ({bound}; {rates}; {stuck})",
        group_name(r),
        change(cur, rec)
    )
}

/// `raise 600 s → 720 s`, `lower …`, `keep 600 s`.
pub(crate) fn change(cur: f64, rec: f64) -> String {
    if rec > cur {
        format!("raise {} → {}", secs(cur), secs(rec))
    } else if rec < cur {
        format!("lower {} → {}", secs(cur), secs(rec))
    } else {
        format!("keep {}", secs(cur))
    }
}

/// ` × 1.10` or ` + 60 s`: the slack that made the raw timeout.
fn slack_phrase(r: &Recommendation, policy: &Policy) -> String {
    if (r.raw_s - r.bound_s * policy.slack_multiplier).abs() < 1e-9 {
        format!(" × {:.2}", policy.slack_multiplier)
    } else {
        format!(" + {}", secs(policy.slack_add_secs))
    }
}

fn interval(ci: &[Option<f64>; 2]) -> String {
    match ci {
        [None, None] => String::new(),
        [lo, hi] => format!(
            " [{}, {}]",
            lo.map_or("-".into(), percent),
            hi.map_or("-".into(), percent)
        ),
    }
}

fn rate_row(label: &str, f: &FalseFail) -> String {
    let km = match (f.km, f.km_beyond_data) {
        (Some(v), _) => format!("{}{}", percent(v), interval(&f.km_ci)),
        (None, true) => "beyond the data".to_string(),
        (None, false) => "-".to_string(),
    };
    let model = match f.model {
        Some(v) => format!("{}{}", percent(v), interval(&f.model_ci)),
        None => "-".to_string(),
    };
    let per_10k = f.per_10k.map_or("-".into(), |v| format!("{v:.2}"));
    let mut observed = f.observed.to_string();
    if !f.instances.is_empty() {
        let names: Vec<_> = f.instances.iter().take(5).map(|i| shown(i)).collect();
        // Those shown, then the rest: listed past the first five, or past the list's cap.
        let more = f.instances.len().saturating_sub(names.len()) + f.instances_more;
        observed.push_str(&format!(
            " ({}{})",
            names.join(", "),
            if more > 0 {
                format!(", +{more}")
            } else {
                String::new()
            }
        ));
    }
    format!("    {label:<22} {km:<30} {model:<30} {per_10k:>9}  {observed}\n")
}

fn reading_name(r: Reading) -> &'static str {
    match r {
        Reading::KilledSlow => "killed were slow (censored)",
        Reading::KilledStuck => "killed were stuck (dropped)",
        Reading::Cure => "cure model (a stuck fraction)",
    }
}

fn assumption_row(a: &Assumption) -> String {
    let answer = match (a.basis, a.bound_s, a.recommended_timeout_s) {
        (Some(b), Some(bound), Some(t)) => format!("{b}: bound {} → {}", secs1(bound), secs(t)),
        _ => "no answer".to_string(),
    };
    let mut extra = String::new();
    if let Some(pi) = a.stuck_fraction {
        extra.push_str(&format!("; stuck fraction {}", percent(pi)));
    }
    if let Some(d) = a.delta_bic {
        extra.push_str(&format!("; ΔBIC {d:.2}"));
    }
    if let Some(n) = &a.note {
        extra.push_str(&format!("; {n}"));
    }
    format!(
        "    {} {:<30} {} records ({} censored): {answer}{extra}\n",
        if a.used { "*" } else { " " },
        reading_name(a.reading),
        a.n,
        a.n_censored
    )
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Ok => "ok",
        Verdict::Warn => "warn: above 80 % of the stuck threshold",
        Verdict::Overlap => "overlap: reaches the stuck threshold",
        Verdict::InsufficientData => "not enough evidence",
    }
}

/// How much sooner (or later) a stuck boot is found than at the current timeout.
fn delay_phrase(saved: f64) -> String {
    if saved > 0.0 {
        format!("{} sooner", secs(saved))
    } else if saved < 0.0 {
        format!("{} later", secs(-saved))
    } else {
        "as soon as now".to_string()
    }
}

/// What one sensitivity row varies, in words: `killed were stuck (dropped)`, `the gamma
/// model`, `target 0.010 %, 99 % confidence`.
pub(crate) fn varied_name(s: &Sensitivity) -> String {
    match s.varied {
        Varied::Reading => reading_name(s.reading).to_string(),
        Varied::Model => format!(
            "the {} model",
            s.model.map_or("distribution-free", |f| f.name())
        ),
        Varied::Policy => format!(
            "target {}, {:.0} % confidence",
            percent(s.target),
            100.0 * s.confidence
        ),
    }
}

/// One line: every row gives the recommended timeout, or which rows change it and to what.
pub(crate) fn sensitivity_summary(r: &Recommendation) -> String {
    let rec = r.recommended_timeout_s;
    let changed: Vec<String> = r
        .sensitivity
        .iter()
        .filter(|s| s.recommended_timeout_s != Some(rec))
        .map(|s| {
            format!(
                "{} gives {}",
                varied_name(s),
                s.recommended_timeout_s.map_or("no answer".into(), secs)
            )
        })
        .collect();
    if changed.is_empty() {
        format!(
            "every reading of the killed boots, plausible model and neighbouring policy gives {}",
            secs(rec)
        )
    } else {
        format!(
            "{} of {} variations give {}; {}",
            r.sensitivity.len() - changed.len(),
            r.sensitivity.len(),
            secs(rec),
            changed.join("; ")
        )
    }
}

/// The details of one group.
fn group_text(r: &Recommendation, confidence: f64) -> String {
    let mut o = arithmetic_text(r, confidence);
    o.push_str(&rates_text(r));
    let _ = writeln!(o, "  killed boots (* = used)");
    for a in &r.assumptions {
        o.push_str(&assumption_row(a));
    }
    if !r.plausible_models.is_empty() {
        let models: Vec<String> = r
            .plausible_models
            .iter()
            .map(|m| {
                format!(
                    "{} {} (ΔBIC {:.2})",
                    m.family.name(),
                    m.ucb_s.map_or("-".into(), secs1),
                    m.delta_bic
                )
            })
            .collect();
        let _ = writeln!(o, "  plausible models: {}", models.join(", "));
    }
    if !r.sensitivity.is_empty() {
        let _ = writeln!(o, "  sensitivity: {}", sensitivity_summary(r));
    }
    for c in &r.cohorts {
        o.push_str(&cohort_line(c));
    }
    if let Some(s) = &r.suggestion {
        let _ = writeln!(o, "  suggestion: {}", suggestion_text(s));
    }
    for w in &r.warnings {
        let _ = writeln!(o, "  warning: {}", shown(&w.message));
    }
    o
}

/// A group's counts, bound, slack and stuck check.
fn arithmetic_text(r: &Recommendation, confidence: f64) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "\n{}: {} records ({} censored); {} killed by the sweep, {} of them never seen registering; {} stuck and {} crashed counted, not fitted",
        group_name(r),
        r.n,
        r.n_censored,
        r.n_killed,
        r.n_killed_unresolved,
        r.n_stuck,
        r.n_crashed
    );
    let level = crate::stats::level_name(r.quantile);
    let _ = writeln!(
        o,
        "  bound   {level} ≤ {} ({:.0} % one-sided; basis {}{})",
        secs1(r.bound_s),
        confidence * 100.0,
        r.basis,
        r.estimate_s
            .map_or(String::new(), |e| format!(", estimate {}", secs1(e)))
    );
    let _ = writeln!(
        o,
        "  timeout {} with slack, rounded up to {}",
        secs1(r.raw_s),
        secs(r.recommended_timeout_s)
    );
    let verdict = match r.verdict {
        Verdict::Ok => "ok",
        Verdict::Warn => "warn (above 80 % of it)",
        Verdict::Overlap => "overlap (no timeout separates slow from stuck here)",
        Verdict::InsufficientData => {
            "not enough evidence: the timeout above is the model's alone and decides nothing"
        }
    };
    let delay = format!("stuck boots found {}", delay_phrase(r.stuck_delay_saved_s));
    let _ = writeln!(
        o,
        "  stuck   threshold {}, margin {}: {verdict}; {delay}",
        secs(r.stuck_threshold_s),
        secs(r.stuck_margin_s)
    );
    o
}

/// The false-fail table: current, proposed, the stuck threshold on overlap, candidates.
fn rates_text(r: &Recommendation) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "  false fails            {:<30} {:<30} {:>9}  observed",
        "Kaplan–Meier",
        format!(
            "model{}",
            r.false_fail_at_current
                .model_family
                .map_or(String::new(), |f| format!(" ({})", f.name()))
        ),
        "per 10k"
    );
    o.push_str(&rate_row(
        &format!("at {} (current)", secs(r.current_timeout_s)),
        &r.false_fail_at_current,
    ));
    o.push_str(&rate_row(
        &format!("at {} (proposed)", secs(r.recommended_timeout_s)),
        &r.false_fail_at_recommended,
    ));
    if let Some(f) = &r.at_stuck_threshold {
        o.push_str(&rate_row(&format!("at {} (stuck)", secs(f.timeout_s)), f));
    }
    if !r.candidates.is_empty() {
        let _ = writeln!(o, "  candidates");
        for c in &r.candidates {
            let delay = delay_phrase(c.stuck_delay_saved_s);
            let row = rate_row(&secs(c.false_fail.timeout_s), &c.false_fail);
            let _ = writeln!(
                o,
                "{}; stuck boots found {delay}; {}",
                row.trim_end(),
                verdict_word(c.verdict)
            );
        }
    }
    o
}

fn cohort_line(c: &Cohort) -> String {
    let name = format!(
        "{}={}",
        shown(&c.label),
        c.value.as_deref().map_or("(none)".into(), shown)
    );
    match (c.recommended_timeout_s, c.covered_by_pooled) {
        (Some(t), Some(covered)) => format!(
            "  cohort {name}: {} records, {} ({}){}\n",
            c.n,
            secs(t),
            c.basis.map_or(String::new(), |b| b.to_string()),
            if covered {
                ", covered by the pooled timeout"
            } else {
                ", NOT covered by the pooled timeout"
            }
        ),
        (Some(_), None) | (None, _) => format!(
            "  cohort {name}: {} records{}\n",
            c.n,
            c.note.as_ref().map_or(String::new(), |n| format!(" ({n})"))
        ),
    }
}

fn suggestion_text(s: &Suggestion) -> String {
    match s {
        Suggestion::PerCohort {
            label,
            separable,
            overlapping,
        } => {
            let own: Vec<String> = separable
                .iter()
                .map(|(v, t)| format!("{}={} at {}", shown(label), shown(v), secs(*t)))
                .collect();
            format!(
                "give cohorts their own timeouts: {}{}",
                if own.is_empty() {
                    "none separates".to_string()
                } else {
                    own.join(", ")
                },
                if overlapping.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; still overlapping on their own: {}",
                        shown(&overlapping.join(", "))
                    )
                }
            )
        }
        Suggestion::GroupBy {
            labels,
            splits,
            stuck_threshold_needed_s,
        } => {
            let mut ways: Vec<String> = splits.iter().map(split_text).collect();
            ways.push(format!(
                "raise the stuck threshold to {}",
                secs(*stuck_threshold_needed_s)
            ));
            if splits.is_empty() && !labels.is_empty() {
                ways.push(format!(
                    "no label's cohorts all separate (tried --group-by {})",
                    shown(&labels.join(" | "))
                ));
            }
            ways.join("; or ")
        }
    }
}

/// `split with --group-by instance_type: m5.xlarge 720 s, m6i.2xlarge 660 s`.
pub(crate) fn split_text(s: &crate::recommend::Split) -> String {
    let cohorts: Vec<String> = s
        .cohorts
        .iter()
        .map(|(v, t)| {
            format!(
                "{} {}",
                v.as_deref().map_or("(none)".into(), shown),
                secs(*t)
            )
        })
        .collect();
    format!(
        "split with --group-by {}: {}",
        shown(&s.label),
        cohorts.join(", ")
    )
}

fn lockstep_line(l: &LockstepCheck) -> String {
    let verdict = match (l.verdict, l.required_s) {
        (LockstepVerdict::Ok, Some(r)) => format!("ok (covers {})", secs(r)),
        (LockstepVerdict::MustMove, Some(r)) => format!("must move to ≥ {}", secs(r)),
        (LockstepVerdict::Ok | LockstepVerdict::MustMove, None) => "ok".to_string(),
        (LockstepVerdict::NotCovering, _) => {
            "not checked (does not cover the boot window)".to_string()
        }
        (LockstepVerdict::NoProposal, _) => {
            format!("not checked (no timeout for class {})", l.class)
        }
    };
    format!(
        "  lockstep {} ({}, class {}): {verdict}\n",
        l.name,
        secs(l.timeout_s),
        l.class
    )
}

fn guard_line(g: &GuardCheck) -> String {
    let expect = match g.expect {
        Expect::Spared => "spared",
        Expect::Failed => "failed",
    };
    let whose = match (&g.template, g.timeout_s, g.fallback_timeout_s) {
        (Some(t), Some(own), Some(fb)) => format!(
            "template {} {} over class {} {}",
            shown(t),
            secs(own),
            shown(&g.class),
            secs(fb)
        ),
        (None, Some(own), _) => format!("class {} {}", shown(&g.class), secs(own)),
        (Some(t), _, _) => format!("template {}", shown(t)),
        (None, None, _) => format!("class {}", shown(&g.class)),
    };
    let interval = match g.real_guard_interval_s {
        Some([Some(lo), Some(hi)]) => format!("an age in ({}, {}]", lo, secs(hi)),
        Some([Some(lo), None]) => format!("an age above {}", secs(lo)),
        Some([None, _]) => "any age".to_string(),
        None => {
            "no age (the override does not differ from the class timeout in the needed direction)"
                .to_string()
        }
    };
    let verdict = match g.verdict {
        GuardVerdict::Ok => "ok".to_string(),
        GuardVerdict::WrongSide => {
            format!("wrong side: the test fails; a real guard needs {interval}")
        }
        GuardVerdict::Vacuous => format!(
            "vacuous: it passes even when what it guards is broken; a real guard needs {interval}"
        ),
        GuardVerdict::NoProposal => "not checked (no timeout proposed)".to_string(),
    };
    format!(
        "  guard \"{}\" (age {}, expects {expect}; {whose}): {verdict}\n",
        g.name,
        secs(g.age_s)
    )
}

fn checks_text(lockstep: &[LockstepCheck], guards: &[GuardCheck]) -> String {
    let mut o = String::new();
    for l in lockstep {
        o.push_str(&lockstep_line(l));
    }
    for g in guards {
        o.push_str(&guard_line(g));
    }
    o
}

/// The text of `bootline recommend`.
pub(crate) fn text(r: &Recommendations) -> String {
    let mut o = String::new();
    let target = r.policy.target_false_fail_rate;
    for g in r.classes.iter().chain(&r.templates) {
        let _ = writeln!(o, "{}", headline(g, &r.policy));
    }
    for s in &r.skipped {
        let _ = writeln!(
            o,
            "{}: no recommendation ({})",
            shown(s.template.as_deref().unwrap_or(&s.class)),
            shown(&s.reason)
        );
    }
    let _ = writeln!(
        o,
        "\npolicy: at most {} of healthy boots failed, {:.0} % one-sided bound, slack × {:.2} and + {}, grid {} below {} and {} from it; killed boots: {}",
        percent(target),
        r.policy.confidence * 100.0,
        r.policy.slack_multiplier,
        secs(r.policy.slack_add_secs),
        secs(r.policy.grid_secs),
        secs(r.policy.grid_switch_secs),
        secs(r.policy.grid_above_secs),
        match r.assume {
            crate::recommend::Assume::Auto => "auto (the BIC rule)",
            crate::recommend::Assume::KilledSlow => "killed were slow",
            crate::recommend::Assume::KilledStuck => "killed were stuck",
        }
    );
    let _ = writeln!(
        o,
        "the sweep runs every {}: a boot is failed between T and T + {} after its launch, so each rate at T is the worst case",
        secs(r.sweep_period_s),
        secs(r.sweep_period_s)
    );
    let checks = checks_text(&r.lockstep, &r.guards);
    if !checks.is_empty() {
        let _ = writeln!(o, "\nchecks against the recommended timeouts");
        o.push_str(&checks);
    }
    for g in r.classes.iter().chain(&r.templates) {
        o.push_str(&group_text(g, r.policy.confidence));
    }
    o
}

/// One group through the CI gate: the rate at its current timeout and why it fails, if it does.
fn gate_line(g: &crate::recommend::gate::GateCheck) -> String {
    let name = shown(g.template.as_deref().unwrap_or(&g.class));
    let rate = match g.km_at_current {
        Some(v) => format!("{}{}", percent(v), interval(&g.km_ci)),
        None => "beyond the data".to_string(),
    };
    let verdict = if g.insufficient_data {
        "not gated (not enough evidence)".to_string()
    } else if g.passed {
        "pass".to_string()
    } else {
        let why: Vec<String> = g
            .reasons
            .iter()
            .map(|r| match r {
                GateReason::BelowRecommended => format!(
                    "the current {} is below the recommended {}",
                    secs(g.current_timeout_s),
                    secs(g.recommended_timeout_s)
                ),
                GateReason::RateAboveTarget => format!(
                    "the false-fail rate exceeds the target {}",
                    percent(g.target)
                ),
            })
            .collect();
        format!("FAIL: {}", why.join("; "))
    };
    format!(
        "  gate {name} at {}: Kaplan–Meier false-fail rate {rate}, recommended {}: {verdict}\n",
        secs(g.current_timeout_s),
        secs(g.recommended_timeout_s)
    )
}

/// The text of `bootline check`.
pub(crate) fn check_text(c: &Check) -> String {
    let mut o = String::new();
    let proposed: Vec<String> = c
        .proposal
        .classes
        .iter()
        .map(|(k, v)| format!("{} {}", shown(k), secs(*v)))
        .chain(
            c.proposal
                .templates
                .iter()
                .map(|(k, v)| format!("{} {} (template)", shown(k), secs(*v))),
        )
        .collect();
    let _ = writeln!(o, "timeouts checked: {}", proposed.join(", "));
    o.push_str(&checks_text(&c.lockstep, &c.guards));
    for g in c.gate.iter().flatten() {
        o.push_str(&gate_line(g));
    }
    for s in &c.skipped {
        let _ = writeln!(
            o,
            "  {}: no recommendation ({})",
            shown(s.template.as_deref().unwrap_or(&s.class)),
            shown(&s.reason)
        );
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cohort_names_from_a_log_are_escaped_in_the_ways_out() {
        let s = Suggestion::PerCohort {
            label: "region".into(),
            separable: vec![("eu\u{1b}[2J".into(), 720.0)],
            overlapping: vec!["us\u{202e}x".into()],
        };
        let t = suggestion_text(&s);
        assert!(
            t.contains("eu\\x1b[2J") && t.contains("us\\u{202e}x"),
            "{t}"
        );
        assert!(!t.contains('\u{1b}') && !t.contains('\u{202e}'), "{t}");
    }
}
