//! The serial console of one boot (`console.log`): firmware lines, kernel printk, systemd
//! status lines without stamps, cloud-init banners and user-data output forwarded by journald,
//! the agent's register line, and whatever a hang or crash prints instead.

use crate::clock::{asctime, floor_ms, secs, syslog, Micros, MS, SEC};
use crate::cloudinit::{banner_finished, banner_running};
use crate::lines::Lines;
use crate::plan::{Boot, Crash, Fate, Hang, Os};
use crate::rng::Rng;

/// systemd's status prefix for a success.
const OK: &str = "[  OK  ]";

/// A unit as systemd prints it: `name - Description` (≥ 250) or the description only.
fn unit(os: &Os, name: &str, description: &str) -> String {
    if os.unit_names {
        format!("{name} - {description}")
    } else {
        description.to_string()
    }
}

/// `[  OK  ] Started Journal Service.` and friends.
fn ok(os: &Os, verb: &str, name: &str, description: &str) -> String {
    format!("{OK} {verb} {}.", unit(os, name, description))
}

/// `         Starting Journal Service...`
fn starting(os: &Os, name: &str, description: &str) -> String {
    format!("         Starting {}...", unit(os, name, description))
}

/// The cloud-init service names, in stage order.
fn ci_unit(os: &Os, stage: usize) -> &'static str {
    match (stage, os.unit_names) {
        (0, _) => "cloud-init-local.service",
        (1, true) => "cloud-init-network.service",
        (1, false) => "cloud-init.service",
        (2, _) => "cloud-config.service",
        _ => "cloud-final.service",
    }
}

/// Builds the console of one boot. `pad_to` adds apt chatter until the file has that many
/// bytes (for benchmark fleets); 0 adds none.
pub fn build(boot: &Boot, rng: &mut Rng, pad_to: usize) -> Lines {
    let mut c = Lines::default();
    firmware(boot, &mut c);
    kernel(boot, &mut c, rng);
    if boot.entry.fate != Fate::Crashes(Crash::RootFsPanic) {
        early_userspace(boot, &mut c);
        stages(boot, &mut c, rng);
        script(boot, &mut c, rng);
        stop(boot, &mut c, rng);
        wrap_up(boot, &mut c, rng);
    }
    pad(boot, &mut c, rng, pad_to);
    c
}

/// Firmware lines, before the kernel (no stamps).
fn firmware(boot: &Boot, c: &mut Lines) {
    let lines = boot.entry.class.os.firmware;
    for (i, line) in lines.iter().enumerate() {
        c.raw(i as Micros - lines.len() as Micros, *line);
    }
}

/// Kernel printk lines; a root-fs panic ends the boot here.
fn kernel(boot: &Boot, c: &mut Lines, rng: &mut Rng) {
    let os = boot.entry.class.os;
    let uuid = format!(
        "{}-{}-{}-{}-{}",
        rng.hex(8),
        rng.hex(4),
        rng.hex(4),
        rng.hex(4),
        rng.hex(12)
    );
    let itype = if boot.entry.template.is_some() {
        "g5.2xlarge"
    } else {
        os.instance_type
    };
    c.kmsg(
        0,
        &format!("Linux version {} {}", os.kernel, os.kernel_build),
    );
    c.kmsg(0, &format!("Command line: BOOT_IMAGE=/vmlinuz-{} root=PARTUUID={uuid} ro console=tty1 console=ttyS0 nvme_core.io_timeout=4294967295", os.kernel));
    c.kmsg(0, &format!("DMI: Amazon EC2 {itype}/, BIOS 1.0 10/16/2017"));
    let nvme = secs(rng.uniform(0.8, 1.0));
    c.kmsg(nvme, "nvme nvme0: pci function 0000:00:04.0");
    if boot.entry.fate == Fate::Crashes(Crash::RootFsPanic) {
        root_fs_panic(boot, c, &uuid, itype);
        return;
    }
    c.kmsg(nvme + secs(rng.uniform(0.1, 0.2)), &format!("EXT4-fs (nvme0n1p1): mounted filesystem {uuid} ro with ordered data mode. Quota mode: none."));
    c.kmsg(
        nvme + secs(rng.uniform(0.25, 0.35)),
        "Run /sbin/init as init process",
    );
    let t = boot.t.systemd;
    c.kmsg(t + 30 * MS, &format!("systemd[1]: {}", os.systemd));
    c.kmsg(t + 31 * MS, "systemd[1]: Detected virtualization amazon.");
    c.kmsg(t + 32 * MS, "systemd[1]: Detected architecture x86-64.");
    c.kmsg(
        t + 60 * MS,
        &format!("systemd[1]: Set hostname to <{}>.", boot.hostname),
    );
    if boot.entry.template.is_some() {
        c.kmsg(
            t + 900 * MS,
            "nvidia: loading out-of-tree module taints kernel.",
        );
        c.kmsg(t + 950 * MS, "NVRM: loading NVIDIA UNIX x86_64 Kernel Module  550.127.05  Tue Oct  8 03:22:07 UTC 2024");
    }
}

/// The root file system is missing: the kernel panics before userspace.
fn root_fs_panic(boot: &Boot, c: &mut Lines, uuid: &str, itype: &str) {
    let os = boot.entry.class.os;
    let end = boot.cut.unwrap_or(SEC);
    let at = end - 20 * MS;
    let reason = "VFS: Unable to mount root fs on unknown-block(0,0)";
    c.kmsg(
        at,
        &format!(
            "VFS: Cannot open root device \"PARTUUID={uuid}\" or unknown-block(0,0): error -6"
        ),
    );
    c.kmsg(
        at,
        "Please append a correct \"root=\" boot option; here are the available partitions:",
    );
    c.kmsg(at + MS, &format!("Kernel panic - not syncing: {reason}"));
    c.mark_evidence();
    c.kmsg(
        at + MS,
        &format!(
            "CPU: 1 PID: 1 Comm: swapper/0 Not tainted {} #23~22.04.1-Ubuntu",
            os.kernel
        ),
    );
    c.kmsg(
        at + MS,
        &format!("Hardware name: Amazon EC2 {itype}/, BIOS 1.0 10/16/2017"),
    );
    for frame in [
        "Call Trace:",
        " <TASK>",
        " dump_stack_lvl+0x48/0x70",
        " panic+0x346/0x3a0",
        " mount_root_generic+0x1d3/0x280",
        " prepare_namespace+0x1dc/0x240",
        " kernel_init_freeable+0x294/0x2e0",
        " kernel_init+0x1b/0x1f0",
        " ret_from_fork+0x44/0x70",
        " </TASK>",
    ] {
        c.kmsg(at + 2 * MS, frame);
    }
    c.kmsg(
        end,
        &format!("---[ end Kernel panic - not syncing: {reason} ]---"),
    );
}

/// systemd's first status lines, up to cloud-init's local stage.
fn early_userspace(boot: &Boot, c: &mut Lines) {
    let os = boot.entry.class.os;
    let t = boot.t.systemd + 200 * MS;
    c.raw(
        t + 80 * MS,
        ok(os, "Started", "systemd-journald.service", "Journal Service"),
    );
    c.raw(
        t + 90 * MS,
        ok(
            os,
            "Finished",
            "systemd-modules-load.service",
            "Load Kernel Modules",
        ),
    );
    c.raw(
        t + 700 * MS,
        ok(
            os,
            "Reached target",
            "local-fs.target",
            "Local File Systems",
        ),
    );
    c.raw(
        boot.t.local_start,
        starting(os, ci_unit(os, 0), os.ci_units[0]),
    );
}

/// Uptime as cloud-init reads it from /proc/uptime (10 ms resolution).
fn proc_uptime(up: Micros) -> Micros {
    up - up.rem_euclid(10 * MS)
}

/// A `running '<action>'` banner forwarded by journald, a few ms after it was logged.
fn banner(boot: &Boot, c: &mut Lines, at: Micros, pid: u32, action: &str) {
    let up = proc_uptime(at);
    let text = banner_running(boot.entry.class.os, action, boot.machine_wall(up), up);
    c.journal(at + 4 * MS, "cloud-init", pid, &text);
}

/// cloud-init's four stages up to the start of the user-data script.
fn stages(boot: &Boot, c: &mut Lines, rng: &mut Rng) {
    let os = boot.entry.class.os;
    let t = &boot.t;
    let [local, init, config, fin, _] = boot.pids;
    banner(boot, c, t.local_banner, local, "init-local");
    c.raw(
        t.local_end,
        ok(os, "Finished", ci_unit(os, 0), os.ci_units[0]),
    );
    c.raw(
        t.local_end + 40 * MS,
        starting(os, "systemd-networkd.service", "Network Configuration"),
    );
    c.raw(
        t.local_end + 500 * MS,
        ok(
            os,
            "Started",
            "systemd-networkd.service",
            "Network Configuration",
        ),
    );
    c.raw(t.net_start, starting(os, ci_unit(os, 1), os.ci_units[1]));
    banner(boot, c, t.net_banner, init, "init");
    ci_info(boot, c, rng, t.net_banner + 900 * MS, init);
    if boot.entry.fate == Fate::Crashes(Crash::StageFail) {
        let at = crate::cloudinit::merge_warning_at(boot);
        let text = format!(
            "{} - cloud_config.py[WARNING]: Failed at merging in cloud config part from part-001",
            asctime(boot.machine_wall(at))
        );
        c.journal(at + 3 * MS, "cloud-init", init, &text);
    }
    c.raw(
        t.net_end,
        ok(os, "Finished", ci_unit(os, 1), os.ci_units[1]),
    );
    c.raw(
        t.net_end + MS,
        ok(
            os,
            "Reached target",
            "cloud-config.target",
            "Cloud-config availability",
        ),
    );
    c.raw(
        t.net_end + 400 * MS,
        ok(
            os,
            "Reached target",
            "multi-user.target",
            "Multi-User System",
        ),
    );
    c.raw(t.config_start, starting(os, ci_unit(os, 2), os.ci_units[2]));
    banner(boot, c, t.config_banner, config, "modules:config");
    c.raw(
        t.config_end,
        ok(os, "Finished", ci_unit(os, 2), os.ci_units[2]),
    );
    login_prompt(boot, c, t.config_end + secs(rng.uniform(0.2, 0.6)));
    c.raw(t.final_start, starting(os, ci_unit(os, 3), os.ci_units[3]));
    banner(boot, c, t.final_banner, fin, "modules:final");
}

/// The `ci-info` network table, forwarded by journald.
fn ci_info(boot: &Boot, c: &mut Lines, rng: &mut Rng, at: Micros, pid: u32) {
    let parts: Vec<&str> = boot.hostname.trim_start_matches("ip-").split('-').collect();
    let address = parts.join(".");
    let mac = format!(
        "0a:{}:{}:{}:{}:{}",
        rng.hex(2),
        rng.hex(2),
        rng.hex(2),
        rng.hex(2),
        rng.hex(2)
    );
    let rule = "+--------+------+----------------+---------------+--------+-------------------+";
    let rows = [
        "++++++++++++++++++++++++++++++++++Net device info+++++++++++++++++++++++++++++++++++"
            .to_string(),
        rule.to_string(),
        "| Device |  Up  |    Address     |      Mask     | Scope  |     Hw-Address    |"
            .to_string(),
        rule.to_string(),
        format!("|  ens5  | True | {address:^14} | 255.255.240.0 | global | {mac} |"),
        rule.to_string(),
    ];
    for (i, row) in rows.iter().enumerate() {
        c.journal(
            at + i as Micros * 100,
            "cloud-init",
            pid,
            &format!("ci-info: {row}"),
        );
    }
}

/// The getty banner; the prompt has no line end, so the next console line is spliced onto it.
fn login_prompt(boot: &Boot, c: &mut Lines, at: Micros) {
    c.raw(at, "");
    c.raw(
        at,
        format!("{} {} ttyS0", boot.entry.class.os.pretty, boot.hostname),
    );
    c.raw(at, "");
    c.glued(at, format!("{} login: ", boot.hostname));
}

/// The user-data script: image pull, apt/docker setup, agent start (as far as it gets).
fn script(boot: &Boot, c: &mut Lines, rng: &mut Rng) {
    if boot.entry.fate == Fate::Crashes(Crash::StageFail) {
        return;
    }
    let t = &boot.t;
    let pid = boot.pids[3];
    let mut say = |c: &mut Lines, at: Micros, text: &str| {
        if boot.script_running(at) {
            c.journal(at, "cloud-init", pid, text);
        }
    };
    pull(boot, c, rng, &mut say);
    setup(boot, c, &mut say);
    say(
        c,
        t.agent_start - 40 * MS,
        "workspace-bootstrap: starting workspace-agent",
    );
}

/// The image pull: one line per layer, then the summary (the `image-pull` marker pair).
fn pull(boot: &Boot, c: &mut Lines, rng: &mut Rng, say: &mut impl FnMut(&mut Lines, Micros, &str)) {
    let t = &boot.t;
    let image = boot.entry.class.image;
    say(
        c,
        t.pull_start,
        &format!("workspace-bootstrap: pulling image {image}"),
    );
    let scale = if boot.entry.class.os.unit_names {
        3.2
    } else {
        1.0
    };
    let sizes: Vec<f64> = (0..3).map(|_| rng.uniform(50.0, 1100.0) * scale).collect();
    let total: f64 = sizes.iter().sum();
    let span = (t.pull_end - t.pull_start - 200 * MS) as f64;
    let mut done = 0.0;
    for (i, size) in sizes.iter().enumerate() {
        done += size;
        let at = t.pull_start + (span * done / total) as Micros;
        say(
            c,
            at,
            &format!(
                "workspace-bootstrap: layer {}/3 sha256:{} {size:.1} MiB done",
                i + 1,
                rng.hex(12)
            ),
        );
    }
    let secs_taken = (t.pull_end - t.pull_start) as f64 / SEC as f64;
    say(
        c,
        t.pull_end,
        &format!(
            "workspace-bootstrap: image pulled in {secs_taken:.1}s ({:.2} GiB)",
            total / 1024.0
        ),
    );
}

/// apt and docker setup (the `docker-setup` marker pair), as fractions of its duration.
fn setup(boot: &Boot, c: &mut Lines, say: &mut impl FnMut(&mut Lines, Micros, &str)) {
    let t = &boot.t;
    let os = boot.entry.class.os;
    let d = t.setup_end - t.setup_start;
    let at = |f: f64| t.setup_start + (d as f64 * f) as Micros;
    let cn = os.codename;
    let mirror = "http://us-east-1.ec2.archive.ubuntu.com/ubuntu";
    let docker = "https://download.docker.com/linux/ubuntu";
    let ver = format!("5:27.3.1-1~{}", os.docker_suffix);
    let fetch_secs = |f: f64| ((d as f64 * f) / SEC as f64).round().max(1.0);
    let journal: Vec<(f64, String)> = vec![
        (
            0.0,
            "workspace-bootstrap: installing apt packages and docker".into(),
        ),
        (0.004, format!("Hit:1 {mirror} {cn} InRelease")),
        (
            0.012,
            format!("Get:2 {mirror} {cn}-updates InRelease [128 kB]"),
        ),
        (0.090, format!("Get:3 {docker} {cn} InRelease [48.8 kB]")),
        (
            0.115,
            format!(
                "Fetched 31.4 MB in {}s ({} kB/s)",
                fetch_secs(0.115),
                (31_400.0 / fetch_secs(0.115)) as i64
            ),
        ),
        (
            0.143,
            "0 upgraded, 11 newly installed, 0 to remove and 38 not upgraded.".into(),
        ),
        (
            0.390,
            format!(
                "Fetched 124 MB in {}s ({} kB/s)",
                fetch_secs(0.24),
                (124_000.0 / fetch_secs(0.24)) as i64
            ),
        ),
        (0.540, "Setting up containerd.io (1.7.22-1) ...".into()),
        (0.640, format!("Setting up docker-ce ({ver}) ...")),
        (
            0.840,
            "workspace-bootstrap: loading image into docker".into(),
        ),
        (0.995, format!("Loaded image: {}", boot.entry.class.image)),
    ];
    for (f, text) in &journal {
        say(c, at(*f), text);
    }
    let status = [
        (
            0.547,
            starting(os, "containerd.service", "containerd container runtime"),
        ),
        (
            0.552,
            ok(
                os,
                "Started",
                "containerd.service",
                "containerd container runtime",
            ),
        ),
        (
            0.652,
            starting(os, "docker.socket", "Docker Socket for the API"),
        ),
        (
            0.655,
            ok(
                os,
                "Listening on",
                "docker.socket",
                "Docker Socket for the API",
            ),
        ),
        (
            0.700,
            starting(os, "docker.service", "Docker Application Container Engine"),
        ),
        (
            0.735,
            ok(
                os,
                "Started",
                "docker.service",
                "Docker Application Container Engine",
            ),
        ),
    ];
    for (f, text) in status {
        if boot.script_running(at(f)) {
            c.raw(at(f), text);
        }
    }
    let secs_taken = d as f64 / SEC as f64;
    say(
        c,
        t.setup_end,
        &format!("workspace-bootstrap: docker ready in {secs_taken:.1}s"),
    );
}

/// What a hang or a crash prints where the script stops.
fn stop(boot: &Boot, c: &mut Lines, rng: &mut Rng) {
    let Some(at) = boot.t.script_stop else {
        return;
    };
    match boot.entry.fate {
        Fate::Hangs(hang) => hang_lines(boot, c, rng, hang, at),
        Fate::Crashes(Crash::OomPanic) => oom_panic(boot, c, at),
        Fate::Crashes(Crash::PullDenied) => {
            let pid = boot.pids[3];
            let image = boot.entry.class.image;
            c.journal(at - 100 * MS, "cloud-init", pid, &format!("workspace-bootstrap: pull failed: {image}: 401 Unauthorized: authentication required"));
            c.journal(
                at,
                "cloud-init",
                pid,
                "workspace-bootstrap: giving up: image pull failed",
            );
            script_failed(boot, c, 1);
        }
        Fate::Crashes(Crash::AptForbidden) => {
            let pid = boot.pids[3];
            let cn = boot.entry.class.os.codename;
            let ip = format!("18.65.39.{}", rng.int(2, 250));
            c.journal(
                at - 300 * MS,
                "cloud-init",
                pid,
                &format!("Err:4 https://download.docker.com/linux/ubuntu {cn} InRelease"),
            );
            c.journal(
                at - 300 * MS,
                "cloud-init",
                pid,
                &format!("  403  Forbidden [IP: {ip} 443]"),
            );
            c.journal(at - 200 * MS, "cloud-init", pid, "Reading package lists...");
            c.journal(at - 100 * MS, "cloud-init", pid, &format!("E: Failed to fetch https://download.docker.com/linux/ubuntu/dists/{cn}/InRelease  403  Forbidden [IP: {ip} 443]"));
            c.journal(
                at,
                "cloud-init",
                pid,
                "E: Unable to locate package docker-ce",
            );
            script_failed(boot, c, 100);
        }
        _ => {}
    }
}

/// The lines a stuck boot keeps printing until the capture ends (the last one at the end).
fn hang_lines(boot: &Boot, c: &mut Lines, rng: &mut Rng, hang: Hang, from: Micros) {
    let pid = boot.pids[3];
    let os = boot.entry.class.os;
    let end = boot.cut.unwrap_or(from);
    let (lo, hi) = if boot.entry.class.stuck_secs > 1800 {
        (150.0, 300.0)
    } else {
        (45.0, 120.0)
    };
    let layer = rng.hex(12);
    if hang == Hang::DockerDaemon {
        c.journal(
            from,
            "cloud-init",
            pid,
            "Job for docker.service failed because the control process exited with error code.",
        );
        c.journal(from, "cloud-init", pid, "See \"systemctl status docker.service\" and \"journalctl -xeu docker.service\" for details.");
        c.raw(
            from + MS,
            format!(
                "[FAILED] Failed to start {}.",
                unit(os, "docker.service", "Docker Application Container Engine")
            ),
        );
    }
    let mut at = from + secs(rng.uniform(5.0, 30.0));
    let mut attempt = 1;
    loop {
        let last = at >= end;
        let at_line = at.min(end);
        let waited = (at_line - from) / SEC;
        let text = match hang {
            Hang::RegistryStall => format!("workspace-bootstrap: layer 2/3 sha256:{layer}: read tcp 10.0.{}:48122->52.94.133.131:443: i/o timeout; retrying (attempt {attempt})", rng.int(0, 255)),
            Hang::AptLock => format!("Waiting for cache lock: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 1187 (unattended-upgr)... {waited}s"),
            Hang::DockerDaemon => format!("workspace-bootstrap: waiting for /var/run/docker.sock (attempt {attempt})"),
        };
        c.journal(at_line, "cloud-init", pid, &text);
        if last {
            break;
        }
        attempt += 1;
        at += secs(rng.uniform(lo, hi));
    }
}

/// Out of memory during the pull, with `vm.panic_on_oom` set.
fn oom_panic(boot: &Boot, c: &mut Lines, at: Micros) {
    let os = boot.entry.class.os;
    let reason = "Out of memory: system-wide panic_on_oom is enabled";
    c.kmsg(at, "workspace-boots invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0");
    c.kmsg(
        at + 20 * MS,
        &format!(
            "CPU: 2 PID: 1533 Comm: workspace-boots Not tainted {} #23~22.04.1-Ubuntu",
            os.kernel
        ),
    );
    c.kmsg(at + 30 * MS, "Mem-Info:");
    c.kmsg(
        at + 40 * MS,
        "active_anon:3987121 inactive_anon:12 isolated_anon:0",
    );
    c.kmsg(
        at + 90 * MS,
        &format!("Kernel panic - not syncing: {reason}"),
    );
    c.mark_evidence();
    c.kmsg(
        at + 300 * MS,
        &format!("---[ end Kernel panic - not syncing: {reason} ]---"),
    );
}

/// cloud-init's warnings when the user-data script exits non-zero (forwarded by journald).
fn script_failed(boot: &Boot, c: &mut Lines, code: i32) {
    let pid = boot.pids[3];
    let at = boot.t.scripts_end - 2 * MS;
    let stamp = asctime(boot.machine_wall(at));
    c.journal(
        at + 3 * MS,
        "cloud-init",
        pid,
        &format!("{stamp} - {}", script_failure_lines(code)[0]),
    );
    c.mark_evidence();
    for line in &script_failure_lines(code)[1..] {
        c.journal(at + 3 * MS, "cloud-init", pid, &format!("{stamp} - {line}"));
    }
}

/// The warnings cloud-init logs when a user-data script fails (the first is the evidence).
pub fn script_failure_lines(code: i32) -> [String; 3] {
    [
        format!("util.py[WARNING]: Failed running /var/lib/cloud/instance/scripts/part-001 [{code}]"),
        "cc_scripts_user.py[WARNING]: Failed to run module scripts_user (scripts in /var/lib/cloud/instance/scripts)".into(),
        "util.py[WARNING]: Running module scripts_user (<module 'cloudinit.config.cc_scripts_user' from '/usr/lib/python3/dist-packages/cloudinit/config/cc_scripts_user.py'>) failed".into(),
    ]
}

/// After the script: the agent registers, cloud-init prints the host keys and finishes.
fn wrap_up(boot: &Boot, c: &mut Lines, rng: &mut Rng) {
    let t = &boot.t;
    let os = boot.entry.class.os;
    let failed = matches!(
        boot.entry.fate,
        Fate::Crashes(Crash::PullDenied | Crash::AptForbidden)
    );
    let finishes = failed
        || matches!(
            boot.entry.fate,
            Fate::Registers(_) | Fate::Crashes(Crash::StageFail)
        );
    if !finishes {
        return;
    }
    if let Fate::Registers(_) = boot.entry.fate {
        agent(boot, c);
    }
    host_keys(boot, c, rng);
    let up = proc_uptime(t.finished);
    let text = banner_finished(os, boot.machine_wall(up), up);
    c.journal(t.finished + 4 * MS, "cloud-init", boot.pids[3], &text);
    let fin = t.final_end + 30 * MS;
    if failed {
        c.raw(
            fin,
            format!(
                "[FAILED] Failed to start {}.",
                unit(os, ci_unit(os, 3), os.ci_units[3])
            ),
        );
        c.raw(
            fin,
            "See 'systemctl status cloud-final.service' for details.",
        );
    } else {
        c.raw(fin, ok(os, "Finished", ci_unit(os, 3), os.ci_units[3]));
    }
    c.raw(
        fin + 10 * MS,
        ok(
            os,
            "Reached target",
            "cloud-init.target",
            "Cloud-init target",
        ),
    );
}

/// The workspace agent starts and calls `POST /registry/register`.
fn agent(boot: &Boot, c: &mut Lines) {
    let t = &boot.t;
    let os = boot.entry.class.os;
    let pid = boot.pids[4];
    c.raw(
        t.agent_start,
        starting(os, "workspace-agent.service", "Workspace agent"),
    );
    c.raw(
        t.agent_start + 20 * MS,
        ok(os, "Started", "workspace-agent.service", "Workspace agent"),
    );
    c.journal(
        t.agent_start + 350 * MS,
        "workspace-agent",
        pid,
        &format!(
            "workspace-agent 1.14.2 starting (workspace {}, class {})",
            boot.entry.workspace, boot.entry.class.name
        ),
    );
    c.journal(
        t.register_line,
        "workspace-agent",
        pid,
        "Registered with platform: 200",
    );
}

/// `config-keys_to_console` writes the host-key fingerprints through syslog (`<14>`).
fn host_keys(boot: &Boot, c: &mut Lines, rng: &mut Rng) {
    let at = boot.t.keys_end - MS;
    let stamp = syslog(boot.machine_wall(at));
    let host = &boot.hostname;
    let mut key = |bits: u32, kind: &str| {
        format!("{bits} SHA256:{} root@{host} ({kind})", base64ish(rng, 43))
    };
    let lines = [
        "-----BEGIN SSH HOST KEY FINGERPRINTS-----".to_string(),
        key(256, "ECDSA"),
        key(256, "ED25519"),
        "-----END SSH HOST KEY FINGERPRINTS-----".into(),
    ];
    for line in lines {
        c.raw(at, format!("<14>{stamp} ec2: {line}"));
    }
}

/// Random characters of the base64 alphabet.
fn base64ish(rng: &mut Rng, n: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    (0..n)
        .map(|_| ALPHABET[rng.below(64) as usize] as char)
        .collect()
}

/// Extra realistic chatter (apt fetches, or PCI probing when the boot never gets that far)
/// until the console has `pad_to` bytes.
fn pad(boot: &Boot, c: &mut Lines, rng: &mut Rng, pad_to: usize) {
    if c.bytes() >= pad_to {
        return;
    }
    let t = &boot.t;
    let d = t.setup_end - t.setup_start;
    let limit = [boot.cut, t.script_stop]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(Micros::MAX);
    let from = t.setup_start + d * 16 / 100;
    let to = (t.setup_start + d * 38 / 100).min(limit);
    let apt = boot.entry.fate != Fate::Crashes(Crash::StageFail) && to > from + SEC;
    let (from, to) = if apt { (from, to) } else { (50 * MS, 800 * MS) };
    // Estimate the count first, so the lines spread over the whole window.
    let per_line = if apt { 120 } else { 90 };
    let count = (pad_to - c.bytes()) / per_line + 1;
    let step = (to - from) / count as Micros;
    let mirror = "http://us-east-1.ec2.archive.ubuntu.com/ubuntu";
    let cn = boot.entry.class.os.codename;
    let mut i = 0;
    while c.bytes() < pad_to {
        let at = floor_ms(from + step * (i % count) as Micros) + (i / count) as Micros;
        if apt {
            let pkg = PACKAGES[i % PACKAGES.len()];
            let text = format!(
                "Get:{} {mirror} {cn}-updates/main amd64 {pkg} amd64 {}.{}-{}ubuntu{} [{} kB]",
                i + 7,
                rng.int(1, 9),
                rng.int(0, 40),
                rng.int(1, 9),
                rng.int(1, 5),
                rng.int(8, 2400)
            );
            c.journal(at, "cloud-init", boot.pids[3], &text);
        } else {
            let text = format!(
                "pci 0000:00:{:02x}.{}: [1d0f:{}] type 00 class 0x{:06x} conventional PCI endpoint",
                i % 32,
                i % 8,
                rng.hex(4),
                rng.int(0x010000, 0x0c0000)
            );
            c.kmsg(at, &text);
        }
        i += 1;
    }
}

/// Package names for the padding chatter.
const PACKAGES: [&str; 12] = [
    "libssl3",
    "openssl",
    "libsystemd0",
    "systemd",
    "libudev1",
    "python3-urllib3",
    "ca-certificates",
    "libcurl4",
    "curl",
    "libxml2",
    "libgnutls30",
    "tzdata",
];
