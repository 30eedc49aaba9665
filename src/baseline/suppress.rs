//! Inline suppressions: `// domains: allow(forbidden-dependency) reason: migrating to payments::api`
//! on the offending line or on the line above it. A reason is required; a suppression that
//! suppresses nothing is reported, so they do not outlive the code they were written for.

use crate::diag::Diag;
use crate::modules::{FileId, Pos, Program, Span};
use crate::rules::{Finding, Rule};

const MARKER: &str = "domains: allow(";

#[derive(Clone, Debug)]
pub struct Suppression {
    pub file: FileId,
    /// Line of the comment; it covers this line and the next.
    pub line: u32,
    pub rules: Vec<Rule>,
    pub reason: String,
    pub span: Span,
    pub used: bool,
}

/// Finds every suppression comment in the analysed files; malformed ones become diagnostics.
pub fn scan(p: &Program) -> (Vec<Suppression>, Vec<Diag>) {
    let mut out = Vec::new();
    let mut diags = Vec::new();
    for (fid, f) in p.files.iter().enumerate() {
        if let Some(text) = f.text.as_deref().filter(|t| t.contains(MARKER)) {
            scan_file(fid as FileId, text, &mut out, &mut diags);
        }
    }
    (out, diags)
}

/// The suppressions of one file's text.
fn scan_file(fid: FileId, text: &str, out: &mut Vec<Suppression>, diags: &mut Vec<Diag>) {
    let mut lines = LineIndex::new();
    for at in crate::modules::guard::line_comments(text) {
        let end = text[at..].find('\n').map_or(text.len(), |e| at + e);
        let comment = &text[at..end];
        // The comment must begin with the marker: a doc comment (`///`, `//!`) or a
        // comment that only mentions the syntax is not a suppression.
        let Some(rest) = comment[2..].trim_start().strip_prefix(MARKER) else {
            continue;
        };
        let (line_no, line_start) = lines.line_of(text, at);
        let col = text[line_start..at].chars().count() as u32;
        let span = Span {
            start: Pos { line: line_no, col },
            end: Pos {
                line: line_no,
                col: col + comment.chars().count() as u32,
            },
        };
        let Some((list, after)) = rest.split_once(')') else {
            diags.push(
                Diag::warning(
                    "suppression-malformed",
                    "suppression comment without a closing `)`",
                )
                .at(fid, span)
                .help("write `// domains: allow(RULE) reason: WHY`"),
            );
            continue;
        };
        let mut rules = Vec::new();
        let mut bad = false;
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match Rule::ALL.iter().find(|r| r.code() == name) {
                Some(r) => rules.push(*r),
                None => {
                    bad = true;
                    let codes: Vec<_> = Rule::ALL.iter().map(|r| r.code()).collect();
                    diags.push(
                        Diag::warning(
                            "suppression-malformed",
                            format!("unknown rule `{name}` in suppression"),
                        )
                        .at(fid, span)
                        .help(format!("rules: {}", codes.join(", "))),
                    );
                }
            }
        }
        let reason = after
            .trim()
            .strip_prefix("reason:")
            .map(str::trim)
            .unwrap_or_default()
            .to_string();
        if reason.is_empty() {
            diags.push(
                Diag::warning(
                    "suppression-malformed",
                    "suppression without a reason is ignored",
                )
                .at(fid, span)
                .help("say why: `// domains: allow(RULE) reason: WHY`"),
            );
            continue;
        }
        if bad || rules.is_empty() {
            continue;
        }
        out.push(Suppression {
            file: fid,
            line: line_no,
            rules,
            reason,
            span,
            used: false,
        });
    }
}

/// Line numbers of increasing byte offsets, counted once through the text.
struct LineIndex {
    /// The last offset asked for, its 1-based line and the offset that line starts at.
    at: usize,
    line: u32,
    start: usize,
}

impl LineIndex {
    fn new() -> Self {
        LineIndex {
            at: 0,
            line: 1,
            start: 0,
        }
    }

    fn line_of(&mut self, text: &str, at: usize) -> (u32, usize) {
        for (i, b) in text.as_bytes()[self.at..at].iter().enumerate() {
            if *b == b'\n' {
                self.line += 1;
                self.start = self.at + i + 1;
            }
        }
        self.at = at;
        (self.line, self.start)
    }
}

/// Removes suppressed findings; returns how many, and marks the suppressions used.
pub fn apply(findings: &mut Vec<Finding>, sups: &mut [Suppression]) -> usize {
    let before = findings.len();
    findings.retain(|f| {
        let line = f.span.start.line;
        match sups.iter_mut().find(|s| {
            s.file == f.file && (s.line == line || s.line + 1 == line) && s.rules.contains(&f.rule)
        }) {
            Some(s) => {
                s.used = true;
                false
            }
            None => true,
        }
    });
    before - findings.len()
}

/// Diagnostics for suppressions that suppressed nothing.
pub fn unused(sups: &[Suppression]) -> Vec<Diag> {
    sups.iter()
        .filter(|s| !s.used)
        .map(|s| {
            let rules: Vec<_> = s.rules.iter().map(|r| r.code()).collect();
            Diag::warning(
                "unused-suppression",
                format!(
                    "this suppression of {} matches no finding",
                    rules.join(", ")
                ),
            )
            .at(s.file, s.span)
            .help("remove it: the violation it was written for is gone")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_text(text: &str) -> (Vec<Suppression>, Vec<Diag>) {
        let (mut out, mut diags) = (Vec::new(), Vec::new());
        scan_file(0, text, &mut out, &mut diags);
        (out, diags)
    }

    #[test]
    fn a_comment_that_begins_with_the_marker_is_a_suppression() {
        let text =
            "fn a() {}\n    let x = 1; // domains: allow(interface-bypass) reason: until #7\n";
        let (sups, diags) = scan_text(text);
        assert!(diags.is_empty());
        assert_eq!(sups.len(), 1);
        assert_eq!((sups[0].line, sups[0].span.start.col), (2, 15));
        assert_eq!(sups[0].rules, [Rule::InterfaceBypass]);
        assert_eq!(sups[0].reason, "until #7");
    }

    #[test]
    fn documentation_and_strings_that_show_the_syntax_are_not_suppressions() {
        let text = "//! Write `// domains: allow(RULE) reason: WHY`.\n\
                    /// Removed by `// domains: allow(..)` comments.\n\
                    const HELP: &str = \"write `// domains: allow(RULE) reason: WHY`\";\n\
                    /* // domains: allow(domain-cycle) */\n\
                    // see the docs: domains: allow(RULE) is the syntax\n";
        let (sups, diags) = scan_text(text);
        assert!(sups.is_empty());
        assert!(diags.is_empty(), "{diags:?}");
    }

    #[test]
    fn malformed_suppressions_are_diagnostics() {
        let (sups, diags) = scan_text(
            "// domains: allow(no-such-rule) reason: x\n// domains: allow(domain-cycle)\n",
        );
        assert!(sups.is_empty());
        let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "unknown rule `no-such-rule` in suppression",
                "suppression without a reason is ignored"
            ]
        );
        assert_eq!(diags[1].code, "suppression-malformed");
    }
}
