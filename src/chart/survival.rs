//! `survival.svg`: the share of boots not yet registered against time on a log axis —
//! Kaplan–Meier as steps with its pointwise band, the fitted curves, and the current, proposed
//! and stuck lines — and under it the tail where the decision lives: from about p90 to past the
//! recommended line, with the target, censoring ticks, the boots the sweep failed that
//! registered later, the numbers at risk, and the models drawn to the recommended line.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{self, axes, canvas, Frame, Legend, Plot, Root, Swatch, UNDER_PLOT};
use super::{
    axis_secs, draw_err, font, mark_band, model_colour, text_width, time_axis_title, ChartError,
    Kind, LABEL_SIZE,
};
use crate::render::escape::{chart_label, terminal};
use crate::render::numbers::secs_plain;
use crate::report::figures::{Curve, Figures, KmPoint, Survival, Tail};

/// Height of the whole curve's plot, pixels.
const PLOT_PX: i32 = 300;
/// Height of the tail's plot, pixels.
const TAIL_PX: i32 = 330;
/// Height of the tail panel's heading, pixels.
const HEADING_PX: i32 = 34;
/// Height of the row of at-risk counts under the tail's axis, pixels.
const AT_RISK_PX: i32 = 24;
/// The colour of Kaplan–Meier and its band.
const KM: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
/// The colour of the boots the sweep failed that registered later (the current timeout's).
const FAILED: RGBColor = RGBColor(0xd6, 0x27, 0x28);
/// The colour of the target line: a light grey, dashed, so it is not read as an axis.
const TARGET: RGBColor = RGBColor(0x99, 0x99, 0x99);
/// Length of the target line's dashes and of the gaps between them, pixels.
const TARGET_DASH: (u32, u32) = (6, 4);

type LogPlot<'s> = Plot<'s, plotters::coord::combinators::LogCoord<f64>>;

pub(super) fn draw(f: &Figures) -> Result<(String, String), ChartError> {
    let kind = Kind::Survival;
    let s = &f.survival;
    if s.km.is_empty() {
        return Err(ChartError::NoData(
            kind,
            format!("class {} has no exact latency", terminal(&f.class)),
        ));
    }
    let title = format!("Boots not yet registered, class {}", chart_label(&f.class));
    let frame = Frame {
        margin_left: 16,
        y_label_px: y_label_px(s),
        margin_right: 16,
    };
    let legend = Legend::new(legend_entries(s), frame.plot_left(), frame::BELOW_TITLE);
    let (band, _) = mark_band(&frame, &f.marks, 0.0..f.x_max_secs, kind)?;
    let (band_top, plot_top) = frame::stack(&legend, &band);
    let whole_px = (plot_top + PLOT_PX) as u32 + UNDER_PLOT;
    let tail_band = match &s.tail {
        Some(t) => Some(mark_band(&frame, &f.marks, t.x_lo..t.x_hi, kind)?.0),
        None => None,
    };
    let tail_px = tail_band.as_ref().map_or(0, |b| {
        (HEADING_PX + b.height() + 4 + TAIL_PX + AT_RISK_PX) as u32 + UNDER_PLOT
    });
    let mut svg = String::new();
    {
        let root = canvas(&mut svg, whole_px + tail_px, &title, kind)?;
        legend.draw(&root, kind)?;
        let (upper, lower) = root.split_vertically(whole_px);
        let chart = frame.build(
            &upper,
            plot_top,
            0.0..f.x_max_secs,
            log_axis(s.y_min, 1.0),
            kind,
        )?;
        let chart = draw_whole(chart, s, f.x_max_secs)?;
        let (_, yr) = chart.plotting_area().get_pixel_range();
        band.draw(&root, band_top, yr.end, kind)?;
        if let (Some(t), Some(tail_band)) = (&s.tail, tail_band) {
            let top = HEADING_PX + tail_band.height() + 4;
            heading(&lower, t)?;
            let (plot_area, risk_row) = lower.split_vertically(tail_px as i32 - AT_RISK_PX);
            let y = log_axis(t.y_min, 0.2);
            let tail_chart = frame.build(&plot_area, top, t.x_lo..t.x_hi, y, kind)?;
            let tail_chart = draw_tail(tail_chart, s, t)?;
            let (_, yr) = tail_chart.plotting_area().get_pixel_range();
            tail_band.draw(&lower, HEADING_PX, yr.end - whole_px as i32, kind)?;
            at_risk(&risk_row, &tail_chart, t, &frame)?;
        }
        root.present().map_err(draw_err(kind))?;
    }
    Ok((title, svg))
}

/// The legend: the band, Kaplan–Meier, the models, and the tail's marks.
fn legend_entries(s: &Survival) -> Vec<(String, Swatch)> {
    let mut entries = vec![
        (
            format!(
                "Kaplan–Meier {} % pointwise band",
                secs_plain(100.0 * s.confidence)
            ),
            Swatch::Fill(KM.mix(0.18)),
        ),
        ("Kaplan–Meier (observed)".to_string(), Swatch::Line(KM, 2)),
    ];
    for (i, c) in s.models.iter().enumerate() {
        entries.push((c.label.clone(), Swatch::Line(model_colour(i), 2)));
    }
    if let Some(t) = &s.tail {
        entries.push((
            format!("target {}", share_label(t.target)),
            Swatch::Dashed(TARGET, 1),
        ));
        if !t.false_failed.is_empty() {
            entries.push((
                format!(
                    "failed by the sweep, registered later ({})",
                    t.n_false_failed
                ),
                Swatch::Fill(FAILED.into()),
            ));
        }
    }
    entries
}

/// A log axis from `lo` (a power of ten, the lowest tick) to `hi`. plotters puts its first
/// tick at 10^⌈log₁₀ lo⌉ computed as ln lo / ln 10, which for most powers of ten falls a hair
/// above the whole number (−3.9999999999999996 for 10⁻⁴): the tick at `lo` itself would be left
/// out and the axis would run below its lowest label. Starting the range a millionth below
/// `lo` keeps that tick, and moves nothing by a pixel.
fn log_axis(lo: f64, hi: f64) -> plotters::coord::combinators::LogCoord<f64> {
    (lo * (1.0 - 1e-6)..hi).log_scale().into()
}

/// Width of the y axis's labels and title, pixels: 86, or wider when the lowest label of
/// either panel (`0.0000001 %`) would run into the title.
fn y_label_px(s: &Survival) -> u32 {
    let lowest = s.tail.as_ref().map_or(s.y_min, |t| t.y_min.min(s.y_min));
    // The title and the gaps beside the labels take 25 px.
    (text_width(LABEL_SIZE, &share_label(lowest)) + 25).max(86) as u32
}

/// A share as an axis label: whole percents down to 1 %, then as many digits as it needs.
fn share_label(v: f64) -> String {
    if v >= 0.01 {
        format!("{:.0} %", v * 100.0)
    } else {
        format!("{} %", fmt_share(v * 100.0))
    }
}

/// A percentage below 1 without float noise (`0.1`, `0.001`).
fn fmt_share(pct: f64) -> String {
    let digits = (-pct.log10()).ceil().max(1.0) as usize;
    format!("{pct:.digits$}")
}

/// The whole curve: axes, band, Kaplan–Meier and the models.
fn draw_whole<'s>(
    mut chart: LogPlot<'s>,
    s: &Survival,
    x_hi: f64,
) -> Result<LogPlot<'s>, ChartError> {
    draw_curves(&mut chart, x_hi, &s.km, (0.0, 1.0), s.y_min, &s.models)?;
    Ok(chart)
}

/// What both panels draw: the axes (labels fitted to `x_span` seconds), Kaplan–Meier's band and
/// steps from `start`, and the models' curves.
fn draw_curves(
    chart: &mut LogPlot<'_>,
    x_span: f64,
    km: &[KmPoint],
    start: (f64, f64),
    y_min: f64,
    models: &[Curve],
) -> Result<(), ChartError> {
    let e = draw_err(Kind::Survival);
    let fmt = axis_secs(x_span);
    axes(chart, &time_axis_title("time since launch"))
        .y_desc("share not yet registered (log)")
        .x_label_formatter(&fmt)
        .y_label_formatter(&|v| share_label(*v))
        .draw()
        .map_err(&e)?;
    draw_km(chart, km, start, y_min)?;
    for (i, c) in models.iter().enumerate() {
        chart
            .draw_series(LineSeries::new(
                c.points.iter().map(|p| (p[0], p[1])),
                ShapeStyle::from(&model_colour(i)).stroke_width(2),
            ))
            .map_err(&e)?;
    }
    Ok(())
}

/// Kaplan–Meier's band (a polygon: upper limits forward, lower limits back, each held flat
/// until the next step) and its steps, from `start` (time, Ŝ there) on.
fn draw_km(
    chart: &mut LogPlot<'_>,
    km: &[KmPoint],
    start: (f64, f64),
    y_min: f64,
) -> Result<(), ChartError> {
    let e = draw_err(Kind::Survival);
    let clip = |v: f64| v.max(y_min);
    let steps = |get: &dyn Fn(&KmPoint) -> f64, first: f64| {
        let mut pts = vec![(start.0, clip(first))];
        let mut prev = clip(first);
        for p in km.iter().filter(|p| p.t > start.0) {
            pts.push((p.t, prev));
            prev = clip(get(p));
            pts.push((p.t, prev));
        }
        pts
    };
    let before = km.iter().rev().find(|p| p.t <= start.0);
    let upper = steps(
        &|p| p.hi.unwrap_or(p.s),
        before.map_or(start.1, |p| p.hi.unwrap_or(p.s)),
    );
    let lower = steps(
        &|p| p.lo.unwrap_or(y_min),
        before.map_or(start.1, |p| p.lo.unwrap_or(y_min)),
    );
    let polygon: Vec<(f64, f64)> = upper.iter().chain(lower.iter().rev()).copied().collect();
    chart
        .draw_series(std::iter::once(Polygon::new(
            polygon,
            KM.mix(0.18).filled(),
        )))
        .map_err(&e)?;
    let line = steps(&|p| p.s, before.map_or(start.1, |p| p.s));
    chart
        .draw_series(LineSeries::new(line, ShapeStyle::from(&KM).stroke_width(2)))
        .map_err(&e)?;
    Ok(())
}

/// The tail panel's heading, naming what it shows.
fn heading(lower: &Root<'_>, t: &Tail) -> Result<(), ChartError> {
    lower
        .draw(&Text::new(
            format!(
                "The tail, {} s to {} s, where the timeout is decided (| censored, ● failed by the sweep, registered later)",
                secs_plain(t.x_lo.round()),
                secs_plain(t.x_hi.round())
            ),
            (super::WIDTH as i32 / 2, 8),
            font(super::AXIS_SIZE).pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(draw_err(Kind::Survival))
}

/// Ŝ at `t`: the last step at or before it.
fn km_at(km: &[KmPoint], t: f64) -> f64 {
    km.iter().rev().find(|p| p.t <= t).map_or(1.0, |p| p.s)
}

/// The tail: axes, Kaplan–Meier from the axis's left end, the models, the target line,
/// censoring ticks and the false-failed boots on the curve.
fn draw_tail<'s>(
    mut chart: LogPlot<'s>,
    s: &Survival,
    t: &Tail,
) -> Result<LogPlot<'s>, ChartError> {
    let e = draw_err(Kind::Survival);
    let start = (t.x_lo, km_at(&s.km, t.x_lo));
    draw_curves(
        &mut chart,
        t.x_hi - t.x_lo,
        &s.km,
        start,
        t.y_min,
        &t.models,
    )?;
    chart
        .draw_series(DashedLineSeries::new(
            [(t.x_lo, t.target), (t.x_hi, t.target)],
            TARGET_DASH.0,
            TARGET_DASH.1,
            ShapeStyle::from(&TARGET).stroke_width(1),
        ))
        .map_err(&e)?;
    let on_curve = |x: f64| (x, km_at(&s.km, x).max(t.y_min));
    draw_censor_ticks(&mut chart, t, &on_curve)?;
    chart
        .draw_series(
            t.false_failed
                .iter()
                .map(|x| Circle::new(on_curve(*x), 4, FAILED.filled())),
        )
        .map_err(&e)?;
    Ok(chart)
}

/// A short vertical tick through the curve at each censored time (the usual mark of a
/// censored record on a Kaplan–Meier curve).
fn draw_censor_ticks(
    chart: &mut LogPlot<'_>,
    t: &Tail,
    on_curve: &dyn Fn(f64) -> (f64, f64),
) -> Result<(), ChartError> {
    let px: Vec<(i32, i32)> = t
        .censored
        .iter()
        .map(|x| chart.backend_coord(&on_curve(*x)))
        .collect();
    let area = chart.plotting_area().strip_coord_spec();
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    for (x, y) in px {
        let (x, y) = (x - xr.start, y - yr.start);
        area.draw(&PathElement::new(
            vec![(x, y - 7), (x, y + 7)],
            ShapeStyle::from(&KM).stroke_width(2),
        ))
        .map_err(draw_err(Kind::Survival))?;
    }
    Ok(())
}

/// The numbers at risk under the tail's axis (in `lower`, the row under it), each under its
/// time, named at the left.
fn at_risk(
    lower: &Root<'_>,
    chart: &LogPlot<'_>,
    t: &Tail,
    frame: &Frame,
) -> Result<(), ChartError> {
    let e = draw_err(Kind::Survival);
    let y = 2;
    lower
        .draw(&Text::new(
            "at risk".to_string(),
            (frame.plot_left() - 8, y),
            font(LABEL_SIZE).pos(Pos::new(HPos::Right, VPos::Top)),
        ))
        .map_err(&e)?;
    for (secs, n) in &t.at_risk {
        let (x, _) = chart.backend_coord(&(*secs, t.y_min));
        lower
            .draw(&Text::new(
                n.to_string(),
                (x, y),
                font(LABEL_SIZE).pos(Pos::new(HPos::Center, VPos::Top)),
            ))
            .map_err(&e)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::svg_read::*;
    use crate::chart::WIDTH;

    /// Draws `f`'s survival chart and checks each panel's axis is labelled at its bottom, and
    /// every text stays inside the canvas, clear of every other. Returns the texts.
    fn check(f: &Figures) -> Vec<(String, [f64; 4])> {
        let (_, svg) = draw(f).expect("drawn");
        let texts = text_boxes(&svg);
        let s = &f.survival;
        let bottoms = [Some(s.y_min), s.tail.as_ref().map(|t| t.y_min)];
        for bottom in bottoms.into_iter().flatten() {
            let label = share_label(bottom);
            assert!(
                texts.iter().any(|(t, _)| *t == label),
                "no {label}: {texts:?}"
            );
        }
        for (t, b) in &texts {
            assert!(b[0] >= 0.0 && b[2] <= f64::from(WIDTH), "{t:?} at {b:?}");
        }
        for (i, (t, a)) in texts.iter().enumerate() {
            for (u, b) in &texts[i + 1..] {
                let apart = a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1];
                assert!(apart, "{t:?} at {a:?} overlaps {u:?} at {b:?}");
            }
        }
        texts
    }

    #[test]
    fn each_panel_is_labelled_at_its_bottom_whatever_its_decade() {
        let texts = check(&fleet_figures());
        for label in ["0.01 %", "0.0001 %"] {
            assert!(texts.iter().any(|(t, _)| t == label), "{label}: {texts:?}");
        }
        for k in -9..=-3 {
            let mut f = fleet_figures();
            f.survival.y_min = 10f64.powi(k);
            f.survival.tail.as_mut().expect("a tail").y_min = 10f64.powi(k);
            check(&f);
        }
    }

    #[test]
    fn the_target_line_is_dashed_light_grey_as_its_legend_shows_it() {
        let f = fleet_figures();
        let (_, svg) = draw(&f).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let grey = format!("#{:02X}{:02X}{:02X}", TARGET.0, TARGET.1, TARGET.2);
        let mut dashes: std::collections::BTreeMap<i64, usize> = Default::default();
        for n in doc
            .descendants()
            .filter(|n| n.attribute("stroke") == Some(grey.as_str()))
        {
            let pts: Vec<(f64, f64)> = (n.attribute("points").unwrap_or("").split_whitespace())
                .filter_map(|p| {
                    let (x, y) = p.split_once(',')?;
                    Some((x.parse().ok()?, y.parse().ok()?))
                })
                .collect();
            assert_eq!(pts.len(), 2, "{pts:?}");
            assert_eq!(pts[0].1, pts[1].1, "a horizontal dash: {pts:?}");
            assert!(
                pts[1].0 - pts[0].0 <= f64::from(TARGET_DASH.0) + 1.0,
                "{pts:?}"
            );
            *dashes.entry(pts[0].1 as i64).or_default() += 1;
        }
        // Two rows of dashes: the legend's swatch, and the line across the tail's plot.
        assert_eq!(dashes.len(), 2, "{dashes:?}");
        let counts: Vec<usize> = dashes.values().copied().collect();
        assert!(counts[0] >= 2 && counts[1] >= 50, "{counts:?}");
        // No line in the axes' black or the former dark grey runs along the target.
        assert!(!svg.contains("stroke=\"#333333\""));
    }
}
