//! `phases.svg`: the phases with the slowest p99, each as nested bars (p99 lightest, p90, p50
//! darkest), labelled with their p99, the phase a nested one lies within (its time is part of
//! that phase's, never added to it) and, where tail blame names them, their share of the slow
//! boots' excess latency within its level.

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::flags::Band;
use super::frame::{
    self, axes, canvas, name_column_px, row_name, Frame, Legend, Plot, Root, Swatch, UNDER_PLOT,
};
use super::{draw_err, font, text_width, ChartError, Kind, LABEL_SIZE};
use crate::render::escape::{chart_label, terminal};
use crate::report::figures::{Figures, PhaseBar};

const BAR_PX: i32 = 34;

/// The shades of a bar, lightest (p99) to darkest (p50), with their legend names.
const SHADES: [(&str, RGBColor); 3] = [
    ("p99", RGBColor(0xc6, 0xdb, 0xef)),
    ("p90", RGBColor(0x6b, 0xae, 0xd6)),
    ("p50", RGBColor(0x21, 0x71, 0xb5)),
];

pub(super) fn draw(f: &Figures) -> Result<(String, String), ChartError> {
    let kind = Kind::Phases;
    let bars = &f.phases;
    if bars.is_empty() {
        return Err(ChartError::NoData(
            kind,
            format!("class {} has no finished phase", terminal(&f.class)),
        ));
    }
    let title = format!(
        "Slowest phases, class {} (boots with an exact latency)",
        chart_label(&f.class)
    );
    let n = bars.len();
    let names: Vec<String> = bars.iter().map(row_label).collect();
    let labels: Vec<String> = bars.iter().map(bar_label).collect();
    let frame = Frame {
        margin_left: 0,
        y_label_px: name_column_px(names.iter().map(String::as_str)),
        margin_right: 36,
    };
    let x_hi = x_hi(bars, &labels, &frame);
    let legend = Legend::new(
        SHADES
            .iter()
            .map(|(name, colour)| (name.to_string(), Swatch::Fill((*colour).into())))
            .collect(),
        frame.plot_left(),
        frame::BELOW_TITLE,
    );
    let (_, plot_top) = frame::stack(&legend, &Band::default());
    let height = (plot_top + n as i32 * BAR_PX) as u32 + UNDER_PLOT;
    let mut svg = String::new();
    {
        let root = canvas(&mut svg, height, &title, kind)?;
        legend.draw(&root, kind)?;
        let mut chart = frame.build(&root, plot_top, 0.0..x_hi, 0.0..n as f64, kind)?;
        axes(&mut chart, &axis_title(bars))
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_labels(0)
            .disable_y_mesh()
            .draw()
            .map_err(draw_err(kind))?;
        for (i, b) in bars.iter().enumerate() {
            draw_bar(
                &root,
                &mut chart,
                b,
                (n - i) as f64,
                (&names[i], &labels[i]),
            )?;
        }
        root.present().map_err(draw_err(kind))?;
    }
    Ok((title, svg))
}

/// A bar's name in the column left of it: a nested phase is marked as inside another.
fn row_label(b: &PhaseBar) -> String {
    match &b.within {
        Some(_) => format!("↳ {}", chart_label(&b.phase)),
        None => chart_label(&b.phase).into_owned(),
    }
}

/// The axis title: a nested phase's time is part of its parent's; and, when a nested phase's p99
/// exceeds its parent's, why: each phase's quantiles are taken over the boots that ran it.
fn axis_title(bars: &[PhaseBar]) -> String {
    let above_parent = bars.iter().any(|b| {
        let parent = b
            .within
            .as_ref()
            .and_then(|w| bars.iter().find(|p| p.phase == *w));
        parent.is_some_and(|p| b.p99 > p.p99)
    });
    if above_parent {
        "duration (s); a nested phase is part of its parent (p99s from different boots)".into()
    } else {
        "duration (s); a nested phase's time is part of its parent's".into()
    }
}

/// The label right of a bar: its p99, the phase it lies within, and its share of the tail
/// excess within its level (a module's and its stage's shares do not add up).
fn bar_label(b: &PhaseBar) -> String {
    let mut label = format!("p99 {:.1} s", b.p99);
    if let Some(parent) = &b.within {
        label.push_str(&format!(" · within {}", chart_label(parent)));
    }
    if let Some(s) = b.blame_share.filter(|s| s.abs() >= 0.005) {
        label.push_str(&format!(
            " · {:.0} % of the {} tail excess",
            100.0 * s,
            b.blame_level.as_deref().unwrap_or("").replace('_', "-")
        ));
    }
    label
}

/// Right end of the axis: room right of the longest bar for its label.
fn x_hi(bars: &[PhaseBar], labels: &[String], frame: &Frame) -> f64 {
    let widest = labels
        .iter()
        .map(|l| text_width(LABEL_SIZE, l))
        .max()
        .unwrap_or(0);
    let x_top = bars.iter().map(|b| b.p99).fold(1.0f64, f64::max);
    let plot_w = f64::from(super::WIDTH) - f64::from(frame.plot_left()) - 36.0;
    x_top * plot_w / (plot_w - f64::from(widest) - 12.0).max(plot_w / 3.0)
}

/// One phase's nested bars (p99 lightest, p50 darkest) at row top `y`, its label and name.
fn draw_bar(
    root: &Root<'_>,
    chart: &mut Plot<'_, RangedCoordf64>,
    b: &PhaseBar,
    y: f64,
    (name, label): (&str, &str),
) -> Result<(), ChartError> {
    let e = draw_err(Kind::Phases);
    let values = [(b.p99, 0.12), (b.p90, 0.22), (b.p50, 0.32)];
    for ((_, colour), (v, inset)) in SHADES.iter().zip(values) {
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(0.0, y - 1.0 + inset), (v, y - inset)],
                colour.filled(),
            )))
            .map_err(&e)?;
    }
    let (px, py) = chart.backend_coord(&(b.p99, y - 0.5));
    root.draw(&Text::new(
        label.to_string(),
        (px + 8, py),
        font(LABEL_SIZE).pos(Pos::new(HPos::Left, VPos::Center)),
    ))
    .map_err(&e)?;
    let (xr, _) = chart.plotting_area().get_pixel_range();
    row_name(root, name, xr.start, py, Kind::Phases)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(phase: &str, p99: f64, within: Option<&str>) -> PhaseBar {
        PhaseBar {
            phase: phase.to_string(),
            p50: p99 / 2.0,
            p90: p99 * 0.8,
            p99,
            blame_share: None,
            blame_level: None,
            within: within.map(str::to_string),
        }
    }

    #[test]
    fn a_nested_p99_above_its_parents_is_explained_under_the_axis() {
        let stage = bar("modules-final", 517.2, None);
        let above = bar(
            "modules-final/config-scripts_user",
            564.0,
            Some("modules-final"),
        );
        let below = bar(
            "modules-final/config-scripts_user",
            400.0,
            Some("modules-final"),
        );
        assert!(axis_title(&[above, stage.clone()]).contains("from different boots"));
        assert!(!axis_title(&[below, stage]).contains("different boots"));
    }
}
