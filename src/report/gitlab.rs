//! `--format gitlab`: a GitLab Code Quality report (a JSON array of Code Climate issues:
//! `description`, `check_name`, `fingerprint`, `severity`, `location.path`,
//! `location.lines.begin`), shown in merge requests when uploaded as
//! `artifacts:reports:codequality`. Paths as [`Paths`] names them; fingerprints are stable
//! across runs, so GitLab tells new issues from old ones.

use std::io::Write;

use serde_json::{Value, json};

use super::issue::{Issue, Kind, Level, Paths};

/// GitLab's severities are `info`, `minor`, `major`, `critical`, `blocker`.
fn severity(i: &Issue) -> &'static str {
    match (i.kind, i.level) {
        // Nothing was checked.
        (Kind::Config, Level::Error) => "blocker",
        (_, Level::Error) => "major",
        (Kind::Finding, Level::Warning) => "minor",
        (_, Level::Warning) => "info",
    }
}

/// `fallback`: the file an issue without a location is reported on (GitLab requires a
/// path): the configuration file, else the workspace manifest.
pub fn to_value(issues: &[Issue], paths: &Paths, fallback: &str) -> Value {
    let v: Vec<Value> = issues
        .iter()
        .map(|i| {
            let (path, begin, end) = match &i.at {
                Some(at) => (
                    paths.name(at),
                    at.start.line,
                    at.end.line.max(at.start.line),
                ),
                None => (fallback.to_string(), 1, 1),
            };
            let description = match &i.help {
                Some(h) => format!("{} ({h})", i.message),
                None => i.message.clone(),
            };
            json!({
                "type": "issue",
                "description": description,
                "check_name": i.code,
                "fingerprint": i.fingerprint,
                "severity": severity(i),
                "categories": [if i.kind == Kind::Finding { "Complexity" } else { "Bug Risk" }],
                "location": { "path": path, "lines": { "begin": begin, "end": end } },
            })
        })
        .collect();
    Value::Array(v)
}

pub fn write(
    issues: &[Issue],
    paths: &Paths,
    fallback: &str,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_value(issues, paths, fallback))?;
    writeln!(out)
}
