//! `bootline timeline` and `fit` on boot timelines: the fixture fleet classified as its generator
//! intended, every real corpus file read without error, timelines read back as input.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

mod common;

use common::bootline;

/// `bootline timeline` of the whole fixture fleet as JSON Lines.
const FLEET_JSONL: &[&str] = &[
    "timeline",
    "--config",
    "fixtures/bootline.toml",
    "--format",
    "jsonl",
    "fixtures/fleet",
];

/// `bootline fit` on the bundled fleet, as JSON.
const FLEET_FIT_JSON: &[&str] = &[
    "fit",
    "--config",
    "fixtures/bootline.toml",
    "--format",
    "json",
    "fixtures/fleet",
];

fn jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// (instance, number) → outcome, for every boot or attempt of one class.
type Verdicts = BTreeMap<(String, u64), String>;

/// Checks one latency against the truth: exact where the generator registered it, never exact
/// where it did not.
fn check_latency(what: &str, got: &Value, want: Option<f64>) {
    match want {
        Some(want) => {
            let secs = got["secs"].as_f64().unwrap();
            assert!(
                (secs - want).abs() < 0.01,
                "{what}: latency {secs} vs {want}"
            );
            assert_eq!(got["censored"], false, "{what}");
        }
        None => assert!(
            got["censored"].as_bool() != Some(false),
            "{what}: an exact latency the generator did not intend"
        ),
    }
}

/// What the fleet generator intended for every boot of the fixture fleet (`truth.json`).
fn fleet_truth() -> Value {
    let path = common::fixture("fleet/truth.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The generator's truth of each boot, by instance and boot number.
fn truth_by_boot(truth: &Value) -> BTreeMap<(&str, u64), &Value> {
    truth["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                (t["instance"].as_str().unwrap(), t["boot"].as_u64().unwrap()),
                t,
            )
        })
        .collect()
}

#[test]
fn the_fixture_fleet_is_classified_as_the_generator_intended() {
    let (code, out, err) = bootline(FLEET_JSONL);
    assert_eq!(code, 0, "{err}");
    let boots = jsonl(&out);
    let truth = fleet_truth();
    let truth = truth_by_boot(&truth);
    assert_eq!(boots.len(), truth.len());
    // Per outcome class, the boots and the attempts bootline puts there are exactly those the
    // generator put there.
    let (mut boots_got, mut boots_want) = (Verdicts::new(), Verdicts::new());
    let (mut attempts_got, mut attempts_want) = (Verdicts::new(), Verdicts::new());
    for b in &boots {
        let id = b["instance"].as_str().unwrap();
        let number = b["boot"].as_u64().unwrap();
        let what = format!("{id} boot {number}");
        let t = truth[&(id, number)];
        assert_eq!(b["class"], t["class"], "{what}");
        assert_eq!(b["schema_version"], 1);
        assert_eq!(b["attempt"], t["attempt"], "{what}");
        let attempt = (id.to_string(), b["attempt"].as_u64().unwrap());
        let outcome = |v: &Value| v.as_str().unwrap().to_string();
        boots_got.insert((id.to_string(), number), outcome(&b["outcome"]));
        boots_want.insert((id.to_string(), number), outcome(&t["outcome"]));
        // Every boot line of an attempt carries the same verdict.
        let before = attempts_got.insert(attempt.clone(), outcome(&b["attempt_outcome"]));
        assert!(
            before.is_none_or(|o| o == outcome(&b["attempt_outcome"])),
            "{what}"
        );
        attempts_want.insert(attempt, outcome(&t["attempt_outcome"]));
        check_latency(&what, &b["latency"], t["register_latency_secs"].as_f64());
        check_latency(
            &format!("{what}, its attempt"),
            &b["attempt_latency"],
            t["attempt_register_latency_secs"].as_f64(),
        );
        if t["outcome"] == "crashed" {
            assert!(
                b["evidence"]["line"].is_string(),
                "{what}: crash evidence kept"
            );
        }
    }
    let by_outcome = |v: &Verdicts| {
        let mut m: BTreeMap<String, Vec<(String, u64)>> = BTreeMap::new();
        for (k, o) in v {
            m.entry(o.clone()).or_default().push(k.clone());
        }
        m
    };
    let (bg, bw) = (by_outcome(&boots_got), by_outcome(&boots_want));
    let (ag, aw) = (by_outcome(&attempts_got), by_outcome(&attempts_want));
    for o in [
        "registered",
        "false_failed",
        "crashed",
        "stuck",
        "timed_out",
        "unknown",
    ] {
        assert_eq!(bg.get(o), bw.get(o), "boots {o}");
        assert_eq!(ag.get(o), aw.get(o), "attempts {o}");
        // Every outcome is represented.
        assert!(aw.get(o).is_some_and(|v| !v.is_empty()), "{o}: {aw:?}");
    }
    // The patterns are there: attempts of two boots, an instance launched twice.
    assert!(attempts_got.len() < boots.len());
    assert!(attempts_got.keys().any(|(_, attempt)| *attempt == 2));
}

#[test]
fn the_incident_instance_has_its_phases() {
    let (code, out, _) = bootline(&[
        "timeline",
        "--config",
        "fixtures/bootline.toml",
        "--format",
        "json",
        "--instance",
        "i-052962296ad0c7240",
        "fixtures/fleet",
    ]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    let b = &v["boots"][0];
    assert_eq!(v["boots"].as_array().unwrap().len(), 1);
    assert_eq!(b["launched"], "2026-06-10T14:51:01Z");
    assert_eq!(b["latency"]["secs"].as_f64(), Some(423.0));
    let phase = |name: &str| {
        b["phases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .cloned()
            .unwrap()
    };
    let scripts = phase("modules-final/config-scripts_user");
    let d = scripts["end_secs"].as_f64().unwrap() - scripts["start_secs"].as_f64().unwrap();
    assert!((d - 381.232).abs() < 0.01, "{d}");
    for name in [
        "init-local",
        "init-network",
        "modules-config",
        "modules-final",
        "image-pull",
        "docker-setup",
        "agent-to-register",
    ] {
        let p = phase(name);
        assert!(
            p["end_secs"].as_f64().unwrap() > p["start_secs"].as_f64().unwrap(),
            "{name}"
        );
    }
    let pull = phase("image-pull");
    let pull_secs = pull["end_secs"].as_f64().unwrap() - pull["start_secs"].as_f64().unwrap();
    assert!(
        (100.0..115.0).contains(&pull_secs),
        "about 1 min 47 s of image pull: {pull_secs}"
    );
    let names: Vec<&str> = b["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    for m in ["launched", "kernel_start", "boot_finished", "registered"] {
        assert!(names.contains(&m), "{m} in {names:?}");
    }
}

#[test]
fn timelines_read_back_as_input_give_the_same_boots_and_fit() {
    let dir = tempfile::tempdir().unwrap();
    let (_, out, _) = bootline(FLEET_JSONL);
    // Two shards, reduced by reading both.
    let lines: Vec<&str> = out.lines().collect();
    let (a, b) = lines.split_at(lines.len() / 2);
    let pa = dir.path().join("a.jsonl");
    let pb = dir.path().join("b.jsonl");
    std::fs::write(&pa, a.join("\n") + "\n").unwrap();
    std::fs::write(&pb, b.join("\n") + "\n").unwrap();
    let (code, again, err) = bootline(&[
        "timeline",
        "--format",
        "jsonl",
        pa.to_str().unwrap(),
        pb.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(again, out);
    let (_, from_logs, _) = bootline(FLEET_FIT_JSON);
    let (_, from_shards, _) = bootline(&[
        "fit",
        "--format",
        "json",
        pa.to_str().unwrap(),
        pb.to_str().unwrap(),
    ]);
    assert_eq!(from_logs, from_shards);
}

#[test]
fn fit_on_the_fleet_picks_the_lognormal_and_blames_the_user_data_script() {
    let (code, out, err) = bootline(FLEET_FIT_JSON);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["class"], "default");
    // registered + false_failed exact; timed_out + unknown censored; stuck and crashed left out.
    assert_eq!(v["n_events"], 1026);
    assert_eq!(v["n_censored"], 4);
    assert_eq!(v["ranking"][0], "lognormal");
    let ucb = v["models"][0]["quantiles"]["p99.9"]["ucb"]
        .as_f64()
        .unwrap();
    // The rule's basis: 1.10 × UCB rounded up to 60 s gives 720 s.
    assert!(ucb > 600.0 && ucb * 1.10 <= 720.0, "{ucb}");
    let stages = &v["tail_blame"]["stages"];
    assert_eq!(stages["phases"][0]["phase"], "modules-final");
    let subs = &v["tail_blame"]["sub_phases"];
    assert_eq!(subs["phases"][0]["phase"], "docker-setup");
    let hermes = bootline(&[
        "fit",
        "--config",
        "fixtures/bootline.toml",
        "--class",
        "hermes",
        "--format",
        "json",
        "fixtures/fleet",
    ]);
    let h: Value = serde_json::from_str(&hermes.1).unwrap();
    assert_eq!(h["n_events"], 96);
}

/// The one boot of a clock fixture, as JSON.
fn clock_boot(file: &str) -> Value {
    let path = format!("fixtures/clock/{file}");
    let (code, out, err) = bootline(&["timeline", "--format", "jsonl", &path]);
    assert_eq!(code, 0, "{err}");
    let mut boots = jsonl(&out);
    assert_eq!(boots.len(), 1, "{out}");
    boots.remove(0)
}

#[test]
fn a_wall_clock_step_keeps_every_stage_on_its_banner_and_is_reported() {
    let b = clock_boot("cloudinit_step.log");
    // The banners' `Up N seconds`, before and after the +9 s step.
    for (stage, up) in [
        ("init-local", 5.21),
        ("init-network", 8.76),
        ("modules-config", 12.48),
        ("modules-final", 13.31),
    ] {
        let at = milestone(&b, &format!("{stage}_start")).unwrap();
        assert!(
            (at - up).abs() < 0.1,
            "{stage} starts at {at}, its banner says {up}"
        );
    }
    assert!((milestone(&b, "boot_finished").unwrap() - 91.16).abs() < 0.1);
    // Wall-only lines on each side of the step, each through its own side's offset.
    assert!((milestone(&b, "init-network_finish").unwrap() - 10.33).abs() < 0.01);
    assert!((milestone(&b, "modules-config_finish").unwrap() - 12.902).abs() < 0.01);
    let steps = b["clock_steps"].as_array().unwrap();
    assert_eq!(steps.len(), 1, "{steps:?}");
    assert_eq!(steps[0]["after_secs"], 8.76);
    assert_eq!(steps[0]["by_secs"], 12.48);
    assert!((steps[0]["step_secs"].as_f64().unwrap() - 9.0).abs() < 0.01);
    assert_eq!(steps[0]["source"], "fixtures/clock/cloudinit_step.log:13");
    // The clock after the step is the synchronised one: the kernel started at 12:00:09 on it.
    assert_eq!(b["zero"], "kernel_start");
    assert_eq!(b["zero_wall"], "2024-05-01T12:00:09Z");
    // Once the step is known, the sources' clocks agree.
    assert!(b["clock_skew_secs"].as_f64().unwrap() < 0.01);
    let (code, text, _) = bootline(&["timeline", "fixtures/clock/cloudinit_step.log"]);
    assert_eq!(code, 0);
    assert!(
        text.contains(
            "clock step +9.000 s between 8.8 s and 12.5 s  [fixtures/clock/cloudinit_step.log:13]"
        ),
        "{text}"
    );
}

#[test]
fn a_fragment_with_one_banner_is_on_the_kernel_clock() {
    let b = clock_boot("cloudinit_rotated.log");
    assert_eq!(b["zero"], "kernel_start");
    // 13:56:41.221 on the log's clock, `Up 7000.50 seconds`.
    assert_eq!(b["zero_wall"], "2024-05-01T12:00:00.721Z");
    assert!((milestone(&b, "boot_finished").unwrap() - 7000.5).abs() < 1e-6);
    let p = b["phases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "modules-final/config-scripts_user")
        .unwrap();
    assert!((p["start_secs"].as_f64().unwrap() - 6901.393).abs() < 1e-3);
    assert!((p["end_secs"].as_f64().unwrap() - 6998.181).abs() < 1e-3);
    assert!(b["clock_steps"].as_array().unwrap().is_empty());
}

#[test]
fn a_journal_printed_in_local_time_is_one_clock_with_an_offset() {
    let (code, out, err) = bootline(&[
        "timeline",
        "--format",
        "jsonl",
        "fixtures/clock/journal_short_local_time.txt",
    ]);
    assert_eq!(code, 0, "{err}");
    let boots = jsonl(&out);
    assert_eq!(boots.len(), 2, "{out}");
    for (b, zero) in boots
        .iter()
        .zip(["2022-10-06T11:26:5", "2022-10-06T13:39:3"])
    {
        assert!(b["clock_steps"].as_array().unwrap().is_empty(), "{b}");
        assert!(b["zero_wall"].as_str().unwrap().starts_with(zero), "{b}");
        assert!(milestone(b, "kernel_start").is_some());
    }
    assert!((milestone(&boots[0], "boot_finished").unwrap() - 34.8).abs() < 1.0);
    assert!((milestone(&boots[1], "boot_finished").unwrap() - 35.1).abs() < 1.0);
}

#[test]
fn a_log_with_no_year_has_no_date_and_a_time_selection_says_it_left_it_out() {
    let log = "fixtures/clock/cloudinit_yearless.log";
    let (code, out, err) = bootline(&["timeline", "--format", "jsonl", log]);
    assert_eq!(code, 0, "{err}");
    let boots = jsonl(&out);
    assert_eq!(boots.len(), 1);
    assert!(boots[0]["zero_wall"].is_null(), "{out}");
    assert!(!out.contains("2000-"), "no stand-in year is shown: {out}");
    let (code, out, err) = bootline(&["timeline", "--since", "2010-01-01", log]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(
            "bootline: --since/--until: 1 boot has no date (no launch, and no year or wall \
             clock in its logs): left out\n"
        ),
        "{err}"
    );
    assert!(!out.contains("cloudinit_yearless.log boot 1"), "{out}");
}

#[test]
fn a_log_with_no_year_takes_it_from_the_files_of_its_machine_and_says_so() {
    let dir = "fixtures/clock/yearless_bundle";
    let (code, out, err) = bootline(&["timeline", "--format", "jsonl", dir]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!(
            "bootline: {dir}/cloud-init.log: its stamps name no year; dated by the files of \
             {dir}/cloud-init-output.log\n"
        )),
        "{err}"
    );
    let boots = jsonl(&out);
    assert_eq!(boots.len(), 2, "{out}");
    assert!(boots.iter().all(|b| b["instance"] == dir));
    // The year-less log's lines fall in the first boot, 8 s after its kernel started.
    let sources = boots[0]["sources"].as_array().unwrap();
    assert!(sources
        .iter()
        .any(|s| s == &format!("{dir}/cloud-init.log")[..]));
    assert_eq!(boots[0]["zero_wall"], "2022-11-13T00:38:42.690Z");
    let p = &boots[0]["phases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "init-local/check-cache")
        .unwrap()
        .clone();
    assert!(
        (p["start_secs"].as_f64().unwrap() - 7.31).abs() < 1.0,
        "{p}"
    );
    assert_eq!(boots[0]["identity"], serde_json::json!(["clock"]));
}

#[test]
fn the_fixture_fleets_clock_steps_are_found_where_the_generator_made_them() {
    let (code, out, err) = bootline(FLEET_JSONL);
    assert_eq!(code, 0, "{err}");
    let truth = fleet_truth();
    let truth = truth_by_boot(&truth);
    let time = |v: &Value| {
        chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap())
            .unwrap()
            .timestamp_micros() as f64
            / 1e6
    };
    let mut stepped = 0;
    for b in jsonl(&out) {
        let key = (b["instance"].as_str().unwrap(), b["boot"].as_u64().unwrap());
        let t = truth[&key];
        let found = b["clock_steps"].as_array().unwrap();
        let Some(step) = t["clock_step"].as_object() else {
            assert!(
                found.is_empty(),
                "{key:?}: steps the generator did not make"
            );
            continue;
        };
        stepped += 1;
        assert!(!found.is_empty(), "{key:?}: its step was not found");
        let want = step["step_secs"].as_f64().unwrap();
        let at = time(&t["kernel_start"]) - time(&b["zero_wall"])
            + step["at_uptime_secs"].as_f64().unwrap();
        for f in found {
            // Console banners state whole seconds: their offsets, and so where their boot's
            // seconds fall, are known to a second.
            let size = f["step_secs"].as_f64().unwrap();
            assert!((size - want).abs() < 1.1, "{key:?}: step {size} vs {want}");
            let (after, by) = (
                f["after_secs"].as_f64().unwrap(),
                f["by_secs"].as_f64().unwrap(),
            );
            assert!(
                after - 1.0 <= at && at <= by + 1.0,
                "{key:?}: {at} not in {after}..{by}"
            );
        }
    }
    assert!(stepped >= 100, "{stepped} boots with a clock step");
}

#[test]
fn a_systemd_analyze_capture_with_a_status_block_keeps_its_phases() {
    // `cloud-init status --long` (its `last_update` a wall time) before `Startup finished in
    // 2.851s (kernel) + 12.240s (userspace) = 15.092s`.
    let (code, out, err) = bootline(&[
        "timeline",
        "--format",
        "jsonl",
        "fixtures/corpus/serial/systemd_analyze_time_nocloud_qemu_01.txt",
    ]);
    assert_eq!(code, 0, "{err}");
    let b = &jsonl(&out)[0];
    assert_eq!(b["zero"], "kernel_start");
    assert!((phase_secs(b, "kernel").unwrap() - 2.851).abs() < 1e-6);
    assert!((phase_secs(b, "userspace").unwrap() - 12.24).abs() < 1e-6);
    assert!((milestone(b, "startup_finished").unwrap() - 15.091).abs() < 1e-6);
}

#[test]
fn critical_chain_units_are_sub_phases_of_userspace() {
    let (code, out, err) = bootline(&[
        "timeline",
        "--format",
        "jsonl",
        "fixtures/systemd/time_and_critical_chain.txt",
    ]);
    assert_eq!(code, 0, "{err}");
    let b = &jsonl(&out)[0];
    let span = |name: &str| {
        let p = b["phases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name}: {b}"));
        assert_eq!(p["depth"], 1, "{name}");
        (
            p["start_secs"].as_f64().unwrap(),
            p["end_secs"].as_f64().unwrap(),
        )
    };
    let near =
        |(a, b): (f64, f64), (x, y): (f64, f64)| (a - x).abs() < 1e-6 && (b - y).abs() < 1e-6;
    // Userspace starts after 2.851 s of kernel: `@4.562s +1.260s` is 7.413 s to 8.673 s.
    assert!(near(span("userspace/cloud-init.service"), (7.413, 8.673)));
    assert!(near(
        span("userspace/cloud-init-local.service"),
        (4.896, 6.266)
    ));
    // A target has no duration: it became active at `reached after 11.954s`.
    assert!(near(span("userspace/graphical.target"), (14.805, 14.805)));
    // Units are not cloud-init stages: no stage milestones for them.
    let names: Vec<&str> = b["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["startup_finished"]);
}

#[test]
fn headerless_critical_chain_and_blame_are_read() {
    for file in ["critical_chain_headerless.txt", "blame_headerless.txt"] {
        let path = format!("fixtures/systemd/{file}");
        let (code, out, err) = bootline(&["timeline", "--format", "jsonl", &path]);
        assert_eq!(code, 0, "{file}: {err}");
        let boots = jsonl(&out);
        assert_eq!(boots.len(), 1, "{file}");
        assert_eq!(boots[0]["sources"], serde_json::json!([path]));
    }
}

fn corpus(kind: &str) -> PathBuf {
    common::fixture(&format!("corpus/{kind}"))
}

/// Every real corpus file is read by `bootline timeline` without an error in lenient mode.
#[test]
fn every_corpus_file_is_read_without_error() {
    for kind in ["serial", "cloudinit"] {
        let dir = corpus(kind);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                let n = p.file_name().unwrap().to_str().unwrap();
                !n.contains(".expected-") && n != "SOURCES.md"
            })
            .collect();
        files.sort();
        assert!(files.len() > 10);
        for f in files {
            let (code, out, err) =
                bootline(&["timeline", "--format", "jsonl", f.to_str().unwrap()]);
            assert_eq!(code, 0, "{}: {err}", f.display());
            for b in jsonl(&out) {
                assert!(b["outcome"].is_string());
            }
        }
    }
}

fn boots_of(kind: &str, file: &str) -> Vec<Value> {
    boots_of_with(kind, file, &[])
}

/// The boots of a corpus file, with `extra` arguments before the file.
fn boots_of_with(kind: &str, file: &str, extra: &[&str]) -> Vec<Value> {
    let dir = corpus(kind);
    let path = dir.join(file);
    let mut args = vec!["timeline", "--format", "jsonl"];
    args.extend_from_slice(extra);
    args.push(path.to_str().unwrap());
    let (code, out, err) = bootline(&args);
    assert_eq!(code, 0, "{file}: {err}");
    jsonl(&out)
}

fn phase_secs(b: &Value, name: &str) -> Option<f64> {
    let p = b["phases"].as_array()?.iter().find(|p| p["name"] == name)?;
    Some(p["end_secs"].as_f64()? - p["start_secs"].as_f64()?)
}

fn milestone(b: &Value, name: &str) -> Option<f64> {
    b["milestones"]
        .as_array()?
        .iter()
        .find(|m| m["name"] == name)?["at_secs"]
        .as_f64()
}

/// Facts read from the real files, at the level of boot timelines.
#[test]
fn corpus_facts_in_timelines() {
    // Reboot boundary: two boots in one cloud-init-output excerpt.
    assert_eq!(
        boots_of("serial", "ec2_cloudinit_output_amzn2_reboot_01.txt").len(),
        2
    );
    // Crash evidence kept.
    let b = boots_of("serial", "ec2_eks_userdata_failure_01.txt");
    assert_eq!(b[0]["outcome"], "crashed");
    assert!(b[0]["evidence"]["line"]
        .as_str()
        .unwrap()
        .contains("part-001"));
    let b = boots_of("serial", "journal_short_iso_precise_gcp_01.txt");
    assert_eq!(b[0]["outcome"], "crashed");
    assert!(b[0]["evidence"]["line"].as_str().unwrap().contains("127"));
    // "Startup finished" totals become phases: firmware + loader + kernel + initrd + userspace.
    let b = boots_of("serial", "systemd_analyze_time_firmware_loader_01.txt");
    for p in ["firmware", "loader", "kernel", "userspace"] {
        assert!(phase_secs(&b[0], p).is_some_and(|s| s > 0.0), "{p}");
    }
    let b = boots_of("serial", "journal_json_startup_finished_01.txt");
    assert_eq!(b.len(), 2, "two _BOOT_IDs");
    assert!(b.iter().all(|b| milestone(b, "startup_finished").is_some()));
    // The stuck signal.
    let b = boots_of("serial", "systemd_analyze_not_finished_listjobs_01.txt");
    assert!(milestone(&b[0], "bootup_not_finished").is_some());
    // Banners across 80-column wraps: all four stages, cloud-init finished at Up 418.86 s.
    let b = boots_of("serial", "s390x_lpar_console_01.txt");
    for s in ["init-local", "init-network", "modules-config"] {
        // Banners say when each stage started, not how long it ran...
        assert!(milestone(&b[0], &format!("{s}_start")).is_some(), "{s}");
        assert!(phase_secs(&b[0], s).is_none(), "{s}");
    }
    // ...but `finished at` ends the final stage.
    let start = milestone(&b[0], "modules-final_start").unwrap();
    let end = milestone(&b[0], "modules-final_finish").unwrap();
    assert!((phase_secs(&b[0], "modules-final").unwrap() - (end - start)).abs() < 1e-9);
    assert!((milestone(&b[0], "boot_finished").unwrap() - 418.86).abs() < 0.01);
    let b = boots_of("serial", "kubevirt_console_01.txt");
    assert!((milestone(&b[0], "boot_finished").unwrap() - 392.97).abs() < 0.01);
    // The EC2 wrapper names its instance.
    let b = boots_of("cloudinit", "ec2_console_01.txt");
    assert_eq!(b[0]["instance"], "i-09e73ee9e40c9f948");
    // Many boots of one cloud-init.log, and of its cloud-init-output.log.
    assert_eq!(boots_of("cloudinit", "cloudinit_log_06.log").len(), 25);
    assert_eq!(boots_of("cloudinit", "cloudinit_output_01.log").len(), 25);
    assert_eq!(boots_of("cloudinit", "cloudinit_log_10.log").len(), 8);
    // A stage FAIL is crash evidence when nothing registered; timed to cloud-init's end
    // (no platform events, no register line), the boot reached it.
    let b = boots_of("cloudinit", "cloudinit_log_01.log");
    assert_eq!(b[0]["outcome"], "registered");
    assert_eq!(b[0]["end"], "boot_finished");
    let b = boots_of_with(
        "cloudinit",
        "cloudinit_log_01.log",
        &["--end", "registered"],
    );
    assert_eq!(b[0]["outcome"], "crashed");
    assert_eq!(b[0]["evidence"]["kind"], "stage_failed");
    // 35.849 s on the wall clock (what `analyze show` prints); timelines measure on the uptime
    // clock, which cloud-init's banners pin 23 ms differently.
    assert!((phase_secs(&b[0], "modules-final").unwrap() - 35.849).abs() < 0.05);
    // The wall clock of cloudinit_log_06 jumps days mid-boot (once between init and
    // modules-config); on the uptime clock every boot's modules-config takes under two minutes.
    for (i, b) in boots_of("cloudinit", "cloudinit_log_06.log")
        .iter()
        .enumerate()
    {
        let s = phase_secs(b, "modules-config").unwrap_or_else(|| panic!("boot {i}"));
        assert!(s < 120.0, "boot {i}: {s}");
    }
}

#[test]
fn selection_by_time_and_instance() {
    let (_, out, _) = bootline(&[
        "timeline",
        "--format",
        "jsonl",
        "--since",
        "2026-06-10T14:00:00Z",
        "--until",
        "2026-06-10T15:00:00Z",
        "fixtures/fleet/events.jsonl",
    ]);
    let boots = jsonl(&out);
    assert!(!boots.is_empty());
    for b in &boots {
        let l = b["launched"].as_str().unwrap();
        assert!(
            ("2026-06-10T14:00:00Z".."2026-06-10T15:00:00Z").contains(&l),
            "{l}"
        );
    }
    let (code, _, err) = bootline(&[
        "timeline",
        "--since",
        "yesterday",
        "fixtures/fleet/events.jsonl",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("expected a date (2026-06-10, from midnight UTC) or a time with its offset"),
        "{err}"
    );
}
