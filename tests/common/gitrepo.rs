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
