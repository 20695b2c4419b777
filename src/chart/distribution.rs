//! `distribution.svg`: the histogram of exact register latencies (bins computed by the
//! report), the best models' densities scaled to boots per bin, the false-fail region beyond
//! the current timeout, and the current, proposed and stuck lines.

use plotters::prelude::*;

use super::{
    axis_secs, draw_err, draw_marks, font, time_axis_title, ChartError, Kind, AXIS_SIZE,
    LABEL_SIZE, PALETTE, TITLE_SIZE, WIDTH,
};
use crate::report::figures::Figures;

const HEIGHT: u32 = 560;

pub(super) fn draw(f: &Figures) -> Result<(String, String), ChartError> {
    let d = &f.distribution;
    let (Some(first), Some(_)) = (d.bins.first(), d.bins.last()) else {
        return Err(ChartError::NoData(
            Kind::Distribution,
            format!("class {} has no exact latency", f.class),
        ));
    };
    let title = format!("Register latency, class {}", f.class);
    let e = draw_err(Kind::Distribution);
    let x_lo = (first.lo - 0.05 * (f.x_max_secs - first.lo)).max(0.0);
    let x_hi = f.x_max_secs;
    let y_top = d
        .bins
        .iter()
        .map(|b| b.count as f64)
        .chain(
            d.densities
                .iter()
                .flat_map(|c| c.points.iter().map(|p| p[1])),
        )
        .fold(1.0f64, f64::max)
        * 1.25;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(&e)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&title, font(TITLE_SIZE))
            .margin(16)
            .x_label_area_size(56)
            .y_label_area_size(76)
            .build_cartesian_2d(x_lo..x_hi, 0.0..y_top)
            .map_err(&e)?;
        let fmt = axis_secs(x_hi - x_lo);
        chart
            .configure_mesh()
            .x_desc(time_axis_title("register latency from launch"))
            .y_desc(format!(
                "boots per {} s bin",
                super::super::report::figures::fmt_secs(d.bin_secs)
            ))
            .axis_desc_style(font(AXIS_SIZE))
            .label_style(font(LABEL_SIZE))
            .x_label_formatter(&fmt)
            .y_label_formatter(&|v| format!("{v:.0}"))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(&e)?;
        if let Some(ff) = &d.false_fail {
            let shade = RGBColor(0xd6, 0x27, 0x28);
            chart
                .draw_series(AreaSeries::new(
                    ff.points.iter().map(|p| (p[0], p[1])),
                    0.0,
                    shade.mix(0.25),
                ))
                .map_err(&e)?
                .label(ff.label.clone())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], shade.mix(0.25).filled())
                });
        }
        let bar = RGBColor(0x9e, 0xb9, 0xd4);
        chart
            .draw_series(
                d.bins
                    .iter()
                    .map(|b| Rectangle::new([(b.lo, 0.0), (b.hi, b.count as f64)], bar.filled())),
            )
            .map_err(&e)?
            .label(format!(
                "exact latencies (n = {}; {} censored shape the fits)",
                d.n_exact, d.n_censored
            ))
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], bar.filled()));
        for (i, c) in d.densities.iter().enumerate() {
            let colour = PALETTE[(i + 1) % PALETTE.len()];
            let style = ShapeStyle::from(&colour).stroke_width(if i == 0 { 3 } else { 2 });
            chart
                .draw_series(LineSeries::new(
                    c.points.iter().map(|p| (p[0], p[1])),
                    style,
                ))
                .map_err(&e)?
                .label(format!("{} density", c.label))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], style));
        }
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let marks: Vec<_> = f
            .marks
            .iter()
            .filter(|m| m.secs >= x_lo && m.secs <= x_hi)
            .map(|m| (m.clone(), chart.backend_coord(&(m.secs, 0.0)).0))
            .collect();
        draw_marks(&root, &marks, yr.start, yr.end, xr.end).map_err(&e)?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::MiddleRight)
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
