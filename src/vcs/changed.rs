//! `check --changed-since REF`: which lines of the analysed files are new or changed since the
//! commit REF, the working tree included (what `git diff REF` would mark `+`). The repository
//! is read with gix, isolated from the user's and the system's git configuration: no `git`
//! process, no hooks, filters or helpers run. A file REF does not have is new in every line.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Changed lines (1-based) of each file, by absolute path.
#[derive(Debug, Default)]
pub struct ChangedLines {
    /// The commit REF resolved to (abbreviated hash), for messages.
    pub commit: String,
    files: HashMap<PathBuf, Lines>,
}

#[derive(Debug)]
enum Lines {
    /// Not in REF (a new file) or outside the repository: every line counts as changed.
    All,
    Some(BTreeSet<usize>),
}

impl ChangedLines {
    /// Whether any line of `first..=last` of the file is new or changed.
    pub fn touches(&self, file: &Path, first: usize, last: usize) -> bool {
        match self.files.get(file) {
            Some(Lines::All) | None => true,
            Some(Lines::Some(set)) => set.range(first..=last.max(first)).next().is_some(),
        }
    }
}

#[derive(Debug)]
pub struct VcsError {
    pub message: String,
    pub help: String,
}

/// The lines of `files` (absolute path and current text) that differ from REF, in the
/// repository `start` lies in.
pub fn changed_lines(
    start: &Path,
    rev: &str,
    files: &[(&Path, &str)],
) -> Result<ChangedLines, VcsError> {
    let repo = gix::discover_opts(start, Default::default(), gix::open::Options::isolated())
        .map_err(|e| VcsError {
            message: format!(
                "--changed-since needs a git repository, and `{}` is not in one ({e})",
                start.display()
            ),
            help: "run in a git checkout, or drop --changed-since".into(),
        })?;
    let workdir = repo
        .workdir()
        .and_then(|w| w.canonicalize().ok())
        .ok_or_else(|| VcsError {
            message: format!(
                "--changed-since: the repository at `{}` has no working tree",
                repo.git_dir().display()
            ),
            help: "run in a checkout with a working tree".into(),
        })?;
    let unknown = |detail: String| {
        VcsError {
        message: format!("--changed-since `{rev}`: no such commit in the repository at `{}` ({detail})", workdir.display()),
        help: "give a branch, tag, commit hash or `HEAD~1`; in a shallow CI clone, fetch the base first (`git fetch --depth=1 origin main`, then `--changed-since origin/main`)".into(),
    }
    };
    let id = repo
        .rev_parse_single(rev)
        .map_err(|e| unknown(e.to_string()))?;
    let commit = id
        .object()
        .and_then(|o| o.peel_to_commit())
        .map_err(|e| unknown(e.to_string()))?;
    let tree = commit.tree().map_err(|e| unknown(e.to_string()))?;
    let mut out = ChangedLines {
        commit: commit.id.to_hex_with_len(12).to_string(),
        files: HashMap::new(),
    };
    for (path, text) in files {
        let rel = path
            .canonicalize()
            .ok()
            .and_then(|p| p.strip_prefix(&workdir).ok().map(Path::to_path_buf));
        let lines = match rel {
            None => Lines::All,
            Some(rel) => match tree.lookup_entry_by_path(&rel) {
                Ok(Some(e)) if e.mode().is_blob() => match e.object() {
                    Ok(o) => Lines::Some(new_lines(&String::from_utf8_lossy(&o.data), text)),
                    Err(err) => {
                        return Err(VcsError {
                            message: format!(
                                "--changed-since: cannot read `{}` at {}: {err}",
                                rel.display(),
                                out.commit
                            ),
                            help: "the repository may be damaged; `git fsck` tells".into(),
                        });
                    }
                },
                Ok(_) => Lines::All,
                Err(err) => {
                    return Err(VcsError {
                        message: format!(
                            "--changed-since: cannot read the tree of {}: {err}",
                            out.commit
                        ),
                        help: "the repository may be damaged; `git fsck` tells".into(),
                    });
                }
            },
        };
        out.files.insert(path.to_path_buf(), lines);
    }
    Ok(out)
}

/// The lines (1-based) of `new` that are inserted or replaced relative to `old`.
pub fn new_lines(old: &str, new: &str) -> BTreeSet<usize> {
    let diff = similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
        .timeout(std::time::Duration::from_secs(2))
        .diff_lines(old, new);
    let mut out = BTreeSet::new();
    for op in diff.ops() {
        let r = op.new_range();
        if !matches!(op.tag(), similar::DiffTag::Equal) {
            out.extend(r.start + 1..=r.end);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserted_and_replaced_lines_are_new_deleted_ones_are_not() {
        let old = "a\nb\nc\nd\n";
        let new = "a\nB\nc\nx\ny\n";
        // b -> B replaced (2); d deleted, x and y inserted (4, 5).
        assert_eq!(new_lines(old, new), BTreeSet::from([2, 4, 5]));
        assert_eq!(new_lines(old, "a\nc\nd\n"), BTreeSet::new());
        assert_eq!(new_lines("", "a\n"), BTreeSet::from([1]));
    }

    #[test]
    fn a_file_not_seen_counts_as_changed() {
        let c = ChangedLines::default();
        assert!(c.touches(Path::new("/x.rs"), 3, 3));
        let mut c = ChangedLines::default();
        c.files
            .insert("/a.rs".into(), Lines::Some(BTreeSet::from([5, 9])));
        assert!(c.touches(Path::new("/a.rs"), 9, 9));
        assert!(c.touches(Path::new("/a.rs"), 4, 6));
        assert!(!c.touches(Path::new("/a.rs"), 6, 8));
    }
}
