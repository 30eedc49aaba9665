//! `explain --to PATH` (who uses an item or a module, from other domains) and
//! `explain FROM TO --level module` (references by pair of modules), on fixtures/shop.

mod common;

use common::{Run, fixture, run_in};

fn shop(args: &[&str]) -> Run {
    run_in(&fixture("shop"), args)
}

fn json(r: &Run) -> serde_json::Value {
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
}

/// `(domain, file:line:column, status)` of every usage.
fn rows(v: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for d in v["domains"].as_array().unwrap() {
        for u in d["references"].as_array().unwrap() {
            out.push((
                d["domain"].as_str().unwrap_or("-").to_string(),
                format!(
                    "{}:{}:{}",
                    u["file"].as_str().unwrap(),
                    u["line"],
                    u["column"]
                ),
                u["status"].as_str().unwrap().to_string(),
            ));
        }
    }
    out
}

#[test]
fn who_uses_an_item_lists_every_reference_from_other_domains() {
    let v = json(&shop(&[
        "explain",
        "--to",
        "crate::payments::refund::Refund",
        "--format",
        "json",
    ]));
    assert_eq!(v["kind"], "item");
    assert_eq!(v["path"], "shop::payments::refund::Refund");
    assert_eq!(v["domain"], "payments");
    let s = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        rows(&v),
        [
            s(
                "notifications",
                "src/notifications/handlers.rs:103:60",
                "forbidden-dependency"
            ),
            s("orders", "src/orders/service.rs:12:44", "allowed"),
            s("orders", "src/orders/service.rs:95:26", "allowed"),
        ]
    );
    assert_eq!(v["references"], 3);
    // `Refund::request` is listed once, as the associated function it calls.
    let orders = &v["domains"][1]["references"];
    assert_eq!(orders[1]["item"], "shop::payments::refund::Refund::request");
    assert_eq!(orders[0]["path_as_written"], "crate::payments::api::Refund");
    // The full path names the same item.
    let full = json(&shop(&[
        "explain",
        "--to",
        "shop::payments::refund::Refund",
        "--format",
        "json",
    ]));
    assert_eq!(rows(&full), rows(&v));
    let human = shop(&["explain", "--to", "crate::payments::refund::Refund"]);
    assert!(human.stdout.starts_with(
        "shop::payments::refund::Refund (item, domain `payments`): 3 references from 2 other domains\n"
    ), "{}", human.stdout);
}

#[test]
fn who_uses_a_module_agrees_with_the_findings_of_check() {
    let check: serde_json::Value =
        serde_json::from_str(&shop(&["check", "--format", "json"]).stdout).unwrap();
    for (target, path, domain) in [
        ("crate::identity", "shop::identity", "identity"),
        ("crate::payments", "shop::payments", "payments"),
        ("crate::orders", "shop::orders", "orders"),
        ("crate::catalog", "shop::catalog", "catalog"),
    ] {
        let v = json(&shop(&["explain", "--to", target, "--format", "json"]));
        assert_eq!(v["kind"], "module");
        let rows = rows(&v);
        assert!(
            rows.iter().all(|(d, _, _)| d != domain),
            "{target}: its own code is not listed"
        );
        assert!(rows.len() > 3, "{target}: {rows:?}");
        // Every boundary finding on an item of the module is a row with the rule as status…
        let mut reported = Vec::new();
        for f in check["findings"].as_array().unwrap() {
            let rule = f["rule"].as_str().unwrap();
            let item = f["to_item"].as_str().unwrap_or("");
            if matches!(rule, "forbidden-dependency" | "interface-bypass")
                && item.starts_with(&format!("{path}::"))
            {
                let at = format!(
                    "{}:{}:{}",
                    f["file"].as_str().unwrap(),
                    f["line"],
                    f["column"]
                );
                assert!(
                    rows.iter().any(|(_, l, s)| *l == at && s == rule),
                    "{target}: {rule} at {at} missing from {rows:#?}"
                );
                reported.push(at);
            }
        }
        // …and every row reported by check is one of them.
        for (_, at, status) in &rows {
            if matches!(status.as_str(), "forbidden-dependency" | "interface-bypass") {
                assert!(
                    reported.contains(at),
                    "{target}: {status} at {at} is not a finding"
                );
            }
        }
    }
}

#[test]
fn a_module_used_only_from_inside_lists_nothing() {
    let r = shop(&["explain", "--to", "crate::legacy"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("(module, no domain): 0 references"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("no code of another domain uses it"));
}

#[test]
fn an_unknown_path_or_mixed_arguments_are_usage_errors() {
    let r = shop(&["explain", "--to", "crate::nope::Nothing"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("`crate::nope::Nothing` is not a module, nor an item that any code references (read as `shop::nope::Nothing`)"), "{}", r.stderr);
    let r = shop(&["explain", "orders", "payments", "--to", "crate::payments"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cannot be used with"), "{}", r.stderr);
    let r = shop(&["explain", "orders"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("<TO>"), "{}", r.stderr);
}

#[test]
fn explain_level_module_groups_by_pair_of_modules() {
    let v = json(&shop(&[
        "explain",
        "notifications",
        "payments",
        "--level",
        "module",
        "--format",
        "json",
    ]));
    assert_eq!(v["level"], "module");
    assert!(v.get("items").is_none());
    let pairs = v["module_pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0]["from_module"], "shop::notifications::handlers");
    assert_eq!(pairs[0]["to_module"], "shop::payments::refund");
    let r = &pairs[0]["references"][0];
    assert_eq!(r["item"], "shop::payments::refund::Refund");
    assert_eq!(
        (r["line"].as_u64(), r["column"].as_u64()),
        (Some(103), Some(60))
    );
    assert_eq!(r["status"], "forbidden");

    // A pair with many references: the pairs add up to them, the biggest first.
    let v = json(&shop(&[
        "explain", "orders", "identity", "--level", "module", "--format", "json",
    ]));
    let pairs = v["module_pairs"].as_array().unwrap();
    let counts: Vec<usize> = pairs
        .iter()
        .map(|p| p["references"].as_array().unwrap().len())
        .collect();
    assert_eq!(
        counts.iter().sum::<usize>() as u64,
        v["references"].as_u64().unwrap()
    );
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    assert!(
        pairs
            .iter()
            .any(|p| p["from_module"] == "shop::orders::cart"
                && p["to_module"] == "shop::identity::user")
    );
    let human = shop(&["explain", "orders", "identity", "--level", "module"]);
    assert!(
        human
            .stdout
            .contains("\nshop::orders::cart -> shop::identity::user: "),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains("pairs of modules"));
}
