//! One large timeline file read in parallel: cut at line ends into pieces of about
//! [`CHUNK_BYTES`], each read by its own digester on its own thread, and put back together in
//! the file's order — the boots, the counts and the malformed lines' numbers are those of one
//! read from the start.
//!
//! Only a plain file is cut (not standard input, not gzip: a stream has no middle to seek to),
//! only when no digest of its bytes is asked for (a digest is of every byte in order), and not
//! under `--strict`. A piece that fails to read makes the whole file be read again from the
//! start, so an error names the line one read names.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::sync::Arc;

use rayon::prelude::*;

use crate::input;
use crate::parse::{Options, Summary};
use crate::sources::Source;
use crate::timeline::fragment::SourceBoots;
use crate::timeline::lean::{LineRead, Reduce};

/// About how many bytes one piece holds (a file under twice this is read whole).
const CHUNK_BYTES: u64 = 32 << 20;

/// The digest and summary of `source` read in pieces, or `None` when it is not cut (see the
/// module's documentation): read it from the start then.
pub(super) fn read(
    source: &Source,
    reduce: Option<&Reduce>,
    opts: &Options,
    read: LineRead,
) -> Option<(SourceBoots, Summary)> {
    let size = source.size?;
    if opts.strict || size < 2 * CHUNK_BYTES || rayon::current_num_threads() < 2 {
        return None;
    }
    read_pieces(source, reduce, opts, read, CHUNK_BYTES)
}

/// [`read`] in pieces of about `chunk_bytes`, whatever the file's size.
fn read_pieces(
    source: &Source,
    reduce: Option<&Reduce>,
    opts: &Options,
    read: LineRead,
    chunk_bytes: u64,
) -> Option<(SourceBoots, Summary)> {
    let size = source.size?;
    let starts = cuts(&source.path, size, chunk_bytes).ok()?;
    let name: Arc<str> = source.path.display().to_string().into();
    let pieces: Vec<(SourceBoots, Summary)> = starts
        .windows(2)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|w| piece(source, &name, (w[0], w[1]), reduce, opts, read))
        .collect::<Option<_>>()?;
    Some(join(pieces))
}

/// Where the pieces begin (each just after a line end), and the file's end last. A file that
/// does not begin as a timeline's line (`{`: no gzip, no byte-order mark) gives an error.
fn cuts(path: &std::path::Path, size: u64, chunk_bytes: u64) -> std::io::Result<Vec<u64>> {
    let mut file = BufReader::new(File::open(path)?);
    if file.fill_buf()?.first() != Some(&b'{') {
        return Err(std::io::Error::other("not a plain timeline"));
    }
    let mut starts = vec![0];
    let mut skipped = Vec::new();
    for k in 1..size / chunk_bytes {
        let at = k * chunk_bytes;
        if at <= *starts.last().unwrap_or(&0) {
            continue;
        }
        file.seek(SeekFrom::Start(at))?;
        skipped.clear();
        let n = file.read_until(b'\n', &mut skipped)? as u64;
        if n > 0 && at + n < size {
            starts.push(at + n);
        }
    }
    starts.push(size);
    Ok(starts)
}

/// One piece `[start, end)` of the file, read by a digester of its own; `None` when it fails.
fn piece(
    source: &Source,
    name: &Arc<str>,
    (start, end): (u64, u64),
    reduce: Option<&Reduce>,
    opts: &Options,
    read: LineRead,
) -> Option<(SourceBoots, Summary)> {
    let mut file = File::open(&source.path).ok()?;
    file.seek(SeekFrom::Start(start)).ok()?;
    let reader = BufReader::with_capacity(256 * 1024, file.take(end - start));
    let mut inp = input::Input {
        name: name.clone(),
        reader: Box::new(reader),
    };
    let mut digester = super::digester_of(name.clone(), reduce, opts);
    let summary = super::read_timeline(&mut inp, &mut digester, opts, read).ok()?;
    Some((digester.finish(), summary))
}

/// The pieces put back together in order: boots in order, counts added, the malformed lines'
/// numbers counted from the file's start.
fn join(pieces: Vec<(SourceBoots, Summary)>) -> (SourceBoots, Summary) {
    // The reduced boots of every piece, in one list of the right size: not moved again each
    // time it would grow.
    let reduced = |d: &SourceBoots| d.reduced.as_ref().map_or(0, |r| r.boots.len());
    let total: usize = pieces.iter().map(|(d, _)| reduced(d)).sum();
    let mut pieces = pieces.into_iter();
    let (mut digest, mut summary) = pieces.next().expect("one piece at least");
    if let Some(r) = &mut digest.reduced {
        r.boots.reserve_exact(total - r.boots.len());
    }
    for (d, mut s) in pieces {
        for m in &mut s.first_malformed {
            m.line += summary.lines;
        }
        summary.absorb(&s);
        digest.boots.extend(d.boots);
        match (&mut digest.reduced, d.reduced) {
            (Some(r), Some(more)) => r.merge(more),
            (None, more) => digest.reduced = more,
            (Some(_), None) => {}
        }
    }
    (digest, summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A timeline of `n` boots (one line each, of a few hundred bytes), with a damaged line
    /// every 97th.
    fn timeline(n: usize) -> String {
        let mut text = String::new();
        for i in 0..n {
            if i % 97 == 50 {
                text.push_str("{\"schema_version\":1,\"damaged\n");
                continue;
            }
            text.push_str(&format!(
                r#"{{"schema_version":1,"instance":"i-{i:05}","workspace":null,"class":"default","template":null,"boot":1,"zero":"launch","zero_wall":null,"launched":null,"outcome":"registered","latency":{{"secs":{}.5,"censored":false,"from":"launch"}},"timeout_secs":600.0,"stuck_threshold_secs":900.0,"observed_secs":700.0,"evidence":null,"phases":[{{"name":"modules-final","depth":1,"start_secs":20.0,"end_secs":30.0,"result":null,"source":"x:1"}}],"milestones":[{{"name":"kernel_start","at_secs":10.0,"wall":null,"source":"x:1"}}],"clock_skew_secs":null,"sources":[],"attempt":1}}"#,
                100 + i % 400
            ));
            text.push('\n');
        }
        text
    }

    #[test]
    fn a_file_read_in_pieces_gives_the_boots_counts_and_line_numbers_of_one_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        std::fs::write(&path, timeline(2_000)).unwrap();
        let source = Source {
            path: path.clone(),
            named: true,
            size: Some(std::fs::metadata(&path).unwrap().len()),
            compare_content: false,
        };
        let opts = Options::default();
        let (pieces, summary) =
            read_pieces(&source, None, &opts, LineRead::Whole, 16 * 1024).unwrap();
        let mut inp = input::open(&path).unwrap();
        let mut digester = super::super::digester_of(inp.name.clone(), None, &opts);
        let one =
            super::super::read_timeline(&mut inp, &mut digester, &opts, LineRead::Whole).unwrap();
        let whole = digester.finish();
        assert!(cuts(&path, source.size.unwrap(), 16 * 1024).unwrap().len() > 10);
        assert_eq!(pieces.boots, whole.boots);
        assert_eq!(pieces.boots.len(), 2_000 - 21);
        assert_eq!((summary.lines, summary.events), (one.lines, one.events));
        assert_eq!(summary.malformed, 21);
        let lines = |s: &Summary| s.first_malformed.iter().map(|m| m.line).collect::<Vec<_>>();
        assert_eq!(lines(&summary), lines(&one));
        assert_eq!(lines(&summary)[..2], [51, 148]);
    }
}
