//! `cargo domains sync`: a round trip on a copy of `fixtures/shop` (comments, key and table
//! order survive; the result has no forbidden dependency; a second run changes nothing), the
//! `--check` exit codes, the Cargo.toml metadata location, refusal on a bad configuration,
//! and writes that fail (read-only file or directory, a full disk) leaving the file intact.

mod common;
use common::*;

use std::path::{Path, PathBuf};

/// Copies a directory tree (without `target/`).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "target" {
                copy_tree(&src, &dst);
            }
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// A temporary copy of `fixtures/shop`; returns the temp dir and its root.
fn shop_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("shop");
    copy_tree(&fixture("shop"), &root);
    (tmp, root)
}

fn sync(root: &Path, flags: &[&str]) -> Run {
    let mut args = vec!["sync"];
    args.extend_from_slice(flags);
    run_in(root, &args)
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

/// Names of the files in a directory, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The changes `sync` prints for the shop fixture, in the file's order of domains.
const SHOP_CHANGES: &str = r#"+ domains.db.depends_on: "identity"  (1 forbidden reference, first at src/db/audit.rs:5:5)
+ domains.inventory.depends_on: "identity"  (1 forbidden reference, first at src/inventory/reservation.rs:8:5)
- domains.inventory.depends_on: "db"  (unused: no reference from `inventory` to `db`)
+ domains.payments.depends_on: "orders"  (3 forbidden references, first at src/payments/ledger.rs:112:6)
+ domains.notifications.depends_on: "catalog"  (1 forbidden reference, first at src/notifications/templates.rs:85:17)
+ domains.notifications.depends_on: "inventory"  (1 forbidden reference, first at src/api/notifications.rs:4:5)
+ domains.notifications.depends_on: "payments"  (1 forbidden reference, first at src/notifications/handlers.rs:103:60)
"#;

/// What `check` still finds on shop after the sync, as sync says it: the six interface
/// bypasses, the orders/payments cycle and the unassigned legacy module.
const SHOP_LEFT: &str = "`cargo domains check` still finds 7 errors and 1 warning (before the baseline; it fails):
  interface-bypass 6 errors: depends_on allows the domain, not a way around its `interface`: go through the interface, or add the item to that domain's `interface`
  domain-cycle 1 error: an entry accepts a dependency, it does not break a cycle: cut the dependencies `check` names
  unassigned-module 1 warning: no domain claims the module: add it to a domain's `modules`
";

#[test]
fn round_trip_on_shop_keeps_comments_and_order_and_clears_forbidden_dependencies() {
    let (_tmp, root) = shop_copy();
    let cfg = root.join("domains.toml");
    let before = read(&cfg);
    let r = sync(&root, &["--add", "--prune"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, SHOP_CHANGES);
    assert!(
        r.stderr
            .contains("wrote domains.toml: 6 depends_on entries added, 1 removed"),
        "{}",
        r.stderr
    );
    // payments -> orders makes depends_on itself declare the orders/payments cycle.
    assert!(
        r.stderr
            .contains("depends_on declares a cycle: orders -> payments -> orders"),
        "{}",
        r.stderr
    );
    // What sync cannot fix is named, per rule, with why: exactly what `check` reports next
    // (`check_after_sync` below asserts those findings one by one).
    assert!(
        r.stderr
            .ends_with(&format!("after these changes, {SHOP_LEFT}")),
        "{}",
        r.stderr
    );
    let after = read(&cfg);
    // Every line but the four changed depends_on lines is byte-identical, comments included.
    let changed: Vec<(&str, &str)> = before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(before.lines().count(), after.lines().count());
    assert_eq!(
        changed,
        [
            (
                r#"depends_on = ["shared"]"#,
                r#"depends_on = ["shared", "identity"]"#
            ),
            (
                r#"depends_on = ["shared", "db", "catalog"]"#,
                r#"depends_on = ["shared", "catalog", "identity"]"#
            ),
            (
                r#"depends_on = ["shared", "identity"]"#,
                r#"depends_on = ["shared", "identity", "orders"]"#
            ),
            (
                r#"depends_on = ["shared", "identity", "orders"]"#,
                r#"depends_on = ["shared", "identity", "orders", "catalog", "inventory", "payments"]"#
            ),
        ]
    );
    for comment in [
        "# Business-domain boundaries of the `shop` monolith, checked by `cargo domains`.",
        "# Intended architecture (arrows = \"may depend on\"; shared kernel omitted):",
        "#   orders        -> identity, catalog, inventory, payments",
        "# go through it.",
    ] {
        assert!(after.lines().any(|l| l == comment), "lost: {comment}");
    }
    let tables: Vec<&str> = after
        .lines()
        .filter_map(|l| l.strip_prefix("[domains.")?.strip_suffix(']'))
        .collect();
    assert_eq!(
        tables,
        [
            "shared",
            "db",
            "identity",
            "catalog",
            "inventory",
            "payments",
            "orders",
            "notifications",
            "app"
        ]
    );
    assert_eq!(
        listing(&root),
        listing(&fixture("shop")),
        "a temp file was left"
    );
    check_after_sync(&root);
    // A second run has nothing to do and leaves the bytes alone.
    let again = sync(&root, &["--add", "--prune"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.stdout, "");
    assert_eq!(
        again.stderr,
        format!(
            "domains.toml: depends_on matches the code, nothing to change\n{}",
            SHOP_LEFT.replacen("still finds", "finds", 1)
        )
    );
    assert_eq!(read(&cfg), after);
    assert_eq!(sync(&root, &["--check"]).code, 0);
}

/// What `check` still finds after the sync: no forbidden dependency; the interface bypasses
/// (the two that were also forbidden are now plain bypasses), the unassigned legacy module
/// and the orders/payments cycle remain.
fn check_after_sync(root: &Path) {
    let c = run_in(root, &["check", "--format", "json"]);
    assert_eq!(c.code, 1, "{}", c.stderr);
    let row = |rule: &str, at: &str, from: &str, to: &str| {
        (
            rule.to_string(),
            at.to_string(),
            from.to_string(),
            to.to_string(),
        )
    };
    let mut want = vec![
        row(
            "interface-bypass",
            "src/api/payments.rs:4:5",
            "shop::api::payments",
            "shop::identity::session::SessionToken",
        ),
        row(
            "interface-bypass",
            "src/db/audit.rs:5:5",
            "shop::db::audit",
            "shop::identity::user::UserId",
        ),
        row(
            "interface-bypass",
            "src/notifications/handlers.rs:103:60",
            "shop::notifications::handlers",
            "shop::payments::refund::Refund",
        ),
        row(
            "interface-bypass",
            "src/orders/cart.rs:5:5",
            "shop::orders::cart",
            "shop::identity::user::UserId",
        ),
        row(
            "interface-bypass",
            "src/orders/checkout.rs:85:19",
            "shop::orders::checkout",
            "shop::identity::session::Session",
        ),
        row(
            "interface-bypass",
            "src/orders/lifecycle.rs:10:5",
            "shop::orders::lifecycle",
            "shop::payments::refund::RefundReason",
        ),
        row("unassigned-module", "src/lib.rs:26:9", "shop::legacy", "-"),
        // The cycle is shown from its cheapest cut (payments -> orders, 5 references).
        row("domain-cycle", "-", "payments -> orders -> payments", "-"),
    ];
    want.sort();
    assert_eq!(actual_findings(&c.stdout), want);
}

#[test]
fn check_flag_exits_1_while_out_of_date_and_never_writes() {
    let (_tmp, root) = shop_copy();
    let cfg = root.join("domains.toml");
    let original = read(&cfg);
    // The preview prints the changes, exits 0 and writes nothing.
    let preview = sync(&root, &[]);
    assert_eq!(preview.code, 0, "{}", preview.stderr);
    assert_eq!(preview.stdout, SHOP_CHANGES);
    assert!(
        preview.stderr.contains("nothing was changed"),
        "{}",
        preview.stderr
    );
    let check = sync(&root, &["--check"]);
    assert_eq!(check.code, 1, "{}", check.stderr);
    assert_eq!(check.stdout, SHOP_CHANGES);
    assert!(
        check.stderr.contains("domains.toml is out of date"),
        "{}",
        check.stderr
    );
    let only_prune = sync(&root, &["--check", "--prune"]);
    assert_eq!(only_prune.code, 1);
    assert_eq!(
        only_prune.stdout,
        "- domains.inventory.depends_on: \"db\"  (unused: no reference from `inventory` to `db`)\n"
    );
    assert_eq!(sync(&root, &["--check", "--add", "--prune"]).code, 1);
    assert_eq!(read(&cfg), original, "--check or a preview wrote the file");
    // After --add, only the prune is pending.
    let add = sync(&root, &["--add"]);
    assert_eq!(add.code, 0, "{}", add.stderr);
    assert!(
        add.stderr.contains("0 to add and 1 to remove are left"),
        "{}",
        add.stderr
    );
    assert_eq!(sync(&root, &["--check", "--add"]).code, 0);
    assert_eq!(sync(&root, &["--check"]).code, 1);
    assert_eq!(sync(&root, &["--prune"]).code, 0);
    let done = sync(&root, &["--check"]);
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert_eq!(done.stdout, "");
}

const MANIFEST: &str = r#"# A package whose configuration lives in its manifest.
[package]
name = "meta"
version = "0.1.0"
edition = "2021"

[workspace]

# Domain boundaries.
[workspace.metadata.domains.settings]
unassigned = "deny"

[workspace.metadata.domains.domains.a]
modules = ["crate::a"]
depends_on = [
    "c", # c was needed once
]

[workspace.metadata.domains.domains.b]
modules = ["crate::b"]

[workspace.metadata.domains.domains.c]
modules = ["crate::c"]
shared = true

[workspace.metadata.domains.domains.root]
modules_exact = ["crate"]
depends_on = ["*"]

[dependencies] # none yet
"#;

#[test]
fn cargo_toml_metadata_is_edited_in_place_and_nothing_else_changes() {
    let tmp = temp_crate(
        "meta",
        &[(
            "src/lib.rs",
            "pub mod a { pub fn f() { crate::b::g(); } }\npub mod b { pub fn g() {} }\npub mod c {}\n",
        )],
    );
    let manifest = tmp.path().join("Cargo.toml");
    std::fs::write(&manifest, MANIFEST).unwrap();
    let r = sync(tmp.path(), &["--add", "--prune"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "+ domains.a.depends_on: \"b\"  (1 forbidden reference, first at src/lib.rs:1:26)\n\
         - domains.a.depends_on: \"c\"  (unused: no reference from `a` to `c`)\n"
    );
    assert!(r.stderr.contains("wrote Cargo.toml"), "{}", r.stderr);
    // Nothing is left that depends_on does not govern: sync says check is green, and it is.
    assert!(
        r.stderr.ends_with(
            "after these changes, `cargo domains check` finds nothing (before the baseline)\n"
        ),
        "{}",
        r.stderr
    );
    // `c` goes with its comment; `b` takes its line; the rest is untouched.
    let want = MANIFEST.replace(
        "depends_on = [\n    \"c\", # c was needed once\n]",
        "depends_on = [\n    \"b\",\n]",
    );
    assert_eq!(read(&manifest), want);
    let c = run_in(tmp.path(), &["check"]);
    assert_eq!(c.code, 0, "{}", c.stderr);
    let again = sync(tmp.path(), &["--add", "--prune"]);
    assert_eq!(again.code, 0);
    assert_eq!(read(&manifest), want);
}

#[test]
fn a_bad_configuration_is_refused_as_check_refuses_it() {
    let (_tmp, root) = shop_copy();
    let cfg = root.join("domains.toml");
    let bad = read(&cfg).replace(
        "depends_on = [\"shared\", \"identity\"]\ninterface = [\"crate::payments::api\"",
        "depends_on = [\"shared\", \"identty\"]\ninterface = [\"crate::payments::api\"",
    );
    assert_ne!(bad, read(&cfg));
    std::fs::write(&cfg, &bad).unwrap();
    let check = run_in(&root, &["check"]);
    for flags in [&["--add", "--prune"][..], &[][..], &["--check"][..]] {
        let r = sync(&root, flags);
        assert_eq!(r.code, 2, "{flags:?}: {}", r.stderr);
        assert_eq!(r.stdout, "");
        // The same rendering as `check`: every error, with its code and its place.
        assert_eq!(r.stderr, check.stderr);
        assert!(r.stderr.contains("config-unknown-domain"), "{}", r.stderr);
        assert!(
            r.stderr.contains("did you mean `identity`?"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("1 configuration error"), "{}", r.stderr);
    }
    assert_eq!(read(&cfg), bad);
}

#[test]
fn a_read_only_file_is_left_intact() {
    let (_tmp, root) = shop_copy();
    let cfg = root.join("domains.toml");
    let original = read(&cfg);
    let mut perm = std::fs::metadata(&cfg).unwrap().permissions();
    perm.set_readonly(true);
    std::fs::set_permissions(&cfg, perm).unwrap();
    let r = sync(&root, &["--add", "--prune"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("the file is read-only")
            && r.stderr.contains("domains.toml was left unchanged"),
        "{}",
        r.stderr
    );
    assert_eq!(read(&cfg), original);
    assert!(std::fs::metadata(&cfg).unwrap().permissions().readonly());
    assert_eq!(listing(&root), listing(&fixture("shop")));
}

#[cfg(unix)]
#[test]
fn a_read_only_directory_is_a_clear_error() {
    use std::os::unix::fs::PermissionsExt;
    let (_tmp, root) = shop_copy();
    let cfg = root.join("domains.toml");
    let original = read(&cfg);
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o555)).unwrap();
    let probe = root.join(".probe");
    let can_write_anyway = std::fs::write(&probe, "").is_ok();
    let r = sync(&root, &["--add", "--prune"]);
    let _ = std::fs::remove_file(&probe);
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
    if can_write_anyway {
        // Root ignores directory permissions: the write goes through (the full-disk test
        // below covers a failing write whoever runs it).
        assert_eq!(r.code, 0, "{}", r.stderr);
        return;
    }
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("cannot create a temporary file in")
            && r.stderr.contains("Permission denied"),
        "{}",
        r.stderr
    );
    assert_eq!(read(&cfg), original);
}

/// A write that fails half way (here: a file-size limit of 0, as on a full disk) leaves
/// the original and no temporary file.
#[cfg(unix)]
#[test]
fn a_failing_write_leaves_the_original_and_no_temporary_file() {
    let (_tmp, root) = shop_copy();
    let cfg = root.join("domains.toml");
    let original = read(&cfg);
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 0; exec \"$0\" sync --add --prune")
        .arg(env!("CARGO_BIN_EXE_cargo-domains"))
        .current_dir(&root)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot write the temporary file")
            && stderr.contains("domains.toml was left unchanged"),
        "{stderr}"
    );
    assert_eq!(read(&cfg), original);
    assert_eq!(listing(&root), listing(&fixture("shop")));
}

/// A symlinked configuration is written through: the link stays, its target changes and
/// keeps its mode.
#[cfg(unix)]
#[test]
fn a_symlinked_configuration_is_written_through() {
    use std::os::unix::fs::PermissionsExt;
    let (tmp, root) = shop_copy();
    let shared = tmp.path().join("config");
    std::fs::create_dir(&shared).unwrap();
    let target = shared.join("shop-domains.toml");
    std::fs::rename(root.join("domains.toml"), &target).unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::symlink("../config/shop-domains.toml", root.join("domains.toml")).unwrap();
    let r = sync(&root, &["--add", "--prune"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let link = std::fs::symlink_metadata(root.join("domains.toml")).unwrap();
    assert!(link.file_type().is_symlink());
    assert!(read(&target).contains(r#"depends_on = ["shared", "identity", "orders"]"#));
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    assert_eq!(listing(&shared), ["shop-domains.toml"]);
}

/// Test code counts as `check` counts it: only with `--include-tests` (or the setting).
#[test]
fn test_code_is_counted_only_with_include_tests() {
    let (_tmp, root) = shop_copy();
    let plain = sync(&root, &[]);
    assert_eq!(plain.stdout, SHOP_CHANGES);
    let with_tests = sync(&root, &["--include-tests"]);
    assert_eq!(with_tests.code, 0, "{}", with_tests.stderr);
    // identity/service.rs tests use crate::orders::OrderId (EXPECTED.md).
    assert!(
        with_tests.stdout.contains(
            "+ domains.identity.depends_on: \"orders\"  (1 forbidden reference, first at src/identity/service.rs:211:9)"
        ),
        "{}",
        with_tests.stdout
    );
    let cfg = root.join("domains.toml");
    std::fs::write(
        &cfg,
        read(&cfg).replace("include_tests = false", "include_tests = true"),
    )
    .unwrap();
    assert_eq!(sync(&root, &[]).stdout, with_tests.stdout);
}

/// A file that does not parse hides its references: pruning is refused, adding is not.
#[test]
fn pruning_is_refused_when_a_file_could_not_be_analysed() {
    let (_tmp, root) = shop_copy();
    let cfg = root.join("domains.toml");
    let original = read(&cfg);
    let search = root.join("src/catalog/search.rs");
    std::fs::write(&search, read(&search) + "\npub fn broken( {\n").unwrap();
    let preview = sync(&root, &[]);
    assert_eq!(preview.code, 0, "{}", preview.stderr);
    assert!(
        preview
            .stderr
            .contains("warning: 1 file could not be analysed (src/catalog/search.rs)"),
        "{}",
        preview.stderr
    );
    for flags in [
        &["--prune"][..],
        &["--add", "--prune"][..],
        &["--check"][..],
    ] {
        let r = sync(&root, flags);
        assert_eq!(r.code, 2, "{flags:?}: {}", r.stderr);
        assert!(r.stderr.contains("so nothing is pruned"), "{}", r.stderr);
        assert_eq!(read(&cfg), original);
    }
    let add = sync(&root, &["--add"]);
    assert_eq!(add.code, 0, "{}", add.stderr);
    assert!(read(&cfg).contains(r#"depends_on = ["shared", "db", "catalog", "identity"]"#));
}

#[test]
fn prune_alone_says_the_forbidden_dependencies_are_left_for_add() {
    let (_tmp, root) = shop_copy();
    let r = sync(&root, &["--prune"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "- domains.inventory.depends_on: \"db\"  (unused: no reference from `inventory` to `db`)\n"
    );
    // 8 forbidden references (4 of them also bypass an interface: one finding each, naming
    // both), 4 plain bypasses, the unassigned module: the status says which command fixes what.
    assert!(
        r.stderr.ends_with(
            "6 to add and 0 to remove are left; `cargo domains sync --add` does them
after these changes, `cargo domains check` still finds 12 errors and 1 warning (before the baseline; it fails):
  forbidden-dependency 8 errors: `cargo domains sync --add` adds these entries
  interface-bypass 4 errors: depends_on allows the domain, not a way around its `interface`: go through the interface, or add the item to that domain's `interface`
  unassigned-module 1 warning: no domain claims the module: add it to a domain's `modules`
"
        ),
        "{}",
        r.stderr
    );
    let c = run_in(&root, &["check", "--format", "json"]);
    let rules: Vec<String> = actual_findings(&c.stdout)
        .into_iter()
        .map(|f| f.0)
        .collect();
    let count = |r: &str| rules.iter().filter(|x| *x == r).count();
    assert_eq!(
        (
            count("forbidden-dependency"),
            count("interface-bypass"),
            count("unassigned-module"),
            rules.len()
        ),
        (8, 4, 1, 13)
    );
}
