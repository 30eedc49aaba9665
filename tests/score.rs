//! `cargo domains score` on fixtures/scoring, whose outcome is known by construction (see its
//! domains.toml): bands, blockers, the merge suggestion and the plan's interface exactly;
//! then properties on modified copies.

mod common;

use std::path::{Path, PathBuf};

use cargo_domains::analysis::{self, Options};
use cargo_domains::score::{self, Band, BlockerKind, Scores};

fn scores_at(manifest: &Path) -> (Scores, analysis::Checked) {
    let opts = Options {
        manifest_path: Some(manifest.to_path_buf()),
        ..Default::default()
    };
    let checked = match analysis::check(&opts) {
        Ok(c) => c,
        Err(_) => panic!("fixtures/scoring does not check"),
    };
    (score::score(&checked), checked)
}

fn fixture_manifest() -> PathBuf {
    common::fixture("scoring").join("Cargo.toml")
}

fn by_name<'a>(s: &'a Scores, name: &str) -> &'a score::DomainScore {
    s.domains
        .iter()
        .find(|d| d.domain == name)
        .unwrap_or_else(|| panic!("no domain {name}"))
}

/// Both figures of every domain, in ranking order: (domain, crate readiness, its band,
/// service readiness, its band).
fn figures(s: &Scores) -> Vec<(&str, f64, Band, f64, Band)> {
    s.domains
        .iter()
        .map(|d| {
            (
                d.domain.as_str(),
                d.crate_readiness.score,
                d.crate_readiness.band,
                d.score,
                d.band,
            )
        })
        .collect()
}

#[test]
fn both_figures_on_the_scoring_fixture() {
    let (s, _) = scores_at(&fixture_manifest());
    use Band::*;
    // Ranked crate first: notifications and catalog use nothing but the kernel (catalog's
    // one hazard is the `pub(crate)` `round_price` orders calls); payments and orders call
    // each other (and payments' calls into orders are forbidden), so neither compiles alone.
    assert_eq!(
        figures(&s),
        vec![
            ("notifications", 100.0, Ready, 100.0, Ready),
            ("catalog", 96.3, Ready, 68.5, NeedsSeams),
            ("payments", 55.7, NeedsSeams, 44.2, NeedsSeams),
            ("orders", 46.0, NeedsSeams, 36.6, Entangled),
        ]
    );
    let crate_kinds = |n: &str| -> Vec<BlockerKind> {
        by_name(&s, n)
            .crate_readiness
            .blockers
            .iter()
            .map(|b| b.kind)
            .collect()
    };
    assert_eq!(
        crate_kinds("payments"),
        [BlockerKind::DomainCycle, BlockerKind::ForbiddenDependency]
    );
    assert_eq!(crate_kinds("orders"), [BlockerKind::DomainCycle]);
    let payments = by_name(&s, "payments");
    assert_eq!(payments.crate_readiness.uses_domains, ["orders"]);
    assert_eq!(payments.crate_readiness.kernels, ["kernel"]);
    // Seven distinct (caller, callee) pairs into six items of orders (the plan lists them),
    // each item weighted once by its tightest class: Order and OrderStatus::Paid (model,
    // 1.0 each), lock_order (`pub(crate)`: intrusive, 2.0), mark_paid, mark_refunded and
    // order_total (functional, 1.5 each) = 8.5; outgoing = 3 / (3 + 8.5) = 0.261.
    let out = &payments.crate_readiness.components[0];
    assert_eq!(out.name, "outgoing");
    assert_eq!(out.evidence["outgoing_pairs"], 7.0);
    assert_eq!(out.evidence["items_used"], 6.0);
    assert_eq!(out.evidence["weighted"], 8.5);
    assert_eq!(out.value, 0.261);
}

/// The sqlx-core shape: a shared kernel whose trait returns a domain's type.
#[test]
fn a_kernel_naming_a_domain_is_a_crate_cycle() {
    let (s, checked) = scores_at(&common::fixture("kernel_cycle").join("Cargo.toml"));
    use Band::*;
    assert_eq!(
        figures(&s),
        vec![
            ("pool", 100.0, Ready, 100.0, Ready),
            ("any", 69.0, NeedsSeams, 69.0, NeedsSeams),
        ]
    );
    let any = by_name(&s, "any");
    // Without the kernel, `any` would be ready: its service model is clean.
    assert_eq!(any.model_score, 100.0);
    assert_eq!(any.crate_readiness.raw, 81.3);
    let b = &any.crate_readiness.blockers[0];
    assert_eq!(b.kind, BlockerKind::CrateCycle);
    assert_eq!(b.with, ["kernel"]);
    let at: Vec<&str> = b.evidence.iter().map(|e| e.at.as_str()).collect();
    assert_eq!(
        at,
        [
            "src/database.rs:21",
            "src/database.rs:25",
            "src/database.rs:25"
        ]
    );
    assert!(b.fix.contains("`dbcore::any::AnyConnection`"), "{}", b.fix);
    // The service figure names it too, and the plan lists the crate cycle.
    assert!(
        any.blockers
            .iter()
            .any(|x| x.kind == BlockerKind::CrateCycle)
    );
    let d = checked
        .config
        .domains
        .iter()
        .position(|d| d.name == "any")
        .unwrap();
    let plan = score::plan(&checked, d).unwrap();
    let hazards: Vec<(score::HazardKind, &str)> = plan
        .hazards
        .iter()
        .map(|h| (h.kind, h.at.as_str()))
        .collect();
    assert_eq!(
        hazards,
        [(score::HazardKind::CrateCycle, "src/database.rs:21")]
    );
}

#[test]
fn bands_blockers_and_merge() {
    let (s, _) = scores_at(&fixture_manifest());
    let bands: Vec<(&str, Band)> = s
        .domains
        .iter()
        .map(|d| (d.domain.as_str(), d.band))
        .collect();
    assert_eq!(
        bands,
        vec![
            ("notifications", Band::Ready),
            ("catalog", Band::NeedsSeams),
            // 0.3 bounds data hyperbolically (one foreign writer no longer zeroes it):
            // payments rises from 37.0 to 44.2.
            ("payments", Band::NeedsSeams),
            ("orders", Band::Entangled),
        ]
    );
    assert_eq!(s.not_scored, vec!["app", "kernel"]);
    assert_eq!(s.scoring_version, score::SCORING_VERSION);
    for name in ["notifications", "catalog"] {
        assert!(by_name(&s, name).blockers.is_empty(), "{name}");
    }
    for name in ["orders", "payments"] {
        let d = by_name(&s, name);
        let kinds: Vec<BlockerKind> = d.blockers.iter().map(|b| b.kind).collect();
        let mut expected = vec![
            BlockerKind::CoWrittenTable,
            BlockerKind::CoWrittenTable,
            BlockerKind::DomainCycle,
            BlockerKind::SharedMutableGlobal,
        ];
        // `check` reports payments' six references into orders as forbidden (orders may
        // use payments, not the reverse): the score names them too.
        if name == "payments" {
            expected.push(BlockerKind::ForbiddenDependency);
        }
        assert_eq!(kinds, expected, "{name}");
        // Each writes the other's table: the foreign write first, then the owner's writes.
        let tables: Vec<(&str, Vec<&str>)> = d.blockers[..2]
            .iter()
            .map(|b| {
                (
                    b.summary.as_str(),
                    b.evidence.iter().map(|e| e.at.as_str()).collect(),
                )
            })
            .collect();
        let (me, other) = if name == "orders" {
            ("orders", "payments")
        } else {
            ("payments", "orders")
        };
        assert_eq!(
            tables,
            vec![
                (
                    format!("table `orders` is written by `{me}` and `{other}` (owner: `orders`, majority writer)").as_str(),
                    vec!["src/orders/store.rs:33", "src/orders/store.rs:70", "src/payments/store.rs:49"]
                ),
                (
                    format!("table `payments` is written by `{me}` and `{other}` (owner: `payments`, majority writer)").as_str(),
                    vec!["src/orders/store.rs:76", "src/payments/store.rs:30", "src/payments/store.rs:43"]
                ),
            ]
        );
        let cycle = &d.blockers[2];
        assert_eq!(cycle.summary, "in a dependency cycle: orders <-> payments");
        // The cheapest cut is orders -> payments, shown at its first reference.
        assert_eq!(cycle.evidence.len(), 1);
        assert!(
            cycle.evidence[0]
                .note
                .starts_with("cut `orders` -> `payments`")
        );
        assert_eq!(cycle.evidence[0].at, "src/orders/checkout.rs:27");
        let global = &d.blockers[3];
        assert!(global.summary.contains("market::payments::ledger::LEDGER"));
        let at: Vec<&str> = global.evidence.iter().map(|e| e.at.as_str()).collect();
        assert_eq!(
            at,
            vec!["src/payments/ledger.rs:14", "src/orders/checkout.rs:43"]
        );
    }
    // The catalog is reached around its interface.
    let catalog = by_name(&s, "catalog");
    let api = catalog
        .components
        .iter()
        .find(|c| c.name == "interface")
        .unwrap();
    assert!(api.evidence["bypassing"] > 0.0);
    // Notifications only talks through the kernel's queue.
    let n = by_name(&s, "notifications");
    assert_eq!(n.seams, 0);
    assert!(n.low_evidence);
    // orders and payments: merge suggested, and the union has neither blocker.
    assert_eq!(s.merges.len(), 1);
    let m = &s.merges[0];
    assert_eq!(m.domains, ["orders".to_string(), "payments".to_string()]);
    assert_eq!(
        m.shared,
        vec![
            BlockerKind::CoWrittenTable,
            BlockerKind::DomainCycle,
            BlockerKind::SharedMutableGlobal
        ]
    );
    assert!(m.suggested);
    assert!(m.union.blockers.is_empty());
    // A merge is a service question: the unions' service models are compared.
    let halves = [by_name(&s, "orders"), by_name(&s, "payments")];
    assert!(m.union.model_score >= halves[0].raw.max(halves[1].raw) + score::MERGE_MARGIN);
}

#[test]
fn plan_of_payments() {
    let (_, checked) = scores_at(&fixture_manifest());
    let d = checked
        .config
        .domains
        .iter()
        .position(|d| d.name == "payments")
        .unwrap();
    let plan = score::plan(&checked, d).expect("payments is scored");
    let interface: Vec<(&str, Vec<&str>)> = plan
        .interface
        .iter()
        .map(|e| {
            (
                e.item.as_str(),
                e.callers.iter().map(|c| c.caller.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        interface,
        vec![
            (
                "market::payments::gateway::charge",
                vec!["market::orders::checkout::place"]
            ),
            (
                "market::payments::gateway::refund",
                vec!["market::orders::checkout::cancel"]
            ),
            (
                "market::payments::ledger::LEDGER",
                vec!["market::orders::checkout::already_charged"]
            ),
            (
                "market::payments::receipts::Receipt",
                vec!["market::orders::model::Order"]
            ),
        ]
    );
    let outgoing: Vec<&str> = plan.outgoing.iter().map(|e| e.item.as_str()).collect();
    assert_eq!(
        outgoing,
        vec![
            "market::orders::model::Order",
            "market::orders::model::OrderStatus::Paid",
            "market::orders::status::lock_order",
            "market::orders::status::mark_paid",
            "market::orders::status::mark_refunded",
            "market::orders::status::order_total",
        ]
    );
    let hazards: Vec<(score::HazardKind, &str)> = plan
        .hazards
        .iter()
        .map(|h| (h.kind, h.at.as_str()))
        .collect();
    assert_eq!(
        hazards,
        vec![
            (score::HazardKind::Visibility, "src/orders/status.rs:29"),
            (score::HazardKind::CrateCycle, "src/orders/checkout.rs:27"),
        ]
    );
    // The tables it shares: its own two, and the orders table it writes.
    let tables: Vec<(&str, &str, Option<&str>, Vec<&str>)> = plan
        .tables
        .iter()
        .map(|t| {
            (
                t.table.as_str(),
                t.access,
                t.owner.as_deref(),
                t.writers.iter().map(|w| w.domain.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        tables,
        vec![
            ("orders", "writes", Some("orders"), vec!["orders"]),
            ("payments", "writes", Some("payments"), vec!["orders"]),
            ("receipts", "writes", Some("payments"), vec![]),
        ]
    );
    assert_eq!(plan.tables[0].sites, ["src/payments/store.rs:49"]);
    // sqlx is the only Cargo dependency its code names.
    let deps: Vec<(&str, usize)> = plan
        .dependencies
        .iter()
        .map(|d| (d.name.as_str(), d.sites))
        .collect();
    // Nine paths, and `#[derive(Debug, sqlx::FromRow)]` on its row type.
    assert_eq!(deps, vec![("sqlx", 10)]);
    // The kernel and the composition root have no plan.
    let kernel = checked
        .config
        .domains
        .iter()
        .position(|d| d.name == "kernel")
        .unwrap();
    assert!(score::plan(&checked, kernel).is_none());
}

#[test]
fn cli_score_and_plan() {
    let m = fixture_manifest();
    let m = m.to_str().unwrap();
    let r = common::run(&["score", "--manifest-path", m]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let first: Vec<&str> = r.stdout.lines().take(5).collect();
    assert!(first[0].starts_with("domain"));
    assert!(first[1].starts_with("notifications") && first[1].contains("Ready"));
    assert!(first[2].starts_with("catalog") && first[2].contains("Needs seams"));
    assert!(first[4].starts_with("orders") && first[4].contains("Entangled"));
    assert!(r.stdout.contains("merge orders + payments"));
    let j = common::run(&["score", "--manifest-path", m, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&j.stdout).expect("json");
    assert_eq!(v["scoring_version"], score::SCORING_VERSION);
    assert_eq!(v["domains"][0]["band"], "Ready");
    let md = common::run(&["score", "--manifest-path", m, "--format", "markdown"]);
    assert!(
        md.stdout
            .starts_with("| domain | crate | band | service | band | top blocker |")
    );
    let p = common::run(&["score", "payments", "--plan", "--manifest-path", m]);
    assert_eq!(p.code, 0, "{}", p.stderr);
    assert!(p.stdout.contains("interface: 4 items used from outside"));
    // Crate first, then service.
    let crate_at = p
        .stdout
        .find("1. make it a crate of its own")
        .expect("crate step");
    let service_at = p
        .stdout
        .find("2. then a service of its own")
        .expect("service step");
    assert!(crate_at < p.stdout.find("calls out: 6 items").unwrap());
    assert!(p.stdout.find("its Cargo.toml would be:").unwrap() < service_at);
    assert!(
        p.stdout
            .contains("market-kernel = { path = \"../kernel\" }")
    );
    assert!(p.stdout.contains("sqlx = { workspace = true }"));
    assert!(p.stdout.contains("# not possible yet: it uses `orders`"));
    // Human output is in words: no raw variable names unless --verbose.
    assert!(!r.stdout.contains("weighted_pairs="), "{}", r.stdout);
    assert!(r.stdout.contains("each becomes a network call"));
    assert!(r.stdout.contains("    do: "));
    let v = common::run(&["score", "--manifest-path", m, "--verbose"]);
    assert!(v.stdout.contains("weighted_pairs="));
    let bad = common::run(&["score", "kernel", "--plan", "--manifest-path", m]);
    assert_eq!(bad.code, 2);
    let unknown = common::run(&["score", "nope", "--manifest-path", m]);
    assert_eq!(unknown.code, 2);
}

/// A copy of the fixture in a temp dir, with `edits` applied: (file, old, new).
fn modified(edits: &[(&str, &str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&common::fixture("scoring"), dir.path());
    for (file, old, new) in edits {
        let path = dir.path().join(file);
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.contains(old), "{file} lacks {old:?}");
        std::fs::write(&path, text.replacen(old, new, 1)).expect("write");
    }
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let name = e.file_name();
        if name == "target" {
            continue;
        }
        let (src, dst) = (e.path(), to.join(&name));
        if e.file_type().expect("type").is_dir() {
            std::fs::create_dir_all(&dst).expect("mkdir");
            copy_dir(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).expect("copy");
        }
    }
}

fn score_of(s: &Scores, name: &str) -> f64 {
    by_name(s, name).score
}

fn assert_in_range(s: &Scores) {
    for d in s.domains.iter().chain(s.merges.iter().map(|m| &m.union)) {
        assert!((0.0..=100.0).contains(&d.score), "{} {}", d.domain, d.score);
        for c in &d.components {
            assert!((0.0..=1.0).contains(&c.value), "{} {}", d.domain, c.name);
        }
    }
}

const DOMAINS: [&str; 4] = ["notifications", "catalog", "orders", "payments"];

#[test]
fn adding_a_forbidden_reference_never_raises_a_score() {
    let (base, _) = scores_at(&fixture_manifest());
    // notifications starts reading order state: forbidden (it may only use the kernel).
    let dir = modified(&[(
        "src/notifications/worker.rs",
        "use crate::kernel::queue::Queue;",
        "use crate::kernel::queue::Queue;\n\npub fn still_open(o: &crate::orders::model::Order) -> bool {\n    crate::orders::status::is_open(o)\n}",
    )]);
    let (after, checked) = scores_at(&dir.path().join("Cargo.toml"));
    assert!(checked.findings.iter().any(|f| {
        f.rule.code() == "forbidden-dependency"
            && f.from_domain
                .map(|d| checked.config.domains[d].name.as_str())
                == Some("notifications")
    }));
    for name in DOMAINS {
        assert!(
            score_of(&after, name) <= score_of(&base, name),
            "{name}: {} -> {}",
            score_of(&base, name),
            score_of(&after, name)
        );
    }
    assert!(score_of(&after, "notifications") < score_of(&base, "notifications"));
    // The catalog calls back into orders: a new cycle; the catalog is now blocked.
    let dir = modified(&[(
        "src/catalog/api.rs",
        "/// Whether the product can be sold.",
        "pub fn in_open_order(o: &crate::orders::model::Order) -> bool {\n    crate::orders::status::is_open(o)\n}\n\n/// Whether the product can be sold.",
    )]);
    let (after, _) = scores_at(&dir.path().join("Cargo.toml"));
    assert!(score_of(&after, "catalog") <= score_of(&base, "catalog"));
    assert!(
        by_name(&after, "catalog")
            .blockers
            .iter()
            .any(|b| b.kind == BlockerKind::DomainCycle)
    );
    assert_in_range(&after);
}

#[test]
fn removing_a_blocker_never_lowers_a_score() {
    let (base, _) = scores_at(&fixture_manifest());
    // orders stops reading the payments' ledger: no shared mutable global any more.
    let dir = modified(&[
        (
            "src/orders/checkout.rs",
            "    LEDGER.lock().map(|l| l.iter().any(|e| e.order == id)).unwrap_or(false)",
            "    let _ = id;\n    false",
        ),
        (
            "src/orders/checkout.rs",
            "use crate::payments::ledger::LEDGER;\n",
            "",
        ),
    ]);
    let (after, _) = scores_at(&dir.path().join("Cargo.toml"));
    for name in DOMAINS {
        assert!(score_of(&after, name) >= score_of(&base, name), "{name}");
    }
    for name in ["orders", "payments"] {
        assert!(
            !by_name(&after, name)
                .blockers
                .iter()
                .any(|b| b.kind == BlockerKind::SharedMutableGlobal)
        );
    }
    // payments stops calling back into orders: no cycle any more.
    let gateway = "use crate::kernel::ids::OrderId;\nuse crate::kernel::money::Money;\n\nuse super::ledger;\nuse super::receipts::Receipt;\n\n#[derive(Debug, PartialEq, Eq)]\npub struct Declined;\n\npub fn charge(order: OrderId, amount: Money) -> Result<Receipt, Declined> {\n    if amount.cents() <= 0 {\n        return Err(Declined);\n    }\n    ledger::record(order, amount);\n    Ok(Receipt::issue(order, amount))\n}\n\npub fn refund(receipt: &Receipt) -> bool {\n    ledger::record(receipt.order, Money(-receipt.amount.cents()));\n    true\n}\n";
    let dir = modified(&[]);
    std::fs::write(dir.path().join("src/payments/gateway.rs"), gateway).expect("write");
    let (after, _) = scores_at(&dir.path().join("Cargo.toml"));
    for name in DOMAINS {
        assert!(score_of(&after, name) >= score_of(&base, name), "{name}");
    }
    assert!(
        !by_name(&after, "payments")
            .blockers
            .iter()
            .any(|b| b.kind == BlockerKind::DomainCycle)
    );
    assert_in_range(&after);
}

#[test]
fn scores_are_in_range_and_deterministic() {
    let (a, _) = scores_at(&fixture_manifest());
    let (b, _) = scores_at(&fixture_manifest());
    assert_in_range(&a);
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
    let m = fixture_manifest();
    let m = m.to_str().unwrap();
    let r1 = common::run(&["score", "--manifest-path", m, "--format", "json"]);
    let r2 = common::run(&[
        "score",
        "--manifest-path",
        m,
        "--format",
        "json",
        "--threads",
        "1",
    ]);
    assert_eq!(r1.stdout, r2.stdout);
    // The shop too: every score in range.
    let (shop, _) = scores_at(&common::fixture("shop").join("Cargo.toml"));
    assert_in_range(&shop);
}

#[test]
fn json_for_one_domain_keeps_that_domain_and_its_merges() {
    let m = fixture_manifest();
    let r = common::run(&[
        "score",
        "payments",
        "--format",
        "json",
        "--manifest-path",
        m.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let domains: Vec<&str> = v["domains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["domain"].as_str().unwrap())
        .collect();
    assert_eq!(domains, ["payments"]);
    assert!(
        v["merges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["domains"].to_string().contains("payments"))
    );
}

#[test]
fn data_blockers_follow_the_writes() {
    let (base, _) = scores_at(&fixture_manifest());
    // payments stops stamping the orders table: `orders` has one writer again.
    let dir = modified(&[(
        "src/payments/store.rs",
        "    sqlx::query!(\n        \"UPDATE orders SET paid_at = now() WHERE id = $1\",\n        key(order)\n    )\n    .execute(&mut *tx)\n    .await?;\n",
        "",
    )]);
    let (after, _) = scores_at(&dir.path().join("Cargo.toml"));
    for name in DOMAINS {
        assert!(score_of(&after, name) >= score_of(&base, name), "{name}");
    }
    let co_written = |s: &Scores, name: &str| -> Vec<String> {
        by_name(s, name)
            .blockers
            .iter()
            .filter(|b| b.kind == BlockerKind::CoWrittenTable)
            .map(|b| b.summary.clone())
            .collect()
    };
    assert_eq!(co_written(&after, "payments").len(), 1);
    assert!(co_written(&after, "payments")[0].starts_with("table `payments`"));
    // notifications starts writing the orders table: a new blocker, and no score rises.
    let dir = modified(&[(
        "src/notifications/store.rs",
        "/// Marks an e-mail sent.",
        "/// Remembers that the customer was told.\npub async fn flag_order(pool: &Pool, id: i64) -> Result<(), sqlx::Error> {\n    sqlx::query!(\"UPDATE orders SET notified = true WHERE id = $1\", id)\n        .execute(pool)\n        .await?;\n    Ok(())\n}\n\n/// Marks an e-mail sent.",
    )]);
    let (after, _) = scores_at(&dir.path().join("Cargo.toml"));
    for name in ["notifications", "orders"] {
        assert!(score_of(&after, name) <= score_of(&base, name), "{name}");
    }
    // catalog and payments are not touched by the new write; their `reach` ratio has one
    // more item of other domains in its denominator (the new function), which moves their
    // score by at most 0.1 (rounding).
    for name in ["catalog", "payments"] {
        assert!(
            score_of(&after, name) <= score_of(&base, name) + 0.1,
            "{name}"
        );
    }
    let n = by_name(&after, "notifications");
    assert_eq!(n.band, Band::NeedsSeams);
    assert_eq!(
        co_written(&after, "notifications"),
        [
            "table `orders` is written by `notifications`, `orders` and `payments` (owner: `orders`, majority writer)"
        ]
    );
    assert_in_range(&after);
}

#[test]
fn bookings_co_written_table_and_merge() {
    let (s, _) = scores_at(&common::fixture("bookings").join("Cargo.toml"));
    let bands: Vec<(&str, Band, Option<BlockerKind>)> = s
        .domains
        .iter()
        .map(|d| {
            (
                d.domain.as_str(),
                d.band,
                d.blockers.first().map(|b| b.kind),
            )
        })
        .collect();
    // rooms is Ready since 0.3: the callers that reach its diesel `table!` modules
    // (`rooms::table`, its columns) use its published surface, not a bypass.
    assert_eq!(
        bands,
        vec![
            ("guests", Band::Ready, None),
            ("rooms", Band::Ready, None),
            (
                "billing",
                Band::NeedsSeams,
                Some(BlockerKind::CoWrittenTable)
            ),
            (
                "reservations",
                Band::NeedsSeams,
                Some(BlockerKind::CoWrittenTable)
            ),
        ]
    );
    use Band::*;
    // Every domain compiles alone except reservations, which calls one billing function;
    // the co-written table is a service blocker, not a crate one.
    assert_eq!(
        figures(&s),
        vec![
            ("guests", 100.0, Ready, 86.9, Ready),
            ("rooms", 100.0, Ready, 76.8, Ready),
            ("billing", 100.0, Ready, 69.0, NeedsSeams),
            ("reservations", 80.0, Ready, 69.0, NeedsSeams),
        ]
    );
    // guests owns one table that two others read and one foreign key points at: data is
    // 1 / (1 + 1.1) = 0.476, no longer 0 (a tiny domain does not collapse).
    assert_eq!(by_name(&s, "guests").components[0].value, 0.476);
    let billing = by_name(&s, "billing");
    assert!(billing.capped);
    let at: Vec<&str> = billing.blockers[0]
        .evidence
        .iter()
        .map(|e| e.at.as_str())
        .collect();
    assert_eq!(
        at,
        [
            "src/billing/service.rs:90",
            "src/reservations/repo.rs:48",
            "src/reservations/repo.rs:69"
        ]
    );
    assert!(
        billing.blockers[0]
            .fix
            .starts_with("stop writing `reservations` from `billing`")
    );
    let data = &billing.components[0];
    assert_eq!(data.name, "data");
    // invoices (own), reservations (writes), guests (reads): 1.0 + 0.3 + a cross-owner join
    // (guests x reservations) + the invoices -> reservations foreign key (0.5) = 2.8 of 3.
    assert_eq!(data.evidence["tables"], 3.0);
    assert_eq!(data.evidence["penalty"], 2.8);
    assert_eq!(data.evidence["cross_joins"], 1.0);
    assert_eq!(s.merges.len(), 1);
    let m = &s.merges[0];
    assert_eq!(
        m.domains,
        ["billing".to_string(), "reservations".to_string()]
    );
    assert_eq!(m.shared, vec![BlockerKind::CoWrittenTable]);
    // The union has no blocker and is Ready, but it is not 10 points better than billing
    // alone before its cap: cutting the one foreign write is the advice, not a merge.
    assert!(m.union.blockers.is_empty());
    assert_eq!(m.union.band, Band::Ready);
    assert!(!m.suggested);
    // reservations joins guests in the query builder (`inner_join`): a cross-owner join.
    let reservations = by_name(&s, "reservations");
    assert_eq!(reservations.components[0].evidence["cross_joins"], 1.0);
    // Every table is in the report, with how its owner was decided.
    let owners: Vec<(&str, Option<&str>, &str)> = s
        .tables
        .iter()
        .map(|t| {
            (
                t.table.as_str(),
                t.owner.as_deref(),
                t.owner_source.as_str(),
            )
        })
        .collect();
    assert_eq!(
        owners,
        vec![
            ("guests", Some("guests"), "majority writer"),
            ("invoices", Some("billing"), "declared"),
            ("reservations", Some("reservations"), "majority writer"),
            ("rooms", Some("rooms"), "majority writer"),
        ]
    );
}

#[test]
fn shop_ranking() {
    let (s, _) = scores_at(&common::fixture("shop").join("Cargo.toml"));
    let rows: Vec<(&str, Band, Vec<BlockerKind>)> = s
        .domains
        .iter()
        .map(|d| {
            (
                d.domain.as_str(),
                d.band,
                d.blockers.iter().map(|b| b.kind).collect(),
            )
        })
        .collect();
    use BlockerKind::*;
    // notifications and inventory were Ready (96.4, 86.0) in 0.2 although `check` reports
    // their forbidden dependencies (notifications -> catalog, inventory, payments;
    // inventory -> identity): they are named now, and cap both figures.
    assert_eq!(
        rows,
        vec![
            ("catalog", Band::Ready, vec![]),
            ("identity", Band::Ready, vec![]),
            ("inventory", Band::NeedsSeams, vec![ForbiddenDependency]),
            (
                "notifications",
                Band::NeedsSeams,
                vec![
                    ForbiddenDependency,
                    ForbiddenDependency,
                    ForbiddenDependency
                ]
            ),
            (
                "payments",
                Band::NeedsSeams,
                vec![
                    CoWrittenTable,
                    CoWrittenTable,
                    DomainCycle,
                    SharedMutableGlobal,
                    ForbiddenDependency
                ]
            ),
            (
                "orders",
                Band::NeedsSeams,
                vec![
                    CoWrittenTable,
                    CoWrittenTable,
                    DomainCycle,
                    SharedMutableGlobal
                ]
            ),
        ]
    );
    use Band::*;
    assert_eq!(
        figures(&s),
        vec![
            ("catalog", 100.0, Ready, 83.0, Ready),
            ("identity", 96.3, Ready, 80.6, Ready),
            ("inventory", 69.0, NeedsSeams, 69.0, NeedsSeams),
            ("notifications", 58.9, NeedsSeams, 58.9, NeedsSeams),
            ("payments", 57.4, NeedsSeams, 57.4, NeedsSeams),
            // 0.2: 39.5 Entangled; the data component no longer zeroes (0.476).
            ("orders", 40.8, NeedsSeams, 40.8, NeedsSeams),
        ]
    );
    // Without its forbidden references notifications would be a clean service.
    assert_eq!(by_name(&s, "notifications").model_score, 96.5);
    let summaries: Vec<&str> = by_name(&s, "notifications")
        .crate_readiness
        .blockers
        .iter()
        .map(|b| b.summary.as_str())
        .collect();
    assert_eq!(
        summaries,
        [
            "`notifications` uses `catalog` in 1 place, which domains.toml does not allow (check: forbidden-dependency)",
            "`notifications` uses `inventory` in 1 place, which domains.toml does not allow (check: forbidden-dependency)",
            "`notifications` uses `payments` in 1 place, which domains.toml does not allow (check: forbidden-dependency)",
        ]
    );
    // notifications owns its one table and nobody else touches it: data is clean.
    let n = by_name(&s, "notifications");
    assert_eq!(n.components[0].value, 1.0);
    assert_eq!(n.components[0].evidence["owned"], 1.0);
    let m = &s.merges[0];
    assert_eq!(m.domains, ["orders".to_string(), "payments".to_string()]);
    assert_eq!(
        m.shared,
        vec![CoWrittenTable, DomainCycle, SharedMutableGlobal]
    );
    assert!(m.suggested);
}

/// orders publishes `OrderPlaced` on a durable queue (its events module); notifications
/// consumes it and orders asks notifications for a template: with `events` declared, the
/// consumption is an event (no call, no cycle); without, it is a model reference that
/// closes a cycle.
#[test]
fn events_are_neither_calls_nor_cycle_edges() {
    let toml = |events: &str| {
        format!(
            r#"
[domains.kernel]
modules = ["crate::kernel"]
shared = true

[domains.orders]
modules = ["crate::orders"]
depends_on = ["kernel", "notifications"]
interface = ["crate::orders::api"]
{events}

[domains.notifications]
modules = ["crate::notifications"]
depends_on = ["kernel", "orders"]

[domains.app]
modules_exact = ["crate"]
depends_on = ["*"]
"#
        )
    };
    let files = |events: &str| -> Vec<(String, String)> {
        vec![
            ("domains.toml".into(), toml(events)),
            (
                "src/lib.rs".into(),
                "pub mod kernel;\npub mod orders;\npub mod notifications;\n".into(),
            ),
            (
                "src/kernel.rs".into(),
                "/// A durable job queue (rows in a jobs table).\npub struct Queue;\nimpl Queue {\n    pub fn push(&self, kind: &str, payload: String) { let _ = (kind, payload); }\n}\n".into(),
            ),
            (
                "src/orders/mod.rs".into(),
                "pub mod api;\npub mod events;\n\nuse crate::kernel::Queue;\n\npub fn place(queue: &Queue, id: u64) {\n    let subject = crate::notifications::subject_for(id);\n    queue.push(\"order_placed\", events::OrderPlaced { id, subject }.encode());\n}\n".into(),
            ),
            (
                "src/orders/api.rs".into(),
                "pub fn status(id: u64) -> &'static str { let _ = id; \"placed\" }\n".into(),
            ),
            (
                "src/orders/events.rs".into(),
                "/// Published on the queue when an order is placed.\npub struct OrderPlaced {\n    pub id: u64,\n    pub subject: String,\n}\n\nimpl OrderPlaced {\n    pub fn encode(&self) -> String { format!(\"{}|{}\", self.id, self.subject) }\n    pub fn decode(s: &str) -> Option<OrderPlaced> {\n        let (id, subject) = s.split_once('|')?;\n        Some(OrderPlaced { id: id.parse().ok()?, subject: subject.into() })\n    }\n}\n".into(),
            ),
            (
                "src/notifications.rs".into(),
                "use crate::orders::events::OrderPlaced;\n\npub fn subject_for(id: u64) -> String { format!(\"Order {id}\") }\n\n/// Runs for every `order_placed` job taken off the queue.\npub fn on_order_placed(payload: &str) -> Option<String> {\n    let e = OrderPlaced::decode(payload)?;\n    Some(format!(\"{}: thank you\", e.subject))\n}\n".into(),
            ),
        ]
    };
    let score = |events: &str| {
        let owned = files(events);
        let refs: Vec<(&str, &str)> = owned
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let tmp = common::temp_crate("evented", &refs);
        let (s, c) = scores_at(&tmp.path().join("Cargo.toml"));
        let bypasses = c
            .findings
            .iter()
            .filter(|f| f.rule.code() == "interface-bypass")
            .count();
        (s, bypasses)
    };
    let (with, bypasses_with) = score(r#"events = ["crate::orders::events"]"#);
    let (without, bypasses_without) = score("");
    // Without `events`, notifications reaches around orders' interface and the two form a
    // cycle; with it, the event type is published surface and carries no cycle.
    assert!(bypasses_without > 0);
    assert_eq!(bypasses_with, 0);
    let blocked = |s: &Scores, d: &str| {
        by_name(s, d)
            .blockers
            .iter()
            .any(|b| b.kind == BlockerKind::DomainCycle)
    };
    assert!(blocked(&without, "notifications") && blocked(&without, "orders"));
    assert!(!blocked(&with, "notifications") && !blocked(&with, "orders"));
    let sync = |s: &Scores, d: &str| by_name(s, d).components[1].evidence["calls_out"];
    // notifications -> orders: `OrderPlaced::decode` is a call without events, not with.
    assert_eq!(sync(&without, "notifications"), 1.0);
    assert_eq!(sync(&with, "notifications"), 0.0);
    // The service model rewards the declaration...
    for d in ["orders", "notifications"] {
        assert!(
            by_name(&with, d).model_score > by_name(&without, d).model_score,
            "{d}"
        );
    }
    // ...but as crates the two still depend on each other (the consumer compiles against
    // the publisher's event types, as `check` says): both figures name the crate cycle.
    for d in ["orders", "notifications"] {
        let crate_r = &by_name(&with, d).crate_readiness;
        assert_eq!(crate_r.band, Band::NeedsSeams, "{d}");
        assert!(
            crate_r
                .blockers
                .iter()
                .any(|b| b.kind == BlockerKind::CrateCycle
                    && b.summary.contains("notifications <-> orders")),
            "{d}"
        );
        assert_eq!(score_of(&with, d), 69.0, "{d}");
    }
}
