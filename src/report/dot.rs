//! `cargo domains graph --format dot`: Graphviz DOT of a [`View`].
//!
//! Ids are quoted DOT strings, labels are HTML-like labels (`<...>`) for nodes and quoted
//! strings for edges; [`quote`] and [`html`] escape whatever a name holds. The order of
//! every statement follows the view, which is sorted by name: the output is byte-identical
//! from run to run.

use std::fmt::Write as _;
use std::io::Write;

use crate::graph::view::{self, EdgeStatus, Level, NodeKind, View};

/// A DOT quoted string (`"..."`): `"` and `\` are escaped, line breaks become `\n`
/// (a line break in a label), carriage returns are dropped.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text inside an HTML-like label: `& < > " '` as entities, line breaks as `<br/>`.
pub fn html(s: &str) -> String {
    let lines: Vec<String> = s
        .split('\n')
        .map(|l| crate::report::html::esc(&l.replace('\r', "")))
        .collect();
    lines.join("<br/>")
}

const FONT: &str = "Helvetica,Arial,sans-serif";
const GREY: &str = "#8c8c8c";
const LIGHT: &str = "#c4c4c4";
const RED: &str = "#d62728";
const ORANGE: &str = "#ef8a17";
const PURPLE: &str = "#8e44ad";

struct NodeStyle {
    shape: &'static str,
    style: &'static str,
    fill: &'static str,
    border: &'static str,
    subtitle: Option<&'static str>,
}

fn node_style(kind: NodeKind) -> NodeStyle {
    match kind {
        NodeKind::Domain => NodeStyle {
            shape: "box",
            style: "rounded,filled",
            fill: "#e8f0fe",
            border: "#4a6fa5",
            subtitle: None,
        },
        NodeKind::Shared => NodeStyle {
            shape: "box",
            style: "filled",
            fill: "#fdf3d8",
            border: "#b8860b",
            subtitle: Some("shared kernel"),
        },
        NodeKind::Root => NodeStyle {
            shape: "box",
            style: "rounded,filled,bold",
            fill: "#e3f4e1",
            border: "#3c8d40",
            subtitle: Some("composition root"),
        },
        NodeKind::Unassigned => NodeStyle {
            shape: "box",
            style: "rounded,dashed",
            fill: "#ffffff",
            border: "#999999",
            subtitle: Some("no domain"),
        },
    }
}

/// Pen width from the number of references: 1 for one, +1 per factor of ten, at most 5.
fn penwidth(refs: usize) -> f64 {
    (1.0 + (refs.max(1) as f64).log10()).min(5.0)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The label of a dependency: `12 refs`, then the violations on their own lines.
pub fn edge_label(e: &view::Edge) -> String {
    let mut s = plural(e.references, "ref", "refs");
    if e.forbidden_sites > 0 {
        let _ = write!(s, "\n{} forbidden", e.forbidden_sites);
    }
    if e.bypasses > 0 {
        let _ = write!(s, "\n{}", plural(e.bypasses, "bypass", "bypasses"));
    }
    s
}

fn edge_attrs(v: &View, e: &view::Edge) -> String {
    let cross = e.status != EdgeStatus::Internal;
    let (mut color, mut style, mut width) = match e.status {
        EdgeStatus::Internal => (LIGHT, "solid", 0.8),
        EdgeStatus::Allowed => (GREY, "solid", penwidth(e.references)),
        EdgeStatus::Forbidden => (RED, "bold", penwidth(e.references) + 1.0),
        EdgeStatus::Unchecked => ("#aaaaaa", "dotted", penwidth(e.references)),
    };
    if e.status == EdgeStatus::Allowed && e.bypasses > 0 {
        color = PURPLE;
    }
    if e.in_cycle {
        style = if e.status == EdgeStatus::Forbidden {
            "dashed,bold"
        } else {
            "dashed"
        };
        if e.status != EdgeStatus::Forbidden {
            color = ORANGE;
        }
        width = width.max(1.5);
    }
    let structural = v.level == Level::Domain
        && e.status == EdgeStatus::Allowed
        && e.bypasses == 0
        && !e.in_cycle
        && (v.nodes[e.to].kind == NodeKind::Shared || v.nodes[e.from].kind == NodeKind::Root);
    if structural {
        // Uses of a shared kernel and wiring by the composition root are expected: keep them
        // in the background so the domain-to-domain dependencies stand out.
        color = LIGHT;
        width = width.min(3.0);
    }
    if v.level == Level::Module && e.status == EdgeStatus::Allowed && e.bypasses == 0 {
        // Allowed cross-domain edges stay visible among the internal ones.
        color = "#6b6b6b";
    }
    let mut a = format!("color=\"{color}\", style=\"{style}\", penwidth={width:.1}");
    let labelled = v.level == Level::Domain || (cross && e.status != EdgeStatus::Unchecked);
    if labelled {
        let _ = write!(
            a,
            ", label={}, fontcolor=\"{}\"",
            quote(&edge_label(e)),
            match color {
                GREY => "#555555",
                LIGHT => "#8c8c8c",
                c => c,
            }
        );
    }
    if cross {
        a.push_str(", weight=2");
    }
    if !constrains(v, e) {
        a.push_str(", constraint=false");
    }
    a
}

/// Whether an edge takes part in ranking. Edges that go against the intended layering do
/// not: out of a shared kernel (kernel pollution) and into the composition root. The kernel
/// then stays at the bottom and the root at the top, the offending edges pointing back.
fn constrains(v: &View, e: &view::Edge) -> bool {
    let (from, to) = (&v.nodes[e.from], &v.nodes[e.to]);
    if v.level != Level::Domain {
        return true;
    }
    if from.kind == NodeKind::Shared && to.kind != NodeKind::Shared {
        return false;
    }
    if to.kind == NodeKind::Root {
        return false;
    }
    true
}

fn node_label(n: &view::Node, level: Level) -> String {
    let st = node_style(n.kind);
    let mut s = format!("<<b>{}</b>", html(&n.label));
    let size = n.size_text();
    let _ = write!(
        s,
        "<br/><font point-size=\"9\" color=\"#555555\">{}</font>",
        html(&size)
    );
    if let Some((score, band)) = n.score {
        let color = match band {
            "Ready" => "#2e7d32",
            "Entangled" => "#c62828",
            _ => "#e65100",
        };
        let _ = write!(
            s,
            "<br/><font point-size=\"10\" color=\"{color}\"><b>{score:.0}</b> · {band}</font>"
        );
    }
    if level == Level::Domain
        && let Some(sub) = st.subtitle
    {
        let _ = write!(
            s,
            "<br/><font point-size=\"9\" color=\"{}\"><i>{}</i></font>",
            st.border, sub
        );
    }
    s.push('>');
    s
}

fn node_stmt(out: &mut String, indent: &str, id: &str, n: &view::Node, level: Level) {
    let st = node_style(n.kind);
    let _ = write!(
        out,
        "{indent}{id} [label={}, shape={}, style=\"{}\", fillcolor=\"{}\", color=\"{}\"",
        node_label(n, level),
        st.shape,
        st.style,
        st.fill,
        st.border
    );
    if level == Level::Domain
        && let Some(d) = &n.description
    {
        let _ = write!(out, ", tooltip={}", quote(d));
    }
    out.push_str("];\n");
}

fn node_id(v: &View, i: usize) -> String {
    quote(&v.nodes[i].key)
}

/// Renders the view as DOT.
pub fn render(v: &View) -> String {
    let mut o = String::new();
    let name = match v.level {
        Level::Domain => "domains",
        Level::Module => "modules",
    };
    let _ = writeln!(o, "digraph {name} {{");
    let _ = writeln!(
        o,
        "  graph [rankdir={}, fontname=\"{FONT}\", fontsize=14, labelloc=t, label={}, \
         nodesep=0.5, ranksep=0.8, pad=0.3{}];",
        v.rankdir(),
        quote(&v.title),
        if v.level == Level::Module {
            // newrank: Graphviz 2.43 fails with "trouble in init_rank" on some clustered
            // graphs without it.
            ", compound=true, newrank=true"
        } else {
            ""
        }
    );
    let _ = writeln!(
        o,
        "  node [fontname=\"{FONT}\", fontsize=12, margin=\"0.2,0.08\"];"
    );
    let _ = writeln!(
        o,
        "  edge [fontname=\"{FONT}\", fontsize=10, arrowsize=0.8, color=\"{GREY}\"];"
    );
    match v.level {
        Level::Domain => {
            for i in 0..v.nodes.len() {
                node_stmt(&mut o, "  ", &node_id(v, i), &v.nodes[i], v.level);
            }
        }
        Level::Module => {
            for (ci, c) in v.clusters.iter().enumerate() {
                let st = node_style(c.kind);
                let _ = writeln!(o, "  subgraph {} {{", quote(&format!("cluster_{}", c.name)));
                let kind = match c.kind {
                    NodeKind::Domain => String::new(),
                    k => format!(
                        "<br/><font point-size=\"10\"><i>{}</i></font>",
                        st.subtitle.unwrap_or(k.as_str())
                    ),
                };
                let _ = writeln!(
                    o,
                    "    graph [label=<<b>{}</b>{kind}>, style=\"rounded,filled\", fillcolor=\"#fafafa\", color=\"{}\", fontcolor=\"{}\"];",
                    html(&c.name),
                    st.border,
                    st.border
                );
                for (i, n) in v.nodes.iter().enumerate() {
                    if n.cluster == Some(ci) {
                        node_stmt(&mut o, "    ", &node_id(v, i), n, v.level);
                    }
                }
                o.push_str("  }\n");
            }
            // Module nodes are lighter than domain nodes.
        }
    }
    for e in &v.edges {
        let _ = writeln!(
            o,
            "  {} -> {} [{}];",
            node_id(v, e.from),
            node_id(v, e.to),
            edge_attrs(v, e)
        );
    }
    legend(&mut o, v);
    o.push_str("}\n");
    o
}

/// The legend: one node holding a table of the node kinds present and the edge styles, in a
/// cluster of its own, so it takes no rank of the graph's layout.
fn legend(o: &mut String, v: &View) {
    let mut kinds: Vec<NodeKind> = v.nodes.iter().map(|n| n.kind).collect();
    kinds.sort();
    kinds.dedup();
    let has = |f: &dyn Fn(&view::Edge) -> bool| v.edges.iter().any(f);
    // (sample, colour, text)
    let mut edges: Vec<(&str, &str, &str)> = Vec::new();
    if v.level == Level::Module && has(&|e| e.status == EdgeStatus::Internal) {
        edges.push(("\u{2500}\u{2500}\u{2500}\u{25b6}", LIGHT, "inside a domain"));
    }
    edges.push((
        "\u{2501}\u{2501}\u{2501}\u{25b6}",
        GREY,
        "allowed (width: references)",
    ));
    if v.level == Level::Domain
        && kinds
            .iter()
            .any(|k| matches!(k, NodeKind::Shared | NodeKind::Root))
    {
        edges.push((
            "\u{2501}\u{2501}\u{2501}\u{25b6}",
            LIGHT,
            "allowed, to a kernel or from the root",
        ));
    }
    edges.push(("\u{2501}\u{2501}\u{2501}\u{25b6}", RED, "forbidden"));
    edges.push((
        "\u{2501}\u{2501}\u{2501}\u{25b6}",
        PURPLE,
        "bypasses the interface",
    ));
    edges.push(("\u{254d}\u{254d}\u{254d}\u{25b6}", ORANGE, "in a cycle"));
    if has(&|e| e.status == EdgeStatus::Unchecked) {
        edges.push((
            "\u{2504}\u{2504}\u{2504}\u{25b6}",
            "#aaaaaa",
            "no domain: unchecked",
        ));
    }
    let mut t =
        String::from("<<table border=\"0\" cellborder=\"0\" cellspacing=\"3\" cellpadding=\"2\">");
    t.push_str("<tr><td colspan=\"2\" align=\"left\"><b>Legend</b></td></tr>");
    for k in kinds {
        let st = node_style(k);
        let text = match k {
            NodeKind::Domain => "domain",
            _ => st.subtitle.unwrap_or(""),
        };
        let _ = write!(
            t,
            "<tr><td border=\"1\" color=\"{}\" bgcolor=\"{}\"{}> </td><td align=\"left\">{text}</td></tr>",
            st.border,
            st.fill,
            if k == NodeKind::Unassigned {
                " style=\"dashed\""
            } else {
                ""
            }
        );
    }
    for (sample, color, text) in edges {
        let _ = write!(
            t,
            "<tr><td><font color=\"{color}\">{sample}</font></td><td align=\"left\">{text}</td></tr>"
        );
    }
    t.push_str("</table>>");
    o.push_str("  subgraph cluster_legend {\n");
    o.push_str("    graph [label=\"\", style=\"rounded\", color=\"#bbbbbb\", margin=6];\n");
    let _ = writeln!(
        o,
        "    \"legend\" [shape=plaintext, fontsize=10, fontcolor=\"#333333\", margin=0, label={t}];"
    );
    o.push_str("  }\n");
}

pub fn write(v: &View, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(render(v).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_quotes_backslashes_and_newlines() {
        assert_eq!(quote("plain"), "\"plain\"");
        assert_eq!(quote("a\"b"), "\"a\\\"b\"");
        assert_eq!(quote("back\\slash\\"), "\"back\\\\slash\\\\\"");
        assert_eq!(quote("two\nlines\r\n"), "\"two\\nlines\\n\"");
        assert_eq!(quote("<>{}|;[]="), "\"<>{}|;[]=\"");
        assert_eq!(quote("\\\""), "\"\\\\\\\"\"");
    }

    #[test]
    fn html_labels_escape_markup() {
        assert_eq!(html("<b>&\"'"), "&lt;b&gt;&amp;&quot;&#39;");
        assert_eq!(html("a\nb"), "a<br/>b");
        assert_eq!(html("{x|y}\\"), "{x|y}\\");
    }

    #[test]
    fn pen_width_grows_with_log_of_references() {
        assert_eq!(penwidth(0), 1.0);
        assert_eq!(penwidth(1), 1.0);
        assert!((penwidth(10) - 2.0).abs() < 1e-9);
        assert_eq!(penwidth(10_000_000), 5.0);
    }
}
