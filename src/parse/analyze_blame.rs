//! `cloud-init analyze blame` output.
use super::{Emit, LineParser};
use crate::error::Malformed;

/// Parser state for blame output.
#[derive(Debug, Default)]
pub struct Blame;
impl Blame {
    /// A new parser.
    pub fn new() -> Self {
        Self
    }
}
impl LineParser for Blame {
    fn line(&mut self, _text: &str, _out: &mut Emit<'_>) -> Result<(), Malformed> {
        Ok(())
    }
}
/// Whether a line looks like a blame duration line.
pub fn is_blame_line(l: &str) -> bool {
    let t = l.trim_start();
    t.len() < l.len()
        && t.contains("s (")
        && t.as_bytes()
            .first()
            .is_some_and(|b| b.is_ascii_digit() || *b == b'-')
}
