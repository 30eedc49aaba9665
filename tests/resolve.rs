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

/// A throw-away workspace (its root manifest `root_toml`) with the given files.
fn temp_workspace(root_toml: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    let all = std::iter::once(("Cargo.toml", root_toml)).chain(files.iter().copied());
    for (path, text) in all {
        let p = tmp.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    tmp
}

/// `old_api = { package = "app_api", version = "0.19" }` beside the path member `app_api` is
/// the published crate: external, never the member. A `#[macro_export]` macro of the member,
/// named through the crate (`app_api::api_version!`, `use app_api::api_version;`), goes to
/// the module that defines it.
#[test]
fn renamed_registry_dependency_named_like_a_member_is_external() {
    let pkg = |name: &str, deps: &str| {
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n{deps}"
        )
    };
    let web_deps = "app_api = { path = \"../app_api\" }\nold_api = { package = \"app_api\", version = \"0.19\" }\n";
    let tmp = temp_workspace(
        "[workspace]\nmembers = [\"app_api\", \"app_web\"]\nresolver = \"2\"\n",
        &[
            ("app_api/Cargo.toml", &pkg("app_api", "")),
            ("app_api/src/lib.rs", "pub mod client;\npub mod macros;\n"),
            ("app_api/src/client.rs", "pub struct Client;\n"),
            (
                "app_api/src/macros.rs",
                "#[macro_export]\nmacro_rules! api_version {\n    () => {\n        2\n    };\n}\n",
            ),
            ("app_web/Cargo.toml", &pkg("app_web", web_deps)),
            ("app_web/src/lib.rs", "pub mod current;\npub mod legacy;\n"),
            (
                "app_web/src/current.rs",
                "use app_api::api_version;\nuse app_api::client::Client;\n\npub fn client() -> (Client, u32) {\n    (Client, app_api::api_version!() + api_version!())\n}\n",
            ),
            (
                "app_web/src/legacy.rs",
                "use old_api::client::Client;\n\npub fn client() -> Client {\n    old_api::client::Client\n}\n",
            ),
        ],
    );
    let m = tmp.path().join("Cargo.toml");
    assert_eq!(
        module_edges(&m, &[]),
        [
            "app_web::current\tapp_api::client",
            "app_web::current\tapp_api::macros"
        ]
    );
    let r = run(&[
        "edges",
        "--unresolved",
        "--manifest-path",
        m.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.trim().is_empty(), "{}", r.stdout);
}

/// `edges --format json` of a manifest: every reference.
fn edges_json(manifest: &std::path::Path) -> Vec<serde_json::Value> {
    let m = manifest.to_str().unwrap();
    let r = run(&["edges", "--manifest-path", m, "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    v.as_array().unwrap().clone()
}

/// `(to_item, kind)` of every reference written in `from`.
fn items_from(edges: &[serde_json::Value], from: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = edges
        .iter()
        .filter(|e| e["from_module"] == from)
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap().to_string();
            (s("to_item"), s("kind"))
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

/// privacy_glob: `use routes::login;` from outside `routes` binds the re-exported fn only;
/// the private module of the same name is not imported there.
#[test]
fn import_skips_a_private_module_beside_a_visible_fn() {
    let edges = edges_json(&fixture("resolve").join("Cargo.toml"));
    assert_eq!(
        items_from(&edges, "resolve::privacy_glob::app"),
        [(
            "resolve::privacy_glob::routes::login::login".to_string(),
            "fn".to_string()
        )]
    );
}

/// alias_once: the qualifier `Token` of `Token::default()` is the alias (its module), not
/// the aliased struct; the derived `default` is the struct's.
#[test]
fn alias_qualifier_is_the_alias_not_the_aliased_type() {
    let edges = edges_json(&fixture("resolve").join("Cargo.toml"));
    assert_eq!(
        items_from(&edges, "resolve::alias_once::assoc_user"),
        [
            ("resolve::alias_once::Token".to_string(), "type".to_string()),
            (
                "resolve::alias_once::child::Token::default".to_string(),
                "assoc".to_string()
            ),
        ]
    );
    // The alias's right-hand side is one reference to `child`.
    let rhs = edges
        .iter()
        .filter(|e| e["from_module"] == "resolve::alias_once")
        .count();
    assert_eq!(rhs, 1, "{edges:#?}");
}

/// diesel's `table!`: the `use` lines its expansion makes (`pub use self::columns::*;`, the
/// `dsl` imports) make names resolve but are not references; a `use` written in the
/// `table!` body is one, from the table's module.
#[test]
fn diesel_table_synthetic_uses_are_not_references() {
    let tmp = temp_crate(
        "shop_db",
        &[
            ("src/lib.rs", "pub mod repo;\npub mod schema;\n"),
            (
                "src/schema.rs",
                "pub mod sql_types {\n    pub struct Mood;\n}\n\ndiesel::table! {\n    use diesel::sql_types::*;\n    use super::sql_types::Mood;\n\n    users (id) {\n        id -> Int4,\n        mood -> Mood,\n    }\n}\n",
            ),
            (
                "src/repo.rs",
                "use crate::schema::users;\nuse crate::schema::users::dsl::*;\n\npub fn touch() {\n    let _ = (users::table, users::id, mood, users::dsl::users);\n}\n",
            ),
        ],
    );
    // A registry dependency, so that `diesel::` paths are external (cargo never fetches it).
    let toml = tmp.path().join("Cargo.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, format!("{text}\n[dependencies]\ndiesel = \"2\"\n")).unwrap();
    assert_eq!(
        module_edges(&toml, &[]),
        [
            "shop_db::repo\tshop_db::schema::users",
            "shop_db::repo\tshop_db::schema::users::columns",
            "shop_db::repo\tshop_db::schema::users::dsl",
            "shop_db::schema::users\tshop_db::schema::sql_types",
        ]
    );
    let edges = edges_json(&toml);
    let body_use: Vec<_> = edges
        .iter()
        .filter(|e| e["from_module"] == "shop_db::schema::users")
        .collect();
    assert_eq!(body_use.len(), 1, "{edges:#?}");
    assert_eq!(body_use[0]["to_item"], "shop_db::schema::sql_types::Mood");
    assert_eq!(body_use[0]["line"], 7);
    let r = run(&[
        "edges",
        "--unresolved",
        "--manifest-path",
        toml.to_str().unwrap(),
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
