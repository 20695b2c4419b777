//! A summary's bytes: JSON Lines. The first line is the header (`bootline_summary`: the
//! schema version, first, so a summary is known by its first bytes, then the inputs, the
//! phase names the boots refer to by number and the cohorts the attempt lines refer to by
//! number); then one line per attempt row ([`super::wire`]), per key of boots' counts, per
//! boot drawn (lean, as an array) and per kept boot (whole), each section in its sorted order.
//! Numbers are written as `serde_json` writes them (shortest round-trip form), so the same
//! summary is always the same bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Read as _};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::boots::BootCounts;
use super::sketch::Sketch;
use super::wire::{cohort_of, group_of, line_of, AttemptsLine, Cohort};
use super::{Summary, SCHEMA_VERSION};
use crate::report::inputs::InputFile;
use crate::timeline::lean::record::LeanRecord;
use crate::timeline::lean::{Interner, LeanBoot};
use crate::timeline::{Boot, LISTED_MAX};

/// What every summary's first bytes are.
const MAGIC: &[u8] = b"{\"bootline_summary\":";

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    bootline_summary: u32,
    group_by: Option<String>,
    max_plausible_secs: f64,
    /// The most ids kept per group of each kind an output lists
    /// ([`crate::timeline::LISTED_MAX`]).
    listed_max: usize,
    with_boots: bool,
    instances: u64,
    instance_sketch: String,
    inputs: Vec<InputFile>,
    phase_names: Vec<String>,
    /// The class, template and labels the attempt lines refer to by number, sorted.
    cohorts: Vec<Cohort>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum Line {
    Attempts(AttemptsLine),
    Boots {
        class: String,
        template: Option<String>,
        labels: BTreeMap<String, String>,
        counts: BootCounts,
    },
    Boot(LeanRecord),
    Kept(Box<Boot>),
}

/// Why a summary could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReadError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A line is not what a summary holds there.
    #[error("{path}:{line}: expected {expected}: {why}")]
    Malformed {
        /// The path.
        path: String,
        /// 1-based line number.
        line: u64,
        /// What the line should have been.
        expected: &'static str,
        /// What was wrong with it.
        why: String,
    },
    /// A summary of another schema version.
    #[error("{path}:1: expected a bootline summary of schema_version {SCHEMA_VERSION}, found version {found}: summarize its inputs again with this bootline")]
    Version {
        /// The path.
        path: String,
        /// The version it has.
        found: u64,
    },
}

/// Whether the file at `path` begins as a summary does (a folder or an unreadable file does
/// not).
pub(crate) fn is_summary(path: &Path) -> bool {
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    let mut head = Vec::with_capacity(MAGIC.len());
    f.take(MAGIC.len() as u64).read_to_end(&mut head).is_ok() && head == MAGIC
}

impl Summary {
    /// The summary's bytes.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let names: BTreeSet<&str> = self
            .boots
            .values()
            .flat_map(|b| b.phases.iter().map(|p| &**p.name))
            .collect();
        let index: BTreeMap<&str, u32> = (names.iter().enumerate())
            .map(|(i, n)| (*n, i as u32))
            .collect();
        let cohorts: BTreeSet<Cohort> = (self.attempts.values())
            .map(|(g, _)| cohort_of(g))
            .collect();
        let number: BTreeMap<Cohort, u32> = (cohorts.iter().enumerate())
            .map(|(i, c)| (c.clone(), i as u32))
            .collect();
        let header = Header {
            bootline_summary: SCHEMA_VERSION,
            group_by: self.group_by.clone(),
            max_plausible_secs: self.max_plausible_secs,
            listed_max: LISTED_MAX,
            with_boots: self.with_boots,
            instances: self.instances,
            instance_sketch: self.sketch.to_hex(),
            inputs: self.inputs.values().cloned().collect(),
            phase_names: names.iter().map(|n| n.to_string()).collect(),
            cohorts: cohorts.into_iter().collect(),
        };
        let mut out = Vec::new();
        let mut line = |v: &dyn erased::Line| {
            v.write(&mut out);
            out.push(b'\n');
        };
        line(&header);
        for (group, counts) in self.attempts.values() {
            line(&Line::Attempts(line_of(group, counts, &number)));
        }
        for ((class, template, labels), counts) in &self.boot_counts {
            line(&Line::Boots {
                class: class.clone(),
                template: template.clone(),
                labels: labels.clone(),
                counts: counts.clone(),
            });
        }
        for b in self.boots.values() {
            line(&Line::Boot(b.to_record(&|n| index[n])));
        }
        for b in &self.kept {
            line(&Line::Kept(Box::new(b.clone())));
        }
        out
    }

    /// Reads the summary at `path`.
    pub(crate) fn read(path: &Path) -> Result<Self, ReadError> {
        let shown = path.display().to_string();
        let io = |source| ReadError::Io {
            path: shown.clone(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let mut lines = std::io::BufReader::new(file).lines();
        let first = lines.next().transpose().map_err(io)?.unwrap_or_default();
        let header = header(&shown, &first)?;
        let sketch = Sketch::from_hex(&header.instance_sketch).ok_or_else(|| {
            malformed(
                &shown,
                1,
                HEADER,
                "instance_sketch is not 8,192 hexadecimal digits".into(),
            )
        })?;
        let mut s = Summary::new(header.group_by.as_deref(), header.max_plausible_secs)
            .made(header.with_boots);
        s.inputs = (header.inputs.into_iter())
            .map(|f| (f.path.clone(), f))
            .collect();
        s.instances = header.instances;
        s.sketch = sketch;
        let mut names = Interner::default();
        let mut kept = Vec::new();
        for (i, text) in lines.enumerate() {
            let n = i as u64 + 2;
            let text = text.map_err(io)?;
            let line: Line = serde_json::from_str(&text)
                .map_err(|e| malformed(&shown, n, LINE, e.to_string()))?;
            match line {
                Line::Attempts(line) => {
                    let (group, counts) = group_of(line, &header.cohorts)
                        .map_err(|e| malformed(&shown, n, LINE, e.to_string()))?;
                    s.attempts.insert(group.key(), (group, counts));
                }
                Line::Boots {
                    class,
                    template,
                    labels,
                    counts,
                } => {
                    s.boot_counts.insert((class, template, labels), counts);
                }
                Line::Boot(r) => {
                    let b = LeanBoot::from_record(r, &header.phase_names, &mut names)
                        .ok_or_else(|| malformed(&shown, n, LINE, OUT_OF_RANGE.into()))?;
                    s.boots.insert((b.instance.clone(), b.boot), b);
                }
                Line::Kept(b) => kept.push(*b),
            }
        }
        s.keep(kept);
        s.trim();
        Ok(s)
    }
}

const OUT_OF_RANGE: &str = "a phase name's number beyond the header's phase_names";
const HEADER: &str = "a summary's header ({\"bootline_summary\": 3, …})";
const LINE: &str =
    "a summary line ({\"attempts\": …}, {\"boots\": …}, {\"boot\": …} or {\"kept\": …})";

fn malformed(path: &str, line: u64, expected: &'static str, why: String) -> ReadError {
    ReadError::Malformed {
        path: path.to_string(),
        line,
        expected,
        why,
    }
}

/// The header on the first line, its version checked before the rest is read, and the
/// number of ids it keeps of each listed kind.
fn header(path: &str, first: &str) -> Result<Header, ReadError> {
    let value: serde_json::Value =
        serde_json::from_str(first).map_err(|e| malformed(path, 1, HEADER, e.to_string()))?;
    let version = value
        .get("bootline_summary")
        .and_then(serde_json::Value::as_u64);
    match version {
        Some(v) if v == u64::from(SCHEMA_VERSION) => {}
        Some(found) => {
            return Err(ReadError::Version {
                path: path.to_string(),
                found,
            })
        }
        None => {
            return Err(malformed(
                path,
                1,
                HEADER,
                "no bootline_summary version".into(),
            ))
        }
    }
    let header: Header =
        serde_json::from_value(value).map_err(|e| malformed(path, 1, HEADER, e.to_string()))?;
    if header.listed_max != LISTED_MAX {
        let why = format!(
            "listed_max {} (this bootline keeps {LISTED_MAX})",
            header.listed_max
        );
        return Err(malformed(path, 1, HEADER, why));
    }
    Ok(header)
}

/// Lines of different types written through one closure.
mod erased {
    pub(super) trait Line {
        fn write(&self, out: &mut Vec<u8>);
    }

    impl<T: serde::Serialize> Line for T {
        fn write(&self, out: &mut Vec<u8>) {
            serde_json::to_writer(out, self).expect("a summary line serialises");
        }
    }
}
