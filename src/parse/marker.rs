//! Markers: user regular expressions that turn any text-log line into a milestone (one `regex`)
//! or the edges of a sub-phase (a `start`/`end` pair), emitted as [`EventKind::Marker`].
//!
//! A [`MarkerSet`] holds the compiled expressions. The parse driver searches whole blocks with
//! byte regexes to find candidate lines cheaply (literal prefixes make this a memmem scan), then
//! matches the normalised line with the text regex to read the named captures.

use std::collections::BTreeMap;
use std::sync::Arc;

use regex::Regex;

use super::Emit;
use crate::event::{Edge, EventKind, Stamp};

/// The built-in marker's name.
pub(crate) const REGISTERED: &str = "registered";

/// The built-in marker's expression: the platform agent's register line, with its HTTP status.
pub(crate) const REGISTERED_REGEX: &str = r"Registered with platform: (?P<status>\d+)";

/// What a marker finds.
#[derive(Debug, Clone)]
pub(crate) enum MarkerPattern {
    /// One expression: each match is a milestone ([`Edge::Instant`]).
    Milestone(Regex),
    /// Two expressions: a match of `start` opens the sub-phase, a match of `end` closes it.
    Span {
        /// Opens the sub-phase.
        start: Regex,
        /// Closes the sub-phase.
        end: Regex,
    },
}

/// One named marker.
#[derive(Debug, Clone)]
pub(crate) struct Marker {
    /// The marker's name (`registered`, `image-pull`).
    pub(crate) name: String,
    /// Its expression(s).
    pub(crate) pattern: MarkerPattern,
}

/// A marker whose expression failed to compile.
#[derive(Debug, Clone, thiserror::Error)]
#[error("marker '{name}': invalid regular expression: {message}")]
pub(crate) struct BadRegex {
    /// The marker's name.
    pub(crate) name: String,
    /// The regex crate's message.
    pub(crate) message: String,
}

impl Marker {
    /// A milestone marker from one expression.
    pub(crate) fn milestone(name: &str, regex: &str) -> Result<Self, BadRegex> {
        Ok(Self {
            name: name.to_string(),
            pattern: MarkerPattern::Milestone(compile(name, regex)?),
        })
    }

    /// A sub-phase marker from a `start` and an `end` expression.
    pub(crate) fn span(name: &str, start: &str, end: &str) -> Result<Self, BadRegex> {
        Ok(Self {
            name: name.to_string(),
            pattern: MarkerPattern::Span {
                start: compile(name, start)?,
                end: compile(name, end)?,
            },
        })
    }

    fn regexes(&self) -> impl Iterator<Item = (&Regex, Edge)> {
        let (a, b) = match &self.pattern {
            MarkerPattern::Milestone(r) => ((r, Edge::Instant), None),
            MarkerPattern::Span { start, end } => ((start, Edge::Start), Some((end, Edge::End))),
        };
        std::iter::once(a).chain(b)
    }
}

fn compile(name: &str, regex: &str) -> Result<Regex, BadRegex> {
    Regex::new(regex).map_err(|e| BadRegex {
        name: name.to_string(),
        message: e.to_string(),
    })
}

/// A set of markers, cheap to clone (shared).
#[derive(Debug, Clone)]
pub struct MarkerSet {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    markers: Vec<Marker>,
    /// Byte regexes over raw blocks, one per expression, in the order of `markers`' regexes.
    prefilters: Vec<regex::bytes::Regex>,
    /// Every expression at once, for the cheap "does anything match this line" question.
    any: Option<regex::RegexSet>,
    /// Whether any marker other than the built-in one is present.
    user: bool,
}

impl Default for MarkerSet {
    /// The built-in markers only.
    fn default() -> Self {
        Self::builtin()
    }
}

impl MarkerSet {
    /// The built-in markers: `registered`.
    pub(crate) fn builtin() -> Self {
        let registered = Marker::milestone(REGISTERED, REGISTERED_REGEX)
            .expect("the built-in marker regex compiles");
        Self::build(vec![registered], false)
    }

    /// No markers at all.
    pub(crate) fn empty() -> Self {
        Self::build(Vec::new(), false)
    }

    /// The built-in markers plus `user` markers; a user marker with a built-in's name replaces it.
    pub(crate) fn with_user(user: Vec<Marker>) -> Self {
        let mut markers: Vec<Marker> = Vec::new();
        if !user.iter().any(|m| m.name == REGISTERED) {
            markers.push(
                Marker::milestone(REGISTERED, REGISTERED_REGEX)
                    .expect("the built-in marker regex compiles"),
            );
        }
        let has_user = !user.is_empty();
        markers.extend(user);
        Self::build(markers, has_user)
    }

    fn build(markers: Vec<Marker>, user: bool) -> Self {
        let prefilters = markers
            .iter()
            .flat_map(|m| m.regexes())
            // Blocks hold many lines: `^`/`$` must match at line ends (`\r\n` too).
            .filter_map(|(r, _)| regex::bytes::Regex::new(&format!("(?mR){}", r.as_str())).ok())
            .collect();
        let any = regex::RegexSet::new(
            markers
                .iter()
                .flat_map(|m| m.regexes())
                .map(|(r, _)| r.as_str()),
        )
        .ok();
        Self {
            inner: Arc::new(Inner {
                markers,
                prefilters,
                any,
                user,
            }),
        }
    }

    /// Whether there are no markers.
    pub(crate) fn is_empty(&self) -> bool {
        self.inner.markers.is_empty()
    }

    /// Whether the user configured markers of their own.
    pub(crate) fn has_user_markers(&self) -> bool {
        self.inner.user
    }

    /// Byte offsets in `block` where some marker expression matches (unsorted, may repeat).
    pub(crate) fn candidates(&self, block: &[u8], into: &mut Vec<usize>) {
        for re in &self.inner.prefilters {
            into.extend(re.find_iter(block).map(|m| m.start()));
        }
    }

    /// Whether any marker expression matches `text` (a cheap yes/no).
    pub(crate) fn any_match(&self, text: &str) -> bool {
        match &self.inner.any {
            Some(set) => set.is_match(text),
            None => self
                .inner
                .markers
                .iter()
                .flat_map(|m| m.regexes())
                .any(|(r, _)| r.is_match(text)),
        }
    }

    /// Matches every marker against `text` and emits one [`EventKind::Marker`] per matching
    /// expression, stamped `stamp`.
    pub(crate) fn scan(&self, text: &str, stamp: Stamp, out: &mut Emit<'_>) {
        for (name, edge, captures) in self.matches(text) {
            out.event(
                EventKind::Marker {
                    name,
                    edge,
                    captures,
                },
                stamp,
            );
        }
    }

    /// Every marker match in `text`: `(name, edge, named captures)`.
    pub(crate) fn matches(&self, text: &str) -> Vec<(String, Edge, BTreeMap<String, String>)> {
        let mut found = Vec::new();
        // One pass over the line answers for every expression; most lines match none.
        if !self.any_match(text) {
            return found;
        }
        for marker in &self.inner.markers {
            for (re, edge) in marker.regexes() {
                // Most lines match nothing: the yes/no search allocates nothing.
                if !re.is_match(text) {
                    continue;
                }
                let Some(caps) = re.captures(text) else {
                    continue;
                };
                let captures = re
                    .capture_names()
                    .flatten()
                    .filter_map(|n| {
                        caps.name(n)
                            .map(|m| (n.to_string(), m.as_str().to_string()))
                    })
                    .collect();
                found.push((marker.name.clone(), edge, captures));
            }
        }
        found
    }
}

#[cfg(test)]
impl MarkerSet {
    /// The markers, built-in first.
    pub(crate) fn markers(&self) -> &[Marker] {
        &self.inner.markers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_register_line_yields_status() {
        let set = MarkerSet::builtin();
        let m = set.matches("[  412.5] agent[900]: Registered with platform: 503 (retrying)");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].0, "registered");
        assert_eq!(m[0].1, Edge::Instant);
        assert_eq!(m[0].2.get("status").map(String::as_str), Some("503"));
        assert!(set.matches("Registered with platform: ok").is_empty());
    }

    #[test]
    fn span_marker_has_two_edges_and_candidates_are_found_in_blocks() {
        let pull = Marker::span(
            "image-pull",
            r"Pulling image (?P<image>\S+)",
            r"Pulled image",
        )
        .unwrap();
        let set = MarkerSet::with_user(vec![pull]);
        assert!(set.has_user_markers());
        assert_eq!(set.markers().len(), 2);
        assert_eq!(set.matches("Pulling image app:1")[0].1, Edge::Start);
        assert_eq!(set.matches("Pulled image app:1")[0].1, Edge::End);
        let block = b"a\nPulling image x\nb\nPulled image x\n";
        let mut c = Vec::new();
        set.candidates(block, &mut c);
        c.sort_unstable();
        assert_eq!(c, [2, 20]);
    }

    #[test]
    fn bad_regex_names_the_marker() {
        let e = Marker::milestone("x", "(unclosed").unwrap_err();
        assert_eq!(e.name, "x");
        assert!(e.to_string().contains("invalid regular expression"));
    }
}
