//! The sweep's verdict and provisioning attempts, end to end on small fixtures written for each
//! case (`fixtures/sweep/`), and sharded timelines reducing to the same fit as the raw fleet.

use std::collections::BTreeMap;

use serde_json::Value;

mod common;

use common::{bootline, root};

/// The boot lines of one case's timeline (with extra arguments before the input).
fn boots(case: &str, extra: &[&str]) -> Vec<Value> {
    let dir = root().join("fixtures/sweep").join(case);
    assert!(dir.is_dir(), "{} is missing", dir.display());
    let mut args = vec!["timeline", "--format", "jsonl"];
    args.extend_from_slice(extra);
    let path = dir.to_str().unwrap().to_string();
    args.push(&path);
    let (code, out, err) = bootline(&args);
    assert_eq!(code, 0, "{case}: {err}");
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The only boot of a one-boot case.
fn only(case: &str, extra: &[&str]) -> Value {
    let b = boots(case, extra);
    assert_eq!(b.len(), 1, "{case}: {b:?}");
    b.into_iter().next().unwrap()
}

fn latency(v: &Value) -> (f64, bool) {
    (
        v["secs"].as_f64().unwrap(),
        v["censored"].as_bool().unwrap(),
    )
}

#[test]
fn a_flip_with_provision_timeout_and_failed_at_the_same_tick_is_timed_out_at_the_flip() {
    let b = only("same-tick", &[]);
    assert_eq!(b["outcome"], "timed_out");
    assert_eq!(latency(&b["latency"]), (631.0, true));
    assert_eq!(b["attempt_outcome"], "timed_out");
    assert_eq!(latency(&b["attempt_latency"]), (631.0, true));
    assert_eq!(b["attempt_flip_secs"].as_f64(), Some(631.0));
    assert!(b["evidence"].is_null(), "the sweep's failed is no crash");
}

#[test]
fn the_same_flip_observed_past_the_stuck_threshold_is_stuck() {
    let b = only("same-tick-stuck", &[]);
    assert_eq!(b["outcome"], "stuck");
    assert_eq!(b["attempt_outcome"], "stuck");
    assert!(b["attempt_latency"].is_null());
    assert_eq!(b["attempt_flip_secs"].as_f64(), Some(631.0));
}

#[test]
fn a_failed_only_platform_at_608_s_is_timed_out_censored_there() {
    let b = only("failed-only", &[]);
    assert_eq!(b["outcome"], "timed_out");
    assert_eq!(latency(&b["attempt_latency"]), (608.0, true));
    assert_eq!(b["attempt_flip_secs"].as_f64(), Some(608.0));
}

#[test]
fn a_failed_at_120_s_with_no_flip_is_a_crash() {
    let b = only("failed-early", &[]);
    assert_eq!(b["outcome"], "crashed");
    assert_eq!(b["attempt_outcome"], "crashed");
    assert_eq!(b["evidence"]["kind"], "platform_failed");
    assert!(b["attempt_flip_secs"].is_null());
}

#[test]
fn a_reason_configured_as_a_crash_is_one_even_at_700_s() {
    let config = root().join("fixtures/sweep.toml");
    let b = only("crash-reason-late", &["--config", config.to_str().unwrap()]);
    assert_eq!(b["outcome"], "crashed");
    assert_eq!(
        b["evidence"]["line"],
        "platform failed: instance_status_check_failed"
    );
    // Without the rule the same event is the sweep's flip.
    let b = only("crash-reason-late", &[]);
    assert_eq!(b["outcome"], "timed_out");
    assert_eq!(latency(&b["latency"]), (700.0, true));
}

#[test]
fn a_panic_a_reboot_and_no_register_is_one_crashed_attempt() {
    let b = boots("panic-reboot-crashed", &[]);
    assert_eq!(b.len(), 2, "two boots");
    for x in &b {
        assert_eq!(x["attempt"], 1);
        assert_eq!(x["attempt_outcome"], "crashed");
        assert!(x["attempt_latency"].is_null());
        assert_eq!(x["zero"], "launch", "both boots count from the launch");
    }
    assert_eq!(b[0]["evidence"]["kind"], "kernel_panic");
    // The second boot alone was flipped: its own view is censored, yet the attempt is not fitted.
    assert_eq!(b[1]["outcome"], "timed_out");
    let reboot = b[1]["phases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "reboot")
        .expect("the reboot is a phase of the second boot");
    let (start, end) = (
        reboot["start_secs"].as_f64().unwrap(),
        reboot["end_secs"].as_f64().unwrap(),
    );
    assert!(
        (72.0..73.0).contains(&start) && (79.0..81.0).contains(&end),
        "{reboot}"
    );
}

#[test]
fn a_panic_a_reboot_and_a_register_at_500_s_is_one_registered_attempt() {
    let b = boots("panic-reboot-registered", &[]);
    assert_eq!(b.len(), 2);
    for x in &b {
        assert_eq!(x["attempt"], 1);
        assert_eq!(x["attempt_outcome"], "registered");
        assert_eq!(latency(&x["attempt_latency"]), (500.0, false));
        assert_eq!(x["attempt_latency"]["from"], "launch");
    }
    // The crash is kept as a note on the boot that crashed.
    assert_eq!(b[0]["outcome"], "crashed");
    assert_eq!(b[0]["evidence"]["kind"], "kernel_panic");
    assert_eq!(b[1]["outcome"], "registered");
}

#[test]
fn fit_counts_each_attempt_once() {
    // Every case together: records are the two timed-out flips (censored) and the registered
    // attempt (exact); the crashed attempt's flipped second boot adds no censored record.
    let (code, out, err) = bootline(&["fit", "--format", "json", "fixtures/sweep"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["n_events"].as_u64(), v["n_censored"].as_u64()),
        (Some(1), Some(3))
    );
    let attempts: BTreeMap<String, u64> = serde_json::from_value(v["attempts"].clone()).unwrap();
    let want: BTreeMap<String, u64> = [
        ("crashed", 2),
        ("registered", 1),
        ("stuck", 1),
        ("timed_out", 3),
    ]
    .into_iter()
    .map(|(k, n)| (k.to_string(), n))
    .collect();
    assert_eq!(attempts, want);
    assert_eq!(
        v["boots"]["timed_out"], 4,
        "per boot, the crashed attempt's second boot"
    );
}

/// The fixture fleet's timelines with instances dealt round-robin (in id order) to four
/// shards in `dir`: every shard holds whole instances, and no shard is a contiguous run of the
/// sorted fleet. Returns the shards' paths.
fn four_shards(dir: &std::path::Path) -> Vec<String> {
    let (code, timeline, err) = bootline(&[
        "timeline",
        "--config",
        "fixtures/bootline.toml",
        "--format",
        "jsonl",
        "fixtures/fleet",
    ]);
    assert_eq!(code, 0, "{err}");
    let mut instances: Vec<String> = Vec::new();
    let mut shards: Vec<String> = vec![String::new(); 4];
    for line in timeline.lines() {
        let boot: Value = serde_json::from_str(line).unwrap();
        let id = boot["instance"].as_str().unwrap();
        if instances.last().map(String::as_str) != Some(id) {
            instances.push(id.to_string());
        }
        let shard = &mut shards[(instances.len() - 1) % 4];
        shard.push_str(line);
        shard.push('\n');
    }
    assert!(instances.len() > 1000, "{} instances", instances.len());
    shards
        .iter()
        .enumerate()
        .map(|(k, text)| {
            assert!(!text.is_empty());
            let p = dir.join(format!("shard-{k}.jsonl"));
            std::fs::write(&p, text).unwrap();
            p.to_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn the_fleet_sharded_by_instance_into_four_timelines_fits_byte_for_byte_as_the_raw_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let paths = four_shards(dir.path());
    for command in ["fit", "recommend"] {
        let config = ["--config", "fixtures/bootline.toml"];
        let raw_args = [
            command,
            config[0],
            config[1],
            "--format",
            "json",
            "fixtures/fleet",
        ];
        let (code, raw, err) = bootline(&raw_args);
        assert!(code <= 1, "{err}");
        let mut args = vec![command, config[0], config[1], "--format", "json"];
        args.extend(paths.iter().map(String::as_str));
        let (sharded_code, sharded, err) = bootline(&args);
        assert_eq!(sharded_code, code, "{err}");
        assert_eq!(sharded, raw, "{command}");
        let v: Value = serde_json::from_str(&raw).unwrap();
        assert!(!v.is_null());
    }
}

#[test]
fn the_report_of_four_shards_is_the_report_of_the_raw_inputs() {
    // Shards are reduced as they are read, each keeping its own slowest healthy boot whole:
    // the report must still tell and draw the fleet's slowest, and every number must agree.
    let dir = tempfile::tempdir().unwrap();
    let paths = four_shards(dir.path());
    let report = |inputs: &[&str], out: &std::path::Path| -> Value {
        let mut args = vec!["report", "--config", "fixtures/bootline.toml", "--quiet"];
        args.extend(inputs);
        args.extend([
            "--out",
            out.to_str().unwrap(),
            "--now",
            "2026-06-11T00:00:00Z",
        ]);
        let (code, _, err) = bootline(&args);
        assert!(code <= 1, "{err}");
        let text = std::fs::read_to_string(out.join("report.json")).unwrap();
        let mut v: Value = serde_json::from_str(&text).unwrap();
        // What was read and how it was asked for differ by design; everything else must not.
        for k in ["inputs", "command"] {
            v.as_object_mut().unwrap().remove(k);
        }
        v
    };
    let raw = report(&["fixtures/fleet"], &dir.path().join("raw"));
    let mut shard_args: Vec<&str> = paths.iter().map(String::as_str).collect();
    let sharded = report(&shard_args, &dir.path().join("sharded"));
    assert_eq!(sharded["worked"], raw["worked"]);
    assert!(raw["worked"]["events"].as_array().unwrap().len() > 5);
    assert_eq!(sharded["figures"]["lanes"], raw["figures"]["lanes"]);
    assert_eq!(sharded, raw);
    // A boot asked for by name is kept whole from whichever shard holds it.
    let notable = raw["notable"].as_array().unwrap();
    let id = notable
        .iter()
        .find(|b| b["class"] == "default" && b["outcome"] == "false_failed")
        .and_then(|b| b["instance"].as_str())
        .expect("a false-failed boot of the default class")
        .to_string();
    let raw = report(
        &["fixtures/fleet", "--worked-instance", &id],
        &dir.path().join("raw-named"),
    );
    shard_args.extend(["--worked-instance", &id]);
    let sharded = report(&shard_args, &dir.path().join("sharded-named"));
    assert_eq!(raw["worked"]["instance"], id.as_str());
    assert_eq!(sharded["worked"], raw["worked"]);
    assert_eq!(sharded["figures"]["lanes"], raw["figures"]["lanes"]);
}

/// The real `cloud-init.log`s of the corpus: boots without platform events or a register line.
fn corpus_logs() -> Vec<String> {
    let dir = root().join("fixtures/corpus/cloudinit");
    let mut logs: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .map(|p| p.to_str().unwrap().to_string())
        .collect();
    logs.sort();
    assert!(logs.len() >= 13, "{logs:?}");
    logs
}

#[test]
fn plain_logs_fit_to_cloud_inits_end_and_say_why_nothing_fits_without_it() {
    let logs = corpus_logs();
    let mut args = vec!["fit", "--format", "json", "--end", "registered"];
    args.extend(logs.iter().map(String::as_str));
    let (code, out, err) = bootline(&args);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty(), "{out}");
    let why: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("bootline: nothing to fit"))
        .collect();
    assert_eq!(why.len(), 1, "{err}");
    assert!(
        why[0].contains("reached its end milestone `registered`")
            && why[0].contains("--end boot_finished"),
        "{}",
        why[0]
    );

    args[4] = "boot_finished";
    let (code, out, err) = bootline(&args);
    assert_eq!(code, 0, "{err}");
    // Without platform events and without --end, the same: the end is chosen and said.
    args.drain(3..5);
    let (auto_code, auto_out, auto_err) = bootline(&args);
    assert_eq!(auto_code, 0, "{auto_err}");
    assert_eq!(auto_out, out);
    assert!(
        auto_err.contains(
            "bootline: class default: latency to boot_finished (cloud-init's end): no platform \
             events or register lines\n"
        ),
        "{auto_err}"
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(v["n_events"].as_u64().unwrap() > 20, "{}", v["n_events"]);
    assert!(!v["ranking"].as_array().unwrap().is_empty());
    assert!(
        v["models"][0]["quantiles"]["p99.9"]["estimate"]
            .as_f64()
            .unwrap()
            > 0.0
    );
}

#[test]
fn the_end_milestone_replaces_the_register_in_the_outcome_rules() {
    // cloudinit_log_01: a Debian boot whose cloud-init ends `finished at … Up 45.49 seconds`
    // after a stage FAIL; no platform, no register.
    let log = root().join("fixtures/corpus/cloudinit/cloudinit_log_01.log");
    let log = log.to_str().unwrap();
    let one = |extra: &[&str]| {
        let mut args = vec!["timeline", "--format", "jsonl"];
        args.extend_from_slice(extra);
        args.push(log);
        let (code, out, err) = bootline(&args);
        assert_eq!(code, 0, "{err}");
        let b: Vec<Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(b.len(), 1);
        b.into_iter().next().unwrap()
    };
    let registered = one(&["--end", "registered"]);
    assert_eq!(registered["end"], "registered");
    assert_eq!(registered["outcome"], "crashed");
    let finished = one(&["--end", "boot_finished"]);
    assert_eq!(
        finished,
        one(&[]),
        "auto: no platform events, cloud-init's end"
    );
    assert_eq!(finished["end"], "boot_finished");
    assert_eq!(finished["outcome"], "registered");
    let at = finished["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "boot_finished")
        .unwrap()["at_secs"]
        .as_f64()
        .unwrap();
    assert_eq!(finished["latency"]["secs"].as_f64(), Some(at));
    assert_eq!(finished["latency"]["censored"], false);
    assert_eq!(finished["latency"]["from"], "kernel_start");
    // An end that names nothing is refused with what is accepted.
    let (code, out, err) = bootline(&["timeline", "--end", "finished", log]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert_eq!(
        err,
        "bootline: --end: end 'finished' is neither auto, registered, boot_finished nor a \
         milestone marker of the configuration; expected one of: auto, registered, \
         boot_finished\n"
    );
}

/// The configuration that declares 720 s for data the platform swept at 600 s.
const DECLARED_720: &str = "fixtures/declared/declared-720.toml";

/// `timeline --format jsonl` of a `fixtures/declared` case under a configuration: the boot
/// lines by instance, and stderr.
fn declared(case: &str, config: &str) -> (BTreeMap<String, Value>, String) {
    let dir = root().join("fixtures/declared").join(case);
    assert!(dir.is_dir(), "{} is missing", dir.display());
    let (code, out, err) = bootline(&[
        "timeline",
        "--config",
        config,
        "--format",
        "jsonl",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{case}: {err}");
    let boots = out
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|b| (b["instance"].as_str().unwrap().to_string(), b))
        .collect();
    (boots, err)
}

/// The lines of stderr that say a declared timeout is contradicted.
fn contradictions(err: &str) -> Vec<&str> {
    err.lines()
        .filter(|l| l.starts_with("bootline: class "))
        .collect()
}

/// What the statistics see of an attempt: its outcome and its record.
fn attempt_record(b: &Value) -> (String, Option<(f64, bool)>) {
    let outcome = b["attempt_outcome"].as_str().unwrap().to_string();
    let l = &b["attempt_latency"];
    (outcome, (!l.is_null()).then(|| latency(l)))
}

#[test]
fn a_failed_at_659_s_stating_600_s_is_the_flip_though_720_s_is_declared() {
    let (wrong, err) = declared("stated", DECLARED_720);
    let b = &wrong["i-0c00000000000000a"];
    assert_eq!(b["outcome"], "timed_out");
    assert_eq!(attempt_record(b), ("timed_out".into(), Some((659.0, true))));
    assert_eq!(b["attempt_flip_secs"].as_f64(), Some(659.0));
    assert_eq!(b["attempt_stated_timeout_secs"].as_f64(), Some(600.0));
    assert_eq!(b["attempt_failed_timeout_secs"].as_f64(), Some(600.0));
    assert_eq!(b["timeout_secs"].as_f64(), Some(720.0), "the declared one");
    assert!(b["evidence"].is_null(), "the sweep's flip is no crash");
    // The same record as under the declaration that matches the data.
    let (right, right_err) = declared("stated", "fixtures/bootline.toml");
    assert_eq!(
        attempt_record(b),
        attempt_record(&right["i-0c00000000000000a"])
    );
    assert_eq!(
        contradictions(&err),
        [
            "bootline: class default: the platform swept at 600 s (stated for 2 attempts) but \
          bootline.toml declares 720 s; 1 flip came 659 s after launch, before the declared \
          timeout; the flips are judged at the platform's 600 s"
        ]
    );
    assert_eq!(contradictions(&right_err), Vec::<&str>::new());
    // The text view shows both timeouts.
    let (code, text, err) = bootline(&[
        "timeline",
        "--config",
        DECLARED_720,
        "--instance",
        "i-0c00000000000000a",
        "fixtures/declared/stated",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        text.contains("timeout 720 s (the platform stated 600 s), stuck after 900 s"),
        "{text}"
    );
}

/// `fit --format json` of `input` under the configuration `config`, which must succeed: the
/// document and stderr.
fn fit_json(config: &str, input: &str) -> (Value, String) {
    let (code, out, err) = bootline(&["fit", "--config", config, "--format", "json", input]);
    assert_eq!(code, 0, "{err}");
    (serde_json::from_str(&out).unwrap(), err)
}

#[test]
fn the_fit_sees_the_same_records_whichever_timeout_is_declared_when_the_platform_states_it() {
    let fit = |config: &str| fit_json(config, "fixtures/declared/stated").0;
    let (wrong, right) = (fit(DECLARED_720), fit("fixtures/bootline.toml"));
    for key in ["n", "n_events", "n_censored", "attempts", "ranking"] {
        assert_eq!(wrong[key], right[key], "{key}");
    }
    // The same models (survival is also shown at each declaration's own timeout).
    let models = |v: &Value| -> Vec<(Value, Value, Value)> {
        v["models"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["family"].clone(),
                    m["loglik"].clone(),
                    m["params"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(models(&wrong), models(&right));
    assert!(!models(&right).is_empty());
    assert_eq!(
        (wrong["n"].as_u64(), wrong["n_censored"].as_u64()),
        (Some(13), Some(1))
    );
    // The fit says which timeout the platform applied where bootline.toml declares another.
    let o = &wrong["observed_timeouts"][0];
    assert_eq!(o["class"], "default");
    assert_eq!(o["declared_timeout_secs"].as_f64(), Some(720.0));
    assert_eq!(o["observed_timeout_secs"].as_f64(), Some(600.0));
    assert_eq!(o["stated"][0]["attempts"], 2);
    assert_eq!(o["flips_before_declared"], 1);
    assert_eq!(o["judged_at_declared"], 0);
    assert!(right.get("observed_timeouts").is_none(), "{right}");
}

#[test]
fn a_genuine_early_failed_stays_a_crash_under_either_declaration_stated_or_not() {
    for config in [DECLARED_720, "fixtures/bootline.toml"] {
        let (stated, _) = declared("stated", config);
        let (unstated, _) = declared("unstated", config);
        for b in [
            &stated["i-0c00000000000000b"],
            &unstated["i-0d00000000000000c"],
        ] {
            assert_eq!(attempt_record(b), ("crashed".into(), None), "{config}");
            assert_eq!(
                b["evidence"]["line"], "platform failed: cloud_init_error",
                "{config}"
            );
        }
    }
}

#[test]
fn a_failed_at_659_s_stating_nothing_is_judged_at_the_declared_720_s_and_warned() {
    // Today's rule where nothing is stated: the declared timeout judges it, a crash (out of
    // the fit). Another attempt's stated 600 s says the declaration is wrong.
    let (wrong, err) = declared("unstated", DECLARED_720);
    let b = &wrong["i-0d00000000000000a"];
    assert_eq!(attempt_record(b), ("crashed".into(), None));
    assert!(b["attempt_stated_timeout_secs"].is_null());
    assert_eq!(b["attempt_failed_timeout_secs"].as_f64(), Some(720.0));
    assert_eq!(
        b["evidence"]["line"],
        "platform failed: container started but never called /registry/register"
    );
    assert_eq!(
        contradictions(&err),
        [
            "bootline: class default: the platform swept at 600 s (stated for 1 attempt) but \
          bootline.toml declares 720 s; 1 flip came 631 s after launch, before the declared \
          timeout; the flips are judged at the platform's 600 s; 2 attempts whose events state \
          no timeout are judged at the declared 720 s"
        ]
    );
    // The flip that states its 600 s is a flip under either declaration.
    assert_eq!(
        attempt_record(&wrong["i-0d00000000000000b"]),
        ("timed_out".into(), Some((631.0, true)))
    );
}

#[test]
fn the_same_failed_at_659_s_is_the_flip_under_the_declaration_that_matches_the_data() {
    let (right, err) = declared("unstated", "fixtures/bootline.toml");
    let b = &right["i-0d00000000000000a"];
    assert_eq!(attempt_record(b), ("timed_out".into(), Some((659.0, true))));
    assert_eq!(b["attempt_failed_timeout_secs"].as_f64(), Some(600.0));
    assert!(b["evidence"].is_null());
    assert_eq!(contradictions(&err), Vec::<&str>::new());
}

/// `command --format json` on the stated-timeout case under the 720 s configuration: its
/// output, after checking it names the contradiction once.
fn stated_json(command: &str) -> Value {
    let (code, out, err) = bootline(&[
        command,
        "--config",
        DECLARED_720,
        "--format",
        "json",
        "fixtures/declared/stated",
    ]);
    assert!(code <= 1, "{err}");
    assert_eq!(contradictions(&err).len(), 1, "once per class: {err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn recommend_and_report_carry_the_contradicted_timeout_beside_the_class_timeout() {
    let v = stated_json("recommend");
    let class = &v["classes"][0];
    assert_eq!(class["current_timeout_s"].as_f64(), Some(720.0));
    assert_eq!(
        class["observed_timeout"]["observed_timeout_secs"].as_f64(),
        Some(600.0)
    );

    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = bootline(&[
        "report",
        "--config",
        DECLARED_720,
        "--quiet",
        "--out",
        dir.path().to_str().unwrap(),
        "fixtures/declared/stated",
    ]);
    assert!(code <= 1, "{err}");
    assert_eq!(contradictions(&err).len(), 1, "once per class: {err}");
    let text = std::fs::read_to_string(dir.path().join("report.json")).unwrap();
    let r: Value = serde_json::from_str(&text).unwrap();
    let class = &r["classes"][0];
    assert_eq!(class["timeout_secs"].as_f64(), Some(720.0));
    assert_eq!(
        class["observed_timeouts"][0]["observed_timeout_secs"].as_f64(),
        Some(600.0)
    );
    assert_eq!(
        r["recommendation"]["classes"][0]["observed_timeout"]["declared_timeout_secs"].as_f64(),
        Some(720.0)
    );
    // report.md says it where the attempts are counted.
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(
        md.contains(
            "The platform's events contradict a declared timeout: class default: the platform \
             swept at 600 s (stated for 2 attempts) but bootline.toml declares 720 s;"
        ),
        "{md}"
    );
}

#[test]
fn check_carries_the_contradicted_timeout_on_its_gate_as_recommend_does() {
    let v = stated_json("check");
    let gate = &v["gate"][0];
    assert_eq!(gate["current_timeout_s"].as_f64(), Some(720.0));
    assert_eq!(
        gate["observed_timeout"]["observed_timeout_secs"].as_f64(),
        Some(600.0)
    );
}

#[test]
fn the_fixture_fleet_agrees_with_its_declared_timeouts_and_not_with_720_s() {
    let fit = |config: &str| fit_json(config, "fixtures/fleet");
    let (v, err) = fit("fixtures/bootline.toml");
    assert_eq!(contradictions(&err), Vec::<&str>::new());
    assert!(v.get("observed_timeouts").is_none());
    // Declared at 720 s, the fleet's own provision_timeout events (600 s) and flips say no.
    let (v, err) = fit(DECLARED_720);
    let said = contradictions(&err);
    assert_eq!(said.len(), 1, "{err}");
    // The README shows this line.
    assert_eq!(
        said[0],
        "bootline: class default: the platform swept at 600 s (stated for 12 attempts) but \
         bootline.toml declares 720 s; 12 flips came 601–658 s after launch, before the declared \
         timeout; the flips are judged at the platform's 600 s; 3 attempts whose events state \
         no timeout are judged at the declared 720 s"
    );
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(readme.contains(said[0]), "README.md shows another line");
    assert_eq!(v["observed_timeouts"][0]["flips_before_declared"], 12);
}

/// A timeline shard line of one attempt without a launch: its latency counts from the
/// kernel's start.
fn kernel_timed(instance: &str, outcome: &str, secs: f64, censored: bool) -> String {
    let latency = format!(r#"{{"secs":{secs:?},"censored":{censored},"from":"kernel_start"}}"#);
    format!(
        r#"{{"schema_version":1,"instance":"{instance}","workspace":null,"class":"default","template":null,"boot":1,"zero":"kernel_start","zero_wall":null,"launched":null,"outcome":"{outcome}","latency":{latency},"timeout_secs":600.0,"stuck_threshold_secs":900.0,"observed_secs":{secs:?},"evidence":null,"phases":[],"milestones":[],"clock_skew_secs":null,"clock_steps":[],"sources":["console.log"],"labels":{{}},"end":"registered","identity":["file"],"attempt":1,"attempt_outcome":"{outcome}","attempt_latency":{latency},"attempt_flip_secs":null}}"#
    )
}

#[test]
fn fit_recommend_and_report_count_the_same_attempts_from_the_kernel_start() {
    // Three fitted attempts timed from the kernel's start, beside an implausible one and one
    // censored at 0 s: neither of those two is fitted, so neither is counted.
    let dir = tempfile::tempdir().unwrap();
    let shard = dir.path().join("kernel.jsonl");
    let lines = [
        kernel_timed("i-k1", "registered", 301.0, false),
        kernel_timed("i-k2", "registered", 322.0, false),
        kernel_timed("i-k3", "unknown", 340.0, true),
        kernel_timed("i-k4", "registered", 4e9, false),
        kernel_timed("i-k5", "unknown", 0.0, true),
    ];
    std::fs::write(&shard, lines.join("\n") + "\n").unwrap();
    let shard = shard.to_str().unwrap();
    let clean = "fixtures/implausible/clean.jsonl";
    let json = |args: &[&str]| -> Value {
        let (code, out, err) = bootline(args);
        assert!(code <= 1, "{args:?}: {err}");
        serde_json::from_str(&out).unwrap()
    };
    let fit = json(&["fit", "--format", "json", clean, shard]);
    assert_eq!(fit["latency_from_kernel_start"], 3, "fit");
    let recommend = json(&["recommend", "--format", "json", clean, shard]);
    let warned: Vec<&Value> = recommend["classes"][0]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["kind"] == "latency_from_kernel")
        .map(|w| &w["n"])
        .collect();
    assert_eq!(warned, [&Value::from(3)], "recommend");
    let out = dir.path().join("report");
    let (code, _, err) = bootline(&[
        "report",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
        clean,
        shard,
    ]);
    assert!(code <= 1, "{err}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["classes"][0]["from_kernel_start"], 3, "report");
}
