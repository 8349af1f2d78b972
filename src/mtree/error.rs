//! Errors reading a go-mtree manifest: each says what is wrong and, for a
//! manifest, on which line.

use std::io;

/// An escaped name that `unvis` cannot decode; the text is quoted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnvisError {
    /// A `\` with nothing after it.
    #[error("trailing backslash in {0:?}")]
    TrailingBackslash(String),
    /// An octal escape above `\377`.
    #[error("bad octal escape in {0:?}")]
    Octal(String),
    /// A `\M` not followed by `-c` or `^c`.
    #[error("bad meta escape in {0:?}")]
    Meta(String),
    /// A `\^` with no character after it.
    #[error("bad control escape in {0:?}")]
    Control(String),
    /// A `\` followed by a character no escape starts with.
    #[error("unknown escape \\{escape} in {text:?}")]
    Unknown {
        /// The character after the backslash.
        escape: char,
        /// The text it was found in.
        text: String,
    },
}

/// Why a manifest line was refused.
#[derive(Debug, thiserror::Error)]
pub enum LineError {
    /// A `..` with no directory left to leave.
    #[error("'..' above the root")]
    AboveRoot,
    /// An entry without a `type` (the file is not a manifest; none of it
    /// is quoted).
    #[error("entry has no type keyword: not an mtree manifest")]
    NoType,
    /// A name that does not decode.
    #[error(transparent)]
    Name(#[from] UnvisError),
    /// Directories nested deeper than any tree that can be walked.
    #[error("directories nested deeper than {0} levels")]
    TooDeep(usize),
    /// The line could not be read (too long, not UTF-8, I/O).
    #[error(transparent)]
    Read(io::Error),
}

/// A manifest that cannot be read, with the line at fault.
#[derive(Debug, thiserror::Error)]
#[error("mtree line {line}: {reason}")]
pub struct MtreeError {
    /// The line number, from 1.
    pub line: usize,
    /// What is wrong with it.
    pub reason: LineError,
}

impl From<MtreeError> for io::Error {
    fn from(e: MtreeError) -> Self {
        io::Error::new(io::ErrorKind::InvalidData, e)
    }
}
