//! Classifiers for the free-text message of a log line, shared by every text format (serial
//! console, journald in all its layouts, `cloud-init-output.log`): cloud-init banners found
//! anywhere, the kernel banner, systemd job messages (with ellipsized descriptions mapped to the
//! cloud-init units), "Startup finished", cloud-init `start:`/`finish:` events and crash
//! evidence. A caller strips its own prefix (stamp, host, `ident[pid]:`) and stamps what is
//! found; a banner carries its own wall time and uptime.

use nom::bytes::complete::take_while1;
use nom::character::complete::{char, digit1};
use nom::combinator::opt;
use nom::sequence::delimited;
use nom::{IResult, Parser};

use super::banner;
use chrono::{DateTime, FixedOffset};

use crate::event::{BootClock, CrashKind, Edge, EventKind, SinceBoot, StageResult, Stamp};

/// Something a message says, with the stamp it carries itself (a banner's own time).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Found {
    /// What happened.
    pub(crate) kind: EventKind,
    /// The message's own stamp, merged over the line's stamp by [`Found::stamp`].
    pub(crate) own: Option<Stamp>,
}

impl Found {
    fn plain(kind: EventKind) -> Self {
        Self { kind, own: None }
    }

    /// The event's stamp: the message's own clocks where it has them, the line's otherwise.
    pub(crate) fn stamp(&self, line: Stamp) -> Stamp {
        match self.own {
            None => line,
            Some(own) => Stamp {
                wall: own.wall.or(line.wall),
                since_boot: own.since_boot.or(line.since_boot),
            },
        }
    }
}

/// Who wrote a message, when the line says (`systemd[1]:`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Origin<'a> {
    /// Syslog identifier (`systemd`, `cloud-init`).
    pub(crate) ident: Option<&'a str>,
    /// Process id as written.
    pub(crate) pid: Option<&'a str>,
}

impl Origin<'_> {
    /// Whether systemd's service manager (PID 1), or an unknown writer, wrote the message:
    /// systemd job messages and "Startup finished" count only from it (a user manager
    /// `systemd[1234]` prints its own "Startup finished in 120ms.").
    fn is_system_manager(&self) -> bool {
        match self.ident {
            None => true,
            Some("systemd") => self.pid.is_none_or(|p| p == "1"),
            Some(_) => false,
        }
    }
}

/// `cloud-init[1321]: ` / `systemd: ` / `kernel: ` (a syslog tag: ident, optional pid, colon)
pub(crate) fn tag_prefix(i: &str) -> IResult<&str, Origin<'_>> {
    let (i, ident) =
        take_while1(|c: char| !c.is_whitespace() && c != '[' && c != ':' && c != ']')(i)?;
    let (i, pid) = opt(delimited(char('['), digit1, char(']'))).parse(i)?;
    let (i, _) = char(':')(i)?;
    let (i, _) = opt(char(' ')).parse(i)?;
    Ok((
        i,
        Origin {
            ident: Some(ident),
            pid,
        },
    ))
}

/// Classifies one message, appending what it says to `found`.
pub(crate) fn classify(msg: &str, origin: Origin<'_>, found: &mut Vec<Found>) {
    let msg = msg.trim_end();
    if msg.is_empty() || msg.starts_with("ci-info:") {
        return;
    }
    if let Some(Ok((_, b))) = banner::find(msg) {
        found.push(banner_event(b));
        return;
    }
    if let Some(wall) = audit_wall(msg) {
        found.push(Found {
            kind: EventKind::ClockReading,
            own: Some(Stamp {
                wall: Some(wall),
                since_boot: None,
            }),
        });
        return;
    }
    if let Some(rest) = msg.strip_prefix("Linux version ") {
        let version = rest.split_whitespace().next().unwrap_or("").to_string();
        found.push(Found::plain(EventKind::KernelStart { version }));
        return;
    }
    if origin.is_system_manager() {
        if msg.starts_with("Startup finished in ") {
            if let Ok((_, totals)) = super::systemd_analyze::startup_finished(msg) {
                found.push(Found::plain(EventKind::StartupFinished(totals)));
            }
            return;
        }
        if unit_job(msg, found) {
            return;
        }
    }
    if cloudinit_event(msg, found) {
        return;
    }
    if let Some(crash) = crash_kind(msg) {
        found.push(Found::plain(EventKind::Crash {
            crash,
            evidence: msg.trim().to_string(),
        }));
    }
}

/// The wall time of a kernel audit record (`type=2000 audit(1473493267.108:1): initialized`,
/// `audit: type=1400 audit(1473493270.589:2): …`): the epoch the kernel stamped it with.
fn audit_wall(msg: &str) -> Option<DateTime<FixedOffset>> {
    let rest = msg.strip_prefix("audit: ").unwrap_or(msg);
    if !rest.starts_with("type=") {
        return None;
    }
    let (_, after) = rest.split_once(" audit(")?;
    let (epoch, serial) = after.split_once(')')?.0.split_once(':')?;
    let (secs, millis) = epoch.split_once('.')?;
    let ok = |d: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit())
    };
    if !(ok(secs, 9..=11) && ok(millis, 3..=3) && ok(serial, 1..=20)) {
        return None;
    }
    let ms = secs.parse::<i64>().ok()? * 1000 + millis.parse::<i64>().ok()?;
    Some(DateTime::from_timestamp_millis(ms)?.fixed_offset())
}

/// A banner's event, stamped with its own wall time and `Up N` uptime.
pub(crate) fn banner_event(b: banner::Banner) -> Found {
    let own = Stamp {
        wall: Some(b.at),
        since_boot: b.up_secs.map(|secs| SinceBoot {
            clock: BootClock::Uptime,
            secs,
        }),
    };
    Found {
        kind: b.into_kind(),
        own: Some(own),
    }
}

/// The systemd descriptions of cloud-init's units, old and new wording.
const CLOUD_INIT_UNITS: &[(&str, &str)] = &[
    (
        "Initial cloud-init job (pre-networking)",
        "cloud-init-local.service",
    ),
    (
        "Cloud-init: Local Stage (pre-network)",
        "cloud-init-local.service",
    ),
    (
        "Initial cloud-init job (metadata service crawler)",
        "cloud-init.service",
    ),
    ("Cloud-init: Network Stage", "cloud-init.service"),
    (
        "Apply the settings specified in cloud-config",
        "cloud-config.service",
    ),
    ("Cloud-init: Config Stage", "cloud-config.service"),
    ("Execute cloud user/final scripts", "cloud-final.service"),
    ("Cloud-init: Final Stage", "cloud-final.service"),
    ("Cloud-init target", "cloud-init.target"),
    ("Cloud-config availability", "cloud-config.target"),
];

/// The unit of a systemd job description: `cloud-final.service - Cloud-init: Final Stage`
/// names it; a known cloud-init description (possibly ellipsized with `…` or `...`) maps to
/// its unit; anything else is kept as the description.
pub(crate) fn unit_of_description(desc: &str) -> String {
    let desc = desc.trim();
    if let Some((name, _)) = desc.split_once(" - ") {
        if is_unit_name(name) {
            return name.to_string();
        }
    }
    if is_unit_name(desc) {
        return desc.to_string();
    }
    for (known, unit) in CLOUD_INIT_UNITS {
        if *known == desc {
            return unit.to_string();
        }
    }
    let cut = desc
        .split_once('…')
        .or_else(|| desc.split_once("..."))
        .filter(|(a, b)| !a.is_empty() && !b.is_empty());
    if let Some((head, tail)) = cut {
        for (known, unit) in CLOUD_INIT_UNITS {
            if known.len() > head.len() + tail.len()
                && known.starts_with(head)
                && known.ends_with(tail)
            {
                return unit.to_string();
            }
        }
    }
    desc.to_string()
}

/// `cloud-final.service`, `dev-sr0.device`, `-.mount` (a name with a unit-type suffix).
pub(crate) fn is_unit_name(s: &str) -> bool {
    const TYPES: &[&str] = &[
        ".service",
        ".target",
        ".socket",
        ".mount",
        ".device",
        ".slice",
        ".scope",
        ".timer",
        ".path",
        ".swap",
        ".automount",
    ];
    !s.is_empty()
        && !s.contains(char::is_whitespace)
        && TYPES.iter().any(|t| s.len() > t.len() && s.ends_with(t))
}

/// systemd's job messages: `Starting X...` opens a unit's span; `Started X.`, `Finished X.`,
/// `Reached target X.`, `Mounted X.` close it; `Failed to start X.` closes it and is crash
/// evidence. Returns whether the message was one.
fn unit_job(msg: &str, found: &mut Vec<Found>) -> bool {
    const WORDS: &[(&str, Edge)] = &[
        ("Starting ", Edge::Start),
        ("Mounting ", Edge::Start),
        ("Started ", Edge::End),
        ("Finished ", Edge::End),
        ("Reached target ", Edge::End),
        ("Mounted ", Edge::End),
        ("Failed to start ", Edge::End),
    ];
    for (word, edge) in WORDS {
        let Some(rest) = msg.strip_prefix(word) else {
            continue;
        };
        let desc = rest
            .trim_end()
            .trim_end_matches("...")
            .trim_end_matches('…')
            .trim_end_matches('.');
        let desc = desc.split(" - See '").next().unwrap_or(desc);
        if desc.is_empty() {
            return false;
        }
        let mut unit = unit_of_description(desc);
        if *word == "Reached target " && !unit.ends_with(".target") && !unit.contains('.') {
            unit = format!("{unit} (target)");
        }
        found.push(Found::plain(EventKind::Unit { unit, edge: *edge }));
        if *word == "Failed to start " {
            found.push(Found::plain(EventKind::Crash {
                crash: CrashKind::UnitFailed,
                evidence: msg.trim().to_string(),
            }));
        }
        return true;
    }
    false
}

/// Whether a fixed needle occurs in `hay`, with its searcher built once per call site (building
/// one costs more than searching a console line).
macro_rules! find {
    ($needle:expr, $hay:expr) => {{
        static F: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new($needle));
        F.find($hay)
    }};
}

/// cloud-init's reporting events inside a message (`…: start: init-local/check-cache: …`,
/// `…: finish: modules-final: FAIL: …`). Returns whether one was found.
fn cloudinit_event(msg: &str, found: &mut Vec<Found>) -> bool {
    // The event follows the logger prefix `handlers.py[DEBUG]: ` or starts the message.
    let at = |word: &str, after_logger: Option<usize>| -> Option<usize> {
        if msg.starts_with(word) {
            return Some(0);
        }
        after_logger.map(|i| i + 3)
    };
    let starts = at("start: ", find!("]: start: ", msg.as_bytes()));
    let finishes = at("finish: ", find!("]: finish: ", msg.as_bytes()));
    // The same grammar as `cloud-init.log`'s; inside a free-form message a broken one is text.
    for i in [starts, finishes].into_iter().flatten() {
        if let Ok(Some(kind)) = super::cloudinit_log::reporting(&msg[i..]) {
            let failed = matches!(
                kind,
                EventKind::Finish {
                    result: StageResult::Fail,
                    ..
                }
            );
            found.push(Found::plain(kind));
            if failed {
                found.push(Found::plain(EventKind::Crash {
                    crash: CrashKind::StageFailed,
                    evidence: msg.trim().to_string(),
                }));
            }
            return true;
        }
    }
    false
}

/// Crash evidence anywhere in a message: a kernel panic, a user-data script that failed or
/// exited non-zero.
pub(crate) fn crash_kind(msg: &str) -> Option<CrashKind> {
    let b = msg.as_bytes();
    // Three searches a line at most: every needle below starts with one of these words.
    if find!("Kernel panic - not syncing", b).is_some() {
        return Some(CrashKind::KernelPanic);
    }
    if let Some(i) = find!("Failed ", b) {
        let rest = &msg[i..];
        if rest.starts_with("Failed running /var/lib/cloud/")
            || rest.starts_with("Failed to run module scripts-user")
            || rest.starts_with("Failed to run module scripts_user")
        {
            return Some(CrashKind::UserDataFailed);
        }
    }
    let exit = find!("exit", b)?;
    let about_script = find!("script", b).is_some()
        || find!("user-data", b).is_some()
        || find!("part-0", b).is_some();
    if !about_script {
        return None;
    }
    let rest = &msg[exit..];
    for word in ["exited with status ", "exit status ", "exit code "] {
        let at = if rest.starts_with(word) {
            Some(exit)
        } else {
            rest.find(word).map(|j| exit + j)
        };
        let Some(i) = at else { continue };
        let code = &msg[i + word.len()..];
        let digits: &str = code
            .split(|c: char| !c.is_ascii_digit() && c != '-')
            .next()
            .unwrap_or("");
        if let Ok(n) = digits.parse::<i64>() {
            if n != 0 {
                return Some(CrashKind::UserDataFailed);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(msg: &str, origin: Origin<'_>) -> Vec<EventKind> {
        let mut f = Vec::new();
        classify(msg, origin, &mut f);
        f.into_iter().map(|f| f.kind).collect()
    }

    fn unit(msg: &str) -> Option<(String, Edge)> {
        match kinds(msg, Origin::default()).first() {
            Some(EventKind::Unit { unit, edge }) => Some((unit.clone(), *edge)),
            _ => None,
        }
    }

    #[test]
    fn tag_prefix_reads_ident_and_pid() {
        let (rest, o) = tag_prefix("cloud-init[1321]: Setting up").unwrap();
        assert_eq!(
            (o.ident, o.pid, rest),
            (Some("cloud-init"), Some("1321"), "Setting up")
        );
        let (rest, o) = tag_prefix("systemd: Started X.").unwrap();
        assert_eq!(
            (o.ident, o.pid, rest),
            (Some("systemd"), None, "Started X.")
        );
        assert!(tag_prefix("no tag here").is_err());
        assert!(tag_prefix("[  OK  ] x").is_err());
    }

    #[test]
    fn units_in_both_description_styles_and_ellipsized() {
        assert_eq!(
            unit("Started cloud-final.service - Cloud-init: Final Stage."),
            Some(("cloud-final.service".into(), Edge::End))
        );
        assert_eq!(
            unit("Started Execute cloud user/final scripts."),
            Some(("cloud-final.service".into(), Edge::End))
        );
        assert_eq!(
            unit("Starting Initial cloud-init job (pre-networking)..."),
            Some(("cloud-init-local.service".into(), Edge::Start))
        );
        assert_eq!(
            unit("Starting Initial cloud-init job (metad…ervice crawler)..."),
            Some(("cloud-init.service".into(), Edge::Start))
        );
        assert_eq!(
            unit("Finished Apply the settings spec...in cloud-config."),
            Some(("cloud-config.service".into(), Edge::End))
        );
        assert_eq!(
            unit("Started Docker Application Container Engine."),
            Some(("Docker Application Container Engine".into(), Edge::End))
        );
        let failed = kinds(
            "Failed to start Execute cloud user/final scripts.",
            Origin::default(),
        );
        assert_eq!(failed.len(), 2);
        assert!(matches!(
            failed[1],
            EventKind::Crash {
                crash: CrashKind::UnitFailed,
                ..
            }
        ));
    }

    #[test]
    fn unit_jobs_only_from_the_system_manager() {
        let user = Origin {
            ident: Some("systemd"),
            pid: Some("1234"),
        };
        assert!(kinds("Startup finished in 120ms.", user).is_empty());
        let cloud = Origin {
            ident: Some("cloud-init"),
            pid: Some("9"),
        };
        assert!(kinds("Starting something...", cloud).is_empty());
    }

    #[test]
    fn banners_carry_their_own_clocks() {
        let mut f = Vec::new();
        classify(
            "Cloud-init v. 0.7.9 finished at Thu, 11 May 2017 17:28:08 +0000. Datasource DataSourceOpenStack [net,ver=2].  Up 207.80 seconds",
            Origin::default(),
            &mut f,
        );
        let line = Stamp::since_boot(BootClock::Kernel, 207.82);
        let s = f[0].stamp(line);
        assert_eq!(s.since_boot.unwrap().clock, BootClock::Uptime);
        assert_eq!(s.since_boot.unwrap().secs, 207.80);
        assert_eq!(s.wall.unwrap().to_rfc3339(), "2017-05-11T17:28:08+00:00");
    }

    #[test]
    fn cloudinit_events_and_crashes() {
        let k = kinds(
            "handlers.py[DEBUG]: finish: modules-final/config-scripts_user: FAIL: running config-scripts_user with frequency once-per-instance (duration: 2.5s)",
            Origin::default(),
        );
        match &k[0] {
            EventKind::Finish {
                name,
                result,
                duration_secs,
                description,
            } => {
                assert_eq!(&**name, "modules-final/config-scripts_user");
                assert_eq!(*result, StageResult::Fail);
                assert_eq!(*duration_secs, Some(2.5));
                assert!(description.ends_with("once-per-instance"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            k[1],
            EventKind::Crash {
                crash: CrashKind::StageFailed,
                ..
            }
        ));
        let k = kinds(
            "start: init-local/check-cache: attempting to read",
            Origin::default(),
        );
        assert!(
            matches!(&k[0], EventKind::Start { name, .. } if &**name == "init-local/check-cache")
        );
        assert_eq!(
            crash_kind(
                "util.py[WARNING]: Failed running /var/lib/cloud/instance/scripts/part-001 [2]"
            ),
            Some(CrashKind::UserDataFailed)
        );
        assert_eq!(
            crash_kind("startup-script exit status 127"),
            Some(CrashKind::UserDataFailed)
        );
        assert_eq!(crash_kind("startup-script exit status 0"), None);
        assert_eq!(
            crash_kind("Kernel panic - not syncing: VFS: Unable to mount root fs"),
            Some(CrashKind::KernelPanic)
        );
        assert_eq!(crash_kind("all good"), None);
    }

    #[test]
    fn kernel_banner() {
        assert_eq!(
            kinds(
                "Linux version 5.4.0-1069-azure (buildd@lcy02)",
                Origin::default()
            ),
            [EventKind::KernelStart {
                version: "5.4.0-1069-azure".into()
            }]
        );
    }
}
