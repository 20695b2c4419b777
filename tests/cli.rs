//! The `bootline` command end to end: exit codes, located errors, output layouts, round trips.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn bootline() -> Command {
    let mut c = Command::cargo_bin("bootline").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn stdout_of(args: &[&str]) -> String {
    let out = bootline().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn blame_on_the_bundled_fixture_matches_the_real_tool_rows() {
    let ours = stdout_of(&["blame", "fixtures/corpus/cloudinit/cloudinit_log_01.log"]);
    let reference = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/corpus/cloudinit/cloudinit_log_01.expected-blame.txt"),
    )
    .unwrap();
    let rows = |t: &str| {
        let mut v: Vec<String> = t
            .lines()
            .filter(|l| l.starts_with("     "))
            .map(|l| l.split(')').next().unwrap().to_string() + ")")
            .collect();
        v.sort();
        v
    };
    assert_eq!(rows(&ours), rows(&reference));
    // bootline flags the failed module the reference prints without comment.
    assert!(
        ours.contains("     01.24300s (modules-final/config-scripts-user)  FAIL\n"),
        "{ours}"
    );
    assert!(ours.ends_with("\n1 boot records analyzed\n"));
}

#[test]
fn malformed_lines_are_located_exactly_in_strict_mode() {
    let cases = [
        (
            "cloudinit_bad.log",
            "fixtures/malformed/cloudinit_bad.log:4:74: expected SUCCESS, FAIL or WARN",
        ),
        (
            "blame_bad.txt",
            "fixtures/malformed/blame_bad.txt:3:6: expected a blame line",
        ),
        (
            "show_bad.txt",
            "fixtures/malformed/show_bad.txt:7:1: expected a show line",
        ),
        (
            "boot_bad.txt",
            "fixtures/malformed/boot_bad.txt:3:27: expected a date and time",
        ),
        (
            "dump_bad.json",
            "fixtures/malformed/dump_bad.json:4:2: expected valid JSON",
        ),
    ];
    for (file, want) in cases {
        let path = format!("fixtures/malformed/{file}");
        bootline()
            .args(["blame", "--strict", &path])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(want));
    }
}

#[test]
fn lenient_mode_skips_counts_and_shows_the_caret() {
    let out = bootline()
        .args(["blame", "fixtures/malformed/cloudinit_bad.log"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("skipped 2 malformed lines"), "{err}");
    assert!(
        err.contains("cloudinit_bad.log:6:80: expected an RFC 2822 date"),
        "{err}"
    );
    // The caret sits under the column.
    let lines: Vec<&str> = err.lines().collect();
    let i = lines.iter().position(|l| l.contains(":4:74:")).unwrap();
    assert_eq!(lines[i + 2].find('^'), Some(2 + 73));
    // The well-formed rows are still there, and the unmatched finish is a warning.
    let out = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.contains("     00.01000s (init-local/check-cache)"),
        "{out}"
    );
}

#[test]
fn dump_round_trips_through_blame() {
    let dir = tempfile::tempdir().unwrap();
    let dump = stdout_of(&["dump", "fixtures/corpus/cloudinit/cloudinit_log_01.log"]);
    let value: serde_json::Value = serde_json::from_str(&dump).unwrap();
    let events = value.as_array().unwrap();
    assert_eq!(events.len(), 86);
    assert_eq!(events[0]["name"], "init-local");
    assert_eq!(events[0]["event_type"], "start");
    assert_eq!(events[0]["timestamp"].as_f64().unwrap(), 1_701_371_019.502);
    let path = dir.path().join("dump.json");
    std::fs::write(&path, &dump).unwrap();
    let from_dump = stdout_of(&["blame", path.to_str().unwrap()]);
    let from_log = stdout_of(&["blame", "fixtures/corpus/cloudinit/cloudinit_log_01.log"]);
    assert_eq!(from_dump, from_log);
    // And the dump of the dump is the dump.
    let again = stdout_of(&["dump", path.to_str().unwrap()]);
    assert_eq!(again, dump);
}

#[test]
fn truncated_dump_keeps_its_events_and_says_where_it_broke() {
    let out = bootline()
        .args(["dump", "fixtures/corpus/cloudinit/dump_02.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("dump_02.json:8:4: expected valid JSON"),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["name"], "modules-config");
}

#[test]
fn json_output_carries_stages_offsets_and_sources() {
    let out = stdout_of(&[
        "show",
        "--format",
        "json",
        "fixtures/corpus/cloudinit/cloudinit_log_01.log",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schema_version"], 1);
    let r = &v["records"][0];
    assert_eq!(r["clock"], "uptime");
    assert_eq!(r["banners"][0]["up_secs"].as_f64(), Some(7.02));
    let stage = r["spans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "modules-final")
        .unwrap();
    assert_eq!(stage["result"], "FAIL");
    assert!((stage["duration_secs"].as_f64().unwrap() - 35.849).abs() < 1e-9);
    assert!(stage["source"]
        .as_str()
        .unwrap()
        .ends_with("cloudinit_log_01.log:610"));
    assert!(stage["end_source"]
        .as_str()
        .unwrap()
        .ends_with("cloudinit_log_01.log:789"));
    assert_eq!(stage["wall_start"], "2023-11-30T19:03:46.271+00:00");
    let t = r["total_secs"].as_f64().unwrap();
    assert!((t - (49.64 - 7.02)).abs() < 0.01, "{t}");
}

#[test]
fn gzip_and_stdin_inputs() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let raw = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/corpus/cloudinit/cloudinit_log_01.log"),
    )
    .unwrap();
    let gz = dir.path().join("cloud-init.log.gz");
    let mut e = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    e.write_all(&raw).unwrap();
    e.finish().unwrap();
    let plain = stdout_of(&["blame", "fixtures/corpus/cloudinit/cloudinit_log_01.log"]);
    assert_eq!(stdout_of(&["blame", gz.to_str().unwrap()]), plain);
    let piped = bootline()
        .args(["blame", "-"])
        .write_stdin(raw)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(piped.stdout).unwrap(), plain);
}

#[test]
fn formats_lists_every_format_with_an_example() {
    let out = stdout_of(&["formats"]);
    for name in [
        "cloud-init-log",
        "analyze-blame",
        "analyze-show",
        "analyze-dump",
        "analyze-boot",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(name)),
            "{name} missing:\n{out}"
        );
    }
    assert!(out.contains("e.g. 2024-05-01 12:00:01,234 - handlers.py[DEBUG]: start:"));
}

#[test]
fn the_readme_shows_the_formats_list_as_printed() {
    let out = stdout_of(&["formats"]);
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(
        readme.contains(&format!("```text\n{out}```")),
        "README's formats block differs from `bootline formats`"
    );
}

#[test]
fn usage_errors_exit_2() {
    bootline()
        .args(["blame", "--input-format", "nope", "x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown input format 'nope'"));
    bootline()
        .args(["blame", "does/not/exist.log"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does/not/exist.log"));
    bootline().args(["frobnicate"]).assert().code(2);
}

#[test]
fn several_inputs_print_in_order_with_headers() {
    let out = stdout_of(&[
        "blame",
        "fixtures/malformed/blame_bad.txt",
        "fixtures/corpus/cloudinit/cloudinit_log_01.log",
    ]);
    let a = out
        .find("==> fixtures/malformed/blame_bad.txt <==")
        .unwrap();
    let b = out
        .find("==> fixtures/corpus/cloudinit/cloudinit_log_01.log <==")
        .unwrap();
    assert!(a < b);
    assert!(out.ends_with("2 boot records analyzed\n"));
}

/// Runs `program args… file` on `text` written to a file; returns the exit code and stderr.
fn external(program: &str, args: &[&str], text: &[u8]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("generated");
    std::fs::write(&path, text).unwrap();
    let out = std::process::Command::new(program)
        .args(args)
        .arg(&path)
        .env("MANWIDTH", "80")
        .output()
        .unwrap_or_else(|e| panic!("{program} must be installed (.ci/run installs it): {e}"));
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn completion_scripts_are_valid_shell() {
    let bash = bootline().args(["completions", "bash"]).output().unwrap();
    assert!(bash.status.success());
    let text = String::from_utf8(bash.stdout.clone()).unwrap();
    // Every subcommand and a global option are completed.
    for word in ["timeline", "fit", "blame", "completions", "--color"] {
        assert!(text.contains(word), "{word}");
    }
    assert_eq!(
        external("bash", &["-n"], &bash.stdout),
        (Some(0), String::new())
    );
    // A script that is not valid shell is refused by the same check.
    let (code, _) = external("bash", &["-n"], b"_bootline() { if then; }\n");
    assert_ne!(code, Some(0));
    bootline()
        .args(["completions", "nushell"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid value 'nushell'"));
}

#[test]
fn the_manual_page_is_accepted_by_man() {
    let page = bootline().arg("man").output().unwrap();
    assert!(page.status.success());
    let text = String::from_utf8(page.stdout.clone()).unwrap();
    assert!(
        text.starts_with(".ie \\n(.g .ds Aq \\(aq"),
        "{}",
        &text[..80]
    );
    for section in [
        ".SH NAME",
        ".SH \"BOOTLINE TIMELINE\"",
        ".SH \"BOOTLINE FIT\"",
        "\\-\\-color",
    ] {
        assert!(text.contains(section), "{section}");
    }
    // `man` formats it with warnings on: none may appear.
    assert_eq!(
        external("man", &["--warnings", "-l"], &page.stdout),
        (Some(0), String::new())
    );
    // A page with a broken request is warned about by the same check.
    let (_, warned) = external(
        "man",
        &["--warnings", "-l"],
        b".TH X 1\n.SH NAME\n.BOGUS\nx\n",
    );
    assert!(!warned.is_empty());
}

/// `bootline args…` on a pseudo-terminal (util-linux `script`), with extra environment.
fn on_a_terminal(args: &str, env: &[(&str, &str)]) -> String {
    let bin = assert_cmd::cargo::cargo_bin("bootline");
    let out = std::process::Command::new("script")
        .args(["-qec", &format!("{} {args}", bin.display()), "/dev/null"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("TERM", "xterm")
        .envs(env.iter().copied())
        .output()
        .expect("util-linux script runs a command on a terminal");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn colour_on_a_terminal_unless_no_color_or_never() {
    const LOG: &str = "fixtures/corpus/cloudinit/cloudinit_log_01.log";
    const FAIL: &str = "\u{1b}[1m\u{1b}[31mFAIL\u{1b}[0m";
    let painted = on_a_terminal(&format!("blame {LOG}"), &[]);
    assert_eq!(painted.matches(FAIL).count(), 2, "{painted:?}");
    assert!(!on_a_terminal(&format!("blame {LOG}"), &[("NO_COLOR", "1")]).contains('\u{1b}'));
    assert!(!on_a_terminal(&format!("blame --color never {LOG}"), &[]).contains('\u{1b}'));
    // Into a pipe: plain, unless asked for.
    let piped = |args: &[&str], env: &[(&str, &str)]| {
        let out = bootline()
            .args(args)
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .envs(env.iter().copied())
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(!piped(&["blame", LOG], &[]).contains('\u{1b}'));
    assert_eq!(
        piped(&["blame", "--color", "always", LOG], &[("NO_COLOR", "1")])
            .matches(FAIL)
            .count(),
        2
    );
    assert!(piped(&["blame", LOG], &[("CLICOLOR_FORCE", "1")]).contains(FAIL));
    // Timelines paint the outcome, and JSON never carries colour.
    let text = piped(
        &["timeline", "--color", "always", "--end", "registered", LOG],
        &[],
    );
    assert!(
        text.contains("outcome \u{1b}[1m\u{1b}[31mcrashed\u{1b}[0m"),
        "{text}"
    );
    assert!(
        text.contains("\u{1b}[1m\u{1b}[31mcrash evidence\u{1b}[0m"),
        "{text}"
    );
    let json = piped(
        &["timeline", "--color", "always", "--format", "json", LOG],
        &[],
    );
    assert!(!json.contains('\u{1b}'));
}

/// Every number of a JSON value under a key ending in `secs`, and every time string.
fn times_in(v: &serde_json::Value, key: &str, out: &mut Vec<(String, serde_json::Value)>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                times_in(x, k, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| times_in(x, key, out)),
        serde_json::Value::Number(_) if key.ends_with("secs") => {
            out.push((key.to_string(), v.clone()))
        }
        serde_json::Value::String(s) if s.len() > 20 && s.ends_with('Z') && s.contains('T') => {
            out.push((key.to_string(), v.clone()))
        }
        _ => {}
    }
}

#[test]
fn timeline_times_are_kept_to_the_millisecond_and_shards_read_back_the_same() {
    // Kernel stamps in microseconds, and a wall clock that jumps mid-boot.
    for log in [
        "fixtures/corpus/serial/kubevirt_console_01.txt",
        "fixtures/corpus/cloudinit/cloudinit_log_06.log",
        "fixtures/corpus/cloudinit/journal_01.jsonl",
    ] {
        let jsonl = stdout_of(&["timeline", "--format", "jsonl", log]);
        let mut times = Vec::new();
        for line in jsonl.lines() {
            times_in(&serde_json::from_str(line).unwrap(), "", &mut times);
        }
        assert!(times.len() > 15, "{log}: {}", times.len());
        for (key, t) in &times {
            match t {
                serde_json::Value::Number(n) => {
                    let x = n.as_f64().unwrap();
                    assert!(
                        ((x * 1e3).round() - x * 1e3).abs() < 1e-6,
                        "{log}: {key} = {n}"
                    );
                    // Written as the shortest decimal: no binary noise after the milliseconds.
                    let text = n.to_string();
                    let decimals = text.split('.').nth(1).map_or(0, str::len);
                    assert!(decimals <= 3, "{log}: {key} = {text}");
                }
                serde_json::Value::String(s) => {
                    let frac = s.split('.').nth(1).map_or(0, |f| f.len() - 1);
                    assert!(frac <= 3, "{log}: {key} = {s}");
                }
                other => panic!("{other}"),
            }
        }
        // The timelines read back as input give the same timelines, byte for byte.
        let dir = tempfile::tempdir().unwrap();
        let shard = dir.path().join("shard.jsonl");
        std::fs::write(&shard, &jsonl).unwrap();
        assert_eq!(
            stdout_of(&["timeline", "--format", "jsonl", shard.to_str().unwrap()]),
            jsonl,
            "{log}"
        );
    }
}

#[test]
fn show_on_a_blame_listing_names_each_row_and_sums_nothing() {
    // systemd-analyze blame: units that ran in parallel, with no start times.
    let text = stdout_of(&[
        "show",
        "fixtures/corpus/serial/systemd_analyze_blame_casper_01.txt",
    ]);
    assert!(
        text.contains("\n|`->casper-md5check.service @?s +813.59700s\n|`->snapd.seeded.service @?s +41.64000s\n"),
        "{text}"
    );
    assert_eq!(text.matches("|`->").count(), 27, "{text}");
    assert!(
        text.ends_with(
            "Total Time: unknown (the input gives each event's duration, not when it ran; \
             events that overlap do not add up to a total)\n\n1 boot records analyzed\n"
        ),
        "{text}"
    );
    // cloud-init analyze blame: the rows keep their event names too.
    let text = stdout_of(&["show", "fixtures/corpus/cloudinit/blame_01.txt"]);
    assert!(
        text.contains("\n|`->init-network/config-growpart @?s +00.80300s\n"),
        "{text}"
    );
    assert!(!text.contains("|`-> @"), "{text}");
}

/// Each impossible policy is one located error on stderr and exit 2, before any input is read;
/// a stuck threshold below the timeout is a located warning and the run goes on.
#[test]
fn a_configuration_that_describes_an_impossible_policy_is_refused_on_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("[policy]\ngrid_above_secs = 7e11\n", "2: grid_above_secs must lie in [0.001 s, 7 days = 604800 s], got 7e11"),
        ("[policy]\nslack_multiplier = 1e308\n", "2: slack_multiplier must lie in [1, 10], got 1e308"),
        ("[[class]]\nname = \"default\"\ntimeout_secs = 1e308\n", "3: timeout_secs must lie in [0.001 s, 7 days = 604800 s], got 1e308"),
        ("[[class]]\nname = \"default\"\ntimeout_secs = 1e-300\n", "3: timeout_secs must lie in [0.001 s, 7 days = 604800 s], got 1e-300"),
        ("[platform]\nsweep_period_secs = 1e300\n", "2: sweep_period_secs must lie in [0.001 s, 7 days = 604800 s], got 1e300"),
        ("[policy]\ntarget_false_fail_rate = 1e-300\n", "2: target_false_fail_rate must lie in [0.000001, 0.5), got 1e-300"),
        ("[[marker]]\nname = \"init-network\"\nregex = 'x'\n", "2: marker 'init-network' has the name of a built-in stage, phase or milestone, whose statistics it would replace; choose another name"),
        ("[[marker]]\nname = \"m\"\nregex = ''\n", "3: marker 'm': the regular expression '' matches the empty text, so it matches every line"),
        ("[policy]\ngrid_secs = \"30\"\n", "2: expected a number of seconds, found a string"),
        ("[[policy]]\nconfidence = 0.9\n", "1: `[policy]` is one table: write `[policy]`, not `[[policy]]`"),
        ("[class]\nname = \"x\"\n", "1: `[class]` is a list of tables: write `[[class]]` before each class, not `[class]`"),
    ];
    for (i, (text, message)) in cases.into_iter().enumerate() {
        let path = dir.path().join(format!("bad{i}.toml"));
        std::fs::write(&path, text).unwrap();
        let config = path.to_str().unwrap();
        for command in ["recommend", "fit"] {
            let out = bootline()
                .args([command, "--config", config, "fixtures/fleet"])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2), "{text}");
            assert_eq!(
                String::from_utf8_lossy(&out.stderr),
                format!("bootline: {config}:{message}\n"),
                "{command} {text}"
            );
        }
    }
    let path = dir.path().join("stuck.toml");
    std::fs::write(
        &path,
        "[[class]]\nname = \"hermes\"\ntimeout_secs = 1800\nstuck_threshold_secs = 900\n",
    )
    .unwrap();
    let config = path.to_str().unwrap();
    let out = bootline()
        .args([
            "recommend",
            "--config",
            config,
            "--class",
            "hermes",
            "fixtures/fleet",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(&format!("bootline: {config}:4: warning: class hermes: stuck_threshold_secs 900 s is below timeout_secs 1800 s;")),
        "{stderr}"
    );
    assert_ne!(out.status.code(), Some(2), "{stderr}");
    let out = bootline()
        .args(["recommend", "--target", "1e-300", "fixtures/fleet"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "bootline: --target must lie in [0.000001, 0.5), got 1e-300\n"
    );
}

#[test]
fn a_full_standard_output_is_one_line_and_exit_2_for_every_writer() {
    for args in [
        &["completions", "bash"][..],
        &["man"][..],
        &["formats"][..],
        &["blame", "fixtures/corpus/cloudinit/cloudinit_log_01.log"][..],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("bootline"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(args)
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "bootline: No space left on device (os error 28)\n",
            "{args:?}"
        );
    }
}

#[test]
fn a_closed_standard_output_is_exit_2_not_0() {
    use std::os::unix::process::CommandExt as _;
    for args in [&["formats"][..], &["completions", "bash"][..]] {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("bootline"));
        cmd.current_dir(env!("CARGO_MANIFEST_DIR")).args(args);
        // SAFETY: close is async-signal-safe; the child closes its own descriptor 1.
        unsafe {
            cmd.pre_exec(|| {
                libc::close(1);
                Ok(())
            });
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "bootline: standard output is closed\n"
        );
    }
    // Standard output sent to /dev/null is no closed one.
    let status = std::process::Command::new(assert_cmd::cargo::cargo_bin("bootline"))
        .arg("formats")
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}
