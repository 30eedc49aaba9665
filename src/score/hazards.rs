//! Crate-split hazards: what would stop a domain compiling as its own crate once the domain
//! is one crate, each shared kernel another and the rest of the code a third: non-`pub`
//! items used across the boundary, `macro_rules!` without `#[macro_export]`, inherent impls
//! of a type written in the other crate, trait impls the orphan rule would forbid. Crate
//! cycles are blockers of crate readiness (see [`super::crate_ready`]) and are added to the
//! plan's list from there.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{Model, at};
use crate::config::DomainId;
use crate::modules::{ItemKind, Vis};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HazardKind {
    /// A private, `pub(crate)` or `pub(in ..)` item used across the boundary: must become `pub`.
    Visibility,
    /// A `macro_rules!` used across the boundary without `#[macro_export]`.
    Macro,
    /// An inherent impl of a type written in the other crate: not allowed.
    InherentImpl,
    /// A trait impl where neither the trait nor the type would be local: orphan rule.
    OrphanImpl,
    /// A dependency cycle: Cargo refuses cycles between crates.
    CrateCycle,
}

#[derive(Clone, Debug, Serialize)]
pub struct Hazard {
    pub kind: HazardKind,
    pub item: String,
    pub at: String,
    pub note: String,
    /// Whether the hazard is the domain's own work (its items must become `pub`, its impls
    /// move); `false` for a non-`pub` item of another domain it uses, which is already an
    /// outgoing reference to cut.
    #[serde(skip)]
    pub own: bool,
}

/// The hazards of the group whose members `in_g` tells, sorted by kind and place.
pub(super) fn of(m: &Model, in_g: &dyn Fn(DomainId) -> bool) -> Vec<Hazard> {
    let mut hazards = visibility(m, in_g);
    hazards.extend(impls(m, in_g));
    hazards.sort_by(|a, b| (a.kind, &a.at, &a.item).cmp(&(b.kind, &b.at, &b.item)));
    hazards
}

fn visibility(m: &Model, in_g: &dyn Fn(DomainId) -> bool) -> Vec<Hazard> {
    let c = m.c;
    let p = &c.analysis.program;
    let domains = &c.config.domains;
    let mut out = Vec::new();
    let mut seen_targets = BTreeSet::new();
    for pr in m.pairs.iter().filter(|pr| in_g(pr.from) != in_g(pr.to)) {
        let t = &m.targets[pr.target];
        let Some(o) = t.owner else { continue };
        let it = &p.items[o as usize];
        if it.vis == Vis::Pub || !seen_targets.insert(pr.target) {
            continue;
        }
        let (kind, note) = if it.kind == ItemKind::Macro {
            (
                HazardKind::Macro,
                format!(
                    "`macro_rules! {}` is used by `{}` without `#[macro_export]`",
                    it.name, domains[pr.from].name
                ),
            )
        } else {
            (
                HazardKind::Visibility,
                format!(
                    "{} item used by `{}` (in `{}`, {}): it would have to become `pub`",
                    match it.vis {
                        Vis::Crate => "`pub(crate)`",
                        Vis::Restricted => "`pub(in ..)`",
                        _ => "private",
                    },
                    domains[pr.from].name,
                    m.callers[pr.caller].key,
                    m.site_at(pr.sites[0])
                ),
            )
        };
        out.push(Hazard {
            kind,
            item: t.key.clone(),
            at: at(c, it.file, it.span),
            note,
            own: in_g(pr.to),
        });
    }
    out
}

fn impls(m: &Model, in_g: &dyn Fn(DomainId) -> bool) -> Vec<Hazard> {
    let c = m.c;
    let p = &c.analysis.program;
    let res = &c.analysis.resolution;
    let asg = &c.assignment;
    let domains = &c.config.domains;
    let crate_of = |dom: Option<DomainId>| -> String {
        match dom {
            Some(x) if in_g(x) => "domain".into(),
            Some(x) if domains[x].shared => format!("kernel:{}", domains[x].name),
            _ => "rest".into(),
        }
    };
    let mine = |d: Option<DomainId>| d.is_some_and(in_g);
    let mut out = Vec::new();
    for (i, im) in p.impls.iter().enumerate() {
        if p.modules[im.module as usize].is_test {
            continue;
        }
        let types = res.impl_types.get(i).copied().unwrap_or_default();
        let Some(s) = types.self_ty else { continue };
        let dom_i = asg.domain_of[im.module as usize];
        let dom_s = asg.domain_of[p.items[s as usize].module as usize];
        let dom_t = types
            .trait_
            .map(|t| asg.domain_of[p.items[t as usize].module as usize]);
        if !mine(dom_i) && !mine(dom_s) && !mine(dom_t.flatten()) {
            continue;
        }
        let (ci, cs) = (crate_of(dom_i), crate_of(dom_s));
        let self_path = format!(
            "{}::{}",
            p.modules[p.items[s as usize].module as usize].path, p.items[s as usize].name
        );
        let hazard = match (&im.trait_, dom_t) {
            (None, _) if ci != cs => Some((
                HazardKind::InherentImpl,
                format!(
                    "inherent impl of `{self_path}` ({cs}) written in {ci}: move it next to the type, or turn it into a trait"
                ),
            )),
            (Some(_), Some(dt)) if ci != cs && ci != crate_of(dt) => Some((
                HazardKind::OrphanImpl,
                format!(
                    "trait impl for `{self_path}` ({cs}) of a trait in {} written in {ci}: the orphan rule forbids it once they are separate crates",
                    crate_of(dt)
                ),
            )),
            (Some(tr), None) if ci != cs => Some((
                HazardKind::OrphanImpl,
                format!(
                    "impl of `{}` (outside the workspace) for `{self_path}` ({cs}) written in {ci}: the orphan rule forbids it once they are separate crates",
                    tr.join("::")
                ),
            )),
            _ => None,
        };
        if let Some((kind, note)) = hazard {
            out.push(Hazard {
                kind,
                item: self_path,
                at: at(c, im.file, im.span),
                note,
                own: true,
            });
        }
    }
    out
}
