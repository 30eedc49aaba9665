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
    /// Cargo's id of the package and its manifest, the target's kinds (`lib`, `bin`, ...)
    /// and edition, as `cargo metadata` gives them: `check --message-format json` names the
    /// target of each message the way cargo does.
    pub package_id: String,
    pub manifest_path: PathBuf,
    pub target_kinds: Vec<String>,
    pub edition: String,
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
    let manifest = match opts.manifest_path {
        Some(path) => {
            if !path.exists() {
                return Err(WorkspaceError {
                    message: format!("manifest path `{}` does not exist", path.display()),
                    help: Some("pass the path of a Cargo.toml with --manifest-path".into()),
                });
            }
            std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
        }
        None => find_manifest()?,
    };
    let mut cmd = MetadataCommand::new();
    cmd.no_deps();
    cmd.manifest_path(&manifest);
    // Never let cargo reach the network or rewrite the lock file on our behalf.
    cmd.other_options(vec!["--offline".to_string()]);
    let metadata = run_metadata(&cmd)?;
    from_metadata(&metadata, opts)
}

/// The manifest cargo would use without `--manifest-path`: the nearest `Cargo.toml` from the
/// current directory up (cargo itself does not run there, see [`run_metadata`]).
fn find_manifest() -> Result<PathBuf, WorkspaceError> {
    let cwd = std::env::current_dir().map_err(|e| WorkspaceError {
        message: format!("cannot read the current directory: {e}"),
        help: Some("pass the path of a Cargo.toml with --manifest-path".into()),
    })?;
    cwd.ancestors()
        .map(|d| d.join("Cargo.toml"))
        .find(|m| m.is_file())
        .ok_or_else(|| WorkspaceError {
            message: format!(
                "could not find `Cargo.toml` in `{}` or any parent directory",
                cwd.display()
            ),
            help: Some("run in a Cargo project, or pass --manifest-path".into()),
        })
}

/// How long `cargo metadata` may take: `CARGO_DOMAINS_METADATA_TIMEOUT` seconds, else 120.
fn metadata_timeout() -> std::time::Duration {
    std::env::var("CARGO_DOMAINS_METADATA_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(|s| std::time::Duration::from_secs_f64(s.min(1e6)))
        .unwrap_or(std::time::Duration::from_secs(120))
}

/// Runs `cargo metadata` so that nothing in the analysed tree can choose what runs:
///
/// - the binary is `$CARGO` (the real cargo that ran us as `cargo domains`, past rustup's
///   proxy), else the `cargo` on PATH;
/// - it runs in the filesystem root, not in the analysed tree, so rustup's proxy finds no
///   `rust-toolchain(.toml)` of that tree (a `[toolchain] path` there would name the binary)
///   and cargo reads no `.cargo/config.toml` of it; the manifest is always passed by path;
/// - `RUSTUP_TOOLCHAIN` is the toolchain we run under when known (our own
///   `$RUSTUP_TOOLCHAIN`, set by rustup for what it runs, or the name in a
///   `.../toolchains/NAME/bin/cargo` `$CARGO`): it outranks every toolchain file;
/// - `RUSTUP_AUTO_INSTALL=0`: rustup never installs a toolchain on our behalf.
///
/// It is killed after [`metadata_timeout`].
fn run_metadata(cmd: &MetadataCommand) -> Result<Metadata, WorkspaceError> {
    use std::io::Read;
    use std::process::Stdio;
    let mut command = cmd.cargo_command();
    #[cfg(unix)]
    command.current_dir("/");
    let cargo_env = std::env::var_os("CARGO").filter(|c| !c.is_empty());
    let toolchain = std::env::var_os("RUSTUP_TOOLCHAIN")
        .filter(|t| !t.is_empty())
        .or_else(|| {
            let cargo = PathBuf::from(cargo_env.as_ref()?);
            let bin = cargo.parent()?;
            let dir = bin.parent()?;
            (bin.file_name()? == "bin" && dir.parent()?.file_name()? == "toolchains")
                .then(|| dir.file_name().map(|n| n.to_os_string()))
                .flatten()
        });
    if let Some(t) = toolchain {
        command.env("RUSTUP_TOOLCHAIN", t);
    }
    command
        .env("RUSTUP_AUTO_INSTALL", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let program = command.get_program().to_string_lossy().into_owned();
    let failed = |what: String| WorkspaceError {
        message: format!("`cargo metadata` failed: {what}"),
        help: Some("run `cargo metadata --no-deps --offline` to see cargo's own error".into()),
    };
    let mut child = command
        .spawn()
        .map_err(|e| failed(format!("cannot run `{program}`: {e}")))?;
    // Both pipes are drained on threads (a full pipe would stall cargo); after a timeout they
    // are not waited for, as a grandchild may still hold them open.
    let drain = |mut r: Box<dyn Read + Send>| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            let _ = tx.send(buf);
        });
        rx
    };
    let out = drain(Box::new(child.stdout.take().expect("piped stdout")));
    let err = drain(Box::new(child.stderr.take().expect("piped stderr")));
    let timeout = metadata_timeout();
    let start = std::time::Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(WorkspaceError {
                    message: format!(
                        "`cargo metadata` did not finish in {} s and was killed (`{program}`)",
                        timeout.as_secs_f64()
                    ),
                    help: Some(
                        "run `cargo metadata --no-deps --offline` to see what it waits for \
                         (a lock held by another cargo?); set CARGO_DOMAINS_METADATA_TIMEOUT \
                         (seconds) to wait longer"
                            .into(),
                    ),
                });
            }
            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(20)),
            Err(e) => return Err(failed(format!("cannot wait for `{program}`: {e}"))),
        }
    };
    // The child has exited: its pipes end soon unless a grandchild holds them.
    let grace = std::time::Duration::from_secs(5);
    let stdout = out.recv_timeout(grace).unwrap_or_default();
    let stderr = err.recv_timeout(grace).unwrap_or_default();
    if !status.success() {
        return Err(failed(format!(
            "`cargo metadata` exited with an error: {}",
            one_line(&String::from_utf8_lossy(&stderr))
        )));
    }
    let text = String::from_utf8_lossy(&stdout);
    // cargo prints one JSON document on one line; anything else on stdout is skipped.
    let json = text
        .lines()
        .find(|l| l.starts_with('{'))
        .unwrap_or_default();
    MetadataCommand::parse(json).map_err(|e| failed(one_line(&e.to_string())))
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
                package_id: pkg.id.repr.clone(),
                manifest_path: pkg.manifest_path.clone().into_std_path_buf(),
                target_kinds: t.kind.iter().map(|k| k.to_string()).collect(),
                edition: t.edition.as_str().to_string(),
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
