//! Crate readiness: what must change for a domain to compile as its own crate that depends
//! only on the shared kernels, the step teams take before any service split. Three
//! components (formulas and anchors in `docs/scoring.md`, section "Crate readiness"):
//!
//! - `outgoing`: the distinct items of other business domains or the composition root the
//!   domain uses, each weighted by its tightest class: each must be cut (moved, inverted
//!   behind a trait, or passed in) before the crate compiles without them;
//! - `crate_cycles`: references from a kernel the domain depends on back into the domain
//!   (directly or through other domains): Cargo refuses the cycle;
//! - `hazards`: the domain's own crate-split hazards (its non-`pub` items used from outside,
//!   macros without export, impls the orphan rule forbids).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{Band, Blocker, BlockerKind, CAP, Class, Component, Evidence, Model, round3};
use crate::config::DomainId;

/// Crate readiness weights; they sum to 100.
pub const CRATE_WEIGHTS: [(&str, f64); 3] = [
    ("outgoing", 60.0),
    ("crate_cycles", 25.0),
    ("hazards", 15.0),
];
/// τ_c: weighted outgoing pairs at which `outgoing` is one half.
pub const OUTGOING_HALF: f64 = 3.0;
/// Own hazards at which `hazards` is one half.
pub const HAZARDS_HALF: f64 = 3.0;
/// Evidence lines shown per crate-cycle blocker.
const SHOWN: usize = 3;

/// The first readiness figure: the domain as its own crate.
#[derive(Clone, Debug, Serialize)]
pub struct CrateReadiness {
    /// 0..100, one decimal; capped at 69 by a crate cycle or a forbidden dependency.
    pub score: f64,
    /// Before the cap.
    pub raw: f64,
    pub band: Band,
    pub capped: bool,
    pub components: Vec<Component>,
    pub blockers: Vec<Blocker>,
    /// Workspace crates the new crate would depend on: the kernels its code uses.
    pub kernels: Vec<String>,
    /// Domains its code uses that it may not depend on as a crate: each is work.
    pub uses_domains: Vec<String>,
}

/// The figures of one group, before blockers from `check` are added.
pub(super) struct Computed {
    pub values: [f64; 3],
    pub evidence: [Vec<(&'static str, f64)>; 3],
    pub blockers: Vec<Blocker>,
    pub kernels: Vec<String>,
    pub uses_domains: Vec<String>,
}

pub(super) fn compute(m: &Model, in_g: &dyn Fn(DomainId) -> bool, name: &str) -> Computed {
    let domains = &m.c.config.domains;
    let kernel = |d: DomainId| domains[d].shared && !in_g(d);
    // Outgoing pairs to business domains or the root.
    let mut pairs = 0usize;
    let mut uses: BTreeSet<&str> = BTreeSet::new();
    let mut kernels: BTreeSet<&str> = BTreeSet::new();
    let mut by_target: BTreeMap<usize, f64> = BTreeMap::new();
    for pr in m.pairs.iter().filter(|p| in_g(p.from) && !in_g(p.to)) {
        if kernel(pr.to) {
            kernels.insert(&domains[pr.to].name);
            continue;
        }
        pairs += 1;
        let w = by_target.entry(pr.target).or_default();
        *w = w.max(pr.class.weight());
        uses.insert(&domains[pr.to].name);
    }
    // The work is per item used (move it, or invert it behind a trait), not per caller.
    let weighted = by_target.values().sum::<f64>();
    let s_out = OUTGOING_HALF / (OUTGOING_HALF + weighted);
    // Crate cycles through kernels.
    let back = kernel_back_edges(m, in_g, &kernel);
    let k = back.len();
    let s_cyc = 1.0 / (1.0 + k as f64);
    let mut blockers = Vec::new();
    if k > 0 {
        blockers.push(cycle_blocker(m, name, &back));
    }
    let hazards: Vec<_> = super::hazards::of(m, in_g)
        .into_iter()
        .filter(|h| h.own)
        .collect();
    let h = hazards.len();
    let s_haz = HAZARDS_HALF / (HAZARDS_HALF + h as f64);
    Computed {
        values: [s_out, s_cyc, s_haz],
        evidence: [
            vec![
                ("outgoing_pairs", pairs as f64),
                ("items_used", by_target.len() as f64),
                ("weighted", round3(weighted)),
                ("domains", uses.len() as f64),
                ("half_at", OUTGOING_HALF),
            ],
            vec![("kernel_back_references", k as f64)],
            vec![("own_hazards", h as f64), ("half_at", HAZARDS_HALF)],
        ],
        blockers,
        kernels: kernels.into_iter().map(str::to_string).collect(),
        uses_domains: uses.into_iter().map(str::to_string).collect(),
    }
}

/// Assembles the figure once the blockers from `check` are known.
pub(super) fn finish(c: Computed, blockers: Vec<Blocker>) -> CrateReadiness {
    let (components, raw) = super::group::weighted(&CRATE_WEIGHTS, c.values, c.evidence);
    let blocked = !blockers.is_empty();
    let score = if blocked { raw.min(CAP) } else { raw };
    CrateReadiness {
        score,
        raw,
        band: Band::of(score, blocked),
        capped: blocked && raw > CAP,
        components,
        blockers,
        kernels: c.kernels,
        uses_domains: c.uses_domains,
    }
}

/// The distinct pairs by which a kernel the group depends on (directly, or through other
/// kernels) leads back into the group: from the kernel into the group itself, or into a
/// domain that reaches the group. Composition roots are not crossed (they depend on all).
fn kernel_back_edges<'m>(
    m: &'m Model,
    in_g: &dyn Fn(DomainId) -> bool,
    kernel: &dyn Fn(DomainId) -> bool,
) -> Vec<&'m super::Pair> {
    let domains = &m.c.config.domains;
    let n = domains.len();
    let mut adj: BTreeMap<DomainId, BTreeSet<DomainId>> = BTreeMap::new();
    for pr in &m.pairs {
        adj.entry(pr.from).or_default().insert(pr.to);
    }
    // Kernels the group needs.
    let mut need: BTreeSet<DomainId> = BTreeSet::new();
    let mut stack: Vec<DomainId> = (0..n)
        .filter(|d| in_g(*d))
        .flat_map(|d| adj.get(&d).into_iter().flatten().copied())
        .filter(|d| kernel(*d))
        .collect();
    while let Some(k) = stack.pop() {
        if need.insert(k) {
            stack.extend(
                adj.get(&k)
                    .into_iter()
                    .flatten()
                    .copied()
                    .filter(|d| kernel(*d)),
            );
        }
    }
    // Domains that reach the group (backwards), roots not crossed.
    let mut reaches = vec![false; n];
    let mut stack: Vec<DomainId> = (0..n).filter(|d| in_g(*d)).collect();
    for d in &stack {
        reaches[*d] = true;
    }
    while let Some(x) = stack.pop() {
        for (from, tos) in &adj {
            if tos.contains(&x) && !reaches[*from] && !domains[*from].depends_on_any {
                reaches[*from] = true;
                stack.push(*from);
            }
        }
    }
    m.pairs
        .iter()
        .filter(|pr| {
            need.contains(&pr.from)
                && !kernel(pr.to)
                && reaches[pr.to]
                && pr.class != Class::Event
                && !domains[pr.to].depends_on_any
        })
        .collect()
}

fn cycle_blocker(m: &Model, name: &str, back: &[&super::Pair]) -> Blocker {
    let domains = &m.c.config.domains;
    let kernels: BTreeSet<&str> = back.iter().map(|p| domains[p.from].name.as_str()).collect();
    let kernels: Vec<String> = kernels.iter().map(|k| format!("`{k}`")).collect();
    let items: BTreeSet<&str> = back
        .iter()
        .map(|p| m.targets[p.target].key.as_str())
        .collect();
    Blocker {
        kind: BlockerKind::CrateCycle,
        summary: format!(
            "the shared kernel{} {} name{} items that lead back into `{name}` ({} reference{}): as crates, `{name}` -> kernel -> `{name}` is a cycle Cargo refuses",
            if kernels.len() == 1 { "" } else { "s" },
            kernels.join(", "),
            if kernels.len() == 1 { "s" } else { "" },
            back.len(),
            if back.len() == 1 { "" } else { "s" }
        ),
        with: back
            .iter()
            .map(|p| domains[p.from].name.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
        evidence: back
            .iter()
            .take(SHOWN)
            .map(|p| Evidence {
                at: m.site_at(p.sites[0]),
                note: format!(
                    "`{}` ({}) uses `{}` ({})",
                    m.callers[p.caller].key,
                    domains[p.from].name,
                    m.targets[p.target].key,
                    domains[p.to].name
                ),
            })
            .collect(),
        fix: format!(
            "move {} into the kernel, or make the kernel generic over it (a trait the kernel owns and `{name}` implements), so the kernel no longer names `{name}`",
            items
                .iter()
                .take(SHOWN)
                .map(|i| format!("`{i}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
