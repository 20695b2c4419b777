//! The synthetic byte-level console fixtures (`fixtures/console/`: `\r\n`, `\r\r\n`, raw ESC,
//! NUL padding, invalid UTF-8, lone `\r`, caret notation) read as their `*.expect.json` says,
//! both as they are and inside the JSON wrapper `aws ec2 get-console-output` puts around a
//! console, whose `InstanceId` must then name the instance.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use bootline::config::Config;
use bootline::event::{Edge, Event, EventKind};
use bootline::input;
use bootline::parse::{parse_input, Options};
use serde_json::{json, Value};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/console")
}

/// How the console reaches bootline.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Capture {
    /// The bytes of the fixture as they are.
    Raw,
    /// Inside `get-console-output`'s JSON (`InstanceId`, `Output`, `Timestamp`), which can only
    /// carry text: invalid UTF-8 arrives as U+FFFD.
    Ec2Json,
}

fn expectations(name: &str) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(dir().join(format!("{name}.expect.json"))).unwrap(),
    )
    .unwrap()
}

fn ec2_json(raw: &[u8], instance: &str) -> Vec<u8> {
    let wrapper = json!({
        "InstanceId": instance,
        "Output": String::from_utf8_lossy(raw),
        "Timestamp": "2026-06-10T16:00:00+00:00",
    });
    serde_json::to_vec_pretty(&wrapper).unwrap()
}

fn read(name: &str, bytes: Vec<u8>) -> Vec<Event> {
    let config =
        Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bootline.toml"))
            .unwrap();
    let opts = Options::default().with_markers(config.marker_set());
    let mut events = Vec::new();
    let input = input::from_reader(name.into(), Box::new(Cursor::new(bytes))).unwrap();
    let summary = parse_input(input, None, &opts, &mut |e| events.push(e)).unwrap();
    assert_eq!(
        summary.malformed, 0,
        "{name}: {:?}",
        summary.first_malformed
    );
    events
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

fn check(name: &str, capture: Capture) {
    let expect = expectations(name);
    let raw = std::fs::read(dir().join(format!("{name}.log"))).unwrap();
    assert_eq!(
        raw.len() as u64,
        expect["bytes"]["total"].as_u64().unwrap(),
        "{name}: fixture bytes"
    );
    let instance = expect["instance"].as_str().unwrap();
    let events = match capture {
        Capture::Raw => read(name, raw),
        Capture::Ec2Json => read(name, ec2_json(&raw, instance)),
    };
    // Kernel start and version.
    let kernel: Vec<&str> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::KernelStart { version } => Some(version.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        kernel.len(),
        usize::from(expect["kernel_start"].as_bool().unwrap()),
        "{name}"
    );
    assert!(
        kernel[0].contains(expect["kernel_version"].as_str().unwrap()),
        "{name}: {kernel:?}"
    );
    // Every banner: action, uptime, wall clock.
    let banners: Vec<(String, f64, String)> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::StageBanner { action, .. } => Some((
                action.clone(),
                e.stamp.since_boot?.secs,
                e.stamp
                    .wall?
                    .to_utc()
                    .format("%Y-%m-%dT%H:%M:%SZ")
                    .to_string(),
            )),
            _ => None,
        })
        .collect();
    let want: Vec<(String, f64, String)> = expect["banners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["action"].as_str().unwrap().to_string(),
                b["up_secs"].as_f64().unwrap(),
                b["wall"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(banners, want, "{name}");
    // The finished banner.
    let fin = events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::FinishedBanner { datasource, .. } => {
                Some((datasource.clone(), e.stamp.since_boot.map(|b| b.secs)))
            }
            _ => None,
        })
        .unwrap();
    assert_eq!(
        fin.0.as_deref(),
        expect["finished"]["datasource"].as_str(),
        "{name}"
    );
    assert!(
        close(
            fin.1.unwrap(),
            expect["finished"]["up_secs"].as_f64().unwrap()
        ),
        "{name}"
    );
    // The register line, with its status and kernel stamp.
    let reg = events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::Marker { name, captures, .. } if name == "registered" => Some((
                captures.get("status").cloned(),
                e.stamp.since_boot.map(|b| b.secs),
            )),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{name}: no register line"));
    assert_eq!(
        reg.0.as_deref(),
        Some(expect["registered"]["status"].to_string().as_str()),
        "{name}"
    );
    assert!(
        close(
            reg.1.unwrap(),
            expect["registered"]["up_secs"].as_f64().unwrap()
        ),
        "{name}: {reg:?}"
    );
    // Marker sub-phases.
    for (marker, want) in expect["markers"].as_object().unwrap() {
        for (edge, key) in [(Edge::Start, "start_up_secs"), (Edge::End, "end_up_secs")] {
            let got = events.iter().find_map(|e| match &e.kind {
                EventKind::Marker { name, edge: g, .. } if name == marker && *g == edge => {
                    e.stamp.since_boot.map(|b| b.secs)
                }
                _ => None,
            });
            assert!(
                close(got.unwrap_or(f64::NAN), want[key].as_f64().unwrap()),
                "{name}: {marker} {key} {got:?}"
            );
        }
    }
    // The EC2 wrapper names the instance; a bare console names none.
    let named: Vec<&str> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::InstanceId { id, .. } => Some(id.as_str()),
            _ => None,
        })
        .collect();
    let want = match capture {
        Capture::Raw => vec![],
        Capture::Ec2Json => vec![instance],
    };
    assert_eq!(named, want, "{name} {capture:?}");
}

const FIXTURES: [&str; 3] = [
    "synthetic_crlf_esc_nul",
    "synthetic_ec2_crcrlf_invalid_utf8",
    "synthetic_cr_progress_caret",
];

#[test]
fn crlf_raw_esc_and_nul_padding() {
    check("synthetic_crlf_esc_nul", Capture::Raw);
}

#[test]
fn ec2_crcrlf_and_invalid_utf8() {
    check("synthetic_ec2_crcrlf_invalid_utf8", Capture::Raw);
}

#[test]
fn lone_cr_progress_and_caret_escapes() {
    check("synthetic_cr_progress_caret", Capture::Raw);
}

#[test]
fn inside_the_ec2_json_wrapper_the_instance_is_named() {
    for name in FIXTURES {
        check(name, Capture::Ec2Json);
    }
}
