//! `report.md`: the pull-request page, GitHub-flavoured Markdown, a pure function of the
//! report. It fits a pull-request body (at most [`BODY_LIMIT`] characters): long lists fold into
//! `<details>` and are cut, with a count, until it does.

use super::Report;
use crate::chart::ChartError;
use crate::render::escape::markdown_text as text;
use crate::render::numbers::{plural_s, thousands};

mod appendix;
mod distribution;
mod evidence;
mod recommendation;

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
}
