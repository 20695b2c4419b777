//! The `bootline` command: parse arguments, run, map the result to an exit code.

use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Parser;

/// Runs the command line: parses the arguments, runs the command and maps its result to an
/// exit code (0 success, 1 a finding such as a failed gate, 2 bad input or an error).
pub fn main() -> ExitCode {
    let cli = crate::cli::Cli::parse();
    if stdout_closed() {
        // Rust's standard output drops writes to a closed descriptor silently, and the next
        // file opened would take its number: refused before anything runs.
        warn!("bootline: standard output is closed");
        return ExitCode::from(2);
    }
    let code = match crate::commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            warn!("bootline: {err:#}");
            ExitCode::from(2)
        }
    };
    // A message that could not be delivered is an input/output error, never a panic.
    if STDERR_FAILED.load(Ordering::Relaxed) {
        return ExitCode::from(2);
    }
    code
}

/// Whether standard output was closed when bootline started (`bootline formats >&-`).
///
/// Rust's runtime opens `/dev/null` read-write on a closed descriptor 1 before `main`, so
/// every write would seem to succeed; that is what is looked for. A shell's `>/dev/null`
/// opens it write-only, and stays accepted.
fn stdout_closed() -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let (Ok(null), Ok(out)) = (
            std::fs::metadata("/dev/null"),
            std::fs::metadata("/proc/self/fd/1").or_else(|_| std::fs::metadata("/dev/fd/1")),
        ) else {
            return false;
        };
        // SAFETY: F_GETFL reads the descriptor's flags and changes nothing.
        let flags = unsafe { libc::fcntl(libc::STDOUT_FILENO, libc::F_GETFL) };
        out.rdev() == null.rdev()
            && out.dev() == null.dev()
            && flags != -1
            && flags & libc::O_ACCMODE == libc::O_RDWR
    }
    #[cfg(not(unix))]
    {
        false
    }
}

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
        $crate::app::warn_line(format_args!($($arg)*))
    };
}
pub(crate) use warn_line_macro as warn;

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
