//! Deterministic generator of bootline's fixture fleet.
//!
//! ```text
//! cargo run --release --example fleet -- --out fixtures/fleet [--instances N] [--seed S] [--console-kb K]
//! cargo run --release --example fleet -- --console-fixtures fixtures/console
//! cargo run --release --example fleet -- --timelines N --out DIR [--shards K] [--seed S]
//! ```
//!
//! The fleet models the incident of docs/design.md §1: per instance a folder with `console.log`
//! (every instance), `cloud-init.log` and `blame.txt` (every 5th, the incident, and every boot
//! that did not simply register), plus `events.jsonl` (the platform's events) and `truth.json`
//! (what the generator intended for every boot). `--console-fixtures` writes the synthetic
//! byte-level console fixtures instead; `--timelines` writes N provisioning attempts of such a
//! fleet as timeline JSON Lines shards, as `bootline timeline --format jsonl` writes them
//! (`timelines.rs`).
//!
//! Everything derives from the seed through a hand-written PRNG (`rng.rs`): no wall clock, no
//! network, no crate whose stream could change. Files are streamed one instance at a time.

mod attempts;
mod clock;
mod cloudinit;
mod console;
mod fleet;
mod lines;
mod plan;
mod rng;
mod synthetic;
mod timelines;

use std::path::PathBuf;
use std::process::ExitCode;

/// What to do, from the command line.
#[derive(Debug)]
enum Mode {
    Fleet(fleet::Options),
    ConsoleFixtures(PathBuf),
    Timelines(timelines::Options),
    Help,
}

const USAGE: &str = "\
usage: fleet --out DIR [--instances N] [--seed S] [--console-kb K]
       fleet --console-fixtures DIR
       fleet --timelines N --out DIR [--shards K] [--seed S] [--slower-pull SECS]

  --out DIR               write the fleet (instance folders, events.jsonl, truth.json) to DIR
  --instances N           number of boots (default 1140: ~1,000 default, 36 gpu-large, 100 hermes)
  --seed S                PRNG seed (default 20260610)
  --console-kb K          pad every console.log with realistic chatter to about K KiB
  --console-fixtures DIR  write the synthetic byte-level console fixtures to DIR
  --timelines N           write N provisioning attempts as timeline shards (DIR/timelines-00.jsonl,
                          …, one boot a line) and their counts (DIR/truth-timelines.json)
  --shards K              number of timeline shards, written in parallel (default 16)
  --slower-pull SECS      with --timelines: every boot that runs its user-data script pulls its
                          image SECS seconds longer (a slower image, for `bootline compare`)";

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Mode, String> {
    let mut options = fleet::Options::default();
    let mut out = None;
    let mut fixtures = None;
    let mut timelines: Option<usize> = None;
    let mut shards = None;
    let mut pull_extra_secs = None;
    let mut instances_given = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            "--instances" => {
                options.instances = number(&value("--instances")?, "--instances")?;
                instances_given = true;
            }
            "--timelines" => timelines = Some(number(&value("--timelines")?, "--timelines")?),
            "--shards" => shards = Some(number(&value("--shards")?, "--shards")?),
            "--slower-pull" => {
                pull_extra_secs = Some(number(&value("--slower-pull")?, "--slower-pull")?)
            }
            "--seed" => options.seed = number(&value("--seed")?, "--seed")?,
            "--console-kb" => options.console_kb = number(&value("--console-kb")?, "--console-kb")?,
            "--console-fixtures" => fixtures = Some(PathBuf::from(value("--console-fixtures")?)),
            "-h" | "--help" => return Ok(Mode::Help),
            other => return Err(format!("unexpected argument `{other}`")),
        }
    }
    if let Some(attempts) = timelines {
        return timelines_mode(
            attempts,
            shards,
            out,
            fixtures.is_some() || instances_given,
            options.seed,
        )
        .map(|mode| match mode {
            Mode::Timelines(t) => Mode::Timelines(timelines::Options {
                pull_extra_secs: pull_extra_secs.unwrap_or(0),
                ..t
            }),
            other => other,
        });
    }
    if shards.is_some() || pull_extra_secs.is_some() {
        return Err("--shards and --slower-pull go with --timelines".into());
    }
    match (out, fixtures) {
        (Some(_), Some(_)) => Err("give either --out or --console-fixtures".into()),
        (None, Some(dir)) => Ok(Mode::ConsoleFixtures(dir)),
        (Some(dir), None) if options.instances > 0 => {
            options.out = dir;
            Ok(Mode::Fleet(options))
        }
        (Some(_), None) => Err("--instances must be at least 1".into()),
        (None, None) => Err("--out DIR is required".into()),
    }
}

/// Checks the options of `--timelines`.
fn timelines_mode(
    attempts: usize,
    shards: Option<usize>,
    out: Option<PathBuf>,
    other_mode: bool,
    seed: u64,
) -> Result<Mode, String> {
    if other_mode {
        return Err("--timelines takes neither --instances nor --console-fixtures".into());
    }
    let out = out.ok_or("--out DIR is required")?;
    let shards = shards.unwrap_or(timelines::DEFAULT_SHARDS);
    if attempts == 0 || shards == 0 {
        return Err("--timelines and --shards must be at least 1".into());
    }
    Ok(Mode::Timelines(timelines::Options {
        out,
        attempts,
        shards,
        seed,
        pull_extra_secs: 0,
    }))
}

fn number<T: std::str::FromStr>(text: &str, name: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{name}: `{text}` is not a valid number"))
}

fn main() -> ExitCode {
    let mode = match parse_args(std::env::args().skip(1)) {
        Ok(mode) => mode,
        Err(message) => {
            eprintln!("fleet: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = match mode {
        Mode::Help => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Mode::Fleet(options) => fleet::write(&options),
        Mode::ConsoleFixtures(dir) => synthetic::write(&dir),
        Mode::Timelines(options) => timelines::write(&options),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("fleet: {err}");
            ExitCode::FAILURE
        }
    }
}
