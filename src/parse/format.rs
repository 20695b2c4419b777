//! The input formats bootline reads: their names, one example line each, and sniffing from the
//! first lines of an input.

use std::fmt;
use std::str::FromStr;

use super::Parser;

/// An input format, named on the command line with `--input-format NAME`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// Raw `cloud-init.log`, every layout.
    CloudInitLog,
    /// `cloud-init analyze blame` output.
    AnalyzeBlame,
    /// `cloud-init analyze show` output.
    AnalyzeShow,
    /// `cloud-init analyze dump` JSON.
    AnalyzeDump,
    /// `cloud-init analyze boot` output.
    AnalyzeBoot,
    /// Platform events as JSON Lines.
    PlatformEvents,
    /// Platform events as CSV with a header row.
    PlatformEventsCsv,
    /// bootline's own boot timelines, one JSON object per line (`bootline timeline --format
    /// jsonl`): read whole by the commands that work on boots, so shards can be reduced.
    Timeline,
    /// A serial console capture (also inside an EC2 `get-console-output` wrapper).
    SerialConsole,
    /// journald `short*` layouts (and `/var/log/messages`), with `-x` catalog lines.
    Journal,
    /// `journalctl -o json`.
    JournalJson,
    /// `journalctl -o export`.
    JournalExport,
    /// `systemd-analyze` `time`, `blame`, `critical-chain` outputs.
    SystemdAnalyze,
    /// `/var/log/cloud-init-output.log`.
    CloudInitOutput,
    /// `cloud-init status --long` or `--format json`.
    CloudInitStatus,
}

impl Format {
    /// Every format, in the order `bootline formats` lists them.
    pub const ALL: &'static [Format] = &[
        Format::CloudInitLog,
        Format::AnalyzeBlame,
        Format::AnalyzeShow,
        Format::AnalyzeDump,
        Format::AnalyzeBoot,
        Format::PlatformEvents,
        Format::PlatformEventsCsv,
        Format::SerialConsole,
        Format::Journal,
        Format::JournalJson,
        Format::JournalExport,
        Format::SystemdAnalyze,
        Format::CloudInitOutput,
        Format::CloudInitStatus,
        Format::Timeline,
    ];

    /// The name used with `--input-format`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Format::CloudInitLog => "cloud-init-log",
            Format::AnalyzeBlame => "analyze-blame",
            Format::AnalyzeShow => "analyze-show",
            Format::AnalyzeDump => "analyze-dump",
            Format::AnalyzeBoot => "analyze-boot",
            Format::PlatformEvents => "platform-events",
            Format::PlatformEventsCsv => "platform-events-csv",
            Format::Timeline => "timeline",
            Format::SerialConsole => "serial-console",
            Format::Journal => "journal",
            Format::JournalJson => "journal-json",
            Format::JournalExport => "journal-export",
            Format::SystemdAnalyze => "systemd-analyze",
            Format::CloudInitOutput => "cloud-init-output",
            Format::CloudInitStatus => "cloud-init-status",
        }
    }

    /// One line saying what the format is.
    pub(crate) fn description(self) -> &'static str {
        match self {
            Format::CloudInitLog => {
                "raw cloud-init.log (asctime, syslog, ISO-8601, journal short-precise)"
            }
            Format::AnalyzeBlame => "`cloud-init analyze blame` output",
            Format::AnalyzeShow => "`cloud-init analyze show` output",
            Format::AnalyzeDump => "`cloud-init analyze dump` JSON (also bootline's own `dump`)",
            Format::AnalyzeBoot => "`cloud-init analyze boot` output (old and current layout)",
            Format::PlatformEvents => {
                "platform events as JSON Lines (launched, registered, provision_timeout, failed, deleted)"
            }
            Format::PlatformEventsCsv => "platform events as CSV with a header row",
            Format::Timeline => {
                "bootline boot timelines, JSON Lines (`bootline timeline --format jsonl`)"
            }
            Format::SerialConsole => {
                "serial console capture (printk, systemd status, forwarded journald, EC2 get-console-output wrapper)"
            }
            Format::Journal => {
                "journalctl short, short-precise, short-iso(-precise), short-monotonic, -x; /var/log/messages"
            }
            Format::JournalJson => "`journalctl -o json` (one object per line)",
            Format::JournalExport => "`journalctl -o export` (KEY=value records, blank-line separated)",
            Format::SystemdAnalyze => "`systemd-analyze` time, blame, critical-chain (and a `cloud-init status` block)",
            Format::CloudInitOutput => "/var/log/cloud-init-output.log (banners with uptime, raw stage output)",
            Format::CloudInitStatus => "`cloud-init status --long` or `--format json`",
        }
    }

    /// One example line of the format.
    pub(crate) fn example(self) -> &'static str {
        match self {
            Format::CloudInitLog => {
                "2024-05-01 12:00:01,234 - handlers.py[DEBUG]: start: init-local/check-cache: attempting to read from cache [check]"
            }
            Format::AnalyzeBlame => "     381.23200s (modules-final/config-scripts_user)",
            Format::AnalyzeShow => "|`->config-growpart ran successfully @02.83100s +00.58300s",
            Format::AnalyzeDump => {
                r#"{"description": "no cache found", "event_type": "finish", "name": "init-local/check-cache", "origin": "cloudinit", "result": "SUCCESS", "timestamp": 1567057578.056}"#
            }
            Format::AnalyzeBoot => "    Kernel Started at: 2019-08-29 01:35:37.753790",
            Format::PlatformEvents => {
                r#"{"time":"2026-06-10T14:51:01Z","event":"launched","instance":"i-052962296ad0c7240","workspace":"0c96b3ab","class":"default"}"#
            }
            Format::PlatformEventsCsv => {
                "2026-06-10T15:01:01Z,provision_timeout,,9a1f20c4,600"
            }
            Format::SerialConsole => {
                "[   57.551987] cloud-init[1321]: Setting up docker-ce (5:20.10.14~3-0~ubuntu-focal) ..."
            }
            Format::Journal => {
                "Aug 24 21:46:55.736585 test-b1 systemd[1]: Starting Terminate Plymouth Boot Screen..."
            }
            Format::JournalJson => {
                r#"{"__REALTIME_TIMESTAMP":"1665062818534972","_BOOT_ID":"6b66604298254b158d5b1e7eeea78c03","MESSAGE":"Linux version 5.15.0-1020-azure","SYSLOG_IDENTIFIER":"kernel","__MONOTONIC_TIMESTAMP":"3462899"}"#
            }
            Format::JournalExport => "__REALTIME_TIMESTAMP=1709520776193967",
            Format::SystemdAnalyze => {
                "Startup finished in 2.851s (kernel) + 12.240s (userspace) = 15.092s "
            }
            Format::CloudInitOutput => {
                "Cloud-init v. 19.3-46.amzn2.0.1 running 'init-local' at Thu, 16 Nov 2023 08:38:02 +0000. Up 4.03 seconds."
            }
            Format::CloudInitStatus => "boot_status_code: enabled-by-generator",
            Format::Timeline => {
                r#"{"schema_version":1,"instance":"i-052962296ad0c7240","class":"default","boot":1,"outcome":"registered","latency":{"secs":423.0,"censored":false,"from":"launch"},…}"#
            }
        }
    }

    /// A parser for this format.
    pub fn parser(self) -> Parser {
        match self {
            Format::CloudInitLog => {
                Parser::Lines(Box::new(super::cloudinit_log::CloudInitLog::new()))
            }
            Format::AnalyzeBlame => Parser::Lines(Box::new(super::analyze_blame::Blame::new())),
            Format::AnalyzeShow => Parser::Lines(Box::new(super::analyze_show::Show::new())),
            Format::AnalyzeDump => Parser::Document(Box::new(super::analyze_dump::Dump::new())),
            Format::AnalyzeBoot => Parser::Lines(Box::new(super::analyze_boot::AnalyzeBoot::new())),
            Format::PlatformEvents => Parser::Lines(Box::new(super::platform::JsonLines::new())),
            Format::PlatformEventsCsv => Parser::Lines(Box::new(super::platform::Csv::new())),
            Format::Timeline => Parser::Document(Box::new(TimelineNotEvents)),
            Format::SerialConsole => Parser::Lines(Box::new(super::console::Console::new())),
            Format::Journal => Parser::Lines(Box::new(super::journal::Short::new())),
            Format::JournalJson => Parser::Lines(Box::new(super::journal::Json::new())),
            Format::JournalExport => Parser::Lines(Box::new(super::journal::Export::new())),
            Format::SystemdAnalyze => {
                Parser::Lines(Box::new(super::systemd_analyze::Analyze::new()))
            }
            Format::CloudInitOutput => {
                Parser::Lines(Box::new(super::cloudinit_output::Output::new()))
            }
            Format::CloudInitStatus => {
                Parser::Document(Box::new(super::cloudinit_status::Status::new()))
            }
        }
    }

    /// Whether the format's lines carry free-text log messages, where markers are looked for.
    pub(crate) fn has_text_messages(self) -> bool {
        match self {
            Format::CloudInitLog
            | Format::SerialConsole
            | Format::Journal
            | Format::JournalJson
            | Format::JournalExport
            | Format::CloudInitOutput => true,
            Format::SystemdAnalyze | Format::CloudInitStatus => false,
            Format::AnalyzeBlame
            | Format::AnalyzeShow
            | Format::AnalyzeDump
            | Format::AnalyzeBoot
            | Format::PlatformEvents
            | Format::PlatformEventsCsv
            | Format::Timeline => false,
        }
    }

    /// Guesses the format from the first lines of an input (and its name, as a tie-breaker).
    /// Returns `None` when nothing fits.
    pub(crate) fn sniff(lines: &[&str], name: &str) -> Option<Format> {
        let Some(first) = lines.iter().map(|l| l.trim()).find(|l| !l.is_empty()) else {
            return by_name(name);
        };
        // Any of the first lines: a shard whose first line is damaged is still a timeline.
        if lines
            .iter()
            .map(|l| l.trim())
            .any(|l| l.starts_with("{\"schema_version\":") && l.contains("\"outcome\":"))
        {
            return Some(Format::Timeline);
        }
        if let Some(f) = sniff_wrappers_and_records(lines, first) {
            return Some(f);
        }
        if let Some(f) = sniff_text_logs(lines) {
            return Some(f);
        }
        if first.starts_with('[') && (first.len() == 1 || first.starts_with("[\n") || first == "[")
            || first.starts_with('{') && lines.iter().any(|l| l.contains("\"event_type\""))
        {
            return Some(Format::AnalyzeDump);
        }
        if lines.iter().any(|l| l.contains("\"event_type\"")) && first.starts_with('[') {
            return Some(Format::AnalyzeDump);
        }
        if lines
            .iter()
            .any(|l| l.starts_with("-- Most Recent Boot Record --"))
        {
            return Some(Format::AnalyzeBoot);
        }
        let show_like = lines.iter().any(|l| {
            l.starts_with("Starting stage:")
                || l.starts_with("Finished stage:")
                || l.starts_with("The total time elapsed since completing")
                || l.starts_with("|`->")
        });
        if show_like {
            return Some(Format::AnalyzeShow);
        }
        let blame_like = lines.iter().any(|l| super::analyze_blame::is_blame_line(l));
        if blame_like || (first.starts_with("-- Boot Record") && !show_like) {
            return Some(Format::AnalyzeBlame);
        }
        if lines.iter().any(|l| {
            l.contains("Cloud-init v.")
                || l.contains("handlers.py[")
                || l.contains("[CLOUDINIT]")
                || l.contains(" - util.py[")
                || l.contains(" - stages.py[")
                || l.contains(" - main.py[")
        }) {
            return Some(Format::CloudInitLog);
        }
        by_name(name)
    }
}

/// Formats told by their first line or by distinctive keys: EC2 wrappers, JSON Lines, export
/// records, CSV headers, `cloud-init status` JSON.
fn sniff_wrappers_and_records(lines: &[&str], first: &str) -> Option<Format> {
    let any = |pat: &str| lines.iter().any(|l| l.contains(pat));
    if first.starts_with("InstanceId:")
        || (first.starts_with('{') || first.starts_with("\"InstanceId\""))
            && any("\"InstanceId\"")
            && any("\"Output\"")
    {
        return Some(Format::SerialConsole);
    }
    if first.starts_with('{') && first.contains("\"event\"") && first.contains("\"time\"") {
        return Some(Format::PlatformEvents);
    }
    if first.starts_with('{')
        && (first.contains("\"__REALTIME_TIMESTAMP\"")
            || first.contains("\"__CURSOR\"")
            || first.contains("\"_BOOT_ID\""))
    {
        return Some(Format::JournalJson);
    }
    if first.starts_with("__CURSOR=")
        || first.starts_with("__REALTIME_TIMESTAMP=")
        || lines
            .iter()
            .take(3)
            .any(|l| l.starts_with("__REALTIME_TIMESTAMP="))
    {
        return Some(Format::JournalExport);
    }
    if first.starts_with('{') && (any("\"boot_status_code\"") || any("\"extended_status\"")) {
        return Some(Format::CloudInitStatus);
    }
    if is_platform_csv_header(first) {
        return Some(Format::PlatformEventsCsv);
    }
    None
}

/// `systemd-analyze blame` or `critical-chain` as people paste them into tickets, from the
/// first unit line (no "The time when unit became active…" header): every line is a blame line
/// (`  41.640s snapd.seeded.service`) or a chain line (`└─cloud-init.service @4.562s +1.260s`),
/// and one at least holds a time of its own, not only a unit's `+duration` (a bare
/// `name +1s` line alone says too little).
fn headerless_blame_or_chain(lines: &[&str]) -> bool {
    use super::systemd_analyze::{blame_line, chain_line};
    let mut nonblank = lines.iter().filter(|l| !l.trim().is_empty()).peekable();
    let mut timed = false;
    if nonblank.peek().is_none() {
        return false;
    }
    for l in nonblank {
        match (blame_line(l), chain_line(l)) {
            (Ok(_), _) => timed = true,
            (Err(_), Ok((_, c))) => timed |= c.at_secs.is_some(),
            (Err(_), Err(_)) => return false,
        }
    }
    timed
}

/// Text logs told by the shape of their lines: systemd-analyze, journald `short*`,
/// serial consoles, `cloud-init-output.log`, `cloud-init status --long`.
fn sniff_text_logs(lines: &[&str]) -> Option<Format> {
    use super::{journal, systemd_analyze};
    let trimmed = || lines.iter().map(|l| l.trim_start());
    if trimmed().any(|l| {
        l.starts_with("Startup finished in ") || l.starts_with(systemd_analyze::NOT_FINISHED)
    }) || trimmed()
        .any(|l| l.starts_with("The time when unit became active or started is printed after"))
        || headerless_blame_or_chain(lines)
    {
        return Some(Format::SystemdAnalyze);
    }
    // journald: most stamped lines are `stamp host ident[pid]: msg`, and they are not a
    // cloud-init.log in syslog layout (whose messages are `file.py[LEVEL]: …`).
    let nonblank: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("-- "))
        .collect();
    let journal_lines: Vec<&str> = nonblank
        .iter()
        .copied()
        .filter(|l| journal::is_short_line(l))
        .collect();
    let logs_begin = lines
        .iter()
        .any(|l| l.starts_with("-- Logs begin at") || l.starts_with("-- Journal begins at"));
    if logs_begin || (!journal_lines.is_empty() && journal_lines.len() * 2 > nonblank.len()) {
        let python_log = journal_lines
            .iter()
            .filter(|l| is_python_log_message(l))
            .count();
        if python_log * 2 > journal_lines.len() {
            return Some(Format::CloudInitLog);
        }
        return Some(Format::Journal);
    }
    if lines.iter().any(|l| is_console_line(l)) {
        return Some(Format::SerialConsole);
    }
    if lines
        .iter()
        .any(|l| l.starts_with(super::banner::MARK) || l.starts_with("ci-info: "))
    {
        return Some(Format::CloudInitOutput);
    }
    if trimmed().any(|l| {
        l.starts_with("status: ")
            && [
                "done", "running", "error", "disabled", "not run", "degraded",
            ]
            .iter()
            .any(|w| l["status: ".len()..].starts_with(w))
    }) {
        return Some(Format::CloudInitStatus);
    }
    None
}

/// `util.py[DEBUG]: …` (cloud-init's Python logger) after a syslog tag.
fn is_python_log_message(line: &str) -> bool {
    [
        ".py[DEBUG]",
        ".py[INFO]",
        ".py[WARNING]",
        ".py[ERROR]",
        ".py[CRITICAL]",
    ]
    .iter()
    .any(|p| line.contains(p))
}

/// A line only a serial console has: printk stamp, systemd status bracket, raw syslog
/// priority, firmware and boot-loader banners.
fn is_console_line(line: &str) -> bool {
    let t = line.trim_start();
    let status = ["[  OK  ]", "[FAILED]", "[ SKIP ]", "[DEPEND]", "[  OK  "];
    super::timestamp::kernel_stamp(t).is_ok()
        || status.iter().any(|s| t.starts_with(s))
        || (t.starts_with('<') && t.find('>').is_some_and(|k| (2..=4).contains(&k)))
        || [
            "BdsDxe:",
            "CSM BBS",
            "Welcome to GRUB",
            "SeaBIOS",
            "UEFI: ",
            "Booting from ",
            "Loading Linux ",
            "Loading initial ramdisk",
            "IP-Config:",
        ]
        .iter()
        .any(|p| t.starts_with(p))
}

/// The last resort: a file named like a cloud-init log or a console.
fn by_name(name: &str) -> Option<Format> {
    let base = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(name)
        .to_ascii_lowercase();
    if base.contains("output") && (base.contains("cloud-init") || base.contains("cloudinit")) {
        Some(Format::CloudInitOutput)
    } else if base.contains("cloud-init") || base.contains("cloudinit") {
        Some(Format::CloudInitLog)
    } else if base.contains("console") || base.contains("serial") {
        Some(Format::SerialConsole)
    } else {
        None
    }
}

/// Whether a line is the header row of platform events CSV.
fn is_platform_csv_header(line: &str) -> bool {
    let cells: Vec<&str> = line.split(',').map(str::trim).collect();
    cells.len() >= 3
        && cells.contains(&"time")
        && cells.contains(&"event")
        && (cells.contains(&"instance") || cells.contains(&"workspace"))
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Timelines hold whole boots, not events: the commands that work on boots read them
/// directly, and asking for their events is an error that says so.
struct TimelineNotEvents;

impl super::DocumentParser for TimelineNotEvents {
    fn parse(
        &mut self,
        _reader: &mut dyn std::io::BufRead,
        out: &mut super::Emit<'_>,
        _on_malformed: &mut dyn FnMut(crate::error::Malformed) -> crate::error::Result<()>,
    ) -> crate::error::Result<()> {
        Err(crate::error::Error::Invalid(format!(
            "{}: a timeline file holds whole boots, not log events; give it to `bootline timeline`, `fit` or `report`",
            out.path()
        )))
    }
}

/// An unknown format name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown input format '{0}'; `bootline formats` lists them")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .iter()
            .copied()
            .find(|f| f.name() == s)
            .ok_or_else(|| UnknownFormat(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>().unwrap(), *f);
        }
        assert!("nope".parse::<Format>().is_err());
    }

    #[test]
    fn sniffs_each_issue_two_format() {
        let cases: &[(&[&str], Format)] = &[
            (
                &["2024-05-01 12:00:01,234 - handlers.py[DEBUG]: start: init-local: x"],
                Format::CloudInitLog,
            ),
            (
                &[
                    "-- Boot Record 01 --",
                    "     00.80300s (init-network/config-growpart)",
                ],
                Format::AnalyzeBlame,
            ),
            (
                &["-- Boot Record 01 --", "Starting stage: init-local"],
                Format::AnalyzeShow,
            ),
            (
                &["[", " {", "  \"event_type\": \"start\","],
                Format::AnalyzeDump,
            ),
            (&["-- Most Recent Boot Record --"], Format::AnalyzeBoot),
        ];
        for (lines, want) in cases {
            assert_eq!(Format::sniff(lines, "x"), Some(*want), "{lines:?}");
        }
        // A unit with only its own duration says too little; text among the units is not one.
        assert_eq!(Format::sniff(&["cloud-config.service +1.321s"], "x"), None);
        assert_eq!(
            Format::sniff(&["cloud-config.service @1.3s", "it took a while"], "x"),
            None
        );
        assert_eq!(Format::sniff(&["hello world"], "x"), None);
    }

    #[test]
    fn sniffs_each_issue_three_format() {
        let cases: &[(&[&str], Format)] = &[
            (&["InstanceId: i-09e73ee9e40c9f948", "Output: \"[    2.267428] x"], Format::SerialConsole),
            (&["{", "    \"InstanceId\": \"i-1\",", "    \"Output\": \"x\""], Format::SerialConsole),
            (&["CSM BBS Table full.", "BdsDxe: loading Boot0001"], Format::SerialConsole),
            (&["[    5.421522] systemd[1]: Started Journal Service."], Format::SerialConsole),
            (&["Aug 24 21:46:55.736585 test-b1 systemd[1]: Starting X..."], Format::Journal),
            (&["[   20.888224] localhost systemd[1]: Hostname set to <localhost>."], Format::Journal),
            (&["-- Logs begin at Thu 2022-10-06 13:26:58 UTC, end at Thu 2022-10-06 14:05:43 UTC. --"], Format::Journal),
            (
                &["May 01 17:07:10 host cloud-init[2416]: util.py[DEBUG]: Cloud-init v. 0.7.5 running 'init'"],
                Format::CloudInitLog,
            ),
            (&[r#"{"__REALTIME_TIMESTAMP":"1","MESSAGE":"x"}"#], Format::JournalJson),
            (&["__CURSOR=s=83", "__REALTIME_TIMESTAMP=1709520776193967"], Format::JournalExport),
            (&["Startup finished in 2.1s (kernel) + 3s (userspace) = 5.1s "], Format::SystemdAnalyze),
            (&["      13min 33.597s casper-md5check.service", "      41.640s snapd.seeded.service"], Format::SystemdAnalyze),
            // Pasted from the first unit line, without the "The time when unit…" header.
            (&["cloud-config.service +1.321s", "└─basic.target @5.851s", "  └─sockets.target @5.851s"], Format::SystemdAnalyze),
            (&["graphical.target @1min 2.345s", "`-multi-user.target @1min 2.344s"], Format::SystemdAnalyze),
            (&["3.912s snapd.seeded.service", " 842ms snapd.service"], Format::SystemdAnalyze),
            (&["Cloud-init v. 0.7.5 running 'init-local' at Wed, 18 Nov 2015 00:31:22 +0000. Up 2.32 seconds."], Format::CloudInitOutput),
            (&["status: done", "boot_status_code: enabled-by-generator"], Format::CloudInitStatus),
            (&["{", "  \"boot_status_code\": \"enabled-by-generator\","], Format::CloudInitStatus),
            (&[r#"{"time":"2026-06-10T14:51:01Z","event":"launched","instance":"i-1"}"#], Format::PlatformEvents),
            (&["time,event,instance,workspace,class"], Format::PlatformEventsCsv),
        ];
        for (lines, want) in cases {
            assert_eq!(Format::sniff(lines, "x"), Some(*want), "{lines:?}");
        }
        assert_eq!(
            Format::sniff(&["16-09-20 23:42:36 tool:353 INFO: x"], "cloud-init.log"),
            Some(Format::CloudInitLog)
        );
        assert_eq!(
            Format::sniff(&["anything"], "logs/i-1/console.txt"),
            Some(Format::SerialConsole)
        );
    }

    #[test]
    fn every_format_has_a_name_description_and_example() {
        for f in Format::ALL {
            assert!(
                !f.description().is_empty() && !f.example().is_empty(),
                "{f}"
            );
        }
    }
}
