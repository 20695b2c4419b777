//! Renderers: pure functions from results to text and JSON (the report's Markdown is
//! `report/markdown.rs`, its SVG charts `chart/`).

pub(crate) mod compare;
pub(crate) mod decision;
pub(crate) mod dump;
pub(crate) mod empty;
pub(crate) mod escape;
pub(crate) mod fit;
pub mod numbers;
pub(crate) mod observed;
pub mod recommend;
pub mod records;
pub mod style;
pub(crate) mod summary;
pub(crate) mod timeline;
pub(crate) mod warning;

/// How many names a list on stderr shows before saying how many more there are.
const NAMES_SHOWN: usize = 5;

/// `a, b, c, d, e and 4 more`.
pub(crate) fn name_list<T: std::fmt::Display>(items: &[T]) -> String {
    let shown: Vec<String> = items.iter().take(NAMES_SHOWN).map(T::to_string).collect();
    let mut s = shown.join(", ");
    if items.len() > NAMES_SHOWN {
        s.push_str(&format!(" and {} more", items.len() - NAMES_SHOWN));
    }
    s
}

/// A doubtful setting of `bootline.toml`, located like its errors:
/// `bootline.toml:9: warning: class hermes: stuck_threshold_secs 300 s is below timeout_secs 600 s; …`.
pub(crate) fn config_warning(w: &crate::config::ConfigWarning) -> String {
    use crate::config::ConfigWarningKind;
    let what = match &w.kind {
        ConfigWarningKind::StuckBelowTimeout {
            class,
            timeout_secs,
            stuck_threshold_secs,
        } => format!(
            "class {}: stuck_threshold_secs {} is below timeout_secs {}; the sweep fails a boot before it could count as stuck, so no boot of this class is ever stuck",
            escape::terminal(class),
            numbers::secs(*stuck_threshold_secs),
            numbers::secs(*timeout_secs)
        ),
    };
    format!("{}:{}: warning: {what}", w.path, w.line)
}
