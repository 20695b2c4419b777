//! `phases.svg`: the phases with the slowest p99, each as nested bars (p99 lightest, p90, p50
//! darkest), labelled with their p99 and, where tail blame names them, their share of the slow
//! boots' excess latency.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    draw_err, font, text_width, ChartError, Kind, AXIS_SIZE, LABEL_SIZE, TITLE_SIZE, WIDTH,
};
use crate::report::figures::Figures;

const BAR_PX: u32 = 34;

pub(super) fn draw(f: &Figures) -> Result<(String, String), ChartError> {
    let bars = &f.phases;
    if bars.is_empty() {
        return Err(ChartError::NoData(
            Kind::Phases,
            format!("class {} has no finished phase", f.class),
        ));
    }
    let title = format!(
        "Slowest phases, class {} (boots with an exact latency)",
        f.class
    );
    let e = draw_err(Kind::Phases);
    let n = bars.len();
    let labels: Vec<String> = bars
        .iter()
        .map(|b| match b.blame_share.filter(|s| s.abs() >= 0.005) {
            Some(s) => format!("p99 {:.1} s · {:.0} % of tail excess", b.p99, 100.0 * s),
            None => format!("p99 {:.1} s", b.p99),
        })
        .collect();
    // The name column is as wide as its widest name, by plotters' estimate.
    let label_area = bars
        .iter()
        .map(|b| text_width(LABEL_SIZE, &b.phase))
        .max()
        .unwrap_or(0)
        .max(120) as u32
        + 24;
    let widest = labels
        .iter()
        .map(|l| text_width(LABEL_SIZE, l))
        .max()
        .unwrap_or(0);
    let x_top = bars.iter().map(|b| b.p99).fold(1.0f64, f64::max);
    let plot_w = f64::from(WIDTH - label_area - 36);
    // Room to the right of the longest bar for its label.
    let x_hi = x_top * plot_w / (plot_w - f64::from(widest) - 12.0).max(plot_w / 3.0);
    let height = 110 + n as u32 * BAR_PX + 72;
    let shades = [
        ("p99", RGBColor(0xc6, 0xdb, 0xef)),
        ("p90", RGBColor(0x6b, 0xae, 0xd6)),
        ("p50", RGBColor(0x21, 0x71, 0xb5)),
    ];
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(&e)?;
        root.draw(&Text::new(
            title.clone(),
            (WIDTH as i32 / 2, 16),
            font(TITLE_SIZE).pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(&e)?;
        let mut x = label_area as i32;
        for (name, colour) in shades {
            root.draw(&Rectangle::new([(x, 61), (x + 20, 73)], colour.filled()))
                .map_err(&e)?;
            root.draw(&Text::new(
                name,
                (x + 26, 59),
                font(LABEL_SIZE).pos(Pos::new(HPos::Left, VPos::Top)),
            ))
            .map_err(&e)?;
            x += 90;
        }
        let mut chart = ChartBuilder::on(&root)
            .margin_top(100)
            .margin_left(0)
            .margin_right(36)
            .margin_bottom(8)
            .x_label_area_size(56)
            .y_label_area_size(label_area)
            .build_cartesian_2d(0.0..x_hi, 0.0..n as f64)
            .map_err(&e)?;
        chart
            .configure_mesh()
            .x_desc("duration (s)")
            .axis_desc_style(font(AXIS_SIZE))
            .label_style(font(LABEL_SIZE))
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_labels(0)
            .disable_y_mesh()
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(&e)?;
        let (xr, _) = chart.plotting_area().get_pixel_range();
        for (i, (b, label)) in bars.iter().zip(&labels).enumerate() {
            let y = (n - i) as f64;
            for ((_, colour), (v, inset)) in
                shades
                    .iter()
                    .zip([(b.p99, 0.12), (b.p90, 0.22), (b.p50, 0.32)])
            {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(0.0, y - 1.0 + inset), (v, y - inset)],
                        colour.filled(),
                    )))
                    .map_err(&e)?;
            }
            let (px, py) = chart.backend_coord(&(b.p99, y - 0.5));
            root.draw(&Text::new(
                label.clone(),
                (px + 8, py),
                font(LABEL_SIZE).pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(&e)?;
            root.draw(&Text::new(
                b.phase.clone(),
                (xr.start - 8, py),
                font(LABEL_SIZE).pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(&e)?;
        }
        root.present().map_err(&e)?;
    }
    Ok((title, svg))
}
