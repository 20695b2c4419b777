//! What every chart shares around its data: the canvas with its title, a legend laid out in
//! rows under the title (outside the plot, so it never hides data or a line), and the plot's
//! axes with their titles and tick labels.

use std::ops::Range;

use plotters::chart::MeshStyle;
use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::flags::Band;
use super::{
    draw_err, font, text_width, ChartError, Kind, AXIS_SIZE, LABEL_SIZE, TITLE_SIZE, WIDTH,
};

/// The drawing area of a chart written to a string.
pub(crate) type Root<'s> = DrawingArea<SVGBackend<'s>, Shift>;
/// A chart's plot with an f64 time (or duration) axis across.
pub(crate) type Plot<'s, Y> = ChartContext<'s, SVGBackend<'s>, Cartesian2d<RangedCoordf64, Y>>;

/// Top of the title, pixels.
const TITLE_TOP: i32 = 16;
/// Where the first thing under the title starts, pixels.
pub(crate) const BELOW_TITLE: i32 = 52;
/// Height of one legend row, pixels.
const LEGEND_ROW_PX: i32 = 22;
/// Width of a legend swatch, pixels.
const SWATCH_PX: i32 = 20;

/// A white canvas of the chart's fixed width with the title centred at the top.
pub(crate) fn canvas<'s>(
    svg: &'s mut String,
    height: u32,
    title: &str,
    kind: Kind,
) -> Result<Root<'s>, ChartError> {
    let root = SVGBackend::with_string(svg, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE).map_err(draw_err(kind))?;
    root.draw(&Text::new(
        title.to_string(),
        (WIDTH as i32 / 2, TITLE_TOP),
        font(TITLE_SIZE).pos(Pos::new(HPos::Center, VPos::Top)),
    ))
    .map_err(draw_err(kind))?;
    Ok(root)
}

/// How a legend entry shows what it names.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
    /// A filled box (bars, bands, shaded regions).
    Fill(RGBAColor),
    /// A short line (curves), of this stroke width.
    Line(RGBColor, u32),
    /// A short dashed line (reference lines drawn dashed), of this stroke width.
    Dashed(RGBColor, u32),
}

/// The legend: entries left to right from `left`, wrapped at the canvas's right edge.
#[derive(Debug, Clone)]
pub(crate) struct Legend {
    /// (label, swatch, x, y) of each entry, pixels.
    entries: Vec<(String, Swatch, i32, i32)>,
    /// Height of its rows, pixels (0 without entries).
    pub(crate) height: i32,
}

impl Legend {
    /// Lays the entries out from (`left`, `top`).
    pub(crate) fn new(entries: Vec<(String, Swatch)>, left: i32, top: i32) -> Legend {
        let right = WIDTH as i32 - 16;
        let (mut x, mut y) = (left, top);
        let mut placed = Vec::with_capacity(entries.len());
        for (label, swatch) in entries {
            let w = SWATCH_PX + 6 + text_width(LABEL_SIZE, &label) + 18;
            if x + w > right && x > left {
                x = left;
                y += LEGEND_ROW_PX;
            }
            placed.push((label, swatch, x, y));
            x += w;
        }
        let height = if placed.is_empty() {
            0
        } else {
            y + LEGEND_ROW_PX - top
        };
        Legend {
            entries: placed,
            height,
        }
    }

    /// Draws every entry.
    pub(crate) fn draw(&self, root: &Root<'_>, kind: Kind) -> Result<(), ChartError> {
        let e = draw_err(kind);
        for (label, swatch, x, y) in &self.entries {
            match *swatch {
                Swatch::Fill(colour) => root.draw(&Rectangle::new(
                    [(*x, *y + 2), (*x + SWATCH_PX, *y + 14)],
                    colour.filled(),
                )),
                Swatch::Line(colour, width) => root.draw(&PathElement::new(
                    vec![(*x, *y + 8), (*x + SWATCH_PX, *y + 8)],
                    ShapeStyle::from(&colour).stroke_width(width),
                )),
                Swatch::Dashed(colour, width) => {
                    root.draw(&plotters::element::DashedPathElement::new(
                        vec![(*x, *y + 8), (*x + SWATCH_PX, *y + 8)],
                        5,
                        3,
                        ShapeStyle::from(&colour).stroke_width(width),
                    ))
                }
            }
            .map_err(&e)?;
            root.draw(&Text::new(
                label.clone(),
                (*x + SWATCH_PX + 6, *y + 1),
                font(LABEL_SIZE).pos(Pos::new(HPos::Left, VPos::Top)),
            ))
            .map_err(&e)?;
        }
        Ok(())
    }
}

/// Where the plot sits across the canvas: margins and label areas, pixels. The vertical place
/// is given when the plot is built, once what stands above it is known.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    /// Margin left of the y labels.
    pub(crate) margin_left: u32,
    /// Width of the y labels and title (or of a column of row names).
    pub(crate) y_label_px: u32,
    /// Margin right of the plot.
    pub(crate) margin_right: u32,
}

/// Height of the x labels and the x axis title under the plot, pixels.
pub(crate) const X_LABEL_PX: u32 = 56;
/// Margin under the x axis title, pixels.
const MARGIN_BOTTOM: u32 = 8;
/// Everything a chart's height adds under its plot, pixels.
pub(crate) const UNDER_PLOT: u32 = X_LABEL_PX + MARGIN_BOTTOM;

impl Frame {
    /// The plot from `top` to `UNDER_PLOT` above the canvas's bottom, over `x` and `y`.
    pub(crate) fn build<'s, Y: AsRangedCoord>(
        &self,
        root: &Root<'s>,
        top: i32,
        x: Range<f64>,
        y: Y,
        kind: Kind,
    ) -> Result<Plot<'s, Y::CoordDescType>, ChartError> {
        ChartBuilder::on(root)
            .margin_top(top.max(0) as u32)
            .margin_left(self.margin_left)
            .margin_right(self.margin_right)
            .margin_bottom(MARGIN_BOTTOM)
            .x_label_area_size(X_LABEL_PX)
            .y_label_area_size(self.y_label_px)
            .build_cartesian_2d(x, y)
            .map_err(draw_err(kind))
    }

    /// The pixel columns of times on the x axis of a plot built over `x`, known before the
    /// canvas's height is (the label band above the plot needs them to find its height; the
    /// columns do not depend on the plot's top).
    pub(crate) fn x_pixels(
        &self,
        x: Range<f64>,
        secs: &[f64],
        kind: Kind,
    ) -> Result<Vec<i32>, ChartError> {
        let mut scratch = String::new();
        let root = SVGBackend::with_string(&mut scratch, (WIDTH, 200)).into_drawing_area();
        let probe = self.build(&root, 0, x, 0.0..1.0, kind)?;
        Ok(secs
            .iter()
            .map(|s| probe.backend_coord(&(*s, 0.0)).0)
            .collect())
    }

    /// The pixel column where the plot starts.
    pub(crate) fn plot_left(&self) -> i32 {
        (self.margin_left + self.y_label_px) as i32
    }
}

/// Tops of the band of line labels and of the plot, under the title and the legend.
pub(crate) fn stack(legend: &Legend, band: &Band) -> (i32, i32) {
    let band_top = BELOW_TITLE + legend.height + if legend.height > 0 { 8 } else { 0 };
    (band_top, band_top + band.height() + 4)
}

/// Bounds of line labels across the canvas, pixels.
pub(crate) const FLAG_BOUNDS: (i32, i32) = (4, WIDTH as i32 - 4);

/// The axes every chart draws: the x title, fonts set explicitly, no light grid lines; the
/// caller adds what is its own (y title, label formatters) and draws.
pub(crate) fn axes<'a, 'b, X, Y, XT, YT>(
    plot: &'b mut ChartContext<'a, SVGBackend<'a>, Cartesian2d<X, Y>>,
    x_title: &str,
) -> MeshStyle<'a, 'b, X, Y, SVGBackend<'a>>
where
    X: Ranged<ValueType = XT> + ValueFormatter<XT>,
    Y: Ranged<ValueType = YT> + ValueFormatter<YT>,
{
    let mut mesh = plot.configure_mesh();
    mesh.x_desc(x_title)
        .axis_desc_style(font(AXIS_SIZE))
        .label_style(font(LABEL_SIZE))
        .light_line_style(WHITE.mix(0.0));
    mesh
}

/// Names rows of a plot in a column left of it (lanes, phase bars), right-aligned.
pub(crate) fn row_name(
    root: &Root<'_>,
    name: &str,
    plot_left: i32,
    y: i32,
    kind: Kind,
) -> Result<(), ChartError> {
    root.draw(&Text::new(
        name.to_string(),
        (plot_left - 8, y),
        font(LABEL_SIZE).pos(Pos::new(HPos::Right, VPos::Center)),
    ))
    .map_err(draw_err(kind))
}

/// Width of a column of row names: the widest name by plotters' estimate, at least 120 px.
pub(crate) fn name_column_px<'n>(names: impl Iterator<Item = &'n str>) -> u32 {
    names
        .map(|s| text_width(LABEL_SIZE, s))
        .max()
        .unwrap_or(0)
        .max(120) as u32
        + 24
}
