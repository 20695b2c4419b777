//! `cloud-init analyze dump` JSON: the reporting events of a log as a JSON list, one object per
//! event with `description`, `event_type`, `name`, `origin`, `result` (finishes) and `timestamp`
//! (epoch seconds), keys sorted and indented by one space as the reference writes them. The
//! output is accepted as input again (`--input-format analyze-dump`).

use std::borrow::Cow;
use std::io::{self, Write};

use crate::event::{stage_of_action, Event, EventKind};

/// The description `cloud-init analyze` gives a stage started by a banner.
pub(crate) fn stage_description(stage: &str) -> &'static str {
    match stage {
        "init-local" => "starting search for local datasources",
        "init-network" => "searching for network datasources",
        "modules-config" => "running config modules",
        "modules-final" => "finalizing modules",
        "modules" => "running modules for",
        "single" => "running single module ",
        _ => "running stage",
    }
}

/// Streams events as a dump document.
pub(crate) struct DumpWriter<W: Write> {
    out: W,
    written: u64,
    /// Events skipped because they carry no wall-clock time.
    pub(crate) skipped_without_time: u64,
}

impl<W: Write> DumpWriter<W> {
    /// Starts a document.
    pub(crate) fn new(mut out: W) -> io::Result<Self> {
        out.write_all(b"[")?;
        Ok(Self {
            out,
            written: 0,
            skipped_without_time: 0,
        })
    }

    /// Writes one event if it is a reporting event (start, finish, running banner).
    pub(crate) fn event(&mut self, e: &Event) -> io::Result<()> {
        let (name, event_type, description, result): (Cow<str>, &str, Cow<str>, Option<&str>) =
            match &e.kind {
                EventKind::Start { name, description } => (
                    Cow::Borrowed(&**name),
                    "start",
                    Cow::Borrowed(&**description),
                    None,
                ),
                EventKind::Finish {
                    name,
                    result,
                    description,
                    ..
                } => (
                    Cow::Borrowed(&**name),
                    "finish",
                    Cow::Borrowed(&**description),
                    Some(result.as_str()),
                ),
                EventKind::StageBanner { action, .. } => {
                    let stage = stage_of_action(action);
                    let d = stage_description(&stage);
                    (Cow::Owned(stage), "start", Cow::Borrowed(d), None)
                }
                _ => return Ok(()),
            };
        let Some(ts) = e.stamp.wall_epoch_secs() else {
            self.skipped_without_time += 1;
            return Ok(());
        };
        let sep = if self.written == 0 { "\n" } else { ",\n" };
        let q = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string());
        let ts = serde_json::to_string(&ts).unwrap_or_else(|_| "null".to_string());
        write!(
            self.out,
            "{sep} {{\n  \"description\": {},\n  \"event_type\": {},\n  \"name\": {},\n  \"origin\": \"cloudinit\",\n",
            q(&description),
            q(event_type),
            q(&name)
        )?;
        if let Some(r) = result {
            writeln!(self.out, "  \"result\": {},", q(r))?;
        }
        write!(self.out, "  \"timestamp\": {ts}\n }}")?;
        self.written += 1;
        Ok(())
    }

    /// How many events were written.
    pub(crate) fn written(&self) -> u64 {
        self.written
    }

    /// Ends the document.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        if self.written > 0 {
            self.out.write_all(b"\n")?;
        }
        self.out.write_all(b"]\n")?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Location, StageResult, Stamp};
    use chrono::DateTime;

    #[test]
    fn writes_the_reference_layout() {
        let at = |s: &str| Stamp::wall(DateTime::parse_from_rfc3339(s).unwrap());
        let l = Location::new("x".into(), 1);
        let mut w = DumpWriter::new(Vec::new()).unwrap();
        w.event(&Event::new(
            EventKind::StageBanner {
                version: "1".into(),
                action: "init".into(),
            },
            at("2017-11-16T04:44:53Z"),
            l.clone(),
        ))
        .unwrap();
        w.event(&Event::new(
            EventKind::Finish {
                name: "init-network".into(),
                result: StageResult::Fail,
                description: "x \"q\"".into(),
                duration_secs: None,
            },
            at("2017-11-16T04:44:53.25Z"),
            l,
        ))
        .unwrap();
        let text = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(
            text,
            "[\n {\n  \"description\": \"searching for network datasources\",\n  \"event_type\": \"start\",\n  \"name\": \"init-network\",\n  \"origin\": \"cloudinit\",\n  \"timestamp\": 1510807493.0\n },\n {\n  \"description\": \"x \\\"q\\\"\",\n  \"event_type\": \"finish\",\n  \"name\": \"init-network\",\n  \"origin\": \"cloudinit\",\n  \"result\": \"FAIL\",\n  \"timestamp\": 1510807493.25\n }\n]\n"
        );
    }
}
