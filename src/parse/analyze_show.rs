//! Placeholder module, filled in by the parser work.
use super::{Emit, LineParser};
use crate::error::Malformed;

/// Parser state.
#[derive(Debug, Default)]
pub struct Show;
impl Show {
    /// A new parser.
    pub fn new() -> Self {
        Self
    }
}
impl LineParser for Show {
    fn line(&mut self, _text: &str, _out: &mut Emit<'_>) -> Result<(), Malformed> {
        Ok(())
    }
}
