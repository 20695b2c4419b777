//! `/var/log/cloud-init-output.log`: cloud-init's stdout and stderr, with the raw output of the
//! stages and the user-data scripts. Its lines carry no stamps of their own; the banners carry
//! a wall time and `Up N seconds`.
//!
//! ```text
//! Cloud-init v. 19.3-46.amzn2.0.1 running 'init-local' at Thu, 16 Nov 2023 08:38:02 +0000. Up 4.03 seconds.
//! ```
//!
//! The file accumulates across boots. No boundary event is invented: every banner carries both
//! its wall time and its uptime, and assembly splits boots where the uptime goes back or an
//! `init-local` banner follows a finished banner (a later boot can start cloud-init at a
//! higher uptime). The wall clock alone is no guide: it can step by many minutes within one
//! boot when time synchronisation catches up (`cloudinit_output_01.log` in the corpus). Other lines go through the shared classifiers
//! (crash evidence such as `Failed running /var/lib/cloud/instance/scripts/part-001 [1]`, which
//! has no stamp) and the markers. [`EventKind::CaptureEnd`] repeats the last banner's stamp.

use super::banner;
use super::message::{classify, Found, Origin};
use super::{Emit, LineParser};
use crate::error::Malformed;
use crate::event::{EventKind, Stamp};

/// Parser state for `cloud-init-output.log`.
#[derive(Debug, Default)]
pub(crate) struct Output {
    last_banner: Option<(Stamp, u64)>,
    found: Vec<Found>,
    /// A banner line without its `Up N seconds`, and its line number: a terminal that
    /// hard-wrapped it (`… Datasource Data` / `SourceEc2Local.  Up 50.29 seconds`) may give
    /// the rest on the next line.
    cut: Option<(String, u64)>,
}

/// Whether a line holds a banner that lost its `Up N seconds` (to a wrap).
fn lacks_up(text: &str) -> bool {
    matches!(banner::find(text), Some(Ok((_, b))) if b.up_secs.is_none())
}

impl Output {
    /// A new parser.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Reads one logical line that began at `line`.
    fn read(&mut self, text: &str, line: u64, out: &mut Emit<'_>) {
        self.found.clear();
        classify(text, Origin::default(), &mut self.found);
        for f in self.found.drain(..) {
            let stamp = f.stamp(Stamp::default());
            if matches!(
                f.kind,
                EventKind::StageBanner { .. } | EventKind::FinishedBanner { .. }
            ) {
                self.last_banner = Some((stamp, line));
            }
            out.event_at(f.kind, stamp, line);
        }
    }
}

impl LineParser for Output {
    fn line(&mut self, text: &str, out: &mut Emit<'_>) -> Result<(), Malformed> {
        let line = out.line();
        if let Some((cut, at)) = self.cut.take() {
            // The wrapped banner and its rest are one banner when together they give an `Up`.
            let joined = format!("{cut}{text}");
            if !lacks_up(&joined) && banner::find(&joined).is_some_and(|b| b.is_ok()) {
                self.read(&joined, at, out);
                return Ok(());
            }
            self.read(&cut, at, out);
        }
        if lacks_up(text) {
            self.cut = Some((text.to_string(), line));
            return Ok(());
        }
        self.read(text, line, out);
        Ok(())
    }

    fn finish(&mut self, out: &mut Emit<'_>) {
        if let Some((cut, at)) = self.cut.take() {
            self.read(&cut, at, out);
        }
        if let Some((stamp, line)) = self.last_banner {
            out.event_at(EventKind::CaptureEnd, stamp, line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{BootClock, Event};
    use crate::parse::{parse_input, Format, Options};

    #[test]
    fn banners_and_a_reboot_by_uptime() {
        let text = "Cloud-init v. 19.3 running 'modules:final' at Wed, 15 Nov 2023 15:45:31 +0000. Up 6.60 seconds.\n\
            some output\n\
            Cloud-init v. 19.3 running 'init-local' at Thu, 16 Nov 2023 08:38:02 +0000. Up 4.03 seconds.\n\
            util.py[WARNING]: Failed running /var/lib/cloud/instance/scripts/part-001 [1]\n";
        let ev = events_of(text);
        let ups: Vec<f64> = ev
            .iter()
            .filter(|e| matches!(e.kind, EventKind::StageBanner { .. }))
            .map(|e| {
                let sb = e.stamp.since_boot.unwrap();
                assert_eq!(sb.clock, BootClock::Uptime);
                sb.secs
            })
            .collect();
        assert_eq!(ups, [6.60, 4.03]);
        assert!(ev
            .iter()
            .any(|e| matches!(e.kind, EventKind::Crash { .. }) && e.source.line == 4));
        assert!(matches!(ev.last().unwrap().kind, EventKind::CaptureEnd));
        assert_eq!(ev.last().unwrap().source.line, 3);
    }

    /// The events of `text` read as a `cloud-init-output.log`.
    fn events_of(text: &str) -> Vec<Event> {
        let input = crate::input::from_reader(
            "o".into(),
            Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
        )
        .unwrap();
        let mut ev: Vec<Event> = Vec::new();
        parse_input(
            input,
            Some(Format::CloudInitOutput),
            &Options::default(),
            &mut |e| ev.push(e),
        )
        .unwrap();
        ev
    }

    /// The banners of `text` read as a `cloud-init-output.log`.
    fn banners_of(text: &str) -> Vec<Event> {
        let mut ev = events_of(text);
        ev.retain(|e| {
            matches!(
                e.kind,
                EventKind::StageBanner { .. } | EventKind::FinishedBanner { .. }
            )
        });
        ev
    }

    #[test]
    fn a_banner_hard_wrapped_across_lines_is_one_banner() {
        let text =
            "Cloud-init v. 22.2 running 'init-local' at Thu, 06 Oct 2022 13:27:06 +0000. Up \n\
            9.66 seconds.\n\
            Cloud-init v. 22.2 finished at Thu, 06 Oct 2022 13:27:47 +0000. Datasource Data\n\
            SourceEc2Local.  Up 50.29 seconds\n\
            Cloud-init v. 22.2 running 'init' at Thu, 06 Oct 2022 13:29:06 +0000\n\
            some output\n";
        let ev = banners_of(text);
        let ups: Vec<(Option<f64>, u64)> = ev
            .iter()
            .map(|e| (e.stamp.since_boot.map(|s| s.secs), e.source.line))
            .collect();
        // The third banner has no `Up` and the next line does not give one: it stays as read.
        assert_eq!(ups, [(Some(9.66), 1), (Some(50.29), 3), (None, 5)]);
        assert!(matches!(
            &ev[1].kind,
            EventKind::FinishedBanner { datasource: Some(d), .. } if d == "DataSourceEc2Local"
        ));
    }
}
