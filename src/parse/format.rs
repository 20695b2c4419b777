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
    ];

    /// The name used with `--input-format`.
    pub fn name(self) -> &'static str {
        match self {
            Format::CloudInitLog => "cloud-init-log",
            Format::AnalyzeBlame => "analyze-blame",
            Format::AnalyzeShow => "analyze-show",
            Format::AnalyzeDump => "analyze-dump",
            Format::AnalyzeBoot => "analyze-boot",
            Format::PlatformEvents => "platform-events",
            Format::PlatformEventsCsv => "platform-events-csv",
        }
    }

    /// One line saying what the format is.
    pub fn description(self) -> &'static str {
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
        }
    }

    /// One example line of the format.
    pub fn example(self) -> &'static str {
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
            Format::AnalyzeBoot => Parser::Lines(Box::new(super::analyze_boot::Boot::new())),
            Format::PlatformEvents => Parser::Lines(Box::new(super::platform::JsonLines::new())),
            Format::PlatformEventsCsv => Parser::Lines(Box::new(super::platform::Csv::new())),
        }
    }

    /// Whether the format's lines carry free-text log messages, where markers are looked for.
    pub fn has_text_messages(self) -> bool {
        match self {
            Format::CloudInitLog => true,
            Format::AnalyzeBlame
            | Format::AnalyzeShow
            | Format::AnalyzeDump
            | Format::AnalyzeBoot
            | Format::PlatformEvents
            | Format::PlatformEventsCsv => false,
        }
    }

    /// Guesses the format from the first lines of an input (and its name, as a tie-breaker).
    /// Returns `None` when nothing fits.
    pub fn sniff(lines: &[&str], name: &str) -> Option<Format> {
        let _ = name;
        let first = lines.iter().map(|l| l.trim()).find(|l| !l.is_empty())?;
        if first.starts_with('{') && first.contains("\"event\"") && first.contains("\"time\"") {
            return Some(Format::PlatformEvents);
        }
        if is_platform_csv_header(first) {
            return Some(Format::PlatformEventsCsv);
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
        assert_eq!(Format::sniff(&["hello world"], "x"), None);
    }
}
