//! The whole result of `bootline fit` as one serialisable value: counts, empirical quantiles,
//! order-statistic bounds, Kaplan–Meier, the fitted families ranked by BIC with goodness of fit,
//! and the peaks-over-threshold tail. Renderers only read it.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::error::{check_level, Result};
use super::family::Family;
use super::fit::{fit, FittedModel, QuantileEstimate, SurvivalEstimate};
use super::gof::{bootstrap, statistics, Gof};
use super::gpd::{fit_tail, GpdFit};
use super::km::{KaplanMeier, KmQuantile, Plateau, SurvivalPoint};
use super::order_stat::{order_stat_bound_of, OrderStatBound};
use super::quantile::{type1_of_runs, type7_of_runs};
use super::record::{Record, Sample, Weighted};
use super::select::{rank, Score};
use super::{level_name, QUANTILE_LEVELS};

/// Version of every JSON document bootline writes.
pub(crate) const SCHEMA_VERSION: u32 = 1;

/// Default times (seconds) at which survival is reported.
pub(crate) const DEFAULT_TIMES: [f64; 3] = [300.0, 600.0, 900.0];

/// The most parametric-bootstrap resamples a fit takes: each resample refits every family,
/// so 10,000 resamples of a 1,000-boot fleet already take minutes, and p-values gain nothing
/// visible past a few thousand (their Monte Carlo error is about 0.5/√N).
pub(crate) const MAX_BOOTSTRAP: usize = 10_000;

/// What to compute.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Confidence level of intervals (two-sided) and bounds (one-sided).
    pub confidence: f64,
    /// Times at which survival is reported (KM and models).
    pub times: Vec<f64>,
    /// Parametric-bootstrap resamples for goodness-of-fit p-values (`None`: off), at most
    /// [`MAX_BOOTSTRAP`].
    pub bootstrap: Option<usize>,
    /// Seed of the bootstrap.
    pub seed: u64,
    /// Families to fit.
    pub families: Vec<Family>,
    /// Told of every bootstrap resample done (a progress bar's tick).
    pub progress: Option<Progress>,
}

/// A callback told of each unit of work done; cheap, called from the computing thread.
#[derive(Clone)]
pub struct Progress(std::sync::Arc<dyn Fn() + Send + Sync>);

impl Progress {
    /// A progress callback.
    pub(crate) fn new(tick: impl Fn() + Send + Sync + 'static) -> Self {
        Self(std::sync::Arc::new(tick))
    }

    /// One unit done.
    pub(crate) fn tick(&self) {
        (self.0)()
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress")
    }
}

impl PartialEq for Progress {
    /// The same callback; what it counts does not change the results.
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Default for Options {
    fn default() -> Self {
        Self {
            confidence: 0.95,
            times: DEFAULT_TIMES.to_vec(),
            bootstrap: None,
            seed: 0x5eed,
            families: Family::ALL.to_vec(),
            progress: None,
        }
    }
}

/// Empirical quantiles on all durations (censored values taken as recorded: lower bounds once q
/// reaches the censored region).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmpiricalQuantiles {
    /// Hyndman–Fan type 1.
    pub type1: BTreeMap<String, f64>,
    /// Hyndman–Fan type 7.
    pub type7: BTreeMap<String, f64>,
}

/// A quantile with interval and bound (KM or model).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct QuantileOut {
    /// Point estimate.
    pub estimate: Option<f64>,
    /// Two-sided interval.
    pub ci: [Option<f64>; 2],
    /// One-sided upper bound.
    pub ucb: Option<f64>,
}

/// Survival at a time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SurvivalOut {
    /// Time in seconds.
    pub t: f64,
    /// Survival.
    pub s: Option<f64>,
    /// Greenwood standard error (KM only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) se: Option<f64>,
    /// Interval (KM: log(−log); model: complementary log-log delta method).
    pub ci: [Option<f64>; 2],
    /// `true` beyond every record (KM only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) beyond_last_record: Option<bool>,
}

/// The Kaplan–Meier part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KmOut {
    /// Median, `None` when not reached.
    pub median: Option<f64>,
    /// Number of distinct event times.
    pub n_steps: usize,
    /// Last event time.
    pub last_event_time: Option<f64>,
    /// Ŝ at the last event.
    pub s_at_last_event: f64,
    /// Quantiles with log(−log) band-inversion intervals and bounds.
    pub quantiles: BTreeMap<String, QuantileOut>,
    /// Survival at the requested times.
    pub(crate) survival_at: Vec<SurvivalOut>,
    /// Plateau adjustment, when records are censored after the last event.
    pub plateau: Option<Plateau>,
}

/// One fitted model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelOut {
    /// Family, parameter count, likelihood and information criteria.
    #[serde(flatten)]
    pub score: Score,
    /// Natural parameters.
    pub params: BTreeMap<String, f64>,
    /// Their standard errors (`null` when unavailable).
    pub se: BTreeMap<String, Option<f64>>,
    /// Why standard errors are unavailable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) se_unavailable: Option<String>,
    /// Fitted quantiles (healthy part for the cure model).
    pub quantiles: BTreeMap<String, QuantileOut>,
    /// Survival (healthy part) at the requested times.
    pub survival_at: Vec<SurvivalOut>,
    /// Goodness of fit.
    pub gof: Gof,
}

/// A family that was not fitted, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unavailable {
    /// Family name.
    pub(crate) family: Family,
    /// Why.
    pub(crate) reason: String,
}

/// The tail cross-check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TailOut {
    /// The fit, when attempted.
    pub(crate) fit: Option<GpdFitOut>,
    /// Why it was skipped.
    pub skipped: Option<String>,
}

/// A generalized Pareto tail, serialised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct GpdFitOut {
    /// Threshold.
    pub(crate) threshold: f64,
    /// Exceedances.
    pub(crate) n_exceedances: usize,
    /// Shape ξ.
    pub(crate) xi: f64,
    /// Scale σ.
    pub(crate) sigma: f64,
    /// Quantiles.
    pub(crate) quantiles: BTreeMap<String, Option<f64>>,
}

/// Everything `bootline fit` reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitSummary {
    /// Schema version shared by every bootline JSON.
    pub(crate) schema_version: u32,
    /// Records.
    pub n: usize,
    /// Events (registered boots).
    pub n_events: usize,
    /// Censored records.
    pub n_censored: usize,
    /// Confidence level used.
    pub(crate) confidence: f64,
    /// Empirical quantiles.
    pub empirical_quantiles: EmpiricalQuantiles,
    /// Distribution-free interval and bound per level.
    pub order_statistic: BTreeMap<String, OrderStatBound>,
    /// Kaplan–Meier.
    pub km: KmOut,
    /// Fitted models, best BIC first.
    pub models: Vec<ModelOut>,
    /// Families not fitted.
    pub(crate) unavailable_models: Vec<Unavailable>,
    /// Family names by BIC.
    pub ranking: Vec<Family>,
    /// Peaks-over-threshold tail.
    pub tail_gpd: TailOut,
}

/// The fitted models and their scores, for callers that need more than the summary.
#[derive(Debug, Clone)]
pub struct Fits {
    /// Fitted models in family order.
    pub models: Vec<FittedModel>,
    /// Families not fitted, with reasons.
    pub unavailable: Vec<Unavailable>,
    /// Scores, best BIC first.
    pub(crate) scores: Vec<Score>,
}

/// Fits every requested family.
pub fn fit_all(sample: &Sample, families: &[Family]) -> Fits {
    let mut models = Vec::new();
    let mut unavailable = Vec::new();
    // The families are fitted in parallel (each fit is independent and deterministic) and
    // taken back in their given order.
    let fitted: Vec<(Family, Result<FittedModel>)> =
        families.par_iter().map(|&f| (f, fit(f, sample))).collect();
    for (f, result) in fitted {
        match result {
            Ok(m) => models.push(m),
            Err(e) => unavailable.push(Unavailable {
                family: f,
                reason: match e {
                    super::StatsError::FitFailed { reason, .. } => reason,
                    other => other.to_string(),
                },
            }),
        }
    }
    let scores = rank(&models);
    Fits {
        models,
        unavailable,
        scores,
    }
}

fn quantile_out_km(q: &KmQuantile) -> QuantileOut {
    QuantileOut {
        estimate: q.estimate,
        ci: q.ci,
        ucb: q.ucb,
    }
}

fn quantile_out_model(q: &QuantileEstimate) -> QuantileOut {
    QuantileOut {
        estimate: q.estimate,
        ci: q.ci,
        ucb: q.ucb,
    }
}

fn km_survival_out(p: &SurvivalPoint) -> SurvivalOut {
    SurvivalOut {
        t: p.t,
        s: Some(p.s),
        se: Some(p.se),
        ci: p.ci_loglog,
        beyond_last_record: Some(p.beyond_last_record),
    }
}

fn model_survival_out(s: &SurvivalEstimate) -> SurvivalOut {
    SurvivalOut {
        t: s.t,
        s: s.s,
        se: None,
        ci: s.ci,
        beyond_last_record: None,
    }
}

/// Runs the whole analysis.
pub fn analyse(records: &[Record], opts: &Options) -> Result<FitSummary> {
    analyse_with_models(records.iter().map(|r| (*r, 1)), opts).map(|(summary, _, _)| summary)
}

/// Runs the whole analysis of records given with their counts (a record standing for `count`
/// equal ones, in the given order) and keeps the fitted models and the Kaplan–Meier estimate
/// (for curves drawn from the same fits the summary reports). The same numbers, to the bit,
/// as [`analyse`] of the records repeated, in memory for the records given.
pub(crate) fn analyse_with_models(
    records: impl IntoIterator<Item = (Record, u64)>,
    opts: &Options,
) -> Result<(FitSummary, Fits, KaplanMeier)> {
    check_level("confidence", opts.confidence)?;
    if let Some(value) = opts.bootstrap.filter(|b| !(1..=MAX_BOOTSTRAP).contains(b)) {
        return Err(super::StatsError::InvalidBootstrap {
            value,
            max: MAX_BOOTSTRAP,
        });
    }
    let records = Weighted::new(records)?;
    let km = KaplanMeier::of_sample(&records.sample);
    let fits = fit_all(&records.sample, &opts.families);
    let summary = summarise(&records, &km, &fits, opts)?;
    Ok((summary, fits, km))
}

/// The summary of records already fitted: `km` their Kaplan–Meier, `fits` the families
/// `opts` names fitted to them (the recommendation's evidence gives both, so the report
/// fits nothing twice). The same numbers [`analyse`] gives the records.
pub(crate) fn summarise(
    records: &Weighted,
    km: &KaplanMeier,
    fits: &Fits,
    opts: &Options,
) -> Result<FitSummary> {
    check_level("confidence", opts.confidence)?;
    let conf = opts.confidence;
    let levels = level_tables(records, km, conf)?;
    let km_out = km_out(km, levels.km_quantiles, opts)?;
    let mut models = Vec::new();
    for score in &fits.scores {
        let Some(m) = fits.models.iter().find(|m| m.family == score.family) else {
            continue;
        };
        models.push(model_out(m, *score, records, km, opts)?);
    }
    let sample = &records.sample;
    Ok(FitSummary {
        schema_version: SCHEMA_VERSION,
        n: sample.n,
        n_events: sample.n_events,
        n_censored: sample.n_censored,
        confidence: conf,
        empirical_quantiles: levels.empirical,
        order_statistic: levels.order_statistic,
        km: km_out,
        ranking: fits.scores.iter().map(|s| s.family).collect(),
        models,
        unavailable_models: fits.unavailable.clone(),
        tail_gpd: tail_out(records),
    })
}

/// The distribution-free estimates at every reported level.
struct LevelTables {
    /// Empirical quantiles, types 1 and 7.
    empirical: EmpiricalQuantiles,
    /// Order-statistic interval and bound.
    order_statistic: BTreeMap<String, OrderStatBound>,
    /// Kaplan–Meier quantiles.
    km_quantiles: BTreeMap<String, QuantileOut>,
}

/// The distribution-free estimates at every reported level: the empirical quantiles (types 1
/// and 7), the order-statistic bounds and the Kaplan–Meier quantiles.
fn level_tables(records: &Weighted, km: &KaplanMeier, conf: f64) -> Result<LevelTables> {
    let all = records.sorted_runs();
    let mut eq = EmpiricalQuantiles {
        type1: BTreeMap::new(),
        type7: BTreeMap::new(),
    };
    let mut order_statistic = BTreeMap::new();
    let mut km_quantiles = BTreeMap::new();
    for q in QUANTILE_LEVELS {
        let name = level_name(q);
        if let Some(v) = type1_of_runs(&all, q) {
            eq.type1.insert(name.clone(), v);
        }
        if let Some(v) = type7_of_runs(&all, q) {
            eq.type7.insert(name.clone(), v);
        }
        let bound = order_stat_bound_of(&records.sample, q, conf)?;
        order_statistic.insert(name.clone(), bound);
        km_quantiles.insert(name, quantile_out_km(&km.quantile(q, conf)?));
    }
    Ok(LevelTables {
        empirical: eq,
        order_statistic,
        km_quantiles,
    })
}

/// The Kaplan–Meier estimate as reported: its quantiles, survival at the times asked for, and
/// its plateau.
fn km_out(
    km: &KaplanMeier,
    quantiles: BTreeMap<String, QuantileOut>,
    opts: &Options,
) -> Result<KmOut> {
    let conf = opts.confidence;
    let survival_at = opts
        .times
        .iter()
        .map(|&t| km.survival_point(t, conf).map(|p| km_survival_out(&p)))
        .collect::<Result<Vec<_>>>()?;
    let plateau = km.plateau(&QUANTILE_LEVELS);
    Ok(KmOut {
        median: km.median(),
        n_steps: km.steps.len(),
        last_event_time: km.last_event_time(),
        s_at_last_event: km.surv_at_last_event(),
        quantiles,
        survival_at,
        plateau,
    })
}

/// One fitted model as reported: its parameters with their standard errors, quantiles,
/// survival at the times asked for, and goodness of fit (bootstrapped when asked).
fn model_out(
    m: &FittedModel,
    score: Score,
    records: &Weighted,
    km: &KaplanMeier,
    opts: &Options,
) -> Result<ModelOut> {
    let conf = opts.confidence;
    let names = m.family.param_names();
    let params = names
        .iter()
        .zip(m.params())
        .map(|(n, v)| (n.to_string(), v))
        .collect();
    let se_values = m.se();
    let se = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            (
                n.to_string(),
                se_values.as_ref().map(|s| s[i]).filter(|v| v.is_finite()),
            )
        })
        .collect();
    let mut quantiles = BTreeMap::new();
    for q in QUANTILE_LEVELS {
        quantiles.insert(level_name(q), quantile_out_model(&m.quantile(q, conf)?));
    }
    let survival_at = opts
        .times
        .iter()
        .map(|&t| m.survival(t, conf).map(|s| model_survival_out(&s)))
        .collect::<Result<Vec<_>>>()?;
    let mut gof = statistics(m, &records.sample, km);
    if let Some(b) = opts.bootstrap.filter(|b| *b > 0) {
        let tick = || {
            if let Some(p) = &opts.progress {
                p.tick();
            }
        };
        gof.bootstrap = Some(bootstrap(m, records, b, opts.seed, &tick));
    }
    Ok(ModelOut {
        score,
        params,
        se,
        se_unavailable: m.cov_unavailable.clone(),
        quantiles,
        survival_at,
        gof,
    })
}

/// The peaks-over-threshold tail, or why it was not fitted.
fn tail_out(records: &Weighted) -> TailOut {
    match fit_tail(records, &QUANTILE_LEVELS) {
        Ok(g) => TailOut {
            fit: Some(gpd_out(&g)),
            skipped: None,
        },
        Err(reason) => TailOut {
            fit: None,
            skipped: Some(reason),
        },
    }
}

fn gpd_out(g: &GpdFit) -> GpdFitOut {
    GpdFitOut {
        threshold: g.threshold,
        n_exceedances: g.n_exceedances,
        xi: g.xi,
        sigma: g.sigma,
        quantiles: g
            .quantiles
            .iter()
            .map(|(q, v)| (level_name(*q), *v))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_a_small_sample_has_no_nan() {
        let recs: Vec<Record> = (1..=30)
            .map(|i| {
                if i > 27 {
                    Record::censored(400.0)
                } else {
                    Record::event(100.0 + 9.0 * i as f64)
                }
            })
            .collect();
        let s = analyse(&recs, &Options::default()).expect("summary");
        let json = serde_json::to_string(&s).expect("json");
        assert!(!json.contains("NaN") && !json.contains("inf"), "{json}");
        assert_eq!(s.n_censored, 3);
        assert_eq!(s.ranking.len(), s.models.len());
        assert!(s
            .unavailable_models
            .iter()
            .any(|u| u.family == Family::LognormalMixture2));
        assert_eq!(s.tail_gpd.skipped.as_deref(), Some("n < 300"));
    }

    #[test]
    fn identical_durations_fail_with_reasons_not_panics() {
        let recs: Vec<Record> = (0..60).map(|_| Record::event(120.0)).collect();
        let s = analyse(&recs, &Options::default()).expect("summary");
        assert!(s.models.is_empty());
        assert_eq!(s.unavailable_models.len(), 6);
        assert!(s.unavailable_models[0].reason.contains("two distinct"));
        assert_eq!(s.km.median, Some(120.0));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
        #[test]
        fn never_panics_and_never_writes_non_finite_numbers(
            raw in proptest::collection::vec((1u32..5000, proptest::bool::ANY), 1..45)
        ) {
            let recs: Vec<Record> = raw
                .iter()
                .map(|&(t, c)| Record { duration_secs: f64::from(t) / 7.0, censored: c })
                .collect();
            let s = analyse(&recs, &Options::default()).expect("valid records");
            for m in &s.models {
                proptest::prop_assert!(m.score.loglik.is_finite() && m.score.bic.is_finite());
                proptest::prop_assert!(m.params.values().all(|v| v.is_finite()));
            }
            proptest::prop_assert_eq!(s.models.len() + s.unavailable_models.len(), 6);
        }
    }
}
