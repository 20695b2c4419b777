//! Boots drawn as spans coloured by category: the fleet waterfall's rows (which boots are
//! drawn, in which group, and the count of the rest) and one boot's lanes with milestone
//! ticks. They share the categories, and read boots where the curves read latencies, so they
//! stand apart from them.

use super::{Lane, Lanes, Row, Span, Waterfall};
use crate::timeline::lean::{Interner, LeanBoot};
use crate::timeline::{Boot, Outcome};

/// Healthy boots drawn in the waterfall: the slowest ones (the rest are counted).
pub(crate) const WATERFALL_HEALTHY_ROWS: usize = 60;
/// Most boots drawn of each outcome that did not register (killed, stuck, crashed): the
/// slowest ones (the rest are counted).
pub(crate) const WATERFALL_GROUP_ROWS: usize = 120;
/// Most module lanes of the timeline chart.
const MODULE_LANES: usize = 3;

/// Categories of spans, in legend order: the wait for the kernel, boot-level phases, the
/// cloud-init stages, marker sub-phases, the agent's register call.
#[derive(Debug, Default)]
pub(crate) struct Categories {
    names: Vec<String>,
}

/// The category of the wait from launch to the kernel's start.
pub(crate) const LAUNCH_TO_KERNEL: &str = "launch → kernel";
/// Fewest categories coloured apart; later ones share `other`.
const MAX_CATEGORIES: usize = 10;

impl Categories {
    fn index(&mut self, name: &str) -> usize {
        if let Some(i) = self.names.iter().position(|n| n == name) {
            return i;
        }
        if self.names.len() + 1 >= MAX_CATEGORIES {
            return self.index_other();
        }
        self.names.push(name.to_string());
        self.names.len() - 1
    }

    fn index_other(&mut self) -> usize {
        match self.names.iter().position(|n| n == "other") {
            Some(i) => i,
            None => {
                self.names.push("other".into());
                self.names.len() - 1
            }
        }
    }
}

/// The phases of a boot that colour its waterfall row: boot-level phases and stages first,
/// marker sub-phases over them (a sub-phase lies inside a stage).
fn row_spans(b: &LeanBoot, cats: &mut Categories) -> Vec<Span> {
    let mut spans = Vec::new();
    if let (crate::timeline::Zero::Launch, Some(k)) = (b.zero, b.kernel_secs) {
        if k > 0.0 {
            spans.push(Span {
                start: 0.0,
                end: k,
                category: cats.index(LAUNCH_TO_KERNEL),
            });
        }
    }
    let end = b.observed_secs.unwrap_or(0.0);
    for depth in [0u8, 1, 3] {
        for p in b.phases.iter().filter(|p| p.depth == depth) {
            let start = p.start_secs();
            let stop = p.end_secs().unwrap_or(end.max(start));
            if stop > start {
                spans.push(Span {
                    start,
                    end: stop,
                    category: cats.index(p.name),
                });
            }
        }
    }
    spans
}

/// A boot's end on the waterfall: its latency, else its last observed moment.
fn row_end(latency: Option<crate::timeline::Latency>, observed: Option<f64>) -> Option<f64> {
    latency.map(|l| l.secs).or(observed)
}

/// Where a boot's row goes: healthy boots (registered, or failed by the sweep and registered
/// later) first, then killed, stuck and crashed ones, each group in its own band.
pub(crate) fn row_group(o: Outcome) -> u8 {
    match o {
        Outcome::Registered | Outcome::FalseFailed => 0,
        Outcome::TimedOut => 1,
        Outcome::Stuck => 2,
        Outcome::Crashed => 3,
        Outcome::Unknown => 4,
    }
}

/// A boot's row on the waterfall: its group and end, when it has an end; a boot whose latency
/// is implausible under `max_plausible_secs` has none (the report names it), as it is left out
/// of every fit.
pub(crate) fn row_of(b: &LeanBoot, max_plausible_secs: f64) -> Option<(u8, f64)> {
    if b.latency
        .is_some_and(|l| l.plausibility(max_plausible_secs).is_err())
    {
        return None;
    }
    Some((row_group(b.outcome), row_end(b.latency, b.observed_secs)?))
}

/// The fleet waterfall of one class: the slowest healthy boots and the slowest of each group
/// that did not register, drawn from `boots` (which hold at least those:
/// [`crate::summary::boots::drawn`]); `ranked` counts every boot of each group with a row,
/// drawn or not.
pub(crate) fn waterfall<'a>(
    boots: impl IntoIterator<Item = &'a LeanBoot>,
    ranked: [u64; crate::summary::boots::ROW_GROUPS],
    max_plausible_secs: f64,
    cats: &mut Categories,
) -> Waterfall {
    let mut rows_of: Vec<(&LeanBoot, u8, f64)> = (boots.into_iter())
        .filter_map(|b| row_of(b, max_plausible_secs).map(|(g, end)| (b, g, end)))
        .collect();
    rows_of.sort_by(|a, b| {
        (a.1.cmp(&b.1))
            .then(a.2.total_cmp(&b.2))
            .then_with(|| a.0.instance.cmp(&b.0.instance))
    });
    let x_max_secs = rows_of.iter().map(|r| r.2).fold(1.0, f64::max) * 1.04;
    let mut rows = Vec::new();
    let (mut healthy_not_drawn, mut others_not_drawn) = (0, 0);
    for group in rows_of.chunk_by(|a, b| a.1 == b.1) {
        let healthy = group[0].1 == 0;
        let keep = if healthy {
            WATERFALL_HEALTHY_ROWS
        } else {
            WATERFALL_GROUP_ROWS
        };
        let drawn = &group[group.len().saturating_sub(keep)..];
        let skipped = ranked[usize::from(group[0].1)] as usize - drawn.len();
        *(if healthy {
            &mut healthy_not_drawn
        } else {
            &mut others_not_drawn
        }) += skipped;
        rows.extend(drawn.iter().map(|(b, _, end)| Row {
            instance: b.instance.to_string(),
            outcome: b.outcome,
            end_secs: *end,
            spans: row_spans(b, cats),
        }));
    }
    Waterfall {
        categories: Vec::new(),
        rows,
        n_boots: ranked.iter().sum::<u64>() as usize,
        healthy_not_drawn,
        others_not_drawn,
        x_max_secs,
    }
}

/// One boot as lanes: the wait for the kernel, boot-level phases, each stage, its longest
/// modules, marker sub-phases, the agent's register call; milestones that are not a lane's
/// edge as ticks.
pub(crate) fn lanes(b: &Boot, cats: &mut Categories) -> Lanes {
    let end = row_end(b.latency, b.observed_secs).unwrap_or(0.0);
    let mut lanes: Vec<Lane> = Vec::new();
    for s in row_spans(&Interner::default().lean(b), cats) {
        let label = cats.names.get(s.category).cloned().unwrap_or_default();
        lanes.push(Lane {
            label,
            start: s.start,
            end: s.end,
            category: s.category,
        });
    }
    // Longest modules, each drawn in its stage's colour, right below the stages.
    let mut modules: Vec<(&crate::timeline::Phase, f64)> = b
        .phases
        .iter()
        .filter(|p| p.depth == 2)
        .filter_map(|p| Some((p, p.duration_secs()?)))
        .collect();
    modules.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.name.cmp(&b.0.name)));
    let stage_of = |name: &str| name.split('/').next().unwrap_or(name).to_string();
    let mut module_lanes: Vec<Lane> = modules
        .iter()
        .take(MODULE_LANES)
        .map(|(p, d)| Lane {
            label: p.name.clone(),
            start: p.start_secs,
            end: p.start_secs + d,
            category: cats.index(&stage_of(&p.name)),
        })
        .collect();
    module_lanes.sort_by(|a, b| a.start.total_cmp(&b.start));
    // Lanes in time order, modules after their stage.
    lanes.extend(module_lanes);
    lanes.sort_by(|a, b| {
        a.start
            .total_cmp(&b.start)
            .then_with(|| a.label.len().cmp(&b.label.len()))
    });
    let edges = ["_start", "_finish"];
    let ticks = b
        .milestones
        .iter()
        .filter(|m| !edges.iter().any(|e| m.name.ends_with(e)) || m.name == "kernel_start")
        .map(|m| (m.name.clone(), m.at_secs))
        .collect();
    Lanes {
        instance: b.instance.clone(),
        lanes,
        ticks,
        end_secs: end,
        outcome: Some(b.outcome),
    }
}

/// Finishes the categories (the waterfall and the lanes share them).
pub(crate) fn category_names(cats: Categories) -> Vec<String> {
    cats.names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boot(instance: &str, secs: f64, outcome: Outcome) -> Boot {
        let json = format!(
            r#"{{"schema_version":1,"instance":"{instance}","workspace":null,"class":"default","template":null,"boot":1,"zero":"launch","zero_wall":null,"launched":null,"outcome":"{}","latency":{{"secs":{secs},"censored":false,"from":"launch"}},"timeout_secs":600.0,"stuck_threshold_secs":900.0,"observed_secs":{secs},"evidence":null,"phases":[{{"name":"modules-final","depth":1,"start_secs":20.0,"end_secs":{secs},"result":null,"source":"x:1"}}],"milestones":[{{"name":"kernel_start","at_secs":10.0,"wall":null,"source":"x:1"}}],"clock_skew_secs":null,"sources":[]}}"#,
            outcome.as_str()
        );
        serde_json::from_str(&json).expect("boot")
    }

    #[test]
    fn a_large_fleet_draws_its_slowest_healthy_boots_then_every_killed_stuck_and_crashed_one() {
        let mut boots: Vec<Boot> = (0..2501)
            .map(|i| boot(&format!("i-{i:05}"), 100.0 + i as f64, Outcome::Registered))
            .collect();
        // A crashed boot ends early, a stuck one late: each goes to its own group.
        boots.push(boot("i-crashed", 40.0, Outcome::Crashed));
        boots.push(boot("i-stuck", 3000.0, Outcome::Stuck));
        boots.push(boot("i-killed", 630.0, Outcome::TimedOut));
        let mut cats = Categories::default();
        let limit = crate::config::DEFAULT_MAX_PLAUSIBLE_SECS;
        let lean = crate::timeline::lean::lean_all(&boots);
        let counts = crate::summary::boots::BootCounts::of(&lean, limit);
        // Drawn from the boots a summary keeps: the slowest of each group, and no others.
        let keep = crate::summary::boots::drawn(lean.iter(), limit);
        let kept: Vec<LeanBoot> = (lean.iter())
            .filter(|b| keep.contains(&(b.instance.clone(), b.boot)))
            .cloned()
            .collect();
        assert_eq!(kept.len(), WATERFALL_HEALTHY_ROWS + 3);
        let w = waterfall(&kept, counts.rows, limit, &mut cats);
        assert_eq!(w.n_boots, 2504);
        assert_eq!(w.healthy_not_drawn, 2501 - WATERFALL_HEALTHY_ROWS);
        assert_eq!(w.rows.len(), WATERFALL_HEALTHY_ROWS + 3);
        let healthy: Vec<f64> = w.rows[..WATERFALL_HEALTHY_ROWS]
            .iter()
            .map(|r| r.end_secs)
            .collect();
        assert_eq!(healthy.first(), Some(&2541.0));
        assert_eq!(healthy.last(), Some(&2600.0));
        assert!(healthy.windows(2).all(|p| p[0] < p[1]));
        let tail: Vec<&str> = w.rows[WATERFALL_HEALTHY_ROWS..]
            .iter()
            .map(|r| r.instance.as_str())
            .collect();
        assert_eq!(tail, ["i-killed", "i-stuck", "i-crashed"]);
        // Launch → kernel, then the stage, each in its own colour.
        let names = category_names(cats);
        assert_eq!(names, [LAUNCH_TO_KERNEL, "modules-final"]);
        assert_eq!(w.rows[0].spans[0].end, 10.0);
    }
}
