//! Plain durations files, the input of `fit --durations` and `recommend --durations`: CSV with
//! the header `duration_seconds,censored`, or JSON (a list of objects, or an object of two
//! arrays). Every duration is a positive finite number of seconds and every censoring flag 0, 1,
//! false or true; an error names the file and the line.

use std::path::Path;

use serde::de::{self, Deserializer};
use serde::Deserialize;
use thiserror::Error;

use crate::stats::Record;

/// Why a durations file could not be read.
#[derive(Debug, Error)]
pub(crate) enum DurationsError {
    /// The file could not be read.
    #[error("{path}: cannot read")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        cause: std::io::Error,
    },
    /// The CSV header could not be read.
    #[error("{path}:1: cannot read the header")]
    Header {
        /// The file.
        path: String,
        /// Why.
        #[source]
        cause: csv::Error,
    },
    /// A value, a row or the file's shape is wrong: `path[:line[:column]]: message`.
    #[error("{at}: {message}")]
    Invalid {
        /// The file, with the line (and column) when known.
        at: String,
        /// What is wrong.
        message: String,
    },
}

/// A [`DurationsError::Invalid`] at `at`.
fn invalid(at: String, message: impl Into<String>) -> DurationsError {
    DurationsError::Invalid {
        at,
        message: message.into(),
    }
}

/// Reads a durations file into records.
pub(crate) fn read(path: &Path) -> Result<Vec<Record>, DurationsError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|cause| DurationsError::Read {
        path: name.clone(),
        cause,
    })?;
    let first = text.trim_start().chars().next();
    let records = match first {
        Some('[') | Some('{') => read_json(&name, &text, first == Some('['))?,
        Some(_) => read_csv(&name, &text)?,
        None => return Err(invalid(name, "empty file")),
    };
    if records.is_empty() {
        return Err(invalid(name, "no records"));
    }
    Ok(records)
}

/// A duration that is a positive finite number (checked while parsing, so JSON errors carry
/// their line and column).
struct Duration(f64);

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        if v.is_finite() && v > 0.0 {
            Ok(Duration(v))
        } else {
            Err(de::Error::custom(format!(
                "duration_seconds must be a positive number of seconds, got {v}"
            )))
        }
    }
}

/// A censoring flag written as 0/1 or false/true.
struct Censored(bool);

impl<'de> Deserialize<'de> for Censored {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Bool(bool),
            Num(f64),
        }
        match Raw::deserialize(d) {
            Ok(Raw::Bool(b)) => Ok(Censored(b)),
            Ok(Raw::Num(0.0)) => Ok(Censored(false)),
            Ok(Raw::Num(1.0)) => Ok(Censored(true)),
            _ => Err(de::Error::custom("censored must be 0, 1, false or true")),
        }
    }
}

// [{"duration_seconds": 312.5, "censored": 0}, …]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    duration_seconds: Duration,
    censored: Censored,
}

// {"duration_seconds": [312.5, …], "censored": [0, …]}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Columns {
    duration_seconds: Vec<Duration>,
    censored: Vec<Censored>,
}

fn record(d: Duration, c: Censored) -> Record {
    Record {
        duration_secs: d.0,
        censored: c.0,
    }
}

fn read_json(path: &str, text: &str, list: bool) -> Result<Vec<Record>, DurationsError> {
    let located = |e: serde_json::Error| {
        invalid(format!("{path}:{}:{}", e.line(), e.column()), e.to_string())
    };
    if list {
        let rows: Vec<Row> = serde_json::from_str(text).map_err(located)?;
        return Ok(rows
            .into_iter()
            .map(|r| record(r.duration_seconds, r.censored))
            .collect());
    }
    let c: Columns = serde_json::from_str(text).map_err(located)?;
    if c.duration_seconds.len() != c.censored.len() {
        return Err(invalid(
            path.to_string(),
            format!(
                "duration_seconds has {} values but censored has {}",
                c.duration_seconds.len(),
                c.censored.len()
            ),
        ));
    }
    Ok(c.duration_seconds
        .into_iter()
        .zip(c.censored)
        .map(|(d, c)| record(d, c))
        .collect())
}

fn read_csv(path: &str, text: &str) -> Result<Vec<Record>, DurationsError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|cause| DurationsError::Header {
            path: path.to_string(),
            cause,
        })?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(di), Some(ci)) = (col("duration_seconds"), col("censored")) else {
        return Err(invalid(
            format!("{path}:1"),
            format!(
                "expected the header `duration_seconds,censored`, found `{}`",
                headers.iter().collect::<Vec<_>>().join(",")
            ),
        ));
    };
    let mut out = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            invalid(format!("{path}:{line}"), e.to_string())
        })?;
        let line = row.position().map_or(0, |p| p.line());
        let field = |i: usize| row.get(i).unwrap_or("");
        out.push(csv_record(&format!("{path}:{line}"), field(di), field(ci))?);
    }
    Ok(out)
}

// 312.5,0
fn csv_record(at: &str, duration: &str, censored: &str) -> Result<Record, DurationsError> {
    let d: f64 = duration.parse().map_err(|_| {
        invalid(
            at.to_string(),
            format!("expected a number of seconds in duration_seconds, found `{duration}`"),
        )
    })?;
    if !(d.is_finite() && d > 0.0) {
        return Err(invalid(
            at.to_string(),
            format!("duration_seconds must be a positive number of seconds, got {d}"),
        ));
    }
    let c = match censored.to_ascii_lowercase().as_str() {
        "0" | "false" => false,
        "1" | "true" => true,
        other => {
            return Err(invalid(
                at.to_string(),
                format!("expected 0, 1, false or true in censored, found `{other}`"),
            ))
        }
    };
    Ok(Record {
        duration_secs: d,
        censored: c,
    })
}
