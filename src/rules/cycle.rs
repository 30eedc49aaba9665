//! `domain-cycle`: domains whose actual dependencies (every non-test reference, allowed or
//! not) form a cycle. Per strongly connected component of the domain graph, the shortest
//! cycle through each of its edges is reported once, every edge with an example reference.

use std::collections::{BTreeSet, VecDeque};

use petgraph::algo::tarjan_scc;
use petgraph::visit::EdgeRef;

use super::{CycleEdge, Finding, Input, Rule};
use crate::config::{DomainId, Level};

/// At most this many cycles per strongly connected component.
const MAX_CYCLES_PER_COMPONENT: usize = 20;

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    let level = Rule::DomainCycle.level(input.config);
    if level == Level::Allow {
        return;
    }
    for cycle in cycles(input) {
        out.push(finding(input, level, cycle));
    }
}

/// Every reported cycle as a list of domains, first domain repeated at the end.
pub fn cycles(input: &Input) -> Vec<Vec<DomainId>> {
    // A dependency made only of re-exports (`pub use`) is the facade-reexport rule's finding:
    // it does not make a cycle of its own.
    let refs = &input.resolution.refs;
    let g = &input.domain_graph.graph.filter_map(
        |_, d| Some(*d),
        |_, ids| {
            ids.iter()
                .any(|i| refs[*i].reexport.is_none())
                .then(|| ids.clone())
        },
    );
    let mut found: Vec<Vec<DomainId>> = Vec::new();
    let mut sccs = tarjan_scc(g);
    for scc in sccs.iter_mut() {
        scc.sort_by_key(|n| g[*n]);
    }
    sccs.sort_by_key(|s| g[s[0]]);
    for scc in sccs.into_iter().filter(|s| s.len() > 1) {
        let members: BTreeSet<DomainId> = scc.iter().map(|n| g[*n]).collect();
        let mut seen: BTreeSet<Vec<DomainId>> = BTreeSet::new();
        let mut edges: Vec<(DomainId, DomainId)> = g
            .edge_references()
            .map(|e| (g[e.source()], g[e.target()]))
            .filter(|(a, b)| members.contains(a) && members.contains(b))
            .collect();
        edges.sort();
        for (a, b) in edges {
            let Some(mut path) = shortest_path(g, input, b, a, &members) else {
                continue;
            };
            path.insert(0, a);
            // Rotate so the smallest domain id comes first: one representation per cycle.
            let body = &path[..path.len() - 1];
            let min = body
                .iter()
                .enumerate()
                .min_by_key(|(_, d)| **d)
                .map(|(i, _)| i)
                .unwrap_or(0);
            let mut rotated: Vec<DomainId> = body[min..]
                .iter()
                .chain(body[..min].iter())
                .copied()
                .collect();
            rotated.push(rotated[0]);
            if seen.insert(rotated.clone()) && seen.len() <= MAX_CYCLES_PER_COMPONENT {
                found.push(rotated);
            }
        }
    }
    found
}

fn shortest_path(
    g: &petgraph::graph::DiGraph<DomainId, crate::graph::RefIds>,
    input: &Input,
    from: DomainId,
    to: DomainId,
    members: &BTreeSet<DomainId>,
) -> Option<Vec<DomainId>> {
    let node = &input.domain_graph.node;
    let mut prev: Vec<Option<DomainId>> = vec![None; node.len()];
    let mut queue = VecDeque::from([from]);
    let mut visited = BTreeSet::from([from]);
    while let Some(cur) = queue.pop_front() {
        if cur == to {
            let mut path = vec![to];
            let mut c = to;
            while let Some(p) = prev[c] {
                path.push(p);
                c = p;
            }
            path.reverse();
            return Some(path);
        }
        let mut next: Vec<DomainId> = g
            .neighbors(node[cur])
            .map(|n| g[n])
            .filter(|d| members.contains(d))
            .collect();
        next.sort_unstable();
        for n in next {
            if visited.insert(n) {
                prev[n] = Some(cur);
                queue.push_back(n);
            }
        }
    }
    None
}

fn finding(input: &Input, level: Level, cycle: Vec<DomainId>) -> Finding {
    let p = input.program;
    let refs = &input.resolution.refs;
    let names = |d: DomainId| input.config.domains[d].name.as_str();
    let mut edges = Vec::new();
    for w in cycle.windows(2) {
        let ids = input.domain_graph.refs(w[0], w[1]);
        // Example: the clearest reference (a named item written in code, not a method call
        // or a bare module import), then the first by file, line, column.
        let example = ids
            .iter()
            .copied()
            .min_by(|a, b| {
                let (ra, rb) = (&refs[*a], &refs[*b]);
                let weak = |r: &crate::resolve::Reference| {
                    (
                        r.ctx == crate::modules::Ctx::Method,
                        r.kind == crate::resolve::RefKind::Mod,
                    )
                };
                (weak(ra), p.file_rel(ra.file), ra.span.start).cmp(&(
                    weak(rb),
                    p.file_rel(rb.file),
                    rb.span.start,
                ))
            })
            .expect("a domain graph edge has references");
        edges.push(CycleEdge {
            from: w[0],
            to: w[1],
            references: ids.len(),
            example,
        });
    }
    let chain: Vec<&str> = cycle.iter().map(|d| names(*d)).collect();
    let first = &refs[edges[0].example];
    let detail: Vec<String> = edges
        .iter()
        .map(|e| {
            let r = &refs[e.example];
            format!(
                "{} -> {}: {} reference(s), e.g. `{}` at {}:{}:{}",
                names(e.from),
                names(e.to),
                e.references,
                r.item,
                p.file_rel(r.file),
                r.span.start.line,
                r.span.start.col + 1
            )
        })
        .collect();
    Finding {
        rule: Rule::DomainCycle,
        level,
        message: format!(
            "domains depend on each other in a cycle: {}",
            chain.join(" -> ")
        ),
        label: format!(
            "{} -> {} starts here",
            names(edges[0].from),
            names(edges[0].to)
        ),
        help: format!(
            "{}\nbreak the cycle by cutting the cheapest edge: invert it with a trait owned by the used domain, or publish an event",
            detail.join("\n")
        ),
        file: first.file,
        span: first.span,
        from_module: None,
        from_domain: Some(cycle[0]),
        to_domain: Some(cycle[1]),
        reference: Some(edges[0].example),
        cycle: edges,
        modules: Vec::new(),
        names: Vec::new(),
        also: Vec::new(),
    }
}
