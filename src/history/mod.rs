//! What the version history says about the domains: per domain its commits, authors and
//! churn (files touched), the change coupling between domain pairs (Tornhill's "Your Code
//! as a Crime Scene": the share of commits touching both), the pairs that change together
//! without a static dependency (hidden coupling) and the pairs with one that never do, and
//! the teams that change each domain (from `CODEOWNERS`, else one team per author).
//!
//! Changed paths map to domains through the module tree the check built (file -> module ->
//! domain). `git.rs` reads the commits with `gix`; `codeowners.rs` parses `CODEOWNERS`.

pub mod codeowners;
pub mod git;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::analysis::Checked;
use crate::config::DomainId;
use codeowners::CodeOwners;

/// Commits touching more files than this are left out of the coupling figures (a mass
/// rename or a formatting commit says nothing about design); code-maat's default is 30.
pub const MAX_CHANGESET: usize = 50;
/// A pair is flagged only with at least this many shared commits...
pub const MIN_SHARED: usize = 3;
/// ... and a coupling degree of at least this many percent (code-maat's default).
pub const MIN_DEGREE: u32 = 30;
/// "Many teams change this domain" from this many teams on.
pub const CROWDED_TEAMS: usize = 3;
/// Commits read when neither `--since` nor `--last` is given.
pub const DEFAULT_LAST: usize = 1000;

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub git_dir: Option<PathBuf>,
    /// As given: `2024-01-31`, `6 months ago`, or any date git accepts.
    pub since: Option<String>,
    pub last: Option<usize>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Count {
    pub name: String,
    pub commits: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct DomainHistory {
    pub domain: String,
    pub commits: usize,
    /// Distinct authors, most commits first.
    pub authors: Vec<Count>,
    /// Churn: file changes (a file touched by a commit counts once per commit).
    pub files_touched: usize,
    /// Teams, most commits first (see [`History::teams_from`]).
    pub teams: Vec<Count>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CouplingFlag {
    /// Change together, no import between them: coupled through something the code does not
    /// show (the database, a protocol, a copy-pasted rule).
    Hidden,
    /// An import between them, but never changed in one commit: cheap to cut.
    NeverTogether,
}

#[derive(Clone, Debug, Serialize)]
pub struct Coupling {
    pub a: String,
    pub b: String,
    /// Commits touching both.
    pub shared: usize,
    /// Commits touching each (in the commits that count for coupling).
    pub commits_a: usize,
    pub commits_b: usize,
    /// `shared / mean(commits_a, commits_b)`, in percent, rounded down (code-maat's degree).
    pub degree: u32,
    /// `a -> b`, `b -> a`, `both`, or `none`: references in the static domain graph.
    pub static_dependency: &'static str,
    pub flag: Option<CouplingFlag>,
}

#[derive(Clone, Debug, Serialize)]
pub struct History {
    /// The git directory read.
    pub repository: String,
    pub head: Option<String>,
    pub since: Option<String>,
    pub last: Option<usize>,
    /// Non-merge commits read.
    pub commits: usize,
    pub merges_skipped: usize,
    /// Commits left out of the coupling figures for touching more than [`MAX_CHANGESET`] files.
    pub large_commits: usize,
    /// Why the history read is shorter than asked, when it is (a shallow clone).
    pub cut: Option<String>,
    /// Always `files`: churn counts files touched per commit, not lines (no blob is read).
    pub churn_unit: &'static str,
    /// `CODEOWNERS` (with its path) or `authors`.
    pub teams_from: String,
    /// File changes in the window that map to no module of the analysed tree (deleted or
    /// moved files, non-Rust files, other crates of the repository).
    pub unmapped_file_changes: usize,
    pub domains: Vec<DomainHistory>,
    /// Every pair with a shared commit or a static dependency, strongest coupling first.
    pub couplings: Vec<Coupling>,
    /// Domains changed by [`CROWDED_TEAMS`] teams or more.
    pub crowded: Vec<String>,
}

/// Parses `--since`: a date or a relative time as git spells them. A date alone
/// (`2024-01-31`) is its midnight UTC, not git's "that day at the current time of day".
pub fn parse_since(s: &str) -> Result<i64, String> {
    let date_only = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    let now = (!date_only).then(gix::date::ZonedDateTime::now);
    gix::date::parse(s.trim(), now)
        .map(|t| t.seconds)
        .map_err(|e| {
            format!("`--since {s}`: not a date ({e}); give e.g. `2024-01-31` or `6 months ago`")
        })
}

/// Reads the history of the repository holding the checked workspace.
pub fn read(c: &Checked, opts: &Options) -> Result<History, String> {
    let root = &c.analysis.workspace.root;
    let since = opts.since.as_deref().map(parse_since).transpose()?;
    let last = match (opts.since.is_some(), opts.last) {
        (true, l) => l,
        (false, l) => Some(l.unwrap_or(DEFAULT_LAST)),
    };
    let repo = git::open(opts.git_dir.as_deref(), root)?;
    let log = git::read(repo, &git::Window { since, last })?;
    let prefix = workspace_prefix(root, log.workdir.as_deref());
    let files = file_domains(c, &prefix);
    let names: Vec<String> = c.config.domains.iter().map(|d| d.name.clone()).collect();
    let mut h = summarise(&log, &names, &|p: &str| files.get(p).copied(), &|a, b| {
        static_dependency(c, a, b)
    });
    h.since = opts.since.clone();
    h.last = last;
    Ok(h)
}

/// Where the workspace lies in the repository (`""` when at its root, `backend/` below it).
/// A bare repository has no working tree: its root is taken to be the workspace root.
fn workspace_prefix(root: &Path, workdir: Option<&Path>) -> String {
    let Some(wd) = workdir else {
        return String::new();
    };
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    match canon(root).strip_prefix(canon(wd)) {
        Ok(rel) if rel.as_os_str().is_empty() => String::new(),
        Ok(rel) => format!("{}/", rel.to_string_lossy().replace('\\', "/")),
        Err(_) => String::new(),
    }
}

/// Repository-relative path of every module file -> its domain (`None`: unassigned). A file
/// holding several modules (inline `mod x { }`) goes to its outermost one.
fn file_domains(c: &Checked, prefix: &str) -> HashMap<String, Option<DomainId>> {
    let p = &c.analysis.program;
    let mut best: HashMap<u32, (u32, Option<DomainId>)> = HashMap::new();
    for (i, m) in p.modules.iter().enumerate() {
        let d = c.assignment.domain_of[i];
        let e = best.entry(m.file).or_insert((m.depth, d));
        if m.depth < e.0 {
            *e = (m.depth, d);
        }
    }
    best.into_iter()
        .map(|(f, (_, d))| (format!("{prefix}{}", p.file_rel(f)), d))
        .collect()
}

fn static_dependency(c: &Checked, a: DomainId, b: DomainId) -> &'static str {
    let ab = !c.domain_graph.refs(a, b).is_empty();
    let ba = !c.domain_graph.refs(b, a).is_empty();
    match (ab, ba) {
        (true, true) => "both",
        (true, false) => "a -> b",
        (false, true) => "b -> a",
        (false, false) => "none",
    }
}

#[derive(Default)]
struct Tally {
    commits: usize,
    files: usize,
    authors: HashMap<String, (String, usize)>,
    teams: HashMap<String, usize>,
}

/// The figures from a log. `domain_of(path)`: `None` for a path outside the module tree,
/// `Some(None)` for an unassigned module's file. `dep(a, b)` as [`Coupling::static_dependency`].
pub fn summarise(
    log: &git::Log,
    names: &[String],
    domain_of: &dyn Fn(&str) -> Option<Option<DomainId>>,
    dep: &dyn Fn(DomainId, DomainId) -> &'static str,
) -> History {
    let owners = log
        .codeowners
        .as_ref()
        .map(|(path, text)| (path.clone(), CodeOwners::parse(text)))
        .filter(|(_, c)| !c.is_empty());
    let mut tally: Vec<Tally> = (0..names.len()).map(|_| Tally::default()).collect();
    let mut unmapped = 0;
    let mut large = 0;
    // Coupling population: commits of at most MAX_CHANGESET files.
    let mut revs = vec![0usize; names.len()];
    let mut shared: BTreeMap<(DomainId, DomainId), usize> = BTreeMap::new();
    // The same paths change again and again: their owners are matched once.
    let mut owners_of: HashMap<&str, Vec<String>> = HashMap::new();
    for commit in &log.commits {
        let mut touched: BTreeMap<DomainId, Vec<&str>> = BTreeMap::new();
        for path in &commit.paths {
            match domain_of(path) {
                Some(Some(d)) => touched.entry(d).or_default().push(path),
                Some(None) => {}
                None => unmapped += 1,
            }
        }
        for (&d, paths) in &touched {
            let t = &mut tally[d];
            t.commits += 1;
            t.files += paths.len();
            let key = if commit.author_email.is_empty() {
                commit.author_name.clone()
            } else {
                commit.author_email.clone()
            };
            t.authors
                .entry(key.clone())
                .or_insert_with(|| (commit.author_name.clone(), 0))
                .1 += 1;
            let teams: BTreeSet<String> = match &owners {
                Some((_, co)) => paths
                    .iter()
                    .flat_map(|p| owners_of.entry(p).or_insert_with(|| co.owners(p)).clone())
                    .collect(),
                None => BTreeSet::from([commit.author_name.clone()]),
            };
            for team in teams {
                *t.teams.entry(team).or_default() += 1;
            }
        }
        if commit.paths.len() > MAX_CHANGESET {
            large += 1;
            continue;
        }
        let ds: Vec<DomainId> = touched.keys().copied().collect();
        for (i, &a) in ds.iter().enumerate() {
            revs[a] += 1;
            for &b in &ds[i + 1..] {
                *shared.entry((a, b)).or_default() += 1;
            }
        }
    }
    let couplings = couplings(names, &revs, &shared, dep);
    let domains: Vec<DomainHistory> = tally
        .into_iter()
        .enumerate()
        .map(|(d, t)| DomainHistory {
            domain: names[d].clone(),
            commits: t.commits,
            authors: sorted(t.authors.into_values().collect()),
            files_touched: t.files,
            teams: sorted(t.teams.into_iter().collect()),
        })
        .collect();
    let crowded = domains
        .iter()
        .filter(|d| d.teams.len() >= CROWDED_TEAMS)
        .map(|d| d.domain.clone())
        .collect();
    History {
        repository: log.git_dir.display().to_string(),
        head: log.head.clone(),
        since: None,
        last: None,
        commits: log.commits.len(),
        merges_skipped: log.merges,
        large_commits: large,
        cut: log.shallow_cut.then(|| {
            "shallow clone: the walk reached commits whose parents are not in this repository; \
             older history is not counted (`git fetch --unshallow` for all of it)"
                .to_string()
        }),
        churn_unit: "files",
        teams_from: match &owners {
            Some((path, _)) => path.clone(),
            None => "authors".into(),
        },
        unmapped_file_changes: unmapped,
        domains,
        couplings,
        crowded,
    }
}

fn sorted(v: Vec<(String, usize)>) -> Vec<Count> {
    let mut v: Vec<Count> = v
        .into_iter()
        .map(|(name, commits)| Count { name, commits })
        .collect();
    v.sort_by(|a, b| b.commits.cmp(&a.commits).then_with(|| a.name.cmp(&b.name)));
    v
}

fn couplings(
    names: &[String],
    revs: &[usize],
    shared: &BTreeMap<(DomainId, DomainId), usize>,
    dep: &dyn Fn(DomainId, DomainId) -> &'static str,
) -> Vec<Coupling> {
    let mut out = Vec::new();
    for a in 0..names.len() {
        for b in a + 1..names.len() {
            let n = shared.get(&(a, b)).copied().unwrap_or(0);
            let static_dependency = dep(a, b);
            if n == 0 && static_dependency == "none" {
                continue;
            }
            let mean2 = revs[a] + revs[b];
            // shared / ((ra + rb) / 2), in whole percent.
            let degree = (200 * n).checked_div(mean2).unwrap_or(0) as u32;
            let flag = if static_dependency == "none" && n >= MIN_SHARED && degree >= MIN_DEGREE {
                Some(CouplingFlag::Hidden)
            } else if static_dependency != "none"
                && n == 0
                && revs[a] >= MIN_SHARED
                && revs[b] >= MIN_SHARED
            {
                Some(CouplingFlag::NeverTogether)
            } else {
                None
            };
            out.push(Coupling {
                a: names[a].clone(),
                b: names[b].clone(),
                shared: n,
                commits_a: revs[a],
                commits_b: revs[b],
                degree,
                static_dependency,
                flag,
            });
        }
    }
    out.sort_by(|x, y| {
        y.degree
            .cmp(&x.degree)
            .then(y.shared.cmp(&x.shared))
            .then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b)))
    });
    out
}
