//! `cloud-init analyze dump` JSON.
use std::io::BufRead;

use super::{DocumentParser, Emit};
use crate::error::{Malformed, Result};

/// Parser state.
#[derive(Debug, Default)]
pub struct Dump;
impl Dump {
    /// A new parser.
    pub fn new() -> Self {
        Self
    }
}
impl DocumentParser for Dump {
    fn parse(
        &mut self,
        _reader: &mut dyn BufRead,
        _out: &mut Emit<'_>,
        _on_malformed: &mut dyn FnMut(Malformed) -> Result<()>,
    ) -> Result<()> {
        Ok(())
    }
}
