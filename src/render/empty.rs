//! Why a run found nothing: the one line a command prints on standard error when no input gave
//! what it reads (for `blame`, `show` and `dump`, a cloud-init event).

use std::path::Path;

use super::name_list;
use crate::parse::{Format, Summary};

/// `serial-console`, or `?` when the format is not known.
fn format_name(summary: &Summary) -> &'static str {
    summary.format.map_or("?", Format::name)
}

/// `blame`, `show` and `dump` with inputs of no cloud-init event: `no cloud-init events in
/// x.txt (read as serial-console)`.
pub fn no_cloud_init_events(inputs: &[(&Path, &Summary)]) -> String {
    let items: Vec<String> = inputs
        .iter()
        .map(|(path, s)| format!("{} (read as {})", path.display(), format_name(s)))
        .collect();
    format!("no cloud-init events in {}", name_list(&items))
}
