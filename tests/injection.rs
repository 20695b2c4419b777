//! Text from a log never writes into the reviewer's page or terminal: a fleet whose instance
//! ids, workspaces, classes, templates, `failed` reasons, journald fields and file names carry
//! a newline, raw HTML, backtick runs, `|`, ESC sequences and BEL gives a `report.md` that
//! renders as plain text, SVGs that parse as XML, and text output without a control byte.

use std::path::Path;

use assert_cmd::Command;

const ESC: &str = "\u{1b}";

/// The hostile pieces, one per boundary they attack.
fn evil(n: usize) -> String {
    [
        "\n# <img src=x onerror=alert(1)>",
        "```x|y`",
        &format!("{ESC}]0;title\u{7}{ESC}[2J"),
        "\u{7}|<script>",
    ][n % 4]
        .to_string()
}

/// Platform events of 12 attempts: 8 register, 4 fail early with a hostile reason.
fn events() -> String {
    let mut lines = Vec::new();
    let class = format!("cls\n<img src=x onerror=alert(1)>|`{ESC}]0;t\u{7}");
    for n in 0..12 {
        let instance = format!("i-{n}{}", evil(n));
        let launched = serde_json::json!({
            "time": format!("2026-06-10T00:{n:02}:00Z"), "event": "launched",
            "instance": instance, "workspace": format!("ws{n}{}", evil(n + 1)),
            "class": class, "template": format!("tpl`|<i>{ESC}[2J"),
        });
        let end = if n % 3 == 0 {
            serde_json::json!({
                "time": format!("2026-06-10T00:{n:02}:40Z"), "event": "failed",
                "instance": instance, "reason": format!("boom{}{}", evil(n), evil(n + 2)),
            })
        } else {
            serde_json::json!({
                "time": format!("2026-06-10T00:{n:02}:{:02}Z", 20 + n), "event": "registered",
                "instance": instance, "status": 200,
            })
        };
        lines.push(launched.to_string());
        lines.push(end.to_string());
    }
    lines.join("\n") + "\n"
}

/// A journald export of a boot that panics with a hostile message on a hostile machine id.
fn journal() -> String {
    let line = |mono: u64, message: &str| {
        serde_json::json!({
            "__REALTIME_TIMESTAMP": (1_781_049_600_000_000u64 + mono).to_string(),
            "__MONOTONIC_TIMESTAMP": mono.to_string(),
            "_BOOT_ID": "6b66604298254b158d5b1e7eeea78c03",
            "_MACHINE_ID": format!("m{}", evil(0)),
            "SYSLOG_IDENTIFIER": "kernel",
            "MESSAGE": message,
        })
        .to_string()
    };
    let panic = format!("Kernel panic - not syncing: {}{}", evil(2), evil(0));
    format!(
        "{}\n{}\n",
        line(1_000_000, "Linux version 5.15.0-1020-azure"),
        line(5_000_000, &panic)
    )
}

fn fleet(dir: &Path) {
    std::fs::write(dir.join("events.jsonl"), events()).unwrap();
    std::fs::write(dir.join("journal.json"), journal()).unwrap();
    // A console under a file name that carries the same characters (Linux allows all but `/`).
    let console = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/fleet/i-0011fe8bfa4bd0e41/console.log");
    let name = format!("con{}{}.log", evil(0), evil(2));
    std::fs::copy(console, dir.join(name)).unwrap();
}

fn bootline(args: &[&str], inputs: &Path) -> (Option<i32>, Vec<u8>, Vec<u8>) {
    let out = Command::cargo_bin("bootline")
        .unwrap()
        .args(["--color", "never"])
        .args(args)
        .arg(inputs)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap();
    (out.status.code(), out.stdout, out.stderr)
}

/// No byte below 0x20 but newline and tab, no DEL, no C1 control.
fn assert_no_control(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    if let Some(c) = text
        .chars()
        .find(|&c| c.is_control() && c != '\n' && c != '\t')
    {
        panic!("{what}: control character {c:?} in\n{text}");
    }
}

/// The line with its code spans left out: outside a span, a backslash makes the next character
/// literal; a run of n backticks opens a span that the next run of exactly n closes.
fn outside_code_spans(line: &str) -> String {
    let b = line.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        let c = line[i..].chars().next().unwrap();
        if c == '\\' {
            // A backslash escape: the next character is literal, a backtick too.
            let next = line[i + 1..].chars().next().map_or(0, char::len_utf8);
            out.push_str(&line[i..i + 1 + next]);
            i += 1 + next;
            continue;
        }
        if c != '`' {
            out.push(c);
            i += c.len_utf8();
            continue;
        }
        let n = b[i..].iter().take_while(|&&c| c == b'`').count();
        let fence = "`".repeat(n);
        let mut j = i + n;
        let close = loop {
            match line[j..].find(&fence) {
                None => break None,
                Some(k) => {
                    let at = j + k;
                    let run = b[at..].iter().take_while(|&&c| c == b'`').count();
                    if run == n {
                        break Some(at);
                    }
                    j = at + run;
                }
            }
        };
        match close {
            Some(at) => i = at + n,
            // An unmatched run is literal backticks: outside any span.
            None => {
                out.push_str(&fence);
                i += n;
            }
        }
    }
    out
}

/// `|` not preceded by a backslash.
fn cell_separators(row: &str) -> usize {
    let b = row.as_bytes();
    (0..b.len())
        .filter(|&i| b[i] == b'|' && (i == 0 || b[i - 1] != b'\\'))
        .count()
}

fn assert_plain_markdown(md: &str) {
    let own_tags = ["<details>", "</details>", "<summary>", "</summary>"];
    let mut header: Option<usize> = None;
    for line in md.lines() {
        let outside = outside_code_spans(line);
        let mut rest = outside.as_str();
        for tag in own_tags {
            if line.starts_with(tag) {
                rest = "";
            }
        }
        let b = rest.as_bytes();
        for (i, _) in rest.match_indices('<') {
            let escaped = i > 0 && b[i - 1] == b'\\';
            let opens = b
                .get(i + 1)
                .is_some_and(|c| c.is_ascii_alphabetic() || b"/!?".contains(c));
            assert!(escaped || !opens, "raw HTML outside a code span: {line}");
        }
        if line.starts_with('#') {
            let own = [
                "# Register-wait timeout",
                "## ",
                "### Worked instance ",
                "### Class ",
                "### Lockstep",
                "### Guard",
            ];
            assert!(
                own.iter().any(|h| line.starts_with(h)),
                "a heading the report did not write: {line}"
            );
        }
        match (line.starts_with('|'), header) {
            (true, None) => header = Some(cell_separators(line)),
            (true, Some(n)) => assert_eq!(cell_separators(line), n, "broken table row: {line}"),
            (false, _) => header = None,
        }
    }
}

#[test]
fn a_hostile_fleet_gives_a_plain_page_valid_svgs_and_a_clean_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("fleet");
    std::fs::create_dir(&inputs).unwrap();
    fleet(&inputs);
    let out = dir.path().join("out");
    let (code, stdout, stderr) = bootline(&["report", "--out", out.to_str().unwrap()], &inputs);
    assert!(
        matches!(code, Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&stderr)
    );
    assert_no_control("report stdout", &stdout);
    assert_no_control("report stderr", &stderr);

    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    // The hostile text reached the page, shown.
    assert!(md.contains("\\x1b]0;title\\x07"), "{md}");
    assert!(md.contains("Kernel panic"), "{md}");
    assert_no_control("report.md", md.as_bytes());
    assert_plain_markdown(&md);

    let mut svgs = 0;
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "svg") {
            let svg = std::fs::read_to_string(&path).unwrap();
            roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            svgs += 1;
        }
    }
    assert!(svgs >= 4, "{svgs} charts");

    // JSON keeps the log's text exactly (serde_json escapes it).
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert!(json
        .to_string()
        .contains("i-0\\n# <img src=x onerror=alert(1)>"));

    for args in [
        &["timeline"][..],
        &["recommend"],
        &["fit", "--class", "default"],
        &["blame"],
    ] {
        let (_, stdout, stderr) = bootline(args, &inputs);
        assert_no_control(&format!("{args:?} stdout"), &stdout);
        assert_no_control(&format!("{args:?} stderr"), &stderr);
    }
}

#[test]
fn a_link_base_of_another_scheme_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for base in ["javascript:alert(1)", "data:text/html,x", "file:///etc/"] {
        let (code, _, stderr) = bootline(
            &[
                "report",
                "--out",
                dir.path().to_str().unwrap(),
                "--link-base",
                base,
            ],
            Path::new("fixtures/fleet"),
        );
        assert_eq!(code, Some(2), "{base}");
        let stderr = String::from_utf8_lossy(&stderr);
        assert!(
            stderr.contains(
                "link is refused: expected an http:// or https:// URL or a relative path"
            ),
            "{stderr}"
        );
    }
}
