//! No parser panics on arbitrary bytes, and every event it emits points at a line of its input.
//! One property per format, over random bytes and over random mixes of real-looking fragments.

use bootline::event::Event;
use bootline::input;
use bootline::parse::{parse_input, Format, Options};
use proptest::prelude::*;

/// Fragments of every format, so random inputs reach deep into the grammars.
const FRAGMENTS: &[&str] = &[
    "[    0.000000] Linux version 5.4.0 (x)\n",
    "[    0.000000][    T0] Linux version 6.1\n",
    "[  OK  ] Started cloud-final.service - Cloud-init: Final Stage.\n",
    "[FAILED] Failed to start Execute cloud user/final scripts.\n",
    "[   57.551987] cloud-init[1321]: Cloud-init v. 22.4 running 'init' at Thu, 30 Nov 2023 19:03:39 +0000. Up 7.02 seconds.\n",
    "Cloud-init v. 22.4 finished at Thu, 30 Nov 2023 19:04:22 +0000. Datasource X.  Up 49.64 seconds\n",
    "Cloud-init v. 22.4 running 'init' at Thu, 30 Nov",
    "<14>May 11 17:28:08 ec2: hi\n",
    "host login: [  389.99] cloud-init[851]: Registered with platform: 200\n",
    "InstanceId: i-0abc\n",
    "Output: \"[    2.2] x\\r\\n[",
    "  \\   2.3] Kernel panic - not syncing\\r\\n\"\n",
    "{\"InstanceId\": \"i-1\", \"Output\": \"a\\nb\\u00e9\\x\", \"Timestamp\": \"2023-10-11T18:42:12Z\"}\n",
    "Timestamp: '2023-10-11T18:42:12+00:00'\n",
    "Aug 24 21:46:55.736585 test-b1 systemd[1]: Starting X...\n",
    "2023-07-31T18:30:50.362836+00:00 localhost runner[740]: startup-script exit status 127\n",
    "[   20.888224] localhost systemd[1]: Startup finished in 1.2s (kernel) + 3s (userspace) = 4.2s\n",
    "-- Boot 6b66604298254b158d5b1e7eeea78c03 --\n",
    "-- Reboot --\n",
    "{\"__REALTIME_TIMESTAMP\":\"1665062818534972\",\"_BOOT_ID\":\"b\",\"MESSAGE\":\"Linux version 5\",\"__MONOTONIC_TIMESTAMP\":\"1\"}\n",
    "{\"MESSAGE_ID\":\"b07a249cd024414a82dd00cd181378ff\",\"KERNEL_USEC\":\"18\",\"MESSAGE\":[1,2,255]}\n",
    "__REALTIME_TIMESTAMP=1709520776193967\nMESSAGE=Started Hostname Service.\n\n",
    "Startup finished in 11.573s (firmware) + 3.699s (kernel) = 15.2s \n",
    "Startup finished in 2.1s (kernel) + \n",
    "      13min 33.597s casper-md5check.service\n",
    "        └─cloud-init.service @4.562s +1.260s\n",
    "Bootup is not yet finished (org.freedesktop.systemd1.Manager.FinishTimestampMonotonic=0).\n",
    "status: error\ndetail:\nboom\nerrors:\n\t- bad\n",
    "{\"status\": \"done\", \"init\": {\"start\": 1.5, \"finished\": 1e300, \"errors\": [\"x\"]}}\n",
    "{\"time\":\"2026-06-10T14:51:01Z\",\"event\":\"launched\",\"instance\":\"i-1\",\"k\":[1]}\n",
    "time,event,instance\n2026-06-10T14:51:01Z,failed,\"i-1\n",
    "ci-info: | x |\n",
    "x", "\r", "\n", "\0", "\x1b[0;32m", "[[0;32m", "\u{2026}", "\"", "\\", " ",
];

fn line_count(bytes: &[u8]) -> u64 {
    let n = memchr_count(bytes);
    n + u64::from(bytes.last().is_some_and(|&b| b != b'\n'))
}

fn memchr_count(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

fn check(format: Format, bytes: Vec<u8>) -> Result<(), TestCaseError> {
    let lines = line_count(&bytes).max(1);
    let input = input::from_reader("p".into(), Box::new(std::io::Cursor::new(bytes)))
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut events: Vec<Event> = Vec::new();
    // Errors (a broken document, a malformed line) are fine; panics are not.
    let _ = parse_input(input, Some(format), &Options::default(), &mut |e| {
        events.push(e)
    });
    for e in &events {
        prop_assert!(
            (1..=lines).contains(&e.source.line),
            "{format}: line {} outside 1..={lines}: {e:?}",
            e.source.line
        );
    }
    Ok(())
}

fn fragments() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            3 => prop::sample::select(FRAGMENTS).prop_map(|s| s.as_bytes().to_vec()),
            1 => prop::collection::vec(any::<u8>(), 0..12),
        ],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

macro_rules! never_panics {
    ($($name:ident => $format:expr),* $(,)?) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(96))]
            $(
                #[test]
                fn $name(bytes in prop::collection::vec(any::<u8>(), 0..400), mixed in fragments()) {
                    check($format, bytes)?;
                    check($format, mixed)?;
                }
            )*
        }
    };
}

never_panics! {
    serial_console => Format::SerialConsole,
    journal => Format::Journal,
    journal_json => Format::JournalJson,
    journal_export => Format::JournalExport,
    systemd_analyze => Format::SystemdAnalyze,
    cloud_init_output => Format::CloudInitOutput,
    cloud_init_status => Format::CloudInitStatus,
    platform_events => Format::PlatformEvents,
    platform_events_csv => Format::PlatformEventsCsv,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]
    /// Sniffing then parsing whatever it picked never panics either.
    #[test]
    fn sniffed(mixed in fragments()) {
        let lines = line_count(&mixed).max(1);
        let input = input::from_reader("p".into(), Box::new(std::io::Cursor::new(mixed))).unwrap();
        let mut events: Vec<Event> = Vec::new();
        let _ = parse_input(input, None, &Options::default(), &mut |e| events.push(e));
        for e in &events {
            prop_assert!((1..=lines).contains(&e.source.line));
        }
    }
}
