//! `cargo domains explain --to PATH`: who uses this? Every reference to an item
//! (`crate::billing::charge`) or a module (`crate::billing`, with its submodules) from code
//! of other domains, grouped by the domain it comes from, each with what the rules say of it
//! (like `tach report`). The path is written as in domains.toml (`crate::` for the primary
//! library) or in full (`shop::billing::charge`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use serde::Serialize;

use crate::analysis::Checked;
use crate::graph::view::{self, RefStatus};

#[derive(Serialize)]
pub struct Usages {
    pub schema_version: u32,
    /// The path as given.
    pub target: String,
    /// `module` or `item`.
    pub kind: &'static str,
    /// The full path it names.
    pub path: String,
    /// The domain that owns it (`null`: an unassigned module).
    pub domain: Option<String>,
    pub references: usize,
    pub domains: Vec<FromDomain>,
}

#[derive(Serialize)]
pub struct FromDomain {
    /// `null`: modules that belong to no domain.
    pub domain: Option<String>,
    pub references: Vec<Usage>,
}

#[derive(Serialize)]
pub struct Usage {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub from_module: String,
    /// The item referenced (for a module target: which of its items).
    pub item: String,
    pub path_as_written: String,
    pub context: crate::modules::Ctx,
    /// `allowed`, `forbidden-dependency`, `interface-bypass` (reported by `check`),
    /// `forbidden (covered)`, `bypass (covered)` (the same dependency is reported at the `use`
    /// that imports the name, or at the path's qualifier), or `unassigned` (the using module
    /// belongs to no domain).
    pub status: &'static str,
}

/// The full path `target` names: `crate::x` in the primary library's name.
fn full_path(c: &Checked, target: &str) -> String {
    let p = &c.analysis.program;
    let primary = p
        .modules
        .iter()
        .enumerate()
        .find(|(i, m)| {
            m.parent.is_none()
                && crate::config::pattern::pattern_for(p, *i as u32, &c.analysis.workspace)
                    == "crate"
        })
        .map(|(_, m)| m.path.clone());
    match (target.strip_prefix("crate"), primary) {
        (Some(rest), Some(root)) if rest.is_empty() || rest.starts_with("::") => {
            format!("{root}{rest}")
        }
        _ => target.to_string(),
    }
}

fn under(item: &str, path: &str) -> bool {
    item == path || item.strip_prefix(path).is_some_and(|r| r.starts_with("::"))
}

/// The references to `target` from other domains; `Err` with a message when `target` names
/// no module and no referenced item.
pub fn usages(c: &Checked, target: &str) -> Result<Usages, String> {
    let p = &c.analysis.program;
    let refs = &c.analysis.resolution.refs;
    let path = full_path(c, target.trim());
    let module = p.modules.iter().position(|m| m.path == path);
    let mut hits: Vec<usize> = refs
        .iter()
        .enumerate()
        .filter(|(_, r)| crate::graph::counts(r, c.analysis.include_tests) && under(&r.item, &path))
        .map(|(i, _)| i)
        .collect();
    // One row per site: `Role::Admin` is a reference to `Role` (its qualifier) and one to the
    // variant; the more specific one stays.
    hits.sort_by_key(|&i| (refs[i].file, refs[i].span.start, refs[i].qualifier));
    hits.dedup_by_key(|&mut i| (refs[i].file, refs[i].span.start));
    let owner_module = match (module, hits.first()) {
        (Some(m), _) => m as u32,
        (None, Some(&i)) => refs[i].to,
        (None, None) => {
            return Err(format!(
                "`{target}` is not a module, nor an item that any code references{}",
                if path != target {
                    format!(" (read as `{path}`)")
                } else {
                    String::new()
                }
            ));
        }
    };
    let owner = c.assignment.domain_of[owner_module as usize];
    let input = view::rules_input(c);
    let names = &c.config.domains;
    let mut groups: BTreeMap<Option<String>, Vec<Usage>> = BTreeMap::new();
    for i in hits {
        let r = &refs[i];
        let from = c.assignment.domain_of[r.from as usize];
        // The owner's own code, and (for a module) the code inside it, are not "others".
        if (from.is_some() && from == owner)
            || (module.is_some() && under(&p.modules[r.from as usize].path, &path))
        {
            continue;
        }
        let to = c.assignment.domain_of[r.to as usize];
        let status = match (from, to) {
            (Some(f), Some(t)) if f != t => match (view::classify(&input, r, f, t), r.reportable) {
                (RefStatus::Allowed, _) => "allowed",
                (RefStatus::Forbidden, true) => "forbidden-dependency",
                (RefStatus::Forbidden, false) => "forbidden (covered)",
                (RefStatus::InterfaceBypass, true) => "interface-bypass",
                (RefStatus::InterfaceBypass, false) => "bypass (covered)",
            },
            (Some(_), _) => "allowed",
            (None, _) => "unassigned",
        };
        groups
            .entry(from.map(|d| names[d].name.clone()))
            .or_default()
            .push(Usage {
                file: p.file_rel(r.file).to_string(),
                line: r.span.start.line,
                column: r.span.start.col + 1,
                from_module: p.modules[r.from as usize].path.clone(),
                item: r.item.clone(),
                path_as_written: r.written.clone(),
                context: r.ctx,
                status,
            });
    }
    let mut domains: Vec<FromDomain> = groups
        .into_iter()
        .map(|(domain, mut references)| {
            references.sort_by(|a, b| {
                (&a.file, a.line, a.column, &a.item).cmp(&(&b.file, b.line, b.column, &b.item))
            });
            FromDomain { domain, references }
        })
        .collect();
    // Unassigned code last.
    domains.sort_by_key(|d| d.domain.is_none());
    Ok(Usages {
        schema_version: 1,
        target: target.to_string(),
        kind: if module.is_some() { "module" } else { "item" },
        path,
        domain: owner.map(|d| names[d].name.clone()),
        references: domains.iter().map(|d| d.references.len()).sum(),
        domains,
    })
}

/// The human report.
pub fn render(u: &Usages) -> String {
    let mut o = String::new();
    let owner = u
        .domain
        .as_deref()
        .map_or("no domain".to_string(), |d| format!("domain `{d}`"));
    let _ = writeln!(
        o,
        "{} ({}, {owner}): {} from {} other domain{}",
        u.path,
        u.kind,
        plural(u.references, "reference", "references"),
        u.domains.len(),
        if u.domains.len() == 1 { "" } else { "s" }
    );
    if u.domains.is_empty() {
        let _ = writeln!(o, "\nno code of another domain uses it");
        return o;
    }
    let loc = |s: &Usage| format!("{}:{}:{}", s.file, s.line, s.column);
    let all = || u.domains.iter().flat_map(|d| &d.references);
    let w_loc = all().map(|s| loc(s).len()).max().unwrap_or(0);
    let w_status = all().map(|s| s.status.len()).max().unwrap_or(0);
    for d in &u.domains {
        let _ = writeln!(
            o,
            "\n{}: {}",
            d.domain.as_deref().unwrap_or("(unassigned)"),
            plural(d.references.len(), "reference", "references")
        );
        for s in &d.references {
            let shown = if u.kind == "module" || s.item != u.path {
                format!("{}  ({})", s.path_as_written, s.item)
            } else {
                s.path_as_written.clone()
            };
            let _ = writeln!(o, "  {:<w_loc$}  {:<w_status$}  {shown}", loc(s), s.status);
        }
    }
    o
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn write_human(u: &Usages, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(render(u).as_bytes())
}

pub fn write_json(u: &Usages, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, u)?;
    writeln!(out)
}
