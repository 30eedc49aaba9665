//! Louvain community detection (Blondel et al. 2008) on an undirected weighted graph, and
//! Newman's modularity Q. Deterministic: nodes are visited in index order, ties keep the
//! smaller community id.

use std::collections::BTreeMap;

/// An undirected weighted graph as adjacency maps; `adj[a][b] == adj[b][a]`.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    pub adj: Vec<BTreeMap<usize, f64>>,
}

impl Graph {
    pub fn new(n: usize) -> Graph {
        Graph {
            adj: vec![BTreeMap::new(); n],
        }
    }

    pub fn add(&mut self, a: usize, b: usize, w: f64) {
        *self.adj[a].entry(b).or_insert(0.0) += w;
        if a != b {
            *self.adj[b].entry(a).or_insert(0.0) += w;
        }
    }

    fn degree(&self, n: usize) -> f64 {
        // A self loop counts twice in the degree, as in the standard definition.
        self.adj[n]
            .iter()
            .map(|(m, w)| if *m == n { 2.0 * w } else { *w })
            .sum()
    }

    fn total(&self) -> f64 {
        (0..self.adj.len()).map(|n| self.degree(n)).sum::<f64>() / 2.0
    }
}

/// Newman's modularity of a partition (`community[node]`).
pub fn modularity(g: &Graph, community: &[usize]) -> f64 {
    let m = g.total();
    if m == 0.0 {
        return 0.0;
    }
    let k: Vec<f64> = (0..g.adj.len()).map(|n| g.degree(n)).collect();
    let mut inside: BTreeMap<usize, f64> = BTreeMap::new();
    let mut tot: BTreeMap<usize, f64> = BTreeMap::new();
    for (a, nbrs) in g.adj.iter().enumerate() {
        *tot.entry(community[a]).or_insert(0.0) += k[a];
        for (b, w) in nbrs {
            if community[a] == community[*b] {
                // Each internal edge is seen from both ends; a self loop once, but counts twice.
                *inside.entry(community[a]).or_insert(0.0) += if a == *b { 2.0 * w } else { *w };
            }
        }
    }
    tot.iter()
        .map(|(c, t)| inside.get(c).copied().unwrap_or(0.0) / (2.0 * m) - (t / (2.0 * m)).powi(2))
        .sum()
}

/// One level of local moves; returns the community of each node.
fn one_level(g: &Graph) -> Vec<usize> {
    let n = g.adj.len();
    let m2 = 2.0 * g.total();
    let mut comm: Vec<usize> = (0..n).collect();
    if m2 == 0.0 {
        return comm;
    }
    let k: Vec<f64> = (0..n).map(|i| g.degree(i)).collect();
    let mut tot: Vec<f64> = k.clone();
    for _round in 0..100 {
        let mut moved = false;
        for i in 0..n {
            let ci = comm[i];
            // Weights from i to each neighbouring community.
            let mut w_to: BTreeMap<usize, f64> = BTreeMap::new();
            for (j, w) in &g.adj[i] {
                if *j != i {
                    *w_to.entry(comm[*j]).or_insert(0.0) += w;
                }
            }
            tot[ci] -= k[i];
            let gain = |c: usize, w: f64| w - tot[c] * k[i] / m2;
            let mut best = ci;
            let mut best_gain = gain(ci, w_to.get(&ci).copied().unwrap_or(0.0));
            for (c, w) in &w_to {
                let g = gain(*c, *w);
                if g > best_gain + 1e-12 {
                    best = *c;
                    best_gain = g;
                }
            }
            tot[best] += k[i];
            if best != ci {
                comm[i] = best;
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    // Renumber 0..k in order of first appearance.
    let mut ids: BTreeMap<usize, usize> = BTreeMap::new();
    let mut order = Vec::new();
    for c in &comm {
        if !ids.contains_key(c) {
            ids.insert(*c, order.len());
            order.push(*c);
        }
    }
    comm.iter().map(|c| ids[c]).collect()
}

/// Louvain: local moves, then aggregation, until nothing moves. Returns `community[node]`.
pub fn louvain(g: &Graph) -> Vec<usize> {
    let mut membership: Vec<usize> = (0..g.adj.len()).collect();
    let mut level = g.clone();
    for _ in 0..32 {
        let comm = one_level(&level);
        let k = comm.iter().max().map(|m| m + 1).unwrap_or(0);
        if k == level.adj.len() {
            break;
        }
        for m in membership.iter_mut() {
            *m = comm[*m];
        }
        let mut next = Graph::new(k);
        for (a, nbrs) in level.adj.iter().enumerate() {
            for (b, w) in nbrs {
                if a < *b {
                    next.add(comm[a], comm[*b], *w);
                } else if a == *b {
                    next.add(comm[a], comm[a], *w);
                }
            }
        }
        level = next;
    }
    membership
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_cliques() -> Graph {
        let mut g = Graph::new(8);
        for group in [[0, 1, 2, 3], [4, 5, 6, 7]] {
            for (i, a) in group.iter().enumerate() {
                for b in &group[i + 1..] {
                    g.add(*a, *b, 1.0);
                }
            }
        }
        g.add(3, 4, 1.0);
        g
    }

    #[test]
    fn finds_two_cliques_joined_by_one_edge() {
        let g = two_cliques();
        let c = louvain(&g);
        assert!(c[..4].iter().all(|x| *x == c[0]));
        assert!(c[4..].iter().all(|x| *x == c[4]));
        assert_ne!(c[0], c[4]);
        // Known value: 2 * (6/13 - (13/26)^2) = 0.4230...
        assert!(
            (modularity(&g, &c) - 0.423_076_923).abs() < 1e-6,
            "{}",
            modularity(&g, &c)
        );
    }

    #[test]
    fn modularity_of_everything_in_one_community_is_zero() {
        let g = two_cliques();
        assert!(modularity(&g, &[0; 8]).abs() < 1e-12);
    }
}
