//! `bootline recommend` on the bundled fixture fleet (1,140 attempts), from its raw consoles,
//! cloud-init.logs and platform events with `fixtures/bootline.toml`: wall and CPU seconds and
//! peak memory of the release binary, best and median of `RECOMMEND_BENCH_RUNS` runs (default 7),
//! for the whole job (read, assemble, fit every class and template, check) as a user runs it.
//!
//! Run with `cargo bench --bench recommend`.

use std::process::Command;

mod support;
use support::{run_measured_exiting, Measured};

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    let exe = env!("CARGO_BIN_EXE_bootline");
    let runs: usize = std::env::var("RECOMMEND_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let mut measured: Vec<Measured> = Vec::with_capacity(runs);
    let mut first_line = String::new();
    for _ in 0..runs.max(1) {
        let mut cmd = Command::new(exe);
        cmd.current_dir(root).args([
            "recommend",
            "--config",
            "fixtures/bootline.toml",
            "fixtures/fleet",
        ]);
        let mut first = None;
        // Exit 1: the fleet's lockstep watcher and vacuous guard are findings.
        let m = run_measured_exiting(
            &mut cmd,
            |line| {
                if first.is_none() {
                    first = Some(String::from_utf8_lossy(line).trim_end().to_string());
                }
            },
            &[0, 1],
        );
        first_line = first.unwrap_or_default();
        measured.push(m);
    }
    let best = |f: fn(&Measured) -> f64| measured.iter().map(f).fold(f64::INFINITY, f64::min);
    let median = |f: fn(&Measured) -> f64| {
        let mut v: Vec<f64> = measured.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!("recommend on fixtures/fleet (1,140 attempts, raw inputs): {first_line}");
    println!(
        "  wall {:.3} s best, {:.3} s median; CPU {:.3} s best, {:.3} s median; peak RSS {:.1} MB (of {} runs)",
        best(|m| m.wall_secs),
        median(|m| m.wall_secs),
        best(|m| m.cpu_secs),
        median(|m| m.cpu_secs),
        best(|m| m.max_rss_mb),
        measured.len()
    );
    // Wall time waits for the cores when others use them: say how busy they were.
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!(
            "  load average while measuring: {}",
            load.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
}
