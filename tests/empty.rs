//! Runs that find nothing say so: inputs of no boot, selections that keep none, and inputs that
//! are no log at all, with the exact line on stderr and the exit code each command gives.

mod common;

use common::bootline;

#[test]
fn an_executable_is_refused_naming_what_it_is() {
    // The build's own binary: an ELF file, as every build on Linux is.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("bootline-copy");
    std::fs::copy(assert_cmd::cargo::cargo_bin("bootline"), &copy).unwrap();
    let path = copy.display().to_string();
    for command in ["timeline", "blame", "fit"] {
        let (code, stdout, stderr) = bootline(&[command, &path]);
        assert_eq!(code, 2, "{command}: {stderr}");
        assert_eq!(
            stderr,
            format!("bootline: {path}: an ELF executable or shared library, not a text log\n"),
            "{command}"
        );
        assert_eq!(stdout, "", "{command}");
    }
}

/// What a boot is made of, as the line names it for inputs none of whose lines was an event.
const BOOT_EVENTS: &str = "a kernel start, a cloud-init or systemd event, a marker (such as \
                           the register line) or a platform event";

const WINDOWS: &str = "fixtures/empty/windows_serial.txt";
const FRESH: &str = "fixtures/empty/console_output_fresh.json";

fn no_boot_in(path: &str, lines: usize) -> String {
    format!(
        "bootline: no boot found in 1 file: {path} ({lines} lines read as serial-console); \
         no line of it is {BOOT_EVENTS}\n"
    )
}

#[test]
fn timeline_of_no_boot_says_why_and_still_writes_its_document() {
    for (path, lines) in [(WINDOWS, 12), (FRESH, 1)] {
        let want = no_boot_in(path, lines).replace("1 lines", "1 line");
        let (code, text, stderr) = bootline(&["timeline", path]);
        assert_eq!((code, stderr.as_str()), (0, want.as_str()), "{path}");
        assert!(text.starts_with("class        attempts  boots"), "{text}");
        let (code, json, stderr) = bootline(&["timeline", "--format", "json", path]);
        assert_eq!((code, stderr.as_str()), (0, want.as_str()), "{path}");
        let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(doc["boots"], serde_json::json!([]), "{json}");
        assert_eq!(doc["schema_version"], 1);
        let (code, lines, _) = bootline(&["timeline", "--format", "jsonl", path]);
        assert_eq!((code, lines.as_str()), (0, ""));
    }
}

#[test]
fn every_input_is_named_with_what_it_gave() {
    let (code, _, stderr) = bootline(&["timeline", "fixtures/empty"]);
    assert_eq!(code, 0);
    assert_eq!(
        stderr,
        format!(
            "bootline: no boot found in 2 files: {FRESH} (1 line read as serial-console), \
             {WINDOWS} (12 lines read as serial-console); no line of them is {BOOT_EVENTS}\n"
        )
    );
}

#[test]
fn fit_recommend_check_and_report_of_no_boot_exit_1_with_the_same_line() {
    let want = no_boot_in(WINDOWS, 12);
    let out = tempfile::tempdir().unwrap();
    let folder = out.path().join("report");
    let folder = folder.to_str().unwrap();
    for args in [
        vec!["fit", WINDOWS],
        vec!["fit", "--format", "json", WINDOWS],
        vec!["recommend", WINDOWS],
        vec!["report", WINDOWS, "--out", folder],
    ] {
        let (code, stdout, stderr) = bootline(&args);
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert_eq!(stderr, want, "{args:?}");
        assert!(!stderr.contains("none of the 0"), "{args:?}");
        assert_eq!(stdout, "", "{args:?}");
    }
    assert!(
        !std::path::Path::new(folder).exists(),
        "no report is written of no boot"
    );
    // check still checks the configuration's lockstep and guard cases; the gate had nothing.
    let (code, stdout, stderr) = bootline(&[
        "check",
        "--config",
        "fixtures/implausible/hour.toml",
        WINDOWS,
    ]);
    assert_eq!((code, stderr.as_str()), (1, want.as_str()));
    assert!(
        stdout.starts_with("timeouts checked: default 600 s"),
        "{stdout}"
    );
    let (code, _, _) = bootline(&["check", "--config", "fixtures/implausible/hour.toml"]);
    assert_eq!(
        code, 0,
        "the same check without inputs finds nothing to act on"
    );
}

#[test]
fn a_class_that_selects_nothing_names_the_classes_there_are() {
    const CLEAN: &str = "fixtures/implausible/clean.jsonl";
    let want = "bootline: no boot of class gpu among the 12 boots read (their classes: \
                default)\n";
    let (code, json, stderr) = bootline(&["timeline", "--class", "gpu", "--format", "json", CLEAN]);
    assert_eq!((code, stderr.as_str()), (0, want));
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["boots"], serde_json::json!([]));
    for command in ["fit", "recommend"] {
        let (code, stdout, stderr) = bootline(&[command, "--class", "gpu", CLEAN]);
        assert_eq!((code, stderr.as_str()), (1, want), "{command}");
        assert_eq!(stdout, "", "{command}");
    }
}

#[test]
fn a_time_or_instance_that_selects_nothing_says_what_the_boots_were() {
    const CLEAN: &str = "fixtures/implausible/clean.jsonl";
    let (code, _, stderr) = bootline(&["recommend", "--since", "2026-06-11", CLEAN]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "bootline: no boot launched at or after 2026-06-11T00:00:00Z among the 12 boots read \
         (launched from 2026-06-10T08:00:00Z to 2026-06-10T08:11:00Z)\n"
    );
    // An instance that was read but is of another class is not "matched by none".
    let (code, _, stderr) = bootline(&[
        "recommend",
        "--instance",
        "i-clean01",
        "--class",
        "gpu",
        CLEAN,
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "bootline: no boot of instance i-clean01 of class gpu among the 12 boots read (their \
         classes: default)\n"
    );
    let (code, _, stderr) = bootline(&["timeline", "--instance", "i-nope", CLEAN]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "bootline: --instance i-nope matches none of the 12 instances read\n"
    );
}

/// `report --quiet INPUTS… --out DIR`: the exit code and `report.json`.
fn report_of(inputs: &[&str], out: &std::path::Path) -> (i32, serde_json::Value, String) {
    let mut args = vec!["report", "--quiet"];
    args.extend_from_slice(inputs);
    let out = out.to_str().unwrap();
    args.extend(["--out", out]);
    let (code, _, stderr) = bootline(&args);
    let json = std::fs::read_to_string(format!("{out}/report.json")).unwrap();
    (code, serde_json::from_str(&json).unwrap(), stderr)
}

#[test]
fn a_report_of_inputs_some_of_which_give_nothing_is_written_from_the_rest() {
    const CLEAN: &str = "fixtures/implausible/clean.jsonl";
    let dir = tempfile::tempdir().unwrap();
    let (code, alone, _) = report_of(&[CLEAN], &dir.path().join("alone"));
    let (with_code, with, stderr) = report_of(&[CLEAN, "fixtures/empty"], &dir.path().join("with"));
    assert_eq!(with_code, code, "{stderr}");
    assert!(!stderr.contains("no boot"), "{stderr}");
    for key in ["fleet", "classes", "recommendation"] {
        assert_eq!(with[key], alone[key], "{key}");
    }
    let listed: Vec<&str> = with["inputs"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [CLEAN, FRESH, WINDOWS]);
    // An input that cannot be read outranks the finding, and the folder is still written.
    let elf = dir.path().join("bootline-copy");
    std::fs::copy(assert_cmd::cargo::cargo_bin("bootline"), &elf).unwrap();
    let elf = elf.to_str().unwrap();
    let (code, refused, stderr) = report_of(&[CLEAN, WINDOWS, elf], &dir.path().join("refused"));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "bootline: {elf}: an ELF executable or shared library"
        )),
        "{stderr}"
    );
    assert_eq!(refused["fleet"], alone["fleet"]);
}

#[test]
fn timelines_name_each_source_by_its_path_as_given() {
    let root = common::root();
    let absolute = root.join("fixtures/sweep/same-tick");
    let absolute = absolute.to_str().unwrap();
    for given in [
        "fixtures/sweep/same-tick",
        "fixtures/sweep/same-tick/",
        "./fixtures/sweep/same-tick",
        absolute,
    ] {
        let (code, json, stderr) = bootline(&["timeline", "--format", "json", given]);
        assert_eq!(code, 0, "{stderr}");
        let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
        let base = given.trim_end_matches('/');
        assert_eq!(
            doc["boots"][0]["sources"],
            serde_json::json!([
                format!("{base}/events.jsonl"),
                format!("{base}/i-0a00000000000000a/console.log"),
            ]),
            "{given}"
        );
    }
    // Files named one by one keep their own spelling, even when two reach the same folder.
    let (code, json, _) = bootline(&[
        "timeline",
        "--format",
        "json",
        "./fixtures/sweep/same-tick/events.jsonl",
        "fixtures/sweep/same-tick/i-0a00000000000000a/console.log",
    ]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        doc["boots"][0]["sources"],
        serde_json::json!([
            "./fixtures/sweep/same-tick/events.jsonl",
            "fixtures/sweep/same-tick/i-0a00000000000000a/console.log",
        ])
    );
}

#[test]
fn recommend_of_boots_without_a_latency_is_a_finding_like_fit() {
    // One boot from a systemd-analyze blame listing: no launch, no register, nothing to time.
    const BLAME: &str = "fixtures/corpus/serial/systemd_analyze_blame_casper_01.txt";
    let (code, stdout, stderr) = bootline(&["recommend", BLAME]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.ends_with(
            "bootline: no recommendation: default: no boot with a register latency to fit\n"
        ),
        "{stderr}"
    );
    let (code, _, stderr) = bootline(&["fit", BLAME]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("none of the 1 attempt of class default"),
        "{stderr}"
    );
}
