//! `--format json` for `check`: a stable, versioned schema (docs/json.md).

use std::io::Write;

use serde::Serialize;

use crate::analysis::Checked;
use crate::config::Level;
use crate::diag::Location;

/// Bumped on any incompatible change of the JSON output.
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Serialize)]
struct Output<'a> {
    schema_version: u32,
    tool: &'static str,
    tool_version: &'static str,
    summary: Summary,
    findings: Vec<FindingJson<'a>>,
    diagnostics: Vec<DiagJson>,
    stale_baseline: Vec<StaleJson<'a>>,
}

#[derive(Serialize)]
struct Summary {
    violations: usize,
    forbidden_dependencies: usize,
    interface_bypasses: usize,
    layer_violations: usize,
    facade_reexports: usize,
    deprecated_dependencies: usize,
    unused_dependencies: usize,
    domain_pairs: usize,
    domain_cycles: usize,
    unassigned_modules: usize,
    errors: usize,
    warnings: usize,
    crates: usize,
    modules: usize,
    files: usize,
    lines: u64,
    references: usize,
    unresolved_paths: usize,
    baselined: usize,
    suppressed: usize,
    stale_baseline_entries: usize,
}

#[derive(Serialize)]
struct StaleJson<'a> {
    rule: &'a str,
    from_module: &'a str,
    to_item: &'a str,
    recorded: usize,
    found: usize,
}

#[derive(Serialize)]
struct CycleEdgeJson<'a> {
    from_domain: &'a str,
    to_domain: &'a str,
    references: usize,
    example: Location2<'a>,
}

#[derive(Serialize)]
struct Location2<'a> {
    from_module: &'a str,
    to_item: &'a str,
    file: &'a str,
    line: u32,
    column: u32,
}

#[derive(Serialize)]
struct FindingJson<'a> {
    rule: &'static str,
    severity: &'static str,
    message: &'a str,
    help: &'a str,
    from_domain: Option<&'a str>,
    to_domain: Option<&'a str>,
    from_module: Option<&'a str>,
    to_item: Option<&'a str>,
    path_as_written: Option<&'a str>,
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    /// The cfg predicate under which the code is compiled, when not every build compiles it
    /// (Rust syntax: `all(windows, feature = "rt")`).
    #[serde(skip_serializing_if = "Option::is_none")]
    cfg: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cycle: Vec<CycleEdgeJson<'a>>,
    /// domain-cycle: the cheapest dependencies to cut to break the group.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cut: Vec<CycleEdgeJson<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    modules: Vec<&'a str>,
    /// facade-reexport: every item the `pub use` re-exports from the target domain.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    names: Vec<&'a str>,
    /// Other rules the same reference breaks (`interface-bypass` on a forbidden dependency).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    also_breaks: Vec<&'static str>,
}

#[derive(Serialize)]
struct DiagJson {
    code: &'static str,
    severity: crate::diag::Severity,
    message: String,
    file: Option<String>,
    line: Option<u32>,
    column: Option<u32>,
}

fn level_str(l: Level) -> &'static str {
    match l {
        Level::Deny => "error",
        Level::Warn => "warning",
        Level::Allow => "allow",
    }
}

pub fn write(c: &Checked, out: &mut dyn Write) -> std::io::Result<()> {
    let p = &c.analysis.program;
    let refs = &c.analysis.resolution.refs;
    let dname = |d: Option<usize>| d.map(|d| c.config.domains[d].name.as_str());
    let edge = |e: &crate::rules::CycleEdge| {
        let r = &refs[e.example];
        CycleEdgeJson {
            from_domain: &c.config.domains[e.from].name,
            to_domain: &c.config.domains[e.to].name,
            references: e.references,
            example: Location2 {
                from_module: &p.modules[r.from as usize].path,
                to_item: &r.item,
                file: p.file_rel(r.file),
                line: r.span.start.line,
                column: r.span.start.col + 1,
            },
        }
    };
    let findings = c
        .findings
        .iter()
        .map(|f| {
            let r = f.reference.map(|i| &refs[i]);
            FindingJson {
                rule: f.rule.code(),
                severity: level_str(f.level),
                message: &f.message,
                help: &f.help,
                from_domain: dname(f.from_domain),
                to_domain: dname(f.to_domain),
                from_module: f
                    .from_module
                    .or(r.map(|r| r.from))
                    .map(|m| p.modules[m as usize].path.as_str()),
                to_item: r.map(|r| r.item.as_str()),
                path_as_written: r.map(|r| r.written.as_str()),
                file: f.file_name(p, &c.config),
                line: f.span.start.line,
                column: f.span.start.col + 1,
                end_line: f.span.end.line,
                end_column: f.span.end.col + 1,
                cfg: c.rules_input().finding_cfg(f).map(|c| c.to_string()),
                cycle: f.cycle.iter().map(edge).collect(),
                cut: f.cut.iter().map(edge).collect(),
                modules: f
                    .modules
                    .iter()
                    .map(|m| p.modules[*m as usize].path.as_str())
                    .collect(),
                names: f.names.iter().map(String::as_str).collect(),
                also_breaks: f.also.iter().map(|r| r.code()).collect(),
            }
        })
        .collect();
    let diagnostics = p
        .diagnostics
        .iter()
        .map(|d| {
            let (file, line, column) = match &d.location {
                Location::Source(f, s) => (
                    Some(p.file_rel(*f).to_string()),
                    Some(s.start.line),
                    Some(s.start.col + 1),
                ),
                Location::File(f) => (Some(p.file_rel(*f).to_string()), None, None),
                Location::None => (None, None, None),
            };
            DiagJson {
                code: d.code,
                severity: d.severity,
                message: d.message.clone(),
                file,
                line,
                column,
            }
        })
        .chain(c.config_warnings.iter().map(|w| DiagJson {
            code: w.code,
            severity: crate::diag::Severity::Warning,
            message: w.message.clone(),
            file: Some(c.config.source.name.clone()),
            line: None,
            column: None,
        }))
        .collect();
    let s = super::human::summary(c);
    let output = Output {
        schema_version: SCHEMA_VERSION,
        tool: "cargo-domains",
        tool_version: env!("CARGO_PKG_VERSION"),
        summary: Summary {
            violations: s.forbidden + s.bypass + s.layer,
            forbidden_dependencies: s.forbidden,
            interface_bypasses: s.bypass,
            layer_violations: s.layer,
            facade_reexports: s.facades,
            deprecated_dependencies: s.deprecated,
            unused_dependencies: s.unused,
            domain_pairs: s.pairs,
            domain_cycles: s.cycles,
            unassigned_modules: s.unassigned,
            errors: s.errors,
            warnings: s.warnings,
            crates: p.crates.len(),
            modules: p.modules.len(),
            files: p.files.len(),
            lines: p.lines(),
            references: refs.len(),
            unresolved_paths: c.analysis.resolution.unresolved.len(),
            baselined: c.baselined,
            suppressed: c.suppressed,
            stale_baseline_entries: c.stale.len(),
        },
        stale_baseline: c
            .stale
            .iter()
            .map(|st| StaleJson {
                rule: &st.key.rule,
                from_module: &st.key.from_module,
                to_item: &st.key.to_item,
                recorded: st.recorded,
                found: st.found,
            })
            .collect(),
        findings,
        diagnostics,
    };
    serde_json::to_writer_pretty(&mut *out, &output)?;
    writeln!(out)
}
