//! Minimum-weight feedback arc set: the cheapest set of edges whose removal leaves the graph
//! acyclic. Equivalently, the node order that minimises the weight of the edges pointing
//! backwards. Exact (dynamic programming over node subsets, O(2^n·n²)) up to [`EXACT_LIMIT`]
//! nodes per strongly connected component; above that, the greedy heuristic of Eades, Lin
//! and Smyth (1993), which is not minimal in general.

/// Largest strongly connected component solved exactly.
pub const EXACT_LIMIT: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Subset dynamic programming: a true minimum.
    Exact,
    /// Eades-Lin-Smyth greedy ordering: an upper bound.
    Greedy,
}

/// The feedback arc set of a weighted digraph on nodes `0..n`, as indices into `edges`
/// (`(from, to, weight)`, weights ≥ 0). Self-loops are always in the set. Deterministic:
/// ties are broken towards the order of the node ids.
pub fn feedback_arc_set(n: usize, edges: &[(usize, usize, f64)]) -> (Vec<usize>, Method) {
    let mut out: Vec<usize> = Vec::new();
    let mut method = Method::Exact;
    for comp in sccs(n, edges) {
        if comp.len() < 2 {
            continue;
        }
        let order = if comp.len() <= EXACT_LIMIT {
            exact_order(&comp, edges)
        } else {
            method = Method::Greedy;
            greedy_order(&comp, edges)
        };
        let mut rank = vec![usize::MAX; n];
        for (i, v) in order.iter().enumerate() {
            rank[*v] = i;
        }
        for (i, &(a, b, _)) in edges.iter().enumerate() {
            if rank[a] != usize::MAX && rank[b] != usize::MAX && rank[a] > rank[b] {
                out.push(i);
            }
        }
    }
    for (i, &(a, b, _)) in edges.iter().enumerate() {
        if a == b {
            out.push(i);
        }
    }
    out.sort_unstable();
    out.dedup();
    (out, method)
}

/// Strongly connected components (Kosaraju: iterative, unlike petgraph's recursive Tarjan),
/// each sorted, in order of their
/// smallest node.
pub fn sccs(n: usize, edges: &[(usize, usize, f64)]) -> Vec<Vec<usize>> {
    let g = petgraph::graph::DiGraph::<(), ()>::from_edges(
        edges.iter().map(|&(a, b, _)| (a as u32, b as u32)),
    );
    let mut comps: Vec<Vec<usize>> = Vec::new();
    let mut seen = vec![false; n];
    if g.node_count() > 0 {
        for c in petgraph::algo::kosaraju_scc(&g) {
            let mut c: Vec<usize> = c.into_iter().map(|x| x.index()).collect();
            c.sort_unstable();
            for v in &c {
                seen[*v] = true;
            }
            comps.push(c);
        }
    }
    for (v, s) in seen.iter().enumerate() {
        if !s {
            comps.push(vec![v]);
        }
    }
    comps.sort();
    comps
}

/// Weight of the edges `a -> b` inside `comp`, as a dense matrix over positions in `comp`.
fn matrix(comp: &[usize], edges: &[(usize, usize, f64)]) -> Vec<Vec<f64>> {
    let k = comp.len();
    let pos = |v: usize| comp.iter().position(|c| *c == v);
    let mut w = vec![vec![0.0; k]; k];
    for &(a, b, x) in edges {
        if let (Some(i), Some(j)) = (pos(a), pos(b))
            && i != j
        {
            w[i][j] += x;
        }
    }
    w
}

/// The node order with the lightest backward edges: `best[S]` is the cheapest way to place
/// the nodes of `S` first; adding `v` after `S` costs the edges from `v` back into `S`.
fn exact_order(comp: &[usize], edges: &[(usize, usize, f64)]) -> Vec<usize> {
    let k = comp.len();
    let w = matrix(comp, edges);
    let full = (1usize << k) - 1;
    let mut best = vec![f64::INFINITY; 1 << k];
    let mut last = vec![usize::MAX; 1 << k];
    best[0] = 0.0;
    for s in 0..full {
        if best[s].is_infinite() {
            continue;
        }
        for (v, row) in w.iter().enumerate() {
            if s & (1 << v) != 0 {
                continue;
            }
            let back: f64 = row
                .iter()
                .enumerate()
                .filter(|(u, _)| s & (1 << u) != 0)
                .map(|(_, x)| x)
                .sum();
            let t = s | (1 << v);
            let cost = best[s] + back;
            // Strictly better only: the first (lowest-id) choice wins ties.
            if cost < best[t] - 1e-12 {
                best[t] = cost;
                last[t] = v;
            }
        }
    }
    let mut order = Vec::with_capacity(k);
    let mut s = full;
    while s != 0 {
        let v = last[s];
        order.push(comp[v]);
        s &= !(1 << v);
    }
    order.reverse();
    order
}

/// Eades, Lin and Smyth: repeatedly move sinks to the back and sources to the front; when
/// neither exists, move the node with the largest (out − in) weight to the front.
fn greedy_order(comp: &[usize], edges: &[(usize, usize, f64)]) -> Vec<usize> {
    let k = comp.len();
    let w = matrix(comp, edges);
    let mut alive = vec![true; k];
    let (mut front, mut back) = (Vec::new(), Vec::new());
    let deg = |v: usize, alive: &[bool], out: bool| -> f64 {
        (0..k)
            .filter(|u| alive[*u] && *u != v)
            .map(|u| if out { w[v][u] } else { w[u][v] })
            .sum()
    };
    let mut left = k;
    while left > 0 {
        let mut changed = true;
        while changed {
            changed = false;
            for v in 0..k {
                if alive[v] && deg(v, &alive, true) == 0.0 {
                    alive[v] = false;
                    back.push(v);
                    left -= 1;
                    changed = true;
                }
            }
            for v in 0..k {
                if alive[v] && deg(v, &alive, false) == 0.0 {
                    alive[v] = false;
                    front.push(v);
                    left -= 1;
                    changed = true;
                }
            }
        }
        if left == 0 {
            break;
        }
        let v = (0..k)
            .filter(|v| alive[*v])
            .max_by(|a, b| {
                let da = deg(*a, &alive, true) - deg(*a, &alive, false);
                let db = deg(*b, &alive, true) - deg(*b, &alive, false);
                da.partial_cmp(&db)
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(b.cmp(a))
            })
            .expect("a live node");
        alive[v] = false;
        front.push(v);
        left -= 1;
    }
    back.reverse();
    front.into_iter().chain(back).map(|i| comp[i]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weight(edges: &[(usize, usize, f64)], set: &[usize]) -> f64 {
        set.iter().map(|i| edges[*i].2).sum()
    }

    fn acyclic_without(n: usize, edges: &[(usize, usize, f64)], set: &[usize]) -> bool {
        let rest: Vec<_> = edges
            .iter()
            .enumerate()
            .filter(|(i, _)| !set.contains(i))
            .map(|(_, e)| *e)
            .collect();
        sccs(n, &rest).iter().all(|c| c.len() == 1) && rest.iter().all(|e| e.0 != e.1)
    }

    #[test]
    fn dag_has_empty_set() {
        let e = [(0, 1, 1.0), (1, 2, 1.0), (0, 2, 5.0)];
        assert_eq!(feedback_arc_set(3, &e), (vec![], Method::Exact));
    }

    #[test]
    fn two_cycle_cuts_the_lighter_direction() {
        let e = [(0, 1, 7.0), (1, 0, 3.0)];
        assert_eq!(feedback_arc_set(2, &e).0, vec![1]);
        let e = [(0, 1, 2.0), (1, 0, 3.0)];
        assert_eq!(feedback_arc_set(2, &e).0, vec![0]);
    }

    #[test]
    fn symmetric_two_cycle_is_deterministic() {
        let e = [(0, 1, 4.0), (1, 0, 4.0)];
        let a = feedback_arc_set(2, &e);
        assert_eq!(a, feedback_arc_set(2, &e));
        assert_eq!(a.0.len(), 1);
    }

    #[test]
    fn shared_edge_of_two_cycles() {
        // 0->1->2->0 and 0->1->3->0: cutting 0->1 (weight 3) beats cutting both returns (2+2).
        let e = [
            (0, 1, 3.0),
            (1, 2, 5.0),
            (2, 0, 2.0),
            (1, 3, 5.0),
            (3, 0, 2.0),
        ];
        let (set, m) = feedback_arc_set(4, &e);
        assert_eq!(m, Method::Exact);
        assert_eq!(set, vec![0]);
    }

    #[test]
    fn self_loops_are_in_the_set() {
        let e = [(0, 0, 1.0), (0, 1, 1.0)];
        assert_eq!(feedback_arc_set(2, &e).0, vec![0]);
    }

    /// Brute force over every subset on small random graphs: the exact method is minimal.
    #[test]
    fn exact_matches_brute_force() {
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut rnd = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..60 {
            let n = 2 + (rnd() % 5) as usize;
            let mut edges = Vec::new();
            for a in 0..n {
                for b in 0..n {
                    if a != b && rnd() % 3 == 0 {
                        edges.push((a, b, 1.0 + (rnd() % 4) as f64));
                    }
                }
            }
            let (set, _) = feedback_arc_set(n, &edges);
            assert!(acyclic_without(n, &edges, &set));
            let mut best = f64::INFINITY;
            for mask in 0u32..(1 << edges.len()) {
                let s: Vec<usize> = (0..edges.len()).filter(|i| mask & (1 << i) != 0).collect();
                if acyclic_without(n, &edges, &s) {
                    best = best.min(weight(&edges, &s));
                }
            }
            assert!((weight(&edges, &set) - best).abs() < 1e-9, "{edges:?}");
        }
    }

    #[test]
    fn greedy_breaks_every_cycle() {
        // A ring of 20 nodes plus chords: above the exact limit.
        let n = 20;
        let mut edges: Vec<(usize, usize, f64)> = (0..n).map(|i| (i, (i + 1) % n, 1.0)).collect();
        edges.extend((0..n).step_by(3).map(|i| ((i + 5) % n, i, 2.0)));
        let (set, m) = feedback_arc_set(n, &edges);
        assert_eq!(m, Method::Greedy);
        assert!(acyclic_without(n, &edges, &set));
    }
}
