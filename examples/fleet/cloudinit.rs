//! `cloud-init.log` (asctime layout with `start:`/`finish:` events and banners) and the
//! `cloud-init analyze blame` output computed from it.

use std::io::{self, Write};

use crate::clock::{asctime, floor_ms, rfc2822, Micros, MS, SEC};
use crate::console::script_failure_lines;
use crate::lines::{Lines, Written};
use crate::plan::{Boot, Crash, Fate, Os};
use crate::rng::Rng;

// Cloud-init v. 23.4.4-0ubuntu0~22.04.1 running 'init-local' at Wed, 10 Jun 2026 14:51:09 +0000. Up 8.12 seconds.
/// A stage banner. `up` is the uptime cloud-init read (10 ms resolution).
pub fn banner_running(os: &Os, action: &str, wall: Micros, up: Micros) -> String {
    format!(
        "Cloud-init v. {} running '{action}' at {}. Up {} seconds.",
        os.cloud_init,
        rfc2822(wall),
        up_text(up)
    )
}

// Cloud-init v. 23.4.4-0ubuntu0~22.04.1 finished at Wed, 10 Jun 2026 14:58:00 +0000. Datasource DataSourceEc2Local.  Up 405.31 seconds
/// The final banner: two spaces before `Up`, no final period.
pub fn banner_finished(os: &Os, wall: Micros, up: Micros) -> String {
    format!(
        "Cloud-init v. {} finished at {}. Datasource DataSourceEc2Local.  Up {} seconds",
        os.cloud_init,
        rfc2822(wall),
        up_text(up)
    )
}

/// cloud-init ≥ 24.1 reports each module's duration in its finish event.
fn took(os: &Os, dur: Micros) -> String {
    if os.module_took {
        format!(" and took {:.3} seconds", dur as f64 / SEC as f64)
    } else {
        String::new()
    }
}

fn up_text(up: Micros) -> String {
    format!("{}.{:02}", up / SEC, up % SEC / (10 * MS))
}

/// The StageFail warning's uptime (shared with the console, which forwards it).
pub fn merge_warning_at(boot: &Boot) -> Micros {
    boot.t.net_banner + 80 * MS
}

/// A finished event with both ends inside the capture, for blame.
struct Span {
    name: String,
    /// Milliseconds between the start and finish stamps (as the log keeps them).
    millis: i64,
}

/// The log under construction.
struct Log<'a> {
    boot: &'a Boot,
    lines: Lines,
    spans: Vec<Span>,
    open: Vec<(String, Micros)>,
    evidence: bool,
}

impl Log<'_> {
    /// `2026-06-10 14:51:09,123 - util.py[DEBUG]: message`
    fn line(&mut self, at: Micros, source: &str, message: &str) {
        let stamp = asctime(self.boot.machine_wall(at));
        self.lines.raw(at, format!("{stamp} - {source}: {message}"));
    }

    fn start(&mut self, at: Micros, name: &str, description: &str) {
        self.line(
            at,
            "handlers.py[DEBUG]",
            &format!("start: {name}: {description}"),
        );
        self.open.push((name.to_string(), at));
    }

    fn finish(&mut self, at: Micros, name: &str, result: &str, description: &str) {
        self.line(
            at,
            "handlers.py[DEBUG]",
            &format!("finish: {name}: {result}: {description}"),
        );
        if self.evidence {
            self.lines.mark_evidence();
            self.evidence = false;
        }
        if let Some(i) = self.open.iter().rposition(|(n, _)| n == name) {
            let (_, started) = self.open.remove(i);
            if self.boot.captured(at) {
                let millis = (floor_ms(self.boot.machine_wall(at))
                    - floor_ms(self.boot.machine_wall(started)))
                    / MS;
                self.spans.push(Span {
                    name: name.to_string(),
                    millis,
                });
            }
        }
    }

    /// One config module from `at` lasting `dur`.
    fn module(
        &mut self,
        at: Micros,
        stage: &str,
        module: &str,
        frequency: &str,
        dur: Micros,
        ok: bool,
    ) {
        let name = format!("{stage}/config-{module}");
        self.start(
            at,
            &name,
            &format!("running config-{module} with frequency {frequency}"),
        );
        let end = at + dur;
        if ok {
            let took = took(self.boot.entry.class.os, dur);
            self.finish(
                end,
                &name,
                "SUCCESS",
                &format!("config-{module} ran successfully{took}"),
            );
        } else {
            self.finish(
                end,
                &name,
                "FAIL",
                &format!("running config-{module} with frequency {frequency}"),
            );
        }
    }

    /// Runs `modules` one after another between `from` and `to`, with sampled durations
    /// scaled to fit.
    fn modules(
        &mut self,
        rng: &mut Rng,
        stage: &str,
        from: Micros,
        to: Micros,
        modules: &[(&str, &str, u32, u32)],
    ) {
        let mut durations: Vec<Micros> = modules
            .iter()
            .map(|&(_, _, lo, hi)| rng.int(i64::from(lo), i64::from(hi)) * MS)
            .collect();
        let budget = (to - from) * 9 / 10 - modules.len() as Micros * MS;
        let total: Micros = durations.iter().sum();
        if total > budget {
            for d in &mut durations {
                *d = floor_ms(*d * budget.max(0) / total);
            }
        }
        let mut at = from;
        for (&(module, frequency, _, _), &dur) in modules.iter().zip(&durations) {
            self.module(at, stage, module, frequency, dur, true);
            at += dur + MS;
        }
    }

    fn banner(&mut self, at: Micros, action: &str) {
        let os = self.boot.entry.class.os;
        let up = at - at.rem_euclid(10 * MS);
        let source = if os.module_took {
            "log_util.py[DEBUG]"
        } else {
            "util.py[DEBUG]"
        };
        self.line(
            at,
            source,
            &banner_running(os, action, self.boot.machine_wall(up), up),
        );
    }
}

const ONCE: &str = "once-per-instance";
const ALWAYS: &str = "always";

/// init-network's modules: (name, frequency, min ms, max ms).
const NETWORK_MODULES: [(&str, &str, u32, u32); 9] = [
    ("seed_random", ONCE, 0, 2),
    ("write_files", ONCE, 0, 3),
    ("growpart", ALWAYS, 100, 600),
    ("resizefs", ALWAYS, 50, 300),
    ("mounts", ONCE, 1, 4),
    ("set_hostname", ONCE, 1, 5),
    ("update_hostname", ALWAYS, 0, 2),
    ("users_groups", ONCE, 100, 500),
    ("ssh", ONCE, 200, 900),
];

const CONFIG_MODULES: [(&str, &str, u32, u32); 6] = [
    ("ssh_import_id", ONCE, 0, 2),
    ("locale", ONCE, 10, 600),
    ("set_passwords", ONCE, 10, 80),
    ("grub_dpkg", ONCE, 200, 500),
    ("apt_configure", ONCE, 20, 100),
    ("runcmd", ONCE, 0, 2),
];

const FINAL_MODULES: [(&str, &str, u32, u32); 5] = [
    ("package_update_upgrade_install", ONCE, 0, 2),
    ("write_files_deferred", ONCE, 0, 2),
    ("scripts_vendor", ONCE, 0, 1),
    ("scripts_per_boot", ALWAYS, 0, 1),
    ("scripts_per_instance", ONCE, 0, 1),
];

/// Builds `cloud-init.log` of one boot; returns its lines and the blame spans.
fn build<'a>(boot: &'a Boot, rng: &mut Rng) -> Log<'a> {
    let mut log = Log {
        boot,
        lines: Lines::default(),
        spans: Vec::new(),
        open: Vec::new(),
        evidence: false,
    };
    init_local(&mut log);
    init_network(&mut log, rng);
    modules_config(&mut log, rng);
    modules_final(&mut log, rng);
    log
}

fn init_local(log: &mut Log) {
    let t = &log.boot.t;
    let (b, end) = (t.local_banner, t.local_end);
    log.banner(b, "init-local");
    log.line(b, "main.py[DEBUG]", "No kernel command line url found.");
    log.line(b, "main.py[DEBUG]", "Closing stdin.");
    log.start(
        b + 6 * MS,
        "init-local/check-cache",
        "attempting to read from cache [check]",
    );
    log.line(b + 6 * MS, "stages.py[DEBUG]", "no cache found");
    log.finish(
        b + 7 * MS,
        "init-local/check-cache",
        "SUCCESS",
        "no cache found",
    );
    log.line(b + 20 * MS, "__init__.py[DEBUG]", "Looking for data source in: ['Ec2', 'None'], via packages ['', 'cloudinit.sources'] that matches dependencies ['FILESYSTEM']");
    let search = b + 23 * MS;
    let found = search + (end - search) * 6 / 10;
    log.start(
        search,
        "init-local/search-Ec2Local",
        "searching for local data from DataSourceEc2Local",
    );
    log.line(
        search + 2 * MS,
        "DataSourceEc2.py[DEBUG]",
        "Fetching Ec2 IMDSv2 API Token",
    );
    log.line(
        found - 3 * MS,
        "url_helper.py[DEBUG]",
        "Read from http://169.254.169.254/latest/api/token (200, 56b) after 1 attempts",
    );
    log.finish(
        found,
        "init-local/search-Ec2Local",
        "SUCCESS",
        "found local data from DataSourceEc2Local",
    );
    log.line(
        found,
        "stages.py[INFO]",
        "Loaded datasource DataSourceEc2Local - DataSourceEc2Local",
    );
    log.finish(
        end - 10 * MS,
        "init-local",
        "SUCCESS",
        "searching for local datasources",
    );
}

fn init_network(log: &mut Log, rng: &mut Rng) {
    let boot = log.boot;
    let t = &boot.t;
    let b = t.net_banner;
    let stage_fail = boot.entry.fate == Fate::Crashes(Crash::StageFail);
    log.banner(b, "init");
    log.start(
        b + 10 * MS,
        "init-network/check-cache",
        "attempting to read from cache [trust]",
    );
    log.finish(
        b + 13 * MS,
        "init-network/check-cache",
        "SUCCESS",
        "restored from cache with run check: DataSourceEc2Local",
    );
    log.start(
        b + 40 * MS,
        "init-network/setup-datasource",
        "setting up datasource",
    );
    log.finish(
        b + 40 * MS,
        "init-network/setup-datasource",
        "SUCCESS",
        "setting up datasource",
    );
    log.start(
        b + 50 * MS,
        "init-network/consume-user-data",
        "reading and applying user-data",
    );
    if stage_fail {
        let at = merge_warning_at(boot);
        log.line(
            at,
            "cloud_config.py[WARNING]",
            "Failed at merging in cloud config part from part-001",
        );
        for text in [
            "Traceback (most recent call last):",
            "  File \"/usr/lib/python3/dist-packages/cloudinit/handlers/cloud_config.py\", line 139, in handle_part",
            "    self._merge_part(payload, headers)",
            "yaml.scanner.ScannerError: mapping values are not allowed here",
        ] {
            log.lines.raw(at, text);
        }
        log.evidence = true;
        log.finish(
            b + 85 * MS,
            "init-network/consume-user-data",
            "FAIL",
            "reading and applying user-data",
        );
    } else {
        log.finish(
            b + 60 * MS,
            "init-network/consume-user-data",
            "SUCCESS",
            "reading and applying user-data",
        );
    }
    log.start(
        b + 90 * MS,
        "init-network/consume-vendor-data",
        "reading and applying vendor-data",
    );
    log.finish(
        b + 90 * MS,
        "init-network/consume-vendor-data",
        "SUCCESS",
        "reading and applying vendor-data",
    );
    log.start(
        b + 120 * MS,
        "init-network/activate-datasource",
        "activating datasource",
    );
    log.finish(
        b + 124 * MS,
        "init-network/activate-datasource",
        "SUCCESS",
        "activating datasource",
    );
    log.modules(
        rng,
        "init-network",
        b + 150 * MS,
        t.net_end - 20 * MS,
        &NETWORK_MODULES,
    );
    let result = if stage_fail { "FAIL" } else { "SUCCESS" };
    log.finish(
        t.net_end - 10 * MS,
        "init-network",
        result,
        "searching for network datasources",
    );
}

fn modules_config(log: &mut Log, rng: &mut Rng) {
    let t = &log.boot.t;
    let b = t.config_banner;
    log.banner(b, "modules:config");
    log.modules(
        rng,
        "modules-config",
        b + 30 * MS,
        t.config_end - 10 * MS,
        &CONFIG_MODULES,
    );
    log.finish(
        t.config_end - 5 * MS,
        "modules-config",
        "SUCCESS",
        "running modules for config",
    );
}

fn modules_final(log: &mut Log, rng: &mut Rng) {
    let boot = log.boot;
    let t = &boot.t;
    let b = t.final_banner;
    log.banner(b, "modules:final");
    log.modules(
        rng,
        "modules-final",
        b + 10 * MS,
        t.scripts_start - MS,
        &FINAL_MODULES,
    );
    let name = "modules-final/config-scripts_user";
    let description = format!("running config-scripts_user with frequency {ONCE}");
    log.start(t.scripts_start, name, &description);
    if boot.entry.fate != Fate::Crashes(Crash::StageFail) {
        log.line(t.scripts_start + MS, "subp.py[DEBUG]", "Running command ['/var/lib/cloud/instance/scripts/part-001'] with allowed return codes [0] (shell=False, capture=False)");
    }
    if matches!(boot.entry.fate, Fate::Hangs(_)) {
        // The script never returns; the log ends with the capture.
        return;
    }
    let code = match boot.entry.fate {
        Fate::Crashes(Crash::PullDenied) => Some(1),
        Fate::Crashes(Crash::AptForbidden) => Some(100),
        _ => None,
    };
    if let Some(code) = code {
        for line in script_failure_lines(code) {
            let (source, message) = line.split_once(": ").unwrap_or(("util.py[WARNING]", &line));
            log.line(t.scripts_end - 2 * MS, source, message);
        }
        log.finish(t.scripts_end, name, "FAIL", &description);
    } else {
        let took = took(boot.entry.class.os, t.scripts_end - t.scripts_start);
        log.finish(
            t.scripts_end,
            name,
            "SUCCESS",
            &format!("config-scripts_user ran successfully{took}"),
        );
    }
    log.module(
        t.scripts_end + MS,
        "modules-final",
        "ssh_authkey_fingerprints",
        ONCE,
        t.authkeys_end - t.scripts_end - MS,
        true,
    );
    log.module(
        t.authkeys_end + MS,
        "modules-final",
        "keys_to_console",
        ONCE,
        t.keys_end - t.authkeys_end - MS,
        true,
    );
    log.module(
        t.keys_end + MS,
        "modules-final",
        "install_hotplug",
        ONCE,
        MS,
        true,
    );
    final_message(log);
    let result = if code.is_some() { "FAIL" } else { "SUCCESS" };
    log.finish(
        t.final_end,
        "modules-final",
        result,
        "running modules for final",
    );
}

/// `config-final_message` prints the `finished at` banner.
fn final_message(log: &mut Log) {
    let boot = log.boot;
    let t = &boot.t;
    let os = boot.entry.class.os;
    let name = "modules-final/config-final_message";
    log.start(
        t.keys_end + 3 * MS,
        name,
        &format!("running config-final_message with frequency {ALWAYS}"),
    );
    let up = t.finished - t.finished.rem_euclid(10 * MS);
    let source = if os.module_took {
        "log_util.py[DEBUG]"
    } else {
        "util.py[DEBUG]"
    };
    log.line(
        t.finished,
        source,
        &banner_finished(os, boot.machine_wall(up), up),
    );
    let took = took(os, t.finished + MS - (t.keys_end + 3 * MS));
    log.finish(
        t.finished + MS,
        name,
        "SUCCESS",
        &format!("config-final_message ran successfully{took}"),
    );
}

/// Writes `cloud-init.log` and `blame.txt`.
pub fn write_log(
    boot: &Boot,
    rng: &mut Rng,
    out: &mut impl Write,
    blame: &mut impl Write,
) -> io::Result<Written> {
    let log = build(boot, rng);
    write_blame(&log.spans, blame)?;
    log.lines.write(out, boot.cut)
}

// -- Boot Record 01 --
//      381.23200s (modules-final/config-scripts_user)
/// `cloud-init analyze blame`: every finished event, longest first, `%08.5f` seconds.
fn write_blame(spans: &[Span], out: &mut impl Write) -> io::Result<()> {
    let mut sorted: Vec<&Span> = spans.iter().filter(|s| s.name.contains('/')).collect();
    sorted.sort_by(|a, b| b.millis.cmp(&a.millis).then(b.name.cmp(&a.name)));
    writeln!(out, "-- Boot Record 01 --")?;
    for span in sorted {
        writeln!(
            out,
            "     {:08.5}s ({})",
            span.millis as f64 / 1000.0,
            span.name
        )?;
    }
    writeln!(out)?;
    writeln!(out, "1 boot records analyzed")
}
