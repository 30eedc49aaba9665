//! The module graph (petgraph): one node per module, one edge per (from, to) module pair,
//! each edge carrying every reference site; and its condensation by domain.

pub mod fas;
pub mod view;

use std::collections::BTreeMap;

use petgraph::graph::{DiGraph, NodeIndex};

use crate::config::{Assignment, DomainId};
use crate::modules::{ModuleId, Program};
use crate::resolve::Resolution;

/// Indices into [`Resolution::refs`].
pub type RefIds = Vec<usize>;

pub struct ModuleGraph {
    pub graph: DiGraph<ModuleId, RefIds>,
    pub node: Vec<NodeIndex>,
}

/// Whether a reference takes part in the graphs: test code only when asked for.
pub fn counts(r: &crate::resolve::Reference, include_tests: bool) -> bool {
    r.from != r.to && (include_tests || !r.is_test)
}

impl ModuleGraph {
    pub fn build(p: &Program, res: &Resolution, include_tests: bool) -> ModuleGraph {
        let mut graph = DiGraph::with_capacity(p.modules.len(), p.modules.len() * 4);
        let node: Vec<NodeIndex> = (0..p.modules.len())
            .map(|m| graph.add_node(m as ModuleId))
            .collect();
        let mut edges: BTreeMap<(ModuleId, ModuleId), RefIds> = BTreeMap::new();
        for (i, r) in res.refs.iter().enumerate() {
            if counts(r, include_tests) {
                edges.entry((r.from, r.to)).or_default().push(i);
            }
        }
        for ((a, b), refs) in edges {
            graph.add_edge(node[a as usize], node[b as usize], refs);
        }
        ModuleGraph { graph, node }
    }
}

/// Domain-level dependencies: for each ordered pair of distinct domains, the references.
pub struct DomainGraph {
    pub graph: DiGraph<DomainId, RefIds>,
    pub node: Vec<NodeIndex>,
}

impl DomainGraph {
    pub fn build(domains: usize, mg: &ModuleGraph, asg: &Assignment) -> DomainGraph {
        let mut graph = DiGraph::new();
        let node: Vec<NodeIndex> = (0..domains).map(|d| graph.add_node(d)).collect();
        let mut edges: BTreeMap<(DomainId, DomainId), RefIds> = BTreeMap::new();
        for e in mg.graph.edge_indices() {
            let (a, b) = mg.graph.edge_endpoints(e).expect("edge");
            let (ma, mb) = (mg.graph[a], mg.graph[b]);
            if let (Some(da), Some(db)) = (asg.domain_of[ma as usize], asg.domain_of[mb as usize])
                && da != db
            {
                edges
                    .entry((da, db))
                    .or_default()
                    .extend(mg.graph[e].iter().copied());
            }
        }
        for ((a, b), mut refs) in edges {
            refs.sort_unstable();
            graph.add_edge(node[a], node[b], refs);
        }
        DomainGraph { graph, node }
    }

    /// References from domain `a` to domain `b`.
    pub fn refs(&self, a: DomainId, b: DomainId) -> &[usize] {
        match self.graph.find_edge(self.node[a], self.node[b]) {
            Some(e) => &self.graph[e],
            None => &[],
        }
    }
}
