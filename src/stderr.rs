//! Standard error: every message bootline writes passes here, escaped and never panicking.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set when a line for standard error could not be written.
static STDERR_FAILED: AtomicBool = AtomicBool::new(false);

/// Writes one line to standard error; a failure (a full disk, a closed terminal) is
/// remembered for the exit code instead of panicking as `eprintln!` does. Every message passes
/// here, so a control character from a log that a message quotes is shown as an escape, never
/// sent to the terminal.
pub(crate) fn warn_line(args: std::fmt::Arguments<'_>) {
    let line = args.to_string();
    let shown = crate::render::escape::terminal_lines(&line, false);
    let mut err = std::io::stderr().lock();
    if writeln!(err, "{shown}").is_err() {
        STDERR_FAILED.store(true, Ordering::Relaxed);
    }
}

/// `eprintln!` that never panics: see [`warn_line`].
macro_rules! warn_line_macro {
    ($($arg:tt)*) => {
        $crate::stderr::warn_line(format_args!($($arg)*))
    };
}
pub(crate) use warn_line_macro as warn;

/// Whether a line for standard error could not be written (the exit code says so).
pub(crate) fn failed() -> bool {
    STDERR_FAILED.load(Ordering::Relaxed)
}

/// A closed pipe downstream (`bootline blame x | head`) is not an error.
pub(crate) fn is_broken_pipe(err: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == BrokenPipe)
            // serde_json wraps the writer's error in its own.
            || e.downcast_ref::<serde_json::Error>()
                .is_some_and(|j| j.io_error_kind() == Some(BrokenPipe))
    })
}
