//! The git repository around the workspace, read without running `git`: where its root is
//! (so CI formats name files relative to it) and, in [`changed`], which lines of the working
//! tree differ from a commit (`check --changed-since`). Nothing of the repository runs: no
//! hooks, no filters, no configured programs.

pub mod changed;

use std::path::{Path, PathBuf};

/// The root of the git repository `start` lies in: the nearest ancestor (or `start` itself)
/// holding a `.git` directory, or a `.git` file as worktrees and submodules have. Symlinks
/// resolved.
pub fn repo_root(start: &Path) -> Option<PathBuf> {
    let start = start.canonicalize().ok()?;
    start
        .ancestors()
        .find(|d| {
            let g = d.join(".git");
            g.is_dir() || g.is_file()
        })
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_nearest_git_dir_or_file() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("repo/.git")).unwrap();
        std::fs::create_dir_all(root.join("repo/services/api/src")).unwrap();
        assert_eq!(
            repo_root(&root.join("repo/services/api/src")),
            Some(root.join("repo"))
        );
        // A worktree: `.git` is a file.
        std::fs::create_dir_all(root.join("wt/sub")).unwrap();
        std::fs::write(root.join("wt/.git"), "gitdir: /elsewhere\n").unwrap();
        assert_eq!(repo_root(&root.join("wt/sub")), Some(root.join("wt")));
    }
}
