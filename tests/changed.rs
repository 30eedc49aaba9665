//! `check --changed-since REF` on a repository the test makes with gix: commits, then a
//! working-tree change that adds a violation next to an old one. Only the new one is reported;
//! errors outside a repository and for an unknown REF are clear.

mod common;

use std::path::Path;

use common::{Run, run_in};

const ORDERS_V1: &str = "use crate::billing::Invoice;

pub struct Order {
    pub total: u64,
}

pub fn invoice(o: &Order) -> Invoice {
    Invoice { cents: o.total }
}
";

const DOMAINS: &str = "[domains.billing]
modules = [\"crate::billing\"]

[domains.orders]
modules = [\"crate::orders\"]

[domains.app]
modules_exact = [\"crate\"]
depends_on = [\"*\"]
";

fn write(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

/// Writes the working tree under `dir` as a tree object (skipping `.git`), recursively.
fn write_tree(repo: &gix::Repository, dir: &Path) -> gix::ObjectId {
    let mut entries = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().into_string().unwrap();
        if name == ".git" {
            continue;
        }
        let (mode, oid) = if e.file_type().unwrap().is_dir() {
            (
                gix::objs::tree::EntryKind::Tree,
                write_tree(repo, &e.path()),
            )
        } else {
            let data = std::fs::read(e.path()).unwrap();
            (
                gix::objs::tree::EntryKind::Blob,
                repo.write_blob(data).unwrap().detach(),
            )
        };
        entries.push(gix::objs::tree::Entry {
            mode: mode.into(),
            filename: name.into(),
            oid,
        });
    }
    entries.sort();
    repo.write_object(gix::objs::Tree { entries })
        .unwrap()
        .detach()
}

/// Commits the whole working tree on HEAD.
fn commit(repo: &gix::Repository, message: &str, seconds: u32) -> gix::ObjectId {
    let tree = write_tree(repo, repo.workdir().unwrap());
    let parents: Vec<gix::ObjectId> = repo
        .head_id()
        .ok()
        .map(|id| id.detach())
        .into_iter()
        .collect();
    let time = format!("{} +0000", 1_700_000_000 + seconds);
    let sig = gix::actor::SignatureRef {
        name: "Test".into(),
        email: "test@example.com".into(),
        time: &time,
    };
    repo.commit_as(sig, sig, "HEAD", message, tree, parents)
        .unwrap()
        .detach()
}

/// A repository whose workspace sits in `shop/`: the first commit has one violation
/// (orders uses billing), the second an unrelated change.
fn repository() -> (tempfile::TempDir, gix::Repository) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = gix::init(tmp.path().join("repo")).unwrap();
    let ws = repo.workdir().unwrap().join("shop");
    write(
        &ws,
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"shop\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
            ),
            ("src/lib.rs", "pub mod billing;\npub mod orders;\n"),
            (
                "src/billing.rs",
                "pub struct Invoice {\n    pub cents: u64,\n}\n\npub fn charge(cents: u64) -> Invoice {\n    Invoice { cents }\n}\n",
            ),
            ("src/orders.rs", ORDERS_V1),
            ("domains.toml", DOMAINS),
        ],
    );
    commit(&repo, "shop: orders and billing", 0);
    write(&ws, &[("README.md", "The shop.\n")]);
    commit(&repo, "shop: readme", 60);
    (tmp, repo)
}

fn check(ws: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["check", "--format", "json"];
    args.extend_from_slice(extra);
    run_in(ws, &args)
}

/// `(rule, file:line)` of each finding of a JSON report.
fn findings(r: &Run) -> Vec<(String, String)> {
    let v: serde_json::Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", r.stdout, r.stderr));
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                format!("{}:{}", f["file"].as_str().unwrap(), f["line"]),
            )
        })
        .collect()
}

#[test]
fn only_findings_on_lines_changed_since_the_commit_are_reported() {
    let (_tmp, repo) = repository();
    let ws = repo.workdir().unwrap().join("shop");
    // Committed code: one finding, the `use` (the uses of the imported name go through it).
    let all = findings(&check(&ws, &[]));
    assert_eq!(
        all,
        [(
            "forbidden-dependency".to_string(),
            "src/orders.rs:1".to_string()
        )]
    );
    // Nothing changed since HEAD or HEAD~1: nothing to report, exit 0.
    for rev in ["HEAD", "HEAD~1"] {
        let r = check(&ws, &["--changed-since", rev]);
        assert_eq!(findings(&r), [], "{rev}: {}", r.stderr);
        assert_eq!(r.code, 0, "{rev}");
        assert!(
            r.stderr.contains("1 on unchanged lines not reported"),
            "{}",
            r.stderr
        );
    }
    // A new violation in the working tree, after the old ones.
    let new = format!(
        "{ORDERS_V1}\npub fn pay(o: &Order) -> Invoice {{\n    crate::billing::charge(o.total)\n}}\n"
    );
    write(&ws, &[("src/orders.rs", &new)]);
    let r = check(&ws, &["--changed-since", "HEAD"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        findings(&r),
        [(
            "forbidden-dependency".to_string(),
            "src/orders.rs:12".to_string()
        )]
    );
    assert_eq!(findings(&check(&ws, &[])).len(), 2);
    // A branch name and a hash work as well as HEAD.
    let head = repo.head_id().unwrap().to_string();
    let main = repo.head_name().unwrap().unwrap().shorten().to_string();
    for rev in [head.as_str(), &head[..10], main.as_str()] {
        assert_eq!(
            findings(&check(&ws, &["--changed-since", rev])).len(),
            1,
            "{rev}"
        );
    }
    // The first commit had no README: unrelated; the check against it is the same.
    assert_eq!(
        findings(&check(&ws, &["--changed-since", "HEAD~1"])).len(),
        1
    );
}

#[test]
fn a_file_not_in_the_commit_is_new_in_every_line() {
    let (_tmp, repo) = repository();
    let ws = repo.workdir().unwrap().join("shop");
    write(
        &ws,
        &[
            (
                "src/lib.rs",
                "pub mod billing;\npub mod orders;\npub mod refunds;\n",
            ),
            (
                "src/refunds.rs",
                "//! Refunds.\n\npub fn refund() -> crate::billing::Invoice {\n    crate::billing::charge(0)\n}\n",
            ),
            (
                "domains.toml",
                &format!(
                    "{DOMAINS}\n[domains.refunds]\nmodules = [\"crate::refunds\"]\ndepends_on = [\"billing\"]\n"
                ),
            ),
        ],
    );
    let r = check(&ws, &["--changed-since", "HEAD"]);
    assert_eq!(findings(&r), [], "{}", r.stderr);
    // Without the depends_on entry, both uses are new findings; the old ones stay hidden.
    write(
        &ws,
        &[(
            "domains.toml",
            &format!("{DOMAINS}\n[domains.refunds]\nmodules = [\"crate::refunds\"]\n"),
        )],
    );
    let r = check(&ws, &["--changed-since", "HEAD"]);
    assert_eq!(
        findings(&r),
        [
            (
                "forbidden-dependency".to_string(),
                "src/refunds.rs:3".to_string()
            ),
            (
                "forbidden-dependency".to_string(),
                "src/refunds.rs:4".to_string()
            ),
        ]
    );
}

#[test]
fn stale_baseline_entries_of_removed_code_are_still_reported() {
    let (_tmp, repo) = repository();
    let ws = repo.workdir().unwrap().join("shop");
    let r = run_in(&ws, &["check", "--update-baseline"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The violations are removed: the baseline entry is stale.
    write(
        &ws,
        &[(
            "src/orders.rs",
            "pub struct Order {\n    pub total: u64,\n}\n",
        )],
    );
    let r = check(&ws, &["--changed-since", "HEAD", "--strict-baseline"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 0);
    let stale = v["stale_baseline"].as_array().expect("stale_baseline");
    assert_eq!(stale.len(), 1, "{v:#}");
}

#[test]
fn outside_a_repository_or_for_an_unknown_ref_the_error_says_so() {
    let dir = common::temp_crate(
        "loose",
        &[
            ("src/lib.rs", "pub mod a;\n"),
            ("src/a.rs", "pub fn f() {}\n"),
        ],
    );
    std::fs::write(
        dir.path().join("domains.toml"),
        "[domains.a]\nmodules = [\"crate::a\"]\n[domains.root]\nmodules_exact = [\"crate\"]\n",
    )
    .unwrap();
    let r = run_in(dir.path(), &["check", "--changed-since", "HEAD"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("--changed-since needs a git repository"),
        "{}",
        r.stderr
    );

    let (_tmp, repo) = repository();
    let ws = repo.workdir().unwrap().join("shop");
    for rev in ["no-such-branch", "HEAD~9", "0123456789abcdef"] {
        let r = run_in(&ws, &["check", "--changed-since", rev]);
        assert_eq!(r.code, 2, "{rev}: {}", r.stderr);
        assert!(
            r.stderr
                .contains(&format!("--changed-since `{rev}`: no such commit")),
            "{rev}: {}",
            r.stderr
        );
        assert!(r.stderr.contains("help: give a branch"), "{}", r.stderr);
    }
}
