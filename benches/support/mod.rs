//! Shared by the benchmarks: run a child and read its own resource usage.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

/// What one run of a child cost.
pub struct Measured {
    /// Wall seconds.
    pub wall_secs: f64,
    /// User + system CPU seconds of the child.
    pub cpu_secs: f64,
    /// The child's peak resident set, MB.
    pub max_rss_mb: f64,
}

/// Runs a child to completion (it must succeed), handing each line it prints to `on_line`, and
/// returns its wall time and its own CPU time and peak RSS, from `wait4`. Output is streamed, not
/// kept: a child's peak RSS includes its parent's at spawn, so the parent must stay small.
// The child is reaped by `wait4` (which std's `wait` cannot replace: it drops the rusage).
#[allow(clippy::zombie_processes, dead_code)]
pub fn run_measured(cmd: &mut Command, on_line: impl FnMut(&[u8])) -> Measured {
    run_measured_exiting(cmd, on_line, &[0])
}

/// [`run_measured`] for a child whose exit code may be any of `codes` (a command that reports
/// findings with exit 1).
#[allow(clippy::zombie_processes)]
pub fn run_measured_exiting(
    cmd: &mut Command,
    mut on_line: impl FnMut(&[u8]),
    codes: &[i32],
) -> Measured {
    let t0 = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the child");
    let mut out = BufReader::with_capacity(1 << 16, child.stdout.take().expect("piped stdout"));
    let mut line = Vec::new();
    loop {
        line.clear();
        if out.read_until(b'\n', &mut line).expect("read stdout") == 0 {
            break;
        }
        on_line(&line);
    }
    let mut status = 0;
    // SAFETY: wait4 only writes into the struct and status we pass, for our own child.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
    let wall_secs = t0.elapsed().as_secs_f64();
    assert!(
        libc::WIFEXITED(status) && codes.contains(&libc::WEXITSTATUS(status)),
        "child failed: {status}"
    );
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Measured {
        wall_secs,
        cpu_secs: secs(ru.ru_utime) + secs(ru.ru_stime),
        max_rss_mb: ru.ru_maxrss as f64 / 1024.0,
    }
}
