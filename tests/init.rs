//! `cargo domains init`: a configuration that loads, applies and checks green on every
//! fixture; never overwrites without --force; `--suggest` reports modularity.

mod common;
use common::*;

fn init(name: &str, extra: &[&str]) -> (Run, String) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("domains.toml");
    let m = fixture(name).join("Cargo.toml");
    let mut args = vec![
        "init",
        "--manifest-path",
        m.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let r = run(&args);
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    (r, text)
}

fn check_with(name: &str, config_text: &str) -> Run {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("domains.toml");
    std::fs::write(&cfg, config_text).unwrap();
    let m = fixture(name).join("Cargo.toml");
    run(&[
        "check",
        "--manifest-path",
        m.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
        "--format",
        "json",
    ])
}

#[test]
fn init_on_every_fixture_checks_green_and_round_trips() {
    for name in ["shop", "workspace", "resolve", "broken"] {
        for extra in [&[][..], &["--suggest"][..], &["--depth", "2"][..]] {
            let (r, text) = init(name, extra);
            assert_eq!(r.code, 0, "{name} {extra:?}: {}", r.stderr);
            assert!(text.contains("[domains."), "{name}: {text}");
            let cfg = cargo_domains::config::parse_str(&text, "domains.toml")
                .unwrap_or_else(|e| panic!("{name} {extra:?}: does not parse: {:?}", e.errors));
            assert!(!cfg.domains.is_empty(), "{name}");
            let c = check_with(name, &text);
            assert_eq!(
                c.code, 0,
                "{name} {extra:?}: not green:\n{}\n{text}",
                c.stdout
            );
            let v: serde_json::Value = serde_json::from_str(&c.stdout).unwrap();
            assert_eq!(v["summary"]["violations"], 0, "{name} {extra:?}");
            assert_eq!(v["summary"]["unassigned_modules"], 0, "{name} {extra:?}");
        }
    }
}

#[test]
fn init_writes_depends_on_from_the_actual_graph_and_explains_cycles() {
    let (_, text) = init("shop", &[]);
    let cfg = cargo_domains::config::parse_str(&text, "domains.toml").unwrap();
    let notifications = cfg
        .domains
        .iter()
        .find(|d| d.name == "notifications")
        .unwrap();
    let deps: Vec<&str> = notifications
        .depends_on
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    // notifications reaches into orders, payments and catalog in the fixture (EXPECTED.md).
    for d in ["orders", "payments", "catalog"] {
        assert!(deps.contains(&d), "{deps:?}");
    }
    // orders <-> payments is a cycle today: cycles warn, and the comment says which.
    assert!(text.contains("cycles = \"warn\""), "{text}");
    assert!(text.contains("#   orders, payments"), "{text}");
}

#[test]
fn init_refuses_to_overwrite_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("domains.toml");
    std::fs::write(&out, "# mine\n").unwrap();
    let m = fixture("workspace").join("Cargo.toml");
    let r = run(&[
        "init",
        "--manifest-path",
        m.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--force"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "# mine\n");
    let r = run(&[
        "init",
        "--manifest-path",
        m.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_ne!(std::fs::read_to_string(&out).unwrap(), "# mine\n");
}

#[test]
fn suggest_reports_modularity_against_the_top_level_split() {
    let (r, _) = init("shop", &["--suggest"]);
    let line = r
        .stderr
        .lines()
        .find(|l| l.starts_with("modularity of the proposal"))
        .expect(&r.stderr);
    let nums: Vec<f64> = line
        .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .filter_map(|t| t.parse().ok())
        .collect();
    let (proposal, split) = (nums[0], nums[1]);
    assert!(proposal > split, "{line}");
    assert!(proposal > 0.3, "{line}");
}

/// A library with an integration test target and a leaf module next to a deeper tree.
fn shop_with_tests() -> tempfile::TempDir {
    temp_crate(
        "till",
        &[
            (
                "src/lib.rs",
                "pub mod error;\npub mod orders;\n\npub use error::Error;\n",
            ),
            (
                "src/error.rs",
                "#[derive(Debug)]\npub struct Error(pub String);\n",
            ),
            ("src/orders/mod.rs", "pub mod cart;\npub mod checkout;\n"),
            (
                "src/orders/cart.rs",
                "pub struct Cart { pub lines: Vec<u32> }\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn empty() { assert!(super::Cart { lines: vec![] }.lines.is_empty()); }\n}\n",
            ),
            (
                "src/orders/checkout.rs",
                "use super::cart::Cart;\nuse crate::error::Error;\n\npub fn total(c: &Cart) -> Result<u32, Error> {\n    if c.lines.is_empty() { return Err(Error(\"empty cart\".into())); }\n    Ok(c.lines.iter().sum())\n}\n",
            ),
            (
                "tests/checkout_flow.rs",
                "use till::orders::{cart::Cart, checkout};\n\n#[test]\nfn totals() {\n    assert_eq!(checkout::total(&Cart { lines: vec![2, 3] }).unwrap(), 5);\n}\n",
            ),
        ],
    )
}

fn init_at(dir: &std::path::Path, extra: &[&str]) -> (Run, String) {
    let out = dir.join("domains.toml");
    let m = dir.join("Cargo.toml");
    let mut args = vec![
        "init",
        "--manifest-path",
        m.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--force",
    ];
    args.extend_from_slice(extra);
    let r = run(&args);
    (r, std::fs::read_to_string(&out).unwrap_or_default())
}

#[test]
fn include_tests_writes_a_configuration_that_loads_and_checks_green() {
    let dir = shop_with_tests();
    let (r, text) = init_at(dir.path(), &["--include-tests"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The integration test target is claimed by the composition root as `test:NAME`, and
    // the configuration says test code is analysed.
    assert!(text.contains("\"test:checkout_flow\""), "{text}");
    assert!(text.contains("include_tests = true"), "{text}");
    let cfg = cargo_domains::config::parse_str(&text, "domains.toml")
        .unwrap_or_else(|e| panic!("does not parse: {:?}\n{text}", e.errors));
    assert!(cfg.settings.include_tests);
    let m = dir.path().join("Cargo.toml");
    let c = run(&[
        "check",
        "--manifest-path",
        m.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(c.code, 0, "{}\n{}\n{text}", c.stdout, c.stderr);
    let v: serde_json::Value = serde_json::from_str(&c.stdout).unwrap();
    assert_eq!(v["summary"]["violations"], 0);
    assert_eq!(v["summary"]["unassigned_modules"], 0, "{}", c.stdout);
    // `score` loads the same file.
    let s = run(&["score", "--manifest-path", m.to_str().unwrap()]);
    assert_eq!(s.code, 0, "{}", s.stderr);
}

#[test]
fn a_test_pattern_without_include_tests_claims_nothing_and_is_no_error() {
    let dir = shop_with_tests();
    let (_, text) = init_at(dir.path(), &["--include-tests"]);
    let off = text.replace("include_tests = true", "include_tests = false");
    std::fs::write(dir.path().join("domains.toml"), off).unwrap();
    let m = dir.path().join("Cargo.toml");
    let c = run(&["check", "--manifest-path", m.to_str().unwrap()]);
    assert_eq!(c.code, 0, "{}\n{}", c.stdout, c.stderr);
    // A misspelt one, with tests loaded, is.
    let typo = text.replace("\"test:checkout_flow\"", "\"test:checkout_flwo\"");
    std::fs::write(dir.path().join("domains.toml"), typo).unwrap();
    let c = run(&["check", "--manifest-path", m.to_str().unwrap()]);
    assert_eq!(c.code, 2, "{}", c.stdout);
    assert!(
        c.stderr
            .contains("no integration test target named `checkout_flwo`"),
        "{}",
        c.stderr
    );
}

#[test]
fn a_leaf_module_above_depth_is_its_own_domain() {
    let dir = shop_with_tests();
    let (r, text) = init_at(dir.path(), &["--depth", "2"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let cfg = cargo_domains::config::parse_str(&text, "domains.toml").unwrap();
    let names: Vec<&str> = cfg.domains.iter().map(|d| d.name.as_str()).collect();
    // `error` (depth 1, no children) is a domain like `orders_cart` (depth 2); `orders`
    // itself (depth 1, with children) stays in the root.
    assert_eq!(
        names,
        ["app", "error", "orders_cart", "orders_checkout"],
        "{text}"
    );
    let app = &cfg.domains[0];
    let exact: Vec<&str> = app.modules_exact.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(exact, ["crate", "crate::orders"]);
    let m = dir.path().join("Cargo.toml");
    let c = run(&["check", "--manifest-path", m.to_str().unwrap()]);
    assert_eq!(c.code, 0, "{}\n{}", c.stdout, c.stderr);
}
