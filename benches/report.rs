//! `bootline report`, raw inputs to a written folder (report.md, report.json, five charts): on
//! the committed 1,140-instance fixture fleet and on a generated fleet of
//! `REPORT_BENCH_INSTANCES` instances (default 10,000; consoles of the generator's usual size),
//! best wall time of three runs after a warm-up, with CPU time and peak RSS.
//!
//! Run with `cargo bench --bench report`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod support;
use support::run_measured_exiting;

fn generate(root: &Path, out: &Path, instances: u64) {
    if out.join("events.jsonl").is_file() {
        return;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["run", "--release", "--quiet", "--example", "fleet", "--"])
        .arg("--out")
        .arg(out)
        .args(["--instances", &instances.to_string()])
        .stdout(Stdio::null())
        .status()
        .expect("run the fleet generator");
    assert!(status.success(), "fleet generator failed");
}

fn measure(root: &Path, exe: &str, fleet: &Path, out: &Path) -> (f64, f64, f64) {
    let cmd = || {
        let mut c = Command::new(exe);
        c.current_dir(root)
            .args(["report", "--config", "fixtures/bootline.toml"])
            .arg(fleet)
            .arg("--out")
            .arg(out)
            .arg("--quiet")
            .stderr(Stdio::null());
        c
    };
    // The fixture fleet's report exits 1 by design (a lockstep timeout and a guard case must move).
    let _ = run_measured_exiting(&mut cmd(), |_| {}, &[0, 1]);
    let mut best: Option<(f64, f64, f64)> = None;
    for _ in 0..3 {
        let m = run_measured_exiting(&mut cmd(), |_| {}, &[0, 1]);
        if best.is_none_or(|b| m.wall_secs < b.0) {
            best = Some((m.wall_secs, m.cpu_secs, m.max_rss_mb));
        }
    }
    best.expect("three runs")
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let exe = env!("CARGO_BIN_EXE_bootline");
    let instances: u64 = std::env::var("REPORT_BENCH_INSTANCES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let generated = root.join(format!("target/bench-data/report-fleet-{instances}"));
    generate(&root, &generated, instances);
    let out = root.join("target/bench-data/report-out");
    for (name, fleet) in [
        (
            "fixture fleet (1,140 instances)",
            root.join("fixtures/fleet"),
        ),
        (
            &*format!("generated fleet ({instances} instances)"),
            generated,
        ),
    ] {
        let (wall, cpu, rss) = measure(&root, exe, &fleet, &out);
        println!("report over the {name}: {wall:.2} s wall, {cpu:.2} s CPU, peak RSS {rss:.0} MB");
    }
}
