//! `cargo domains graph --format mermaid`: a Mermaid `flowchart` of a [`View`], for
//! Markdown that GitHub, GitLab and most wikis render.
//!
//! Node ids are generated (`n0`, `n1`, ... and `c0`, ... for subgraphs), so no name can clash
//! with Mermaid syntax or keywords (`end`); names only appear in quoted labels, escaped by
//! [`label`]. Edge styles are `linkStyle` lines by edge index.

use std::fmt::Write as _;
use std::io::Write;

use crate::graph::view::{self, EdgeStatus, Level, NodeKind, View};

/// Text inside a quoted Mermaid label: characters with a meaning to Mermaid or to the HTML
/// it renders become entity codes (`#quot;`, `#lt;`, `#gt;`, `#amp;`, `#35;`, `#124;`,
/// `#96;`); line breaks become spaces.
pub fn label(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '#' => out.push_str("#35;"),
            '|' => out.push_str("#124;"),
            '`' => out.push_str("#96;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn node_text(n: &view::Node, level: Level) -> String {
    let mut s = format!("<b>{}</b><br/>{}", label(&n.label), label(&n.size_text()));
    if let Some((score, band)) = n.score {
        s.push_str(&format!("<br/>score {score:.0} · {band}"));
    }
    if level == Level::Domain {
        match n.kind {
            NodeKind::Shared => s.push_str("<br/><i>shared kernel</i>"),
            NodeKind::Root => s.push_str("<br/><i>composition root</i>"),
            NodeKind::Unassigned => s.push_str("<br/><i>no domain</i>"),
            NodeKind::Domain => {}
        }
    }
    s
}

fn node_line(n: &view::Node, id: &str, level: Level) -> String {
    let text = node_text(n, level);
    match n.kind {
        NodeKind::Shared => format!("{id}[[\"{text}\"]]"),
        NodeKind::Root => format!("{id}{{{{\"{text}\"}}}}"),
        NodeKind::Unassigned => format!("{id}([\"{text}\"])"),
        NodeKind::Domain => format!("{id}[\"{text}\"]"),
    }
}

pub fn render(v: &View) -> String {
    let mut o = String::new();
    let dir = v.rankdir();
    let _ = writeln!(o, "flowchart {dir}");
    let _ = writeln!(o, "  %% {}", label(&v.title));
    let _ = writeln!(
        o,
        "  %% edges: grey = allowed, red thick = forbidden, purple = bypasses an interface, orange dotted = in a cycle"
    );
    let id = |i: usize| format!("n{i}");
    match v.level {
        Level::Domain => {
            for (i, n) in v.nodes.iter().enumerate() {
                let _ = writeln!(o, "  {}", node_line(n, &id(i), v.level));
            }
        }
        Level::Module => {
            for (ci, c) in v.clusters.iter().enumerate() {
                let _ = writeln!(o, "  subgraph c{ci}[\"{}\"]", label(&c.name));
                for (i, n) in v.nodes.iter().enumerate() {
                    if n.cluster == Some(ci) {
                        let _ = writeln!(o, "    {}", node_line(n, &id(i), v.level));
                    }
                }
                o.push_str("  end\n");
            }
        }
    }
    let mut styles = Vec::new();
    for (k, e) in v.edges.iter().enumerate() {
        let arrow = match (e.status, e.in_cycle) {
            (EdgeStatus::Forbidden, _) => "==>",
            (_, true) | (EdgeStatus::Unchecked, _) => "-.->",
            _ => "-->",
        };
        let labelled = v.level == Level::Domain
            || !matches!(e.status, EdgeStatus::Internal | EdgeStatus::Unchecked);
        let text = if labelled {
            let l = crate::report::dot::edge_label(e)
                .split('\n')
                .map(label)
                .collect::<Vec<_>>()
                .join("<br/>");
            format!("|\"{l}\"|")
        } else {
            String::new()
        };
        let _ = writeln!(o, "  {} {arrow}{text} {}", id(e.from), id(e.to));
        let style = match e.status {
            EdgeStatus::Forbidden => Some("stroke:#d62728,stroke-width:3px,color:#d62728"),
            _ if e.in_cycle => Some("stroke:#ef8a17,stroke-width:2px"),
            EdgeStatus::Allowed if e.bypasses > 0 => Some("stroke:#8e44ad,color:#8e44ad"),
            EdgeStatus::Internal => Some("stroke:#c4c4c4"),
            EdgeStatus::Unchecked => Some("stroke:#aaaaaa"),
            EdgeStatus::Allowed => None,
        };
        if let Some(s) = style {
            styles.push(format!("  linkStyle {k} {s}"));
        }
    }
    for s in styles {
        let _ = writeln!(o, "{s}");
    }
    o.push_str("  classDef domain fill:#e8f0fe,stroke:#4a6fa5,color:#1a1a1a\n");
    o.push_str("  classDef shared fill:#fdf3d8,stroke:#b8860b,color:#1a1a1a\n");
    o.push_str("  classDef root fill:#e3f4e1,stroke:#3c8d40,stroke-width:2px,color:#1a1a1a\n");
    o.push_str(
        "  classDef unassigned fill:#ffffff,stroke:#999999,stroke-dasharray:4 3,color:#555555\n",
    );
    for kind in [
        NodeKind::Domain,
        NodeKind::Shared,
        NodeKind::Root,
        NodeKind::Unassigned,
    ] {
        let ids: Vec<String> = (0..v.nodes.len())
            .filter(|i| v.nodes[*i].kind == kind)
            .map(id)
            .collect();
        if !ids.is_empty() {
            let _ = writeln!(o, "  class {} {}", ids.join(","), kind.as_str());
        }
    }
    o
}

pub fn write(v: &View, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(render(v).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_escape_mermaid_and_html_syntax() {
        assert_eq!(label("a\"b"), "a#quot;b");
        assert_eq!(label("<x>&#y"), "#lt;x#gt;#amp;#35;y");
        assert_eq!(label("a|b`c"), "a#124;b#96;c");
        assert_eq!(label("two\nlines"), "two lines");
        assert_eq!(label("{}[]();\\"), "{}[]();\\");
        // The output of an escape never contains a raw quote, pipe or angle bracket.
        let hostile = "\"<>{}|`#&\\\n";
        let l = label(hostile);
        assert!(!l.contains(['"', '<', '>', '|', '`', '\n']), "{l}");
    }
}
