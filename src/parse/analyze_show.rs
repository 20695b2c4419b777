//! `cloud-init analyze show` output (and bootline's own `show` text):
//!
//! ```text
//! -- Boot Record 01 --
//! The total time elapsed since completing an event is printed after the "@" character.
//! The time the event takes is printed after the "+" character.
//!
//! Starting stage: init-local
//! |`->no cache found @00.00700s +00.00000s
//! Finished stage: (init-local) 00.72900 seconds
//!
//! Total Time: 39.60300 seconds
//! ```
//!
//! Event lines carry descriptions, not names: they become spans named
//! `<stage>/<description>`, stamped with their `@` offset on the record's clock. Show does not
//! state results; a finished stage reads as SUCCESS unless bootline flagged FAIL or WARN.

use nom::bytes::complete::{tag, take_until, take_while1};
use nom::character::complete::{char, space0};
use nom::{IResult, Parser};

use super::analyze_blame::{closing_count, record_header};
use super::timestamp::seconds;
use super::{Emit, LineParser};
use crate::error::Malformed;
use crate::event::{BootClock, EventKind, StageResult, Stamp};
use crate::intern;

/// What a show line must look like.
pub(crate) const EXPECTED: &str = "a show line (`Starting stage:`, ``|`->… @N.NNNNNs +N.NNNNNs``, `Finished stage: (name) N seconds`, `Total Time:`, a `-- Boot Record NN --` header)";

// `|`->config-growpart ran successfully @02.83100s +00.58300s` (indent `|   `->` for deeper)
fn event_line(i: &str) -> IResult<&str, (&str, f64, f64)> {
    let (i, _) = char('|')(i)?;
    let (i, _) = space0(i)?;
    let (i, _) = tag("`->")(i)?;
    let at = i
        .rfind(" @")
        .ok_or_else(|| nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Tag)))?;
    let desc = &i[..at];
    let rest = &i[at + 2..];
    let (rest, elapsed) = seconds(rest)?;
    let (rest, _) = tag("s +")(rest)?;
    let (rest, delta) = seconds(rest)?;
    let (rest, _) = char('s')(rest)?;
    Ok((rest, (desc, elapsed, delta)))
}

// `Finished stage: (init-local) 00.72900 seconds`
fn finished_stage(i: &str) -> IResult<&str, (&str, f64)> {
    let (i, _) = tag("Finished stage: (")(i)?;
    let (i, name) = take_until(")")(i)?;
    let (i, _) = tag(") ")(i)?;
    let (i, secs) = seconds(i)?;
    let (i, _) = tag(" seconds")(i)?;
    Ok((i, (name, secs)))
}

// `Starting stage: init-local`
fn starting_stage(i: &str) -> IResult<&str, &str> {
    let (i, _) = tag("Starting stage: ")(i)?;
    take_while1(|c: char| !c.is_whitespace()).parse(i)
}

fn flag(rest: &str) -> Option<StageResult> {
    rest.split_whitespace()
        .next()
        .and_then(StageResult::from_word)
}

/// Parser for show output.
#[derive(Debug, Default)]
pub(crate) struct Show {
    stages: Vec<String>,
}

impl Show {
    /// A new parser.
    pub(crate) fn new() -> Self {
        Self::default()
    }
}

/// A line of the listing that holds no event: blank, an elision, its prose, its totals.
fn says_nothing(t: &str) -> bool {
    let prose = t.starts_with("The total time elapsed since completing")
        || t.starts_with("The time the event takes")
        || t == "character."
        || t.starts_with("Total Time:")
        || t.starts_with("Unfinished stage:");
    t.trim().is_empty() || t.trim() == "..." || prose || closing_count(t).is_ok()
}

impl LineParser for Show {
    fn line(&mut self, text: &str, out: &mut Emit<'_>) -> Result<(), Malformed> {
        let t = text.trim_end();
        if says_nothing(t) {
            return Ok(());
        }
        if let Ok((_, number)) = record_header(t) {
            self.stages.clear();
            out.event(EventKind::BootRecord { number }, Stamp::default());
            return Ok(());
        }
        if let Ok((_, name)) = starting_stage(t) {
            self.stages.push(name.to_string());
            out.event(
                EventKind::Start {
                    name: intern::shared(name),
                    description: "".into(),
                },
                Stamp::default(),
            );
            return Ok(());
        }
        if let Ok((rest, (desc, elapsed, delta))) = event_line(t) {
            let parent = self.stages.last().map_or("", String::as_str);
            let name = if parent.is_empty() {
                desc.to_string()
            } else {
                format!("{parent}/{desc}")
            };
            out.event(
                EventKind::Span {
                    name: intern::shared(&name),
                    description: intern::shared(desc),
                    duration_secs: delta,
                    result: flag(rest),
                },
                Stamp::since_boot(BootClock::Record, elapsed),
            );
            return Ok(());
        }
        if let Ok((rest, (name, secs))) = finished_stage(t) {
            if let Some(pos) = self.stages.iter().rposition(|s| s == name) {
                self.stages.truncate(pos);
            }
            out.event(
                EventKind::Finish {
                    name: intern::shared(name),
                    result: flag(rest).unwrap_or(StageResult::Success),
                    description: "".into(),
                    duration_secs: Some(secs),
                },
                Stamp::default(),
            );
            return Ok(());
        }
        Err(out.malformed(text, 0, EXPECTED))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_line_accepts_and_rejects() {
        let (rest, (d, e, s)) =
            event_line("|`->config-growpart ran successfully @02.83100s +00.58300s").unwrap();
        assert_eq!(
            (d, e, s, rest),
            ("config-growpart ran successfully", 2.831, 0.583, "")
        );
        let (_, (d, _, _)) = event_line("|   `->a @b @01.00000s +00.10000s  FAIL").unwrap();
        assert_eq!(d, "a @b");
        assert!(event_line("|`->no times here").is_err());
        assert!(event_line("`->x @01.0s +00.1s").is_err());
    }

    #[test]
    fn stage_lines() {
        assert_eq!(
            finished_stage("Finished stage: (init-local) 00.72900 seconds"),
            Ok(("", ("init-local", 0.729)))
        );
        assert!(finished_stage("Finished stage: init-local 00.72900 seconds").is_err());
        assert_eq!(
            starting_stage("Starting stage: azure-ds/x"),
            Ok(("", "azure-ds/x"))
        );
    }
}
