//! `cargo domains roadmap`: the command line of [`crate::roadmap`]. Reads the check, the
//! slow-work finder, the scores and (unless `--no-history`) the git history, and prints one
//! verdict per phase. Exit 0 with a report, 2 on a usage or configuration error; a missing
//! repository is not an error: the history-based evidence says it is missing.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{Common, options, report_error, style};
use crate::analysis;

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoadmapFormat {
    /// Text for a terminal: one verdict per phase with its evidence
    Human,
    /// Markdown, for a design document or an issue
    Markdown,
    /// Versioned JSON (`roadmap_version`), for scripts
    Json,
}

#[derive(Args, Debug)]
pub struct RoadmapArgs {
    #[command(flatten)]
    pub common: Common,
    /// Configuration file (default: domains.toml at the workspace root, then
    /// [workspace.metadata.domains] in Cargo.toml)
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = RoadmapFormat::Human)]
    pub format: RoadmapFormat,
    /// Read commits from this date on (`2024-01-31`, `6 months ago`)
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Read at most the last N commits [default: 1000, or all since --since]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub last: Option<u64>,
    /// The git repository to read (a `.git` directory or a bare repository) [default: the
    /// one holding the workspace]
    #[arg(long, value_name = "PATH")]
    pub git_dir: Option<PathBuf>,
    /// Do not read the history (phase 3 then lacks team and co-change evidence)
    #[arg(long, conflicts_with_all = ["since", "last", "git_dir"])]
    pub no_history: bool,
}

pub fn run(a: RoadmapArgs) -> i32 {
    let style = style(a.common.color);
    if let Some(s) = &a.since
        && let Err(e) = crate::history::parse_since(s)
    {
        eprintln!("error: {e}");
        return 2;
    }
    let mut checked = match analysis::check(&options(&a.common, a.config.clone())) {
        Ok(c) => c,
        Err(e) => return report_error(e, &style),
    };
    // Phase 1 counts what the baseline holds apart from the new violations.
    let baseline = analysis::baseline_path(&checked, None);
    if let Err(e) = analysis::apply_baseline(&mut checked, &baseline) {
        return report_error(analysis::Error::Config(e), &style);
    }
    let hist = if a.no_history {
        Err("--no-history".to_string())
    } else {
        crate::history::read(
            &checked,
            &crate::history::Options {
                git_dir: a.git_dir.clone(),
                since: a.since.clone(),
                last: a.last.map(|n| n as usize),
            },
        )
    };
    if let Err(e) = &hist
        && !a.no_history
    {
        // `--git-dir` named a repository that cannot be read: that is a usage error.
        if a.git_dir.is_some() {
            eprintln!("error: {e}");
            return 2;
        }
        eprintln!("warning: {e}; the roadmap goes on without history");
    }
    let r = crate::roadmap::build(&checked, hist);
    let mut out = std::io::stdout().lock();
    let res = match a.format {
        RoadmapFormat::Human => write!(out, "{}", crate::roadmap::render::human(&r)),
        RoadmapFormat::Markdown => write!(out, "{}", crate::roadmap::render::markdown(&r)),
        RoadmapFormat::Json => crate::roadmap::render::json(&r, &mut out),
    };
    match res {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("error: cannot write the roadmap: {e}");
            2
        }
        _ => 0,
    }
}
