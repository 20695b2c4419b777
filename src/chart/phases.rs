//! `phases.svg`: the phases with the slowest p99, each as nested bars (p99 lightest, p90, p50
//! darkest), labelled with their p99 and, where tail blame names them, their share of the slow
//! boots' excess latency.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::flags::Band;
use super::frame::{
    self, axes, canvas, name_column_px, row_name, Frame, Legend, Swatch, UNDER_PLOT,
};
use super::{draw_err, font, text_width, ChartError, Kind, LABEL_SIZE};
use crate::render::escape::{chart_label, terminal};
use crate::report::figures::Figures;

const BAR_PX: i32 = 34;

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
    let e = draw_err(kind);
    let n = bars.len();
    let names: Vec<_> = bars.iter().map(|b| chart_label(&b.phase)).collect();
    let labels: Vec<String> = bars
        .iter()
        .map(|b| match b.blame_share.filter(|s| s.abs() >= 0.005) {
            // A share is within its level: a module's and its stage's do not add up.
            Some(s) => format!(
                "p99 {:.1} s · {:.0} % of the {} tail excess",
                b.p99,
                100.0 * s,
                b.blame_level.as_deref().unwrap_or("").replace('_', "-")
            ),
            None => format!("p99 {:.1} s", b.p99),
        })
        .collect();
    let frame = Frame {
        margin_left: 0,
        y_label_px: name_column_px(names.iter().map(|n| n.as_ref())),
        margin_right: 36,
    };
    let widest = labels
        .iter()
        .map(|l| text_width(LABEL_SIZE, l))
        .max()
        .unwrap_or(0);
    let x_top = bars.iter().map(|b| b.p99).fold(1.0f64, f64::max);
    let plot_w = f64::from(super::WIDTH) - f64::from(frame.plot_left()) - 36.0;
    // Room to the right of the longest bar for its label.
    let x_hi = x_top * plot_w / (plot_w - f64::from(widest) - 12.0).max(plot_w / 3.0);
    let shades = [
        ("p99", RGBColor(0xc6, 0xdb, 0xef)),
        ("p90", RGBColor(0x6b, 0xae, 0xd6)),
        ("p50", RGBColor(0x21, 0x71, 0xb5)),
    ];
    let legend = Legend::new(
        shades
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
        axes(&mut chart, "duration (s)")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_labels(0)
            .disable_y_mesh()
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
            row_name(&root, &names[i], xr.start, py, kind)?;
        }
        root.present().map_err(&e)?;
    }
    Ok((title, svg))
}
