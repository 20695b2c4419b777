//! Renderers: pure functions from results to text, JSON and (later) Markdown and SVG.

pub mod dump;
pub mod fit;
pub mod recommend;
pub mod records;
pub mod style;
pub mod timeline;

/// Seconds to one decimal, or `-` when unknown (the text tables' cell).
pub fn secs_or_dash(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |x| format!("{x:.1}"))
}
