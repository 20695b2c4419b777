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
//! Then the same attempts through summaries: `wc -l` over the shards (the floor a reduce is
//! measured against), `summarize --attempts-only` over the shards, `recommend` from that summary
//! (its JSON must be the bytes `recommend` wrote from the shards), and ten copies of the summary
//! with their instance ids and input paths renamed (ten times the attempts) merged by
//! `summarize` and recommended from: CPU as a multiple of `wc -l`'s, wall, peak RSS per attempt
//! and the summary's size, side by side.
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
    let mut recommended = Vec::new();
    for (name, args) in &commands {
        let (m, stdout) = run(&root, exe, args, &shards);
        if *name == "recommend" {
            recommend_wall = Some(m.wall_secs);
            recommended = stdout.clone();
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
    summaries(&root, exe, &target, &shards, attempts, &recommended);
}

/// One line of the summary table.
fn row(name: &str, m: &Measured, floor_cpu: f64, attempts: u64, size: Option<u64>) {
    let rss = m.max_rss_mb * 1024.0 * 1024.0;
    println!(
        "{name:<34} {:>7.2} s wall {:>7.2} s CPU {:>6.1}x wc -l  peak RSS {:>6.0} MB \
         ({:>6.1} bytes an attempt){}",
        m.wall_secs,
        m.cpu_secs,
        m.cpu_secs / floor_cpu,
        m.max_rss_mb,
        rss / attempts as f64,
        size.map_or(String::new(), |b| format!(
            "  summary {:.2} MB",
            b as f64 / 1e6
        ))
    );
}

/// The summary path beside the shards: `wc -l`, summarize, recommend from one summary and
/// from ten merged.
fn summaries(
    root: &Path,
    exe: &str,
    target: &Path,
    shards: &[PathBuf],
    attempts: u64,
    recommended: &[u8],
) {
    let (wc, _) = run(root, "wc", &["-l"], shards);
    println!();
    row("wc -l (the floor)", &wc, wc.cpu_secs, attempts, None);
    let dir = target.join("bench-data/reduce-summaries");
    std::fs::create_dir_all(&dir).expect("create the summaries folder");
    let one = dir.join("one.summary");
    let one_arg = one.to_str().expect("a UTF-8 path");
    let config = ["--config", "fixtures/bootline.toml"];
    let summarize = [
        &["summarize", "--attempts-only"],
        &config[..],
        &["-o", one_arg],
    ]
    .concat();
    let (m, _) = run(root, exe, &summarize, shards);
    let size = std::fs::metadata(&one).expect("the summary").len();
    row(
        "summarize --attempts-only",
        &m,
        wc.cpu_secs,
        attempts,
        Some(size),
    );
    let recommend = [&["recommend"], &config[..], &["--format", "json"]].concat();
    let (m, stdout) = run(root, exe, &recommend, std::slice::from_ref(&one));
    assert!(
        stdout == recommended,
        "recommend from the summary differs from recommend over the shards"
    );
    row(
        "recommend from the summary (same)",
        &m,
        wc.cpu_secs,
        attempts,
        None,
    );

    // Ten times the attempts: ten copies, each with its own instance ids and input paths.
    let text = std::fs::read_to_string(&one).expect("read the summary");
    let copies: Vec<PathBuf> = (0..10)
        .map(|k| {
            let path = dir.join(format!("copy-{k}.summary"));
            let renamed = text
                .replace("\"i-", &format!("\"c{k}-i-"))
                .replace("\"path\":\"", &format!("\"path\":\"copy{k}/"));
            std::fs::write(&path, renamed).expect("write a copy");
            path
        })
        .collect();
    let ten = dir.join("ten.summary");
    let merge = [
        &["summarize"],
        &config[..],
        &["-o", ten.to_str().expect("UTF-8")],
    ]
    .concat();
    println!("(the ten copies share one instance sketch: the merge warns that they overlap)");
    let (m, _) = run(root, exe, &merge, &copies);
    let size = std::fs::metadata(&ten).expect("the merged summary").len();
    row(
        "merge ten summaries (10x attempts)",
        &m,
        wc.cpu_secs,
        10 * attempts,
        Some(size),
    );
    let (m, _) = run(root, exe, &recommend, std::slice::from_ref(&ten));
    row(
        "recommend from the ten merged",
        &m,
        wc.cpu_secs,
        10 * attempts,
        None,
    );
}
