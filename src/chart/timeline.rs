//! `timeline.svg`: one boot as lanes — the wait for the kernel, boot-level phases, each
//! cloud-init stage, its longest modules, marker sub-phases, the agent's register call — with
//! milestones as ticks and the timeouts as vertical lines. The time axis fits the boot into the
//! fixed width whatever its length (a 15-minute boot does not become 90,000 pixels wide).

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::flags::{Band, Flag};
use super::frame::{
    self, axes, canvas, name_column_px, row_name, Frame, Legend, Plot, Root, FLAG_BOUNDS,
};
use super::{axis_secs, draw_err, mark_flags, time_axis_title, ChartError, Kind, PALETTE};
use crate::render::escape::{chart_label, terminal};
use crate::render::numbers::secs_plain;
use crate::report::figures::{Figures, Lane, Lanes, LineKind, TimeMark};

const LANE_PX: i32 = 28;
/// The colour of milestone lines and their labels.
const MILESTONE: RGBColor = RGBColor(0x66, 0x66, 0x66);

pub(super) fn draw(f: &Figures) -> Result<(String, String), ChartError> {
    let kind = Kind::Timeline;
    let Some(l) = &f.lanes else {
        return Err(ChartError::NoData(
            kind,
            format!("class {} has no healthy boot to draw", terminal(&f.class)),
        ));
    };
    let title = format!(
        "Boot of {} (class {}), lane by lane",
        chart_label(&l.instance),
        chart_label(&f.class)
    );
    let e = draw_err(kind);
    let marks: Vec<_> = f
        .marks
        .iter()
        .filter(|m| m.kind != LineKind::Stuck || m.secs <= l.end_secs * 1.5)
        .cloned()
        .collect();
    let x_hi = marks.iter().map(|m| m.secs).fold(l.end_secs, f64::max) * 1.06;
    let n = l.lanes.len().max(1);
    let lane_labels = lane_labels(l);
    let frame = Frame {
        margin_left: 0,
        y_label_px: name_column_px(lane_labels.iter().map(String::as_str)),
        margin_right: 20,
    };
    // Milestones and timeouts label their lines in one band above the lanes; milestones off
    // the axis (an instance deleted an hour later) are named in the axis title instead of
    // stretching the boot to fit them.
    let (ticks, off_axis): (Vec<_>, Vec<_>) = milestones(&l.ticks)
        .into_iter()
        .partition(|(_, at)| (0.0..=x_hi).contains(at));
    let flags = flags(&frame, &ticks, &marks, x_hi, kind)?;
    let band = Band::new(&flags, FLAG_BOUNDS);
    let (band_top, plot_top) = frame::stack(&Legend::new(Vec::new(), 0, 0), &band);
    let height = (plot_top + n as i32 * LANE_PX) as u32 + frame::UNDER_PLOT;
    let mut svg = String::new();
    {
        let root = canvas(&mut svg, height, &title, kind)?;
        let mut chart = frame.build(&root, plot_top, 0.0..x_hi, 0.0..n as f64, kind)?;
        let fmt = axis_secs(x_hi);
        axes(&mut chart, &x_title(&off_axis))
            .x_label_formatter(&fmt)
            .y_labels(0)
            .disable_y_mesh()
            .draw()
            .map_err(&e)?;
        draw_lanes(&root, &mut chart, &l.lanes, &lane_labels, x_hi, kind)?;
        let (_, yr) = chart.plotting_area().get_pixel_range();
        band.draw(&root, band_top, yr.end, kind)?;
        root.present().map_err(&e)?;
    }
    Ok((title, svg))
}

/// Each lane's label: its name and how long it ran.
fn lane_labels(l: &Lanes) -> Vec<String> {
    l.lanes
        .iter()
        .map(|lane| {
            format!(
                "{} ({} s)",
                chart_label(&lane.label),
                secs_plain(round1(lane.end - lane.start))
            )
        })
        .collect()
}

/// The time axis's title, naming the milestones that fall off the axis.
fn x_title(off_axis: &[(String, f64)]) -> String {
    match off_axis {
        [] => time_axis_title("time since launch"),
        off => format!(
            "{}; off the axis: {}",
            time_axis_title("time since launch"),
            off.iter()
                .map(|(label, _)| format!("{label} s"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The flags above the lanes: the milestones on the axis, then the timeouts.
fn flags(
    frame: &Frame,
    ticks: &[(String, f64)],
    marks: &[TimeMark],
    x_hi: f64,
    kind: Kind,
) -> Result<Vec<Flag>, ChartError> {
    let tick_secs: Vec<f64> = ticks.iter().map(|t| t.1).collect();
    let tick_px = frame.x_pixels(0.0..x_hi, &tick_secs, kind)?;
    let mark_secs: Vec<f64> = marks.iter().map(|m| m.secs).collect();
    let mark_px = frame.x_pixels(0.0..x_hi, &mark_secs, kind)?;
    let mut flags: Vec<Flag> = ticks
        .iter()
        .zip(&tick_px)
        .map(|((label, _), x)| Flag {
            x: *x,
            text: label.clone(),
            colour: MILESTONE,
            stroke: 1,
        })
        .collect();
    flags.extend(mark_flags(marks, &mark_px));
    Ok(flags)
}

/// Draws each lane as a bar (at least two pixels wide, so an instant phase shows) with its
/// label in the name column.
fn draw_lanes(
    root: &Root<'_>,
    chart: &mut Plot<'_, RangedCoordf64>,
    lanes: &[Lane],
    labels: &[String],
    x_hi: f64,
    kind: Kind,
) -> Result<(), ChartError> {
    let e = draw_err(kind);
    let n = lanes.len().max(1);
    let (xr, _) = chart.plotting_area().get_pixel_range();
    let min_w = x_hi / f64::from(xr.end - xr.start) * 2.0;
    for (i, (lane, label)) in lanes.iter().zip(labels).enumerate() {
        let (y0, y1) = ((n - i - 1) as f64 + 0.15, (n - i) as f64 - 0.15);
        let colour = PALETTE[lane.category % PALETTE.len()];
        let end = lane.end.max(lane.start + min_w);
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(lane.start, y0), (end, y1)],
                colour.filled(),
            )))
            .map_err(&e)?;
        let (_, py) = chart.backend_coord(&(0.0, (n - i) as f64 - 0.5));
        row_name(root, label, xr.start, py, kind)?;
    }
    Ok(())
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// Milestone labels with their times, those at the same (rounded) time named together
/// (`failed, timed out 630`).
fn milestones(ticks: &[(String, f64)]) -> Vec<(String, f64)> {
    let mut sorted: Vec<(String, f64)> = ticks
        .iter()
        .map(|(name, at)| (chart_label(name).replace('_', " "), round1(*at)))
        .collect();
    sorted.sort_by(|a, b| a.1.total_cmp(&b.1));
    let mut out: Vec<(Vec<String>, f64)> = Vec::new();
    for (name, at) in sorted {
        match out.last_mut() {
            Some((names, t)) if *t == at => names.push(name),
            Some(_) | None => out.push((vec![name], at)),
        }
    }
    out.into_iter()
        .map(|(names, at)| (format!("{} {}", names.join(", "), secs_plain(at)), at))
        .collect()
}
