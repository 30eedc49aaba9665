//! Adopting the check on code with violations: baseline round trip, inline suppressions,
//! SARIF (validated against the SARIF 2.1.0 schema) and GitHub annotations.

mod common;
use common::*;

use std::path::Path;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let name = e.file_name();
        if name == "target" || name == "Cargo.lock" {
            continue;
        }
        let (src, dst) = (e.path(), to.join(&name));
        if src.is_dir() {
            copy_dir(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

fn shop_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture("shop"), tmp.path());
    tmp
}

fn check(dir: &Path, extra: &[&str]) -> Run {
    let m = dir.join("Cargo.toml");
    let mut args = vec!["check", "--manifest-path", m.to_str().unwrap()];
    args.extend_from_slice(extra);
    run(&args)
}

fn summary(r: &Run) -> serde_json::Value {
    let v: serde_json::Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout));
    v["summary"].clone()
}

#[test]
fn baseline_round_trip_catches_only_new_violations_and_reports_fixed_ones() {
    let tmp = shop_copy();
    let dir = tmp.path();
    // Before: 12 findings at deny level.
    assert_eq!(check(dir, &[]).code, 1);
    let r = check(dir, &["--update-baseline"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let baseline = std::fs::read_to_string(dir.join("domains-baseline.toml")).unwrap();
    assert!(
        baseline.contains("rule = \"forbidden-dependency\""),
        "{baseline}"
    );
    assert!(
        !baseline.contains("line ="),
        "keyed without line numbers: {baseline}"
    );
    // Green with the baseline.
    let r = check(dir, &["--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = summary(&r);
    assert_eq!(s["violations"], 0);
    // 12 violations and 1 unassigned-module warning (the orders <-> payments cycle is closed
    // only by forbidden dependencies: no finding of its own).
    assert_eq!(s["baselined"], 13);

    // Moving code around (a blank line on top of a file with a baselined violation) is fine.
    let digest = dir.join("src/notifications/handlers.rs");
    let text = std::fs::read_to_string(&digest).unwrap();
    std::fs::write(&digest, format!("\n\n{text}")).unwrap();
    assert_eq!(check(dir, &[]).code, 0);

    // A new violation fails, and is the only finding.
    let digest = dir.join("src/notifications/digest.rs");
    let mut text = std::fs::read_to_string(&digest).unwrap();
    text.push_str(
        "\npub fn low_stock() -> Option<crate::inventory::stock::StockLevel> {\n    None\n}\n",
    );
    std::fs::write(&digest, text).unwrap();
    let r = check(dir, &["--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let rows = actual_findings(&r.stdout);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, "forbidden-dependency");
    assert_eq!(rows[0].2, "shop::notifications::digest");
    assert_eq!(rows[0].3, "shop::inventory::stock::StockLevel");

    // Fixing a baselined violation leaves a stale entry: a warning, an error when strict.
    let audit = dir.join("src/db/audit.rs");
    let text = std::fs::read_to_string(&audit).unwrap();
    std::fs::write(
        &audit,
        text.replace(
            "use crate::identity::user::UserId;",
            "use crate::shared::ids::UserId;",
        ),
    )
    .ok();
    let r = check(dir, &["--format", "json"]);
    let s = summary(&r);
    assert!(s["stale_baseline_entries"].as_u64().unwrap() >= 1, "{s}");
    let r = check(dir, &[]);
    assert!(r.stderr.contains("baseline-stale"), "{}", r.stderr);
    assert!(r.stderr.contains("--update-baseline"), "{}", r.stderr);
    // The baseline file was never rewritten by a plain check.
    assert_eq!(
        std::fs::read_to_string(dir.join("domains-baseline.toml")).unwrap(),
        baseline
    );
}

#[test]
fn strict_baseline_makes_stale_entries_fail() {
    let tmp = shop_copy();
    let dir = tmp.path();
    assert_eq!(check(dir, &["--update-baseline"]).code, 0);
    // Record one violation more than exists: it is stale.
    let path = dir.join("domains-baseline.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let extra = "\n[[violation]]\nrule = \"forbidden-dependency\"\nfrom_module = \"shop::gone\"\nto_item = \"shop::orders::Order\"\ncount = 1\n";
    std::fs::write(&path, format!("{text}{extra}")).unwrap();
    assert_eq!(check(dir, &[]).code, 0);
    let r = check(dir, &["--strict-baseline"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("shop::gone"), "{}", r.stderr);
}

#[test]
fn malformed_baseline_is_a_precise_error() {
    let tmp = shop_copy();
    let dir = tmp.path();
    std::fs::write(
        dir.join("domains-baseline.toml"),
        "version = 1\n[[violation]]\nrule = \"no-such-rule\"\ncount = 1\n",
    )
    .unwrap();
    let r = check(dir, &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("baseline-invalid"), "{}", r.stderr);
    assert!(
        r.stderr.contains("unknown rule `no-such-rule`"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("domains-baseline.toml:2:1"),
        "{}",
        r.stderr
    );
    std::fs::write(dir.join("domains-baseline.toml"), "version = [").unwrap();
    let r = check(dir, &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("malformed baseline"), "{}", r.stderr);
}

#[test]
fn inline_suppression_needs_a_reason_and_unused_ones_are_reported() {
    let tmp = shop_copy();
    let dir = tmp.path();
    let audit = dir.join("src/db/audit.rs");
    let text = std::fs::read_to_string(&audit).unwrap();
    let line = "use crate::identity::user::UserId;";
    assert!(text.contains(line));
    // Without a reason: ignored, with a warning.
    std::fs::write(
        &audit,
        text.replace(
            line,
            &format!("// domains: allow(forbidden-dependency)\n{line}"),
        ),
    )
    .unwrap();
    let r = check(dir, &["--format", "json"]);
    assert_eq!(summary(&r)["suppressed"], 0);
    assert!(
        r.stdout.contains("suppression without a reason"),
        "{}",
        r.stdout
    );
    // With a reason: suppressed.
    std::fs::write(
        &audit,
        text.replace(line, &format!("// domains: allow(forbidden-dependency) reason: audit log keeps user ids until #42\n{line}")),
    )
    .unwrap();
    let r = check(dir, &["--format", "json"]);
    let s = summary(&r);
    assert_eq!(s["suppressed"], 1, "{s}");
    assert_eq!(s["forbidden_dependencies"], 7);
    // An unused one is reported.
    let clock = dir.join("src/shared/clock.rs");
    let t = std::fs::read_to_string(&clock).unwrap();
    std::fs::write(
        &clock,
        format!("// domains: allow(interface-bypass) reason: stale\n{t}"),
    )
    .unwrap();
    let r = check(dir, &["--format", "json"]);
    assert!(r.stdout.contains("unused-suppression"), "{}", r.stdout);
}

#[test]
fn sarif_output_validates_against_the_sarif_2_1_0_schema() {
    // The official schema (tests/schemas/README.md) has one malformed regex, for `run.language`,
    // which we never emit; the schema validator rejects the schema itself because of it.
    let text =
        std::fs::read_to_string(root().join("tests/schemas/sarif-schema-2.1.0.json")).unwrap();
    let text = text.replace(
        "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
        "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$",
    );
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    for name in ["shop", "workspace", "broken"] {
        let r = check(&fixture(name), &["--format", "sarif"]);
        assert_eq!(r.code, 1, "{name}: {}", r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&v)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        let results = v["runs"][0]["results"].as_array().unwrap();
        assert!(!results.is_empty());
        for res in results {
            let uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap();
            assert!(
                !uri.starts_with('/') && uri.ends_with(".rs"),
                "relative URI: {uri}"
            );
        }
    }
}

#[test]
fn github_format_emits_workflow_annotations() {
    // Named relative to the workspace root, wherever the checkout is (in a git repository the
    // default is relative to its root: tests/ci_formats.rs).
    let r = check(
        &fixture("workspace"),
        &["--format", "github", "--path-prefix", ""],
    );
    assert_eq!(r.code, 1);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(
        lines.contains(
            &"::error file=crates/shop_accounts/src/customer.rs,line=1,col=5,endLine=1,endColumn=37,title=forbidden-dependency::domain `accounts` uses `shop_billing::api::BillingStatus` of domain `billing`, which it may not depend on%0Aadd \"billing\" to `domains.accounts.depends_on` in domains.toml; or move the item to a domain `accounts` may use"
        ),
        "{}",
        r.stdout
    );
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("::error ")).count(),
        2
    );
}

/// Issue 12: a cycle the configuration allows both ways is one finding per group of domains,
/// with the cheapest dependency to cut; baselines written before the grouping (one
/// `a -> b -> a` entry per cycle) still cover it.
#[test]
fn allowed_cycles_are_one_finding_per_group_and_old_baselines_cover_them() {
    let tmp = shop_copy();
    let dir = tmp.path();
    let cfg = dir.join("domains.toml");
    let text = std::fs::read_to_string(&cfg).unwrap().replacen(
        "depends_on = [\"shared\", \"identity\"]\n",
        "depends_on = [\"shared\", \"identity\", \"orders\"]\n",
        1,
    );
    std::fs::write(&cfg, &text).unwrap();
    let r = check(dir, &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let cycles: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "domain-cycle")
        .collect();
    assert_eq!(cycles.len(), 1, "{cycles:#?}");
    let c = cycles[0];
    assert_eq!(c["names"], serde_json::json!(["orders", "payments"]));
    // payments -> orders has 5 references, orders -> payments 42: cut the cheap one.
    assert_eq!(c["cut"].as_array().unwrap().len(), 1);
    assert_eq!(c["cut"][0]["from_domain"], "payments");
    assert_eq!(c["cut"][0]["references"], 5);
    assert_eq!(c["cut"][0]["example"]["file"], "src/payments/ledger.rs");
    let r = check(dir, &[]);
    assert!(
        r.stderr.contains("cut payments -> orders (5 reference(s)"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("depends_on declares a cycle: orders -> payments -> orders"),
        "{}",
        r.stderr
    );
    // An old-format baseline entry for the cycle covers the group's finding: not stale.
    let r = check(dir, &["--update-baseline"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let path = dir.join("domains-baseline.toml");
    let baseline = std::fs::read_to_string(&path).unwrap();
    assert!(
        baseline.contains("to_item = \"orders, payments\""),
        "{baseline}"
    );
    std::fs::write(
        &path,
        baseline.replace(
            "to_item = \"orders, payments\"",
            "to_item = \"orders -> payments -> orders\"",
        ),
    )
    .unwrap();
    let r = check(dir, &["--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = summary(&r);
    assert_eq!(s["stale_baseline_entries"], 0, "{s}");
    assert_eq!(s["domain_cycles"], 0, "{s}");
}

/// Issue 14 (5): `--update-baseline` keeps the entries of a file that failed to load (and of
/// the modules below it), says so, and `check` is green again once the file is fixed.
#[test]
fn update_baseline_keeps_entries_of_files_that_failed_to_load() {
    let tmp = shop_copy();
    let dir = tmp.path();
    assert_eq!(check(dir, &["--update-baseline"]).code, 0);
    let path = dir.join("domains-baseline.toml");
    let before = std::fs::read_to_string(&path).unwrap();
    assert!(before.contains("shop::payments::refund"), "{before}");
    // Break payments/refund.rs (it holds a baselined violation), update, fix it again.
    let refund = dir.join("src/payments/refund.rs");
    let good = std::fs::read_to_string(&refund).unwrap();
    std::fs::write(&refund, format!("{good}\nfn broken( {{\n")).unwrap();
    let r = check(dir, &["--update-baseline"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("parse-error"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("kept 3 baseline entries of code that could not be analysed"),
        "{}",
        r.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        before,
        "the entry survived byte for byte"
    );
    std::fs::write(&refund, good).unwrap();
    let r = check(dir, &["--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(summary(&r)["stale_baseline_entries"], 0);
}
