//! `bootline fit`.
use std::process::ExitCode;

use crate::cli::FitArgs;

/// Runs `bootline fit`.
pub fn run(_args: FitArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("fit is not yet available")
}
