//! Colour for the words an operator scans for: FAIL and WARN results, and boot outcomes (a
//! crashed or stuck boot stands out, a registered one reads as fine). Renderers take a
//! [`Palette`]; whether it paints is the caller's decision (a terminal, `NO_COLOR`, `--color`),
//! so the text renderers stay pure and a disabled palette adds no byte.

use std::fmt;

use anstyle::{AnsiColor, Style};

use crate::event::StageResult;
use crate::timeline::Outcome;

/// Paints text with ANSI styles, or leaves it as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Palette {
    enabled: bool,
}

const RED_BOLD: Style = AnsiColor::Red.on_default().bold();
const YELLOW: Style = AnsiColor::Yellow.on_default();
const GREEN: Style = AnsiColor::Green.on_default();
const MAGENTA_BOLD: Style = AnsiColor::Magenta.on_default().bold();

impl Palette {
    /// A palette that never paints.
    pub const PLAIN: Palette = Palette { enabled: false };

    /// Paints when `enabled`.
    pub(crate) fn new(enabled: bool) -> Self {
        Self { enabled }
    }

    /// Whether this palette paints.
    pub(crate) fn enabled(self) -> bool {
        self.enabled
    }

    /// `text` in `style`, when painting.
    pub(crate) fn paint<T: fmt::Display>(self, style: Style, text: T) -> Painted<T> {
        Painted {
            style: if self.enabled { style } else { Style::new() },
            text,
        }
    }

    /// An outcome's word, coloured by how much it needs attention.
    pub(crate) fn outcome(self, o: Outcome) -> Painted<&'static str> {
        self.paint(outcome_style(o), o.as_str())
    }

    /// A count of attempts with outcome `o`, painted when crashed or stuck ones exist.
    pub(crate) fn outcome_count(self, o: Outcome, n: usize) -> Painted<usize> {
        let attention = n > 0 && matches!(o, Outcome::Crashed | Outcome::Stuck);
        let style = if attention {
            outcome_style(o)
        } else {
            Style::new()
        };
        self.paint(style, n)
    }

    /// A cloud-init result word (`FAIL`, `WARN`, `SUCCESS`).
    pub(crate) fn result<T: fmt::Display>(self, r: Option<StageResult>, text: T) -> Painted<T> {
        self.paint(result_style(r), text)
    }

    /// Text that reports a failure.
    pub(crate) fn failure<T: fmt::Display>(self, text: T) -> Painted<T> {
        self.paint(RED_BOLD, text)
    }
}

/// The style of an outcome: failures red, the stuck class magenta, what the timeout cut short
/// yellow, success green; `unknown` stays plain.
fn outcome_style(o: Outcome) -> Style {
    match o {
        Outcome::Registered => GREEN,
        Outcome::FalseFailed | Outcome::TimedOut => YELLOW,
        Outcome::Crashed => RED_BOLD,
        Outcome::Stuck => MAGENTA_BOLD,
        Outcome::Unknown => Style::new(),
    }
}

fn result_style(r: Option<StageResult>) -> Style {
    match r {
        Some(StageResult::Fail) => RED_BOLD,
        Some(StageResult::Warn) => YELLOW,
        Some(StageResult::Success) | None => Style::new(),
    }
}

/// Text with its style; displays the bare text when the style is plain.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Painted<T> {
    style: Style,
    text: T,
}

impl<T: fmt::Display> fmt::Display for Painted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.style == Style::new() {
            // Width and alignment apply to the text itself.
            return self.text.fmt(f);
        }
        write!(f, "{}", self.style.render())?;
        self.text.fmt(f)?;
        write!(f, "{}", self.style.render_reset())
    }
}

#[cfg(test)]
impl Palette {
    /// A palette that always paints.
    pub(crate) const COLOUR: Palette = Palette { enabled: true };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_palette_adds_nothing_and_keeps_padding() {
        let p = Palette::PLAIN;
        assert_eq!(format!("{:>8}", p.outcome(Outcome::Crashed)), " crashed");
        assert_eq!(
            p.result(Some(StageResult::Fail), "FAIL").to_string(),
            "FAIL"
        );
    }

    #[test]
    fn a_colour_palette_wraps_the_words_that_need_attention() {
        let p = Palette::COLOUR;
        assert_eq!(
            p.outcome(Outcome::Crashed).to_string(),
            "\u{1b}[1m\u{1b}[31mcrashed\u{1b}[0m"
        );
        assert_eq!(
            p.outcome(Outcome::Stuck).to_string(),
            "\u{1b}[1m\u{1b}[35mstuck\u{1b}[0m"
        );
        assert_eq!(
            p.result(Some(StageResult::Fail), "FAIL").to_string(),
            "\u{1b}[1m\u{1b}[31mFAIL\u{1b}[0m"
        );
        // Nothing to say about an unknown outcome or a success.
        assert_eq!(p.outcome(Outcome::Unknown).to_string(), "unknown");
        assert_eq!(p.result(Some(StageResult::Success), "ok").to_string(), "ok");
    }
}
