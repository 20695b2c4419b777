//! Fleet statistics: the library sees boot durations and censoring flags only (no logs, no CLI).
//!
//! - [`record`]: records, validation, weighted grouping;
//! - [`quantile`], [`order_stat`]: empirical quantiles and distribution-free bounds;
//! - [`km`]: Kaplan–Meier with Greenwood bands and band-inversion quantile bounds;
//! - [`optimize`], [`family`], [`fit`]: censored maximum likelihood of six families;
//! - [`select`], [`gof`], [`gpd`]: ranking, goodness of fit, peaks-over-threshold tail;
//! - [`grid`], [`phase`]: durations on a fixed grid, per-phase statistics and tail blame;
//! - [`table`], [`logrank`], [`fixed_time`], [`shift`]: comparing cohorts (log-rank, the
//!   fixed-time test, quantile shifts with bootstrap intervals, Holm's correction);
//! - [`summary`]: the whole serialisable result of `bootline fit`.
//!
//! Methods and conventions follow `docs/statistics.md`.

pub(crate) mod error;
pub mod family;
pub mod fit;
pub(crate) mod fixed_time;
pub(crate) mod gof;
pub(crate) mod gpd;
pub(crate) mod grid;
pub mod km;
pub(crate) mod logrank;
pub(crate) mod optimize;
pub(crate) mod order_stat;
pub(crate) mod phase;
pub(crate) mod quantile;
pub(crate) mod record;
pub mod rng;
pub(crate) mod select;
pub(crate) mod shift;
pub mod special;
pub mod summary;
pub(crate) mod table;

#[cfg(test)]
mod compare_reference;

pub(crate) use error::{Result, StatsError};
pub use record::{Record, Sample};

/// The quantile levels reported everywhere: p50, p90, p95, p99, p99.9.
pub const QUANTILE_LEVELS: [f64; 5] = [0.5, 0.9, 0.95, 0.99, 0.999];

/// The report name of a quantile level: 0.5 → "p50", 0.999 → "p99.9".
pub fn level_name(q: f64) -> String {
    let pct = q * 100.0;
    let rounded = (pct * 1e6).round() / 1e6;
    let mut s = format!("{rounded}");
    if s.contains('.') {
        s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    format!("p{s}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_names() {
        assert_eq!(level_name(0.5), "p50");
        assert_eq!(level_name(0.999), "p99.9");
        assert_eq!(level_name(0.95), "p95");
        assert_eq!(level_name(0.9999), "p99.99");
    }
}
