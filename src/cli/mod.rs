//! Command line: `cargo domains <command>` (or `cargo-domains <command>`). Parses arguments
//! with clap, runs the pipeline, picks the reporter, maps the outcome to an exit status:
//! 0 clean, 1 findings at deny level, 2 usage or configuration error.

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
    /// Worker threads for parsing (default: one per core)
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// When to use colours
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckFormat {
    Human,
    Json,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgesFormat {
    Tsv,
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
}

#[derive(Args, Debug)]
pub struct EdgesArgs {
    #[command(flatten)]
    pub common: Common,
    #[arg(long, value_enum, default_value_t = EdgesFormat::Tsv)]
    pub format: EdgesFormat,
}

#[derive(Args, Debug)]
pub struct ModulesArgs {
    #[command(flatten)]
    pub common: Common,
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
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
    run(cli)
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
    }
}

fn report_error(e: Error, style: &Style) -> i32 {
    let mut err = std::io::stderr().lock();
    match e {
        Error::Workspace(w) => {
            let mut md = miette::MietteDiagnostic::new(w.message).with_code("cargo-metadata");
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

pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Check(a) => check(a),
        Command::Edges(a) => edges(a),
        Command::Modules(a) => modules(a),
    }
}

fn check(a: CheckArgs) -> i32 {
    let style = style(a.common.color);
    let checked = match analysis::check(&options(&a.common, a.config)) {
        Ok(c) => c,
        Err(e) => return report_error(e, &style),
    };
    let res = match a.format {
        CheckFormat::Human => report::human::write(&checked, &style, &mut std::io::stderr().lock()),
        CheckFormat::Json => report::json::write(&checked, &mut std::io::stdout().lock()),
    };
    if let Err(e) = res
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: cannot write the report: {e}");
        return 2;
    }
    if checked.findings.iter().any(|f| f.level == Level::Deny) {
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
    let an = analysis::analyse(
        ws,
        a.common.include_tests,
        a.common.threads,
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
    let an = analysis::analyse(
        ws,
        a.common.include_tests,
        a.common.threads,
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
                report::pattern_for(p, i as u32, &an.workspace),
                d,
                p.file_rel(m.file).to_string(),
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
