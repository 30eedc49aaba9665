//! What `cargo domains graph` draws: a small, renderer-neutral picture of the domain graph
//! (or of the module graph clustered by domain), with every node and edge already classified
//! (shared kernel, composition root, allowed, forbidden, interface bypass, in a cycle).
//! The DOT, Mermaid and JSON writers in `report/` only format a [`View`].
//!
//! Everything is sorted by name, so the same code gives byte-identical output.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::algo::kosaraju_scc;

use crate::analysis::Checked;
use crate::config::DomainId;
use crate::modules::ModuleId;
use crate::resolve::Reference;
use crate::rules::{self, boundary};

/// Name of the node that stands for the modules no domain claims.
pub const UNASSIGNED: &str = "(unassigned)";

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Domain,
    Module,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// An ordinary business domain.
    Domain,
    /// `shared = true`: any domain may use it.
    Shared,
    /// `depends_on = ["*"]`: the composition root.
    Root,
    /// Modules that belong to no domain.
    Unassigned,
}

impl NodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Domain => "domain",
            NodeKind::Shared => "shared",
            NodeKind::Root => "root",
            NodeKind::Unassigned => "unassigned",
        }
    }
}

/// How a dependency stands with the rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeStatus {
    /// Between two modules of the same domain (module level only).
    Internal,
    /// Allowed by `depends_on`, a shared kernel, or `depends_on = ["*"]`.
    Allowed,
    /// Not allowed: every reference behind it is a `forbidden-dependency`.
    Forbidden,
    /// One end is unassigned: no rule applies.
    Unchecked,
}

#[derive(Clone, Debug)]
pub struct Node {
    /// Stable, unique key: the domain name (domain level) or `domain/module path`.
    pub key: String,
    /// Display name: the domain name, or the module path.
    pub label: String,
    /// The domain the node belongs to (`None`: unassigned).
    pub domain: Option<String>,
    pub kind: NodeKind,
    pub description: Option<String>,
    /// Modules behind the node.
    pub modules: usize,
    /// Lines of the files loaded for those modules.
    pub lines: u64,
    /// Index into [`View::clusters`] (module level).
    pub cluster: Option<usize>,
    /// Extraction readiness and band (`graph --scores`, domain level, scored domains only).
    pub score: Option<(f64, &'static str)>,
}

#[derive(Clone, Debug)]
pub struct Cluster {
    pub name: String,
    pub kind: NodeKind,
}

#[derive(Clone, Debug)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    /// Every reference behind the edge (what `explain` lists).
    pub references: usize,
    pub status: EdgeStatus,
    /// Reported `forbidden-dependency` sites (one per `use` name or path; see docs/rules.md).
    pub forbidden_sites: usize,
    /// Reported `interface-bypass` sites.
    pub bypasses: usize,
    /// Both domains are in the same strongly connected component of the domain graph.
    pub in_cycle: bool,
}

#[derive(Clone, Debug)]
pub struct View {
    pub level: Level,
    pub title: String,
    pub nodes: Vec<Node>,
    pub clusters: Vec<Cluster>,
    pub edges: Vec<Edge>,
}

#[derive(Clone, Debug)]
pub struct Options {
    pub level: Level,
    /// Keep this domain and its direct neighbours.
    pub focus: Option<DomainId>,
    /// Module level: collapse modules deeper than this many path segments into their
    /// ancestor (`shop::orders::checkout` has 3).
    pub depth: Option<u32>,
    /// Domain level: add each domain's extraction-readiness score to its node.
    pub scores: bool,
}

/// The rules' input for a checked workspace.
pub fn rules_input(c: &Checked) -> rules::Input<'_> {
    rules::Input {
        program: &c.analysis.program,
        resolution: &c.analysis.resolution,
        config: &c.config,
        assignment: &c.assignment,
        domain_graph: &c.domain_graph,
        workspace: &c.analysis.workspace,
        include_tests: c.analysis.include_tests,
    }
}

/// What the boundary rules say about one reference from domain `from` to domain `to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefStatus {
    Allowed,
    Forbidden,
    InterfaceBypass,
}

pub fn classify(input: &rules::Input, r: &Reference, from: DomainId, to: DomainId) -> RefStatus {
    if !boundary::allowed(input, from, to) {
        RefStatus::Forbidden
    } else if !boundary::through_interface(input, r, to) {
        RefStatus::InterfaceBypass
    } else {
        RefStatus::Allowed
    }
}

fn kind_of(c: &Checked, d: Option<DomainId>) -> NodeKind {
    match d {
        None => NodeKind::Unassigned,
        Some(d) if c.config.domains[d].depends_on_any => NodeKind::Root,
        Some(d) if c.config.domains[d].shared => NodeKind::Shared,
        Some(_) => NodeKind::Domain,
    }
}

/// Lines per module: each file counts for the module loaded from it (the shallowest module
/// whose file it is; inline modules share their parent's file).
fn module_lines(c: &Checked) -> Vec<u64> {
    let p = &c.analysis.program;
    let mut owner: Vec<Option<ModuleId>> = vec![None; p.files.len()];
    for (i, m) in p.modules.iter().enumerate() {
        let o = &mut owner[m.file as usize];
        match *o {
            Some(prev) if p.modules[prev as usize].depth <= m.depth => {}
            _ => *o = Some(i as ModuleId),
        }
    }
    let mut lines = vec![0u64; p.modules.len()];
    for (f, o) in owner.iter().enumerate() {
        if let Some(m) = o {
            lines[*m as usize] += p.files[f].lines as u64;
        }
    }
    lines
}

/// Domains in a non-trivial strongly connected component, by component.
fn cycle_component(c: &Checked) -> Vec<Option<usize>> {
    let g = &c.domain_graph.graph;
    let mut comp = vec![None; c.config.domains.len()];
    // Kosaraju: iterative (petgraph's Tarjan recurses once per node of a chain).
    for (i, scc) in kosaraju_scc(g).into_iter().enumerate() {
        if scc.len() > 1 {
            for n in scc {
                comp[g[n]] = Some(i);
            }
        }
    }
    comp
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// `12 modules · 1,234 lines`
pub fn size_label(modules: usize, lines: u64) -> String {
    format!(
        "{} module{} · {} lines",
        modules,
        if modules == 1 { "" } else { "s" },
        thousands(lines)
    )
}

impl Node {
    /// `12 modules · 1,234 lines`, or only `1,234 lines` for a single module.
    pub fn size_text(&self) -> String {
        if self.modules == 1 && self.kind != NodeKind::Unassigned {
            format!("{} lines", thousands(self.lines))
        } else {
            size_label(self.modules, self.lines)
        }
    }
}

/// Builds the view.
pub fn build(c: &Checked, opts: &Options) -> View {
    let p = &c.analysis.program;
    let scores = (opts.scores && opts.level == Level::Domain).then(|| crate::score::score(c));
    let include = |m: usize| c.analysis.include_tests || !p.modules[m].is_test;
    let lines = module_lines(c);
    let input = rules_input(c);
    let comp = cycle_component(c);
    let dof = &c.assignment.domain_of;
    let domain_name = |d: Option<DomainId>| match d {
        Some(d) => c.config.domains[d].name.clone(),
        None => UNASSIGNED.to_string(),
    };

    // Group modules into nodes: key -> (domain, members).
    let group_of: Vec<Option<(Option<DomainId>, ModuleId)>> = (0..p.modules.len())
        .map(|m| {
            if !include(m) {
                return None;
            }
            let anchor = match opts.level {
                Level::Domain => 0,
                Level::Module => {
                    let mut a = m as ModuleId;
                    if let Some(depth) = opts.depth {
                        while p.modules[a as usize].depth + 1 > depth.max(1) {
                            match p.modules[a as usize].parent {
                                Some(parent) => a = parent,
                                None => break,
                            }
                        }
                    }
                    a
                }
            };
            Some((dof[m], anchor))
        })
        .collect();
    // Sort key of a group: unassigned last, then domain name, then path.
    let mut members: BTreeMap<(bool, String, String), Vec<ModuleId>> = BTreeMap::new();
    let mut group_key: Vec<Option<(bool, String, String)>> = vec![None; p.modules.len()];
    for (m, g) in group_of.iter().enumerate() {
        let Some((d, anchor)) = g else { continue };
        let key = (
            d.is_none(),
            domain_name(*d),
            match opts.level {
                Level::Domain => String::new(),
                Level::Module => p.modules[*anchor as usize].path.clone(),
            },
        );
        members.entry(key.clone()).or_default().push(m as ModuleId);
        group_key[m] = Some(key);
    }

    // Edges between groups.
    let index: BTreeMap<(bool, String, String), usize> = members
        .keys()
        .enumerate()
        .map(|(i, k)| (k.clone(), i))
        .collect();
    #[derive(Default)]
    struct Acc {
        refs: usize,
        forbidden: usize,
        bypasses: usize,
        status: Option<EdgeStatus>,
        in_cycle: bool,
    }
    let mut acc: BTreeMap<(usize, usize), Acc> = BTreeMap::new();
    let mg = &c.module_graph.graph;
    for e in mg.edge_indices() {
        let (a, b) = mg.edge_endpoints(e).expect("edge");
        let (ma, mb) = (mg[a] as usize, mg[b] as usize);
        let (Some(ka), Some(kb)) = (&group_key[ma], &group_key[mb]) else {
            continue;
        };
        let (ga, gb) = (index[ka], index[kb]);
        if ga == gb {
            continue;
        }
        let (da, db) = (dof[ma], dof[mb]);
        if opts.level == Level::Domain && da.is_none() && db.is_none() {
            continue;
        }
        let status = match (da, db) {
            (Some(x), Some(y)) if x == y => EdgeStatus::Internal,
            (Some(x), Some(y)) if boundary::allowed(&input, x, y) => EdgeStatus::Allowed,
            (Some(_), Some(_)) => EdgeStatus::Forbidden,
            _ => EdgeStatus::Unchecked,
        };
        let entry = acc.entry((ga, gb)).or_default();
        entry.status = Some(status);
        if let (Some(x), Some(y)) = (da, db) {
            entry.in_cycle = x != y && comp[x].is_some() && comp[x] == comp[y];
        }
        for &i in &mg[e] {
            let r = &c.analysis.resolution.refs[i];
            entry.refs += 1;
            if let (Some(x), Some(y)) = (da, db)
                && x != y
                && r.reportable
            {
                match classify(&input, r, x, y) {
                    RefStatus::Forbidden => entry.forbidden += 1,
                    RefStatus::InterfaceBypass => entry.bypasses += 1,
                    RefStatus::Allowed => {}
                }
            }
        }
    }

    // Nodes (only the unassigned group needs edges to be drawn at domain level).
    let mut clusters: Vec<Cluster> = Vec::new();
    let mut cluster_of: BTreeMap<String, usize> = BTreeMap::new();
    let mut nodes: Vec<Node> = Vec::new();
    for ((unassigned, dname, anchor), ms) in &members {
        let d = if *unassigned {
            None
        } else {
            dof[ms[0] as usize]
        };
        let kind = kind_of(c, d);
        let label = match opts.level {
            Level::Domain => dname.clone(),
            Level::Module => common_path(ms.iter().map(|m| p.modules[*m as usize].path.as_str()))
                .unwrap_or_else(|| anchor.clone()),
        };
        let cluster = match opts.level {
            Level::Domain => None,
            Level::Module => Some(*cluster_of.entry(dname.clone()).or_insert_with(|| {
                clusters.push(Cluster {
                    name: dname.clone(),
                    kind,
                });
                clusters.len() - 1
            })),
        };
        nodes.push(Node {
            key: match opts.level {
                Level::Domain => dname.clone(),
                Level::Module => format!("{dname}/{anchor}"),
            },
            label,
            domain: d.map(|d| c.config.domains[d].name.clone()),
            kind,
            description: d.and_then(|d| c.config.domains[d].description.clone()),
            modules: ms.len(),
            lines: ms.iter().map(|m| lines[*m as usize]).sum(),
            cluster,
            score: scores.as_ref().and_then(|s| {
                let name = d.map(|d| c.config.domains[d].name.as_str())?;
                let ds = s.domains.iter().find(|x| x.domain == name)?;
                Some((ds.score, ds.band.as_str()))
            }),
        });
    }
    let acc_totals = acc
        .values()
        .fold((0, 0), |(f, b), a| (f + a.forbidden, b + a.bypasses));
    let edges: Vec<Edge> = acc
        .into_iter()
        .map(|((from, to), a)| Edge {
            from,
            to,
            references: a.refs,
            status: a.status.unwrap_or(EdgeStatus::Unchecked),
            forbidden_sites: a.forbidden,
            bypasses: a.bypasses,
            in_cycle: a.in_cycle,
        })
        .collect();

    let mut view = View {
        level: opts.level,
        title: String::new(),
        nodes,
        clusters,
        edges,
    };
    if opts.level == Level::Domain {
        // The unassigned node only when it has edges.
        let unassigned: Vec<usize> = (0..view.nodes.len())
            .filter(|i| view.nodes[*i].kind == NodeKind::Unassigned)
            .collect();
        for u in unassigned {
            if !view.edges.iter().any(|e| e.from == u || e.to == u) {
                let keep: Vec<bool> = (0..view.nodes.len()).map(|i| i != u).collect();
                view = retain(view, &keep);
            }
        }
    }
    if let Some(f) = opts.focus {
        let name = c.config.domains[f].name.as_str();
        let inside: Vec<bool> = view
            .nodes
            .iter()
            .map(|n| n.domain.as_deref() == Some(name))
            .collect();
        let mut keep = inside.clone();
        view.edges.retain(|e| inside[e.from] || inside[e.to]);
        for e in &view.edges {
            keep[e.from] = true;
            keep[e.to] = true;
        }
        view = retain(view, &keep);
    }

    let domains = c.config.domains.len();
    let modules = (0..p.modules.len()).filter(|m| include(*m)).count();
    let total_lines: u64 = (0..p.modules.len())
        .filter(|m| include(*m))
        .map(|m| lines[m])
        .sum();
    let root = c
        .analysis
        .workspace
        .root
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let focus = opts
        .focus
        .map(|f| format!(" (focus: {})", c.config.domains[f].name))
        .unwrap_or_default();
    let violations: usize = acc_totals.0 + acc_totals.1;
    // Groups of domains in a cycle, as drawn (also those only forbidden edges close).
    let cycles = rules::cycle::groups(&input).len();
    view.title = format!(
        "{root}{focus}: {domains} domain{}, {}; {violations} violation{}, {cycles} domain cycle{}",
        if domains == 1 { "" } else { "s" },
        size_label(modules, total_lines),
        if violations == 1 { "" } else { "s" },
        if cycles == 1 { "" } else { "s" },
    );
    view
}

/// Keeps the nodes marked in `keep` (and the edges between them), renumbering.
fn retain(view: View, keep: &[bool]) -> View {
    let mut new_index = vec![usize::MAX; view.nodes.len()];
    let mut nodes = Vec::new();
    for (i, n) in view.nodes.into_iter().enumerate() {
        if keep[i] {
            new_index[i] = nodes.len();
            nodes.push(n);
        }
    }
    let edges = view
        .edges
        .into_iter()
        .filter(|e| keep[e.from] && keep[e.to])
        .map(|mut e| {
            e.from = new_index[e.from];
            e.to = new_index[e.to];
            e
        })
        .collect();
    // Drop clusters left empty, renumbering the others.
    let used: BTreeSet<usize> = nodes.iter().filter_map(|n| n.cluster).collect();
    let mut cluster_index = BTreeMap::new();
    let mut clusters = Vec::new();
    for (i, c) in view.clusters.into_iter().enumerate() {
        if used.contains(&i) {
            cluster_index.insert(i, clusters.len());
            clusters.push(c);
        }
    }
    for n in &mut nodes {
        n.cluster = n.cluster.map(|c| cluster_index[&c]);
    }
    View {
        level: view.level,
        title: view.title,
        nodes,
        clusters,
        edges,
    }
}

/// The longest common `::`-separated prefix of module paths.
fn common_path<'a>(mut paths: impl Iterator<Item = &'a str>) -> Option<String> {
    let first: Vec<&str> = paths.next()?.split("::").collect();
    let mut n = first.len();
    for p in paths {
        n = n.min(
            first
                .iter()
                .zip(p.split("::"))
                .take_while(|(a, b)| *a == b)
                .count(),
        );
    }
    (n > 0).then(|| first[..n].join("::"))
}

impl View {
    /// `LR` or `TB`, whichever brings the layered drawing closer to a 16:9 slide.
    pub fn rankdir(&self) -> &'static str {
        let n = self.nodes.len();
        if n == 0 {
            return "LR";
        }
        // Longest-path layering, back edges of the depth-first search ignored.
        let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
        for e in &self.edges {
            if e.from != e.to {
                out[e.from].push(e.to);
            }
        }
        let mut layer: Vec<Option<usize>> = vec![None; n];
        fn depth(
            v: usize,
            out: &[Vec<usize>],
            layer: &mut Vec<Option<usize>>,
            on: &mut Vec<bool>,
        ) -> usize {
            if let Some(l) = layer[v] {
                return l;
            }
            on[v] = true;
            let mut best = 0;
            for &w in &out[v] {
                if !on[w] {
                    best = best.max(depth(w, out, layer, on) + 1);
                }
            }
            on[v] = false;
            layer[v] = Some(best);
            best
        }
        let mut on = vec![false; n];
        for v in 0..n {
            depth(v, &out, &mut layer, &mut on);
        }
        let ranks = layer.iter().flatten().max().map_or(1, |m| m + 1) as f64;
        let mut per_rank = vec![0usize; ranks as usize];
        for l in layer.iter().flatten() {
            per_rank[*l] += 1;
        }
        let width = *per_rank.iter().max().unwrap_or(&1) as f64;
        // Rough node footprints in inches: 2.2 x 1.4 (TB), 3.2 x 1.0 (LR, with edge labels).
        let slide = 16.0 / 9.0;
        let tb = (width * 2.2) / (ranks * 1.4);
        let lr = (ranks * 3.2) / (width * 1.0);
        if (tb / slide).ln().abs() <= (lr / slide).ln().abs() {
            "TB"
        } else {
            "LR"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn common_prefix_of_paths() {
        let c = |v: &[&str]| common_path(v.iter().copied());
        assert_eq!(c(&["a::b::c", "a::b", "a::b::d"]).as_deref(), Some("a::b"));
        assert_eq!(c(&["a::bc", "a::b"]).as_deref(), Some("a"));
        assert_eq!(c(&["x", "y"]), None);
    }
}
