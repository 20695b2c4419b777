//! `waterfall.svg`: the boots that matter to the timeout, one row each, coloured by phase, with
//! the timeout and stuck lines — the slowest healthy boots by latency (fastest at the top), then
//! every boot that did not register: killed, stuck, crashed, each group in its own band and
//! named at the left. How many healthy boots are left out, and below what latency, is said
//! under the axis.
//!
//! The axis is where the timeout is decided: it ends on the first round tick a little past the
//! decision lines (current, recommended, stuck) and the longest healthy or killed boot. A row
//! reaching further (a stuck boot's last sighting, a long crashed one) is drawn to the axis's
//! end with an arrow head beside it, whose tooltip gives the row's end; a line under the axis
//! counts those rows and says how far the furthest reaches.

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::RoundAxis;
use super::frame::{self, axes, canvas, row_name, Frame, Legend, Plot, Root, Swatch, UNDER_PLOT};
use super::{draw_err, font, mark_band, phase_colour, ChartError, Kind, AXIS_SIZE};
use crate::render::escape::{chart_label, terminal, xml_text};
use crate::render::numbers::secs_plain;
use crate::report::figures::spans::row_group;
use crate::report::figures::{Figures, Row, Waterfall};
use crate::timeline::Outcome;

/// The colour of the end mark of a boot that did not register, and of the arrow head of a row
/// that continues past the axis.
const END_MARK: RGBColor = RGBColor(0x55, 0x55, 0x55);
/// The colour of the thin line that leads a row past the axis to its arrow head.
const LEAD: RGBColor = RGBColor(0xaa, 0xaa, 0xaa);
/// The colour of the lines between groups.
const RULE: RGBColor = RGBColor(0x33, 0x33, 0x33);
/// How far past the longest healthy or killed boot and the decision lines the axis reaches at
/// least (a factor), so none of them stands on the plot's edge.
const HEADROOM: f64 = 1.02;
/// Width of the arrow head beside a row that continues past the axis, pixels (it stands in the
/// margin right of the plot).
const ARROW_PX: i32 = 8;
/// Margin right of the plot, pixels: room for the arrow heads and the end's tick label.
const MARGIN_RIGHT: u32 = 16;
/// Height of the line under the axis that counts the rows past it, pixels.
const CAPTION_PX: u32 = 24;

/// What the chart draws where along its time axis, worked out before drawing so it can be
/// checked without reading the SVG back.
#[derive(Debug, Clone, PartialEq)]
struct Layout {
    /// The time axis.
    axis: RoundAxis,
    /// The rows that reach past the axis's end: their index, top to bottom, and how far they
    /// reach, seconds.
    beyond: Vec<(usize, f64)>,
}

impl Layout {
    /// The layout of `f`'s waterfall: the axis ends on the first round tick at or past
    /// [`HEADROOM`] × the furthest of its decision lines and of its healthy and killed rows.
    fn of(f: &Figures) -> Layout {
        let rows = &f.waterfall.rows;
        let decided = (rows.iter())
            .filter(|r| row_group(r.outcome) <= row_group(Outcome::TimedOut))
            .map(reach)
            .chain(f.marks.iter().map(|m| m.secs))
            .filter(|s| s.is_finite())
            .fold(0.0, f64::max);
        let axis = RoundAxis::past(decided * HEADROOM);
        let beyond = (rows.iter().enumerate())
            .map(|(i, r)| (i, reach(r)))
            .filter(|(_, secs)| *secs > axis.end)
            .collect();
        Layout { axis, beyond }
    }

    /// The line under the axis: how many rows continue past it, and how far the furthest
    /// reaches; none when every row ends on the axis.
    fn caption(&self) -> Option<String> {
        let furthest = self.beyond.iter().map(|b| b.1).fold(0.0, f64::max);
        let end = secs_plain(self.axis.end);
        match self.beyond.len() {
            0 => None,
            1 => Some(format!(
                "▸ 1 row continues past {end} s, to {} s",
                secs_plain(furthest.ceil())
            )),
            n => Some(format!(
                "▸ {n} rows continue past {end} s, up to {} s",
                secs_plain(furthest.ceil())
            )),
        }
    }
}

/// How far a row reaches: its end, or its last span's when that runs later.
fn reach(r: &Row) -> f64 {
    (r.spans.iter().map(|s| s.end)).fold(r.end_secs, f64::max)
}

/// Pixel rows per boot: thin for many, thicker for a handful.
fn row_px(n: usize) -> u32 {
    (600 / n.max(1)).clamp(3, 12) as u32
}

pub(super) fn draw(f: &Figures) -> Result<(String, String), ChartError> {
    let kind = Kind::Waterfall;
    let w = &f.waterfall;
    if w.rows.is_empty() {
        return Err(ChartError::NoData(
            kind,
            format!("class {} has no boot with an end time", terminal(&f.class)),
        ));
    }
    let title = format!(
        "The slowest boots of class {} ({} boots)",
        chart_label(&f.class),
        w.n_boots
    );
    let layout = Layout::of(f);
    let caption = layout.caption();
    let groups = groups(&w.rows);
    let frame = Frame {
        margin_left: 0,
        y_label_px: frame::name_column_px(groups.iter().map(|g| g.0.as_str())),
        margin_right: MARGIN_RIGHT,
    };
    let legend = Legend::new(legend_entries(w), frame.plot_left(), frame::BELOW_TITLE);
    let axis = layout.axis;
    let x = 0.0..axis.range_end();
    let (band, _) = mark_band(&frame, &f.marks, x.clone(), kind)?;
    let (band_top, plot_top) = frame::stack(&legend, &band);
    let n = w.rows.len();
    let plot_and_axis = plot_top as u32 + n as u32 * row_px(n) + UNDER_PLOT;
    let height = plot_and_axis + if caption.is_some() { CAPTION_PX } else { 0 };
    let mut svg = String::new();
    let arrows = {
        let root = canvas(&mut svg, height, &title, kind)?;
        legend.draw(&root, kind)?;
        let (upper, _) = root.split_vertically(plot_and_axis);
        let mut chart = frame.build(&upper, plot_top, x, 0.0..n as f64, kind)?;
        axes(&mut chart, &x_title(w))
            .x_labels(axis.labels())
            .x_label_formatter(&|v| axis.label(*v))
            .y_labels(0)
            .disable_y_mesh()
            .draw()
            .map_err(draw_err(kind))?;
        draw_rows(&mut chart, w, axis.end)?;
        draw_leads(&mut chart, w, &layout)?;
        draw_groups(&root, &mut chart, &groups, n)?;
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        band.draw(&root, band_top, yr.end, kind)?;
        if let Some(caption) = &caption {
            let middle = (xr.start + xr.end) / 2;
            draw_caption(&root, caption, (middle, plot_and_axis as i32))?;
        }
        let arrows = arrows(&chart, w, &layout);
        root.present().map_err(draw_err(kind))?;
        arrows
    };
    insert_before_end(&mut svg, &arrows);
    Ok((title, svg))
}

/// The line under the axis title, centred at `middle`, its top at `top`.
fn draw_caption(
    root: &Root<'_>,
    caption: &str,
    (middle, top): (i32, i32),
) -> Result<(), ChartError> {
    root.draw(&Text::new(
        caption.to_string(),
        (middle, top),
        font(AXIS_SIZE).pos(Pos::new(HPos::Center, VPos::Top)),
    ))
    .map_err(draw_err(Kind::Waterfall))
}

/// The arrow heads beside the rows that continue past the axis, in the margin right of the
/// plot, each with a tooltip (an SVG `<title>`, which plotters cannot write) naming the boot,
/// its group and how far it reaches.
fn arrows(chart: &Plot<'_, RangedCoordf64>, w: &Waterfall, layout: &Layout) -> String {
    let n = w.rows.len();
    let (xr, _) = chart.plotting_area().get_pixel_range();
    let x0 = xr.end + 1;
    let mut out = String::new();
    for (i, secs) in &layout.beyond {
        let (_, top) = chart.backend_coord(&(0.0, (n - i) as f64));
        let (_, bottom) = chart.backend_coord(&(0.0, (n - i - 1) as f64));
        let row = &w.rows[*i];
        let tip = format!(
            "{} ({}): to {} s, past the axis's end at {} s",
            chart_label(&row.instance),
            group_name(row.outcome),
            secs_plain((secs * 1000.0).round() / 1000.0),
            secs_plain(layout.axis.end)
        );
        out.push_str(&format!(
            "<polygon points=\"{x0},{top} {},{} {x0},{bottom}\" fill=\"#{:02X}{:02X}{:02X}\"><title>{}</title></polygon>\n",
            x0 + ARROW_PX,
            (top + bottom) / 2,
            END_MARK.0,
            END_MARK.1,
            END_MARK.2,
            xml_text(&tip)
        ));
    }
    out
}

/// Puts `elements` into the SVG document `svg` just before its closing tag.
fn insert_before_end(svg: &mut String, elements: &str) {
    if let Some(at) = svg.rfind("</svg>") {
        svg.insert_str(at, elements);
    }
}

/// The legend: each phase's colour, and the end mark of a boot that did not register.
fn legend_entries(w: &Waterfall) -> Vec<(String, Swatch)> {
    let mut entries: Vec<(String, Swatch)> = w
        .categories
        .iter()
        .map(|c| (c.clone(), Swatch::Fill(phase_colour(c).into())))
        .collect();
    entries.push((
        "end of a boot that did not register".into(),
        Swatch::Fill(END_MARK.into()),
    ));
    entries
}

/// The time axis's title, with the boots not drawn.
fn x_title(w: &Waterfall) -> String {
    let mut title = "time since launch (s)".to_string();
    let fastest_drawn = w.rows.first().map_or(0.0, |r| r.end_secs);
    if w.healthy_not_drawn > 0 {
        title.push_str(&format!(
            "; {} healthy boots faster than {} s not drawn",
            w.healthy_not_drawn,
            secs_plain(fastest_drawn.floor())
        ));
    }
    if w.others_not_drawn > 0 {
        title.push_str(&format!(
            "; {} more that did not register not drawn",
            w.others_not_drawn
        ));
    }
    title
}

/// The name of the group of rows of boots with outcome `o`.
fn group_name(o: Outcome) -> &'static str {
    match row_group(o) {
        0 => "healthy, slowest",
        1 => "killed by the sweep",
        2 => "stuck",
        3 => "crashed",
        _ => "outcome unknown",
    }
}

/// The name of each group of rows with its first row and its count, top to bottom.
fn groups(rows: &[Row]) -> Vec<(String, usize, usize)> {
    let mut out: Vec<(String, usize, usize)> = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let name = group_name(r.outcome);
        match out.last_mut() {
            Some(g) if g.0.starts_with(name) => g.2 += 1,
            Some(_) | None => out.push((name.to_string(), i, 1)),
        }
    }
    for g in &mut out {
        g.0 = format!("{} ({})", g.0, g.2);
    }
    out
}

/// Each row's phases to the axis's end `x_end` (a span starting past it is not drawn), and an
/// end mark on a boot that did not register where its end lies on the axis.
fn draw_rows(
    chart: &mut Plot<'_, RangedCoordf64>,
    w: &Waterfall,
    x_end: f64,
) -> Result<(), ChartError> {
    let e = draw_err(Kind::Waterfall);
    let n = w.rows.len();
    let tick = x_end * 0.004;
    for (i, row) in w.rows.iter().enumerate() {
        let (y0, y1) = ((n - i - 1) as f64, (n - i) as f64);
        chart
            .draw_series(row.spans.iter().filter(|s| s.start < x_end).map(|s| {
                let colour = phase_colour(w.categories.get(s.category).map_or("", |c| c));
                Rectangle::new([(s.start, y0), (s.end.min(x_end), y1)], colour.filled())
            }))
            .map_err(&e)?;
        let registered = matches!(row.outcome, Outcome::Registered | Outcome::FalseFailed);
        if !registered && row.end_secs <= x_end {
            let end = row.end_secs;
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [((end - tick).max(0.0), y0), (end, y1)],
                    END_MARK.filled(),
                )))
                .map_err(&e)?;
        }
    }
    Ok(())
}

/// A thin line through each row that continues past the axis, from where its drawn spans end
/// to the axis's end, leading the eye to its arrow head.
fn draw_leads(
    chart: &mut Plot<'_, RangedCoordf64>,
    w: &Waterfall,
    layout: &Layout,
) -> Result<(), ChartError> {
    let n = w.rows.len();
    let end = layout.axis.end;
    for (i, _) in &layout.beyond {
        let spans = w.rows[*i].spans.iter().filter(|s| s.start < end);
        let from = spans.map(|s| s.end).fold(0.0, f64::max).min(end);
        let y = (n - i) as f64 - 0.5;
        chart
            .draw_series(LineSeries::new([(from, y), (end, y)], LEAD))
            .map_err(draw_err(Kind::Waterfall))?;
    }
    Ok(())
}

/// Each group's name at the left of its rows, and a rule above every group but the first.
fn draw_groups(
    root: &Root<'_>,
    chart: &mut Plot<'_, RangedCoordf64>,
    groups: &[(String, usize, usize)],
    n: usize,
) -> Result<(), ChartError> {
    let e = draw_err(Kind::Waterfall);
    let (xr, _) = chart.plotting_area().get_pixel_range();
    let x_hi = chart.x_range().end;
    for (k, (name, first, count)) in groups.iter().enumerate() {
        let top = (n - first) as f64;
        let middle = top - *count as f64 / 2.0;
        let (_, py) = chart.backend_coord(&(0.0, middle));
        row_name(root, name, xr.start, py, Kind::Waterfall)?;
        if k > 0 {
            chart
                .draw_series(LineSeries::new([(0.0, top), (x_hi, top)], RULE))
                .map_err(&e)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::svg_read::*;
    use crate::chart::WIDTH;
    use crate::report::figures::{LineKind, Span};

    /// A row of `outcome` ending at `end_secs`, its one phase from 10 s to at most 150 s.
    fn row(instance: &str, outcome: Outcome, end_secs: f64) -> Row {
        Row {
            instance: instance.to_string(),
            outcome,
            end_secs,
            spans: vec![Span {
                start: 10.0_f64.min(end_secs / 2.0),
                end: end_secs.min(150.0),
                category: 0,
            }],
        }
    }

    /// The fleet's figures with `rows` in place of its waterfall's, in the report's order.
    fn with_rows(mut rows: Vec<Row>) -> Figures {
        let mut f = fleet_figures();
        rows.sort_by(|a, b| {
            (row_group(a.outcome).cmp(&row_group(b.outcome)))
                .then(a.end_secs.total_cmp(&b.end_secs))
        });
        f.waterfall.rows = rows;
        f
    }

    /// `<text>` contents, `<title>`s of the arrow heads, and filled rectangles as (fill, right
    /// edge) of an SVG.
    fn read(svg: &str) -> (Vec<String>, Vec<String>, Vec<(String, f64)>) {
        let doc = roxmltree::Document::parse(svg).expect("valid SVG");
        let text = |n: roxmltree::Node| -> String {
            (n.descendants().filter(|c| c.is_text()))
                .filter_map(|c| c.text())
                .collect::<String>()
                .trim()
                .to_string()
        };
        let num = |n: &roxmltree::Node, a: &str| -> f64 {
            n.attribute(a).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        };
        let texts = (doc.descendants().filter(|n| n.has_tag_name("text")))
            .map(text)
            .collect();
        let tips = (doc.descendants().filter(|n| n.has_tag_name("polygon")))
            .filter_map(|n| n.children().find(|c| c.has_tag_name("title")))
            .map(text)
            .collect();
        let rects = (doc.descendants().filter(|n| n.has_tag_name("rect")))
            .map(|n| {
                let fill = n.attribute("fill").unwrap_or("").to_string();
                (fill, num(&n, "x") + num(&n, "width"))
            })
            .collect();
        (texts, tips, rects)
    }

    /// Lays out and draws `f`'s waterfall and checks what every layout must hold: the axis ends
    /// on a round tick at or past [`HEADROOM`] × each decision line and each healthy or killed
    /// row's reach, by less than a step; exactly the rows reaching past it have an arrow head
    /// whose tooltip names the boot and its reach, and are counted under the axis; nothing is
    /// drawn right of the plot but the arrow heads; an end mark stands only on the axis.
    fn check(f: &Figures) -> (Layout, Vec<String>) {
        let l = Layout::of(f);
        let rows = &f.waterfall.rows;
        let decided = (rows.iter())
            .filter(|r| matches!(row_group(r.outcome), 0 | 1))
            .map(reach)
            .chain(f.marks.iter().map(|m| m.secs))
            .fold(0.0, f64::max);
        if decided > 0.0 {
            assert!(l.axis.end >= decided * HEADROOM, "{l:?} for {decided}");
            assert!(l.axis.end - decided * HEADROOM < l.axis.step, "{l:?}");
        }
        let steps = l.axis.end / l.axis.step;
        assert!((steps - steps.round()).abs() < 1e-9, "{l:?}");
        let past: Vec<usize> = (0..rows.len())
            .filter(|i| reach(&rows[*i]) > l.axis.end)
            .collect();
        assert_eq!(l.beyond.iter().map(|b| b.0).collect::<Vec<_>>(), past);
        let (_, svg) = draw(f).expect("drawn");
        let (texts, tips, rects) = read(&svg);
        assert_eq!(tips.len(), past.len(), "{tips:?}");
        for (tip, (i, secs)) in tips.iter().zip(&l.beyond) {
            let instance = chart_label(&rows[*i].instance);
            assert!(tip.starts_with(instance.as_ref()), "{tip}");
            let to = format!(
                ": to {} s, past",
                secs_plain((secs * 1000.0).round() / 1000.0)
            );
            assert!(tip.contains(&to), "{tip}");
        }
        let caption = texts.iter().find(|t| t.contains("continue"));
        assert_eq!(caption.is_some(), !past.is_empty(), "{texts:?}");
        if let Some(n) = Some(past.len()).filter(|n| *n > 1) {
            let c = caption.expect("a caption");
            assert!(c.starts_with(&format!("▸ {n} rows continue past ")), "{c}");
        }
        assert!(texts.contains(&l.axis.label(l.axis.end)), "{texts:?}");
        let plot_right = f64::from(WIDTH - MARGIN_RIGHT) + 0.5;
        for (fill, right) in &rects {
            assert!(
                fill == "#FFFFFF" || *right <= plot_right,
                "{fill} to {right}"
            );
        }
        let on_axis_ends = (rows.iter())
            .filter(|r| !matches!(r.outcome, Outcome::Registered | Outcome::FalseFailed))
            .filter(|r| r.end_secs <= l.axis.end)
            .count();
        let end_marks = rects.iter().filter(|(fill, _)| fill == "#555555").count();
        // The legend's swatch, and one a boot that did not register and ends on the axis.
        assert_eq!(end_marks, 1 + on_axis_ends);
        (l, texts)
    }

    #[test]
    fn the_fleet_axis_ends_past_the_stuck_line_and_its_stuck_boots_continue_past_it() {
        let f = fleet_figures();
        let (l, texts) = check(&f);
        assert_eq!(
            l.axis,
            RoundAxis {
                end: 1000.0,
                step: 200.0
            }
        );
        let stuck: Vec<usize> = (f.waterfall.rows.iter().enumerate())
            .filter(|(_, r)| r.outcome == Outcome::Stuck)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(stuck.len(), 5);
        assert_eq!(l.beyond.iter().map(|b| b.0).collect::<Vec<_>>(), stuck);
        let caption = "▸ 5 rows continue past 1000 s, up to 1368 s";
        assert_eq!(l.caption().as_deref(), Some(caption));
        assert!(texts.iter().any(|t| t == caption), "{texts:?}");
        assert!(
            !texts.iter().any(|t| t == "1200" || t == "1400"),
            "{texts:?}"
        );
        // The decision lines and the longest healthy boot (635 s) are on the axis.
        let lines: Vec<f64> = f.marks.iter().map(|m| m.secs).collect();
        assert_eq!(lines, [600.0, 720.0, 900.0]);
    }

    #[test]
    fn fleets_without_stuck_boots_with_only_stuck_ones_an_outlier_or_tiny_boots_are_laid_out() {
        let healthy = |n: usize| {
            (0..n).map(|i| row(&format!("i-h{i}"), Outcome::Registered, 400.0 + i as f64))
        };
        // No stuck boot: every row on the axis, no caption.
        let mut rows: Vec<Row> = healthy(30).collect();
        rows.push(row("i-killed", Outcome::TimedOut, 659.0));
        let (l, _) = check(&with_rows(rows));
        assert!(l.beyond.is_empty() && l.caption().is_none());
        assert_eq!(l.axis.end, 1000.0);
        // Stuck boots only: every row continues.
        let stuck: Vec<Row> = (0..4)
            .map(|i| {
                row(
                    &format!("i-s{i}"),
                    Outcome::Stuck,
                    1100.0 + 90.0 * f64::from(i),
                )
            })
            .collect();
        let (l, _) = check(&with_rows(stuck));
        assert_eq!(l.beyond.len(), 4);
        assert_eq!(
            l.caption().as_deref(),
            Some("▸ 4 rows continue past 1000 s, up to 1370 s")
        );
        // One stuck boot seen at 86,000 s: the axis stays where the timeout is decided.
        let mut rows: Vec<Row> = healthy(30).collect();
        rows.push(row("i-far", Outcome::Stuck, 86_000.0));
        let (l, _) = check(&with_rows(rows));
        assert_eq!(l.axis.end, 1000.0);
        assert_eq!(
            l.caption().as_deref(),
            Some("▸ 1 row continues past 1000 s, to 86000 s")
        );
        // One healthy boot registered at 86,000 s is the longest healthy bar: the axis holds it.
        let mut rows: Vec<Row> = healthy(30).collect();
        rows.push(row("i-slow", Outcome::Registered, 86_000.0));
        let (l, texts) = check(&with_rows(rows));
        assert_eq!(
            l.axis,
            RoundAxis {
                end: 100_000.0,
                step: 20_000.0
            }
        );
        assert!(l.beyond.is_empty() && texts.contains(&"100000".to_string()));
        // Tiny boots: the decision lines set the axis; without them, the boots do.
        let tiny = || {
            (0..20).map(|i| {
                row(
                    &format!("i-t{i}"),
                    Outcome::Registered,
                    0.1 + 0.01 * f64::from(i),
                )
            })
        };
        let (l, _) = check(&with_rows(tiny().collect()));
        assert_eq!(l.axis.end, 1000.0);
        let mut f = with_rows(tiny().collect());
        f.marks.clear();
        let (l, texts) = check(&f);
        assert_eq!(
            l.axis,
            RoundAxis {
                end: 0.3,
                step: 0.05
            }
        );
        assert!(texts.contains(&"0.30".to_string()), "{texts:?}");
        // A recommended timeout far past the stuck threshold is on the axis.
        let mut f = fleet_figures();
        f.marks[1].secs = 2400.0;
        assert_eq!(f.marks[1].kind, LineKind::Proposed);
        let (l, _) = check(&f);
        assert_eq!(l.axis.end, 2500.0);
        assert!(l.beyond.is_empty());
    }

    #[test]
    fn a_hostile_instance_id_past_the_axis_stays_escaped_in_its_tooltip() {
        let mut rows: Vec<Row> = (0..5)
            .map(|i| {
                row(
                    &format!("i-h{i}"),
                    Outcome::Registered,
                    400.0 + f64::from(i),
                )
            })
            .collect();
        rows.push(row("<i>&amp;\u{1b}[31m\"x", Outcome::Crashed, 1234.5678));
        let f = with_rows(rows);
        let (_, svg) = draw(&f).expect("drawn");
        assert!(!svg.contains('\u{1b}'));
        assert!(
            svg.contains("<title>&lt;i&gt;&amp;amp;\\x1b[31m\"x (crashed): to 1234.6 s"),
            "{svg}"
        );
        let (_, tips, _) = read(&svg);
        assert_eq!(
            tips,
            ["<i>&amp;\\x1b[31m\"x (crashed): to 1234.6 s, past the axis's end at 1000 s"]
        );
        check(&f);
    }
}
