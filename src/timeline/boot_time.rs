//! Where a boot's seconds count from: its launch, the kernel's start its fragments agree on, or
//! the first moment any source observed; and how each fragment's times get there.

use super::clock::When;
use super::fragment::Fragment;
use super::{ClockStep as Step, Zero};

/// Where a boot's seconds count from, and how its sources' times get there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BootTime {
    /// What the seconds count from.
    pub(crate) zero: Zero,
    /// Its wall time, when known.
    pub(crate) zero_wall: Option<f64>,
    /// The kernel's zero on the wall clock (the median of the sources').
    pub(crate) kernel_zero: Option<f64>,
    /// Largest disagreement between clocks: sources' kernel zeros, or anchors within a segment.
    pub(crate) skew_secs: Option<f64>,
}

impl BootTime {
    /// Aligns a boot's fragments: their kernel zeros should agree, and the median is the boot's.
    /// The zero is the launch when known, else the kernel's start. Without an anchor, a boot
    /// with times on the kernel's clock (a `systemd-analyze` capture's kernel and userspace
    /// phases) still counts from the kernel's start, and its wall-only times (a `cloud-init
    /// status` block's `last_update`) cannot be placed; a boot with wall times only counts from
    /// the first moment any source observed.
    pub(crate) fn of(frags: &[Fragment], launched: Option<f64>) -> Self {
        let mut zeros: Vec<f64> = frags.iter().filter_map(|f| f.kernel_zero).collect();
        zeros.sort_by(f64::total_cmp);
        let kernel_zero = (!zeros.is_empty()).then(|| zeros[zeros.len() / 2]);
        let between = (zeros.len() > 1).then(|| zeros[zeros.len() - 1] - zeros[0]);
        let within = frags.iter().filter_map(|f| f.skew).reduce(f64::max);
        let skew_secs = match (between, within) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let partial = Self {
            zero: Zero::KernelStart,
            zero_wall: None,
            kernel_zero,
            skew_secs,
        };
        let first_seen = frags
            .iter()
            .filter_map(|f| f.first.and_then(|w| partial.to_wall(w)))
            .reduce(f64::min);
        let on_kernel_clock = frags.iter().any(|f| {
            f.phases.iter().any(|p| matches!(p.start, When::Boot(_)))
                || f.milestones.iter().any(|m| matches!(m.at, When::Boot(_)))
        });
        let (zero, zero_wall) = match (launched, kernel_zero) {
            (Some(l), _) => (Zero::Launch, Some(l)),
            (None, Some(k)) => (Zero::KernelStart, Some(k)),
            (None, None) => match first_seen {
                Some(f) if !on_kernel_clock => (Zero::FirstSeen, Some(f)),
                // Since-boot times: count from the kernel's zero.
                _ => (Zero::KernelStart, None),
            },
        };
        Self {
            zero,
            zero_wall,
            ..partial
        }
    }

    /// Epoch seconds of a source time, when the clocks allow.
    pub(crate) fn to_wall(self, w: When) -> Option<f64> {
        match w {
            When::Wall(e) => Some(e),
            When::Boot(s) => self.kernel_zero.map(|z| z + s),
        }
    }

    /// The steps of every source, from the boot's zero (each of its times through `round`), in
    /// time order.
    pub(crate) fn steps(&self, frags: &[Fragment], round: fn(f64) -> f64) -> Vec<Step> {
        let mut steps: Vec<Step> = frags
            .iter()
            .flat_map(|f| &f.steps)
            .filter_map(|s| {
                Some(Step {
                    after_secs: round(self.secs(When::Boot(s.after_secs))?),
                    by_secs: round(self.secs(When::Boot(s.by_secs))?),
                    step_secs: round(s.step_secs),
                    source: s.source.clone(),
                })
            })
            .collect();
        steps.sort_by(|a, b| {
            a.by_secs
                .total_cmp(&b.by_secs)
                .then_with(|| a.source.cmp(&b.source))
        });
        steps
    }

    /// Seconds from the boot's zero of a source time, when the clocks allow.
    pub(crate) fn secs(self, w: When) -> Option<f64> {
        match (self.zero_wall, w) {
            (Some(z), w) => self.to_wall(w).map(|x| x - z),
            (None, When::Boot(s)) => Some(s),
            (None, When::Wall(_)) => None,
        }
    }
}
