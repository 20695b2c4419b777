//! What happens to each instance: the classes, the roster (who is launched when, and with
//! which fate), and per instance the boot plan — every milestone as an uptime, the platform's
//! view as wall-clock times, and where the capture ends. The writers only render a plan.

use crate::attempts::{self, FlipAs, Pattern};
use crate::clock::{floor_ms, secs, utc, Micros, MS, SEC};
use crate::rng::{inverse_normal, Rng};

/// The operating-system image of a class: what its console and logs look like.
#[derive(Debug)]
pub struct Os {
    /// `PRETTY_NAME`, printed above the login prompt.
    pub pretty: &'static str,
    /// The kernel release.
    pub kernel: &'static str,
    /// The rest of the `Linux version` banner after the release.
    pub kernel_build: &'static str,
    /// The systemd version line after `systemd[1]: `.
    pub systemd: &'static str,
    /// The cloud-init version in its banners.
    pub cloud_init: &'static str,
    /// systemd ≥ 250 prints `unit.service - Description`; older ones print the description only.
    pub unit_names: bool,
    /// cloud-init ≥ 24.1 appends `and took N seconds` to module finish events.
    pub module_took: bool,
    /// First firmware lines on the serial console, before the kernel.
    pub firmware: &'static [&'static str],
    /// Descriptions of cloud-init-local, cloud-init, cloud-config and cloud-final.service.
    pub ci_units: [&'static str; 4],
    /// The EC2 instance type in the DMI line.
    pub instance_type: &'static str,
    /// The Ubuntu codename (apt suites).
    pub codename: &'static str,
    /// The Debian version suffix of docker-ce for this release.
    pub docker_suffix: &'static str,
}

const JAMMY: Os = Os {
    pretty: "Ubuntu 22.04.5 LTS",
    kernel: "6.8.0-1021-aws",
    kernel_build: "(buildd@lcy02-amd64-083) (x86_64-linux-gnu-gcc-12 (Ubuntu 12.3.0-1ubuntu1~22.04) 12.3.0, GNU ld (GNU Binutils for Ubuntu) 2.38) #23~22.04.1-Ubuntu SMP Tue Dec 10 16:31:13 UTC 2024 (Ubuntu 6.8.0-1021.23~22.04.1-aws 6.8.12)",
    systemd: "systemd 249.11-0ubuntu3.12 running in system mode (+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP +GCRYPT +GNUTLS +OPENSSL +ACL +BLKID +CURL +ELFUTILS +FIDO2 +IDN2 -IDN +IPTC +KMOD +LIBCRYPTSETUP +LIBFDISK +PCRE2 -PWQUALITY -P11KIT -QRENCODE +BZIP2 +LZ4 +XZ +ZLIB +ZSTD -XKBCOMMON +UTMP +SYSVINIT default-hierarchy=unified)",
    cloud_init: "23.4.4-0ubuntu0~22.04.1",
    unit_names: false,
    module_took: false,
    firmware: &["SeaBIOS (version 1.11.0-2.amzn2)", "", "Booting from Hard Disk 0..."],
    ci_units: [
        "Initial cloud-init job (pre-networking)",
        "Initial cloud-init job (metadata service crawler)",
        "Apply the settings specified in cloud-config",
        "Execute cloud user/final scripts",
    ],
    instance_type: "m5.xlarge",
    codename: "jammy",
    docker_suffix: "ubuntu.22.04~jammy",
};

const NOBLE: Os = Os {
    pretty: "Ubuntu 24.04.1 LTS",
    kernel: "6.8.0-1018-aws",
    kernel_build: "(buildd@lcy02-amd64-098) (x86_64-linux-gnu-gcc-13 (Ubuntu 13.2.0-23ubuntu4) 13.2.0, GNU ld (GNU Binutils for Ubuntu) 2.42) #19-Ubuntu SMP Mon Oct  7 17:31:11 UTC 2024 (Ubuntu 6.8.0-1018.19-aws 6.8.12)",
    systemd: "systemd 255.4-1ubuntu8.4 running in system mode (+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP +GCRYPT -GNUTLS +OPENSSL +ACL +BLKID +CURL +ELFUTILS +FIDO2 +IDN2 -IDN +IPTC +KMOD +LIBCRYPTSETUP +LIBFDISK +PCRE2 -PWQUALITY +P11KIT +QRENCODE +TPM2 +BZIP2 +LZ4 +XZ +ZLIB +ZSTD -BPF_FRAMEWORK -XKBCOMMON +UTMP +SYSVINIT default-hierarchy=unified)",
    cloud_init: "24.4.1-0ubuntu0~24.04.1",
    unit_names: true,
    module_took: true,
    firmware: &[
        "BdsDxe: loading Boot0001 \"UEFI Amazon Elastic Block Store vol0b1c2d3e4f5a6b7c8\" from PciRoot(0x0)/Pci(0x4,0x0)/NVMe(0x1,00-00-00-00-00-00-00-00)",
        "BdsDxe: starting Boot0001 \"UEFI Amazon Elastic Block Store vol0b1c2d3e4f5a6b7c8\" from PciRoot(0x0)/Pci(0x4,0x0)/NVMe(0x1,00-00-00-00-00-00-00-00)",
    ],
    ci_units: [
        "Cloud-init: Local Stage (pre-network)",
        "Cloud-init: Network Stage",
        "Cloud-init: Config Stage",
        "Cloud-init: Final Stage",
    ],
    instance_type: "m6i.2xlarge",
    codename: "noble",
    docker_suffix: "ubuntu.24.04~noble",
};

/// A group of workspaces with its own timeout policy (docs/design.md §3).
#[derive(Debug)]
pub struct Class {
    /// The class name in `bootline.toml` and in the `launched` events.
    pub name: &'static str,
    /// The register-wait timeout the sweep applies.
    pub timeout_secs: i64,
    /// Past this age a boot that has not registered counts as stuck.
    pub stuck_secs: i64,
    /// Median register latency of healthy boots.
    pub median_secs: f64,
    /// Log-scale spread of healthy register latency.
    pub sigma: f64,
    /// The image pull's share of pull plus apt/docker setup.
    pub pull_share: f64,
    /// The runtime image the bootstrap pulls.
    pub image: &'static str,
    /// The OS image.
    pub os: &'static Os,
}

/// The default workspace class: 600 s sweep, stuck after 900 s.
pub const DEFAULT: Class = Class {
    name: "default",
    timeout_secs: 600,
    stuck_secs: 900,
    median_secs: 394.0,
    sigma: 0.145,
    pull_share: 0.29,
    image: "registry.ws.example.net/workspace/runtime:2026.06.3",
    os: &JAMMY,
};

/// The slow-runtime class: 30 min sweep, stuck after an hour.
pub const HERMES: Class = Class {
    name: "hermes",
    timeout_secs: 1800,
    stuck_secs: 3600,
    median_secs: 800.0,
    sigma: 0.2,
    pull_share: 0.55,
    image: "registry.ws.example.net/hermes/runtime:7.2.1",
    os: &NOBLE,
};

/// A template that overrides the timeout of its class.
#[derive(Debug)]
pub struct Template {
    /// The template label in the `launched` events.
    pub name: &'static str,
    /// Its `provision_timeout_seconds`.
    pub timeout_secs: i64,
}

/// The one template of the fixture fleet.
pub const GPU_LARGE: Template = Template {
    name: "gpu-large",
    timeout_secs: 1200,
};

/// Why a stuck boot never gets anywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hang {
    /// The registry stops sending a layer; the bootstrap retries forever.
    RegistryStall,
    /// unattended-upgrades holds the dpkg lock; apt waits forever.
    AptLock,
    /// docker.service keeps failing to start; the bootstrap waits for its socket.
    DockerDaemon,
}

/// How a crashed boot dies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crash {
    /// The kernel cannot mount the root file system.
    RootFsPanic,
    /// Out of memory during the image pull with `panic_on_oom` set.
    OomPanic,
    /// The registry refuses the pull; the user-data script exits 1.
    PullDenied,
    /// The docker apt repository answers 403; the user-data script exits 100.
    AptForbidden,
    /// cloud-init cannot merge the user-data part: a stage FAIL, no bootstrap runs.
    StageFail,
}

/// Why the observation of a boot ends before any verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// The user deletes the workspace while it boots.
    Deleted,
    /// The data are pulled while it boots (launched just before the window's end).
    WindowEnd,
}

/// What the generator decides will happen to a boot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// It registers after this many whole seconds (registered, or false_failed if the sweep
    /// got there first).
    Registers(i64),
    /// Never registers, observed past the stuck threshold.
    Hangs(Hang),
    /// Never registers, with crash evidence.
    Crashes(Crash),
    /// Flipped by the sweep, deleted before the stuck threshold.
    TimesOut,
    /// Neither flipped nor registered when the observation ends.
    Unknown(Cut),
}

/// The classified outcome (docs/design.md §3), as the truth file names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Registered,
    FalseFailed,
    TimedOut,
    Stuck,
    Crashed,
    Unknown,
}

impl Outcome {
    /// The name used in `truth.json`.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Registered => "registered",
            Outcome::FalseFailed => "false_failed",
            Outcome::TimedOut => "timed_out",
            Outcome::Stuck => "stuck",
            Outcome::Crashed => "crashed",
            Outcome::Unknown => "unknown",
        }
    }
}

/// The observation window: launches fall inside it, the data are pulled at its end.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub start: Micros,
    pub end: Micros,
}

/// The default window: the day of the incident.
pub fn window() -> Window {
    Window {
        start: utc(2026, 6, 10, 0, 0, 0),
        end: utc(2026, 6, 11, 0, 0, 0),
    }
}

/// The incident of docs/design.md §1.
pub mod incident {
    use crate::clock::{utc, Micros, MS};

    pub const INSTANCE: &str = "i-052962296ad0c7240";
    pub const WORKSPACE: &str = "0c96b3ab";
    pub const LATENCY_SECS: i64 = 423;
    /// 381.232 s in `modules-final/config-scripts_user`.
    pub const SCRIPTS_USER: Micros = 381_232 * MS;
    /// About 1 min 47 s of image pull.
    pub const PULL: Micros = 107_400 * MS;

    pub fn launched() -> Micros {
        utc(2026, 6, 10, 14, 51, 1)
    }

    /// The slow boot of docs/design.md §4's example: flipped by the 15:01:01 sweep, registered five
    /// seconds later.
    pub const SWEPT_WORKSPACE: &str = "9a1f20c4";
    pub const SWEPT_LATENCY_SECS: i64 = 626;

    pub fn swept_launched() -> Micros {
        utc(2026, 6, 10, 14, 50, 40)
    }
}

/// The sweep flips workspaces still provisioning after their timeout; it runs every minute,
/// at second 1.
pub const SWEEP_INTERVAL: Micros = 60 * SEC;
const SWEEP_PHASE: Micros = SEC;

/// The sweep tick that flips a workspace launched at `launched` (the first tick at which its
/// age exceeds the timeout).
pub fn sweep_flip(launched: Micros, timeout_secs: i64) -> Micros {
    let due = launched + timeout_secs * SEC;
    let k = (due - SWEEP_PHASE).div_euclid(SWEEP_INTERVAL) + 1;
    SWEEP_PHASE + k * SWEEP_INTERVAL
}

/// One slot of the roster: a group member with its fate and launch time.
#[derive(Debug, Clone)]
pub struct Entry {
    pub class: &'static Class,
    pub template: Option<&'static Template>,
    pub fate: Fate,
    pub incident: bool,
    /// The slow boot the 15:01:01 sweep flipped five seconds before it registered.
    pub swept: bool,
    pub launched: Micros,
    pub instance: String,
    pub workspace: String,
    /// Whether the platform logs the `registered` event (one false-failed boot's late register
    /// is seen only on its console).
    pub register_event: bool,
    /// The boots the attempt takes (one, or a kernel panic and a reboot).
    pub pattern: Pattern,
    /// 1-based provisioning attempt of the instance (2: the instance launched again).
    pub attempt: usize,
    /// For a later boot of an attempt: when its kernel starts, after the launch.
    pub kernel_after: Option<Micros>,
    /// Seconds of the register latency spent in the image pull beyond the class's share: a
    /// slower image, for comparisons (`--slower-pull` adds them to the latency too).
    pub pull_extra_secs: i64,
}

impl Entry {
    /// A single-boot first attempt of this class and template meeting `fate`, its launch, ids
    /// and register event left to the fleet's layout.
    pub fn new(class: &'static Class, template: Option<&'static Template>, fate: Fate) -> Self {
        Entry {
            class,
            template,
            fate,
            incident: false,
            swept: false,
            launched: 0,
            instance: String::new(),
            workspace: String::new(),
            register_event: true,
            pattern: Pattern::Single,
            attempt: 1,
            kernel_after: None,
            pull_extra_secs: 0,
        }
    }

    /// The timeout the sweep applies to this workspace.
    pub fn timeout_secs(&self) -> i64 {
        self.template
            .map_or(self.class.timeout_secs, |t| t.timeout_secs)
    }
}

/// Counts of the non-registering fates of a group, at the default fleet size.
pub struct Specials {
    pub hangs: &'static [Hang],
    pub crashes: &'static [Crash],
    pub timed_out: usize,
    pub unknown: &'static [Cut],
}

/// A group of the roster: who, how many (at the default size of 1,140) and which specials.
pub struct Group {
    pub class: &'static Class,
    pub template: Option<&'static Template>,
    pub base: usize,
    pub specials: Specials,
}

/// The groups of the fleet, with their sizes and specials at the default fleet size.
pub const GROUPS: [Group; 3] = [
    Group {
        class: &DEFAULT,
        template: None,
        base: 1004,
        specials: Specials {
            hangs: &[
                Hang::AptLock,
                Hang::DockerDaemon,
                Hang::RegistryStall,
                Hang::AptLock,
                Hang::DockerDaemon,
            ],
            crashes: &[
                Crash::RootFsPanic,
                Crash::PullDenied,
                Crash::StageFail,
                Crash::OomPanic,
                Crash::AptForbidden,
            ],
            timed_out: 2,
            unknown: &[Cut::Deleted, Cut::WindowEnd],
        },
    },
    Group {
        class: &DEFAULT,
        template: Some(&GPU_LARGE),
        base: 36,
        specials: Specials {
            hangs: &[],
            crashes: &[],
            timed_out: 0,
            unknown: &[],
        },
    },
    Group {
        class: &HERMES,
        template: None,
        base: 100,
        specials: Specials {
            hangs: &[Hang::RegistryStall, Hang::DockerDaemon],
            crashes: &[Crash::AptForbidden],
            timed_out: 0,
            unknown: &[Cut::Deleted],
        },
    },
];

/// The default fleet size.
pub const DEFAULT_INSTANCES: usize = 1140;

/// Scales a count from the default fleet size to `instances`.
fn scaled(count: usize, instances: usize) -> usize {
    (count * instances + DEFAULT_INSTANCES / 2) / DEFAULT_INSTANCES
}

/// Takes `n` items cycling through `items`.
fn cycle<T: Copy>(items: &[T], n: usize) -> Vec<T> {
    items.iter().copied().cycle().take(n).collect()
}

/// Healthy latencies of one group: the lognormal quantiles at the midpoints of n equal
/// probability strata, in whole seconds, so that the fitted tail does not hinge on the luck of
/// a few draws. Shuffled, since launch order must not follow latency.
fn healthy_latencies(class: &Class, n: usize, rng: &mut Rng) -> Vec<i64> {
    let mut out: Vec<i64> = (0..n)
        .map(|i| {
            let u = (i as f64 + 0.5) / n as f64;
            (class.median_secs * (class.sigma * inverse_normal(u)).exp()).round() as i64
        })
        .collect();
    rng.shuffle(&mut out);
    out
}

/// Builds the roster of `instances` boots, sorted by launch time.
pub fn roster(instances: usize, seed: u64, window: Window) -> Vec<Entry> {
    let mut rng = Rng::new(seed, 0);
    let sizes: Vec<usize> = {
        let mut sizes: Vec<usize> = GROUPS[1..]
            .iter()
            .map(|g| scaled(g.base, instances))
            .collect();
        let rest = instances.saturating_sub(sizes.iter().sum());
        sizes.insert(0, rest);
        sizes
    };
    let mut entries = Vec::with_capacity(instances);
    for (group, &size) in GROUPS.iter().zip(&sizes) {
        entries.extend(group_entries(group, size, instances, &mut rng));
    }
    assign_ids(&mut entries, &mut rng);
    assign_launches(&mut entries, window, &mut rng);
    attempts::choose(
        &mut entries,
        instances,
        window,
        &mut Rng::new(seed, u64::MAX),
    );
    entries.sort_by(|a, b| {
        a.launched
            .cmp(&b.launched)
            .then(a.instance.cmp(&b.instance))
    });
    lose_one_late_register(&mut entries);
    entries
}

/// The platform misses the late `registered` event of the last false-failed default boot other
/// than the swept one (when there are at least two), so that its latency is known from its
/// console only.
fn lose_one_late_register(entries: &mut [Entry]) {
    let late: Vec<usize> = (0..entries.len())
        .filter(|&i| {
            let e = &entries[i];
            e.template.is_none()
                && !e.swept
                && e.class.name == DEFAULT.name
                && matches!(e.fate, Fate::Registers(secs) if secs > e.timeout_secs() + 1)
        })
        .collect();
    if late.len() >= 2 {
        entries[late[late.len() - 1]].register_event = false;
    }
}

/// The entries of one group: specials first, then healthy boots (the first default one is the
/// incident).
fn group_entries(group: &Group, size: usize, instances: usize, rng: &mut Rng) -> Vec<Entry> {
    let s = &group.specials;
    let mut fates: Vec<Fate> = Vec::new();
    let take = |items_len: usize| scaled(items_len, instances);
    fates.extend(
        cycle(s.hangs, take(s.hangs.len()))
            .into_iter()
            .map(Fate::Hangs),
    );
    fates.extend(
        cycle(s.crashes, take(s.crashes.len()))
            .into_iter()
            .map(Fate::Crashes),
    );
    fates.extend(std::iter::repeat_n(Fate::TimesOut, take(s.timed_out)));
    fates.extend(
        cycle(s.unknown, take(s.unknown.len()))
            .into_iter()
            .map(Fate::Unknown),
    );
    // Keep most of a small group healthy.
    fates.truncate(size / 2);
    let healthy = size - fates.len();
    let mut latencies = healthy_latencies(group.class, healthy, rng);
    let incident = group.template.is_none() && group.class.name == DEFAULT.name && healthy > 0;
    if incident {
        // The incident replaces the draw nearest to its latency, so the sample keeps its shape.
        let nearest = (0..latencies.len())
            .min_by_key(|&i| (latencies[i] - incident::LATENCY_SECS).abs())
            .unwrap_or(0);
        latencies.swap(0, nearest);
        latencies[0] = incident::LATENCY_SECS;
    }
    // The swept boot takes the place of the third-slowest draw: a third boot in the tail.
    let swept = if incident && latencies.len() >= 4 {
        let mut order: Vec<usize> = (1..latencies.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(latencies[i]));
        latencies[order[2]] = incident::SWEPT_LATENCY_SECS;
        Some(order[2])
    } else {
        None
    };
    let mut entries: Vec<Entry> = latencies
        .into_iter()
        .enumerate()
        .map(|(i, latency)| Entry {
            incident: incident && i == 0,
            swept: swept == Some(i),
            ..Entry::new(group.class, group.template, Fate::Registers(latency))
        })
        .collect();
    entries.extend(
        fates
            .into_iter()
            .map(|fate| Entry::new(group.class, group.template, fate)),
    );
    entries
}

/// Gives every entry a unique instance id (`i-0` + 16 hex) and workspace id (8 hex).
fn assign_ids(entries: &mut [Entry], rng: &mut Rng) {
    let mut seen = std::collections::BTreeSet::new();
    seen.insert(incident::INSTANCE.to_string());
    seen.insert(incident::WORKSPACE.to_string());
    seen.insert(incident::SWEPT_WORKSPACE.to_string());
    for entry in entries.iter_mut() {
        if entry.incident {
            entry.instance = incident::INSTANCE.to_string();
            entry.workspace = incident::WORKSPACE.to_string();
            continue;
        }
        entry.instance = fresh(&mut seen, || format!("i-0{}", rng.hex(16)));
        entry.workspace = if entry.swept {
            incident::SWEPT_WORKSPACE.to_string()
        } else {
            fresh(&mut seen, || rng.hex(8))
        };
    }
}

fn fresh(
    seen: &mut std::collections::BTreeSet<String>,
    mut draw: impl FnMut() -> String,
) -> String {
    loop {
        let id = draw();
        if seen.insert(id.clone()) {
            return id;
        }
    }
}

/// Launch times: uniform over the window (leaving two hours for the slowest boots to finish),
/// whole seconds. Boots that will outlast their timeout are launched so that the sweep catches
/// them a few seconds before they register, as in the incident.
fn assign_launches(entries: &mut [Entry], window: Window, rng: &mut Rng) {
    let span = (window.end - window.start) / SEC - 2 * 3600;
    for entry in entries.iter_mut() {
        entry.launched = if entry.incident {
            incident::launched()
        } else if entry.swept {
            incident::swept_launched()
        } else if entry.fate == Fate::Unknown(Cut::WindowEnd) {
            window.end - rng.int(240, 420) * SEC
        } else {
            window.start + rng.int(0, span) * SEC
        };
        if let (Fate::Registers(latency), false) = (entry.fate, entry.swept) {
            let timeout = entry.timeout_secs();
            if latency > timeout + 1 {
                let early = rng.int(3, 12).min(latency - timeout - 1);
                let flip = sweep_flip(entry.launched + (latency - early - timeout) * SEC, timeout);
                entry.launched = flip - (latency - early) * SEC;
            }
        }
    }
}

/// Uptimes (µs since kernel start) of the milestones of one boot. The user-data script's
/// steps are nominal: a hang, crash or cut ends the boot wherever it falls.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    pub systemd: Micros,
    pub local_start: Micros,
    pub local_banner: Micros,
    pub local_end: Micros,
    pub net_start: Micros,
    pub net_banner: Micros,
    pub net_end: Micros,
    pub config_start: Micros,
    pub config_banner: Micros,
    pub config_end: Micros,
    pub final_start: Micros,
    pub final_banner: Micros,
    pub scripts_start: Micros,
    pub pull_start: Micros,
    pub pull_end: Micros,
    pub setup_start: Micros,
    pub setup_end: Micros,
    pub agent_start: Micros,
    pub scripts_end: Micros,
    /// The platform's receipt of the register call.
    pub register: Micros,
    /// The agent's `Registered with platform: 200` line.
    pub register_line: Micros,
    /// Where the user-data script stops early (hang, crash, failure), if it does.
    pub script_stop: Option<Micros>,
    /// End of `config-ssh_authkey_fingerprints`.
    pub authkeys_end: Micros,
    /// End of `config-keys_to_console` (its host-key block reaches the console then).
    pub keys_end: Micros,
    /// The `finished at` banner.
    pub finished: Micros,
    /// End of `modules-final`.
    pub final_end: Micros,
}

/// The platform's view of a boot (wall-clock times).
#[derive(Debug, Clone, Default)]
pub struct Platform {
    pub registered: Option<Micros>,
    pub flipped: Option<Micros>,
    /// How the flip shows in the events.
    pub flip_as: FlipAs,
    pub failed: Option<(Micros, &'static str)>,
    pub deleted: Option<Micros>,
}

/// Everything the writers need to render one instance.
#[derive(Debug, Clone)]
pub struct Boot {
    pub index: usize,
    pub entry: Entry,
    /// 1-based boot of the instance (across its attempts).
    pub number: usize,
    /// The outcome of the boot's attempt, decided over all its boots.
    pub attempt_outcome: Outcome,
    pub hostname: String,
    /// Wall-clock time of uptime 0.
    pub kernel: Micros,
    pub t: Timeline,
    /// Uptime of the end of the capture (no console or log line after it); `None`: complete.
    pub cut: Option<Micros>,
    pub platform: Platform,
    pub outcome: Outcome,
    /// Whether `cloud-init.log` and `blame.txt` are written.
    pub write_cloudinit: bool,
    /// Where the machine's wall clock steps, if it does.
    pub clock_step: Option<ClockStep>,
    /// Process ids: init-local, init, modules:config, modules:final, agent.
    pub pids: [u32; 5],
}

/// chrony's `makestep` (or the hypervisor's time sync): the machine's wall clock is off by
/// `by` until uptime `at`, when it is stepped to the true time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockStep {
    pub at: Micros,
    pub by: Micros,
}

impl Boot {
    /// Wall-clock time of an uptime (the true time: the platform's clock).
    pub fn wall(&self, up: Micros) -> Micros {
        self.kernel + up
    }

    /// The machine's own wall clock at an uptime, as its logs stamp it: true time, except
    /// before a clock step, when it is off by the step.
    pub fn machine_wall(&self, up: Micros) -> Micros {
        match self.clock_step {
            Some(s) if up < s.at => self.wall(up) - s.by,
            _ => self.wall(up),
        }
    }

    /// Whether a line at `up` is inside the capture.
    pub fn captured(&self, up: Micros) -> bool {
        self.cut.is_none_or(|cut| up <= cut)
    }

    /// Whether the user-data script is still running normally at `up`.
    pub fn script_running(&self, up: Micros) -> bool {
        self.t.script_stop.is_none_or(|stop| up < stop)
    }

    /// The latency the truth reports: platform receipt, or the console line when the platform
    /// has no `registered` event.
    pub fn registered_at(&self) -> Option<Micros> {
        match self.entry.fate {
            Fate::Registers(_) => Some(
                self.platform
                    .registered
                    .unwrap_or_else(|| floor_ms(self.wall(self.t.register_line))),
            ),
            _ => None,
        }
    }
}

/// Uniform uptime offset in seconds.
fn u(rng: &mut Rng, lo: f64, hi: f64) -> Micros {
    secs(rng.uniform(lo, hi))
}

/// cloud-init's stages and the early boot, up to the start of `config-scripts_user`.
fn early_boot(rng: &mut Rng, os: &Os) -> Timeline {
    let faster = if os.unit_names { 0.8 } else { 1.0 };
    let mut t = Timeline {
        systemd: u(rng, 1.8, 2.6),
        ..Timeline::default()
    };
    t.local_start = t.systemd + u(rng, 3.4 * faster, 5.8 * faster);
    t.local_banner = t.local_start + u(rng, 0.25, 0.45);
    t.local_end = t.local_banner + u(rng, 0.5, 1.4);
    t.net_start = t.local_end + u(rng, 1.0, 2.4);
    t.net_banner = t.net_start + u(rng, 0.3, 0.6);
    t.net_end = t.net_banner + u(rng, 2.0, 4.5);
    t.config_start = t.net_end + u(rng, 0.8, 2.2);
    t.config_banner = t.config_start + u(rng, 0.3, 0.5);
    t.config_end = t.config_banner + u(rng, 0.6, 2.0);
    t.final_start = t.config_end + u(rng, 0.2, 0.6);
    t.final_banner = t.final_start + u(rng, 0.3, 0.5);
    // Whole milliseconds, so that blame durations are exact.
    t.scripts_start = floor_ms(t.final_banner + u(rng, 0.04, 0.12));
    t
}

/// A nominal register latency for a boot that will not register: a healthy draw, but later
/// than `at_least`.
fn nominal_latency(class: &Class, rng: &mut Rng, at_least: Micros) -> Micros {
    let draw = secs(class.median_secs * (class.sigma * rng.normal()).exp());
    draw.max(at_least + u(rng, 60.0, 240.0))
}

/// Lays out the user-data script so that the platform receives the register call `latency`
/// after launch (`kernel_delay` after launch is uptime 0), `extra` of it in the image pull
/// beyond the class's share.
fn lay_out_script(
    t: &mut Timeline,
    class: &Class,
    rng: &mut Rng,
    (latency, extra): (Micros, Micros),
    kernel_delay: Micros,
) {
    t.register = latency - kernel_delay;
    t.agent_start = t.register - floor_ms(u(rng, 2.0, 6.0));
    t.scripts_end = t.agent_start + floor_ms(u(rng, 0.05, 0.2));
    t.setup_end = t.agent_start - u(rng, 0.3, 1.2);
    t.pull_start = t.scripts_start + u(rng, 0.8, 2.5);
    let gap = u(rng, 0.05, 0.3);
    let core = (t.setup_end - t.pull_start - gap - extra).max(60 * SEC);
    let share = (class.pull_share * (1.0 + 0.15 * rng.normal())).clamp(0.15, 0.75);
    t.pull_end = t.pull_start + (core as f64 * share) as Micros + extra;
    t.setup_start = t.pull_end + gap;
    t.register_line = t.register + u(rng, 0.02, 0.25);
}

/// The modules after `config-scripts_user`, up to the end of `modules-final`.
fn lay_out_final(t: &mut Timeline, rng: &mut Rng) {
    t.authkeys_end = t.scripts_end + MS + floor_ms(u(rng, 0.03, 0.1));
    t.keys_end = t.authkeys_end + MS + floor_ms(u(rng, 0.05, 0.35));
    t.finished = t.keys_end + 3 * MS + floor_ms(u(rng, 0.002, 0.006));
    t.final_end = t.finished + 9 * MS;
}

/// The incident's layout: 381.232 s in `config-scripts_user`, 1 min 47.4 s of pull, register
/// 423 s after launch. The kernel delay is what is left over.
fn lay_out_incident(t: &mut Timeline, rng: &mut Rng) -> Micros {
    t.scripts_end = t.scripts_start + incident::SCRIPTS_USER;
    t.agent_start = t.scripts_end - 87 * MS;
    t.register = t.agent_start + 6_318 * MS;
    t.setup_end = t.agent_start - 640 * MS;
    t.pull_start = t.scripts_start + 1_530 * MS;
    t.pull_end = t.pull_start + incident::PULL;
    t.setup_start = t.pull_end + 120 * MS;
    t.register_line = t.register + u(rng, 0.02, 0.25);
    incident::LATENCY_SECS * SEC - t.register
}

/// Plans one boot from its roster entry.
pub fn plan(entry: &Entry, index: usize, seed: u64, window: Window) -> Boot {
    let mut rng = Rng::new(seed, 1 + index as u64);
    let class = entry.class;
    let mut t = early_boot(&mut rng, class.os);
    let l = entry.launched;
    let stuck = class.stuck_secs * SEC;
    let flip = sweep_flip(l, entry.timeout_secs());
    let mut platform = Platform::default();
    let kernel_delay;
    // Wall-clock end of the capture, when it ends before the boot's natural end.
    let mut end: Option<Micros> = None;
    if entry.incident {
        kernel_delay = lay_out_incident(&mut t, &mut rng);
    } else {
        kernel_delay = entry
            .kernel_after
            .unwrap_or_else(|| floor_ms(u(&mut rng, 8.0, 20.0)));
        let latency = match entry.fate {
            Fate::Registers(secs) => secs * SEC,
            Fate::TimesOut => {
                let deleted = (flip + u(&mut rng, 20.0, 200.0)).min(l + stuck - 40 * SEC);
                end = Some(deleted);
                nominal_latency(class, &mut rng, deleted - l)
            }
            Fate::Unknown(Cut::Deleted) => {
                let deleted = l + u(&mut rng, 200.0, 360.0);
                end = Some(deleted);
                nominal_latency(class, &mut rng, deleted - l)
            }
            Fate::Unknown(Cut::WindowEnd) => {
                end = Some(window.end - u(&mut rng, 0.5, 3.0));
                nominal_latency(class, &mut rng, window.end - l)
            }
            Fate::Hangs(_) => {
                end = Some(l + stuck + u(&mut rng, 60.0, 600.0));
                nominal_latency(class, &mut rng, 0)
            }
            Fate::Crashes(_) => nominal_latency(class, &mut rng, 0),
        };
        let extra = entry.pull_extra_secs * SEC;
        lay_out_script(&mut t, class, &mut rng, (latency, extra), kernel_delay);
    }
    let kernel = l + kernel_delay;
    // The platform stamps whole seconds; the capture ends just before the deletion.
    let end = end.map(floor_sec_after);
    let mut cut = end.map(|e| e - kernel - u(&mut rng, 0.2, 0.9));
    match entry.fate {
        Fate::Registers(secs) => {
            platform.registered = entry.register_event.then_some(l + secs * SEC);
            if flip < l + secs * SEC {
                platform.flipped = Some(flip);
            }
        }
        Fate::TimesOut | Fate::Hangs(_) => {
            platform.flipped = Some(flip);
            platform.deleted = end;
        }
        Fate::Unknown(Cut::Deleted) => platform.deleted = end,
        Fate::Unknown(Cut::WindowEnd) => {}
        Fate::Crashes(crash) => {
            let (stop, last) = crash_times(&mut t, crash, &mut rng);
            t.script_stop = stop;
            let noticed = matches!(crash, Crash::RootFsPanic | Crash::PullDenied);
            let verdict = if noticed {
                let reason = if crash == Crash::RootFsPanic {
                    "instance_status_check_failed"
                } else {
                    "cloud_init_error"
                };
                let at = if crash == Crash::RootFsPanic {
                    l + u(&mut rng, 150.0, 320.0)
                } else {
                    kernel + last + u(&mut rng, 15.0, 60.0)
                };
                platform.failed = Some((floor_sec_after(at), reason));
                floor_sec_after(at)
            } else {
                platform.flipped = Some(flip);
                flip
            };
            let deleted = verdict + u(&mut rng, 20.0, 120.0);
            platform.deleted = Some(floor_sec_after(deleted));
            let panicked = matches!(crash, Crash::RootFsPanic | Crash::OomPanic);
            cut = Some(if panicked {
                last
            } else {
                deleted - kernel - SEC
            });
        }
    }
    if let Fate::Hangs(hang) = entry.fate {
        t.script_stop = Some(hang_start(&t, hang));
    }
    lay_out_final(&mut t, &mut rng);
    let outcome = classify(entry, &platform, cut.map(|c| kernel + c));
    if let (Fate::Registers(_), Some(del)) = (entry.fate, later_delete(&mut rng, &platform, window))
    {
        platform.deleted = Some(del);
    }
    let mut boot = Boot {
        index,
        entry: entry.clone(),
        number: 1,
        attempt_outcome: outcome,
        hostname: format!(
            "ip-10-{}-{}-{}",
            rng.int(0, 3),
            rng.int(0, 255),
            rng.int(1, 254)
        ),
        kernel,
        t,
        cut,
        platform,
        outcome,
        write_cloudinit: false,
        clock_step: None,
        pids: [
            rng.int(560, 640) as u32,
            rng.int(680, 760) as u32,
            rng.int(880, 990) as u32,
            rng.int(1180, 1420) as u32,
            rng.int(2100, 2600) as u32,
        ],
    };
    // An instance of several boots has its console only (its boots are told apart there).
    boot.write_cloudinit = (index % 5 == 0 || entry.incident || outcome != Outcome::Registered)
        && entry.fate != Fate::Crashes(Crash::RootFsPanic)
        && entry.pattern == Pattern::Single
        && entry.attempt == 1;
    boot.clock_step = clock_step(&boot, seed);
    boot
}

/// Some machines boot with a wall clock a few seconds off (an RTC that drifted, a hypervisor
/// that syncs late) until chrony steps it once the network is up: between the end of
/// `init-network` and the `modules:config` banner. Mostly forward, sometimes back; at least
/// 4 s, so that banners' whole-second times show it. Only where the capture reaches the
/// banner after it: a boot cut before that shows no step, and its clock would be off
/// throughout. Its own random stream, so the rest of the plan does not shift.
fn clock_step(boot: &Boot, seed: u64) -> Option<ClockStep> {
    let mut rng = Rng::new(seed ^ 0x636c_6f63_6b73, 1 + boot.index as u64);
    let t = &boot.t;
    if !rng.chance(0.15) || !boot.captured(t.config_banner) || t.config_banner <= t.net_end {
        return None;
    }
    let by = secs(rng.uniform(4.0, 15.0)) * if rng.chance(0.8) { 1 } else { -1 };
    let at = t.net_end + (t.config_banner - t.net_end) / 2;
    Some(ClockStep { at, by })
}

/// Platform times are whole seconds.
fn floor_sec_after(t: Micros) -> Micros {
    crate::clock::floor_sec(t) + SEC
}

/// Where the script stops and where the last console line of a crash falls.
fn crash_times(t: &mut Timeline, crash: Crash, rng: &mut Rng) -> (Option<Micros>, Micros) {
    let pull = t.pull_end - t.pull_start;
    let setup = t.setup_end - t.setup_start;
    match crash {
        Crash::RootFsPanic => (Some(0), u(rng, 1.2, 1.8)),
        Crash::OomPanic => {
            let at = t.pull_start + pull * 6 / 10;
            (Some(at), at + u(rng, 0.4, 0.9))
        }
        Crash::PullDenied => {
            let at = t.pull_start + u(rng, 3.0, 12.0);
            t.scripts_end = floor_ms(at + u(rng, 0.05, 0.2));
            (Some(at), t.scripts_end + SEC)
        }
        Crash::AptForbidden => {
            let at = t.setup_start + setup / 12;
            t.scripts_end = floor_ms(at + u(rng, 0.05, 0.2));
            (Some(at), t.scripts_end + SEC)
        }
        Crash::StageFail => {
            t.scripts_end = t.scripts_start + MS;
            (Some(t.scripts_start), t.scripts_end + SEC)
        }
    }
}

/// Where a stuck boot stops making progress.
fn hang_start(t: &Timeline, hang: Hang) -> Micros {
    let pull = t.pull_end - t.pull_start;
    let setup = t.setup_end - t.setup_start;
    match hang {
        Hang::RegistryStall => t.pull_start + pull * 45 / 100,
        Hang::AptLock => t.setup_start + setup * 13 / 100,
        Hang::DockerDaemon => t.setup_start + setup * 72 / 100,
    }
}

/// Some registered workspaces are deleted later the same day.
fn later_delete(rng: &mut Rng, platform: &Platform, window: Window) -> Option<Micros> {
    let registered = platform.registered?;
    if !rng.chance(0.05) {
        return None;
    }
    let at = registered + u(rng, 3600.0, 6.0 * 3600.0);
    (at < window.end).then(|| floor_sec_after(at))
}

/// The outcome rule of docs/design.md §3, applied to what the generator planned; it must agree
/// with the fate (checked by the caller).
fn classify(entry: &Entry, platform: &Platform, end: Option<Micros>) -> Outcome {
    let stuck_at = entry.launched + entry.class.stuck_secs * SEC;
    match entry.fate {
        Fate::Registers(_) if platform.flipped.is_some() => Outcome::FalseFailed,
        Fate::Registers(_) => Outcome::Registered,
        Fate::Crashes(_) => Outcome::Crashed,
        _ if end.is_some_and(|e| e > stuck_at) => Outcome::Stuck,
        _ if platform.flipped.is_some() => Outcome::TimedOut,
        _ => Outcome::Unknown,
    }
}
