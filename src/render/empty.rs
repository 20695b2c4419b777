//! Why a run found nothing: the one line a command prints on standard error when no input gave
//! a boot (or, for `blame`, `show` and `dump`, a cloud-init event), naming what it read and why
//! nothing qualified, or what a selection left out.

use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};

use super::name_list;
use super::numbers::count;
use crate::parse::{Format, Summary};
use crate::timeline::lean::{Seen, Selection};

/// What one input gave, as the line names it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Gave<'a> {
    /// Read to its end: what its parser counted.
    Read(&'a Summary),
    /// Found in a folder and not a format bootline reads: skipped (and said).
    Skipped,
    /// The same bytes as this earlier input, which was read instead.
    CopyOf(&'a Path),
    /// It could not be read (said on its own line).
    Failed,
}

/// One input and what it gave.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The path as given (or as a folder walk found it).
    pub(crate) path: &'a Path,
    /// What reading it gave.
    pub(crate) gave: Gave<'a>,
}

/// What a boot is made of, for inputs none of whose lines was an event.
const BOOT_EVENTS: &str =
    "a kernel start, a cloud-init or systemd event, a marker (such as the register line) \
     or a platform event";

/// `serial-console`, or `?` when the format is not known.
fn format_name(summary: &Summary) -> &'static str {
    summary.format.map_or("?", Format::name)
}

/// `path (9 lines read as serial-console)`, and whether the input held no event at all.
fn gave_text(input: &Input<'_>) -> (String, bool) {
    let path = input.path.display();
    match input.gave {
        Gave::Read(s) if s.format == Some(Format::Timeline) => (
            format!("{path} ({} read as timeline, none a boot)", count_lines(s)),
            false,
        ),
        Gave::Read(s) if s.events == 0 => (
            format!(
                "{path} ({} read as {}{})",
                count_lines(s),
                format_name(s),
                malformed(s)
            ),
            true,
        ),
        Gave::Read(s) => (
            format!(
                "{path} ({} in {} read as {}, none of a boot{})",
                count(s.events as usize, "event"),
                count_lines(s),
                format_name(s),
                malformed(s)
            ),
            false,
        ),
        Gave::Skipped => (format!("{path} (skipped: no format bootline reads)"), false),
        Gave::CopyOf(kept) => (
            format!("{path} (a copy of {}, read there)", kept.display()),
            false,
        ),
        Gave::Failed => (format!("{path} (could not be read)"), false),
    }
}

fn count_lines(s: &Summary) -> String {
    count(s.lines as usize, "line")
}

/// `, 3 malformed lines skipped`, or nothing.
fn malformed(s: &Summary) -> String {
    if s.malformed == 0 {
        return String::new();
    }
    format!(
        ", {} skipped",
        count(s.malformed as usize, "malformed line")
    )
}

/// The line for a read that gave no boot at all: `no boot found in 1 file:
/// x.txt (9 lines read as serial-console); no line of it is a kernel start, …`.
pub(crate) fn no_boot(inputs: &[Input<'_>]) -> String {
    let described: Vec<(String, bool)> = inputs.iter().map(gave_text).collect();
    let eventless = described.iter().filter(|(_, e)| *e).count();
    let items: Vec<&str> = described.iter().map(|(t, _)| t.as_str()).collect();
    let mut line = format!(
        "no boot found in {}: {}",
        count(inputs.len(), "file"),
        name_list(&items)
    );
    let of = match eventless {
        0 => return line,
        n if n == inputs.len() => (if n == 1 { "it" } else { "them" }).to_string(),
        // Among inputs that gave other things, name the ones this is said of.
        _ => {
            let paths: Vec<String> = inputs
                .iter()
                .zip(&described)
                .filter(|(_, (_, e))| *e)
                .map(|(i, _)| i.path.display().to_string())
                .collect();
            name_list(&paths)
        }
    };
    line.push_str(&format!("; no line of {of} is {BOOT_EVENTS}"));
    line
}

/// An RFC 3339 time to the second, in UTC.
fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The line for a read whose boots the selection (`--class`, `--instance`, `--since`,
/// `--until`) all left out: `no boot of class gpu among the 1143 boots read (their classes:
/// default, hermes)`.
pub(crate) fn nothing_selected(selection: &Selection, seen: &Seen) -> String {
    let mut what = Vec::new();
    if let Some(i) = &selection.instance {
        what.push(format!("of instance {i}"));
    }
    if let Some(c) = &selection.class {
        what.push(format!("of class {c}"));
    }
    match (selection.since, selection.until) {
        (Some(s), Some(u)) => what.push(format!("launched from {} to {}", stamp(s), stamp(u))),
        (Some(s), None) => what.push(format!("launched at or after {}", stamp(s))),
        (None, Some(u)) => what.push(format!("launched before {}", stamp(u))),
        (None, None) => {}
    }
    let mut had = Vec::new();
    if selection.class.is_some() {
        let classes: Vec<&String> = seen.classes.iter().collect();
        had.push(format!("their classes: {}", name_list(&classes)));
    }
    if selection.since.is_some() || selection.until.is_some() {
        had.push(match seen.times {
            Some((first, last)) if first == last => format!("launched at {}", stamp(first)),
            Some((first, last)) => format!("launched from {} to {}", stamp(first), stamp(last)),
            None => "none with a launch or a kernel start on the wall clock".to_string(),
        });
    }
    let mut line = format!(
        "no boot {} among the {} read",
        what.join(" "),
        count(seen.boots, "boot")
    );
    if !had.is_empty() {
        line.push_str(&format!(" ({})", had.join("; ")));
    }
    line
}

/// `blame`, `show` and `dump` with inputs of no cloud-init event: `no cloud-init events in
/// x.txt (read as serial-console)`.
pub(crate) fn no_cloud_init_events(inputs: &[(&Path, &Summary)]) -> String {
    let items: Vec<String> = inputs
        .iter()
        .map(|(path, s)| format!("{} (read as {})", path.display(), format_name(s)))
        .collect();
    format!("no cloud-init events in {}", name_list(&items))
}

/// What `--since`/`--until` did with boots that have no date.
pub(crate) fn undated_left_out(boots: usize) -> String {
    format!(
        "--since/--until: {} no date (no launch, and no year or wall clock in {}): left out",
        match boots {
            1 => "1 boot has".to_string(),
            n => format!("{n} boots have"),
        },
        if boots == 1 { "its logs" } else { "their logs" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(format: Format, lines: u64, events: u64) -> Summary {
        Summary {
            format: Some(format),
            lines,
            events,
            ..Summary::default()
        }
    }

    #[test]
    fn a_file_of_no_event_is_named_with_its_lines_and_what_a_boot_needs() {
        let s = summary(Format::SerialConsole, 9, 0);
        let line = no_boot(&[Input {
            path: Path::new("w.txt"),
            gave: Gave::Read(&s),
        }]);
        assert_eq!(
            line,
            "no boot found in 1 file: w.txt (9 lines read as serial-console); no line of it is \
             a kernel start, a cloud-init or systemd event, a marker (such as the register \
             line) or a platform event"
        );
    }

    #[test]
    fn other_inputs_say_what_they_gave() {
        let events = summary(Format::PlatformEvents, 3, 2);
        let shard = summary(Format::Timeline, 1, 0);
        let empty = summary(Format::Journal, 1, 0);
        let line = no_boot(&[
            Input {
                path: Path::new("e.jsonl"),
                gave: Gave::Read(&events),
            },
            Input {
                path: Path::new("t.jsonl"),
                gave: Gave::Read(&shard),
            },
            Input {
                path: Path::new("j.log"),
                gave: Gave::Read(&empty),
            },
            Input {
                path: Path::new("d/x.bin"),
                gave: Gave::Skipped,
            },
            Input {
                path: Path::new("c.log"),
                gave: Gave::CopyOf(Path::new("j.log")),
            },
            Input {
                path: Path::new("gone.log"),
                gave: Gave::Failed,
            },
        ]);
        assert_eq!(
            line,
            "no boot found in 6 files: e.jsonl (2 events in 3 lines read as platform-events, \
             none of a boot), t.jsonl (1 line read as timeline, none a boot), j.log (1 line \
             read as journal), d/x.bin (skipped: no format bootline reads), c.log (a copy of \
             j.log, read there) and 1 more; no line of j.log is a kernel start, a cloud-init \
             or systemd event, a marker (such as the register line) or a platform event"
        );
    }

    #[test]
    fn a_selection_that_keeps_nothing_names_what_there_was() {
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let seen = Seen {
            boots: 3,
            classes: ["default", "hermes"].map(String::from).into(),
            times: Some((t("2026-06-10T14:51:01Z"), t("2026-06-10T16:00:00Z"))),
            ..Seen::default()
        };
        let class = Selection {
            class: Some("gpu".into()),
            ..Selection::default()
        };
        assert_eq!(
            nothing_selected(&class, &seen),
            "no boot of class gpu among the 3 boots read (their classes: default, hermes)"
        );
        let since = Selection {
            since: Some(t("2026-06-11T00:00:00Z")),
            ..Selection::default()
        };
        assert_eq!(
            nothing_selected(&since, &seen),
            "no boot launched at or after 2026-06-11T00:00:00Z among the 3 boots read \
             (launched from 2026-06-10T14:51:01Z to 2026-06-10T16:00:00Z)"
        );
    }
}
