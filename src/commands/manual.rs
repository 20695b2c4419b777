//! `bootline completions SHELL` and `bootline man`: generated from the argument definitions,
//! so they always match the options the binary has.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::Cli;

/// Writes the completion script for `shell` to stdout.
pub(crate) fn completions(shell: clap_complete::Shell) -> anyhow::Result<ExitCode> {
    let mut cmd = Cli::command();
    // Generated in memory: clap_complete panics when its writer fails (a full disk).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "bootline", &mut script);
    let mut out = io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Writes the manual page, with a section per subcommand, to stdout.
pub(crate) fn man() -> anyhow::Result<ExitCode> {
    let cmd = Cli::command();
    let mut page = Vec::new();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    render_subcommands(&mut page, &cmd, "bootline")?;
    man.render_version_section(&mut page)?;
    let mut out = io::stdout().lock();
    out.write_all(&page)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// A section per subcommand (its synopsis, description and options), as `.SH` blocks.
fn render_subcommands(page: &mut Vec<u8>, cmd: &clap::Command, path: &str) -> io::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("{path} {}", sub.get_name());
        // The synopsis names the command by its full path.
        let sub = sub.clone().bin_name(name.clone());
        let man = clap_mangen::Man::new(sub.clone());
        writeln!(page, ".SH \"{}\"", name.to_uppercase())?;
        let mut section = Vec::new();
        man.render_synopsis_section(&mut section)?;
        man.render_description_section(&mut section)?;
        man.render_options_section(&mut section)?;
        // Sections of the subcommand become subsections of its block.
        let text = String::from_utf8_lossy(&section).replace("\n.SH ", "\n.SS ");
        let text = text
            .strip_prefix(".SH ")
            .map_or(text.clone(), |t| format!(".SS {t}"));
        page.extend_from_slice(text.as_bytes());
        render_subcommands(page, &sub, &name)?;
    }
    Ok(())
}
