//! `timeline.svg`: one boot as lanes — the wait for the kernel, boot-level phases, each
//! cloud-init stage, its longest modules, marker sub-phases, the agent's register call — with
//! milestones as ticks and the timeouts as vertical lines. The time axis fits the boot into the
//! fixed width whatever its length (a 15-minute boot does not become 90,000 pixels wide).

use std::ops::Range;

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::flags::{Band, Flag};
use super::frame::{
    self, axes, canvas, name_column_px, row_name, Frame, Legend, Plot, Root, FLAG_BOUNDS,
};
use super::{
    axis_secs, draw_err, font, mark_flags, phase_colour, time_axis_title, ChartError, Kind,
    LABEL_SIZE,
};
use crate::render::escape::{chart_label, terminal};
use crate::render::numbers::secs_plain;
use crate::report::figures::{Figures, Lane, Lanes, LineKind, TimeMark};
use crate::timeline::Outcome;

const LANE_PX: i32 = 28;
/// Height of the line saying what the boot shows, under the title, pixels.
const CAPTION_PX: i32 = 26;
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
    let marks = visible_marks(&f.marks, l);
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
    let band = Band::new(
        &flags(&frame, &ticks, &marks, 0.0..x_hi, kind)?,
        FLAG_BOUNDS,
    );
    let (band_top, plot_top) = frame::stack(&Legend::new(Vec::new(), 0, 0), &band);
    let (band_top, plot_top) = (band_top + CAPTION_PX, plot_top + CAPTION_PX);
    let lanes_px = (plot_top + n as i32 * LANE_PX) as u32 + frame::UNDER_PLOT;
    let close = close_up(&frame, &ticks, &marks, x_hi)?;
    let close_px = close.as_ref().map_or(0, |(_, b)| close_up_px(b));
    let mut svg = String::new();
    {
        let root = canvas(&mut svg, lanes_px + close_px, &title, kind)?;
        draw_caption(&root, &caption(l, &marks), kind)?;
        let (upper, lower) = root.split_vertically(lanes_px);
        let at = (plot_top, 0.0..x_hi, 0.0..n as f64);
        let mut chart = lanes_plot(&upper, &frame, at, &x_title(&off_axis))?;
        let lanes = (&l.lanes[..], &f.waterfall.categories[..]);
        draw_lanes(&root, &mut chart, lanes, &lane_labels, x_hi, kind)?;
        let (_, yr) = chart.plotting_area().get_pixel_range();
        band.draw(&root, band_top, yr.end, kind)?;
        if let Some((range, band)) = close {
            draw_close_up(&lower, &frame, range, &band)?;
        }
        root.present().map_err(&e)?;
    }
    Ok((title, svg))
}

/// The time marks drawn: the stuck line only when near the boot's end, so a short boot is not
/// drawn tiny.
fn visible_marks(marks: &[TimeMark], l: &Lanes) -> Vec<TimeMark> {
    (marks.iter())
        .filter(|m| m.kind != LineKind::Stuck || m.secs <= l.end_secs * 1.5)
        .cloned()
        .collect()
}

/// The lanes' plot from `top` over `x` and `y`, with its time axis titled `x_title`.
fn lanes_plot<'s>(
    area: &Root<'s>,
    frame: &Frame,
    (top, x, y): (i32, Range<f64>, Range<f64>),
    x_title: &str,
) -> Result<Plot<'s, RangedCoordf64>, ChartError> {
    let x_hi = x.end;
    let mut chart = frame.build(area, top, x, y, Kind::Timeline)?;
    axes(&mut chart, x_title)
        .x_label_formatter(&axis_secs(x_hi))
        .y_labels(0)
        .disable_y_mesh()
        .draw()
        .map_err(draw_err(Kind::Timeline))?;
    Ok(chart)
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

/// The flags over an axis across `x`: the milestones in it, then the timeouts.
fn flags(
    frame: &Frame,
    ticks: &[(String, f64)],
    marks: &[TimeMark],
    x: Range<f64>,
    kind: Kind,
) -> Result<Vec<Flag>, ChartError> {
    let inside = |t: &f64| x.contains(t) || *t == x.end;
    let ticks: Vec<&(String, f64)> = ticks.iter().filter(|t| inside(&t.1)).collect();
    let marks: Vec<TimeMark> = marks.iter().filter(|m| inside(&m.secs)).cloned().collect();
    let tick_secs: Vec<f64> = ticks.iter().map(|t| t.1).collect();
    let tick_px = frame.x_pixels(x.clone(), &tick_secs, kind)?;
    let mark_secs: Vec<f64> = marks.iter().map(|m| m.secs).collect();
    let mark_px = frame.x_pixels(x, &mark_secs, kind)?;
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
    flags.extend(mark_flags(&marks, &mark_px));
    Ok(flags)
}

/// Milestones closer than this share of the axis cannot be told apart on it.
const CLOSE_SHARE: f64 = 0.01;
/// Height of the close-up's plot, pixels.
const CLOSE_UP_PLOT_PX: i32 = 24;
/// Height of the close-up's heading, pixels.
const CLOSE_UP_HEADING_PX: i32 = 28;

/// The range of a close-up on the largest run of milestones at different times, each closer
/// than [`CLOSE_SHARE`] of the axis to the next (`failed 630`, `boot finished 632.5`,
/// `registered 635`), with a margin each side; `None` when every milestone stands apart.
fn close_up_range(ticks: &[(String, f64)], x_hi: f64) -> Option<Range<f64>> {
    let close = x_hi * CLOSE_SHARE;
    let times: Vec<f64> = ticks.iter().map(|t| t.1).collect();
    let (lo, hi) = times
        .chunk_by(|a, b| b - a < close)
        .filter(|run| run.len() > 1)
        .max_by_key(|run| run.len())
        .map(|run| (run[0], run[run.len() - 1]))?;
    let pad = ((hi - lo) * 0.6).max(1.0);
    Some((lo - pad).max(0.0)..hi + pad)
}

/// The close-up's range and its band of labels, when milestones lie too close to tell apart.
fn close_up(
    frame: &Frame,
    ticks: &[(String, f64)],
    marks: &[TimeMark],
    x_hi: f64,
) -> Result<Option<(Range<f64>, Band)>, ChartError> {
    let Some(range) = close_up_range(ticks, x_hi) else {
        return Ok(None);
    };
    let flags = flags(frame, ticks, marks, range.clone(), Kind::Timeline)?;
    Ok(Some((range, Band::new(&flags, FLAG_BOUNDS))))
}

/// Height of the close-up panel with its band of labels, pixels.
fn close_up_px(band: &Band) -> u32 {
    (CLOSE_UP_HEADING_PX + band.height() + 4 + CLOSE_UP_PLOT_PX) as u32 + frame::UNDER_PLOT
}

/// The close-up under the lanes: the close milestones each on its own line and label, over
/// an axis of a few seconds.
fn draw_close_up(
    lower: &Root<'_>,
    frame: &Frame,
    x: Range<f64>,
    band: &Band,
) -> Result<(), ChartError> {
    let kind = Kind::Timeline;
    lower
        .draw(&Text::new(
            format!(
                "Close-up of {} s to {} s, where milestones lie too close to tell apart above",
                secs_plain(round1(x.start)),
                secs_plain(round1(x.end))
            ),
            (frame.plot_left(), 4),
            font(LABEL_SIZE).pos(Pos::new(HPos::Left, VPos::Top)),
        ))
        .map_err(draw_err(kind))?;
    let top = CLOSE_UP_HEADING_PX + band.height() + 4;
    let mut chart = frame.build(lower, top, x.clone(), 0.0..1.0, kind)?;
    axes(&mut chart, &time_axis_title("time since launch"))
        .x_label_formatter(&axis_secs(x.end - x.start))
        .y_labels(0)
        .disable_y_mesh()
        .draw()
        .map_err(draw_err(kind))?;
    let (_, yr) = chart.plotting_area().get_pixel_range();
    let (_, base) = lower.get_base_pixel();
    band.draw(lower, CLOSE_UP_HEADING_PX, yr.end - base, kind)
}

/// Draws each lane as a bar (at least two pixels wide, so an instant phase shows) with its
/// label in the name column.
fn draw_lanes(
    root: &Root<'_>,
    chart: &mut Plot<'_, RangedCoordf64>,
    (lanes, categories): (&[Lane], &[String]),
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
        let colour = phase_colour(categories.get(lane.category).map_or("", |c| c));
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

/// What the boot shows, in words: when the sweep failed it and when (or whether) it
/// registered, against the current timeout.
fn caption(l: &Lanes, marks: &[TimeMark]) -> String {
    let at = |name: &str| l.ticks.iter().find(|(n, _)| n == name).map(|t| t.1);
    let failed = at("failed").or_else(|| at("timed_out"));
    let current = marks.iter().find(|m| m.kind == LineKind::Current);
    let past = |t: f64| match current {
        Some(m) if t > m.secs => format!(
            " ({} s past the {} s timeout)",
            secs_plain(round1(t - m.secs)),
            secs_plain(m.secs)
        ),
        _ => String::new(),
    };
    match (l.outcome, failed, at("registered")) {
        (Some(Outcome::FalseFailed), Some(f), Some(r)) => format!(
            "Failed by the sweep at {} s, registered {} s later{}: a healthy boot the timeout failed",
            secs_plain(round1(f)),
            secs_plain(round1(r - f)),
            past(r)
        ),
        (_, _, Some(r)) => format!("Registered at {} s{}", secs_plain(round1(r)), past(r)),
        (_, Some(f), None) => format!(
            "Failed by the sweep at {} s; never seen registering",
            secs_plain(round1(f))
        ),
        _ => format!("Last seen at {} s", secs_plain(round1(l.end_secs))),
    }
}

/// The caption, centred under the title.
fn draw_caption(root: &Root<'_>, text: &str, kind: Kind) -> Result<(), ChartError> {
    root.draw(&Text::new(
        chart_label(text).into_owned(),
        (super::WIDTH as i32 / 2, frame::BELOW_TITLE - 6),
        font(LABEL_SIZE + 1.0).pos(Pos::new(HPos::Center, VPos::Top)),
    ))
    .map_err(draw_err(kind))
}
