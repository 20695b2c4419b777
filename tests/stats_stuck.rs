//! Stuck VMs among the censored records: 20,000 boots, lognormal(ln 150 s, 0.3) healthy latency,
//! 0.3 % stuck, every record at or beyond the old 600 s timeout censored there. The cure model
//! must win BIC and recover π and the healthy p99.9; the plain lognormal is pulled up.
//!
//! The data are generated here with splitmix64 and Box–Muller, so they depend on no external
//! random-number stream.

use bootline::stats::summary::{analyse, Options};
use bootline::stats::Record;

const N: usize = 20_000;
const PI_STUCK: f64 = 0.003;
const MU: f64 = 5.010_635_294_096_256; // ln 150
const SIGMA: f64 = 0.3;
const TIMEOUT: f64 = 600.0;
/// Φ⁻¹(0.999).
const Z_999: f64 = 3.090_232_306_167_813_5;

struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    fn uniform(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
}

fn fleet() -> Vec<Record> {
    let mut rng = SplitMix64(20_261_127);
    let n_stuck = (N as f64 * PI_STUCK).round() as usize;
    let mut out = Vec::with_capacity(N);
    while out.len() < N - n_stuck {
        // Box–Muller: two normals per pair of uniforms.
        let (u1, u2) = (rng.uniform(), rng.uniform());
        let r = (-2.0 * u1.ln()).sqrt();
        let angle = std::f64::consts::TAU * u2;
        for z in [r * angle.cos(), r * angle.sin()] {
            if out.len() < N - n_stuck {
                let t = (MU + SIGMA * z).exp();
                out.push(if t >= TIMEOUT {
                    Record::censored(TIMEOUT)
                } else {
                    Record::event(t)
                });
            }
        }
    }
    out.extend((0..n_stuck).map(|_| Record::censored(TIMEOUT)));
    out
}

#[test]
fn cure_model_separates_stuck_vms_from_the_healthy_tail() {
    let records = fleet();
    assert_eq!(records.len(), N);
    let s = analyse(&records, &Options::default()).expect("analysis");
    let truth = (MU + SIGMA * Z_999).exp(); // 379.0 s

    assert_eq!(
        s.ranking[0].name(),
        "lognormal_cure",
        "ranking {:?}",
        s.ranking
    );
    let cure = s
        .models
        .iter()
        .find(|m| m.score.family.name() == "lognormal_cure")
        .expect("cure fitted");
    let pi = cure.params["pi_stuck"];
    assert!((pi - PI_STUCK).abs() < 0.001, "pi {pi}");
    assert!(
        cure.se["pi_stuck"].is_some(),
        "pi is inside the space: SE exists"
    );
    let healthy = cure.quantiles["p99.9"].estimate.expect("p99.9");
    assert!(
        (healthy / truth - 1.0).abs() < 0.02,
        "cure p99.9 {healthy} vs truth {truth}"
    );

    let plain = s
        .models
        .iter()
        .find(|m| m.score.family.name() == "lognormal")
        .expect("lognormal fitted");
    // The issue asks for "pulled up by more than 10 %". On this fleet the plain lognormal MLE
    // cannot do that: its profile log-likelihood over σ (μ re-maximised) is −105036.3 at
    // σ = 0.30 (p99.9 381 s), −105013.1 at the MLE σ = 0.3103 (393 s, +3.8 %), −105031.6 at
    // 0.32 (405 s) and −105279.6 at 0.35 (445 s): the 19,940 events pin σ, and the 60 stuck
    // records add only ~0.01 to it. So the test checks the pull that the MLE really gives
    // (more than 3 %, and well outside the fit's own interval) against the cure model's 2 %.
    let pulled = plain.quantiles["p99.9"].estimate.expect("p99.9");
    assert!(
        pulled > 1.03 * truth,
        "plain lognormal p99.9 {pulled} not pulled up from {truth}"
    );
    let plain_lower = plain.quantiles["p99.9"].ci[0].expect("lower limit");
    assert!(
        plain_lower > truth,
        "the plain lognormal's interval [{plain_lower}, …] should exclude the truth {truth}"
    );
    let plain_sigma = plain.params["sigma"];
    assert!(plain_sigma > SIGMA + 0.005, "sigma {plain_sigma}");
    // The KM plateau carries the stuck fraction too.
    let plateau = s.km.plateau.as_ref().expect("plateau");
    assert!((plateau.pi_hat - PI_STUCK).abs() < 0.001);
}
