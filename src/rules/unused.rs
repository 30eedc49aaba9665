//! `unused-dependency`: a `depends_on` entry that no reference uses (off by default). One
//! finding per entry, located at the entry in the configuration file.
//!
//! "Used" is what `cargo domains sync --prune` looks at: an edge of the domain graph (every
//! reference the check counts, test code only with `include_tests`). `"*"` is never an entry
//! here; shared kernels need no entry, but an explicit one that nothing uses is reported.

use super::{Finding, IN_CONFIG, Input, Rule};
use crate::config::Level;

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    let level = Rule::UnusedDependency.level(input.config);
    if level == Level::Allow {
        return;
    }
    let cfg = input.config;
    for (from, d) in cfg.domains.iter().enumerate() {
        for (name, span) in &d.depends_on {
            let Some(to) = cfg.domains.iter().position(|o| o.name == *name) else {
                continue;
            };
            if to == from || !input.domain_graph.refs(from, to).is_empty() {
                continue;
            }
            let deprecated = if d.deprecated.contains(name) {
                " (deprecated)"
            } else {
                ""
            };
            out.push(Finding {
                rule: Rule::UnusedDependency,
                level,
                message: format!(
                    "domain `{}` may depend on `{name}`{deprecated}, but no reference uses it",
                    d.name
                ),
                label: "unused".into(),
                help: format!(
                    "remove \"{name}\" from `domains.{}.depends_on` (`cargo domains sync --prune` removes every unused entry)",
                    d.name
                ),
                file: IN_CONFIG,
                span: super::config_pos(&cfg.source.text, span),
                from_module: None,
                from_domain: Some(from),
                to_domain: Some(to),
                reference: None,
                cycle: Vec::new(),
                modules: Vec::new(),
                names: Vec::new(),
                cut: Vec::new(),
                also: Vec::new(),
                config_span: Some(span.clone()),
            });
        }
    }
}
