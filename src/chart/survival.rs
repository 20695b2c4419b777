//! `survival.svg`: the share of boots not yet registered against time on a log axis —
//! Kaplan–Meier as steps with its pointwise band, the fitted curves, and the current, proposed
//! and stuck lines — so the tail the timeout cuts is visible down to the 0.1 % target.

use plotters::prelude::*;

use super::{
    axis_secs, draw_err, draw_marks, font, time_axis_title, ChartError, Kind, AXIS_SIZE,
    LABEL_SIZE, PALETTE, TITLE_SIZE, WIDTH,
};
use crate::report::figures::Figures;

const HEIGHT: u32 = 560;

pub(super) fn draw(f: &Figures) -> Result<(String, String), ChartError> {
    let s = &f.survival;
    if s.km.is_empty() {
        return Err(ChartError::NoData(
            Kind::Survival,
            format!("class {} has no exact latency", f.class),
        ));
    }
    let title = format!("Boots not yet registered, class {}", f.class);
    let e = draw_err(Kind::Survival);
    let (x_lo, x_hi) = (0.0, f.x_max_secs);
    let y_min = s.y_min;
    let clip = |v: f64| v.max(y_min);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(&e)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&title, font(TITLE_SIZE))
            .margin(16)
            .x_label_area_size(56)
            .y_label_area_size(86)
            .build_cartesian_2d(x_lo..x_hi, (y_min..1.0).log_scale())
            .map_err(&e)?;
        let fmt = axis_secs(x_hi - x_lo);
        chart
            .configure_mesh()
            .x_desc(time_axis_title("time since launch"))
            .y_desc("share not yet registered (log)")
            .axis_desc_style(font(AXIS_SIZE))
            .label_style(font(LABEL_SIZE))
            .x_label_formatter(&fmt)
            .y_label_formatter(&|v| {
                if *v >= 0.01 {
                    format!("{:.0} %", v * 100.0)
                } else {
                    format!("{} %", v * 100.0)
                }
            })
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(&e)?;
        // The band as a filled polygon: upper limits forward, lower limits back, each held
        // flat until the next step.
        let steps = |get: &dyn Fn(&crate::report::figures::KmPoint) -> f64| {
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
        let band_colour = RGBColor(0x1f, 0x77, 0xb4);
        let polygon: Vec<(f64, f64)> = upper
            .iter()
            .copied()
            .chain(lower.iter().rev().copied())
            .collect();
        chart
            .draw_series(std::iter::once(Polygon::new(
                polygon,
                band_colour.mix(0.18).filled(),
            )))
            .map_err(&e)?
            .label(format!(
                "Kaplan–Meier {} % pointwise band",
                crate::report::figures::fmt_secs(100.0 * s.confidence)
            ))
            .legend(move |(x, y)| {
                Rectangle::new(
                    [(x, y - 5), (x + 12, y + 5)],
                    band_colour.mix(0.18).filled(),
                )
            });
        let km_style = ShapeStyle::from(&band_colour).stroke_width(2);
        chart
            .draw_series(LineSeries::new(steps(&|p| p.s), km_style))
            .map_err(&e)?
            .label("Kaplan–Meier (observed)")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], km_style));
        for (i, c) in s.models.iter().enumerate() {
            let colour = PALETTE[(i + 2) % PALETTE.len()];
            let style = ShapeStyle::from(&colour).stroke_width(2);
            chart
                .draw_series(LineSeries::new(
                    c.points.iter().map(|p| (p[0], p[1])),
                    style,
                ))
                .map_err(&e)?
                .label(c.label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], style));
        }
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let marks: Vec<_> = f
            .marks
            .iter()
            .filter(|m| m.secs >= x_lo && m.secs <= x_hi)
            .map(|m| (m.clone(), chart.backend_coord(&(m.secs, 1.0)).0))
            .collect();
        draw_marks(&root, &marks, yr.start, yr.end, xr.end).map_err(&e)?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerLeft)
            .margin(12)
            .label_font(font(LABEL_SIZE))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .draw()
            .map_err(&e)?;
        root.present().map_err(&e)?;
    }
    Ok((title, svg))
}
