//! Reducing timeline shards: `bootline fit`, `recommend`, `compare --group-by region` and
//! `report` over
//! `REDUCE_BENCH_ATTEMPTS` provisioning attempts (default 1,000,000) that the fleet generator
//! writes as timeline JSON Lines shards (`--timelines`, into `target/bench-data/reduce-<N>/`
//! under the target directory, once; never committed). One run of each: wall and CPU time and
//! peak RSS, with the peak RSS per attempt and per boot, plus the shards' size on disk and, when
//! they were written by this run, how long the generator took. `fit`'s counts of attempts and
//! boots per outcome must equal the generator's own (`truth-timelines.json`): a generator that
//! drifts from the timeline schema fails here. `compare` must take at most twice `recommend`'s
//! wall time on the same shards (its bootstrap resamples the distinct values with their counts,
//! not the records); the ratio is printed.
//!
//! Run with `cargo bench --bench reduce` (`REDUCE_BENCH_ATTEMPTS=100000` for a smaller fleet).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod support;
use support::{run_measured, run_measured_exiting, Measured};

/// The target directory cargo builds into.
fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|d| if d.is_absolute() { d } else { root.join(d) })
        .unwrap_or_else(|| root.join("target"))
}

/// Writes the shards unless an earlier run did (its `truth-timelines.json`, written last, is
/// there); returns the generator's cost when it ran.
fn generate(root: &Path, target: &Path, dir: &Path, attempts: u64) -> Option<Measured> {
    if dir.join("truth-timelines.json").is_file() {
        return None;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["build", "--release", "--quiet", "--example", "fleet"])
        .status()
        .expect("build the fleet generator");
    assert!(status.success(), "building the fleet generator failed");
    let mut cmd = Command::new(target.join("release/examples/fleet"));
    cmd.arg("--timelines")
        .arg(attempts.to_string())
        .arg("--out")
        .arg(dir);
    Some(run_measured(&mut cmd, |_| {}))
}

/// The shard files, in order.
fn shards(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the shard folder")
        .map(|e| e.expect("a folder entry").path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("timelines-") && n.ends_with(".jsonl"))
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no shards in {}", dir.display());
    out
}

/// One command over the shards: its cost, and what it printed on stdout.
fn run(root: &Path, exe: &str, args: &[&str], shards: &[PathBuf]) -> (Measured, Vec<u8>) {
    let mut cmd = Command::new(exe);
    cmd.current_dir(root)
        .args(args)
        .args(shards)
        .stderr(Stdio::inherit());
    let mut stdout = Vec::new();
    // recommend and report exit 1 on findings.
    let m = run_measured_exiting(&mut cmd, |line| stdout.extend_from_slice(line), &[0, 1]);
    (m, stdout)
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let exe = env!("CARGO_BIN_EXE_bootline");
    let attempts: u64 = std::env::var("REDUCE_BENCH_ATTEMPTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let target = target_dir(&root);
    let dir = target.join(format!("bench-data/reduce-{attempts}"));
    std::fs::create_dir_all(&dir).expect("create the bench data folder");
    let generated = generate(&root, &target, &dir, attempts);
    let truth: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("truth-timelines.json")).expect("truth-timelines.json"),
    )
    .expect("truth is JSON");
    let boots = truth["boots"].as_u64().expect("boots in the truth");
    assert_eq!(truth["attempts"].as_u64(), Some(attempts));
    let shards = shards(&dir);
    let bytes: u64 = shards
        .iter()
        .map(|p| std::fs::metadata(p).expect("shard metadata").len())
        .sum();
    println!(
        "{attempts} attempts in {boots} boots, {} shards, {:.0} MB on disk ({:.0} bytes a boot)",
        shards.len(),
        bytes as f64 / 1e6,
        bytes as f64 / boots as f64
    );
    // The generator's cost is kept beside the shards, for runs that reuse them.
    let cost = dir.join("generation.txt");
    match generated {
        Some(m) => {
            let line = format!(
                "generated in {:.1} s wall, {:.1} s CPU, peak RSS {:.0} MB",
                m.wall_secs, m.cpu_secs, m.max_rss_mb
            );
            std::fs::write(&cost, format!("{line}\n")).expect("write generation.txt");
            println!("{line}");
        }
        None => println!(
            "shards written by an earlier run in {} (delete it to write them again); {}",
            dir.display(),
            std::fs::read_to_string(&cost).map_or_else(
                |_| "generator's cost not recorded".into(),
                |t| t.trim().to_string()
            )
        ),
    }

    let out = target.join("bench-data/reduce-report");
    let out_arg = out.to_str().expect("a UTF-8 path");
    let config = ["--config", "fixtures/bootline.toml"];
    let commands: [(&str, Vec<&str>); 4] = [
        (
            "fit --class default",
            [
                &["fit"],
                &config[..],
                &["--format", "json", "--class", "default"],
            ]
            .concat(),
        ),
        (
            "recommend",
            [&["recommend"], &config[..], &["--format", "json"]].concat(),
        ),
        (
            "compare --group-by region",
            [
                &["compare"],
                &config[..],
                &["--format", "json", "--group-by", "region"],
            ]
            .concat(),
        ),
        (
            "report",
            [&["report"], &config[..], &["--quiet", "--out", out_arg]].concat(),
        ),
    ];
    let mut recommend_wall = None;
    for (name, args) in &commands {
        let (m, stdout) = run(&root, exe, args, &shards);
        if *name == "recommend" {
            recommend_wall = Some(m.wall_secs);
        }
        if name.starts_with("compare") {
            let c: serde_json::Value = serde_json::from_slice(&stdout).expect("compare's JSON");
            let n: u64 = c["groups"]
                .as_array()
                .expect("groups")
                .iter()
                .filter_map(|g| g["n"].as_u64())
                .sum();
            println!(
                "compare: {} cohorts, {n} records",
                c["groups"].as_array().map_or(0, Vec::len)
            );
            if let Some(r) = recommend_wall {
                println!(
                    "compare / recommend wall time: {:.2} (at most 2)",
                    m.wall_secs / r
                );
            }
        }
        if name.starts_with("fit") {
            let fit: serde_json::Value = serde_json::from_slice(&stdout).expect("fit's JSON");
            let want = &truth["classes"]["default"];
            assert_eq!(fit["attempts"], want["attempts"], "attempts per outcome");
            assert_eq!(fit["boots"], want["boots"], "boots per outcome");
        }
        let rss = m.max_rss_mb * 1024.0 * 1024.0;
        println!(
            "{name:<20} {attempts} attempts, {boots} boots: {:.1} s wall, {:.1} s CPU, \
             peak RSS {:.0} MB ({:.0} bytes an attempt, {:.0} bytes a boot)",
            m.wall_secs,
            m.cpu_secs,
            m.max_rss_mb,
            rss / attempts as f64,
            rss / boots as f64
        );
    }
}
