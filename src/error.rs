//! Library errors. A malformed line carries its path, line, column and what was expected, and
//! renders as `path:line:column: expected <what>` followed by the line and a caret.

use std::fmt;
use std::io;
use std::sync::Arc;

use thiserror::Error;

/// A line that the detected format's grammar claims but cannot parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// Input display name.
    pub(crate) path: Arc<str>,
    /// 1-based line number.
    pub line: u64,
    /// 1-based column, counted in characters of the normalised line.
    pub(crate) column: usize,
    /// What the grammar expected at that column.
    pub(crate) expected: String,
    /// The normalised line (possibly shortened for display).
    pub(crate) text: String,
}

impl Malformed {
    /// A malformed-line report at byte offset `byte_col` (0-based) of the normalised `text`;
    /// the column is converted to 1-based characters.
    pub(crate) fn at_byte(
        path: Arc<str>,
        line: u64,
        text: &str,
        byte_col: usize,
        expected: impl Into<String>,
    ) -> Self {
        let byte_col = byte_col.min(text.len());
        let mut boundary = byte_col;
        while !text.is_char_boundary(boundary) {
            boundary -= 1;
        }
        let column = text[..boundary].chars().count() + 1;
        Self {
            path,
            line,
            column,
            expected: expected.into(),
            text: text.to_string(),
        }
    }
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}:{}:{}: expected {}",
            self.path, self.line, self.column, self.expected
        )?;
        // Show at most 200 characters around the column so a huge line stays readable.
        let chars: Vec<char> = self.text.chars().collect();
        let col0 = self.column.saturating_sub(1).min(chars.len());
        let start = col0.saturating_sub(100);
        let end = (start + 200).min(chars.len());
        let shown: String = chars[start..end].iter().collect();
        writeln!(f, "  {shown}")?;
        write!(f, "  {}^", " ".repeat(col0 - start))
    }
}

/// Everything that can go wrong in the library.
#[derive(Debug, Error)]
pub enum Error {
    /// An input could not be opened or read.
    // The cause is part of the message, not a source: a chain printer would say it twice.
    #[error("{path}: {cause}")]
    Io {
        /// Input display name.
        path: String,
        /// The underlying error.
        cause: io::Error,
    },
    /// A malformed line in strict mode.
    #[error("{0}")]
    Malformed(Box<Malformed>),
    /// The format of an input could not be recognised.
    #[error("{path}: could not recognise the input format from its first lines; name it with --input-format (see `bootline formats`)")]
    UnknownFormat {
        /// Input display name.
        path: String,
    },
    /// An input whose bytes are not a text log (compressed in a format bootline does not
    /// unwrap, or binary).
    #[error("{path}: {what}")]
    NotText {
        /// Input display name.
        path: String,
        /// What it is, and what to do.
        what: String,
    },
    /// A whole-document input (JSON) ended or broke before it was complete.
    #[error("{path}:{line}:{column}: {message}")]
    Document {
        /// Input display name.
        path: String,
        /// 1-based line.
        line: u64,
        /// 1-based column.
        column: u64,
        /// What went wrong, with what was expected.
        message: String,
    },
    /// A configuration file is invalid.
    #[error("{path}:{line}: {message}")]
    Config {
        /// Config file path.
        path: String,
        /// 1-based line (0 when unknown).
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A value given by the user is out of range or inconsistent.
    #[error("{0}")]
    Invalid(String),
    /// A source began more boots than `--max-boots-per-source`: the line that began the first
    /// one too many (in strict mode an error; otherwise a warning, the rest unread as boots).
    #[error("{at}: more than {limit} boots in one source; the rest are not read as boots (--max-boots-per-source)")]
    TooManyBoots {
        /// The line that began one boot too many.
        at: crate::event::Location,
        /// The limit.
        limit: usize,
    },
}

impl From<Malformed> for Error {
    fn from(m: Malformed) -> Self {
        Error::Malformed(Box::new(m))
    }
}

impl Error {
    /// Whether the input is no log bootline reads (its format unrecognised, or not text): a
    /// file found by walking a folder is then skipped and named, not an error.
    pub(crate) fn is_not_a_log(&self) -> bool {
        matches!(self, Error::UnknownFormat { .. } | Error::NotText { .. })
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_counts_characters_not_bytes() {
        let m = Malformed::at_byte("f.log".into(), 3, "→ start: x", 4, "a name");
        // "→" is 3 bytes, one character; byte 4 is the 's' after the space... character 3.
        assert_eq!(m.column, 3);
        let text = m.to_string();
        assert!(text.starts_with("f.log:3:3: expected a name\n"), "{text}");
        assert!(text.ends_with("    ^"), "{text:?}");
    }

    #[test]
    fn column_inside_a_character_rounds_down() {
        let m = Malformed::at_byte("f".into(), 1, "→x", 1, "x");
        assert_eq!(m.column, 1);
    }
}
