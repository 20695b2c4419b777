//! Line normalisation, segment by segment (a lone `\r` splits a line): lossy UTF-8, `\r` and
//! NUL bytes removed, ANSI escapes removed in each of the forms consoles leave them (raw ESC,
//! ESC-stripped `[[0;32m`, caret `^[[`). A line that needs no change is returned as it is,
//! without a copy.

use std::borrow::Cow;

/// Normalises one raw line and calls `each` per `\r`-separated segment (trailing `\r`s are
/// line-end noise, not segments). Returns `false` when `each` did.
pub(crate) fn for_each_segment(
    raw: &[u8],
    scratch: &mut String,
    mut each: impl FnMut(&str) -> bool,
) -> bool {
    let mut raw = raw;
    while let [rest @ .., b'\r'] = raw {
        raw = rest;
    }
    let (printable, escapes) = scan_plain(raw);
    if printable {
        // The common case: no segments, no byte-level work, no UTF-8 to check.
        // SAFETY: ASCII bytes are valid UTF-8.
        let text = unsafe { std::str::from_utf8_unchecked(raw) };
        if !escapes {
            return each(text);
        }
        return each(into_scratch(text, true, scratch));
    }
    if memchr::memchr3(0, 0x1b, b'\r', raw).is_none() {
        // Checked once here rather than again in `normalize`: only UTF-8 and text escapes.
        return each(normalize_text(raw, scratch));
    }
    for seg in raw.split(|&b| b == b'\r') {
        if seg.is_empty() {
            continue;
        }
        if !each(normalize(seg, scratch)) {
            return false;
        }
    }
    true
}

/// Normalises a raw line (without its `\n`): lossy UTF-8, trailing `\r` removed, NUL bytes
/// removed, ANSI escapes removed (raw ESC sequences, ESC-stripped `[[0;32m`, caret `^[[`).
/// Returns the input itself when nothing needs changing.
pub(crate) fn normalize<'a>(raw: &'a [u8], scratch: &'a mut String) -> &'a str {
    let mut raw = raw;
    while let [rest @ .., b'\r'] = raw {
        raw = rest;
    }
    if memchr::memchr3(0, 0x1b, b'\r', raw).is_none() {
        return normalize_text(raw, scratch);
    }
    let cleaned = strip_raw_escapes(raw);
    let text = String::from_utf8_lossy(&cleaned);
    into_scratch(&text, has_text_escape(text.as_bytes()), scratch)
}

/// [`normalize`] of a line known to hold no NUL, ESC or CR: lossy UTF-8 and text escapes.
fn normalize_text<'a>(raw: &'a [u8], scratch: &'a mut String) -> &'a str {
    // The strict validator is much faster than the lossy one on the valid lines that nearly
    // all are.
    let text = match std::str::from_utf8(raw) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(raw),
    };
    match (text, has_text_escape(raw)) {
        (Cow::Borrowed(s), false) => s,
        (t, escapes) => into_scratch(&t, escapes, scratch),
    }
}

/// `text` copied into `scratch`, without its text escapes when it `escapes`.
fn into_scratch<'a>(text: &str, escapes: bool, scratch: &'a mut String) -> &'a str {
    scratch.clear();
    if escapes {
        strip_text_escapes(text, scratch);
    } else {
        scratch.push_str(text);
    }
    scratch.as_str()
}

/// One pass over a line: whether it is printable ASCII and tabs only (a line that needs no
/// byte-level work), and whether it holds `[[` or `^[` (ESC-stripped or caret-notation
/// escapes, only meaningful when it is printable).
fn scan_plain(raw: &[u8]) -> (bool, bool) {
    let printable = |b: u8| (b.wrapping_sub(0x20) < 0x5f) | (b == b'\t');
    let first = raw.first().is_none_or(|&b| printable(b));
    byte_pairs(raw).fold((first, false), |(ok, found), (x, y)| {
        (ok & printable(y), found | escape_pair(x, y))
    })
}

/// Whether `[[` or `^[` (an ESC-stripped or caret-notation escape) occurs in `hay`.
fn has_text_escape(hay: &[u8]) -> bool {
    byte_pairs(hay).fold(false, |found, (x, y)| found | escape_pair(x, y))
}

/// Whether two adjacent bytes open an ESC-stripped (`[[`) or caret-notation (`^[`) escape.
fn escape_pair(x: u8, y: u8) -> bool {
    (y == b'[') & ((x == b'[') | (x == b'^'))
}

/// Each byte with the next, side by side: folded without early exit, this compiles to wide
/// vector compares.
fn byte_pairs(bytes: &[u8]) -> impl Iterator<Item = (u8, u8)> + '_ {
    bytes.iter().copied().zip(bytes.iter().skip(1).copied())
}

/// Removes NUL, lone CR and raw ESC sequences (CSI `ESC [ … final`, OSC, two-byte `ESC x`).
fn strip_raw_escapes(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            0 | b'\r' => i += 1,
            0x1b => {
                i += 1;
                match raw.get(i) {
                    Some(b'[') => {
                        i += 1;
                        // Parameters and intermediates, then one final byte 0x40..=0x7e.
                        while i < raw.len() && !(0x40..=0x7e).contains(&raw[i]) {
                            i += 1;
                        }
                        i += 1;
                    }
                    Some(b']') => {
                        // OSC: until BEL or ESC \.
                        while i < raw.len() && raw[i] != 0x07 && raw[i] != 0x1b {
                            i += 1;
                        }
                        if raw.get(i) == Some(&0x1b) {
                            i += 1;
                        }
                        i += 1;
                    }
                    Some(_) => i += 1,
                    None => {}
                }
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Removes SGR/erase sequences whose ESC was lost (`[0;32m`, `[0m`, `[1K`) and caret-notation
/// ones (`^[[0;32m`). A `[` followed by digits and `m` (or `K`) is distinctive enough to go
/// wherever it stands; kernel stamps and `[1]`-style text have no such final letter.
fn strip_text_escapes(text: &str, out: &mut String) {
    let b = text.as_bytes();
    let mut i = 0;
    let mut copied = 0;
    while i < b.len() {
        let body = if b[i] == b'^' && b.get(i + 1) == Some(&b'[') && b.get(i + 2) == Some(&b'[') {
            i + 3
        } else if b[i] == b'[' {
            i + 1
        } else {
            i += 1;
            continue;
        };
        let mut j = body;
        while j < b.len() && (b[j].is_ascii_digit() || b[j] == b';') {
            j += 1;
        }
        let caret = body == i + 3;
        let is_seq = j < b.len()
            && match b[j] {
                b'm' | b'K' => caret || j > body,
                b'J' | b'G' | b'H' => caret,
                _ => false,
            };
        if is_seq {
            out.push_str(&text[copied..i]);
            i = j + 1;
            copied = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[copied..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `normalize`, checked against the line reader's own path (its printable-ASCII fast
    /// path included) on single-segment lines.
    fn norm(raw: &[u8]) -> String {
        let mut s = String::new();
        let one = normalize(raw, &mut s).to_string();
        let mut segments = Vec::new();
        for_each_segment(raw, &mut String::new(), |t| {
            segments.push(t.to_string());
            true
        });
        if segments.len() == 1 {
            assert_eq!(segments[0], one, "both paths agree on {raw:?}");
        }
        one
    }

    #[test]
    fn plain_line_is_borrowed_unchanged() {
        let mut s = String::new();
        let out = normalize(b"[    0.000000] Linux version 5.4", &mut s);
        assert_eq!(out, "[    0.000000] Linux version 5.4");
        assert!(s.is_empty(), "no copy for a clean line");
    }

    #[test]
    fn crlf_nul_and_raw_esc_are_removed() {
        assert_eq!(
            norm(b"[\x1b[0;32m  OK  \x1b[0m] Started X.\r\r"),
            "[  OK  ] Started X."
        );
        assert_eq!(norm(b"\0\0abc\0"), "abc");
    }

    #[test]
    fn esc_stripped_and_caret_forms_are_removed() {
        assert_eq!(norm(b"[[0;32m  OK  [0m] Started Y."), "[  OK  ] Started Y.");
        assert_eq!(
            norm(b"[^[[0;1;31mFAILED^[[0m] Failed to start Z."),
            "[FAILED] Failed to start Z."
        );
        assert_eq!(norm(b"[[0;1;31m SKIP [0m] x"), "[ SKIP ] x");
    }

    #[test]
    fn kernel_brackets_survive() {
        assert_eq!(
            norm(b"[   57.551987] cloud-init[1321]: x"),
            "[   57.551987] cloud-init[1321]: x"
        );
        assert_eq!(norm(b"a [[1]] b"), "a [[1]] b");
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        assert_eq!(norm(b"ok \xff\xfe end"), "ok \u{fffd}\u{fffd} end");
    }

    #[test]
    fn lone_cr_splits_segments() {
        let mut seen = Vec::new();
        let mut s = String::new();
        for_each_segment(b"10%\r50%\r100%\r", &mut s, |t| {
            seen.push(t.to_string());
            true
        });
        assert_eq!(seen, ["10%", "50%", "100%"]);
    }
}
