//! `cargo domains report`: the command line of [`crate::report::html`]. Runs the check (with
//! the baseline, as `check` does), writes the page atomically, says where and how big.
//! Exit 0 when the report is written, whatever it finds; 2 on a usage, configuration or
//! write error.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::{Common, find_dot, options, report_error, style};
use crate::analysis::{self, Error};
use crate::report::html;

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub common: Common,
    /// Configuration file (default: domains.toml at the workspace root, then
    /// [workspace.metadata.domains] in Cargo.toml)
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Where to write the HTML file; `-` for stdout
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        default_value = "domains-report.html"
    )]
    pub output: PathBuf,
    /// Link each file:line to the repository: a base URL such as
    /// https://github.com/ORG/REPO/blob/main (the path and #L<line> are appended), or a
    /// template with {path} and {line}
    #[arg(long, value_name = "URL")]
    pub source_url: Option<String>,
    /// Draw the domain graph with the built-in layout even when Graphviz `dot` is on PATH
    #[arg(long)]
    pub no_graphviz: bool,
    /// Baseline of known violations [default: domains-baseline.toml at the workspace root]
    #[arg(long, value_name = "PATH")]
    pub baseline: Option<PathBuf>,
    /// Seconds Graphviz may take on the domain graph before the built-in layout is used
    #[arg(long, value_name = "SECS", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub graphviz_timeout: u64,
}

pub fn run(a: ReportArgs) -> i32 {
    let style = style(a.common.color);
    if let Some(url) = &a.source_url
        && let Err(e) = html::check_source_url(url)
    {
        eprintln!("error: {e}\n  help: e.g. --source-url https://github.com/ORG/REPO/blob/main");
        return 2;
    }
    let mut checked = match analysis::check(&options(&a.common, a.config.clone())) {
        Ok(c) => c,
        Err(e) => return report_error(e, &style),
    };
    let baseline = analysis::baseline_path(&checked, a.baseline.as_deref());
    if let Err(e) = analysis::apply_baseline(&mut checked, &baseline) {
        return report_error(Error::Config(e), &style);
    }
    let dot = if a.no_graphviz { None } else { find_dot() };
    let report = html::render(
        &checked,
        &html::Options {
            source_url: a.source_url.clone(),
            dot,
            dot_timeout: Duration::from_secs(a.graphviz_timeout),
        },
    );
    if let Some(e) = &report.graphviz_error {
        eprintln!("warning: {e}; the domain graph uses the built-in layout");
    }
    let bytes = report.html.as_bytes();
    if a.output.as_os_str() == "-" {
        return match std::io::stdout().lock().write_all(bytes) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                eprintln!("error: cannot write the report: {e}");
                2
            }
            _ => 0,
        };
    }
    if let Err(e) = crate::atomic::replace(&a.output, bytes) {
        eprintln!("error: cannot write {}: {e}", a.output.display());
        return 2;
    }
    eprintln!(
        "wrote {} ({} KB; {} domains, {} findings; graph drawn by {})",
        a.output.display(),
        bytes.len().div_ceil(1024),
        checked.config.domains.len(),
        checked.findings.len(),
        report.graph_by
    );
    0
}
