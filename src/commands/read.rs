//! Reading the inputs every command that works on boots shares: the configuration with
//! `--end` applied, the sources read into digests (identities decided, copies and repeats
//! dropped, each problem said on stderr), and the boots assembled and selected, whole or lean.

use crate::config::{Config, LatencyEnd};
use crate::ingest::{collect_reporting, SourceReport};
use crate::render::empty;
use crate::timeline::assemble;
use crate::timeline::identity::IdentityRule;
use crate::timeline::lean::{Fleet, Interner, Keep, LeanBoot, Reduce, Seen, Selection};
use crate::timeline::{self, dedup, fragment, Boot, Classes};
use anyhow::bail;
use chrono::{DateTime, NaiveDate, Utc};

use super::{report_copies, report_malformed, Inputs};
use crate::cli::{IdentityArg, SelectArgs};

/// Loads the configuration named with `--config`, or the defaults, with `--end` applied.
pub(crate) fn load_config(select: &SelectArgs) -> anyhow::Result<Config> {
    let mut config = match &select.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    for w in &config.warnings {
        crate::warn!("bootline: {}", crate::render::config_warning(w));
    }
    if let Some(end) = &select.end {
        config
            .set_end(end)
            .map_err(|message| anyhow::anyhow!("--end: {message}"))?;
    }
    Ok(config)
}

/// A `--since`/`--until` value: a date alone (midnight UTC), or a time with any offset:
/// RFC 3339 (`2026-06-10T16:51:01+02:00`, `Z`, a space for `T`, fractions), or its ISO 8601
/// cousin without the offset's colon (`+0200`).
fn parse_time(what: &str, v: &Option<String>) -> anyhow::Result<Option<DateTime<Utc>>> {
    let Some(s) = v else { return Ok(None) };
    let t = s.trim();
    let parsed = DateTime::parse_from_rfc3339(t)
        .or_else(|_| DateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .or_else(|_| DateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f%z"))
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc())
        });
    match parsed {
        Some(d) => Ok(Some(d)),
        None => bail!(
            "--{what} {s}: expected a date (2026-06-10, from midnight UTC) or a time with its \
             offset (2026-06-10T14:51:01Z, 2026-06-10T16:51:01+02:00)"
        ),
    }
}

/// The selection of `--instance`, `--since`, `--until` and a class.
fn selection(select: &SelectArgs, class: Option<&str>) -> anyhow::Result<Selection> {
    Ok(Selection {
        class: class.map(String::from),
        instance: select.instance.clone(),
        since: parse_time("since", &select.since)?,
        until: parse_time("until", &select.until)?,
    })
}

/// What a read found besides its boots.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Found {
    /// Whether any source failed to read.
    pub(crate) failed: bool,
    /// Whether no boot was found, or the selection kept none (said on stderr).
    pub(crate) nothing: bool,
}

/// Reads, assembles and selects boots; reports per-source problems on stderr, and why when
/// no boot was found or selected. Returns the boots and what the read found.
pub(crate) fn read_boots(
    inputs: &Inputs,
    config: &Config,
    select: &SelectArgs,
    class: Option<&str>,
) -> anyhow::Result<(Vec<Boot>, Found)> {
    let selection = selection(select, class)?;
    let mut read = read_digests(inputs, config, select, None, false)?;
    let digests = std::mem::take(&mut read.digests);
    let (boots, apart) = timeline::assemble_noting(digests, &Classes::from(config));
    for note in &apart {
        crate::warn!("bootline: {note}");
    }
    say_automatic_ends(
        config,
        boots.iter().map(|b| (b.class.as_str(), b.end.as_str())),
    );
    if let Some(id) = select.instance.as_deref() {
        if !boots.is_empty() && !boots.iter().any(|b| b.instance == id) {
            let instances: std::collections::BTreeSet<&str> =
                boots.iter().map(|b| b.instance.as_str()).collect();
            no_such_instance(id, instances.len())?;
        }
    }
    let nothing = !boots.iter().any(|b| selection.keeps(b));
    let seen = Seen::of(&boots);
    say_undated(&selection, &seen);
    if nothing {
        say_nothing(inputs, &read, &seen, &selection);
    }
    let boots = boots.into_iter().filter(|b| selection.keeps(b)).collect();
    let found = Found {
        failed: read.failed,
        nothing,
    };
    Ok((boots, found))
}

/// [`read_boots`], handing each selected boot to `each` in the same order as soon as it is
/// final instead of collecting them ([`assemble::assemble_in_order`]): memory holds the boots
/// in flight and each selected boot's lean form. Returns the lean boots (what the fleet's
/// checks read) and what the read found.
pub(crate) fn stream_boots(
    inputs: &Inputs,
    config: &Config,
    select: &SelectArgs,
    class: Option<&str>,
    each: &mut dyn FnMut(Boot),
) -> anyhow::Result<(Vec<LeanBoot>, Found)> {
    let selection = selection(select, class)?;
    let mut read = read_digests(inputs, config, select, None, false)?;
    let digests = std::mem::take(&mut read.digests);
    let mut seen = Seen::default();
    let mut instances = 0usize;
    let mut last_instance: Option<String> = None;
    let mut interner = Interner::default();
    let mut lean = Vec::new();
    let mut to_boot_finished = std::collections::BTreeSet::new();
    let apart = assemble::assemble_in_order(digests, &Classes::from(config), &mut |b| {
        seen.add(&b);
        if b.end == LatencyEnd::BootFinished.as_str() && !to_boot_finished.contains(&b.class) {
            to_boot_finished.insert(b.class.clone());
        }
        seen.instance_read |= select.instance.as_deref() == Some(b.instance.as_str());
        if last_instance.as_deref() != Some(b.instance.as_str()) {
            instances += 1;
            last_instance = Some(b.instance.clone());
        }
        if selection.keeps(&b) {
            // Assembly gave every boot its attempt (`Boot::own_attempt`).
            lean.push(interner.lean(&b));
            each(b);
        }
    });
    for note in &apart {
        crate::warn!("bootline: {note}");
    }
    let finished = LatencyEnd::BootFinished.as_str();
    say_automatic_ends(
        config,
        to_boot_finished.iter().map(|c| (c.as_str(), finished)),
    );
    if let Some(id) = select.instance.as_deref() {
        if seen.boots > 0 && !seen.instance_read {
            no_such_instance(id, instances)?;
        }
    }
    say_undated(&selection, &seen);
    let nothing = lean.is_empty();
    if nothing {
        say_nothing(inputs, &read, &seen, &selection);
    }
    let found = Found {
        failed: read.failed,
        nothing,
    };
    Ok((lean, found))
}

/// Says on stderr how many boots `--since`/`--until` left out for want of a date.
fn say_undated(selection: &Selection, seen: &Seen) {
    if seen.undated > 0 && (selection.since.is_some() || selection.until.is_some()) {
        crate::warn!("bootline: {}", empty::undated_left_out(seen.undated));
    }
}

/// Says on stderr why no boot is left: what each input gave when none gave a boot, else what
/// the selection left out.
fn say_nothing(inputs: &Inputs, read: &Read, seen: &Seen, selection: &Selection) {
    if seen.boots > 0 {
        crate::warn!("bootline: {}", empty::nothing_selected(selection, seen));
        return;
    }
    let gave: Vec<empty::Input<'_>> = read
        .reports
        .iter()
        .zip(&inputs.sources)
        .map(|(r, source)| {
            let copy = read.copies.iter().find(|c| c.path == r.path);
            let gave = match (&r.summary, &r.error, copy) {
                _ if r.passed_over(source) => empty::Gave::Skipped,
                (_, Some(_), _) => empty::Gave::Failed,
                (_, None, Some(c)) => empty::Gave::CopyOf(&c.kept),
                (Some(s), None, None) => empty::Gave::Read(s),
                (None, None, None) => empty::Gave::Failed,
            };
            empty::Input {
                path: &r.path,
                gave,
            }
        })
        .collect();
    crate::warn!("bootline: {}", empty::no_boot(&gave));
}

/// Under `[latency] end = "auto"`, names once each class whose latencies run to cloud-init's end
/// because none of its boots has platform events.
fn say_automatic_ends<'a>(config: &Config, boots: impl Iterator<Item = (&'a str, &'a str)>) {
    if config.latency.end != LatencyEnd::Auto {
        return;
    }
    let classes: std::collections::BTreeSet<&str> = boots
        .filter(|(_, end)| *end == LatencyEnd::BootFinished.as_str())
        .map(|(class, _)| class)
        .collect();
    for class in classes {
        crate::warn!(
            "bootline: class {class}: latency to boot_finished (cloud-init's end): no platform \
             events or register lines"
        );
    }
}

fn no_such_instance(id: &str, instances: usize) -> anyhow::Result<()> {
    bail!(
        "--instance {id} matches none of the {} read",
        super::count(instances, "instance")
    )
}

/// Reads boots and reduces them to their lean form as they are read (timeline shards line by
/// line, raw logs after assembly), keeping whole the boots `keep` asks for; reports per-source
/// problems on stderr, and why when no boot was found or selected. Returns the fleet and what
/// the read found.
pub(crate) fn read_fleet(
    inputs: &Inputs,
    config: &Config,
    select: &SelectArgs,
    class: Option<&str>,
    keep: Keep,
) -> anyhow::Result<(Fleet, Found)> {
    let (fleet, read) = read_fleet_reporting(inputs, config, select, class, keep, false)?;
    Ok((fleet, read.found()))
}

/// [`read_fleet_reporting`] for what needs no phases and keeps no boot whole (a
/// recommendation, a summary of attempts): its lean boots have no phases, and timeline lines
/// are skimmed rather than parsed whole ([`crate::timeline::skim`]).
pub(crate) fn read_fleet_without_phases(
    inputs: &Inputs,
    config: &Config,
    select: &SelectArgs,
    class: Option<&str>,
    sha256: bool,
) -> anyhow::Result<(Fleet, Read)> {
    let spec = Reduce {
        select: selection(select, class)?,
        keep: Keep::default(),
        without_phases: true,
    };
    reduce_fleet(inputs, config, select, spec, sha256)
}

/// [`read_fleet`], computing each source's SHA-256 in the pass that reads it when `sha256`
/// is asked for; returns with the fleet how each source was read.
pub(crate) fn read_fleet_reporting(
    inputs: &Inputs,
    config: &Config,
    select: &SelectArgs,
    class: Option<&str>,
    keep: Keep,
    sha256: bool,
) -> anyhow::Result<(Fleet, Read)> {
    let spec = Reduce {
        select: selection(select, class)?,
        keep,
        without_phases: false,
    };
    reduce_fleet(inputs, config, select, spec, sha256)
}

/// The fleet of the boots `spec` reduces the sources to, and how each source was read.
fn reduce_fleet(
    inputs: &Inputs,
    config: &Config,
    select: &SelectArgs,
    spec: Reduce,
    sha256: bool,
) -> anyhow::Result<(Fleet, Read)> {
    let mut read = read_digests(inputs, config, select, Some(&spec), sha256)?;
    let digests = std::mem::take(&mut read.digests);
    let (fleet, instances, apart) = assemble::reduce(digests, &Classes::from(config), &spec);
    for note in &apart {
        crate::warn!("bootline: {note}");
    }
    say_automatic_ends(config, fleet.boots.iter().map(|b| (&*b.class, &*b.end)));
    if let Some(id) = select.instance.as_deref() {
        if fleet.seen.boots > 0 && !fleet.seen.instance_read {
            no_such_instance(id, instances)?;
        }
    }
    say_undated(&spec.select, &fleet.seen);
    read.nothing = fleet.boots.is_empty();
    if read.nothing {
        say_nothing(inputs, &read, &fleet.seen, &spec.select);
    }
    Ok((fleet, read))
}

/// What reading the sources gave.
pub(crate) struct Read {
    /// One digest per source, in source order (copies and repeated boots dropped).
    pub(crate) digests: Vec<fragment::SourceBoots>,
    /// How each source was read, in source order.
    pub(crate) reports: Vec<SourceReport>,
    /// The sources dropped as copies of earlier ones.
    pub(crate) copies: Vec<dedup::RepeatedSource>,
    /// Whether any source failed to read.
    pub(crate) failed: bool,
    /// Whether no boot was found, or the selection kept none (said on stderr).
    pub(crate) nothing: bool,
}

impl Read {
    /// What the read found besides its boots.
    pub(crate) fn found(&self) -> Found {
        Found {
            failed: self.failed,
            nothing: self.nothing,
        }
    }
}

/// Reads every source into digests (reducing timeline inputs when `reduce` is given, with
/// each source's SHA-256 when `sha256` is asked for), with identities decided and copies and
/// repeated boots dropped; reports per-source problems on stderr.
fn read_digests(
    inputs: &Inputs,
    config: &Config,
    select: &SelectArgs,
    reduce: Option<&Reduce>,
    sha256: bool,
) -> anyhow::Result<Read> {
    let bar = if inputs.quiet {
        indicatif::ProgressBar::hidden()
    } else {
        super::progress::reading(&inputs.sources)
    };
    let (mut digests, mut reports) = collect_reporting(
        &inputs.sources,
        inputs.format,
        &inputs.options,
        reduce,
        sha256,
        &|s| bar.inc(s.size.unwrap_or(0)),
    );
    bar.finish_and_clear();
    let rule = match select.identity {
        IdentityArg::Content => IdentityRule::Content,
        IdentityArg::Folder => IdentityRule::Folder,
        IdentityArg::File => IdentityRule::File,
    };
    let identity = crate::timeline::identity::IdentitySettings::new(rule, config);
    for d in &mut digests {
        if let Some(why) = fragment::apply(d, &identity) {
            crate::warn!("bootline: {why}");
        }
    }
    if rule == IdentityRule::Content {
        for note in timeline::machine::join(&mut digests) {
            crate::warn!("bootline: {note}");
        }
    }
    let copies = dedup::drop_copies(&mut digests, &mut reports);
    report_copies(&copies);
    drop_repeats(&mut digests, inputs);
    let failed = say_errors(inputs, &reports)?;
    Ok(Read {
        digests,
        reports,
        copies,
        failed,
        nothing: false,
    })
}

/// Drops boots held twice in one input, platform events read from two inputs and boots two
/// timeline shards hold, saying on stderr which.
fn drop_repeats(digests: &mut [fragment::SourceBoots], inputs: &Inputs) {
    let twice: Vec<String> = digests
        .iter()
        .zip(inputs.paths())
        .filter(|(d, _)| d.repeated_boots > 0)
        .map(|(d, p)| format!("{} ({})", p.display(), d.repeated_boots))
        .collect();
    if !twice.is_empty() {
        crate::warn!(
            "bootline: boots held twice in one input (captured twice), counted once: {}",
            super::name_list(&twice)
        );
    }
    for cut in digests.iter().filter_map(|d| d.boots_cut.as_ref()) {
        crate::warn!("bootline: {cut}");
    }
    let events = dedup::drop_repeated_events(digests, &inputs.paths());
    if !events.is_empty() {
        let names: Vec<String> = events
            .iter()
            .map(|r| format!("{} ({})", r.path.display(), r.events))
            .collect();
        crate::warn!(
            "bootline: {} already read from another input, counted once: {}",
            super::count(events.iter().map(|r| r.events).sum(), "platform event"),
            super::name_list(&names)
        );
    }
    let repeated = dedup::drop_repeated_boots(digests, &inputs.paths());
    if !repeated.is_empty() {
        let names: Vec<String> = repeated
            .iter()
            .map(|r| format!("{} boot {} ({})", r.instance, r.boot, r.path.display()))
            .collect();
        crate::warn!(
            "bootline: {} held by more than one timeline shard, kept from the first: {}",
            super::count(repeated.len(), "boot"),
            super::name_list(&names)
        );
    }
}

/// Says on stderr each source's malformed lines, the files walks found that are no log, and
/// the sources that failed (`--strict`: the first failure is the error; when nothing could be
/// read, the failures are). Returns whether any source failed.
fn say_errors(inputs: &Inputs, reports: &[SourceReport]) -> anyhow::Result<bool> {
    let mut errors = Vec::new();
    let mut unrecognised = Vec::new();
    for (r, source) in reports.iter().zip(&inputs.sources) {
        if let Some(s) = &r.summary {
            report_malformed(s);
        }
        // A file found by walking a folder that is no log bootline knows is skipped, and said.
        if r.passed_over(source) {
            unrecognised.push(r.path.clone());
            continue;
        }
        if let Some(e) = &r.error {
            if inputs.options.strict {
                bail!("{e}");
            }
            errors.push(e.to_string());
        }
    }
    super::report_unrecognised(&unrecognised);
    // Nothing read at all: the errors are the whole answer, and no empty table follows.
    if reports.iter().all(|r| r.summary.is_none()) && !errors.is_empty() {
        bail!("{}", errors.join("\nbootline: "));
    }
    for e in &errors {
        crate::warn!("bootline: {e}");
    }
    Ok(!errors.is_empty())
}
