//! What is said on stderr of summaries.

use crate::summary::Overlap;

/// The warning that a merged summary shares machines with what was merged before it.
pub(crate) fn overlap(path: &str, o: &Overlap) -> String {
    let mut what = Vec::new();
    if o.inputs > 0 {
        what.push(super::numbers::count(o.inputs, "input"));
    }
    if o.records > 0 {
        what.push(super::numbers::count(o.records, "named attempt or boot"));
    }
    if o.instances >= 1.0 {
        what.push(format!(
            "about {:.0} of {} instances",
            o.instances, o.counted
        ));
    }
    format!(
        "{path}: the summaries merged share {}: each machine should be in one partition \
         only (their attempts are counted twice)",
        what.join(", ")
    )
}
