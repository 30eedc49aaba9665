//! Issue 12's invariants, on every fixture and on the cargo example configuration: no two
//! findings for one reference, one `facade-reexport` per re-export statement and target
//! domain (and no other finding for what it re-exports), no `interface-bypass` from a
//! composition root (`depends_on = ["*"]`) unless `interface_for_roots` asks for it.
//!
//! `cargo_example_keeps_the_invariants` needs cargo-0.98.0 in the local cargo registry
//! (`scripts/fetch-corpus.sh` fetches it), so it is `#[ignore]`d: run it with
//! `cargo test --test invariants -- --ignored`. The fixtures `facade`, `marketplace` and
//! `shop` reproduce the shapes it covers (kernel facades over several domains, a root that
//! wires domains with interfaces, references that break two rules) without the registry.

mod common;
use common::*;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

const BOUNDARY: [&str; 4] = [
    "forbidden-dependency",
    "interface-bypass",
    "layer-violation",
    "deprecated-dependency",
];

fn s<'a>(f: &'a Value, key: &str) -> &'a str {
    f[key].as_str().unwrap_or("")
}

/// Where a finding's reference is: file, start and end, and the item it reaches.
fn at(f: &Value) -> String {
    format!(
        "{}:{}:{}-{}:{} -> {}",
        s(f, "file"),
        f["line"],
        f["column"],
        f["end_line"],
        f["end_column"],
        s(f, "to_item")
    )
}

/// The composition roots of a configuration, read by the tool's own parser.
fn roots(config: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(config).unwrap();
    let cfg = cargo_domains::config::parse_str(&text, "domains.toml").unwrap();
    cfg.domains
        .iter()
        .filter(|d| d.depends_on_any)
        .map(|d| d.name.clone())
        .collect()
}

/// Every broken invariant of one `check --format json` output, as a readable line.
fn broken(json: &str, roots: &[String]) -> Vec<String> {
    let doc: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    let findings = doc["findings"].as_array().expect("findings");
    let mut out = Vec::new();
    let mut by_reference: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut facades: BTreeMap<String, usize> = BTreeMap::new();
    for f in findings {
        let rule = s(f, "rule");
        if BOUNDARY.contains(&rule) {
            by_reference.entry(at(f)).or_default().push(rule);
        }
        if rule == "facade-reexport" {
            let key = format!(
                "{}:{}:{} -> {}",
                s(f, "file"),
                f["line"],
                f["column"],
                s(f, "to_domain")
            );
            *facades.entry(key).or_default() += 1;
        }
        let from_root = roots.iter().any(|r| r == s(f, "from_domain"));
        let also = f["also_breaks"].as_array().into_iter().flatten();
        let bypass = rule == "interface-bypass" || also.clone().any(|r| r == "interface-bypass");
        if from_root && bypass {
            out.push(format!(
                "interface bypass from a composition root: {}",
                at(f)
            ));
        }
    }
    for (r, rules) in &by_reference {
        if rules.len() > 1 {
            out.push(format!(
                "{} findings for one reference {r}: {rules:?}",
                rules.len()
            ));
        }
    }
    for (k, n) in &facades {
        if *n > 1 {
            out.push(format!(
                "{n} facade findings for one statement and domain: {k}"
            ));
        }
    }
    // What a facade re-exports is reported by the facade finding alone.
    for f in findings
        .iter()
        .filter(|f| s(f, "rule") == "facade-reexport")
    {
        for g in findings.iter().filter(|g| BOUNDARY.contains(&s(g, "rule"))) {
            let same_place = s(g, "file") == s(f, "file") && g["line"] == f["line"];
            let reexported = f["names"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|n| n.as_str() == Some(s(g, "to_item")));
            if same_place && reexported {
                out.push(format!("a re-export reported twice: {}", at(g)));
            }
        }
    }
    out
}

fn check_json(manifest: &Path, config: &Path) -> Run {
    run(&[
        "check",
        "--manifest-path",
        manifest.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--format",
        "json",
    ])
}

#[test]
fn every_fixture_keeps_the_invariants() {
    let mut checked = Vec::new();
    let mut totals: BTreeMap<String, usize> = BTreeMap::new();
    let mut dirs: Vec<_> = std::fs::read_dir(root().join("fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("domains.toml").is_file())
        .collect();
    dirs.sort();
    for dir in dirs {
        let config = dir.join("domains.toml");
        let r = check_json(&dir.join("Cargo.toml"), &config);
        assert!(
            r.code == 0 || r.code == 1,
            "{}: {}",
            dir.display(),
            r.stderr
        );
        let problems = broken(&r.stdout, &roots(&config));
        assert!(
            problems.is_empty(),
            "{}:\n{}",
            dir.display(),
            problems.join("\n")
        );
        let doc: Value = serde_json::from_str(&r.stdout).unwrap();
        for f in doc["findings"].as_array().unwrap() {
            *totals.entry(s(f, "rule").to_string()).or_default() += 1;
            let two = f["also_breaks"].as_array().is_some_and(|a| !a.is_empty());
            *totals.entry("two rules".into()).or_default() += usize::from(two);
        }
        checked.push(dir.file_name().unwrap().to_string_lossy().into_owned());
    }
    // Not vacuous: the fixtures hold each shape the invariants are about.
    assert!(checked.len() >= 12, "{checked:?}");
    for (shape, at_least) in [
        ("facade-reexport", 6),
        ("interface-bypass", 10),
        ("two rules", 1),
    ] {
        assert!(
            totals.get(shape).copied().unwrap_or(0) >= at_least,
            "{shape}: {totals:?}"
        );
    }
}

/// The root of `marketplace` wires handlers behind other domains' interfaces: exempt by
/// default, every one of those references is a bypass again with `interface_for_roots`.
#[test]
fn the_root_exemption_is_what_hides_its_bypasses() {
    let dir = fixture("marketplace");
    let text = std::fs::read_to_string(dir.join("domains.toml")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let strict = tmp.path().join("strict.toml");
    std::fs::write(
        &strict,
        text.replacen(
            "[settings]\n",
            "[settings]\ninterface_for_roots = true\n",
            1,
        ),
    )
    .unwrap();
    let r = check_json(&dir.join("Cargo.toml"), &strict);
    let problems = broken(&r.stdout, &["root".to_string()]);
    assert!(
        !problems.is_empty()
            && problems
                .iter()
                .all(|p| p.starts_with("interface bypass from a composition root")),
        "{problems:?}"
    );
    let r = check_json(&dir.join("Cargo.toml"), &dir.join("domains.toml"));
    assert_eq!(
        broken(&r.stdout, &["root".to_string()]),
        Vec::<String>::new()
    );
}

#[test]
#[ignore = "needs cargo-0.98.0 in the cargo registry: run scripts/fetch-corpus.sh, then `cargo test --test invariants -- --ignored`"]
fn cargo_example_keeps_the_invariants() {
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .expect("CARGO_HOME or HOME");
    let src = std::fs::read_dir(home.join("registry/src"))
        .expect("no cargo registry: run scripts/fetch-corpus.sh")
        .map(|e| e.unwrap().path().join("cargo-0.98.0"))
        .find(|p| p.join("Cargo.toml").is_file())
        .expect("cargo-0.98.0 is not in the registry: run scripts/fetch-corpus.sh");
    let config = root().join("docs/examples/cargo.domains.toml");
    let r = check_json(&src.join("Cargo.toml"), &config);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let problems = broken(&r.stdout, &roots(&config));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    let count = |rule: &str| {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| s(f, "rule") == rule)
            .count()
    };
    // The numbers of docs/examples/cargo-notes.md ("With issue 12's findings").
    assert_eq!(
        (
            count("forbidden-dependency"),
            count("interface-bypass"),
            count("facade-reexport"),
            count("domain-cycle")
        ),
        (123, 14, 1, 0)
    );
}

/// The checker itself catches what it looks for (so the tests above can fail).
#[test]
fn the_checker_sees_a_reference_reported_twice_and_a_split_facade() {
    let f = |rule: &str, line: u32, to: &str| {
        format!(
            r#"{{"rule":"{rule}","from_domain":"a","to_domain":"b","to_item":"{to}","file":"src/a.rs","line":{line},"column":5,"end_line":{line},"end_column":9,"names":["{to}"]}}"#
        )
    };
    let json = format!(
        r#"{{"findings":[{},{},{},{},{}]}}"#,
        f("forbidden-dependency", 1, "x::B"),
        f("interface-bypass", 1, "x::B"),
        f("facade-reexport", 3, "x::C"),
        f("facade-reexport", 3, "x::D"),
        f("forbidden-dependency", 3, "x::D"),
    );
    let got = broken(&json, &["a".to_string()]);
    assert_eq!(got.len(), 4, "{got:?}");
    assert!(got[0].starts_with("interface bypass from a composition root"));
    assert!(
        got.iter()
            .any(|p| p.starts_with("2 findings for one reference"))
    );
    assert!(got.iter().any(|p| p.starts_with("2 facade findings")));
    assert!(
        got.iter()
            .any(|p| p.starts_with("a re-export reported twice"))
    );
}
