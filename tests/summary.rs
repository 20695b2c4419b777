//! Summaries on the fixture fleet: `recommend` and `fit` give the same bytes from the raw logs,
//! from timeline shards, from one summary and from partial summaries merged in different
//! groupings; merging is associative and commutative; overlapping summaries are warned about;
//! a summary of another schema version, a malformed line and a summary beside logs are refused
//! with the file and line; `fit`, `compare` and `report` from a summary of millions of counted
//! attempts give what the counts imply; a summary with the report's parts stays within a
//! stated size from 4,000 generated attempts to 20,000 and to 20 million counted ones.

#[allow(dead_code)]
#[path = "../examples/fleet/attempts.rs"]
mod attempts;
#[allow(dead_code)]
#[path = "../examples/fleet/clock.rs"]
mod clock;
#[allow(dead_code)]
#[path = "../examples/fleet/plan.rs"]
mod plan;
#[allow(dead_code)]
#[path = "../examples/fleet/rng.rs"]
mod rng;
#[allow(dead_code)]
#[path = "../examples/fleet/timelines.rs"]
mod timelines;

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{bootline, bootline_measured, fixture};

const CONFIG: &str = "fixtures/bootline.toml";
const PARTS: usize = 4;
/// The most memory `fit`, `compare` and `report` may take from a summary of any number of
/// counted attempts (they hold its distinct values and groups, not its attempts).
const FROM_SUMMARY_RSS_MAX: u64 = 100 << 20;

/// The fixture fleet cut by instance into `PARTS` folders, as an engine's map cuts it: each
/// instance folder (linked) in one part, with the platform events of its instances (events
/// that name only a workspace go with the instance that launched it).
fn partition(dir: &Path) -> Vec<PathBuf> {
    let fleet = fixture("fleet");
    let mut instances: Vec<String> = std::fs::read_dir(&fleet)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("i-"))
        .collect();
    instances.sort();
    assert!(
        instances.len() > 1000,
        "the fixture fleet has its instances"
    );
    let part: BTreeMap<&str, usize> = instances
        .iter()
        .enumerate()
        .map(|(n, i)| (i.as_str(), n % PARTS))
        .collect();
    let events = std::fs::read_to_string(fleet.join("events.jsonl")).unwrap();
    let parsed: Vec<serde_json::Value> = events
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let launched_by: BTreeMap<&str, &str> = parsed
        .iter()
        .filter(|e| e["event"] == "launched")
        .map(|e| {
            (
                e["workspace"].as_str().unwrap(),
                e["instance"].as_str().unwrap(),
            )
        })
        .collect();
    let dirs: Vec<PathBuf> = (0..PARTS).map(|p| dir.join(format!("p{p}"))).collect();
    let mut texts = vec![String::new(); PARTS];
    for (line, e) in events.lines().zip(&parsed) {
        let instance = e["instance"]
            .as_str()
            .unwrap_or_else(|| launched_by[e["workspace"].as_str().unwrap()]);
        let text = &mut texts[part[instance]];
        text.push_str(line);
        text.push('\n');
    }
    for (d, text) in dirs.iter().zip(&texts) {
        std::fs::create_dir_all(d).unwrap();
        std::fs::write(d.join("events.jsonl"), text).unwrap();
    }
    for (i, p) in &part {
        std::os::unix::fs::symlink(fleet.join(i), dirs[*p].join(i)).unwrap();
    }
    dirs
}

fn run(args: &[&str]) -> String {
    let (code, out, err) = bootline(args);
    assert!(
        code == 0 || code == 1,
        "bootline {args:?}: exit {code}: {err}"
    );
    out
}

fn summarize(inputs: &[&Path], out: &Path) -> String {
    let mut args = vec!["summarize", "--config", CONFIG, "-o", out.to_str().unwrap()];
    args.extend(inputs.iter().map(|p| p.to_str().unwrap()));
    let (code, _, err) = bootline(&args);
    assert_eq!(code, 0, "summarize {inputs:?}: {err}");
    err
}

/// Merges `count` copies of the summary `from` into `to`, copy `k` with every `find` (the
/// start of an instance id) written as `rename(k)`: the same latencies on other machines.
fn merge_renamed_copies(
    from: &Path,
    to: &Path,
    count: usize,
    find: &str,
    rename: impl Fn(usize) -> String,
) {
    let text = std::fs::read_to_string(from).unwrap();
    assert!(text.contains(find), "the summary names instances");
    let copies: Vec<PathBuf> = (0..count)
        .map(|k| {
            let copy = PathBuf::from(format!("{}-{k}", from.display()));
            std::fs::write(&copy, text.replace(find, &rename(k))).unwrap();
            copy
        })
        .collect();
    let copies: Vec<&Path> = copies.iter().map(PathBuf::as_path).collect();
    summarize(&copies, to);
}

/// Doubles the summary `first` `rounds` times in `dir`: round `k` merges the summary so far
/// with a copy of it whose instance ids are renamed (`"i-` → `"i-{k}`) into `x{2^k}.sum`, and
/// hands `each` that merge and summarize's stderr. Returns the last merge.
fn doubled(dir: &Path, first: PathBuf, rounds: u32, mut each: impl FnMut(&Path, &str)) -> PathBuf {
    let mut current = first;
    for k in 1..=rounds {
        let text = std::fs::read_to_string(&current).unwrap();
        let copy = dir.join(format!("copy{k}.sum"));
        std::fs::write(&copy, text.replace("\"i-", &format!("\"i-{k}"))).unwrap();
        let merged = dir.join(format!("x{}.sum", 1 << k));
        let err = summarize(&[&current, &copy], &merged);
        each(&merged, &err);
        current = merged;
    }
    current
}

/// `recommend --format json` and `fit --format json` of both classes over `inputs`.
fn decisions(inputs: &[&str]) -> Vec<String> {
    let mut outs = Vec::new();
    let mut rec = vec!["recommend", "--config", CONFIG, "--format", "json"];
    rec.extend(inputs);
    outs.push(run(&rec));
    for class in ["default", "hermes"] {
        let mut fit = vec![
            "fit", "--config", CONFIG, "--format", "json", "--class", class,
        ];
        fit.extend(inputs);
        outs.push(run(&fit));
    }
    outs
}

#[test]
fn raw_logs_shards_one_summary_and_merged_parts_decide_alike() {
    let dir = tempfile::tempdir().unwrap();
    let parts = partition(dir.path());
    let sum = |name: &str| dir.path().join(name);
    for (p, d) in parts.iter().enumerate() {
        summarize(&[d], &sum(&format!("p{p}.sum")));
    }
    let all: Vec<&Path> = parts.iter().map(PathBuf::as_path).collect();
    summarize(&all, &sum("whole.sum"));
    // Two groupings and orders of the same four parts.
    summarize(&[&sum("p0.sum"), &sum("p1.sum")], &sum("p01.sum"));
    summarize(&[&sum("p2.sum"), &sum("p3.sum")], &sum("p23.sum"));
    summarize(&[&sum("p23.sum"), &sum("p01.sum")], &sum("tree.sum"));
    summarize(
        &[
            &sum("p3.sum"),
            &sum("p1.sum"),
            &sum("p0.sum"),
            &sum("p2.sum"),
        ],
        &sum("flat.sum"),
    );
    let bytes = |name: &str| std::fs::read(sum(name)).unwrap();
    assert_eq!(
        bytes("tree.sum"),
        bytes("flat.sum"),
        "merging is associative and commutative"
    );
    assert_eq!(
        bytes("tree.sum"),
        bytes("whole.sum"),
        "a merge is the summary of the union"
    );
    assert!(bytes("whole.sum").starts_with(b"{\"bootline_summary\":3,"));

    // Shards: one timeline per part.
    let mut shards = Vec::new();
    for (p, d) in parts.iter().enumerate() {
        let out = run(&[
            "timeline",
            "--config",
            CONFIG,
            "--format",
            "jsonl",
            d.to_str().unwrap(),
        ]);
        let path = sum(&format!("shard-{p}.jsonl"));
        std::fs::write(&path, out).unwrap();
        shards.push(path.to_str().unwrap().to_string());
    }
    let raw = decisions(&[fixture("fleet").to_str().unwrap()]);
    assert!(raw[0].contains("\"recommended_timeout_s\""), "{}", raw[0]);
    assert!(raw[1].contains("\"tail_blame\"") && raw[2].contains("\"class\": \"hermes\""));
    let shard_refs: Vec<&str> = shards.iter().map(String::as_str).collect();
    assert_eq!(decisions(&shard_refs), raw, "shards");
    let one = sum("whole.sum");
    assert_eq!(decisions(&[one.to_str().unwrap()]), raw, "one summary");
    let tree = sum("tree.sum");
    assert_eq!(
        decisions(&[tree.to_str().unwrap()]),
        raw,
        "merged summaries"
    );
    // A candidate most boots are slower than: its list holds the 100 slowest and counts the
    // rest, alike from the logs and from the merged summary; check's gate reads the same.
    let fleet_dir = fixture("fleet");
    let fleet_arg = fleet_dir.to_str().unwrap();
    let capped = |input: &str| {
        let args = ["recommend", "--config", CONFIG, "--format", "json"];
        run(&[&args[..], &["--candidates", "300", input]].concat())
    };
    let from_logs = capped(fleet_arg);
    let v: serde_json::Value = serde_json::from_str(&from_logs).unwrap();
    let at_300 = &v["classes"][0]["candidates"][0];
    assert_eq!(at_300["instances"].as_array().unwrap().len(), 100);
    assert_eq!(
        100 + at_300["instances_more"].as_u64().unwrap(),
        at_300["observed"].as_u64().unwrap()
    );
    assert_eq!(capped(tree.to_str().unwrap()), from_logs, "capped lists");
    let check = |input: &str| run(&["check", "--config", CONFIG, "--format", "json", input]);
    let checked = check(fleet_arg);
    assert!(checked.contains("\"gate\""), "{checked}");
    assert_eq!(check(tree.to_str().unwrap()), checked, "check");

    // Attempts alone: the same recommendation, from a summary whose size depends on the
    // distinct latencies (and at most 100 ids of each listed kind per group).
    let mut compact = Vec::new();
    for (p, d) in parts.iter().enumerate() {
        let out = sum(&format!("q{p}.sum"));
        let args = ["summarize", "--config", CONFIG, "--attempts-only"];
        let (code, _, err) = bootline(
            &[
                &args[..],
                &[d.to_str().unwrap(), "-o", out.to_str().unwrap()],
            ]
            .concat(),
        );
        assert_eq!(code, 0, "{err}");
        compact.push(out);
    }
    let q: Vec<&Path> = compact.iter().rev().map(PathBuf::as_path).collect();
    summarize(&q, &sum("q.sum"));
    let q = sum("q.sum");
    // Without the boots' lines: the attempts' alone.
    let q_text = String::from_utf8(bytes("q.sum")).unwrap();
    assert!(q_text
        .lines()
        .skip(1)
        .all(|l| l.starts_with("{\"attempts\":")));
    assert!(bytes("q.sum").len() < bytes("whole.sum").len());
    let mut rec = vec!["recommend", "--config", CONFIG, "--format", "json"];
    rec.push(q.to_str().unwrap());
    assert_eq!(run(&rec), raw[0], "attempts only");
    let (code, _, err) = bootline(&["fit", "--config", CONFIG, q.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("fit needs the boots"), "{err}");

    // The parts given to the command, merged as they are read.
    let four: Vec<String> = (0..PARTS)
        .map(|p| sum(&format!("p{p}.sum")).to_str().unwrap().to_string())
        .collect();
    let four: Vec<&str> = four.iter().map(String::as_str).collect();
    assert_eq!(decisions(&four), raw, "parts read together");

    // compare reads the summary's boots as it reads the logs'.
    let compare = |inputs: &[&str]| {
        let args = [
            "compare",
            "--config",
            CONFIG,
            "--format",
            "json",
            "--group-by",
            "template",
        ];
        run(&[&args[..], inputs].concat())
    };
    let part_dirs: Vec<&str> = parts.iter().map(|p| p.to_str().unwrap()).collect();
    let compared = compare(&part_dirs);
    assert!(compared.contains("\"name\": \"gpu-large\""), "{compared}");
    assert_eq!(compare(&[tree.to_str().unwrap()]), compared, "compare");

    // The report of the merged summary is the report of the logs it was made from, apart from
    // the command that made it.
    let report = |out: &str, inputs: &[&str]| {
        let out = dir.path().join(out);
        let mut args = vec![
            "report",
            "--quiet",
            "--config",
            CONFIG,
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend(inputs);
        run(&args);
        let md = std::fs::read_to_string(out.join("report.md")).unwrap();
        let command = md
            .lines()
            .find(|l| l.starts_with("bootline report"))
            .unwrap()
            .to_string();
        (md.replace(&command, "bootline report …"), out)
    };
    let (from_logs, logs_dir) = report("report-logs", &part_dirs);
    let (from_summary, summary_dir) = report("report-summary", &[tree.to_str().unwrap()]);
    assert!(from_logs.contains(" input files (") && from_logs.contains("## Recommendation"));
    assert_eq!(from_summary, from_logs);
    for svg in ["survival.svg", "distribution.svg", "waterfall.svg"] {
        let read = |d: &Path| std::fs::read(d.join(svg)).unwrap();
        assert_eq!(read(&summary_dir), read(&logs_dir), "{svg}");
    }
}

#[test]
fn overlapping_summaries_are_warned_about_and_other_versions_refused() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = fixture("fleet");
    let one = dir.path().join("one.sum");
    // A few instances with the platform events: enough to see the whole format.
    let inputs: Vec<PathBuf> = ["i-0011fe8bfa4bd0e41", "i-0015d980524a6c0b7"]
        .iter()
        .map(|i| fleet.join(i))
        .chain([fleet.join("events.jsonl")])
        .collect();
    let refs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    summarize(&refs, &one);
    let twice = dir.path().join("twice.sum");
    let err = summarize(&[&one, &one], &twice);
    assert!(
        err.contains("one.sum: the summaries merged share 3 inputs"),
        "{err}"
    );

    let text = std::fs::read_to_string(&one).unwrap();
    let other = dir.path().join("v1.sum");
    std::fs::write(
        &other,
        text.replacen("{\"bootline_summary\":3,", "{\"bootline_summary\":1,", 1),
    )
    .unwrap();
    let (code, _, err) = bootline(&["recommend", "--config", CONFIG, other.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("v1.sum:1: expected a bootline summary of schema_version 3, found version 1"),
        "{err}"
    );

    // A summary keeping another number of ids per listed kind is refused.
    let other_cap = dir.path().join("cap.sum");
    assert!(text.contains("\"listed_max\":100,"));
    std::fs::write(
        &other_cap,
        text.replacen("\"listed_max\":100,", "\"listed_max\":50,", 1),
    )
    .unwrap();
    let (code, _, err) = bootline(&["recommend", "--config", CONFIG, other_cap.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("cap.sum:1: expected a summary's header") && err.contains("listed_max 50"),
        "{err}"
    );

    let mut lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() > 3, "a header and rows");
    lines[2] = "{\"attempts\":{\"n\":\"three\"}}";
    let broken = dir.path().join("broken.sum");
    std::fs::write(&broken, lines.join("\n")).unwrap();
    let (code, _, err) = bootline(&["fit", "--config", CONFIG, broken.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("broken.sum:3: expected a summary line"),
        "{err}"
    );

    let (code, _, err) = bootline(&[
        "recommend",
        "--config",
        CONFIG,
        one.to_str().unwrap(),
        fleet.join("events.jsonl").to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("is a summary and") && err.contains("summarize the logs first"),
        "{err}"
    );

    let (code, _, err) = bootline(&[
        "recommend",
        "--config",
        CONFIG,
        "--since",
        "2026-06-10",
        one.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--since selects boots as they are summarized"),
        "{err}"
    );
}

/// A summary's size and the decision it gives follow the distinct values, not the attempts:
/// the fixture fleet's attempts-only summary, merged as 100 renamed copies and those as 100
/// renamed copies again, counts about 11 million attempts (a merge adds counts: no attempt
/// is generated) in a summary under 5 MB, and `recommend` from it gives the one copy's
/// counts times 10,000 and capped lists of its slowest attempts.
#[test]
fn ten_million_counted_attempts_make_a_summary_of_a_few_megabytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    let (code, _, err) = bootline(&[
        "summarize",
        "--config",
        CONFIG,
        "--attempts-only",
        fixture("fleet").to_str().unwrap(),
        "-o",
        path("one.sum").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    // Copies of a summary with every instance id renamed: the same latencies, other machines.
    let hundred = path("hundred.sum");
    merge_renamed_copies(&path("one.sum"), &hundred, 100, ",\"i-", |k| {
        format!(",\"r1x{k}-i-")
    });
    let many = path("many.sum");
    merge_renamed_copies(&hundred, &many, 100, ",\"r1x", |k| format!(",\"r2x{k}-r1x"));
    let size = std::fs::metadata(&many).unwrap().len();
    assert!(size < 5_000_000, "{size} bytes");

    let recommend = |p: &Path| -> serde_json::Value {
        let out = run(&[
            "recommend",
            "--config",
            CONFIG,
            "--format",
            "json",
            p.to_str().unwrap(),
        ]);
        serde_json::from_str(&out).unwrap()
    };
    let one = recommend(&path("one.sum"));
    let big = recommend(&many);
    for (o, b) in one["classes"]
        .as_array()
        .unwrap()
        .iter()
        .zip(big["classes"].as_array().unwrap())
    {
        let n = |v: &serde_json::Value, key: &str| v[key].as_u64().unwrap();
        for key in [
            "n",
            "n_censored",
            "n_exact",
            "n_killed",
            "n_killed_unresolved",
            "n_stuck",
        ] {
            assert_eq!(n(b, key), 10_000 * n(o, key), "{key}");
        }
        assert!(n(b, "n") > 1_000_000 || o["class"] != "default");
        // Kaplan–Meier's share is a ratio of counts: the same number.
        let at = |v: &serde_json::Value| v["false_fail_at_current"].clone();
        assert_eq!(at(b)["km"], at(o)["km"]);
        assert_eq!(n(&at(b), "observed"), 10_000 * n(&at(o), "observed"));
        let listed = at(b)["instances"].as_array().unwrap().len() as u64;
        let more = at(b)["instances_more"].as_u64().unwrap_or(0);
        assert_eq!(listed + more, n(&at(b), "observed"));
        assert!(listed <= 100);
        // The killed that registered later: 100 of them, all at one copy's slowest latency.
        let late = |v: &serde_json::Value| v["killed_registered"].as_array().unwrap().clone();
        let slowest = late(o)
            .iter()
            .map(|l| l["latency_s"].as_f64().unwrap())
            .fold(0.0, f64::max);
        let total = 10_000 * late(o).len() as u64;
        if total > 100 {
            assert_eq!(late(b).len(), 100);
            assert_eq!(n(b, "killed_registered_more"), total - 100);
            assert!(late(b).iter().all(|l| l["latency_s"] == slowest));
        }
    }
    assert!(
        big["classes"][0]["killed_registered_more"]
            .as_u64()
            .unwrap()
            > 0
    );
}

/// The bytes of a summary's lines that start with `kind` (`{"boot":`, …), and how many.
fn lines_of(text: &str, kind: &str) -> (usize, usize) {
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with(kind)).collect();
    (lines.len(), lines.iter().map(|l| l.len() + 1).sum())
}

/// Each phase's duration counts (grid point in ms, count) of the default class in a summary's
/// `{"boots": …}` lines, added over the lines: each tail-blame level's durations, by name (a
/// summary writes a phase's durations apart only where they differ from its level's; none
/// does on the fixture fleet).
fn default_grids(summary: &str) -> BTreeMap<String, BTreeMap<i64, u64>> {
    let mut grids: BTreeMap<String, BTreeMap<i64, u64>> = BTreeMap::new();
    for line in summary.lines().filter(|l| l.starts_with("{\"boots\":")) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["boots"]["class"] != "default" {
            continue;
        }
        let phases = &v["boots"]["counts"]["phases"];
        assert!(phases.get("durations").is_none(), "{phases}");
        for level in phases["levels"].as_array().unwrap() {
            let names = level["phases"].as_array().unwrap();
            for (name, steps) in names.iter().zip(level["durations"].as_array().unwrap()) {
                let grid = grids.entry(name.as_str().unwrap().to_string()).or_default();
                for (p, n) in grid_points(steps) {
                    *grid.entry(p).or_default() += n;
                }
            }
        }
    }
    grids
}

/// A written grid's points (ms) and counts: `[[step, …], [count, …]]`, each step on the grid's
/// numbering (milliseconds below one second, then 900 numbers a decade of three significant
/// digits), docs/scale.md.
fn grid_points(steps: &serde_json::Value) -> Vec<(i64, u64)> {
    let number = |v: &serde_json::Value| v.as_array().unwrap().clone();
    let (steps, counts) = (number(&steps[0]), number(&steps[1]));
    assert_eq!(steps.len(), counts.len());
    let mut at = 0i64;
    (steps.iter().zip(counts))
        .map(|(step, n)| {
            at += step.as_i64().unwrap();
            // Negative numbers mirror positive ones (a phase that ends before it starts).
            let i = at.abs();
            let point = if i < 1_000 {
                i
            } else {
                let k = i - 1_000;
                (k % 900 + 100) * 10i64.pow(k as u32 / 900 + 1)
            };
            (point * at.signum(), n.as_u64().unwrap())
        })
        .collect()
}

/// Type 7 (docs/statistics.md §2) of the values counted at grid points, in seconds.
fn type7(grid: &[(i64, u64)], q: f64) -> f64 {
    let sorted: Vec<f64> = (grid.iter())
        .flat_map(|(p, n)| std::iter::repeat_n(*p as f64 / 1e3, *n as usize))
        .collect();
    let h = (sorted.len() - 1) as f64 * q;
    let j = h.floor() as usize;
    match sorted.get(j + 1) {
        Some(hi) => sorted[j] + (h - j as f64) * (hi - sorted[j]),
        None => sorted[j],
    }
}

/// The phase quantiles `fit --format json` gives for the default class of `summary`.
fn fit_phases(summary: &Path) -> Vec<serde_json::Value> {
    let out = run(&[
        "fit",
        "--config",
        CONFIG,
        "--format",
        "json",
        summary.to_str().unwrap(),
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v["phases"].as_array().unwrap().clone()
}

#[test]
fn a_summary_of_many_boots_keeps_its_boots_part_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: String| dir.path().join(name);
    let first = path("x1.sum".into());
    summarize(&[&fixture("fleet")], &first);
    let one = std::fs::read_to_string(&first).unwrap();
    let boots_of_one = lines_of(&one, "{\"boot\":").0;
    let mut sizes = Vec::new();
    // Doubling (the inputs keep their paths, so each merge warns of them and counts them once).
    let current = doubled(dir.path(), first, 8, |merged, err| {
        assert!(
            err.contains("share"),
            "the copies share their inputs: {err}"
        );
        let text = std::fs::read_to_string(merged).unwrap();
        sizes.push((
            lines_of(&text, "{\"boot\":"),
            lines_of(&text, "{\"boots\":"),
        ));
    });
    let ((boot_lines, _), (_, counts_bytes)) = sizes[7];
    // 256 copies of the fleet's 1,143 boots (292,608): the boots drawn are capped per class
    // (the waterfall's 60 healthy and 120 of each other group, the first 100 of each notable
    // outcome by instance id), whatever the number of copies.
    assert!(boot_lines > boots_of_one, "{sizes:?}");
    assert!(boot_lines <= 2 * (60 + 4 * 120 + 5 * 100), "{sizes:?}");
    // The counts hold the same values with 256 times the counts: each count and sum a few
    // more digits (log10 256 ≈ 2.4), nothing more.
    let (_, counts_of_one) = lines_of(&one, "{\"boots\":");
    assert!(
        counts_bytes < counts_of_one + counts_of_one / 2,
        "{counts_of_one} → {sizes:?}"
    );
    // The phase quantiles of 256 copies are type 7 over one copy's grid counts, each counted
    // 256 times.
    let of_all = fit_phases(&current);
    let grids = default_grids(&one);
    assert_eq!(of_all.len(), grids.len());
    for q in &of_all {
        let grid: Vec<(i64, u64)> = (grids[q["phase"].as_str().unwrap()].iter())
            .map(|(p, n)| (*p, n * 256))
            .collect();
        assert_eq!(q["n"].as_u64(), Some(grid.iter().map(|g| g.1).sum()));
        for (name, level) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99)] {
            assert_eq!(
                q[name].as_f64(),
                Some(type7(&grid, level)),
                "{} {name}",
                q["phase"]
            );
        }
    }
    // The report names the first notable boots of each outcome and counts the rest.
    let out = dir.path().join("report");
    run(&[
        "report",
        "--quiet",
        "--config",
        CONFIG,
        "--out",
        out.to_str().unwrap(),
        current.to_str().unwrap(),
    ]);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let crashed = |v: &serde_json::Value| {
        (v["notable"].as_array().unwrap().iter())
            .filter(|b| b["class"] == "default" && b["outcome"] == "crashed")
            .count()
    };
    assert_eq!(crashed(&json), 100);
    assert_eq!(json["fleet"]["boots"], 1143 * 256);
    let unlisted = json["notable_unlisted"]["default"]["crashed"]
        .as_u64()
        .unwrap();
    assert_eq!(unlisted, 7 * 256 - 100);
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("Not listed: 1,692 more crashed boots of class default"),
        "{md}"
    );
}

/// `fit`, `compare --group-by template` and `report` from the fixture fleet's summary (with its
/// boots) merged as 10,000 renamed copies — 11,430,000 boots, 11,400,000 attempts counted,
/// none generated: the copies share every latency — give what the counts imply, in memory
/// for the distinct values. Counts are the one copy's times 10,000; shares, Kaplan–Meier's
/// survival and quantiles and the type 1 quantiles (a value's share of the records is the
/// same) are the same numbers; each command's peak RSS stays under [`FROM_SUMMARY_RSS_MAX`]
/// (one record per counted attempt would take about 400 MB).
#[test]
fn fit_compare_and_report_from_millions_of_counted_attempts_give_what_the_counts_imply() {
    const COPIES: u64 = 100 * 100;
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    summarize(&[&fixture("fleet")], &path("one.sum"));
    // 100 renamed copies of one (every instance id `"i-…` becomes `"i-a{k}x-…`) merged, and
    // 100 renamed copies of those (`"i-a…` becomes `"i-b{k}x-a…`).
    let hundred = path("hundred.sum");
    merge_renamed_copies(&path("one.sum"), &hundred, 100, "\"i-", |k| {
        format!("\"i-a{k}x-")
    });
    merge_renamed_copies(&hundred, &path("many.sum"), 100, "\"i-a", |k| {
        format!("\"i-b{k}x-a")
    });
    let (one, many) = (path("one.sum"), path("many.sum"));
    // Each command's output; from the merged summary, its peak memory checked too.
    let json = |args: &[&str]| -> serde_json::Value {
        let (code, out, err, rss) = bootline_measured(args);
        assert!(code == 0 || code == 1, "{args:?}: exit {code}: {err}");
        if args.last() == Some(&many.to_str().unwrap()) {
            assert!(rss < FROM_SUMMARY_RSS_MAX, "{args:?}: peak RSS {rss} bytes");
        }
        serde_json::from_str(&out).unwrap()
    };
    let n = |v: &serde_json::Value, key: &str| v[key].as_u64().unwrap();

    // fit: the counts times the copies; the shares and quantiles the same.
    let fit = |p: &Path| {
        json(&[
            "fit",
            "--config",
            CONFIG,
            "--format",
            "json",
            p.to_str().unwrap(),
        ])
    };
    let (o, m) = (fit(&one), fit(&many));
    for key in ["n", "n_events", "n_censored"] {
        assert_eq!(n(&m, key), COPIES * n(&o, key), "{key}");
    }
    assert!(n(&m, "n") > 10_000_000);
    for key in ["attempts", "boots"] {
        let counts = o[key].as_object().unwrap();
        assert!(!counts.is_empty());
        for (outcome, c) in counts {
            assert_eq!(m[key][outcome].as_u64(), Some(COPIES * c.as_u64().unwrap()));
        }
    }
    assert_eq!(
        m["empirical_quantiles"]["type1"],
        o["empirical_quantiles"]["type1"]
    );
    for q in ["p50", "p90", "p99"] {
        let km = |v: &serde_json::Value| v["km"]["quantiles"][q]["estimate"].clone();
        assert_eq!(km(&m), km(&o), "{q}");
    }
    let survival = |v: &serde_json::Value| -> Vec<(f64, f64)> {
        (v["km"]["survival_at"].as_array().unwrap().iter())
            .map(|p| (p["t"].as_f64().unwrap(), p["s"].as_f64().unwrap()))
            .collect()
    };
    assert_eq!(survival(&m), survival(&o));

    // compare: each template's cohort counted times the copies, its numbers the same.
    let compare = |p: &Path| {
        let args = ["compare", "--config", CONFIG, "--group-by", "template"];
        json(&[&args[..], &["--format", "json", p.to_str().unwrap()]].concat())
    };
    let (o, m) = (compare(&one), compare(&many));
    let (og, mg) = (
        o["groups"].as_array().unwrap(),
        m["groups"].as_array().unwrap(),
    );
    assert!(og.len() >= 2);
    assert_eq!(og.len(), mg.len());
    for (a, b) in og.iter().zip(mg) {
        assert_eq!(a["name"], b["name"]);
        for key in ["n", "n_censored"] {
            assert_eq!(n(b, key), COPIES * n(a, key), "{} {key}", a["name"]);
        }
        for key in ["km_median", "false_fail_share"] {
            assert_eq!(a[key], b[key], "{} {key}", a["name"]);
        }
        for q in ["p50", "p90", "p99"] {
            assert_eq!(a["quantiles"][q]["estimate"], b["quantiles"][q]["estimate"]);
        }
    }
    assert_eq!(o["at"][0]["survival"], m["at"][0]["survival"]);

    // report: the fleet and every class's attempts and boots times the copies.
    let report = |p: &Path, out: &str| {
        let out = path(out);
        let args = ["report", "--quiet", "--config", CONFIG, "--out"];
        let args = [&args[..], &[out.to_str().unwrap(), p.to_str().unwrap()]].concat();
        let (code, _, err, rss) = bootline_measured(&args);
        assert!(code == 0 || code == 1, "report: exit {code}: {err}");
        if p == many {
            assert!(rss < FROM_SUMMARY_RSS_MAX, "report: peak RSS {rss} bytes");
        }
        let text = std::fs::read_to_string(out.join("report.json")).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()
    };
    let (o, m) = (report(&one, "r1"), report(&many, "rn"));
    for key in ["boots", "instances"] {
        assert_eq!(n(&m["fleet"], key), COPIES * n(&o["fleet"], key), "{key}");
    }
    let (oc, mc) = (
        o["classes"].as_array().unwrap(),
        m["classes"].as_array().unwrap(),
    );
    assert_eq!(oc.len(), mc.len());
    for (a, b) in oc.iter().zip(mc) {
        for key in ["attempts", "boots"] {
            for (outcome, c) in a[key].as_object().unwrap() {
                let want = COPIES * c.as_u64().unwrap();
                assert_eq!(b[key][outcome].as_u64(), Some(want), "{} {key}", a["class"]);
            }
        }
        // Every class of the fixture fleet has exact latencies to fit.
        assert_eq!(
            n(&b["fit"], "n"),
            COPIES * n(&a["fit"], "n"),
            "{}",
            a["class"]
        );
    }
}

/// The generator's timeline shards of `attempts` attempts (its modules are compiled in here),
/// summarized with the report's parts into `out`.
fn generated_summary(dir: &Path, attempts: usize, out: &Path) {
    timelines::write(&timelines::Options {
        out: dir.to_path_buf(),
        attempts,
        shards: 2,
        seed: 20_260_610,
        pull_extra_secs: 0,
    })
    .expect("write the shards");
    // The generator's counts are not an input.
    std::fs::remove_file(dir.join("truth-timelines.json")).expect("truth written");
    summarize(&[dir], out);
}

/// A summary's bytes depend on the distinct values and the caps, not on the attempts: five
/// times the generated attempts (4,000 → 20,000, the same distribution) make a summary with
/// the report's parts less than 2.5 times larger (more distinct latencies and grid points are
/// seen, not more attempts kept), and that summary merged with renamed copies of itself up to
/// 20,480,000 counted attempts grows by the digits of its counts alone (less than 3 times for
/// 1,024 times the attempts) and stays under 5 MB (docs/scale.md, "Size and memory").
#[test]
fn a_summary_with_the_report_parts_stays_within_its_size_as_attempts_grow() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    let (small, large) = (path("small.sum"), path("large.sum"));
    generated_summary(&path("g4k"), 4_000, &small);
    generated_summary(&path("g20k"), 20_000, &large);
    let size = |p: &Path| std::fs::metadata(p).unwrap().len();
    let (of_small, of_large) = (size(&small), size(&large));
    assert!(of_large > of_small, "{of_small} → {of_large}");
    assert!(of_large * 10 < of_small * 25, "{of_small} → {of_large}");
    let text = std::fs::read_to_string(&large).unwrap();
    assert!(
        lines_of(&text, "{\"boots\":").0 > 0,
        "the report's parts are there"
    );
    assert!(
        lines_of(&text, "{\"boot\":").0 > 0,
        "the report's parts are there"
    );
    // Doubling ten times: 1,024 copies, every instance id renamed in each.
    let current = doubled(dir.path(), large, 10, |_, _| {});
    // Each count and integer sum gains at most log10 1024 ≈ 3 digits; the ids named and the
    // boots drawn stay within their caps (their renamed ids a few characters longer).
    let merged = size(&current);
    assert!(merged < 3 * of_large, "{of_large} → {merged}");
    assert!(merged < 5_000_000, "{merged} bytes");
    // They are 1,024 times the attempts.
    let instances = |p: &Path| {
        let first = std::fs::read_to_string(p).unwrap();
        let header: serde_json::Value =
            serde_json::from_str(first.lines().next().unwrap()).unwrap();
        header["instances"].as_u64().unwrap()
    };
    assert_eq!(instances(&current), 1_024 * instances(&path("x2.sum")) / 2);
}
