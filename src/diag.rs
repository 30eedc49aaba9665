//! Tool diagnostics: problems with the input (a file that does not parse, a missing module
//! file, a bad domains.toml) as opposed to rule findings. The run goes on wherever it can.

use serde::Serialize;

use crate::source::{FileId, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// Where a diagnostic points.
#[derive(Clone, Debug)]
pub enum Location {
    None,
    /// A span in a parsed source file.
    Source(FileId, Span),
    /// A whole file, when no span is known (unreadable, not UTF-8).
    File(FileId),
}

#[derive(Clone, Debug)]
pub struct Diag {
    pub severity: Severity,
    /// Stable code, e.g. `parse-error`; see `docs/diagnostics.md`.
    pub code: &'static str,
    pub message: String,
    pub location: Location,
    pub help: Option<String>,
}

impl Diag {
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diag {
            severity: Severity::Warning,
            code,
            message: message.into(),
            location: Location::None,
            help: None,
        }
    }

    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diag {
            severity: Severity::Error,
            ..Diag::warning(code, message)
        }
    }

    pub fn at(mut self, file: FileId, span: Span) -> Self {
        self.location = Location::Source(file, span);
        self
    }

    pub fn in_file(mut self, file: FileId) -> Self {
        self.location = Location::File(file);
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Every code a tool diagnostic can carry (input problems, not rule findings).
pub const INPUT_CODES: &[(&str, &str)] = &[
    (
        "cargo-metadata",
        "`cargo metadata` failed or returned something unusable",
    ),
    ("read-error", "a source file could not be read"),
    ("not-utf8", "a source file is not valid UTF-8"),
    ("parse-error", "a source file does not parse as Rust"),
    (
        "too-deep",
        "a source file nests deeper than the parser safely handles",
    ),
    ("too-large", "a source file is larger than 64 MiB"),
    (
        "internal-error",
        "analysing a file panicked (a bug); the file is skipped",
    ),
    ("missing-module-file", "a `mod x;` declaration has no file"),
    (
        "module-loop",
        "a `#[path]` chain includes a file inside itself",
    ),
    (
        "too-many-modules",
        "a crate's module tree exceeds the safety limit",
    ),
];
