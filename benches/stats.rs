//! Wall-clock benchmark of the statistics on fleet-sized inputs (run with
//! `cargo bench --bench stats`):
//! 1. 100,000 censored records with whole-second durations: Kaplan–Meier and all six fits;
//! 2. 100,000 real-valued records: Kaplan–Meier and the four two-parameter fits.
//!
//! Prints the seconds of each step and the total per scenario.

use std::time::Instant;

use bootline::stats::family::Family;
use bootline::stats::fit::fit;
use bootline::stats::km::KaplanMeier;
use bootline::stats::rng::SplitMix64;
use bootline::stats::{Record, Sample, QUANTILE_LEVELS};

const N: usize = 100_000;

/// Standard normals by Box–Muller from the library's seeded generator.
fn normals(rng: &mut SplitMix64, n: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(n + 1);
    while out.len() < n {
        let (u1, u2) = (rng.next_open01(), rng.next_open01());
        let r = (-2.0 * u1.ln()).sqrt();
        let a = std::f64::consts::TAU * u2;
        out.push(r * a.cos());
        out.push(r * a.sin());
    }
    out.truncate(n);
    out
}

/// Healthy lognormal(ln 150 s, 0.3) boots rounded up to whole seconds, 0.3 % stuck, everything
/// at or beyond 600 s censored there.
fn whole_second_fleet() -> Vec<Record> {
    let mut rng = SplitMix64::new(1);
    let z = normals(&mut rng, N);
    z.iter()
        .map(|z| {
            let t = (150f64.ln() + 0.3 * z).exp().ceil();
            if rng.next_open01() < 0.003 || t >= 600.0 {
                Record::censored(600.0)
            } else {
                Record::event(t)
            }
        })
        .collect()
}

/// Real-valued lognormal(ln 260 s, 0.5) boots, censored at 600 s (about 5 %).
fn real_valued() -> Vec<Record> {
    let mut rng = SplitMix64::new(2);
    normals(&mut rng, N)
        .iter()
        .map(|z| {
            let t = (260f64.ln() + 0.5 * z).exp();
            if t >= 600.0 {
                Record::censored(600.0)
            } else {
                Record::event(t)
            }
        })
        .collect()
}

fn scenario(name: &str, records: &[Record], families: &[Family]) {
    println!("{name}");
    let start = Instant::now();
    let mut step = Instant::now();
    let lap = |what: &str, step: &mut Instant| {
        println!("  {what:<34} {:>8.4} s", step.elapsed().as_secs_f64());
        *step = Instant::now();
    };
    let km = match KaplanMeier::fit(records) {
        Ok(km) => km,
        Err(e) => {
            println!("  KM failed: {e}");
            return;
        }
    };
    for q in QUANTILE_LEVELS {
        let _ = km.quantile(q, 0.95);
    }
    lap("kaplan-meier", &mut step);
    let sample = match Sample::new(records) {
        Ok(s) => s,
        Err(e) => {
            println!("  sample failed: {e}");
            return;
        }
    };
    lap(
        &format!(
            "grouping ({} terms)",
            sample.events.len() + sample.censored.len()
        ),
        &mut step,
    );
    for &f in families {
        match fit(f, &sample) {
            Ok(m) => {
                for q in QUANTILE_LEVELS {
                    let _ = m.quantile(q, 0.95);
                }
                lap(&format!("{} ({} evals)", f.name(), m.evals), &mut step);
            }
            Err(e) => {
                println!("  {}: {e}", f.name());
                step = Instant::now();
            }
        }
    }
    println!("  {:<34} {:>8.4} s", "total", start.elapsed().as_secs_f64());
}

fn main() {
    let fleet = whole_second_fleet();
    scenario(
        "100,000 censored records, whole seconds: KM + six fits",
        &fleet,
        &Family::ALL,
    );
    let real = real_valued();
    scenario(
        "100,000 real-valued records: KM + four two-parameter fits",
        &real,
        &Family::TWO_PARAMETER,
    );
}
