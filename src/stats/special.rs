//! Special functions with stable logarithms: log Φ tails, softplus, log of the regularized
//! incomplete gamma functions without underflow, the normal quantile.

use statrs::function::erf::{erfc, erfc_inv};
use statrs::function::gamma::{checked_gamma_lr, ln_gamma};

/// ½ ln 2π.
pub(crate) const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;

/// ln Φ(−z) = ln P(Z > z) for a standard normal Z, accurate in both tails (scipy `log_ndtr(-z)`).
pub(crate) fn ln_norm_sf(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    if z < -1.0 {
        // S close to 1: ln(1 − Φ(z)) with Φ(z) = ½ erfc(−z/√2) small.
        return (-0.5 * erfc(-z / std::f64::consts::SQRT_2)).ln_1p();
    }
    if z < 37.0 {
        return (0.5 * erfc(z / std::f64::consts::SQRT_2)).ln();
    }
    // Asymptotic series once erfc underflows.
    let z2 = z * z;
    -0.5 * z2 - z.ln() - HALF_LN_2PI + (1.0 - 1.0 / z2 + 3.0 / (z2 * z2)).ln()
}

/// ln Φ(z), the log of the standard normal CDF.
pub(crate) fn ln_norm_cdf(z: f64) -> f64 {
    ln_norm_sf(-z)
}

/// Standard normal quantile Φ⁻¹(p) for p in (0, 1); ±∞ at the ends.
pub fn norm_quantile(p: f64) -> f64 {
    -std::f64::consts::SQRT_2 * erfc_inv(2.0 * p)
}

/// Softplus ln(1 + eʸ), stable for large |y|.
pub(crate) fn softplus(y: f64) -> f64 {
    y.max(0.0) + (-y.abs()).exp().ln_1p()
}

/// ln(eᵃ + eᵇ) without overflow; −∞ when both are −∞.
pub(crate) fn log_add_exp(a: f64, b: f64) -> f64 {
    let m = a.max(b);
    if m == f64::NEG_INFINITY {
        return m;
    }
    // The larger term's e^(x − m) is e^0 = 1 exactly when m is finite: it is not computed (the
    // same bits, one exp fewer on the likelihoods' hot path). With a NaN neither equals m, and
    // at m = +∞ the whole sum is computed (∞ − ∞ is NaN).
    if m.is_finite() {
        if a == m {
            return m + ln_one_plus_exp_of_smaller(b - m);
        }
        if b == m {
            return m + ln_one_plus_exp_of_smaller(a - m);
        }
    }
    m + ((a - m).exp() + (b - m).exp()).ln()
}

/// Below this gap the smaller term's eᵈ (≤ e⁻³⁷ ≈ 8.5e-17) is under half an ulp of 1, so
/// 1 + eᵈ rounds to 1 and its ln is 0 exactly.
const NEGLIGIBLE_GAP: f64 = -37.0;

/// ln(1 + eᵈ) for d ≤ 0, computed as `(1.0 + d.exp()).ln()` — the same bits — but with neither
/// the exp nor the ln where 1 + eᵈ rounds to 1: in a mixture's likelihood the far component of
/// most records is that small.
fn ln_one_plus_exp_of_smaller(d: f64) -> f64 {
    if d < NEGLIGIBLE_GAP {
        return 0.0;
    }
    (1.0 + d.exp()).ln()
}

/// ln Q(a, x), the log of the upper regularized incomplete gamma function, without underflow in
/// the far tail (the continued fraction is evaluated with its prefactor kept in log space).
pub(crate) fn ln_gamma_q(a: f64, x: f64) -> f64 {
    if a.is_nan() || a <= 0.0 || x.is_nan() {
        return f64::NAN;
    }
    ln_gamma_q_given(a, ln_gamma(a), x)
}

/// [`ln_gamma_q`] with ln Γ(a) given: a likelihood evaluates it at one `a` for every record,
/// so it computes ln Γ(a) once. The same operations in the same order as [`ln_gamma_q`] with
/// statrs' `checked_gamma_lr`, so the same bits.
pub(crate) fn ln_gamma_q_given(a: f64, ln_gamma_a: f64, x: f64) -> f64 {
    if a.is_nan() || a <= 0.0 || x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 0.0;
    }
    if x == f64::INFINITY {
        return f64::NEG_INFINITY;
    }
    if x < 1.0 || x <= a {
        return match gamma_p_series(a, ln_gamma_a, x) {
            Some(p) => (-p).ln_1p(),
            None => f64::NAN,
        };
    }
    // Modified Lentz continued fraction for Q(a, x) e^x x^-a Γ(a) (Numerical Recipes gcf).
    let tiny = 1e-300;
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / tiny;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..10_000 {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < tiny {
            d = tiny;
        }
        c = b + an / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    a * x.ln() - x - ln_gamma_a + h.ln()
}

/// The regularized lower incomplete gamma P(a, x) for 0 < x ≤ max(1, a) by its series, with
/// ln Γ(a) given: statrs' `checked_gamma_lr` on that branch, step for step (its own
/// `ln_gamma(a)` is the one given). Values it would treat as zero or reject (a or x below
/// 1e-300, a infinite) go to statrs itself; `None` where it errs.
fn gamma_p_series(a: f64, ln_gamma_a: f64, x: f64) -> Option<f64> {
    if !(a >= 1e-300 && x >= 1e-300 && a.is_finite() && x.is_finite()) {
        return checked_gamma_lr(a, x).ok();
    }
    let eps = 0.000000000000001;
    let ax = a * x.ln() - x - ln_gamma_a;
    // statrs writes -709.78271289338399: the same f64.
    if ax < -709.782_712_893_384 {
        return Some(if a < x { 1.0 } else { 0.0 });
    }
    let mut r2 = a;
    let mut c2 = 1.0;
    let mut ans2 = 1.0;
    loop {
        r2 += 1.0;
        c2 *= x / r2;
        ans2 += c2;
        if c2 / ans2 <= eps {
            break;
        }
    }
    Some(ax.exp() * ans2 / a)
}

/// ln P(a, x), the log of the lower regularized incomplete gamma function.
pub(crate) fn ln_gamma_p(a: f64, x: f64) -> f64 {
    if a.is_nan() || a <= 0.0 || x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if x == f64::INFINITY {
        return 0.0;
    }
    if x < 1.0 || x <= a {
        return match checked_gamma_lr(a, x) {
            Ok(p) => p.ln(),
            Err(_) => f64::NAN,
        };
    }
    (-ln_gamma_q(a, x).exp()).ln_1p()
}

/// The x with P(a, x) = q (the gamma quantile for unit scale), by bisection on ln x; `None`
/// when q is outside (0, 1) or a is not positive.
pub(crate) fn gamma_p_inverse(a: f64, q: f64) -> Option<f64> {
    if !(a > 0.0 && a.is_finite() && q > 0.0 && q < 1.0) {
        return None;
    }
    // Solve in the tail that keeps precision: upper tail for q > ½.
    let upper = q > 0.5;
    let target = if upper { (1.0 - q).ln() } else { q.ln() };
    let f = |lx: f64| -> f64 {
        let x = lx.exp();
        if upper {
            // decreasing in x: return value increasing in x
            target - ln_gamma_q(a, x)
        } else {
            ln_gamma_p(a, x) - target
        }
    };
    let mut lo = a.ln() - 1.0;
    let mut hi = a.ln() + 1.0;
    let mut guard = 0;
    while f(lo) > 0.0 {
        lo -= 2.0;
        guard += 1;
        if guard > 400 {
            return None;
        }
    }
    guard = 0;
    while f(hi) < 0.0 {
        hi += 1.0;
        guard += 1;
        if guard > 800 {
            return None;
        }
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        let v = f(mid);
        if v.is_nan() {
            return None;
        }
        if v < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let x = (0.5 * (lo + hi)).exp();
    x.is_finite().then_some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_norm_sf_is_accurate_in_both_tails() {
        // Python math.log(0.5*math.erfc(z/sqrt(2))) / math.log1p(...); statrs erfc is good to
        // about 1e-11 relative out here.
        assert!((ln_norm_sf(0.0) - 0.5f64.ln()).abs() < 1e-15);
        assert!((ln_norm_sf(5.0) - (-15.064_998_393_988_724)).abs() < 1e-10);
        assert!((ln_norm_sf(-5.0) / -2.866_516_129_637_642_7e-7 - 1.0).abs() < 1e-10);
        // The asymptotic branch joins the erfc branch at z = 37.
        assert!((ln_norm_sf(37.0) - (-689.030_585_576_890_5)).abs() < 1e-7);
        assert!(ln_norm_sf(60.0).is_finite());
    }

    #[test]
    fn softplus_is_stable() {
        assert_eq!(softplus(800.0), 800.0);
        assert!((softplus(0.0) - 2f64.ln()).abs() < 1e-15);
        assert!(softplus(-800.0) >= 0.0);
    }

    #[test]
    fn log_add_exp_skips_only_an_exp_of_zero() {
        let whole = |a: f64, b: f64| {
            let m = a.max(b);
            if m == f64::NEG_INFINITY {
                return m;
            }
            m + ((a - m).exp() + (b - m).exp()).ln()
        };
        let values = [
            f64::NEG_INFINITY,
            -745.2,
            -40.0,
            -3.7,
            -1e-300,
            -0.0,
            0.0,
            0.25,
            1.0,
            12.5,
            709.0,
            f64::INFINITY,
            f64::NAN,
        ];
        for a in values {
            for b in values {
                let (got, want) = (log_add_exp(a, b), whole(a, b));
                assert!(
                    got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                    "log_add_exp({a}, {b}) = {got}, whole {want}"
                );
            }
        }
        assert_eq!(log_add_exp(0.0, 0.0), 2f64.ln());
    }

    #[test]
    fn a_negligible_smaller_term_gives_the_bits_of_the_whole_sum() {
        // Gaps from −45 to −30 in steps of about 1e-4 (and the exact cut), at several larger
        // terms: the shortcut's result is the whole computation's, bit for bit.
        let whole = |m: f64, d: f64| m + (1.0 + d.exp()).ln();
        let mut shortcut = 0;
        for m in [-1234.5, -6.3, -0.0, 0.0, 1e-300, 2.75, 880.0] {
            for i in 0..=150_000 {
                let d = -45.0 + i as f64 * 1e-4;
                for d in [
                    d,
                    NEGLIGIBLE_GAP,
                    NEGLIGIBLE_GAP.next_up(),
                    NEGLIGIBLE_GAP.next_down(),
                ] {
                    let (got, want) = (log_add_exp(m, m + d), whole(m, (m + d) - m));
                    assert_eq!(got.to_bits(), want.to_bits(), "m {m}, d {d}");
                    let (got, want) = (log_add_exp(m + d, m), whole(m, (m + d) - m));
                    assert_eq!(got.to_bits(), want.to_bits(), "m {m}, d {d} (swapped)");
                    shortcut += usize::from((m + d) - m < NEGLIGIBLE_GAP);
                }
            }
        }
        assert!(
            shortcut > 100_000,
            "the shortcut was taken {shortcut} times"
        );
    }

    #[test]
    fn ln_gamma_q_does_not_underflow() {
        // Q(2, 1000) = e^-1000 (1 + 1000)
        let expected = -1000.0 + 1001f64.ln();
        assert!((ln_gamma_q(2.0, 1000.0) - expected).abs() < 1e-10);
        // Q(1, x) = e^-x
        assert!((ln_gamma_q(1.0, 3.0) + 3.0).abs() < 1e-13);
        assert!((ln_gamma_q(1.0, 0.5) + 0.5).abs() < 1e-13);
    }

    #[test]
    fn ln_gamma_q_given_is_statrs_bit_for_bit() {
        // The series branch (x < 1 or x ≤ a) is statrs' `checked_gamma_lr` step for step with
        // ln Γ(a) given: it must give the very bits of statrs, or the fits would move.
        let mut checked = 0;
        for &a in &[1e-3, 0.37, 0.5, 1.0, 2.5, 8.67, 40.0, 311.3, 5e3] {
            for i in 0..400 {
                let x = 1e-4 * 1.05f64.powi(i);
                if !(x < 1.0 || x <= a) {
                    continue;
                }
                let statrs = (-checked_gamma_lr(a, x).expect("valid")).ln_1p();
                let given = ln_gamma_q_given(a, ln_gamma(a), x);
                assert_eq!(given.to_bits(), statrs.to_bits(), "a={a} x={x}");
                checked += 1;
            }
        }
        assert!(checked > 1000, "{checked} points on the series branch");
    }

    #[test]
    fn gamma_inverse_round_trips() {
        for &a in &[0.5, 2.0, 8.67, 40.0] {
            for &q in &[0.001, 0.5, 0.9, 0.999] {
                let x = gamma_p_inverse(a, q).expect("inverse");
                let p = ln_gamma_p(a, x).exp();
                assert!(
                    (p - q).abs() < 1e-12 * q.max(1e-3) * 1e3,
                    "a={a} q={q} p={p}"
                );
            }
        }
    }
}
