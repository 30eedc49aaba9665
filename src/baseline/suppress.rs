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
        let Some(text) = &f.text else { continue };
        if !text.contains(MARKER) {
            continue;
        }
        for (i, line) in text.lines().enumerate() {
            let Some(comment_at) = line.find("//") else {
                continue;
            };
            let comment = &line[comment_at..];
            let Some(m) = comment.find(MARKER) else {
                continue;
            };
            let line_no = i as u32 + 1;
            let col = line[..comment_at].chars().count() as u32;
            let span = Span {
                start: Pos { line: line_no, col },
                end: Pos {
                    line: line_no,
                    col: line.chars().count() as u32,
                },
            };
            let rest = &comment[m + MARKER.len()..];
            let Some((list, after)) = rest.split_once(')') else {
                diags.push(
                    Diag::warning(
                        "suppression-malformed",
                        "suppression comment without a closing `)`",
                    )
                    .at(fid as FileId, span)
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
                            .at(fid as FileId, span)
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
                    .at(fid as FileId, span)
                    .help("say why: `// domains: allow(RULE) reason: WHY`"),
                );
                continue;
            }
            if bad || rules.is_empty() {
                continue;
            }
            out.push(Suppression {
                file: fid as FileId,
                line: line_no,
                rules,
                reason,
                span,
                used: false,
            });
        }
    }
    (out, diags)
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
