//! `waterfall.svg`: the fleet, one thin row per boot sorted by latency (fastest at the top),
//! coloured by phase, with the timeout and stuck lines: the picture of where the tail comes from.

use plotters::prelude::*;

use super::frame::{self, axes, canvas, Frame, Legend, Swatch, UNDER_PLOT};
use super::{axis_secs, draw_err, mark_band, time_axis_title, ChartError, Kind, PALETTE};
use crate::render::escape::{chart_label, terminal};
use crate::report::figures::Figures;
use crate::timeline::Outcome;

/// Pixel rows per boot: thin for a fleet, thicker for a handful.
fn row_px(n: usize) -> u32 {
    (600 / n.max(1)).clamp(1, 12) as u32
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
    let title = if w.every > 1 {
        format!(
            "Every boot of class {} by latency ({} boots; every {}th shown)",
            chart_label(&f.class),
            w.n_boots,
            w.every
        )
    } else {
        format!(
            "Every boot of class {} by latency ({} boots)",
            chart_label(&f.class),
            w.n_boots
        )
    };
    let e = draw_err(kind);
    let end_mark = RGBColor(0x55, 0x55, 0x55);
    let frame = Frame {
        margin_left: 16,
        y_label_px: 70,
        margin_right: 16,
    };
    let mut entries: Vec<(String, Swatch)> = w
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| (c.clone(), Swatch::Fill(PALETTE[i % PALETTE.len()].into())))
        .collect();
    entries.push((
        "end of a boot that did not register".into(),
        Swatch::Fill(end_mark.into()),
    ));
    let legend = Legend::new(entries, frame.plot_left(), frame::BELOW_TITLE);
    let (x_lo, x_hi) = (0.0, w.x_max_secs);
    let (band, _) = mark_band(&frame, &f.marks, x_lo..x_hi, kind)?;
    let (band_top, plot_top) = frame::stack(&legend, &band);
    let n = w.rows.len();
    let height = plot_top as u32 + n as u32 * row_px(n) + UNDER_PLOT;
    let mut svg = String::new();
    {
        let root = canvas(&mut svg, height, &title, kind)?;
        legend.draw(&root, kind)?;
        let mut chart = frame.build(&root, plot_top, x_lo..x_hi, 0.0..n as f64, kind)?;
        let fmt = axis_secs(x_hi - x_lo);
        // Ranks of boots, not of rows: with every k-th boot shown, row i is boot i·k.
        let rank = |v: &f64| {
            let boot = (n as f64 - v) * w.every as f64;
            format!("{:.0}", boot.min(w.n_boots as f64))
        };
        axes(&mut chart, &time_axis_title("time since launch"))
            .y_desc("boots by latency (rank)")
            .x_label_formatter(&fmt)
            .y_label_formatter(&rank)
            .disable_y_mesh()
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
        let (_, yr) = chart.plotting_area().get_pixel_range();
        band.draw(&root, band_top, yr.end, kind)?;
        root.present().map_err(&e)?;
    }
    Ok((title, svg))
}
