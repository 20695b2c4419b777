//! Errors of the statistics library: invalid records and arguments, and fits that cannot run.

use thiserror::Error;

/// Everything that can go wrong in [`crate::stats`].
#[derive(Debug, Clone, PartialEq, Error)]
pub enum StatsError {
    /// A duration that is not a positive finite number of seconds.
    #[error("record {index}: duration must be a positive finite number of seconds, got {value}")]
    InvalidDuration {
        /// 0-based position of the record in the input.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// No records at all.
    #[error("no records")]
    Empty,
    /// A probability or confidence level outside (0, 1).
    #[error("{what} must lie strictly between 0 and 1, got {value}")]
    InvalidLevel {
        /// Which argument.
        what: &'static str,
        /// The offending value.
        value: f64,
    },
    /// A bootstrap resample count outside 1..=[`crate::stats::summary::MAX_BOOTSTRAP`].
    #[error("--bootstrap must be between 1 and {max} resamples, got {value}")]
    InvalidBootstrap {
        /// The offending value.
        value: usize,
        /// The upper bound.
        max: usize,
    },
    /// A fit that was not attempted or did not converge to a finite optimum.
    #[error("{family}: {reason}")]
    FitFailed {
        /// The family name.
        family: &'static str,
        /// Why.
        reason: String,
    },
}

/// Result type of the statistics library.
pub(crate) type Result<T, E = StatsError> = std::result::Result<T, E>;

/// Checks that `value` is a probability strictly between 0 and 1.
pub(crate) fn check_level(what: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 && value < 1.0 {
        Ok(())
    } else {
        Err(StatsError::InvalidLevel { what, value })
    }
}
