//! Reducing timeline shards: `REDUCE_BENCH_ATTEMPTS` provisioning attempts (default
//! 1,000,000) that the fleet generator writes as timeline JSON Lines shards (`--timelines`,
//! into `target/bench-data/reduce-<N>/` under the target directory, once; never committed).
//!
//! One run of each, printed as measured and then side by side as one table (wall, CPU, CPU as
//! a multiple of `wc -l`'s over the same files, peak RSS, peak RSS per attempt, the summary's
//! size): `wc -l` over the shards (the floor a reduce is measured against); `recommend`,
//! `fit --class default`, `compare --group-by region` and `report` over the shards; `summarize`
//! over the shards, with the boots and `--attempts-only`; `recommend`, `fit` and `report` from
//! the summary; and ten copies of the summary of attempts with their instance ids and input
//! paths renamed (ten times the attempts) merged by `summarize` and recommended from.
//!
//! Checked on the way: `fit`'s counts of attempts and boots per outcome equal the generator's
//! own (`truth-timelines.json`: a generator that drifts from the timeline schema fails here);
//! `recommend`'s and `fit`'s JSON from the summary are the bytes they wrote over the shards.
//! `compare`'s wall time against `recommend`'s is printed (at most twice: its bootstrap
//! resamples the distinct values with their counts, not the records).
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

    let table = over_shards(&root, exe, &target, &shards, &truth, attempts);
    let table = from_summaries(&root, exe, &target, &shards, attempts, table);
    print_table(&table);
}

/// One row of the table: what ran, its cost, over how many attempts, and the summary it
/// wrote.
struct Row {
    name: String,
    cost: Measured,
    attempts: u64,
    summary_bytes: Option<u64>,
}

/// The table so far, with the floor every CPU time is divided by (`wc -l`'s), and what the
/// commands over the shards wrote that the same commands from a summary must write again.
struct Table {
    floor_cpu: f64,
    rows: Vec<Row>,
    recommended: Vec<u8>,
    fitted: Vec<u8>,
}

impl Table {
    fn push(&mut self, name: &str, cost: Measured, attempts: u64, summary_bytes: Option<u64>) {
        let row = Row {
            name: name.to_string(),
            cost,
            attempts,
            summary_bytes,
        };
        print_row(&row, self.floor_cpu);
        self.rows.push(row);
    }
}

const CONFIG: [&str; 2] = ["--config", "fixtures/bootline.toml"];

/// `wc -l` (the floor), then `recommend`, `fit`, `compare` and `report` over the shards.
fn over_shards(
    root: &Path,
    exe: &str,
    target: &Path,
    shards: &[PathBuf],
    truth: &serde_json::Value,
    attempts: u64,
) -> Table {
    let (wc, _) = run(root, "wc", &["-l"], shards);
    let mut table = Table {
        floor_cpu: wc.cpu_secs,
        rows: Vec::new(),
        recommended: Vec::new(),
        fitted: Vec::new(),
    };
    table.push("wc -l over the shards (the floor)", wc, attempts, None);
    let recommend = [&["recommend"], &CONFIG[..], &["--format", "json"]].concat();
    let (m, recommended) = run(root, exe, &recommend, shards);
    let recommend_wall = m.wall_secs;
    table.recommended = recommended;
    table.push("recommend over the shards", m, attempts, None);
    let fit = [
        &["fit"],
        &CONFIG[..],
        &["--format", "json", "--class", "default"],
    ]
    .concat();
    let (m, fitted) = run(root, exe, &fit, shards);
    let fit_json: serde_json::Value = serde_json::from_slice(&fitted).expect("fit's JSON");
    let want = &truth["classes"]["default"];
    assert_eq!(
        fit_json["attempts"], want["attempts"],
        "attempts per outcome"
    );
    assert_eq!(fit_json["boots"], want["boots"], "boots per outcome");
    table.fitted = fitted;
    table.push("fit --class default over the shards", m, attempts, None);
    let compare = [
        &["compare"],
        &CONFIG[..],
        &["--format", "json", "--group-by", "region"],
    ]
    .concat();
    let (m, compared) = run(root, exe, &compare, shards);
    say_compare(&compared, m.wall_secs / recommend_wall);
    table.push(
        "compare --group-by region over the shards",
        m,
        attempts,
        None,
    );
    let out = target.join("bench-data/reduce-report");
    let report = [
        &["report"],
        &CONFIG[..],
        &["--quiet", "--out", out.to_str().expect("a UTF-8 path")],
    ]
    .concat();
    let (m, _) = run(root, exe, &report, shards);
    table.push("report over the shards", m, attempts, None);
    table
}

/// What `compare` found, and its wall time against `recommend`'s (its bootstrap resamples the
/// distinct values with their counts, not the records: at most twice).
fn say_compare(stdout: &[u8], ratio: f64) {
    let c: serde_json::Value = serde_json::from_slice(stdout).expect("compare's JSON");
    let groups = c["groups"].as_array().expect("groups");
    let n: u64 = groups.iter().filter_map(|g| g["n"].as_u64()).sum();
    println!(
        "  compare: {} cohorts, {n} records; compare / recommend wall time {ratio:.2} (at most 2)",
        groups.len()
    );
}

/// A row as it is measured (progress; the table is printed again, whole, at the end).
fn print_row(r: &Row, floor_cpu: f64) {
    let rss = r.cost.max_rss_mb * 1024.0 * 1024.0;
    println!(
        "{:<46} {:>7.2} s wall {:>7.2} s CPU {:>6.1}x wc -l  peak RSS {:>6.0} MB \
         ({:>6.1} bytes an attempt){}",
        r.name,
        r.cost.wall_secs,
        r.cost.cpu_secs,
        r.cost.cpu_secs / floor_cpu,
        r.cost.max_rss_mb,
        rss / r.attempts as f64,
        r.summary_bytes.map_or(String::new(), |b| format!(
            "  summary {:.2} MB",
            b as f64 / 1e6
        ))
    );
}

/// The whole table, side by side, as Markdown (what `docs/scale.md` quotes).
fn print_table(table: &Table) {
    println!();
    println!(
        "| what | attempts | wall | CPU | CPU ÷ `wc -l` | peak RSS | RSS an attempt | summary |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for r in &table.rows {
        let rss = r.cost.max_rss_mb * 1024.0 * 1024.0;
        println!(
            "| {} | {} | {:.1} s | {:.1} s | {:.1}× | {:.0} MB | {:.0} B | {} |",
            r.name,
            r.attempts,
            r.cost.wall_secs,
            r.cost.cpu_secs,
            r.cost.cpu_secs / table.floor_cpu,
            r.cost.max_rss_mb,
            rss / r.attempts as f64,
            r.summary_bytes
                .map_or(String::new(), |b| format!("{:.1} MB", b as f64 / 1e6))
        );
    }
}

/// `summarize` over the shards (with boots, and `--attempts-only`), to a file in `dir`: its
/// cost and the file.
fn summarize(
    root: &Path,
    exe: &str,
    dir: &Path,
    shards: &[PathBuf],
    attempts_only: bool,
) -> (Measured, PathBuf) {
    let (name, flags): (&str, &[&str]) = if attempts_only {
        ("attempts.summary", &["--attempts-only"])
    } else {
        ("boots.summary", &[])
    };
    let path = dir.join(name);
    let args = [
        &["summarize"],
        flags,
        &CONFIG[..],
        &["-o", path.to_str().expect("a UTF-8 path")],
    ]
    .concat();
    let (m, _) = run(root, exe, &args, shards);
    (m, path)
}

/// The summary path: `summarize` over the shards; `recommend`, `fit` and `report` from the
/// summary (`recommend`'s and `fit`'s JSON must be the bytes they wrote over the shards); ten
/// renamed copies of the summary of attempts merged (ten times the attempts) and recommended
/// from.
fn from_summaries(
    root: &Path,
    exe: &str,
    target: &Path,
    shards: &[PathBuf],
    attempts: u64,
    mut table: Table,
) -> Table {
    let dir = target.join("bench-data/reduce-summaries");
    std::fs::create_dir_all(&dir).expect("create the summaries folder");
    let (m, boots) = summarize(root, exe, &dir, shards, false);
    let size = std::fs::metadata(&boots).expect("the summary").len();
    table.push("summarize over the shards", m, attempts, Some(size));
    let (m, one) = summarize(root, exe, &dir, shards, true);
    let size = std::fs::metadata(&one).expect("the summary").len();
    table.push(
        "summarize --attempts-only over the shards",
        m,
        attempts,
        Some(size),
    );
    let recommend = [&["recommend"], &CONFIG[..], &["--format", "json"]].concat();
    let (m, stdout) = run(root, exe, &recommend, std::slice::from_ref(&one));
    assert!(
        stdout == table.recommended,
        "recommend from the summary differs from recommend over the shards"
    );
    table.push("recommend from the summary (same bytes)", m, attempts, None);
    let fit = [
        &["fit"],
        &CONFIG[..],
        &["--format", "json", "--class", "default"],
    ]
    .concat();
    let (m, stdout) = run(root, exe, &fit, std::slice::from_ref(&boots));
    assert!(
        stdout == table.fitted,
        "fit from the summary differs from fit over the shards"
    );
    table.push("fit from the summary (same bytes)", m, attempts, None);
    let out = target.join("bench-data/reduce-report-summary");
    let report = [
        &["report"],
        &CONFIG[..],
        &["--quiet", "--out", out.to_str().expect("a UTF-8 path")],
    ]
    .concat();
    let (m, _) = run(root, exe, &report, std::slice::from_ref(&boots));
    table.push("report from the summary", m, attempts, None);
    // The disk is shared: the summary of boots (about a third of the shards) goes once read.
    std::fs::remove_file(&boots).expect("remove the summary of boots");
    ten_merged(root, exe, &dir, &one, attempts, &mut table);
    table
}

/// Ten copies of the summary of attempts, each with its own instance ids and input paths,
/// merged by `summarize` and recommended from: ten times the attempts.
fn ten_merged(root: &Path, exe: &str, dir: &Path, one: &Path, attempts: u64, table: &mut Table) {
    let text = std::fs::read_to_string(one).expect("read the summary");
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
    drop(text);
    let ten = dir.join("ten.summary");
    let merge = [
        &["summarize"],
        &CONFIG[..],
        &["-o", ten.to_str().expect("UTF-8")],
    ]
    .concat();
    println!("  (the ten copies share one instance sketch: the merge warns that they overlap)");
    let (m, _) = run(root, exe, &merge, &copies);
    let size = std::fs::metadata(&ten).expect("the merged summary").len();
    for c in &copies {
        std::fs::remove_file(c).expect("remove a copy");
    }
    table.push(
        "merge ten summaries of attempts",
        m,
        10 * attempts,
        Some(size),
    );
    let recommend = [&["recommend"], &CONFIG[..], &["--format", "json"]].concat();
    let (m, _) = run(root, exe, &recommend, std::slice::from_ref(&ten));
    table.push("recommend from the ten merged", m, 10 * attempts, None);
}
