//! Renderers: pure functions from results to text, JSON and (later) Markdown and SVG.

pub mod dump;
pub mod records;
pub mod timeline;
