//! cloud-init's banners, wherever they appear in a line (a log message, a console line, a
//! journald message):
//!
//! - `Cloud-init v. <ver> running '<action>' at <RFC 2822>. Up <s> seconds.`
//! - `Cloud-init v. <ver> finished at <RFC 2822>. Datasource <ds>.  Up <s> seconds`

use chrono::{DateTime, FixedOffset};
use nom::bytes::complete::{is_not, tag, take_while1};
use nom::character::complete::{char, space0, space1};
use nom::combinator::opt;
use nom::{IResult, Parser};

use super::timestamp::{rfc2822, seconds};

/// The text every banner starts with.
pub(crate) const MARK: &str = "Cloud-init v. ";

/// A cloud-init banner.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Banner {
    /// cloud-init version (`22.4.2`, `0.7.5`).
    pub(crate) version: String,
    /// Which banner.
    pub(crate) kind: BannerKind,
    /// The banner's own wall-clock time (second resolution).
    pub(crate) at: DateTime<FixedOffset>,
    /// `Up N seconds`, when present.
    pub(crate) up_secs: Option<f64>,
}

/// The two banner kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BannerKind {
    /// `running '<action>'`: a stage starts.
    Running {
        /// The action as written (`init-local`, `init`, `modules:config`, `modules:final`).
        action: String,
    },
    /// `finished at`: the boot's cloud-init work is done.
    Finished {
        /// `Datasource <ds>` as written, without the final period.
        datasource: Option<String>,
    },
}

impl Banner {
    /// The event a banner is: a stage banner or the finished banner. (Its times go into the
    /// event's stamp, which the caller builds: the line's own stamp or the banner's.)
    pub(crate) fn into_kind(self) -> crate::event::EventKind {
        match self.kind {
            BannerKind::Running { action } => crate::event::EventKind::StageBanner {
                version: self.version,
                action,
            },
            BannerKind::Finished { datasource } => crate::event::EventKind::FinishedBanner {
                version: self.version,
                datasource,
            },
        }
    }
}

// `22.4.2 ` (the version, up to the next space)
fn version(i: &str) -> IResult<&str, &str> {
    let (i, v) = take_while1(|c: char| !c.is_whitespace())(i)?;
    let (i, _) = space1(i)?;
    Ok((i, v))
}

// `running 'init-local' at `
fn running(i: &str) -> IResult<&str, String> {
    let (i, _) = tag("running")(i)?;
    let (i, _) = space1(i)?;
    let (i, _) = char('\'')(i)?;
    let (i, action) = is_not("'")(i)?;
    let (i, _) = char('\'')(i)?;
    let (i, _) = space1(i)?;
    let (i, _) = tag("at")(i)?;
    let (i, _) = space1(i)?;
    Ok((i, action.to_string()))
}

// `. Up 7.02 seconds` (the period may be missing or followed by spaces)
fn up(i: &str) -> IResult<&str, f64> {
    let (i, _) = opt(char('.')).parse(i)?;
    let (i, _) = space0(i)?;
    let (i, _) = tag("Up")(i)?;
    let (i, _) = space1(i)?;
    let (i, s) = seconds(i)?;
    let (i, _) = space0(i)?;
    let (i, _) = opt(tag("seconds")).parse(i)?;
    Ok((i, s))
}

// `. Datasource DataSourceNoCloud [seed=/dev/vdb][dsmode=net].  Up 49.64 seconds`
fn datasource(i: &str) -> IResult<&str, String> {
    let (i, _) = opt(char('.')).parse(i)?;
    let (i, _) = space0(i)?;
    let (i, _) = tag("Datasource")(i)?;
    let (i, _) = space1(i)?;
    let (ds, rest) = i.split_at(up_at(i).unwrap_or(i.len()));
    let ds = ds.trim_end().trim_end_matches('.');
    Ok((rest, ds.to_string()))
}

/// Where the `Up N seconds` that ends a `finished at` banner starts in `i`: the last `Up`
/// after any run of white space and followed by white space and a digit (the datasource's own
/// text comes before it; consoles re-wrap the spaces).
fn up_at(i: &str) -> Option<usize> {
    i.rmatch_indices("Up").find_map(|(k, _)| {
        let before = i[..k].chars().next_back()?;
        let after = &i[k + 2..];
        let digits = after.trim_start();
        (before.is_whitespace()
            && after.starts_with(char::is_whitespace)
            && digits.starts_with(|c: char| c.is_ascii_digit()))
        .then(|| i[..k].trim_end().len())
    })
}

/// Where a banner's grammar failed: the byte offset and what it expected there.
pub(crate) type Failure = (usize, &'static str);

/// Parses a banner starting exactly at `i` (which begins with [`MARK`]). Returns the banner and
/// the rest of the input, or the byte offset into `i` where the grammar failed and what it
/// expected there.
pub(crate) fn parse(i: &str) -> Result<(Banner, &str), Failure> {
    let at_fail = |rest: &str| i.len() - rest.len();
    let rest = i.strip_prefix(MARK).ok_or((0, "'Cloud-init v. '"))?;
    let (rest, ver) = version(rest).map_err(|_| (at_fail(rest), "a version"))?;
    if let Ok((after, action)) = running(rest) {
        let (after2, at) = rfc2822(after).map_err(|_| (at_fail(after), "an RFC 2822 date"))?;
        let (after3, up_secs) = match up(after2) {
            Ok((r, s)) => (r, Some(s)),
            Err(_) => (after2, None),
        };
        let banner = Banner {
            version: ver.to_string(),
            kind: BannerKind::Running { action },
            at,
            up_secs,
        };
        return Ok((banner, after3));
    }
    let fin: IResult<&str, _> = (tag("finished"), space1, tag("at"), space1).parse(rest);
    let after = match fin {
        Ok((after, _)) => after,
        Err(_) => return Err((at_fail(rest), "'running' or 'finished at'")),
    };
    let (after2, at) = rfc2822(after).map_err(|_| (at_fail(after), "an RFC 2822 date"))?;
    let (after3, ds) = match datasource(after2) {
        Ok((r, ds)) => (r, Some(ds)),
        Err(_) => (after2, None),
    };
    let (after4, up_secs) = match up(after3) {
        Ok((r, s)) => (r, Some(s)),
        Err(_) => (after3, None),
    };
    let banner = Banner {
        version: ver.to_string(),
        kind: BannerKind::Finished { datasource: ds },
        at,
        up_secs,
    };
    Ok((banner, after4))
}

/// Finds a banner anywhere in `line`: `Some(Ok((byte_offset, banner)))` when one parses,
/// `Some(Err((byte_column, expected)))` when the mark is there but the banner is broken, `None`
/// when there is no mark.
pub(crate) fn find(line: &str) -> Option<Result<(usize, Banner), Failure>> {
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(MARK));
    let pos = FINDER.find(line.as_bytes())?;
    Some(
        parse(&line[pos..])
            .map(|(b, _)| (pos, b))
            .map_err(|(off, what)| (pos + off, what)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_banner() {
        let (b, rest) = parse(
            "Cloud-init v. 22.4.2 running 'init-local' at Thu, 30 Nov 2023 19:03:39 +0000. Up 7.02 seconds.",
        )
        .unwrap();
        assert_eq!(b.version, "22.4.2");
        assert_eq!(
            b.kind,
            BannerKind::Running {
                action: "init-local".into()
            }
        );
        assert_eq!(b.up_secs, Some(7.02));
        assert_eq!(b.at.to_rfc3339(), "2023-11-30T19:03:39+00:00");
        assert_eq!(rest, ".");
    }

    #[test]
    fn finished_banner_with_two_spaces_and_no_period() {
        let (b, rest) = parse("Cloud-init v. 22.4.2 finished at Thu, 30 Nov 2023 19:04:22 +0000. Datasource DataSourceNoCloud [seed=/dev/vdb][dsmode=net].  Up 49.64 seconds").unwrap();
        assert_eq!(
            b.kind,
            BannerKind::Finished {
                datasource: Some("DataSourceNoCloud [seed=/dev/vdb][dsmode=net]".into())
            }
        );
        assert_eq!(b.up_secs, Some(49.64));
        assert_eq!(rest, "");
    }

    #[test]
    fn spaces_inside_up_and_missing_up() {
        let (b, _) = parse("Cloud-init v. 24.4-6.el9 finished at Mon, 12 May 2025 10:00:00 +0000. Datasource DataSourceConfigDrive [net,ver=2][source=/dev/vdb].  Up 392.97         seconds").unwrap();
        assert_eq!(b.up_secs, Some(392.97));
        let (b, _) =
            parse("Cloud-init v. 0.7.5 running 'init' at Wed, 18 Nov 2015 00:31:26 +0000").unwrap();
        assert_eq!(b.up_secs, None);
    }

    #[test]
    fn any_run_of_spaces_before_up() {
        for gap in [" ", "  ", "   ", "\t "] {
            let line = format!(
                "Cloud-init v. 19.3 finished at Thu, 30 Nov 2023 19:04:22 +0000. Datasource \
                 DataSourceEc2Local.{gap}Up 50.29 seconds"
            );
            let (b, _) = parse(&line).unwrap();
            assert_eq!(b.up_secs, Some(50.29), "{gap:?}");
            assert_eq!(
                b.kind,
                BannerKind::Finished {
                    datasource: Some("DataSourceEc2Local".into())
                },
                "{gap:?}"
            );
        }
    }

    #[test]
    fn broken_banner_reports_where() {
        let e = parse("Cloud-init v. 22.4.2 running 'init' at yesterday").unwrap_err();
        assert_eq!(e.1, "an RFC 2822 date");
        assert_eq!(e.0, "Cloud-init v. 22.4.2 running 'init' at ".len());
        let e = parse("Cloud-init v. 22.4.2 exploded").unwrap_err();
        assert_eq!(
            e,
            ("Cloud-init v. 22.4.2 ".len(), "'running' or 'finished at'")
        );
    }

    #[test]
    fn find_anywhere() {
        let line = "[    5.239698] cloud-init[2619]: Cloud-init v. 19.3-46.amzn2.0.1 running 'init-local' at Wed, 15 Nov 2023 10:00:00 +0000. Up 5.20 seconds.";
        let (pos, b) = find(line).unwrap().unwrap();
        assert_eq!(&line[pos..pos + 5], "Cloud");
        assert_eq!(
            b.kind,
            BannerKind::Running {
                action: "init-local".into()
            }
        );
        assert!(find("no banner here").is_none());
    }
}
