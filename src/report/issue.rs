//! One flat list of located problems that the machine formats (SARIF, GitHub annotations,
//! JUnit, GitLab Code Quality, cargo's JSON messages) all draw from: rule findings, input
//! diagnostics, configuration errors and warnings, stale baseline entries. Each has a code, a
//! level, a message, and where it is (file, 1-based lines and columns, byte range, the source
//! lines). [`Paths`] decides how a file is named for CI: relative to the git repository root
//! when the workspace sits in one, so annotations land on the right files in a monorepo.

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::analysis::{Checked, Error};
use crate::config::{ConfigError, ConfigErrors, ConfigSource};
use crate::modules::{Pos, Program, Span};
use crate::rules::Finding;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Warning,
    Error,
}

/// What kind of problem: GitLab and JUnit group by it, and a configuration error means
/// nothing was checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A rule finding.
    Finding,
    /// A problem with the analysed code (a file that does not parse) or a suppression.
    Input,
    /// A problem with domains.toml, the baseline or a command-line option.
    Config,
}

/// A 1-based line and a 1-based column counted in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub col: usize,
}

/// One line of source under a span, with the highlighted columns (1-based, end exclusive).
#[derive(Clone, Debug)]
pub struct SpanLine {
    pub text: String,
    pub highlight_start: usize,
    pub highlight_end: usize,
}

#[derive(Clone, Debug)]
pub struct At {
    /// Relative to the workspace root, `/`-separated (as the human report shows it).
    pub rel: String,
    /// Absolute path.
    pub abs: PathBuf,
    pub start: LineCol,
    /// Past the last character; on the start line at least one column after `start`.
    pub end: LineCol,
    pub bytes: Range<usize>,
    pub lines: Vec<SpanLine>,
}

#[derive(Clone, Debug)]
pub struct Issue {
    pub code: &'static str,
    pub level: Level,
    pub kind: Kind,
    pub message: String,
    pub label: Option<String>,
    pub help: Option<String>,
    pub at: Option<At>,
    /// Stable across runs and edits that do not touch the problem (see [`fingerprints`]).
    pub fingerprint: String,
    /// The crate (index into `Program::crates`) a finding's code belongs to.
    pub krate: Option<u32>,
}

/// FNV-1a, 64 bits, of NUL-separated parts: stable across platforms and releases.
pub fn hash(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, part) in parts.iter().enumerate() {
        let sep: &[u8] = if i == 0 { &[] } else { &[0] };
        for b in sep.iter().chain(part.as_bytes()) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// How files are named for CI.
#[derive(Clone, Debug, Default)]
pub struct Paths {
    /// `--path-prefix`: prepended to the workspace-relative path, whatever the repository.
    pub prefix: Option<String>,
    /// The git repository root the workspace sits in (with its symlinks resolved).
    pub repo_root: Option<PathBuf>,
}

impl Paths {
    /// The path a CI system resolves against its checkout: relative to the repository root
    /// when the file lies in it, else relative to the workspace root.
    pub fn name(&self, at: &At) -> String {
        if let Some(p) = &self.prefix {
            let p = p.trim_end_matches('/');
            return if p.is_empty() {
                at.rel.clone()
            } else {
                format!("{p}/{}", at.rel)
            };
        }
        if let Some(root) = &self.repo_root {
            let abs = at.abs.canonicalize().unwrap_or_else(|_| at.abs.clone());
            if let Ok(r) = abs.strip_prefix(root) {
                return r.to_string_lossy().replace('\\', "/");
            }
        }
        at.rel.clone()
    }
}

fn line_col(p: Pos) -> LineCol {
    LineCol {
        line: (p.line as usize).max(1),
        col: p.col as usize + 1,
    }
}

/// The end of a span as reported: at least one character after the start.
fn end_after(start: LineCol, end: LineCol) -> LineCol {
    if end > start {
        end
    } else {
        LineCol {
            line: start.line,
            col: start.col + 1,
        }
    }
}

/// The source lines a span covers (at most 5), with their highlighted columns.
fn span_lines(text: &str, start: LineCol, end: LineCol) -> Vec<SpanLine> {
    text.lines()
        .enumerate()
        .skip(start.line - 1)
        .take((end.line - start.line + 1).min(5))
        .map(|(i, l)| {
            let n = l.chars().count() + 1;
            let from = if i + 1 == start.line { start.col } else { 1 };
            let to = if i + 1 == end.line { end.col } else { n };
            SpanLine {
                text: l.to_string(),
                highlight_start: from.min(n),
                highlight_end: to.min(n).max(from.min(n)),
            }
        })
        .collect()
}

fn at_source(p: &Program, file: u32, span: Span) -> Option<At> {
    let f = p.files.get(file as usize)?;
    let start = line_col(span.start);
    let end = end_after(start, line_col(span.end));
    let text = f.text.as_deref().unwrap_or("");
    let b0 = f.offset(span.start);
    let b1 = f.offset(span.end).max(b0);
    Some(At {
        rel: f.rel.clone(),
        abs: f.path.clone(),
        start,
        end,
        bytes: b0..b1.max((b0 + 1).min(text.len())),
        lines: span_lines(text, start, end),
    })
}

fn at_config(src: &ConfigSource, range: &Range<usize>) -> At {
    let span = crate::rules::config_pos(&src.text, range);
    let start = line_col(span.start);
    let end = end_after(start, line_col(span.end));
    let len = src.text.len();
    At {
        rel: src.name.clone(),
        abs: std::path::absolute(&src.path).unwrap_or_else(|_| src.path.clone()),
        start,
        end,
        bytes: range.start.min(len)..range.end.min(len),
        lines: span_lines(&src.text, start, end),
    }
}

/// A whole file, when no span is known: its first line.
pub fn at_file(rel: &str, abs: &Path) -> At {
    let start = LineCol { line: 1, col: 1 };
    At {
        rel: rel.to_string(),
        abs: abs.to_path_buf(),
        start,
        end: LineCol { line: 1, col: 2 },
        bytes: 0..0,
        lines: Vec::new(),
    }
}

fn config_issue(e: &ConfigError, source: Option<&ConfigSource>) -> Issue {
    let at = match (source, &e.span) {
        (Some(src), Some(r)) => Some(at_config(src, r)),
        (Some(src), None) => Some(at_file(
            &src.name,
            &std::path::absolute(&src.path).unwrap_or_else(|_| src.path.clone()),
        )),
        _ => None,
    };
    Issue {
        code: e.code,
        level: if e.warning {
            Level::Warning
        } else {
            Level::Error
        },
        kind: Kind::Config,
        message: e.message.clone(),
        label: e.label.clone(),
        help: e.help.clone(),
        fingerprint: String::new(),
        at,
        krate: None,
    }
}

fn finding_issue(c: &Checked, f: &Finding) -> Issue {
    let p = &c.analysis.program;
    let at = match &f.config_span {
        Some(r) => Some(at_config(&c.config.source, r)),
        None => at_source(p, f.file, f.span),
    };
    let module = f
        .from_module
        .or_else(|| f.reference.map(|r| c.analysis.resolution.refs[r].from));
    let help = match c.rules_input().finding_cfg(f) {
        Some(cfg) => format!(
            "{}\nnote: only builds with `cfg({cfg})` compile this code",
            f.help
        ),
        None => f.help.clone(),
    };
    let k = crate::baseline::key(&c.rules_input(), f);
    Issue {
        code: f.rule.code(),
        level: if f.level == crate::config::Level::Deny {
            Level::Error
        } else {
            Level::Warning
        },
        kind: Kind::Finding,
        message: f.message.clone(),
        label: Some(f.label.clone()),
        help: Some(help),
        at,
        fingerprint: hash(&[&k.rule, &k.from_module, &k.to_item]),
        krate: module.map(|m| p.modules[m as usize].krate),
    }
}

fn diag_issue(p: &Program, d: &crate::diag::Diag) -> Issue {
    let at = match &d.location {
        crate::diag::Location::Source(f, s) => at_source(p, *f, *s),
        crate::diag::Location::File(f) => {
            let file = &p.files[*f as usize];
            Some(at_file(&file.rel, &file.path))
        }
        crate::diag::Location::None => None,
    };
    Issue {
        code: d.code,
        // An input problem never fails the run (the summary counts it among the warnings).
        level: Level::Warning,
        kind: Kind::Input,
        message: d.message.clone(),
        label: None,
        help: d.help.clone(),
        at,
        fingerprint: String::new(),
        krate: None,
    }
}

/// Everything a check reports, in the order of the human report: configuration warnings,
/// input diagnostics, findings, stale baseline entries.
pub fn from_checked(c: &Checked) -> Vec<Issue> {
    let mut out: Vec<Issue> = c
        .config_warnings
        .iter()
        .map(|e| config_issue(e, Some(&c.config.source)))
        .collect();
    let p = &c.analysis.program;
    out.extend(p.diagnostics.iter().map(|d| diag_issue(p, d)));
    out.extend(c.findings.iter().map(|f| finding_issue(c, f)));
    if let Some(b) = &c.baseline {
        for st in &c.stale {
            let e = st.error(c.stale_is_error);
            let mut i = config_issue(&e, b.source.as_ref());
            i.fingerprint = hash(&["baseline-stale", &st.key.from_module, &st.key.to_item]);
            out.push(i);
        }
    }
    fingerprints(&mut out);
    out
}

/// The problems that stopped a run before anything was checked.
pub fn from_error(e: &Error) -> Vec<Issue> {
    let mut out = match e {
        Error::Config(ConfigErrors { source, errors }) => errors
            .iter()
            .map(|err| config_issue(err, source.as_ref()))
            .collect(),
        Error::Workspace(w) | Error::Option(w) => vec![Issue {
            code: if matches!(e, Error::Option(_)) {
                "bad-option"
            } else {
                "cargo-metadata"
            },
            level: Level::Error,
            kind: Kind::Config,
            message: w.message.clone(),
            label: None,
            help: w.help.clone(),
            at: None,
            fingerprint: String::new(),
            krate: None,
        }],
    };
    fingerprints(&mut out);
    out
}

/// Fills in the fingerprints: a finding's is its baseline key (rule, from-module, to-item),
/// any other's its code, file and message; the n-th repeat of one gets `-n` appended, so
/// every issue of a run has its own and the same issue keeps it across runs.
fn fingerprints(issues: &mut [Issue]) {
    let mut seen = rustc_hash::FxHashMap::<String, usize>::default();
    for i in issues {
        if i.fingerprint.is_empty() {
            let file = i.at.as_ref().map_or("", |a| a.rel.as_str());
            i.fingerprint = hash(&[i.code, file, &i.message]);
        }
        let n = seen.entry(i.fingerprint.clone()).or_insert(0);
        if *n > 0 {
            i.fingerprint = format!("{}-{n}", i.fingerprint);
        }
        *n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_lines_highlight_the_columns_of_each_line() {
        let text = "use a::b;\nlet x = crate::y::Z;\n";
        let l = span_lines(
            text,
            LineCol { line: 2, col: 9 },
            LineCol { line: 2, col: 20 },
        );
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].text, "let x = crate::y::Z;");
        assert_eq!((l[0].highlight_start, l[0].highlight_end), (9, 20));
        let two = span_lines(
            text,
            LineCol { line: 1, col: 5 },
            LineCol { line: 2, col: 4 },
        );
        assert_eq!(two.len(), 2);
        assert_eq!((two[0].highlight_start, two[0].highlight_end), (5, 10));
        assert_eq!((two[1].highlight_start, two[1].highlight_end), (1, 4));
    }

    #[test]
    fn repeated_fingerprints_are_numbered() {
        let issue = |fp: &str| Issue {
            code: "forbidden-dependency",
            level: Level::Error,
            kind: Kind::Finding,
            message: "m".into(),
            label: None,
            help: None,
            at: None,
            fingerprint: fp.into(),
            krate: None,
        };
        let mut v = vec![issue("ab"), issue("ab"), issue(""), issue("ab")];
        fingerprints(&mut v);
        let fps: Vec<&str> = v.iter().map(|i| i.fingerprint.as_str()).collect();
        assert_eq!(&fps[..2], &["ab", "ab-1"]);
        assert_eq!(fps[3], "ab-2");
        assert_eq!(fps[2], hash(&["forbidden-dependency", "", "m"]));
    }

    #[test]
    fn a_path_prefix_wins_over_the_repository() {
        let at = at_file("src/lib.rs", Path::new("/repo/services/api/src/lib.rs"));
        let paths = Paths {
            prefix: Some("services/api/".into()),
            repo_root: Some("/elsewhere".into()),
        };
        assert_eq!(paths.name(&at), "services/api/src/lib.rs");
        let paths = Paths {
            prefix: Some(String::new()),
            repo_root: None,
        };
        assert_eq!(paths.name(&at), "src/lib.rs");
        let paths = Paths {
            prefix: None,
            repo_root: Some("/repo".into()),
        };
        assert_eq!(paths.name(&at), "services/api/src/lib.rs");
    }
}
