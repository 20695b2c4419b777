//! Which files are one machine (`bootline timeline`): identity comes from an id inside the
//! content, then a folder named like an instance, else each file is its own instance, and
//! every boot names where its identity came from. Checked on the real corpus.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

mod common;
use common::fixture;

/// `bootline timeline --format jsonl args…`: the boots, and stderr.
fn timeline(args: &[&str]) -> (Vec<Value>, String) {
    let out = Command::cargo_bin("bootline")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["timeline", "--format", "jsonl"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let boots = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (boots, stderr)
}

/// Instance → the source files of its boots.
fn files_per_instance(boots: &[Value]) -> BTreeMap<String, BTreeSet<String>> {
    let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for b in boots {
        let files = m
            .entry(b["instance"].as_str().unwrap().to_string())
            .or_default();
        for s in b["sources"].as_array().unwrap() {
            files.insert(s.as_str().unwrap().to_string());
        }
    }
    m
}

fn identity(b: &Value) -> Vec<&str> {
    b["identity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

fn cloudinit_logs() -> Vec<PathBuf> {
    let dir = fixture("corpus/cloudinit");
    let mut logs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_str().unwrap();
            n.starts_with("cloudinit_log_") && n.ends_with(".log")
        })
        .collect();
    logs.sort();
    logs
}

#[test]
fn thirteen_unrelated_cloud_init_logs_are_thirteen_instances_each_named_by_its_evidence() {
    // Copied into one folder under the generic names that used to join them.
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("cloudinit");
    std::fs::create_dir(&folder).unwrap();
    let logs = cloudinit_logs();
    assert_eq!(logs.len(), 13);
    for (k, log) in logs.iter().enumerate() {
        std::fs::copy(log, folder.join(format!("cloudinit_{k:02}.log"))).unwrap();
    }
    let (boots, _) = timeline(&[folder.to_str().unwrap()]);
    let files = files_per_instance(&boots);
    assert_eq!(files.len(), 13, "{files:?}");
    assert!(files.values().all(|f| f.len() == 1), "{files:?}");
    // Logs that name their instance are that instance; the four whose only id is a
    // datasource default (nocloud, iid-datasource-none) are their own file.
    let mut by_source: BTreeMap<Vec<&str>, usize> = BTreeMap::new();
    for b in &boots {
        *by_source.entry(identity(b)).or_default() += 1;
    }
    let instances_by = |kind: &str| {
        boots
            .iter()
            .filter(|b| identity(b) == [kind])
            .map(|b| b["instance"].as_str().unwrap())
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(
        instances_by("cloud_init"),
        BTreeSet::from([
            "0bbcf083-2578-5540-a709-93f7116c8db1",
            "1d1766d3-54fb-3e40-a026-7facdb88ea2c",
            "40c15243-077e-6e43-ab44-e1dd39c2c6fe",
            "8850011",
            "i-0325bf77de6a86c85",
            "i-05feb5aff02f173d0",
            "i-0d483f9ce23b7fccc",
            "i-0d734ede44d97ba0b",
            "i-0fcf7d9a887243b84",
        ])
    );
    assert_eq!(instances_by("file").len(), 4, "{by_source:?}");
    // No boot is stuck for having been joined to another machine's clock.
    assert!(boots.iter().all(|b| b["outcome"] != "stuck"));
    // The text names where each identity came from.
    let text = Command::cargo_bin("bootline")
        .unwrap()
        .args(["timeline", folder.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    for (kind, said) in [
        ("cloud_init", "cloud-init instance id"),
        ("file", "file (no instance named)"),
    ] {
        let n = boots.iter().filter(|b| identity(b) == [kind]).count();
        let line = format!("instance named by: {said}\n");
        assert_eq!(text.matches(&line).count(), n, "{line}");
    }
}

#[test]
fn a_log_whose_instance_id_changes_between_boots_is_two_instances() {
    // An image captured with its log: the new instance's boots follow the old one's.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cloud-init.log");
    let mut text = std::fs::read(fixture("corpus/cloudinit/cloudinit_log_08.log")).unwrap();
    text.extend(std::fs::read(fixture("corpus/cloudinit/cloudinit_log_02.log")).unwrap());
    std::fs::write(&path, text).unwrap();
    let (boots, _) = timeline(&[path.to_str().unwrap()]);
    let instances: Vec<&str> = boots
        .iter()
        .map(|b| b["instance"].as_str().unwrap())
        .collect();
    assert_eq!(instances, ["i-0325bf77de6a86c85", "i-0d483f9ce23b7fccc"]);
    assert!(boots.iter().all(|b| identity(b) == ["cloud_init"]));
}

#[test]
fn the_serial_samples_are_one_instance_per_machine() {
    let (boots, _) = timeline(&[fixture("corpus/serial").to_str().unwrap()]);
    let files = files_per_instance(&boots);
    // No instance joins two files: nothing in them says two are one machine.
    assert!(files.values().all(|f| f.len() == 1), "{files:?}");
    assert!(files.len() >= 20);
    // Two boots of one machine, named by journald's machine id.
    let machine: Vec<&Value> = boots
        .iter()
        .filter(|b| b["instance"] == "41669ad30bf148ad842fdc89597b3c04")
        .collect();
    assert_eq!(machine.len(), 2);
    assert!(machine.iter().all(|b| identity(b) == ["journald_machine"]));
    // The EC2 console wrapper names its instance.
    let (boots, _) = timeline(&[fixture("corpus/cloudinit/ec2_console_01.txt")
        .to_str()
        .unwrap()]);
    assert_eq!(boots[0]["instance"], "i-09e73ee9e40c9f948");
    assert_eq!(identity(&boots[0]), ["ec2_console"]);
}

/// Copies corpus files into `dir/folder/` under new names.
fn place(dir: &Path, folder: &str, files: &[(&str, &str)]) -> PathBuf {
    let f = dir.join(folder);
    std::fs::create_dir_all(&f).unwrap();
    for (from, to) in files {
        std::fs::copy(fixture(from), f.join(to)).unwrap();
    }
    f
}

#[test]
fn folders_join_files_only_when_named_like_an_instance_or_asked_to() {
    let dir = tempfile::tempdir().unwrap();
    let consoles = [
        ("corpus/serial/kubevirt_console_01.txt", "console_1.log"),
        ("corpus/serial/s390x_lpar_console_01.txt", "console_2.log"),
        ("corpus/serial/openstack_console_01.txt", "console_3.log"),
    ];
    let web = place(dir.path(), "web-1", &consoles);
    let (boots, _) = timeline(&[web.to_str().unwrap()]);
    assert_eq!(files_per_instance(&boots).len(), 3);
    // --identity folder: the user says the folder is the machine.
    let (boots, _) = timeline(&["--identity", "folder", web.to_str().unwrap()]);
    assert!(boots
        .iter()
        .all(|b| b["instance"] == "web-1" && identity(b) == ["folder"]));
    // So does a configured folder pattern.
    let config = dir.path().join("bootline.toml");
    std::fs::write(&config, "[identity]\nfolder_regex = 'web-\\d+'\n").unwrap();
    let (boots, _) = timeline(&["--config", config.to_str().unwrap(), web.to_str().unwrap()]);
    assert!(boots.iter().all(|b| b["instance"] == "web-1"));
    // An EC2 id as folder name needs no configuration; --identity file undoes it.
    let ec2 = place(dir.path(), "i-0123456789abcdef0", &consoles[..2]);
    let (boots, _) = timeline(&[ec2.to_str().unwrap()]);
    assert!(boots.iter().all(|b| b["instance"] == "i-0123456789abcdef0"));
    let (boots, _) = timeline(&["--identity", "file", ec2.to_str().unwrap()]);
    assert_eq!(files_per_instance(&boots).len(), 2);
    assert!(boots.iter().all(|b| identity(b) == ["file"]));
}

#[test]
fn sources_more_than_a_day_apart_are_never_one_boot_and_stderr_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let m = place(
        dir.path(),
        "m",
        &[
            ("corpus/serial/openstack_console_01.txt", "a.log"),
            (
                "corpus/serial/journal_short_iso_precise_gcp_01.txt",
                "b.log",
            ),
        ],
    );
    let (boots, err) = timeline(&["--identity", "folder", m.to_str().unwrap()]);
    assert_eq!(boots.len(), 2);
    assert!(boots
        .iter()
        .all(|b| b["sources"].as_array().unwrap().len() == 1));
    assert!(
        err.contains("b.log and ")
            && err.contains("a.log are 2272 days apart by their clocks: not one boot of m"),
        "{err}"
    );
}

#[test]
fn an_identity_rule_that_cannot_apply_says_why_once() {
    let out = assert_cmd::Command::cargo_bin("bootline")
        .unwrap()
        .current_dir(common::fixture("corpus/cloudinit"))
        .args(["timeline", "--identity", "folder", "--format", "jsonl"])
        .arg("journal_01.jsonl")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8(out.stderr).unwrap();
    let why = "bootline: --identity folder: journal_01.jsonl is in no folder: it is its own \
               instance\n";
    assert_eq!(err.matches(why).count(), 1, "{err}");
    let boot: serde_json::Value =
        serde_json::from_str(String::from_utf8(out.stdout).unwrap().trim()).unwrap();
    assert_eq!(boot["instance"], "journal_01.jsonl");
    assert_eq!(boot["identity"], serde_json::json!(["file"]));
}
