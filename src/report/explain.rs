//! `cargo domains explain FROM TO`: why domain FROM depends on domain TO. Every reference
//! behind the edge of the domain graph, grouped by the item it reaches, with its location,
//! the path as written (so a path around the interface shows) and what the rules say of it;
//! with `--level module`, grouped by the pair of modules instead (`by_module`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use serde::Serialize;

use crate::analysis::Checked;
use crate::config::DomainId;
use crate::graph::view::{self, RefStatus};

#[derive(Serialize)]
pub struct Explanation {
    pub schema_version: u32,
    pub from: String,
    pub to: String,
    /// Whether `from` may depend on `to` at all.
    pub allowed: bool,
    pub reason: String,
    /// The interface patterns of `to` (empty: none).
    pub interface: Vec<String>,
    pub references: usize,
    pub forbidden_sites: usize,
    pub interface_bypasses: usize,
    pub items: Vec<ItemGroup>,
}

#[derive(Serialize)]
pub struct ItemGroup {
    /// Full path of the defining item.
    pub item: String,
    pub kind: &'static str,
    /// The module that defines it.
    pub module: String,
    pub references: Vec<Site>,
}

#[derive(Clone, Serialize)]
pub struct Site {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub from_module: String,
    pub path_as_written: String,
    pub context: crate::modules::Ctx,
    pub status: RefStatus,
    /// Whether `check` reports this reference (false: another reference at the same site
    /// or a `use` of the same module covers it; see docs/rules.md).
    pub reported: bool,
}

impl Site {
    /// `forbidden-dependency`, `interface-bypass`, `forbidden (covered)`, `allowed`...
    pub fn status_text(&self) -> &'static str {
        match (self.status, self.reported) {
            (RefStatus::Allowed, _) => "allowed",
            (RefStatus::Forbidden, true) => "forbidden-dependency",
            (RefStatus::Forbidden, false) => "forbidden (covered)",
            (RefStatus::InterfaceBypass, true) => "interface-bypass",
            (RefStatus::InterfaceBypass, false) => "bypass (covered)",
        }
    }
}

/// `use`, `type`, `expr`, ... (the JSON name of the context).
fn ctx_str(c: crate::modules::Ctx) -> String {
    match serde_json::to_value(c) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

pub fn explain(c: &Checked, from: DomainId, to: DomainId) -> Explanation {
    let input = view::rules_input(c);
    let p = &c.analysis.program;
    let refs = &c.analysis.resolution.refs;
    let domains = &c.config.domains;
    let (fd, td) = (&domains[from], &domains[to]);
    let allowed = crate::rules::boundary::allowed(&input, from, to);
    let declared: Vec<String> = fd
        .depends_on
        .iter()
        .map(|(n, _)| format!("\"{n}\""))
        .collect();
    let reason = if from == to {
        format!("`{}` is the same domain", fd.name)
    } else if crate::rules::allowance::denied(&input, from, to) {
        format!("`{}` is in `domains.{}.cannot_depend_on`", td.name, fd.name)
    } else if fd.deny_list {
        format!(
            "`{}` may use every domain not in its cannot_depend_on",
            fd.name
        )
    } else if fd.depends_on_any {
        format!("`{}` may use every domain (depends_on = [\"*\"])", fd.name)
    } else if td.shared {
        format!("`{}` is a shared kernel", td.name)
    } else if allowed {
        format!("`{}` is in `domains.{}.depends_on`", td.name, fd.name)
    } else {
        format!(
            "`{}` is not in `domains.{}.depends_on` [{}] and is not a shared kernel",
            td.name,
            fd.name,
            declared.join(", ")
        )
    };
    let reason = match crate::rules::allowance::layer_violation(&input, from, to) {
        Some((la, lb)) => format!(
            "{reason}; but `{}` is in the higher layer `{}` (`{}` is in `{}`): using it is a layer-violation",
            td.name,
            crate::rules::allowance::layer_name(&input, lb),
            fd.name,
            crate::rules::allowance::layer_name(&input, la)
        ),
        None => reason,
    };
    let mut groups: BTreeMap<String, ItemGroup> = BTreeMap::new();
    let (mut forbidden_sites, mut bypasses) = (0, 0);
    let ids = c.domain_graph.refs(from, to);
    for &i in ids {
        let r = &refs[i];
        let status = view::classify(&input, r, from, to);
        if r.reportable {
            match status {
                RefStatus::Forbidden => forbidden_sites += 1,
                RefStatus::InterfaceBypass => bypasses += 1,
                RefStatus::Allowed => {}
            }
        }
        groups
            .entry(r.item.clone())
            .or_insert_with(|| ItemGroup {
                item: r.item.clone(),
                kind: r.kind.as_str(),
                module: p.modules[r.to as usize].path.clone(),
                references: Vec::new(),
            })
            .references
            .push(Site {
                file: p.file_rel(r.file).to_string(),
                line: r.span.start.line,
                column: r.span.start.col + 1,
                from_module: p.modules[r.from as usize].path.clone(),
                path_as_written: r.written.clone(),
                context: r.ctx,
                status,
                reported: r.reportable,
            });
    }
    let mut items: Vec<ItemGroup> = groups.into_values().collect();
    for g in &mut items {
        g.references.sort_by(|a, b| {
            (&a.file, a.line, a.column, &a.path_as_written).cmp(&(
                &b.file,
                b.line,
                b.column,
                &b.path_as_written,
            ))
        });
    }
    Explanation {
        schema_version: 1,
        from: fd.name.clone(),
        to: td.name.clone(),
        allowed,
        reason,
        interface: td
            .interface
            .iter()
            .chain(&td.interface_exact)
            .map(|p| p.text.clone())
            .collect(),
        references: ids.len(),
        forbidden_sites,
        interface_bypasses: bypasses,
        items,
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The human report.
pub fn render(e: &Explanation) -> String {
    let mut o = String::new();
    let verdict = if e.allowed { "allowed" } else { "forbidden" };
    let _ = writeln!(
        o,
        "{} -> {}: {} to {}, {verdict}",
        e.from,
        e.to,
        plural(e.references, "reference", "references"),
        plural(e.items.len(), "item", "items"),
    );
    let _ = writeln!(o, "  {}", e.reason);
    if !e.interface.is_empty() {
        let _ = writeln!(
            o,
            "  interface of `{}`: {}",
            e.to,
            e.interface
                .iter()
                .map(|i| format!("`{i}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if e.items.is_empty() {
        let _ = writeln!(o, "\nno references from `{}` to `{}`", e.from, e.to);
        return o;
    }
    let loc = |s: &Site| format!("{}:{}:{}", s.file, s.line, s.column);
    let w_loc = e
        .items
        .iter()
        .flat_map(|g| g.references.iter().map(|s| loc(s).len()))
        .max()
        .unwrap_or(0);
    let w_status = e
        .items
        .iter()
        .flat_map(|g| g.references.iter().map(|s| s.status_text().len()))
        .max()
        .unwrap_or(0);
    let w_ctx = e
        .items
        .iter()
        .flat_map(|g| g.references.iter().map(|s| ctx_str(s.context).len()))
        .max()
        .unwrap_or(0);
    let mut covered = false;
    for g in &e.items {
        let _ = writeln!(
            o,
            "\n{} ({}): {}",
            g.item,
            g.kind,
            plural(g.references.len(), "reference", "references")
        );
        for s in &g.references {
            covered |= !s.reported && s.status != RefStatus::Allowed;
            let _ = writeln!(
                o,
                "  {:<w_loc$}  {:<w_status$}  {:<w_ctx$}  {}",
                loc(s),
                s.status_text(),
                ctx_str(s.context),
                s.path_as_written
            );
        }
    }
    let _ = writeln!(
        o,
        "\nreported by `check`: {} forbidden-dependency, {} interface-bypass",
        e.forbidden_sites, e.interface_bypasses,
    );
    if covered {
        let _ = writeln!(
            o,
            "(covered): the same dependency is reported at the `use` that imports the name, or at the path's own qualifier"
        );
    }
    o
}

pub fn write_human(e: &Explanation, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(render(e).as_bytes())
}

pub fn write_json(e: &Explanation, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, e)?;
    writeln!(out)
}

/// The references between one pair of modules (`--level module`).
#[derive(Serialize)]
pub struct ModulePair {
    pub from_module: String,
    pub to_module: String,
    pub references: Vec<ModuleSite>,
}

#[derive(Serialize)]
pub struct ModuleSite {
    /// The item referenced.
    pub item: String,
    #[serde(flatten)]
    pub site: Site,
}

/// The references of an explanation grouped by (from module, defining module), the pairs
/// with the most references first.
pub fn by_module(e: &Explanation) -> Vec<ModulePair> {
    let mut pairs: BTreeMap<(String, String), Vec<ModuleSite>> = BTreeMap::new();
    for g in &e.items {
        for s in &g.references {
            pairs
                .entry((s.from_module.clone(), g.module.clone()))
                .or_default()
                .push(ModuleSite {
                    item: g.item.clone(),
                    site: s.clone(),
                });
        }
    }
    let mut out: Vec<ModulePair> = pairs
        .into_iter()
        .map(|((from_module, to_module), mut references)| {
            references.sort_by(|a, b| {
                (&a.site.file, a.site.line, a.site.column, &a.item).cmp(&(
                    &b.site.file,
                    b.site.line,
                    b.site.column,
                    &b.item,
                ))
            });
            ModulePair {
                from_module,
                to_module,
                references,
            }
        })
        .collect();
    // Stable: ties keep the name order of the map.
    out.sort_by_key(|p| std::cmp::Reverse(p.references.len()));
    out
}

/// The human report at module level: the header of [`render`], then one block per pair.
pub fn render_modules(e: &Explanation) -> String {
    let full = render(e);
    let mut o: String = full
        .lines()
        .take_while(|l| !l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    let pairs = by_module(e);
    if pairs.is_empty() {
        let _ = writeln!(o, "\nno references from `{}` to `{}`", e.from, e.to);
        return o;
    }
    let _ = writeln!(
        o,
        "  {} between {}",
        plural(e.references, "reference", "references"),
        plural(pairs.len(), "pair of modules", "pairs of modules")
    );
    let loc = |s: &Site| format!("{}:{}:{}", s.file, s.line, s.column);
    let all = || pairs.iter().flat_map(|p| &p.references);
    let w_loc = all().map(|r| loc(&r.site).len()).max().unwrap_or(0);
    let w_status = all().map(|r| r.site.status_text().len()).max().unwrap_or(0);
    for p in &pairs {
        let _ = writeln!(
            o,
            "\n{} -> {}: {}",
            p.from_module,
            p.to_module,
            plural(p.references.len(), "reference", "references")
        );
        for r in &p.references {
            let _ = writeln!(
                o,
                "  {:<w_loc$}  {:<w_status$}  {}  ({})",
                loc(&r.site),
                r.site.status_text(),
                r.site.path_as_written,
                r.item
            );
        }
    }
    let _ = writeln!(
        o,
        "\nreported by `check`: {} forbidden-dependency, {} interface-bypass",
        e.forbidden_sites, e.interface_bypasses,
    );
    o
}

/// JSON at module level: the explanation with `module_pairs` in place of `items`.
pub fn write_json_modules(e: &Explanation, out: &mut dyn Write) -> std::io::Result<()> {
    let mut v = serde_json::to_value(e).map_err(std::io::Error::other)?;
    if let Some(m) = v.as_object_mut() {
        m.remove("items");
        m.insert("level".into(), "module".into());
        m.insert(
            "module_pairs".into(),
            serde_json::to_value(by_module(e)).map_err(std::io::Error::other)?,
        );
    }
    serde_json::to_writer_pretty(&mut *out, &v)?;
    writeln!(out)
}
