//! `cargo domains check` end to end on the fixtures: exact findings, exit codes, formats.

mod common;
use common::*;

fn check_json(dir: &std::path::Path, extra: &[&str]) -> Run {
    let m = dir.join("Cargo.toml");
    let mut args = vec![
        "check",
        "--manifest-path",
        m.to_str().unwrap(),
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn assert_matches_expected(name: &str) {
    let dir = fixture(name);
    let r = check_json(&dir, &[]);
    assert_eq!(r.code, 1, "deny findings exit 1; stderr: {}", r.stderr);
    let expected = expected_findings(&dir.join("EXPECTED.md"));
    let actual = actual_findings(&r.stdout);
    let missing: Vec<_> = expected.iter().filter(|e| !actual.contains(e)).collect();
    let extra: Vec<_> = actual.iter().filter(|e| !expected.contains(e)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{name}: findings differ from EXPECTED.md\nmissing: {missing:#?}\nextra: {extra:#?}"
    );
}

#[test]
fn shop_findings_are_exactly_those_in_expected_md() {
    assert_matches_expected("shop");
}

#[test]
fn workspace_findings_are_exactly_those_in_expected_md() {
    assert_matches_expected("workspace");
}

#[test]
fn human_output_shows_rule_location_source_line_and_fix() {
    let m = fixture("workspace").join("Cargo.toml");
    let r = run(&["check", "--manifest-path", m.to_str().unwrap()]);
    assert_eq!(r.code, 1);
    let e = &r.stderr;
    assert!(e.contains("forbidden-dependency"), "{e}");
    assert!(
        e.contains("[crates/shop_accounts/src/customer.rs:1:5]"),
        "{e}"
    );
    assert!(e.contains("use shop_billing::api::BillingStatus;"), "{e}");
    assert!(
        e.contains("add \"billing\" to `domains.accounts.depends_on`"),
        "{e}"
    );
    assert!(e.contains("interface-bypass"), "{e}");
    assert!(e.contains("go through `shop_billing::api`"), "{e}");
    assert!(
        e.contains("2 violations in 2 domain pairs (1 forbidden, 1 interface bypass), 0 domain cycles, 0 modules unassigned; 2 errors, 0 warnings"),
        "{e}"
    );
    assert!(!e.contains("\u{1b}["), "no colours when not a terminal");
}

#[test]
fn runs_as_a_cargo_subcommand_too() {
    // `cargo domains check` runs `cargo-domains domains check ...`.
    let m = fixture("workspace").join("Cargo.toml");
    let r = run(&[
        "domains",
        "check",
        "--manifest-path",
        m.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1);
    assert_eq!(actual_findings(&r.stdout).len(), 2);
}

#[test]
fn output_is_byte_identical_across_runs() {
    for name in ["shop", "workspace", "broken"] {
        let dir = fixture(name);
        let a = check_json(&dir, &[]);
        let b = check_json(&dir, &["--threads", "1"]);
        assert_eq!(a.stdout, b.stdout, "{name}: json differs between runs");
        let m = dir.join("Cargo.toml");
        let e1 = run(&["edges", "--manifest-path", m.to_str().unwrap()]);
        let e2 = run(&[
            "edges",
            "--manifest-path",
            m.to_str().unwrap(),
            "--threads",
            "1",
        ]);
        assert_eq!(e1.stdout, e2.stdout, "{name}: edges differ between runs");
    }
}

#[test]
fn package_filter_reports_only_that_package() {
    let dir = fixture("workspace");
    let r = check_json(&dir, &["-p", "shop_orders"]);
    let rows = actual_findings(&r.stdout);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, "interface-bypass");
    let r = check_json(&dir, &["-p", "no_such_package"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not a member"), "{}", r.stderr);
}

#[test]
fn broken_crate_is_analysed_around_its_broken_files() {
    let dir = fixture("broken");
    let r = check_json(&dir, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let mut codes: Vec<(String, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["file"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    codes.sort();
    assert_eq!(
        codes,
        [
            ("missing-module-file".to_string(), "src/lib.rs".to_string()),
            ("module-loop".to_string(), "src/loop_a.rs".to_string()),
            ("not-utf8".to_string(), "src/legacy_notes.rs".to_string()),
            ("parse-error".to_string(), "src/discounts.rs".to_string()),
        ]
    );
    // The healthy modules are still checked.
    assert_eq!(
        actual_findings(&r.stdout),
        [(
            "forbidden-dependency".to_string(),
            "src/checkout.rs:12:36".to_string(),
            "broken::checkout".to_string(),
            "broken::pricing::gross_price_cents".to_string()
        )]
    );
}

/// Each invalid config: exit status and the codes of its errors.
#[test]
fn invalid_configs_exit_2_with_a_precise_error() {
    let dir = fixture("broken");
    let m = dir.join("Cargo.toml");
    let cases: &[(&str, i32, &[&str])] = &[
        ("not_toml.toml", 2, &["config-syntax"]),
        ("wrong_type.toml", 2, &["config-syntax"]),
        ("unknown_key.toml", 2, &["config-syntax"]),
        ("unknown_domain.toml", 2, &["config-unknown-domain"]),
        ("no_match.toml", 2, &["config-no-match"]),
        ("overlap.toml", 2, &["config-overlap"]),
        (
            "bad_pattern.toml",
            2,
            &[
                "config-bad-pattern",
                "config-bad-pattern",
                "config-bad-pattern",
            ],
        ),
        ("self_dep.toml", 2, &["config-self-dependency"]),
    ];
    for (file, code, errors) in cases {
        let cfg = dir.join("configs").join(file);
        let r = run(&[
            "check",
            "--manifest-path",
            m.to_str().unwrap(),
            "--config",
            cfg.to_str().unwrap(),
        ]);
        assert_eq!(r.code, *code, "{file}: {}", r.stderr);
        for e in *errors {
            assert!(
                r.stderr.contains(&format!("{e}\n")),
                "{file}: expected {e} in\n{}",
                r.stderr
            );
        }
        let n = errors.len();
        let tail = format!(
            "{n} configuration error{}: nothing was checked",
            if n == 1 { "" } else { "s" }
        );
        assert!(r.stderr.contains(&tail), "{file}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("configs/{file}:")),
            "{file}: the error points into the file"
        );
    }
    // A declared cycle is a warning: the check still runs.
    let cfg = dir.join("configs/depends_cycle.toml");
    let r = run(&[
        "check",
        "--manifest-path",
        m.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
    ]);
    assert!(r.stderr.contains("config-declared-cycle"), "{}", r.stderr);
    assert!(r.stderr.contains("checked 3 domains"), "{}", r.stderr);
}

#[test]
fn unknown_key_suggests_the_right_one() {
    let dir = fixture("broken");
    let cfg = dir.join("configs/unknown_key.toml");
    let m = dir.join("Cargo.toml");
    let r = run(&[
        "check",
        "--manifest-path",
        m.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
    ]);
    assert!(
        r.stderr.contains("did you mean `depends_on`?"),
        "{}",
        r.stderr
    );
}

#[test]
fn missing_manifest_and_missing_config_exit_2() {
    let r = run(&[
        "check",
        "--manifest-path",
        "/definitely/not/here/Cargo.toml",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("does not exist"), "{}", r.stderr);
    let tmp = tempfile::tempdir().unwrap();
    write_crate(
        tmp.path(),
        "[package]\nname = \"lonely\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[workspace]\n",
    );
    let r = run(&[
        "check",
        "--manifest-path",
        tmp.path().join("Cargo.toml").to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("config-not-found"), "{}", r.stderr);
    let r = run(&["check", "--bogus-flag"]);
    assert_eq!(r.code, 2);
}

fn write_crate(dir: &std::path::Path, manifest: &str) {
    std::fs::create_dir_all(dir.join("src/billing")).unwrap();
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(
        dir.join("src/lib.rs"),
        "pub mod billing;\npub mod accounts;\n",
    )
    .unwrap();
    std::fs::write(dir.join("src/billing/mod.rs"), "pub struct Invoice;\n").unwrap();
    std::fs::write(
        dir.join("src/accounts.rs"),
        "pub fn last_invoice() -> crate::billing::Invoice {\n    crate::billing::Invoice\n}\n",
    )
    .unwrap();
}

#[test]
fn config_can_live_in_cargo_toml_metadata() {
    let tmp = tempfile::tempdir().unwrap();
    write_crate(
        tmp.path(),
        r#"[package]
name = "meta"
version = "0.1.0"
edition = "2021"

[workspace]

[workspace.metadata.domains.domains.billing]
modules = ["crate::billing"]

[workspace.metadata.domains.domains.accounts]
modules = ["crate::accounts"]

[workspace.metadata.domains.domains.root]
modules_exact = ["crate"]
depends_on = ["*"]
"#,
    );
    let r = run(&[
        "check",
        "--manifest-path",
        tmp.path().join("Cargo.toml").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let rows = actual_findings(&r.stdout);
    // The return type and the expression: two references, two findings.
    assert_eq!(
        rows.iter()
            .map(|r| (r.0.as_str(), r.1.as_str()))
            .collect::<Vec<_>>(),
        [
            ("forbidden-dependency", "src/accounts.rs:1:26"),
            ("forbidden-dependency", "src/accounts.rs:2:5")
        ]
    );
}

#[test]
fn a_method_call_is_reported_only_when_it_is_the_only_evidence() {
    let tmp = temp_crate(
        "meters",
        &[
            (
                "src/lib.rs",
                "pub mod a;\npub mod b;\npub mod c;\npub mod d;\n",
            ),
            (
                "src/c.rs",
                "pub struct Meter;\nimpl Meter {\n    pub fn read(&self) -> u32 {\n        1\n    }\n}\n",
            ),
            (
                "src/b.rs",
                "pub fn meter() -> crate::c::Meter {\n    crate::c::Meter\n}\n",
            ),
            // a reaches c only through a method call on b's return value.
            (
                "src/a.rs",
                "pub fn reading() -> u32 {\n    crate::b::meter().read()\n}\n",
            ),
            // d names c's type: that is the finding; its method call is not reported again.
            (
                "src/d.rs",
                "pub fn reading(m: &crate::c::Meter) -> u32 {\n    m.read()\n}\n",
            ),
            (
                "domains.toml",
                "[domains.root]\nmodules_exact = [\"crate\"]\ndepends_on = [\"*\"]\n\
                 [domains.a]\nmodules = [\"crate::a\"]\ndepends_on = [\"b\"]\n\
                 [domains.b]\nmodules = [\"crate::b\"]\ndepends_on = [\"c\"]\n\
                 [domains.c]\nmodules = [\"crate::c\"]\n\
                 [domains.d]\nmodules = [\"crate::d\"]\n",
            ),
        ],
    );
    let d = tmp.path();
    let r = check_json(d, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        actual_findings(&r.stdout),
        [
            (
                "forbidden-dependency".to_string(),
                "src/a.rs:2:23".to_string(),
                "meters::a".to_string(),
                "meters::c::Meter::read".to_string()
            ),
            (
                "forbidden-dependency".to_string(),
                "src/d.rs:1:20".to_string(),
                "meters::d".to_string(),
                "meters::c::Meter".to_string()
            ),
        ]
    );
}

#[test]
fn json_consumers_get_a_document_for_configuration_errors_too() {
    let dir = fixture("broken");
    let cfg = dir.join("configs/unknown_domain.toml");
    let r = check_json(&dir, &["--config", cfg.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("a JSON document on stdout");
    assert_eq!(v["errors"][0]["code"], "config-unknown-domain");
    assert_eq!(v["errors"][0]["line"], 10);
    assert_eq!(v["errors"][0]["column"], 37);
}

/// `pub use rules::lint::lint;` beside `mod lint;`: `use crate::rules::lint;` imports both the
/// module and the function. The dependency is reported once, at the `use`, naming the function.
#[test]
fn an_import_naming_a_module_and_a_function_is_reported_once_at_the_use() {
    let tmp = temp_crate(
        "lints",
        &[
            ("src/lib.rs", "pub mod rules;\npub mod core;\n"),
            ("src/rules/mod.rs", "mod lint;\npub use lint::lint;\n"),
            ("src/rules/lint.rs", "pub fn lint() -> u32 {\n    0\n}\n"),
            (
                "src/core.rs",
                "use crate::rules::lint;\n\npub fn run() -> u32 {\n    lint() + lint()\n}\n",
            ),
            (
                "domains.toml",
                "[domains.root]\nmodules_exact = [\"crate\"]\ndepends_on = [\"*\"]\n\
                 [domains.core]\nmodules = [\"crate::core\"]\n[domains.rules]\nmodules = [\"crate::rules\"]\n",
            ),
        ],
    );
    let d = tmp.path();
    let r = check_json(d, &[]);
    assert_eq!(
        actual_findings(&r.stdout),
        [(
            "forbidden-dependency".to_string(),
            "src/core.rs:1:5".to_string(),
            "lints::core".to_string(),
            "lints::rules::lint::lint".to_string()
        )]
    );
}

/// `(rule, file:line:col, names)` of every finding of fixtures/facade with `extra` args.
fn facade_findings(extra: &[&str]) -> Vec<String> {
    let m = fixture("facade").join("Cargo.toml");
    let mut args = vec![
        "check",
        "--manifest-path",
        m.to_str().unwrap(),
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let r = run(&args);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let names: Vec<&str> = f["names"]
                .as_array()
                .map(|a| a.iter().map(|n| n.as_str().unwrap()).collect())
                .unwrap_or_default();
            let also: Vec<&str> = f["also_breaks"]
                .as_array()
                .map(|a| a.iter().map(|n| n.as_str().unwrap()).collect())
                .unwrap_or_default();
            format!(
                "{} {}:{}:{} [{}] [{}]",
                f["rule"].as_str().unwrap(),
                f["file"].as_str().unwrap(),
                f["line"],
                f["column"],
                names.join(", ").replace("market::", ""),
                also.join(", ")
            )
        })
        .collect()
}

/// Issue 12: one finding per facade statement and domain, one per reference breaking two
/// rules, and composition roots exempt from interfaces.
#[test]
fn facade_reexports_are_one_finding_per_statement_and_domain() {
    assert_eq!(
        facade_findings(&[]),
        [
            "forbidden-dependency src/billing/invoice.rs:2:16 [] []",
            "forbidden-dependency src/billing/invoice.rs:3:16 [] [interface-bypass]",
            "facade-reexport src/models/mod.rs:1:5 [billing::invoice::Invoice] []",
            "facade-reexport src/models/mod.rs:2:5 [identity::user::User, identity::user::UserId] []",
            "facade-reexport src/models/mod.rs:3:5 [orders::order::Order, orders::order::OrderLine] []",
            "interface-bypass src/orders/order.rs:1:28 [] []",
        ]
    );
    let m = fixture("facade").join("Cargo.toml");
    let r = run(&[
        "check",
        "--manifest-path",
        m.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        v["findings"][1]["message"],
        "domain `billing` uses `market::identity::user::User` of domain `identity`, which it may not depend on, and reaches it around its interface `crate::identity::api`"
    );
    assert_eq!(v["summary"]["facade_reexports"], 3);
    let r = run(&["check", "--manifest-path", m.to_str().unwrap()]);
    assert!(
        r.stderr.contains("3 facade re-exports, 0 domain cycles"),
        "{}",
        r.stderr
    );
}

#[test]
fn composition_roots_are_held_to_interfaces_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("domains.toml");
    let base = std::fs::read_to_string(fixture("facade").join("domains.toml")).unwrap();
    std::fs::write(
        &cfg,
        format!("[settings]\ninterface_for_roots = true\nfacade = \"allow\"\n\n{base}"),
    )
    .unwrap();
    let got = facade_findings(&["--config", cfg.to_str().unwrap()]);
    assert_eq!(
        got,
        [
            "interface-bypass src/app.rs:4:18 [] []",
            "forbidden-dependency src/billing/invoice.rs:2:16 [] []",
            "forbidden-dependency src/billing/invoice.rs:3:16 [] [interface-bypass]",
            "interface-bypass src/orders/order.rs:1:28 [] []",
        ]
    );
}

/// Issue 12 item 3: `interface` entries naming items, and `interface_exact` modules.
#[test]
fn interfaces_can_name_items_and_exact_modules() {
    let m = fixture("interfaces").join("Cargo.toml");
    let m = m.to_str().unwrap();
    let r = run(&["check", "--manifest-path", m, "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let rows: Vec<(String, String, String, String)> = actual_findings(&r.stdout);
    let want: Vec<(String, String, String, String)> = [
        ("src/orders.rs:14:19", "payhub::billing::stripe::Client"),
        ("src/orders.rs:15:18", "payhub::identity::api::impersonate"),
        ("src/orders.rs:16:18", "payhub::identity::store::load"),
    ]
    .iter()
    .map(|(at, item)| {
        (
            "interface-bypass".into(),
            at.to_string(),
            "payhub::orders".into(),
            item.to_string(),
        )
    })
    .collect();
    assert_eq!(rows, want);
    // An item name that does not exist is a configuration error with a suggestion.
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("domains.toml");
    let text = std::fs::read_to_string(fixture("interfaces").join("domains.toml"))
        .unwrap()
        .replace("api::current_user", "api::curent_user");
    std::fs::write(&cfg, text).unwrap();
    let r = run(&[
        "check",
        "--manifest-path",
        m,
        "--config",
        cfg.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("config-no-match"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("pattern `crate::identity::api::curent_user` matches no module and no item"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("did you mean `current_user`?"),
        "{}",
        r.stderr
    );
}

/// The invariants of issue 12 on one `check --format json` document: no two findings for one
/// reference, one facade finding per re-export statement and target domain, no interface
/// bypass from a composition root (`roots`: the domains with `depends_on = ["*"]`).
fn assert_one_finding_per_decision(name: &str, json: &str, roots: &[String]) {
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut sites = std::collections::BTreeSet::new();
    let mut facades = std::collections::BTreeSet::new();
    for f in v["findings"].as_array().unwrap() {
        let at = format!("{}:{}:{}", f["file"], f["line"], f["column"]);
        match f["rule"].as_str().unwrap() {
            "domain-cycle" | "unassigned-module" => {}
            "facade-reexport" => {
                assert!(
                    facades.insert((at, f["to_domain"].to_string())),
                    "{name}: two facade findings for one statement and domain: {f}"
                );
            }
            rule => {
                if rule == "interface-bypass" {
                    let from = f["from_domain"].as_str().unwrap_or_default();
                    assert!(
                        !roots.iter().any(|r| r == from),
                        "{name}: composition root held to an interface: {f}"
                    );
                }
                let key = (at, f["from_module"].to_string(), f["to_item"].to_string());
                assert!(
                    sites.insert(key),
                    "{name}: two findings for one reference: {f}"
                );
            }
        }
    }
}

/// Domains declaring `depends_on = ["*"]` in a domains.toml.
fn roots_of(cfg: &str) -> Vec<String> {
    let t: toml::Table = toml::from_str(cfg).unwrap();
    t.get("domains")
        .and_then(|d| d.as_table())
        .map(|d| {
            d.iter()
                .filter(|(_, v)| {
                    v.get("depends_on")
                        .and_then(|x| x.as_array())
                        .is_some_and(|a| a.iter().any(|e| e.as_str() == Some("*")))
                })
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_fixture_has_one_finding_per_decision() {
    let mut checked = 0;
    for entry in std::fs::read_dir(root().join("fixtures"))
        .unwrap()
        .flatten()
    {
        let dir = entry.path();
        let Ok(cfg) = std::fs::read_to_string(dir.join("domains.toml")) else {
            continue;
        };
        let m = dir.join("Cargo.toml");
        let r = run(&[
            "check",
            "--manifest-path",
            m.to_str().unwrap(),
            "--format",
            "json",
            "--include-tests",
        ]);
        if r.code == 2 {
            continue; // fixtures/broken: a configuration error by design
        }
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        assert_one_finding_per_decision(&name, &r.stdout, &roots_of(&cfg));
        checked += 1;
    }
    assert!(checked >= 7, "only {checked} fixtures checked");
}

/// Issue 12 item 6: a 4-domain cycle that the composition root makes larger is one finding
/// for the whole group, business domains listed before the root, with the cheapest cut.
#[test]
fn a_cycle_the_root_makes_larger_is_one_finding_business_domains_first() {
    let tmp = temp_crate(
        "ring",
        &[
            (
                "src/lib.rs",
                "pub mod a;\npub mod b;\npub mod c;\npub mod d;\n\npub struct Settings;\n\npub fn main_routes() {\n    a::start();\n    b::start();\n}\n",
            ),
            (
                "src/a.rs",
                "pub fn start() { crate::b::step(); crate::b::step(); }\n",
            ),
            (
                "src/b.rs",
                "pub fn start() {}\npub fn step() { crate::c::step(); crate::c::step(); }\n",
            ),
            ("src/c.rs", "pub fn step() { crate::d::step(); }\n"),
            (
                "src/d.rs",
                "pub fn step() { crate::a::start(); crate::a::start(); let _s = crate::Settings; }\n",
            ),
            (
                "domains.toml",
                "[domains.root]\nmodules_exact = [\"crate\"]\ndepends_on = [\"*\"]\n[domains.a]\nmodules = [\"crate::a\"]\ndepends_on = [\"b\"]\n[domains.b]\nmodules = [\"crate::b\"]\ndepends_on = [\"c\"]\n[domains.c]\nmodules = [\"crate::c\"]\ndepends_on = [\"d\"]\n[domains.d]\nmodules = [\"crate::d\"]\ndepends_on = [\"a\", \"root\"]\n",
            ),
        ],
    );
    let m = tmp.path().join("Cargo.toml");
    let r = run(&[
        "check",
        "--manifest-path",
        m.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let cycles: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "domain-cycle")
        .collect();
    assert_eq!(cycles.len(), 1, "{cycles:#?}");
    let c = cycles[0];
    assert_eq!(c["names"], serde_json::json!(["a", "b", "c", "d", "root"]));
    // c -> d (one reference) lies on every cycle of the group: the one dependency to cut.
    let cut: Vec<String> = c["cut"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} -> {}",
                e["from_domain"].as_str().unwrap(),
                e["to_domain"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(cut, ["c -> d"]);
    assert!(
        c["message"]
            .as_str()
            .unwrap()
            .starts_with("5 domains depend on each other in a cycle: a, b, c, d, root"),
        "{}",
        c["message"]
    );
}

/// Issue 12's "done means" fixture: every shape in one crate, findings exactly as listed.
#[test]
fn marketplace_findings_are_exactly_those_in_expected_md() {
    let m = fixture("marketplace").join("Cargo.toml");
    let r = run(&[
        "check",
        "--manifest-path",
        m.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let expected = expected_findings(&fixture("marketplace").join("EXPECTED.md"));
    assert_eq!(actual_findings(&r.stdout), expected);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let cycle = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "domain-cycle")
        .unwrap();
    assert_eq!(
        cycle["names"],
        serde_json::json!(["billing", "catalog", "identity", "orders", "root"])
    );
    let cut: Vec<String> = cycle["cut"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} -> {}",
                e["from_domain"].as_str().unwrap(),
                e["to_domain"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(cut, ["identity -> orders", "identity -> root"]);
}
