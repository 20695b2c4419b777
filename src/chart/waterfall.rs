//! `waterfall.svg`: the fleet, one thin row per boot sorted by latency (fastest at the top),
//! coloured by phase, with the timeout and stuck lines: the picture of where the tail comes from.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    axis_secs, draw_err, draw_marks, font, text_width, time_axis_title, ChartError, Kind,
    AXIS_SIZE, LABEL_SIZE, PALETTE, TITLE_SIZE, WIDTH,
};
use crate::report::figures::Figures;
use crate::timeline::Outcome;

const LEFT: u32 = 86;
const RIGHT_MARGIN: i32 = 16;

/// Pixel rows per boot: thin for a fleet, thicker for a handful.
fn row_px(n: usize) -> u32 {
    (600 / n.max(1)).clamp(1, 12) as u32
}

/// Legend entries laid out left to right, wrapped; returns (label, colour, x, y) and the height.
fn legend_layout(
    entries: &[(String, RGBColor)],
    top: i32,
) -> (Vec<(String, RGBColor, i32, i32)>, i32) {
    let mut out = Vec::new();
    let (mut x, mut y) = (LEFT as i32, top);
    for (label, colour) in entries {
        let w = 26 + text_width(LABEL_SIZE, label) + 18;
        if x + w > WIDTH as i32 - RIGHT_MARGIN && x > LEFT as i32 {
            x = LEFT as i32;
            y += 22;
        }
        out.push((label.clone(), *colour, x, y));
        x += w;
    }
    (out, y + 22 - top)
}

pub(super) fn draw(f: &Figures) -> Result<(String, String), ChartError> {
    let w = &f.waterfall;
    if w.rows.is_empty() {
        return Err(ChartError::NoData(
            Kind::Waterfall,
            format!("class {} has no boot with an end time", f.class),
        ));
    }
    let title = if w.every > 1 {
        format!(
            "Every boot of class {} by latency ({} boots; every {}th shown)",
            f.class, w.n_boots, w.every
        )
    } else {
        format!(
            "Every boot of class {} by latency ({} boots)",
            f.class, w.n_boots
        )
    };
    let e = draw_err(Kind::Waterfall);
    let end_mark = RGBColor(0x11, 0x11, 0x11);
    let mut entries: Vec<(String, RGBColor)> = w
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| (c.clone(), PALETTE[i % PALETTE.len()]))
        .collect();
    entries.push(("end of a boot that did not register".into(), end_mark));
    let (legend, legend_h) = legend_layout(&entries, 52);
    let n = w.rows.len();
    let plot_h = n as u32 * row_px(n);
    let top = 52 + legend_h as u32 + 80;
    let height = top + plot_h + 64;
    let (x_lo, x_hi) = (0.0, w.x_max_secs);
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
        for (label, colour, x, y) in &legend {
            root.draw(&Rectangle::new(
                [(*x, *y + 2), (*x + 20, *y + 14)],
                colour.filled(),
            ))
            .map_err(&e)?;
            root.draw(&Text::new(
                label.clone(),
                (*x + 26, *y + 1),
                font(LABEL_SIZE).pos(Pos::new(HPos::Left, VPos::Top)),
            ))
            .map_err(&e)?;
        }
        let mut chart = ChartBuilder::on(&root)
            .margin_top(top - 16)
            .margin_left(16)
            .margin_right(RIGHT_MARGIN as u32)
            .margin_bottom(8)
            .x_label_area_size(56)
            .y_label_area_size(LEFT - 16)
            .build_cartesian_2d(x_lo..x_hi, 0.0..n as f64)
            .map_err(&e)?;
        let fmt = axis_secs(x_hi - x_lo);
        let rank = |v: &f64| format!("{:.0}", n as f64 - v);
        chart
            .configure_mesh()
            .x_desc(time_axis_title("time since launch"))
            .y_desc("boots by latency (rank)")
            .axis_desc_style(font(AXIS_SIZE))
            .label_style(font(LABEL_SIZE))
            .x_label_formatter(&fmt)
            .y_label_formatter(&rank)
            .disable_y_mesh()
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(&e)?;
        let tick = (x_hi - x_lo) * 0.004;
        for (i, row) in w.rows.iter().enumerate() {
            let (y0, y1) = ((n - i - 1) as f64, (n - i) as f64);
            chart
                .draw_series(row.spans.iter().map(|s| {
                    Rectangle::new(
                        [(s.start, y0), (s.end.min(x_hi), y1)],
                        PALETTE[s.category % PALETTE.len()].filled(),
                    )
                }))
                .map_err(&e)?;
            let healthy = matches!(row.outcome, Outcome::Registered | Outcome::FalseFailed);
            if !healthy {
                let end = row.end_secs.min(x_hi);
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [((end - tick).max(x_lo), y0), (end, y1)],
                        end_mark.filled(),
                    )))
                    .map_err(&e)?;
            }
        }
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let marks: Vec<_> = f
            .marks
            .iter()
            .filter(|m| m.secs >= x_lo && m.secs <= x_hi)
            .map(|m| (m.clone(), chart.backend_coord(&(m.secs, 0.0)).0))
            .collect();
        // Labels above the rows, where no boot is drawn.
        draw_marks(&root, &marks, yr.start - 64, yr.end, xr.end).map_err(&e)?;
        root.present().map_err(&e)?;
    }
    Ok((title, svg))
}
