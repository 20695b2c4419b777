//! Placeholder module, filled in by the parser work.
use super::{Emit, LineParser};
use crate::error::Malformed;

/// Parser state.
#[derive(Debug, Default)]
pub struct CloudInitLog;
impl CloudInitLog {
    /// A new parser.
    pub fn new() -> Self {
        Self
    }
}
impl LineParser for CloudInitLog {
    fn line(&mut self, _text: &str, _out: &mut Emit<'_>) -> Result<(), Malformed> {
        Ok(())
    }
}
