//! The pipeline, stage after stage: workspace -> config -> modules -> resolve -> assign ->
//! graph -> rules. Commands call these functions; nothing here prints.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::config::{self, Assignment, Config, ConfigError, ConfigErrors};
use crate::graph::{DomainGraph, ModuleGraph};
use crate::modules::cfg::{CfgRequest, Target, parse_cfg_flag};
use crate::modules::{self, Program};
use crate::resolve::{self, Resolution};
use crate::rules::{self, Finding};
use crate::workspace::{self, Workspace, WorkspaceError};

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub manifest_path: Option<PathBuf>,
    pub packages: Vec<String>,
    pub config_path: Option<PathBuf>,
    /// Overrides `settings.include_tests`.
    pub include_tests: Option<bool>,
    pub threads: Option<usize>,
    pub cfg: CfgFlags,
}

/// The configuration flags as given (`--features`, `--target`, `--cfg`, ...).
#[derive(Clone, Debug, Default)]
pub struct CfgFlags {
    pub features: Vec<String>,
    pub all_features: bool,
    pub no_default_features: bool,
    pub target: Option<String>,
    pub cfgs: Vec<String>,
    pub cfg_off: Vec<String>,
}

/// The configuration the code is read in: the flags over `[settings]`. Feature selection
/// comes whole from one side (flags when any feature flag is given); `--target` replaces the
/// setting; `--cfg` and `--cfg-off` add to the settings' lists.
pub fn cfg_request(
    flags: &CfgFlags,
    ws: &Workspace,
    settings: Option<&CfgRequest>,
) -> Result<CfgRequest, Error> {
    let bad = |message: String, help: &str| {
        Error::Option(WorkspaceError {
            message,
            help: Some(help.to_string()),
        })
    };
    let mut r = settings.cloned().unwrap_or_default();
    if !flags.features.is_empty() || flags.all_features || flags.no_default_features {
        r.features = flags.features.clone();
        r.all_features = flags.all_features;
        r.no_default_features = flags.no_default_features;
    }
    if let Some(t) = &flags.target {
        r.target = Some(
            Target::parse(t)
                .map_err(|e| bad(e, "give the triple as rustc --print target-list spells it"))?,
        );
    }
    for c in &flags.cfgs {
        r.set.insert(
            parse_cfg_flag(c)
                .map_err(|e| bad(e, "as rustc: --cfg NAME or --cfg 'NAME=\"VALUE\"'"))?,
        );
    }
    for c in &flags.cfg_off {
        match parse_cfg_flag(c) {
            Ok((name, None)) => {
                r.off.insert(name);
            }
            _ => {
                return Err(bad(
                    format!("`--cfg-off {c}`: not a cfg name"),
                    "give a name such as `loom`",
                ));
            }
        }
    }
    let unknown = r.unknown_features(ws.crates.iter().map(|c| (c.package.as_str(), &c.features)));
    if !unknown.is_empty() {
        return Err(bad(
            format!(
                "no package of the workspace has the feature(s) {}",
                unknown
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "see the [features] tables of the members' Cargo.toml",
        ));
    }
    Ok(r)
}

#[derive(Clone, Debug, Default)]
pub struct Timings {
    pub metadata: Duration,
    pub parse: Duration,
    pub resolve: Duration,
    pub rules: Duration,
}

/// The parsed and resolved workspace.
pub struct Analysis {
    pub workspace: Workspace,
    pub program: Program,
    pub resolution: Resolution,
    pub include_tests: bool,
    pub timings: Timings,
}

pub enum Error {
    Workspace(WorkspaceError),
    Config(ConfigErrors),
    /// A command-line option that cannot be used (an unknown target triple or feature).
    Option(WorkspaceError),
}

pub fn load_workspace(opts: &Options, include_tests: bool) -> Result<Workspace, WorkspaceError> {
    workspace::load(&workspace::LoadOptions {
        manifest_path: opts.manifest_path.as_deref(),
        packages: &opts.packages,
        include_tests,
    })
}

/// Parses and resolves every crate of an already loaded workspace.
pub fn analyse(
    ws: Workspace,
    include_tests: bool,
    threads: Option<usize>,
    cfg: &CfgRequest,
    mut timings: Timings,
) -> Analysis {
    let t = Instant::now();
    let program = modules::load(
        &ws,
        &modules::LoadOptions {
            include_tests,
            threads,
            parse_only: false,
            cfg: cfg.clone(),
        },
    );
    timings.parse = t.elapsed();
    let t = Instant::now();
    let resolution = resolve::resolve(&program);
    timings.resolve = t.elapsed();
    Analysis {
        workspace: ws,
        program,
        resolution,
        include_tests,
        timings,
    }
}

/// The parse-only floor: discover the workspace, then read and parse every file of every
/// module tree (following `mod` declarations) and nothing else. `check --stage parse` runs it
/// so benchmarks can compare a full check against the cost of parsing alone.
pub fn parse_floor(opts: &Options) -> Result<(Program, Duration), WorkspaceError> {
    let ws = load_workspace(opts, opts.include_tests.unwrap_or(false))?;
    let t = Instant::now();
    let program = modules::load(
        &ws,
        &modules::LoadOptions {
            include_tests: opts.include_tests.unwrap_or(false),
            threads: opts.threads,
            parse_only: true,
            cfg: Default::default(),
        },
    );
    Ok((program, t.elapsed()))
}

/// Everything `check` produces.
pub struct Checked {
    pub analysis: Analysis,
    pub config: Config,
    pub assignment: Assignment,
    pub module_graph: ModuleGraph,
    pub domain_graph: DomainGraph,
    pub findings: Vec<Finding>,
    pub config_warnings: Vec<ConfigError>,
    /// Findings removed by `// domains: allow(..)` comments.
    pub suppressed: usize,
    /// Findings covered by the baseline.
    pub baselined: usize,
    /// Baseline entries that no longer occur.
    pub stale: Vec<crate::baseline::Stale>,
    /// `--strict-baseline`: stale entries fail the run.
    pub stale_is_error: bool,
    pub baseline: Option<crate::baseline::Baseline>,
}

impl Checked {
    /// The rules' input for this checked workspace.
    pub fn rules_input(&self) -> crate::rules::Input<'_> {
        crate::rules::Input {
            program: &self.analysis.program,
            resolution: &self.analysis.resolution,
            config: &self.config,
            assignment: &self.assignment,
            domain_graph: &self.domain_graph,
            workspace: &self.analysis.workspace,
            include_tests: self.analysis.include_tests,
        }
    }
}

/// Runs the whole pipeline. Configuration problems stop it (with every problem found).
pub fn check(opts: &Options) -> Result<Checked, Error> {
    let t = Instant::now();
    // Test targets are only needed when tests are included; the config decides by default, so
    // discover the workspace first without them, then read the config.
    let ws = load_workspace(opts, opts.include_tests.unwrap_or(false)).map_err(Error::Workspace)?;
    let config = config::load(&ws, opts.config_path.as_deref()).map_err(Error::Config)?;
    let include_tests = opts.include_tests.unwrap_or(config.settings.include_tests);
    let ws = if include_tests && opts.include_tests.is_none() {
        load_workspace(opts, true).map_err(Error::Workspace)?
    } else {
        ws
    };
    let timings = Timings {
        metadata: t.elapsed(),
        ..Default::default()
    };
    let cfg = cfg_request(&opts.cfg, &ws, Some(&config.settings.cfg))?;
    let analysis = analyse(ws, include_tests, opts.threads, &cfg, timings);
    check_analysis(analysis, config)
}

/// Applies a config to an analysis.
pub fn check_analysis(mut analysis: Analysis, config: Config) -> Result<Checked, Error> {
    let t = Instant::now();
    let (assignment, errors) = config::assign(&config, &analysis.workspace, &analysis.program);
    let mut config_warnings = config.warnings.clone();
    if errors.iter().any(|e| !e.warning) {
        let mut all = config_warnings;
        all.extend(errors);
        return Err(Error::Config(ConfigErrors {
            source: Some(config.source.clone()),
            errors: all,
        }));
    }
    config_warnings.extend(errors);
    let module_graph = ModuleGraph::build(
        &analysis.program,
        &analysis.resolution,
        analysis.include_tests,
    );
    let domain_graph = DomainGraph::build(config.domains.len(), &module_graph, &assignment);
    let run = run_rules(&analysis, &config, &assignment, &domain_graph);
    let (findings, suppressed) = (run.findings, run.suppressed);
    analysis.program.diagnostics.extend(run.diagnostics);
    analysis.timings.rules = t.elapsed();
    Ok(Checked {
        analysis,
        config,
        assignment,
        module_graph,
        domain_graph,
        findings,
        config_warnings,
        suppressed,
        baselined: 0,
        stale: Vec::new(),
        stale_is_error: false,
        baseline: None,
    })
}

/// What the rules find for one configuration: the findings left after the
/// `// domains: allow(..)` comments, how many those comments removed, and the diagnostics
/// about the comments themselves (malformed, unused).
pub struct RuleRun {
    pub findings: Vec<Finding>,
    pub suppressed: usize,
    pub diagnostics: Vec<crate::diag::Diag>,
}

/// Runs every rule of `config` on an analysis, as `check` does (without the baseline).
/// `sync` calls it again with the edited configuration to tell what would remain.
pub fn run_rules(
    analysis: &Analysis,
    config: &Config,
    assignment: &Assignment,
    domain_graph: &DomainGraph,
) -> RuleRun {
    let mut findings = rules::run(&rules::Input {
        program: &analysis.program,
        resolution: &analysis.resolution,
        config,
        assignment,
        domain_graph,
        workspace: &analysis.workspace,
        include_tests: analysis.include_tests,
    });
    // Off by default: it re-reads the sources to follow handlers to slow calls.
    findings.extend(crate::request_path::findings(
        &request_path_input(analysis),
        config,
        assignment,
    ));
    // `-p`: only findings whose module lies in a selected package.
    if !analysis.workspace.selected_packages.is_empty() {
        let p = &analysis.program;
        let selected = &analysis.workspace.selected_packages;
        findings.retain(|f| {
            let module = f
                .from_module
                .or_else(|| f.reference.map(|r| analysis.resolution.refs[r].from));
            module.is_none_or(|m| {
                let pkg = &p.crates[p.modules[m as usize].krate as usize].info.package;
                selected.contains(pkg)
            })
        });
    }
    let (mut sups, mut diagnostics) = crate::baseline::suppress::scan(&analysis.program);
    let suppressed = crate::baseline::suppress::apply(&mut findings, &mut sups);
    diagnostics.extend(crate::baseline::suppress::unused(&sups));
    RuleRun {
        findings,
        suppressed,
        diagnostics,
    }
}

/// The slow-work finder's view of an analysis.
pub fn request_path_input(a: &Analysis) -> crate::request_path::Input<'_> {
    crate::request_path::Input {
        workspace: &a.workspace,
        program: &a.program,
        resolution: &a.resolution,
        include_tests: a.include_tests,
    }
}

/// Where the baseline lives: `--baseline PATH`, else `domains-baseline.toml` at the root.
pub fn baseline_path(c: &Checked, explicit: Option<&std::path::Path>) -> PathBuf {
    explicit
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(|| {
            c.analysis
                .workspace
                .root
                .join(crate::baseline::DEFAULT_FILE)
        })
}

/// Applies the baseline at `path` (a missing file is an empty baseline).
pub fn apply_baseline(c: &mut Checked, path: &std::path::Path) -> Result<(), ConfigErrors> {
    let display = path
        .strip_prefix(&c.analysis.workspace.root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/");
    let baseline = crate::baseline::Baseline::load(path, &display)?;
    let mut findings = std::mem::take(&mut c.findings);
    let (baselined, stale) = crate::baseline::apply(&c.rules_input(), &mut findings, &baseline);
    c.findings = findings;
    c.baselined = baselined;
    c.stale = stale;
    c.baseline = Some(baseline);
    Ok(())
}
