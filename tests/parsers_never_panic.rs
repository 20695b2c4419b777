//! Every format of `Format::ALL` (a new format is covered without being listed here) is fed
//! random bytes, random mixes of real-looking fragments of every grammar, very long lines, lone
//! CRs and invalid UTF-8, in lenient and in strict mode. For each input:
//! - it is read, or refused whole as no text log ([`Error::NotText`]) and nothing else;
//! - no parser panics, and every event points at a line of the input;
//! - every skipped line is counted: lenient mode counts a malformed line exactly when strict
//!   mode stops at one, the first it shows is the one strict mode reports, and the lines read
//!   are the lines of the input (as decoded: lone-CR line ends are lines);
//! - strict mode emits exactly what lenient mode emits up to the line it stops at;
//! - the events build into cloud-init boot records that render as blame, show and JSON.

use std::io::Cursor;
use std::sync::LazyLock;

use bootline::error::Error;
use bootline::event::Event;
use bootline::input;
use bootline::parse::{parse_input, Format, Options, Parser, Summary, MALFORMED_SHOWN};
use bootline::record;
use bootline::render::records::{write_blame, write_show, RecordJson};
use bootline::render::style::Palette;
use proptest::prelude::*;

/// Pieces of every grammar, so random inputs reach deep into the parsers.
const FRAGMENTS: &[&str] = &[
    // cloud-init.log and `analyze` outputs
    "2023-11-30 19:03:39,502 - handlers.py[DEBUG]: ",
    "May 01 17:07:10 cloud-init[2416]: util.py[DEBUG]: ",
    "2016-08-30T21:53:25.972325+00:00 y1 [CLOUDINIT] ",
    "Feb 29 00:00:00 host [CLOUDINIT] ",
    "start: ",
    "finish: ",
    "init-local",
    "init-local/check-cache",
    "modules-final/config-scripts-user",
    ": ",
    "SUCCESS: ",
    "FAIL: ",
    "MAYBE: ",
    "(duration: 8.443s)",
    " took 0.004 seconds",
    "Cloud-init v. 22.4.2 ",
    "running 'init' at ",
    "running 'init-local' at ",
    "finished at ",
    "Thu, 30 Nov 2023 19:03:39 +0000",
    "Wed, 18 Nov 2015 00:31:22 +0000",
    ". Up ",
    "7.02",
    "-3.5",
    " seconds",
    ". Datasource DataSourceNone.  Up 9.9 seconds",
    "-- Boot Record 01 --",
    "     381.23200s (modules-final/config-scripts_user)",
    "s+ (",
    "Starting stage: init-local",
    "Finished stage: (init-local) 00.72900 seconds",
    "|`->x @00.00700s +00.00000s",
    " @",
    "Total Time: 1.0 seconds",
    "4 boot records analyzed",
    "-- Most Recent Boot Record --",
    "    Kernel Started at: 2019-08-29 01:35:37.753790",
    "    Cloud-init start: 2019-08-29 08:35:45.867000",
    "(seconds): ",
    "{\"name\": \"a\", \"event_type\": \"start\", \"timestamp\": 1.5}",
    "{\"name\": \"a\", \"event_type\": \"finish\", \"result\": \"FAIL\", \"timestamp\": 1e300}",
    // consoles
    "[    0.000000] Linux version 5.4.0 (x)\n",
    "[    0.000000][    T0] Linux version 6.1\n",
    "[  OK  ] Started cloud-final.service - Cloud-init: Final Stage.\n",
    "[FAILED] Failed to start Execute cloud user/final scripts.\n",
    "[   57.551987] cloud-init[1321]: Cloud-init v. 22.4 running 'init' at Thu, 30 Nov 2023 19:03:39 +0000. Up 7.02 seconds.\n",
    "Cloud-init v. 22.4 finished at Thu, 30 Nov 2023 19:04:22 +0000. Datasource X.  Up 49.64 seconds\n",
    "<14>May 11 17:28:08 ec2: hi\n",
    "host login: [  389.99] cloud-init[851]: Registered with platform: 200\n",
    "InstanceId: i-0abc\n",
    "Output: \"[    2.2] x\\r\\n[",
    "  \\   2.3] Kernel panic - not syncing\\r\\n\"\n",
    "{\"InstanceId\": \"i-1\", \"Output\": \"a\\nb\\u00e9\\x\", \"Timestamp\": \"2023-10-11T18:42:12Z\"}\n",
    "Timestamp: '2023-10-11T18:42:12+00:00'\n",
    "ci-info: | x |\n",
    // journald
    "Aug 24 21:46:55.736585 test-b1 systemd[1]: Starting X...\n",
    "2023-07-31T18:30:50.362836+00:00 localhost runner[740]: startup-script exit status 127\n",
    "[   20.888224] localhost systemd[1]: Startup finished in 1.2s (kernel) + 3s (userspace) = 4.2s\n",
    "-- Boot 6b66604298254b158d5b1e7eeea78c03 --\n",
    "-- Reboot --\n",
    "{\"__REALTIME_TIMESTAMP\":\"1665062818534972\",\"_BOOT_ID\":\"b\",\"MESSAGE\":\"Linux version 5\",\"__MONOTONIC_TIMESTAMP\":\"1\"}\n",
    "{\"MESSAGE_ID\":\"b07a249cd024414a82dd00cd181378ff\",\"KERNEL_USEC\":\"18\",\"MESSAGE\":[1,2,255]}\n",
    "__REALTIME_TIMESTAMP=1709520776193967\nMESSAGE=Started Hostname Service.\n\n",
    // systemd-analyze and cloud-init status
    "Startup finished in 11.573s (firmware) + 3.699s (kernel) = 15.2s \n",
    "Startup finished in 2.1s (kernel) + \n",
    "      13min 33.597s casper-md5check.service\n",
    "        └─cloud-init.service @4.562s +1.260s\n",
    "Bootup is not yet finished (org.freedesktop.systemd1.Manager.FinishTimestampMonotonic=0).\n",
    "status: error\ndetail:\nboom\nerrors:\n\t- bad\n",
    "{\"status\": \"done\", \"init\": {\"start\": 1.5, \"finished\": 1e300, \"errors\": [\"x\"]}}\n",
    // platform events and timelines
    "{\"time\":\"2026-06-10T14:51:01Z\",\"event\":\"launched\",\"instance\":\"i-1\",\"k\":[1]}\n",
    "time,event,instance\n2026-06-10T14:51:01Z,failed,\"i-1\n",
    "{\"schema_version\":1,\"instance\":\"i-1\",\"class\":\"default\",\"boot\":1,\"outcome\":\"registered\",\"latency\":{\"secs\":423.0,\"censored\":false,\"from\":\"launch\"}}\n",
    // punctuation and byte-level noise
    "[",
    "]",
    "{",
    "}",
    ",",
    "\"",
    "\\",
    "...",
    "\n",
    "\r\n",
    "\r",
    "\0",
    "\x1b[0;32m",
    "[[0;32m",
    "^[[0m",
    "→",
    "\u{2026}",
    "\u{fffd}",
    " ",
];

/// Byte sequences that are not UTF-8: a lone continuation byte, a truncated two-byte
/// sequence, an overlong encoding, an encoded surrogate, bytes that never occur.
const INVALID_UTF8: &[&[u8]] = &[
    b"\x80",
    b"\xc3",
    b"\xc0\xaf",
    b"\xed\xa0\x80",
    b"\xff\xfe",
    b"\xf4\x90\x80\x80",
];

fn fragment() -> impl Strategy<Value = Vec<u8>> {
    prop::sample::select(FRAGMENTS).prop_map(|s| s.as_bytes().to_vec())
}

/// Random mixes of fragments and short random byte runs.
fn fragments() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            4 => fragment(),
            1 => prop::collection::vec(any::<u8>(), 0..12),
        ],
        0..48,
    )
    .prop_map(|parts| parts.concat())
}

/// Fragments broken up by lone CRs and invalid UTF-8.
fn hostile() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            3 => fragment(),
            1 => Just(b"\r".to_vec()),
            1 => prop::sample::select(INVALID_UTF8).prop_map(<[u8]>::to_vec),
        ],
        0..48,
    )
    .prop_map(|parts| parts.concat())
}

/// A few fragments with one line longer than the first block the reader takes (64 KiB) in
/// the middle, made of one fragment repeated.
fn long_line() -> impl Strategy<Value = Vec<u8>> {
    (fragments(), fragment(), 70_000usize..140_000, fragments()).prop_map(
        |(head, piece, len, tail)| {
            let piece: Vec<u8> = piece.into_iter().filter(|&b| b != b'\n').collect();
            let mut line = head;
            line.push(b'\n');
            let unit = if piece.is_empty() {
                b"x".to_vec()
            } else {
                piece
            };
            while line.len() < len {
                line.extend_from_slice(&unit);
            }
            line.push(b'\n');
            line.extend(tail);
            line
        },
    )
}

/// Lines in `bytes` as the reader counts them: a last line without a newline counts.
fn line_count(bytes: &[u8]) -> u64 {
    let newlines = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
    newlines + u64::from(bytes.last().is_some_and(|&b| b != b'\n'))
}

/// Lenient and strict options, built once: compiling the default markers' expressions costs
/// more than parsing a random input.
static OPTIONS: LazyLock<[Options; 2]> =
    LazyLock::new(|| [false, true].map(|strict| Options::default().with_strict(strict)));

/// The input as the parsers see it (UTF-16 decoded, NUL padding skipped, lone-CR line ends
/// made lines), or `None` when it is refused whole as no text log.
fn decoded(bytes: &[u8]) -> Result<Option<Vec<u8>>, TestCaseError> {
    use std::io::Read;
    match input::from_reader("p".into(), Box::new(Cursor::new(bytes.to_vec()))) {
        Ok(mut input) => {
            let mut out = Vec::new();
            input.reader.read_to_end(&mut out).expect("in-memory input");
            Ok(Some(out))
        }
        Err(Error::NotText { .. }) => Ok(None),
        Err(e) => Err(TestCaseError::fail(format!(
            "only binary data is refused: {e}"
        ))),
    }
}

fn parse(format: Format, bytes: &[u8], strict: bool) -> (Vec<Event>, Result<Summary, Error>) {
    let input = input::from_reader("p".into(), Box::new(Cursor::new(bytes.to_vec())))
        .expect("in-memory input");
    let mut events = Vec::new();
    let opts = &OPTIONS[usize::from(strict)];
    let result = parse_input(input, Some(format), opts, &mut |e| events.push(e));
    (events, result)
}

/// All the properties of the file, for one format and one input.
fn check(format: Format, bytes: &[u8]) -> Result<(), TestCaseError> {
    let Some(text) = decoded(bytes)? else {
        return Ok(());
    };
    let lines = line_count(&text);
    let (lenient_events, lenient) = parse(format, bytes, false);
    let (strict_events, strict) = parse(format, bytes, true);
    for e in lenient_events.iter().chain(&strict_events) {
        prop_assert!(
            (1..=lines.max(1)).contains(&e.source.line),
            "{format}: event at line {} of {lines}: {e:?}",
            e.source.line
        );
    }
    prop_assert!(
        lenient_events.starts_with(&strict_events),
        "{format}: strict mode emitted what lenient mode did not"
    );
    let strict_stop = match &strict {
        Err(Error::Malformed(m)) => Some(m.as_ref().clone()),
        Ok(_) | Err(_) => None,
    };
    match &lenient {
        Ok(summary) => {
            prop_assert_eq!(
                summary.malformed > 0,
                strict_stop.is_some(),
                "{}: {} malformed lines counted leniently, strict result {:?}",
                format,
                summary.malformed,
                strict.as_ref().err()
            );
            prop_assert!(
                strict.is_ok() || strict_stop.is_some(),
                "{format}: only strict mode failed: {:?}",
                strict.as_ref().err()
            );
            prop_assert_eq!(
                summary.first_malformed.len() as u64,
                summary.malformed.min(MALFORMED_SHOWN as u64)
            );
            if let (Some(stop), Some(first)) = (&strict_stop, summary.first_malformed.first()) {
                prop_assert_eq!(stop, first, "{}: strict and lenient disagree", format);
            }
            for m in &summary.first_malformed {
                prop_assert!((1..=lines.max(1)).contains(&m.line), "{format}: {m:?}");
            }
            prop_assert!(summary
                .first_malformed
                .windows(2)
                .all(|w| w[0].line <= w[1].line));
            if matches!(format.parser(), Parser::Lines(_)) {
                prop_assert_eq!(summary.lines, lines, "{}: lines read", format);
            }
            prop_assert_eq!(summary.events, lenient_events.len() as u64);
        }
        // A broken document stops lenient mode; strict mode stops there or at a malformed
        // line before it.
        Err(e) => match &strict {
            Err(Error::Malformed(_)) => {}
            Err(s) => prop_assert_eq!(s.to_string(), e.to_string()),
            Ok(_) => prop_assert!(false, "{format}: only lenient mode failed: {e}"),
        },
    }
    for r in record::build(lenient_events) {
        let mut sink = Vec::new();
        write_blame(&mut sink, &r, Palette::PLAIN).expect("blame renders");
        write_show(&mut sink, &r, Palette::PLAIN).expect("show renders");
        serde_json::to_string(&RecordJson::new("p", &r)).expect("JSON renders");
    }
    Ok(())
}

fn check_all(bytes: &[u8]) -> Result<(), TestCaseError> {
    for &format in Format::ALL {
        check(format, bytes)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        check_all(&bytes)?;
    }

    #[test]
    fn grammar_fragments(bytes in fragments()) {
        check_all(&bytes)?;
    }

    #[test]
    fn lone_crs_and_invalid_utf8(bytes in hostile()) {
        check_all(&bytes)?;
    }

    /// Sniffing, then parsing as whatever it picked, keeps the same properties; an input
    /// sniffing recognises as nothing is refused as of no known format when no format is
    /// named, never read as some format after all.
    #[test]
    fn sniffed(bytes in fragments()) {
        let open = || input::from_reader("p".into(), Box::new(Cursor::new(bytes.clone())));
        let mut inp = match open() {
            Ok(inp) => inp,
            // Binary data is refused before any parser sees it, saying so.
            Err(e) => {
                prop_assert!(matches!(e, Error::NotText { .. }), "in-memory bytes refused: {e:?}");
                return Ok(());
            }
        };
        match bootline::parse::sniff(&mut inp).unwrap() {
            Some(format) => check(format, &bytes)?,
            None => {
                let read = parse_input(open().unwrap(), None, &Options::default(), &mut |_| {});
                prop_assert!(
                    matches!(read, Err(Error::UnknownFormat { .. })),
                    "sniffed as nothing, yet read: {read:?}"
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn lines_longer_than_a_block(bytes in long_line()) {
        check_all(&bytes)?;
    }
}
