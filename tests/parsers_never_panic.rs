//! No parser panics on arbitrary bytes: each cloud-init format is fed random bytes and random
//! sequences of its own grammar's fragments (which reach deeper than noise does), in lenient and
//! strict mode, and the events it emits are then built into records and rendered.

use std::io::Cursor;

use bootline::event::Event;
use bootline::input;
use bootline::parse::{parse_input, Format, Options};
use bootline::record;
use bootline::render::records::{write_blame, write_show};
use proptest::prelude::*;

const FRAGMENTS: &[&str] = &[
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
    "[",
    "]",
    "{",
    "}",
    ",",
    "\"",
    "...",
    "\n",
    "\r\n",
    "\r",
    "\0",
    "\x1b[0;32m",
    "[[0;32m",
    "^[[0m",
    "→",
    "\u{fffd}",
    " ",
];

fn fragment_text() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            4 => (0..FRAGMENTS.len()).prop_map(|i| FRAGMENTS[i].as_bytes().to_vec()),
            1 => prop::collection::vec(any::<u8>(), 0..8),
        ],
        0..60,
    )
    .prop_map(|parts| parts.concat())
}

fn run(format: Format, bytes: &[u8], strict: bool) {
    let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let inp = input::from_reader("p".into(), Box::new(Cursor::new(bytes.to_vec()))).unwrap();
    let mut events: Vec<Event> = Vec::new();
    let _ = parse_input(
        inp,
        Some(format),
        &Options::default().with_strict(strict),
        &mut |e| events.push(e),
    );
    for e in &events {
        assert!(
            e.source.line >= 1 && e.source.line <= lines,
            "line {} of {lines}",
            e.source.line
        );
    }
    for r in record::build(events) {
        let mut sink = Vec::new();
        write_blame(&mut sink, &r).unwrap();
        write_show(&mut sink, &r).unwrap();
        let _ =
            serde_json::to_string(&bootline::render::records::RecordJson::new("p", &r)).unwrap();
    }
}

const FORMATS: [Format; 5] = [
    Format::CloudInitLog,
    Format::AnalyzeBlame,
    Format::AnalyzeShow,
    Format::AnalyzeDump,
    Format::AnalyzeBoot,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048), strict in any::<bool>()) {
        for f in FORMATS {
            run(f, &bytes, strict);
        }
    }

    #[test]
    fn grammar_fragments(bytes in fragment_text(), strict in any::<bool>()) {
        for f in FORMATS {
            run(f, &bytes, strict);
        }
    }

    #[test]
    fn sniffing_never_panics(bytes in fragment_text()) {
        let mut inp = input::from_reader("p".into(), Box::new(Cursor::new(bytes))).unwrap();
        let _ = bootline::parse::sniff(&mut inp);
    }
}
