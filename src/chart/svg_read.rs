//! What the charts' tests read back: the committed example's chart data, and the texts of a
//! drawn SVG with the boxes plotters gives them.

use crate::report::figures::Figures;
use crate::report::Report;

/// The committed example's report: real chart data to vary one thing at a time.
pub(super) fn fleet_report() -> Report {
    serde_json::from_str(include_str!("../../reports/fleet/report.json"))
        .expect("reports/fleet/report.json reads back into a Report")
}

/// The committed example's figures, as the report draws them.
pub(super) fn fleet_figures() -> Figures {
    fleet_report().figures
}

/// Every text of an SVG with its box by plotters' width estimate (x0, y0, x1, y1), placed by
/// its anchors; a text turned a quarter (a y axis's title) lies along y.
pub(super) fn text_boxes(svg: &str) -> Vec<(String, [f64; 4])> {
    let doc = roxmltree::Document::parse(svg).expect("valid SVG");
    let num = |n: &roxmltree::Node, a: &str| -> f64 {
        n.attribute(a).and_then(|v| v.parse().ok()).unwrap_or(0.0)
    };
    (doc.descendants().filter(|n| n.has_tag_name("text")))
        .map(|n| {
            let s: String = (n.descendants().filter(|c| c.is_text()))
                .filter_map(|c| c.text())
                .collect();
            let s = s.trim().to_string();
            let (x, y, size) = (num(&n, "x"), num(&n, "y"), num(&n, "font-size"));
            let w = size / 1.24 * 0.7 * s.len() as f64;
            let x0 = match n.attribute("text-anchor") {
                Some("middle") => x - w / 2.0,
                Some("end") => x - w,
                _ => x,
            };
            // plotters' vertical anchors: top, middle, baseline.
            let (y0, y1) = match n.attribute("dy") {
                Some("0.76em") => (y, y + size),
                Some("0.5ex") => (y - size / 2.0, y + size / 2.0),
                _ => (y - size, y),
            };
            let turned = (n.attribute("transform")).is_some_and(|t| t.contains("rotate"));
            let b = if turned {
                [x - size, y - w / 2.0, x + size, y + w / 2.0]
            } else {
                [x0, y0, x0 + w, y1]
            };
            (s, b)
        })
        .collect()
}
