//! What the report was built from: every input file with its size and SHA-256, and one digest
//! over them all, so a reader can tell whether two reports saw the same logs.
//!
//! The SHA-256 of an input is computed in the pass that reads it for boots
//! ([`crate::ingest::collect_reporting`]), never by a second read: an input that was not read
//! to its end (it could not be opened, was refused, or its read failed) has no digest of its
//! whole bytes, and the list says why instead. A copy that was read once
//! ([`crate::timeline::dedup`]) is listed as a copy of the input kept; paths a folder walk
//! passed over are listed with the reason.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::error::Error;
use crate::ingest::SourceReport;
use crate::sources::{Skipped, Source};
use crate::timeline::dedup::RepeatedSource;

/// One input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    /// The path as shown (relative where it lies under the working directory).
    pub(crate) path: String,
    /// Size in bytes.
    pub(crate) bytes: u64,
    /// SHA-256 of the bytes as stored (before gunzip), lowercase hex; for an input with no
    /// digest of its whole bytes, the words saying why (`not digested: …`, `skipped: …`).
    pub(crate) sha256: String,
    /// For a copy read once: the path of the earlier input with the same bytes, which was
    /// read instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) copy_of: Option<String>,
}

/// How a listed file was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Read {
    /// Digested whole, and the report was built from it.
    Whole,
    /// The same bytes as an earlier input, which was read instead.
    Copy,
    /// Passed over: not a regular file, or no log bootline reads, found in a folder.
    Skipped,
    /// Not read to its end: it could not be opened, was refused, or its read failed.
    NotDigested,
}

/// How the words of a skipped file begin.
const SKIPPED: &str = "skipped: ";
/// How the words of a file not read to its end begin.
const NOT_DIGESTED: &str = "not digested";

impl InputFile {
    /// How it was read.
    pub(crate) fn read(&self) -> Read {
        if self.copy_of.is_some() {
            Read::Copy
        } else if is_sha256_hex(&self.sha256) {
            Read::Whole
        } else if self.sha256.starts_with(SKIPPED) {
            Read::Skipped
        } else {
            Read::NotDigested
        }
    }

    /// Whether the report's boots come from this file's bytes, all of them: it was digested
    /// whole and is no copy of another input.
    pub(crate) fn counted(&self) -> bool {
        self.read() == Read::Whole
    }
}

/// Most files the report lists ([`Inputs::capped`]): past it the files read whole are
/// counted, not listed; the counts, the bytes and the digest cover every file.
pub(crate) const LISTED_FILES: usize = 500;

/// Every input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    /// Files in the order they were read (folders sorted), then the paths folder walks passed
    /// over; in a report, at most [`LISTED_FILES`] of them.
    pub files: Vec<InputFile>,
    /// Files by how they were read, listed or not.
    #[serde(default)]
    pub(crate) counts: ReadCounts,
    /// Files left out of `files` (read whole, past [`LISTED_FILES`]).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(crate) not_listed: usize,
    /// Total bytes of the files counted ([`InputFile::counted`]).
    pub(crate) bytes: u64,
    /// SHA-256 over the counted files' SHA-256 lines (hex, one per line, sorted): it depends
    /// on the contents only, not on the paths, the order they were given in, or copies.
    pub(crate) digest: String,
}

/// Files by how they were read ([`Read`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ReadCounts {
    /// Digested whole: the report's boots come from them.
    pub(crate) whole: usize,
    /// Copies of an earlier input, read once.
    pub(crate) copies: usize,
    /// Passed over by a folder walk.
    pub(crate) skipped: usize,
    /// Not read to the end.
    pub(crate) not_digested: usize,
}

impl ReadCounts {
    fn of(files: &[InputFile]) -> Self {
        let mut c = Self::default();
        for f in files {
            *match f.read() {
                Read::Whole => &mut c.whole,
                Read::Copy => &mut c.copies,
                Read::Skipped => &mut c.skipped,
                Read::NotDigested => &mut c.not_digested,
            } += 1;
        }
        c
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Inputs {
    /// The inputs as a report lists them: at most [`LISTED_FILES`] files, those not read whole
    /// first (each says something about the read), then the first files read whole, in their
    /// order; the rest counted in `not_listed`.
    pub(crate) fn capped(mut self) -> Self {
        if self.files.len() <= LISTED_FILES {
            return self;
        }
        let unusual = (self.files.iter())
            .filter(|f| f.read() != Read::Whole)
            .count()
            .min(LISTED_FILES);
        let (mut whole_room, mut unusual_room) = (LISTED_FILES - unusual, unusual);
        let before = self.files.len();
        self.files.retain(|f| {
            let room = if f.read() == Read::Whole {
                &mut whole_room
            } else {
                &mut unusual_room
            };
            let keep = *room > 0;
            *room = room.saturating_sub(1);
            keep
        });
        self.not_listed += before - self.files.len();
        self
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Why a source has no digest, in a few words: the list shows its path beside them.
fn why(e: &Error) -> String {
    match e {
        Error::Io { cause, .. } => cause.to_string(),
        Error::UnknownFormat { .. } => "its format is not recognised".into(),
        Error::NotText { what, .. } => what.clone(),
        Error::Document {
            line,
            column,
            message,
            ..
        } => format!("line {line}, column {column}: {message}"),
        Error::Malformed(m) => format!(
            "line {}, column {}: expected {}",
            m.line, m.column, m.expected
        ),
        Error::TooManyBoots { at, limit } => format!(
            "line {}: more than {limit} boots (--max-boots-per-source)",
            at.line
        ),
        Error::Config { .. } | Error::Invalid(_) => {
            e.to_string().lines().next().unwrap_or_default().to_string()
        }
    }
}

/// One source as listed, from its read.
fn listed(
    source: &Source,
    read: &SourceReport,
    copy_of: Option<String>,
    shown: &dyn Fn(&Path) -> String,
) -> InputFile {
    let (bytes, sha256) = match (&read.sha256, &read.error) {
        (Some(whole), None) => (whole.bytes, hex(&whole.sha256)),
        (_, Some(e)) if read.passed_over(source) => {
            (source.size.unwrap_or(0), format!("{SKIPPED}{}", why(e)))
        }
        (_, Some(e)) => (
            source.size.unwrap_or(0),
            format!("{NOT_DIGESTED}: {}", why(e)),
        ),
        (None, None) => (source.size.unwrap_or(0), NOT_DIGESTED.to_string()),
    };
    InputFile {
        path: shown(&source.path),
        bytes,
        sha256,
        copy_of,
    }
}

/// Lists the inputs as they were read: `sources` with their `reads` (one per source, in
/// input order, read with SHA-256 asked for), the `copies` read once, and the paths folder
/// walks passed over (`skipped`). `shown` turns a path into the path the report shows.
pub(crate) fn list(
    sources: &[Source],
    reads: &[SourceReport],
    copies: &[RepeatedSource],
    skipped: &[Skipped],
    shown: &dyn Fn(&Path) -> String,
) -> Inputs {
    let kept = |path: &Path| {
        copies
            .iter()
            .find(|c| c.path == path)
            .map(|c| shown(&c.kept))
    };
    let mut files: Vec<InputFile> = sources
        .iter()
        .zip(reads)
        .map(|(source, read)| listed(source, read, kept(&source.path), shown))
        .collect();
    files.extend(skipped.iter().map(|s| InputFile {
        path: shown(&s.path),
        bytes: 0,
        sha256: format!("{SKIPPED}{}", s.reason),
        copy_of: None,
    }));
    of_files(files)
}

/// The digest of listed files.
pub(crate) fn of_files(files: Vec<InputFile>) -> Inputs {
    let mut lines: Vec<&str> = files
        .iter()
        .filter(|f| f.counted())
        .map(|f| f.sha256.as_str())
        .collect();
    lines.sort_unstable();
    let mut h = Sha256::new();
    for l in lines {
        h.update(l.as_bytes());
        h.update(b"\n");
    }
    Inputs {
        bytes: files.iter().filter(|f| f.counted()).map(|f| f.bytes).sum(),
        counts: ReadCounts::of(&files),
        not_listed: 0,
        files,
        digest: hex(&h.finalize()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest;
    use crate::sources;

    fn name(p: &Path) -> String {
        p.file_name()
            .map_or(String::new(), |n| n.to_string_lossy().into())
    }

    /// Lists what `paths` expand to, read as `report` reads them.
    fn read_and_list(paths: &[std::path::PathBuf]) -> Inputs {
        let set = sources::expand(paths).expect("expand");
        let (mut digests, mut reads) = ingest::collect_reporting(
            &set.sources,
            None,
            &crate::parse::Options::default(),
            None,
            true,
            &|_| {},
        );
        let copies = crate::timeline::dedup::drop_copies(&mut digests, &mut reads);
        list(&set.sources, &reads, &copies, &set.skipped, &name)
    }

    const LOG: &str = "2024-05-01 12:00:01,234 - util.py[DEBUG]: Cloud-init v. 23.4 running 'init-local' at Wed, 01 May 2024 12:00:01 +0000. Up 5.00 seconds.\n";

    #[test]
    fn each_input_has_the_sha256_of_its_read_and_the_digest_ignores_order_paths_and_copies() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a.log");
        let b = dir.path().join("b.log");
        let c = dir.path().join("c.log");
        std::fs::write(&a, LOG).expect("write");
        std::fs::write(&b, format!("{LOG}{LOG}")).expect("write");
        std::fs::write(&c, LOG).expect("write");
        let one = read_and_list(&[a.clone(), b.clone()]);
        assert_eq!(one.files[0].sha256, hex(&Sha256::digest(LOG.as_bytes())));
        assert_eq!(one.bytes, 3 * LOG.len() as u64);
        let other = read_and_list(&[b.clone(), a.clone(), c]);
        assert_eq!(one.digest, other.digest);
        assert_eq!(other.bytes, one.bytes);
        assert_eq!(other.files[2].copy_of.as_deref(), Some("a.log"));
        assert_eq!(other.files[2].sha256, one.files[0].sha256);
        let changed = of_files(vec![one.files[0].clone()]);
        assert_ne!(one.digest, changed.digest);
    }

    #[test]
    fn a_report_lists_the_files_not_read_whole_first_and_counts_the_rest() {
        let file = |i: usize, sha256: String| InputFile {
            path: format!("f{i:04}.log"),
            bytes: 10,
            sha256,
            copy_of: None,
        };
        let mut files: Vec<InputFile> = (0..LISTED_FILES + 300)
            .map(|i| file(i, hex(&Sha256::digest(i.to_string().as_bytes()))))
            .collect();
        files.push(file(9998, format!("{NOT_DIGESTED}: permission denied")));
        files.push(file(9999, format!("{SKIPPED}not a regular file")));
        let all = of_files(files);
        let listed = all.clone().capped();
        assert_eq!(listed.files.len(), LISTED_FILES);
        assert_eq!(listed.not_listed, 302);
        // The counts, bytes and digest are those of every file.
        assert_eq!(
            (listed.counts, listed.bytes, &listed.digest),
            (all.counts, all.bytes, &all.digest)
        );
        assert_eq!(
            (
                all.counts.whole,
                all.counts.skipped,
                all.counts.not_digested
            ),
            (LISTED_FILES + 300, 1, 1)
        );
        // Both files not read whole are listed, after the first files read whole, in order.
        let paths: Vec<&str> = listed.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths[0], "f0000.log");
        assert_eq!(
            paths[LISTED_FILES - 3],
            format!("f{:04}.log", LISTED_FILES - 3)
        );
        assert_eq!(paths[LISTED_FILES - 2..], ["f9998.log", "f9999.log"]);
        // A short list is left whole.
        let short = of_files(all.files[..3].to_vec()).capped();
        assert_eq!((short.files.len(), short.not_listed), (3, 0));
    }

    #[test]
    fn an_input_not_read_whole_has_no_digest_and_says_why() {
        let dir = tempfile::tempdir().expect("tempdir");
        let good = dir.path().join("good.log");
        let zip = dir.path().join("x.zip");
        std::fs::write(&good, LOG).expect("write");
        let zipped = b"PK\x03\x04 not a log";
        std::fs::write(&zip, zipped).expect("write");
        let listed = read_and_list(&[good, zip]);
        assert!(listed.files[0].counted());
        let refused = &listed.files[1];
        assert!(!refused.counted());
        assert!(
            refused.sha256.starts_with("not digested: a zip archive"),
            "{}",
            refused.sha256
        );
        assert_eq!(refused.bytes, zipped.len() as u64);
        assert_eq!(listed.bytes, LOG.len() as u64);
        assert_eq!(
            listed.digest,
            of_files(vec![listed.files[0].clone()]).digest
        );
    }
}
