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

use super::message::{classify, Found, Origin};
use super::{Emit, LineParser};
use crate::error::Malformed;
use crate::event::{EventKind, Stamp};

/// Parser state for `cloud-init-output.log`.
#[derive(Debug, Default)]
pub struct Output {
    last_banner: Option<(Stamp, u64)>,
    found: Vec<Found>,
}

impl Output {
    /// A new parser.
    pub fn new() -> Self {
        Self::default()
    }
}

impl LineParser for Output {
    fn line(&mut self, text: &str, out: &mut Emit<'_>) -> Result<(), Malformed> {
        self.found.clear();
        classify(text, Origin::default(), &mut self.found);
        for f in self.found.drain(..) {
            let stamp = f.stamp(Stamp::default());
            if matches!(
                f.kind,
                EventKind::StageBanner { .. } | EventKind::FinishedBanner { .. }
            ) {
                self.last_banner = Some((stamp, out.line()));
            }
            out.event(f.kind, stamp);
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Emit<'_>) {
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
}
