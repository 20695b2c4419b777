//! `bootline chart KIND INPUT… -o FILE`: one chart of the report, alone.

use std::io::Write as _;
use std::process::ExitCode;

use crate::chart::{self, Kind};
use crate::output::{self, Target};
use crate::report::Presentation;

use super::report::{build, zone, Built};
use crate::cli::ChartArgs;

/// Runs `bootline chart`.
pub(crate) fn run(args: ChartArgs) -> anyhow::Result<ExitCode> {
    let kind: Kind = args.kind.parse().map_err(|e: String| anyhow::anyhow!(e))?;
    let presentation = Presentation {
        zone: zone(&args.report.tz)?,
        link_base: None,
        redact: false,
    };
    let target = if args.output.as_os_str() == "-" {
        Target::Stdout
    } else {
        Target::File(&args.output)
    };
    let built = build(&args.report, presentation, None, (false, None), |inputs| {
        Ok(output::refuse_inputs(target, inputs)?)
    })?;
    let Built {
        report: Some(report),
        failed,
        ..
    } = built
    else {
        return Ok(built.nothing_code());
    };
    let svg = chart::render(kind, &report)?;
    if args.output.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        out.write_all(svg.as_bytes())?;
        out.flush()?;
    } else {
        output::write_file(&args.output, svg.as_bytes())?;
    }
    Ok(super::exit_code(failed, false))
}
