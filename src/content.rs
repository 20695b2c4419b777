//! What an input's bytes are, decided from the bytes and never from the file name: UTF-8 text
//! (a byte-order mark dropped), UTF-16 (decoded to UTF-8), text behind NUL padding (consoles
//! often start with a run of NULs: it is skipped so the first real lines decide the format),
//! text whose lines end in lone CRs (read as lines), or something that is not a text log —
//! xz, bzip2, zstd, zip or 7z data, an executable (ELF, Mach-O, Windows PE), or other binary —
//! refused in one line that names what it is.
//!
//! gzip is unwrapped before this ([`crate::input::from_reader`]), so a gzipped UTF-16 log
//! is decoded too.

use std::io::{self, BufRead, BufReader, Read};

use crate::error::{Error, Result};

/// Leading NUL bytes skipped at most: padding ends long before this; beyond it the NULs are
/// the content, and the line reader reports them.
pub(crate) const NUL_PADDING_MAX: usize = 1 << 20;

/// Bytes of the head examined to tell text from binary and to find UTF-16.
const HEAD_BYTES: usize = 64 * 1024;

/// Buffer size of the decoding readers.
const BUF_BYTES: usize = 256 * 1024;

/// Compressed and archive formats told by their magic bytes.
const MAGICS: &[(&[u8], &str, &str)] = &[
    (b"\xfd7zXZ\x00", "xz-compressed data", "xz -dc"),
    (b"BZh", "bzip2-compressed data", "bzip2 -dc"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed data", "zstd -dc"),
    (b"PK\x03\x04", "a zip archive", "unzip -p"),
    (b"7z\xbc\xaf\x27\x1c", "a 7z archive", "7z x -so"),
];

/// Byte order of UTF-16 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Utf16 {
    Little,
    Big,
}

/// Prepares a (decompressed) input for line reading: see the module documentation. `name` is
/// the input's display name, for the refusal.
pub(crate) fn prepare(
    name: &str,
    mut r: Box<dyn BufRead + Send>,
) -> Result<Box<dyn BufRead + Send>> {
    let io_err = |cause| Error::Io {
        path: name.to_string(),
        cause,
    };
    let head = r.fill_buf().map_err(io_err)?;
    if head.starts_with(b"\xef\xbb\xbf") {
        r.consume(3);
    }
    let head = r.fill_buf().map_err(io_err)?;
    let utf16 = if head.starts_with(b"\xff\xfe") {
        Some((Utf16::Little, 2))
    } else if head.starts_with(b"\xfe\xff") {
        Some((Utf16::Big, 2))
    } else {
        utf16_without_bom(&head[..head.len().min(HEAD_BYTES)]).map(|o| (o, 0))
    };
    if let Some((order, bom)) = utf16 {
        r.consume(bom);
        r = Box::new(BufReader::with_capacity(
            BUF_BYTES,
            Utf16Decoder::new(r, order),
        ));
    }
    skip_nul_padding(&mut *r).map_err(io_err)?;
    let head = r.fill_buf().map_err(io_err)?;
    if let Some((_, what, tool)) = MAGICS.iter().find(|(m, _, _)| head.starts_with(m)) {
        return Err(Error::NotText {
            path: name.to_string(),
            what: format!("{what}; decompress it first (`{tool} {name} | bootline … -`)"),
        });
    }
    if let Some(what) = executable(head) {
        return Err(Error::NotText {
            path: name.to_string(),
            what: format!("{what}, not a text log"),
        });
    }
    let sample = &head[..head.len().min(HEAD_BYTES)];
    let binary = not_text_bytes(sample);
    // One byte in eight that no log holds: random bytes give about two in three.
    if binary * 8 > sample.len() {
        return Err(Error::NotText {
            path: name.to_string(),
            what: format!(
                "binary data, not a text log ({binary} of its first {} bytes are neither text nor line ends)",
                sample.len()
            ),
        });
    }
    if memchr::memchr(b'\n', head).is_none() && memchr::memchr(b'\r', head).is_some() {
        r = Box::new(BufReader::with_capacity(BUF_BYTES, CrLines(r)));
    }
    Ok(r)
}

/// What an executable or object file is, told by its header: ELF (by its type), Mach-O, or a
/// Windows PE file (an `MZ` stub whose header offset leads to `PE\0\0`); `None` for anything
/// else.
fn executable(head: &[u8]) -> Option<&'static str> {
    if let [0x7f, b'E', b'L', b'F', _, order, ..] = head {
        // e_type, two bytes at offset 16 in the file's byte order (EI_DATA 2: big-endian).
        let kind = head.get(16..18).map(|b| match order {
            2 => u16::from_be_bytes([b[0], b[1]]),
            _ => u16::from_le_bytes([b[0], b[1]]),
        });
        return Some(match kind {
            Some(1) => "an ELF object file",
            Some(4) => "an ELF core dump",
            // A position-independent executable is a shared object by its type.
            _ => "an ELF executable or shared library",
        });
    }
    let mach_o: [&[u8]; 4] = [
        b"\xfe\xed\xfa\xce",
        b"\xfe\xed\xfa\xcf",
        b"\xce\xfa\xed\xfe",
        b"\xcf\xfa\xed\xfe",
    ];
    if mach_o.iter().any(|m| head.starts_with(m)) {
        return Some("a Mach-O executable");
    }
    let pe_offset = head
        .get(0x3c..0x40)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let pe = head.starts_with(b"MZ")
        && pe_offset.and_then(|o| head.get(o..o.checked_add(4)?)) == Some(b"PE\0\0".as_slice());
    pe.then_some("a Windows executable (PE)")
}

/// UTF-16 without a byte-order mark: most 16-bit units of the head are ASCII, so one byte of
/// each pair is NUL and the other is not (an all-NUL pad has neither).
fn utf16_without_bom(head: &[u8]) -> Option<Utf16> {
    let pairs = head.len() / 2;
    if pairs < 8 {
        return None;
    }
    let (mut le, mut be) = (0usize, 0usize);
    for p in head.chunks_exact(2) {
        match (p[0], p[1]) {
            (0, 0) => {}
            (_, 0) => le += 1,
            (0, _) => be += 1,
            _ => {}
        }
    }
    // Nine in ten: a text log with some NULs in it stays text.
    if le * 10 >= pairs * 9 {
        Some(Utf16::Little)
    } else if be * 10 >= pairs * 9 {
        Some(Utf16::Big)
    } else {
        None
    }
}

/// Consumes leading NUL bytes, at most [`NUL_PADDING_MAX`].
fn skip_nul_padding(r: &mut dyn BufRead) -> io::Result<()> {
    let mut skipped = 0;
    while skipped < NUL_PADDING_MAX {
        let buf = r.fill_buf()?;
        let room = (NUL_PADDING_MAX - skipped).min(buf.len());
        let nuls = buf[..room].iter().take_while(|&&b| b == 0).count();
        r.consume(nuls);
        skipped += nuls;
        if nuls < room || room == 0 {
            break;
        }
    }
    Ok(())
}

/// How many bytes of `sample` no text log holds: control bytes other than tab, line ends,
/// form feed, backspace, bell and ESC (NULs are padding, removed when lines are read), and
/// the bytes of invalid UTF-8 sequences. A sequence cut by the end of the sample counts as
/// text.
fn not_text_bytes(sample: &[u8]) -> usize {
    let control = |b: u8| {
        b < 0x20
            && !matches!(
                b,
                0 | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0x08 | 0x07 | 0x1b
            )
            || b == 0x7f
    };
    let mut count = sample.iter().filter(|&&b| control(b)).count();
    let mut rest = sample;
    loop {
        match std::str::from_utf8(rest) {
            Ok(_) => break,
            Err(e) => match e.error_len() {
                Some(n) => {
                    count += n;
                    rest = &rest[e.valid_up_to() + n..];
                }
                None => break,
            },
        }
    }
    count
}

/// Decodes UTF-16 into UTF-8 (unpaired surrogates become U+FFFD).
struct Utf16Decoder {
    inner: Box<dyn BufRead + Send>,
    order: Utf16,
    /// Decoded bytes not yet handed out.
    out: Vec<u8>,
    at: usize,
    /// A byte of a unit cut by the end of a read.
    odd: Option<u8>,
    /// A high surrogate cut from its low half by the end of a read.
    high: Option<u16>,
}

impl Utf16Decoder {
    fn new(inner: Box<dyn BufRead + Send>, order: Utf16) -> Self {
        Self {
            inner,
            order,
            out: Vec::new(),
            at: 0,
            odd: None,
            high: None,
        }
    }

    fn unit(order: Utf16, a: u8, b: u8) -> u16 {
        match order {
            Utf16::Little => u16::from_le_bytes([a, b]),
            Utf16::Big => u16::from_be_bytes([a, b]),
        }
    }

    /// Decodes the next chunk of the input into `out`; `false` at the end.
    fn refill(&mut self) -> io::Result<bool> {
        self.out.clear();
        self.at = 0;
        let order = self.order;
        let buf = self.inner.fill_buf()?;
        if buf.is_empty() {
            if self.high.take().is_some() || self.odd.take().is_some() {
                self.out.extend_from_slice("\u{fffd}".as_bytes());
                return Ok(true);
            }
            return Ok(false);
        }
        let mut units: Vec<u16> = Vec::with_capacity(buf.len() / 2 + 2);
        units.extend(self.high.take());
        let mut bytes = buf;
        if let Some(a) = self.odd.take() {
            units.push(Self::unit(order, a, bytes[0]));
            bytes = &bytes[1..];
        }
        let pairs = bytes.chunks_exact(2);
        self.odd = pairs.remainder().first().copied();
        units.extend(pairs.map(|p| Self::unit(order, p[0], p[1])));
        let used = buf.len();
        self.inner.consume(used);
        if units.last().is_some_and(|u| (0xd800..0xdc00).contains(u)) {
            self.high = units.pop();
        }
        let mut text = String::with_capacity(units.len());
        text.extend(char::decode_utf16(units).map(|c| c.unwrap_or('\u{fffd}')));
        self.out.extend_from_slice(text.as_bytes());
        Ok(true)
    }
}

impl Read for Utf16Decoder {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.out.len() {
            if !self.refill()? {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.out.len() - self.at);
        buf[..n].copy_from_slice(&self.out[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Text whose lines end in lone CRs, read with `\n` line ends.
struct CrLines(Box<dyn BufRead + Send>);

impl Read for CrLines {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.0.read(buf)?;
        for b in &mut buf[..n] {
            if *b == b'\r' {
                *b = b'\n';
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> Result<String> {
        let r: Box<dyn BufRead + Send> = Box::new(io::Cursor::new(bytes.to_vec()));
        let mut out = Vec::new();
        prepare("x.log", r)?.read_to_end(&mut out).unwrap();
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    fn utf16(text: &str, order: Utf16, bom: bool) -> Vec<u8> {
        let mut v = Vec::new();
        let units = bom.then_some(0xfeff).into_iter().chain(text.encode_utf16());
        for u in units {
            v.extend(match order {
                Utf16::Little => u.to_le_bytes(),
                Utf16::Big => u.to_be_bytes(),
            });
        }
        v
    }

    #[test]
    fn utf16_is_decoded_with_or_without_a_byte_order_mark() {
        let text = "[    1.000000] Linux version 6.1 — ✓ 𝄞\n[    2.0] x\n".repeat(3);
        for order in [Utf16::Little, Utf16::Big] {
            for bom in [true, false] {
                assert_eq!(
                    read(&utf16(&text, order, bom)).unwrap(),
                    text,
                    "{order:?} {bom}"
                );
            }
        }
    }

    #[test]
    fn a_surrogate_pair_cut_between_reads_is_joined() {
        let text = "𝄞".repeat(BUF_BYTES);
        let bytes = utf16(&text, Utf16::Little, true);
        assert_eq!(read(&bytes).unwrap(), text);
    }

    #[test]
    fn utf8_bom_and_nul_padding_are_dropped_and_cr_line_ends_become_lines() {
        assert_eq!(read(b"\xef\xbb\xbfa\nb\n").unwrap(), "a\nb\n");
        let mut padded = vec![0u8; 70_000];
        padded.extend_from_slice(b"[    1.0] x\n");
        assert_eq!(read(&padded).unwrap(), "[    1.0] x\n");
        assert_eq!(read(b"a\rb\rc").unwrap(), "a\nb\nc");
        // A CR inside lines that end in LF is an overwrite, not a line end.
        assert_eq!(read(b"10%\r50%\rdone\n").unwrap(), "10%\r50%\rdone\n");
    }

    #[test]
    fn nul_padding_longer_than_the_limit_is_content() {
        let zeros = vec![0u8; NUL_PADDING_MAX + 10];
        assert_eq!(read(&zeros).unwrap().len(), 10);
    }

    #[test]
    fn compressed_and_binary_data_are_refused_in_one_line() {
        let err = read(b"\xfd7zXZ\x00\x00\x04rest").unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.log: xz-compressed data; decompress it first (`xz -dc x.log | bootline … -`)"
        );
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let random: Vec<u8> = (0..4096)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        let err = read(&random).unwrap_err().to_string();
        assert!(
            err.starts_with("x.log: binary data, not a text log ("),
            "{err}"
        );
        // Executables are named for what they are.
        let mut elf = b"\x7fELF\x02\x01\x01".to_vec();
        elf.resize(64, 0);
        elf[16] = 3;
        assert_eq!(
            read(&elf).unwrap_err().to_string(),
            "x.log: an ELF executable or shared library, not a text log"
        );
        elf[16] = 4;
        assert_eq!(
            read(&elf).unwrap_err().to_string(),
            "x.log: an ELF core dump, not a text log"
        );
        let mut pe = b"MZ".to_vec();
        pe.resize(0x80, 0);
        pe[0x3c] = 0x40;
        pe[0x40..0x44].copy_from_slice(b"PE\0\0");
        assert_eq!(
            read(&pe).unwrap_err().to_string(),
            "x.log: a Windows executable (PE), not a text log"
        );
        // A log line that happens to start with MZ is still text.
        assert!(read(b"MZ 12:00 boot\n".repeat(10).as_slice()).is_ok());
        // Latin-1 accents and a few escapes are still text.
        assert!(read(b"caf\xe9 \x1b[0m ok\n".repeat(50).as_slice()).is_ok());
    }
}
