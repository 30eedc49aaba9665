//! Command line: `cargo domains <command>` (or `cargo-domains <command>`). Parses arguments
//! with clap, runs the pipeline, picks the reporter, maps the outcome to an exit status:
//! 0 clean, 1 findings at deny level, 2 usage or configuration error.

// Writes to stdout and stderr never panic (std's `println!`/`eprintln!` do on a closed pipe or
// a full disk): these macros shadow std's in this module and in `sync`, and hand the result to
// [`wrote`]. A broken pipe is the reader going away (`| head`): the run ends with its normal
// status. Any other write error makes the exit status 2.
macro_rules! println {
    ($($t:tt)*) => {{
        use ::std::io::Write as _;
        $crate::cli::wrote(writeln!(::std::io::stdout(), $($t)*))
    }};
}
macro_rules! print {
    ($($t:tt)*) => {{
        use ::std::io::Write as _;
        $crate::cli::wrote(write!(::std::io::stdout(), $($t)*))
    }};
}
macro_rules! eprintln {
    ($($t:tt)*) => {{
        use ::std::io::Write as _;
        $crate::cli::wrote(writeln!(::std::io::stderr(), $($t)*))
    }};
}
macro_rules! eprint {
    ($($t:tt)*) => {{
        use ::std::io::Write as _;
        $crate::cli::wrote(write!(::std::io::stderr(), $($t)*))
    }};
}

mod ci;
mod html;
mod roadmap;
mod sync;

/// The first write error on stdout or stderr that was not a broken pipe.
static WRITE_FAILED: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// Records the outcome of a write to stdout or stderr (see the macros above).
pub(crate) fn wrote(r: std::io::Result<()>) {
    if let Err(e) = r
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        let mut f = WRITE_FAILED.lock().unwrap_or_else(|p| p.into_inner());
        f.get_or_insert_with(|| e.to_string());
    }
}

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::analysis::{self, Error, Options};
use crate::config::Level;
use crate::report::{self, human::Style};

#[derive(Parser, Debug)]
#[command(
    name = "cargo-domains",
    bin_name = "cargo domains",
    version,
    about = "Keep a Rust monolith modular by business domain",
    long_about = "Checks a crate or workspace against the business-domain boundaries declared in \
                  domains.toml. Static only: parses the sources with syn, never builds or runs anything."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check the code against domains.toml (exit 1 on findings at deny level)
    Check(CheckArgs),
    /// List every resolved reference: from_module, to_module, to_item, kind, file:line
    Edges(EdgesArgs),
    /// List every module with the domain it belongs to
    Modules(ModulesArgs),
    /// Write a first domains.toml from the module tree, green from the start
    Init(InitArgs),
    /// Draw the domain graph (or the module graph by domain) as DOT, Mermaid, JSON, SVG or PNG
    Graph(GraphArgs),
    /// Every reference from domain FROM to domain TO, grouped by the item referenced (or by
    /// module pair); `--to PATH`: every reference to an item or module from other domains
    Explain(ExplainArgs),
    /// Extraction readiness per domain (0-100, band, blockers); `DOMAIN --plan` for its plan
    Score(ScoreArgs),
    /// Write one self-contained HTML report: domain graph, dependency matrices, readiness,
    /// findings
    Report(html::ReportArgs),
    /// Rewrite depends_on in domains.toml to match the code (prints what it would change
    /// unless --add or --prune is given; --check exits 1 when out of date)
    Sync(sync::SyncArgs),
    /// When to split, and what first: a verdict per phase (organise by domain, slow work out
    /// of requests, extract services, split data) from the code and its git history
    Roadmap(roadmap::RoadmapArgs),
}

#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Path to Cargo.toml
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Package(s) to report on (all workspace members are still analysed)
    #[arg(short = 'p', long = "package", value_name = "SPEC")]
    pub packages: Vec<String>,
    /// Include #[cfg(test)] code and integration tests
    #[arg(long)]
    pub include_tests: bool,
    /// Worker threads for parsing, 1 to 256 (default: one per core)
    #[arg(
        long,
        value_name = "N",
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new()
            .range(1..=crate::modules::MAX_THREADS as u64)
    )]
    pub threads: Option<usize>,
    /// Read the code with these features on, and `default` (comma-separated, `PKG/FEATURE`
    /// for one package) [default: every feature]
    #[arg(
        short = 'F',
        long,
        value_name = "FEATURES",
        value_delimiter = ',',
        help_heading = "Configuration"
    )]
    pub features: Vec<String>,
    /// Read the code with every feature on (the default unless --features is given)
    #[arg(long, help_heading = "Configuration")]
    pub all_features: bool,
    /// Do not turn on the `default` feature
    #[arg(long, help_heading = "Configuration")]
    pub no_default_features: bool,
    /// Read the code as built for this target triple, where any cfg not set is off
    /// [default: the code of every target is read]
    #[arg(long, value_name = "TRIPLE", help_heading = "Configuration")]
    pub target: Option<String>,
    /// Set a cfg, as rustc's --cfg (repeatable)
    #[arg(
        long = "cfg",
        value_name = "NAME[=\"VALUE\"]",
        help_heading = "Configuration"
    )]
    pub cfgs: Vec<String>,
    /// Hold a cfg name off, like docsrs and miri are (repeatable)
    #[arg(long = "cfg-off", value_name = "NAME", help_heading = "Configuration")]
    pub cfg_off: Vec<String>,
    /// When to use colours
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    /// Colours when stderr is a terminal and NO_COLOR is not set
    Auto,
    /// Always colour
    Always,
    /// Never colour
    Never,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckFormat {
    /// Diagnostics with source snippets, on stderr
    Human,
    /// The versioned JSON report (docs/json.md)
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers
    Sarif,
    /// GitHub Actions workflow commands (inline annotations on the pull request)
    Github,
    /// JUnit XML, for CI test reports (GitLab, Jenkins, Azure Pipelines)
    Junit,
    /// GitLab Code Quality JSON (`artifacts:reports:codequality`)
    Gitlab,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageFormat {
    /// The output --format chooses
    Human,
    /// cargo's JSON messages (`compiler-message`, `build-finished`) on stdout, for
    /// rust-analyzer's check.overrideCommand and other readers of cargo's messages
    Json,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgesFormat {
    /// One reference per line, tab-separated
    Tsv,
    /// A JSON array of references
    Json,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: Common,
    /// Configuration file (default: domains.toml at the workspace root, then
    /// [workspace.metadata.domains] in Cargo.toml)
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Print the findings as `cargo check --message-format` does: `json` for rustc-compatible
    /// JSON diagnostics, for editors (docs/editor.md)
    #[arg(long, value_enum, default_value_t = MessageFormat::Human, conflicts_with = "format")]
    pub message_format: MessageFormat,
    /// CI formats: name files PREFIX/<path in the workspace> [default: relative to the root of
    /// the git repository the workspace is in, else to the workspace root]
    #[arg(long, value_name = "PREFIX")]
    pub path_prefix: Option<String>,
    /// Report only the findings on lines changed since the commit REF (a branch, tag, hash or
    /// `HEAD~1`, working-tree changes included), and the stale baseline entries
    #[arg(long, value_name = "REF")]
    pub changed_since: Option<String>,
    /// Print how long each stage took (to stderr)
    #[arg(long)]
    pub timings: bool,
    /// Baseline of known violations [default: domains-baseline.toml at the workspace root]
    #[arg(long, value_name = "PATH")]
    pub baseline: Option<PathBuf>,
    /// Record every current violation in the baseline (rewriting it) and exit 0
    #[arg(long)]
    pub update_baseline: bool,
    /// Baseline entries that no longer occur are errors, not warnings
    #[arg(long)]
    pub strict_baseline: bool,
    /// Stop after a stage: `parse` reads and parses every file and does nothing else (the
    /// floor benchmarks compare against)
    #[arg(long, value_enum, hide = true, default_value_t = Stage::Full)]
    pub stage: Stage,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Parse,
    Full,
}

#[derive(Args, Debug)]
pub struct EdgesArgs {
    #[command(flatten)]
    pub common: Common,
    /// Output format
    #[arg(long, value_enum, default_value_t = EdgesFormat::Tsv)]
    pub format: EdgesFormat,
    /// List the paths that did not resolve (module, path as written, file:line) instead
    #[arg(long)]
    pub unresolved: bool,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    #[command(flatten)]
    pub common: Common,
    /// Module depth that becomes a domain (1: each top-level module of each crate)
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub depth: u32,
    /// Propose domains by community detection (Louvain) on the module graph instead
    #[arg(long)]
    pub suggest: bool,
    /// Overwrite an existing file
    #[arg(long)]
    pub force: bool,
    /// Where to write [default: domains.toml at the workspace root]; `-` for stdout
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ModulesArgs {
    #[command(flatten)]
    pub common: Common,
    /// Configuration file (default: domains.toml at the workspace root, then
    /// [workspace.metadata.domains] in Cargo.toml)
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    /// Graphviz DOT (render with `dot -Tsvg`)
    Dot,
    /// A Mermaid flowchart (for Markdown)
    Mermaid,
    /// Nodes and edges as JSON
    Json,
    /// SVG, rendered by Graphviz `dot` (must be on PATH)
    Svg,
    /// PNG, rendered by Graphviz `dot` (must be on PATH)
    Png,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphLevel {
    /// One node per domain
    Domain,
    /// One node per module, clustered by domain
    Module,
}

#[derive(Args, Debug)]
pub struct GraphArgs {
    #[command(flatten)]
    pub common: Common,
    /// Configuration file (default: domains.toml at the workspace root, then
    /// [workspace.metadata.domains] in Cargo.toml)
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// Draw domains, or modules clustered by domain
    #[arg(long, value_enum, default_value_t = GraphLevel::Domain)]
    pub level: GraphLevel,
    /// Keep only this domain and its direct neighbours
    #[arg(long, value_name = "DOMAIN")]
    pub focus: Option<String>,
    /// Module level: collapse modules deeper than N path segments into their ancestor
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub depth: Option<u32>,
    /// Write to this file instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Show each domain's extraction-readiness score and band on its node (domain level)
    #[arg(long)]
    pub scores: bool,
    /// Draw only the dependencies the cycle report says to cut, and their endpoints (at
    /// module level: the module edges behind them)
    #[arg(long)]
    pub cut: bool,
    /// Leave out the composition root(s) and their edges
    #[arg(long)]
    pub hide_root: bool,
    /// Module level without --depth: above this many nodes, collapse modules to the deepest
    /// depth that keeps the drawing within it
    #[arg(long, value_name = "N", default_value_t = crate::graph::view::MAX_MODULE_NODES)]
    pub max_nodes: usize,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExplainFormat {
    /// Readable text
    Human,
    /// JSON, for scripts
    Json,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub common: Common,
    /// Configuration file (default: domains.toml at the workspace root, then
    /// [workspace.metadata.domains] in Cargo.toml)
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// The domain that depends
    #[arg(value_name = "FROM", required_unless_present = "to_path")]
    pub from: Option<String>,
    /// The domain it depends on
    #[arg(value_name = "TO", required_unless_present = "to_path")]
    pub to: Option<String>,
    /// Instead of FROM TO: who uses this item or module (`crate::billing::charge`,
    /// `crate::billing`): every reference to it from other domains
    #[arg(long = "to", id = "to_path", value_name = "PATH", conflicts_with_all = ["from", "to", "level"])]
    pub to_path: Option<String>,
    /// Group FROM TO's references by the item referenced, or by pair of modules
    #[arg(long, value_enum, default_value_t = ExplainLevel::Item)]
    pub level: ExplainLevel,
    /// Output format
    #[arg(long, value_enum, default_value_t = ExplainFormat::Human)]
    pub format: ExplainFormat,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExplainLevel {
    /// One group per item referenced
    Item,
    /// One group per (from module, defining module) pair
    Module,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoreFormat {
    /// Readable tables
    Human,
    /// JSON, for scripts
    Json,
    /// Markdown, for a pull request or a design document
    Markdown,
}

#[derive(Args, Debug)]
pub struct ScoreArgs {
    #[command(flatten)]
    pub common: Common,
    /// Configuration file (default: domains.toml at the workspace root, then
    /// [workspace.metadata.domains] in Cargo.toml)
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Only this domain
    #[arg(value_name = "DOMAIN")]
    pub domain: Option<String>,
    /// The extraction plan of DOMAIN: its would-be interface, its calls to the rest, the
    /// crate-split hazards and the Cargo dependencies it uses
    #[arg(long, requires = "domain")]
    pub plan: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = ScoreFormat::Human)]
    pub format: ScoreFormat,
    /// Human output: the raw figures behind every sentence, and each blocker's whole fix
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

/// Entry point; returns the exit status.
pub fn main() -> i32 {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // `cargo domains check` runs `cargo-domains domains check`.
    if args.get(1).is_some_and(|a| a == "domains") {
        args.remove(1);
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let code = run(cli);
    wrote(std::io::stdout().flush());
    let failed = WRITE_FAILED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    match failed {
        Some(e) => {
            // Said if stderr still works; the status says it in any case.
            let _ = writeln!(std::io::stderr(), "error: cannot write the output: {e}");
            2
        }
        None => code,
    }
}

fn style(c: ColorChoice) -> Style {
    Style {
        color: match c {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        },
    }
}

fn options(c: &Common, config: Option<PathBuf>) -> Options {
    Options {
        manifest_path: c.manifest_path.clone(),
        packages: c.packages.clone(),
        config_path: config,
        include_tests: c.include_tests.then_some(true),
        threads: c.threads,
        cfg: analysis::CfgFlags {
            features: c.features.clone(),
            all_features: c.all_features,
            no_default_features: c.no_default_features,
            target: c.target.clone(),
            cfgs: c.cfgs.clone(),
            cfg_off: c.cfg_off.clone(),
        },
    }
}

fn report_error(e: Error, style: &Style) -> i32 {
    let mut err = std::io::stderr().lock();
    let is_option = matches!(e, Error::Option(_));
    match e {
        Error::Workspace(w) | Error::Option(w) => {
            let code = if is_option {
                "bad-option"
            } else {
                "cargo-metadata"
            };
            let mut md = miette::MietteDiagnostic::new(w.message).with_code(code);
            if let Some(h) = w.help {
                md = md.with_help(h);
            }
            let mut s = String::new();
            let theme = if style.color {
                miette::GraphicalTheme::unicode()
            } else {
                miette::GraphicalTheme::unicode_nocolor()
            };
            let _ = miette::GraphicalReportHandler::new_themed(theme).render_report(&mut s, &md);
            let _ = write!(err, "{s}");
        }
        Error::Config(c) => {
            let _ = write!(err, "{}", report::human::render_config_errors(&c, style));
            let n = c.errors.iter().filter(|e| !e.warning).count();
            let _ = writeln!(
                err,
                "{n} configuration error{}: nothing was checked",
                if n == 1 { "" } else { "s" }
            );
        }
    }
    2
}

/// `--format json`: errors are a JSON document on stdout too (and human text on stderr), so a
/// consumer always gets something to parse.
fn report_error_json(e: Error, style: &Style) -> i32 {
    let errors: Vec<serde_json::Value> = match &e {
        Error::Workspace(w) | Error::Option(w) => vec![serde_json::json!({
            "code": if matches!(e, Error::Option(_)) { "bad-option" } else { "cargo-metadata" },
            "message": w.message,
            "help": w.help,
        })],
        Error::Config(c) => c
            .errors
            .iter()
            .filter(|e| !e.warning)
            .map(|e| {
                let (line, column) = match (&e.span, &c.source) {
                    (Some(span), Some(src)) => {
                        let before = &src.text[..span.start.min(src.text.len())];
                        let line = before.matches('\n').count() + 1;
                        let col = before
                            .rsplit('\n')
                            .next()
                            .map(|l| l.chars().count() + 1)
                            .unwrap_or(1);
                        (Some(line), Some(col))
                    }
                    _ => (None, None),
                };
                serde_json::json!({
                    "code": e.code,
                    "message": e.message,
                    "help": e.help,
                    "file": c.source.as_ref().map(|s| s.name.clone()),
                    "line": line,
                    "column": column,
                })
            })
            .collect(),
    };
    let doc = serde_json::json!({
        "schema_version": crate::report::json::SCHEMA_VERSION,
        "tool": "cargo-domains",
        "tool_version": env!("CARGO_PKG_VERSION"),
        "errors": errors,
    });
    println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    report_error(e, style)
}

pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Check(a) => check(a),
        Command::Edges(a) => edges(a),
        Command::Modules(a) => modules(a),
        Command::Init(a) => init(a),
        Command::Graph(a) => graph(a),
        Command::Explain(a) => explain(a),
        Command::Score(a) => score(a),
        Command::Report(a) => html::run(a),
        Command::Sync(a) => sync::run(a),
        Command::Roadmap(a) => roadmap::run(a),
    }
}

fn score(a: ScoreArgs) -> i32 {
    let style = style(a.common.color);
    let checked = match analysis::check(&options(&a.common, a.config.clone())) {
        Ok(c) => c,
        Err(e) => return report_error(e, &style),
    };
    let domain = match &a.domain {
        Some(n) => match domain_id(&checked, n, "DOMAIN") {
            Ok(d) => Some(d),
            Err(code) => return code,
        },
        None => None,
    };
    let mut out = std::io::stdout().lock();
    let res = if a.plan {
        let d = domain.expect("--plan requires DOMAIN");
        let Some(plan) = crate::score::plan(&checked, d) else {
            eprintln!(
                "error: `{}` is a shared kernel or the composition root: it is not scored\n  help: pick a business domain",
                checked.config.domains[d].name
            );
            return 2;
        };
        match a.format {
            ScoreFormat::Human => write!(out, "{}", crate::score::render::plan_human(&plan)),
            ScoreFormat::Markdown => write!(out, "{}", crate::score::render::plan_markdown(&plan)),
            ScoreFormat::Json => crate::score::render::json(&plan, &mut out),
        }
    } else {
        let s = crate::score::score(&checked);
        let only = a.domain.as_deref();
        if let Some(n) = only
            && !s.domains.iter().any(|d| d.domain == n)
        {
            eprintln!(
                "error: `{n}` is a shared kernel or the composition root: it is not scored\n  help: pick a business domain"
            );
            return 2;
        }
        match a.format {
            ScoreFormat::Human => {
                write!(out, "{}", crate::score::render::human(&s, only, a.verbose))
            }
            ScoreFormat::Markdown => write!(out, "{}", crate::score::render::markdown(&s, only)),
            ScoreFormat::Json => {
                // `score DOMAIN --format json`: that domain and the merges it takes part in.
                let mut s = s;
                if let Some(n) = only {
                    s.domains.retain(|d| d.domain == n);
                    s.merges.retain(|m| m.domains.iter().any(|d| d == n));
                }
                crate::score::render::json(&s, &mut out)
            }
        }
    };
    match res {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("error: cannot write the scores: {e}");
            2
        }
        _ => 0,
    }
}

fn check(a: CheckArgs) -> i32 {
    let style = style(a.common.color);
    if a.stage == Stage::Parse {
        return match analysis::parse_floor(&options(&a.common, None)) {
            Ok((p, t)) => {
                eprintln!(
                    "parsed {} files ({} lines) of {} crates in {:.3}s",
                    p.files.len(),
                    p.lines(),
                    p.crates.len(),
                    t.as_secs_f64()
                );
                0
            }
            Err(e) => report_error(Error::Workspace(e), &style),
        };
    }
    let mut checked = match analysis::check(&options(&a.common, a.config.clone())) {
        Ok(c) => c,
        Err(e) if a.format == CheckFormat::Json => return report_error_json(e, &style),
        Err(e) if ci::is_machine(&a) => {
            let _ = ci::write_error(&a, &e, &mut std::io::stdout().lock());
            return report_error(e, &style);
        }
        Err(e) => return report_error(e, &style),
    };
    if a.timings {
        let t = &checked.analysis.timings;
        eprintln!(
            "timings: metadata+config {:.3}s, parse+extract {:.3}s, resolve {:.3}s, rules {:.3}s",
            t.metadata.as_secs_f64(),
            t.parse.as_secs_f64(),
            t.resolve.as_secs_f64(),
            t.rules.as_secs_f64()
        );
    }
    let baseline = analysis::baseline_path(&checked, a.baseline.as_deref());
    if a.update_baseline {
        let mut b = crate::baseline::Baseline::from_findings(
            &checked.rules_input(),
            &checked.findings,
            &baseline,
        );
        let display = baseline.display().to_string();
        // The files that could not be analysed are what the warning below is about.
        for d in &checked.analysis.program.diagnostics {
            let _ = write!(
                std::io::stderr(),
                "{}",
                report::human::render_diag(&checked.analysis.program, d, &style)
            );
        }
        if let Ok(old) = crate::baseline::Baseline::load(&baseline, &display) {
            let kept = crate::baseline::keep_unanalysed(&checked.analysis.program, &mut b, &old);
            if !kept.is_empty() {
                eprintln!(
                    "warning: kept {} baseline entr{} of code that could not be analysed (see the diagnostics above); fix those files and run --update-baseline again",
                    kept.len(),
                    if kept.len() == 1 { "y" } else { "ies" }
                );
            }
        }
        return match b.write() {
            Ok(()) => {
                eprintln!(
                    "wrote {} ({} entries, {} violations); `cargo domains check` now fails only on new ones",
                    baseline.display(),
                    b.entries.len(),
                    checked.findings.len()
                );
                0
            }
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", baseline.display());
                2
            }
        };
    }
    if let Err(e) = analysis::apply_baseline(&mut checked, &baseline) {
        return if a.format == CheckFormat::Json {
            report_error_json(Error::Config(e), &style)
        } else if ci::is_machine(&a) {
            let e = Error::Config(e);
            let _ = ci::write_error(&a, &e, &mut std::io::stdout().lock());
            report_error(e, &style)
        } else {
            report_error(Error::Config(e), &style)
        };
    }
    checked.stale_is_error = a.strict_baseline;
    if let Some(rev) = &a.changed_since
        && let Err(code) = ci::changed_since(&mut checked, rev)
    {
        return code;
    }
    let res = match a.format {
        _ if ci::is_machine(&a) => ci::write(&a, &checked, &mut std::io::stdout().lock()),
        CheckFormat::Human => report::human::write(&checked, &style, &mut std::io::stderr().lock()),
        CheckFormat::Json => report::json::write(&checked, &mut std::io::stdout().lock()),
        CheckFormat::Sarif | CheckFormat::Github | CheckFormat::Junit | CheckFormat::Gitlab => {
            unreachable!("machine formats are written above")
        }
    };
    if let Err(e) = res
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: cannot write the report: {e}");
        return 2;
    }
    if checked.findings.iter().any(|f| f.level == Level::Deny)
        || (a.strict_baseline && !checked.stale.is_empty())
    {
        1
    } else {
        0
    }
}

fn edges(a: EdgesArgs) -> i32 {
    let style = style(a.common.color);
    let opts = options(&a.common, None);
    let ws = match analysis::load_workspace(&opts, a.common.include_tests) {
        Ok(w) => w,
        Err(e) => return report_error(Error::Workspace(e), &style),
    };
    let req = match analysis::cfg_request(&opts.cfg, &ws, None) {
        Ok(r) => r,
        Err(e) => return report_error(e, &style),
    };
    let an = analysis::analyse(
        ws,
        a.common.include_tests,
        a.common.threads,
        &req,
        Default::default(),
    );
    {
        let mut err = std::io::stderr().lock();
        for d in &an.program.diagnostics {
            let _ = write!(
                err,
                "{}",
                report::human::render_diag(&an.program, d, &style)
            );
        }
    }
    let mut out = std::io::stdout().lock();
    let res = match a.format {
        _ if a.unresolved => report::edges::write_unresolved(&an, &mut out),
        EdgesFormat::Tsv => report::edges::write_tsv(&an, &mut out),
        EdgesFormat::Json => report::edges::write_json(&an, &mut out),
    };
    match res {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("error: cannot write the edges: {e}");
            2
        }
        _ => 0,
    }
}

fn modules(a: ModulesArgs) -> i32 {
    let style = style(a.common.color);
    let opts = options(&a.common, a.config.clone());
    let ws = match analysis::load_workspace(&opts, a.common.include_tests) {
        Ok(w) => w,
        Err(e) => return report_error(Error::Workspace(e), &style),
    };
    let cfg = crate::config::load(&ws, a.config.as_deref()).ok();
    let req = match analysis::cfg_request(&opts.cfg, &ws, cfg.as_ref().map(|c| &c.settings.cfg)) {
        Ok(r) => r,
        Err(e) => return report_error(e, &style),
    };
    let an = analysis::analyse(
        ws,
        a.common.include_tests,
        a.common.threads,
        &req,
        Default::default(),
    );
    let domain_of = cfg.as_ref().map(|c| {
        crate::config::assign(c, &an.workspace, &an.program)
            .0
            .domain_of
    });
    let mut out = std::io::stdout().lock();
    let p = &an.program;
    let mut rows: Vec<(String, String, String)> = p
        .modules
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let d = match (&domain_of, &cfg) {
                (Some(dof), Some(c)) => dof[i]
                    .map(|d| c.domains[d].name.clone())
                    .unwrap_or_else(|| "-".into()),
                _ => "-".into(),
            };
            (
                crate::config::pattern::pattern_for(p, i as u32, &an.workspace),
                d,
                // A file name is printed escaped when it holds terminal control characters.
                report::human::escape_unsafe(p.file_rel(m.file)),
            )
        })
        .collect();
    rows.sort();
    for (pat, d, f) in rows {
        if writeln!(out, "{pat}\t{d}\t{f}").is_err() {
            break;
        }
    }
    0
}

/// Where Graphviz `dot` is: `$GRAPHVIZ_DOT` if set, else the first `dot` on PATH.
fn find_dot() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("GRAPHVIZ_DOT").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let names: &[&str] = if cfg!(windows) {
        &["dot.exe", "dot"]
    } else {
        &["dot"]
    };
    std::env::split_paths(&std::env::var_os("PATH")?)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

const DOT_MISSING: &str = "error: `--format svg` and `--format png` need Graphviz's `dot`, which is not on PATH
  help: install Graphviz (Debian/Ubuntu: `sudo apt-get install graphviz`; Fedora: `sudo dnf install graphviz`;
        macOS: `brew install graphviz`; Windows: `winget install graphviz`), or set GRAPHVIZ_DOT to its path;
        or write DOT and render it elsewhere: `cargo domains graph > domains.dot`";

/// Looks a domain up by name; the error lists the declared ones.
fn domain_id(c: &analysis::Checked, name: &str, what: &str) -> Result<usize, i32> {
    match c.config.domains.iter().position(|d| d.name == name) {
        Some(d) => Ok(d),
        None => {
            let mut names: Vec<&str> = c.config.domains.iter().map(|d| d.name.as_str()).collect();
            names.sort_unstable();
            eprintln!(
                "error: {what} `{name}` is not a domain of {}\n  help: the domains are: {}",
                c.config.source.name,
                names.join(", ")
            );
            Err(2)
        }
    }
}

fn graph(a: GraphArgs) -> i32 {
    let style = style(a.common.color);
    let dot = match a.format {
        GraphFormat::Svg | GraphFormat::Png => match find_dot() {
            Some(d) => Some(d),
            None => {
                eprintln!("{DOT_MISSING}");
                return 2;
            }
        },
        _ => None,
    };
    let checked = match analysis::check(&options(&a.common, a.config.clone())) {
        Ok(c) => c,
        Err(e) => return report_error(e, &style),
    };
    let focus = match &a.focus {
        Some(f) => match domain_id(&checked, f, "--focus") {
            Ok(d) => Some(d),
            Err(code) => return code,
        },
        None => None,
    };
    let (view, collapsed) = crate::graph::view::build_fitted(
        &checked,
        &crate::graph::view::Options {
            level: match a.level {
                GraphLevel::Domain => crate::graph::view::Level::Domain,
                GraphLevel::Module => crate::graph::view::Level::Module,
            },
            focus,
            depth: a.depth,
            scores: a.scores,
            cut: a.cut,
            hide_root: a.hide_root,
        },
        a.max_nodes,
    );
    if let Some(c) = collapsed {
        eprintln!(
            "note: the module graph has {} nodes, more than --max-nodes {}: modules deeper than {} path segment{} are drawn as their ancestor ({} nodes)\n  help: pass --depth N to choose the depth, or --focus DOMAIN to draw one domain's neighbourhood",
            c.full,
            a.max_nodes,
            c.depth,
            if c.depth == 1 { "" } else { "s" },
            c.nodes
        );
    }
    if a.cut && view.edges.is_empty() {
        eprintln!("note: no domain cycle: there is no dependency to cut");
    }
    let bytes: Vec<u8> = match a.format {
        GraphFormat::Dot => report::dot::render(&view).into_bytes(),
        GraphFormat::Mermaid => report::mermaid::render(&view).into_bytes(),
        GraphFormat::Json => {
            let mut v = Vec::new();
            let _ = report::graph_json::write(&view, &mut v);
            v
        }
        GraphFormat::Svg | GraphFormat::Png => {
            let t = if a.format == GraphFormat::Svg {
                "-Tsvg"
            } else {
                "-Tpng"
            };
            let dot = dot.expect("dot was found");
            match render_with_dot(&dot, t, report::dot::render(&view).as_bytes()) {
                Ok(b) => b,
                Err(msg) => {
                    eprintln!("error: {msg}");
                    return 2;
                }
            }
        }
    };
    let res = match &a.output {
        Some(path) => crate::atomic::replace(path, &bytes)
            .map_err(|e| std::io::Error::other(e.to_string()))
            .map(|()| {
                eprintln!(
                    "wrote {} ({} nodes, {} edges)",
                    path.display(),
                    view.nodes.len(),
                    view.edges.len()
                );
            }),
        None => std::io::stdout().lock().write_all(&bytes),
    };
    match res {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("error: cannot write the graph: {e}");
            2
        }
        _ => 0,
    }
}

/// Pipes DOT through `dot -T<format>`; Graphviz's warnings are passed on to stderr.
fn render_with_dot(dot: &std::path::Path, t: &str, input: &[u8]) -> Result<Vec<u8>, String> {
    let (out, warnings) = report::html::graphviz::run(dot, t, input, None)?;
    if !warnings.trim().is_empty() {
        eprint!("{warnings}");
    }
    Ok(out)
}

fn explain(a: ExplainArgs) -> i32 {
    let style = style(a.common.color);
    let checked = match analysis::check(&options(&a.common, a.config.clone())) {
        Ok(c) => c,
        Err(e) => return report_error(e, &style),
    };
    let mut out = std::io::stdout().lock();
    let res = if let Some(target) = &a.to_path {
        let u = match report::usages::usages(&checked, target) {
            Ok(u) => u,
            Err(msg) => {
                eprintln!(
                    "error: {msg}\n  help: give a module or item path as in domains.toml (`crate::billing`, `crate::billing::charge`) or in full (`shop::billing::charge`); `cargo domains modules` lists the modules"
                );
                return 2;
            }
        };
        match a.format {
            ExplainFormat::Human => report::usages::write_human(&u, &mut out),
            ExplainFormat::Json => report::usages::write_json(&u, &mut out),
        }
    } else {
        let (Some(f), Some(t)) = (&a.from, &a.to) else {
            unreachable!("clap requires FROM and TO without --to");
        };
        let (from, to) = match (domain_id(&checked, f, "FROM"), domain_id(&checked, t, "TO")) {
            (Ok(f), Ok(t)) => (f, t),
            (Err(c), _) | (_, Err(c)) => return c,
        };
        let e = report::explain::explain(&checked, from, to);
        match (a.format, a.level) {
            (ExplainFormat::Human, ExplainLevel::Item) => {
                report::explain::write_human(&e, &mut out)
            }
            (ExplainFormat::Json, ExplainLevel::Item) => report::explain::write_json(&e, &mut out),
            (ExplainFormat::Human, ExplainLevel::Module) => {
                write!(out, "{}", report::explain::render_modules(&e))
            }
            (ExplainFormat::Json, ExplainLevel::Module) => {
                report::explain::write_json_modules(&e, &mut out)
            }
        }
    };
    match res {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("error: cannot write the explanation: {e}");
            2
        }
        _ => 0,
    }
}

fn init(a: InitArgs) -> i32 {
    let style = style(a.common.color);
    let opts = options(&a.common, None);
    let ws = match analysis::load_workspace(&opts, a.common.include_tests) {
        Ok(w) => w,
        Err(e) => return report_error(Error::Workspace(e), &style),
    };
    let target = a
        .output
        .clone()
        .unwrap_or_else(|| ws.root.join("domains.toml"));
    let to_stdout = target.as_os_str() == "-";
    if !to_stdout && target.exists() && !a.force {
        eprintln!(
            "error: {} exists; pass --force to overwrite it, or -o PATH to write elsewhere",
            target.display()
        );
        return 2;
    }
    let req = match analysis::cfg_request(&opts.cfg, &ws, None) {
        Ok(r) => r,
        Err(e) => return report_error(e, &style),
    };
    let an = analysis::analyse(
        ws,
        a.common.include_tests,
        a.common.threads,
        &req,
        Default::default(),
    );
    let out = crate::init::init(&an, a.depth, a.suggest);
    // The generated file must load and apply cleanly: check before writing it.
    match crate::config::parse_str(&out.text, "domains.toml") {
        Ok(cfg) => {
            let (_, errors) = crate::config::assign(&cfg, &an.workspace, &an.program);
            if errors.iter().any(|e| !e.warning) {
                let errs = crate::config::ConfigErrors {
                    source: Some(cfg.source.clone()),
                    errors,
                };
                eprint!("{}", report::human::render_config_errors(&errs, &style));
                eprintln!(
                    "error: the generated configuration does not apply (a bug: please report it)"
                );
                return 2;
            }
        }
        Err(errs) => {
            eprint!("{}", report::human::render_config_errors(&errs, &style));
            eprintln!(
                "error: the generated configuration does not parse (a bug: please report it)"
            );
            return 2;
        }
    }
    if to_stdout {
        print!("{}", out.text);
    } else if let Err(e) = crate::atomic::replace(&target, out.text.as_bytes()) {
        eprintln!("error: {e}");
        return 2;
    } else {
        eprintln!("wrote {} with {} domains", target.display(), out.domains);
    }
    match out.baseline_modularity {
        Some(split) => eprintln!(
            "modularity of the proposal: {:.3} (top-level split: {split:.3}; higher is better, above 0.3 is a clear structure)",
            out.modularity
        ),
        None => eprintln!(
            "modularity of this split: {:.3} (higher is better; try --suggest)",
            out.modularity
        ),
    }
    if !out.cycles.is_empty() {
        eprintln!(
            "{} group(s) of domains depend on each other in a cycle: `cycles` is set to \"warn\" until they are cut",
            out.cycles.len()
        );
    }
    0
}
