//! Every input read once or refused in one line: overlapping inputs give the statistics of the
//! clean input byte for byte, and what a walk passes over is named.

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;

const FLEET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/fleet");

/// How many instance folders of the fixture fleet the small fleet keeps.
const INSTANCES: usize = 12;

fn bootline(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("bootline").unwrap();
    c.current_dir(dir).timeout(Duration::from_secs(120));
    c
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// A temporary folder holding `fleet/`: the fixture fleet's platform events and its first
/// instance folders (consoles, cloud-init logs, blame captures).
fn small_fleet() -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let fleet = dir.path().join("fleet");
    std::fs::create_dir(&fleet).unwrap();
    std::fs::copy(
        Path::new(FLEET).join("events.jsonl"),
        fleet.join("events.jsonl"),
    )
    .unwrap();
    let mut instances: Vec<PathBuf> = std::fs::read_dir(FLEET)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    instances.sort();
    assert!(instances.len() >= INSTANCES, "the fixture fleet is missing");
    let names: Vec<String> = instances[..INSTANCES]
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap().to_string())
        .collect();
    for (p, n) in instances.iter().zip(&names) {
        copy_dir(p, &fleet.join(n));
    }
    (dir, names)
}

/// The files under `root`, named from `shown`, in the order a walk meets them (sorted by
/// name).
fn walk_order(root: &Path, shown: &str) -> Vec<String> {
    let mut entries: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    let mut out = Vec::new();
    for e in entries {
        let name = format!("{shown}/{}", e.file_name().to_str().unwrap());
        if e.file_type().unwrap().is_dir() {
            out.extend(walk_order(&e.path(), &name));
        } else {
            out.push(name);
        }
    }
    out
}

/// The first instance of the small fleet with a `cloud-init.log`.
fn with_cloudinit_log(dir: &Path, names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("fleet/{n}/cloud-init.log"))
        .find(|p| dir.join(p).is_file())
        .expect("an instance with a cloud-init.log")
}

fn run(dir: &Path, args: &[&str]) -> (String, String) {
    let out = bootline(dir).args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn fit_json(dir: &Path, inputs: &[&str]) -> (String, String) {
    let mut args = vec!["fit", "--format", "json"];
    args.extend_from_slice(inputs);
    run(dir, &args)
}

#[test]
fn the_same_file_reached_twice_is_read_once() {
    let (tmp, names) = small_fleet();
    let dir = tmp.path();
    let (clean, clean_err) = fit_json(dir, &["fleet"]);
    assert_eq!(clean_err, "");
    assert!(clean.contains("\"registered\": 1023"), "{clean}");
    let files = walk_order(&dir.join("fleet"), "fleet");
    // A folder twice, with and without its slash.
    let (twice, err) = fit_json(dir, &["fleet", "fleet/"]);
    assert_eq!(twice, clean);
    assert_eq!(
        err,
        format!(
            "bootline: {} paths reached more than once, read once: {} and {} more\n",
            files.len(),
            files[..5].join(", "),
            files.len() - 5
        )
    );
    // A file inside a folder, named before it and through a symlink.
    let console = format!("fleet/{}/console.log", names[3]);
    std::os::unix::fs::symlink(dir.join(&console), dir.join("link.log")).unwrap();
    let (inside, err) = fit_json(dir, &[&console, "fleet", "link.log"]);
    assert_eq!(inside, clean);
    assert_eq!(
        err,
        format!("bootline: 2 paths reached more than once, read once: fleet/{0}/console.log, link.log\n", names[3])
    );
    // The same file named twice.
    let (named, err) = fit_json(dir, &["fleet/events.jsonl", "fleet/events.jsonl"]);
    let (events, _) = fit_json(dir, &["fleet/events.jsonl"]);
    assert_eq!(named, events);
    assert_eq!(
        err,
        "bootline: 1 path reached more than once, read once: fleet/events.jsonl\n"
    );
}

#[test]
fn the_same_content_under_two_names_is_one_source() {
    let (tmp, names) = small_fleet();
    let dir = tmp.path();
    let (clean, _) = fit_json(dir, &["fleet"]);
    // A copied console in another folder would be another instance's boot: it is dropped.
    std::fs::create_dir(dir.join("copy")).unwrap();
    let console = format!("fleet/{}/console.log", names[5]);
    std::fs::copy(dir.join(&console), dir.join("copy/console.log")).unwrap();
    std::fs::copy(
        dir.join("fleet/events.jsonl"),
        dir.join("events-again.jsonl"),
    )
    .unwrap();
    let (copied, err) = fit_json(dir, &["fleet", "copy", "events-again.jsonl"]);
    assert_eq!(copied, clean);
    assert_eq!(
        err,
        format!(
            "bootline: 2 files with the same content as an earlier input, read once: \
             copy/console.log (= {console}), events-again.jsonl (= fleet/events.jsonl)\n"
        )
    );
    // blame prints each record once too.
    let log = with_cloudinit_log(dir, &names);
    std::fs::copy(dir.join(&log), dir.join("copy/cloud-init.log")).unwrap();
    let (once, _) = run(dir, &["blame", &log]);
    let (twice, err) = run(dir, &["blame", &log, "copy/cloud-init.log"]);
    assert_eq!(twice, format!("==> {log} <==\n{once}"));
    assert_eq!(
        err,
        format!(
            "bootline: 1 file with the same content as an earlier input, read once: \
             copy/cloud-init.log (= {log})\n"
        )
    );
    let (dump_once, _) = run(dir, &["dump", &log]);
    let (dump_twice, err) = run(dir, &["dump", &log, "copy/cloud-init.log"]);
    assert_eq!(dump_twice, dump_once);
    assert_eq!(
        err,
        format!(
            "bootline: 1 file with the same content as an earlier input, read once: \
             copy/cloud-init.log (= {log})\n"
        )
    );
}

#[test]
fn timeline_shards_that_repeat_a_boot_keep_one() {
    let (tmp, _) = small_fleet();
    let dir = tmp.path();
    let (shard, _) = run(dir, &["timeline", "--format", "jsonl", "fleet"]);
    std::fs::write(dir.join("a.jsonl"), &shard).unwrap();
    std::fs::write(dir.join("same.jsonl"), &shard).unwrap();
    let lines: Vec<&str> = shard.lines().collect();
    // An overlapping shard: its first three boots are also in a.jsonl.
    let part: String = lines[..3].iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.join("part.jsonl"), part).unwrap();
    let (clean, clean_err) = fit_json(dir, &["a.jsonl"]);
    assert_eq!(clean_err, "");
    let (copy, err) = fit_json(dir, &["a.jsonl", "same.jsonl"]);
    assert_eq!(copy, clean);
    assert_eq!(
        err,
        "bootline: 1 file with the same content as an earlier input, read once: same.jsonl (= a.jsonl)\n"
    );
    let (overlap, err) = fit_json(dir, &["a.jsonl", "part.jsonl"]);
    assert_eq!(overlap, clean);
    let boot = |l: &str| {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        format!(
            "{} boot {} (part.jsonl)",
            v["instance"].as_str().unwrap(),
            v["boot"]
        )
    };
    assert_eq!(
        err,
        format!(
            "bootline: 3 boots held by more than one timeline shard, kept from the first: {}, {}, {}\n",
            boot(lines[0]),
            boot(lines[1]),
            boot(lines[2])
        )
    );
}

#[test]
fn standard_input_may_be_given_once() {
    let dir = tempfile::tempdir().unwrap();
    bootline(dir.path())
        .args(["blame", "-", "-"])
        .write_stdin("")
        .assert()
        .code(2)
        .stdout("")
        .stderr("bootline: `-` (standard input) may be given only once\n");
}

/// Runs `bootline` as a user that permissions apply to: as root, as `nobody`.
fn as_unprivileged(dir: &Path, args: &[&str]) -> std::process::Output {
    use std::os::unix::process::CommandExt;
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("bootline"));
    c.current_dir(dir).args(args);
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        c.uid(65534).gid(65534);
    }
    c.output().unwrap()
}

#[test]
fn walks_skip_fifos_loops_and_unreadable_folders_and_read_the_rest() {
    use std::os::unix::fs::PermissionsExt;
    let (tmp, names) = small_fleet();
    let dir = tmp.path();
    let (clean, _) = fit_json(dir, &["fleet"]);
    let fleet = dir.join("fleet");
    // A FIFO nobody writes to would block a read forever.
    let fifo = std::ffi::CString::new(fleet.join("live.pipe").to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    // `ln -s . x` inside a folder, plus one more level: a loop a naive walk never leaves.
    std::os::unix::fs::symlink(".", fleet.join(&names[2]).join("x")).unwrap();
    std::os::unix::fs::symlink("..", fleet.join(&names[2]).join("y")).unwrap();
    std::fs::create_dir(fleet.join("secret")).unwrap();
    std::fs::write(fleet.join("secret/console.log"), "[    1.0] x\n").unwrap();
    std::fs::set_permissions(fleet.join("secret"), std::fs::Permissions::from_mode(0o000)).unwrap();
    for p in [dir.to_path_buf(), fleet.clone()] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = as_unprivileged(dir, &["fit", "--format", "json", "fleet"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), clean);
    assert_eq!(
        stderr,
        format!(
            "bootline: skipped fleet/{0}/x: a symlink loop back to fleet/{0}\n\
             bootline: skipped fleet/{0}/y: a symlink loop back to fleet\n\
             bootline: skipped fleet/live.pipe: a FIFO, not a regular file\n\
             bootline: skipped fleet/secret: cannot be read (Permission denied (os error 13))\n",
            names[2]
        )
    );
}

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn a_named_file_of_no_known_format_is_refused_by_every_command() {
    for command in ["blame", "show", "dump", "timeline", "fit"] {
        bootline(Path::new(ROOT))
            .args([command, "Cargo.toml"])
            .assert()
            .code(2)
            .stdout("")
            .stderr(
                "bootline: Cargo.toml: could not recognise the input format from its first \
                 lines; name it with --input-format (see `bootline formats`)\n",
            );
    }
}

#[test]
fn a_missing_file_names_its_cause_once() {
    for command in ["blame", "show", "dump", "timeline", "fit"] {
        bootline(Path::new(ROOT))
            .args([command, "fixtures/nope.log"])
            .assert()
            .code(2)
            .stdout("")
            .stderr("bootline: fixtures/nope.log: No such file or directory (os error 2)\n");
    }
}

#[test]
fn blame_and_show_on_a_file_without_cloud_init_events_say_so() {
    for command in ["blame", "show"] {
        bootline(Path::new(ROOT))
            .args([command, "fixtures/fleet/events.jsonl"])
            .assert()
            .code(1)
            .stdout("")
            .stderr(
                "bootline: no cloud-init events in fixtures/fleet/events.jsonl (read as \
                 platform-events)\n",
            );
    }
}

/// The instances and boot numbers `timeline` selects with these extra arguments.
fn selected(extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "timeline",
        "--format",
        "jsonl",
        "fixtures/fleet/events.jsonl",
    ];
    args.extend_from_slice(extra);
    let (out, _) = run(Path::new(ROOT), &args);
    out.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            format!("{} {}", v["instance"], v["boot"])
        })
        .collect()
}

#[test]
fn since_and_until_take_a_date_alone_and_any_offset() {
    let all = selected(&[]);
    // The fleet launches on 2026-06-10: a date alone is that day's midnight, UTC.
    assert_eq!(selected(&["--since", "2026-06-10"]), all);
    assert_eq!(selected(&["--until", "2026-06-11"]), all);
    assert!(selected(&["--since", "2026-06-11"]).is_empty());
    assert!(selected(&["--until", "2026-06-10"]).is_empty());
    let utc = selected(&["--until", "2026-06-10T14:51:01Z"]);
    assert!(!utc.is_empty() && utc.len() < all.len());
    for same in [
        "2026-06-10T16:51:01+02:00",
        "2026-06-10T16:51:01+0200",
        "2026-06-10 09:51:01-05:00",
        "2026-06-10t14:51:01z",
        "2026-06-10T14:51:01.000-00:00",
    ] {
        assert_eq!(selected(&["--until", same]), utc, "{same}");
    }
    bootline(Path::new(ROOT))
        .args([
            "timeline",
            "--since",
            "June 10",
            "fixtures/fleet/events.jsonl",
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            "bootline: --since June 10: expected a date (2026-06-10, from midnight UTC) or a \
             time with its offset (2026-06-10T14:51:01Z, 2026-06-10T16:51:01+02:00)\n",
        );
}

#[test]
fn an_instance_that_matches_nothing_says_so() {
    for command in ["timeline", "fit"] {
        bootline(Path::new(ROOT))
            .args([
                command,
                "--instance",
                "i-nope",
                "fixtures/fleet/events.jsonl",
            ])
            .assert()
            .code(2)
            .stdout("")
            .stderr("bootline: --instance i-nope matches none of the 1139 instances read\n");
    }
}

#[test]
fn a_closed_pipe_ends_every_command_and_format_quietly() {
    let log = "fixtures/corpus/cloudinit/cloudinit_log_06.log";
    let events = "fixtures/fleet/events.jsonl";
    let runs: &[&[&str]] = &[
        &["blame", log],
        &["blame", "--format", "json", log],
        &["show", log],
        &[
            "show",
            "--format",
            "json",
            log,
            "fixtures/corpus/cloudinit/cloudinit_log_05.log",
        ],
        &["dump", log],
        &["timeline", events],
        &["timeline", "--format", "json", events],
        &["timeline", "--format", "jsonl", events],
        &["fit", events],
        &["fit", "--format", "json", events],
        &["formats"],
    ];
    for args in runs {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("bootline"))
            .current_dir(ROOT)
            .args(*args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes away before the first byte: every write meets a closed pipe.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{args:?}");
    }
}

#[test]
fn an_unwritable_stderr_is_exit_2_not_a_panic() {
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    for args in [
        &["blame", "fixtures/nope.log"][..],
        &["fit", "fixtures/fleet"][..],
    ] {
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("bootline"))
            .current_dir(ROOT)
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(full())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn bootstrap_has_an_upper_bound() {
    bootline(Path::new(ROOT))
        .args(["fit", "--bootstrap", "10001", "fixtures/fleet/events.jsonl"])
        .assert()
        .code(2)
        .stdout("")
        .stderr("bootline: --bootstrap must be between 1 and 10000 resamples, got 10001\n");
}
