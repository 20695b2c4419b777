//! Boot timelines as text: the fleet's count of attempt outcomes per class (printed first), and
//! per boot a header, an aligned per-phase table and the milestones. Outcomes and FAIL results
//! are painted with the caller's [`Palette`].

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::escape::terminal as shown;
use super::numbers::secs_or_dash as secs;
use super::style::Palette;
use crate::event::StageResult;
use crate::timeline::{attempts, Boot, Latency, Outcome, Zero};

fn zero_word(z: Zero) -> &'static str {
    match z {
        Zero::Launch => "launch",
        Zero::KernelStart => "kernel start (launch unknown)",
        Zero::FirstSeen => "first observed moment",
    }
}

fn latency_text(l: Option<Latency>) -> String {
    match l {
        Some(l) if l.censored => format!("> {:.1} s (censored)", l.secs),
        Some(l) => format!("{:.1} s", l.secs),
        None => "-".to_string(),
    }
}

/// ` (the platform stated 600 s)` where the attempt's events state another timeout than the
/// declared one (its `failed` events were judged at the stated one).
fn stated_timeout(b: &Boot) -> String {
    match b.attempt_stated_timeout_secs {
        Some(t) if (t - b.timeout_secs).abs() >= 1e-3 => {
            format!(" (the platform stated {})", super::numbers::secs(t))
        }
        Some(_) | None => String::new(),
    }
}

/// One boot as text.
pub(crate) fn boot_text(b: &Boot, palette: Palette) -> String {
    let mut s = String::new();
    write_heading(&mut s, b, palette);
    write_clock(&mut s, b);
    if let Some(e) = &b.evidence {
        let _ = writeln!(
            s,
            "  {} ({}): {}  [{}]",
            palette.failure("crash evidence"),
            e.kind,
            shown(&e.line),
            shown(&e.source)
        );
    }
    write_phases(&mut s, b, palette);
    if !b.milestones.is_empty() {
        let _ = write!(s, "  milestones:");
        for m in &b.milestones {
            let _ = write!(s, " {} @{:.1}", shown(&m.name), m.at_secs);
        }
        let _ = writeln!(s);
    }
    s
}

/// The boot's heading: instance, boot, attempt, class, outcome and latency; what named the
/// instance; the attempt's verdict where it differs from the boot's own.
fn write_heading(s: &mut String, b: &Boot, palette: Palette) {
    let _ = writeln!(
        s,
        "{} boot {} (attempt {})  class {}{}  outcome {}  latency {}",
        shown(&b.instance),
        b.boot,
        b.attempt,
        shown(&b.class),
        b.template
            .as_ref()
            .map_or(String::new(), |t| format!(" (template {})", shown(t))),
        palette.outcome(b.outcome),
        latency_text(b.latency)
    );
    if !b.identity.is_empty() {
        let named: Vec<_> = b.identity.iter().map(|i| shown(i.describe())).collect();
        let _ = writeln!(s, "  instance named by: {}", named.join(", "));
    }
    // The attempt's verdict, where its other boots make it differ from this boot's own.
    let attempt_outcome = b.attempt_outcome.unwrap_or(b.outcome);
    if attempt_outcome != b.outcome || b.attempt_latency != b.latency {
        let _ = writeln!(
            s,
            "  attempt {}: outcome {}  latency {}",
            b.attempt,
            palette.outcome(attempt_outcome),
            latency_text(b.attempt_latency)
        );
    }
}

/// What the boot's seconds count from, its timeout, stuck threshold, observation and clock
/// skew, and each wall-clock step.
fn write_clock(s: &mut String, b: &Boot) {
    let _ = writeln!(
        s,
        "  seconds from {}{}; timeout {:.0} s{}, stuck after {:.0} s; observed to {} s{}",
        zero_word(b.zero),
        b.zero_wall
            .map_or(String::new(), |w| format!(" ({})", w.to_rfc3339())),
        b.timeout_secs,
        stated_timeout(b),
        b.stuck_threshold_secs,
        secs(b.observed_secs),
        b.clock_skew_secs
            .map_or(String::new(), |k| format!("; clock skew {k:.2} s"))
    );
    for c in &b.clock_steps {
        let _ = writeln!(
            s,
            "  clock step {:+.3} s between {:.1} s and {:.1} s  [{}]",
            c.step_secs,
            c.after_secs,
            c.by_secs,
            shown(&c.source)
        );
    }
}

/// The phase table: name (indented by depth), start, end, duration, result.
fn write_phases(s: &mut String, b: &Boot, palette: Palette) {
    if b.phases.is_empty() {
        return;
    }
    let width = b
        .phases
        .iter()
        .map(|p| shown(&p.name).chars().count() + 2 * p.depth)
        .max()
        .unwrap_or(5)
        .max(5);
    let _ = writeln!(
        s,
        "  {:width$}  {:>9}  {:>9}  {:>9}  result",
        "phase", "start", "end", "duration"
    );
    for p in &b.phases {
        let name = format!("{}{}", "  ".repeat(p.depth), shown(&p.name));
        let _ = writeln!(
            s,
            "  {:width$}  {:>9}  {:>9}  {:>9}  {}",
            name,
            format!("{:.1}", p.start_secs),
            secs(p.end_secs),
            secs(p.duration_secs()),
            p.result.as_deref().map_or(String::new(), |r| palette
                .result(StageResult::from_word(r), shown(r))
                .to_string())
        );
    }
}

/// Attempt outcome counts per class, with the boots they took, as a table; counts of crashed
/// and stuck attempts painted.
pub(crate) fn summary_text(boots: &[Boot], palette: Palette) -> String {
    let mut per: BTreeMap<String, BTreeMap<Outcome, usize>> = BTreeMap::new();
    let mut boots_per: BTreeMap<&str, usize> = BTreeMap::new();
    for b in boots {
        *boots_per.entry(&b.class).or_default() += 1;
    }
    for a in attempts(&crate::timeline::lean::lean_all(boots)) {
        *per.entry(a.class.to_string())
            .or_default()
            .entry(a.outcome)
            .or_default() += 1;
    }
    let mut s = String::new();
    let _ = write!(s, "{:12} {:>8} {:>6}", "class", "attempts", "boots");
    for o in Outcome::ALL {
        let _ = write!(s, " {:>12}", o.as_str());
    }
    let _ = writeln!(s);
    for (class, counts) in per {
        let total: usize = counts.values().sum();
        let n_boots = boots_per.get(class.as_str()).copied().unwrap_or(0);
        let _ = write!(s, "{:12} {total:>8} {n_boots:>6}", shown(&class));
        for o in Outcome::ALL {
            let n = counts.get(&o).copied().unwrap_or(0);
            let _ = write!(s, " {:>12}", palette.outcome_count(o, n));
        }
        let _ = writeln!(s);
    }
    s
}
