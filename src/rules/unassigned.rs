//! `unassigned-module`: modules no domain claims. One finding per topmost unassigned module
//! (its unassigned descendants are counted in it), located at its `mod` declaration.

use super::{Finding, Input, Rule};
use crate::config::Level;
use crate::modules::{ModuleId, Span};

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    let level = Rule::UnassignedModule.level(input.config);
    if level == Level::Allow {
        return;
    }
    let p = input.program;
    let asg = input.assignment;
    let skip = |m: usize| p.modules[m].is_test && !input.include_tests;
    for (mid, m) in p.modules.iter().enumerate() {
        if asg.domain_of[mid].is_some() || skip(mid) {
            continue;
        }
        if m.parent
            .is_some_and(|par| asg.domain_of[par as usize].is_none() && !skip(par as usize))
        {
            continue; // counted in its unassigned parent
        }
        let mut modules: Vec<ModuleId> = Vec::new();
        let mut stack = vec![mid as ModuleId];
        while let Some(x) = stack.pop() {
            if asg.domain_of[x as usize].is_some() || skip(x as usize) {
                continue;
            }
            modules.push(x);
            stack.extend(p.modules[x as usize].children.values().copied());
        }
        modules.sort_unstable();
        let (file, span) = m.decl.unwrap_or((
            m.file,
            Span {
                start: crate::modules::Pos { line: 1, col: 0 },
                end: crate::modules::Pos { line: 1, col: 0 },
            },
        ));
        let below = modules.len() - 1;
        let message = if below == 0 {
            format!("module `{}` belongs to no domain", m.path)
        } else {
            format!(
                "module `{}` and {below} module(s) below it belong to no domain",
                m.path
            )
        };
        let pattern = crate::config::pattern::pattern_for(p, mid as ModuleId, input.workspace);
        out.push(Finding {
            rule: Rule::UnassignedModule,
            level,
            message,
            label: "not claimed by any domain".into(),
            help: format!(
                "add \"{pattern}\" to a domain's `modules` in {}",
                input.config.source.name
            ),
            file,
            span,
            from_module: Some(mid as ModuleId),
            from_domain: None,
            to_domain: None,
            reference: None,
            cycle: Vec::new(),
            modules,
            names: Vec::new(),
            also: Vec::new(),
            cut: Vec::new(),
            config_span: None,
        });
    }
}
