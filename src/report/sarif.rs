//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other viewers. URIs are relative
//! to the workspace root (`%SRCROOT%`), so findings land on the pull request's diff.

use std::io::Write;

use serde_json::{Value, json};

use crate::analysis::Checked;
use crate::config::Level;
use crate::rules::Rule;

fn rule_help(r: Rule) -> &'static str {
    match r {
        Rule::ForbiddenDependency => {
            "Add the used domain to the using domain's `depends_on` in domains.toml if the dependency is intended; otherwise invert it (a trait owned by the caller, or an event) or move the item to a domain both may use."
        }
        Rule::InterfaceBypass => {
            "Reach the domain through its declared interface modules; re-export the item there if it is missing."
        }
        Rule::FacadeReexport => {
            "Let consumers import the items from the domain that defines them (through its interface); if the facade is intended, declare the dependency in `depends_on`."
        }
        Rule::DomainCycle => {
            "Cut the cheapest edge of the cycle: invert it with a trait owned by the used domain, or replace the call by an event. Merge the domains if they are really one."
        }
        Rule::UnassignedModule => {
            "Claim the module in a domain's `modules` (or `modules_exact` for a composition root)."
        }
        Rule::LayerViolation => {
            "A domain may use only domains of its own and lower layers (`[settings] layers`, top to bottom). Invert the dependency (a trait in the lower layer that the higher one implements, or an event), or move the item down to a lower layer."
        }
        Rule::DeprecatedDependency => {
            "The using domain marks this dependency `deprecated = true` in its `depends_on`: move the use to the replacement, and remove the entry once nothing uses it."
        }
        Rule::UnusedDependency => {
            "No reference uses this `depends_on` entry: remove it (`cargo domains sync --prune` removes every unused entry)."
        }
        Rule::SyncSideEffect => {
            "The handler waits on slow work (e-mail, payment, outbound HTTP, cloud storage) while the client waits: enqueue a job and return."
        }
    }
}

/// A stable fingerprint: the baseline key, so code scanning tracks a finding across edits.
fn fingerprint(k: &crate::baseline::Key) -> String {
    // FNV-1a, 64 bits: stable across platforms and releases.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in k
        .rule
        .bytes()
        .chain([0])
        .chain(k.from_module.bytes())
        .chain([0])
        .chain(k.to_item.bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

pub fn to_value(c: &Checked) -> Value {
    let p = &c.analysis.program;
    let rules: Vec<Value> = Rule::ALL
        .iter()
        .map(|r| {
            json!({
                "id": r.code(),
                "name": r.code().split('-').map(|w| {
                    let mut cs = w.chars();
                    cs.next().map(|f| f.to_uppercase().chain(cs).collect::<String>()).unwrap_or_default()
                }).collect::<String>(),
                "shortDescription": { "text": r.summary() },
                "fullDescription": { "text": r.summary() },
                "help": { "text": rule_help(*r), "markdown": rule_help(*r) },
                "defaultConfiguration": { "level": match r.level(&c.config) {
                    Level::Deny => "error",
                    Level::Warn => "warning",
                    Level::Allow => "none",
                } },
            })
        })
        .collect();
    let results: Vec<Value> = c
        .findings
        .iter()
        .map(|f| {
            let idx = Rule::ALL.iter().position(|r| *r == f.rule).unwrap_or(0);
            let end = if f.span.end.line == f.span.start.line && f.span.end.col > f.span.start.col {
                f.span.end
            } else {
                crate::modules::Pos {
                    line: f.span.start.line,
                    col: f.span.start.col + 1,
                }
            };
            json!({
                "ruleId": f.rule.code(),
                "ruleIndex": idx,
                "level": if f.level == Level::Deny { "error" } else { "warning" },
                "message": { "text": format!("{}\n{}", f.message, f.help) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": f.file_name(p, &c.config), "uriBaseId": "%SRCROOT%" },
                        "region": {
                            "startLine": f.span.start.line.max(1),
                            "startColumn": f.span.start.col + 1,
                            "endLine": end.line.max(1),
                            "endColumn": end.col + 1,
                        }
                    }
                }],
                "partialFingerprints": { "cargoDomains/v1": fingerprint(&crate::baseline::key(c, f)) },
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "cargo-domains",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            } },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

pub fn write(c: &Checked, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_value(c))?;
    writeln!(out)
}
