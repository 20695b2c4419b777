//! Opening inputs and reading them as normalised lines, streamed.
//!
//! An input is a file (see [`crate::sources`] for which files an invocation reads) or `-` for
//! standard input; gzip is recognised by its magic bytes (concatenated members too). Inputs are read in blocks that end
//! on a line boundary, so a parser can search a whole block for candidate lines with
//! memchr/memmem and only look closely at those. Lines are normalised on demand: lossy UTF-8,
//! `\r\n` and lone `\r`, NUL bytes and ANSI escapes (raw ESC, ESC-stripped `[[0;32m`, caret
//! `^[[`) are removed.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::{Arc, Mutex};

use flate2::read::MultiGzDecoder;
use sha2::{Digest as _, Sha256};
use xxhash_rust::xxh3::Xxh3;

use crate::error::{Error, Result};

mod normalize;

pub(crate) use normalize::{for_each_segment, normalize};

/// Size of one block handed to a parser (blocks grow to hold a longer line).
pub(crate) const BLOCK_BYTES: usize = 1 << 20;

/// An opened input: its display name and a buffered reader of its (decompressed) bytes.
pub struct Input {
    /// Display name: the path as given, or `-`.
    pub(crate) name: Arc<str>,
    /// The decompressed bytes.
    pub reader: Box<dyn BufRead + Send>,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input").field("name", &self.name).finish()
    }
}

/// Opens a path (or `-` for standard input), decompressing gzip detected by magic bytes.
pub(crate) fn open(path: &Path) -> Result<Input> {
    Ok(open_hashed(path, Hashes::NONE)?.0)
}

/// Which digests of an input's raw bytes (as stored, before gunzip) to compute while it is
/// read. Each costs a pass of the CPU over every byte, so each is asked for only where it is
/// used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Hashes {
    /// XXH3-128, to tell copies apart among inputs of equal size.
    pub(crate) content: bool,
    /// SHA-256, for the list of inputs a report was built from.
    pub(crate) sha256: bool,
}

impl Hashes {
    /// No digest: the input is read as it is.
    pub(crate) const NONE: Hashes = Hashes {
        content: false,
        sha256: false,
    };

    pub(crate) fn any(self) -> bool {
        self.content || self.sha256
    }
}

/// Opens a path like [`open`]; when `hashes` asks for any digest, also returns the
/// [`ContentHash`] that fills as the input is read (the same read pass, no second one).
///
/// A regular file is read up to the size it had when opened: bytes appended while it is read
/// are not part of this read, and a file that ends before that size (truncated meanwhile) is
/// an error naming it ([`AtMost`]), never a partial answer.
pub(crate) fn open_hashed(path: &Path, hashes: Hashes) -> Result<(Input, Option<ContentHash>)> {
    let name: Arc<str> = path.display().to_string().into();
    let io_err = |cause| Error::Io {
        path: name.to_string(),
        cause,
    };
    let raw: Box<dyn Read + Send> = if path.as_os_str() == "-" {
        Box::new(io::stdin())
    } else {
        let file = File::open(path).map_err(io_err)?;
        let meta = file.metadata().map_err(io_err)?;
        // Files of /proc and /sys say they hold 0 bytes and hold more: read to their end.
        if meta.is_file() && meta.len() > 0 {
            Box::new(AtMost::new(file, meta.len()))
        } else {
            Box::new(file)
        }
    };
    if !hashes.any() {
        return Ok((from_reader(name, raw)?, None));
    }
    let content = ContentHash::new(raw, hashes);
    Ok((from_reader(name, Box::new(content.clone()))?, Some(content)))
}

/// A reader of exactly `len` bytes: it stops there, and its source ending sooner is an error
/// (`shrank while read: N of M bytes`).
#[derive(Debug)]
pub(crate) struct AtMost<R> {
    inner: R,
    len: u64,
    read: u64,
}

impl<R: Read> AtMost<R> {
    /// Reads at most `len` bytes of `inner`, and no fewer.
    pub(crate) fn new(inner: R, len: u64) -> Self {
        Self {
            inner,
            len,
            read: 0,
        }
    }
}

impl<R: Read> Read for AtMost<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.len - self.read;
        if left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("shrank while read: {} of {} bytes", self.read, self.len),
            ));
        }
        self.read += n as u64;
        Ok(n)
    }
}

/// Digests of an input's raw bytes, filled while the input is read; known once the read
/// reached the end. A clone is a handle on the same state: the reader the input holds, and
/// the one its owner keeps to ask for the digests (or to read what the parser left unread).
#[derive(Clone)]
pub(crate) struct ContentHash(Arc<Mutex<HashState>>);

struct HashState {
    /// The raw bytes; replaced by an empty reader at the end, so the file closes then.
    raw: Box<dyn Read + Send>,
    xxh3: Option<Box<Xxh3>>,
    sha256: Option<Sha256>,
    /// Raw bytes read so far.
    bytes: u64,
    /// The read reached the end: the digests stand for every byte.
    ended: bool,
}

impl ContentHash {
    fn new(raw: Box<dyn Read + Send>, hashes: Hashes) -> Self {
        Self(Arc::new(Mutex::new(HashState {
            raw,
            xxh3: hashes.content.then(Box::default),
            sha256: hashes.sha256.then(Sha256::new),
            bytes: 0,
            ended: false,
        })))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, HashState> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The XXH3-128 digest, when asked for and every byte was read; `None` when reading
    /// stopped before the end.
    pub(crate) fn value(&self) -> Option<u128> {
        let state = self.state();
        state
            .ended
            .then(|| state.xxh3.as_ref().map(|h| h.digest128()))
            .flatten()
    }

    /// The SHA-256 digest, when asked for and every byte was read.
    pub(crate) fn sha256(&self) -> Option<[u8; 32]> {
        let state = self.state();
        state
            .ended
            .then(|| state.sha256.clone().map(|h| h.finalize().into()))
            .flatten()
    }

    /// Raw bytes read so far (all of them once the read reached the end).
    pub(crate) fn bytes_read(&self) -> u64 {
        self.state().bytes
    }

    /// Reads and digests the raw bytes the parser left unread (a document parser stops at
    /// its closing brace, a format may ignore a trailer), so the digests stand for the whole
    /// input. Every byte is still read once. Call it only after a read that succeeded: on
    /// standard input or a FIFO it waits for the writer to finish.
    pub(crate) fn read_rest(&self) -> io::Result<()> {
        let mut buf = vec![0u8; 64 * 1024];
        let mut state = self.state();
        while !state.ended {
            match state.take(&mut buf) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

impl HashState {
    /// Reads from the raw input into `buf` and digests what came.
    fn take(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.ended {
            return Ok(0);
        }
        let n = self.raw.read(buf)?;
        if n == 0 {
            self.ended = true;
            self.raw = Box::new(io::empty());
            return Ok(0);
        }
        let bytes = &buf[..n];
        if let Some(h) = &mut self.xxh3 {
            h.update(bytes);
        }
        if let Some(h) = &mut self.sha256 {
            h.update(bytes);
        }
        self.bytes += n as u64;
        Ok(n)
    }
}

impl std::fmt::Debug for ContentHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state();
        f.debug_struct("ContentHash")
            .field("bytes", &state.bytes)
            .field("ended", &state.ended)
            .finish()
    }
}

/// The input's reader: every byte it passes on is digested on the way.
impl Read for ContentHash {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.state().take(buf)
    }
}

/// Wraps any reader as an input, decompressing gzip detected by magic bytes; the content
/// then decides the rest ([`crate::content::prepare`]: UTF-16 decoded, NUL padding skipped,
/// binary refused).
pub fn from_reader(name: Arc<str>, raw: Box<dyn Read + Send>) -> Result<Input> {
    let mut buffered = BufReader::with_capacity(256 * 1024, raw);
    let head = buffered.fill_buf().map_err(|cause| Error::Io {
        path: name.to_string(),
        cause,
    })?;
    let reader: Box<dyn BufRead + Send> = if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(BufReader::with_capacity(
            256 * 1024,
            MultiGzDecoder::new(buffered),
        ))
    } else {
        Box::new(buffered)
    };
    let reader = crate::content::prepare(&name, reader)?;
    Ok(Input { name, reader })
}

/// How many `\n` bytes `bytes` holds (a vectorised count: the line numbers of a large log
/// cost a pass over every byte).
pub(crate) fn newlines(bytes: &[u8]) -> u64 {
    bytecount::count(bytes, b'\n') as u64
}

/// Number of lines in a block: its `\n`s, plus one for a last line without one.
pub(crate) fn count_lines(block: &[u8]) -> u64 {
    newlines(block) + u64::from(block.last().is_some_and(|&b| b != b'\n'))
}

/// The longest line read whole by default (`--max-line-bytes`): longer lines are cut there.
pub(crate) const MAX_LINE_BYTES: usize = 1 << 20;

/// Reads `reader` in blocks that end just after a `\n` (or at end of input) and calls `each`
/// with the block, the 1-based number of its first line, and — when the block's last line was
/// longer than `max_line` bytes and cut there — that line's full length in bytes (its end was
/// read and dropped). `each` returns the number of lines it saw in the block (see
/// [`count_lines`]; parsers that scan the block count them on the way, so no byte is counted
/// twice), or `None` to stop early. Memory stays at about one block, and never above
/// `max_line`, whatever the input; bytes go from the reader straight into the block buffer.
pub(crate) fn for_each_block(
    name: &str,
    reader: &mut dyn BufRead,
    max_line: usize,
    mut each: impl FnMut(&[u8], u64, Option<u64>) -> Option<u64>,
) -> Result<()> {
    let io_err = |cause| Error::Io {
        path: name.to_string(),
        cause,
    };
    let max_line = max_line.max(1);
    // A block no longer than the longest line: a full block without a line end then holds a
    // line that is too long, found without a look at every line's length.
    let block = BLOCK_BYTES.min(max_line);
    // `buf[..filled]` holds data; the rest stays allocated and initialised between blocks. It
    // starts small (most inputs are small files read by the thousand) and doubles up to a block.
    let mut buf: Vec<u8> = vec![0; (64 * 1024).min(block)];
    let mut filled = 0usize;
    let mut line_no: u64 = 1;
    let mut eof = false;
    while !eof {
        eof = fill(reader, &mut buf, &mut filled, block).map_err(io_err)?;
        if filled == 0 {
            break;
        }
        let mut cut_len = None;
        let cut = if eof {
            filled
        } else {
            match memchr::memrchr(b'\n', &buf[..filled]) {
                Some(i) => i + 1,
                None => {
                    let (cut, ended, len) =
                        end_long_line(reader, &mut buf, &mut filled, max_line).map_err(io_err)?;
                    (eof, cut_len) = (ended, len);
                    cut
                }
            }
        };
        match each(&buf[..cut], line_no, cut_len) {
            Some(lines) => line_no += lines,
            None => return Ok(()),
        }
        buf.copy_within(cut..filled, 0);
        filled -= cut;
        if buf.len() > block.max(64 * 1024) {
            // A long line grew the buffer: give the memory back.
            buf.truncate(block);
            buf.shrink_to(block);
        }
    }
    Ok(())
}

/// Where a block that holds no line end ends: one line fills it, so read on to the line's end,
/// or cut it at `max_line` (its rest read and dropped, a `\n` put in its place). Returns the
/// cut, whether the input ended, and the full length of a line that was cut.
fn end_long_line(
    reader: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    filled: &mut usize,
    max_line: usize,
) -> io::Result<(usize, bool, Option<u64>)> {
    let eof = fill(reader, buf, filled, max_line)?;
    Ok(match memchr::memchr(b'\n', &buf[..*filled]) {
        Some(i) => (i + 1, eof, None),
        None if eof => (*filled, eof, None),
        None => {
            let rest = skip_line(reader)?;
            let cut_len = Some(*filled as u64 + rest);
            buf.truncate(*filled);
            buf.push(b'\n');
            *filled += 1;
            (*filled, eof, cut_len)
        }
    })
}

/// Reads into `buf[filled..]` until `filled` reaches `to` bytes or the input ends (growing
/// `buf` by doubling up to `to`). Returns whether the input ended.
fn fill(
    reader: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    filled: &mut usize,
    to: usize,
) -> io::Result<bool> {
    while *filled < to {
        if *filled == buf.len() {
            buf.resize((buf.len() * 2).clamp(1, to), 0);
        }
        let end = buf.len().min(to);
        let n = loop {
            match reader.read(&mut buf[*filled..end]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        if n == 0 {
            return Ok(true);
        }
        *filled += n;
    }
    Ok(false)
}

/// Consumes the rest of a line, its `\n` included, without keeping it. Returns the bytes
/// before the `\n`.
fn skip_line(reader: &mut dyn BufRead) -> io::Result<u64> {
    let mut skipped = 0u64;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(skipped);
        }
        match memchr::memchr(b'\n', chunk) {
            Some(i) => {
                reader.consume(i + 1);
                return Ok(skipped + i as u64);
            }
            None => {
                let n = chunk.len();
                reader.consume(n);
                skipped += n as u64;
            }
        }
    }
}

/// The malformed-line report of a line cut at `max_line` bytes: located at the cut, showing
/// the end of what was kept.
pub(crate) fn too_long(
    path: &Arc<str>,
    line: u64,
    kept: &[u8],
    full_len: u64,
    max_line: usize,
) -> crate::error::Malformed {
    let tail = &kept[kept.len().saturating_sub(100)..];
    crate::error::Malformed {
        path: path.clone(),
        line,
        column: max_line + 1,
        expected: format!(
            "a line of at most {max_line} bytes (--max-line-bytes); line too long ({full_len} bytes), cut there"
        ),
        text: String::from_utf8_lossy(tail).replace('\0', "\\0"),
    }
}

/// Iterates the raw lines of a block: `(line_number, bytes without the final \n)`.
pub(crate) fn block_lines(block: &[u8], first_line: u64) -> impl Iterator<Item = (u64, &[u8])> {
    let mut pos = 0usize;
    let mut line = first_line;
    std::iter::from_fn(move || {
        if pos >= block.len() {
            return None;
        }
        let end = memchr::memchr(b'\n', &block[pos..]).map_or(block.len(), |i| pos + i);
        let item = (line, &block[pos..end]);
        pos = end + 1;
        line += 1;
        Some(item)
    })
}

/// Finds the raw line around byte `at` of a block: `(start, end)` without the `\n`.
pub(crate) fn line_bounds(block: &[u8], at: usize) -> (usize, usize) {
    let start = memchr::memrchr(b'\n', &block[..at]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &block[at..]).map_or(block.len(), |i| at + i);
    (start, end)
}

/// Reads every normalised line of `reader`, calling `each(line_number, text)`. A raw line
/// holding lone `\r` characters yields one text per segment, all with the same line number.
/// Stops early when `each` returns `false`.
pub(crate) fn for_each_line(
    name: &str,
    reader: &mut dyn BufRead,
    mut each: impl FnMut(u64, &str) -> bool,
) -> Result<()> {
    let mut scratch = String::new();
    for_each_block(name, reader, MAX_LINE_BYTES, |block, first, _| {
        let mut lines = 0;
        for (no, raw) in block_lines(block, first) {
            lines += 1;
            if !for_each_segment(raw, &mut scratch, |text| each(no, text)) {
                return None;
            }
        }
        Some(lines)
    })
}

#[cfg(test)]
impl ContentHash {
    /// Whether the read reached the end.
    pub(crate) fn is_whole(&self) -> bool {
        self.state().ended
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_end_on_line_boundaries_and_count_lines() {
        let data = "a\nbb\nccc\n".repeat(200_000); // 1.8 MB: more than one block
        let mut reader: Box<dyn BufRead> = Box::new(io::Cursor::new(data.into_bytes()));
        let mut lines = 0u64;
        let mut last_no = 0;
        for_each_block("mem", &mut reader, MAX_LINE_BYTES, |block, first, _| {
            assert_eq!(*block.last().unwrap(), b'\n');
            for (no, raw) in block_lines(block, first) {
                assert!(!raw.is_empty());
                assert_eq!(no, last_no + 1);
                last_no = no;
                lines += 1;
            }
            Some(count_lines(block))
        })
        .unwrap();
        assert_eq!(lines, 600_000);
    }

    #[test]
    fn gzip_is_detected_by_magic_including_concatenated_members() {
        use flate2::write::GzEncoder;
        use std::io::Write;
        let mut all = Vec::new();
        for part in ["one\n", "two\n"] {
            let mut e = GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(part.as_bytes()).unwrap();
            all.extend(e.finish().unwrap());
        }
        let mut input = from_reader("x.gz".into(), Box::new(io::Cursor::new(all))).unwrap();
        let mut got = Vec::new();
        for_each_line("x.gz", &mut input.reader, |no, t| {
            got.push((no, t.to_string()));
            true
        })
        .unwrap();
        assert_eq!(got, [(1, "one".to_string()), (2, "two".to_string())]);
    }

    #[test]
    fn digests_are_of_the_raw_bytes_each_read_once_and_only_of_a_whole_read() {
        use sha2::Digest as _;
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        // Larger than the reader's buffer, so a parser that stops early leaves bytes unread.
        let text = "[    1.000000] a line of a console\n".repeat(40_000);
        let plain = dir.path().join("console.log");
        std::fs::write(&plain, &text).unwrap();
        let both = Hashes {
            content: true,
            sha256: true,
        };
        let (mut input, hash) = open_hashed(&plain, both).unwrap();
        let hash = hash.unwrap();
        let first = input.reader.fill_buf().unwrap().len();
        input.reader.consume(first);
        drop(input);
        assert!(!hash.is_whole());
        assert_eq!(hash.sha256(), None, "no digest of part of the file");
        assert_eq!(hash.value(), None);
        hash.read_rest().unwrap();
        assert_eq!(hash.bytes_read(), text.len() as u64, "every byte read once");
        assert_eq!(hash.sha256(), Some(sha2::Sha256::digest(&text).into()));
        assert!(hash.value().is_some());
        // A gzip input: the digest is of the bytes as stored, not as unwrapped.
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(text.as_bytes()).unwrap();
        let gz = e.finish().unwrap();
        let zipped = dir.path().join("console.log.gz");
        std::fs::write(&zipped, &gz).unwrap();
        let sha_only = Hashes {
            content: false,
            sha256: true,
        };
        let (mut input, hash) = open_hashed(&zipped, sha_only).unwrap();
        let hash = hash.unwrap();
        let mut unwrapped = Vec::new();
        input.reader.read_to_end(&mut unwrapped).unwrap();
        assert_eq!(unwrapped, text.as_bytes());
        assert_eq!(hash.bytes_read(), gz.len() as u64);
        assert_eq!(hash.sha256(), Some(sha2::Sha256::digest(&gz).into()));
        assert_eq!(hash.value(), None, "XXH3 only when asked for");
        assert!(open_hashed(&plain, Hashes::NONE).unwrap().1.is_none());
    }

    #[test]
    fn a_reader_stops_at_the_size_it_was_opened_with_and_a_short_one_is_an_error() {
        let mut grown = AtMost::new(&b"one\ntwo\nthree\n"[..], 8);
        let mut got = Vec::new();
        grown.read_to_end(&mut got).unwrap();
        assert_eq!(got, b"one\ntwo\n");
        let mut shrunk = AtMost::new(&b"one\n"[..], 8);
        let mut got = Vec::new();
        let err = shrunk.read_to_end(&mut got).unwrap_err();
        assert_eq!(err.to_string(), "shrank while read: 4 of 8 bytes");
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn a_file_changed_after_it_was_opened_is_read_as_opened_or_refused() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("console.log");
        // Larger than what opening reads ahead, so the change meets the read.
        let text = "[    1.000000] a line of a console\n".repeat(40_000);
        std::fs::write(&path, &text).unwrap();
        let sha = Hashes {
            content: false,
            sha256: true,
        };
        // Grown while read: the bytes it had when opened, and their digest.
        let (mut input, hash) = open_hashed(&path, sha).unwrap();
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(b"[    2.000000] appended later\n").unwrap();
        let mut got = Vec::new();
        input.reader.read_to_end(&mut got).unwrap();
        assert_eq!(got, text.as_bytes());
        assert_eq!(hash.unwrap().sha256(), Some(Sha256::digest(&text).into()));
        // Shrunk while read: an error naming the file, no digest.
        let (mut input, hash) = open_hashed(&path, sha).unwrap();
        let opened = text.len() + 30;
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(300_000)
            .unwrap();
        let err = for_each_block(&input.name, &mut input.reader, MAX_LINE_BYTES, |b, _, _| {
            Some(count_lines(b))
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: shrank while read: 300000 of {opened} bytes",
                path.display()
            )
        );
        assert_eq!(hash.unwrap().sha256(), None);
    }

    #[test]
    fn line_bounds_find_the_enclosing_line() {
        let b = b"first\nsecond line\nthird";
        assert_eq!(line_bounds(b, 9), (6, 17));
        assert_eq!(line_bounds(b, 0), (0, 5));
        assert_eq!(line_bounds(b, 20), (18, 23));
    }
}
