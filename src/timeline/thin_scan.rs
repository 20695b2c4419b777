//! The phases and milestones of a thin read ([`super::thin`]), scanned by hand from a line laid
//! out as bootline writes it, instead of by `serde_json`: the same values, without a `String`
//! per phase or milestone name. A phase's name is borrowed from the line ([`PhaseRef`]), so
//! the reduction looks it up among the names it holds and copies it only on a first sight.
//!
//! The fields around the phases and milestones are the skim's, read by its scan
//! ([`super::scan::fields`]); this module reads what the skim cuts out,
//! `,"phases":[…],"milestones":[…]`, with the same cursor and as strictly: whatever it does
//! not read exactly as `serde_json` would — a string with an escape, a key it does not know
//! or sees twice, a field missing, an integer where `serde_json` would give another float
//! (`-0`), a number out of range, an array that does not end where the skim's searches found
//! its end — gives `None`, and the caller reads the line with `serde_json` then (which also
//! locates what is wrong with it). As the thin parse, it reads past what a lean boot does not
//! keep (a phase's result and source, a milestone's wall time and source), checking it as
//! strictly as `serde_json` checks what it ignores, and keeps of the milestones the first
//! `kernel_start`, the one a lean boot reads. A line of a timeline written before attempts
//! (whose attempt is read from its `timed_out` milestone) is left to `serde_json`.

use super::scan::{self, once, Cursor};
use super::{bounds, Boot, Milestone, PhaseRef};

/// `10^k` for the exact fast path of [`f64_of`].
const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The boot of a timeline line as the thin parse reads it, but with no phases and with its
/// first `kernel_start` its one milestone, and its phases borrowed from the line; `None` when
/// the scan cannot vouch for them (see the module's documentation).
pub(super) fn read(line: &[u8]) -> Option<(Boot, Vec<PhaseRef<'_>>)> {
    let (phases, milestones, after) = bounds(line)?;
    // The thin parse takes only UTF-8 lines: the bytes around the cut are checked by the
    // fields' scan, those inside it as their strings are read (everything else there is
    // JSON's ASCII).
    let fields = scan::text_fields(line, phases, after)?;
    if fields.attempt == 0 {
        return None;
    }
    let mut c = Cursor {
        line,
        pos: phases,
        cut: (line.len(), line.len()),
        jumped: true,
        time: None,
        text: [None, None],
    };
    literal(&mut c, b",\"phases\":[")?;
    let mut read = Vec::with_capacity(64);
    array(&mut c, |c| {
        read.push(phase(c)?);
        Some(())
    })?;
    literal(&mut c, b",\"milestones\":[")?;
    (c.pos == milestones + 1).then_some(())?;
    let mut kernel = None;
    array(&mut c, |c| milestone(c, &mut kernel))?;
    (c.pos == after).then_some(())?;
    Some((
        fields
            .into_fields()?
            .into_boot(Vec::new(), kernel.into_iter().collect()),
        read,
    ))
}

/// Past `text`, which must come next (of a length known when compiled: compared inline).
fn literal<const N: usize>(c: &mut Cursor<'_>, text: &[u8; N]) -> Option<()> {
    (c.line.get(c.pos..c.pos + N)? == text).then_some(())?;
    c.pos += N;
    Some(())
}

/// The members of an array whose `[` is read, each read by `member`, and its `]`.
fn array<'a>(
    c: &mut Cursor<'a>,
    mut member: impl FnMut(&mut Cursor<'a>) -> Option<()>,
) -> Option<()> {
    c.ws();
    if c.peek()? == b']' {
        c.pos += 1;
        return Some(());
    }
    loop {
        member(c)?;
        c.ws();
        match c.next()? {
            b',' => c.ws(),
            b']' => return Some(()),
            _ => None?,
        }
    }
}

/// A phase, its result and source read past: as bootline lays it out, else in any layout.
fn phase<'a>(c: &mut Cursor<'a>) -> Option<PhaseRef<'a>> {
    let at = c.pos;
    if let Some(p) = phase_laid_out(c) {
        return Some(p);
    }
    c.pos = at;
    phase_any(c)
}

/// A phase with its keys in bootline's order and no spacing.
// {"name":"init-local","depth":1,"start_secs":17.073,"end_secs":18.15,"result":null,"source":"…"}
fn phase_laid_out<'a>(c: &mut Cursor<'a>) -> Option<PhaseRef<'a>> {
    literal(c, b"{\"name\":")?;
    let name = text(c)?;
    literal(c, b",\"depth\":")?;
    let depth = c.uint()?.try_into().ok()?;
    literal(c, b",\"start_secs\":")?;
    let start_secs = f64_of(c)?;
    literal(c, b",\"end_secs\":")?;
    let end_secs = c.opt(f64_of)?;
    literal(c, b",\"result\":")?;
    past(c)?;
    literal(c, b",\"source\":")?;
    past(c)?;
    literal(c, b"}")?;
    Some(PhaseRef {
        name,
        depth,
        start_secs,
        end_secs,
    })
}

/// A phase with its keys in any order and spacing, each once.
fn phase_any<'a>(c: &mut Cursor<'a>) -> Option<PhaseRef<'a>> {
    let (mut name, mut depth, mut start, mut end) = (None, None, None, None);
    let (mut result, mut source) = (false, false);
    c.members_by(Cursor::raw_str, |c, key| match key {
        b"name" => once(&mut name, text(c)),
        b"depth" => once(&mut depth, c.uint().and_then(|d| d.try_into().ok())),
        b"start_secs" => once(&mut start, f64_of(c)),
        b"end_secs" => once(&mut end, c.opt(f64_of)),
        b"result" => once_past(&mut result, c),
        b"source" => once_past(&mut source, c),
        _ => None,
    })?;
    source.then_some(())?;
    Some(PhaseRef {
        name: name?,
        depth: depth?,
        start_secs: start?,
        end_secs: end.flatten(),
    })
}

/// A milestone, its wall time and source read past; the first `kernel_start` kept in `kernel`.
fn milestone(c: &mut Cursor<'_>, kernel: &mut Option<Milestone>) -> Option<()> {
    let at = c.pos;
    let (name, at_secs) = match milestone_laid_out(c) {
        Some(m) => m,
        None => {
            c.pos = at;
            milestone_any(c)?
        }
    };
    if kernel.is_none() && name == b"kernel_start" {
        *kernel = Some(Milestone {
            name: "kernel_start".into(),
            at_secs,
            wall: None,
            source: String::new(),
        });
    }
    Some(())
}

/// A milestone's name (its bytes: checked, not made a `str`) and time, its keys in bootline's
/// order and no spacing.
// {"name":"kernel_start","at_secs":11.445,"wall":"2026-06-14T17:41:49.445Z","source":"…"}
fn milestone_laid_out<'a>(c: &mut Cursor<'a>) -> Option<(&'a [u8], f64)> {
    literal(c, b"{\"name\":")?;
    let name = string(c)?;
    literal(c, b",\"at_secs\":")?;
    let at_secs = f64_of(c)?;
    literal(c, b",\"wall\":")?;
    past(c)?;
    literal(c, b",\"source\":")?;
    past(c)?;
    literal(c, b"}")?;
    Some((name, at_secs))
}

/// A milestone's name and time, its keys in any order and spacing, each once.
fn milestone_any<'a>(c: &mut Cursor<'a>) -> Option<(&'a [u8], f64)> {
    let (mut name, mut at) = (None, None);
    let (mut wall, mut source) = (false, false);
    c.members_by(Cursor::raw_str, |c, key| match key {
        b"name" => once(&mut name, string(c)),
        b"at_secs" => once(&mut at, f64_of(c)),
        b"wall" => once_past(&mut wall, c),
        b"source" => once_past(&mut source, c),
        _ => None,
    })?;
    source.then_some(())?;
    Some((name?, at?))
}

/// Marks a value read past as seen, unless it was already.
fn once_past(seen: &mut bool, c: &mut Cursor<'_>) -> Option<()> {
    (!std::mem::replace(seen, true)).then_some(())?;
    past(c)
}

/// Past any JSON value, as strictly as `serde_json` ignores one, its text checked as UTF-8 (a
/// string by [`string`], another value whole: it is rare).
fn past(c: &mut Cursor<'_>) -> Option<()> {
    match c.peek()? {
        b'"' => string(c).map(drop),
        b'n' => c.null().then_some(()),
        _ => {
            let start = c.pos;
            c.skip(0)?;
            std::str::from_utf8(&c.line[start..c.pos]).ok().map(drop)
        }
    }
}

/// A string without escapes or control characters, as UTF-8.
fn text<'a>(c: &mut Cursor<'a>) -> Option<&'a str> {
    std::str::from_utf8(string(c)?).ok()
}

/// The bytes of a string without escapes or control characters, checked as UTF-8 where they
/// are not all ASCII. Eight bytes at a time: a phase's source is tens of bytes, and the
/// strings are most of a line.
// "fleet/i-0a9d998302d5aee8a/systemd-analyze.txt:1"
fn string<'a>(c: &mut Cursor<'a>) -> Option<&'a [u8]> {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = u64::from_le_bytes([0x80; 8]);
    c.eat(b'"')?;
    let (line, start) = (c.line, c.pos);
    let mut at = start;
    // Each byte's high bit set where it may be `"`, `\`, below 0x20 or above 0x7f: the
    // lowest one so marked is one of them (a borrow only marks bytes above a true one).
    let marked = |w: u64| {
        let zero = |x: u64| x.wrapping_sub(ONES) & !x;
        (zero(w ^ (ONES * u64::from(b'"')))
            | zero(w ^ (ONES * u64::from(b'\\')))
            | (w.wrapping_sub(ONES * 0x20) & !w)
            | w)
            & HIGH
    };
    while let Some(word) = line.get(at..at + 8) {
        let m = marked(u64::from_le_bytes(word.try_into().ok()?));
        if m != 0 {
            at += (m.trailing_zeros() / 8) as usize;
            break;
        }
        at += 8;
    }
    let mut ascii = true;
    loop {
        match *line.get(at)? {
            b'"' => break,
            b'\\' | 0..=0x1f => return None,
            0x80.. => ascii = false,
            _ => {}
        }
        at += 1;
    }
    c.pos = at + 1;
    let bytes = &line[start..at];
    (ascii || std::str::from_utf8(bytes).is_ok()).then_some(bytes)
}

/// A number as [`Cursor::f64`] reads it, by an exact shortcut where one applies: a decimal of
/// at most 15 digits (`11.445`) is its digits as an integer (exact in an `f64`) divided by a
/// power of ten (exact too), which IEEE division rounds correctly, as parsing does. Any other
/// number (an exponent, more digits, a negative integer) goes the long way.
fn f64_of(c: &mut Cursor<'_>) -> Option<f64> {
    let start = c.pos;
    match short_decimal(c.line, start) {
        Some((x, end)) => {
            c.pos = end;
            Some(x)
        }
        None => c.f64(),
    }
}

/// The decimal at `at` and where it ends, when it is one [`f64_of`] reads by its shortcut.
// 17.073
fn short_decimal(line: &[u8], mut at: usize) -> Option<(f64, usize)> {
    let negative = line.get(at) == Some(&b'-');
    at += usize::from(negative);
    // Up to 15 digits in all (below 2^53: exact), at most `max` more.
    let (mut whole, mut digits) = (0u64, 0usize);
    let mut take = |at: &mut usize, max: usize| {
        let mut taken = 0;
        while let Some(&d @ b'0'..=b'9') = line.get(*at) {
            if digits == 15 || taken == max {
                break;
            }
            whole = whole * 10 + u64::from(d - b'0');
            (digits, taken, *at) = (digits + 1, taken + 1, *at + 1);
        }
        taken
    };
    // The integer part: `0`, or digits not beginning with one.
    match line.get(at)? {
        b'0' => take(&mut at, 1),
        b'1'..=b'9' => take(&mut at, usize::MAX),
        _ => return None,
    };
    let mut fraction = 0;
    if line.get(at) == Some(&b'.') {
        at += 1;
        fraction = take(&mut at, usize::MAX);
        (fraction > 0).then_some(())?;
    } else if negative {
        // A negative integer: `Cursor::f64` does not read it.
        return None;
    }
    // A digit left (more than 15) or an exponent: the long way.
    if matches!(line.get(at), Some(b'0'..=b'9' | b'e' | b'E')) {
        return None;
    }
    let x = whole as f64 / POWERS_OF_TEN[fraction];
    Some((if negative { -x } else { x }, at))
}

#[cfg(test)]
mod tests {
    use super::super::tests::boot;
    use super::super::{thin, Phase};
    use super::*;

    /// A boot read, and its phases' names, depths, starts and ends.
    type Read = (Boot, Vec<(String, usize, f64, Option<f64>)>);

    /// What the thin parse reads of `line`, as the scan gives it: the boot without phases and
    /// with its first `kernel_start` its one milestone, and its phases' names, depths and times.
    fn parsed(line: &[u8]) -> Option<Read> {
        let mut b = thin(line)?;
        let phases = std::mem::take(&mut b.phases)
            .into_iter()
            .map(|p| (p.name, p.depth, p.start_secs, p.end_secs))
            .collect();
        let kernel = b.milestones.drain(..).find(|m| m.name == "kernel_start");
        b.milestones = kernel.into_iter().collect();
        Some((b, phases))
    }

    /// What the scan reads of `line`, its phases owned.
    fn scanned(line: &[u8]) -> Option<Read> {
        let (b, phases) = read(line)?;
        let phases = phases
            .into_iter()
            .map(|p| (p.name.to_string(), p.depth, p.start_secs, p.end_secs))
            .collect();
        Some((b, phases))
    }

    /// The skim's test boot without the escaped quotes its strings hold (left to the parse).
    fn plain() -> Boot {
        let mut b = boot();
        b.sources = vec!["events.jsonl".into()];
        (b.phases[0].name, b.phases[0].source) = ("x".into(), "c:1".into());
        b
    }

    /// Lines as bootline writes them: the skim's test boot with unicode and a second
    /// `kernel_start`, one with an empty phases array and a running phase, one without a
    /// kernel's start, and the committed shards' lines (`fixtures/implausible/SOURCES.md`,
    /// `fixtures/shards/SOURCES.md`).
    fn lines() -> Vec<Vec<u8>> {
        let mut first = plain();
        first.phases.push(Phase {
            name: "modules-final/config-scripts_user ünïcödé ✓".into(),
            depth: 2,
            start_secs: 120.5,
            end_secs: None,
            result: Some("FAIL".into()),
            source: "i-1/cloud-init.log:12".into(),
        });
        let mut second = first.milestones[1].clone();
        second.at_secs = 99.0;
        first.milestones.push(second);
        let mut empty = first.clone();
        empty.phases.clear();
        empty.milestones.retain(|m| m.name != "kernel_start");
        let mut lines: Vec<Vec<u8>> = [first, empty]
            .iter()
            .map(|b| serde_json::to_vec(b).unwrap())
            .collect();
        for path in [
            "fixtures/implausible/shard.jsonl",
            "fixtures/shards/fleet-sample.jsonl",
        ] {
            let shard = std::fs::read(path).expect("a committed shard");
            lines.extend(
                shard
                    .split(|&b| b == b'\n')
                    .filter(|l| !l.is_empty())
                    .map(<[u8]>::to_vec),
            );
        }
        lines
    }

    #[test]
    fn the_scan_reads_what_the_thin_parse_reads_of_lines_bootline_writes() {
        let lines = lines();
        assert!(lines.len() > 20, "{}", lines.len());
        for line in &lines {
            let scan = scanned(line);
            assert!(scan.is_some(), "{}", String::from_utf8_lossy(line));
            assert_eq!(scan, parsed(line));
        }
        let (b, phases) = scanned(&lines[0]).unwrap();
        // The first kernel's start, not the second.
        assert_eq!(b.milestones.len(), 1);
        assert_eq!(b.milestones[0].at_secs, 11.445);
        assert_eq!(phases[1].0, "modules-final/config-scripts_user ünïcödé ✓");
        assert_eq!(phases[1].3, None);
        let (b, phases) = scanned(&lines[1]).unwrap();
        assert!(phases.is_empty() && b.milestones.is_empty());
    }

    /// Every line one byte off a line bootline wrote (each byte replaced by, or preceded by,
    /// each of a few characters JSON gives meaning to, or dropped): wherever the scan reads a
    /// boot, the thin parse reads the same; and the scan reads many of them.
    #[test]
    fn a_line_one_byte_off_is_scanned_as_the_parse_reads_it_or_left_to_the_parse() {
        let mut agreed = 0;
        let lines = lines();
        for line in [&lines[0], &lines[1], &lines[2]] {
            for at in 0..line.len() {
                let mut variants = Vec::new();
                for b in [
                    b' ', b'"', b'\\', b',', b'}', b']', b'0', b'5', b'-', b'e', b'.', b'n', 1,
                    0xc3,
                ] {
                    let mut m = line.clone();
                    m[at] = b;
                    variants.push(m);
                    let mut m = line.clone();
                    m.insert(at, b);
                    variants.push(m);
                }
                let mut m = line.clone();
                m.remove(at);
                variants.push(m);
                let mut m = line.clone();
                m.insert(at, line[at]);
                variants.push(m);
                for m in &variants {
                    if let Some(scan) = scanned(m) {
                        assert_eq!(Some(scan), parsed(m), "{}", String::from_utf8_lossy(m));
                        agreed += 1;
                    }
                }
            }
        }
        eprintln!("agreed {agreed}");
        assert!(agreed > 2000, "{agreed}");
    }

    /// Boots made by a fixed pseudo-random sequence: times of every size and form (whole,
    /// tiny, huge, negative, not whole milliseconds), names with unicode, escapes and control
    /// characters, deep phases and running ones. Wherever the scan reads a line the thin
    /// parse reads the same, and it reads every line without an escape.
    #[test]
    fn generated_lines_are_scanned_as_the_parse_reads_them() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // Names that JSON escapes, one phase or milestone in twenty.
        let plain_names = [
            "kernel",
            "init-local",
            "ünï/cödé ✓",
            "\u{2028}sep",
            "",
            "modules-final/config-scripts_user",
        ];
        let escaped_names = ["a\"quoted\"", "back\\slash", "tab\there"];
        let name = |n: u64| match n % 20 {
            0 => escaped_names[(n / 20 % 3) as usize],
            _ => plain_names[(n % 6) as usize],
        };
        let (mut scanned_lines, mut escaped) = (0, 0);
        for k in 0..400 {
            let mut b = plain();
            let time = |n: u64| match n % 6 {
                0 => (n % 100_000) as f64 / 1e3,
                1 => f64::from_bits(n >> 2) % 1e9,
                2 => (n % 1000) as f64 * 1e-9,
                3 => -((n % 10_000) as f64) / 7.0,
                4 => (n % 7) as f64 * 1e21,
                _ => (n >> 11) as f64,
            };
            b.phases = (0..next() % 12)
                .map(|i| Phase {
                    name: name(next()).into(),
                    depth: (next() % 300) as usize,
                    start_secs: time(next()),
                    end_secs: (i % 3 != 0).then(|| time(next())),
                    result: (i % 2 == 0).then(|| "SUCCESS".into()),
                    source: format!("i-{k}/console.log:{i}"),
                })
                .collect();
            b.milestones[1].at_secs = time(next());
            b.milestones[0].name = name(next()).into();
            let line = serde_json::to_vec(&b).unwrap();
            let plain_text = !line.contains(&b'\\');
            escaped += usize::from(!plain_text);
            match scanned(&line) {
                Some(scan) => {
                    assert_eq!(
                        Some(scan),
                        parsed(&line),
                        "{}",
                        String::from_utf8_lossy(&line)
                    );
                    scanned_lines += 1;
                }
                None => assert!(!plain_text, "{}", String::from_utf8_lossy(&line)),
            }
        }
        assert!(
            scanned_lines > 200 && escaped > 50,
            "{scanned_lines} {escaped}"
        );
    }

    #[test]
    fn what_the_scan_does_not_vouch_for_is_left_to_the_parse() {
        let line = String::from_utf8(serde_json::to_vec(&boot()).unwrap()).unwrap();
        let plain = String::from_utf8(serde_json::to_vec(&plain()).unwrap()).unwrap();
        assert!(scanned(plain.as_bytes()).is_some(), "{plain}");
        let left = [
            // The test boot's strings hold escaped quotes.
            line,
            plain.replace(r#""name":"x""#, r#""name":"\u0078""#),
            plain.replace(r#""depth":1"#, r#""depth":1,"depth":1"#),
            plain.replace(r#""depth":1"#, r#""depth":1,"other":1"#),
            plain.replace(r#""start_secs":1.0"#, r#""start_secs":-0"#),
            plain.replace(r#""start_secs":1.0"#, r#""start_secs":1e999"#),
            plain.replace(r#""at_secs":0.0"#, r#""at_secs":"0""#),
            plain.replace(r#""source":"e:1""#, r#""sourc":"e:1""#),
            plain.replace(r#""attempt":2,"#, r#""attempt":0,"#),
        ];
        for l in &left {
            assert_eq!(scanned(l.as_bytes()), None, "{l}");
        }
        // The parse reads the first, the second and the fifth; the scan leaves them to it.
        assert!(parsed(left[0].as_bytes()).is_some());
        assert_eq!(parsed(left[1].as_bytes()).unwrap().1[0].0, "x");
        assert_eq!(parsed(left[4].as_bytes()).unwrap().1[0].2, 0.0);
        assert!(parsed(left[2].as_bytes()).is_none());
        assert!(parsed(left[7].as_bytes()).is_none());
    }

    /// The shortcut gives what `Cursor::f64` gives, value and end, on decimals it takes and on
    /// numbers it leaves to it.
    #[test]
    fn the_shortcut_reads_numbers_as_the_cursor_does() {
        fn cursor(line: &[u8]) -> Cursor<'_> {
            Cursor {
                line,
                pos: 0,
                cut: (0, 0),
                jumped: true,
                time: None,
                text: [None, None],
            }
        }
        let mut short = 0;
        for text in [
            "0",
            "0.0",
            "-0.0",
            "11.445",
            "0.1",
            "0.3",
            "17",
            "-1.5",
            "123456789012345",
            "12345678901234.5",
            "1234567890123456",
            "9007199254740.993",
            "0.000000000000001",
            "2.5e3",
            "-5",
            "-0",
            "01",
            "1.",
            "-",
            ".5",
            "1.5.2",
            "0.1234567890123456",
            "1E2",
        ] {
            for end in ["", ",", "}"] {
                let line = format!("{text}{end}");
                let mut c = cursor(line.as_bytes());
                let got = f64_of(&mut c).map(f64::to_bits);
                let mut reference = cursor(line.as_bytes());
                let want = reference.f64().map(f64::to_bits);
                assert_eq!((got, c.pos), (want, reference.pos), "{line}");
                short += usize::from(short_decimal(line.as_bytes(), 0).is_some());
            }
        }
        // The ten decimals of at most 15 digits, and `1.5` of `1.5.2`.
        assert_eq!(short, 3 * 11);
    }
}
