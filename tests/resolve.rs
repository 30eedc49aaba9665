//! Name resolution on fixtures/resolve: the exact module edge list, one module per case.

mod common;
use common::*;

fn module_edges(manifest: &std::path::Path, extra: &[&str]) -> Vec<String> {
    let m = manifest.to_str().unwrap();
    let mut args = vec!["edges", "--manifest-path", m];
    args.extend_from_slice(extra);
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut edges: Vec<String> = r
        .stdout
        .lines()
        .filter_map(|l| {
            let mut c = l.split('\t');
            let (a, b) = (c.next()?, c.next()?);
            (a != b).then(|| format!("{a}\t{b}"))
        })
        .collect();
    edges.sort();
    edges.dedup();
    edges
}

#[test]
fn resolve_fixture_has_exactly_the_expected_module_edges() {
    let dir = fixture("resolve");
    let expected: Vec<String> = std::fs::read_to_string(dir.join("EXPECTED_EDGES.tsv"))
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    let actual = module_edges(&dir.join("Cargo.toml"), &[]);
    let missing: Vec<_> = expected.iter().filter(|e| !actual.contains(e)).collect();
    let extra: Vec<_> = actual.iter().filter(|e| !expected.contains(e)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing: {missing:#?}\nextra: {extra:#?}"
    );
}

#[test]
fn test_code_adds_edges_only_with_include_tests() {
    let m = fixture("resolve").join("Cargo.toml");
    let without = module_edges(&m, &[]);
    let with = module_edges(&m, &["--include-tests"]);
    assert!(without.iter().all(|e| with.contains(e)));
    let added: Vec<_> = with.iter().filter(|e| !without.contains(e)).collect();
    assert!(
        added
            .iter()
            .any(|e| e.starts_with("resolve::cfg_test::tests\t")),
        "expected edges from the cfg(test) module, got {added:?}"
    );
}

#[test]
fn edges_json_carries_the_path_as_written_and_location() {
    let m = fixture("resolve").join("Cargo.toml");
    let r = run(&[
        "edges",
        "--manifest-path",
        m.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let edges = v.as_array().unwrap();
    // pub_use_chain: the client writes the facade path, the edge goes to the defining module.
    let e = edges
        .iter()
        .find(|e| {
            e["from_module"] == "resolve::pub_use_chain::client"
                && e["to_module"] == "resolve::pub_use_chain::storage"
        })
        .expect("client -> storage edge");
    assert!(
        e["path_as_written"].as_str().unwrap().contains("api"),
        "{e}"
    );
    assert!(e["line"].as_u64().unwrap() > 0 && e["column"].as_u64().unwrap() > 0);
}

/// `extern crate self as kit;` at the root puts `kit` in the extern prelude: generated code
/// (the `windows` crate) writes `::kit::core::Type` everywhere.
#[test]
fn extern_crate_self_alias_resolves_anywhere() {
    let tmp = temp_crate(
        "kit",
        &[
            (
                "src/lib.rs",
                "extern crate self as kit;\n\npub mod core;\npub mod ui;\n",
            ),
            (
                "src/core.rs",
                "pub struct Handle(pub u32);\npub fn open() -> Handle { Handle(0) }\n",
            ),
            ("src/ui/mod.rs", "pub mod window;\n"),
            (
                "src/ui/window.rs",
                "pub struct Window(::kit::core::Handle);\n\npub fn new() -> Window {\n    Window(kit::core::open())\n}\n",
            ),
        ],
    );
    let m = tmp.path().join("Cargo.toml");
    let edges = module_edges(&m, &[]);
    assert_eq!(edges, ["kit::ui::window\tkit::core"]);
    let r = run(&[
        "edges",
        "--unresolved",
        "--manifest-path",
        m.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.trim().is_empty(), "{}", r.stdout);
}

/// Issue 11, shapes 1 and 2 on fixtures/webapp: paths in diesel and serde attributes (also
/// under `cfg_attr`), a proc-macro crate's macro names, and types a `macro_rules!` call defines.
#[test]
fn attributes_and_macro_made_names_resolve() {
    let m = fixture("webapp").join("Cargo.toml");
    // The `table!` modules' own wiring is diesel's, not the app's: left out here.
    let app_edges = |extra: &[&str]| -> Vec<String> {
        module_edges(&m, extra)
            .into_iter()
            .filter(|e| !e.starts_with("app::schema::"))
            .collect()
    };
    let mut want = vec![
        "app::api\tapp::ids",
        "app::api\tapp::orders",
        "app::api\tapp_macros",
        "app::catalog\tapp::schema::products",
        "app::orders\tapp::catalog",
        "app::orders\tapp::ids",
        "app::orders\tapp::schema::orders",
        "app::orders\tapp::util",
        "app::orders\tapp::util::rfc3339",
        "app::orders\tapp_macros",
    ];
    assert_eq!(app_edges(&[]), want);
    // `cfg_attr(feature = "full", diesel(table_name = ..))` is read only while `full` is on.
    want.retain(|e| *e != "app::orders\tapp::schema::orders");
    assert_eq!(app_edges(&["--no-default-features"]), want);
    let r = run(&[
        "edges",
        "--unresolved",
        "--manifest-path",
        m.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.trim(), "", "nothing is left unresolved");
    // Attribute paths are located at the path (or its string) and marked as such.
    let r = run(&[
        "edges",
        "--format",
        "json",
        "--manifest-path",
        m.to_str().unwrap(),
    ]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let site = |item: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|e| e["to_item"] == item)
            .map(|e| {
                format!(
                    "{} {}:{}:{}",
                    e["context"].as_str().unwrap(),
                    e["file"].as_str().unwrap(),
                    e["line"],
                    e["column"]
                )
            })
    };
    assert_eq!(
        site("app::util::rfc3339").as_deref(),
        Some("attr app/src/orders.rs:9:20")
    );
    assert_eq!(
        site("app::util::yes").as_deref(),
        Some("attr app/src/orders.rs:11:71")
    );
    assert_eq!(
        site("app::catalog::Product").as_deref(),
        Some("attr app/src/orders.rs:4:21")
    );
    assert_eq!(
        site("app_macros::Entity").as_deref(),
        Some("use app/src/orders.rs:1:5")
    );
}
