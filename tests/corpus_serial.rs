//! Real-corpus tests: every serial-console, journald and systemd-analyze sample in
//! `fixtures/corpus/serial/` and the console, journal and cloud-init-output samples of
//! `fixtures/corpus/cloudinit/` parse without error in lenient mode with their sniffed format,
//! and a fact read from each is checked (provenance of each file in the folder's `SOURCES.md`;
//! a missing file fails). Malformed-line fixtures check located errors in strict mode.

// Uptimes such as 6.28 s are data, not approximations of constants.
#![allow(clippy::approx_constant)]

use std::path::{Path, PathBuf};

use bootline::event::{BootClock, CrashKind, Edge, Event, EventKind, IdEvidence, StartupTotals};
use bootline::parse::{parse_path, Format, Options};

mod common;
use common::fixture;

fn corpus(sub: &str) -> PathBuf {
    fixture(&format!("corpus/{sub}"))
}

fn parse(path: &Path) -> (Format, Vec<Event>) {
    let mut events = Vec::new();
    let summary = parse_path(path, None, &Options::default(), &mut |e| events.push(e))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (summary.format.expect("a format"), events)
}

/// Every banner as `(line, action or "finished", uptime)`.
fn banners(events: &[Event]) -> Vec<(u64, String, f64)> {
    events
        .iter()
        .filter_map(|e| {
            let what = match &e.kind {
                EventKind::StageBanner { action, .. } => action.clone(),
                EventKind::FinishedBanner { .. } => "finished".to_string(),
                _ => return None,
            };
            let up = e.stamp.since_boot.expect("banner uptime");
            assert_eq!(up.clock, BootClock::Uptime);
            Some((e.source.line, what, up.secs))
        })
        .collect()
}

fn banner_list(list: &[(u64, &str, f64)]) -> Vec<(u64, String, f64)> {
    list.iter()
        .map(|(l, a, u)| (*l, a.to_string(), *u))
        .collect()
}

fn crashes(events: &[Event]) -> Vec<(u64, CrashKind, String)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Crash { crash, evidence } => Some((e.source.line, *crash, evidence.clone())),
            _ => None,
        })
        .collect()
}

fn startup(events: &[Event]) -> Vec<StartupTotals> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::StartupFinished(t) => Some(*t),
            _ => None,
        })
        .collect()
}

fn units(events: &[Event]) -> Vec<(String, Edge)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Unit { unit, edge } => Some((unit.clone(), *edge)),
            _ => None,
        })
        .collect()
}

/// A capture end: line, wall time, since-boot clock and seconds.
type End = (u64, Option<String>, Option<(BootClock, f64)>);

fn capture_end(events: &[Event]) -> Vec<End> {
    events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::CaptureEnd))
        .map(|e| {
            (
                e.source.line,
                e.stamp.wall.map(|w| w.to_rfc3339()),
                e.stamp.since_boot.map(|s| (s.clock, s.secs)),
            )
        })
        .collect()
}

/// Checks one file's facts; `name` is its file name.
fn check(name: &str, format: Format, ev: &[Event]) {
    let want_format = match name {
        "ec2_cloudinit_output_amzn2_reboot_01.txt"
        | "cloudinit_output_01.log"
        | "cloudinit_output_02.log" => Format::CloudInitOutput,
        "ec2_eks_userdata_failure_01.txt"
        | "ec2_eks_var_log_messages_01.txt"
        | "journal_short_iso_precise_gcp_01.txt"
        | "journal_short_monotonic_01.txt"
        | "journal_short_precise_azure_01.txt" => Format::Journal,
        "journal_export_format_01.txt" => Format::JournalExport,
        "journal_json_startup_finished_01.txt" | "journal_01.jsonl" => Format::JournalJson,
        n if n.starts_with("systemd_analyze_") => Format::SystemdAnalyze,
        "cloudinit_analyze_show_azure_multirecord_01.txt" => Format::AnalyzeShow,
        "not_cloudinit_01.log" => Format::CloudInitLog,
        _ => Format::SerialConsole,
    };
    assert_eq!(format, want_format, "{name}");
    match name {
        "azure_serial_interleaved_01.txt" => {
            // Two writers spliced: the status lines that survive whole still give units, and
            // the cut last line `[   35.527704] c` ends the capture.
            assert!(units(ev).contains(&("Accounts Service".into(), Edge::End)));
            assert_eq!(
                capture_end(ev),
                [(17, None, Some((BootClock::Kernel, 35.527704)))]
            );
        }
        "azure_serial_kernel_01.txt" => {
            assert!(
                matches!(&ev[0].kind, EventKind::KernelStart { version } if version == "5.4.0-1069-azure")
            );
            assert_eq!(ev[0].stamp.since_boot.unwrap().clock, BootClock::Kernel);
            assert_eq!(ev[0].source.line, 1);
        }
        "cloudinit_analyze_show_azure_multirecord_01.txt" => {
            // Another parser's format; read without error.
        }
        "console_ansi_esc_stripped_01.txt" => {
            let u = units(ev);
            assert!(u.contains(&("Journal Service".into(), Edge::End)));
            assert!(u.contains(&("Create Static Device Nodes in /dev".into(), Edge::Start)));
            assert_eq!(capture_end(ev)[0].2, Some((BootClock::Kernel, 5.590977)));
        }
        "ec2_cloudinit_output_amzn2_reboot_01.txt" => {
            // The reboot: uptime goes back from 6.69 s to 4.03 s and the wall date jumps a day.
            assert_eq!(
                banners(ev),
                banner_list(&[
                    (1, "modules:final", 6.60),
                    (2, "finished", 6.69),
                    (3, "init-local", 4.03),
                    (4, "init", 4.68)
                ])
            );
            let walls: Vec<String> = ev
                .iter()
                .filter_map(|e| e.stamp.wall.map(|w| w.to_rfc3339()))
                .collect();
            assert_eq!(walls[1], "2023-11-15T15:45:31+00:00");
            assert_eq!(walls[2], "2023-11-16T08:38:02+00:00");
        }
        "ec2_console_ubuntu_systemd_01.txt" => {
            // Ellipsized descriptions that are not cloud-init's stay as written.
            assert!(units(ev).contains(&(
                "Create final runt…dir for shutdown pivot root".into(),
                Edge::Start
            )));
            assert!(units(ev).contains(&(
                "Mount unit for amazon-ssm-agent, revision 4046".into(),
                Edge::End
            )));
        }
        "ec2_console_ubuntu_userdata_01.txt" => {
            assert!(units(ev).contains(&("Docker Application Container Engine".into(), Edge::End)));
            assert_eq!(
                capture_end(ev),
                [(15, None, Some((BootClock::Kernel, 62.450325)))]
            );
        }
        "ec2_eks_userdata_failure_01.txt" => {
            assert_eq!(banners(ev), banner_list(&[(1, "modules:final", 43.12)]));
            let c = crashes(ev);
            assert_eq!(c.len(), 1);
            assert_eq!((c[0].0, c[0].1), (4, CrashKind::UserDataFailed));
            assert!(c[0]
                .2
                .ends_with("Failed running /var/lib/cloud/instance/scripts/part-001 [2]"));
            // The year-less syslog stamp took its year from the banner.
            let crash = ev
                .iter()
                .find(|e| matches!(e.kind, EventKind::Crash { .. }))
                .unwrap();
            assert_eq!(
                crash.stamp.wall.unwrap().to_rfc3339(),
                "2021-05-11T04:38:50+00:00"
            );
        }
        "ec2_eks_var_log_messages_01.txt" => {
            assert_eq!(banners(ev), banner_list(&[(3, "modules:final", 28.99)]));
            assert!(units(ev).contains(&("Kubernetes Kubelet".into(), Edge::End)));
            assert!(units(ev).contains(&("cloud-final.service".into(), Edge::Start)));
            assert_eq!(
                capture_end(ev)[0].1.as_deref(),
                Some("2021-05-11T07:20:42+00:00")
            );
        }
        "gcp_serial_ubuntu_01.txt" => {
            assert!(
                units(ev).contains(&("Journal Audit Socket".into(), Edge::End))
                    || !units(ev).is_empty()
            );
            assert_eq!(capture_end(ev)[0].2, Some((BootClock::Kernel, 2.964141)));
        }
        "gcp_serial_uefi_01.txt" => {
            // Firmware and boot-loader lines only: nothing stamped, nothing to report.
            assert!(ev.is_empty(), "{ev:?}");
        }
        "journal_export_format_01.txt" => {
            // The machine first, then its boot.
            assert!(matches!(
                &ev[0].kind,
                EventKind::InstanceId { id, evidence: IdEvidence::JournaldMachine }
                    if id == "edb710b8363b4ff48aed6e75a27f85a6"
            ));
            assert!(
                matches!(&ev[1].kind, EventKind::BootId { id } if id == "f5a5c442fa6548cf97474d2d57c920b3")
            );
            assert_eq!(units(ev), [("Hostname Service".to_string(), Edge::End)]);
            let u = ev
                .iter()
                .find(|e| matches!(e.kind, EventKind::Unit { .. }))
                .unwrap();
            assert_eq!(
                u.stamp.wall.unwrap().timestamp_micros(),
                1_709_520_776_193_967
            );
            assert_eq!(u.stamp.since_boot.unwrap().secs, 212_896.826912);
        }
        "journal_json_startup_finished_01.txt" => {
            let s = startup(ev);
            assert_eq!(s.len(), 2);
            assert_eq!(
                (s[0].kernel_secs, s[0].userspace_secs),
                (Some(1.907954), Some(95.456563))
            );
            assert_eq!(s[0].total_secs, Some(97.364));
            let boots: Vec<&Event> = ev
                .iter()
                .filter(|e| matches!(e.kind, EventKind::BootId { .. }))
                .collect();
            assert_eq!(boots.len(), 2, "two boots");
        }
        "journal_short_iso_precise_gcp_01.txt" => {
            let c = crashes(ev);
            assert_eq!((c[0].0, c[0].1), (4, CrashKind::UserDataFailed));
            assert_eq!(c[0].2, "startup-script exit status 127");
        }
        "journal_short_monotonic_01.txt" => {
            let first = ev
                .iter()
                .find(|e| matches!(e.kind, EventKind::Unit { .. }))
                .unwrap();
            assert_eq!(first.source.line, 4);
            assert_eq!(
                first.stamp.since_boot.map(|s| (s.clock, s.secs)),
                Some((BootClock::Journal, 21.002750))
            );
        }
        "journal_short_precise_azure_01.txt" => {
            let u = units(ev);
            assert_eq!(
                u[0],
                ("Terminate Plymouth Boot Screen".to_string(), Edge::Start)
            );
            assert!(u.contains(&("Serial Getty on ttyS0".into(), Edge::End)));
            // No banner gives the year: the stamps stay without a wall time.
            assert!(ev.iter().all(|e| e.stamp.wall.is_none()));
        }
        "kubevirt_console_01.txt" => {
            assert_eq!(
                banners(ev),
                banner_list(&[
                    (322, "init-local", 325.77),
                    (341, "init", 356.85),
                    (392, "modules:config", 373.86),
                    (393, "modules:final", 392.54),
                    (394, "finished", 392.97)
                ])
            );
            let u = units(ev);
            assert!(u.contains(&("cloud-init-local.service".into(), Edge::Start)));
            assert!(u.contains(&("cloud-init.service".into(), Edge::End)));
            // Kernel stamps run backwards (402.04 before 389.99): the capture ends at the latest.
            assert_eq!(capture_end(ev)[0].2, Some((BootClock::Kernel, 402.04671)));
        }
        "openstack_console_01.txt" => {
            // The final banner is printed at 207.82 s but says Up 37.60 s (buffered output).
            assert_eq!(
                banners(ev),
                banner_list(&[(31, "modules:final", 37.60), (32, "finished", 207.80)])
            );
            assert!(units(ev).contains(&("cloud-final.service".into(), Edge::End)));
            assert!(units(ev).contains(&("cloud-init.target".into(), Edge::End)));
        }
        "s390x_lpar_console_01.txt" => {
            // Every banner was hard-wrapped at 80 columns; the finished one over three lines.
            assert_eq!(
                banners(ev),
                banner_list(&[
                    (26, "init-local", 406.00),
                    (28, "init", 406.87),
                    (165, "modules:config", 418.40),
                    (200, "modules:final", 418.79),
                    (204, "finished", 418.86)
                ])
            );
            let fin = ev
                .iter()
                .find(|e| matches!(e.kind, EventKind::FinishedBanner { .. }))
                .unwrap();
            assert!(
                matches!(&fin.kind, EventKind::FinishedBanner { datasource: Some(d), .. }
                if d == "DataSourceNoCloud [seed=/var/lib/cloud/seed/nocloud][dsmode=net]")
            );
        }
        "systemd_analyze_blame_casper_01.txt" => {
            let first = &ev[0];
            assert!(
                matches!(&first.kind, EventKind::Span { name, duration_secs, .. }
                if &**name == "casper-md5check.service" && (*duration_secs - 813.597).abs() < 1e-9)
            );
            assert_eq!(ev.len(), 27);
        }
        "systemd_analyze_critical_chain_cloudinit_01.txt" => {
            let ci: Vec<(Edge, f64)> = ev
                .iter()
                .filter(|e| matches!(&e.kind, EventKind::Unit { unit, .. } if unit == "cloud-init.service"))
                .map(|e| match &e.kind {
                    EventKind::Unit { edge, .. } => (*edge, e.stamp.since_boot.unwrap().secs),
                    _ => unreachable!(),
                })
                .collect();
            assert_eq!(ci.len(), 2);
            assert_eq!(ci[0], (Edge::Start, 4.562));
            assert!((ci[1].1 - 5.822).abs() < 1e-9);
            assert!(units(ev).contains(&("-.mount".into(), Edge::End)));
        }
        "systemd_analyze_not_finished_listjobs_01.txt" => {
            // The stuck signal, and cloud-init's own error status.
            let stuck: Vec<u64> = ev
                .iter()
                .filter(|e| matches!(e.kind, EventKind::BootupNotFinished))
                .map(|e| e.source.line)
                .collect();
            assert_eq!(stuck, [29]);
            assert!(ev.iter().any(|e| matches!(&e.kind, EventKind::CloudInitStatus { status, .. } if status == "error")));
            assert_eq!(crashes(ev)[0].1, CrashKind::StageFailed);
        }
        "systemd_analyze_time_firmware_loader_01.txt" => {
            let s = startup(ev);
            assert_eq!(
                s,
                [StartupTotals {
                    firmware_secs: Some(11.573),
                    loader_secs: Some(11.386),
                    kernel_secs: Some(3.699),
                    initrd_secs: None,
                    userspace_secs: Some(9.756),
                    total_secs: Some(36.415),
                }]
            );
        }
        "systemd_analyze_time_nocloud_qemu_01.txt" => {
            let s = startup(ev);
            assert_eq!(
                (s[0].kernel_secs, s[0].userspace_secs, s[0].total_secs),
                (Some(2.851), Some(12.240), Some(15.092))
            );
            assert!(ev.iter().any(|e| matches!(&e.kind, EventKind::CloudInitStatus { status, boot_status_code: Some(c), .. }
                if status == "done" && c == "enabled-by-generator")));
        }
        "ec2_console_01.txt" => {
            assert!(
                matches!(&ev[0].kind, EventKind::InstanceId { id, .. } if id == "i-09e73ee9e40c9f948")
            );
            assert_eq!(
                banners(ev),
                banner_list(&[
                    (180, "init-local", 5.20),
                    (186, "init", 6.28),
                    (240, "modules:config", 8.53),
                    (420, "modules:final", 49.00),
                    (519, "finished", 52.16)
                ])
            );
            // Decoded from the YAML-folded `Output` string: status lines with `\e` colours.
            assert!(units(ev).contains(&("Journal Service".into(), Edge::End)));
            let ends = capture_end(ev);
            assert!(ends.contains(&(593, Some("2023-10-11T18:42:12+00:00".into()), None)));
            assert!(ends.contains(&(592, None, Some((BootClock::Kernel, 87.347531)))));
        }
        "journal_01.jsonl" => {
            // The machine first, then its boot.
            assert!(matches!(
                &ev[0].kind,
                EventKind::InstanceId { id, evidence: IdEvidence::JournaldMachine }
                    if id == "39f31a8226a248748dba33093b4a900c"
            ));
            assert!(
                matches!(&ev[1].kind, EventKind::BootId { id } if id == "6b66604298254b158d5b1e7eeea78c03")
            );
            assert!(
                matches!(&ev[2].kind, EventKind::KernelStart { version } if version == "5.15.0-1020-azure")
            );
            assert_eq!(
                banners(ev),
                banner_list(&[
                    (733, "init-local", 11.09),
                    (781, "init", 15.06),
                    (1256, "modules:config", 32.73),
                    (1276, "modules:final", 34.47),
                    (1285, "finished", 34.80)
                ])
            );
            let s = startup(ev);
            assert_eq!(
                s.len(),
                1,
                "the user manager's Startup finished is not the system's"
            );
            assert_eq!(
                (s[0].kernel_secs, s[0].userspace_secs, s[0].total_secs),
                (Some(2.701993), Some(32.168882), Some(34.87))
            );
            assert!(units(ev).contains(&("cloud-init-local.service".into(), Edge::Start)));
        }
        "cloudinit_output_01.log" | "cloudinit_output_02.log" => {
            let b = banners(ev);
            // A new boot: the uptime goes back, or (line 143 of _02: a boot that ran longer
            // before cloud-init started) `init-local` follows a finished banner. The wall
            // clock alone is no guide: _01 steps 33 min within one boot at line 217.
            let mut boots = 0;
            let mut last: Option<(String, f64)> = None;
            for (_, action, up) in &b {
                let new_boot = match &last {
                    None => true,
                    Some((prev, prev_up)) => {
                        up < prev_up || (action == "init-local" && prev == "finished")
                    }
                };
                if new_boot {
                    boots += 1;
                    assert_eq!(action, "init-local");
                }
                last = Some((action.clone(), *up));
            }
            let (want_boots, first) = if name == "cloudinit_output_01.log" {
                (25, (1, "init-local".to_string(), 19.25))
            } else {
                (8, (1, "init-local".to_string(), 2.32))
            };
            assert_eq!(boots, want_boots);
            assert_eq!(b[0], first);
        }
        "not_cloudinit_01.log" => {
            // Named like a cloud-init log, read as one, and nothing in it is cloud-init's.
            assert!(ev.is_empty());
        }
        other => panic!("no fact checked for {other}: add one"),
    }
}

#[test]
fn every_serial_corpus_file() {
    let dir = corpus("serial");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    assert!(files.len() >= 24, "{} files", files.len());
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let (format, ev) = parse(&f);
        check(&name, format, &ev);
    }
}

#[test]
fn listed_cloudinit_corpus_files() {
    let dir = corpus("cloudinit");
    for name in [
        "ec2_console_01.txt",
        "journal_01.jsonl",
        "cloudinit_output_01.log",
        "cloudinit_output_02.log",
        "not_cloudinit_01.log",
    ] {
        let (format, ev) = parse(&dir.join(name));
        check(name, format, &ev);
    }
}

/// The first malformed line of a fixture in strict mode, as `path:line:column: expected …`.
fn strict_error(name: &str, format: Option<Format>) -> String {
    let path = fixture(name);
    let opts = Options {
        strict: true,
        ..Options::default()
    };
    let err = parse_path(&path, format, &opts, &mut |_| {}).expect_err("a malformed line");
    let text = err.to_string();
    let first = text.lines().next().unwrap();
    first
        .strip_prefix(&path.display().to_string())
        .unwrap_or(first)
        .to_string()
}

#[test]
fn malformed_fixtures_are_located() {
    assert_eq!(
        strict_error("malformed/platform_bad.jsonl", None),
        ":3:40: expected one of launched, registered, provision_timeout, failed, deleted"
    );
    assert_eq!(
        strict_error("malformed/platform_bad.csv", None),
        ":3:1: expected an RFC 3339 time"
    );
    assert_eq!(
        strict_error("malformed/journal_bad.jsonl", None),
        ":2:95: expected valid JSON"
    );
    assert_eq!(
        strict_error("malformed/systemd_analyze_bad.txt", None),
        ":2:45: expected a timespan with its phase, `+` or `= total`"
    );
    // Lenient mode skips and counts the line.
    let mut n = 0;
    let summary = parse_path(
        &fixture("malformed/platform_bad.jsonl"),
        None,
        &Options::default(),
        &mut |_| n += 1,
    )
    .unwrap();
    assert_eq!((n, summary.malformed), (2, 1));
}
