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

/// Runs `bootline` as a user that permissions apply to: as root, as `nobody`. The binary is
/// run from a copy inside `dir`, which `nobody` can reach wherever the clone is (a clone in a
/// private folder, as in a container's `/root`, keeps its `target/` out of `nobody`'s reach).
fn as_unprivileged(dir: &Path, args: &[&str]) -> std::process::Output {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let bin = dir.join("bootline-bin");
    if !bin.exists() {
        std::fs::copy(assert_cmd::cargo::cargo_bin("bootline"), &bin).unwrap();
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mut c = std::process::Command::new(&bin);
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
        &["recommend", events],
        &["recommend", "--format", "json", events],
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
        // Quietly: stderr says what a run with a reader says, nothing about the pipe.
        let open = bootline(Path::new(ROOT)).args(*args).output().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&open.stderr),
            "{args:?}"
        );
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

/// A timeline shard of the fixture fleet's platform events, in a temporary folder.
fn shard() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(ROOT).join("fixtures/fleet/events.jsonl"),
        dir.path().join("events.jsonl"),
    )
    .unwrap();
    let (out, _) = run(
        dir.path(),
        &["timeline", "--format", "jsonl", "events.jsonl"],
    );
    std::fs::write(dir.path().join("a.jsonl"), &out).unwrap();
    (dir, out)
}

#[test]
fn a_shard_with_a_damaged_first_line_or_a_bom_is_still_a_timeline() {
    let (tmp, shard) = shard();
    let dir = tmp.path();
    let (clean, _) = fit_json(dir, &["a.jsonl"]);
    let mut damaged = b"\xef\xbb\xbf{\"schema_version\":1,\"inst\n".to_vec();
    damaged.extend_from_slice(shard.as_bytes());
    std::fs::write(dir.join("damaged.jsonl"), damaged).unwrap();
    let (out, err) = fit_json(dir, &["damaged.jsonl"]);
    assert_eq!(out, clean);
    assert_eq!(
        err,
        "bootline: damaged.jsonl: skipped 1 malformed line (--strict makes the first one an error)\n\
         damaged.jsonl:1:25: expected a boot timeline object (EOF while parsing a string at line 1 column 25)\n  \
         {\"schema_version\":1,\"inst\n  \
         \x20                       ^\n"
    );
}

#[test]
fn invalid_utf8_in_a_shard_is_one_located_malformed_line() {
    let (tmp, shard) = shard();
    let dir = tmp.path();
    let lines: Vec<&str> = shard.lines().collect();
    let mut bytes = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if i == 2 {
            bytes.extend_from_slice(b"{\"schema_version\":1,\"instance\":\"\xff\"}\n");
        } else {
            bytes.extend_from_slice(l.as_bytes());
            bytes.push(b'\n');
        }
    }
    std::fs::write(dir.join("bad.jsonl"), bytes).unwrap();
    let rest: String = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 2)
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    std::fs::write(dir.join("rest.jsonl"), rest).unwrap();
    let (out, err) = fit_json(dir, &["bad.jsonl"]);
    assert_eq!(out, fit_json(dir, &["rest.jsonl"]).0);
    assert_eq!(
        err,
        "bootline: bad.jsonl: skipped 1 malformed line (--strict makes the first one an error)\n\
         bad.jsonl:3:33: expected UTF-8 text\n  \
         {\"schema_version\":1,\"instance\":\"\u{fffd}\"}\n  \
         \x20                               ^\n"
    );
}

#[test]
fn a_timeline_of_another_schema_version_is_refused_naming_it() {
    let (tmp, shard) = shard();
    let dir = tmp.path();
    let v2 = shard.replacen("\"schema_version\":1", "\"schema_version\":2", 1);
    std::fs::write(dir.join("v2.jsonl"), v2).unwrap();
    bootline(dir)
        .args(["fit", "v2.jsonl"])
        .assert()
        .code(2)
        .stdout("")
        .stderr("bootline: v2.jsonl:1: a timeline of schema_version 2; this bootline reads schema_version 1\n");
}

#[test]
fn content_decides_not_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let log = std::fs::read(Path::new(ROOT).join("fixtures/corpus/cloudinit/cloudinit_log_01.log"))
        .unwrap();
    std::fs::write(dir.join("utf8.log"), &log).unwrap();
    let (want, _) = run(dir, &["blame", "utf8.log"]);
    assert!(want.ends_with("\n1 boot records analyzed\n"), "{want}");
    // UTF-16 with a BOM (as Windows tools write) and without one: decoded.
    let text = String::from_utf8(log.clone()).unwrap();
    let mut le = vec![0xff, 0xfe];
    let mut be = Vec::new();
    for u in text.encode_utf16() {
        le.extend(u.to_le_bytes());
        be.extend(u.to_be_bytes());
    }
    std::fs::write(dir.join("cloud-init.log"), &le).unwrap();
    std::fs::write(dir.join("be.log"), &be).unwrap();
    assert_eq!(run(dir, &["blame", "cloud-init.log"]).0, want);
    assert_eq!(run(dir, &["blame", "be.log"]).0, want);
    // A console padded with NULs is still recognised as a console.
    let console =
        std::fs::read(Path::new(ROOT).join(format!("{FLEET}/i-0011fe8bfa4bd0e41/console.log")))
            .unwrap();
    let mut padded = vec![0u8; 200_000];
    padded.extend_from_slice(&console);
    std::fs::write(dir.join("padded.txt"), &padded).unwrap();
    std::fs::write(dir.join("plain.txt"), &console).unwrap();
    let (plain, _) = run(dir, &["timeline", "--format", "jsonl", "plain.txt"]);
    let (got, _) = run(dir, &["timeline", "--format", "jsonl", "padded.txt"]);
    assert_eq!(got, plain.replace("plain", "padded"));
    // Named like a cloud-init log, but random bytes or xz: refused in one line.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let random: Vec<u8> = (0..100_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect();
    std::fs::write(dir.join("cloud-init.log"), &random).unwrap();
    let mut xz = b"\xfd7zXZ\x00\x00\x04\xe6\xd6\xb4\x46".to_vec();
    xz.extend_from_slice(&random[..1000]);
    std::fs::write(dir.join("cloud-init.log.xz"), &xz).unwrap();
    for command in ["blame", "timeline"] {
        let out = bootline(dir)
            .args([command, "cloud-init.log"])
            .assert()
            .code(2)
            .stdout("")
            .get_output()
            .stderr
            .clone();
        let err = String::from_utf8(out).unwrap();
        assert!(
            err.starts_with("bootline: cloud-init.log: binary data, not a text log (")
                && err.ends_with(" of its first 65536 bytes are neither text nor line ends)\n")
                && err.lines().count() == 1,
            "{err}"
        );
        bootline(dir)
            .args([command, "cloud-init.log.xz"])
            .assert()
            .code(2)
            .stdout("")
            .stderr(
                "bootline: cloud-init.log.xz: xz-compressed data; decompress it first \
                 (`xz -dc cloud-init.log.xz | bootline … -`)\n",
            );
    }
}

#[test]
fn line_numbers_stay_right_with_lone_cr_line_ends() {
    let dir = tempfile::tempdir().unwrap();
    let text = "2024-05-01 12:00:01,234 - handlers.py[DEBUG]: start: init-local: searching\r\
                2024-05-01 12:00:02,234 - util.py[DEBUG]: nothing\r\
                2024-05-01 12:00:03,234 - handlers.py[DEBUG]: finish: init-local: MAYBE: done\r";
    std::fs::write(dir.path().join("cr.log"), text).unwrap();
    bootline(dir.path())
        .args(["blame", "--strict", "cr.log"])
        .assert()
        .code(2)
        .stderr(predicates::str::starts_with(
            "bootline: cr.log:3:67: expected SUCCESS, FAIL or WARN\n",
        ));
}

/// Runs `bootline` with these arguments and returns its exit code, stderr and peak RSS in
/// bytes (from `wait4`: this child's own, not the test's or another test's).
// The child is reaped by `wait4`, which the lint does not know.
#[allow(clippy::zombie_processes)]
fn run_measured(dir: &Path, args: &[&str]) -> (Option<i32>, String, u64) {
    use std::io::Read;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("bootline"))
        .current_dir(dir)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid; wait4 fills it for our own child's pid.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    // SAFETY: valid pointers to locals; the child is not waited for elsewhere.
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(got, pid);
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    (code, stderr, usage.ru_maxrss as u64 * 1024)
}

/// Peak memory allowed on hostile inputs of any size.
const RSS_LIMIT_BYTES: u64 = 64 << 20;

#[test]
fn a_line_too_long_is_cut_and_located_and_memory_stays_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    // 300 MB of zeros, named like a cloud-init log (nothing else in it says what it is).
    let zeros = std::fs::File::create(dir.join("cloud-init.log")).unwrap();
    zeros.set_len(300_000_000).unwrap();
    // A gzip bomb: 300 one-MiB members of zeros, 300 MiB once unwrapped.
    let member = {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(&vec![0u8; 1 << 20]).unwrap();
        e.finish().unwrap()
    };
    std::fs::write(dir.join("bomb-cloud-init.log.gz"), member.repeat(300)).unwrap();
    let padding = 1u64 << 20;
    for (file, bytes) in [
        ("cloud-init.log", 300_000_000u64),
        ("bomb-cloud-init.log.gz", 300 << 20),
    ] {
        let (code, stderr, rss) = run_measured(dir, &["blame", file]);
        assert_eq!(code, Some(1), "{file}: {stderr}");
        let first: Vec<&str> = stderr.lines().take(2).collect();
        assert_eq!(
            first,
            [
                format!("bootline: {file}: skipped 1 malformed line (--strict makes the first one an error)"),
                format!(
                    "{file}:1:1048577: expected a line of at most 1048576 bytes (--max-line-bytes); \
                     line too long ({} bytes), cut there",
                    bytes - padding
                ),
            ]
        );
        assert!(rss < RSS_LIMIT_BYTES, "{file}: peak RSS {rss} bytes");
    }
    // A lower limit cuts sooner; the same line is found.
    let (code, stderr, _) = run_measured(
        dir,
        &["blame", "--max-line-bytes", "65536", "cloud-init.log"],
    );
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("cloud-init.log:1:65537: expected a line of at most 65536 bytes"),
        "{stderr}"
    );
}

#[test]
fn a_console_of_one_banner_repeated_holds_one_boot_and_memory_stays_bounded() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    // 895,000 kernel banners (64 MB, a 208 KB gzip): one boot captured over and over.
    let banner = "[    0.000000] Linux version 5.15.0-1019-aws (buildd@lcy02-amd64-048)\n";
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    for _ in 0..895 {
        e.write_all(banner.repeat(1000).as_bytes()).unwrap();
    }
    std::fs::write(dir.path().join("console.log.gz"), e.finish().unwrap()).unwrap();
    for command in ["timeline", "fit"] {
        let (code, stderr, rss) = run_measured(dir.path(), &[command, "console.log.gz"]);
        assert_eq!(code, Some(if command == "fit" { 1 } else { 0 }), "{stderr}");
        assert!(
            stderr.starts_with(
                "bootline: boots held twice in one input (captured twice), counted once: \
                 console.log.gz (894999)"
            ),
            "{stderr}"
        );
        assert!(rss < RSS_LIMIT_BYTES, "{command}: peak RSS {rss} bytes");
    }
}

#[test]
fn a_source_of_more_boots_than_the_limit_keeps_the_first_ones_and_says_where_it_stopped() {
    let dir = tempfile::tempdir().unwrap();
    // Five kernel starts an hour apart in one journal: five boots; the fourth is one too many.
    let text: String = (0..5)
        .map(|h| format!("2024-05-01T1{h}:00:00+0000 host kernel: Linux version 5.15.0-1019-aws\n"))
        .collect();
    std::fs::write(dir.path().join("journal.log"), text).unwrap();
    let args = [
        "timeline",
        "--format",
        "jsonl",
        "--max-boots-per-source",
        "3",
        "journal.log",
    ];
    let line = "bootline: journal.log:4: more than 3 boots in one source; the rest are not read \
                as boots (--max-boots-per-source)";
    let (out, stderr) = run(dir.path(), &args);
    assert_eq!(out.lines().count(), 3, "{out}");
    assert_eq!(stderr.lines().next(), Some(line), "{stderr}");
    // Under the limit nothing is said.
    let (out, stderr) = run(
        dir.path(),
        &["timeline", "--format", "jsonl", "journal.log"],
    );
    assert_eq!(out.lines().count(), 5, "{out}");
    assert!(!stderr.contains("--max-boots-per-source"), "{stderr}");
    // --strict makes it an error.
    let out = bootline(dir.path())
        .args(args)
        .arg("--strict")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(String::from_utf8(out.stderr).unwrap(), format!("{line}\n"));
}

#[test]
fn a_marker_repeated_many_times_keeps_a_bounded_digest() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("[    0.000000] Linux version 5.15.0\n");
    let retries = 20_000;
    for i in 0..retries {
        text.push_str(&format!(
            "[ {:10.3}] agent[900]: Registered with platform: 503\n",
            1.0 + f64::from(i) * 2.0
        ));
    }
    text.push_str("[ 50000.000] agent[900]: Registered with platform: 200\n");
    std::fs::write(dir.path().join("console.log"), text).unwrap();
    let (out, _) = run(
        dir.path(),
        &["timeline", "--format", "jsonl", "console.log"],
    );
    let boot: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let failed: Vec<f64> = boot["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["name"] == "register_failed")
        .map(|m| m["at_secs"].as_f64().unwrap())
        .collect();
    // The first fifteen retries and the latest: 16 of 20,000.
    assert_eq!(failed.len(), 16);
    assert_eq!(failed[..2], [1.0, 3.0]);
    assert_eq!(failed[15], 1.0 + f64::from(retries - 1) * 2.0, "{failed:?}");
    assert_eq!(boot["latency"]["secs"], 50000.0);
    assert_eq!(boot["outcome"], "registered");
}

#[test]
fn a_platform_events_file_with_no_event_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("events.jsonl"),
        "{\"time\":\"2026-06-10T00:00:06Z\",\"event\":\"launched\"}\n\
         {\"time\":\"yesterday\",\"event\":\"launched\",\"instance\":\"i-1\"}\n",
    )
    .unwrap();
    bootline(dir.path())
        .args(["timeline", "events.jsonl"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            "bootline: events.jsonl: no platform event read: all 2 of its lines are malformed; \
             the first: events.jsonl:1:1: expected an \"instance\" or \"workspace\" field\n",
        );
}

#[test]
fn latencies_from_the_kernel_start_are_counted_and_flagged() {
    let (tmp, _) = small_fleet();
    let dir = tmp.path();
    std::fs::remove_file(dir.join("fleet/events.jsonl")).unwrap();
    let (json, _) = fit_json(dir, &["fleet"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let attempts = v["attempts"].as_object().unwrap();
    let with_latency: u64 = attempts
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "crashed" | "stuck"))
        .map(|(_, n)| n.as_u64().unwrap())
        .sum();
    assert!(with_latency > 0);
    assert_eq!(v["latency_from_kernel_start"].as_u64(), Some(with_latency));
    let (text, _) = run(dir, &["fit", "fleet"]);
    let flag = format!(
        "{with_latency} attempt{} of the latencies count from the kernel's start, not a launch \
         (no platform event for them): the time before the kernel is missing",
        if with_latency == 1 { "" } else { "s" }
    );
    assert_eq!(text.lines().nth(3), Some(flag.as_str()), "{text}");
    // With the platform's events, none does.
    let (tmp, _) = small_fleet();
    let (json, _) = fit_json(tmp.path(), &["fleet"]);
    assert!(!json.contains("latency_from_kernel_start"));
}

/// Runs `report` over `inputs` into `dir/out` and returns its exit code, its `inputs` list
/// (report.json), its report.md and its stderr.
fn report_in(
    dir: &Path,
    inputs: &[&str],
    unprivileged: bool,
) -> (i32, serde_json::Value, String, String) {
    let out = dir.join("out");
    let _ = std::fs::remove_dir_all(&out);
    let mut args = vec!["report", "--quiet", "--out", "out"];
    args.extend_from_slice(inputs);
    let run = if unprivileged {
        as_unprivileged(dir, &args)
    } else {
        bootline(dir).args(&args).output().unwrap()
    };
    let stderr = String::from_utf8(run.stderr).unwrap();
    let json = std::fs::read_to_string(out.join("report.json"))
        .unwrap_or_else(|e| panic!("no report.json ({e}): {stderr}"));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    (
        run.status.code().unwrap(),
        report["inputs"].clone(),
        md,
        stderr,
    )
}

fn sha256_of(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The entry of `path` in a report's input list; it must be there once.
fn entry<'a>(inputs: &'a serde_json::Value, path: &str) -> &'a serde_json::Value {
    let found: Vec<_> = inputs["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == path)
        .collect();
    assert_eq!(found.len(), 1, "{path} listed once in {inputs}");
    found[0]
}

#[test]
fn the_report_lists_each_input_with_the_sha256_of_its_bytes_and_a_copy_as_a_copy() {
    use std::io::Write as _;
    let (tmp, names) = small_fleet();
    let dir = tmp.path();
    let (clean_code, clean, _, _) = report_in(dir, &["fleet"], false);
    // A gzipped console: its digest is of the bytes as stored, not as unwrapped.
    let console = format!("fleet/{}/console.log", names[0]);
    let plain = std::fs::read(dir.join(&console)).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&plain).unwrap();
    let gzipped = gz.finish().unwrap();
    std::fs::remove_file(dir.join(&console)).unwrap();
    let zipped = format!("{console}.gz");
    std::fs::write(dir.join(&zipped), &gzipped).unwrap();
    // A copied console, given after the fleet: read once, listed as a copy.
    std::fs::create_dir(dir.join("copy")).unwrap();
    let original = format!("fleet/{}/console.log", names[5]);
    std::fs::copy(dir.join(&original), dir.join("copy/console.log")).unwrap();
    let (code, inputs, md, stderr) = report_in(dir, &["fleet", "copy"], false);
    assert_eq!(code, clean_code, "{stderr}");
    // Read without a configuration, the fleet's hermes class takes the default class's 600 s
    // while its platform events state 1800 s: said once, beside the copy.
    assert_eq!(
        stderr,
        format!(
            "bootline: 1 file with the same content as an earlier input, read once: \
             copy/console.log (= {original})\n\
             bootline: class hermes: the platform swept at 1800 s (stated for 3 attempts) but \
             bootline.toml names no timeout for the class, so the default class's 600 s applies; \
             3 flips came 1802–1848 s after launch, later than the \
             declared timeout plus one sweep period (60 s); the flips are judged at the \
             platform's 1800 s\n"
        )
    );
    let files = inputs["files"].as_array().unwrap();
    assert_eq!(
        files.len(),
        walk_order(&dir.join("fleet"), "fleet").len() + 1
    );
    for f in files {
        let path = f["path"].as_str().unwrap();
        let bytes = std::fs::read(dir.join(path)).unwrap();
        assert_eq!(f["sha256"], sha256_of(&bytes), "{path}");
        assert_eq!(f["bytes"], bytes.len(), "{path}");
    }
    let gz_entry = entry(&inputs, &zipped);
    assert_eq!(gz_entry["sha256"], sha256_of(&gzipped));
    assert_ne!(gz_entry["sha256"], sha256_of(&plain));
    let copy = entry(&inputs, "copy/console.log");
    assert_eq!(copy["copy_of"], original.as_str());
    assert_eq!(copy["sha256"], entry(&inputs, &original)["sha256"]);
    assert_eq!(
        files.iter().filter(|f| f.get("copy_of").is_some()).count(),
        1
    );
    // The copy adds nothing to what the report was built from.
    let unzipped = |i: &serde_json::Value| {
        i["bytes"].as_u64().unwrap() + plain.len() as u64 - gzipped.len() as u64
    };
    assert_eq!(unzipped(&inputs), clean["bytes"].as_u64().unwrap());
    let row = format!(
        "| `copy/console.log` | {} | copy of `{original}` |",
        bootline::render::numbers::thousands(copy["bytes"].as_u64().unwrap() as usize)
    );
    // The page counts the inputs; report.json keeps the list.
    assert!(!md.contains(&row), "{row} in\n{md}");
    assert!(
        md.contains("Also: 1 copy of an earlier input (read once). `report.json` lists every file with its size and SHA-256."),
        "{md}"
    );
}

#[test]
fn the_report_lists_inputs_not_read_and_paths_walks_passed_over() {
    use std::os::unix::fs::PermissionsExt;
    let (tmp, _) = small_fleet();
    let dir = tmp.path();
    let (_, clean, _, _) = report_in(dir, &["fleet"], false);
    let fifo = std::ffi::CString::new(dir.join("fleet/live.pipe").to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    std::fs::write(dir.join("secret.log"), "[    1.0] x\n").unwrap();
    std::fs::set_permissions(
        dir.join("secret.log"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    std::fs::write(dir.join("fleet/notes.txt"), "nothing bootline reads\n").unwrap();
    for p in [dir.to_path_buf(), dir.join("fleet")] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    let (code, inputs, md, stderr) = report_in(dir, &["fleet", "secret.log"], true);
    // An input that could not be read: exit 2, the folder written from the rest.
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(
        entry(&inputs, "secret.log")["sha256"],
        "not digested: Permission denied (os error 13)"
    );
    assert_eq!(
        entry(&inputs, "fleet/live.pipe")["sha256"],
        "skipped: a FIFO, not a regular file"
    );
    assert_eq!(
        entry(&inputs, "fleet/notes.txt")["sha256"],
        "skipped: its format is not recognised"
    );
    // Neither is counted in what the report was built from.
    assert_eq!(inputs["bytes"], clean["bytes"]);
    assert_eq!(inputs["digest"], clean["digest"]);
    assert!(!md.contains("| `secret.log` | 12 |"), "{md}");
    assert!(
        md.contains(
            "Also: 2 files skipped (no log bootline reads, or not a regular file); \
             1 file not read to the end."
        ),
        "{md}"
    );
}

#[test]
fn the_report_digests_standard_input_as_it_reads_it() {
    let (tmp, _) = small_fleet();
    let dir = tmp.path();
    let events = std::fs::read(dir.join("fleet/events.jsonl")).unwrap();
    let out = bootline(dir)
        .args(["report", "--quiet", "--out", "out", "-"])
        .write_stdin(events.clone())
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = std::fs::read_to_string(dir.join("out/report.json")).unwrap();
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let stdin = entry(&report["inputs"], "-");
    assert_eq!(stdin["sha256"], sha256_of(&events));
    assert_eq!(stdin["bytes"], events.len());
}
