//! The rules: each turns the graph and the domain assignment into findings. Business rules
//! never print; reporters never analyse.
//!
//! | code | module |
//! | --- | --- |
//! | `forbidden-dependency`, `interface-bypass`, `facade-reexport`, `layer-violation`, `deprecated-dependency` | [`boundary`] |
//! | `domain-cycle` | [`cycle`] |
//! | `unassigned-module` | [`unassigned`] |
//! | `unused-dependency` | [`unused`] |

pub mod allowance;
pub mod boundary;
pub mod cycle;
pub mod unassigned;
pub mod unused;

use serde::Serialize;

use crate::config::{Assignment, Config, DomainId, Level};
use crate::graph::DomainGraph;
use crate::modules::{FileId, ModuleId, Program, Span};
use crate::resolve::Resolution;

/// A rule: its stable code, a one-line summary, and the docs anchor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    ForbiddenDependency,
    InterfaceBypass,
    FacadeReexport,
    DomainCycle,
    UnassignedModule,
    LayerViolation,
    DeprecatedDependency,
    UnusedDependency,
    SyncSideEffect,
}

impl Rule {
    pub const ALL: [Rule; 9] = [
        Rule::ForbiddenDependency,
        Rule::InterfaceBypass,
        Rule::FacadeReexport,
        Rule::DomainCycle,
        Rule::UnassignedModule,
        Rule::LayerViolation,
        Rule::DeprecatedDependency,
        Rule::UnusedDependency,
        Rule::SyncSideEffect,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Rule::ForbiddenDependency => "forbidden-dependency",
            Rule::InterfaceBypass => "interface-bypass",
            Rule::FacadeReexport => "facade-reexport",
            Rule::DomainCycle => "domain-cycle",
            Rule::UnassignedModule => "unassigned-module",
            Rule::LayerViolation => "layer-violation",
            Rule::DeprecatedDependency => "deprecated-dependency",
            Rule::UnusedDependency => "unused-dependency",
            Rule::SyncSideEffect => "sync-side-effect",
        }
    }

    pub fn summary(self) -> &'static str {
        match self {
            Rule::ForbiddenDependency => {
                "a domain uses another domain it does not declare in depends_on"
            }
            Rule::InterfaceBypass => "a domain is reached around its declared interface",
            Rule::FacadeReexport => {
                "a `pub use` re-exports items of a domain it may not use that way"
            }
            Rule::DomainCycle => "domains depend on each other in a cycle",
            Rule::UnassignedModule => "a module belongs to no domain",
            Rule::LayerViolation => "a domain uses a domain of a higher layer",
            Rule::DeprecatedDependency => {
                "a domain uses a domain its depends_on marks as deprecated"
            }
            Rule::UnusedDependency => "a depends_on entry that no reference uses",
            Rule::SyncSideEffect => {
                "a request handler sends e-mail, charges a card or calls a service inline"
            }
        }
    }

    pub fn level(self, cfg: &Config) -> Level {
        match self {
            Rule::ForbiddenDependency => cfg.settings.forbidden,
            Rule::InterfaceBypass => cfg.settings.interface,
            Rule::FacadeReexport => cfg.settings.facade,
            Rule::DomainCycle => cfg.settings.cycles,
            Rule::UnassignedModule => cfg.settings.unassigned,
            Rule::LayerViolation => cfg.settings.layer_violation,
            Rule::DeprecatedDependency => cfg.settings.deprecated,
            Rule::UnusedDependency => cfg.settings.unused_dependency,
            Rule::SyncSideEffect => cfg.settings.sync_side_effect,
        }
    }
}

/// One edge of a domain cycle, with an example reference.
#[derive(Clone, Debug)]
pub struct CycleEdge {
    pub from: DomainId,
    pub to: DomainId,
    pub references: usize,
    /// Index into [`Resolution::refs`] of the first reference (by file and line).
    pub example: usize,
}

#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: Rule,
    pub level: Level,
    pub message: String,
    pub label: String,
    pub help: String,
    pub file: FileId,
    pub span: Span,
    pub from_module: Option<ModuleId>,
    pub from_domain: Option<DomainId>,
    pub to_domain: Option<DomainId>,
    /// The reference behind the finding (boundary rules).
    pub reference: Option<usize>,
    /// Cycle edges (domain-cycle).
    pub cycle: Vec<CycleEdge>,
    /// Modules counted by the finding (unassigned-module: the module and its descendants).
    pub modules: Vec<ModuleId>,
    /// facade-reexport: the items one `pub use` re-exports from the target domain;
    /// domain-cycle: the domains of the group.
    pub names: Vec<String>,
    /// domain-cycle: the cheapest dependencies to cut to break the group's cycles.
    pub cut: Vec<CycleEdge>,
    /// Other rules the same reference breaks (a forbidden dependency that also goes around
    /// the target's interface): one finding, naming every problem.
    pub also: Vec<Rule>,
    /// A finding located in the configuration file (unused-dependency): the byte range in
    /// [`Config::source`]; `span` is then its line and column there, and `file` is
    /// [`IN_CONFIG`], no source file.
    pub config_span: Option<std::ops::Range<usize>>,
}

/// The `file` of a finding located in the configuration file.
pub const IN_CONFIG: FileId = FileId::MAX;

impl Finding {
    /// The file the finding points into, as shown to the user (relative to the workspace
    /// root): a source file, or the configuration file.
    pub fn file_name<'a>(&self, p: &'a Program, cfg: &'a Config) -> &'a str {
        if self.config_span.is_some() {
            &cfg.source.name
        } else {
            p.file_rel(self.file)
        }
    }
}

/// Line and column (0-based, in characters) of a byte range of the configuration's text.
pub fn config_pos(text: &str, range: &std::ops::Range<usize>) -> Span {
    let pos = |at: usize| {
        let at = at.min(text.len());
        let before = &text[..at];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        crate::modules::Pos {
            line: before.matches('\n').count() as u32 + 1,
            col: before[line_start..].chars().count() as u32,
        }
    };
    Span {
        start: pos(range.start),
        end: pos(range.end),
    }
}

/// What the rules look at.
pub struct Input<'a> {
    pub program: &'a Program,
    pub resolution: &'a Resolution,
    pub config: &'a Config,
    pub assignment: &'a Assignment,
    pub domain_graph: &'a DomainGraph,
    pub workspace: &'a crate::workspace::Workspace,
    pub include_tests: bool,
}

impl<'a> Input<'a> {
    /// The cfg predicate of the code behind a finding, when not every build compiles it.
    pub fn finding_cfg(&self, f: &Finding) -> Option<&'a crate::modules::cfg::Cfg> {
        let r = &self.resolution.refs[f.reference?];
        (r.cfg != 0).then(|| &self.program.cfgs[r.cfg as usize])
    }
}

/// Runs every rule whose level is not `allow`; findings come sorted by file, line, column.
pub fn run(input: &Input) -> Vec<Finding> {
    let mut out = Vec::new();
    boundary::check(input, &mut out);
    cycle::check(input, &mut out);
    unassigned::check(input, &mut out);
    unused::check(input, &mut out);
    let (p, cfg) = (input.program, input.config);
    out.sort_by(|a, b| {
        (a.file_name(p, cfg), a.span.start, a.rule, &a.message).cmp(&(
            b.file_name(p, cfg),
            b.span.start,
            b.rule,
            &b.message,
        ))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_across_rules_config_and_input_diagnostics() {
        let mut all: Vec<&str> = Rule::ALL.iter().map(|r| r.code()).collect();
        all.extend(crate::config::CONFIG_CODES.iter().map(|(c, _)| *c));
        all.extend(crate::diag::INPUT_CODES.iter().map(|(c, _)| *c));
        let mut sorted = all.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(
            sorted.len(),
            all.len(),
            "duplicate diagnostic code in {all:?}"
        );
    }

    #[test]
    fn every_code_is_documented() {
        let rules = include_str!("../../docs/rules.md");
        for r in Rule::ALL {
            assert!(
                rules.contains(&format!("## `{}`", r.code())),
                "docs/rules.md lacks {}",
                r.code()
            );
        }
        let cfg = include_str!("../../docs/configuration.md");
        for (c, _) in crate::config::CONFIG_CODES {
            assert!(
                cfg.contains(&format!("`{c}`")),
                "docs/configuration.md lacks {c}"
            );
        }
        let diags = include_str!("../../docs/diagnostics.md");
        for (c, _) in crate::diag::INPUT_CODES {
            assert!(
                diags.contains(&format!("`{c}`")),
                "docs/diagnostics.md lacks {c}"
            );
        }
    }
}
