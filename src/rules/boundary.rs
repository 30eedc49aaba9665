//! `forbidden-dependency`, `interface-bypass`, `layer-violation` and `deprecated-dependency`:
//! one finding per offending reference (naming every rule it breaks); `facade-reexport`: one
//! per `pub use` statement and target domain.
//!
//! A reference from domain A to domain B is allowed when B is in A's `depends_on`, B is a
//! shared kernel, A declares `depends_on = ["*"]`, or A has a `cannot_depend_on` deny-list and
//! no `depends_on`; and B is not in A's `cannot_depend_on`. An allowed reference to a domain
//! with an `interface` must reach it through one of the interface modules (the path as
//! written, or a re-export on the way) or target an item defined inside the interface.

use super::allowance::{self, denied, layer_name};
use super::{Finding, Input, Rule};
use crate::config::{DomainId, Level};
use crate::resolve::{Def, Reference};

pub fn allowed(input: &Input, from: DomainId, to: DomainId) -> bool {
    let d = &input.config.domains;
    from == to
        || !denied(input, from, to)
            && (d[from].depends_on_any
                || d[from].deny_list
                || d[to].shared
                || d[from].depends_on.iter().any(|(n, _)| *n == d[to].name))
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
    // One finding per site and target domain: a path that reaches several definitions (cfg
    // alternatives `epoll::Poller` / `fallback::Poller`, `use m::f` naming a module and a fn)
    // in one domain is one decision.
    let mut sites = std::collections::HashSet::new();
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
        }
        let b = Breaks::of(input, r, from, to, method_only);
        match r.reexport {
            // One finding per `pub use` statement and target domain (facade-reexport).
            Some(stmt) if b.forbidden || b.bypass || b.layer => {
                facades.entry((r.file, stmt, from, to)).or_default().push(i)
            }
            _ if b.any() && sites.insert((r.file, r.span.start, from, to)) => {
                push(input, out, i, from, to, &b)
            }
            _ => {}
        }
    }
    for ((_, _, from, to), ids) in facades {
        facade(input, out, &ids, from, to);
    }
}

/// The rules one reference from `from` to `to` breaks.
struct Breaks {
    forbidden: bool,
    bypass: bool,
    layer: bool,
    deprecated: bool,
}

impl Breaks {
    fn of(input: &Input, r: &Reference, from: DomainId, to: DomainId, method_only: bool) -> Self {
        let forbidden = !allowed(input, from, to);
        Breaks {
            forbidden,
            // Interfaces are about names; a method call names none.
            bypass: (forbidden || !method_only) && bypasses(input, r, from, to),
            layer: allowance::layer_violation(input, from, to).is_some(),
            deprecated: !forbidden && allowance::deprecated(input, from, to),
        }
    }

    fn any(&self) -> bool {
        self.forbidden || self.bypass || self.layer || self.deprecated
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
fn push(input: &Input, out: &mut Vec<Finding>, i: usize, from: DomainId, to: DomainId, b: &Breaks) {
    let r = &input.resolution.refs[i];
    let mut parts: Vec<Part> = [
        layer_part(input, r, from, to, b),
        forbidden_or_bypass(input, r, from, to, b),
        deprecated_part(input, from, to, b),
    ]
    .into_iter()
    .flatten()
    .filter(|p| p.level != Level::Allow)
    .collect();
    // The most severe rule leads; ties keep the order above.
    parts.sort_by_key(|p| std::cmp::Reverse(p.level));
    let Some(first) = parts.first() else {
        return;
    };
    let (fd, td) = (&input.config.domains[from], &input.config.domains[to]);
    let bypass_first = first.rule == Rule::InterfaceBypass;
    let head = if bypass_first {
        format!(
            "domain `{}` reaches `{}` around the interface of domain `{}`",
            fd.name, r.item, td.name
        )
    } else {
        format!(
            "domain `{}` uses `{}` of domain `{}`",
            fd.name, r.item, td.name
        )
    };
    let clauses: Vec<&str> = parts
        .iter()
        .skip(usize::from(bypass_first))
        .map(|p| p.clause.as_str())
        .collect();
    let message = match clauses.is_empty() {
        true => head,
        false => format!("{head}, {}", clauses.join(", and ")),
    };
    let mut help = first.help.clone();
    for note in parts.iter().skip(1).filter_map(|p| p.note.as_ref()) {
        help.push_str(&format!("\n{note}"));
    }
    let also = parts
        .iter()
        .flat_map(|p| std::iter::once(p.rule).chain(p.also.iter().copied()))
        .skip(1)
        .collect();
    out.push(Finding {
        rule: first.rule,
        level: first.level,
        message,
        label: first.label.clone(),
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
        config_span: None,
    });
}

/// One rule a reference breaks, as told in its finding.
struct Part {
    rule: Rule,
    level: Level,
    /// Rules told inside this part (`interface-bypass` inside `forbidden-dependency`).
    also: Vec<Rule>,
    /// Follows "domain `a` uses `x` of domain `b`, ": "which it may not depend on".
    clause: String,
    label: String,
    help: String,
    /// The help's line when another rule leads the finding.
    note: Option<String>,
}

/// `forbidden-dependency` (naming the interface too when the reference also goes around
/// it), else `interface-bypass`.
fn forbidden_or_bypass(
    input: &Input,
    r: &Reference,
    from: DomainId,
    to: DomainId,
    b: &Breaks,
) -> Option<Part> {
    let (fd, td) = (&input.config.domains[from], &input.config.domains[to]);
    let cfg = &input.config.source.name;
    if !b.forbidden {
        return b.bypass.then(|| Part {
            rule: Rule::InterfaceBypass,
            level: Rule::InterfaceBypass.level(input.config),
            also: Vec::new(),
            clause: format!(
                "which it reaches around its interface {}",
                interfaces(input, to)
            ),
            label: format!("not part of {}", interfaces(input, to)),
            help: format!(
                "go through {} (re-export the item there if it is missing)",
                interfaces(input, to)
            ),
            note: Some(format!("also go through {}", interfaces(input, to))),
        });
    }
    let (around, via, also) = match b.bypass {
        true => (
            format!(
                ", and reaches it around its interface {}",
                interfaces(input, to)
            ),
            format!(", and go through {}", interfaces(input, to)),
            vec![Rule::InterfaceBypass],
        ),
        false => (String::new(), String::new(), Vec::new()),
    };
    let denied = denied(input, from, to);
    let (listed, help) = if denied {
        (
            " (it is listed in its cannot_depend_on)",
            format!(
                "`{}` is in `domains.{}.cannot_depend_on` in {cfg}: invert the dependency (a trait owned by `{}`, or an event){via}; or move the item to a domain `{}` may use",
                td.name, fd.name, fd.name, fd.name
            ),
        )
    } else {
        (
            "",
            format!(
                "add \"{}\" to `domains.{}.depends_on` in {cfg}{via}; or move the item to a domain `{}` may use",
                td.name, fd.name, fd.name
            ),
        )
    };
    Some(Part {
        rule: Rule::ForbiddenDependency,
        level: Rule::ForbiddenDependency.level(input.config),
        also,
        clause: format!("which it may not depend on{listed}{around}"),
        label: format!("`{}` belongs to domain `{}`", r.written, td.name),
        help,
        note: None,
    })
}

/// `layer-violation`: `to` is in a higher layer than `from`.
fn layer_part(
    input: &Input,
    r: &Reference,
    from: DomainId,
    to: DomainId,
    b: &Breaks,
) -> Option<Part> {
    if !b.layer {
        return None;
    }
    let (la, lb) = allowance::layer_violation(input, from, to)?;
    let (fd, td) = (&input.config.domains[from], &input.config.domains[to]);
    let (la, lb) = (layer_name(input, la), layer_name(input, lb));
    Some(Part {
        rule: Rule::LayerViolation,
        level: Rule::LayerViolation.level(input.config),
        also: Vec::new(),
        clause: format!(
            "which is in the higher layer `{lb}` (`{}` is in `{la}`)",
            fd.name
        ),
        label: format!("`{}` is in layer `{lb}`, above `{la}`", r.written),
        help: format!(
            "a domain may use only domains of its own and lower layers: invert the dependency (a trait in `{}` that `{}` implements, or an event), or move the item to a domain of layer `{la}` or below",
            fd.name, td.name
        ),
        note: Some(format!(
            "`{}` is in the higher layer `{lb}`: a domain may use only its own and lower layers",
            td.name
        )),
    })
}

/// `deprecated-dependency`: allowed only by an entry marked `deprecated = true`.
fn deprecated_part(input: &Input, from: DomainId, to: DomainId, b: &Breaks) -> Option<Part> {
    if !b.deprecated {
        return None;
    }
    let (fd, td) = (&input.config.domains[from], &input.config.domains[to]);
    Some(Part {
        rule: Rule::DeprecatedDependency,
        level: Rule::DeprecatedDependency.level(input.config),
        also: Vec::new(),
        clause: "which its depends_on marks as deprecated".into(),
        label: format!("deprecated dependency on `{}`", td.name),
        help: format!(
            "`{}` is deprecated in `domains.{}.depends_on` in {}: move this use to its replacement; remove the entry once nothing uses it",
            td.name, fd.name, input.config.source.name
        ),
        note: Some(format!(
            "`{}` is a deprecated dependency of `{}`: move off it",
            td.name, fd.name
        )),
    })
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
    let layer = allowance::layer_violation(input, from, to);
    let why = match (forbidden, layer) {
        (true, _) => "which it may not depend on".to_string(),
        (false, Some((_, lb))) => {
            format!("which is in the higher layer `{}`", layer_name(input, lb))
        }
        (false, None) => format!("around its interface {}", interfaces(input, to)),
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
        help: match (forbidden, layer) {
            (true, _) => format!(
                "let consumers import from domain `{}` itself; if the facade is intended, add \"{}\" to `domains.{}.depends_on` in {}",
                td.name, td.name, fd.name, input.config.source.name
            ),
            (false, Some(_)) => format!(
                "let consumers import from domain `{}` itself: a lower layer may not re-export a higher one",
                td.name
            ),
            (false, None) => format!("re-export from {} instead", interfaces(input, to)),
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
        config_span: None,
    });
}
