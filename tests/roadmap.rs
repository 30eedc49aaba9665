//! `cargo domains roadmap` in every format: on `fixtures/webshop` (phase 2: the inline
//! chains of `POST /orders`) and on the `shop` repository of tests/history.rs written with
//! gix (phase 3: readiness with the teams and the co-change behind each verdict).

mod common;

use common::gitrepo::{self, Repo, build};
use common::{fixture, run, run_in};

fn webshop(format: &str) -> common::Run {
    let manifest = fixture("webshop").join("Cargo.toml");
    let r = run(&[
        "roadmap",
        "--manifest-path",
        manifest.to_str().unwrap(),
        "--no-history",
        "--format",
        format,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r
}

#[test]
fn webshop_json() {
    let r = webshop("json");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["roadmap_version"], 1);
    let phases = v["phases"].as_array().unwrap();
    let verdicts: Vec<&str> = phases
        .iter()
        .map(|p| p["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["done", "act", "needs_data", "needs_data"]);
    assert_eq!(
        phases[0]["evidence"][0],
        "0 modules of 12 in no domain (0.0% of the lines)"
    );
    assert_eq!(
        phases[1]["evidence"],
        serde_json::json!([
            "POST /orders `crate::orders::handlers::create_order` waits on: e-mail, outbound HTTP, payment"
        ])
    );
    let calls = v["slow_work"]["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 3);
    assert_eq!(
        calls[1]["hops"][2]["call"],
        "crate::payments::fraud::screen"
    );
    assert_eq!(calls[1]["hops"][2]["at"], "src/payments/mod.rs:13");
    assert_eq!(v["history"], serde_json::Value::Null);
    assert_eq!(v["history_missing"], "--no-history");
    // Phase 3: without history, readiness alone decides only "not yet": `orders` is not
    // crate-ready (67.7 as a crate, Needs seams); the others are "needs data".
    let cands = phases[2]["candidates"].as_array().unwrap();
    let verdicts: Vec<(&str, &str)> = cands
        .iter()
        .map(|c| {
            (
                c["domain"].as_str().unwrap(),
                c["verdict"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            ("catalog", "needs_data"),
            ("payments", "needs_data"),
            ("notifications", "needs_data"),
            ("jobs", "needs_data"),
            ("orders", "not_yet"),
        ]
    );
    assert!(cands.iter().all(|c| c["teams"].is_null()));
}

#[test]
fn webshop_human_and_markdown() {
    let h = webshop("human").stdout;
    assert!(
        h.contains("phase 2: Move slow side work out of the request path -- ACT"),
        "{h}"
    );
    assert!(h.contains(
        "    POST /orders crate::orders::handlers::create_order (src/orders/handlers.rs:11)\n      -> crate::orders::service::place_order (called at src/orders/handlers.rs:15)\n      -> crate::payments::Gateway::charge (called at src/orders/service.rs:11)\n      => payment: stripe::Client::new at src/payments/mod.rs:14\n"
    ), "{h}");
    assert!(h.contains("1 of 5 handlers does slow work while the client waits: enqueue a job on the `jobs` table"), "{h}");
    // The spawned e-mail and the queued order are not reported.
    assert!(
        !h.contains("resend_receipt") && !h.contains("create_order_queued"),
        "{h}"
    );
    let m = webshop("markdown").stdout;
    assert!(m.starts_with("# Roadmap\n\n| phase | verdict | summary |\n|---|---|---|\n| 1. Organise the monolith by domain | **done** |"), "{m}");
    assert!(m.contains("| POST /orders | `crate::orders::handlers::create_order` (src/orders/handlers.rs:11) | `crate::orders::service::place_order` (src/orders/handlers.rs:15) → `crate::notifications::send_confirmation` (src/orders/service.rs:12) | e-mail: `lettre::AsyncSmtpTransport::relay` (src/notifications/mod.rs:13) |"), "{m}");
}

#[test]
fn history_evidence_in_phase_three() {
    let tmp = tempfile::tempdir().unwrap();
    let mut repo = Repo::init(tmp.path());
    build(&mut repo);
    let r = run_in(tmp.path(), &["roadmap", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["history"]["commits"], 10);
    assert_eq!(v["history"]["teams_from"], ".github/CODEOWNERS");
    let p3 = &v["phases"][2];
    assert_eq!(p3["verdict"], "not_yet");
    assert_eq!(
        p3["summary"],
        "teams collide, but no candidate is ready: see each one's reason"
    );
    assert_eq!(
        p3["evidence"],
        serde_json::json!([
            "10 commits read; teams from .github/CODEOWNERS",
            "changed by 3 or more teams: shipping",
            "hidden coupling: billing and shipping change together in 60% of their commits (3 shared) with no import between them",
            "orders uses billing in code but never changed together: cheap to cut"
        ])
    );
    let cands: Vec<(&str, u64, u64, &str, &str)> = p3["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["domain"].as_str().unwrap(),
                c["teams"].as_u64().unwrap(),
                c["commits"].as_u64().unwrap(),
                c["verdict"].as_str().unwrap(),
                c["reason"].as_str().unwrap(),
            )
        })
        .collect();
    let together = "split them together or cut that coupling first";
    assert_eq!(
        cands,
        [
            (
                "shipping",
                3,
                5,
                "not_yet",
                &*format!("changes with `billing` in 60% of their commits (3 shared): {together}")
            ),
            (
                "billing",
                1,
                5,
                "not_yet",
                &*format!("changes with `shipping` in 60% of their commits (3 shared): {together}")
            ),
            (
                "orders",
                1,
                3,
                "not_yet",
                "1 team changes it: a service boundary would buy no team autonomy"
            ),
        ]
    );
    assert_eq!(
        p3["candidates"][0]["co_changes"],
        serde_json::json!({"with": "billing", "degree": 60, "shared": 3})
    );
    // No handler in this library: phase 2 cannot tell.
    assert_eq!(v["phases"][1]["verdict"], "needs_data");

    let h = run_in(tmp.path(), &["roadmap", "--last", "1000"]).stdout;
    assert!(
        h.contains("phase 3: Extract the domains that earn it -- NOT YET\n"),
        "{h}"
    );
    assert!(h.contains(" Ready, 3 teams, 5 commits, co-changes with billing 60% (3)]: not yet -- changes with `billing`"), "{h}");
    let m = run_in(tmp.path(), &["roadmap", "--format", "markdown"]).stdout;
    assert!(m.contains("| Ready | 1 | 3 | - | not yet | 1 team changes it: a service boundary would buy no team autonomy |"), "{m}");
}

#[test]
fn a_bad_git_dir_is_a_usage_error() {
    let manifest = fixture("webshop").join("Cargo.toml");
    let r = run(&[
        "roadmap",
        "--manifest-path",
        manifest.to_str().unwrap(),
        "--git-dir",
        "/nonexistent/repo.git",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("cannot open `/nonexistent/repo.git`"),
        "{}",
        r.stderr
    );
    let r = run(&[
        "roadmap",
        "--manifest-path",
        manifest.to_str().unwrap(),
        "--since",
        "2024-31-12",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not a date"), "{}", r.stderr);
}

#[test]
fn outside_a_repository_the_roadmap_goes_on_without_history() {
    let tmp = tempfile::tempdir().unwrap();
    let mut repo = Repo::init(tmp.path());
    build(&mut repo);
    // The same workspace, without its `.git`.
    std::fs::remove_dir_all(tmp.path().join(".git")).unwrap();
    let r = run_in(tmp.path(), &["roadmap", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("warning: no git repository at or above")
            && r.stderr.contains("the roadmap goes on without history"),
        "{}",
        r.stderr
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["history"], serde_json::Value::Null);
    assert!(
        v["history_missing"]
            .as_str()
            .unwrap()
            .starts_with("no git repository at or above")
    );
    assert_eq!(v["phases"][2]["verdict"], "needs_data");
}

#[test]
fn once_the_co_change_fades_the_crowded_domain_is_the_one_to_extract() {
    let tmp = tempfile::tempdir().unwrap();
    let mut repo = Repo::init(tmp.path());
    build(&mut repo);
    // Twelve more shipping-only commits: billing-shipping falls to 3 shared of (5 + 17) / 2,
    // 27 %, below the 30 % flag; shipping stays changed by three teams.
    for n in 0..12 {
        let text = gitrepo::rev(gitrepo::RATES, 100 + n);
        repo.commit(gitrepo::CAROL, &[("src/shipping/rates.rs", &text)]);
    }
    let r = run_in(tmp.path(), &["roadmap", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let p3 = &v["phases"][2];
    assert_eq!(p3["verdict"], "act");
    assert_eq!(p3["summary"], "extract first: shipping");
    let shipping = &p3["candidates"][0];
    assert_eq!(shipping["domain"], "shipping");
    assert_eq!(shipping["verdict"], "act");
    assert_eq!(shipping["teams"], 3);
    assert_eq!(shipping["commits"], 17);
    assert_eq!(
        shipping["co_changes"],
        serde_json::json!({"with": "billing", "degree": 27, "shared": 3})
    );
    assert_eq!(
        shipping["reason"],
        "crate-ready, several teams, no strong co-change"
    );
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
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

#[test]
fn phase_one_counts_the_baseline() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture("shop"), tmp.path());
    let json = |r: common::Run| -> serde_json::Value {
        assert_eq!(r.code, 0, "{}", r.stderr);
        serde_json::from_str(&r.stdout).unwrap()
    };
    let args = ["roadmap", "--no-history", "--format", "json"];
    let before = json(run_in(tmp.path(), &args));
    let p1 = &before["phases"][0];
    assert_eq!(p1["verdict"], "act");
    assert_eq!(
        p1["summary"],
        "boundaries are broken: fix or baseline the violations first (`cargo domains check`)"
    );
    assert_eq!(
        p1["evidence"][1],
        "12 violations: forbidden-dependency 8, interface-bypass 4"
    );
    assert_eq!(run_in(tmp.path(), &["check", "--update-baseline"]).code, 0);
    let after = json(run_in(tmp.path(), &args));
    let p1 = &after["phases"][0];
    assert_eq!(p1["verdict"], "act");
    assert_eq!(
        p1["summary"],
        "the boundaries hold for new code; pay down the baselined violations"
    );
    assert_eq!(p1["evidence"][1], "no violation at deny level");
    assert_eq!(p1["evidence"][2], "13 findings held in the baseline");
}
