//! The text layouts, pinned with insta snapshots (`tests/snapshots/`): blame and show of the
//! bundled real log, and the incident boot's timeline table. A change to any of them shows up
//! as a reviewable snapshot diff.

use assert_cmd::Command;

fn run(args: &[&str]) -> String {
    let out = Command::cargo_bin("bootline")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn blame_text() {
    insta::assert_snapshot!(
        "blame_cloudinit_log_01",
        run(&["blame", "fixtures/corpus/cloudinit/cloudinit_log_01.log"])
    );
}

#[test]
fn show_text() {
    insta::assert_snapshot!(
        "show_cloudinit_log_01",
        run(&["show", "fixtures/corpus/cloudinit/cloudinit_log_01.log"])
    );
}

#[test]
fn timeline_text_of_the_incident() {
    insta::assert_snapshot!(
        "timeline_incident",
        run(&[
            "timeline",
            "--config",
            "fixtures/bootline.toml",
            "fixtures/fleet/i-052962296ad0c7240",
            "fixtures/fleet/events.jsonl",
            "--instance",
            "i-052962296ad0c7240",
        ])
    );
}
