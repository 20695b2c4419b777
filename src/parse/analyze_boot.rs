//! `cloud-init analyze boot` output, current and old layout:
//!
//! ```text
//! -- Most Recent Boot Record --
//!     Kernel Started at: 2019-08-29 01:35:37.753790
//!     Kernel ended boot at: 2019-08-29 01:35:38.807407
//!     Kernel time to boot (seconds): 1.053617000579834
//!     Cloud-init activated by systemd at: 2019-08-29 01:35:43.992460
//!     Time between Kernel end boot and Cloud-init activation (seconds): 5.185053110122681
//!     Cloud-init start: 2019-08-29 08:35:45.867000
//! successful
//! ```
//!
//! The old layout has `Time between Kernel boot and Cloud-init start (seconds):` and no
//! activation line. Times are taken as UTC (the tool prints `utcfromtimestamp`).

use chrono::{DateTime, FixedOffset};

use super::timestamp;
use super::{Emit, LineParser};
use crate::error::Malformed;
use crate::event::{BootClock, EventKind, SinceBoot, StageResult, Stamp};

/// What a boot line must look like.
pub(crate) const EXPECTED: &str = "an `analyze boot` line (`Kernel Started at: <date time>`, `… (seconds): N`, the header or the status word)";

/// Parser for boot output.
#[derive(Debug, Default)]
pub(crate) struct AnalyzeBoot;

impl AnalyzeBoot {
    /// A new parser.
    pub(crate) fn new() -> Self {
        Self
    }
}

fn utc_time(v: &str) -> Option<DateTime<FixedOffset>> {
    let (rest, n) = timestamp::asctime(v.trim()).ok()?;
    if !rest.trim().is_empty() {
        return None;
    }
    Some(n.and_utc().fixed_offset())
}

/// The events of one timed line (`Kernel Started at: 2024-05-01 12:00:01.234567`); false for a
/// key this format does not have.
fn key_events(key: &str, at: DateTime<FixedOffset>, out: &mut Emit<'_>) -> bool {
    let wall = Stamp::wall(at);
    match key {
        "Kernel Started at" => {
            let kstamp = Stamp {
                wall: Some(at),
                since_boot: Some(SinceBoot {
                    clock: BootClock::Kernel,
                    secs: 0.0,
                }),
            };
            out.event(
                EventKind::KernelStart {
                    version: String::new(),
                },
                kstamp,
            );
            out.event(
                EventKind::Start {
                    name: "kernel".into(),
                    description: "kernel boot".into(),
                },
                wall,
            );
        }
        "Kernel ended boot at" => out.event(
            EventKind::Finish {
                name: "kernel".into(),
                result: StageResult::Success,
                description: "kernel ended boot".into(),
                duration_secs: None,
            },
            wall,
        ),
        "Cloud-init activated by systemd at" => out.event(
            EventKind::Unit {
                unit: "cloud-init-local.service".into(),
                edge: crate::event::Edge::Start,
            },
            wall,
        ),
        "Cloud-init start" => out.event(
            EventKind::Start {
                name: "init-local".into(),
                description: "cloud-init start".into(),
            },
            wall,
        ),
        _ => return false,
    }
    true
}

impl LineParser for AnalyzeBoot {
    fn line(&mut self, text: &str, out: &mut Emit<'_>) -> Result<(), Malformed> {
        let t = text.trim();
        if t.is_empty()
            || t == "..."
            || t.starts_with("-- Most Recent Boot Record --")
            || matches!(t, "successful" | "failure" | "container")
        {
            return Ok(());
        }
        let Some((key, value)) = t.split_once(": ") else {
            let col = text.len() - text.trim_start().len();
            return Err(out.malformed(text, col, EXPECTED));
        };
        if key.ends_with("(seconds)") {
            return match value.trim().parse::<f64>() {
                Ok(_) => Ok(()),
                Err(_) => {
                    Err(out.malformed(text, text.find(value).unwrap_or(0), "a number of seconds"))
                }
            };
        }
        let Some(at) = utc_time(value) else {
            return Err(out.malformed(
                text,
                text.find(value).unwrap_or(0),
                "a date and time `YYYY-MM-DD HH:MM:SS.ffffff`",
            ));
        };
        if !key_events(key, at, out) {
            let col = text.len() - text.trim_start().len();
            return Err(out.malformed(text, col, EXPECTED));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_time_accepts_microseconds_and_rejects_junk() {
        assert_eq!(
            utc_time("2019-08-29 01:35:37.753790").unwrap().to_rfc3339(),
            "2019-08-29T01:35:37.753790+00:00"
        );
        assert!(utc_time("2019-08-29 01:35:37.753790 extra").is_none());
        assert!(utc_time("yesterday").is_none());
    }
}
