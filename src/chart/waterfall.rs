//! `waterfall.svg`: the boots that matter to the timeout, one row each, coloured by phase, with
//! the timeout and stuck lines — the slowest healthy boots by latency (fastest at the top), then
//! every boot that did not register: killed, stuck, crashed, each group in its own band and
//! named at the left. How many healthy boots are left out, and below what latency, is said
//! under the axis.

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::frame::{self, axes, canvas, row_name, Frame, Legend, Plot, Root, Swatch, UNDER_PLOT};
use super::{axis_secs, draw_err, mark_band, phase_colour, ChartError, Kind};
use crate::render::escape::{chart_label, terminal};
use crate::render::numbers::secs_plain;
use crate::report::figures::{row_group, Figures, Row, Waterfall};
use crate::timeline::Outcome;

/// The colour of the end mark of a boot that did not register.
const END_MARK: RGBColor = RGBColor(0x55, 0x55, 0x55);
/// The colour of the lines between groups.
const RULE: RGBColor = RGBColor(0x33, 0x33, 0x33);

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
    let groups = groups(&w.rows);
    let frame = Frame {
        margin_left: 0,
        y_label_px: frame::name_column_px(groups.iter().map(|g| g.0.as_str())),
        margin_right: 16,
    };
    let legend = Legend::new(legend_entries(w), frame.plot_left(), frame::BELOW_TITLE);
    let x = 0.0..w.x_max_secs;
    let (band, _) = mark_band(&frame, &f.marks, x.clone(), kind)?;
    let (band_top, plot_top) = frame::stack(&legend, &band);
    let n = w.rows.len();
    let height = plot_top as u32 + n as u32 * row_px(n) + UNDER_PLOT;
    let mut svg = String::new();
    {
        let root = canvas(&mut svg, height, &title, kind)?;
        legend.draw(&root, kind)?;
        let mut chart = frame.build(&root, plot_top, x.clone(), 0.0..n as f64, kind)?;
        let fmt = axis_secs(x.end);
        axes(&mut chart, &x_title(w))
            .x_label_formatter(&fmt)
            .y_labels(0)
            .disable_y_mesh()
            .draw()
            .map_err(draw_err(kind))?;
        draw_rows(&mut chart, w)?;
        draw_groups(&root, &mut chart, &groups, n)?;
        let (_, yr) = chart.plotting_area().get_pixel_range();
        band.draw(&root, band_top, yr.end, kind)?;
        root.present().map_err(draw_err(kind))?;
    }
    Ok((title, svg))
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

/// The name of each group of rows with its first row and its count, top to bottom.
fn groups(rows: &[Row]) -> Vec<(String, usize, usize)> {
    let mut out: Vec<(String, usize, usize)> = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let name = match row_group(r.outcome) {
            0 => "healthy, slowest",
            1 => "killed by the sweep",
            2 => "stuck",
            3 => "crashed",
            _ => "outcome unknown",
        };
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

/// Each row's phases, and an end mark on a boot that did not register.
fn draw_rows(chart: &mut Plot<'_, RangedCoordf64>, w: &Waterfall) -> Result<(), ChartError> {
    let e = draw_err(Kind::Waterfall);
    let n = w.rows.len();
    let x_hi = w.x_max_secs;
    let tick = x_hi * 0.004;
    for (i, row) in w.rows.iter().enumerate() {
        let (y0, y1) = ((n - i - 1) as f64, (n - i) as f64);
        chart
            .draw_series(row.spans.iter().map(|s| {
                let colour = phase_colour(w.categories.get(s.category).map_or("", |c| c));
                Rectangle::new([(s.start, y0), (s.end.min(x_hi), y1)], colour.filled())
            }))
            .map_err(&e)?;
        if !matches!(row.outcome, Outcome::Registered | Outcome::FalseFailed) {
            let end = row.end_secs.min(x_hi);
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
