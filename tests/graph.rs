//! `cargo domains graph` and `cargo domains explain` end to end: golden DOT and Mermaid,
//! every DOT output rendered by the real Graphviz, Mermaid parsed structurally, exact
//! `explain` references, escaping of hostile names.
//!
//! Regenerate the golden files with `UPDATE_GOLDEN=1 cargo test --test graph`, then read
//! the diff before committing.

mod common;
use common::*;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use cargo_domains::graph::view::{Cluster, Edge, EdgeStatus, Level, Node, NodeKind, View};
use cargo_domains::report::{dot, mermaid};

fn manifest(name: &str) -> String {
    fixture(name)
        .join("Cargo.toml")
        .to_str()
        .unwrap()
        .to_string()
}

fn graph(name: &str, extra: &[&str]) -> String {
    let m = manifest(name);
    let mut args = vec!["graph", "--manifest-path", m.as_str()];
    args.extend_from_slice(extra);
    let r = run(&args);
    assert_eq!(r.code, 0, "graph {extra:?} on {name}: {}", r.stderr);
    r.stdout
}

fn shop_ready() -> bool {
    fixture("shop").join("domains.toml").exists()
}

fn golden(file: &str, actual: &str) {
    let path = root().join("tests").join("golden").join(file);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run `UPDATE_GOLDEN=1 cargo test --test graph`",
            path.display()
        )
    });
    if expected != actual {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .filter(|(_, (e, a))| e != a)
            .take(5)
            .map(|(i, (e, a))| format!("line {}:\n  expected: {e}\n  actual:   {a}", i + 1))
            .collect();
        panic!(
            "{file} differs from the golden file ({} vs {} lines)\n{}\nrun `UPDATE_GOLDEN=1 cargo test --test graph` if the change is intended",
            expected.lines().count(),
            actual.lines().count(),
            diff.join("\n")
        );
    }
}

/// Every variant the tests render: (fixture, args, golden file name or "").
fn variants() -> Vec<(&'static str, Vec<&'static str>, &'static str)> {
    let mut v = vec![
        ("workspace", vec![], "workspace.domains.dot"),
        (
            "workspace",
            vec!["--level", "module"],
            "workspace.modules.dot",
        ),
        (
            "workspace",
            vec!["--format", "mermaid"],
            "workspace.domains.mmd",
        ),
        (
            "workspace",
            vec!["--format", "mermaid", "--level", "module"],
            "workspace.modules.mmd",
        ),
        ("workspace", vec!["--focus", "billing"], ""),
        (
            "workspace",
            vec!["--level", "module", "--depth", "1", "--focus", "accounts"],
            "",
        ),
    ];
    if shop_ready() {
        v.extend([
            ("shop", vec![], "shop.domains.dot"),
            (
                "shop",
                vec!["--level", "module", "--max-nodes", "100"],
                "shop.modules.dot",
            ),
            ("shop", vec!["--format", "mermaid"], "shop.domains.mmd"),
            (
                "shop",
                vec![
                    "--format",
                    "mermaid",
                    "--level",
                    "module",
                    "--max-nodes",
                    "100",
                ],
                "shop.modules.mmd",
            ),
            ("shop", vec!["--focus", "orders"], ""),
            ("shop", vec!["--level", "module", "--depth", "2"], ""),
            (
                "shop",
                vec!["--level", "module", "--depth", "2", "--focus", "payments"],
                "",
            ),
        ]);
    } else {
        eprintln!("note: fixtures/shop/domains.toml is missing: shop graphs not tested");
    }
    v
}

#[test]
fn golden_dot_and_mermaid() {
    for (name, args, file) in variants() {
        if !file.is_empty() {
            golden(file, &graph(name, &args));
        }
    }
}

#[test]
fn output_is_byte_identical_across_runs() {
    let a = graph("workspace", &["--level", "module"]);
    let b = graph("workspace", &["--level", "module", "--threads", "1"]);
    assert_eq!(a, b);
}

/// `dot`, or `None` (with a note) when it is missing outside CI.
fn dot_binary() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("dot"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "Graphviz `dot` is not on PATH, and CI is set: .ci/run installs it"
        );
        eprintln!("note: Graphviz `dot` not on PATH: rendering tests skipped (they run in CI)");
    }
    found
}

/// Renders DOT with `dot -Tsvg`; panics on a non-zero exit or anything on stderr.
fn render_svg(dot_bin: &PathBuf, what: &str, text: &str) -> String {
    use std::io::Write;
    let mut child = Command::new(dot_bin)
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run dot");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.trim().is_empty(),
        "Graphviz rejected {what}: {}\n{stderr}\n--- input ---\n{text}",
        out.status
    );
    let svg = String::from_utf8(out.stdout).unwrap();
    assert!(svg.contains("<svg"), "{what}: no SVG");
    svg
}

#[test]
fn graphviz_renders_every_dot_output_without_warnings() {
    let Some(dot_bin) = dot_binary() else { return };
    for (name, args, _) in variants() {
        if args.contains(&"mermaid") {
            continue;
        }
        let text = graph(name, &args);
        let svg = render_svg(&dot_bin, &format!("{name} {args:?}"), &text);
        if args.is_empty() {
            for d in ["billing", "accounts", "kernel"] {
                if name == "workspace" {
                    assert!(svg.contains(&format!(">{d}</text>")), "{d} in the SVG");
                }
            }
        }
    }
    render_svg(
        &dot_bin,
        "hostile names",
        &dot::render(&hostile(Level::Domain)),
    );
    render_svg(
        &dot_bin,
        "hostile modules",
        &dot::render(&hostile(Level::Module)),
    );
}

#[test]
fn svg_and_png_formats_render_through_dot() {
    if dot_binary().is_none() {
        return;
    }
    let svg = graph("workspace", &["--format", "svg"]);
    assert!(svg.contains("<svg") && svg.contains("accounts"), "{svg}");
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("g.png");
    let m = manifest("workspace");
    let r = run(&[
        "graph",
        "--manifest-path",
        &m,
        "--format",
        "png",
        "-o",
        png.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert!(r.stderr.contains("wrote "), "{}", r.stderr);
}

#[test]
fn svg_without_graphviz_says_how_to_install_it() {
    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-domains"))
        .args([
            "graph",
            "--manifest-path",
            &manifest("workspace"),
            "--format",
            "svg",
        ])
        .env("PATH", empty.path())
        .env_remove("GRAPHVIZ_DOT")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not on PATH"), "{stderr}");
    assert!(stderr.contains("apt-get install graphviz"), "{stderr}");
    assert!(stderr.contains("brew install graphviz"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn dot_output_is_shaped_as_documented() {
    let d = graph("workspace", &[]);
    assert!(d.starts_with("digraph domains {\n"), "{d}");
    // One node per domain, sorted; the composition root and the kernel drawn distinctly.
    let nodes: Vec<&str> = d
        .lines()
        .filter(|l| l.starts_with("  \"") && !l.contains("->"))
        .map(|l| l.trim().split(' ').next().unwrap())
        .collect();
    assert_eq!(
        nodes,
        [
            "\"accounts\"",
            "\"api\"",
            "\"billing\"",
            "\"kernel\"",
            "\"orders\""
        ]
    );
    assert!(d.contains("composition root") && d.contains("shared kernel"));
    // One edge per depending pair; the forbidden one red and bold, the bypass counted.
    let edge = |a: &str, b: &str| {
        d.lines()
            .find(|l| l.trim_start().starts_with(&format!("\"{a}\" -> \"{b}\" ")))
            .unwrap_or_else(|| panic!("no edge {a} -> {b} in\n{d}"))
            .to_string()
    };
    let forbidden = edge("accounts", "billing");
    assert!(
        forbidden.contains("#d62728") && forbidden.contains("bold"),
        "{forbidden}"
    );
    assert!(forbidden.contains("1 forbidden"), "{forbidden}");
    assert!(edge("orders", "billing").contains("1 bypass"));
    assert!(!edge("orders", "accounts").contains("#d62728"));
    assert_eq!(d.matches(" -> ").count(), 10, "{d}");
    assert!(!d.contains("(unassigned)"), "no unassigned modules here");
    assert!(d.contains("cluster_legend"));

    let m = graph("workspace", &["--level", "module"]);
    for c in ["accounts", "api", "billing", "kernel", "orders"] {
        assert!(
            m.contains(&format!("subgraph \"cluster_{c}\" {{")),
            "cluster {c}"
        );
    }
    // `--depth 1`: one node per crate and domain (billing_profile stays in billing).
    let m1 = graph("workspace", &["--level", "module", "--depth", "1"]);
    assert!(m1.contains("\"billing/shop_accounts\""), "{m1}");
    assert!(m1.contains("<b>shop_accounts::billing_profile</b>"), "{m1}");
    assert!(!m1.contains("shop_billing::ledger"), "{m1}");
    // `--focus`: the domain and its direct neighbours only.
    let f = graph("workspace", &["--focus", "accounts"]);
    assert!(f.contains("\"accounts\" -> \"billing\""));
    assert!(f.contains("\"orders\" -> \"accounts\""));
    assert!(!f.contains("\"orders\" -> \"billing\""), "{f}");
    assert!(!f.contains("\"billing\" -> \"kernel\""), "{f}");
}

/// Parses a Mermaid flowchart: header, node declarations, subgraphs, edges, styles.
fn check_mermaid(text: &str) {
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    assert!(
        header == "flowchart LR" || header == "flowchart TB",
        "header: {header}"
    );
    let mut declared: BTreeSet<String> = BTreeSet::new();
    let mut depth = 0i32;
    let mut edges = 0usize;
    let mut link_styles = Vec::new();
    let is_id = |s: &str| {
        s.len() > 1 && s.starts_with(['n', 'c']) && s[1..].chars().all(|c| c.is_ascii_digit())
    };
    for line in lines {
        let l = line.trim();
        if l.is_empty() || l.starts_with("%%") {
            continue;
        }
        if let Some(rest) = l.strip_prefix("subgraph ") {
            let id = rest.split('[').next().unwrap();
            assert!(is_id(id), "subgraph id {id}");
            assert!(rest.ends_with("\"]"), "subgraph label quoted: {l}");
            depth += 1;
        } else if l == "end" {
            depth -= 1;
            assert!(depth >= 0, "unbalanced end");
        } else if let Some(rest) = l.strip_prefix("linkStyle ") {
            link_styles.push(rest.split(' ').next().unwrap().parse::<usize>().unwrap());
        } else if l.starts_with("classDef ") {
        } else if let Some(rest) = l.strip_prefix("class ") {
            let ids = rest.split(' ').next().unwrap();
            for id in ids.split(',') {
                assert!(declared.contains(id), "class of undeclared {id}");
            }
        } else if l.contains("-->") || l.contains("==>") || l.contains("-.->") {
            let parts: Vec<&str> = l.split(' ').collect();
            let (from, to) = (parts[0], parts[parts.len() - 1]);
            assert!(declared.contains(from), "edge from undeclared {from}: {l}");
            assert!(declared.contains(to), "edge to undeclared {to}: {l}");
            if let Some(i) = l.find('|') {
                let label = &l[i..];
                assert!(label.starts_with("|\"") && label.contains("\"| "), "{l}");
            }
            edges += 1;
        } else {
            let id: String = l
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            assert!(is_id(&id), "node id {id}: {l}");
            let shape = &l[id.len()..];
            assert!(
                ["[\"", "[[\"", "{{\"", "([\""]
                    .iter()
                    .any(|o| shape.starts_with(o)),
                "node shape: {l}"
            );
            // Inside the quotes: no raw quote.
            let inner = shape.trim_start_matches(['[', '{', '(', '"']);
            let inner = inner.trim_end_matches([']', '}', ')', '"']);
            assert!(!inner.contains('"'), "raw quote in label: {l}");
            assert!(declared.insert(id.clone()), "node {id} declared twice");
        }
    }
    assert_eq!(depth, 0, "unbalanced subgraph/end");
    assert!(edges > 0 || declared.len() <= 1, "no edges");
    for s in link_styles {
        assert!(s < edges, "linkStyle {s} of {edges} edges");
    }
}

#[test]
fn mermaid_output_parses() {
    for (name, args, _) in variants() {
        let mut a = args.clone();
        if !a.contains(&"mermaid") {
            a.extend(["--format", "mermaid"]);
        }
        check_mermaid(&graph(name, &a));
    }
    check_mermaid(&mermaid::render(&hostile(Level::Domain)));
    check_mermaid(&mermaid::render(&hostile(Level::Module)));
}

#[test]
fn graph_json_lists_nodes_and_classified_edges() {
    let j = graph("workspace", &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&j).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["level"], "domain");
    let nodes: Vec<&str> = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(nodes, ["accounts", "api", "billing", "kernel", "orders"]);
    let edges = v["edges"].as_array().unwrap();
    let e = edges
        .iter()
        .find(|e| e["from"] == "accounts" && e["to"] == "billing")
        .unwrap();
    assert_eq!(e["status"], "forbidden");
    assert_eq!(e["forbidden_sites"], 1);
    let e = edges
        .iter()
        .find(|e| e["from"] == "orders" && e["to"] == "billing")
        .unwrap();
    assert_eq!(e["status"], "allowed");
    assert_eq!(e["interface_bypasses"], 1);
}

/// `(item, file:line:column, status, reported, path as written)`.
type Row = (String, String, String, bool, String);

/// The rows of `explain --format json`.
fn explain(from: &str, to: &str) -> (serde_json::Value, Vec<Row>) {
    let m = manifest("workspace");
    let r = run(&[
        "explain",
        from,
        to,
        "--manifest-path",
        &m,
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let mut rows = Vec::new();
    for g in v["items"].as_array().unwrap() {
        for s in g["references"].as_array().unwrap() {
            rows.push((
                g["item"].as_str().unwrap().to_string(),
                format!(
                    "{}:{}:{}",
                    s["file"].as_str().unwrap(),
                    s["line"],
                    s["column"]
                ),
                s["status"].as_str().unwrap().to_string(),
                s["reported"].as_bool().unwrap(),
                s["path_as_written"].as_str().unwrap().to_string(),
            ));
        }
    }
    (v, rows)
}

fn row(
    item: &str,
    loc: &str,
    status: &str,
    reported: bool,
    written: &str,
) -> (String, String, String, bool, String) {
    (
        item.into(),
        loc.into(),
        status.into(),
        reported,
        written.into(),
    )
}

#[test]
fn explain_accounts_billing_lists_the_forbidden_references() {
    let (v, rows) = explain("accounts", "billing");
    assert_eq!(v["allowed"], false);
    assert_eq!(v["forbidden_sites"], 1);
    assert_eq!(v["interface_bypasses"], 0);
    let c = "crates/shop_accounts/src/customer.rs";
    let e = "shop_billing::api::BillingStatus";
    let g = "shop_billing::api::BillingStatus::Good";
    assert_eq!(
        rows,
        vec![
            // The one site `check` reports (EXPECTED.md), then the paths it covers.
            row(
                e,
                &format!("{c}:1:5"),
                "forbidden",
                true,
                "shop_billing::api::BillingStatus"
            ),
            row(e, &format!("{c}:9:25"), "forbidden", false, "BillingStatus"),
            row(
                e,
                &format!("{c}:21:29"),
                "forbidden",
                false,
                "BillingStatus::Good"
            ),
            row(
                e,
                &format!("{c}:26:32"),
                "forbidden",
                false,
                "BillingStatus::Good"
            ),
            row(
                g,
                &format!("{c}:21:29"),
                "forbidden",
                false,
                "BillingStatus::Good"
            ),
            row(
                g,
                &format!("{c}:26:32"),
                "forbidden",
                false,
                "BillingStatus::Good"
            ),
        ]
    );
    assert_eq!(v["references"], rows.len());
}

#[test]
fn explain_orders_billing_shows_the_interface_bypass() {
    let (v, rows) = explain("orders", "billing");
    assert_eq!(v["allowed"], true);
    assert_eq!(v["interface"], serde_json::json!(["shop_billing::api"]));
    assert_eq!(v["forbidden_sites"], 0);
    assert_eq!(v["interface_bypasses"], 1);
    let bypass: Vec<_> = rows.iter().filter(|r| r.2 != "allowed").collect();
    assert_eq!(
        bypass,
        vec![&row(
            "shop_billing::ledger::post_entry",
            "crates/shop_orders/src/checkout.rs:34:5",
            "interface_bypass",
            true,
            "shop_billing::ledger::post_entry"
        )]
    );
    // Everything else goes through `shop_billing::api`.
    let k = "crates/shop_orders/src/checkout.rs";
    let allowed: BTreeSet<(String, String, String)> = rows
        .iter()
        .filter(|r| r.2 == "allowed")
        .map(|r| (r.0.clone(), r.1.clone(), r.4.clone()))
        .collect();
    for (item, loc, written) in [
        (
            "shop_billing::api::BillingService",
            "2:25",
            "shop_billing::api::BillingService",
        ),
        (
            "shop_billing::api::ChargeRequest",
            "2:41",
            "shop_billing::api::ChargeRequest",
        ),
        (
            "shop_billing::api::Receipt",
            "2:56",
            "shop_billing::api::Receipt",
        ),
    ] {
        let key = (item.to_string(), format!("{k}:{loc}"), written.to_string());
        assert!(allowed.contains(&key), "{key:?} in {rows:#?}");
    }
    for r in &rows {
        assert!(
            r.0.starts_with("shop_billing::api::") || r.2 != "allowed",
            "allowed reference outside the interface: {r:?}"
        );
    }
    assert_eq!(v["references"], rows.len());
}

#[test]
fn explain_human_output_groups_by_item() {
    let m = manifest("workspace");
    let r = run(&["explain", "accounts", "billing", "--manifest-path", &m]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let o = &r.stdout;
    assert!(
        o.starts_with("accounts -> billing: 6 references to 2 items, forbidden\n"),
        "{o}"
    );
    assert!(
        o.contains("is not in `domains.accounts.depends_on` [\"kernel\"]"),
        "{o}"
    );
    assert!(
        o.contains("\nshop_billing::api::BillingStatus (enum): 4 references\n"),
        "{o}"
    );
    assert!(
        o.contains("crates/shop_accounts/src/customer.rs:1:5    forbidden-dependency"),
        "{o}"
    );
    assert!(
        o.contains("reported by `check`: 1 forbidden-dependency, 0 interface-bypass"),
        "{o}"
    );

    let r = run(&["explain", "kernel", "orders", "--manifest-path", &m]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains("no references from `kernel` to `orders`"),
        "{}",
        r.stdout
    );

    let r = run(&["explain", "accounts", "nope", "--manifest-path", &m]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("`nope` is not a domain"), "{}", r.stderr);
    assert!(
        r.stderr.contains("accounts, api, billing, kernel, orders"),
        "{}",
        r.stderr
    );
}

/// A view whose every name is hostile to DOT, HTML-like labels and Mermaid.
fn hostile(level: Level) -> View {
    let names = [
        "quote\"d",
        "back\\slash\\",
        "<b>{a|b}</b>",
        "new\nline",
        "end",
        "#35; & `tick` ;",
    ];
    let kinds = [
        NodeKind::Domain,
        NodeKind::Shared,
        NodeKind::Root,
        NodeKind::Unassigned,
        NodeKind::Domain,
        NodeKind::Domain,
    ];
    let nodes: Vec<Node> = names
        .iter()
        .zip(kinds)
        .enumerate()
        .map(|(i, (n, kind))| Node {
            key: format!("{n}/{i}"),
            label: n.to_string(),
            domain: Some(n.to_string()),
            kind,
            description: Some(format!("desc \"{n}\"")),
            modules: i,
            lines: 1000 * i as u64,
            cluster: (level == Level::Module).then_some(i),
            // A band name that needs escaping nowhere, on every other node.
            score: (i % 2 == 0).then_some((42.0, "Needs seams")),
        })
        .collect();
    let clusters = names
        .iter()
        .zip(kinds)
        .map(|(n, kind)| Cluster {
            name: n.to_string(),
            kind,
        })
        .collect();
    let statuses = [
        EdgeStatus::Allowed,
        EdgeStatus::Forbidden,
        EdgeStatus::Unchecked,
        EdgeStatus::Internal,
        EdgeStatus::Allowed,
    ];
    let edges = (0..names.len() - 1)
        .map(|i| Edge {
            from: i,
            to: i + 1,
            references: i * 7 + 1,
            status: statuses[i % statuses.len()],
            forbidden_sites: i,
            bypasses: i % 2,
            in_cycle: i == 4,
        })
        .collect();
    View {
        level,
        title: "title \"with\" \\ <tricks>\n".into(),
        nodes,
        clusters: if level == Level::Module {
            clusters
        } else {
            Vec::new()
        },
        edges,
    }
}

#[test]
fn hostile_names_are_escaped() {
    let d = dot::render(&hostile(Level::Module));
    // Ids: quoted, quotes and backslashes escaped, no raw newline inside a statement.
    assert!(d.contains("\"quote\\\"d/0\""), "{d}");
    assert!(d.contains("\"back\\\\slash\\\\/1\""), "{d}");
    assert!(d.contains("\"new\\nline/3\""), "{d}");
    assert!(d.contains("subgraph \"cluster_<b>{a|b}</b>\""), "{d}");
    // HTML-like labels: markup escaped.
    assert!(d.contains("<b>&lt;b&gt;{a|b}&lt;/b&gt;</b>"), "{d}");
    assert!(d.contains("<b>quote&quot;d</b>"), "{d}");
    assert!(d.contains("<b>new<br/>line</b>"), "{d}");
    assert!(!d.contains("new\nline"), "{d}");

    let m = mermaid::render(&hostile(Level::Module));
    assert!(m.contains("quote#quot;d"), "{m}");
    assert!(m.contains("#lt;b#gt;{a#124;b}#lt;/b#gt;"), "{m}");
    assert!(m.contains("#35;35; #amp; #96;tick#96; ;"), "{m}");
    assert!(m.contains("new line"), "{m}");
    // `end` is a label, never an id.
    assert!(!m.lines().any(|l| l.trim().starts_with("end[")), "{m}");
}

#[test]
fn scores_appear_on_domain_nodes_with_scores() {
    let dot = graph("scoring", &["--scores"]);
    for (domain, text) in [
        ("notifications", "<b>100</b> · Ready"),
        // Service readiness (scoring 0.3).
        ("catalog", "<b>68</b> · Needs seams"),
        ("orders", "<b>37</b> · Entangled"),
    ] {
        let line = dot
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("\"{domain}\" [label=")))
            .unwrap_or_else(|| panic!("no node {domain} in\n{dot}"));
        assert!(line.contains(text), "{domain}: {line}");
    }
    // Kernels and the composition root are not scored.
    let kernel = dot
        .lines()
        .find(|l| l.trim_start().starts_with("\"kernel\" [label="))
        .unwrap();
    assert!(
        !kernel.contains(" · Ready") && !kernel.contains("Entangled"),
        "{kernel}"
    );
    // Without the flag the drawing is unchanged.
    assert!(!graph("scoring", &[]).contains(" · Ready"));
    let mermaid = graph("scoring", &["--scores", "--format", "mermaid"]);
    assert!(mermaid.contains("score 100 · Ready"), "{mermaid}");
    check_mermaid(&mermaid);
    let json: serde_json::Value =
        serde_json::from_str(&graph("scoring", &["--scores", "--format", "json"])).unwrap();
    let n = json["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == "orders")
        .unwrap();
    assert_eq!(n["band"], "Entangled");
    if let Some(bin) = dot_binary() {
        render_svg(&bin, "scoring --scores", &dot);
    }
}

/// `graph ARGS --format json` on a fixture: (node ids, (from, to, references) edges), and stderr.
fn graph_json(name: &str, args: &[&str]) -> (Vec<String>, Vec<(String, String, u64)>, String) {
    let m = manifest(name);
    let mut all = vec!["graph", "--manifest-path", m.as_str(), "--format", "json"];
    all.extend_from_slice(args);
    let r = run(&all);
    assert_eq!(r.code, 0, "graph {args:?}: {}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let nodes = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect();
    let edges = v["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["from"].as_str().unwrap().to_string(),
                e["to"].as_str().unwrap().to_string(),
                e["references"].as_u64().unwrap(),
            )
        })
        .collect();
    (nodes, edges, r.stderr)
}

#[test]
fn large_module_graphs_collapse_to_the_depth_that_fits_and_say_so() {
    if !shop_ready() {
        return;
    }
    // shop has 81 modules: above the default 60, so the drawing collapses.
    let (full, _, stderr) = graph_json("shop", &["--level", "module", "--max-nodes", "100"]);
    assert_eq!(full.len(), 81);
    assert!(stderr.is_empty(), "{stderr}");
    let (fitted, edges, stderr) = graph_json("shop", &["--level", "module"]);
    let (at2, edges2, _) = graph_json("shop", &["--level", "module", "--depth", "2"]);
    let (at3, _, _) = graph_json("shop", &["--level", "module", "--depth", "3"]);
    // The deepest depth that fits: depth 3 does not, depth 2 does.
    assert!(at3.len() > 60, "{}", at3.len());
    assert!(at2.len() <= 60);
    assert_eq!((fitted, edges), (at2.clone(), edges2));
    assert!(
        stderr.contains("81 nodes, more than --max-nodes 60")
            && stderr.contains("deeper than 2 path segments")
            && stderr.contains(&format!("({} nodes)", at2.len()))
            && stderr.contains("--depth N"),
        "{stderr}"
    );
    // An explicit --depth is obeyed, silently.
    let (_, _, stderr) = graph_json("shop", &["--level", "module", "--depth", "3"]);
    assert!(stderr.is_empty(), "{stderr}");
    // A smaller limit collapses further; at depth 1 nothing is left to collapse.
    let (tiny, _, stderr) = graph_json("shop", &["--level", "module", "--max-nodes", "3"]);
    let (at1, _, _) = graph_json("shop", &["--level", "module", "--depth", "1"]);
    assert_eq!(tiny, at1);
    assert!(stderr.contains("deeper than 1 path segment "), "{stderr}");
}

#[test]
fn cut_draws_only_the_dependencies_the_cycle_report_cuts() {
    if !shop_ready() {
        return;
    }
    // shop's one cycle is payments <-> orders; the cheaper side to cut is payments -> orders.
    let (nodes, edges, _) = graph_json("shop", &["--cut"]);
    let (_, all, _) = graph_json("shop", &[]);
    let refs = all
        .iter()
        .find(|e| e.0 == "payments" && e.1 == "orders")
        .unwrap()
        .2;
    assert!(all.iter().any(|e| e.0 == "orders" && e.1 == "payments"));
    assert_eq!(nodes, ["orders", "payments"]);
    assert_eq!(edges, [("payments".into(), "orders".into(), refs)]);
    // Module level: the module edges behind that dependency, as `edges` lists them.
    let (nodes, edges, _) = graph_json("shop", &["--level", "module", "--cut"]);
    let m = manifest("shop");
    let r = run(&["edges", "--manifest-path", &m, "--format", "json"]);
    let listed: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let in_domain = |m: &str, d: &str| {
        m.starts_with(&format!("shop::{d}")) || m.starts_with(&format!("shop::api::{d}"))
    };
    let mut expected: BTreeSet<(String, String)> = BTreeSet::new();
    let mut expected_refs = 0;
    for e in listed.as_array().unwrap() {
        let (a, b) = (
            e["from_module"].as_str().unwrap(),
            e["to_module"].as_str().unwrap(),
        );
        if in_domain(a, "payments") && in_domain(b, "orders") {
            expected.insert((format!("payments/{a}"), format!("orders/{b}")));
            expected_refs += 1;
        }
    }
    let drawn: BTreeSet<(String, String)> =
        edges.iter().map(|e| (e.0.clone(), e.1.clone())).collect();
    assert_eq!(drawn, expected);
    assert_eq!(edges.iter().map(|e| e.2).sum::<u64>(), expected_refs);
    assert_eq!(expected_refs, refs);
    let ends: BTreeSet<String> = edges
        .iter()
        .flat_map(|e| [e.0.clone(), e.1.clone()])
        .collect();
    assert_eq!(nodes.into_iter().collect::<BTreeSet<_>>(), ends);
    // No cycle, nothing to cut: an empty drawing, and a note.
    let (nodes, edges, stderr) = graph_json("workspace", &["--cut"]);
    assert!(nodes.is_empty() && edges.is_empty(), "{nodes:?} {edges:?}");
    assert!(stderr.contains("no domain cycle"), "{stderr}");
}

#[test]
fn hide_root_leaves_out_the_composition_root() {
    if !shop_ready() {
        return;
    }
    let (nodes, edges, _) = graph_json("shop", &[]);
    assert!(nodes.iter().any(|n| n == "app"));
    let (hidden, hidden_edges, _) = graph_json("shop", &["--hide-root"]);
    let kept: Vec<String> = nodes.iter().filter(|n| *n != "app").cloned().collect();
    assert_eq!(hidden, kept);
    let kept_edges: Vec<_> = edges
        .into_iter()
        .filter(|e| e.0 != "app" && e.1 != "app")
        .collect();
    assert_eq!(hidden_edges, kept_edges);
    let (modules, _, _) = graph_json(
        "shop",
        &["--level", "module", "--hide-root", "--depth", "2"],
    );
    assert!(!modules.is_empty());
    assert!(
        modules.iter().all(|m| !m.starts_with("app/")),
        "{modules:?}"
    );
    let dot = graph("shop", &["--hide-root"]);
    assert!(!dot.contains("\"app\" ["), "{dot}");
}
