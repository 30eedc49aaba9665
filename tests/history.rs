//! History figures (`cargo_domains::history`) on a repository the test writes with gix: four
//! authors (one under an old e-mail that `.mailmap` maps), a CODEOWNERS file, `billing` and
//! `shipping` changing together with no import between them, `orders` importing `billing`
//! but never changed with it. Every figure below is counted by hand from `build`.

mod common;

use std::path::Path;

use cargo_domains::analysis::{self, Checked, Options};
use cargo_domains::history::{self, CouplingFlag, History};
use common::gitrepo::{ALICE, BILLING, CARGO, DOMAINS, LIB, ORDERS, RATES, Repo, SHIPPING, build};

fn check(dir: &Path) -> Checked {
    let opts = Options {
        manifest_path: Some(dir.join("Cargo.toml")),
        ..Options::default()
    };
    match analysis::check(&opts) {
        Ok(c) => c,
        Err(_) => panic!("the fixture does not check"),
    }
}

fn counts(v: &[history::Count]) -> Vec<(&str, usize)> {
    v.iter().map(|c| (c.name.as_str(), c.commits)).collect()
}

fn domain<'a>(h: &'a History, name: &str) -> &'a history::DomainHistory {
    h.domains.iter().find(|d| d.domain == name).unwrap()
}

fn assert_full_history(h: &History) {
    assert_eq!(h.commits, 10);
    assert_eq!(h.merges_skipped, 1);
    assert_eq!(h.large_commits, 0);
    assert_eq!(h.cut, None);
    assert_eq!(h.churn_unit, "files");
    assert_eq!(h.teams_from, ".github/CODEOWNERS");
    // Cargo.toml, domains.toml, CODEOWNERS, .mailmap, README.md (src/lib.rs is a module).
    assert_eq!(h.unmapped_file_changes, 5);

    let orders = domain(h, "orders");
    assert_eq!(orders.commits, 3);
    assert_eq!(orders.files_touched, 3);
    assert_eq!(counts(&orders.authors), [("Alice Doe", 2), ("Dave Moe", 1)]);
    assert_eq!(counts(&orders.teams), [("@acme/checkout", 3)]);

    let billing = domain(h, "billing");
    assert_eq!(billing.commits, 5);
    assert_eq!(billing.files_touched, 5);
    assert_eq!(
        counts(&billing.authors),
        [("Bob Roe", 3), ("Alice Doe", 1), ("Carol Poe", 1)]
    );
    assert_eq!(counts(&billing.teams), [("@acme/payments", 5)]);

    let shipping = domain(h, "shipping");
    assert_eq!(shipping.commits, 5);
    assert_eq!(shipping.files_touched, 7);
    assert_eq!(
        counts(&shipping.authors),
        [("Carol Poe", 3), ("Bob Roe", 2)]
    );
    assert_eq!(
        counts(&shipping.teams),
        [
            ("@acme/logistics", 4),
            ("@acme/payments", 3),
            ("@acme/pricing", 3)
        ]
    );
    assert_eq!(h.crowded, ["shipping"]);

    let pairs: Vec<_> = h
        .couplings
        .iter()
        .map(|c| {
            (
                c.a.as_str(),
                c.b.as_str(),
                c.shared,
                c.commits_a,
                c.commits_b,
                c.degree,
                c.static_dependency,
                c.flag,
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            // 3 shared of (5 + 5) / 2: 60 %, and no import either way.
            (
                "billing",
                "shipping",
                3,
                5,
                5,
                60,
                "none",
                Some(CouplingFlag::Hidden)
            ),
            // Domains are in name order: `orders` imports `billing`.
            (
                "billing",
                "orders",
                0,
                5,
                3,
                0,
                "b -> a",
                Some(CouplingFlag::NeverTogether)
            ),
        ]
    );
}

#[test]
fn figures_of_a_repository_with_a_working_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let mut r = Repo::init(tmp.path());
    build(&mut r);
    let c = check(tmp.path());
    let h = history::read(&c, &history::Options::default()).unwrap();
    assert_eq!(h.last, Some(history::DEFAULT_LAST));
    assert_full_history(&h);
}

#[test]
fn a_bare_repository_gives_the_same_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let (git_dir, checkout) = (tmp.path().join("shop.git"), tmp.path().join("shop"));
    let mut r = Repo::init_bare(&git_dir, &checkout);
    build(&mut r);
    assert!(r.repo.workdir().is_none());
    let c = check(&checkout);
    let h = history::read(
        &c,
        &history::Options {
            git_dir: Some(git_dir),
            ..Default::default()
        },
    )
    .unwrap();
    assert_full_history(&h);
}

#[test]
fn last_and_since_bound_the_window() {
    let tmp = tempfile::tempdir().unwrap();
    let mut r = Repo::init(tmp.path());
    build(&mut r);
    let c = check(tmp.path());
    // The merge, commit 10 (Alice, billing) and commit 9 (Carol, shipping).
    let h = history::read(
        &c,
        &history::Options {
            last: Some(3),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!((h.commits, h.merges_skipped), (2, 1));
    assert_eq!(counts(&domain(&h, "billing").authors), [("Alice Doe", 1)]);
    assert_eq!(counts(&domain(&h, "shipping").authors), [("Carol Poe", 1)]);
    assert_eq!(domain(&h, "orders").commits, 0);
    // Commit n is dated 2024-01-01 plus n - 1 days: from the 8th on (midnight UTC), commits 8, 9, 10 and the merge.
    let h = history::read(
        &c,
        &history::Options {
            since: Some("2024-01-08".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!((h.commits, h.merges_skipped, h.last), (3, 1, None));
    assert_eq!(counts(&domain(&h, "orders").authors), [("Dave Moe", 1)]);
    let bad = history::read(
        &c,
        &history::Options {
            since: Some("2024-31-12".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(bad.contains("not a date"), "{bad}");
}

#[test]
fn a_shallow_clone_says_where_history_is_cut() {
    let tmp = tempfile::tempdir().unwrap();
    let mut r = Repo::init(tmp.path());
    let ids = build(&mut r);
    // What `git clone --depth` leaves: commit 5 is a boundary whose parents are missing.
    std::fs::write(tmp.path().join(".git/shallow"), format!("{}\n", ids[4])).unwrap();
    let c = check(tmp.path());
    let h = history::read(&c, &history::Options::default()).unwrap();
    assert!(h.cut.as_deref().unwrap().contains("shallow clone"));
    // Commits 6 to 10: the boundary's own diff is unknown and not counted.
    assert_eq!(h.commits, 5);
    assert_eq!(domain(&h, "billing").commits, 2);
    assert_eq!(domain(&h, "shipping").commits, 2);
}

#[test]
fn without_codeowners_every_author_is_a_team() {
    let tmp = tempfile::tempdir().unwrap();
    let mut r = Repo::init(tmp.path());
    build(&mut r);
    r.commit(
        ALICE,
        &[(".github/CODEOWNERS", "# nobody owns anything yet\n")],
    );
    let c = check(tmp.path());
    let h = history::read(&c, &history::Options::default()).unwrap();
    assert_eq!(h.teams_from, "authors");
    assert_eq!(
        counts(&domain(&h, "billing").teams),
        [("Bob Roe", 3), ("Alice Doe", 1), ("Carol Poe", 1)]
    );
    assert_eq!(h.crowded, ["billing"]);
}

#[test]
fn a_directory_without_a_repository_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("Cargo.toml"), CARGO).unwrap();
    std::fs::write(tmp.path().join("domains.toml"), DOMAINS).unwrap();
    for (path, text) in [
        ("src/lib.rs", LIB),
        ("src/orders/mod.rs", ORDERS),
        ("src/billing/mod.rs", BILLING),
        ("src/shipping/mod.rs", SHIPPING),
        ("src/shipping/rates.rs", RATES),
    ] {
        std::fs::create_dir_all(tmp.path().join(path).parent().unwrap()).unwrap();
        std::fs::write(tmp.path().join(path), text).unwrap();
    }
    let c = check(tmp.path());
    let e = history::read(&c, &history::Options::default()).unwrap_err();
    assert!(e.contains("no git repository"), "{e}");
}

/// Writes the synthetic repository the cost in docs/roadmap.md is measured on: 20 domains of
/// 10 files, 12 authors, `CARGO_DOMAINS_SYNTH_COMMITS` commits (default 20,000) of one to
/// four files each, into `CARGO_DOMAINS_SYNTH_DIR`. Then, with a release build:
/// `/usr/bin/time -v cargo-domains roadmap --manifest-path DIR/Cargo.toml --last 20000`.
#[test]
#[ignore = "writes a large repository; run by hand to measure"]
fn synthetic_history() {
    let Some(dir) = std::env::var_os("CARGO_DOMAINS_SYNTH_DIR") else {
        panic!("set CARGO_DOMAINS_SYNTH_DIR");
    };
    let dir = std::path::PathBuf::from(dir);
    let n: usize = std::env::var("CARGO_DOMAINS_SYNTH_COMMITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let mut r = Repo::init(&dir);
    let mut files: Vec<(String, String)> = vec![
        ("Cargo.toml".into(), CARGO.into()),
        (
            "src/lib.rs".into(),
            (0..20).map(|d| format!("pub mod d{d};\n")).collect(),
        ),
    ];
    let mut domains = String::from("[settings]\nunassigned = \"warn\"\n");
    for d in 0..20 {
        domains.push_str(&format!("\n[domains.d{d}]\nmodules = [\"crate::d{d}\"]\n"));
        let mods: String = (0..9).map(|f| format!("pub mod f{f};\n")).collect();
        files.push((format!("src/d{d}/mod.rs"), mods));
        for f in 0..9 {
            files.push((format!("src/d{d}/f{f}.rs"), format!("pub fn f{f}() {{}}\n")));
        }
    }
    files.push(("domains.toml".into(), domains));
    let all: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    r.commit(ALICE, &all);
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |m: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % m
    };
    for i in 1..n {
        let author = format!("Dev {0} <dev{0}@acme.test>", next(12));
        let touched: Vec<(String, String)> = (0..=next(4))
            .map(|_| {
                let (d, f) = (next(20), next(9));
                (
                    format!("src/d{d}/f{f}.rs"),
                    format!("pub fn f{f}() {{}}\n// change {i}\n"),
                )
            })
            .collect();
        let t: Vec<(&str, &str)> = touched
            .iter()
            .map(|(p, c)| (p.as_str(), c.as_str()))
            .collect();
        r.commit(&author, &t);
    }
}
