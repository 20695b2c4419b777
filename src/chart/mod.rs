//! SVG charts drawn with plotters' SVG backend (no font libraries: text is laid out by the
//! viewer, sized by plotters' estimate). Each chart is a pure function of the
//! [`Report`](crate::report::Report): it draws the numbers the report holds and computes none.
//!
//! Every chart has a fixed width, a `<title>`, axis titles with units, explicit font sizes,
//! and keeps its labels inside the canvas. What frames the data (title, legend, axes) is
//! [`frame`]; the labelled vertical lines are [`flags`]: legends and line labels stand above
//! the plot, where they hide no data and no line.

mod axis;
pub(crate) mod compare;
mod distribution;
mod flags;
mod frame;
mod phases;
mod survival;
#[cfg(test)]
mod svg_read;
mod timeline;
mod waterfall;

use std::fmt;

use plotters::prelude::*;
use thiserror::Error;

use crate::render::escape::{xml_document, xml_text};
use crate::report::figures::{LineKind, TimeMark};
use crate::report::Report;

/// Width of every chart, pixels.
pub(crate) const WIDTH: u32 = 1000;
/// Font family (the viewer's sans-serif).
const FONT: &str = "sans-serif";
/// Font sizes (plotters units: the SVG font size is this / 1.24).
const TITLE_SIZE: f64 = 24.0;
const AXIS_SIZE: f64 = 18.0;
const LABEL_SIZE: f64 = 15.0;

/// A chart kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// One boot as lanes.
    Timeline,
    /// The fleet, one row per boot.
    Waterfall,
    /// Histogram and densities.
    Distribution,
    /// Kaplan–Meier and fits on a log axis.
    Survival,
    /// Per-phase p50/p90/p99 bars.
    Phases,
    /// Cohorts' survival curves (`bootline compare --chart`; not one of the report's).
    Compare,
}

impl Kind {
    /// Every kind.
    pub(crate) const ALL: [Kind; 5] = [
        Kind::Distribution,
        Kind::Survival,
        Kind::Waterfall,
        Kind::Timeline,
        Kind::Phases,
    ];

    /// The file stem and the command-line name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Timeline => "timeline",
            Kind::Waterfall => "waterfall",
            Kind::Distribution => "distribution",
            Kind::Survival => "survival",
            Kind::Phases => "phases",
            Kind::Compare => "compare",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Kind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Kind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
                format!("unknown chart {s}; expected one of {}", names.join(", "))
            })
    }
}

/// Why a chart could not be drawn.
#[derive(Debug, Error)]
pub enum ChartError {
    /// The report holds nothing for this chart.
    #[error("no data for the {0} chart: {1}")]
    NoData(Kind, String),
    /// plotters failed.
    #[error("drawing the {0} chart: {1}")]
    Draw(Kind, String),
}

impl ChartError {
    /// The chart that could not be drawn.
    pub(crate) fn kind(&self) -> Kind {
        match self {
            ChartError::NoData(kind, _) | ChartError::Draw(kind, _) => *kind,
        }
    }

    /// Why, without the chart's name.
    pub(crate) fn reason(&self) -> String {
        match self {
            ChartError::NoData(_, why) => why.clone(),
            ChartError::Draw(_, why) => format!("drawing failed: {why}"),
        }
    }
}

/// Draws every chart of the report, in the order of [`Kind::ALL`]: each an SVG document or
/// why it could not be drawn.
pub fn render_all(report: &Report) -> Vec<(Kind, Result<String, ChartError>)> {
    Kind::ALL
        .into_iter()
        .map(|kind| (kind, render(kind, report)))
        .collect()
}

/// Draws one chart of the report as an SVG document.
pub(crate) fn render(kind: Kind, report: &Report) -> Result<String, ChartError> {
    let f = &report.figures;
    let (title, svg) = match kind {
        Kind::Distribution => distribution::draw(f),
        Kind::Survival => survival::draw(f),
        Kind::Waterfall => waterfall::draw(f),
        Kind::Timeline => timeline::draw(f),
        Kind::Phases => phases::draw(f),
        Kind::Compare => Err(ChartError::NoData(
            kind,
            "drawn by bootline compare --chart".into(),
        )),
    }?;
    Ok(finish(&svg, &title))
}

/// The finished document: labels were made visible as they were drawn; this keeps any
/// character XML 1.0 forbids out of the document whatever label carried it, and names it.
pub(crate) fn finish(svg: &str, title: &str) -> String {
    with_title(&xml_document(svg), title)
}

/// Turns a plotters error into ours.
pub(crate) fn draw_err<E: std::error::Error + Send + Sync>(
    kind: Kind,
) -> impl Fn(plotters::drawing::DrawingAreaErrorKind<E>) -> ChartError {
    move |e| ChartError::Draw(kind, e.to_string())
}

/// Puts `<title>` first inside `<svg>` (plotters writes none), so viewers and screen readers
/// name the chart.
fn with_title(svg: &str, title: &str) -> String {
    match svg
        .find("<svg")
        .and_then(|i| svg[i..].find('>').map(|j| i + j + 1))
    {
        // Scaled to the column it is shown in (GitHub's is narrower than the drawing).
        Some(at) => format!(
            "{} style=\"max-width:100%;height:auto\">\n<title>{}</title>{}",
            &svg[..at - 1],
            xml_text(title),
            &svg[at..]
        ),
        None => svg.to_string(),
    }
}

/// A text style of this size.
pub(crate) fn font(size: f64) -> TextStyle<'static> {
    (FONT, size).into_font().color(&BLACK)
}

/// Estimated width in pixels of `text` at plotters size `size` (plotters' own estimate).
pub(crate) fn text_width(size: f64, text: &str) -> i32 {
    let em = size / 1.24 / 1.24;
    (em * 0.7 * text.len() as f64).round() as i32
}

/// The colour of a time mark.
pub(crate) fn mark_colour(kind: LineKind) -> RGBColor {
    match kind {
        LineKind::Current => RGBColor(0xd6, 0x27, 0x28),
        // Navy and dark goldenrod: colours no model, phase, band or axis uses, so a decision line
        // is never read as a curve.
        LineKind::Proposed => RGBColor(0x08, 0x30, 0x6b),
        LineKind::Stuck => RGBColor(0xb8, 0x86, 0x0b),
    }
}

/// The palette of phase categories (colour-blind-safe first).
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(0x99, 0x99, 0x99),
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x17, 0xbe, 0xcf),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x7f, 0x7f, 0x7f),
];

/// The colour of the i-th fitted model (in rank order), the same in every chart: blue stays
/// Kaplan–Meier's and the bars'.
pub(crate) fn model_colour(i: usize) -> RGBColor {
    PALETTE[(i + 2) % PALETTE.len()]
}

/// Colours of phases: none is a model's (orange, green, purple), Kaplan–Meier's blue or a
/// decision line's (red, navy, goldenrod).
const PHASE_PALETTE: [RGBColor; 12] = [
    RGBColor(0x99, 0x99, 0x99),
    RGBColor(0x6b, 0xae, 0xd6),
    RGBColor(0xfd, 0xbf, 0x6f),
    RGBColor(0xa6, 0xd8, 0x54),
    RGBColor(0xc5, 0xb0, 0xd5),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x17, 0xbe, 0xcf),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x66, 0xc2, 0xa5),
    RGBColor(0xf7, 0x81, 0xbf),
    RGBColor(0x8d, 0xa0, 0xcb),
];

/// The colour of a phase, from its name alone, so a phase keeps its colour in every report
/// whatever else the fleet holds: the boot's well-known phases have their own, others a
/// colour from a hash of the name (FNV-1a, stable across builds).
pub(crate) fn phase_colour(name: &str) -> RGBColor {
    let known = [
        (crate::report::figures::spans::LAUNCH_TO_KERNEL, 0),
        ("init-local", 1),
        ("init-network", 2),
        ("modules-config", 3),
        ("modules-final", 4),
        ("agent-to-register", 5),
    ];
    if let Some((_, i)) = known.iter().find(|(n, _)| *n == name) {
        return PHASE_PALETTE[*i];
    }
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let free = PHASE_PALETTE.len() - known.len();
    PHASE_PALETTE[known.len() + (hash % free as u64) as usize]
}

/// Seconds as an axis label (the unit every table of the report uses); tenths on a short axis.
pub(crate) fn axis_secs(range_secs: f64) -> impl Fn(&f64) -> String {
    move |v: &f64| {
        if range_secs < 10.0 {
            format!("{v:.1}")
        } else {
            format!("{v:.0}")
        }
    }
}

/// The axis title of a time axis.
pub(crate) fn time_axis_title(what: &str) -> String {
    format!("{what} (s)")
}

/// The time marks inside `x` as labelled lines over a plot framed by `frame`, with the pixel
/// columns of those lines.
pub(crate) fn mark_band(
    frame: &frame::Frame,
    marks: &[TimeMark],
    x: std::ops::Range<f64>,
    kind: Kind,
) -> Result<(flags::Band, Vec<i32>), ChartError> {
    let inside: Vec<TimeMark> = marks
        .iter()
        .filter(|m| x.contains(&m.secs) || m.secs == x.end)
        .cloned()
        .collect();
    let secs: Vec<f64> = inside.iter().map(|m| m.secs).collect();
    let px = frame.x_pixels(x, &secs, kind)?;
    let band = flags::Band::new(&mark_flags(&inside, &px), frame::FLAG_BOUNDS);
    Ok((band, px))
}

/// The flags of the time marks at pixel columns `px` (one per mark).
pub(crate) fn mark_flags(marks: &[TimeMark], px: &[i32]) -> Vec<flags::Flag> {
    marks
        .iter()
        .zip(px)
        .map(|(m, x)| flags::Flag {
            x: *x,
            text: m.label.clone(),
            colour: mark_colour(m.kind),
            stroke: 2,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::svg_read::*;
    use crate::report::figures::Bin;

    fn texts(svg: &str) -> Vec<(String, f64)> {
        let doc = roxmltree::Document::parse(svg).expect("valid SVG");
        doc.descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| {
                let s: String = n.descendants().filter_map(|c| c.text()).collect();
                let x = n.attribute("x").and_then(|v| v.parse().ok()).unwrap_or(0.0);
                (s.trim().to_string(), x)
            })
            .collect()
    }

    #[test]
    fn a_milestone_past_the_axis_is_named_in_the_axis_title_not_drawn_off_the_canvas() {
        let mut report = fleet_report();
        let lanes = report.figures.lanes.as_mut().expect("a worked boot");
        lanes.ticks.push(("deleted".into(), 7655.0));
        let svg = render(Kind::Timeline, &report).unwrap();
        let texts = texts(&svg);
        assert!(
            texts
                .iter()
                .any(|(s, _)| s.ends_with("; off the axis: deleted 7655 s")),
            "{texts:?}"
        );
        for (s, x) in &texts {
            assert!(*x >= 0.0 && *x <= f64::from(WIDTH), "{s:?} at x = {x}");
        }
    }

    #[test]
    fn a_bin_of_one_boot_shows_on_a_long_axis() {
        let mut report = fleet_report();
        let d = &mut report.figures.distribution;
        d.bin_secs = 0.1;
        d.bins = vec![Bin {
            lo: 500.0,
            hi: 500.1,
            count: 1,
        }];
        let svg = render(Kind::Distribution, &report).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let bars: Vec<f64> = doc
            .descendants()
            .filter(|n| n.attribute("fill") == Some("#9EB9D4") && n.has_tag_name("rect"))
            .filter_map(|n| n.attribute("width")?.parse::<f64>().ok())
            .collect();
        assert_eq!(bars.len(), 2, "the legend's swatch and one bar: {bars:?}");
        assert!(bars.iter().all(|w| *w >= 2.0), "{bars:?}");
    }

    /// The text of each `<text>` element, once.
    fn labels(svg: &str) -> Vec<String> {
        let doc = roxmltree::Document::parse(svg).expect("valid SVG");
        doc.descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.children().filter_map(|c| c.text()).collect::<String>())
            .map(|s| s.trim().to_string())
            .collect()
    }

    #[test]
    fn the_survival_tail_runs_past_the_recommended_line_with_the_numbers_at_risk_under_it() {
        let report = fleet_report();
        let tail = report.figures.survival.tail.as_ref().expect("a tail");
        let recommended = (report.figures.marks.iter())
            .find(|m| m.kind == LineKind::Proposed)
            .expect("a recommended line");
        assert!(tail.x_lo < recommended.secs && recommended.secs < tail.x_hi);
        // Every model is drawn at least to the recommended line.
        for m in &tail.models {
            let last = m.points.last().expect("points")[0];
            assert!(last >= recommended.secs, "{} ends at {last}", m.label);
        }
        let svg = render(Kind::Survival, &report).unwrap();
        let texts = labels(&svg);
        let at = texts
            .iter()
            .position(|s| s == "at risk")
            .expect("an at-risk row");
        let counts: Vec<String> = tail.at_risk.iter().map(|(_, n)| n.to_string()).collect();
        assert_eq!(texts[at + 1..at + 1 + counts.len()], counts[..]);
        assert!(texts.iter().any(|s| s == "target 0.1 %"), "{texts:?}");
        // Kaplan–Meier is thinned to about one step per column of the chart.
        assert!(report.figures.survival.km.len() < 1000);
    }

    #[test]
    fn a_phase_keeps_its_colour_whatever_its_rank_and_no_phase_takes_a_decision_colour() {
        let decisions = [LineKind::Current, LineKind::Proposed, LineKind::Stuck].map(mark_colour);
        let models: Vec<RGBColor> = (0..3).map(model_colour).collect();
        for name in [
            "image-pull",
            "docker-setup",
            "modules-final",
            "x/y",
            "reboot",
        ] {
            let c = phase_colour(name);
            assert!(!decisions.contains(&c) && !models.contains(&c), "{name}");
        }
        // The waterfall's legend and the timeline's lane give image-pull one colour.
        let report = fleet_report();
        let hex = {
            let c = phase_colour("image-pull");
            format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
        };
        for kind in [Kind::Waterfall, Kind::Timeline] {
            let svg = render(kind, &report).unwrap();
            assert!(svg.contains(&hex), "{kind} lacks {hex}");
        }
    }

    #[test]
    fn the_timeline_says_what_the_worked_boot_shows_and_separates_close_milestones() {
        let report = fleet_report();
        let svg = render(Kind::Timeline, &report).unwrap();
        let texts = labels(&svg);
        assert!(
            texts
                .iter()
                .any(|s| s.starts_with("Failed by the sweep at 630 s, registered 5 s later")),
            "{texts:?}"
        );
        // In the close-up, each of the three milestones has a label of its own.
        for label in [
            "failed, timed out 630",
            "boot finished 632.5",
            "registered 635",
        ] {
            assert!(texts.iter().any(|s| s == label), "{label}: {texts:?}");
        }
    }

    #[test]
    fn the_waterfall_names_its_groups_and_says_how_many_healthy_boots_are_not_drawn() {
        let report = fleet_report();
        let w = &report.figures.waterfall;
        let svg = render(Kind::Waterfall, &report).unwrap();
        let texts = labels(&svg);
        let note = format!("{} healthy boots faster than", w.healthy_not_drawn);
        assert!(w.healthy_not_drawn > 0);
        assert!(texts.iter().any(|s| s.contains(&note)), "{texts:?}");
        let stuck = (w.rows.iter())
            .filter(|r| r.outcome == crate::timeline::Outcome::Stuck)
            .count();
        assert!(stuck > 0);
        assert!(texts.contains(&format!("stuck ({stuck})")), "{texts:?}");
    }

    #[test]
    fn the_distribution_counts_on_a_log_axis_and_names_its_censored_and_stuck_boots() {
        let report = fleet_report();
        let d = &report.figures.distribution;
        assert!(!d.censored_secs.is_empty() && !d.stuck_secs.is_empty());
        let texts = labels(&render(Kind::Distribution, &report).unwrap());
        let censored = format!("× censored: cut off before registering ({})", d.n_censored);
        assert!(texts.contains(&censored), "{texts:?}");
        assert!(
            texts
                .iter()
                .any(|s| s.starts_with(&format!("▲ stuck ({})", d.n_stuck))),
            "{texts:?}"
        );
        assert!(texts.iter().any(|s| s.ends_with("bin (log)")), "{texts:?}");
    }
}
