//! `distribution.svg`: the histogram of exact register latencies (bins computed by the
//! report), the best models' densities scaled to boots per bin, the false-fail region beyond
//! the current timeout shaded to the axis end with its rate, and the current, proposed and
//! stuck lines.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{self, axes, canvas, Frame, Legend, Swatch, UNDER_PLOT};
use super::{
    axis_secs, draw_err, font, mark_band, model_colour, text_width, time_axis_title, ChartError,
    Kind, LABEL_SIZE,
};
use crate::render::escape::{chart_label, terminal};
use crate::render::numbers::percent;
use crate::render::numbers::secs_plain;
use crate::report::figures::{Distribution, Figures};

/// Height of the plot, pixels.
const PLOT_PX: i32 = 400;
/// Headroom over the tallest bar or curve (a factor on the log axis): the top of the plot
/// holds the false-fail label and the rows of censored and stuck boots, over every bar.
const HEADROOM: f64 = 12.0;
/// The colour of the false-fail region.
const SHADE: RGBColor = RGBColor(0xd6, 0x27, 0x28);
/// The colour of the bars.
const BAR: RGBColor = RGBColor(0x9e, 0xb9, 0xd4);
/// The colour of censored boots' crosses.
const CENSORED: RGBColor = RGBColor(0x33, 0x33, 0x33);
/// The colour of stuck boots' triangles.
const STUCK: RGBColor = RGBColor(0x00, 0x00, 0x00);

pub(super) fn draw(f: &Figures) -> Result<(String, String), ChartError> {
    let kind = Kind::Distribution;
    let d = &f.distribution;
    let Some(first) = d.bins.first() else {
        return Err(ChartError::NoData(
            kind,
            format!("class {} has no exact latency", terminal(&f.class)),
        ));
    };
    let title = format!("Register latency, class {}", chart_label(&f.class));
    let x = (first.lo - 0.05 * (f.x_max_secs - first.lo)).max(0.0)..f.x_max_secs;
    let y_top = y_top(d);
    let frame = Frame {
        margin_left: 16,
        y_label_px: 76,
        margin_right: 16,
    };
    let legend = Legend::new(legend_entries(f), frame.plot_left(), frame::BELOW_TITLE);
    let (band, mark_px) = mark_band(&frame, &f.marks, x.clone(), kind)?;
    let (band_top, plot_top) = frame::stack(&legend, &band);
    let height = (plot_top + PLOT_PX) as u32 + UNDER_PLOT;
    let mut svg = String::new();
    {
        let root = canvas(&mut svg, height, &title, kind)?;
        legend.draw(&root, kind)?;
        let y = (Y_FLOOR..y_top).log_scale();
        let mut chart = frame.build(&root, plot_top, x.clone(), y, kind)?;
        draw_axes(&mut chart, d.bin_secs, x.end - x.start)?;
        draw_false_fail(&mut chart, d, x.clone(), y_top)?;
        draw_bars(&mut chart, d, x.clone())?;
        let edge = x.end - 0.012 * (x.end - x.start);
        draw_rug(&mut chart, d, (edge, x.end), y_top)?;
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        if d.n_stuck_past_axis > 0 {
            let at = chart.backend_coord(&(edge, stuck_row(y_top)));
            draw_past_count(&root, d.n_stuck_past_axis, at)?;
        }
        if let Some(ff) = d.false_fail.as_ref().filter(|ff| ff.from_secs < x.end) {
            let from_px = chart.backend_coord(&(ff.from_secs.max(x.start), 1.0)).0;
            let label = RegionLabel::new(ff.share, from_px, &mark_px, xr.end);
            label.draw(&root, yr.start + 6, kind)?;
        }
        band.draw(&root, band_top, yr.end, kind)?;
        root.present().map_err(draw_err(kind))?;
    }
    Ok((title, svg))
}

/// Bottom of the log count axis: bars rise from here, so a bin of one boot is as tall as the
/// step from half a boot to one.
const Y_FLOOR: f64 = 0.5;

type LogPlot<'s> = frame::Plot<'s, plotters::coord::combinators::LogCoord<f64>>;

/// Top of the count axis: over the tallest bar or curve, with room for the false-fail label
/// and the rows of censored and stuck boots.
fn y_top(d: &Distribution) -> f64 {
    let tallest = d
        .bins
        .iter()
        .map(|b| b.count as f64)
        .chain(
            d.densities
                .iter()
                .flat_map(|c| c.points.iter().map(|p| p[1])),
        )
        .fold(1.0f64, f64::max);
    tallest * HEADROOM
}

/// The axes: seconds across, boots per bin on a log axis labelled at whole counts.
fn draw_axes(chart: &mut LogPlot<'_>, bin_secs: f64, range_secs: f64) -> Result<(), ChartError> {
    let fmt = axis_secs(range_secs);
    axes(chart, &time_axis_title("register latency from launch"))
        .y_desc(format!("boots per {} s bin (log)", secs_plain(bin_secs)))
        .x_label_formatter(&fmt)
        .y_label_formatter(&|v| {
            if *v >= 1.0 && (v - v.round()).abs() < 1e-9 {
                format!("{v:.0}")
            } else {
                String::new()
            }
        })
        .draw()
        .map_err(draw_err(Kind::Distribution))
}

/// The whole region past the timeout, top to bottom, so it shows at any rate; the part under
/// the best model's density darker.
fn draw_false_fail(
    chart: &mut LogPlot<'_>,
    d: &Distribution,
    x: std::ops::Range<f64>,
    y_top: f64,
) -> Result<(), ChartError> {
    let e = draw_err(Kind::Distribution);
    let Some(ff) = d.false_fail.as_ref().filter(|ff| ff.from_secs < x.end) else {
        return Ok(());
    };
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(ff.from_secs.max(x.start), Y_FLOOR), (x.end, y_top)],
            SHADE.mix(0.08).filled(),
        )))
        .map_err(&e)?;
    chart
        .draw_series(AreaSeries::new(
            ff.points
                .iter()
                .map(|p| (p[0], p[1].max(Y_FLOOR)))
                .filter(|p| p.1 > Y_FLOOR),
            Y_FLOOR,
            SHADE.mix(0.35),
        ))
        .map_err(&e)?;
    Ok(())
}

/// The bars (at least two pixels wide, so a bin of a few boots on a long axis still shows)
/// and the densities where they are over half a boot per bin.
fn draw_bars(
    chart: &mut LogPlot<'_>,
    d: &Distribution,
    x: std::ops::Range<f64>,
) -> Result<(), ChartError> {
    let e = draw_err(Kind::Distribution);
    let (xr, _) = chart.plotting_area().get_pixel_range();
    let min_w = (x.end - x.start) / f64::from((xr.end - xr.start).max(1)) * 2.0;
    chart
        .draw_series(d.bins.iter().filter(|b| b.count > 0).map(|b| {
            Rectangle::new(
                [(b.lo, Y_FLOOR), (b.hi.max(b.lo + min_w), b.count as f64)],
                BAR.filled(),
            )
        }))
        .map_err(&e)?;
    for (i, c) in d.densities.iter().enumerate() {
        chart
            .draw_series(LineSeries::new(
                c.points
                    .iter()
                    .filter(|p| p[1] >= Y_FLOOR)
                    .map(|p| (p[0], p[1])),
                density_style(i),
            ))
            .map_err(&e)?;
    }
    Ok(())
}

/// The height of the row of stuck boots' marks on the count axis whose top is `y_top`.
fn stuck_row(y_top: f64) -> f64 {
    y_top / 6.0
}

/// The boots the histogram cannot hold, in two rows under the top of the plot: censored ones
/// at the moment they were cut off, stuck ones at their last sighting; those seen past the
/// axis's end, `x_end`, as one mark at `edge`, just inside it (labelled with their count by
/// [`draw_past_count`]).
fn draw_rug(
    chart: &mut LogPlot<'_>,
    d: &Distribution,
    (edge, x_end): (f64, f64),
    y_top: f64,
) -> Result<(), ChartError> {
    let e = draw_err(Kind::Distribution);
    let (censored_y, stuck_y) = (y_top / 3.5, stuck_row(y_top));
    chart
        .draw_series(
            d.censored_secs
                .iter()
                .map(|t| Cross::new((t.min(edge), censored_y), 5, CENSORED.stroke_width(2))),
        )
        .map_err(&e)?;
    let on_axis = d.stuck_secs.iter().copied().filter(|t| *t <= x_end);
    let past = (d.n_stuck_past_axis > 0).then_some(edge);
    chart
        .draw_series(
            on_axis
                .chain(past)
                .map(|t| TriangleMarker::new((t, stuck_y), 6, STUCK.filled())),
        )
        .map_err(&e)?;
    Ok(())
}

/// Under the mark at the axis's end (`at`, pixels), how many stuck boots it stands for: `5 ›`,
/// seen later than the axis reaches; centred under the mark, or as far right as the canvas
/// lets it (into the margin right of the plot, clear of the stuck line).
fn draw_past_count(root: &frame::Root<'_>, n: usize, at: (i32, i32)) -> Result<(), ChartError> {
    let label = past_count_label(n);
    // Centred by its characters (plotters' estimate counts `›` as three), kept inside the
    // canvas by the estimate.
    let half = text_width(LABEL_SIZE, &"0".repeat(label.chars().count())) / 2;
    let right = (at.0 + half).min(super::WIDTH as i32 - 4);
    root.draw(&Text::new(
        label,
        (right, at.1 + 9),
        font(LABEL_SIZE).pos(Pos::new(HPos::Right, VPos::Top)),
    ))
    .map_err(draw_err(Kind::Distribution))
}

/// The label of the mark at the axis's end.
fn past_count_label(n: usize) -> String {
    format!("{n} ›")
}

/// The stroke of the i-th density (the best one heavier).
fn density_style(i: usize) -> ShapeStyle {
    ShapeStyle::from(&model_colour(i)).stroke_width(if i == 0 { 3 } else { 2 })
}

fn legend_entries(f: &Figures) -> Vec<(String, Swatch)> {
    let d = &f.distribution;
    let mut entries = Vec::new();
    if let Some(ff) = &d.false_fail {
        entries.push((ff.label.clone(), Swatch::Fill(SHADE.mix(0.2))));
    }
    entries.push((
        format!("exact latencies (n = {})", d.n_exact),
        Swatch::Fill(BAR.into()),
    ));
    if !d.censored_secs.is_empty() {
        entries.push((
            format!("× censored: cut off before registering ({})", d.n_censored),
            Swatch::Fill(CENSORED.into()),
        ));
    }
    if !d.stuck_secs.is_empty() || d.n_stuck_past_axis > 0 {
        let past = if d.n_stuck_past_axis > 0 {
            ", or n › past the axis"
        } else {
            ""
        };
        entries.push((
            format!("▲ stuck ({}), at the last sighting{past}", d.n_stuck),
            Swatch::Fill(STUCK.into()),
        ));
    }
    for (i, c) in d.densities.iter().enumerate() {
        let style = density_style(i);
        entries.push((
            format!("{} density", c.label),
            Swatch::Line(model_colour(i), style.stroke_width),
        ));
    }
    entries
}

/// The rate written inside the false-fail region, at the top of the plot (above every bar and
/// curve), in the first gap between its lines wide enough: two lines, else the rate alone,
/// else nothing (the legend still gives it).
struct RegionLabel {
    lines: Vec<String>,
    x: i32,
}

impl RegionLabel {
    fn new(share: f64, from_px: i32, mark_px: &[i32], right_px: i32) -> RegionLabel {
        let mut edges: Vec<i32> = mark_px
            .iter()
            .copied()
            .filter(|x| *x > from_px && *x < right_px)
            .collect();
        edges.push(from_px);
        edges.push(right_px);
        edges.sort_unstable();
        edges.dedup();
        let gaps: Vec<(i32, i32)> = edges.windows(2).map(|w| (w[0], w[1])).collect();
        let rate = percent(share);
        let choices = [
            vec![
                "false-fail region".to_string(),
                format!("{rate} of healthy boots"),
            ],
            vec![rate],
        ];
        for lines in choices {
            let w = lines
                .iter()
                .map(|l| text_width(LABEL_SIZE, l))
                .max()
                .unwrap_or(0);
            if let Some(&(lo, _)) = gaps.iter().find(|(lo, hi)| hi - lo >= w + 2 * 8) {
                return RegionLabel { lines, x: lo + 8 };
            }
        }
        RegionLabel {
            lines: Vec::new(),
            x: from_px,
        }
    }

    fn draw(&self, root: &frame::Root<'_>, top: i32, kind: Kind) -> Result<(), ChartError> {
        for (i, line) in self.lines.iter().enumerate() {
            root.draw(&Text::new(
                line.clone(),
                (self.x, top + 20 * i as i32),
                font(LABEL_SIZE)
                    .color(&SHADE)
                    .pos(Pos::new(HPos::Left, VPos::Top)),
            ))
            .map_err(draw_err(kind))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::svg_read::*;
    use crate::chart::WIDTH;

    /// What the chart draws of its stuck boots: the pixel columns of the stuck marks (filled
    /// black triangles), and every text with its box by plotters' width estimate.
    fn stuck_marks_and_texts(svg: &str) -> (Vec<f64>, Vec<(String, [f64; 4])>) {
        let doc = roxmltree::Document::parse(svg).expect("valid SVG");
        let marks = (doc.descendants())
            .filter(|n| n.has_tag_name("polygon") && n.attribute("fill") == Some("#000000"))
            .filter_map(|n| {
                let pts = n.attribute("points")?;
                let first = pts.split_whitespace().next()?;
                first.split_once(',')?.0.parse().ok()
            })
            .collect();
        (marks, text_boxes(svg))
    }

    /// Draws `f`'s distribution; checks the stuck boots past the axis are one mark at its end
    /// labelled with their count, inside the canvas, clear of every other text and right of
    /// the stuck line, and the stuck boots on the axis have a mark each. Returns the marks'
    /// pixel columns.
    fn check(f: &Figures) -> Vec<f64> {
        let d = &f.distribution;
        let (_, svg) = draw(f).expect("drawn");
        let (marks, texts) = stuck_marks_and_texts(&svg);
        let on_axis = d.stuck_secs.iter().filter(|t| **t <= f.x_max_secs).count();
        let past = usize::from(d.n_stuck_past_axis > 0);
        assert_eq!(marks.len(), on_axis + past, "{marks:?}");
        let labels: Vec<&(String, [f64; 4])> =
            texts.iter().filter(|(s, _)| s.ends_with(" ›")).collect();
        if d.n_stuck_past_axis == 0 {
            assert!(labels.is_empty(), "{labels:?}");
            return marks;
        }
        assert_eq!(labels.len(), 1, "{labels:?}");
        let (label, b) = labels[0];
        assert_eq!(*label, format!("{} ›", d.n_stuck_past_axis));
        // Under the mark at the axis's end, the rightmost mark.
        let edge = marks.iter().copied().fold(0.0, f64::max);
        assert!(b[0] < edge && edge < b[2], "{b:?} by {edge}");
        assert!(b[0] >= 0.0 && b[2] <= f64::from(WIDTH), "{b:?}");
        let stuck_line = roxmltree::Document::parse(&svg)
            .expect("valid SVG")
            .descendants()
            .filter(|n| n.attribute("stroke") == Some("#B8860B"))
            .filter_map(|n| {
                n.attribute("points")?
                    .split(',')
                    .next()?
                    .parse::<f64>()
                    .ok()
            })
            .fold(0.0, f64::max);
        assert!(
            stuck_line > 0.0 && b[0] > stuck_line + 1.0,
            "{b:?} by {stuck_line}"
        );
        for (s, o) in texts.iter().filter(|(s, _)| s != label) {
            let apart = b[2] <= o[0] || o[2] <= b[0] || b[3] <= o[1] || o[3] <= b[1];
            assert!(apart, "{label:?} at {b:?} overlaps {s:?} at {o:?}");
        }
        marks
    }

    #[test]
    fn the_fleet_stuck_boots_past_the_axis_are_one_mark_labelled_five() {
        let f = fleet_figures();
        let d = &f.distribution;
        assert_eq!((d.n_stuck, d.n_stuck_past_axis), (5, 5));
        let marks = check(&f);
        assert_eq!(marks.len(), 1);
        let (_, svg) = draw(&f).unwrap();
        let (_, texts) = stuck_marks_and_texts(&svg);
        assert!(texts.iter().any(|(s, _)| s == "5 ›"));
        assert!(texts
            .iter()
            .any(|(s, _)| s.starts_with("▲ stuck (5), at the last sighting, or n ›")));
    }

    #[test]
    fn stuck_boots_none_on_the_axis_past_it_many_or_one_far_away_are_marked_and_counted() {
        let with = |secs: Vec<f64>, n: usize, past: usize| {
            let mut f = fleet_figures();
            let d = &mut f.distribution;
            (d.stuck_secs, d.n_stuck, d.n_stuck_past_axis) = (secs, n, past);
            f
        };
        // No stuck boot: no mark, no count, no legend entry.
        let f = with(Vec::new(), 0, 0);
        assert!(check(&f).is_empty());
        let (_, texts) = stuck_marks_and_texts(&draw(&f).unwrap().1);
        assert!(!texts.iter().any(|(s, _)| s.contains("stuck (")));
        // Stuck boots on the axis only: each at its sighting, no count.
        let marks = check(&with(vec![910.0, 935.0], 2, 0));
        assert_eq!(marks.len(), 2);
        assert!(marks[0] < marks[1]);
        // On the axis and past it; the thinned list may keep one sighting past the axis, which
        // the count at the end stands for.
        let marks = check(&with(vec![930.0, 1134.0], 7, 4));
        assert_eq!(marks.len(), 2);
        // One far away (86,000 s) and many: one mark at the end each time.
        assert_eq!(check(&with(vec![86_000.0], 1, 1)).len(), 1);
        assert_eq!(check(&with(vec![1000.0], 20_000, 20_000)).len(), 1);
    }
}
