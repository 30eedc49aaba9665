//! `check --message-format json`: the JSON messages `cargo check --message-format json`
//! prints (one `compiler-message` per problem, in rustc's diagnostic format, then
//! `build-finished`), so that rust-analyzer's `check.overrideCommand` and other tools that
//! read cargo's messages show boundary violations inline in the editor. Span file names are
//! absolute: rust-analyzer joins them to its workspace root, which leaves absolute paths as
//! they are, whichever folder the editor opened. See docs/editor.md.

use std::io::Write;

use serde_json::{Value, json};

use super::issue::{At, Issue, Level};
use crate::workspace::{CrateInfo, TargetKind, Workspace};

/// cargo's `target` object for a crate.
fn target(k: &CrateInfo) -> Value {
    let crate_types: Vec<&str> = match k.kind {
        TargetKind::Lib => k
            .target_kinds
            .iter()
            .map(|s| {
                if s == "proc-macro" {
                    "proc-macro"
                } else {
                    "lib"
                }
            })
            .collect(),
        TargetKind::Bin | TargetKind::Test => vec!["bin"],
    };
    json!({
        "kind": k.target_kinds,
        "crate_types": crate_types,
        "name": k.name,
        "src_path": k.root_file,
        "edition": k.edition,
        "doc": k.kind != TargetKind::Test,
        "doctest": k.kind == TargetKind::Lib,
        "test": true,
    })
}

fn level(i: &Issue) -> &'static str {
    match i.level {
        Level::Error => "error",
        Level::Warning => "warning",
    }
}

fn span(at: &At, label: Option<&str>) -> Value {
    let text: Vec<Value> = at
        .lines
        .iter()
        .map(|l| {
            json!({
                "text": l.text,
                "highlight_start": l.highlight_start,
                "highlight_end": l.highlight_end,
            })
        })
        .collect();
    json!({
        "file_name": at.abs.to_string_lossy(),
        "byte_start": at.bytes.start,
        "byte_end": at.bytes.end,
        "line_start": at.start.line,
        "line_end": at.end.line,
        "column_start": at.start.col,
        "column_end": at.end.col,
        "is_primary": true,
        "text": text,
        "label": label,
        "suggested_replacement": null,
        "suggestion_applicability": null,
        "expansion": null,
    })
}

/// The message as rustc renders it in a terminal (without colours).
pub fn rendered(i: &Issue) -> String {
    let mut s = format!("{}[{}]: {}\n", level(i), i.code, i.message);
    let gutter =
        i.at.as_ref()
            .and_then(|a| a.lines.first().map(|_| a.start.line + a.lines.len() - 1))
            .map_or(1, |n| n.to_string().len());
    let pad = " ".repeat(gutter);
    if let Some(at) = &i.at {
        s += &format!("{pad}--> {}:{}:{}\n", at.rel, at.start.line, at.start.col);
        if !at.lines.is_empty() {
            s += &format!("{pad} |\n");
            for (n, l) in at.lines.iter().enumerate() {
                s += &format!("{:>gutter$} | {}\n", at.start.line + n, l.text);
            }
            if at.lines.len() == 1 {
                let l = &at.lines[0];
                let width = l.highlight_end.saturating_sub(l.highlight_start).max(1);
                s += &format!(
                    "{pad} | {}{}{}\n",
                    " ".repeat(l.highlight_start.saturating_sub(1)),
                    "^".repeat(width),
                    i.label
                        .as_deref()
                        .map(|t| format!(" {t}"))
                        .unwrap_or_default()
                );
            }
            s += &format!("{pad} |\n");
        }
    }
    if let Some(h) = &i.help {
        for (n, line) in h.lines().enumerate() {
            let lead = if n == 0 { "= help: " } else { "        " };
            s += &format!("{pad} {lead}{line}\n");
        }
    }
    s + "\n"
}

fn diagnostic(i: &Issue) -> Value {
    let spans: Vec<Value> = i.at.iter().map(|a| span(a, i.label.as_deref())).collect();
    let children: Vec<Value> = i
        .help
        .iter()
        .map(|h| {
            json!({
                "$message_type": "diagnostic",
                "message": h,
                "code": null,
                "level": "help",
                "spans": [],
                "children": [],
                "rendered": null,
            })
        })
        .collect();
    json!({
        "$message_type": "diagnostic",
        "message": i.message,
        "code": { "code": i.code, "explanation": null },
        "level": level(i),
        "spans": spans,
        "children": children,
        "rendered": rendered(i),
    })
}

/// A `compiler-message` per issue, attributed to the crate its code belongs to (the
/// workspace's primary package when it belongs to none, as configuration problems do), then
/// `build-finished` with `success`.
pub fn write(
    issues: &[Issue],
    crates: &[&CrateInfo],
    ws: &Workspace,
    success: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let fallback = ws
        .crates
        .iter()
        .find(|k| Some(&k.package) == ws.primary_package.as_ref())
        .or(ws.crates.first());
    for i in issues {
        let Some(k) = i
            .krate
            .and_then(|k| crates.get(k as usize).copied())
            .or(fallback)
        else {
            continue;
        };
        let msg = json!({
            "reason": "compiler-message",
            "package_id": k.package_id,
            "manifest_path": k.manifest_path,
            "target": target(k),
            "message": diagnostic(i),
        });
        serde_json::to_writer(&mut *out, &msg)?;
        writeln!(out)?;
    }
    serde_json::to_writer(
        &mut *out,
        &json!({ "reason": "build-finished", "success": success }),
    )?;
    writeln!(out)
}
