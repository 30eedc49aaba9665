//! The machine-readable outputs of `check` (SARIF, GitHub annotations, JUnit, GitLab Code
//! Quality, cargo's JSON messages): how files are named for CI (`--path-prefix`, else the git
//! repository root) and what they say when the configuration stops the run; and
//! `--changed-since`, the gate on changed lines that CI runs with them.

use std::io::Write;
use std::path::Path;

use super::{CheckArgs, CheckFormat, MessageFormat, options};
use crate::analysis::{self, Checked, Error};
use crate::report::{self, issue::Paths};

/// Whether the output of this run is one of the CI or editor formats.
pub fn is_machine(a: &CheckArgs) -> bool {
    a.message_format == MessageFormat::Json
        || matches!(
            a.format,
            CheckFormat::Sarif | CheckFormat::Github | CheckFormat::Junit | CheckFormat::Gitlab
        )
}

/// Files relative to `--path-prefix`, else to the repository `base` lies in.
pub fn paths(prefix: Option<&str>, base: &Path) -> Paths {
    Paths {
        prefix: prefix.map(str::to_string),
        repo_root: match prefix {
            Some(_) => None,
            None => crate::vcs::repo_root(base),
        },
    }
}

/// The report of a finished check in the chosen machine format.
pub fn write(a: &CheckArgs, c: &Checked, out: &mut dyn Write) -> std::io::Result<()> {
    let issues = report::issue::from_checked(c);
    let paths = paths(a.path_prefix.as_deref(), &c.analysis.workspace.root);
    if a.message_format == MessageFormat::Json {
        let crates: Vec<_> = c.analysis.program.crates.iter().map(|k| &k.info).collect();
        let failed = issues
            .iter()
            .any(|i| i.level == report::issue::Level::Error);
        return report::cargo_json::write(&issues, &crates, &c.analysis.workspace, !failed, out);
    }
    match a.format {
        CheckFormat::Sarif => report::sarif::write(&issues, Some(&c.config), &paths, out),
        CheckFormat::Github => {
            let s = report::human::summary_line(&report::human::summary(c));
            report::github::write(&issues, &paths, Some(&s), out)
        }
        CheckFormat::Junit => report::junit::write(&issues, &paths, true, out),
        CheckFormat::Gitlab => {
            let src = &c.config.source;
            let abs = std::path::absolute(&src.path).unwrap_or_else(|_| src.path.clone());
            let fallback = paths.name(&report::issue::at_file(&src.name, &abs));
            report::gitlab::write(&issues, &paths, &fallback, out)
        }
        CheckFormat::Human | CheckFormat::Json => unreachable!("not a machine format"),
    }
}

/// A run the configuration (or the workspace, or an option) stopped: the problems in the
/// chosen machine format on stdout, so CI shows them where it shows findings.
pub fn write_error(a: &CheckArgs, e: &Error, out: &mut dyn Write) -> std::io::Result<()> {
    let issues = report::issue::from_error(e);
    let base = match e {
        Error::Config(c) => c.source.as_ref().and_then(|s| {
            std::path::absolute(&s.path)
                .ok()
                .and_then(|p| p.parent().map(Path::to_path_buf))
        }),
        _ => None,
    }
    .or_else(|| std::env::current_dir().ok())
    .unwrap_or_default();
    let paths = paths(a.path_prefix.as_deref(), &base);
    if a.message_format == MessageFormat::Json {
        // Messages name a package: those of the workspace, when it loads.
        if let Ok(ws) = analysis::load_workspace(&options(&a.common, None), false) {
            let crates: Vec<_> = ws.crates.iter().collect();
            return report::cargo_json::write(&issues, &crates, &ws, false, out);
        }
        serde_json::to_writer(
            &mut *out,
            &serde_json::json!({ "reason": "build-finished", "success": false }),
        )?;
        return writeln!(out);
    }
    match a.format {
        CheckFormat::Sarif => report::sarif::write(&issues, None, &paths, out),
        CheckFormat::Github => {
            let n = issues
                .iter()
                .filter(|i| i.level == report::issue::Level::Error)
                .count();
            let s = format!(
                "{n} configuration error{}: nothing was checked",
                if n == 1 { "" } else { "s" }
            );
            report::github::write(&issues, &paths, Some(&s), out)
        }
        CheckFormat::Junit => report::junit::write(&issues, &paths, false, out),
        CheckFormat::Gitlab => {
            let fallback = match e {
                Error::Config(c) => c.source.as_ref().map(|s| {
                    let abs = std::path::absolute(&s.path).unwrap_or_else(|_| s.path.clone());
                    paths.name(&report::issue::at_file(&s.name, &abs))
                }),
                _ => None,
            }
            .unwrap_or_else(|| "Cargo.toml".to_string());
            report::gitlab::write(&issues, &paths, &fallback, out)
        }
        CheckFormat::Human | CheckFormat::Json => unreachable!("not a machine format"),
    }
}

/// `--changed-since REF`: keeps the findings on lines changed since REF (stale baseline
/// entries are kept: they are what removed code leaves). Says on stderr how many it dropped.
pub fn changed_since(c: &mut Checked, rev: &str) -> Result<(), i32> {
    let p = &c.analysis.program;
    let config_path =
        std::path::absolute(&c.config.source.path).unwrap_or_else(|_| c.config.source.path.clone());
    let file_of = |f: &crate::rules::Finding| -> (&Path, &str) {
        if f.config_span.is_some() {
            (config_path.as_path(), &c.config.source.text)
        } else {
            let file = &p.files[f.file as usize];
            (file.path.as_path(), file.text.as_deref().unwrap_or(""))
        }
    };
    let mut files: Vec<(&Path, &str)> = c.findings.iter().map(file_of).collect();
    files.sort_unstable_by_key(|(path, _)| *path);
    files.dedup_by_key(|(path, _)| *path);
    let changed = match crate::vcs::changed::changed_lines(&c.analysis.workspace.root, rev, &files)
    {
        Ok(ch) => ch,
        Err(e) => {
            eprintln!("error: {}\n  help: {}", e.message, e.help);
            return Err(2);
        }
    };
    let keep: Vec<bool> = c
        .findings
        .iter()
        .map(|f| {
            let (path, _) = file_of(f);
            changed.touches(path, f.span.start.line as usize, f.span.end.line as usize)
        })
        .collect();
    let before = c.findings.len();
    let mut k = keep.into_iter();
    c.findings.retain(|_| k.next().unwrap_or(true));
    let dropped = before - c.findings.len();
    eprintln!(
        "--changed-since {rev} ({}): {} on lines changed since, {dropped} on unchanged lines not reported",
        changed.commit,
        if c.findings.len() == 1 {
            "1 finding".to_string()
        } else {
            format!("{} findings", c.findings.len())
        }
    );
    Ok(())
}
