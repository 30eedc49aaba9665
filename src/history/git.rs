//! Reading commits with `gix`: no `git` process, no hooks, no filters, nothing of the
//! repository runs. Per commit: its id, author (through `.mailmap`), time, and the paths its
//! tree diff against the first parent touches (tree objects only: no blob is read).
//! Bare and shallow repositories work; a walk that stops at a shallow boundary says so.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use gix::bstr::ByteSlice;

/// Which commits to read, newest first from `HEAD`.
#[derive(Clone, Debug, Default)]
pub struct Window {
    /// Only commits at or after this time (seconds since the epoch).
    pub since: Option<i64>,
    /// At most this many commits (merges included in the count, as `git log -n`).
    pub last: Option<usize>,
}

/// One non-merge commit.
#[derive(Clone, Debug)]
pub struct Commit {
    pub id: String,
    /// `Name <email>` after `.mailmap`; the key authors are counted by is the e-mail.
    pub author_name: String,
    pub author_email: String,
    pub time: i64,
    /// Repository-relative paths of the files added, modified or deleted.
    pub paths: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Log {
    /// The repository's git directory, as opened.
    pub git_dir: PathBuf,
    /// The repository's working tree (`None` for a bare repository).
    pub workdir: Option<PathBuf>,
    pub head: Option<String>,
    pub commits: Vec<Commit>,
    /// Merge commits in the window (not counted: their changes are their parents').
    pub merges: usize,
    /// The walk reached a shallow boundary: older history is not in this clone.
    pub shallow_cut: bool,
    /// The text of the first CODEOWNERS file found in `HEAD`'s tree, with its path.
    pub codeowners: Option<(String, String)>,
}

fn err(what: &str, e: impl std::fmt::Display) -> String {
    format!("{what}: {e}")
}

/// Opens the repository at `git_dir` (a `.git` directory, a bare repository or a working
/// tree), or the one enclosing `start`.
pub fn open(git_dir: Option<&Path>, start: &Path) -> Result<gix::Repository, String> {
    let repo = match git_dir {
        Some(d) => gix::open(d).map_err(|e| err(&format!("cannot open `{}`", d.display()), e))?,
        None => gix::discover(start).map_err(|e| {
            err(
                &format!(
                    "no git repository at or above `{}` (pass --git-dir)",
                    start.display()
                ),
                e,
            )
        })?,
    };
    Ok(repo)
}

/// Reads the commits of `window`.
pub fn read(mut repo: gix::Repository, window: &Window) -> Result<Log, String> {
    repo.object_cache_size_if_unset(16 * 1024 * 1024);
    let mut log = Log {
        git_dir: repo.git_dir().to_path_buf(),
        workdir: repo.workdir().map(Path::to_path_buf),
        ..Log::default()
    };
    let head = match repo.head_id() {
        Ok(id) => id.detach(),
        // An unborn branch: a repository without commits has no history to read.
        Err(_) => return Ok(log),
    };
    log.head = Some(head.to_hex().to_string());
    log.codeowners = codeowners(&repo, head);
    let shallow: HashSet<gix::ObjectId> = repo
        .shallow_commits()
        .map_err(|e| err("cannot read the shallow file", e))?
        .map(|c| c.iter().copied().collect())
        .unwrap_or_default();
    let mailmap = repo.open_mailmap();
    use gix::revision::walk::Sorting;
    use gix::traverse::commit::simple::CommitTimeOrder;
    let sorting = match window.since {
        Some(seconds) => Sorting::ByCommitTimeCutoff {
            order: CommitTimeOrder::NewestFirst,
            seconds,
        },
        None => Sorting::ByCommitTime(CommitTimeOrder::NewestFirst),
    };
    let walk = repo
        .rev_walk([head])
        .sorting(sorting)
        .all()
        .map_err(|e| err("cannot walk the history", e))?;
    let mut state = gix::diff::tree::State::default();
    for (seen, info) in walk.enumerate() {
        if window.last.is_some_and(|n| seen >= n) {
            break;
        }
        let info = info.map_err(|e| err("cannot walk the history", e))?;
        if shallow.contains(&info.id) {
            // Its parents are not in this clone: its diff is unknown.
            log.shallow_cut = true;
            continue;
        }
        let commit = repo
            .find_commit(info.id)
            .map_err(|e| err("cannot read a commit", e))?;
        let parents: Vec<gix::ObjectId> = commit.parent_ids().map(|p| p.detach()).collect();
        if parents.len() > 1 {
            log.merges += 1;
            continue;
        }
        let c = read_commit(
            &repo,
            &commit,
            parents.first().copied(),
            &mailmap,
            &mut state,
        )?;
        log.commits.push(c);
    }
    Ok(log)
}

fn read_commit(
    repo: &gix::Repository,
    commit: &gix::Commit<'_>,
    parent: Option<gix::ObjectId>,
    mailmap: &gix::mailmap::Snapshot,
    state: &mut gix::diff::tree::State,
) -> Result<Commit, String> {
    let id = commit.id;
    let bad = |e: &dyn std::fmt::Display| format!("cannot read commit {}: {e}", id.to_hex());
    let author = commit.author().map_err(|e| bad(&e))?;
    let time = author.time().map(|t| t.seconds).unwrap_or(0);
    let resolved = mailmap.resolve(author);
    let tree = commit.tree().map_err(|e| bad(&e))?;
    let parent_tree = match parent {
        Some(p) => repo
            .find_commit(p)
            .and_then(|c| c.tree())
            .map_err(|e| bad(&e))?,
        None => repo.empty_tree(),
    };
    let kind = repo.object_hash();
    let mut rec = gix::diff::tree::Recorder::default();
    gix::diff::tree(
        gix::objs::TreeRefIter::from_bytes(&parent_tree.data, kind),
        gix::objs::TreeRefIter::from_bytes(&tree.data, kind),
        &mut *state,
        &repo.objects,
        &mut rec,
    )
    .map_err(|e| bad(&e))?;
    use gix::diff::tree::recorder::Change;
    let mut paths: Vec<String> = rec
        .records
        .into_iter()
        .filter_map(|c| {
            let (mode, path) = match c {
                Change::Addition {
                    entry_mode, path, ..
                }
                | Change::Deletion {
                    entry_mode, path, ..
                }
                | Change::Modification {
                    entry_mode, path, ..
                } => (entry_mode, path),
            };
            (!mode.is_tree()).then(|| path.to_str_lossy().into_owned())
        })
        .collect();
    paths.sort();
    paths.dedup();
    Ok(Commit {
        id: id.to_hex().to_string(),
        author_name: resolved.name.to_str_lossy().trim().to_string(),
        author_email: resolved.email.to_str_lossy().trim().to_lowercase(),
        time,
        paths,
    })
}

/// The first CODEOWNERS file of `HEAD`'s tree, in GitHub's then GitLab's search order.
fn codeowners(repo: &gix::Repository, head: gix::ObjectId) -> Option<(String, String)> {
    let tree = repo.find_commit(head).ok()?.tree().ok()?;
    for loc in super::codeowners::LOCATIONS {
        if let Ok(Some(entry)) = tree.lookup_entry_by_path(loc)
            && entry.mode().is_blob()
            && let Ok(obj) = entry.object()
        {
            // The same bound as every other file read.
            let data = &obj.data[..obj
                .data
                .len()
                .min(crate::safe_read::MAX_INPUT_BYTES as usize)];
            return Some((loc.to_string(), String::from_utf8_lossy(data).into_owned()));
        }
    }
    None
}
