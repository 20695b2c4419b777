//! The sentences that say how the platform's sweep contradicts the declared timeout
//! ([`ObservedTimeout`], found in `timeline/observed.rs`); the library keeps the numbers.

use super::numbers::secs;
use crate::timeline::observed::{same, Stated};
use crate::timeline::ObservedTimeout;

/// `1 attempt`, `2 attempts`.
fn attempts(n: usize) -> String {
    format!("{n} attempt{}", crate::render::numbers::plural_s(n))
}

impl ObservedTimeout {
    /// `class default` or `class default, template gpu-large`.
    pub(crate) fn group(&self) -> String {
        match &self.template {
            Some(t) => format!("class {}, template {t}", self.class),
            None => format!("class {}", self.class),
        }
    }

    /// What the platform stated: `the platform swept at 600 s (stated for 37 attempts)` when
    /// the timeout stated most differs from the declared one, else `the platform stated 1200 s
    /// for 3 attempts (600 s for 37)`.
    fn stated_clause(&self) -> Option<String> {
        let each = |s: &Stated| format!("{} for {}", secs(s.secs), attempts(s.attempts));
        let first = self.stated.first()?;
        if !same(first.secs, self.declared_timeout_secs) {
            let others: Vec<String> = self.stated[1..].iter().map(each).collect();
            let others = if others.is_empty() {
                String::new()
            } else {
                format!("; {}", others.join(", "))
            };
            return Some(format!(
                "the platform swept at {} (stated for {}{others})",
                secs(first.secs),
                attempts(first.attempts)
            ));
        }
        let (agree, differ): (Vec<&Stated>, Vec<&Stated>) = self
            .stated
            .iter()
            .partition(|s| same(s.secs, self.declared_timeout_secs));
        if differ.is_empty() {
            return None;
        }
        let differ: Vec<String> = differ.into_iter().map(each).collect();
        let agree: Vec<String> = agree.into_iter().map(each).collect();
        Some(format!(
            "the platform stated {} ({})",
            differ.join(", "),
            agree.join(", ")
        ))
    }

    /// The flips whose time contradicts the declared timeout, when any.
    fn flips_clause(&self) -> Option<String> {
        let [lo, hi] = self.contradicting_flips_secs?;
        let span = if same(lo, hi) {
            secs(lo)
        } else {
            format!("{}–{}", secs(lo).trim_end_matches(" s"), secs(hi))
        };
        let n = self.flips_before_declared + self.flips_after_declared;
        let which = match (self.flips_before_declared, self.flips_after_declared) {
            (_, 0) => "before the declared timeout".to_string(),
            (0, _) => format!(
                "later than the declared timeout plus one sweep period ({})",
                secs(self.sweep_period_secs)
            ),
            (b, a) => format!(
                "{b} before the declared timeout, {a} later than it plus one sweep period ({})",
                secs(self.sweep_period_secs)
            ),
        };
        Some(format!(
            "{n} flip{} came {span} after launch, {which}",
            crate::render::numbers::plural_s(n)
        ))
    }

    /// How the attempts' `failed` events were judged.
    fn judged_clause(&self) -> String {
        let declared = secs(self.declared_timeout_secs);
        let rest = if self.judged_at_declared == 0 {
            String::new()
        } else {
            format!(
                "; {} whose events state no timeout {} judged at the declared {declared}",
                attempts(self.judged_at_declared),
                if self.judged_at_declared == 1 {
                    "is"
                } else {
                    "are"
                }
            )
        };
        match (self.observed_timeout_secs, self.stated.len()) {
            (Some(t), 1) => format!("the flips are judged at the platform's {}{rest}", secs(t)),
            (Some(_), _) => format!("each flip is judged at the timeout its attempt states{rest}"),
            (None, _) => format!(
                "no event states the timeout applied, so `failed` events are judged at the \
                 declared {declared} ({} with one)",
                attempts(self.judged_at_declared)
            ),
        }
    }
}

impl std::fmt::Display for ObservedTimeout {
    /// `class default: the platform swept at 600 s (stated for 37 attempts) but bootline.toml
    /// declares 720 s; the flips are judged at the platform's 600 s`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let declared = secs(self.declared_timeout_secs);
        let head = match (self.stated_clause(), self.configured) {
            (Some(stated), true) => format!("{stated} but bootline.toml declares {declared}"),
            (Some(stated), false) => format!(
                "{stated} but bootline.toml names no timeout for the class, so the default \
                 class's {declared} applies"
            ),
            (None, true) => {
                format!("the platform's flips contradict the {declared} bootline.toml declares")
            }
            (None, false) => format!(
                "the platform's flips contradict the default class's {declared} (bootline.toml \
                 names no timeout for the class)"
            ),
        };
        let flips = self
            .flips_clause()
            .map_or(String::new(), |c| format!("; {c}"));
        write!(
            f,
            "{}: {head}{flips}; {}",
            self.group(),
            self.judged_clause()
        )
    }
}
