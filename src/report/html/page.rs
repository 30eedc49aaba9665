//! The report page: sections in HTML written here (graph, domain matrix, readiness,
//! findings), the module matrices and the references behind each domain cell as JSON that
//! `page.js` draws on demand, `page.css` and `page.js` inlined.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use super::dsm::{self, DomainMatrix};
use super::{Options, Report, esc, json_in_script, source_link};
use crate::analysis::Checked;
use crate::graph::view::{self, Level, NodeKind, RefStatus};

const CSS: &str = include_str!("page.css");
const JS: &str = include_str!("page.js");

/// References listed per domain pair; the rest are counted (`explain` lists them all).
pub const REFS_PER_CELL: usize = 200;

pub fn render(c: &Checked, opts: &Options) -> Report {
    let v = view::build(
        c,
        &view::Options {
            level: Level::Domain,
            focus: None,
            depth: None,
            scores: false,
            cut: false,
            hide_root: false,
        },
    );
    let (graph_svg, graph_by, graphviz_error) = graph_svg(&v, opts);
    let matrix = dsm::domain_matrix(c);
    let modules = dsm::module_matrices(c);
    let scores = crate::score::score(c);

    let mut h = String::with_capacity(256 * 1024);
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    let _ = write!(
        h,
        "<title>{}</title>",
        esc(&format!("cargo domains report: {}", v.title))
    );
    // The error trap comes first, so that it sees errors of everything after it.
    h.push_str("<script>window.__errors=[];window.onerror=function(m,s,l,c,e){window.__errors.push(String(m)+' (line '+l+')');var x=document.getElementById('js-errors');if(x){x.textContent=window.__errors.join('\\n');x.hidden=false;}document.documentElement.setAttribute('data-status','error');};</script>");
    let _ = write!(h, "<style>{CSS}</style></head><body>");
    let _ = write!(
        h,
        "<header><h1>{}</h1><p class=\"meta\">cargo-domains {} · {} · graph drawn by {graph_by}</p><pre id=\"js-errors\" hidden></pre>",
        esc(&v.title),
        env!("CARGO_PKG_VERSION"),
        esc(&summary(c)),
    );
    h.push_str("<nav><a href=\"#graph\">Graph</a><a href=\"#matrix\">Domain matrix</a><a href=\"#modules\">Module matrix</a><a href=\"#readiness\">Readiness</a><a href=\"#findings\">Findings</a></nav></header><main>");

    let _ = write!(
        h,
        "<section id=\"graph\"><h2>Domain graph</h2>{}<div class=\"graph-box\">{graph_svg}</div></section>",
        legend()
    );
    domain_table(&mut h, c, &matrix);
    h.push_str("<section id=\"modules\"><h2>Module matrix</h2><p class=\"hint\">Click a domain's row header in the domain matrix to open the dependencies between its modules here. Modules are in layered order with cycles kept together: an outlined block is a group of modules that depend on each other in a cycle, a marked cell above the diagonal is a dependency to cut (the cheapest set that breaks the group's cycles).</p><div id=\"module-dsm\"></div></section>");
    readiness(&mut h, &scores);
    findings(&mut h, c, opts);
    let data = data(c, &matrix, &modules, opts.source_url.as_deref());
    let _ = writeln!(
        h,
        "</main><script type=\"application/json\" id=\"report-data\">{}</script><script>{JS}</script></body></html>",
        json_in_script(&data)
    );
    Report {
        html: h,
        graph_by,
        graphviz_error,
    }
}

fn graph_svg(v: &view::View, opts: &Options) -> (String, &'static str, Option<String>) {
    if let Some(dot) = &opts.dot {
        match super::graphviz::render(dot, &crate::report::dot::render(v), opts.dot_timeout) {
            Ok(svg) => return (svg, "graphviz", None),
            Err(e) => return (super::layout::svg(v), "built-in", Some(e)),
        }
    }
    (super::layout::svg(v), "built-in", None)
}

fn summary(c: &Checked) -> String {
    let p = &c.analysis.program;
    let deny = c
        .findings
        .iter()
        .filter(|f| f.level == crate::config::Level::Deny)
        .count();
    format!(
        "{} domains, {} modules, {} files; {} finding{} ({deny} at deny level)",
        c.config.domains.len(),
        p.modules.len(),
        p.files.len(),
        c.findings.len(),
        if c.findings.len() == 1 { "" } else { "s" }
    )
}

fn legend() -> &'static str {
    "<p class=\"legend\"><span class=\"k dom\">domain</span><span class=\"k shared\">shared kernel</span><span class=\"k root\">composition root</span> <span class=\"e allowed\">allowed</span><span class=\"e forbidden\">forbidden</span><span class=\"e bypass\">bypasses the interface</span><span class=\"e cycle\">in a cycle</span></p>"
}

fn kind_class(k: NodeKind) -> &'static str {
    match k {
        NodeKind::Domain => "dom",
        NodeKind::Shared => "shared",
        NodeKind::Root => "root",
        NodeKind::Unassigned => "unassigned",
    }
}

fn domain_kind(c: &Checked, d: usize) -> NodeKind {
    let dom = &c.config.domains[d];
    if dom.depends_on_any {
        NodeKind::Root
    } else if dom.shared {
        NodeKind::Shared
    } else {
        NodeKind::Domain
    }
}

/// Border classes of the cell at `(r, col)` for the outlined blocks.
fn block_edges(blocks: &[(usize, usize)], r: usize, col: usize) -> String {
    let mut s = String::new();
    for &(start, len) in blocks {
        let end = start + len - 1;
        if (start..=end).contains(&r) && (start..=end).contains(&col) {
            s.push_str(" blk");
            if r == start {
                s.push_str(" bt");
            }
            if r == end {
                s.push_str(" bb");
            }
            if col == start {
                s.push_str(" bl");
            }
            if col == end {
                s.push_str(" br");
            }
        }
    }
    s
}

fn domain_table(h: &mut String, c: &Checked, m: &DomainMatrix) {
    let names: Vec<&str> = c.config.domains.iter().map(|d| d.name.as_str()).collect();
    let order = &m.ordering.order;
    let ups = m.ordering.cut.len();
    let _ = write!(
        h,
        "<section id=\"matrix\"><h2>Domain matrix</h2><p class=\"hint\">Row uses column: a cell is the number of references from the row's domain to the column's. Domains are in layered order, what a domain uses before it, so dependencies sit below the diagonal; the {ups} cell{} above it point up and are the dependencies to cut (outlined: domains in a cycle). Click a number for the references behind it, a row header for that domain's module matrix.</p>",
        if ups == 1 { "" } else { "s" }
    );
    h.push_str("<div class=\"scroll\"><table class=\"dsm\" id=\"domain-dsm\"><thead><tr><th class=\"corner\">uses →</th>");
    for (i, d) in order.iter().enumerate() {
        let _ = write!(
            h,
            "<th class=\"colh\" title=\"{}\">{}</th>",
            esc(names[*d]),
            i + 1
        );
    }
    h.push_str("</tr></thead><tbody>");
    for (r, &a) in order.iter().enumerate() {
        let kind = domain_kind(c, a);
        let _ = write!(
            h,
            "<tr><th class=\"rowh {}\"><button type=\"button\" data-domain=\"{a}\" title=\"{}\">{}. {}</button></th>",
            kind_class(kind),
            esc(c.config.domains[a]
                .description
                .as_deref()
                .unwrap_or(names[a])),
            r + 1,
            esc(names[a])
        );
        for (col, &b) in order.iter().enumerate() {
            let mut class = String::from("c");
            if r == col {
                class.push_str(" diag");
            } else if col > r {
                class.push_str(" up");
            }
            if m.ordering.cut.contains(&(a, b)) {
                class.push_str(" cut");
            }
            class.push_str(&block_edges(&m.ordering.blocks, r, col));
            match m.cells.get(&(a, b)) {
                Some(refs) if r != col => {
                    let _ = write!(
                        h,
                        "<td class=\"{class}\" data-from=\"{}\" data-to=\"{}\" data-n=\"{}\"><a href=\"#refs\" data-pair=\"{a},{b}\" title=\"{} → {}: {} reference{}\">{}</a></td>",
                        esc(names[a]),
                        esc(names[b]),
                        refs.len(),
                        esc(names[a]),
                        esc(names[b]),
                        refs.len(),
                        if refs.len() == 1 { "" } else { "s" },
                        refs.len()
                    );
                }
                _ => {
                    let _ = write!(h, "<td class=\"{class}\"></td>");
                }
            }
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table></div><div id=\"refs\" class=\"refs\"><p class=\"hint\">Click a number in the matrix to list its references here.</p></div></section>");
}

fn readiness(h: &mut String, s: &crate::score::Scores) {
    h.push_str("<section id=\"readiness\"><h2>Extraction readiness</h2><p class=\"hint\">How ready each business domain is to become its own crate or service (0-100; see <code>cargo domains score</code>). Each component shows its points (its value, 0 to 1, in brackets).</p>");
    let Some(first) = s.domains.first() else {
        h.push_str("<p>No business domain is scored.</p></section>");
        return;
    };
    h.push_str("<div class=\"scroll\"><table class=\"scores\" id=\"scores\"><thead><tr><th>domain</th><th>score</th><th>band</th>");
    for comp in &first.components {
        let _ = write!(h, "<th>{}</th>", esc(comp.name));
    }
    h.push_str("<th>blockers</th></tr></thead><tbody>");
    for d in &s.domains {
        let band = d.band.as_str();
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"num\">{:.0}{}</td><td class=\"band {}\">{}</td>",
            esc(&d.domain),
            d.score,
            if d.capped { " (capped)" } else { "" },
            esc(&band.to_ascii_lowercase().replace(' ', "-")),
            esc(band)
        );
        for comp in &d.components {
            let _ = write!(
                h,
                "<td class=\"num\">{:.1} <span class=\"dim\">({:.2})</span></td>",
                comp.points, comp.value
            );
        }
        let blockers: Vec<String> = d.blockers.iter().map(|b| esc(&b.summary)).collect();
        let _ = write!(h, "<td>{}</td></tr>", blockers.join("<br>"));
    }
    h.push_str("</tbody></table></div></section>");
}

fn findings(h: &mut String, c: &Checked, opts: &Options) {
    let p = &c.analysis.program;
    let _ = write!(
        h,
        "<section id=\"findings\"><h2>Findings ({})</h2>",
        c.findings.len()
    );
    if c.baselined > 0 || c.suppressed > 0 {
        let _ = write!(
            h,
            "<p class=\"hint\">{} covered by the baseline, {} allowed by comments: not listed.</p>",
            c.baselined, c.suppressed
        );
    }
    if c.findings.is_empty() {
        h.push_str("<p>No findings.</p></section>");
        return;
    }
    h.push_str("<div class=\"scroll\"><table class=\"findings\" id=\"findings-table\"><thead><tr><th>level</th><th>rule</th><th>location</th><th>message</th></tr></thead><tbody>");
    for f in &c.findings {
        let file = f.file_name(p, &c.config);
        let line = f.span.start.line;
        let loc = format!("{file}:{line}:{}", f.span.start.col + 1);
        let loc_html = match &opts.source_url {
            Some(base) => format!(
                "<a href=\"{}\">{}</a>",
                esc(&source_link(base, file, line)),
                esc(&loc)
            ),
            None => esc(&loc),
        };
        let level = match f.level {
            crate::config::Level::Deny => "deny",
            crate::config::Level::Warn => "warn",
            crate::config::Level::Allow => "allow",
        };
        let _ = write!(
            h,
            "<tr class=\"{level}\"><td>{level}</td><td><code>{}</code></td><td class=\"loc\">{loc_html}</td><td>{}",
            f.rule.code(),
            esc(&f.message)
        );
        if !f.help.is_empty() {
            let _ = write!(
                h,
                "<details><summary>help</summary><pre>{}</pre></details>",
                esc(&f.help)
            );
        }
        h.push_str("</td></tr>");
    }
    h.push_str("</tbody></table></div></section>");
}

/// What `page.js` draws on demand: names, the references of each domain cell, the module
/// matrices.
fn data<'a>(
    c: &'a Checked,
    m: &DomainMatrix,
    modules: &[dsm::ModuleMatrix],
    source_url: Option<&str>,
) -> Value {
    let p = &c.analysis.program;
    let input = view::rules_input(c);
    let mut files: Vec<&str> = Vec::new();
    let mut file_index: BTreeMap<u32, usize> = BTreeMap::new();
    let mut mods: Vec<&'a str> = Vec::new();
    let mut mod_index: BTreeMap<u32, usize> = BTreeMap::new();
    let mut intern_mod = |mid: u32, mods: &mut Vec<&'a str>| -> usize {
        *mod_index.entry(mid).or_insert_with(|| {
            mods.push(p.modules[mid as usize].path.as_str());
            mods.len() - 1
        })
    };
    let mut pairs = serde_json::Map::new();
    for (&(a, b), refs) in &m.cells {
        let mut rows = Vec::new();
        for &i in refs.iter().take(REFS_PER_CELL) {
            let r = &c.analysis.resolution.refs[i];
            let f = *file_index.entry(r.file).or_insert_with(|| {
                files.push(p.file_rel(r.file));
                files.len() - 1
            });
            let from = intern_mod(r.from, &mut mods);
            let status = if !r.reportable {
                ""
            } else {
                match view::classify(&input, r, a, b) {
                    RefStatus::Allowed => "",
                    RefStatus::Forbidden => "forbidden",
                    RefStatus::InterfaceBypass => "bypass",
                }
            };
            rows.push(json!([
                f,
                r.span.start.line,
                r.span.start.col + 1,
                from,
                r.item,
                status
            ]));
        }
        pairs.insert(format!("{a},{b}"), json!({"n": refs.len(), "refs": rows}));
    }
    let mdsm: Vec<Value> = modules
        .iter()
        .map(|mm| {
            let pos: BTreeMap<usize, usize> = mm
                .ordering
                .order
                .iter()
                .enumerate()
                .map(|(i, l)| (*l, i))
                .collect();
            let ids: Vec<usize> = mm
                .ordering
                .order
                .iter()
                .map(|l| intern_mod(mm.modules[*l], &mut mods))
                .collect();
            let cells: Vec<Value> = mm
                .cells
                .iter()
                .map(|(&(a, b), n)| json!([pos[&a], pos[&b], n]))
                .collect();
            let cut: Vec<Value> = mm
                .ordering
                .cut
                .iter()
                .map(|(a, b)| json!([pos[a], pos[b]]))
                .collect();
            json!({
                "domain": mm.domain,
                "modules": ids,
                "cells": cells,
                "blocks": mm.ordering.blocks,
                "cut": cut,
            })
        })
        .collect();
    json!({
        "domains": c.config.domains.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
        "files": files,
        "modules": mods,
        "pairs": pairs,
        "module_matrices": mdsm,
        "refs_per_cell": REFS_PER_CELL,
        "source_url": source_url,
    })
}
