//! `domain-cycle`: domains whose actual dependencies (every non-test reference, allowed or
//! not, re-exports aside) form a cycle. One finding per strongly connected group of domains,
//! with the cheapest set of dependencies to cut (the feedback arc set `score` uses, weighted
//! by reference count), each with an example site and the shortest cycle through it. A group
//! that only forbidden dependencies close is not a second error: those findings say so.

use std::collections::{BTreeSet, VecDeque};

use super::{CycleEdge, Finding, Input, Rule};
use crate::config::{DomainId, Level};
use crate::graph::fas;

/// Cut edges shown in the human message; the JSON has all of them.
const SHOWN: usize = 8;

/// A strongly connected group of domains and what to cut.
pub struct Group {
    /// Business domains first, then shared kernels, then composition roots; by name.
    pub members: Vec<DomainId>,
    /// The dependencies to cut, cheapest set first found (exact up to 16 domains).
    pub cut: Vec<(DomainId, DomainId)>,
    /// Whether every cycle of the group goes through a forbidden dependency.
    pub only_forbidden: bool,
    /// The dependencies inside the group, with their reference counts.
    pub inside: Vec<(usize, usize, f64)>,
}

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    let level = Rule::DomainCycle.level(input.config);
    if level == Level::Allow {
        return;
    }
    for g in groups(input) {
        if g.only_forbidden {
            note_forbidden(input, out, &g);
        } else {
            out.push(finding(input, level, &g));
        }
    }
}

/// The number of references behind each dependency between two domains, re-exports aside:
/// a dependency made only of `pub use` is the facade-reexport rule's finding.
fn weighted_edges(input: &Input) -> Vec<(usize, usize, f64)> {
    let refs = &input.resolution.refs;
    let g = &input.domain_graph.graph;
    let mut edges: Vec<(usize, usize, f64)> = g
        .edge_indices()
        .filter_map(|e| {
            let (a, b) = g.edge_endpoints(e)?;
            let n = g[e].iter().filter(|i| refs[**i].reexport.is_none()).count();
            (n > 0).then_some((g[a], g[b], n as f64))
        })
        .collect();
    edges.sort_by_key(|e| (e.0, e.1));
    edges
}

/// Every strongly connected group of two or more domains.
pub fn groups(input: &Input) -> Vec<Group> {
    let n = input.config.domains.len();
    let edges = weighted_edges(input);
    let allowed: Vec<(usize, usize, f64)> = edges
        .iter()
        .copied()
        .filter(|(a, b, _)| super::allowance::permitted(input, *a, *b))
        .collect();
    let allowed_sccs = fas::sccs(n, &allowed);
    let mut out = Vec::new();
    for scc in fas::sccs(n, &edges).into_iter().filter(|s| s.len() > 1) {
        let inside: Vec<(usize, usize, f64)> = edges
            .iter()
            .copied()
            .filter(|(a, b, _)| scc.contains(a) && scc.contains(b))
            .collect();
        let (cut, _) = fas::feedback_arc_set(n, &inside);
        let only_forbidden = !allowed_sccs
            .iter()
            .any(|s| s.len() > 1 && s.iter().all(|d| scc.contains(d)));
        let mut members = scc.clone();
        members.sort_by_key(|d| rank(input, *d));
        out.push(Group {
            members,
            cut: cut.iter().map(|i| (inside[*i].0, inside[*i].1)).collect(),
            only_forbidden,
            inside,
        });
    }
    out.sort_by_key(|g| {
        g.members
            .iter()
            .map(|d| rank(input, *d))
            .collect::<Vec<_>>()
    });
    out
}

/// Business domains before shared kernels before composition roots, then by name.
fn rank<'a>(input: &Input<'a>, d: DomainId) -> (u8, &'a str) {
    let dom = &input.config.domains[d];
    let kind = if dom.depends_on_any {
        2
    } else if dom.shared {
        1
    } else {
        0
    };
    (kind, dom.name.as_str())
}

/// The shortest cycle through `a -> b` inside the group: `[a, b, .., a]`.
fn cycle_through(input: &Input, g: &Group, a: DomainId, b: DomainId) -> Vec<DomainId> {
    let edges = &g.inside;
    let members: BTreeSet<DomainId> = g.members.iter().copied().collect();
    let mut prev: Vec<Option<DomainId>> = vec![None; input.config.domains.len()];
    let mut queue = VecDeque::from([b]);
    let mut seen = BTreeSet::from([b]);
    while let Some(cur) = queue.pop_front() {
        if cur == a {
            break;
        }
        let mut next: Vec<DomainId> = edges
            .iter()
            .filter(|(x, y, _)| *x == cur && members.contains(y))
            .map(|e| e.1)
            .collect();
        next.sort_by_key(|d| rank(input, *d));
        for n in next {
            if seen.insert(n) {
                prev[n] = Some(cur);
                queue.push_back(n);
            }
        }
    }
    let mut back = vec![a];
    let mut c = a;
    while c != b {
        match prev[c] {
            Some(p) => {
                back.push(p);
                c = p;
            }
            None => return vec![a, b, a],
        }
    }
    back.reverse();
    back.insert(0, a);
    back
}

/// The clearest reference behind `a -> b`: a named item written in code (not a method call
/// or a bare module import), then the first by file, line, column.
fn example(input: &Input, a: DomainId, b: DomainId) -> CycleEdge {
    let p = input.program;
    let refs = &input.resolution.refs;
    let ids = input.domain_graph.refs(a, b);
    let weak = |r: &crate::resolve::Reference| {
        (
            r.reexport.is_some(),
            r.ctx == crate::modules::Ctx::Method,
            r.kind == crate::resolve::RefKind::Mod,
        )
    };
    let ex = ids
        .iter()
        .copied()
        .min_by(|x, y| {
            let (rx, ry) = (&refs[*x], &refs[*y]);
            (weak(rx), p.file_rel(rx.file), rx.span.start).cmp(&(
                weak(ry),
                p.file_rel(ry.file),
                ry.span.start,
            ))
        })
        .expect("a domain graph edge has references");
    CycleEdge {
        from: a,
        to: b,
        references: ids.iter().filter(|i| refs[**i].reexport.is_none()).count(),
        example: ex,
    }
}

fn site(input: &Input, e: &CycleEdge) -> String {
    let r = &input.resolution.refs[e.example];
    format!(
        "`{}` at {}:{}:{}",
        r.item,
        input.program.file_rel(r.file),
        r.span.start.line,
        r.span.start.col + 1
    )
}

fn finding(input: &Input, level: Level, g: &Group) -> Finding {
    let name = |d: DomainId| input.config.domains[d].name.as_str();
    let cut: Vec<CycleEdge> = g.cut.iter().map(|(a, b)| example(input, *a, *b)).collect();
    let first = &cut[0];
    let chain = |c: &[DomainId]| c.iter().map(|d| name(*d)).collect::<Vec<_>>().join(" -> ");
    let shortest = cycle_through(input, g, first.from, first.to);
    let members: Vec<&str> = g.members.iter().map(|d| name(*d)).collect();
    let message = if g.members.len() == 2 {
        format!(
            "domains depend on each other in a cycle: {}",
            chain(&shortest)
        )
    } else {
        format!(
            "{} domains depend on each other in a cycle: {}",
            members.len(),
            members.join(", ")
        )
    };
    let mut lines: Vec<String> = cut
        .iter()
        .take(SHOWN)
        .map(|e| {
            format!(
                "cut {} -> {} ({} reference(s), e.g. {}); it closes {}",
                name(e.from),
                name(e.to),
                e.references,
                site(input, e),
                chain(&cycle_through(input, g, e.from, e.to))
            )
        })
        .collect();
    if cut.len() > SHOWN {
        lines.push(format!(
            "... and {} more to cut (all in `--format json`, field `cut`)",
            cut.len() - SHOWN
        ));
    }
    let r = &input.resolution.refs[first.example];
    Finding {
        rule: Rule::DomainCycle,
        level,
        message,
        label: format!(
            "{} -> {}: cut this dependency",
            name(first.from),
            name(first.to)
        ),
        help: format!(
            "the cheapest {} to cut ({} of the group's {}):\n{}\ninvert each with a trait owned by the used domain, or publish an event; merge the domains if they are one",
            if cut.len() == 1 {
                "dependency"
            } else {
                "dependencies"
            },
            cut.len(),
            g.inside.len(),
            lines.join("\n")
        ),
        file: r.file,
        span: r.span,
        from_module: None,
        from_domain: Some(first.from),
        to_domain: Some(first.to),
        reference: Some(first.example),
        cycle: shortest
            .windows(2)
            .map(|w| example(input, w[0], w[1]))
            .collect(),
        modules: Vec::new(),
        names: g.members.iter().map(|d| name(*d).to_string()).collect(),
        also: Vec::new(),
        cut,
        config_span: None,
    }
}

/// A group that only forbidden dependencies (or dependencies on a higher layer) close: no
/// second error, the findings on its edges say which cycle they close.
fn note_forbidden(input: &Input, out: &mut [Finding], g: &Group) {
    let name = |d: DomainId| input.config.domains[d].name.as_str();
    for f in out
        .iter_mut()
        .filter(|f| matches!(f.rule, Rule::ForbiddenDependency | Rule::LayerViolation))
    {
        let (Some(a), Some(b)) = (f.from_domain, f.to_domain) else {
            continue;
        };
        if g.members.contains(&a) && g.members.contains(&b) {
            let c = cycle_through(input, g, a, b);
            let chain: Vec<&str> = c.iter().map(|d| name(*d)).collect();
            f.help.push_str(&format!(
                "\nthis dependency also closes the cycle {}",
                chain.join(" -> ")
            ));
        }
    }
}
