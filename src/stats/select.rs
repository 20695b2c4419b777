//! Model selection: AIC, AICc, BIC with n = all records (lifelines, fitdistrplus and the NIST
//! handbook convention), ΔBIC, Akaike weights, and the ranking by BIC (docs/statistics.md §6).

use serde::{Deserialize, Serialize};

use super::family::Family;
use super::fit::FittedModel;

/// Information criteria of one fitted model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// The family.
    pub family: Family,
    /// Number of parameters.
    pub(crate) k: usize,
    /// Maximised log-likelihood.
    pub loglik: f64,
    /// 2k − 2ℓ.
    pub aic: f64,
    /// AIC + 2k(k+1)/(n−k−1); `None` when n ≤ k + 1.
    pub aicc: Option<f64>,
    /// k ln n − 2ℓ with n = all records.
    pub bic: f64,
    /// AIC − min AIC.
    pub(crate) delta_aic: f64,
    /// BIC − min BIC.
    pub delta_bic: f64,
    /// e^{−ΔAIC/2} / Σ e^{−ΔAIC/2}.
    pub akaike_weight: f64,
}

/// ΔBIC at or below which a model counts as plausible.
pub(crate) const PLAUSIBLE_DELTA_BIC: f64 = 2.0;

/// Scores and ranks the models by BIC (ties keep the family order).
pub(crate) fn rank(models: &[FittedModel]) -> Vec<Score> {
    let mut scores: Vec<Score> = models
        .iter()
        .map(|m| {
            let k = m.k() as f64;
            let n = m.n as f64;
            let aic = 2.0 * k - 2.0 * m.loglik;
            let aicc = (n - k - 1.0 > 0.0).then(|| aic + 2.0 * k * (k + 1.0) / (n - k - 1.0));
            Score {
                family: m.family,
                k: m.k(),
                loglik: m.loglik,
                aic,
                aicc,
                bic: k * n.ln() - 2.0 * m.loglik,
                delta_aic: 0.0,
                delta_bic: 0.0,
                akaike_weight: 0.0,
            }
        })
        .collect();
    let min_aic = scores.iter().map(|s| s.aic).fold(f64::INFINITY, f64::min);
    let min_bic = scores.iter().map(|s| s.bic).fold(f64::INFINITY, f64::min);
    let total: f64 = scores
        .iter()
        .map(|s| (-(s.aic - min_aic) / 2.0).exp())
        .sum();
    for s in &mut scores {
        s.delta_aic = s.aic - min_aic;
        s.delta_bic = s.bic - min_bic;
        s.akaike_weight = (-s.delta_aic / 2.0).exp() / total;
    }
    scores.sort_by(|a, b| a.bic.total_cmp(&b.bic).then(a.family.cmp(&b.family)));
    scores
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(family: Family, k: usize, loglik: f64) -> FittedModel {
        FittedModel {
            family,
            theta: vec![0.0; k],
            loglik,
            n: 20,
            cov: None,
            cov_unavailable: None,
            evals: 0,
        }
    }

    #[test]
    fn bic_ranks_and_weights_sum_to_one() {
        let scores = rank(&[
            model(Family::Lognormal, 2, -75.196),
            model(Family::Weibull, 2, -75.1346),
            model(Family::LognormalCure, 3, -75.0),
        ]);
        assert_eq!(scores[0].family, Family::Weibull);
        assert_eq!(scores[2].family, Family::LognormalCure);
        assert!((scores[0].aic - 154.2692).abs() < 1e-9);
        assert!((scores[0].bic - (2.0 * 20f64.ln() + 150.2692)).abs() < 1e-9);
        let aicc = scores[0].aicc.unwrap_or(f64::NAN);
        assert!((aicc - (154.2692 + 12.0 / 17.0)).abs() < 1e-9);
        let w: f64 = scores.iter().map(|s| s.akaike_weight).sum();
        assert!((w - 1.0).abs() < 1e-12);
        assert_eq!(scores[0].delta_bic, 0.0);
    }
}
