//! Agreement with `check`: the findings of `check` that say a domain cannot leave as it is
//! (a `forbidden-dependency` from it, a `domain-cycle` it is part of) become blockers of its
//! score, so that a domain `check` rejects is never rated Ready without naming them. The
//! score's own cycle blocker only sees business domains; the cycles `check` reports through
//! a shared kernel or the composition root are added here (a crate cycle Cargo refuses).

use std::collections::BTreeMap;

use super::{Blocker, BlockerKind, Evidence, at};
use crate::analysis::Checked;
use crate::config::DomainId;
use crate::rules::Rule;

/// Evidence lines shown per blocker (the JSON of `check` has every site).
const SHOWN: usize = 3;

/// The `forbidden-dependency` findings from a member of group `g` to a domain outside it,
/// one blocker per target domain.
pub(super) fn forbidden(
    c: &Checked,
    group_of: &[Option<usize>],
    g: usize,
    group_name: impl Fn(DomainId) -> String,
) -> Vec<Blocker> {
    let domains = &c.config.domains;
    let mut by_target: BTreeMap<DomainId, Vec<&crate::rules::Finding>> = BTreeMap::new();
    for f in &c.findings {
        if f.rule != Rule::ForbiddenDependency {
            continue;
        }
        let (Some(from), Some(to)) = (f.from_domain, f.to_domain) else {
            continue;
        };
        if group_of[from] == Some(g) && group_of[to] != Some(g) {
            by_target.entry(to).or_default().push(f);
        }
    }
    by_target
        .into_iter()
        .map(|(to, fs)| {
            let me = group_name(fs[0].from_domain.expect("from"));
            let target = &domains[to].name;
            let n = fs.len();
            Blocker {
                kind: BlockerKind::ForbiddenDependency,
                summary: format!(
                    "`{me}` uses `{target}` in {n} place{}, which domains.toml does not allow (check: forbidden-dependency)",
                    if n == 1 { "" } else { "s" }
                ),
                with: vec![target.clone()],
                evidence: fs
                    .iter()
                    .take(SHOWN)
                    .map(|f| Evidence {
                        at: at(c, f.file, f.span),
                        note: f.message.clone(),
                    })
                    .collect(),
                fix: format!(
                    "remove these references to `{target}` (move the code, or pass what it needs in), or, if the dependency is intended, add `{target}` to `depends_on` of `{me}`"
                ),
            }
        })
        .collect()
}

/// The `domain-cycle` groups of `check` that hold a member of group `g` and a domain outside
/// it, when the score's own cycle (business domains only) did not already find one: cycles
/// through a shared kernel or the composition root.
pub(super) fn cycles(c: &Checked, group_of: &[Option<usize>], g: usize) -> Vec<Blocker> {
    let domains = &c.config.domains;
    let mut out = Vec::new();
    for f in &c.findings {
        if f.rule != Rule::DomainCycle {
            continue;
        }
        let members: Vec<DomainId> = f
            .names
            .iter()
            .filter_map(|n| domains.iter().position(|d| &d.name == n))
            .collect();
        let inside = members.iter().any(|d| group_of[*d] == Some(g));
        let outside = members.iter().any(|d| group_of[*d] != Some(g));
        if !inside || !outside {
            continue;
        }
        let through: Vec<&str> = members
            .iter()
            .filter(|d| domains[**d].shared || domains[**d].depends_on_any)
            .map(|d| domains[*d].name.as_str())
            .collect();
        let evidence = f
            .cut
            .iter()
            .filter(|e| group_of[e.from] == Some(g) || group_of[e.to] == Some(g))
            .chain(f.cut.iter())
            .take(SHOWN)
            .map(|e| {
                let r = &c.analysis.resolution.refs[e.example];
                Evidence {
                    at: at(c, r.file, r.span),
                    note: format!(
                        "cut `{}` -> `{}`: {} reference{}",
                        domains[e.from].name,
                        domains[e.to].name,
                        e.references,
                        if e.references == 1 { "" } else { "s" }
                    ),
                }
            })
            .fold(Vec::new(), |mut v: Vec<Evidence>, e| {
                if !v.iter().any(|x| x.note == e.note) {
                    v.push(e);
                }
                v
            });
        let names: Vec<&str> = members.iter().map(|d| domains[*d].name.as_str()).collect();
        out.push(Blocker {
            kind: BlockerKind::CrateCycle,
            summary: if through.is_empty() {
                format!("in a dependency cycle (check: domain-cycle): {}", names.join(" <-> "))
            } else {
                format!(
                    "in a dependency cycle through {} (check: domain-cycle): {}",
                    through
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    names.join(" <-> ")
                )
            },
            with: names
                .iter()
                .filter(|n| {
                    domains
                        .iter()
                        .position(|d| d.name == **n)
                        .is_some_and(|d| group_of[d] != Some(g))
                })
                .map(|n| n.to_string())
                .collect(),
            evidence,
            fix: if through.is_empty() {
                "cut the listed dependencies: invert each with a trait owned by the calling side, or merge the domains; Cargo refuses the cycle once they are separate crates".into()
            } else {
                format!(
                    "{} must not name this domain's items: move what {} uses from here into it, or make it generic over it (a trait this domain implements); Cargo refuses the cycle once they are separate crates",
                    through.join(", "),
                    if through.len() == 1 { "it" } else { "they" }
                )
            },
        });
    }
    out
}
