//! `forbidden-dependency` and `interface-bypass`: one finding per offending reference.
//!
//! A reference from domain A to domain B is allowed when B is in A's `depends_on`, B is a
//! shared kernel, or A declares `depends_on = ["*"]`. An allowed reference to a domain with an
//! `interface` must reach it through one of the interface modules (the path as written, or a
//! re-export on the way) or target an item defined inside the interface.

use super::{Finding, Input, Rule};
use crate::config::{DomainId, Level};
use crate::resolve::{Def, Reference};

pub fn allowed(input: &Input, from: DomainId, to: DomainId) -> bool {
    let d = &input.config.domains;
    from == to
        || d[from].depends_on_any
        || d[to].shared
        || d[from].depends_on.iter().any(|(n, _)| *n == d[to].name)
}

/// Whether a reference to domain `to` respects its interface (true when it has none).
pub fn through_interface(input: &Input, r: &Reference, to: DomainId) -> bool {
    let dom = &input.config.domains[to];
    if dom.interface.is_empty() {
        return true;
    }
    let asg = input.assignment;
    let p = input.program;
    // A domain's events modules are published surface too.
    let public = |m: usize| asg.is_interface[m] || asg.is_event[m];
    if public(r.to as usize)
        || r.via
            .iter()
            .any(|m| public(*m as usize) && asg.domain_of[*m as usize] == Some(to))
    {
        return true;
    }
    // Naming a module on the way to the interface (`use crate::identity;`) is fine.
    if let Def::Module(m) = r.target {
        return (0..p.modules.len())
            .any(|i| public(i) && crate::config::is_descendant(p, i as u32, m));
    }
    false
}

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    let forbidden = Rule::ForbiddenDependency.level(input.config);
    let interface = Rule::InterfaceBypass.level(input.config);
    let asg = input.assignment;
    let domains = &input.config.domains;
    let refs = &input.resolution.refs;
    let domains_of = |r: &crate::resolve::Reference| match (
        asg.domain_of[r.from as usize],
        asg.domain_of[r.to as usize],
    ) {
        (Some(a), Some(b)) if a != b => Some((a, b)),
        _ => None,
    };
    // A method call is not a reporting site (the receiver's type is named elsewhere), unless
    // it is the only evidence that its module depends on that domain: then its first call is.
    let mut covered: std::collections::HashSet<(crate::modules::ModuleId, DomainId)> = refs
        .iter()
        .filter(|r| r.reportable && crate::graph::counts(r, input.include_tests))
        .filter_map(|r| domains_of(r).map(|(_, to)| (r.from, to)))
        .collect();
    for (i, r) in refs.iter().enumerate() {
        if !crate::graph::counts(r, input.include_tests) {
            continue;
        }
        let Some((from, to)) = domains_of(r) else {
            continue;
        };
        let method_only = r.ctx == crate::modules::Ctx::Method && !covered.contains(&(r.from, to));
        if !r.reportable && !method_only {
            continue;
        }
        if method_only {
            covered.insert((r.from, to));
            if allowed(input, from, to) {
                continue; // interfaces are about names; a method call names none
            }
        }
        let (fd, td) = (&domains[from], &domains[to]);
        let (rule, level, message, label, help) = if !allowed(input, from, to) {
            let via = match td.interface.first() {
                Some(iface) if !through_interface(input, r, to) => {
                    format!(", and go through `{}`", iface.text)
                }
                _ => String::new(),
            };
            (
                Rule::ForbiddenDependency,
                forbidden,
                format!(
                    "domain `{}` uses `{}` of domain `{}`, which it may not depend on",
                    fd.name, r.item, td.name
                ),
                format!("`{}` belongs to domain `{}`", r.written, td.name),
                format!(
                    "add \"{}\" to `domains.{}.depends_on` in {}{via}; or move the item to a domain `{}` may use",
                    td.name, fd.name, input.config.source.name, fd.name
                ),
            )
        } else if !through_interface(input, r, to) {
            let ifaces: Vec<String> = td
                .interface
                .iter()
                .map(|p| format!("`{}`", p.text))
                .collect();
            (
                Rule::InterfaceBypass,
                interface,
                format!(
                    "domain `{}` reaches `{}` around the interface of domain `{}`",
                    fd.name, r.item, td.name
                ),
                format!("not part of {}", ifaces.join(" or ")),
                format!(
                    "go through {} (re-export the item there if it is missing)",
                    ifaces.join(" or ")
                ),
            )
        } else {
            continue;
        };
        if level == Level::Allow {
            continue;
        }
        out.push(Finding {
            rule,
            level,
            message,
            label,
            help,
            file: r.file,
            span: r.span,
            from_module: Some(r.from),
            from_domain: Some(from),
            to_domain: Some(to),
            reference: Some(i),
            cycle: Vec::new(),
            modules: Vec::new(),
        });
    }
}
