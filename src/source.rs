//! Places in the analysed text: file ids, positions and spans. A kernel every stage may use:
//! the module loader hands them out, diagnostics and findings point with them.

use serde::Serialize;

/// An index into the loaded program's files (`modules::Program::files`).
pub type FileId = u32;

/// A position in a source file: 1-based line, 0-based column in characters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

/// A range of a source file, from `start` up to `end`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    pub start: Pos,
    pub end: Pos,
}
