//! Vertical lines across a plot (timeouts, the stuck threshold, a boot's milestones) with their
//! labels in a band above the plot, each label a flag beside the top of its line.
//!
//! The rule a reader relies on: every label sits beside its own line, and no line runs through
//! any label. Labels go to the highest row where they overlap no label and cross no line of a
//! row above; lines of the same colour too close to tell apart share one label, read left to
//! right (`failed 630 · registered 635`).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::Root;
use super::{draw_err, font, text_width, ChartError, Kind, LABEL_SIZE};

/// Height of one row of labels, pixels.
const ROW_PX: i32 = 22;
/// Space between a line and its flag, pixels.
const GAP_PX: i32 = 5;
/// Clear space kept between two labels, pixels.
const PAD_PX: i32 = 8;
/// Clear space kept between a label and a line that passes it, pixels.
const LINE_PAD_PX: i32 = 2;
/// Most rows of labels; more would be a wall of text, so lines then share labels more widely.
const MAX_ROWS: usize = 5;
/// Lines of one colour closer than this share one label, pixels (more when needed to place
/// every label in at most `MAX_ROWS` rows).
const MERGE_PX: i32 = 12;

/// A line to draw at pixel column `x`, with its label.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Flag {
    /// Pixel column.
    pub(crate) x: i32,
    /// Label.
    pub(crate) text: String,
    /// Colour of the line and its label.
    pub(crate) colour: RGBColor,
    /// Stroke width of the line.
    pub(crate) stroke: u32,
}

/// One label placed in the band with the lines it names.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Placed {
    /// Its lines, left to right: pixel column, colour, stroke width.
    pub(crate) lines: Vec<(i32, RGBColor, u32)>,
    /// The label (the lines' labels joined).
    pub(crate) text: String,
    /// Colour of the label: its lines' colour, dark grey when they differ.
    pub(crate) colour: RGBColor,
    /// Row, 0 the highest.
    pub(crate) row: usize,
    /// Left and right edge of the label, pixels (plotters' width estimate).
    pub(crate) span: (i32, i32),
}

/// The labels of a plot's vertical lines, placed.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Band {
    /// Each label with its lines.
    pub(crate) placed: Vec<Placed>,
    /// Rows used.
    pub(crate) rows: usize,
}

impl Band {
    /// Places the labels of `flags` between the pixel columns `bounds`.
    pub(crate) fn new(flags: &[Flag], bounds: (i32, i32)) -> Band {
        let mut sorted: Vec<&Flag> = flags.iter().collect();
        sorted.sort_by_key(|f| f.x);
        // Crowded: lines of one colour share labels ever more widely, then lines of any
        // colour do (at the last, one label for all, which always has a row).
        let width = bounds.1 - bounds.0;
        let widths = std::iter::successors(Some(MERGE_PX), |px| px.checked_mul(2));
        let same_colour = widths
            .clone()
            .take_while(|px| *px <= 2 * width)
            .map(|px| (px, false));
        let any_colour = widths.map(|px| (px, true));
        let placed = same_colour
            .chain(any_colour)
            .find_map(|(merge_px, any)| place(merge(&sorted, merge_px, any), bounds))
            // Not reached: past the widest gap every line shares one label, placed in row 0.
            .unwrap_or_default();
        let rows = placed.iter().map(|p| p.row + 1).max().unwrap_or(0);
        Band { placed, rows }
    }

    /// Height of the band, pixels.
    pub(crate) fn height(&self) -> i32 {
        if self.rows == 0 {
            0
        } else {
            self.rows as i32 * ROW_PX + 4
        }
    }

    /// Draws the lines from the band (its top at `top`) down to `bottom`, and the labels.
    pub(crate) fn draw(
        &self,
        root: &Root<'_>,
        top: i32,
        bottom: i32,
        kind: Kind,
    ) -> Result<(), ChartError> {
        let e = draw_err(kind);
        for p in &self.placed {
            let row_top = top + p.row as i32 * ROW_PX;
            for &(x, colour, stroke) in &p.lines {
                // A line under its own label (a shared label) starts below it.
                let from = if x >= p.span.0 - LINE_PAD_PX && x <= p.span.1 + LINE_PAD_PX {
                    row_top + ROW_PX - 2
                } else {
                    row_top
                };
                let style = ShapeStyle::from(&colour).stroke_width(stroke);
                root.draw(&PathElement::new(vec![(x, from), (x, bottom)], style))
                    .map_err(&e)?;
            }
            let left_of_line = p.lines.last().is_some_and(|l| p.span.1 < l.0);
            let (at, h) = if left_of_line {
                (p.span.1, HPos::Right)
            } else {
                (p.span.0, HPos::Left)
            };
            root.draw(&Text::new(
                p.text.clone(),
                (at, row_top + 2),
                font(LABEL_SIZE)
                    .color(&p.colour)
                    .pos(Pos::new(h, VPos::Top)),
            ))
            .map_err(&e)?;
        }
        Ok(())
    }
}

/// Runs of flags (in x order) of one colour and stroke (or of any, with `any_colour`), each
/// within `merge_px` of the run's first (so a long row of lines does not chain into one).
fn merge<'f>(sorted: &[&'f Flag], merge_px: i32, any_colour: bool) -> Vec<Vec<&'f Flag>> {
    let mut groups: Vec<Vec<&Flag>> = Vec::new();
    for f in sorted {
        let alike = |l: &Flag| any_colour || (l.colour == f.colour && l.stroke == f.stroke);
        match groups.last_mut() {
            Some(g) if g.last().is_some_and(|l| alike(l)) && f.x - g[0].x < merge_px => g.push(f),
            Some(_) | None => groups.push(vec![f]),
        }
    }
    groups
}

/// Places each group's label, the widest first (it has the fewest places to go); `None` when
/// one finds no row.
fn place(groups: Vec<Vec<&Flag>>, bounds: (i32, i32)) -> Option<Vec<Placed>> {
    let mut labelled: Vec<(String, Vec<&Flag>)> = groups
        .into_iter()
        .map(|g| {
            let text = g
                .iter()
                .map(|f| f.text.as_str())
                .collect::<Vec<_>>()
                .join(" · ");
            (fit_text(text, bounds.1 - bounds.0), g)
        })
        .collect();
    labelled.sort_by_key(|(text, g)| (std::cmp::Reverse(text_width(LABEL_SIZE, text)), g[0].x));
    let mut placed: Vec<Placed> = Vec::with_capacity(labelled.len());
    for (text, g) in labelled {
        let lines: Vec<(i32, RGBColor, u32)> =
            g.iter().map(|f| (f.x, f.colour, f.stroke)).collect();
        let xs: Vec<i32> = lines.iter().map(|l| l.0).collect();
        let spans = spans(&xs, text_width(LABEL_SIZE, &text), bounds);
        let (row, span) = (0..MAX_ROWS)
            .flat_map(|r| spans.iter().map(move |s| (r, *s)))
            .find(|(r, s)| fits(&placed, *r, &xs, *s))?;
        let colour = if g.iter().all(|f| f.colour == g[0].colour) {
            g[0].colour
        } else {
            RGBColor(0x33, 0x33, 0x33)
        };
        placed.push(Placed {
            lines,
            text,
            colour,
            row,
            span,
        });
    }
    Some(placed)
}

/// Where the label may go, in order of preference: right of its first line, left of its last,
/// or over its lines as far right as the bounds allow (its lines then start below it).
fn spans(xs: &[i32], w: i32, bounds: (i32, i32)) -> Vec<(i32, i32)> {
    let (first, last) = (xs[0], xs[xs.len() - 1]);
    let mut out = Vec::with_capacity(3);
    if first + GAP_PX + w <= bounds.1 {
        out.push((first + GAP_PX, first + GAP_PX + w));
    }
    if last - GAP_PX - w >= bounds.0 {
        out.push((last - GAP_PX - w, last - GAP_PX));
    }
    let lo = (first - w / 2).clamp(bounds.0, (bounds.1 - w).max(bounds.0));
    out.push((lo, lo + w));
    out
}

/// The label cut to `max_px` (by plotters' estimate) with an ellipsis, when longer.
fn fit_text(text: String, max_px: i32) -> String {
    if text_width(LABEL_SIZE, &text) <= max_px {
        return text;
    }
    let mut cut = text;
    while !cut.is_empty() && text_width(LABEL_SIZE, &format!("{cut}…")) > max_px {
        cut.pop();
    }
    format!("{cut}…")
}

/// Whether a label over `span` with lines `xs` may go to row `row`: it overlaps no label of
/// that row, no line from a row above passes through it, and its lines pass through no label
/// of a row below.
fn fits(placed: &[Placed], row: usize, xs: &[i32], span: (i32, i32)) -> bool {
    let covers = |s: (i32, i32), x: i32| x >= s.0 - LINE_PAD_PX && x <= s.1 + LINE_PAD_PX;
    placed.iter().all(|p| {
        if p.row == row {
            span.1 + PAD_PX <= p.span.0 || p.span.1 + PAD_PX <= span.0
        } else if p.row < row {
            !p.lines.iter().any(|l| covers(span, l.0))
        } else {
            !xs.iter().any(|&x| covers(p.span, x))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GREY: RGBColor = RGBColor(0x55, 0x55, 0x55);
    const RED: RGBColor = RGBColor(0xd6, 0x27, 0x28);

    fn flag(x: i32, text: &str, colour: RGBColor) -> Flag {
        Flag {
            x,
            text: text.into(),
            colour,
            stroke: 1,
        }
    }

    /// Every line of the band against every label: a line passes a label's row only outside
    /// the label (or starts below it, for the label it shares).
    fn assert_readable(band: &Band) {
        for (i, a) in band.placed.iter().enumerate() {
            for b in &band.placed[i + 1..] {
                if a.row == b.row {
                    assert!(
                        a.span.1 <= b.span.0 || b.span.1 <= a.span.0,
                        "{a:?} overlaps {b:?}"
                    );
                }
            }
            for b in &band.placed {
                if b.row > a.row {
                    for (x, _, _) in &a.lines {
                        assert!(
                            *x < b.span.0 || *x > b.span.1,
                            "line {x} of {:?} runs through {:?}",
                            a.text,
                            b.text
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn lines_too_close_to_tell_apart_share_one_label() {
        let flags = [
            flag(753, "failed, timed out 630", GREY),
            flag(755, "boot finished 632.5", GREY),
            flag(757, "registered 635", GREY),
        ];
        let band = Band::new(&flags, (4, 996));
        assert_eq!(band.placed.len(), 1, "{band:?}");
        assert_eq!(
            band.placed[0].text,
            "failed, timed out 630 · boot finished 632.5 · registered 635"
        );
        assert_eq!(band.rows, 1);
    }

    #[test]
    fn a_label_that_would_cover_the_next_line_goes_a_row_up_and_nothing_crosses() {
        // The current timeout's label right of its line would reach over the milestones just
        // after it: the labels take a few rows and no line runs through a label.
        let flags = [
            flag(733, "current timeout 600 s", RED),
            flag(753, "failed 630", GREY),
            flag(757, "registered 635", GREY),
            flag(816, "recommended 720 s", RGBColor(0x2c, 0xa0, 0x2c)),
            flag(940, "stuck after 900 s", GREY),
        ];
        let band = Band::new(&flags, (4, 996));
        assert_readable(&band);
        assert_eq!(
            band.placed.len(),
            4,
            "the two grey milestones share a label"
        );
        assert!(band.rows <= 3, "{band:?}");
        // The stuck label does not fit right of its line: it is drawn left of it.
        let stuck = band
            .placed
            .iter()
            .find(|p| p.text.starts_with("stuck"))
            .unwrap();
        assert!(stuck.span.1 < 940 && stuck.span.0 >= 4);
    }

    #[test]
    fn crowded_lines_share_labels_and_all_find_a_place_inside_the_bounds() {
        // A line every 75 px across the plot, each label wider than the gap, alternating
        // colours so none merges at first: a staircase deeper than the rows allowed.
        let flags: Vec<Flag> = (0..12)
            .map(|i| {
                let colour = if i % 2 == 0 { GREY } else { RED };
                flag(100 + 75 * i, &format!("milestone {i:02}"), colour)
            })
            .collect();
        let band = Band::new(&flags, (4, 996));
        assert_readable(&band);
        let lines: usize = band.placed.iter().map(|p| p.lines.len()).sum();
        assert!(band.rows <= MAX_ROWS);
        assert_eq!(lines, flags.len(), "every line is drawn");
        for p in &band.placed {
            assert!(p.span.0 >= 4 && p.span.1 <= 996, "{p:?}");
        }
    }

    #[test]
    fn no_line_no_band() {
        let band = Band::new(&[], (4, 996));
        assert_eq!((band.rows, band.height()), (0, 0));
    }
}
