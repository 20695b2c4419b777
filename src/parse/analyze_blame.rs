//! `cloud-init analyze blame` output (and bootline's own `blame` text):
//!
//! ```text
//! -- Boot Record 01 --
//!      381.23200s (modules-final/config-scripts_user)
//!
//! 1 boot records analyzed
//! ```
//!
//! Every line is claimed: a header, a duration line, the closing count, a blank line or a
//! `...` elision (as in documentation excerpts). Anything else is malformed.

use nom::bytes::complete::{tag, take_while1};
use nom::character::complete::{char, digit1, space0, space1};
use nom::combinator::opt;
use nom::{IResult, Parser};

use super::timestamp::seconds;
use super::{Emit, LineParser};
use crate::error::Malformed;
use crate::event::{EventKind, StageResult, Stamp};
use crate::intern;

/// What a blame line must look like.
pub(crate) const EXPECTED: &str =
    "a blame line (`     1.23400s (stage/name)`), a `-- Boot Record NN --` header or `N boot records analyzed`";

/// `-- Boot Record 01 --` (also used by `show`)
pub(crate) fn record_header(i: &str) -> IResult<&str, u32> {
    let (i, _) = tag("-- Boot Record ")(i)?;
    let (i, n) = nom::combinator::map_res(digit1, |d: &str| d.parse::<u32>()).parse(i)?;
    let (i, _) = tag(" --")(i)?;
    Ok((i, n))
}

/// `4 boot records analyzed` (also used by `show`)
pub(crate) fn closing_count(i: &str) -> IResult<&str, u64> {
    let (i, n) = nom::combinator::map_res(digit1, |d: &str| d.parse::<u64>()).parse(i)?;
    let (i, _) = tag(" boot records analyzed")(i)?;
    Ok((i, n))
}

/// One parsed duration line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BlameLine<'a> {
    /// Seconds.
    pub(crate) secs: f64,
    /// Event name.
    pub(crate) name: &'a str,
    /// A lower bound only (`12.00000s+`: unfinished).
    pub(crate) at_least: bool,
    /// FAIL/WARN flag written by bootline.
    pub(crate) result: Option<StageResult>,
}

/// `     381.23200s (modules-final/config-scripts_user)` with bootline's optional `+` and flags
pub(crate) fn duration_line(i: &str) -> IResult<&str, BlameLine<'_>> {
    let (i, _) = space1(i)?;
    let (i, secs) = seconds(i)?;
    let (i, _) = char('s')(i)?;
    let (i, plus) = opt(char('+')).parse(i)?;
    let (i, _) = char(' ')(i)?;
    let (i, _) = char('(')(i)?;
    let (i, name) = take_while1(|c: char| c != ')')(i)?;
    let (i, _) = char(')')(i)?;
    let (i, _) = space0(i)?;
    let (i, flag) = opt(take_while1(|c: char| c.is_ascii_uppercase())).parse(i)?;
    let result = flag.and_then(StageResult::from_word);
    Ok((
        i,
        BlameLine {
            secs,
            name,
            at_least: plus.is_some(),
            result,
        },
    ))
}

/// Whether a line looks like a blame duration line (for sniffing).
pub(crate) fn is_blame_line(l: &str) -> bool {
    duration_line(l).is_ok()
}

/// Parser for blame output.
#[derive(Debug, Default)]
pub(crate) struct Blame;

impl Blame {
    /// A new parser.
    pub(crate) fn new() -> Self {
        Self
    }
}

impl LineParser for Blame {
    fn line(&mut self, text: &str, out: &mut Emit<'_>) -> Result<(), Malformed> {
        let t = text.trim_end();
        if t.trim_start().is_empty() || t.trim() == "..." || closing_count(t).is_ok() {
            return Ok(());
        }
        if let Ok((_, number)) = record_header(t) {
            out.event(EventKind::BootRecord { number }, Stamp::default());
            return Ok(());
        }
        match duration_line(t) {
            Ok((_, l)) => {
                let kind = if l.at_least {
                    EventKind::Start {
                        name: intern::shared(l.name),
                        description: format!("ran at least {:.5} s", l.secs).into(),
                    }
                } else {
                    EventKind::Span {
                        name: intern::shared(l.name),
                        description: "".into(),
                        duration_secs: l.secs,
                        result: l.result,
                    }
                };
                out.event(kind, Stamp::default());
                Ok(())
            }
            Err(_) => {
                let col = text.len() - text.trim_start().len();
                Err(out.malformed(text, col, EXPECTED))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_line_accepts_and_rejects() {
        let (rest, l) =
            duration_line("     381.23200s (modules-final/config-scripts_user)").unwrap();
        assert_eq!(rest, "");
        assert_eq!(
            (l.secs, l.name, l.at_least),
            (381.232, "modules-final/config-scripts_user", false)
        );
        let (_, l) = duration_line("     -0.50000s (x)  FAIL").unwrap();
        assert_eq!((l.secs, l.result), (-0.5, Some(StageResult::Fail)));
        let (_, l) = duration_line("     12.00000s+ (y)  unfinished: no finish").unwrap();
        assert!(l.at_least);
        assert!(
            duration_line("381.23200s (x)").is_err(),
            "needs indentation"
        );
        assert!(duration_line("     381.23200 (x)").is_err());
        assert!(duration_line("     381.23200s x").is_err());
    }

    #[test]
    fn header_and_count() {
        assert_eq!(record_header("-- Boot Record 11 --"), Ok(("", 11)));
        assert!(record_header("-- Boot Record x --").is_err());
        assert_eq!(closing_count("4 boot records analyzed"), Ok(("", 4)));
    }
}
