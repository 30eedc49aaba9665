//! Dependency structure matrices for `cargo domains report`: the order of the rows (what a
//! node uses comes before it, strongly connected groups kept together), the cells (reference
//! counts), the groups to outline and the cells to cut.
//!
//! Rows and columns are the same nodes in the same order; the cell in row `r`, column `c`
//! counts the references from node `r` to node `c`. Nodes come in layered order, the ones
//! that use nothing first, so a dependency on an earlier node is below the diagonal and
//! one above the diagonal points up: those are exactly the dependencies to cut, inside the
//! outlined cycle groups.

use std::collections::{BTreeMap, BTreeSet};

use crate::analysis::Checked;
use crate::graph::fas;
use crate::modules::ModuleId;

/// The layered order of a weighted digraph.
#[derive(Clone, Debug, PartialEq)]
pub struct Ordering {
    /// Nodes in matrix order.
    pub order: Vec<usize>,
    /// Layer of each node (by node id): 0 uses nothing outside its own cycle group.
    pub level: Vec<usize>,
    /// `(first position, length)` of each strongly connected group of two or more nodes.
    pub blocks: Vec<(usize, usize)>,
    /// The dependencies `(from, to)` that point up (above the diagonal): the cut.
    pub cut: BTreeSet<(usize, usize)>,
}

/// Orders nodes `0..names.len()` for a matrix. `edges` are `(from, to, weight)`; `hint` is a
/// cut to use where it breaks every cycle of a group (the `domain-cycle` rule's), otherwise
/// the group's own minimum feedback arc set ([`fas`]) is cut. Ties go by name.
pub fn order(
    names: &[&str],
    edges: &[(usize, usize, f64)],
    hint: &BTreeSet<(usize, usize)>,
) -> Ordering {
    let n = names.len();
    let edges: Vec<(usize, usize, f64)> = edges.iter().copied().filter(|e| e.0 != e.1).collect();
    let comps = fas::sccs(n, &edges);
    let mut comp_of = vec![0usize; n];
    for (i, c) in comps.iter().enumerate() {
        for &v in c {
            comp_of[v] = i;
        }
    }
    // Condensation levels: a group's level is one more than the highest group it uses.
    let k = comps.len();
    let mut succ: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); k];
    let mut pred: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); k];
    for &(a, b, _) in &edges {
        let (ca, cb) = (comp_of[a], comp_of[b]);
        if ca != cb {
            succ[ca].insert(cb);
            pred[cb].insert(ca);
        }
    }
    let mut left: Vec<usize> = succ.iter().map(|s| s.len()).collect();
    let mut ready: Vec<usize> = (0..k).filter(|c| left[*c] == 0).collect();
    let mut clevel = vec![0usize; k];
    while let Some(c) = ready.pop() {
        for &p in &pred[c] {
            clevel[p] = clevel[p].max(clevel[c] + 1);
            left[p] -= 1;
            if left[p] == 0 {
                ready.push(p);
            }
        }
    }
    let key = |c: usize| comps[c].iter().map(|v| names[*v]).min().unwrap_or_default();
    let mut corder: Vec<usize> = (0..k).collect();
    corder.sort_by(|a, b| (clevel[*a], key(*a), *a).cmp(&(clevel[*b], key(*b), *b)));

    let mut out = Ordering {
        order: Vec::with_capacity(n),
        level: (0..n).map(|v| clevel[comp_of[v]]).collect(),
        blocks: Vec::new(),
        cut: BTreeSet::new(),
    };
    for c in corder {
        let members = &comps[c];
        if members.len() == 1 {
            out.order.push(members[0]);
            continue;
        }
        let inside: Vec<(usize, usize, f64)> = edges
            .iter()
            .copied()
            .filter(|(a, b, _)| comp_of[*a] == c && comp_of[*b] == c)
            .collect();
        let hinted: BTreeSet<(usize, usize)> = inside
            .iter()
            .map(|e| (e.0, e.1))
            .filter(|e| hint.contains(e))
            .collect();
        let within = topological(members, &inside, &hinted, names).unwrap_or_else(|| {
            let (cut, _) = fas::feedback_arc_set(n, &inside);
            let cut: BTreeSet<(usize, usize)> =
                cut.iter().map(|i| (inside[*i].0, inside[*i].1)).collect();
            topological(members, &inside, &cut, names)
                .expect("a feedback arc set breaks every cycle")
        });
        let mut pos = BTreeMap::new();
        for (i, v) in within.iter().enumerate() {
            pos.insert(*v, i);
        }
        for &(a, b, _) in &inside {
            if pos[&a] < pos[&b] {
                out.cut.insert((a, b));
            }
        }
        out.blocks.push((out.order.len(), within.len()));
        out.order.extend(within);
    }
    out
}

/// The members in an order where every edge not in `cut` goes from a later node to an
/// earlier one (what is used first), ties by name; `None` if the cut leaves a cycle.
fn topological(
    members: &[usize],
    inside: &[(usize, usize, f64)],
    cut: &BTreeSet<(usize, usize)>,
    names: &[&str],
) -> Option<Vec<usize>> {
    let mut uses: BTreeMap<usize, usize> = members.iter().map(|v| (*v, 0)).collect();
    let mut users: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &(a, b, _) in inside {
        if !cut.contains(&(a, b)) {
            *uses.get_mut(&a)? += 1;
            users.entry(b).or_default().push(a);
        }
    }
    let mut ready: BTreeSet<(&str, usize)> = uses
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(v, _)| (names[*v], *v))
        .collect();
    let mut out = Vec::with_capacity(members.len());
    while let Some(first) = ready.pop_first() {
        out.push(first.1);
        for u in users.get(&first.1).into_iter().flatten() {
            let left = uses.get_mut(u)?;
            *left -= 1;
            if *left == 0 {
                ready.insert((names[*u], *u));
            }
        }
    }
    (out.len() == members.len()).then_some(out)
}

/// The domain matrix: every domain of the configuration, cells from the domain graph.
pub struct DomainMatrix {
    pub ordering: Ordering,
    /// `(from, to)` domain pair -> the references behind it (indices into `resolution.refs`).
    pub cells: BTreeMap<(usize, usize), Vec<usize>>,
}

pub fn domain_matrix(c: &Checked) -> DomainMatrix {
    let names: Vec<&str> = c.config.domains.iter().map(|d| d.name.as_str()).collect();
    let g = &c.domain_graph.graph;
    let mut cells = BTreeMap::new();
    for e in g.edge_indices() {
        let (a, b) = g.edge_endpoints(e).expect("edge");
        cells.insert((g[a], g[b]), g[e].clone());
    }
    let edges: Vec<(usize, usize, f64)> = cells
        .iter()
        .map(|(k, v)| (k.0, k.1, v.len() as f64))
        .collect();
    let input = crate::graph::view::rules_input(c);
    let hint: BTreeSet<(usize, usize)> = crate::rules::cycle::groups(&input)
        .into_iter()
        .flat_map(|g| g.cut)
        .collect();
    DomainMatrix {
        ordering: order(&names, &edges, &hint),
        cells,
    }
}

/// The matrix of one domain's modules: the dependencies between them.
pub struct ModuleMatrix {
    pub domain: usize,
    /// The modules, by local index.
    pub modules: Vec<ModuleId>,
    pub ordering: Ordering,
    /// `(from, to)` local indices -> number of references.
    pub cells: BTreeMap<(usize, usize), usize>,
}

pub fn module_matrices(c: &Checked) -> Vec<ModuleMatrix> {
    let p = &c.analysis.program;
    let include = |m: usize| c.analysis.include_tests || !p.modules[m].is_test;
    let mut local: Vec<Option<usize>> = vec![None; p.modules.len()];
    let mut out: Vec<ModuleMatrix> = (0..c.config.domains.len())
        .map(|d| ModuleMatrix {
            domain: d,
            modules: Vec::new(),
            ordering: order(&[], &[], &BTreeSet::new()),
            cells: BTreeMap::new(),
        })
        .collect();
    for (m, d) in c.assignment.domain_of.iter().enumerate() {
        if let Some(d) = d
            && include(m)
        {
            local[m] = Some(out[*d].modules.len());
            out[*d].modules.push(m as ModuleId);
        }
    }
    let g = &c.module_graph.graph;
    for e in g.edge_indices() {
        let (a, b) = g.edge_endpoints(e).expect("edge");
        let (ma, mb) = (g[a] as usize, g[b] as usize);
        let (Some(da), Some(db)) = (c.assignment.domain_of[ma], c.assignment.domain_of[mb]) else {
            continue;
        };
        if let (Some(la), Some(lb)) = (local[ma], local[mb])
            && da == db
        {
            out[da].cells.insert((la, lb), g[e].len());
        }
    }
    for mm in &mut out {
        let names: Vec<&str> = mm
            .modules
            .iter()
            .map(|m| p.modules[*m as usize].path.as_str())
            .collect();
        let edges: Vec<(usize, usize, f64)> = mm
            .cells
            .iter()
            .map(|(k, v)| (k.0, k.1, *v as f64))
            .collect();
        mm.ordering = order(&names, &edges, &BTreeSet::new());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_layered(o: &Ordering, edges: &[(usize, usize, f64)]) {
        let mut pos = vec![0; o.order.len()];
        for (i, v) in o.order.iter().enumerate() {
            pos[*v] = i;
        }
        for &(a, b, _) in edges {
            // Above the diagonal (the user before what it uses) exactly when cut.
            assert_eq!(
                pos[a] < pos[b],
                o.cut.contains(&(a, b)),
                "{a}->{b} in {o:?}"
            );
        }
    }

    #[test]
    fn acyclic_graphs_are_layered_with_nothing_to_cut() {
        // app -> orders -> db, app -> db, billing -> db
        let names = ["app", "orders", "db", "billing"];
        let edges = [(0, 1, 1.0), (1, 2, 4.0), (0, 2, 1.0), (3, 2, 2.0)];
        let o = order(&names, &edges, &BTreeSet::new());
        assert_eq!(o.order, [2, 3, 1, 0]);
        assert_eq!(o.level, [2, 1, 0, 1]);
        assert!(o.blocks.is_empty() && o.cut.is_empty());
        check_layered(&o, &edges);
    }

    #[test]
    fn a_cycle_is_one_block_and_its_cheapest_edge_is_cut() {
        // a <-> b (a->b: 5 refs, b->a: 1), c uses a, b uses d.
        let names = ["a", "b", "c", "d"];
        let edges = [(0, 1, 5.0), (1, 0, 1.0), (2, 0, 1.0), (1, 3, 1.0)];
        let o = order(&names, &edges, &BTreeSet::new());
        assert_eq!(o.order, [3, 1, 0, 2]);
        assert_eq!(o.blocks, [(1, 2)]);
        assert_eq!(o.cut, BTreeSet::from([(1, 0)]));
        check_layered(&o, &edges);
        // A hint that breaks the cycle is taken even when it is not the cheapest.
        let o = order(&names, &edges, &BTreeSet::from([(0, 1)]));
        assert_eq!(o.cut, BTreeSet::from([(0, 1)]));
        check_layered(&o, &edges);
        // One that does not is ignored.
        let o = order(&names, &edges, &BTreeSet::from([(2, 0)]));
        assert_eq!(o.cut, BTreeSet::from([(1, 0)]));
    }

    #[test]
    fn self_loops_are_ignored() {
        let o = order(&["a"], &[(0, 0, 3.0)], &BTreeSet::new());
        assert_eq!(o.order, [0]);
        assert!(o.cut.is_empty());
    }
}
