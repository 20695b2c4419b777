//! Progress bars on stderr for the waits a user notices (bootstrap refits, reading a large
//! fleet), drawn only when stderr is a terminal: a pipe, a file or CI sees nothing of them.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Reads at least this many bytes, or this many files, are long enough for a bar.
const LONG_READ_BYTES: u64 = 256 << 20;
/// See [`LONG_READ_BYTES`].
const LONG_READ_FILES: usize = 2_000;

/// A bar of `len` units labelled `what`, or a hidden one when stderr is not a terminal.
pub(crate) fn bar(len: u64, what: &str, bytes: bool) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let template = if bytes {
        "{msg} {wide_bar} {binary_bytes}/{binary_total_bytes} ({eta})"
    } else {
        "{msg} {wide_bar} {pos}/{len} ({eta})"
    };
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar.set_message(what.to_string());
    // Drawn at once, so that even a short wait shows what it is.
    bar.tick();
    bar
}

/// A bar for reading `sources`, when the read is long (by bytes or by files).
pub(crate) fn reading(sources: &[crate::sources::Source]) -> ProgressBar {
    let bytes: u64 = sources.iter().filter_map(|s| s.size).sum();
    if bytes < LONG_READ_BYTES && sources.len() < LONG_READ_FILES {
        return ProgressBar::hidden();
    }
    bar(bytes, "reading", true)
}
