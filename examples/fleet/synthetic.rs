//! Synthetic byte-level console fixtures: boots of the default fleet rendered as serial
//! captures really arrive (`\r\n` or `\r\r\n` line ends, raw ESC colour codes, NUL padding,
//! invalid UTF-8, carriage-return progress lines), each with an `*.expect.json` listing the
//! facts a parser must still read. The real corpus cannot hold such bytes (it passed through
//! web pages), hence these; they are labelled synthetic in their names.

use std::fs;
use std::io;
use std::path::Path;

use serde_json::{json, Value};

use crate::clock::{floor_sec, rfc3339, to_secs, Micros, MS};
use crate::console;
use crate::fleet::Options;
use crate::plan::{self, Boot, Fate, HERMES};
use crate::rng::Rng;

/// One fixture: which boot, how its bytes are mangled, and what that exercises.
struct Fixture {
    name: &'static str,
    description: &'static str,
    pick: fn(&plan::Entry) -> bool,
    mangle: fn(&str) -> Vec<u8>,
    line_end: &'static str,
}

const FIXTURES: [Fixture; 3] = [
    Fixture {
        name: "synthetic_crlf_esc_nul",
        description: "The incident boot as a raw serial capture: \\r\\n line ends, raw ESC colour codes around systemd's status words, NUL padding before the firmware and where the kernel takes over the port.",
        pick: |e| e.incident,
        mangle: crlf_esc_nul,
        line_end: "\r\n",
    },
    Fixture {
        name: "synthetic_ec2_crcrlf_invalid_utf8",
        description: "The swept slow boot (flipped at 15:01:01, registered 5 s later) as `aws ec2 get-console-output` returns it: \\r\\r\\n line ends, a line of serial noise (invalid UTF-8), a truncated UTF-8 ellipsis and a Latin-1 byte.",
        pick: |e| e.swept,
        mangle: crcrlf_invalid_utf8,
        line_end: "\r\r\n",
    },
    Fixture {
        name: "synthetic_cr_progress_caret",
        description: "A hermes boot (Ubuntu 24.04, unit-name status style): apt progress bars redrawn with lone \\r and cursor-control ESC sequences, one of them left in front of the agent's register line, and systemd colour codes in caret notation (^[[).",
        pick: |e| e.class.name == HERMES.name && matches!(e.fate, Fate::Registers(_)),
        mangle: cr_progress_caret,
        line_end: "\n",
    },
];

/// Writes every fixture and its expectations into `dir`.
pub fn write(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    let options = Options::default();
    let window = plan::window();
    let roster = plan::roster(options.instances, options.seed, window);
    for fixture in &FIXTURES {
        let (index, entry) = roster
            .iter()
            .enumerate()
            .find(|(_, e)| (fixture.pick)(e))
            .ok_or_else(|| io::Error::other(format!("{}: no boot to render", fixture.name)))?;
        let boot = plan::plan(entry, index, options.seed, window);
        let mut rng = Rng::new(options.seed ^ 0x5A17_7E71C, index as u64);
        let mut text = Vec::new();
        console::build(&boot, &mut rng, 0).write(&mut text, boot.cut)?;
        let text = String::from_utf8(text).map_err(io::Error::other)?;
        let bytes = (fixture.mangle)(&text);
        fs::write(dir.join(format!("{}.log", fixture.name)), &bytes)?;
        let expect = expectations(fixture, &boot, &text, &bytes);
        let pretty = serde_json::to_string_pretty(&expect).map_err(io::Error::other)?;
        fs::write(
            dir.join(format!("{}.expect.json", fixture.name)),
            pretty + "\n",
        )?;
    }
    Ok(())
}

/// Maps every line of `text` through `line` and joins them with `end`.
fn per_line(text: &str, end: &str, mut line: impl FnMut(&str) -> String) -> Vec<u8> {
    let mut out = String::new();
    for l in text.lines() {
        out.push_str(&line(l));
        out.push_str(end);
    }
    out.into_bytes()
}

/// Raw SGR colour codes around systemd's status words.
fn esc_colours(line: &str, esc: &str) -> String {
    line.replacen("[  OK  ]", &format!("[{esc}[0;32m  OK  {esc}[0m]"), 1)
        .replacen("[FAILED]", &format!("[{esc}[0;1;31mFAILED{esc}[0m]"), 1)
}

fn crlf_esc_nul(text: &str) -> Vec<u8> {
    let mut out = vec![0u8; 64];
    out.extend(per_line(text, "\r\n", |l| {
        let coloured = esc_colours(l, "\x1b");
        if l.contains("] Linux version ") {
            format!("{}{coloured}", "\0".repeat(16))
        } else {
            coloured
        }
    }));
    out
}

fn crcrlf_invalid_utf8(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for l in text.lines() {
        if l.contains("] Linux version ") {
            out.extend_from_slice(b"\xff\xfe\xfd\x80\x81\xc0 \xf5\r\r\n");
        }
        out.extend_from_slice(l.as_bytes());
        if l.contains("Setting up containerd.io") {
            // An ellipsis cut after two of its three bytes.
            out.extend_from_slice(b" \xe2\x80");
        }
        if l.contains(" login: ") {
            out.extend_from_slice(b" caf\xe9");
        }
        out.extend_from_slice(b"\r\r\n");
    }
    out
}

/// apt's fancy progress bar: save cursor, go to the last row, draw, restore; redrawn with `\r`.
fn progress(esc: &str) -> String {
    [10, 45, 80]
        .iter()
        .map(|p| {
            let bar = "#".repeat(p / 5) + &".".repeat(20 - p / 5);
            format!("{esc}7{esc}[24;0f{esc}[42m{esc}[30mProgress: [{p:3}%]{esc}[49m{esc}[39m [{bar}] {esc}8\r")
        })
        .collect()
}

fn cr_progress_caret(text: &str) -> Vec<u8> {
    per_line(text, "\n", |l| {
        let mut line = esc_colours(l, "^[");
        if l.contains("Setting up docker-ce") {
            // A physical line of its own: three frames separated by lone carriage returns.
            line = format!("{line}\n{}\x1b[K", progress("\x1b"));
        }
        if l.contains("Registered with platform") {
            line = format!("Progress: [ 98%] [###################.] \r{line}");
        }
        line
    })
}

/// What a parser must read from a fixture.
fn expectations(fixture: &Fixture, boot: &Boot, text: &str, bytes: &[u8]) -> Value {
    let t = &boot.t;
    let os = boot.entry.class.os;
    let banner = |action: &str, stage: &str, at: Micros| {
        let up = at - at.rem_euclid(10 * MS);
        json!({
            "action": action,
            "stage": stage,
            "wall": rfc3339(floor_sec(boot.wall(up))),
            "up_secs": to_secs(up),
        })
    };
    json!({
        "synthetic": true,
        "description": fixture.description,
        "instance": boot.entry.instance,
        "line_end": fixture.line_end,
        "kernel_start": true,
        "kernel_version": os.kernel,
        "cloud_init_version": os.cloud_init,
        "banners": [
            banner("init-local", "init-local", t.local_banner),
            banner("init", "init-network", t.net_banner),
            banner("modules:config", "modules-config", t.config_banner),
            banner("modules:final", "modules-final", t.final_banner),
        ],
        "finished": {
            "wall": rfc3339(floor_sec(boot.wall(t.finished - t.finished.rem_euclid(10 * MS)))),
            "up_secs": to_secs(t.finished - t.finished.rem_euclid(10 * MS)),
            "datasource": "DataSourceEc2Local",
        },
        "registered": {"status": 200, "up_secs": to_secs(t.register_line)},
        "markers": {
            "image-pull": {"start_up_secs": to_secs(t.pull_start), "end_up_secs": to_secs(t.pull_end)},
            "docker-setup": {"start_up_secs": to_secs(t.setup_start), "end_up_secs": to_secs(t.setup_end)},
        },
        "systemd_status_lines": {
            "ok": text.lines().filter(|l| l.contains("[  OK  ]")).count(),
            "failed": text.lines().filter(|l| l.contains("[FAILED]")).count(),
        },
        "bytes": {
            "total": bytes.len(),
            "nul": count(bytes, 0),
            "esc": count(bytes, 0x1b),
            "cr": count(bytes, b'\r'),
            "valid_utf8": std::str::from_utf8(bytes).is_ok(),
        },
    })
}

fn count(bytes: &[u8], b: u8) -> usize {
    bytes.iter().filter(|&&x| x == b).count()
}
