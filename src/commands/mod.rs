//! One module per subcommand; each turns validated arguments into output and an exit code.

mod fit;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

/// Runs the chosen subcommand.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Fit(args) => fit::run(args),
        _ => anyhow::bail!("not yet available"),
    }
}
