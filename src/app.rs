//! The `bootline` command: parse arguments, run, map the result to an exit code.

use std::process::ExitCode;

use clap::Parser;

use crate::warn;

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
            if crate::stderr::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            warn!("bootline: {err:#}");
            ExitCode::from(2)
        }
    };
    // A message that could not be delivered is an input/output error, never a panic.
    if crate::stderr::failed() {
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
