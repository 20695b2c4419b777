//! Provisioning attempts of more than one boot, instances launched twice, and the ways the
//! sweep reports a flip. Kept apart from the single-boot plan: these only choose roster entries,
//! plan an attempt's boots through `plan::plan`, and decide how a flip shows in the events.
//!
//! - **A kernel panic and a reboot** (`panic=-1`): the first boot dies of an OOM panic during the
//!   image pull, the kernel starts again seconds later, and the second boot either registers (the
//!   attempt is `registered`, timed from launch) or hangs until the sweep flips it (the attempt
//!   is `crashed`; the second boot alone would be `timed_out`).
//! - **Launched twice**: an instance whose user-data failed is launched again hours later for a
//!   new workspace, and registers.
//! - **The sweep's `failed`**: every second flip also logs `failed` with the sweep's reason at the
//!   same tick, and the first timed-out single-boot attempt's flip is logged as that `failed`
//!   alone.

use crate::clock::{Micros, SEC};
use crate::plan::{self, Boot, Crash, Entry, Fate, Outcome, Platform, Window, DEFAULT};
use crate::rng::Rng;

/// The reason the sweep gives when it flips a workspace.
pub const SWEEP_REASON: &str = "container started but never called /registry/register";

/// The boots one attempt takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// One boot.
    Single,
    /// An OOM kernel panic during the pull, then a second boot with the entry's fate.
    PanicThenReboot,
}

/// How the platform's events show the sweep's flip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FlipAs {
    /// A `provision_timeout` event.
    #[default]
    ProvisionTimeout,
    /// A `provision_timeout` and a `failed` with the sweep's reason at the same tick.
    Both,
    /// Only the `failed` event.
    FailedOnly,
}

impl FlipAs {
    /// The name in `truth.json`.
    pub fn name(self) -> &'static str {
        match self {
            FlipAs::ProvisionTimeout => "provision_timeout",
            FlipAs::Both => "provision_timeout+failed",
            FlipAs::FailedOnly => "failed",
        }
    }
}

/// Counts at the default fleet size: attempts of a panic and a reboot that registers, of a
/// panic and a reboot that hangs, and instances launched twice.
pub const PANIC_THEN_REGISTERS: usize = 2;
pub const PANIC_THEN_HANGS: usize = 1;
pub const LAUNCHED_TWICE: usize = 1;

/// Scales a count at the default fleet size to `instances`.
fn scaled(count: usize, instances: usize) -> usize {
    (count * instances + plan::DEFAULT_INSTANCES / 2) / plan::DEFAULT_INSTANCES
}

/// Whether an entry is a plain healthy default-class boot whose register leaves room for a
/// panic and a second boot well before the timeout.
pub fn plain_healthy(e: &Entry) -> bool {
    e.template.is_none()
        && e.class.name == DEFAULT.name
        && !e.incident
        && !e.swept
        && e.pattern == Pattern::Single
        && e.attempt == 1
        && matches!(e.fate, Fate::Registers(secs) if (330..=480).contains(&secs))
}

/// Marks the roster entries that take several boots or a second launch (launch times and ids
/// already assigned). Registered latencies are left as drawn, so the fitted sample keeps its
/// shape.
pub fn choose(entries: &mut [Entry], instances: usize, window: Window, rng: &mut Rng) {
    let mut healthy: Vec<usize> = (0..entries.len())
        .filter(|&i| plain_healthy(&entries[i]))
        .collect();
    rng.shuffle(&mut healthy);
    let mut healthy = healthy.into_iter();
    for i in healthy
        .by_ref()
        .take(scaled(PANIC_THEN_REGISTERS, instances))
    {
        entries[i].pattern = Pattern::PanicThenReboot;
    }
    // A hang after the reboot: one of the OOM panics becomes a panic, a reboot and a boot the
    // sweep flips.
    let oom: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].fate == Fate::Crashes(Crash::OomPanic))
        .collect();
    for &i in oom.iter().take(scaled(PANIC_THEN_HANGS, instances)) {
        entries[i].pattern = Pattern::PanicThenReboot;
        entries[i].fate = Fate::TimesOut;
    }
    // Launched twice: a user-data failure early in the day, then the same instance launched
    // again for a healthy workspace two to four hours later.
    let denied: Vec<usize> = (0..entries.len())
        .filter(|&i| {
            let e = &entries[i];
            e.fate == Fate::Crashes(Crash::PullDenied)
                && e.launched < window.start + 12 * 3600 * SEC
        })
        .collect();
    for &first in denied.iter().take(scaled(LAUNCHED_TWICE, instances)) {
        let Some(second) = healthy.next() else { break };
        entries[second].instance = entries[first].instance.clone();
        entries[second].attempt = 2;
        entries[second].launched = entries[first].launched + rng.int(7200, 14400) * SEC;
    }
}

/// Plans the boots of one attempt, in order.
pub fn plan_boots(entry: &Entry, index: usize, seed: u64, window: Window) -> Vec<Boot> {
    match entry.pattern {
        Pattern::Single => vec![plan::plan(entry, index, seed, window)],
        Pattern::PanicThenReboot => panic_then_reboot(entry, index, seed, window),
    }
}

/// Where the second boot's own random stream starts (far from every roster index).
const SECOND_BOOT_STREAM: usize = 1 << 40;

/// A first boot that dies of an OOM panic with nothing from the platform (the attempt goes on),
/// and a second boot whose kernel starts 6–12 s after the panic, with the entry's fate.
fn panic_then_reboot(entry: &Entry, index: usize, seed: u64, window: Window) -> Vec<Boot> {
    let first_entry = Entry {
        fate: Fate::Crashes(Crash::OomPanic),
        ..entry.clone()
    };
    let mut first = plan::plan(&first_entry, SECOND_BOOT_STREAM + index, seed, window);
    first.platform = Platform::default();
    let panic_end = first.wall(first.cut.unwrap_or_default());
    let mut rng = Rng::new(seed ^ 0x0EB0_07ED, index as u64);
    let reboot: Micros = rng.int(6_000, 12_000) * 1000;
    let second_entry = Entry {
        kernel_after: Some(crate::clock::floor_ms(panic_end + reboot - entry.launched)),
        ..entry.clone()
    };
    let second = plan::plan(&second_entry, index, seed, window);
    vec![first, second]
}

/// The outcome of an attempt over its boots, by the precedence of docs/design.md §3: a register
/// in any boot, else a crash in any boot, else what became of its last boot.
pub fn attempt_outcome(boots: &[Boot]) -> Outcome {
    let has = |o: Outcome| boots.iter().any(|b| b.outcome == o);
    if let Some(b) = boots
        .iter()
        .find(|b| matches!(b.outcome, Outcome::Registered | Outcome::FalseFailed))
    {
        b.outcome
    } else if has(Outcome::Crashed) {
        Outcome::Crashed
    } else {
        boots.last().map_or(Outcome::Unknown, |b| b.outcome)
    }
}

/// Decides, boot by boot in roster order, how each flip shows in the platform's events.
#[derive(Debug, Default)]
pub struct SweepReports {
    flips: usize,
    failed_only: bool,
}

impl SweepReports {
    /// Sets how this boot's flip (if any) is reported.
    pub fn report(&mut self, boot: &mut Boot) {
        if boot.platform.flipped.is_none() {
            return;
        }
        self.flips += 1;
        let timed_out = boot.entry.fate == Fate::TimesOut && boot.entry.pattern == Pattern::Single;
        boot.platform.flip_as = if !self.failed_only && timed_out {
            self.failed_only = true;
            FlipAs::FailedOnly
        } else if self.flips % 2 == 0 {
            FlipAs::Both
        } else {
            FlipAs::ProvisionTimeout
        };
    }
}
