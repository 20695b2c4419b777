//! `survival.svg`: the share of boots not yet registered against time on a log axis —
//! Kaplan–Meier as steps with its pointwise band, the fitted curves, and the current, proposed
//! and stuck lines — so the tail the timeout cuts is visible down to the 0.1 % target.

use plotters::prelude::*;

use super::frame::{self, axes, canvas, Frame, Legend, Swatch, UNDER_PLOT};
use super::{axis_secs, draw_err, mark_band, model_colour, time_axis_title, ChartError, Kind};
use crate::render::escape::{chart_label, terminal};
use crate::render::numbers::secs_plain;
use crate::report::figures::{Figures, KmPoint};

/// Height of the plot, pixels.
const PLOT_PX: i32 = 400;
/// The colour of Kaplan–Meier and its band.
const KM: RGBColor = RGBColor(0x1f, 0x77, 0xb4);

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
    let e = draw_err(kind);
    let (x_lo, x_hi) = (0.0, f.x_max_secs);
    let y_min = s.y_min;
    let clip = |v: f64| v.max(y_min);
    let frame = Frame {
        margin_left: 16,
        y_label_px: 86,
        margin_right: 16,
    };
    let band_fill = KM.mix(0.18);
    let km_style = ShapeStyle::from(&KM).stroke_width(2);
    let mut entries = vec![
        (
            format!(
                "Kaplan–Meier {} % pointwise band",
                secs_plain(100.0 * s.confidence)
            ),
            Swatch::Fill(band_fill),
        ),
        ("Kaplan–Meier (observed)".to_string(), Swatch::Line(KM, 2)),
    ];
    for (i, c) in s.models.iter().enumerate() {
        entries.push((c.label.clone(), Swatch::Line(model_colour(i), 2)));
    }
    let legend = Legend::new(entries, frame.plot_left(), frame::BELOW_TITLE);
    let (band, _) = mark_band(&frame, &f.marks, x_lo..x_hi, kind)?;
    let (band_top, plot_top) = frame::stack(&legend, &band);
    let height = (plot_top + PLOT_PX) as u32 + UNDER_PLOT;
    let mut svg = String::new();
    {
        let root = canvas(&mut svg, height, &title, kind)?;
        legend.draw(&root, kind)?;
        let mut chart = frame.build(&root, plot_top, x_lo..x_hi, (y_min..1.0).log_scale(), kind)?;
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
        // The band as a filled polygon: upper limits forward, lower limits back, each held
        // flat until the next step.
        let steps = |get: &dyn Fn(&KmPoint) -> f64| {
            let mut pts = vec![(x_lo, 1.0)];
            let mut prev = 1.0;
            for p in &s.km {
                pts.push((p.t, prev));
                prev = clip(get(p));
                pts.push((p.t, prev));
            }
            if let Some(last) = s.km.last() {
                pts.push((last.t, prev));
            }
            pts
        };
        let upper = steps(&|p| p.hi.unwrap_or(p.s));
        let lower = steps(&|p| p.lo.unwrap_or(y_min));
        let polygon: Vec<(f64, f64)> = upper
            .iter()
            .copied()
            .chain(lower.iter().rev().copied())
            .collect();
        chart
            .draw_series(std::iter::once(Polygon::new(polygon, band_fill.filled())))
            .map_err(&e)?;
        chart
            .draw_series(LineSeries::new(steps(&|p| p.s), km_style))
            .map_err(&e)?;
        for (i, c) in s.models.iter().enumerate() {
            chart
                .draw_series(LineSeries::new(
                    c.points.iter().map(|p| (p[0], p[1])),
                    ShapeStyle::from(&model_colour(i)).stroke_width(2),
                ))
                .map_err(&e)?;
        }
        let (_, yr) = chart.plotting_area().get_pixel_range();
        band.draw(&root, band_top, yr.end, kind)?;
        root.present().map_err(&e)?;
    }
    Ok((title, svg))
}
