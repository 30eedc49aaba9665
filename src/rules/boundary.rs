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

/// Whether a reference to domain `to` respects its interface (true when it has none): it
/// reaches an interface module (`interface`, with submodules; `interface_exact`, the module
/// alone) or an interface item, or passes through one on the way (a re-export).
pub fn through_interface(input: &Input, r: &Reference, to: DomainId) -> bool {
    let dom = &input.config.domains[to];
    if dom.interface.is_empty() && dom.interface_exact.is_empty() {
        return true;
    }
    let asg = input.assignment;
    let p = input.program;
    // A domain's events modules are published surface too.
    let public = |m: usize| asg.is_interface[m] || asg.is_event[m];
    if public(r.to as usize)
        || asg.is_interface_exact[r.to as usize]
        || r.via
            .iter()
            .any(|m| public(*m as usize) && asg.domain_of[*m as usize] == Some(to))
    {
        return true;
    }
    // An interface item (`crate::billing::charge`), or an associated item of one.
    let item_path = |path: &str| {
        asg.interface_items.contains(path)
            || path
                .match_indices("::")
                .any(|(i, _)| asg.interface_items.contains(&path[..i]))
    };
    let leaf = r
        .written
        .rsplit("::")
        .next()
        .unwrap_or_default()
        .to_string();
    if item_path(&r.item)
        || r.via
            .iter()
            .any(|m| asg.interface_item_names.contains(&(*m, leaf.clone())))
    {
        return true;
    }
    // Naming a module on the way to the interface (`use crate::identity;`) is fine.
    if let Def::Module(m) = r.target {
        return (0..p.modules.len()).any(|i| {
            (public(i) || asg.is_interface_exact[i]) && crate::config::is_descendant(p, i as u32, m)
        }) || asg
            .interface_item_names
            .iter()
            .any(|(i, _)| crate::config::is_descendant(p, *i, m));
    }
    false
}

/// Re-export references grouped by statement and target: (file, `use` start, from, to).
type FacadeKey = (
    crate::modules::FileId,
    crate::modules::Pos,
    DomainId,
    DomainId,
);

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    let asg = input.assignment;
    let refs = &input.resolution.refs;
    let domains_of =
        |r: &Reference| match (asg.domain_of[r.from as usize], asg.domain_of[r.to as usize]) {
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
    let mut facades: std::collections::BTreeMap<FacadeKey, Vec<usize>> = Default::default();
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
        let (forbidden, bypass) = (!allowed(input, from, to), bypasses(input, r, from, to));
        if !forbidden && !bypass {
            continue;
        }
        match r.reexport {
            // One finding per `pub use` statement and target domain (facade-reexport).
            Some(stmt) => facades.entry((r.file, stmt, from, to)).or_default().push(i),
            None => push(input, out, i, from, to, forbidden, bypass),
        }
    }
    for ((_, _, from, to), ids) in facades {
        facade(input, out, &ids, from, to);
    }
}

/// Whether `r` goes around `to`'s interface; composition roots wire handlers wherever they
/// are, so they are held to interfaces only with `settings.interface_for_roots`.
fn bypasses(input: &Input, r: &Reference, from: DomainId, to: DomainId) -> bool {
    let root = input.config.domains[from].depends_on_any;
    (!root || input.config.settings.interface_for_roots) && !through_interface(input, r, to)
}

fn interfaces(input: &Input, to: DomainId) -> String {
    let d = &input.config.domains[to];
    let names: Vec<String> = d
        .interface
        .iter()
        .chain(&d.interface_exact)
        .map(|p| format!("`{}`", p.text))
        .collect();
    names.join(" or ")
}

/// The finding of one reference: forbidden (naming the interface too when it also goes
/// around it), or an interface bypass.
fn push(
    input: &Input,
    out: &mut Vec<Finding>,
    i: usize,
    from: DomainId,
    to: DomainId,
    forbidden: bool,
    bypass: bool,
) {
    let r = &input.resolution.refs[i];
    let (fd, td) = (&input.config.domains[from], &input.config.domains[to]);
    let (rule, message, label, help, also) = if forbidden {
        let (around, via, also) = if bypass {
            (
                format!(
                    ", and reaches it around its interface {}",
                    interfaces(input, to)
                ),
                format!(", and go through {}", interfaces(input, to)),
                vec![Rule::InterfaceBypass],
            )
        } else {
            (String::new(), String::new(), Vec::new())
        };
        (
            Rule::ForbiddenDependency,
            format!(
                "domain `{}` uses `{}` of domain `{}`, which it may not depend on{around}",
                fd.name, r.item, td.name
            ),
            format!("`{}` belongs to domain `{}`", r.written, td.name),
            format!(
                "add \"{}\" to `domains.{}.depends_on` in {}{via}; or move the item to a domain `{}` may use",
                td.name, fd.name, input.config.source.name, fd.name
            ),
            also,
        )
    } else {
        (
            Rule::InterfaceBypass,
            format!(
                "domain `{}` reaches `{}` around the interface of domain `{}`",
                fd.name, r.item, td.name
            ),
            format!("not part of {}", interfaces(input, to)),
            format!(
                "go through {} (re-export the item there if it is missing)",
                interfaces(input, to)
            ),
            Vec::new(),
        )
    };
    let level = rule.level(input.config);
    if level == Level::Allow {
        return;
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
        names: Vec::new(),
        also,
        cut: Vec::new(),
    });
}

/// One `pub use` statement re-exporting items of `to` that `from` may not use (or not
/// around its interface): one finding listing the names. Consumers importing through the
/// facade are checked against the defining domain, as every reference is.
fn facade(input: &Input, out: &mut Vec<Finding>, ids: &[usize], from: DomainId, to: DomainId) {
    let level = Rule::FacadeReexport.level(input.config);
    if level == Level::Allow {
        return;
    }
    let refs = &input.resolution.refs;
    let (fd, td) = (&input.config.domains[from], &input.config.domains[to]);
    let first = *ids
        .iter()
        .min_by_key(|i| refs[**i].span.start)
        .expect("a group has references");
    let mut names: Vec<String> = ids.iter().map(|i| refs[*i].item.clone()).collect();
    names.sort();
    names.dedup();
    let forbidden = !allowed(input, from, to);
    let why = if forbidden {
        "which it may not depend on".to_string()
    } else {
        format!("around its interface {}", interfaces(input, to))
    };
    let shown: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    let r = &refs[first];
    // From the `use` keyword to the last name re-exported.
    let end = ids
        .iter()
        .map(|i| refs[*i].span.end)
        .max()
        .unwrap_or(r.span.end);
    let span = crate::modules::Span {
        start: r.reexport.unwrap_or(r.span.start),
        end,
    };
    out.push(Finding {
        rule: Rule::FacadeReexport,
        level,
        message: format!(
            "domain `{}` re-exports {} item(s) of domain `{}`, {why}: {}",
            fd.name,
            names.len(),
            td.name,
            shown.join(", ")
        ),
        label: format!("re-exports domain `{}`", td.name),
        help: if forbidden {
            format!(
                "let consumers import from domain `{}` itself; if the facade is intended, add \"{}\" to `domains.{}.depends_on` in {}",
                td.name, td.name, fd.name, input.config.source.name
            )
        } else {
            format!("re-export from {} instead", interfaces(input, to))
        },
        file: r.file,
        span,
        from_module: Some(r.from),
        from_domain: Some(from),
        to_domain: Some(to),
        reference: Some(first),
        cycle: Vec::new(),
        modules: Vec::new(),
        names,
        also: Vec::new(),
        cut: Vec::new(),
    });
}
