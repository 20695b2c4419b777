//! `bootline timeline` on a generated fleet of console logs: files/s, MB/s, CPU seconds and
//! peak memory.
//!
//! Generates (once, into `target/bench-data/`) a fleet of `TIMELINE_BENCH_INSTANCES` instances
//! (default 10,000) with the committed generator (`examples/fleet`), every console log padded
//! to about `TIMELINE_BENCH_CONSOLE_KB` KiB (default 50), plus their cloud-init.logs, blame
//! files and platform events; then runs the release `bootline timeline --format jsonl` on the
//! whole folder as a child process and reads its CPU time and peak RSS from
//! `wait4`. A second, smaller fleet shows that memory follows the number of
//! boots, not bytes, and a third with the same boots in ten times the bytes shows that bytes do
//! not add memory.
//!
//! Run with `cargo bench --bench timeline`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

mod support;
use support::run_measured;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn generate(root: &Path, out: &Path, instances: u64, console_kb: u64) {
    if out.join("events.jsonl").is_file() {
        return;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let t0 = Instant::now();
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["run", "--release", "--quiet", "--example", "fleet", "--"])
        .arg("--out")
        .arg(out)
        .args([
            "--instances",
            &instances.to_string(),
            "--console-kb",
            &console_kb.to_string(),
        ])
        .stdout(Stdio::null())
        .status()
        .expect("run the fleet generator");
    assert!(status.success(), "fleet generator failed");
    println!(
        "generated {} in {:.1} s",
        out.display(),
        t0.elapsed().as_secs_f64()
    );
}

fn tree_bytes(dir: &Path) -> (u64, u64) {
    let (mut files, mut bytes) = (0, 0);
    for e in std::fs::read_dir(dir).expect("read bench dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            let (f, b) = tree_bytes(&p);
            files += f;
            bytes += b;
        } else if p.extension().is_none_or(|x| x != "md")
            && p.file_name().is_none_or(|n| n != "truth.json")
        {
            files += 1;
            bytes += e.metadata().map(|m| m.len()).unwrap_or(0);
        }
    }
    (files, bytes)
}

fn measure(exe: &str, dir: &Path) -> (f64, f64, f64, usize) {
    let cmd = || {
        let mut c = Command::new(exe);
        c.args(["timeline", "--format", "jsonl"])
            .arg(dir)
            .stderr(Stdio::null());
        c
    };
    // Warm the page cache first: the figure is parsing, not the disk.
    let _ = run_measured(&mut cmd(), |_| {});
    let mut best: Option<(f64, f64, f64, usize)> = None;
    for _ in 0..3 {
        let mut boots = 0;
        let m = run_measured(&mut cmd(), |_| boots += 1);
        if best.is_none_or(|b| m.wall_secs < b.0) {
            best = Some((m.wall_secs, m.cpu_secs, m.max_rss_mb, boots));
        }
    }
    best.expect("three runs")
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let exe = env!("CARGO_BIN_EXE_bootline");
    let instances = env_num("TIMELINE_BENCH_INSTANCES", 10_000);
    let kb = env_num("TIMELINE_BENCH_CONSOLE_KB", 50);
    for (n, kb) in [
        (instances, kb),
        (instances / 10, kb),
        (instances / 10, kb * 10),
    ] {
        let dir = root.join(format!("target/bench-data/fleet-{n}x{kb}k"));
        generate(&root, &dir, n, kb);
        let (files, bytes) = tree_bytes(&dir);
        let (wall, cpu, rss, boots) = measure(exe, &dir);
        println!(
            "{n} instances, {files} files, {:.0} MB: {:.2} s wall, {:.2} s CPU, {:.0} files/s, {:.0} MB/s, peak RSS {:.0} MB, {boots} boots ({:.1} KB per boot)",
            bytes as f64 / 1e6,
            wall,
            cpu,
            files as f64 / wall,
            bytes as f64 / 1e6 / wall,
            rss,
            rss * 1024.0 / boots.max(1) as f64
        );
    }
}
