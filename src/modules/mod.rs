//! Module trees: from each crate root, follow `mod x;` declarations to files (`x.rs`,
//! `x/mod.rs`, `#[path]`), parse every file once with syn (files in parallel) and keep what
//! [`extract`] found. The result, a [`Program`], is plain data with global ids.

pub mod cfg;
pub mod expand;
pub mod extract;
pub mod guard;
pub mod ident;
pub mod orm;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::diag::Diag;
use crate::workspace::{TargetKind, Workspace};
use cfg::{Cfg, CfgEnv, Wrapper};
use extract::{
    FileCtx, RawData, RawFile, RawImpl, RawItem, RawMethodCall, RawModDecl, RawModule, RawRef,
    RawUse,
};

pub use crate::source::{FileId, Pos, Span};
pub type ModuleId = u32;
/// An index into [`Program::cfgs`].
pub type CfgId = u32;
pub type ScopeId = u32;
pub type ItemId = u32;
pub type CrateId = u32;

/// Where a path is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ctx {
    Use,
    Type,
    Impl,
    Expr,
    Pat,
    /// Inside a macro invocation's arguments.
    MacroArg,
    /// The macro's own path.
    MacroCall,
    /// A method call `x.m()` whose receiver type is written somewhere.
    Method,
    /// Inside an attribute: `#[diesel(belongs_to(crate::catalog::Product))]`,
    /// `#[serde(with = "crate::util::rfc3339")]`.
    Attr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Mod,
    Struct,
    Enum,
    Union,
    Trait,
    TypeAlias,
    Fn,
    Const,
    Static,
    Macro,
    ExternCrate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Vis {
    Private,
    Restricted,
    Crate,
    Pub,
}

pub struct SourceFile {
    pub path: PathBuf,
    /// Path relative to the workspace root, with `/` separators.
    pub rel: String,
    pub text: Option<Arc<str>>,
    pub lines: u32,
    /// Byte offset of each line's start, computed the first time a report needs it.
    pub line_starts: std::sync::OnceLock<Vec<usize>>,
}

impl SourceFile {
    /// Byte offset of a position (column in characters), in O(log lines) once the line
    /// index exists: reports with a million findings must not re-scan the file each time.
    pub fn offset(&self, pos: Pos) -> usize {
        let Some(text) = &self.text else { return 0 };
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        let Some(&start) = starts.get(pos.line.saturating_sub(1) as usize) else {
            return text.len();
        };
        let rest = &text[start..];
        rest.char_indices()
            .take_while(|(_, c)| *c != '\n')
            .nth(pos.col as usize)
            .map(|(i, _)| start + i)
            .unwrap_or_else(|| start + rest.find('\n').unwrap_or(rest.len()))
    }
}

pub struct Crate {
    pub info: crate::workspace::CrateInfo,
    pub root: Option<ModuleId>,
}

pub struct Module {
    pub krate: CrateId,
    pub name: String,
    /// Display path: `shop::orders::checkout`, `bin:shop::cli`.
    pub path: String,
    pub parent: Option<ModuleId>,
    pub children: BTreeMap<String, ModuleId>,
    pub file: FileId,
    /// Where the module is declared (`mod x;` in the parent file); `None` for crate roots.
    pub decl: Option<(FileId, Span)>,
    pub is_test: bool,
    pub scope: ScopeId,
    pub depth: u32,
}

pub struct Scope {
    pub parent: Option<ScopeId>,
    pub module: ModuleId,
    pub file: FileId,
}

/// A record of the syntax pass placed in the workspace: its global scope, module and file.
/// It dereferences to the record itself (`item.name`, `a_use.prefix`, `path.segs`); the
/// record's own `scope` field is the file-local index it was extracted with.
pub struct Located<T> {
    pub scope: ScopeId,
    pub module: ModuleId,
    pub file: FileId,
    /// The builds that compile it: an index into [`Program::cfgs`] (0: every build).
    pub cfg: CfgId,
    pub raw: T,
}

impl<T> std::ops::Deref for Located<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.raw
    }
}

/// Records that belong to a file-local scope.
pub trait LocalScope {
    fn local_scope(&self) -> u32;
    /// The record's condition, an index into its file's [`RawFile::conds`].
    fn local_cfg(&self) -> u32;
}

macro_rules! local_scope {
    ($($t:ty),*) => {$(
        impl LocalScope for $t {
            fn local_scope(&self) -> u32 {
                self.scope
            }
            fn local_cfg(&self) -> u32 {
                self.cfg
            }
        }
    )*};
}
local_scope!(RawItem, RawUse, RawImpl, RawRef, RawMethodCall, RawData);

/// An item definition (`fn`, `struct`, `macro_rules!`, ...).
pub type Item = Located<RawItem>;
/// One imported name (or glob) of a `use` tree.
pub type Use = Located<RawUse>;
/// An `impl` block.
pub type Impl = Located<RawImpl>;
/// A path written in code.
pub type PathRef = Located<RawRef>;
/// A method call whose receiver syntax says something about its type.
pub type MethodCall = Located<RawMethodCall>;
/// A fact about database code (a table definition, a SQL literal, a diesel write).
pub type DataSite = Located<RawData>;

/// Places one file's records: file-local scope indices become global ids, and records the
/// configuration switches off (`live` is `None` for their condition) are dropped.
fn locate<T: LocalScope>(
    scopes: &[Scope],
    sids: &[ScopeId],
    file: FileId,
    live: &[Option<CfgId>],
    raws: Vec<T>,
) -> Vec<Located<T>> {
    raws.into_iter()
        .filter_map(|raw| {
            let cfg = live[raw.local_cfg() as usize]?;
            let scope = sids[raw.local_scope() as usize];
            if scope == DROPPED {
                return None;
            }
            Some(Located {
                scope,
                module: scopes[scope as usize].module,
                file,
                cfg,
                raw,
            })
        })
        .collect()
}

/// Everything the syntax pass found, for the whole workspace.
#[derive(Default)]
pub struct Program {
    pub crates: Vec<Crate>,
    pub files: Vec<SourceFile>,
    pub modules: Vec<Module>,
    pub scopes: Vec<Scope>,
    pub items: Vec<Item>,
    pub uses: Vec<Use>,
    pub impls: Vec<Impl>,
    pub refs: Vec<PathRef>,
    pub methods: Vec<MethodCall>,
    pub data: Vec<DataSite>,
    /// The cfg conditions records are under, as the configuration left them (`cfgs[0]` is
    /// `true`: every build).
    pub cfgs: Vec<Cfg>,
    /// Modules declared but switched off by the configuration (crate, module path): a
    /// pattern that names one is not a typo.
    pub inactive_modules: Vec<(CrateId, String)>,
    pub diagnostics: Vec<Diag>,
}

impl Program {
    pub fn lines(&self) -> u64 {
        self.files.iter().map(|f| f.lines as u64).sum()
    }

    pub fn file_rel(&self, f: FileId) -> &str {
        &self.files[f as usize].rel
    }
}

pub struct LoadOptions {
    pub include_tests: bool,
    pub threads: Option<usize>,
    /// Parse only (the parse-floor benchmark): follow `mod` declarations, extract nothing else.
    pub parse_only: bool,
    /// The configuration `cfg` predicates are evaluated against.
    pub cfg: cfg::CfgRequest,
}

/// Module trees deeper than this, or crates with more modules, are cut off with a diagnostic.
const MAX_DEPTH: usize = 64;
const MAX_MODULES_PER_CRATE: usize = 50_000;
/// The id of an inline module (or block scope) that is not loaded: it sits deeper than
/// [`MAX_DEPTH`].
const DROPPED: u32 = u32::MAX;
/// Nesting beyond this is refused before parsing (syn recurses per level): see [`guard`].
const MAX_NESTING: usize = guard::LIMIT;

/// One file to load: the root of a crate or a `mod x;` declaration's target.
struct Task {
    krate: usize,
    /// Declaration indices from the crate root: identifies the module deterministically.
    key: Vec<u32>,
    file: PathBuf,
    module_dir: PathBuf,
    ancestors: Arc<Vec<PathBuf>>,
    is_test: bool,
    /// Depth of the file's module in the module tree, inline modules counted.
    depth: usize,
}

enum Loaded {
    Ok {
        file: PathBuf,
        text: Arc<str>,
        raw: Box<RawFile>,
    },
    Failed {
        file: PathBuf,
        text: Option<Arc<str>>,
        diag: Diag,
    },
}

/// Identifies a loaded file: crate index and declaration indices from the crate root.
type TaskKey = (usize, Vec<u32>);
/// Diagnostics on `mod` declarations, by the declaring file and the declaration's index.
type DeclDiags = Vec<(TaskKey, u32, Diag)>;

struct Shared<'a> {
    results: Mutex<HashMap<TaskKey, Loaded>>,
    /// Diagnostics on a declaration (missing file, loop), keyed by the parent's key.
    decl_diags: Mutex<DeclDiags>,
    counts: Mutex<Vec<usize>>,
    include_tests: bool,
    parse_only: bool,
    /// Per crate: the configuration its code is read in.
    envs: Vec<Arc<cfg::CfgEnv>>,
    /// The workspace root, canonical: files outside it are never read.
    root: PathBuf,
    /// Bracket nesting refused before parsing: [`MAX_NESTING`], less on smaller stacks.
    max_nesting: usize,
    _ws: &'a Workspace,
}

/// Loads and parses every crate of the workspace.
pub fn load(ws: &Workspace, opts: &LoadOptions) -> Program {
    let (pool, pool_diag, stack) = thread_pool(opts.threads);
    let shared = Shared {
        root: std::fs::canonicalize(&ws.root).unwrap_or_else(|_| ws.root.clone()),
        // The full limit needs the whole 256 MiB; smaller stacks refuse proportionally less.
        max_nesting: (MAX_NESTING as u64 * stack as u64 / WORKER_STACK as u64) as usize,
        results: Mutex::new(HashMap::new()),
        decl_diags: Mutex::new(Vec::new()),
        counts: Mutex::new(vec![0; ws.crates.len()]),
        // A test build (`--cfg test`) reads test code too: non-test code may name items
        // through test-only imports (`#[cfg(test)] use mocks::JoinHandle;`). Its own
        // references are dropped after resolution unless tests are analysed.
        include_tests: opts.include_tests || opts.cfg.set.contains(&("test".to_string(), None)),
        parse_only: opts.parse_only,
        envs: ws
            .crates
            .iter()
            .map(|c| Arc::new(opts.cfg.env_for(&c.package, &c.features)))
            .collect(),
        _ws: ws,
    };
    pool.scope(|s| {
        for (i, c) in ws.crates.iter().enumerate() {
            let root = c.root_file.clone();
            let task = Task {
                krate: i,
                key: Vec::new(),
                module_dir: root.parent().unwrap_or(Path::new("")).to_path_buf(),
                file: root,
                ancestors: Arc::new(Vec::new()),
                is_test: c.kind == TargetKind::Test,
                depth: 0,
            };
            let shared = &shared;
            s.spawn(move |s| run_task(s, shared, task));
        }
    });
    let mut program = assemble(
        ws,
        shared.results.into_inner().unwrap(),
        shared.decl_diags.into_inner().unwrap(),
        shared.envs,
    );
    program.diagnostics.extend(pool_diag);
    program
}

/// `--threads` above this is refused (each worker reserves a big stack).
pub const MAX_THREADS: usize = 256;
/// syn and our visitor recurse once per nesting level; deep generated code needs room.
const WORKER_STACK: usize = 256 << 20;

/// The parsing pool: `threads` workers (default: one per core, at most [`MAX_THREADS`]) with
/// [`WORKER_STACK`] each. When the system refuses (a memory limit, a thread limit), fewer
/// workers with smaller stacks, and last the current thread alone; a diagnostic says so.
/// Returns the pool, the diagnostic, and the stack size of its threads.
fn thread_pool(threads: Option<usize>) -> (rayon::ThreadPool, Option<Diag>, usize) {
    let want = threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, MAX_THREADS);
    let build = |n: usize, stack: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .stack_size(stack)
            .build()
    };
    let first = match build(want, WORKER_STACK) {
        Ok(pool) => return (pool, None, WORKER_STACK),
        Err(e) => e,
    };
    let tries = [(want.min(4), 64 << 20), (1, 64 << 20), (1, 16 << 20)];
    let (pool, how, stack) = tries
        .iter()
        .find_map(|&(n, stack)| {
            build(n, stack).ok().map(|p| {
                let how = format!(
                    "{n} thread{} with {} MiB stacks",
                    if n == 1 { "" } else { "s" },
                    stack >> 20
                );
                (p, how, stack)
            })
        })
        .or_else(|| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .use_current_thread()
                .build()
                .ok()
                // The main thread's stack is the platform's (8 MiB on Linux); counted as 4.
                .map(|p| (p, "the main thread alone".to_string(), 4 << 20))
        })
        .unwrap_or_else(|| {
            // Cannot happen short of a broken system: no thread can run the parser.
            let _ = std::io::Write::write_fmt(
                &mut std::io::stderr(),
                format_args!("error: cannot start a parsing thread ({first})\n"),
            );
            std::process::exit(2)
        });
    let diag = Diag::warning(
        "thread-pool",
        format!(
            "cannot start {want} parsing thread{} with {} MiB stacks ({first}); parsing on {how}",
            if want == 1 { "" } else { "s" },
            WORKER_STACK >> 20
        ),
    )
    .help(
        "files nested deeper than the smaller stacks allow are refused as `too-deep`; raise the memory or thread limit (`ulimit -v`, `ulimit -u`) or pass a smaller --threads",
    );
    (pool, Some(diag), stack)
}

/// Source files larger than this are not read (generated code of this size is data).
const MAX_FILE_BYTES: u64 = crate::safe_read::MAX_INPUT_BYTES;

fn read_source(path: &Path) -> Result<Arc<str>, (Option<Arc<str>>, Diag)> {
    if let Ok(meta) = std::fs::metadata(path)
        && meta.len() > MAX_FILE_BYTES
    {
        return Err((
            None,
            Diag::warning(
                "too-large",
                format!(
                    "`{}` is {} MiB, over the {} MiB limit; the file is skipped",
                    path.display(),
                    meta.len() >> 20,
                    MAX_FILE_BYTES >> 20
                ),
            ),
        ));
    }
    // Regular files only, read through a bounded reader: a crate root that is a FIFO or a
    // symlink to `/dev/zero` must neither hang nor exhaust memory.
    let bytes = crate::safe_read::read_bytes(path, MAX_FILE_BYTES).map_err(|e| {
        let code = match e {
            crate::safe_read::ReadError::TooLarge(_) => "too-large",
            _ => "read-error",
        };
        (
            None,
            Diag::warning(code, format!("cannot read `{}`: {e}", path.display())),
        )
    })?;
    match String::from_utf8(bytes) {
        Ok(s) => Ok(Arc::from(s)),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let line = bytes[..valid].iter().filter(|b| **b == b'\n').count() + 1;
            Err((
                Some(Arc::from(String::from_utf8_lossy(&bytes).into_owned())),
                Diag::warning(
                    "not-utf8",
                    format!(
                        "`{}` is not valid UTF-8 (first bad byte on line {line}); the file is skipped",
                        path.display()
                    ),
                )
                .help("Rust source files must be UTF-8; re-encode the file"),
            ))
        }
    }
}

fn parse_file(path: &Path, ctx: &FileCtx, max_nesting: usize) -> Loaded {
    // Fault injection for the test of the panic guard (debug builds only).
    if cfg!(debug_assertions)
        && std::env::var_os("CARGO_DOMAINS_TEST_PANIC_ON").is_some_and(|name| path.ends_with(name))
    {
        panic!("injected panic on {}", path.display());
    }
    let text = match read_source(path) {
        Ok(t) => t,
        Err((text, diag)) => {
            return Loaded::Failed {
                file: path.to_path_buf(),
                text,
                diag,
            };
        }
    };
    let depth = guard::depth(&text);
    if depth > max_nesting {
        return Loaded::Failed {
            file: path.to_path_buf(),
            text: Some(text),
            diag: Diag::warning(
                "too-deep",
                format!(
                    "`{}` nests its syntax too deep to parse safely ({depth} units, limit {max_nesting}; a bracket level counts {}, a prefix token such as `&`, `<` or `->` 1); the file is skipped",
                    path.display(),
                    guard::BRACKET
                ),
            ),
        };
    }
    let lines = text.lines().count() as u32;
    let result = match syn::parse_file(&text) {
        Ok(file) => {
            let mut raw = extract::extract(&file, ctx);
            raw.lines = lines;
            drop(file);
            Loaded::Ok {
                file: path.to_path_buf(),
                text: text.clone(),
                raw: Box::new(raw),
            }
        }
        Err(e) => {
            let span = extract::span_of(e.span());
            let e = match e.to_string().as_str() {
                "cannot parse string into token stream" => {
                    "unbalanced brackets or an invalid token".to_string()
                }
                other => other.to_string(),
            };
            Loaded::Failed {
                file: path.to_path_buf(),
                text: Some(text.clone()),
                diag: Diag::warning(
                    "parse-error",
                    format!(
                        "`{}` does not parse: {e}; its references are not analysed",
                        path.display()
                    ),
                )
                .at(0, span),
            }
        }
    };
    // Span data accumulates per thread unless released (see DESIGN.md, performance notes).
    proc_macro2::extra::invalidate_current_thread_spans();
    result
}

/// `path` with `.` dropped and `dir/..` folded, for display (the file itself was opened by the
/// path as written).
fn lexical(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// Per inline module of a file, its depth below the file's own module (which is 0). A module's
/// parent comes before it.
fn inline_depths(modules: &[RawModule]) -> Vec<usize> {
    let mut depth = Vec::with_capacity(modules.len());
    for m in modules {
        depth.push(m.parent.map_or(0, |p| depth[p as usize] + 1));
    }
    depth
}

fn run_task<'s>(s: &rayon::Scope<'s>, shared: &'s Shared<'s>, task: Task) {
    let ctx = FileCtx {
        path: &task.file,
        module_dir: &task.module_dir,
        include_tests: shared.include_tests,
        is_test: task.is_test,
        decls_only: shared.parse_only,
        cfg: &shared.envs[task.krate],
    };
    // A crate root outside the workspace (`[[bin]] path = "/proc/self/environ"`) is not read;
    // `mod` files are checked where they are declared, below.
    let outside = if task.key.is_empty() {
        let canon = std::fs::canonicalize(&task.file).unwrap_or_else(|_| task.file.clone());
        forbidden(&shared.root, &canon)
    } else {
        None
    };
    // A panic in the parser or the extractor on one file must not take the run down: the
    // file becomes a diagnostic like any other that cannot be read.
    let loaded = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match outside {
        Some(why) => Loaded::Failed {
            file: task.file.clone(),
            text: None,
            diag: Diag::warning(
                "outside-workspace",
                format!(
                    "the crate root `{}` {why}; it is not read",
                    task.file.display()
                ),
            )
            .help("only files inside the workspace are analysed"),
        },
        None => parse_file(&task.file, &ctx, shared.max_nesting),
    })) {
        Ok(loaded) => loaded,
        Err(_) => {
            proc_macro2::extra::invalidate_current_thread_spans();
            Loaded::Failed {
                file: task.file.clone(),
                text: None,
                diag: Diag::warning(
                    "internal-error",
                    format!(
                        "analysing `{}` panicked; the file is skipped",
                        task.file.display()
                    ),
                )
                .help("please report this file: it is a bug in cargo-domains"),
            }
        }
    };
    let canonical = std::fs::canonicalize(&task.file).unwrap_or_else(|_| task.file.clone());
    if let Loaded::Ok { raw, .. } = &loaded {
        let mut ancestors = (*task.ancestors).clone();
        ancestors.push(canonical);
        let ancestors = Arc::new(ancestors);
        let leader = leaders(&raw.decls);
        let inline = inline_depths(&raw.modules);
        for (di, decl) in raw.decls.iter().enumerate() {
            if (decl.is_test && !shared.include_tests) || leader[di] != di {
                continue;
            }
            let parent_key = (task.krate, task.key.clone());
            let report = |diag: Diag| {
                shared
                    .decl_diags
                    .lock()
                    .unwrap()
                    .push((parent_key.clone(), di as u32, diag))
            };
            // A declaration inside an inline module that is itself too deep goes with it (the
            // file's warning says so); one just below the limit is reported here.
            let parent_depth = task.depth + inline[decl.parent as usize];
            if parent_depth > MAX_DEPTH {
                continue;
            }
            let depth = parent_depth + usize::from(!decl.include);
            if depth > MAX_DEPTH || ancestors.len() >= MAX_DEPTH {
                report(Diag::warning(
                    "too-many-modules",
                    format!(
                        "module `{}` is not loaded: it would sit {depth} levels deep in the module tree (limit {MAX_DEPTH})",
                        decl.name
                    ),
                ));
                continue;
            }
            let found = decl.candidates.iter().find(|c| c.is_file());
            let Some(file) = found else {
                let tried: Vec<_> = decl
                    .candidates
                    .iter()
                    .map(|c| format!("`{}`", c.display()))
                    .collect();
                let diag = if decl.include {
                    Diag::warning(
                        "missing-module-file",
                        format!("`{}`: no such file ({})", decl.name, tried.join(", ")),
                    )
                    .help("the included items are left out of the analysis")
                } else {
                    Diag::warning(
                        "missing-module-file",
                        format!("module `{}` has no file; tried {}", decl.name, tried.join(" and ")),
                    )
                    .help(format!(
                        "create the file, or remove `mod {};`; the module is left out of the analysis",
                        decl.name
                    ))
                };
                report(diag);
                continue;
            };
            let child_canon = std::fs::canonicalize(file).unwrap_or_else(|_| file.clone());
            if let Some(why) = forbidden(&shared.root, &child_canon) {
                let what = if decl.include {
                    format!("`{}` is", decl.name)
                } else {
                    format!(
                        "the file of module `{}`, `{}`, is",
                        decl.name,
                        file.display()
                    )
                };
                let diag = Diag::warning(
                    "outside-workspace",
                    format!("{what} {why}; it is not read"),
                )
                .help("only files inside the workspace are analysed; the module is left out of the analysis");
                report(diag);
                continue;
            }
            if ancestors.contains(&child_canon) {
                let diag = Diag::warning(
                    "module-loop",
                    format!(
                        "module `{}` includes `{}`, which is already being loaded above it: a `#[path]` loop",
                        decl.name,
                        file.display()
                    ),
                )
                .help("point the `#[path]` attribute at a different file");
                report(diag);
                continue;
            }
            let too_many = {
                let mut c = shared.counts.lock().unwrap();
                c[task.krate] += 1;
                c[task.krate] > MAX_MODULES_PER_CRATE
            };
            if too_many {
                report(Diag::warning(
                    "too-many-modules",
                    format!(
                        "module `{}` is not loaded: the crate has more than {MAX_MODULES_PER_CRATE} module files",
                        decl.name
                    ),
                ));
                continue;
            }
            let module_dir = if decl.by_path_attr {
                file.parent().unwrap_or(Path::new("")).to_path_buf()
            } else {
                decl.candidates[0].with_extension("")
            };
            let mut key = task.key.clone();
            key.push(di as u32);
            let child = Task {
                krate: task.krate,
                key,
                file: file.clone(),
                module_dir,
                ancestors: ancestors.clone(),
                is_test: decl.is_test || raw.modules[decl.parent as usize].is_test,
                depth,
            };
            s.spawn(move |s| run_task(s, shared, child));
        }
    }
    shared
        .results
        .lock()
        .unwrap()
        .insert((task.krate, task.key), loaded);
}

/// Why a source file (canonical path) must not be read: it is outside the workspace root
/// (also canonical), or a kernel pseudo-file (`/proc`, `/sys`, `/dev`) wherever the root is.
/// `#[path = "/proc/self/environ"]` would otherwise put the environment into a parse-error
/// snippet.
fn forbidden(root: &Path, canonical: &Path) -> Option<String> {
    if cfg!(unix)
        && ["/proc", "/sys", "/dev"]
            .iter()
            .any(|p| canonical.starts_with(p))
    {
        return Some(format!("`{}`, a kernel pseudo-file", canonical.display()));
    }
    if !canonical.starts_with(root) {
        return Some(format!(
            "outside the workspace root (it resolves to `{}`)",
            canonical.display()
        ));
    }
    None
}

/// Per declaration, the first declaration of the same module from the same file
/// (`cfg_sync! { pub mod sync; }` and `cfg_not_sync! { mod sync; }`): the file is loaded
/// once, for the first. Linear in the number of declarations.
fn leaders(decls: &[RawModDecl]) -> Vec<usize> {
    let mut first: HashMap<(u32, &str, &[PathBuf]), usize> = HashMap::new();
    decls
        .iter()
        .enumerate()
        .map(|(i, d)| {
            *first
                .entry((d.parent, d.name.as_str(), d.candidates.as_slice()))
                .or_insert(i)
        })
        .collect()
}

/// How a file was declared: the declaring file and span, the module name, whether it is test
/// code, and the module it merges into (`include!`), if any.
type Declared = (FileId, Span, String, bool, Option<ModuleId>);

struct Assembler<'a> {
    ws: &'a Workspace,
    p: Program,
    results: HashMap<TaskKey, Loaded>,
    decl_diags: HashMap<TaskKey, Vec<(u32, Diag)>>,
    file_ids: HashMap<PathBuf, FileId>,
    envs: Vec<Arc<CfgEnv>>,
    /// Per crate: its `macro_rules!` by name, with their cfg-wrapper shape.
    wrappers: Vec<HashMap<String, Option<Wrapper>>>,
    /// Per crate: its `macro_rules!` that define items from their arguments.
    templates: Vec<HashMap<String, Vec<expand::ItemRule>>>,
    cfg_ids: HashMap<Cfg, CfgId>,
    /// (module, file) pairs whose records are in: a file is read into its module once.
    filled: std::collections::HashSet<(ModuleId, FileId)>,
}

fn assemble(
    ws: &Workspace,
    results: HashMap<(usize, Vec<u32>), Loaded>,
    decl_diags: DeclDiags,
    envs: Vec<Arc<CfgEnv>>,
) -> Program {
    let mut dd: HashMap<TaskKey, Vec<(u32, Diag)>> = HashMap::new();
    for (k, i, d) in decl_diags {
        dd.entry(k).or_default().push((i, d));
    }
    let mut wrappers: Vec<HashMap<String, Option<Wrapper>>> = vec![HashMap::new(); ws.crates.len()];
    let mut templates: Vec<HashMap<String, Vec<expand::ItemRule>>> =
        vec![HashMap::new(); ws.crates.len()];
    let mut keys: Vec<&TaskKey> = results.keys().collect();
    keys.sort();
    for k in keys {
        if let Loaded::Ok { raw, .. } = &results[k] {
            for (name, rules) in &raw.item_macros {
                templates[k.0]
                    .entry(name.clone())
                    .or_insert_with(|| rules.clone());
            }
            for (name, w) in &raw.cfg_macros {
                // Two definitions that disagree: not a wrapper we can read.
                let e = wrappers[k.0]
                    .entry(name.clone())
                    .or_insert_with(|| w.clone());
                if e != w {
                    *e = None;
                }
            }
        }
    }
    let mut a = Assembler {
        ws,
        p: Program {
            cfgs: vec![Cfg::True],
            ..Program::default()
        },
        results,
        decl_diags: dd,
        file_ids: HashMap::new(),
        envs,
        wrappers,
        templates,
        cfg_ids: HashMap::from([(Cfg::True, 0)]),
        filled: Default::default(),
    };
    for (i, c) in ws.crates.iter().enumerate() {
        let root = a.add_file(i, Vec::new(), None, None, &c.display_name(), 0, Cfg::True);
        a.p.crates.push(Crate {
            info: c.clone(),
            root,
        });
    }
    // Messages name files relative to the workspace root: output does not depend on where
    // the checkout lives.
    let prefix = format!("{}{}", ws.root.display(), std::path::MAIN_SEPARATOR);
    for d in &mut a.p.diagnostics {
        d.message = d.message.replace(&prefix, "");
    }
    a.p
}

impl Assembler<'_> {
    fn file_id(&mut self, path: &Path, text: Option<Arc<str>>, lines: u32) -> FileId {
        if let Some(id) = self.file_ids.get(path) {
            return *id;
        }
        // Shown as reached, with `a/../` folded: `#[path = "../x.rs"]` names `src/x.rs`.
        let rel = lexical(path.strip_prefix(&self.ws.root).unwrap_or(path))
            .to_string_lossy()
            .replace('\\', "/");
        let id = self.p.files.len() as FileId;
        self.p.files.push(SourceFile {
            path: path.to_path_buf(),
            rel,
            text,
            lines,
            line_starts: Default::default(),
        });
        self.file_ids.insert(path.to_path_buf(), id);
        id
    }

    /// Adds the module loaded for `key` (and its inline modules and children); returns its id.
    #[allow(clippy::too_many_arguments)]
    fn add_file(
        &mut self,
        krate: usize,
        key: Vec<u32>,
        parent: Option<ModuleId>,
        decl: Option<Declared>,
        root_name: &str,
        depth: u32,
        outer: Cfg,
    ) -> Option<ModuleId> {
        let loaded = self.results.remove(&(krate, key.clone()))?;
        let (path, text, raw) = match loaded {
            Loaded::Ok { file, text, raw } => (file, text, raw),
            Loaded::Failed {
                file,
                text,
                mut diag,
            } => {
                let lines = text.as_ref().map(|t| t.lines().count() as u32).unwrap_or(0);
                let fid = self.file_id(&file, text, lines);
                diag.location = match diag.location {
                    crate::diag::Location::Source(_, span) => {
                        crate::diag::Location::Source(fid, span)
                    }
                    _ => crate::diag::Location::File(fid),
                };
                self.p.diagnostics.push(diag);
                // The module still exists (it is declared); it just has no contents.
                return Some(self.file_module(
                    krate,
                    parent,
                    decl.as_ref(),
                    fid,
                    false,
                    root_name,
                    depth,
                ));
            }
        };
        let fid = self.file_id(&path, Some(text), raw.lines);
        let RawFile {
            modules,
            scopes,
            items,
            uses,
            impls,
            decls,
            refs,
            methods,
            data,
            conds,
            inactive,
            macro_calls,
            ..
        } = *raw;
        let root = self.file_module(
            krate,
            parent,
            decl.as_ref(),
            fid,
            modules[0].is_test,
            root_name,
            depth,
        );
        // Several declarations of one module that lead to the same file (cfg
        // alternatives): its records are in already.
        if !self.filled.insert((root, fid)) {
            return Some(root);
        }
        let live: Vec<Option<CfgId>> = conds
            .iter()
            .map(|c| self.live_cfg(krate, &outer, c))
            .collect();
        // Local module index -> global id.
        // Inline modules deeper than the limit are not loaded (`DROPPED`), nor what they hold.
        let mut mids: Vec<ModuleId> = Vec::with_capacity(modules.len());
        let mut too_deep = 0usize;
        for (li, m) in modules.iter().enumerate() {
            let id = if li == 0 {
                root
            } else {
                let lp = m.parent.expect("inline module has a parent") as usize;
                let pid = mids[lp];
                if pid == DROPPED || self.p.modules[pid as usize].depth as usize >= MAX_DEPTH {
                    too_deep += 1;
                    mids.push(DROPPED);
                    continue;
                }
                let d = self.p.modules[pid as usize].depth + 1;
                self.new_module(
                    krate,
                    Some(pid),
                    m.name.clone(),
                    fid,
                    m.span.map(|s| (fid, s)),
                    m.is_test,
                    root_name,
                    d,
                )
            };
            mids.push(id);
        }
        // Scopes: module scopes were created by new_module; block scopes are appended.
        let mut sids: Vec<ScopeId> = Vec::with_capacity(scopes.len());
        let mut module_scope = vec![false; scopes.len()];
        for m in &modules {
            module_scope[m.scope as usize] = true;
        }
        for (si, s) in scopes.iter().enumerate() {
            let owner = mids[s.module as usize];
            if owner == DROPPED {
                sids.push(DROPPED);
            } else if module_scope[si] && s.parent.is_none() {
                sids.push(self.p.modules[owner as usize].scope);
            } else {
                let parent = s.parent.map(|p| sids[p as usize]);
                self.p.scopes.push(Scope {
                    parent,
                    module: owner,
                    file: fid,
                });
                sids.push(self.p.scopes.len() as u32 - 1);
            }
        }
        if too_deep > 0 {
            self.p.diagnostics.push(
                Diag::warning(
                    "too-many-modules",
                    format!(
                        "{too_deep} inline modules of `{}` sit more than {MAX_DEPTH} levels deep in the module tree; they and their contents are not loaded",
                        self.p.files[fid as usize].rel
                    ),
                )
                .in_file(fid),
            );
        }
        let scopes = &self.p.scopes;
        let (items, uses, impls) = (
            locate(scopes, &sids, fid, &live, items),
            locate(scopes, &sids, fid, &live, uses),
            locate(scopes, &sids, fid, &live, impls),
        );
        let (refs, methods, data) = (
            locate(scopes, &sids, fid, &live, refs),
            locate(scopes, &sids, fid, &live, methods),
            locate(scopes, &sids, fid, &live, data),
        );
        self.p.items.extend(items);
        self.expand_calls(krate, fid, &sids, &live, macro_calls);
        self.p.uses.extend(uses);
        self.p.impls.extend(impls);
        self.p.refs.extend(refs);
        self.p.methods.extend(methods);
        self.p.data.extend(data);
        let diags = self
            .decl_diags
            .remove(&(krate, key.clone()))
            .unwrap_or_default();
        // Live declarations, grouped by the first declaration of the same file: (that one,
        // the first live one, the conditions of all live ones).
        let mut groups: Vec<(usize, usize, Vec<Cfg>)> = Vec::new();
        let off = inactive.iter().map(|(m, name)| (*m, name.clone()));
        let dead = decls
            .iter()
            .filter(|d| live[d.cfg as usize].is_none() && !d.include);
        for (m, name) in off.chain(dead.map(|d| (d.parent, d.name.clone()))) {
            if mids[m as usize] == DROPPED {
                continue;
            }
            let path = format!("{}::{name}", self.p.modules[mids[m as usize] as usize].path);
            self.p.inactive_modules.push((krate as CrateId, path));
        }
        let leader = leaders(&decls);
        let mut group_of: HashMap<usize, usize> = HashMap::new();
        for (di, d) in decls.iter().enumerate() {
            let Some(c) = live[d.cfg as usize] else {
                continue;
            };
            let c = self.p.cfgs[c as usize].clone();
            match group_of.get(&leader[di]) {
                Some(g) => groups[*g].2.push(c),
                None => {
                    group_of.insert(leader[di], groups.len());
                    groups.push((leader[di], di, vec![c]));
                }
            }
        }
        for (leader, first, conds) in groups {
            let d = &decls[first];
            if mids[d.parent as usize] == DROPPED {
                continue;
            }
            if let Some((_, diag)) = diags.iter().find(|(i, _)| *i as usize == leader) {
                self.p.diagnostics.push(diag.clone().at(fid, d.span));
                continue;
            }
            let mut child_key = key.clone();
            child_key.push(leader as u32);
            let pid = mids[d.parent as usize];
            if pid == DROPPED {
                continue;
            }
            let is_test = d.is_test || self.p.modules[pid as usize].is_test;
            // `include!("file.rs")`: the file's items belong to the including module.
            let (parent, depth, merge) = if d.include {
                (
                    self.p.modules[pid as usize].parent,
                    self.p.modules[pid as usize].depth,
                    Some(pid),
                )
            } else {
                (Some(pid), self.p.modules[pid as usize].depth + 1, None)
            };
            self.add_file(
                krate,
                child_key,
                parent,
                Some((fid, d.span, d.name.clone(), is_test, merge)),
                root_name,
                depth,
                Cfg::any(conds),
            );
        }
        Some(mids[0])
    }

    /// Items that item-position calls of the crate's `macro_rules!` templates define
    /// (`make_id!(OrderId)`), placed in the calling scope.
    fn expand_calls(
        &mut self,
        krate: usize,
        fid: FileId,
        sids: &[ScopeId],
        live: &[Option<CfgId>],
        calls: Vec<expand::RawMacroCall>,
    ) {
        for call in calls {
            let (Some(rules), Some(cfg)) = (
                self.templates[krate].get(&call.name),
                live[call.cfg as usize],
            ) else {
                continue;
            };
            let scope = sids[call.scope as usize];
            if scope == DROPPED {
                continue;
            }
            for (kind, name, span, public) in expand::expand(rules, &call) {
                self.p.items.push(Located {
                    scope,
                    module: self.p.scopes[scope as usize].module,
                    file: fid,
                    cfg,
                    raw: RawItem {
                        scope: call.scope,
                        name,
                        kind,
                        vis: if public { Vis::Pub } else { Vis::Private },
                        span,
                        variants: Vec::new(),
                        value_ctor: kind == ItemKind::Struct,
                        macro_export: false,
                        alias_of: None,
                        members: Vec::new(),
                        ty: None,
                        fields: Vec::new(),
                        is_test: call.is_test,
                        cfg: call.cfg,
                    },
                });
            }
        }
    }

    /// What a record's condition leaves for this crate's configuration, once the crate's
    /// wrapper macros are known; `None` when no build of it compiles the record.
    fn live_cfg(&mut self, krate: usize, outer: &Cfg, c: &Cfg) -> Option<CfgId> {
        if *c == Cfg::True && *outer == Cfg::True {
            return Some(0);
        }
        let wrappers = &self.wrappers[krate];
        let macros = |name: &str, inner: Option<&Cfg>| {
            Some(match wrappers.get(name) {
                Some(Some(Wrapper::Pred(p))) => p.clone(),
                Some(Some(Wrapper::InnerMeta)) => inner.cloned().unwrap_or(Cfg::True),
                // Any other macro: its items are read as they are.
                _ => Cfg::True,
            })
        };
        let env = &self.envs[krate];
        let r = Cfg::all([outer.clone(), c.eval(env, env.test_build, &macros)]);
        if r.is_false() {
            return None;
        }
        let next = self.p.cfgs.len() as CfgId;
        let id = *self.cfg_ids.entry(r.clone()).or_insert(next);
        if id == next {
            self.p.cfgs.push(r);
        }
        Some(id)
    }

    /// The module a loaded file stands for: a new one, or an existing one it adds to
    /// (`#[cfg(unix)] mod imp;` + `#[cfg(windows)] mod imp;` are one module with several files,
    /// as rustc rejects any other duplicate; `include!` adds to the including module).
    #[allow(clippy::too_many_arguments)]
    fn file_module(
        &mut self,
        krate: usize,
        parent: Option<ModuleId>,
        decl: Option<&Declared>,
        fid: FileId,
        is_test: bool,
        root_name: &str,
        depth: u32,
    ) -> ModuleId {
        let (name, declared_test) = decl.map(|d| (d.2.clone(), d.3)).unwrap_or_default();
        let existing = decl.and_then(|d| d.4).or_else(|| {
            parent.and_then(|p| self.p.modules[p as usize].children.get(&name).copied())
        });
        match existing {
            Some(id) => id,
            None => self.new_module(
                krate,
                parent,
                name,
                fid,
                decl.map(|d| (d.0, d.1)),
                declared_test || is_test,
                root_name,
                depth,
            ),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn new_module(
        &mut self,
        krate: usize,
        parent: Option<ModuleId>,
        name: String,
        file: FileId,
        decl: Option<(FileId, Span)>,
        is_test: bool,
        root_name: &str,
        depth: u32,
    ) -> ModuleId {
        let id = self.p.modules.len() as ModuleId;
        let path = match parent {
            Some(p) => format!("{}::{}", self.p.modules[p as usize].path, name),
            None => root_name.to_string(),
        };
        self.p.scopes.push(Scope {
            parent: None,
            module: id,
            file,
        });
        let scope = self.p.scopes.len() as ScopeId - 1;
        let is_test = is_test || parent.is_some_and(|p| self.p.modules[p as usize].is_test);
        self.p.modules.push(Module {
            krate: krate as CrateId,
            name: name.clone(),
            path,
            parent,
            children: BTreeMap::new(),
            file,
            decl,
            is_test,
            scope,
            depth,
        });
        if let Some(p) = parent {
            self.p.modules[p as usize]
                .children
                .entry(name)
                .or_insert(id);
        }
        id
    }
}

#[cfg(test)]
mod offset_tests {
    use super::*;

    /// The indexed offset agrees with the scanning one reports used before, everywhere.
    #[test]
    fn indexed_offsets_match_a_scan() {
        let text = "fn a() {}\n\n  let é = \"ü\";\r\nlast line without newline";
        let f = SourceFile {
            path: PathBuf::from("x.rs"),
            rel: "x.rs".into(),
            text: Some(Arc::from(text)),
            lines: 4,
            line_starts: Default::default(),
        };
        for line in 0..7 {
            for col in 0..30 {
                let pos = Pos { line, col };
                assert_eq!(f.offset(pos), crate::report::offset(text, pos), "{pos:?}");
            }
        }
    }
}
