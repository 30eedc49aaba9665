//! The extraction plan of one domain (`score DOMAIN --plan`), in the order teams do it:
//! first the crate (the references to other domains to cut, the crate-split hazards, the
//! would-be `Cargo.toml`), then the service (the interface it would expose, the tables that
//! move with it or must be cut first).

use std::collections::BTreeMap;

use serde::Serialize;

use super::{
    BlockerKind, DomainScore, Hazard, HazardKind, Model, Pair, SCORING_VERSION, at, score_model,
    tables,
};
use crate::analysis::Checked;
use crate::config::DomainId;
use crate::modules::{FileId, ModuleId, Span};
use crate::resolve::RefKind;

/// An item of the domain used from outside: what the service would have to expose.
#[derive(Clone, Debug, Serialize)]
pub struct Exposed {
    pub item: String,
    pub kind: &'static str,
    /// How it is used from outside: the tightest class among its uses.
    pub class: &'static str,
    pub callers: Vec<PlanCaller>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PlanCaller {
    /// The item (or module) the reference is written in.
    pub caller: String,
    pub domain: String,
    /// `file:line` of its first reference.
    pub at: String,
    pub sites: usize,
}

/// An item of another domain the domain uses: a call over the network after the split.
#[derive(Clone, Debug, Serialize)]
pub struct Outgoing {
    pub item: String,
    pub domain: String,
    pub kind: &'static str,
    pub class: &'static str,
    pub callers: Vec<PlanCaller>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Dependency {
    pub name: String,
    pub sites: usize,
    pub at: String,
}

/// A table the domain touches or owns, in the plan.
#[derive(Clone, Debug, Serialize)]
pub struct PlanTable {
    pub table: String,
    pub owner: Option<String>,
    pub owner_source: crate::data::OwnerSource,
    /// `writes`, `reads`, or `owns` (declared or defined, not used by the domain itself).
    pub access: &'static str,
    /// `file:line` of the domain's own accesses.
    pub sites: Vec<String>,
    /// Other domains' writes and reads.
    pub writers: Vec<tables::TableUser>,
    pub readers: Vec<tables::TableUser>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    pub scoring_version: &'static str,
    pub domain: String,
    pub score: DomainScore,
    /// Step 1, the crate: the references to other domains to cut (each becomes a network
    /// call later, or moves)...
    pub outgoing: Vec<Outgoing>,
    /// ...what else would stop it compiling alone...
    pub hazards: Vec<Hazard>,
    /// ...and the crate's `Cargo.toml`.
    pub cargo_toml: CargoToml,
    pub dependencies: Vec<Dependency>,
    pub dependencies_note: &'static str,
    /// Step 2, the service: what it would have to expose...
    pub interface: Vec<Exposed>,
    /// ...and the tables it shares or owns: what moves with it, what must be cut.
    pub tables: Vec<PlanTable>,
}

/// The would-be `Cargo.toml` of the domain as its own crate.
#[derive(Clone, Debug, Serialize)]
pub struct CargoToml {
    /// Workspace crates it would depend on: the shared kernels its code uses.
    pub workspace: Vec<String>,
    /// Crates outside the workspace its code names.
    pub external: Vec<String>,
    /// Domains its code uses that it cannot depend on as a crate (cut them first).
    pub blocked_by: Vec<String>,
    /// The manifest, as text.
    pub text: String,
}

fn kind_str(k: RefKind) -> &'static str {
    k.as_str()
}

/// The extraction plan of one domain (`score DOMAIN --plan`); `None` for a shared kernel or
/// a composition root, which are not scored.
pub fn plan(c: &Checked, d: DomainId) -> Option<Plan> {
    let m = Model::build(c);
    if !m.scored[d] {
        return None;
    }
    let scores = score_model(&m);
    let name = c.config.domains[d].name.clone();
    let me = scores
        .domains
        .iter()
        .find(|s| s.domain == name)
        .cloned()
        .expect("a scored domain");
    let (interface, outgoing) = exposed_and_outgoing(&m, d);
    let hazards = hazards_with_cycles(&m, d, &me);
    let dependencies = dependencies(&m, d);
    let cargo_toml = cargo_toml(c, d, &me, &dependencies);
    Some(Plan {
        scoring_version: SCORING_VERSION,
        tables: plan_tables(&m, d, &name),
        domain: name,
        score: me,
        outgoing,
        hazards,
        cargo_toml,
        dependencies,
        dependencies_note: "by the first segment of paths written in the domain that names a dependency outside the workspace (the resolver does not keep references to external crates); a local item named like a dependency would be counted",
        interface,
    })
}

/// The items of the domain used from outside, and the items of other domains (not kernels)
/// it uses.
fn exposed_and_outgoing(m: &Model, d: DomainId) -> (Vec<Exposed>, Vec<Outgoing>) {
    let domains = &m.c.config.domains;
    let callers_of = |prs: &[&Pair]| -> Vec<PlanCaller> {
        let mut v: Vec<PlanCaller> = prs
            .iter()
            .map(|pr| PlanCaller {
                caller: m.callers[pr.caller].key.clone(),
                domain: domains[pr.from].name.clone(),
                at: m.site_at(pr.sites[0]),
                sites: pr.sites.len(),
            })
            .collect();
        v.sort_by(|a, b| a.caller.cmp(&b.caller));
        v
    };
    let mut inbound: BTreeMap<&str, Vec<&Pair>> = BTreeMap::new();
    let mut outbound: BTreeMap<&str, Vec<&Pair>> = BTreeMap::new();
    for pr in &m.pairs {
        if pr.to == d && pr.from != d {
            inbound
                .entry(&m.targets[pr.target].key)
                .or_default()
                .push(pr);
        } else if pr.from == d && pr.to != d && !domains[pr.to].shared {
            outbound
                .entry(&m.targets[pr.target].key)
                .or_default()
                .push(pr);
        }
    }
    let tightest = |prs: &[&Pair]| {
        prs.iter()
            .map(|pr| pr.class)
            .max_by(|a, b| {
                a.weight()
                    .partial_cmp(&b.weight())
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(a.cmp(b))
            })
            .expect("a pair")
    };
    let interface = inbound
        .iter()
        .map(|(item, prs)| Exposed {
            item: item.to_string(),
            kind: kind_str(m.targets[prs[0].target].kind),
            class: tightest(prs).as_str(),
            callers: callers_of(prs),
        })
        .collect();
    let outgoing = outbound
        .iter()
        .map(|(item, prs)| Outgoing {
            item: item.to_string(),
            domain: domains[prs[0].to].name.clone(),
            kind: kind_str(m.targets[prs[0].target].kind),
            class: tightest(prs).as_str(),
            callers: callers_of(prs),
        })
        .collect();
    (interface, outgoing)
}

/// The hazards, with one crate-cycle hazard per cycle blocker (business or kernel).
fn hazards_with_cycles(m: &Model, d: DomainId, me: &DomainScore) -> Vec<Hazard> {
    let mut hazards = super::hazards::of(m, &|x| x == d);
    let name = &m.c.config.domains[d].name;
    for b in me
        .blockers
        .iter()
        .filter(|b| matches!(b.kind, BlockerKind::DomainCycle | BlockerKind::CrateCycle))
    {
        hazards.push(Hazard {
            kind: HazardKind::CrateCycle,
            item: name.clone(),
            at: b.evidence.first().map(|e| e.at.clone()).unwrap_or_default(),
            note: format!(
                "Cargo refuses a dependency cycle between crates ({}); {}",
                b.summary, b.fix
            ),
            own: true,
        });
    }
    hazards.sort_by(|a, b| (a.kind, &a.at, &a.item).cmp(&(b.kind, &b.at, &b.item)));
    hazards
}

/// Cargo dependencies: paths whose first segment is a dependency outside the workspace.
fn dependencies(m: &Model, d: DomainId) -> Vec<Dependency> {
    let c = m.c;
    let p = &c.analysis.program;
    let asg = &c.assignment;
    let mut deps: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let mut note_dep = |module: ModuleId, first: &str, file: FileId, span: Span| {
        if asg.domain_of[module as usize] != Some(d) || p.modules[module as usize].is_test {
            return;
        }
        let krate = &p.crates[p.modules[module as usize].krate as usize].info;
        if krate
            .externs
            .iter()
            .any(|e| e.krate.is_none() && e.name == first)
            && !matches!(first, "std" | "core" | "alloc")
        {
            let e = deps
                .entry(first.to_string())
                .or_insert((0, at(c, file, span)));
            e.0 += 1;
        }
    };
    for r in &p.refs {
        if !r.is_test
            && let Some(first) = r.segs.first()
        {
            note_dep(r.module, first, r.file, r.span);
        }
    }
    for u in &p.uses {
        if u.is_test {
            continue;
        }
        let first = u.prefix.first().cloned().or_else(|| match &u.leaf {
            crate::modules::extract::UseLeaf::Name { name, .. } => Some(name.clone()),
            _ => None,
        });
        if let Some(first) = first {
            note_dep(u.module, &first, u.file, u.span);
        }
    }
    deps.into_iter()
        .map(|(name, (sites, at))| Dependency { name, sites, at })
        .collect()
}

/// The would-be manifest: the kernels as path dependencies, the external crates from the
/// workspace, and (as a comment) the domains to cut first.
fn cargo_toml(c: &Checked, d: DomainId, me: &DomainScore, deps: &[Dependency]) -> CargoToml {
    let p = &c.analysis.program;
    // The package the domain's code lives in names the new crate.
    let krate = (0..p.modules.len())
        .find(|m| c.assignment.domain_of[*m] == Some(d))
        .map(|m| p.crates[p.modules[m].krate as usize].info.package.clone())
        .unwrap_or_default();
    let name = format!("{krate}-{}", me.domain.replace('_', "-"));
    let workspace = me.crate_readiness.kernels.clone();
    let external: Vec<String> = deps.iter().map(|d| d.name.clone()).collect();
    let blocked_by = me.crate_readiness.uses_domains.clone();
    let mut text = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n"
    );
    for k in &workspace {
        text.push_str(&format!(
            "{krate}-{k} = {{ path = \"../{k}\" }}  # the shared kernel `{k}`\n",
            k = k.replace('_', "-")
        ));
    }
    for e in &external {
        text.push_str(&format!("{e} = {{ workspace = true }}\n"));
    }
    for b in &blocked_by {
        text.push_str(&format!(
            "# not possible yet: it uses `{b}`, a domain it may not depend on as a crate (see \"calls out\")\n"
        ));
    }
    CargoToml {
        workspace,
        external,
        blocked_by,
        text,
    }
}

/// The tables the domain touches or owns, with the other domains on them.
fn plan_tables(m: &Model, d: DomainId, name: &str) -> Vec<PlanTable> {
    let c = m.c;
    let asg = &c.assignment;
    let mut sites: BTreeMap<&str, (bool, Vec<String>)> = BTreeMap::new();
    for a in &m.data.accesses {
        if asg.domain_of[a.module as usize] == Some(d) {
            let e = sites.entry(&m.data.tables[a.table].name).or_default();
            e.0 |= a.write;
            let s = at(c, a.file, a.span);
            if !e.1.contains(&s) {
                e.1.push(s);
            }
        }
    }
    m.tables()
        .report(c, &m.scored)
        .into_iter()
        .filter_map(|t| {
            let mine = sites.get(t.table.as_str());
            if mine.is_none() && t.owner.as_deref() != Some(name) {
                return None;
            }
            let others = |v: Vec<tables::TableUser>| -> Vec<tables::TableUser> {
                v.into_iter().filter(|u| u.domain != name).collect()
            };
            Some(PlanTable {
                access: match mine {
                    Some((true, _)) => "writes",
                    Some((false, _)) => "reads",
                    None => "owns",
                },
                sites: mine.map(|m| m.1.clone()).unwrap_or_default(),
                table: t.table,
                owner: t.owner,
                owner_source: t.owner_source,
                writers: others(t.writers),
                readers: others(t.readers),
            })
        })
        .collect()
}
