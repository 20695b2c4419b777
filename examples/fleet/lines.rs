//! A log under construction: lines stamped with the uptime at which they were written, sorted
//! and cut before they are streamed out.

use std::io::{self, Write};

use crate::clock::{printk, Micros};

/// One physical line of output.
#[derive(Debug)]
struct Line {
    /// Uptime at which the line was written (orders the output; not necessarily printed).
    at: Micros,
    /// Insertion order, to keep lines written at the same instant in order.
    seq: usize,
    text: String,
    /// Written without a line end, so the next line is spliced onto it (a login prompt).
    glue: bool,
    /// The crash-evidence line of this boot.
    evidence: bool,
}

/// What was written: the evidence line (1-based number and text) and the time of the last line.
#[derive(Debug, Default)]
pub struct Written {
    pub evidence: Option<(usize, String)>,
    pub last: Option<Micros>,
    /// Complete lines written.
    pub lines: usize,
    /// Whether the last line was left without its line end (spliced with what follows).
    pub partial: bool,
}

/// Lines of one file of one instance.
#[derive(Debug, Default)]
pub struct Lines {
    lines: Vec<Line>,
}

impl Lines {
    /// A line printed as is (firmware, systemd status, syslog, the login banner).
    pub fn raw(&mut self, at: Micros, text: impl Into<String>) {
        let seq = self.lines.len();
        self.lines.push(Line {
            at,
            seq,
            text: text.into(),
            glue: false,
            evidence: false,
        });
    }

    /// A line without a line end: the next line continues it.
    pub fn glued(&mut self, at: Micros, text: impl Into<String>) {
        self.raw(at, text);
        if let Some(last) = self.lines.last_mut() {
            last.glue = true;
        }
    }

    /// A kernel printk line: `[   12.345678] text`.
    pub fn kmsg(&mut self, at: Micros, text: &str) {
        self.raw(at, format!("{} {text}", printk(at)));
    }

    /// A journald line forwarded to the console: `[   57.551987] ident[pid]: text`.
    pub fn journal(&mut self, at: Micros, ident: &str, pid: u32, text: &str) {
        self.kmsg(at, &format!("{ident}[{pid}]: {text}"));
    }

    /// Marks the line added last as the crash evidence.
    pub fn mark_evidence(&mut self) {
        if let Some(last) = self.lines.last_mut() {
            last.evidence = true;
        }
    }

    /// Total bytes of the lines written so far (each with its line end).
    pub fn bytes(&self) -> usize {
        self.lines.iter().map(|l| l.text.len() + 1).sum()
    }

    /// Writes the lines in time order, leaving out those after `cut`.
    pub fn write(mut self, out: &mut impl Write, cut: Option<Micros>) -> io::Result<Written> {
        self.lines.sort_by_key(|l| (l.at, l.seq));
        let mut number = 1;
        let mut current = String::new();
        let mut is_evidence = false;
        let mut evidence = None;
        let mut last = None;
        for line in self.lines.iter().filter(|l| cut.is_none_or(|c| l.at <= c)) {
            last = Some(line.at);
            current.push_str(&line.text);
            is_evidence |= line.evidence;
            if line.glue {
                continue;
            }
            writeln!(out, "{current}")?;
            if is_evidence {
                evidence = Some((number, std::mem::take(&mut current)));
            }
            current.clear();
            is_evidence = false;
            number += 1;
        }
        if !current.is_empty() {
            write!(out, "{current}")?;
        }
        Ok(Written {
            evidence,
            last,
            lines: number - 1,
            partial: !current.is_empty(),
        })
    }
}
