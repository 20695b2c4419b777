//! `systemd-analyze` outputs: `time` (every phase combination, old `ms` and `initramfs`
//! wording, trailing spaces), `blame` (right-aligned compound spans), `critical-chain` (the
//! `@start +duration` tree) and the "Bootup is not yet finished" answer, a stuck signal.
//!
//! Captures are often terminal transcripts that also hold a `cloud-init status --long` block;
//! lines this grammar does not claim go to the [`StatusText`] grammar.
//!
//! Events: `Startup finished` → [`EventKind::StartupFinished`]; blame lines →
//! [`EventKind::Span`] named after the unit; critical-chain lines → [`EventKind::Unit`] edges
//! stamped in the [`BootClock::Userspace`] clock (critical-chain's `@` counts from the start of
//! userspace), or a [`EventKind::Span`] for the root line that only has `+duration`.

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while1};
use nom::character::complete::{char, digit1, space0, space1};
use nom::combinator::{opt, recognize};
use nom::multi::many0;
use nom::sequence::preceded;
use nom::{IResult, Parser};

use super::cloudinit_status::StatusText;
use super::message::is_unit_name;
use super::{Emit, LineParser};
use crate::error::Malformed;
use crate::event::{BootClock, Edge, EventKind, Stamp, StartupTotals};

// `33.597` / `13` (a non-negative decimal)
fn number(i: &str) -> IResult<&str, f64> {
    let (rest, s) = recognize((digit1, opt((char('.'), digit1)))).parse(i)?;
    match s.parse::<f64>() {
        Ok(v) => Ok((rest, v)),
        Err(_) => Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Float,
        ))),
    }
}

// `min` / `ms` / `s` / `h` … (a systemd timespan unit) → seconds per unit
fn unit(i: &str) -> IResult<&str, f64> {
    let (rest, u) = alt((
        tag("month"),
        tag("min"),
        tag("msec"),
        tag("ms"),
        tag("us"),
        tag("µs"),
        tag("h"),
        tag("d"),
        tag("w"),
        tag("y"),
        tag("s"),
    ))
    .parse(i)?;
    // A unit ends the token: `5s` but not `5sec…`.
    if rest.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Tag,
        )));
    }
    let per = match u {
        "month" => 2_629_800.0,
        "min" => 60.0,
        "msec" | "ms" => 1e-3,
        "us" | "µs" => 1e-6,
        "h" => 3600.0,
        "d" => 86_400.0,
        "w" => 604_800.0,
        "y" => 31_557_600.0,
        _ => 1.0,
    };
    Ok((rest, per))
}

// `33.597s` (one part of a timespan)
fn span_part(i: &str) -> IResult<&str, f64> {
    let (i, n) = number(i)?;
    let (i, per) = unit(i)?;
    Ok((i, n * per))
}

/// `13min 33.597s` / `553ms` / `1h 2min 3.5s` (a systemd timespan) → seconds
pub(crate) fn timespan(i: &str) -> IResult<&str, f64> {
    let (i, first) = span_part(i)?;
    let (i, more) = many0(preceded(char(' '), span_part)).parse(i)?;
    Ok((i, first + more.iter().sum::<f64>()))
}

// `2.1s (kernel)` (a phase of `Startup finished`)
fn phase(i: &str) -> IResult<&str, (f64, &str)> {
    let (i, secs) = timespan(i)?;
    let (i, _) = space1(i)?;
    let (i, _) = char('(')(i)?;
    let (i, name) = take_while1(|c: char| c.is_ascii_alphabetic())(i)?;
    let (i, _) = char(')')(i)?;
    Ok((i, (secs, name)))
}

// ` + ` (between phases)
fn plus(i: &str) -> IResult<&str, char> {
    let (i, _) = space0(i)?;
    let (i, c) = char('+')(i)?;
    let (i, _) = space0(i)?;
    Ok((i, c))
}

// `Startup finished in 11.573s (firmware) + … + 9.756s (userspace) = 36.415s `
/// `Startup finished in 120ms.` (a user manager: the total only)
pub(crate) fn startup_finished(i: &str) -> IResult<&str, StartupTotals> {
    let (i, _) = space0(i)?;
    let (i, _) = tag("Startup finished in ")(i)?;
    let mut totals = StartupTotals::default();
    if let Ok((rest, total)) = timespan(i) {
        if !rest.trim_start().starts_with('(') {
            let (rest, _) = opt(char('.')).parse(rest)?;
            totals.total_secs = Some(total);
            return end(rest, totals);
        }
    }
    let (mut i, first) = phase(i)?;
    let mut phases = vec![first];
    // After a `+` a phase must follow: its error is the one to report.
    while let Ok((rest, _)) = plus(i) {
        let (rest, p) = phase(rest)?;
        phases.push(p);
        i = rest;
    }
    for (secs, name) in phases {
        let slot = match name {
            "firmware" => &mut totals.firmware_secs,
            "loader" => &mut totals.loader_secs,
            "kernel" => &mut totals.kernel_secs,
            "initrd" | "initramfs" => &mut totals.initrd_secs,
            "userspace" => &mut totals.userspace_secs,
            _ => {
                return Err(nom::Err::Error(nom::error::Error::new(
                    i,
                    nom::error::ErrorKind::Tag,
                )))
            }
        };
        *slot = Some(secs);
    }
    let (i, _) = (space0, char('='), space0).parse(i)?;
    let (i, total) = timespan(i)?;
    totals.total_secs = Some(total);
    let (i, _) = opt(char('.')).parse(i)?;
    end(i, totals)
}

/// Only trailing whitespace may follow.
fn end(i: &str, totals: StartupTotals) -> IResult<&str, StartupTotals> {
    let (i, _) = space0(i)?;
    if i.is_empty() {
        Ok((i, totals))
    } else {
        Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Eof,
        )))
    }
}

/// `      13min 33.597s casper-md5check.service` (a blame line)
pub(crate) fn blame_line(i: &str) -> IResult<&str, (f64, &str)> {
    let (i, _) = space0(i)?;
    let (i, secs) = timespan(i)?;
    let (i, _) = space1(i)?;
    let (i, unit) = take_while1(|c: char| !c.is_whitespace())(i)?;
    let (i, _) = space0(i)?;
    // `381.23200s (modules-final/config-scripts_user)` is cloud-init's blame, not systemd's.
    if !i.is_empty() || unit.starts_with('(') {
        return Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Eof,
        )));
    }
    Ok((i, (secs, unit)))
}

/// One critical-chain entry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChainEntry<'a> {
    /// The unit.
    pub(crate) unit: &'a str,
    /// `@…`: when it became active (or started activating, with `+`), since userspace start.
    pub(crate) at_secs: Option<f64>,
    /// `+…`: how long it took to start.
    pub(crate) took_secs: Option<f64>,
}

/// `        └─cloud-init.service @4.562s +1.260s` / `cloud-config.service +1.321s`
pub(crate) fn chain_line(i: &str) -> IResult<&str, ChainEntry<'_>> {
    let (i, _) = take_while_tree(i)?;
    let (i, unit) = take_while1(|c: char| !c.is_whitespace())(i)?;
    if !is_unit_name(unit) {
        return Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Verify,
        )));
    }
    let (i, at_secs) = opt(preceded((space1, char('@')), timespan)).parse(i)?;
    let (i, took_secs) = opt(preceded((space1, char('+')), timespan)).parse(i)?;
    let (i, _) = space0(i)?;
    if !i.is_empty() || (at_secs.is_none() && took_secs.is_none()) {
        return Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Eof,
        )));
    }
    Ok((
        i,
        ChainEntry {
            unit,
            at_secs,
            took_secs,
        },
    ))
}

// `    └─` / `  │ ├─` (tree drawing and indentation)
fn take_while_tree(i: &str) -> IResult<&str, &str> {
    let end = i
        .char_indices()
        .find(|(_, c)| !matches!(c, ' ' | '└' | '├' | '│' | '─' | '|' | '`' | '-' | '\t'))
        .map_or(i.len(), |(k, _)| k);
    // A unit named `-.mount` starts with `-`: give the dash back.
    let end = if i[..end].ends_with('-') && i[end..].starts_with('.') {
        end - 1
    } else {
        end
    };
    Ok((&i[end..], &i[..end]))
}

// `graphical.target reached after 9.699s in userspace.`
fn target_reached(i: &str) -> IResult<&str, (&str, f64)> {
    let (i, unit) = take_while1(|c: char| !c.is_whitespace())(i)?;
    let (i, _) = tag(" reached after ")(i)?;
    let (i, secs) = timespan(i)?;
    let (i, _) = tag(" in userspace")(i)?;
    Ok((i, (unit, secs)))
}

/// The phrase of the stuck answer.
pub(crate) const NOT_FINISHED: &str = "Bootup is not yet finished";

/// Parser state for systemd-analyze outputs.
#[derive(Debug, Default)]
pub(crate) struct Analyze {
    status: StatusText,
}

impl Analyze {
    /// A new parser.
    pub(crate) fn new() -> Self {
        Self::default()
    }
}

/// `Startup finished in 2.1s (kernel) + 3.4s (userspace) = 5.5s`: systemd's totals, or where
/// the line stops being them.
fn startup_line(text: &str, out: &mut Emit<'_>) -> Result<(), Malformed> {
    match startup_finished(text) {
        Ok((_, totals)) => {
            out.event(EventKind::StartupFinished(totals), Stamp::default());
            Ok(())
        }
        Err(e) => {
            let at = match e {
                nom::Err::Error(e) | nom::Err::Failure(e) => text.len() - e.input.len(),
                nom::Err::Incomplete(_) => text.len(),
            };
            Err(out.malformed(text, at, "a timespan with its phase, `+` or `= total`"))
        }
    }
}

/// A `critical-chain` unit on the userspace clock: `@at +took` is its activation's start and
/// end, `@at` alone the moment it became active; `+took` alone (no time) is a span.
fn chain_events(unit: String, at_secs: Option<f64>, took_secs: Option<f64>, out: &mut Emit<'_>) {
    let on_userspace = |secs| Stamp::since_boot(BootClock::Userspace, secs);
    match (at_secs, took_secs) {
        (Some(at), Some(took)) => {
            let start = EventKind::Unit {
                unit: unit.clone(),
                edge: Edge::Start,
            };
            out.event(start, on_userspace(at));
            let end = EventKind::Unit {
                unit,
                edge: Edge::End,
            };
            out.event(end, on_userspace(at + took));
        }
        (Some(at), None) => out.event(
            EventKind::Unit {
                unit,
                edge: Edge::End,
            },
            on_userspace(at),
        ),
        (None, Some(took)) => out.event(
            EventKind::Span {
                name: unit.into(),
                description: "".into(),
                duration_secs: took,
                result: None,
            },
            Stamp::default(),
        ),
        (None, None) => {}
    }
}

impl LineParser for Analyze {
    fn line(&mut self, text: &str, out: &mut Emit<'_>) -> Result<(), Malformed> {
        let trimmed = text.trim_start();
        if trimmed.starts_with("Startup finished in ") {
            return startup_line(text, out);
        }
        if trimmed.starts_with(NOT_FINISHED) {
            out.event(EventKind::BootupNotFinished, Stamp::default());
            return Ok(());
        }
        if let Ok((_, (secs, unit))) = blame_line(text) {
            out.event(
                EventKind::Span {
                    name: unit.to_string().into(),
                    description: "".into(),
                    duration_secs: secs,
                    result: None,
                },
                Stamp::default(),
            );
            return Ok(());
        }
        if let Ok((_, e)) = chain_line(text) {
            chain_events(e.unit.to_string(), e.at_secs, e.took_secs, out);
            return Ok(());
        }
        if let Ok((_, (unit, secs))) = target_reached(trimmed) {
            out.event(
                EventKind::Unit {
                    unit: unit.to_string(),
                    edge: Edge::End,
                },
                Stamp::since_boot(BootClock::Userspace, secs),
            );
            return Ok(());
        }
        self.status.line(text, out);
        Ok(())
    }

    fn finish(&mut self, out: &mut Emit<'_>) {
        self.status.flush(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timespans() {
        assert_eq!(timespan("13min 33.597s dev"), Ok((" dev", 813.597)));
        assert_eq!(timespan("553ms"), Ok(("", 0.553)));
        assert_eq!(timespan("1h 2min 3s x"), Ok((" x", 3723.0)));
        assert!(timespan("s").is_err());
        assert!(timespan("5 s").is_err());
        // A unit must end its token: `5sec` is not 5 s followed by `ec`.
        assert!(timespan("5sec").is_err());
        assert!(unit("sec").is_err());
        assert_eq!(unit("s x"), Ok((" x", 1.0)));
    }

    #[test]
    fn startup_finished_all_phases_and_trailing_space() {
        let (rest, t) = startup_finished("Startup finished in 11.573s (firmware) + 11.386s (loader) + 3.699s (kernel) + 9.756s (userspace) = 36.415s ").unwrap();
        assert_eq!(rest, "");
        assert_eq!(t.firmware_secs, Some(11.573));
        assert_eq!(t.loader_secs, Some(11.386));
        assert_eq!(t.kernel_secs, Some(3.699));
        assert_eq!(t.initrd_secs, None);
        assert_eq!(t.userspace_secs, Some(9.756));
        assert_eq!(t.total_secs, Some(36.415));
        let (_, t) = startup_finished(
            "Startup finished in 2.1s (kernel) + 1min 5.268s (userspace) = 1min 7.4s ",
        )
        .unwrap();
        assert_eq!(t.userspace_secs, Some(65.268));
        assert!((t.total_secs.unwrap() - 67.4).abs() < 1e-9);
        let (_, t) = startup_finished("Startup finished in 1239ms (kernel) + 2532ms (initramfs) + 5283ms (userspace) = 9056ms.").unwrap();
        assert_eq!(t.initrd_secs, Some(2.532));
        let (_, t) = startup_finished("Startup finished in 120ms.").unwrap();
        assert_eq!((t.total_secs, t.kernel_secs), (Some(0.12), None));
        assert!(startup_finished("Startup finished in 2.1s (kernel) + ").is_err());
        assert!(startup_finished("Startup finished in 2.1s (kernel) = 3s junk").is_err());
        assert!(startup_finished("Startup finished in 2.1s (bios) = 3s").is_err());
    }

    #[test]
    fn blame_and_chain_lines() {
        assert_eq!(
            blame_line("      13min 33.597s casper-md5check.service"),
            Ok(("", (813.597, "casper-md5check.service")))
        );
        assert!(blame_line("status: done").is_err());
        assert!(blame_line("     381.23200s (modules-final/config-scripts_user)").is_err());
        let (_, e) = chain_line("        └─cloud-init.service @4.562s +1.260s").unwrap();
        assert_eq!(
            e,
            ChainEntry {
                unit: "cloud-init.service",
                at_secs: Some(4.562),
                took_secs: Some(1.26)
            }
        );
        let (_, e) = chain_line("                          └─-.mount @431ms").unwrap();
        assert_eq!((e.unit, e.at_secs), ("-.mount", Some(0.431)));
        let (_, e) = chain_line("cloud-config.service +1.321s").unwrap();
        assert_eq!((e.at_secs, e.took_secs), (None, Some(1.321)));
        assert!(chain_line(
            "The time when unit became active or started is printed after the \"@\" character."
        )
        .is_err());
        assert_eq!(
            target_reached("graphical.target reached after 9.699s in userspace. "),
            Ok((". ", ("graphical.target", 9.699)))
        );
    }
}
