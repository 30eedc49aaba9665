//! The domain graph as SVG without Graphviz: a layered drawing of a [`View`]. Layers come
//! from the matrix order ([`super::dsm::order`]: what a domain uses is drawn below it, the
//! dependencies cut to break cycles point up), the order within a layer from a few barycentre sweeps.
//! Edges are curves coloured as in the DOT output; every text is escaped.

use std::fmt::Write as _;

use super::esc;
use crate::graph::view::{EdgeStatus, NodeKind, View};

const NODE_H: f64 = 46.0;
const LAYER_GAP: f64 = 90.0;
const NODE_GAP: f64 = 28.0;
const MARGIN: f64 = 20.0;

/// Width of a node box for its label and size line (an estimate: the page's sans-serif at
/// 13 px bold and 10 px).
fn node_width(n: &crate::graph::view::Node) -> f64 {
    let label = n.label.chars().count() as f64 * 8.0;
    let size = n.size_text().chars().count() as f64 * 5.6;
    (label.max(size) + 24.0).clamp(90.0, 360.0)
}

fn node_colours(kind: NodeKind) -> (&'static str, &'static str, &'static str) {
    // (fill, border, dash)
    match kind {
        NodeKind::Domain => ("#e8f0fe", "#4a6fa5", ""),
        NodeKind::Shared => ("#fdf3d8", "#b8860b", ""),
        NodeKind::Root => ("#e3f4e1", "#3c8d40", ""),
        NodeKind::Unassigned => ("#ffffff", "#999999", "4 3"),
    }
}

fn edge_colour(v: &View, e: &crate::graph::view::Edge) -> (&'static str, bool) {
    let colour = match e.status {
        EdgeStatus::Forbidden => "#d62728",
        _ if e.in_cycle => "#ef8a17",
        EdgeStatus::Allowed if e.bypasses > 0 => "#8e44ad",
        EdgeStatus::Unchecked => "#aaaaaa",
        _ if v.nodes[e.to].kind == NodeKind::Shared || v.nodes[e.from].kind == NodeKind::Root => {
            "#c4c4c4"
        }
        _ => "#8c8c8c",
    };
    (colour, e.in_cycle || e.status == EdgeStatus::Unchecked)
}

/// Layers (top first) of node indices.
fn layers(v: &View) -> Vec<Vec<usize>> {
    let names: Vec<&str> = v.nodes.iter().map(|n| n.key.as_str()).collect();
    let edges: Vec<(usize, usize, f64)> = v
        .edges
        .iter()
        .map(|e| (e.from, e.to, e.references as f64))
        .collect();
    let o = super::dsm::order(&names, &edges, &Default::default());
    // Longest path over the dependencies not cut: the matrix order is a topological order
    // of them (what is used first), so one pass settles every level, cycle groups included.
    let mut level = vec![0usize; v.nodes.len()];
    let mut uses: Vec<Vec<usize>> = vec![Vec::new(); v.nodes.len()];
    for &(a, b, _) in &edges {
        if a != b && !o.cut.contains(&(a, b)) {
            uses[a].push(b);
        }
    }
    for &n in &o.order {
        level[n] = uses[n].iter().map(|w| level[*w] + 1).max().unwrap_or(0);
    }
    let top = level.iter().copied().max().unwrap_or(0);
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); top + 1];
    for &n in &o.order {
        layers[top - level[n]].push(n);
    }
    layers.retain(|l| !l.is_empty());
    // Barycentre sweeps, down then up.
    let mut pos = vec![0.0f64; v.nodes.len()];
    let set_pos = |layers: &Vec<Vec<usize>>, pos: &mut Vec<f64>| {
        for l in layers {
            for (i, n) in l.iter().enumerate() {
                pos[*n] = i as f64 / l.len().max(1) as f64;
            }
        }
    };
    set_pos(&layers, &mut pos);
    for sweep in 0..6 {
        let down = sweep % 2 == 0;
        let idx: Vec<usize> = if down {
            (1..layers.len()).collect()
        } else {
            (0..layers.len().saturating_sub(1)).rev().collect()
        };
        for li in idx {
            let adj = if down { li - 1 } else { li + 1 };
            let other: std::collections::BTreeSet<usize> = layers[adj].iter().copied().collect();
            let bary = |n: usize| {
                let ps: Vec<f64> = v
                    .edges
                    .iter()
                    .filter_map(|e| {
                        if e.from == n && other.contains(&e.to) {
                            Some(pos[e.to])
                        } else if e.to == n && other.contains(&e.from) {
                            Some(pos[e.from])
                        } else {
                            None
                        }
                    })
                    .collect();
                if ps.is_empty() {
                    pos[n]
                } else {
                    ps.iter().sum::<f64>() / ps.len() as f64
                }
            };
            let mut keyed: Vec<(f64, usize)> = layers[li].iter().map(|n| (bary(*n), *n)).collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            layers[li] = keyed.into_iter().map(|k| k.1).collect();
            set_pos(&layers, &mut pos);
        }
    }
    layers
}

/// The SVG of a domain-level view.
pub fn svg(v: &View) -> String {
    let layers = layers(v);
    let widths: Vec<f64> = v.nodes.iter().map(node_width).collect();
    let row_width = |l: &Vec<usize>| {
        l.iter().map(|n| widths[*n]).sum::<f64>() + NODE_GAP * (l.len().saturating_sub(1)) as f64
    };
    let total_w = layers.iter().map(row_width).fold(200.0f64, f64::max) + 2.0 * MARGIN;
    let total_h = layers.len() as f64 * (NODE_H + LAYER_GAP) - LAYER_GAP + 2.0 * MARGIN + 10.0;
    // Node centres.
    let mut at = vec![(0.0f64, 0.0f64); v.nodes.len()];
    for (li, l) in layers.iter().enumerate() {
        let mut x = (total_w - row_width(l)) / 2.0;
        let y = MARGIN + li as f64 * (NODE_H + LAYER_GAP) + NODE_H / 2.0;
        for n in l {
            at[*n] = (x + widths[*n] / 2.0, y);
            x += widths[*n] + NODE_GAP;
        }
    }
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"graph\" width=\"{total_w:.0}\" height=\"{total_h:.0}\" viewBox=\"0 0 {total_w:.0} {total_h:.0}\" role=\"img\" aria-label=\"{}\">",
        esc(&v.title)
    );
    s.push_str("<defs>");
    for c in [
        "#d62728", "#ef8a17", "#8e44ad", "#aaaaaa", "#c4c4c4", "#8c8c8c",
    ] {
        let _ = write!(
            s,
            "<marker id=\"arrow{}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" fill=\"{c}\"/></marker>",
            &c[1..]
        );
    }
    s.push_str("</defs>");
    for e in &v.edges {
        let (colour, dashed) = edge_colour(v, e);
        let ((x1, y1), (x2, y2)) = (at[e.from], at[e.to]);
        let half = NODE_H / 2.0;
        let d = if (y1 - y2).abs() < 1.0 {
            // Same layer: an arc above the boxes.
            let lift = 30.0 + (x1 - x2).abs() * 0.15;
            format!(
                "M{x1:.1},{:.1} C{x1:.1},{:.1} {x2:.1},{:.1} {x2:.1},{:.1}",
                y1 - half,
                y1 - half - lift,
                y2 - half - lift,
                y2 - half
            )
        } else {
            let (sy, ty) = if y1 < y2 {
                (y1 + half, y2 - half)
            } else {
                (y1 - half, y2 + half)
            };
            let my = (sy + ty) / 2.0;
            format!("M{x1:.1},{sy:.1} C{x1:.1},{my:.1} {x2:.1},{my:.1} {x2:.1},{ty:.1}")
        };
        let width = (1.0 + (e.references.max(1) as f64).log10()).min(5.0);
        let _ = write!(
            s,
            "<path class=\"edge\" d=\"{d}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{width:.1}\"{} marker-end=\"url(#arrow{})\"><title>{} -&gt; {}: {}</title></path>",
            if dashed {
                " stroke-dasharray=\"6 4\""
            } else {
                ""
            },
            &colour[1..],
            esc(&v.nodes[e.from].label),
            esc(&v.nodes[e.to].label),
            esc(&crate::report::dot::edge_label(e).replace('\n', ", "))
        );
        let (lx, ly) = ((x1 + x2) / 2.0, (y1 + y2) / 2.0);
        let _ = write!(
            s,
            "<text class=\"elabel\" x=\"{lx:.1}\" y=\"{ly:.1}\" fill=\"{}\">{}</text>",
            if colour == "#c4c4c4" {
                "#8c8c8c"
            } else {
                colour
            },
            e.references
        );
    }
    for (i, n) in v.nodes.iter().enumerate() {
        let (fill, border, dash) = node_colours(n.kind);
        let (cx, cy) = at[i];
        let w = widths[i];
        let _ = write!(
            s,
            "<g class=\"node\"><title>{}</title><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{NODE_H}\" rx=\"8\" fill=\"{fill}\" stroke=\"{border}\" stroke-width=\"{}\"{}/>",
            esc(n.description.as_deref().unwrap_or(&n.label)),
            cx - w / 2.0,
            cy - NODE_H / 2.0,
            if n.kind == NodeKind::Root { 2.5 } else { 1.2 },
            if dash.is_empty() {
                String::new()
            } else {
                format!(" stroke-dasharray=\"{dash}\"")
            }
        );
        let _ = write!(
            s,
            "<text x=\"{cx:.1}\" y=\"{:.1}\" class=\"nlabel\">{}</text><text x=\"{cx:.1}\" y=\"{:.1}\" class=\"nsize\">{}</text></g>",
            cy - 3.0,
            esc(&n.label),
            cy + 13.0,
            esc(&n.size_text())
        );
    }
    s.push_str("</svg>");
    s
}
