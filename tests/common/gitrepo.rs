//! A git repository written by a test with `gix` (no `git` needed): files go to the working
//! directory and into commits with given authors and dates, so history figures are exact.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use gix::bstr::{BStr, ByteSlice};

pub struct Repo {
    pub repo: gix::Repository,
    /// Where the files are written (the working tree, or a separate checkout for a bare repo).
    pub dir: PathBuf,
    tree: gix::ObjectId,
    pub head: Option<gix::ObjectId>,
    /// Seconds since the epoch of the next commit; each commit adds a day.
    pub time: i64,
}

/// 2024-01-01T00:00:00Z.
pub const START: i64 = 1_704_067_200;

impl Repo {
    /// A repository with a working tree at `dir`.
    pub fn init(dir: &Path) -> Repo {
        let repo = gix::init(dir).expect("git init");
        Repo::with(repo, dir)
    }

    /// A bare repository at `git_dir`; files are written to `checkout` as well.
    pub fn init_bare(git_dir: &Path, checkout: &Path) -> Repo {
        let repo = gix::init_bare(git_dir).expect("git init --bare");
        Repo::with(repo, checkout)
    }

    fn with(repo: gix::Repository, dir: &Path) -> Repo {
        let tree = repo.empty_tree().id;
        Repo {
            repo,
            dir: dir.to_path_buf(),
            tree,
            head: None,
            time: START,
        }
    }

    /// Commits `files` (path, content) as `author` (`Name <email>`), the parents being the
    /// current head (and `extra_parent` for a merge).
    pub fn commit(&mut self, author: &str, files: &[(&str, &str)]) -> gix::ObjectId {
        self.commit_with_parents(author, files, None)
    }

    pub fn commit_with_parents(
        &mut self,
        author: &str,
        files: &[(&str, &str)],
        extra_parent: Option<gix::ObjectId>,
    ) -> gix::ObjectId {
        let mut editor = self.repo.edit_tree(self.tree).expect("tree editor");
        for (path, text) in files {
            let full = self.dir.join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(&full, text).unwrap();
            let blob = self
                .repo
                .write_blob(text.as_bytes())
                .expect("blob")
                .detach();
            editor
                .upsert(*path, gix::object::tree::EntryKind::Blob, blob)
                .expect("upsert");
        }
        self.tree = editor.write().expect("write tree").detach();
        let (name, email) = author
            .strip_suffix('>')
            .and_then(|a| a.split_once(" <"))
            .expect("`Name <email>`");
        let time = format!("{} +0000", self.time);
        let sig = gix::actor::SignatureRef {
            name: BStr::new(name),
            email: email.as_bytes().as_bstr(),
            time: &time,
        };
        let parents: Vec<gix::ObjectId> = self.head.into_iter().chain(extra_parent).collect();
        let id = self
            .repo
            .commit_as(sig, sig, "HEAD", "change", self.tree, parents)
            .expect("commit")
            .detach();
        self.head = Some(id);
        self.time += 86_400;
        id
    }
}

pub const CARGO: &str =
    "[package]\nname = \"shop\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n";
pub const DOMAINS: &str = r#"[settings]
unassigned = "warn"

[domains.orders]
modules = ["crate::orders"]
depends_on = ["billing"]

[domains.billing]
modules = ["crate::billing"]

[domains.shipping]
modules = ["crate::shipping"]
"#;
pub const CODEOWNERS: &str = "# Default owners\n*                      @acme/platform\n/src/orders/           @acme/checkout\n/src/billing/          @acme/payments\n/src/shipping/         @acme/logistics\n/src/shipping/rates.rs @acme/payments @acme/pricing\n";
pub const MAILMAP: &str = "Alice Doe <alice@acme.test> <alice@old.test>\nBob Roe <bob@acme.test>\n";
pub const LIB: &str = "pub mod billing;\npub mod orders;\npub mod shipping;\n";
pub const ORDERS: &str = "use crate::billing::Invoice;\n\npub fn place(cents: u64) -> Invoice {\n    Invoice { cents }\n}\n";
pub const BILLING: &str = "pub struct Invoice {\n    pub cents: u64,\n}\n";
pub const SHIPPING: &str =
    "pub mod rates;\n\npub fn ship(weight: u32) -> u64 {\n    rates::price(weight)\n}\n";
pub const RATES: &str = "pub fn price(weight: u32) -> u64 {\n    u64::from(weight) * 3\n}\n";

pub const ALICE_OLD: &str = "Alice <alice@old.test>";
pub const ALICE: &str = "Alice Doe <alice@acme.test>";
pub const BOB: &str = "bobby <bob@acme.test>";
pub const CAROL: &str = "Carol Poe <carol@acme.test>";
pub const DAVE: &str = "Dave Moe <dave@acme.test>";

/// A revision of a file: the same code and a comment saying which one.
pub fn rev(base: &str, n: u32) -> String {
    format!("{base}// revision {n}\n")
}

/// The `shop` history of tests/history.rs: four authors (Alice also under an old e-mail
/// that `.mailmap` maps), CODEOWNERS, `billing` and `shipping` changing together with no
/// import between them, `orders` importing `billing` and never changed with it.
/// The ten commits and one merge; returns the commit ids, oldest first.
pub fn build(r: &mut Repo) -> Vec<gix::ObjectId> {
    let mut ids = vec![
        r.commit(
            ALICE_OLD,
            &[
                ("Cargo.toml", CARGO),
                ("domains.toml", DOMAINS),
                (".github/CODEOWNERS", CODEOWNERS),
                (".mailmap", MAILMAP),
                ("src/lib.rs", LIB),
                ("src/orders/mod.rs", ORDERS),
            ],
        ),
        r.commit(BOB, &[("src/billing/mod.rs", BILLING)]),
        r.commit(
            CAROL,
            &[
                ("src/shipping/mod.rs", SHIPPING),
                ("src/shipping/rates.rs", RATES),
            ],
        ),
        r.commit(
            BOB,
            &[
                ("src/billing/mod.rs", &rev(BILLING, 4)),
                ("src/shipping/rates.rs", &rev(RATES, 4)),
            ],
        ),
        r.commit(
            CAROL,
            &[
                ("src/billing/mod.rs", &rev(BILLING, 5)),
                ("src/shipping/mod.rs", &rev(SHIPPING, 5)),
            ],
        ),
        r.commit(ALICE, &[("src/orders/mod.rs", &rev(ORDERS, 6))]),
        r.commit(
            BOB,
            &[
                ("src/billing/mod.rs", &rev(BILLING, 7)),
                ("src/shipping/mod.rs", &rev(SHIPPING, 7)),
                ("src/shipping/rates.rs", &rev(RATES, 7)),
            ],
        ),
        r.commit(
            DAVE,
            &[
                ("src/orders/mod.rs", &rev(ORDERS, 8)),
                ("README.md", "# shop\n"),
            ],
        ),
        r.commit(CAROL, &[("src/shipping/mod.rs", &rev(SHIPPING, 9))]),
        r.commit(ALICE, &[("src/billing/mod.rs", &rev(BILLING, 10))]),
    ];
    // A merge of a branch already contained: counted as a merge, not as a change.
    let ninth = ids[8];
    ids.push(r.commit_with_parents(ALICE, &[], Some(ninth)));
    ids
}
