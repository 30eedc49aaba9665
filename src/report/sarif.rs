//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other viewers. URIs are relative
//! to the repository root (`%SRCROOT%`; see [`Paths`]), so findings land on the pull request's
//! diff. Configuration errors and input diagnostics are results too, under their own codes.

use std::io::Write;

use serde_json::{Value, json};

use super::issue::{Issue, Level as IssueLevel, Paths};
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

/// What a code that is not a rule means (configuration and input codes).
fn code_summary(code: &str) -> &'static str {
    crate::config::CONFIG_CODES
        .iter()
        .chain(crate::diag::INPUT_CODES)
        .find(|(c, _)| *c == code)
        .map_or("a problem with the input of the check", |(_, s)| s)
}

fn rule_entry(id: &str, summary: &str, help: &str, level: &str) -> Value {
    let name: String = id
        .split('-')
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|f| f.to_uppercase().chain(cs).collect::<String>())
                .unwrap_or_default()
        })
        .collect();
    json!({
        "id": id,
        "name": name,
        "shortDescription": { "text": summary },
        "fullDescription": { "text": summary },
        "help": { "text": help, "markdown": help },
        "defaultConfiguration": { "level": level },
    })
}

fn level_name(l: Level) -> &'static str {
    match l {
        Level::Deny => "error",
        Level::Warn => "warning",
        Level::Allow => "none",
    }
}

/// The SARIF log of `issues`: every rule, then the other codes that occur; a result per issue.
/// `config` gives the rules' levels (none when the configuration did not load).
pub fn to_value(issues: &[Issue], config: Option<&crate::config::Config>, paths: &Paths) -> Value {
    let mut ids: Vec<&str> = Rule::ALL.iter().map(|r| r.code()).collect();
    let mut rules: Vec<Value> = Rule::ALL
        .iter()
        .map(|r| {
            let level = config.map_or("error", |c| level_name(r.level(c)));
            rule_entry(r.code(), r.summary(), rule_help(*r), level)
        })
        .collect();
    for i in issues {
        if !ids.contains(&i.code) {
            ids.push(i.code);
            let level = if i.level == IssueLevel::Error {
                "error"
            } else {
                "warning"
            };
            let help = i.help.as_deref().unwrap_or("");
            rules.push(rule_entry(i.code, code_summary(i.code), help, level));
        }
    }
    let results: Vec<Value> = issues
        .iter()
        .map(|i| {
            let text = match &i.help {
                Some(h) => format!("{}\n{h}", i.message),
                None => i.message.clone(),
            };
            let mut r = json!({
                "ruleId": i.code,
                "ruleIndex": ids.iter().position(|c| *c == i.code).unwrap_or(0),
                "level": if i.level == IssueLevel::Error { "error" } else { "warning" },
                "message": { "text": text },
                "partialFingerprints": { "cargoDomains/v1": i.fingerprint },
            });
            if let Some(at) = &i.at {
                r["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": { "uri": paths.name(at), "uriBaseId": "%SRCROOT%" },
                        "region": {
                            "startLine": at.start.line,
                            "startColumn": at.start.col,
                            "endLine": at.end.line,
                            "endColumn": at.end.col,
                        }
                    }
                }]);
            }
            r
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

pub fn write(
    issues: &[Issue],
    config: Option<&crate::config::Config>,
    paths: &Paths,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_value(issues, config, paths))?;
    writeln!(out)
}
