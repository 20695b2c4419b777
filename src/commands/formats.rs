//! `bootline formats`: every input format with its name and one example line.

use std::io::Write;
use std::process::ExitCode;

use crate::parse::Format;

/// Runs `bootline formats`.
pub(crate) fn run() -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let width = Format::ALL
        .iter()
        .map(|f| f.name().len())
        .max()
        .unwrap_or(0);
    for f in Format::ALL {
        writeln!(out, "{:width$}  {}", f.name(), f.description())?;
        writeln!(out, "{:width$}    e.g. {}", "", f.example())?;
    }
    Ok(ExitCode::SUCCESS)
}
