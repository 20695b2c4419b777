//! `timeline.svg`: one boot as lanes — the wait for the kernel, boot-level phases, each
//! cloud-init stage, its longest modules, marker sub-phases, the agent's register call — with
//! milestones as ticks and the timeouts as vertical lines. The time axis fits the boot into the
//! fixed width whatever its length (a 15-minute boot does not become 90,000 pixels wide).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    axis_secs, draw_err, draw_marks, font, text_width, time_axis_title, ChartError, Kind,
    AXIS_SIZE, LABEL_SIZE, PALETTE, TITLE_SIZE, WIDTH,
};
use crate::report::figures::{fmt_secs, Figures, LineKind};

const LANE_PX: u32 = 28;
const TICK_ROW_PX: i32 = 20;

/// Greedy rows for tick labels so that none overlaps another: each label goes to the first
/// row whose last label ends left of it.
fn tick_rows(xs: &[(i32, i32)]) -> Vec<usize> {
    let mut ends: Vec<i32> = Vec::new();
    xs.iter()
        .map(|&(x0, x1)| match ends.iter().position(|&e| e + 8 < x0) {
            Some(r) => {
                ends[r] = x1;
                r
            }
            None => {
                ends.push(x1);
                ends.len() - 1
            }
        })
        .collect()
}

pub(super) fn draw(f: &Figures) -> Result<(String, String), ChartError> {
    let Some(l) = &f.lanes else {
        return Err(ChartError::NoData(
            Kind::Timeline,
            format!("class {} has no healthy boot to draw", f.class),
        ));
    };
    let title = format!("Boot of {} (class {}), lane by lane", l.instance, f.class);
    let e = draw_err(Kind::Timeline);
    let marks: Vec<_> = f
        .marks
        .iter()
        .filter(|m| m.kind != LineKind::Stuck || m.secs <= l.end_secs * 1.5)
        .cloned()
        .collect();
    let x_hi = marks.iter().map(|m| m.secs).fold(l.end_secs, f64::max) * 1.06;
    let n = l.lanes.len().max(1);
    let lane_labels: Vec<String> = l
        .lanes
        .iter()
        .map(|lane| {
            format!(
                "{} ({} s)",
                lane.label,
                fmt_secs(round1(lane.end - lane.start))
            )
        })
        .collect();
    // The label column is as wide as its widest label, by plotters' estimate.
    let label_area = lane_labels
        .iter()
        .map(|s| text_width(LABEL_SIZE, s))
        .max()
        .unwrap_or(0)
        .max(120) as u32
        + 24;
    // Label rows above the lanes: milestone ticks, then the timeout labels.
    let probe = |x: f64| label_area as i32 + ((WIDTH - label_area - 20) as f64 * x / x_hi) as i32;
    let tick_spans: Vec<(i32, i32)> = l
        .ticks
        .iter()
        .map(|(name, at)| {
            let w = text_width(LABEL_SIZE, &tick_label(name, *at));
            let x = probe(*at);
            (x - w / 2, x + w / 2)
        })
        .collect();
    let rows = tick_rows(&tick_spans);
    let n_rows = rows.iter().max().map_or(0, |r| r + 1) as i32;
    let marks_band = 20 * marks.len() as i32 + 8;
    let top = 56 + n_rows * TICK_ROW_PX + marks_band;
    let height = top as u32 + n as u32 * LANE_PX + 72;
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
        let mut chart = ChartBuilder::on(&root)
            .margin_top(top as u32)
            .margin_left(0)
            .margin_right(20)
            .margin_bottom(8)
            .x_label_area_size(56)
            .y_label_area_size(label_area)
            .build_cartesian_2d(0.0..x_hi, 0.0..n as f64)
            .map_err(&e)?;
        let fmt = axis_secs(x_hi);
        chart
            .configure_mesh()
            .x_desc(time_axis_title("time since launch"))
            .axis_desc_style(font(AXIS_SIZE))
            .label_style(font(LABEL_SIZE))
            .x_label_formatter(&fmt)
            .y_labels(0)
            .disable_y_mesh()
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(&e)?;
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let min_w = x_hi / f64::from(xr.end - xr.start) * 2.0;
        for (i, lane) in l.lanes.iter().enumerate() {
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
            root.draw(&Text::new(
                lane_labels[i].clone(),
                (xr.start - 8, py),
                font(LABEL_SIZE).pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(&e)?;
        }
        let grey = RGBColor(0x55, 0x55, 0x55);
        // Lines first, then the labels on white, so no line runs through a label.
        for ((_, at), row) in l.ticks.iter().zip(&rows) {
            let (px, _) = chart.backend_coord(&(*at, 0.0));
            let y_label = 52 + *row as i32 * TICK_ROW_PX;
            root.draw(&PathElement::new(
                vec![(px, y_label + 18), (px, yr.end)],
                ShapeStyle::from(&grey.mix(0.5)).stroke_width(1),
            ))
            .map_err(&e)?;
        }
        for ((name, at), row) in l.ticks.iter().zip(&rows) {
            let (px, _) = chart.backend_coord(&(*at, 0.0));
            let y_label = 52 + *row as i32 * TICK_ROW_PX;
            let label = tick_label(name, *at);
            let w = text_width(LABEL_SIZE, &label);
            let cx = px.clamp(w / 2 + 2, WIDTH as i32 - w / 2 - 2);
            root.draw(&Rectangle::new(
                [
                    (cx - w / 2 - 3, y_label - 1),
                    (cx + w / 2 + 3, y_label + 17),
                ],
                WHITE.filled(),
            ))
            .map_err(&e)?;
            root.draw(&Text::new(
                label,
                (cx, y_label),
                font(LABEL_SIZE)
                    .color(&grey)
                    .pos(Pos::new(HPos::Center, VPos::Top)),
            ))
            .map_err(&e)?;
        }
        let placed: Vec<_> = marks
            .iter()
            .map(|m| (m.clone(), chart.backend_coord(&(m.secs, 0.0)).0))
            .collect();
        draw_marks(&root, &placed, top - marks_band, yr.end, xr.end).map_err(&e)?;
        root.present().map_err(&e)?;
    }
    Ok((title, svg))
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn tick_label(name: &str, at: f64) -> String {
    format!("{} {}", name.replace('_', " "), fmt_secs(round1(at)))
}
