//! `cargo domains graph --format json`: the [`View`] as JSON (schema in docs/graph.md).

use std::io::Write;

use serde::Serialize;

use crate::graph::view::{EdgeStatus, Level, NodeKind, View};

/// Bumped on any incompatible change of this output.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Output<'a> {
    schema_version: u32,
    level: Level,
    title: &'a str,
    nodes: Vec<NodeJson<'a>>,
    edges: Vec<EdgeJson<'a>>,
}

#[derive(Serialize)]
struct NodeJson<'a> {
    id: &'a str,
    label: &'a str,
    domain: Option<&'a str>,
    kind: NodeKind,
    description: Option<&'a str>,
    modules: usize,
    lines: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    band: Option<&'a str>,
}

#[derive(Serialize)]
struct EdgeJson<'a> {
    from: &'a str,
    to: &'a str,
    references: usize,
    status: EdgeStatus,
    forbidden_sites: usize,
    interface_bypasses: usize,
    in_cycle: bool,
}

pub fn write(v: &View, out: &mut dyn Write) -> std::io::Result<()> {
    let o = Output {
        schema_version: SCHEMA_VERSION,
        level: v.level,
        title: &v.title,
        nodes: v
            .nodes
            .iter()
            .map(|n| NodeJson {
                id: &n.key,
                label: &n.label,
                domain: n.domain.as_deref(),
                kind: n.kind,
                description: n.description.as_deref(),
                modules: n.modules,
                lines: n.lines,
                score: n.score.map(|s| s.0),
                band: n.score.map(|s| s.1),
            })
            .collect(),
        edges: v
            .edges
            .iter()
            .map(|e| EdgeJson {
                from: &v.nodes[e.from].key,
                to: &v.nodes[e.to].key,
                references: e.references,
                status: e.status,
                forbidden_sites: e.forbidden_sites,
                interface_bypasses: e.bypasses,
                in_cycle: e.in_cycle,
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &o)?;
    writeln!(out)
}
