//! `bootline report` and `bootline chart` end to end on the fixture fleet: the committed
//! `reports/` example is what the README command writes, `report.json` round-trips through the
//! typed report, the numbers are `fit`'s, every SVG is valid with its labels inside the canvas,
//! and the Markdown is deterministic, folded and snapshot-tested.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use assert_cmd::Command;
use bootline::report::{self, Report};
use serde_json::Value;

/// The README's main command (after `cargo run --release --`), `--out` added per test.
const README_COMMAND: [&str; 4] = [
    "report",
    "--config",
    "fixtures/bootline.toml",
    "fixtures/fleet",
];
/// Where the README command writes.
const EXAMPLE: &str = "reports/fleet";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn bootline() -> Command {
    let mut c = Command::cargo_bin("bootline").unwrap();
    c.current_dir(root()).env_remove("SOURCE_DATE_EPOCH");
    c
}

/// Runs the README command into a fresh folder once for all tests of this file.
fn fresh() -> &'static Path {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, p) = DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("fleet");
        let run = bootline()
            .args(README_COMMAND)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        // Exit 1: the crash-diagnosis watcher must move and a guard case turns vacuous, and
        // the folder is written all the same.
        assert_eq!(
            run.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(
            stdout.starts_with("default: raise 600 s → 720 s"),
            "{stdout}"
        );
        (dir, out)
    });
    p
}

fn files_in(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x != "png"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

fn typed(dir: &Path) -> Report {
    let text = std::fs::read_to_string(dir.join("report.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// `report.md` of a report, beside its charts as `bootline report` draws them.
fn markdown(r: &Report) -> String {
    let undrawn: Vec<_> = bootline::chart::render_all(r)
        .into_iter()
        .filter_map(|(_, svg)| svg.err())
        .collect();
    report::markdown::render(r, &undrawn)
}

#[test]
fn the_committed_example_is_what_the_readme_command_writes() {
    let committed = files_in(&root().join(EXAMPLE));
    let written = files_in(fresh());
    let regenerate = format!(
        "{EXAMPLE}/ is stale: regenerate it with `cargo run --release -- {} --out {EXAMPLE}` \
         (after any change to fixtures/fleet, the configuration or the report) and commit it",
        README_COMMAND.join(" ")
    );
    assert_eq!(
        committed.keys().collect::<Vec<_>>(),
        written.keys().collect::<Vec<_>>(),
        "{regenerate}"
    );
    for (name, bytes) in &written {
        assert!(committed[name] == *bytes, "{name} differs. {regenerate}");
    }
    assert!(written.contains_key("report.md") && written.contains_key("waterfall.svg"));
}

#[test]
fn report_json_round_trips_through_the_typed_report() {
    let text = std::fs::read_to_string(fresh().join("report.json")).unwrap();
    let r: Report = serde_json::from_str(&text).unwrap();
    assert_eq!(report::json(&r).unwrap(), text);
    let again: Report = serde_json::from_str(&report::json(&r).unwrap()).unwrap();
    assert_eq!(again, r);
    // The Markdown is a function of the report alone: rendering the read-back report gives
    // the written page.
    let md = std::fs::read_to_string(fresh().join("report.md")).unwrap();
    assert_eq!(markdown(&r), md);
}

fn fit_json(class: &str) -> Value {
    let out = bootline()
        .args([
            "fit",
            "--config",
            "fixtures/bootline.toml",
            "fixtures/fleet",
            "--format",
            "json",
            "--class",
            class,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_report_recommendation_is_recommends() {
    let out = bootline()
        .args([
            "recommend",
            "--config",
            "fixtures/bootline.toml",
            "fixtures/fleet",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recommend: Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = typed(fresh());
    assert_eq!(serde_json::to_value(&r.recommendation).unwrap(), recommend);
    assert_eq!(r.recommendation.classes[0].recommended_timeout_s, 720.0);
    // The chart draws the proposal the recommendation makes.
    let proposed = r
        .figures
        .marks
        .iter()
        .find(|m| m.kind == report::figures::LineKind::Proposed);
    assert_eq!(proposed.map(|m| m.secs), Some(720.0));
    let md = std::fs::read_to_string(fresh().join("report.md")).unwrap();
    assert!(
        md.contains("| crash-diagnosis watcher | default | 300 s | 720 s | must_move |"),
        "{md}"
    );
    assert!(
        md.contains("| spared | vacuous | (720 s, 1200 s] |"),
        "{md}"
    );
}

#[test]
fn the_report_numbers_are_the_recommendations_fit() {
    let r = typed(fresh());
    assert_eq!(
        r.classes
            .iter()
            .map(|c| c.class.as_str())
            .collect::<Vec<_>>(),
        ["default", "hermes"]
    );
    let json = report_json(fresh());
    for (c, g) in r
        .classes
        .iter()
        .zip(json["recommendation"]["classes"].as_array().unwrap())
    {
        // Each class's distribution is the recommendation's record set and models: one
        // number per quantity.
        assert_eq!(g["class"], Value::from(c.class.clone()));
        let fit = c.fit.as_ref().unwrap();
        assert_eq!(Value::from(fit.n), g["n"], "class {}", c.class);
        assert_eq!(Value::from(fit.n_censored), g["n_censored"]);
        let plausible = g["plausible_models"].as_array().unwrap();
        assert!(!plausible.is_empty());
        for m in plausible {
            let family = m["family"].as_str().unwrap();
            let ours = fit.models.iter().find(|f| f.score.family.name() == family);
            let ucb = ours.and_then(|f| f.quantiles["p99.9"].ucb);
            assert_eq!(ucb.map(Value::from), Some(m["ucb_s"].clone()), "{family}");
        }
        assert_eq!(
            fit.models[0].quantiles["p99.9"].ucb.map(Value::from),
            Some(g["bound_s"].clone())
        );
    }
    // hermes has no template with its own timeout: its records are `fit --class hermes`'s,
    // and so is every number of its distribution.
    let hermes = &r.classes[1];
    let mut fit = fit_json("hermes");
    let obj = fit.as_object_mut().unwrap();
    assert_eq!(obj.remove("class").unwrap(), Value::from("hermes"));
    assert_eq!(
        obj.remove("boots").unwrap(),
        serde_json::to_value(&hermes.boots).unwrap()
    );
    assert_eq!(
        obj.remove("attempts").unwrap(),
        serde_json::to_value(&hermes.attempts).unwrap()
    );
    assert_eq!(
        obj.remove("phases").unwrap(),
        serde_json::to_value(&hermes.phases.quantiles).unwrap()
    );
    assert_eq!(
        obj.remove("tail_blame").unwrap(),
        serde_json::to_value(&hermes.phases.tail_blame).unwrap()
    );
    assert_eq!(
        fit,
        serde_json::to_value(hermes.fit.as_ref().unwrap()).unwrap()
    );
    // default's recommendation leaves out gpu-large, which has its own timeout: the
    // distribution section says so, and states the recommendation's bound.
    let md = std::fs::read_to_string(fresh().join("report.md")).unwrap();
    let default = &r.classes[0];
    let best = &default.fit.as_ref().unwrap().models[0];
    let ucb = best.quantiles["p99.9"].ucb.unwrap();
    assert!(
        md.contains(&format!(
            "{} {ucb:.1} s (ΔBIC 0.0)",
            best.score.family.name()
        )),
        "{md}"
    );
    let gpu = &json["recommendation"]["templates"][0];
    assert!(
        md.contains(&format!(
            "the records of templates with their own timeout (`gpu-large` ({})) are left out",
            gpu["n"]
        )),
        "{md}"
    );
    assert_eq!(
        default.fit.as_ref().unwrap().n + gpu["n"].as_u64().unwrap() as usize,
        fit_json("default")["n"].as_u64().unwrap() as usize
    );
}

/// `report.json` as JSON (the typed report's fields are the library's own).
fn report_json(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap()
}

/// Everything above the first `##` heading.
fn first_screen(md: &str) -> &str {
    &md[..md.find("\n## ").expect("a second-level heading")]
}

#[test]
fn the_first_screen_is_the_decision_and_its_bounds_are_recommends() {
    let md = std::fs::read_to_string(fresh().join("report.md")).unwrap();
    let screen = first_screen(&md);
    let json = report_json(fresh());
    let rec = &json["recommendation"];
    // Below the title, the first line that names a class gives its verdict in words.
    let first = screen
        .lines()
        .skip(1)
        .find(|l| l.contains("default") || l.contains("hermes"))
        .expect("a line naming a class");
    assert_eq!(
        first,
        "**default: raise the register-wait timeout 600 s → 720 s.**"
    );
    for words in [
        "at most 0.10 % of healthy boots failed, 95 % one-sided",
        "rounded up to the 60 s grid → **720 s**",
        "The sweep runs every 60 s",
        "the sweep killed 5 attempts: 3 registered later (`i-071a16b6a5f546fb7` at 635.0 s, 35.0 s late;",
        ", 2 never did.",
        "the benefit rests on the model's tail alone",
        "crash-diagnosis watcher 300 s → at least 720 s",
        "give it an age in (720 s, 1200 s]",
        "`bootline check --config fixtures/bootline.toml --proposed default=720`",
        "**hermes: not enough evidence** — 96 exact records, the policy needs 200",
        "**gpu-large (template of default): not enough evidence** — 36 exact records",
    ] {
        assert!(screen.contains(words), "{words}\n{screen}");
    }
    // "bound" before seconds is only ever a p99.9 bound, with one decimal, equal to the
    // recommendation's bound_s of a group; "at most" never stands before seconds.
    let groups: Vec<&Value> = (rec["classes"].as_array().unwrap().iter())
        .chain(rec["templates"].as_array().unwrap())
        .collect();
    let bounds: Vec<String> = groups
        .iter()
        .map(|g| format!("{:.1}", g["bound_s"].as_f64().unwrap()))
        .collect();
    let mut seen = 0;
    for (i, _) in screen.match_indices("bound ") {
        let rest = &screen[i + "bound ".len()..];
        let number: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        if number.is_empty() {
            continue;
        }
        assert!(rest[number.len()..].starts_with(" s"), "{rest}");
        assert!(
            screen[..i].ends_with("p99.9 "),
            "{}",
            &screen[i.saturating_sub(20)..i]
        );
        assert!(
            bounds.contains(&number),
            "{number} is no group's bound_s: {bounds:?}"
        );
        seen += 1;
    }
    assert_eq!(seen, 3, "{screen}");
    for (i, _) in screen.match_indices("at most ") {
        let rest = &screen[i + "at most ".len()..];
        let number: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        assert!(!rest[number.len()..].starts_with(" s"), "{rest}");
    }
    // report.json keeps the trade-off and the sensitivity behind those lines.
    let t = &json["classes"][0]["tradeoff"];
    let g = &rec["classes"][0];
    assert_eq!(
        t["false_fails_per_10k_at_current"]["kaplan_meier"].as_f64(),
        g["false_fail_at_current"]["km"].as_f64().map(|k| 1e4 * k)
    );
    assert_eq!(
        t["false_fails_per_10k_at_recommended"]["model"].as_f64(),
        g["false_fail_at_recommended"]["model"]
            .as_f64()
            .map(|m| 1e4 * m)
    );
    assert_eq!(t["stuck_detection_delay_s"].as_f64(), Some(120.0));
    let sensitivity = json["classes"][0]["sensitivity"].as_array().unwrap();
    assert!(sensitivity.len() >= 3 + 6, "{sensitivity:?}");
    for row in sensitivity {
        for key in [
            "reading",
            "model",
            "target",
            "confidence",
            "bound_s",
            "recommended_timeout_s",
        ] {
            assert!(row.get(key).is_some(), "{key} missing in {row}");
        }
    }
    // The row at the report's own policy and reading is the recommendation.
    assert!(sensitivity.iter().any(|s| s["varied"] == "policy"
        && s["target"] == 0.001
        && s["confidence"] == 0.95
        && s["recommended_timeout_s"] == 720.0
        && s["bound_s"] == g["bound_s"]));
}

#[test]
fn the_reproduce_line_run_as_printed_rewrites_the_same_report() {
    let md = std::fs::read_to_string(fresh().join("report.md")).unwrap();
    // The worked instance says in words what its table shows.
    assert!(
        md.contains("The sweep failed it at 630.0 s; it registered 5.0 s later, at 635.0 s"),
        "{md}"
    );
    let line = md
        .lines()
        .find(|l| l.starts_with("bootline report"))
        .expect("a reproduce line");
    assert!(!line.contains(&*root().to_string_lossy()), "{line}");
    let words: Vec<&str> = line.split_whitespace().skip(1).collect();
    let out_at = words.iter().position(|w| *w == "--out").expect("--out");
    let out = root().join(words[out_at + 1]);
    let _ = std::fs::remove_dir_all(&out);
    let run = bootline().args(&words).output().unwrap();
    let written = std::fs::read(out.join("report.md"));
    let _ = std::fs::remove_dir_all(&out);
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        written.unwrap() == md.as_bytes(),
        "the reproduce line wrote another report.md"
    );
    assert!(md.len() < 30_000, "{} characters", md.len());
}

/// The box plotters' estimate gives a text element: (x0, y0, x1, y1).
fn text_box(t: &roxmltree::Node) -> (f64, f64, f64, f64) {
    let num = |a: &str| {
        t.attribute(a)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let (x, y, fs) = (num("x"), num("y"), num("font-size"));
    let text: String = t
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect();
    let text = text.trim();
    // plotters: size = font-size × 1.24, em = size / 1.24², width = 0.7 em per byte.
    let w = fs / 1.24 * 0.7 * text.len() as f64;
    let (x0, x1) = match t.attribute("text-anchor") {
        Some("middle") => (x - w / 2.0, x + w / 2.0),
        Some("end") => (x - w, x),
        _ => (x, x + w),
    };
    let (y0, y1) = match t.attribute("dy") {
        Some("0.76em") => (y, y + fs),
        Some("0.5ex") => (y - fs / 2.0, y + fs / 2.0),
        _ => (y - fs, y),
    };
    match t.attribute("transform") {
        // Rotated a quarter turn about (x, y): the run of text lies along y.
        Some(tr) if tr.starts_with("rotate(90") || tr.starts_with("rotate(270") => (
            x - (y1 - y0),
            y - (x1 - x0) / 2.0,
            x + (y1 - y0),
            y + (x1 - x0) / 2.0,
        ),
        _ => (x0, y0, x1, y1),
    }
}

#[test]
fn every_chart_is_valid_svg_with_its_title_axes_and_labels_inside() {
    let expected: [(&str, &[&str]); 5] = [
        (
            "distribution",
            &[
                "register latency from launch (s)",
                "boots per",
                "current timeout 600 s",
                "stuck after 900 s",
            ],
        ),
        (
            "survival",
            &[
                "time since launch (s)",
                "share not yet registered (log)",
                "current timeout 600 s",
                "stuck after 900 s",
            ],
        ),
        (
            "waterfall",
            &[
                "time since launch (s)",
                "healthy, slowest",
                "current timeout 600 s",
                "stuck after 900 s",
            ],
        ),
        (
            "timeline",
            &[
                "time since launch (s)",
                "current timeout 600 s",
                "registered",
            ],
        ),
        (
            "phases",
            &["duration (s)", "p99", "modules-final/config-scripts_user"],
        ),
    ];
    for (kind, needles) in expected {
        let svg = std::fs::read_to_string(fresh().join(format!("{kind}.svg"))).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{kind}.svg: {e}"));
        let root = doc.root_element();
        let (w, h): (f64, f64) = (
            root.attribute("width").unwrap().parse().unwrap(),
            root.attribute("height").unwrap().parse().unwrap(),
        );
        assert_eq!(w, 1000.0, "{kind}: fixed width");
        let title = root
            .children()
            .find(|n| n.has_tag_name("title"))
            .and_then(|n| n.text())
            .unwrap_or_else(|| panic!("{kind}.svg has no <title>"));
        assert!(title.contains("class default"), "{kind}: {title}");
        let texts: Vec<roxmltree::Node> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .collect();
        let all: Vec<String> = texts
            .iter()
            .map(|t| {
                t.descendants()
                    .filter(|n| n.is_text())
                    .filter_map(|n| n.text())
                    .collect()
            })
            .collect();
        for needle in needles {
            assert!(
                all.iter().any(|t| t.contains(needle)),
                "{kind}.svg lacks {needle:?}: {all:?}"
            );
        }
        for (t, s) in texts.iter().zip(&all) {
            let (x0, y0, x1, y1) = text_box(t);
            assert!(
                x0 >= 0.0 && y0 >= 0.0 && x1 <= w && y1 <= h,
                "{kind}.svg: {s:?} at ({x0:.0}, {y0:.0})–({x1:.0}, {y1:.0}) leaves the {w}×{h} canvas"
            );
        }
    }
}

#[test]
fn chart_draws_one_chart_alone_as_the_report_does() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.svg");
    bootline()
        .args([
            "chart",
            "survival",
            "--config",
            "fixtures/bootline.toml",
            "fixtures/fleet",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(fresh().join("survival.svg")).unwrap()
    );
    bootline()
        .args(["chart", "pie", "fixtures/fleet", "-o", "-"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "unknown chart pie; expected one of distribution",
        ));
}

#[test]
fn markdown_with_every_presentation_option() {
    let dir = tempfile::tempdir().unwrap();
    bootline()
        .args(README_COMMAND)
        .args([
            "--worked-instance",
            "i-052962296ad0c7240",
            "--tz",
            "+02:00",
            "--link-base",
            "https://ci.example.invalid/artifacts/report/",
            "--redact",
            "--now",
            "2026-06-11T08:00:00Z",
            "--quiet",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .stdout("");
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    // The incident as docs/design.md §1 tells it: launched 14:51:01Z, registered 14:58:04Z.
    assert!(
        md.contains("| 2026-06-10 16:51:01.000 | 0.0 | `launched` |"),
        "{md}"
    );
    assert!(
        md.contains("| 16:58:04.000 | 423.0 | `registered` |"),
        "{md}"
    );
    assert!(md.contains("(https://ci.example.invalid/artifacts/report/distribution.svg)"));
    assert!(md.contains("generated 2026-06-11T08:00:00Z"));
    insta::assert_snapshot!("report_md_with_options", md);
}

#[test]
fn the_same_inputs_give_the_same_bytes_and_only_a_given_date() {
    let dir = tempfile::tempdir().unwrap();
    bootline()
        .args(README_COMMAND)
        .arg("--out")
        .arg(dir.path())
        .env("SOURCE_DATE_EPOCH", "1781082000")
        .assert()
        .code(predicates::ord::lt(2));
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(md.contains("generated 2026-06-10T09:00:00Z"), "{md}");
    let plain = std::fs::read_to_string(fresh().join("report.md")).unwrap();
    assert!(!plain.contains("generated"));
    // Dates aside, the two runs wrote the same page and the same charts.
    assert_eq!(md.replace("; generated 2026-06-10T09:00:00Z", ""), plain);
    for kind in ["distribution", "waterfall"] {
        assert_eq!(
            std::fs::read(dir.path().join(format!("{kind}.svg"))).unwrap(),
            std::fs::read(fresh().join(format!("{kind}.svg"))).unwrap()
        );
    }
    assert!(
        !plain.contains(root().to_str().unwrap()),
        "absolute paths leak into the report"
    );
}

#[test]
fn a_long_report_is_folded_and_cut_to_fit_a_pull_request_body() {
    let mut r = typed(fresh());
    let one = r.notable[0].clone();
    r.notable = (0..6000)
        .map(|i| report::NotableBoot {
            instance: format!("i-{i:017x}"),
            ..one.clone()
        })
        .collect();
    let md = markdown(&r);
    assert!(
        md.chars().count() <= report::markdown::BODY_LIMIT,
        "{} characters",
        md.chars().count()
    );
    assert!(md.contains("<summary>6,000 boots that did not simply register</summary>"));
    let cut_line = md
        .lines()
        .find(|l| l.starts_with("> Long lists below are cut"))
        .expect("the page says it was cut");
    let listed = md.lines().filter(|l| l.starts_with("| `i-0000")).count();
    assert!(listed > 0 && listed < 6000);
    // The input files are no list on the page (report.json keeps it): only boots are cut.
    assert_eq!(
        md.lines().filter(|l| l.starts_with("| `fixtures/")).count(),
        0
    );
    let cut = 6000 - listed;
    assert!(
        cut_line.contains(&format!(
            ": {} items left out",
            bootline::render::numbers::thousands(cut)
        )),
        "{cut_line}"
    );
}

#[test]
fn bad_presentation_options_are_usage_errors() {
    bootline()
        .args(README_COMMAND)
        .args(["--tz", "Europe/Paris", "--out", "/nonexistent/never"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--tz: expected UTC or an offset such as +02:00, got Europe/Paris",
        ));
    bootline()
        .args(README_COMMAND)
        .args(["--worked-instance", "i-0", "--out", "/nonexistent/never"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--worked-instance i-0: no boot of that instance",
        ));
}

/// A box: (x0, y0, x1, y1), pixels.
type Box2 = (f64, f64, f64, f64);

fn overlaps(a: Box2, b: Box2) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// What a chart's SVG draws, as far as the layout checks need it.
struct Drawn {
    /// Every text with its estimated box.
    texts: Vec<(String, Box2)>,
    /// Labelled vertical lines (timeouts, stuck, milestones) as thin boxes, with their colour.
    lines: Vec<(String, Box2)>,
    /// Boxes around each plotted series: bars, curves, bands.
    data: Vec<Box2>,
    /// Filled rectangles: colour, opacity, box.
    rects: Vec<(String, f64, Box2)>,
    /// The plot area, from its axes.
    plot: Box2,
}

/// Colours of labelled vertical lines: current, proposed, stuck, milestone.
const LINE_COLOURS: [&str; 4] = ["#D62728", "#08306B", "#B8860B", "#666666"];
/// Fill of the histogram's bars.
const BAR_FILL: &str = "#9EB9D4";

fn drawn(svg: &str) -> Drawn {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let num = |n: &roxmltree::Node, a: &str| -> f64 {
        n.attribute(a).and_then(|v| v.parse().ok()).unwrap_or(0.0)
    };
    let points = |n: &roxmltree::Node| -> Vec<(f64, f64)> {
        n.attribute("points")
            .unwrap_or("")
            .split_whitespace()
            .filter_map(|p| {
                let (x, y) = p.split_once(',')?;
                Some((x.parse().ok()?, y.parse().ok()?))
            })
            .collect()
    };
    let bbox = |pts: &[(f64, f64)]| -> Box2 {
        pts.iter().fold(
            (f64::MAX, f64::MAX, f64::MIN, f64::MIN),
            |(x0, y0, x1, y1), (x, y)| (x0.min(*x), y0.min(*y), x1.max(*x), y1.max(*y)),
        )
    };
    let mut d = Drawn {
        texts: Vec::new(),
        lines: Vec::new(),
        data: Vec::new(),
        rects: Vec::new(),
        plot: (0.0, 0.0, 0.0, 0.0),
    };
    let (mut y_axis, mut x_axis): (Option<Box2>, Option<Box2>) = (None, None);
    for n in doc.descendants() {
        match n.tag_name().name() {
            "text" => {
                let s: String = n
                    .descendants()
                    .filter(|c| c.is_text())
                    .filter_map(|c| c.text())
                    .collect();
                d.texts.push((s.trim().to_string(), text_box(&n)));
            }
            "polyline" => {
                let pts = points(&n);
                let stroke = n.attribute("stroke").unwrap_or("").to_string();
                let b = bbox(&pts);
                let vertical = pts.len() == 2 && pts[0].0 == pts[1].0;
                let horizontal = pts.len() == 2 && pts[0].1 == pts[1].1;
                if stroke == "#000000" && vertical && y_axis.is_none_or(|a| b.3 - b.1 > a.3 - a.1) {
                    y_axis = Some(b);
                } else if stroke == "#000000"
                    && horizontal
                    && x_axis.is_none_or(|a| b.2 - b.0 > a.2 - a.0)
                {
                    x_axis = Some(b);
                } else if vertical && LINE_COLOURS.contains(&stroke.as_str()) {
                    let half = num(&n, "stroke-width") / 2.0;
                    d.lines.push((stroke, (b.0 - half, b.1, b.2 + half, b.3)));
                } else if pts.len() > 2 {
                    d.data.push(b);
                }
            }
            "polygon" => d.data.push(bbox(&points(&n))),
            "rect" => {
                let b = (
                    num(&n, "x"),
                    num(&n, "y"),
                    num(&n, "x") + num(&n, "width"),
                    num(&n, "y") + num(&n, "height"),
                );
                let fill = n.attribute("fill").unwrap_or("").to_string();
                if fill == BAR_FILL {
                    d.data.push(b);
                }
                d.rects.push((fill, num(&n, "opacity"), b));
            }
            _ => {}
        }
    }
    let (y_axis, x_axis) = (y_axis.unwrap(), x_axis.unwrap());
    d.plot = (y_axis.0, y_axis.1, x_axis.2, x_axis.3);
    d
}

fn chart_svg(kind: &str) -> String {
    std::fs::read_to_string(fresh().join(format!("{kind}.svg"))).unwrap()
}

#[test]
fn no_label_hides_a_line_or_another_label() {
    for kind in [
        "distribution",
        "survival",
        "waterfall",
        "timeline",
        "phases",
    ] {
        let d = drawn(&chart_svg(kind));
        if kind != "phases" {
            assert!(d.lines.len() >= 3, "{kind}: the timeout and stuck lines");
        }
        for (s, b) in &d.texts {
            for (colour, line) in &d.lines {
                assert!(
                    !overlaps(*b, *line),
                    "{kind}.svg: the {colour} line at x = {:.0} runs through {s:?} at {b:?}",
                    line.0
                );
            }
        }
        for (i, (s, a)) in d.texts.iter().enumerate() {
            for (t, b) in &d.texts[i + 1..] {
                assert!(
                    !overlaps(*a, *b),
                    "{kind}.svg: {s:?} at {a:?} overlaps {t:?} at {b:?}"
                );
            }
        }
    }
}

#[test]
fn legends_and_labels_hide_no_bar_curve_or_band() {
    for kind in ["distribution", "survival"] {
        let d = drawn(&chart_svg(kind));
        assert!(d.data.len() >= 4, "{kind}: bars or steps, and the curves");
        for (s, b) in &d.texts {
            for data in &d.data {
                assert!(
                    !overlaps(*b, *data),
                    "{kind}.svg: {s:?} at {b:?} lies over data drawn in {data:?}"
                );
            }
        }
    }
}

#[test]
fn the_false_fail_region_is_shaded_to_the_axis_end_with_its_rate() {
    let report = typed(fresh());
    let ff = report
        .figures
        .distribution
        .false_fail
        .clone()
        .expect("the fixture fleet's current timeout lies inside the axis");
    let d = drawn(&chart_svg("distribution"));
    let (_, current) = d
        .lines
        .iter()
        .find(|(colour, _)| colour == "#D62728")
        .expect("the current timeout's line");
    let current_x = (current.0 + current.2) / 2.0;
    let plot = d.plot;
    // One rectangle from the current timeout to the axis end, the plot's full height.
    let band = d
        .rects
        .iter()
        .find(|(fill, opacity, b)| {
            fill == "#D62728"
                && *opacity > 0.0
                && (b.0 - current_x).abs() <= 1.0
                && (b.2 - plot.2).abs() <= 1.0
                && b.3 - b.1 >= 0.95 * (plot.3 - plot.1)
        })
        .unwrap_or_else(|| panic!("no shaded band from x = {current_x} to {plot:?}"));
    // Its rate written inside it.
    let rate = bootline::render::numbers::percent(ff.share);
    assert!(
        d.texts
            .iter()
            .any(|(s, b)| s.contains(&rate) && b.0 >= band.2 .0 && b.2 <= band.2 .2),
        "no label with {rate} inside {band:?}: {:?}",
        d.texts
    );
}

#[test]
fn every_milestone_of_the_worked_boot_is_named_above_its_line() {
    let report = typed(fresh());
    let lanes = report.figures.lanes.expect("a worked boot");
    let d = drawn(&chart_svg("timeline"));
    let milestone_lines = d.lines.iter().filter(|(c, _)| c == "#666666").count();
    let on_axis: Vec<_> = lanes.ticks.iter().filter(|(_, at)| *at >= 0.0).collect();
    // Each milestone's line at most once on the lanes' axis and once in the close-up of the
    // milestones that lie within a few seconds of each other.
    assert!(milestone_lines >= 1 && milestone_lines <= 2 * on_axis.len());
    for (name, _) in on_axis {
        let name = name.replace('_', " ");
        assert!(
            d.texts.iter().any(|(s, _)| s.contains(&name)),
            "timeline.svg does not name {name:?}"
        );
    }
}

/// The strokes of the thick curves of a chart (densities and survival curves), in order.
fn curve_strokes(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .filter(|n| {
            n.attribute("stroke-width")
                .and_then(|w| w.parse::<f64>().ok())
                .is_some_and(|w| w >= 2.0)
        })
        .filter_map(|n| n.attribute("stroke").map(str::to_string))
        .collect()
}

#[test]
fn each_model_has_one_colour_in_every_chart() {
    // The distribution draws each model's density once, the best heavier; the survival chart
    // draws Kaplan–Meier in its own blue and each model's S(t): the models' colours agree.
    let dist = curve_strokes(&chart_svg("distribution"));
    let surv = curve_strokes(&chart_svg("survival"));
    assert!(dist.len() >= 2, "{dist:?}");
    for c in &dist {
        assert!(
            surv.contains(c),
            "density colour {c} is no survival curve's: {surv:?}"
        );
    }
    let km = "#1F77B4";
    assert!(surv.iter().any(|c| c == km), "Kaplan–Meier blue: {surv:?}");
    assert!(
        !dist.iter().any(|c| c == km),
        "a model in Kaplan–Meier's blue: {dist:?}"
    );
}

/// A small slice of the fixture fleet (its platform events and the first 40 instances'
/// logs): a debug build reports it in under a second, so a run can be killed many times.
fn small_fleet() -> Vec<String> {
    let mut instances: Vec<String> = std::fs::read_dir(root().join("fixtures/fleet"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("i-"))
        .collect();
    instances.sort();
    let mut inputs = vec!["fixtures/fleet/events.jsonl".to_string()];
    inputs.extend(
        instances
            .iter()
            .take(40)
            .map(|n| format!("fixtures/fleet/{n}")),
    );
    inputs
}

/// `report` of the small fleet for `class` into `out`, as a command not yet started.
fn small_report(class: &str, out: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("bootline"));
    c.current_dir(root())
        .env_remove("SOURCE_DATE_EPOCH")
        .args(["report", "--quiet", "--config", "fixtures/bootline.toml"])
        .args(["--class", class])
        .args(small_fleet())
        .arg("--out")
        .arg(out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    c
}

#[test]
fn a_report_killed_at_any_moment_leaves_one_runs_complete_folder() {
    use std::time::{Duration, Instant};
    let tmp = tempfile::tempdir().unwrap();
    // Two complete runs that differ in every file: one per class.
    let run = |class: &str, out: &Path| {
        let status = small_report(class, out).status().unwrap();
        assert!(status.code().is_some_and(|c| c < 2), "{class}: {status}");
        files_in(out)
    };
    let default = run("default", &tmp.path().join("default"));
    let hermes = run("hermes", &tmp.path().join("hermes"));
    assert_eq!(
        default.keys().collect::<Vec<_>>(),
        hermes.keys().collect::<Vec<_>>()
    );
    assert!(default.iter().all(|(name, bytes)| hermes[name] != *bytes));
    // The folder starts with the default class's report; one uninterrupted run over it gives
    // the time a run takes.
    let out = tmp.path().join("runs").join("out");
    run("default", &out);
    let parent = out.parent().unwrap();
    // Whether the staging folder of process `pid` is beside the folder.
    let staging = |pid: u32| parent.join(format!(".out.bootline-new-{pid}")).exists();
    // Files in the staging folder of process `pid` (none when there is no such folder).
    let staged = |pid: u32| {
        std::fs::read_dir(parent.join(format!(".out.bootline-new-{pid}")))
            .map_or(0, Iterator::count)
    };
    let inode = |dir: &Path| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(dir).unwrap());
    let poll = Duration::from_micros(50);
    let started = Instant::now();
    run("hermes", &out);
    let one_run = started.elapsed();
    assert_eq!(files_in(&out), hermes);
    let mut outcomes = Vec::new();
    for attempt in 0..20u32 {
        let holds_default = files_in(&out) == default;
        let (next, old, new) = if holds_default {
            ("hermes", &default, &hermes)
        } else {
            ("default", &hermes, &default)
        };
        let mut child = small_report(next, &out).spawn().unwrap();
        let started = Instant::now();
        // Until the child has finished or `ready` holds.
        let wait_for = |child: &mut std::process::Child, ready: &dyn Fn(u32) -> bool| {
            while !ready(child.id()) && child.try_wait().unwrap().is_none() {
                std::thread::sleep(poll);
            }
        };
        let moment = match attempt {
            0..10 => {
                // Spread over the run: 1/11, 2/11, … 10/11 of its measured time.
                let at = one_run * (attempt + 1) / 11;
                std::thread::sleep(at);
                format!("at {:.0} ms", at.as_secs_f64() * 1e3)
            }
            10..17 => {
                // While the new folder is built: once it holds 1, 2, … 7 files.
                let files = attempt as usize - 9;
                wait_for(&mut child, &|pid| staged(pid) >= files);
                format!("at {files} staged files")
            }
            _ => {
                // Once it has been swapped in: 0, 0.5, 1 ms later.
                let old_inode = inode(&out);
                wait_for(&mut child, &|_| inode(&out) != old_inode);
                let after = Duration::from_micros(500 * u64::from(attempt - 17));
                std::thread::sleep(after);
                format!("{:.1} ms after the swap", after.as_secs_f64() * 1e3)
            }
        };
        let _ = child.kill();
        let status = child.wait().unwrap();
        let elapsed = started.elapsed();
        assert!(
            out.is_dir(),
            "attempt {attempt} ({moment}): the folder is gone"
        );
        let found = files_in(&out);
        let json = String::from_utf8(found["report.json"].clone()).unwrap();
        serde_json::from_str::<Value>(&json)
            .unwrap_or_else(|e| panic!("attempt {attempt} ({moment}): report.json: {e}"));
        let which = if found == *old {
            "old"
        } else if found == *new {
            "new"
        } else {
            panic!("attempt {attempt} ({moment}): the folder mixes runs or holds a partial file")
        };
        let how = if status.code().is_some() {
            "finished"
        } else {
            "killed"
        };
        outcomes.push(format!(
            "{moment} (after {:.0} ms): {how}, {which}{}",
            elapsed.as_secs_f64() * 1e3,
            if staging(child.id()) {
                ", its staging folder left beside"
            } else {
                ""
            }
        ));
    }
    eprintln!(
        "one run {:.0} ms; {}",
        one_run.as_secs_f64() * 1e3,
        outcomes.join("; ")
    );
    assert!(
        outcomes.iter().any(|o| o.contains("killed")),
        "{outcomes:?}"
    );
    // The next run removes what the killed ones left beside the folder.
    run("default", &out);
    let beside: Vec<_> = std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(beside, ["out"]);
    assert_eq!(files_in(&out), default);
}

#[test]
fn report_md_names_a_chart_it_could_not_draw_and_the_folder_holds_no_older_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // A complete fleet first: every chart, phases.svg among them.
    std::fs::create_dir(&out).unwrap();
    for (name, bytes) in files_in(fresh()) {
        std::fs::write(out.join(name), bytes).unwrap();
    }
    // Platform events alone have no phases.
    bootline()
        .args(["report", "--quiet", "fixtures/fleet/events.jsonl", "--out"])
        .arg(&out)
        .assert()
        .code(predicates::ord::lt(2))
        .stderr(predicates::str::contains(
            "bootline: no data for the phases chart: class default has no finished phase\n",
        ));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("\n- phases: not drawn (class default has no finished phase)\n"),
        "{md}"
    );
    assert!(!md.contains("phases.svg"), "{md}");
    assert!(
        !out.join("phases.svg").exists(),
        "a chart of the earlier run"
    );
    for (name, _) in files_in(&out) {
        if name.ends_with(".svg") {
            assert!(md.contains(&format!("]({name})")), "{name} not linked");
        }
    }
}

#[test]
fn a_report_folder_with_files_bootline_did_not_write_is_refused_whole() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("report.md"), "an earlier page").unwrap();
    std::fs::write(out.join("NOTES.txt"), "the reviewer's notes").unwrap();
    bootline()
        .args(["report", "fixtures/fleet/events.jsonl", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stdout("")
        .stderr(format!(
            "bootline: --out {0}: holds an entry bootline did not write ({0}/NOTES.txt): move it or choose another folder; nothing was written\n",
            out.display()
        ));
    assert_eq!(
        std::fs::read_to_string(out.join("report.md")).unwrap(),
        "an earlier page"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn report_and_chart_refuse_to_write_over_their_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    std::fs::copy(root().join("fixtures/fleet/events.jsonl"), &events).unwrap();
    let before = std::fs::read(&events).unwrap();
    bootline()
        .args(["chart", "waterfall"])
        .arg(&events)
        .arg("-o")
        .arg(&events)
        .assert()
        .code(2)
        .stdout("")
        .stderr(format!(
            "bootline: {} is one of this run's inputs: refusing to write over it\n",
            events.display()
        ));
    bootline()
        .args(["report", "--out"])
        .arg(dir.path())
        .arg(&events)
        .assert()
        .code(2)
        .stderr(format!(
            "bootline: --out {} holds {}, one of this run's inputs: refusing to replace it\n",
            dir.path().display(),
            events.display()
        ));
    bootline()
        .args(["report", "fixtures/fleet", "--out", "fixtures/fleet/report"])
        .assert()
        .code(2)
        .stderr(
            "bootline: --out fixtures/fleet/report lies inside fixtures/fleet, one of this run's inputs: \
             refusing to write there (the next run would read it)\n",
        );
    assert_eq!(std::fs::read(&events).unwrap(), before);
    assert!(!root().join("fixtures/fleet/report").exists());
}

#[test]
fn a_class_whose_tail_reaches_its_stuck_threshold_says_so_first_and_names_a_way_out() {
    // The fixture fleet with the default class's stuck threshold at 700 s: the rule's 720 s
    // reaches it.
    let dir = tempfile::tempdir().unwrap();
    let config = std::fs::read_to_string(root().join("fixtures/bootline.toml"))
        .unwrap()
        .replace("stuck_threshold_secs = 900", "stuck_threshold_secs = 700");
    assert!(config.contains("stuck_threshold_secs = 700"));
    let path = dir.path().join("overlap.toml");
    std::fs::write(&path, config).unwrap();
    let out = dir.path().join("report");
    let run = bootline()
        .args(["report", "--config"])
        .arg(&path)
        .args(["fixtures/fleet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let json = report_json(&out);
    let g = &json["recommendation"]["classes"][0];
    assert_eq!(g["recommended_timeout_s"], 720.0);
    let first = first_screen(&md)
        .lines()
        .skip(1)
        .find(|l| l.contains("default"))
        .unwrap();
    assert!(
        first.starts_with("**default: no single timeout separates slow boots from stuck ones**"),
        "{first}"
    );
    let km = g["at_stuck_threshold"]["km"].as_f64().unwrap();
    assert!(
        first.contains(&format!(
            "{} of healthy boots (Kaplan–Meier; ",
            bootline::render::numbers::percent(km)
        )),
        "{first}"
    );
    assert!(first.contains("are still unregistered at 700 s"), "{first}");
    assert!(
        first.contains("Ways out: raise the stuck threshold to 780 s."),
        "{first}"
    );
    // The charts draw the recommended line, labelled, past today's stuck threshold.
    for kind in ["distribution", "survival"] {
        let svg = std::fs::read_to_string(out.join(format!("{kind}.svg"))).unwrap();
        assert!(svg.contains("recommended 720 s"), "{kind}");
    }
}

#[test]
fn a_class_whose_records_are_all_of_a_template_with_its_own_timeout_is_still_fitted_and_drawn() {
    // One instance of template gpu-large, which has its own timeout: class default's own group
    // has no record, so the report fits the class's records itself.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gpu");
    let run = bootline()
        .args(["report", "--config", "fixtures/bootline.toml"])
        .args(["--instance", "i-07c7a84c3b699778f", "fixtures/fleet"])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        matches!(run.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let r = typed(&out);
    let default = &r.classes[0];
    assert_eq!(default.class, "default");
    assert_eq!(default.fit.as_ref().map(|f| f.n), Some(1));
    let json = report_json(&out);
    assert_eq!(json["classes"][0]["templates"]["gpu-large"], 1);
    assert_eq!(json["recommendation"]["skipped"][0]["class"], "default");
    assert!(json["recommendation"]["skipped"][0]["template"].is_null());
    for chart in ["distribution.svg", "survival.svg"] {
        assert!(out.join(chart).is_file(), "{chart}");
    }
}
