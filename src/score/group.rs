//! Scoring groups of domains (one domain each, or a union considered for a merge): what is
//! computed once per set of groups ([`Frame`]: the boundary pairs, the weighted group graph
//! with its feedback arc set, the module graph for reach), then each group's components,
//! blockers, evidence size and flags, one function each.

use std::collections::{BTreeMap, BTreeSet};

use super::syntax::GlobalKind;
use super::{
    API_SURFACE, Band, Blocker, BlockerKind, CAP, Class, Component, DomainScore, EXCL_PRIOR,
    EXCL_SATURATION, Evidence, GroupScore, LOW_EVIDENCE_ITEMS, LOW_EVIDENCE_REFS, Model, Pair,
    SYNC_ALLOWANCE, WEIGHTS, agreement, at, crate_ready, round1, round3, tables,
};
use crate::config::DomainId;
use crate::graph::fas;
use crate::modules::{ItemId, ModuleId};

/// Everything shared by the groups of one scoring pass.
pub(super) struct Frame<'m> {
    m: &'m Model<'m>,
    groups: &'m [Vec<DomainId>],
    group_of: Vec<Option<usize>>,
    /// Boundary pairs between two groups: (pair, from group, to group).
    boundary: Vec<(&'m Pair, usize, usize)>,
    /// Group graph: weight and sites per (from, to), events left out.
    w: BTreeMap<(usize, usize), (f64, Vec<usize>)>,
    edges: Vec<(usize, usize, f64)>,
    fas_set: Vec<usize>,
    sccs: Vec<Vec<usize>>,
    scc_of: Vec<usize>,
    /// Module graph restricted to scored modules, forwards and backwards.
    fwd: Vec<Vec<ModuleId>>,
    back: Vec<Vec<ModuleId>>,
    group_items: Vec<usize>,
    scored_items: usize,
}

/// The figures of the pairs at one group's boundary (sync, exclusivity, interface).
struct PairFigures {
    n_sync: f64,
    calls_out: usize,
    calls_in: usize,
    beta: BTreeMap<ItemId, f64>,
    inbound: usize,
    bypass: usize,
    surface: BTreeSet<usize>,
    seams: usize,
}

/// The state component of one group, with its blockers.
struct State {
    penalty: f64,
    mutable_pairs: usize,
    blockers: Vec<Blocker>,
    global_with: Vec<usize>,
}

/// How much evidence one group's figures rest on.
struct Size {
    resolved: usize,
    unresolved: usize,
    references: usize,
    confidence: f64,
}

impl<'m> Frame<'m> {
    pub(super) fn new(m: &'m Model<'m>, groups: &'m [Vec<DomainId>]) -> (Frame<'m>, fas::Method) {
        let n = groups.len();
        let mut group_of: Vec<Option<usize>> = vec![None; m.c.config.domains.len()];
        for (g, ds) in groups.iter().enumerate() {
            for d in ds {
                group_of[*d] = Some(g);
            }
        }
        let boundary: Vec<(&Pair, usize, usize)> = m
            .pairs
            .iter()
            .filter_map(|pr| match (group_of[pr.from], group_of[pr.to]) {
                (Some(a), Some(b)) if a != b => Some((pr, a, b)),
                _ => None,
            })
            .collect();
        let mut w: BTreeMap<(usize, usize), (f64, Vec<usize>)> = BTreeMap::new();
        for (pr, a, b) in &boundary {
            if pr.class == Class::Event {
                continue;
            }
            let e = w.entry((*a, *b)).or_default();
            e.0 += pr.class.weight();
            e.1.extend(pr.sites.iter().copied());
        }
        let edges: Vec<(usize, usize, f64)> = w.iter().map(|(k, v)| (k.0, k.1, v.0)).collect();
        let (fas_set, method) = fas::feedback_arc_set(n, &edges);
        let sccs = fas::sccs(n, &edges);
        let mut scc_of = vec![0; n];
        for (i, s) in sccs.iter().enumerate() {
            for g in s {
                scc_of[*g] = i;
            }
        }
        let group_items: Vec<usize> = groups
            .iter()
            .map(|ds| ds.iter().map(|d| m.dom_items[*d]).sum())
            .collect();
        let mut f = Frame {
            m,
            groups,
            group_of,
            boundary,
            w,
            edges,
            fas_set,
            sccs,
            scc_of,
            fwd: Vec::new(),
            back: Vec::new(),
            scored_items: group_items.iter().sum(),
            group_items,
        };
        f.module_graph();
        (f, method)
    }

    /// Reach on the module graph, restricted to scored domains' modules.
    fn module_graph(&mut self) {
        let c = self.m.c;
        let (res, asg) = (&c.analysis.resolution, &c.assignment);
        let n = c.analysis.program.modules.len();
        let mg = &c.module_graph.graph;
        let (mut fwd, mut back) = (vec![Vec::new(); n], vec![Vec::new(); n]);
        for e in mg.edge_indices() {
            let (a, b) = mg.edge_endpoints(e).expect("edge");
            let (ma, mb) = (mg[a], mg[b]);
            // Events are not reach: the consumer does not run the publisher's code.
            let counts = |r: usize| {
                let r = &res.refs[r];
                let event = asg.is_event[r.to as usize] && self.gm(r.to) != self.gm(r.from);
                !r.is_test && !event
            };
            if self.gm(ma).is_some() && self.gm(mb).is_some() && mg[e].iter().any(|&r| counts(r)) {
                fwd[ma as usize].push(mb);
                back[mb as usize].push(ma);
            }
        }
        self.fwd = fwd;
        self.back = back;
    }

    fn gm(&self, m: ModuleId) -> Option<usize> {
        self.m.c.assignment.domain_of[m as usize].and_then(|d| self.group_of[d])
    }

    fn name(&self, g: usize) -> String {
        self.m.name(self.groups, g)
    }

    /// Scores every group.
    pub(super) fn all(&self) -> Vec<GroupScore> {
        let names: Vec<String> = (0..self.groups.len()).map(|g| self.name(g)).collect();
        let data = self.m.tables().groups(self.m.c, &self.group_of, &names);
        data.into_iter()
            .enumerate()
            .map(|(g, dg)| self.group(g, dg))
            .collect()
    }

    fn pair_figures(&self, g: usize) -> PairFigures {
        let m = self.m;
        let in_g = |d: DomainId| self.group_of[d] == Some(g);
        let mut f = PairFigures {
            n_sync: 0.0,
            calls_out: 0,
            calls_in: 0,
            beta: BTreeMap::new(),
            inbound: 0,
            bypass: 0,
            surface: BTreeSet::new(),
            seams: 0,
        };
        for (pr, a, b) in &self.boundary {
            if *a != g && *b != g {
                continue;
            }
            f.seams += 1;
            if pr.class == Class::Global {
                continue;
            }
            let wt = pr.class.weight();
            if pr.call {
                f.n_sync += wt;
                if *a == g {
                    f.calls_out += 1;
                } else {
                    f.calls_in += 1;
                }
            }
            if *a == g
                && let Some(o) = m.callers[pr.caller].owner
                && m.item_dom[o as usize].is_some_and(in_g)
            {
                *f.beta.entry(o).or_default() += wt;
            }
            if *b == g {
                if let Some(o) = m.targets[pr.target].owner
                    && m.item_dom[o as usize].is_some_and(in_g)
                {
                    *f.beta.entry(o).or_default() += wt;
                }
                f.inbound += 1;
                if pr.class.bypasses() {
                    f.bypass += 1;
                }
                f.surface.insert(pr.target);
            }
        }
        f
    }

    /// CYCLE: the weight of the group's edges inside its cycle, and of the feedback arcs
    /// among them (edges to groups outside the cycle do not dilute it).
    fn cycle_weights(&self, g: usize) -> (f64, f64) {
        let same_scc = |e: &(usize, usize, f64)| self.scc_of[e.0] == self.scc_of[e.1];
        let total_w: f64 = self
            .edges
            .iter()
            .filter(|e| (e.0 == g || e.1 == g) && same_scc(e))
            .map(|e| e.2)
            .sum();
        let fas_w: f64 = self
            .fas_set
            .iter()
            .map(|&i| self.edges[i])
            .filter(|e| e.0 == g || e.1 == g)
            .map(|e| e.2)
            .sum();
        (total_w, fas_w)
    }

    /// STATE: globals used across the group's boundary, and the shared-mutable blockers.
    fn state(&self, g: usize) -> State {
        let m = self.m;
        let c = m.c;
        let mut s = State {
            penalty: 0.0,
            mutable_pairs: 0,
            blockers: Vec::new(),
            global_with: Vec::new(),
        };
        let mut seen: BTreeSet<(usize, Option<usize>)> = BTreeSet::new();
        for pr in &m.pairs {
            let Some(id) = m.targets[pr.target].owner else {
                continue;
            };
            let Some((kind, why)) = m.globals.get(&id) else {
                continue;
            };
            let (def_g, use_g) = (self.group_of[pr.to], self.group_of[pr.from]);
            let across = match (def_g, use_g) {
                (Some(d), Some(u)) if d != u && (d == g || u == g) => true,
                (None, Some(u)) if u == g => false,
                _ => continue,
            };
            if !seen.insert((pr.target, use_g)) {
                continue;
            }
            s.penalty += match (kind, across) {
                (GlobalKind::Mutable, true) => 1.0,
                (GlobalKind::Mutable, false) => 0.5,
                (GlobalKind::InitOnce, _) => 0.1,
            };
            if *kind == GlobalKind::Mutable && across {
                s.mutable_pairs += 1;
                let other = if def_g == Some(g) { use_g } else { def_g }.expect("both");
                s.global_with.push(other);
                let it = &c.analysis.program.items[id as usize];
                let user = &c.config.domains[pr.from].name;
                s.blockers.push(Blocker {
                    kind: BlockerKind::SharedMutableGlobal,
                    summary: format!(
                        "`{}` ({why}) is shared between `{}` and `{}`",
                        m.targets[pr.target].key, c.config.domains[pr.to].name, user
                    ),
                    with: vec![self.name(other)],
                    evidence: std::iter::once(Evidence {
                        at: at(c, it.file, it.span),
                        note: "defined here".into(),
                    })
                    .chain(pr.sites.iter().take(3).map(|&st| Evidence {
                        at: m.site_at(st),
                        note: format!("used by `{user}` in `{}`", m.callers[pr.caller].key),
                    }))
                    .collect(),
                    fix: format!(
                        "move the state behind an API of `{}` (a function or a message) and have `{user}` call it, or make it per-service configuration; in-process memory does not survive the split",
                        c.config.domains[pr.to].name
                    ),
                });
            }
        }
        s
    }

    /// REACH: the share of other groups' items reachable from the group, forwards (VFO)
    /// and backwards (VFI).
    fn reach(&self, g: usize) -> (f64, f64) {
        let n = self.m.c.analysis.program.modules.len();
        let others = self.scored_items - self.group_items[g];
        if others == 0 {
            return (0.0, 0.0);
        }
        let reach = |adj: &Vec<Vec<ModuleId>>| -> usize {
            let mut seen = vec![false; n];
            let mut stack: Vec<ModuleId> = (0..n as ModuleId)
                .filter(|m| self.gm(*m) == Some(g))
                .collect();
            for m in &stack {
                seen[*m as usize] = true;
            }
            let mut total = 0;
            while let Some(m) = stack.pop() {
                for &x in &adj[m as usize] {
                    if !seen[x as usize] {
                        seen[x as usize] = true;
                        total += self.m.module_items[x as usize];
                        stack.push(x);
                    }
                }
            }
            total
        };
        (
            reach(&self.fwd) as f64 / others as f64,
            reach(&self.back) as f64 / others as f64,
        )
    }

    /// The cycle blocker of the group (with the feedback arcs at it), and the groups of its
    /// cycle.
    fn cycle_blocker(&self, g: usize, fas_w: f64) -> (Vec<usize>, Option<Blocker>) {
        let comp = &self.sccs[self.scc_of[g]];
        if comp.len() < 2 {
            return (Vec::new(), None);
        }
        let cycle_with: Vec<usize> = comp.iter().copied().filter(|x| *x != g).collect();
        let cut: Vec<Evidence> = self
            .fas_set
            .iter()
            .filter(|&&i| {
                let (a, b, _) = self.edges[i];
                let inside = self.scc_of[a] == self.scc_of[g] && self.scc_of[b] == self.scc_of[g];
                // Only the cuts at this domain, unless none is (then all of them).
                inside && (a == g || b == g || fas_w == 0.0)
            })
            .map(|&i| {
                let (a, b, wt) = self.edges[i];
                let sites = &self.w[&(a, b)].1;
                Evidence {
                    at: sites
                        .first()
                        .map(|&s| self.m.site_at(s))
                        .unwrap_or_default(),
                    note: format!(
                        "cut `{}` -> `{}`: weight {}, {} reference{}",
                        self.name(a),
                        self.name(b),
                        round1(wt),
                        sites.len(),
                        if sites.len() == 1 { "" } else { "s" }
                    ),
                }
            })
            .collect();
        let names: Vec<String> = comp.iter().map(|x| self.name(*x)).collect();
        let b = Blocker {
            kind: BlockerKind::DomainCycle,
            summary: format!("in a dependency cycle: {}", names.join(" <-> ")),
            with: cycle_with.iter().map(|x| self.name(*x)).collect(),
            evidence: cut,
            fix: "cut the listed edges (the cheapest set that breaks every cycle): invert each with a trait owned by the calling side, or replace the call with an event on the queue; if the domains really are one, merge them".into(),
        };
        (cycle_with, Some(b))
    }

    /// Crate readiness, with what `check` reports and the business-domain graph does not
    /// see (cycles through kernels, forbidden dependencies).
    fn crate_readiness(
        &self,
        g: usize,
        name: &str,
        cycle: Option<&Blocker>,
    ) -> crate_ready::CrateReadiness {
        let c = self.m.c;
        let in_g = |d: DomainId| self.group_of[d] == Some(g);
        let computed = crate_ready::compute(self.m, &in_g, name);
        let mut blockers = computed.blockers.clone();
        // A business-domain cycle is a crate cycle too (the domain's half of it is in
        // `outgoing`); it is named in both figures.
        blockers.extend(cycle.cloned());
        if blockers.is_empty() {
            blockers.extend(agreement::cycles(c, &self.group_of, g));
        }
        blockers.extend(agreement::forbidden(c, &self.group_of, g, |d| {
            self.group_of[d].map(|x| self.name(x)).unwrap_or_default()
        }));
        crate_ready::finish(computed, blockers)
    }

    fn size(&self, g: usize, statements: usize, opaque: usize) -> Size {
        let c = self.m.c;
        let res = &c.analysis.resolution;
        let (mut resolved, mut references) = (0, 0);
        for r in &res.refs {
            if r.is_test || r.qualifier {
                continue;
            }
            let (fg, tg) = (self.gm(r.from) == Some(g), self.gm(r.to) == Some(g));
            if fg {
                resolved += 1;
            }
            if fg || tg {
                references += 1;
            }
        }
        let unresolved = res
            .unresolved
            .iter()
            .filter(|u| {
                self.gm(u.from) == Some(g) && !c.analysis.program.modules[u.from as usize].is_test
            })
            .count();
        let seen = resolved + unresolved + statements + opaque;
        let confidence = if seen == 0 {
            1.0
        } else {
            1.0 - (unresolved + opaque) as f64 / seen as f64
        };
        Size {
            resolved,
            unresolved,
            references,
            confidence,
        }
    }

    fn flags(
        &self,
        items: usize,
        size: &Size,
        size_share: f64,
        tables: usize,
        opaque: usize,
    ) -> Vec<String> {
        let references = size.references;
        let mut flags = Vec::new();
        if items < LOW_EVIDENCE_ITEMS || references < LOW_EVIDENCE_REFS {
            flags.push(format!(
                "low evidence: {items} items, {references} references (review by hand)"
            ));
        }
        if size_share < 0.05 {
            flags.push(format!(
                "small: {:.1}% of the items; consider merging it into a neighbour",
                size_share * 100.0
            ));
        } else if size_share > 0.5 {
            flags.push(format!(
                "{:.0}% of the items: this is the residual monolith",
                size_share * 100.0
            ));
        }
        if tables == 0 && !self.m.data.accesses.is_empty() {
            flags.push(
                "no table access found: the data component counts none (database code reached only through a shared kernel is not seen)".into(),
            );
        }
        if opaque > 0 {
            flags.push(format!(
                "{} database call{} with SQL that cannot be read (built at run time or not parsable): {} tables may be missing",
                opaque,
                if opaque == 1 { "" } else { "s" },
                if opaque == 1 { "its" } else { "their" }
            ));
        }
        if size.confidence < 0.9 {
            flags.push(format!(
                "confidence {:.2}: {} paths did not resolve, {} opaque SQL",
                size.confidence, size.unresolved, opaque
            ));
        }
        flags
    }

    /// One group: the seven service components, both figures, blockers, evidence, flags.
    fn group(&self, g: usize, dg: tables::GroupData) -> GroupScore {
        let name = self.name(g);
        let (statements, opaque, n_tables) = (dg.statements, dg.opaque, dg.tables);
        let f = self.pair_figures(g);
        let s_sync = if f.n_sync == 0.0 {
            1.0
        } else {
            (SYNC_ALLOWANCE / f.n_sync).min(1.0)
        };
        let items = self.group_items[g];
        let sum_nu: f64 = f
            .beta
            .values()
            .map(|b| (b / EXCL_SATURATION).min(1.0))
            .sum();
        let excl = 1.0 - sum_nu / (items as f64 + EXCL_PRIOR);
        let s_excl = ((excl - 1.0 / 3.0) / (2.0 / 3.0)).clamp(0.0, 1.0);
        let b_rate = if f.inbound == 0 {
            0.0
        } else {
            f.bypass as f64 / f.inbound as f64
        };
        let u = f.surface.len() as f64;
        let s_api = (1.0 - b_rate)
            * if u == 0.0 {
                1.0
            } else {
                (API_SURFACE / u).min(1.0)
            };
        let (total_w, fas_w) = self.cycle_weights(g);
        let tangle = if total_w == 0.0 { 0.0 } else { fas_w / total_w };
        let s_cycle = (1.0 - 2.0 * tangle).max(0.0);
        let state = self.state(g);
        let s_state = 1.0 / (1.0 + state.penalty);
        let (vfo, vfi) = self.reach(g);
        let s_reach = 1.0 - (vfo + vfi) / 2.0;
        let (cycle_with, cycle) = self.cycle_blocker(g, fas_w);
        let crate_r = self.crate_readiness(g, &name, cycle.as_ref());
        // Co-written tables first (the hardest blocker to cut), then the cycle, the globals.
        let mut blockers = dg.blockers;
        blockers.extend(cycle);
        blockers.extend(state.blockers);
        let values = [dg.value, s_sync, s_excl, s_api, s_cycle, s_state, s_reach];
        let evidence: [Vec<(&'static str, f64)>; 7] = [
            dg.evidence,
            vec![
                ("weighted_pairs", round3(f.n_sync)),
                ("calls_out", f.calls_out as f64),
                ("calls_in", f.calls_in as f64),
                ("allowance", SYNC_ALLOWANCE),
            ],
            vec![
                ("items", items as f64),
                ("entangled_items", round3(sum_nu)),
                ("exclusivity", round3(excl)),
            ],
            vec![
                ("inbound_pairs", f.inbound as f64),
                ("bypassing", f.bypass as f64),
                ("bypass_rate", round3(b_rate)),
                ("used_surface", u),
            ],
            vec![
                ("boundary_weight", round3(total_w)),
                ("feedback_weight", round3(fas_w)),
                ("tangle", round3(tangle)),
            ],
            vec![
                ("penalty", round3(state.penalty)),
                ("mutable_shared", state.mutable_pairs as f64),
            ],
            vec![("vfo", round3(vfo)), ("vfi", round3(vfi))],
        ];
        let (components, raw) = weighted(&WEIGHTS, values, evidence);
        let model_score = if blockers.is_empty() {
            raw
        } else {
            raw.min(CAP)
        };
        blockers.extend(
            crate_r
                .blockers
                .iter()
                .filter(|b| b.kind != BlockerKind::DomainCycle)
                .cloned(),
        );
        let blocked = !blockers.is_empty();
        // Service readiness is bounded by crate readiness: the crate split comes first.
        let score = model_score.min(crate_r.score);
        let size = self.size(g, statements, opaque);
        let total = self.m.total_items;
        let size_share = if total == 0 {
            0.0
        } else {
            items as f64 / total as f64
        };
        let low_evidence = items < LOW_EVIDENCE_ITEMS || size.references < LOW_EVIDENCE_REFS;
        GroupScore {
            score: DomainScore {
                domain: name,
                score,
                raw,
                band: Band::of(score, blocked),
                capped: blocked && raw > score,
                model_score,
                crate_readiness: crate_r,
                components,
                blockers,
                confidence: round3(size.confidence),
                unresolved_paths: size.unresolved,
                resolved_paths: size.resolved,
                sql_statements: statements,
                opaque_sql: opaque,
                items,
                references: size.references,
                size_share: round3(size_share),
                low_evidence,
                flags: self.flags(items, &size, size_share, n_tables, opaque),
                seams: f.seams,
            },
            cycle_with,
            global_with: state.global_with,
            table_with: dg.co_writers,
        }
    }
}

/// Components and the weighted score (one decimal) from values in 0..1.
pub(super) fn weighted<const N: usize>(
    weights: &[(&'static str, f64); N],
    values: [f64; N],
    evidence: [Vec<(&'static str, f64)>; N],
) -> (Vec<Component>, f64) {
    let total: f64 = weights.iter().map(|w| w.1).sum();
    let components = weights
        .iter()
        .zip(values)
        .zip(evidence)
        .map(|(((name, weight), value), ev)| Component {
            name,
            weight: *weight,
            value: round3(value),
            points: round1(weight * value * 100.0 / total),
            evidence: ev.into_iter().collect(),
        })
        .collect();
    let raw = round1(
        weights
            .iter()
            .zip(values)
            .map(|((_, w), v)| w * v)
            .sum::<f64>()
            * 100.0
            / total,
    );
    (components, raw)
}
