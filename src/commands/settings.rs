//! Flags laid over the configuration. A flag that overrides a setting of `bootline.toml` is
//! checked once, here, against the bounds that setting has in the file (as ripgrep turns its
//! low-level flags into settings in one place); the library then reads only the settings.

use crate::config::{Bounds, Config, Policy};
use anyhow::{bail, Context};

use super::read::load_config;
use crate::cli::SelectArgs;

/// The `[policy]` keys a command's flags may override (`None`: as configured).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PolicyFlags {
    /// `--target`: `target_false_fail_rate`.
    pub(crate) target: Option<f64>,
    /// `--confidence`: `confidence`.
    pub(crate) confidence: Option<f64>,
    /// `--slack`: `slack_multiplier`.
    pub(crate) slack: Option<f64>,
    /// `--slack-add`: `slack_add_secs`.
    pub(crate) slack_add: Option<f64>,
}

/// The configuration of `--config` (or the defaults) with `--end` and the policy flags laid
/// over it, each flag within the bounds of the key it overrides.
pub(crate) fn configure(select: &SelectArgs, flags: PolicyFlags) -> anyhow::Result<Config> {
    let mut config = load_config(select)?;
    lay_policy(&mut config.policy, flags)?;
    Ok(config)
}

fn lay_policy(p: &mut Policy, flags: PolicyFlags) -> anyhow::Result<()> {
    if let Some(v) = flags.target {
        p.target_false_fail_rate = bounded("target", v, Bounds::RATE)?;
    }
    if let Some(v) = flags.confidence {
        p.confidence = bounded("confidence", v, Bounds::CONFIDENCE)?;
    }
    if let Some(v) = flags.slack {
        p.slack_multiplier = bounded("slack", v, Bounds::MULTIPLIER)?;
    }
    if let Some(v) = flags.slack_add {
        p.slack_add_secs = bounded("slack-add", v, Bounds::SECS_OR_ZERO)?;
    }
    Ok(())
}

/// A flag's value within the bounds of the setting it overrides.
fn bounded(flag: &str, v: f64, bounds: Bounds) -> anyhow::Result<f64> {
    bounds
        .check(&format!("--{flag}"), v)
        .map_err(anyhow::Error::msg)
}

/// A positive finite number of seconds, within the bounds of every duration setting.
fn seconds(flag: &str, text: &str) -> anyhow::Result<f64> {
    let v: f64 = text
        .trim()
        .parse()
        .with_context(|| format!("--{flag} {text}: expected seconds such as 600 or 600.0"))?;
    bounded(flag, v, Bounds::SECS)
}

/// `N` or `NAME=N`: the name (`None` for a bare value) and the seconds.
pub(crate) fn named_seconds(flag: &str, text: &str) -> anyhow::Result<(Option<String>, f64)> {
    match text.split_once('=') {
        Some((name, v)) if !name.trim().is_empty() => {
            Ok((Some(name.trim().to_string()), seconds(flag, v)?))
        }
        Some(_) => bail!("--{flag} {text}: expected N or NAME=N"),
        None => Ok((None, seconds(flag, text)?)),
    }
}

/// Times to evaluate at (`--times`, `--candidates`): positive numbers of seconds.
pub(crate) fn times(flag: &str, values: &[f64]) -> anyhow::Result<()> {
    if let Some(t) = values.iter().find(|t| !(t.is_finite() && **t > 0.0)) {
        bail!("--{flag} must be positive numbers of seconds, got {t}");
    }
    Ok(())
}
