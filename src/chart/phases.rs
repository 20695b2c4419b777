//! `phases.svg`: the phases with the slowest p99, each as nested bars (p99 lightest, p90, p50
//! darkest) with a line of text under it: its p99, the phase a nested one lies within (its time
//! is part of that phase's, never added to it) and, where tail blame names them, their share of
//! the slow boots' excess latency within its level.
//!
//! The text has its own line so the axis need not make room for it: the axis ends on the first
//! round tick at or past the longest p99, and the bars use the plot's width. Names and text too
//! wide for their place are shortened in the middle (`…`), never drawn past the canvas.

use std::borrow::Cow;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::RoundAxis;
use super::flags::Band;
use super::frame::{
    self, axes, canvas, name_column_px, row_name, Frame, Legend, Root, Swatch, UNDER_PLOT,
};
use super::{draw_err, font, text_width, ChartError, Kind, LABEL_SIZE, WIDTH};
use crate::render::escape::{chart_label, terminal};
use crate::report::figures::{Figures, PhaseBar};

/// Height of one phase's row: its bar, the line of text under it and a gap, pixels.
const ROW_PX: i32 = 50;
/// Top of the p99 bar below its row's top, pixels.
const BAR_TOP_PX: i32 = 4;
/// Height of the p99 bar, pixels (p90 and p50 are inset in it).
const BAR_PX: i32 = 24;
/// Middle of the line of text under the bar, below its row's top, pixels.
const TEXT_MIDDLE_PX: i32 = 38;
/// Widest name in the column left of the bars, pixels: a longer one is shortened.
const NAME_MAX_PX: i32 = 300;
/// Margin right of the plot, pixels (room for the last tick's label).
const MARGIN_RIGHT: u32 = 36;
/// Room kept between any text and the canvas's right edge, pixels.
const EDGE_PX: i32 = 8;
/// Where the line of text starts, right of the plot's left edge, pixels.
const TEXT_INDENT_PX: i32 = 2;
/// The shades of a bar, lightest (p99) to darkest (p50), with their legend names.
const SHADES: [(&str, RGBColor); 3] = [
    ("p99", RGBColor(0xc6, 0xdb, 0xef)),
    ("p90", RGBColor(0x6b, 0xae, 0xd6)),
    ("p50", RGBColor(0x21, 0x71, 0xb5)),
];

/// What the chart writes and where, across its width: worked out before drawing so it can be
/// checked without reading the SVG back.
#[derive(Debug, Clone)]
struct Layout {
    /// The column of names and the plot's margins.
    frame: Frame,
    /// The duration axis.
    axis: RoundAxis,
    /// Each bar's name in the column, shortened to [`NAME_MAX_PX`].
    names: Vec<String>,
    /// Each bar's line of text, shortened to end [`EDGE_PX`] inside the canvas.
    texts: Vec<String>,
}

impl Layout {
    /// The layout of `bars`.
    fn of(bars: &[PhaseBar]) -> Layout {
        let names: Vec<String> = bars.iter().map(row_label).collect();
        let frame = Frame {
            margin_left: 0,
            y_label_px: name_column_px(names.iter().map(String::as_str)),
            margin_right: MARGIN_RIGHT,
        };
        let room = WIDTH as i32 - EDGE_PX - Layout::text_left_at(&frame);
        let longest = bars.iter().map(|b| b.p99).fold(0.0, f64::max);
        Layout {
            frame,
            axis: RoundAxis::past(longest),
            names,
            texts: bars.iter().map(|b| bar_text(b, room)).collect(),
        }
    }

    /// Where each line of text starts, pixels.
    fn text_left(&self) -> i32 {
        Layout::text_left_at(&self.frame)
    }

    /// Where each line of text starts beside a plot framed by `frame`, pixels.
    fn text_left_at(frame: &Frame) -> i32 {
        frame.plot_left() + TEXT_INDENT_PX
    }
}

/// The phases chart of `f`: its title and SVG document, or why it cannot be drawn.
pub(super) fn draw(f: &Figures) -> Result<(String, String), ChartError> {
    let kind = Kind::Phases;
    let bars = &f.phases;
    if bars.is_empty() {
        return Err(ChartError::NoData(
            kind,
            format!("class {} has no finished phase", terminal(&f.class)),
        ));
    }
    let title = format!(
        "Slowest phases, class {} (boots with an exact latency)",
        chart_label(&f.class)
    );
    let n = bars.len();
    let layout = Layout::of(bars);
    let legend = Legend::new(
        SHADES
            .iter()
            .map(|(name, colour)| (name.to_string(), Swatch::Fill((*colour).into())))
            .collect(),
        layout.frame.plot_left(),
        frame::BELOW_TITLE,
    );
    let (_, plot_top) = frame::stack(&legend, &Band::default());
    let height = (plot_top + n as i32 * ROW_PX) as u32 + UNDER_PLOT;
    let axis = layout.axis;
    let mut svg = String::new();
    {
        let root = canvas(&mut svg, height, &title, kind)?;
        legend.draw(&root, kind)?;
        let mut chart =
            (layout.frame).build(&root, plot_top, 0.0..axis.range_end(), 0.0..n as f64, kind)?;
        axes(&mut chart, &axis_title(bars))
            .x_labels(axis.labels())
            .x_label_formatter(&|v| axis.label(*v))
            .y_labels(0)
            .disable_y_mesh()
            .draw()
            .map_err(draw_err(kind))?;
        let (xs, ys) = chart.plotting_area().get_pixel_range();
        let x_px = |secs: f64| chart.backend_coord(&(secs.clamp(0.0, axis.end), 0.0)).0;
        for (i, b) in bars.iter().enumerate() {
            let row_top = ys.start + i as i32 * ROW_PX;
            let ends = [b.p99, b.p90, b.p50].map(|secs| bar_end(xs.start, x_px(secs), secs));
            let words = (layout.names[i].as_str(), layout.texts[i].as_str());
            draw_row(&root, (xs.start, row_top), ends, words, layout.text_left())?;
        }
        root.present().map_err(draw_err(kind))?;
    }
    Ok((title, svg))
}

/// Where a bar of `secs` ends, pixels: at least 2 px right of the plot's left edge when it is
/// longer than nothing, so a bar far shorter than the longest still shows.
fn bar_end(left: i32, end: i32, secs: f64) -> i32 {
    if secs > 0.0 {
        end.max(left + 2)
    } else {
        left
    }
}

/// One phase's row, whose top left is `at`: its nested bars (p99 lightest, p50 darkest), each
/// ending at its pixel of `ends` (p99, p90, p50); its name left of them; its line of text under
/// them from `text_left`.
fn draw_row(
    root: &Root<'_>,
    (left, row_top): (i32, i32),
    ends: [i32; 3],
    (name, text): (&str, &str),
    text_left: i32,
) -> Result<(), ChartError> {
    let e = draw_err(Kind::Phases);
    let top = row_top + BAR_TOP_PX;
    for (((_, colour), end), inset) in SHADES.iter().zip(ends).zip([0, 3, 6]) {
        root.draw(&Rectangle::new(
            [(left, top + inset), (end, top + BAR_PX - inset)],
            colour.filled(),
        ))
        .map_err(&e)?;
    }
    row_name(root, name, left, top + BAR_PX / 2, Kind::Phases)?;
    root.draw(&Text::new(
        text.to_string(),
        (text_left, row_top + TEXT_MIDDLE_PX),
        font(LABEL_SIZE).pos(Pos::new(HPos::Left, VPos::Center)),
    ))
    .map_err(&e)
}

/// A bar's name in the column left of it: a nested phase is marked as inside another; a name
/// wider than the column's [`NAME_MAX_PX`] is shortened in its middle.
fn row_label(b: &PhaseBar) -> String {
    let name = chart_label(&b.phase);
    match &b.within {
        Some(_) => {
            let mark = "↳ ";
            let room = NAME_MAX_PX - text_width(LABEL_SIZE, mark);
            format!("{mark}{}", elide(&name, room))
        }
        None => elide(&name, NAME_MAX_PX).into_owned(),
    }
}

/// The axis title: a nested phase's time is part of its parent's; and, when a nested phase's p99
/// exceeds its parent's, why: each phase's quantiles are taken over the boots that ran it.
fn axis_title(bars: &[PhaseBar]) -> String {
    let above_parent = bars.iter().any(|b| {
        let parent = b
            .within
            .as_ref()
            .and_then(|w| bars.iter().find(|p| p.phase == *w));
        parent.is_some_and(|p| b.p99 > p.p99)
    });
    if above_parent {
        "duration (s); a nested phase is part of its parent (p99s from different boots)".into()
    } else {
        "duration (s); a nested phase's time is part of its parent's".into()
    }
}

/// The line under a bar, at most `room_px` wide: its p99, the phase it lies within (shortened
/// in its middle to fit), and its share of the tail excess within its level (a module's and its
/// stage's shares do not add up).
fn bar_text(b: &PhaseBar, room_px: i32) -> String {
    // Tenths, as the report's tables; a phase that would read 0.0 s keeps its thousandths.
    let p99 = if b.p99 > 0.0 && b.p99 < 0.05 {
        format!("p99 {:.3} s", b.p99)
    } else {
        format!("p99 {:.1} s", b.p99)
    };
    let share = match b.blame_share.filter(|s| s.abs() >= 0.005) {
        Some(s) => format!(
            " · {:.0} % of the {} tail excess",
            100.0 * s,
            b.blame_level.as_deref().unwrap_or("").replace('_', "-")
        ),
        None => String::new(),
    };
    match &b.within {
        Some(parent) => {
            let within = " · within ";
            let room = room_px - text_width(LABEL_SIZE, &format!("{p99}{within}{share}"));
            let parent = chart_label(parent);
            format!("{p99}{within}{}{share}", elide(&parent, room))
        }
        None => format!("{p99}{share}"),
    }
}

/// `text` at most `max_px` wide by the width estimate, shortened in its middle (`…` marks the
/// cut) so both its start and its end stay: a stage's prefix and a module's own name.
fn elide(text: &str, max_px: i32) -> Cow<'_, str> {
    if text_width(LABEL_SIZE, text) <= max_px {
        return Cow::Borrowed(text);
    }
    let chars: Vec<char> = text.chars().collect();
    let cut = |head: usize, tail: usize| -> String {
        let mut s: String = chars[..head].iter().collect();
        s.push('…');
        s.extend(&chars[chars.len() - tail..]);
        s
    };
    let (mut head, mut tail) = (0, 0);
    // One character more at the start, then at the end, while the whole still fits.
    loop {
        let (h, t) = if head <= tail {
            (head + 1, tail)
        } else {
            (head, tail + 1)
        };
        if h + t >= chars.len() || text_width(LABEL_SIZE, &cut(h, t)) > max_px {
            break;
        }
        (head, tail) = (h, t);
    }
    Cow::Owned(cut(head, tail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::svg_read::*;

    fn bar(phase: &str, p99: f64, within: Option<&str>) -> PhaseBar {
        PhaseBar {
            phase: phase.to_string(),
            p50: p99 / 2.0,
            p90: p99 * 0.8,
            p99,
            blame_share: None,
            blame_level: None,
            within: within.map(str::to_string),
        }
    }

    #[test]
    fn a_nested_p99_above_its_parents_is_explained_under_the_axis() {
        let stage = bar("modules-final", 517.2, None);
        let above = bar(
            "modules-final/config-scripts_user",
            564.0,
            Some("modules-final"),
        );
        let below = bar(
            "modules-final/config-scripts_user",
            400.0,
            Some("modules-final"),
        );
        assert!(axis_title(&[above, stage.clone()]).contains("from different boots"));
        assert!(!axis_title(&[below, stage]).contains("different boots"));
    }

    #[test]
    fn long_names_and_parents_are_shortened_in_the_middle_to_their_room() {
        let long = format!("modules-final/{}/tail_end", "x".repeat(400));
        let parent = format!("stage-{}-end", "y".repeat(300));
        let bars = [bar(&long, 30.0, Some(&parent)), bar(&parent, 40.0, None)];
        let l = Layout::of(&bars);
        let room = WIDTH as i32 - EDGE_PX - l.text_left();
        for name in &l.names {
            assert!(text_width(LABEL_SIZE, name) <= NAME_MAX_PX, "{name}");
            assert!(name.contains('…'), "{name}");
        }
        assert!(
            l.names[0].starts_with("↳ modules-final/x"),
            "{}",
            l.names[0]
        );
        assert!(l.names[0].ends_with("x/tail_end"), "{}", l.names[0]);
        assert!(l.names[1].starts_with("stage-y") && l.names[1].ends_with("y-end"));
        assert!(
            text_width(LABEL_SIZE, &l.texts[0]) <= room,
            "{}",
            l.texts[0]
        );
        assert!(l.texts[0].starts_with("p99 30.0 s · within stage-y"));
        assert!(l.texts[0].ends_with("y-end"), "{}", l.texts[0]);
        // The name column stops at its widest: the plot keeps most of the width.
        assert!(l.frame.plot_left() <= NAME_MAX_PX + 24, "{:?}", l.frame);
        // A name that fits is left whole.
        assert_eq!(elide("init-local", NAME_MAX_PX), "init-local");
        let fleet = Layout::of(&fleet_figures().phases);
        assert_eq!(fleet.names[0], "↳ modules-final/config-scripts_user");
        assert_eq!(
            fleet.texts[0],
            "p99 564.4 s · within modules-final · 99 % of the modules tail excess"
        );
    }

    /// The right ends of the p99 bars (the lightest shade), pixels, top to bottom.
    fn p99_ends(svg: &str) -> Vec<f64> {
        let doc = roxmltree::Document::parse(svg).expect("valid SVG");
        let fill = SHADES[0].1;
        let fill = format!("#{:02X}{:02X}{:02X}", fill.0, fill.1, fill.2);
        let num = |n: &roxmltree::Node, a: &str| -> f64 {
            n.attribute(a).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        };
        let mut rects: Vec<(f64, f64)> = (doc.descendants())
            .filter(|n| n.has_tag_name("rect") && n.attribute("fill") == Some(fill.as_str()))
            .map(|n| (num(&n, "y"), num(&n, "x") + num(&n, "width")))
            .collect();
        rects.sort_by(|a, b| a.0.total_cmp(&b.0));
        // The legend's swatch stands first, above the plot.
        rects.into_iter().skip(1).map(|r| r.1).collect()
    }

    /// Draws `bars` as the report's phases chart; checks every text stays inside the canvas and
    /// clear of every other, the axis's last label is its end, and the longest bar reaches 80 %
    /// of the axis or more. Returns the drawn texts.
    fn check_drawn(bars: Vec<PhaseBar>) -> Vec<(String, [f64; 4])> {
        let mut f = fleet_figures();
        let axis = RoundAxis::past(bars.iter().map(|b| b.p99).fold(0.0, f64::max));
        let left = Layout::of(&bars).frame.plot_left() as f64;
        f.phases = bars;
        let (_, svg) = draw(&f).expect("drawn");
        let boxes = text_boxes(&svg);
        for (s, b) in &boxes {
            assert!(b[0] >= 0.0 && b[2] <= f64::from(WIDTH), "{s:?} at {b:?}");
        }
        for (i, (s, a)) in boxes.iter().enumerate() {
            for (t, b) in &boxes[i + 1..] {
                let apart = a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1];
                assert!(apart, "{s:?} at {a:?} overlaps {t:?} at {b:?}");
            }
        }
        let end_label = axis.label(axis.end);
        let (_, end_box) = (boxes.iter().rev())
            .find(|(s, _)| *s == end_label)
            .unwrap_or_else(|| panic!("no tick labelled {end_label}: {boxes:?}"));
        let end_px = (end_box[0] + end_box[2]) / 2.0;
        let longest = p99_ends(&svg).into_iter().fold(0.0, f64::max);
        assert!(
            longest <= end_px + 0.5,
            "{longest} past the axis's end {end_px}"
        );
        assert!(
            longest - left >= 0.8 * (end_px - left),
            "{longest} of {left}..{end_px}"
        );
        boxes
    }

    #[test]
    fn the_fleet_bars_use_the_plot_and_their_text_stays_on_the_canvas() {
        let boxes = check_drawn(fleet_figures().phases);
        let texts: Vec<&str> = boxes.iter().map(|(s, _)| s.as_str()).collect();
        assert!(
            texts.contains(&"600") && !texts.contains(&"700"),
            "{texts:?}"
        );
        assert!(
            texts.contains(&"p99 564.4 s · within modules-final · 99 % of the modules tail excess")
        );
    }

    #[test]
    fn one_phase_many_phases_tiny_bars_and_one_far_longer_are_all_laid_out() {
        check_drawn(vec![bar("init-local", 1.4, None)]);
        let many: Vec<PhaseBar> = (0..14)
            .map(|i| {
                bar(
                    &format!("stage-{i}/module-{i}"),
                    600.0 - 40.0 * i as f64,
                    Some("stage"),
                )
            })
            .collect();
        let boxes = check_drawn(many);
        assert_eq!(
            boxes.iter().filter(|(s, _)| s.starts_with("p99 ")).count(),
            14
        );
        let tiny = vec![
            bar("a", 0.9, None),
            bar("b", 0.05, None),
            bar("c", 0.004, None),
        ];
        let texts = check_drawn(tiny);
        assert!(texts.iter().any(|(s, _)| s == "1.0"), "{texts:?}");
        assert!(texts.iter().any(|(s, _)| s == "p99 0.004 s"), "{texts:?}");
        assert!(texts.iter().any(|(s, _)| s == "p99 0.1 s"), "{texts:?}");
        let mut far = vec![bar("reboot", 7200.0, None)];
        far.extend((0..9).map(|i| bar(&format!("p{i}"), 0.5 + f64::from(i), None)));
        check_drawn(far);
        // Every short bar still shows: 2 px or more.
        let mut f = fleet_figures();
        f.phases = vec![bar("reboot", 7200.0, None), bar("init-local", 0.2, None)];
        let ends = p99_ends(&draw(&f).unwrap().1);
        let left = f64::from(Layout::of(&f.phases).frame.plot_left());
        assert!(ends[1] - left >= 2.0, "{ends:?} from {left}");
    }

    #[test]
    fn the_axis_is_labelled_at_its_end_whatever_the_longest_bar() {
        let mut longest = 0.0123;
        while longest < 1e5 {
            check_drawn(vec![bar("modules-final", longest, None)]);
            longest *= 1.37;
        }
    }

    #[test]
    fn names_from_logs_stay_escaped_and_long_ones_stay_inside() {
        let hostile = "<b>&amp;\u{1b}[31mred";
        let long = format!("modules-final/{}", "z".repeat(500));
        let boxes = check_drawn(vec![
            bar(hostile, 20.0, Some(&long)),
            bar(&long, 10.0, Some(hostile)),
        ]);
        let texts: Vec<&str> = boxes.iter().map(|(s, _)| s.as_str()).collect();
        assert!(texts.contains(&"↳ <b>&amp;\\x1b[31mred"), "{texts:?}");
        assert!(
            texts.contains(&"p99 10.0 s · within <b>&amp;\\x1b[31mred"),
            "{texts:?}"
        );
        assert!(!texts.iter().any(|s| s.contains('\u{1b}')));
    }
}
