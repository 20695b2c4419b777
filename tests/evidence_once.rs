//! The same evidence twice is one evidence: platform events on stdin beside their file, a gzip,
//! CRLF or reordered copy of them, the timeline shard of the raw logs beside those logs, and a
//! console captured twice into one file all leave `fit` byte for byte as it was, each repeat
//! named once on stderr. Equal files of two machines are not copies.

use std::io::Write;
use std::path::Path;

mod common;

use common::{fixture, root};

/// Runs `bootline` from the repository's root with `stdin`; returns exit code, stdout, stderr.
fn run(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let out = assert_cmd::Command::cargo_bin("bootline")
        .unwrap()
        .current_dir(root())
        .args(args)
        .write_stdin(stdin.to_vec())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

const FIT: [&str; 5] = [
    "fit",
    "--format",
    "json",
    "--config",
    "fixtures/bootline.toml",
];

fn fit(extra: &[&str], stdin: &[u8]) -> (String, String) {
    let mut args = FIT.to_vec();
    args.push("fixtures/fleet");
    args.extend_from_slice(extra);
    let (code, out, err) = run(&args, stdin);
    assert_eq!(code, 0, "{err}");
    (out, err)
}

#[test]
fn platform_events_by_a_second_road_are_counted_once() {
    let events = std::fs::read(fixture("fleet/events.jsonl")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("events.jsonl.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&events).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let text = String::from_utf8(events.clone()).unwrap();
    let crlf = dir.path().join("events-crlf.jsonl");
    std::fs::write(&crlf, text.replace('\n', "\r\n")).unwrap();
    let reordered = dir.path().join("events-reordered.jsonl");
    let mut lines: Vec<&str> = text.lines().collect();
    lines.reverse();
    std::fs::write(&reordered, lines.join("\n") + "\n").unwrap();
    // Two exports that overlap by a hundred lines.
    let overlap = dir.path().join("events-overlap.jsonl");
    std::fs::write(
        &overlap,
        text.lines().take(100).collect::<Vec<_>>().join("\n"),
    )
    .unwrap();

    let (clean, _) = fit(&[], b"");
    let copies = [&gz, &crlf, &reordered, &overlap].map(|p| p.to_str().unwrap().to_string());
    let mut extra = vec!["-"];
    extra.extend(copies.iter().map(String::as_str));
    let (out, err) = fit(&extra, &events);
    assert_eq!(out, clean);
    let n = text.lines().count();
    let said: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("already read from another input"))
        .collect();
    assert_eq!(said.len(), 1, "{err}");
    assert!(
        said[0].starts_with(&format!(
            "bootline: {} platform events already read from another input, counted once: {} \
             ({n}), ",
            3 * n + 100,
            copies[0]
        )),
        "{}",
        said[0]
    );
    // Standard input holding the same bytes as a file is a copy of it, digested like a file.
    assert!(
        err.contains("read once: - (= fixtures/fleet/events.jsonl)"),
        "{err}"
    );
}

#[test]
fn a_shard_beside_its_raw_logs_and_a_console_captured_twice_are_counted_once() {
    let (clean, _) = fit(&[], b"");
    let dir = tempfile::tempdir().unwrap();
    // The fleet's own timeline shard.
    let (code, shard, err) = run(
        &[
            "timeline",
            "--format",
            "jsonl",
            "--config",
            "fixtures/bootline.toml",
            "fixtures/fleet",
        ],
        b"",
    );
    assert_eq!(code, 0, "{err}");
    let tl = dir.path().join("tl.jsonl");
    std::fs::write(&tl, &shard).unwrap();
    let (out, err) = fit(&[tl.to_str().unwrap()], b"");
    assert_eq!(out, clean);
    let boots = shard.lines().count();
    assert_eq!(
        err.matches("read both from a timeline shard and from raw logs, counted once")
            .count(),
        1,
        "{err}"
    );
    // Those of the class fitted (the default one), each named.
    let line = err.lines().find(|l| l.contains("read both")).unwrap();
    let n: usize = line["bootline: ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(n > 1000 && n < boots, "{line}");

    // A console appended to itself, as a poller that captures twice does.
    let fleet = dir.path().join("fleet");
    copy_dir(&fixture("fleet"), &fleet);
    let instance = first_instance(&fleet);
    let console = instance.join("console.log");
    let text = std::fs::read(&console).unwrap();
    std::fs::OpenOptions::new()
        .append(true)
        .open(&console)
        .unwrap()
        .write_all(&text)
        .unwrap();
    let mut args = FIT.to_vec();
    let f = fleet.to_str().unwrap();
    args.push(f);
    let (code, out, err) = run(&args, b"");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, clean);
    assert!(
        err.contains(&format!(
            "bootline: boots held twice in one input (captured twice), counted once: {} (1)\n",
            console.display()
        )),
        "{err}"
    );
}

#[test]
fn equal_files_in_two_instance_folders_are_two_instances() {
    let dir = tempfile::tempdir().unwrap();
    let analyze = fixture("corpus/serial/systemd_analyze_time_nocloud_qemu_01.txt");
    for id in ["i-0aaaaaaaaaaaaaaa1", "i-0aaaaaaaaaaaaaaa2"] {
        let d = dir.path().join(id);
        std::fs::create_dir(&d).unwrap();
        std::fs::copy(&analyze, d.join("systemd-analyze.txt")).unwrap();
    }
    let d = dir.path().to_str().unwrap();
    let (code, out, err) = run(&["timeline", "--format", "jsonl", d], b"");
    assert_eq!(code, 0, "{err}");
    let instances: Vec<String> = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["instance"].to_string())
        .collect();
    assert_eq!(
        instances,
        ["\"i-0aaaaaaaaaaaaaaa1\"", "\"i-0aaaaaaaaaaaaaaa2\""],
        "{err}"
    );
    assert!(!err.contains("copy"), "{err}");
    // A copy beside them that names no machine is still a copy.
    std::fs::copy(&analyze, dir.path().join("loose.txt")).unwrap();
    let (_, again, err) = run(&["timeline", "--format", "jsonl", d], b"");
    assert_eq!(again, out);
    assert!(err.contains("loose.txt"), "{err}");
}

fn first_instance(fleet: &Path) -> std::path::PathBuf {
    let mut dirs: Vec<_> = std::fs::read_dir(fleet)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && p.join("console.log").exists())
        .collect();
    dirs.sort();
    dirs.remove(0)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let target = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &target);
        } else {
            std::fs::copy(&p, &target).unwrap();
        }
    }
}
