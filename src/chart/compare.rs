//! The comparison's chart: each cohort's Kaplan–Meier curve (the share of boots not yet
//! registered) on one log axis, so the tail the timeout cuts is visible, with the current and
//! the recommended timeout as labelled lines. It draws the curves the comparison computed.

use plotters::prelude::*;

use super::frame::{self, axes, canvas, Frame, Legend, Swatch, UNDER_PLOT};
use super::{axis_secs, draw_err, mark_band, time_axis_title, ChartError, Kind, PALETTE};
use crate::compare::Comparison;
use crate::render::escape::chart_label;
use crate::render::numbers::secs_plain;
use crate::report::figures::{LineKind, TimeMark};

/// Height of the plot, pixels.
const PLOT_PX: i32 = 420;
/// Palette entries for cohorts: green and red are the timeouts' colours.
const COHORT_COLOURS: [usize; 7] = [1, 2, 4, 5, 6, 7, 8];

/// The colour of the i-th cohort.
fn colour(i: usize) -> RGBColor {
    PALETTE[COHORT_COLOURS[i % COHORT_COLOURS.len()]]
}

/// The current and recommended timeouts as lines.
fn marks(c: &Comparison) -> Vec<TimeMark> {
    let mut marks = vec![TimeMark {
        kind: LineKind::Current,
        secs: c.current_timeout_secs,
        label: format!("current {} s", secs_plain(c.current_timeout_secs)),
    }];
    if let Some(r) = c.recommended_timeout_secs {
        marks.push(TimeMark {
            kind: LineKind::Proposed,
            secs: r,
            label: format!("recommended {} s", secs_plain(r)),
        });
    }
    marks
}

/// The axes' ranges: from a little before the first step to past the last step and every
/// line; down to the decade under the smallest positive Ŝ (at least 0.1 %).
fn ranges(c: &Comparison, marks: &[TimeMark]) -> (f64, f64, f64) {
    let points = || c.curves.iter().flatten();
    let first = points().map(|p| p[0]).fold(f64::INFINITY, f64::min);
    let last = points()
        .map(|p| p[0])
        .chain(marks.iter().map(|m| m.secs))
        .fold(0.0, f64::max);
    let x_lo = if first.is_finite() {
        (first * 0.9 / 60.0).floor() * 60.0
    } else {
        0.0
    };
    let smallest = points()
        .map(|p| p[1])
        .filter(|s| *s > 0.0)
        .fold(1.0, f64::min);
    let y_min = 10f64.powf((smallest.log10().floor() - 1.0).min(-3.0));
    (x_lo, last * 1.04, y_min)
}

/// The legend: each cohort's name and size in its colour.
fn legend(c: &Comparison, frame: &Frame) -> Legend {
    let entries = c
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            (
                format!("{} (n = {})", chart_label(&g.name), g.n),
                Swatch::Line(colour(i), 2),
            )
        })
        .collect();
    Legend::new(entries, frame.plot_left(), frame::BELOW_TITLE)
}

/// Draws the axes and the curves from `plot_top`; returns the plot's bottom pixel row.
fn plot(
    root: &frame::Root<'_>,
    frame: &Frame,
    plot_top: i32,
    (x_lo, x_hi, y_min): (f64, f64, f64),
    c: &Comparison,
) -> Result<i32, ChartError> {
    let kind = Kind::Compare;
    let e = draw_err(kind);
    let mut chart = frame.build(root, plot_top, x_lo..x_hi, (y_min..1.0).log_scale(), kind)?;
    let fmt = axis_secs(x_hi - x_lo);
    axes(&mut chart, &time_axis_title("time since launch"))
        .y_desc("share not yet registered (log)")
        .x_label_formatter(&fmt)
        .y_label_formatter(&|v| {
            if *v >= 0.01 {
                format!("{:.0} %", v * 100.0)
            } else {
                format!("{} %", v * 100.0)
            }
        })
        .draw()
        .map_err(&e)?;
    for (i, curve) in c.curves.iter().enumerate() {
        chart
            .draw_series(LineSeries::new(
                steps(curve, x_lo, y_min),
                ShapeStyle::from(&colour(i)).stroke_width(2),
            ))
            .map_err(&e)?;
    }
    let (_, yr) = chart.plotting_area().get_pixel_range();
    Ok(yr.end)
}

/// Draws the chart as an SVG document.
pub(crate) fn render(c: &Comparison) -> Result<String, ChartError> {
    let kind = Kind::Compare;
    if c.curves.iter().all(Vec::is_empty) {
        return Err(ChartError::NoData(
            kind,
            "no cohort has an exact latency".into(),
        ));
    }
    let title = match &c.class {
        Some(class) => format!(
            "Boots not yet registered by cohort, class {}",
            chart_label(class)
        ),
        None => "Boots not yet registered by cohort".to_string(),
    };
    let marks = marks(c);
    let ranges = ranges(c, &marks);
    let frame = Frame {
        margin_left: 16,
        y_label_px: 86,
        margin_right: 16,
    };
    let legend = legend(c, &frame);
    let (band, _) = mark_band(&frame, &marks, ranges.0..ranges.1, kind)?;
    let (band_top, plot_top) = frame::stack(&legend, &band);
    let height = (plot_top + PLOT_PX) as u32 + UNDER_PLOT;
    let mut svg = String::new();
    {
        let root = canvas(&mut svg, height, &title, kind)?;
        legend.draw(&root, kind)?;
        let bottom = plot(&root, &frame, plot_top, ranges, c)?;
        band.draw(&root, band_top, bottom, kind)?;
        root.present().map_err(draw_err(kind))?;
    }
    Ok(super::finish(&svg, &title))
}

/// A curve as a step line from (x_lo, 1), clipped at the axis bottom.
fn steps(curve: &[[f64; 2]], x_lo: f64, y_min: f64) -> Vec<(f64, f64)> {
    let mut pts = vec![(x_lo, 1.0)];
    let mut prev = 1.0;
    for &[t, s] in curve {
        pts.push((t, prev));
        prev = s.max(y_min);
        pts.push((t, prev));
    }
    pts
}
