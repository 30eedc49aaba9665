//! Extraction readiness: `cargo domains score`. For every business domain (not the shared
//! kernels, not the composition root), a score from 0 to 100 built from the same references
//! the check uses, its band, the blockers that cap it, and the evidence behind each figure.
//! The model, its formulas and anchors are in `docs/scoring.md`; the research behind it in
//! `../shared/research/scoring.md`.
//!
//! - [`syntax`]: the callers of references and the types of globals (re-read from the text);
//! - [`fas`](crate::graph::fas): minimum feedback arc set (cycle component), shared with `domain-cycle`;
//! - [`tables`]: data ownership (tables written and read per domain, from `crate::data`);
//! - [`render`]: human, Markdown and JSON output.

mod agreement;
pub mod crate_ready;
mod group;
pub mod hazards;
pub mod plan;
pub mod render;
pub mod syntax;
pub mod tables;
pub mod words;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use crate::analysis::Checked;
use crate::config::DomainId;
use crate::graph::fas;
use crate::modules::{Ctx, FileId, ItemId, ItemKind, ModuleId, Span, Vis};
use crate::resolve::{Def, RefKind};
use syntax::{FileFacts, GlobalKind};

/// Bumped whenever a formula, weight or threshold changes: scores of different versions are
/// not comparable.
pub const SCORING_VERSION: &str = "0.3";

/// Component weights (research §3.4); they sum to 100.
pub const WEIGHTS: [(&str, f64); 7] = [
    ("data", 25.0),
    ("sync", 20.0),
    ("exclusivity", 15.0),
    ("interface", 10.0),
    ("cycles", 15.0),
    ("state", 10.0),
    ("reach", 5.0),
];
/// τ_s: distinct synchronous call pairs (weighted) a macro-service may keep for free.
pub const SYNC_ALLOWANCE: f64 = 3.0;
/// u0: items of the domain that may be used from outside before the surface is "too wide".
pub const API_SURFACE: f64 = 15.0;
/// Boundary weight at which one item counts as fully entangled.
pub const EXCL_SATURATION: f64 = 2.0;
/// Exclusive pseudo-items added to every domain, so that a tiny domain whose one item is
/// used from outside is not rated fully entangled (a Laplace-style prior).
pub const EXCL_PRIOR: f64 = 2.0;
/// A blocker caps the score here (just below Ready).
pub const CAP: f64 = 69.0;
pub const READY: f64 = 70.0;
pub const ENTANGLED_BELOW: f64 = 40.0;
/// A merge is suggested when the union scores at least this much more than the better half.
pub const MERGE_MARGIN: f64 = 10.0;
/// Low-evidence flag below these.
pub const LOW_EVIDENCE_ITEMS: usize = 15;
pub const LOW_EVIDENCE_REFS: usize = 30;

/// What a reference across a boundary is, loosest to tightest (research §3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// An event or message of the target's `events` modules: asynchronous, no temporal
    /// coupling (not a call, not an edge for cycles or reach).
    Event,
    /// A type or trait of the target's interface.
    ContractType,
    /// A call of a function of the target's interface.
    ContractCall,
    /// A non-interface type, variant, const or macro of the target.
    Model,
    /// A call of a non-interface function or method of the target.
    Functional,
    /// An item the target keeps private, `pub(crate)` or `pub(in ..)`.
    Intrusive,
    /// A static of the target (counted by the state component; an edge for cycles).
    Global,
}

impl Class {
    pub fn weight(self) -> f64 {
        match self {
            Class::Event => 0.25,
            Class::ContractType => 0.5,
            Class::ContractCall | Class::Model | Class::Global => 1.0,
            Class::Functional => 1.5,
            Class::Intrusive => 2.0,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Class::Event => "event",
            Class::ContractType => "contract-type",
            Class::ContractCall => "contract-call",
            Class::Model => "model",
            Class::Functional => "functional",
            Class::Intrusive => "intrusive",
            Class::Global => "global",
        }
    }

    /// Reaches around the interface (the API component's bypass rate).
    fn bypasses(self) -> bool {
        matches!(self, Class::Model | Class::Functional | Class::Intrusive)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Band {
    Ready,
    #[serde(rename = "Needs seams")]
    NeedsSeams,
    Entangled,
}

impl Band {
    pub fn as_str(self) -> &'static str {
        match self {
            Band::Ready => "Ready",
            Band::NeedsSeams => "Needs seams",
            Band::Entangled => "Entangled",
        }
    }

    pub fn of(score: f64, blocked: bool) -> Band {
        if score < ENTANGLED_BELOW {
            Band::Entangled
        } else if blocked || score < READY {
            Band::NeedsSeams
        } else {
            Band::Ready
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Component {
    pub name: &'static str,
    pub weight: f64,
    /// 0..1, 1 = good.
    pub value: f64,
    /// Contribution to the score: `weight × value × 100 / 75`.
    pub points: f64,
    /// The figures the value is computed from.
    pub evidence: BTreeMap<&'static str, f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockerKind {
    CoWrittenTable,
    DomainCycle,
    SharedMutableGlobal,
    /// `check` reports a forbidden dependency from the domain.
    ForbiddenDependency,
    /// `check` reports a cycle through a shared kernel or the composition root: the crates
    /// would depend on each other.
    CrateCycle,
}

#[derive(Clone, Debug, Serialize)]
pub struct Evidence {
    /// `file:line`.
    pub at: String,
    pub note: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Blocker {
    pub kind: BlockerKind,
    pub summary: String,
    /// The other domains involved.
    pub with: Vec<String>,
    pub evidence: Vec<Evidence>,
    pub fix: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct DomainScore {
    /// The domain (a union is written `a+b`).
    pub domain: String,
    /// 0..100, one decimal; capped at 69 with a blocker.
    pub score: f64,
    /// Before the cap.
    pub raw: f64,
    pub band: Band,
    pub capped: bool,
    /// Today's service model alone (after its cap), before it is bounded by crate readiness.
    pub model_score: f64,
    /// The first figure: the domain as its own crate.
    #[serde(rename = "crate")]
    pub crate_readiness: crate_ready::CrateReadiness,
    pub components: Vec<Component>,
    pub blockers: Vec<Blocker>,
    /// 1 − (unresolved paths + opaque SQL) / (paths + SQL statements) in the domain.
    pub confidence: f64,
    pub unresolved_paths: usize,
    pub resolved_paths: usize,
    /// SQL statements read, and database calls whose SQL could not be read.
    pub sql_statements: usize,
    pub opaque_sql: usize,
    /// Items (module level, non-test) of the domain.
    pub items: usize,
    /// Non-test references from or to the domain.
    pub references: usize,
    /// Share of all assigned items.
    pub size_share: f64,
    pub low_evidence: bool,
    pub flags: Vec<String>,
    /// Distinct (caller, callee) pairs crossing the boundary, both directions: the seams.
    pub seams: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct Merge {
    pub domains: [String; 2],
    /// The blockers the two share.
    pub shared: Vec<BlockerKind>,
    pub scores: [f64; 2],
    pub union: DomainScore,
    pub suggested: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Scores {
    pub scoring_version: &'static str,
    pub weights: BTreeMap<&'static str, f64>,
    /// How the cycle component's feedback arc set was computed.
    pub feedback_arc_set: fas::Method,
    /// Best first.
    pub domains: Vec<DomainScore>,
    pub merges: Vec<Merge>,
    /// Every table, its owner (and how it was decided), its writers and readers.
    pub tables: Vec<tables::TableReport>,
    /// Database calls whose tables are unknown: `file:line` and why.
    pub opaque_sql: Vec<Evidence>,
    /// Shared kernels and composition roots: not scored.
    pub not_scored: Vec<String>,
    pub not_implemented: Vec<&'static str>,
}

/// One distinct (caller, callee) pair across two domains, with the sites behind it.
#[derive(Clone, Debug)]
struct Pair {
    caller: usize,
    target: usize,
    from: DomainId,
    to: DomainId,
    class: Class,
    call: bool,
    /// Reference indices, in order.
    sites: Vec<usize>,
}

#[derive(Clone, Debug)]
struct Caller {
    key: String,
    owner: Option<ItemId>,
}

#[derive(Clone, Debug)]
struct Target {
    key: String,
    kind: RefKind,
    owner: Option<ItemId>,
}

/// Everything computed once per run; groups of domains are scored from it.
struct Model<'a> {
    c: &'a Checked,
    scored: Vec<bool>,
    /// Module-level, non-test items by domain.
    item_dom: Vec<Option<DomainId>>,
    dom_items: Vec<usize>,
    module_items: Vec<usize>,
    total_items: usize,
    callers: Vec<Caller>,
    targets: Vec<Target>,
    pairs: Vec<Pair>,
    globals: HashMap<ItemId, (GlobalKind, String)>,
    data: crate::data::Data,
    owners: Vec<crate::data::Owner>,
}

fn at(c: &Checked, file: FileId, span: Span) -> String {
    format!("{}:{}", c.analysis.program.file_rel(file), span.start.line)
}

/// Rounded to one decimal (`-0` becomes `0`).
fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0 + 0.0
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0 + 0.0
}

impl<'a> Model<'a> {
    fn build(c: &'a Checked) -> Model<'a> {
        let p = &c.analysis.program;
        let res = &c.analysis.resolution;
        let asg = &c.assignment;
        let domains = &c.config.domains;
        let scored: Vec<bool> = domains
            .iter()
            .map(|d| !d.shared && !d.depends_on_any)
            .collect();
        let (item_dom, dom_items, module_items, total_items) = item_counts(c);
        let input = c.rules_input();
        let exports = root_exports(c);
        let surface = table_surface(p);
        let (cross, facts) = cross_refs(c);
        let globals = globals(p, &facts);
        // Impl blocks by their `impl` keyword, to name a method's self type.
        let impl_at: HashMap<(FileId, crate::modules::Pos), usize> = p
            .impls
            .iter()
            .enumerate()
            .map(|(i, im)| ((im.file, im.span.start), i))
            .collect();
        // Items by their name's position, to name the item a reference sits in (first wins,
        // as a linear search would).
        let mut item_at: HashMap<(FileId, crate::modules::Pos), ItemId> = HashMap::new();
        for (i, it) in p.items.iter().enumerate() {
            item_at
                .entry((it.file, it.span.start))
                .or_insert(i as ItemId);
        }
        let mut callers: Vec<Caller> = Vec::new();
        let mut caller_ix: HashMap<String, usize> = HashMap::new();
        let mut targets: Vec<Target> = Vec::new();
        let mut target_ix: HashMap<String, usize> = HashMap::new();
        // (caller, target) -> pair; plus whether each site is a `use`.
        let mut pairs: BTreeMap<(usize, usize), Pair> = BTreeMap::new();
        let mut non_use: BTreeSet<(ModuleId, usize)> = BTreeSet::new();
        let mut use_sites: Vec<(usize, usize, usize, DomainId, DomainId, Class)> = Vec::new();
        for &i in &cross {
            let r = &res.refs[i];
            let from = asg.domain_of[r.from as usize].expect("assigned");
            let to = asg.domain_of[r.to as usize].expect("assigned");
            let module_path = &p.modules[r.from as usize].path;
            let unit = facts.get(&r.file).and_then(|f| f.unit_at(r.span.start));
            let (key, owner) = match unit {
                Some(u) => {
                    let owner = if let Some(ia) = u.ident_at {
                        item_at.get(&(r.file, ia)).copied()
                    } else {
                        u.impl_at
                            .and_then(|ia| impl_at.get(&(r.file, ia)))
                            .and_then(|&ix| res.impl_types.get(ix))
                            .and_then(|t| t.self_ty)
                    };
                    let owner = owner.filter(|o| item_dom[*o as usize] == Some(from));
                    (format!("{module_path}::{}", u.name), owner)
                }
                None => (module_path.clone(), None),
            };
            let caller = *caller_ix.entry(key.clone()).or_insert_with(|| {
                callers.push(Caller { key, owner });
                callers.len() - 1
            });
            let towner = match r.target {
                Def::Item(x) | Def::Variant(x, _) | Def::Assoc { owner: x, .. } => Some(x),
                _ => None,
            };
            let target = *target_ix.entry(r.item.clone()).or_insert_with(|| {
                targets.push(Target {
                    key: r.item.clone(),
                    kind: r.kind,
                    owner: towner,
                });
                targets.len() - 1
            });
            let event = asg.is_event[r.to as usize];
            let call = matches!(r.ctx, Ctx::Expr | Ctx::Method | Ctx::MacroArg)
                && matches!(r.kind, RefKind::Fn | RefKind::Assoc)
                && !event;
            let vis = towner.map(|o| p.items[o as usize].vis).unwrap_or(Vis::Pub);
            let class = if r.kind == RefKind::Static {
                Class::Global
            } else if vis != Vis::Pub {
                Class::Intrusive
            } else if event {
                Class::Event
            } else if surface.contains(&r.to) || is_contract(c, &input, r, to, &exports) {
                if call {
                    Class::ContractCall
                } else {
                    Class::ContractType
                }
            } else if call {
                Class::Functional
            } else {
                Class::Model
            };
            // A qualifier (`Order` in `Order::new`) is not a site of its own, but it is a use
            // of the name in the module: the `use` that imported it is not a site either.
            if r.qualifier {
                non_use.insert((r.from, target));
                continue;
            }
            if r.ctx == Ctx::Use {
                use_sites.push((i, caller, target, from, to, class));
                continue;
            }
            non_use.insert((r.from, target));
            add_pair(&mut pairs, caller, target, from, to, class, call, i);
        }
        // A `use` is a site of its own only when nothing else in its module names the item
        // (a re-export, or an import used through a glob or a macro).
        for (i, caller, target, from, to, class) in use_sites {
            if !non_use.contains(&(res.refs[i].from, target)) {
                add_pair(&mut pairs, caller, target, from, to, class, false, i);
            }
        }
        let data = crate::data::Data::collect(p, res);
        let owners = data.owners(c);
        Model {
            c,
            data,
            owners,
            scored,
            item_dom,
            dom_items,
            module_items,
            total_items,
            callers,
            targets,
            pairs: pairs.into_values().collect(),
            globals,
        }
    }
}

/// Globals: statics whose declared type (or `static mut`, or defining macro) says so.
fn globals(
    p: &crate::modules::Program,
    facts: &HashMap<FileId, FileFacts>,
) -> HashMap<ItemId, (GlobalKind, String)> {
    let mut globals = HashMap::new();
    for (id, it) in p.items.iter().enumerate() {
        if it.kind != ItemKind::Static {
            continue;
        }
        let found = facts.get(&it.file).and_then(|f| {
            f.globals
                .iter()
                .find(|g| g.ident_at == it.span.start)
                .map(|g| (g.kind, g.why.clone()))
        });
        let found = found.or_else(|| {
            let mut idents = Vec::new();
            if let Some(t) = &it.ty {
                ty_idents(t, &mut idents);
            }
            syntax::classify(&idents, false, None)
        });
        if let Some(g) = found {
            globals.insert(id as ItemId, g);
        }
    }
    globals
}

/// Cross-domain references (non-test), and the facts of the files to read again for their
/// callers and for the types of the statics they reach.
fn cross_refs(c: &Checked) -> (Vec<usize>, HashMap<FileId, FileFacts>) {
    let p = &c.analysis.program;
    let res = &c.analysis.resolution;
    let asg = &c.assignment;
    let cross: Vec<usize> = res
        .refs
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            !r.is_test
                && r.kind != RefKind::Mod
                && r.kind != RefKind::ExternCrate
                && !p.modules[r.from as usize].is_test
                && matches!(
                    (asg.domain_of[r.from as usize], asg.domain_of[r.to as usize]),
                    (Some(a), Some(b)) if a != b
                )
        })
        .map(|(i, _)| i)
        .collect();
    let mut files: BTreeSet<FileId> = cross.iter().map(|&i| res.refs[i].file).collect();
    for &i in &cross {
        if let Def::Item(id) = res.refs[i].target
            && p.items[id as usize].kind == ItemKind::Static
        {
            files.insert(p.items[id as usize].file);
        }
    }
    let facts: HashMap<FileId, FileFacts> = files
        .into_iter()
        .filter_map(|f| {
            let text = p.files[f as usize].text.as_ref()?;
            Some((f, syntax::read(text)))
        })
        .collect();
    (cross, facts)
}

/// Module-level, non-test items: their domain, and the counts per domain and module.
fn item_counts(c: &Checked) -> (Vec<Option<DomainId>>, Vec<usize>, Vec<usize>, usize) {
    let p = &c.analysis.program;
    let asg = &c.assignment;
    let mut item_dom = vec![None; p.items.len()];
    let mut dom_items = vec![0; c.config.domains.len()];
    let mut module_items = vec![0; p.modules.len()];
    let mut total_items = 0;
    for (i, it) in p.items.iter().enumerate() {
        let m = &p.modules[it.module as usize];
        if it.is_test
            || m.is_test
            || m.scope != it.scope
            || matches!(it.kind, ItemKind::Mod | ItemKind::ExternCrate)
        {
            continue;
        }
        if let Some(d) = asg.domain_of[it.module as usize] {
            item_dom[i] = Some(d);
            dom_items[d] += 1;
            module_items[it.module as usize] += 1;
            total_items += 1;
        }
    }
    (item_dom, dom_items, module_items, total_items)
}

#[allow(clippy::too_many_arguments)]
fn add_pair(
    pairs: &mut BTreeMap<(usize, usize), Pair>,
    caller: usize,
    target: usize,
    from: DomainId,
    to: DomainId,
    class: Class,
    call: bool,
    site: usize,
) {
    let p = pairs.entry((caller, target)).or_insert(Pair {
        caller,
        target,
        from,
        to,
        class,
        call,
        sites: Vec::new(),
    });
    if class.weight() > p.class.weight() {
        p.class = class;
    }
    p.call |= call;
    p.sites.push(site);
}

fn ty_idents(t: &crate::modules::extract::TyRef, out: &mut Vec<String>) {
    out.extend(t.segs.iter().cloned());
    for a in &t.args {
        ty_idents(a, out);
    }
}

/// Whether a reference goes through the target domain's interface: the declared one, or,
/// without one, the domain's top modules: items defined there, or re-exported there by name
/// (`pub use self::gateway::charge;` in `payments/mod.rs`).
fn is_contract(
    c: &Checked,
    input: &crate::rules::Input,
    r: &crate::resolve::Reference,
    to: DomainId,
    root_exports: &std::collections::HashSet<(DomainId, String)>,
) -> bool {
    let dom = &c.config.domains[to];
    if !dom.interface.is_empty() || !dom.interface_exact.is_empty() {
        return crate::rules::boundary::through_interface(input, r, to);
    }
    let p = &c.analysis.program;
    let asg = &c.assignment;
    let top = |m: ModuleId| {
        asg.domain_of[m as usize] == Some(to)
            && p.modules[m as usize]
                .parent
                .is_none_or(|pm| asg.domain_of[pm as usize] != Some(to))
    };
    if top(r.to) {
        return true;
    }
    let name = match r.target {
        Def::Item(x) | Def::Variant(x, _) | Def::Assoc { owner: x, .. } => {
            &p.items[x as usize].name
        }
        _ => return false,
    };
    root_exports.contains(&(to, name.clone()))
}

/// The modules diesel's `table!` generates (`users`, `users::columns`, `users::dsl`): the
/// table is the domain's published surface, so reaching them is not an interface bypass
/// (the data component counts the access itself).
fn table_surface(p: &crate::modules::Program) -> std::collections::HashSet<ModuleId> {
    let mut out = std::collections::HashSet::new();
    for site in &p.data {
        if let crate::modules::extract::DataFact::DieselTable { module, .. } = &site.fact
            && let Some(&tm) = p.modules[site.module as usize].children.get(module)
        {
            out.insert(tm);
            out.extend(p.modules[tm as usize].children.values().copied());
        }
    }
    out
}

/// Names re-exported by a `pub use` in a domain's top module, per domain.
fn root_exports(c: &Checked) -> std::collections::HashSet<(DomainId, String)> {
    let p = &c.analysis.program;
    let asg = &c.assignment;
    p.uses
        .iter()
        .filter(|u| u.vis == Vis::Pub)
        .filter_map(|u| {
            let d = asg.domain_of[u.module as usize]?;
            let parent = p.modules[u.module as usize].parent;
            if parent.is_some_and(|pm| asg.domain_of[pm as usize] == Some(d)) {
                return None;
            }
            match &u.leaf {
                crate::modules::extract::UseLeaf::Name { name, alias } => {
                    Some((d, alias.as_ref().unwrap_or(name).clone()))
                }
                crate::modules::extract::UseLeaf::Glob => None,
            }
        })
        .collect()
}

/// The result for one group of domains.
struct GroupScore {
    score: DomainScore,
    /// Other groups in the same cycle, and whether there is a direct edge.
    cycle_with: Vec<usize>,
    /// Other groups it shares a mutable global with.
    global_with: Vec<usize>,
    /// Other groups that write a table it writes.
    table_with: Vec<usize>,
}

impl Model<'_> {
    fn tables(&self) -> tables::Tables<'_> {
        tables::Tables {
            data: &self.data,
            owners: &self.owners,
        }
    }

    fn name(&self, groups: &[Vec<DomainId>], g: usize) -> String {
        groups[g]
            .iter()
            .map(|d| self.c.config.domains[*d].name.as_str())
            .collect::<Vec<_>>()
            .join("+")
    }

    fn site_at(&self, r: usize) -> String {
        let r = &self.c.analysis.resolution.refs[r];
        at(self.c, r.file, r.span)
    }

    /// Scores every group (a group is one domain, or a union being considered for a merge).
    fn compute(&self, groups: &[Vec<DomainId>]) -> (Vec<GroupScore>, fas::Method) {
        let (frame, method) = group::Frame::new(self, groups);
        (frame.all(), method)
    }
}

/// Scores every business domain of a checked workspace.
pub fn score(c: &Checked) -> Scores {
    score_model(&Model::build(c))
}

fn score_model(m: &Model) -> Scores {
    let c = m.c;
    let domains = &c.config.domains;
    let ids: Vec<DomainId> = (0..domains.len()).filter(|d| m.scored[*d]).collect();
    let groups: Vec<Vec<DomainId>> = ids.iter().map(|d| vec![*d]).collect();
    let (results, method) = m.compute(&groups);
    // Merge candidates: two domains that share a blocker (a cycle through a direct edge, or
    // a mutable global).
    let mut merges = Vec::new();
    let mut candidates: BTreeMap<(usize, usize), BTreeSet<BlockerKind>> = BTreeMap::new();
    let direct = |a: usize, b: usize| {
        m.pairs
            .iter()
            .any(|p| (p.from == ids[a] && p.to == ids[b]) || (p.from == ids[b] && p.to == ids[a]))
    };
    for (g, r) in results.iter().enumerate() {
        for &o in &r.cycle_with {
            if direct(g, o) {
                candidates
                    .entry((g.min(o), g.max(o)))
                    .or_default()
                    .insert(BlockerKind::DomainCycle);
            }
        }
        for &o in &r.global_with {
            candidates
                .entry((g.min(o), g.max(o)))
                .or_default()
                .insert(BlockerKind::SharedMutableGlobal);
        }
        for &o in &r.table_with {
            candidates
                .entry((g.min(o), g.max(o)))
                .or_default()
                .insert(BlockerKind::CoWrittenTable);
        }
    }
    for ((a, b), shared) in candidates {
        let mut merged: Vec<Vec<DomainId>> = Vec::new();
        for (g, ds) in groups.iter().enumerate() {
            if g == b {
                continue;
            }
            let mut ds = ds.clone();
            if g == a {
                ds.extend(groups[b].iter().copied());
            }
            merged.push(ds);
        }
        let (union_results, _) = m.compute(&merged);
        let union = union_results.into_iter().nth(a).expect("union group").score;
        let (sa, sb) = (results[a].score.score, results[b].score.score);
        // A merge is a service question: the service models are compared (crate readiness
        // of a union says nothing about whether the two should be one service), the halves
        // before their caps: cutting the shared blocker would lift that cap too, so the
        // union must beat what the better half scores once its blocker is cut.
        let (ma, mb) = (results[a].score.raw, results[b].score.raw);
        let suggested = union.model_score >= ma.max(mb) + MERGE_MARGIN;
        merges.push(Merge {
            domains: [
                results[a].score.domain.clone(),
                results[b].score.domain.clone(),
            ],
            shared: shared.into_iter().collect(),
            scores: [sa, sb],
            union,
            suggested,
        });
    }
    let mut scores: Vec<DomainScore> = results.into_iter().map(|r| r.score).collect();
    // Crate readiness first (the step teams take first), then service readiness; capped
    // domains tie at the cap: the raw scores order them.
    let cmp = |x: f64, y: f64| y.partial_cmp(&x).unwrap_or(std::cmp::Ordering::Equal);
    scores.sort_by(|a, b| {
        cmp(a.crate_readiness.score, b.crate_readiness.score)
            .then_with(|| cmp(a.crate_readiness.raw, b.crate_readiness.raw))
            .then_with(|| cmp(a.score, b.score))
            .then_with(|| {
                b.raw
                    .partial_cmp(&a.raw)
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .then_with(|| a.domain.cmp(&b.domain))
    });
    let mut not_scored: Vec<String> = domains
        .iter()
        .filter(|d| d.shared || d.depends_on_any)
        .map(|d| d.name.clone())
        .collect();
    not_scored.sort();
    let p = &c.analysis.program;
    let mut opaque: Vec<&crate::data::Opaque> = m
        .data
        .opaque
        .iter()
        .filter(|o| c.assignment.domain_of[o.module as usize].is_some_and(|d| m.scored[d]))
        .collect();
    opaque.sort_by_key(|o| (p.file_rel(o.file), o.span.start));
    let opaque_sql = opaque
        .into_iter()
        .map(|o| Evidence {
            at: at(c, o.file, o.span),
            note: format!("{} ({})", o.why, p.modules[o.module as usize].path),
        })
        .collect();
    Scores {
        scoring_version: SCORING_VERSION,
        weights: WEIGHTS.iter().copied().collect(),
        feedback_arc_set: method,
        domains: scores,
        merges,
        tables: m.tables().report(c, &m.scored),
        opaque_sql,
        not_scored,
        not_implemented: vec![
            "SeaORM related-entity queries and relations, SQL migrations and views: joins come from SQL text and diesel's join calls, foreign keys from `joinable!`",
        ],
    }
}

pub use hazards::{Hazard, HazardKind};
pub use plan::{Dependency, Exposed, Outgoing, Plan, PlanCaller, PlanTable, plan};
