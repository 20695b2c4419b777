//! Real machines counted once: each folder of `fixtures/corpus/machines/` holds what an operator
//! captured of one or more real VMs (`/var/log` bundles, loose files of several machines), and
//! `expected.json` says what a person sees by reading them — machines, their boots, the `Up` of
//! each `finished at`, which boots were seen from their start. A regression in counting fails
//! here with the folder's name.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

mod common;

use common::{bootline, fixture};

/// The boots `timeline` finds in a folder, by instance, in boot order.
fn boots_by_instance(folder: &str) -> BTreeMap<String, Vec<Value>> {
    let (code, out, err) = bootline(&["timeline", "--format", "json", folder]);
    assert_eq!(code, 0, "{folder}: {err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let mut by: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for b in v["boots"].as_array().unwrap() {
        by.entry(b["instance"].as_str().unwrap().to_string())
            .or_default()
            .push(b.clone());
    }
    by
}

/// The file names (not paths) that gave an instance's boots.
fn files_of(boots: &[Value]) -> BTreeSet<String> {
    boots
        .iter()
        .flat_map(|b| b["sources"].as_array().unwrap())
        .map(|s| s.as_str().unwrap().rsplit('/').next().unwrap().to_string())
        .collect()
}

fn milestone(b: &Value, name: &str) -> Option<f64> {
    b["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .map(|m| m["at_secs"].as_f64().unwrap())
}

fn epoch(rfc3339: &str) -> f64 {
    let t =
        chrono::DateTime::parse_from_rfc3339(rfc3339).unwrap_or_else(|e| panic!("{rfc3339}: {e}"));
    t.timestamp_millis() as f64 / 1e3
}

/// Checks one expected machine against the instance that holds its files; returns its boots.
fn check_machine(case: &str, m: &Value, by: &BTreeMap<String, Vec<Value>>) -> usize {
    let files: BTreeSet<String> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    // Named by its id, where a log states it as an id bootline reads (one image's files can
    // hold the boots of several instances); an id a person reads elsewhere (an agent's line)
    // names nothing here.
    let named = m["instance_id"]
        .as_str()
        .and_then(|id| by.keys().find(|i| *i == id));
    let instance = match named {
        Some(id) => id,
        // Otherwise every instance that any of the machine's files fed is the one instance.
        None => {
            let holders: Vec<&String> = by
                .iter()
                .filter(|(_, boots)| !files_of(boots).is_disjoint(&files))
                .map(|(i, _)| i)
                .collect();
            assert_eq!(holders.len(), 1, "{case}: {files:?} are in {holders:?}");
            holders[0]
        }
    };
    let boots = &by[instance];
    let extra: Vec<String> = files_of(boots).difference(&files).cloned().collect();
    assert!(extra.is_empty(), "{case}: {instance} also holds {extra:?}");
    let expected = m["boots"].as_array().unwrap();
    assert_eq!(
        boots.len(),
        expected.len(),
        "{case}: {instance}: boots {:?}",
        boots.iter().map(|b| &b["zero_wall"]).collect::<Vec<_>>()
    );
    for (k, (got, want)) in boots.iter().zip(expected).enumerate() {
        let at = format!("{case}: {instance} boot {}", k + 1);
        if let Some(t) = want["kernel_start_utc"].as_str() {
            let zero = got["zero_wall"].as_str().unwrap_or_else(|| panic!("{at}"));
            assert!((epoch(zero) - epoch(t)).abs() <= 1.5, "{at}: {zero} vs {t}");
        }
        let start_seen = want["start_seen"].as_bool().unwrap();
        match want["finished_up"].as_f64() {
            Some(up) => {
                let end = milestone(got, "boot_finished").unwrap_or_else(|| panic!("{at}"));
                assert!((end - up).abs() <= 1.0, "{at}: finished at {end}, Up {up}");
                if start_seen {
                    assert_eq!(got["latency"]["censored"], false, "{at}");
                    let l = got["latency"]["secs"].as_f64().unwrap();
                    assert!((l - up).abs() <= 1.0, "{at}: latency {l}, Up {up}");
                }
            }
            None => assert!(milestone(got, "boot_finished").is_none(), "{at}"),
        }
        if !start_seen {
            assert!(
                got["latency"].is_null(),
                "{at}: a boot seen mid-way is not timed"
            );
        }
    }
    expected.len()
}

#[test]
fn every_real_machine_is_one_instance_with_each_boot_once() {
    let root = fixture("corpus/machines");
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("expected.json")).unwrap())
            .unwrap();
    let cases = expected["cases"].as_array().unwrap();
    assert!(cases.len() >= 12, "{}", cases.len());
    let (mut machines, mut boots, mut files) = (0, 0, 0);
    for case in cases {
        let name = case["folder"].as_str().unwrap();
        let folder = format!("fixtures/corpus/machines/{name}");
        let by = boots_by_instance(&folder);
        let want = case["machines"].as_array().unwrap();
        // Files that give no boot (a log rotated mid-boot) make no instance of their own.
        assert_eq!(by.len(), want.len(), "{name}: {:?}", by.keys());
        for m in want {
            boots += check_machine(name, m, &by);
            files += m["files"].as_array().unwrap().len();
        }
        machines += want.len();
    }
    assert!(
        files >= 40 && machines >= 15 && boots >= 24,
        "{files} {machines} {boots}"
    );
}

#[test]
fn a_journald_export_gets_one_boot_per_boot_id() {
    let (code, out, err) = bootline(&[
        "timeline",
        "--format",
        "json",
        "fixtures/corpus/cloudinit/journal_01.jsonl",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let boots = v["boots"].as_array().unwrap();
    assert_eq!(boots.len(), 1, "one _BOOT_ID, one boot");
    // Cloud-init finished at Up 34.80 seconds; the journal dates the kernel exactly.
    assert!((milestone(&boots[0], "boot_finished").unwrap() - 34.807).abs() < 0.01);
    assert_eq!(boots[0]["latency"]["censored"], false);
}

#[test]
fn a_dmesg_without_a_wall_clock_beside_a_machine_of_several_boots_stays_alone_and_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = fixture("corpus/machines/05-aws-ubuntu1404-two-boot-bundle");
    for f in ["cloud-init.log", "cloud-init-output.log"] {
        std::fs::copy(bundle.join(f), dir.path().join(f)).unwrap();
    }
    // The kernel's ring buffer without its audit readings: nothing ties it to the wall clock.
    let dmesg = std::fs::read_to_string(bundle.join("dmesg")).unwrap();
    let plain: String = dmesg
        .lines()
        .filter(|l| !l.contains("audit("))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dir.path().join("dmesg"), plain).unwrap();
    let d = dir.path().to_str().unwrap();
    let (code, out, err) = bootline(&["timeline", "--format", "json", d]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!(
            "bootline: {d}/dmesg has no wall clock of its own to place it among the files of \
             {d}, and its machine had more than one boot: kept as its own instance\n"
        )),
        "{err}"
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    let instances: BTreeSet<&str> = v["boots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["instance"].as_str().unwrap())
        .collect();
    assert_eq!(
        instances,
        BTreeSet::from(["i-016d168b98949600e", &*format!("{d}/dmesg")])
    );
}
