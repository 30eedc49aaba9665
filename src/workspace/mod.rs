//! Workspace discovery: `cargo metadata --no-deps` to packages, targets and crate roots.
//!
//! This is the only subprocess on the check path. `--no-deps` never resolves the dependency
//! graph, never touches the network and never runs build scripts.

use std::path::{Path, PathBuf};

use cargo_metadata::{Metadata, MetadataCommand, TargetKind as CmKind};

/// What kind of compilation target a crate is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TargetKind {
    Lib,
    Bin,
    Test,
}

/// A name a crate can use for another crate (its extern prelude).
#[derive(Clone, Debug)]
pub struct Extern {
    /// The name as written in code (`core_types` for a renamed dependency).
    pub name: String,
    /// Index of the workspace crate it refers to; `None` for a crate outside the workspace.
    pub krate: Option<usize>,
}

/// One crate to analyse: a lib, bin or test target of a workspace member.
#[derive(Clone, Debug)]
pub struct CrateInfo {
    /// Crate name as code refers to it (lib name, `-` replaced by `_`) or the bin's name.
    pub name: String,
    pub kind: TargetKind,
    /// Package name, as in Cargo.toml.
    pub package: String,
    /// Absolute path of the crate root file (`src/lib.rs`, `src/main.rs`, ...).
    pub root_file: PathBuf,
    pub externs: Vec<Extern>,
    /// Rust edition of the target: `use` paths are crate-relative in 2015.
    pub edition_2015: bool,
    /// The package's `[features]` table (with the implicit features of optional
    /// dependencies), for `--features`.
    pub features: std::collections::BTreeMap<String, Vec<String>>,
}

impl CrateInfo {
    /// The name modules of this crate are displayed with: the lib name, or `bin:NAME`.
    pub fn display_name(&self) -> String {
        match self.kind {
            TargetKind::Lib => self.name.clone(),
            TargetKind::Bin => format!("bin:{}", self.name),
            TargetKind::Test => format!("test:{}", self.name),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Workspace {
    /// Absolute workspace root (where domains.toml lives).
    pub root: PathBuf,
    /// The manifest of the workspace root (may hold `[workspace.metadata.domains]`).
    pub root_manifest: PathBuf,
    pub crates: Vec<CrateInfo>,
    /// Packages chosen with `-p` (all members when empty).
    pub selected_packages: Vec<String>,
    /// The package `crate::` refers to in domains.toml: the root package, or the only member.
    pub primary_package: Option<String>,
}

#[derive(Debug)]
pub struct WorkspaceError {
    pub message: String,
    pub help: Option<String>,
}

impl std::fmt::Display for WorkspaceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

pub struct LoadOptions<'a> {
    pub manifest_path: Option<&'a Path>,
    pub packages: &'a [String],
    pub include_tests: bool,
}

/// Runs `cargo metadata --no-deps` and turns its answer into the crates to analyse.
pub fn load(opts: &LoadOptions) -> Result<Workspace, WorkspaceError> {
    let mut cmd = MetadataCommand::new();
    cmd.no_deps();
    if let Some(path) = opts.manifest_path {
        if !path.exists() {
            return Err(WorkspaceError {
                message: format!("manifest path `{}` does not exist", path.display()),
                help: Some("pass the path of a Cargo.toml with --manifest-path".into()),
            });
        }
        cmd.manifest_path(path);
    }
    // Never let cargo reach the network or rewrite the lock file on our behalf.
    cmd.other_options(vec!["--offline".to_string()]);
    let metadata = cmd.exec().map_err(|e| WorkspaceError {
        message: format!("`cargo metadata` failed: {}", one_line(&e.to_string())),
        help: Some("run `cargo metadata --no-deps --offline` to see cargo's own error".into()),
    })?;
    from_metadata(&metadata, opts)
}

fn one_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Builds the crate list from parsed metadata (separate from [`load`] so tests can feed JSON).
pub fn from_metadata(meta: &Metadata, opts: &LoadOptions) -> Result<Workspace, WorkspaceError> {
    let root: PathBuf = meta.workspace_root.clone().into_std_path_buf();
    let members: Vec<_> = meta.workspace_packages();
    for p in opts.packages {
        if !members.iter().any(|m| m.name.as_str() == p) {
            let names: Vec<_> = members.iter().map(|m| m.name.to_string()).collect();
            return Err(WorkspaceError {
                message: format!("package `{p}` is not a member of this workspace"),
                help: Some(format!("workspace members: {}", names.join(", "))),
            });
        }
    }

    // Lib name of each member package, to map dependencies onto workspace crates.
    let mut crates: Vec<CrateInfo> = Vec::new();
    let mut lib_index: Vec<(String, usize)> = Vec::new(); // package name -> crate index
    let mut members_sorted = members.clone();
    members_sorted.sort_by(|a, b| a.name.cmp(&b.name));
    for pkg in &members_sorted {
        let mut targets: Vec<_> = pkg.targets.iter().collect();
        targets.sort_by(|a, b| (kind_rank(&a.kind), &a.name).cmp(&(kind_rank(&b.kind), &b.name)));
        for t in targets {
            let kind = if t.kind.iter().any(|k| {
                matches!(
                    k,
                    CmKind::Lib
                        | CmKind::RLib
                        | CmKind::DyLib
                        | CmKind::CDyLib
                        | CmKind::StaticLib
                        | CmKind::ProcMacro
                )
            }) {
                TargetKind::Lib
            } else if t.kind.contains(&CmKind::Bin) {
                TargetKind::Bin
            } else if t.kind.contains(&CmKind::Test) && opts.include_tests {
                TargetKind::Test
            } else {
                continue; // examples, benches, build scripts: not part of the monolith's code
            };
            let name = t.name.replace('-', "_");
            if kind == TargetKind::Lib {
                lib_index.push((pkg.name.to_string(), crates.len()));
            }
            crates.push(CrateInfo {
                name: if kind == TargetKind::Lib {
                    name
                } else {
                    t.name.to_string()
                },
                kind,
                package: pkg.name.to_string(),
                root_file: t.src_path.clone().into_std_path_buf(),
                edition_2015: t.edition == cargo_metadata::Edition::E2015,
                externs: Vec::new(),
                features: pkg
                    .features
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            });
        }
    }

    // Extern prelude of every crate: dependencies (renamed ones by their new name) and, for
    // bins and tests, the package's own library.
    for (i, krate) in crates.clone().iter().enumerate() {
        let Some(pkg) = members_sorted
            .iter()
            .find(|p| p.name.as_str() == krate.package)
        else {
            continue;
        };
        let mut externs = Vec::new();
        if krate.kind != TargetKind::Lib
            && let Some((_, lib)) = lib_index.iter().find(|(p, _)| *p == krate.package)
        {
            externs.push(Extern {
                name: crates[*lib].name.clone(),
                krate: Some(*lib),
            });
        }
        for dep in &pkg.dependencies {
            // Only a path dependency can be a member: `old_api = { package = "app_api",
            // version = "0.19" }` beside the member `app_api` is the published crate.
            let member = lib_index
                .iter()
                .find(|(p, _)| p == &dep.name && dep.path.is_some())
                .map(|(_, c)| *c);
            let name = match (&dep.rename, member) {
                (Some(r), _) => r.replace('-', "_"),
                (None, Some(c)) => crates[c].name.clone(),
                (None, None) => dep.name.replace('-', "_"),
            };
            if !externs.iter().any(|e: &Extern| e.name == name) {
                externs.push(Extern {
                    name,
                    krate: member,
                });
            }
        }
        crates[i].externs = externs;
    }

    let primary_package = meta
        .root_package()
        .map(|p| p.name.to_string())
        .or_else(|| (members.len() == 1).then(|| members[0].name.to_string()));
    Ok(Workspace {
        root_manifest: root.join("Cargo.toml"),
        root,
        crates,
        selected_packages: opts.packages.to_vec(),
        primary_package,
    })
}

fn kind_rank(kinds: &[CmKind]) -> u8 {
    if kinds.contains(&CmKind::Bin) {
        1
    } else if kinds.contains(&CmKind::Test) {
        2
    } else {
        0
    }
}
