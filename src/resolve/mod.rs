//! Name resolution: from every path written in code to the item that defines it.
//!
//! Works like a compiler's def collector, without types or macro expansion:
//! 1. every scope gets the names its items define (modules, types, values, macros);
//! 2. `use` declarations and glob imports are resolved to a fixed point, so re-export chains
//!    (`pub use self::user::User;`) and globs of globs settle wherever they lead;
//! 3. every recorded path is walked segment by segment (`crate`, `self`, `super`, extern
//!    crates, enum variants, associated items through impl blocks, type aliases) to its
//!    defining module. The modules the walk passed through are kept (`via`): the interface
//!    rule needs to know whether a reference went through a domain's interface.

mod methods;
mod prelude;

/// Fast hashing for the resolver's many small string-keyed tables (no untrusted-input DoS concern:
/// the keys are identifiers from the analysed code).
type HashMap<K, V> = std::collections::HashMap<K, V, rustc_hash::FxBuildHasher>;

use serde::Serialize;

use crate::modules::extract::{NsHint, UseLeaf};
use crate::modules::{Ctx, FileId, ItemId, ItemKind, ModuleId, Program, ScopeId, Span, Vis};

/// Where an associated item lives: the impl's module and, when known, the impl and the
/// item's position in it (its return type feeds method-call resolution).
type AssocEntry = (ModuleId, Option<(u32, u32)>);

/// What a name denotes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Def {
    Module(ModuleId),
    Item(ItemId),
    Variant(ItemId, u32),
    /// An associated item of `owner`, defined in an impl (or trait) in `module`.
    Assoc {
        owner: ItemId,
        module: ModuleId,
    },
    External,
    Unknown,
}

#[derive(Clone, Debug)]
struct Binding {
    def: Def,
    vis: Vis,
    /// The module holding the binding (for visibility of glob imports).
    home: ModuleId,
    /// Modules this name was re-exported through before reaching the binding's scope.
    via: Vec<ModuleId>,
    /// The `use` declaration that created the binding, when it is an import.
    origin: Option<u32>,
}

const TYPE: usize = 0;
const VALUE: usize = 1;
const MACRO: usize = 2;

#[derive(Default)]
struct Names {
    explicit: [HashMap<String, Binding>; 3],
    /// Resolved glob imports: (the `use`, the module or enum it imports from). Names behind
    /// them are looked up on demand (see `glob_find`): materialising them costs N² bindings
    /// on generated code like web-sys, where 1,700 modules glob-import each other.
    globs: Vec<(u32, Def)>,
    /// A glob import from a crate outside the workspace: unknown names may come from it.
    external_glob: bool,
    /// Other definitions of an explicit name, each under a cfg alternative of its own
    /// (`#[cfg(unix)] pub use unix::Poller;` beside `#[cfg(windows)] pub use windows::Poller;`
    /// when the configuration leaves both open): a path to the name reaches each once.
    alts: [HashMap<String, Vec<Def>>; 3],
}

/// Memo of glob lookups, per scope and namespace: name -> binding.
type GlobMemo = Vec<[HashMap<String, Option<Binding>>; 3]>;

/// What kind of thing a reference reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefKind {
    Mod,
    Struct,
    Enum,
    Union,
    Trait,
    TypeAlias,
    Fn,
    Const,
    Static,
    Macro,
    ExternCrate,
    Variant,
    Assoc,
}

impl RefKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RefKind::Mod => "mod",
            RefKind::Struct => "struct",
            RefKind::Enum => "enum",
            RefKind::Union => "union",
            RefKind::Trait => "trait",
            RefKind::TypeAlias => "type",
            RefKind::Fn => "fn",
            RefKind::Const => "const",
            RefKind::Static => "static",
            RefKind::Macro => "macro",
            RefKind::ExternCrate => "extern_crate",
            RefKind::Variant => "variant",
            RefKind::Assoc => "assoc",
        }
    }
}

fn item_ref_kind(k: ItemKind) -> RefKind {
    match k {
        ItemKind::Mod => RefKind::Mod,
        ItemKind::Struct => RefKind::Struct,
        ItemKind::Enum => RefKind::Enum,
        ItemKind::Union => RefKind::Union,
        ItemKind::Trait => RefKind::Trait,
        ItemKind::TypeAlias => RefKind::TypeAlias,
        ItemKind::Fn => RefKind::Fn,
        ItemKind::Const => RefKind::Const,
        ItemKind::Static => RefKind::Static,
        ItemKind::Macro => RefKind::Macro,
        ItemKind::ExternCrate => RefKind::ExternCrate,
    }
}

/// One resolved reference from a module to an item of the workspace.
#[derive(Clone, Debug)]
pub struct Reference {
    pub from: ModuleId,
    /// The module that defines the referenced item (for an associated item: its impl's module).
    pub to: ModuleId,
    pub target: Def,
    pub kind: RefKind,
    /// Full path of the defining item, e.g. `shop::payments::gateway::Gateway::charge`.
    pub item: String,
    pub file: FileId,
    pub span: Span,
    pub ctx: Ctx,
    /// The path as written at the reference site.
    pub written: String,
    /// Modules the path went through on its way to the item (re-export facades included).
    pub via: Vec<ModuleId>,
    /// False when another reference reports the same dependency (a qualifier, a use of a
    /// name imported in the same module, a `use` of a module).
    pub reportable: bool,
    /// A type qualifier (`Order` in `Order::new`).
    pub qualifier: bool,
    pub is_test: bool,
    /// The builds that compile the site (an index into `Program::cfgs`; 0: every build).
    pub cfg: crate::modules::CfgId,
    /// For a `pub use` (any visibility but private): where the `use` item starts. The
    /// re-exports of one statement share it.
    pub reexport: Option<crate::modules::Pos>,
}

/// An unresolved path, kept for statistics and the `edges --unresolved` listing.
#[derive(Clone, Debug)]
pub struct Unresolved {
    pub from: ModuleId,
    pub file: FileId,
    pub span: Span,
    pub written: String,
}

#[derive(Default)]
pub struct Resolution {
    pub refs: Vec<Reference>,
    pub unresolved: Vec<Unresolved>,
    /// Paths that resolved to std or a crate outside the workspace.
    pub external: usize,
    pub unresolved_imports: usize,
    /// Method calls resolved through a written receiver type.
    pub methods_resolved: usize,
    /// Per entry of `Program::impls`: the workspace item its self type names and the
    /// workspace trait it implements, when they resolve (aliases followed).
    pub impl_types: Vec<ImplTypes>,
}

/// What an impl block's header resolves to (see [`Resolution::impl_types`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImplTypes {
    pub self_ty: Option<ItemId>,
    pub trait_: Option<ItemId>,
}

struct Resolver<'p> {
    /// Some scope binds cfg alternatives (`Names::alts`); most crates have none.
    any_alts: bool,
    p: &'p Program,
    names: Vec<Names>,
    externs: Vec<HashMap<String, Option<ModuleId>>>,
    /// (type item, associated name) -> module of the impl defining it, and the impl (index,
    /// member position) when known: its return type feeds method-call resolution.
    assoc: HashMap<(ItemId, String), AssocEntry>,
    /// Workspace traits implemented for types outside the workspace:
    /// (type's last path segment, item name) -> every (impl module, trait).
    ext_assoc: HashMap<(String, String), Vec<(ModuleId, ItemId)>>,
    /// Traits imported as `use path::Trait as _;`, per scope: they bind no name but put the
    /// trait's methods in scope.
    anon_traits: HashMap<ScopeId, Vec<ItemId>>,
    /// `macro_rules!` of each crate by name, for `#[macro_use]` textual scoping.
    crate_macros: HashMap<(u32, String), Vec<ItemId>>,
    /// Traits each type implements (from `impl Trait for Type`).
    traits_of: HashMap<ItemId, Vec<ItemId>>,
    glob_memo: std::cell::RefCell<GlobMemo>,
    impl_types: Vec<ImplTypes>,
}

pub fn resolve(p: &Program) -> Resolution {
    let mut r = Resolver {
        any_alts: false,
        p,
        names: (0..p.scopes.len()).map(|_| Names::default()).collect(),
        externs: Vec::new(),
        assoc: HashMap::default(),
        traits_of: HashMap::default(),
        glob_memo: std::cell::RefCell::new(
            (0..p.scopes.len()).map(|_| Default::default()).collect(),
        ),
        ext_assoc: HashMap::default(),
        anon_traits: HashMap::default(),
        crate_macros: HashMap::default(),
        impl_types: vec![ImplTypes::default(); p.impls.len()],
    };
    r.collect_externs();
    r.collect_definitions();
    let unresolved_imports = r.resolve_imports();
    r.collect_impls();
    r.collect_anon_traits();
    let mut res = r.resolve_refs();
    r.resolve_methods(&mut res);
    res.unresolved_imports = unresolved_imports;
    res.impl_types = std::mem::take(&mut r.impl_types);
    res
}

fn ns_of(kind: ItemKind) -> usize {
    match kind {
        ItemKind::Fn | ItemKind::Const | ItemKind::Static => VALUE,
        ItemKind::Macro => MACRO,
        _ => TYPE,
    }
}

/// Where a path is written: what every reference found there shares.
struct Site<'a> {
    from: ModuleId,
    file: FileId,
    span: Span,
    ctx: Ctx,
    written: String,
    /// The last segment as written (names an associated item).
    leaf: &'a str,
    is_test: bool,
    cfg: crate::modules::CfgId,
    reexport: Option<crate::modules::Pos>,
}

impl Site<'_> {
    fn unresolved(self) -> Unresolved {
        Unresolved {
            from: self.from,
            file: self.file,
            span: self.span,
            written: self.written,
        }
    }
}

/// Where [`Resolver::walk_rest`] starts: what the segments before denote.
struct Start {
    cur: Def,
    via: Vec<ModuleId>,
    first_origin: Option<u32>,
    first_def: Def,
}

/// The cfg of the code that made a binding (0: every build).
fn binding_cfg(p: &Program, b: &Binding) -> crate::modules::CfgId {
    match (b.origin, b.def) {
        (Some(u), _) => p.uses[u as usize].cfg,
        (None, Def::Item(id)) => p.items[id as usize].cfg,
        _ => 0,
    }
}

/// `new`'s definition, when it is a cfg alternative of `old` (both under conditions the
/// configuration leaves open, different ones, for different definitions); rustc would
/// reject any other duplicate, so the first binding stays the only one.
fn alternative(p: &Program, old: &Binding, new: &Binding) -> Option<Def> {
    let (a, b) = (binding_cfg(p, old), binding_cfg(p, new));
    let real = |d: Def| !matches!(d, Def::Unknown | Def::External);
    (a != 0 && b != 0 && a != b && old.def != new.def && real(new.def) && real(old.def))
        .then_some(new.def)
}

enum Walk {
    Found {
        def: Def,
        via: Vec<ModuleId>,
        quals: Vec<ItemId>,
        /// Import that bound the first segment, and what the first segment denotes.
        first_origin: Option<u32>,
        first_def: Def,
    },
    External,
    /// Not found (yet: imports may still bring it).
    Missing,
}

impl<'p> Resolver<'p> {
    fn module_scope(&self, m: ModuleId) -> ScopeId {
        self.p.modules[m as usize].scope
    }

    fn crate_root(&self, m: ModuleId) -> ModuleId {
        let mut m = m;
        while let Some(p) = self.p.modules[m as usize].parent {
            m = p;
        }
        m
    }

    fn collect_externs(&mut self) {
        for c in &self.p.crates {
            let mut map = HashMap::default();
            for e in &c.info.externs {
                let root = e.krate.and_then(|k| self.p.crates[k].root);
                map.insert(e.name.clone(), root);
            }
            for s in ["std", "core", "alloc", "proc_macro", "test"] {
                map.entry(s.to_string()).or_insert(None);
            }
            self.externs.push(map);
        }
        // `extern crate self as windows;` (any `extern crate` at a crate root) adds its name
        // to the extern prelude: `::windows::core::X` works anywhere in the crate.
        for it in &self.p.items {
            let m = &self.p.modules[it.module as usize];
            if it.kind != ItemKind::ExternCrate || m.parent.is_some() || m.scope != it.scope {
                continue;
            }
            let krate = m.krate as usize;
            let target = it.alias_of.as_ref().map(|a| a[0].as_str()).unwrap_or("");
            let def = if target == "self" {
                self.p.crates[krate].root
            } else {
                self.externs[krate].get(target).copied().flatten()
            };
            self.externs[krate].entry(it.name.clone()).or_insert(def);
        }
    }

    fn bind(&mut self, scope: ScopeId, ns: usize, name: &str, b: Binding) {
        let names = &mut self.names[scope as usize];
        match names.explicit[ns].get(name) {
            None => {
                names.explicit[ns].insert(name.to_string(), b);
            }
            Some(old) => {
                if let Some(def) = alternative(self.p, old, &b) {
                    let alts = names.alts[ns].entry(name.to_string()).or_default();
                    if !alts.contains(&def) {
                        alts.push(def);
                    }
                    self.any_alts = true;
                }
            }
        }
    }

    /// The other cfg alternatives of the name a lookup in `scope` (or the scopes around it)
    /// found, in namespace `ns`.
    fn alternatives_of(&self, scope: ScopeId, name: &str, ns: usize) -> &[Def] {
        if !self.any_alts {
            return &[];
        }
        let mut s = Some(scope);
        while let Some(id) = s {
            let n = &self.names[id as usize];
            if n.explicit[ns].contains_key(name) {
                return n.alts[ns].get(name).map_or(&[], Vec::as_slice);
            }
            s = self.p.scopes[id as usize].parent;
        }
        &[]
    }

    /// The visibility of each `mod` declaration, by the declaring scope and name. Cfg
    /// alternatives of one module take the widest; a module no `mod` item declares (crate
    /// roots, the modules diesel's `table!` makes) is public.
    fn mod_visibility(&self) -> HashMap<(ScopeId, &'p str), Vis> {
        let mut vis: HashMap<(ScopeId, &str), Vis> = HashMap::default();
        for it in self.p.items.iter().filter(|it| it.kind == ItemKind::Mod) {
            let v = vis.entry((it.scope, it.name.as_str())).or_insert(it.vis);
            *v = (*v).max(it.vis);
        }
        vis
    }

    fn collect_definitions(&mut self) {
        let p = self.p;
        let mod_vis = self.mod_visibility();
        for (id, m) in p.modules.iter().enumerate() {
            for (name, child) in &m.children {
                let b = Binding {
                    def: Def::Module(*child),
                    vis: *mod_vis.get(&(m.scope, name.as_str())).unwrap_or(&Vis::Pub),
                    home: id as ModuleId,
                    via: Vec::new(),
                    origin: None,
                };
                self.bind(m.scope, TYPE, name, b);
            }
        }
        for (id, it) in p.items.iter().enumerate() {
            if it.kind == ItemKind::Mod {
                continue; // bound above, as the module
            }
            let id = id as ItemId;
            let def = if it.kind == ItemKind::ExternCrate {
                let target = it.alias_of.as_ref().map(|a| a[0].as_str()).unwrap_or("");
                let krate = p.modules[it.module as usize].krate as usize;
                if target == "self" {
                    Def::Module(self.crate_root(it.module))
                } else {
                    match self.externs[krate].get(target) {
                        Some(Some(root)) => Def::Module(*root),
                        _ => Def::External,
                    }
                }
            } else {
                Def::Item(id)
            };
            let b = Binding {
                def,
                vis: it.vis,
                home: it.module,
                via: Vec::new(),
                origin: None,
            };
            self.bind(it.scope, ns_of(it.kind), &it.name, b.clone());
            if it.kind == ItemKind::Struct && it.value_ctor {
                self.bind(it.scope, VALUE, &it.name, b.clone());
            }
            if it.kind == ItemKind::Macro {
                let krate = p.modules[it.module as usize].krate;
                self.crate_macros
                    .entry((krate, it.name.clone()))
                    .or_default()
                    .push(id);
            }
            if it.kind == ItemKind::Macro && it.macro_export {
                let root = self.crate_root(it.module);
                let scope = self.module_scope(root);
                self.bind(scope, MACRO, &it.name, b);
            }
        }
    }

    /// Looks a name up in one module's top-level scope (explicit names before glob imports).
    fn lookup_in_module(&self, m: ModuleId, name: &str, ns: usize) -> Option<Binding> {
        let scope = self.module_scope(m);
        match self.names[scope as usize].explicit[ns].get(name) {
            Some(b) => Some(b.clone()),
            None => self.glob_find(scope, name, ns).0,
        }
    }

    fn clear_glob_memo(&self) {
        for m in self.glob_memo.borrow_mut().iter_mut() {
            m.iter_mut().for_each(HashMap::clear);
        }
    }

    fn is_2015(&self, m: ModuleId) -> bool {
        self.p.crates[self.p.modules[m as usize].krate as usize]
            .info
            .edition_2015
    }

    /// Where a `use` path starts: its scope, except in edition 2015, where `use a::b` and
    /// `::a::b` start at the crate root (`self::`, `super::` and `crate::` stay relative).
    fn use_origin(&self, u: &crate::modules::Use) -> (ScopeId, bool) {
        let first = match &u.leaf {
            UseLeaf::Name { name, .. } if u.prefix.is_empty() => name.as_str(),
            _ => u.prefix.first().map(String::as_str).unwrap_or(""),
        };
        if self.is_2015(u.module) && !matches!(first, "self" | "super" | "crate") {
            (self.module_scope(self.crate_root(u.module)), false)
        } else {
            (u.scope, u.leading_colon)
        }
    }

    /// Complete answer marker for [`Self::glob_find`].
    const COMPLETE: usize = usize::MAX;

    /// A name brought into `scope` by its glob imports. The second value is the depth of the
    /// shallowest lookup still under way that this answer had to skip (a cycle), or
    /// [`Self::COMPLETE`]: as in Tarjan's algorithm, a lookup whose cycles all lead back to
    /// itself is complete and memoised. The memo is cleared whenever the import fixed point
    /// may have changed the tables.
    fn glob_find(&self, scope: ScopeId, name: &str, ns: usize) -> (Option<Binding>, usize) {
        self.glob_find_in(scope, name, ns, &mut Vec::new())
    }

    /// [`Self::glob_find`] with the stack of scopes whose lookup of `name` is under way.
    fn glob_find_in(
        &self,
        scope: ScopeId,
        name: &str,
        ns: usize,
        stack: &mut Vec<ScopeId>,
    ) -> (Option<Binding>, usize) {
        let n = &self.names[scope as usize];
        if n.globs.is_empty() {
            return (None, Self::COMPLETE);
        }
        if let Some(hit) = self.glob_memo.borrow()[scope as usize][ns].get(name) {
            return (hit.clone(), Self::COMPLETE);
        }
        if let Some(d) = stack.iter().position(|s| *s == scope) {
            return (None, d); // a cycle: the lookup at depth `d` explores the rest
        }
        let depth = stack.len();
        stack.push(scope);
        let importer = self.p.scopes[scope as usize].module;
        let mut low = Self::COMPLETE;
        let mut found = None;
        for &(ui, target) in &n.globs {
            let u = &self.p.uses[ui as usize];
            match target {
                Def::Module(m) => {
                    let ms = self.module_scope(m);
                    let (b, l) = match self.names[ms as usize].explicit[ns].get(name) {
                        Some(b) => (Some(b.clone()), Self::COMPLETE),
                        None => self.glob_find_in(ms, name, ns, stack),
                    };
                    low = low.min(l);
                    let Some(b) = b else { continue };
                    if !self.visible_from(&b, importer) || b.origin == Some(ui) {
                        continue;
                    }
                    let mut via = vec![m];
                    via.extend(b.via.iter().copied());
                    found = Some(Binding {
                        def: b.def,
                        vis: u.vis,
                        home: importer,
                        via,
                        origin: b.origin.or(Some(ui)),
                    });
                    break;
                }
                Def::Item(id) if ns != MACRO => {
                    if let Some(v) = self.p.items[id as usize]
                        .variants
                        .iter()
                        .position(|v| v == name)
                    {
                        found = Some(Binding {
                            def: Def::Variant(id, v as u32),
                            vis: u.vis,
                            home: importer,
                            via: Vec::new(),
                            origin: Some(ui),
                        });
                        break;
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        if found.is_some() || low >= depth {
            self.glob_memo.borrow_mut()[scope as usize][ns].insert(name.to_string(), found.clone());
            low = Self::COMPLETE;
        }
        (found, low)
    }

    /// Looks a name up from a scope: block scopes outwards, the module, the extern prelude,
    /// the std prelude.
    fn lookup_name(&self, scope: ScopeId, name: &str, ns: usize) -> Option<Binding> {
        let mut s = Some(scope);
        let mut external_glob = false;
        while let Some(id) = s {
            let n = &self.names[id as usize];
            if let Some(b) = n.explicit[ns].get(name) {
                return Some(b.clone());
            }
            if let (Some(b), _) = self.glob_find(id, name, ns) {
                return Some(b);
            }
            external_glob |= n.external_glob;
            s = self.p.scopes[id as usize].parent;
        }
        let module = self.p.scopes[scope as usize].module;
        if ns == MACRO {
            // `macro_rules!` are textually scoped: visible in child modules declared after them.
            let mut m = self.p.modules[module as usize].parent;
            while let Some(id) = m {
                if let Some(b) =
                    self.names[self.module_scope(id) as usize].explicit[MACRO].get(name)
                {
                    return Some(b.clone());
                }
                m = self.p.modules[id as usize].parent;
            }
        }
        if ns == MACRO {
            // `#[macro_use] mod macros;` makes its macros visible to the rest of the crate.
            let krate = self.p.modules[module as usize].krate;
            if let Some([one]) = self
                .crate_macros
                .get(&(krate, name.to_string()))
                .map(Vec::as_slice)
            {
                let it = &self.p.items[*one as usize];
                return Some(Binding {
                    def: Def::Item(*one),
                    vis: it.vis,
                    home: it.module,
                    via: Vec::new(),
                    origin: None,
                });
            }
        }
        if ns == TYPE {
            let krate = self.p.modules[module as usize].krate as usize;
            if let Some(root) = self.externs[krate].get(name) {
                return Some(Binding {
                    def: root.map(Def::Module).unwrap_or(Def::External),
                    vis: Vis::Pub,
                    home: module,
                    via: Vec::new(),
                    origin: None,
                });
            }
        }
        if prelude::is_prelude(name, ns) || external_glob {
            return Some(Binding {
                def: Def::External,
                vis: Vis::Pub,
                home: module,
                via: Vec::new(),
                origin: None,
            });
        }
        None
    }

    fn ns_order(hint: NsHint, last: bool) -> &'static [usize] {
        if !last {
            return &[TYPE];
        }
        match hint {
            NsHint::Type => &[TYPE],
            NsHint::Value => &[VALUE, TYPE],
            NsHint::Macro => &[MACRO],
            NsHint::Any => &[TYPE, VALUE, MACRO],
        }
    }

    /// Follows a type alias to the item it names.
    fn unalias(&self, id: ItemId, depth: u32) -> Def {
        let it = &self.p.items[id as usize];
        if it.kind != ItemKind::TypeAlias || depth > 8 {
            return Def::Item(id);
        }
        let Some(target) = &it.alias_of else {
            return Def::Item(id);
        };
        match self.walk(it.scope, target, false, NsHint::Type) {
            Walk::Found {
                def: Def::Item(t), ..
            } if t != id => self.unalias(t, depth + 1),
            _ => Def::Item(id),
        }
    }

    /// Walks a path from a scope. `hint` is the namespace of the last segment.
    fn walk(&self, scope: ScopeId, segs: &[String], leading_colon: bool, hint: NsHint) -> Walk {
        self.walk_with(scope, segs, leading_colon, hint, &mut Vec::new())
    }

    /// [`Self::walk`], also collecting the cfg alternatives met on the way: (index of the
    /// segment, the other definition it may denote).
    fn walk_with(
        &self,
        scope: ScopeId,
        segs: &[String],
        leading_colon: bool,
        hint: NsHint,
        alts: &mut Vec<(usize, Def)>,
    ) -> Walk {
        let module = self.p.scopes[scope as usize].module;
        let mut via = Vec::new();
        let mut first_origin = None;
        let n = segs.len();
        if leading_colon && self.is_2015(module) {
            // 2015: `::a::b` is `crate::a::b` (or an extern crate named `a`).
            let root = self.module_scope(self.crate_root(module));
            return self.walk_with(root, segs, false, hint, alts);
        }
        let cur = if leading_colon {
            let krate = self.p.modules[module as usize].krate as usize;
            match self.externs[krate].get(&segs[0]) {
                Some(Some(root)) => Def::Module(*root),
                Some(None) => return Walk::External,
                None => return Walk::Missing,
            }
        } else {
            match segs[0].as_str() {
                "crate" => Def::Module(self.crate_root(module)),
                "self" => Def::Module(module),
                "super" => match self.p.modules[module as usize].parent {
                    Some(p) => Def::Module(p),
                    None => return Walk::Missing,
                },
                name => {
                    let mut found = None;
                    for &ns in Self::ns_order(hint, n == 1) {
                        if let Some(b) = self.lookup_name(scope, name, ns) {
                            let other = self.alternatives_of(scope, name, ns);
                            alts.extend(other.iter().map(|d| (0, *d)));
                            found = Some(b);
                            break;
                        }
                    }
                    match found {
                        Some(b) => {
                            via.extend(b.via.iter().copied());
                            first_origin = b.origin;
                            b.def
                        }
                        None => return Walk::Missing,
                    }
                }
            }
        };
        let first_def = cur;
        let start = Start {
            cur,
            via,
            first_origin,
            first_def,
        };
        self.walk_rest(scope, segs, 1, hint, start, alts)
    }

    /// The rest of a walk, from segment `from` on, `start.cur` being what the segment before
    /// denotes.
    fn walk_rest(
        &self,
        scope: ScopeId,
        segs: &[String],
        from: usize,
        hint: NsHint,
        start: Start,
        alts: &mut Vec<(usize, Def)>,
    ) -> Walk {
        let Start {
            mut cur,
            mut via,
            first_origin,
            first_def,
        } = start;
        let mut quals = Vec::new();
        let n = segs.len();
        for (i, seg) in segs.iter().enumerate().skip(from) {
            let last = i + 1 == n;
            // A qualifier that is a type alias is a reference to the alias (`Token::default()`
            // with `type Token = child::Token;` names the alias's module, as rust-analyzer
            // says); the item after it is looked up on the aliased type.
            let written = cur;
            if let Def::Item(id) = cur {
                cur = self.unalias(id, 0);
            }
            cur = match cur {
                Def::Module(m) => {
                    if seg == "super" {
                        match self.p.modules[m as usize].parent {
                            Some(p) => Def::Module(p),
                            None => return Walk::Missing,
                        }
                    } else if seg == "self" {
                        Def::Module(m)
                    } else {
                        let mut found = None;
                        for &ns in Self::ns_order(hint, last) {
                            if let Some(b) = self.lookup_in_module(m, seg, ns) {
                                let scope = self.module_scope(m);
                                if let Some(other) = self.names[scope as usize].alts[ns].get(seg) {
                                    alts.extend(other.iter().map(|d| (i, *d)));
                                }
                                found = Some(b);
                                break;
                            }
                        }
                        let Some(b) = found else {
                            if self.names[self.module_scope(m) as usize].external_glob {
                                return Walk::External;
                            }
                            return Walk::Missing;
                        };
                        via.push(m);
                        via.extend(b.via.iter().copied());
                        b.def
                    }
                }
                Def::Item(id) => {
                    let it = &self.p.items[id as usize];
                    quals.push(match written {
                        Def::Item(alias) => alias,
                        _ => id,
                    });
                    if let Some(v) = it.variants.iter().position(|v| v == seg) {
                        Def::Variant(id, v as u32)
                    } else if let Some((m, _)) = self.assoc.get(&(id, seg.clone())) {
                        Def::Assoc {
                            owner: id,
                            module: *m,
                        }
                    } else {
                        // Trait items live with the trait; unknown ones (derived, from external
                        // traits) are attributed to the type's module.
                        Def::Assoc {
                            owner: id,
                            module: it.module,
                        }
                    }
                }
                Def::Variant(..) | Def::Assoc { .. } => cur,
                Def::External => {
                    if last && let Some((m, tr)) = self.ext_trait_item(scope, &segs[i - 1], seg) {
                        Def::Assoc {
                            owner: tr,
                            module: m,
                        }
                    } else {
                        return Walk::External;
                    }
                }
                Def::Unknown => return Walk::Missing,
            };
        }
        if cur == Def::External {
            return Walk::External;
        }
        Walk::Found {
            def: cur,
            via,
            quals,
            first_origin,
            first_def,
        }
    }

    /// Resolves imports to a fixed point; returns how many stayed unresolved.
    fn resolve_imports(&mut self) -> usize {
        let p = self.p;
        let mut imports: Vec<u32> = Vec::new();
        let mut globs: Vec<(u32, Option<Def>)> = Vec::new();
        for (i, u) in p.uses.iter().enumerate() {
            match u.leaf {
                UseLeaf::Glob => globs.push((i as u32, None)),
                UseLeaf::Name { .. } => imports.push(i as u32),
            }
        }
        // A `use` imports the name in every namespace where it exists, and those may appear
        // at different times (`pub use m::f;` next to `mod f;` in the same facade): an import
        // stays open until all three namespaces are bound or the fixed point is reached.
        let mut bound: Vec<[bool; 3]> = vec![[false; 3]; p.uses.len()];
        let mut resolved = vec![false; p.uses.len()];
        // Privacy: an import binds only what its module may see. One that sees nothing when
        // the fixed point is reached (the code would not compile, or a visibility we do not
        // model) takes what is there, in one more, lenient round.
        let mut lenient = false;
        loop {
            self.clear_glob_memo();
            let mut progress = false;
            for &ui in &imports {
                if bound[ui as usize].iter().all(|b| *b) || (lenient && resolved[ui as usize]) {
                    continue;
                }
                let Some(bindings) = self.try_import(ui, lenient) else {
                    continue;
                };
                if !resolved[ui as usize] {
                    resolved[ui as usize] = true;
                    progress = true;
                }
                let u = &p.uses[ui as usize];
                let UseLeaf::Name { name, alias } = &u.leaf else {
                    unreachable!()
                };
                let local = alias.as_deref().unwrap_or(name);
                for (ns, b) in bindings {
                    if bound[ui as usize][ns] {
                        continue;
                    }
                    bound[ui as usize][ns] = true;
                    if local == "_" {
                        continue;
                    }
                    let names = &mut self.names[u.scope as usize];
                    match names.explicit[ns].get(local) {
                        None => {
                            names.explicit[ns].insert(local.to_string(), b);
                            progress = true;
                        }
                        Some(old) => {
                            if let Some(def) = alternative(p, old, &b) {
                                let alts = names.alts[ns].entry(local.to_string()).or_default();
                                if !alts.contains(&def) {
                                    alts.push(def);
                                }
                                self.any_alts = true;
                            }
                        }
                    }
                }
            }
            // Tables may have grown: memoised misses may be wrong now. (Within one iteration a
            // stale miss only delays an import to the next one; the last iteration changes
            // nothing, so its memo is exact.)
            self.clear_glob_memo();
            for glob in globs.iter_mut() {
                let (ui, target) = *glob;
                let u = &p.uses[ui as usize];
                if target.is_some() {
                    continue;
                }
                let (origin, leading) = self.use_origin(u);
                match self.walk(origin, &u.prefix, leading, NsHint::Type) {
                    Walk::Found { def, .. } => {
                        let def = match def {
                            Def::Item(id) => self.unalias(id, 0),
                            d => d,
                        };
                        glob.1 = Some(def);
                        if matches!(def, Def::Module(_) | Def::Item(_)) {
                            self.names[u.scope as usize].globs.push((ui, def));
                        }
                        progress = true;
                    }
                    Walk::External => {
                        glob.1 = Some(Def::External);
                        self.names[u.scope as usize].external_glob = true;
                        progress = true;
                    }
                    Walk::Missing => {}
                }
            }
            progress |= self.propagate_external_globs();
            if !progress {
                if lenient {
                    break;
                }
                lenient = true;
            }
        }
        // Unresolved imports: bind their names to Unknown so uses of them are not mistaken for
        // something else.
        let pending: Vec<u32> = imports
            .iter()
            .copied()
            .filter(|ui| !resolved[*ui as usize])
            .collect();
        for &ui in &pending {
            let u = &p.uses[ui as usize];
            if let UseLeaf::Name { name, alias } = &u.leaf {
                let local = alias.as_deref().unwrap_or(name).to_string();
                for ns in [TYPE, VALUE, MACRO] {
                    self.names[u.scope as usize].explicit[ns]
                        .entry(local.clone())
                        .or_insert(Binding {
                            def: Def::Unknown,
                            vis: u.vis,
                            home: u.module,
                            via: Vec::new(),
                            origin: Some(ui),
                        });
                }
            }
        }
        pending.len() + globs.iter().filter(|g| g.1.is_none()).count()
    }

    /// The bindings a `use` brings in, per namespace; `None` while its path does not resolve.
    fn try_import(&self, ui: u32, lenient: bool) -> Option<Vec<(usize, Binding)>> {
        let u = &self.p.uses[ui as usize];
        let UseLeaf::Name { name, .. } = &u.leaf else {
            return None;
        };
        let mk = |def: Def, via: Vec<ModuleId>| Binding {
            def,
            vis: u.vis,
            home: u.module,
            via,
            origin: Some(ui),
        };
        let (origin, leading) = self.use_origin(u);
        if u.prefix.is_empty() {
            // `use foo;` / `use foo as bar;`: an extern crate or a name in scope.
            if leading || name == "crate" || name == "self" || name == "super" {
                let segs = [name.clone()];
                return match self.walk(origin, &segs, leading, NsHint::Type) {
                    Walk::Found { def, via, .. } => Some(vec![(TYPE, mk(def, via))]),
                    Walk::External => Some(vec![(TYPE, mk(Def::External, Vec::new()))]),
                    Walk::Missing => None,
                };
            }
            let mut out = Vec::new();
            for ns in [TYPE, VALUE, MACRO] {
                if let Some(b) = self.lookup_name(origin, name, ns)
                    && b.origin != Some(ui)
                {
                    out.push((ns, mk(b.def, b.via)));
                }
            }
            return if out.is_empty() { None } else { Some(out) };
        }
        let container = match self.walk(origin, &u.prefix, leading, NsHint::Type) {
            Walk::Found { def, via, .. } => (def, via),
            Walk::External => {
                return Some(vec![
                    (TYPE, mk(Def::External, vec![])),
                    (VALUE, mk(Def::External, vec![])),
                    (MACRO, mk(Def::External, vec![])),
                ]);
            }
            Walk::Missing => return None,
        };
        let (def, via) = container;
        let def = match def {
            Def::Item(id) => self.unalias(id, 0),
            d => d,
        };
        match def {
            Def::Module(m) => {
                let mut found: Vec<(usize, Binding)> = [TYPE, VALUE, MACRO]
                    .into_iter()
                    .filter_map(|ns| Some((ns, self.lookup_in_module(m, name, ns)?)))
                    .collect();
                if found.is_empty() && self.names[self.module_scope(m) as usize].external_glob {
                    return Some(vec![
                        (TYPE, mk(Def::External, vec![])),
                        (VALUE, mk(Def::External, vec![])),
                    ]);
                }
                // rustc imports only the namespaces the importer may see: `use routes::login`
                // is the re-exported fn, not the private module `login` beside it.
                if !lenient {
                    found.retain(|(_, b)| self.visible_from(b, u.module));
                }
                let out: Vec<(usize, Binding)> = found
                    .into_iter()
                    .map(|(ns, b)| {
                        let mut v = via.clone();
                        v.push(m);
                        v.extend(b.via.iter().copied());
                        (ns, mk(b.def, v))
                    })
                    .collect();
                (!out.is_empty()).then_some(out)
            }
            Def::Item(id) => {
                let it = &self.p.items[id as usize];
                if let Some(v) = it.variants.iter().position(|v| v == name) {
                    let d = Def::Variant(id, v as u32);
                    Some(vec![(TYPE, mk(d, via.clone())), (VALUE, mk(d, via))])
                } else {
                    // `use Trait::method` or an associated item: attribute it to the owner.
                    let d = Def::Assoc {
                        owner: id,
                        module: it.module,
                    };
                    Some(vec![(VALUE, mk(d, via))])
                }
            }
            Def::External => Some(vec![
                (TYPE, mk(Def::External, vec![])),
                (VALUE, mk(Def::External, vec![])),
            ]),
            _ => None,
        }
    }

    /// Whether code in module `from` may name binding `b` (`pub(in path)` is taken as
    /// `pub(crate)`).
    fn visible_from(&self, b: &Binding, from: ModuleId) -> bool {
        let krate = |m: ModuleId| self.p.modules[m as usize].krate;
        match b.vis {
            Vis::Pub => true,
            Vis::Crate | Vis::Restricted => krate(b.home) == krate(from),
            Vis::Private => self.is_within(from, b.home),
        }
    }

    fn is_within(&self, m: ModuleId, ancestor: ModuleId) -> bool {
        let mut cur = Some(m);
        while let Some(c) = cur {
            if c == ancestor {
                return true;
            }
            cur = self.p.modules[c as usize].parent;
        }
        false
    }

    /// A module glob-importing a module that glob-imports an external crate may see unknown
    /// names from it too. True if a flag changed.
    fn propagate_external_globs(&mut self) -> bool {
        let mut changed = false;
        loop {
            let mut any = false;
            for sid in 0..self.names.len() {
                if self.names[sid].external_glob {
                    continue;
                }
                let hit = self.names[sid].globs.iter().any(|(_, t)| match t {
                    Def::Module(m) => self.names[self.module_scope(*m) as usize].external_glob,
                    _ => false,
                });
                if hit {
                    self.names[sid].external_glob = true;
                    any = true;
                }
            }
            if !any {
                return changed;
            }
            changed = true;
        }
    }

    fn collect_impls(&mut self) {
        let p = self.p;
        // Inherent impls first: an inherent item wins over a trait item of the same name.
        let mut order: Vec<usize> = (0..p.impls.len()).collect();
        order.sort_by_key(|&i| p.impls[i].trait_.is_some());
        let mut trait_provided: std::collections::HashSet<(ItemId, String)> = Default::default();
        for i in order {
            let im = &p.impls[i];
            if let Some(tr) = &im.trait_ {
                self.impl_types[i].trait_ = self.resolve_type_item(im.scope, tr);
            }
            let Some(ty) = &im.self_ty else { continue };
            let Some(id) = self.resolve_type_item(im.scope, ty) else {
                // `impl OurTrait for ExternalType`: remembered by the type's name.
                if let Some(tr) = &im.trait_
                    && let Some(t) = self.resolve_type_item(im.scope, tr)
                    && matches!(self.walk(im.scope, ty, false, NsHint::Type), Walk::External)
                    && let Some(last) = ty.last()
                {
                    for name in &im.items {
                        let impls = self.ext_assoc.entry((last.clone(), name.clone()));
                        impls.or_default().push((im.module, t));
                    }
                }
                continue;
            };
            self.impl_types[i].self_ty = Some(id);
            if let Some(t) = self.impl_types[i].trait_ {
                self.traits_of.entry(id).or_default().push(t);
            }
            let owner_module = p.items[id as usize].module;
            for (pos, name) in im.items.iter().enumerate() {
                let key = (id, name.clone());
                match self.assoc.get(&key) {
                    None => {
                        self.assoc
                            .insert(key.clone(), (im.module, Some((i as u32, pos as u32))));
                        if im.trait_.is_some() {
                            trait_provided.insert(key);
                        }
                    }
                    // Several trait impls give the type an item of this name (`From::from` for
                    // many sources): only type inference could pick one, so attribute it to
                    // the type itself rather than guess.
                    Some((m, _)) if *m != im.module && trait_provided.contains(&key) => {
                        self.assoc.insert(key, (owner_module, None));
                    }
                    Some(_) => {}
                }
            }
        }
        for (id, it) in p.items.iter().enumerate() {
            if it.kind == ItemKind::Trait {
                for m in &it.members {
                    self.assoc
                        .entry((id as ItemId, m.clone()))
                        .or_insert((it.module, None));
                }
            }
        }
    }

    /// The workspace item a type path names, following aliases.
    fn resolve_type_item(&self, scope: ScopeId, segs: &[String]) -> Option<ItemId> {
        match self.walk(scope, segs, false, NsHint::Type) {
            Walk::Found {
                def: Def::Item(id), ..
            } => match self.unalias(id, 0) {
                Def::Item(id) => Some(id),
                _ => None,
            },
            _ => None,
        }
    }

    fn def_module(&self, d: Def) -> Option<ModuleId> {
        match d {
            Def::Module(m) => Some(m),
            Def::Item(i) | Def::Variant(i, _) => Some(self.p.items[i as usize].module),
            Def::Assoc { module, .. } => Some(module),
            Def::External | Def::Unknown => None,
        }
    }

    fn item_path(&self, d: Def) -> String {
        let p = self.p;
        match d {
            Def::Module(m) => p.modules[m as usize].path.clone(),
            Def::Item(i) => {
                let it = &p.items[i as usize];
                format!("{}::{}", p.modules[it.module as usize].path, it.name)
            }
            Def::Variant(i, v) => format!(
                "{}::{}",
                self.item_path(Def::Item(i)),
                p.items[i as usize].variants[v as usize]
            ),
            Def::Assoc { owner, .. } => self.item_path(Def::Item(owner)),
            Def::External | Def::Unknown => String::new(),
        }
    }

    fn kind_of(&self, d: Def) -> RefKind {
        match d {
            Def::Module(_) => RefKind::Mod,
            Def::Item(i) => item_ref_kind(self.p.items[i as usize].kind),
            Def::Variant(..) => RefKind::Variant,
            _ => RefKind::Assoc,
        }
    }

    #[allow(clippy::too_many_arguments)]
    /// Records a resolved reference written at `site`.
    fn push_ref(
        &self,
        out: &mut Resolution,
        site: &Site,
        def: Def,
        via: Vec<ModuleId>,
        reportable: bool,
        qualifier: bool,
    ) {
        let Some(to) = self.def_module(def) else {
            return;
        };
        let mut item = self.item_path(def);
        if matches!(def, Def::Assoc { .. }) {
            item.push_str("::");
            item.push_str(site.leaf);
        }
        out.refs.push(Reference {
            from: site.from,
            to,
            target: def,
            kind: self.kind_of(def),
            item,
            file: site.file,
            span: site.span,
            ctx: site.ctx,
            written: site.written.clone(),
            via,
            reportable,
            qualifier,
            is_test: site.is_test,
            cfg: site.cfg,
            reexport: site.reexport,
        });
    }

    /// One reference per other definition a path may denote under cfg alternatives (each
    /// definition once; `found`, what `walk` found and its qualifiers, excluded).
    fn push_alternatives(
        &self,
        out: &mut Resolution,
        site: &Site,
        r: &crate::modules::PathRef,
        alts: &[(usize, Def)],
        found: &[Def],
        reportable: bool,
    ) {
        // Alternatives that are one module's files (`#[cfg(unix)] #[path = "sys_unix.rs"] mod
        // sys;` beside the Windows one) define the same item path: one reference.
        // Output names them alike (`Child` an enum in one build, a struct in another): once.
        let key = |d: Def| {
            let mut item = self.item_path(d);
            if matches!(d, Def::Assoc { .. }) {
                item.push_str("::");
                item.push_str(site.leaf);
            }
            (self.def_module(d), item)
        };
        let mut seen: Vec<_> = found.iter().map(|d| key(*d)).collect();
        for &(i, d) in alts {
            let def = if i + 1 == r.segs.len() {
                d
            } else {
                let start = Start {
                    cur: d,
                    via: Vec::new(),
                    first_origin: None,
                    first_def: d,
                };
                match self.walk_rest(r.scope, &r.segs, i + 1, r.ns, start, &mut Vec::new()) {
                    Walk::Found { def, .. } => {
                        if matches!(d, Def::Item(_)) && !seen.contains(&key(d)) {
                            seen.push(key(d)); // the qualifier (`Poller` in `Poller::new`)
                            self.push_ref(out, site, d, Vec::new(), false, true);
                        }
                        def
                    }
                    _ => continue,
                }
            };
            if def != Def::Unknown && !seen.contains(&key(def)) {
                seen.push(key(def));
                // An alternative of the first segment came the way the found one did (through
                // this module's own imports, reported at the `use`, or not).
                self.push_ref(out, site, def, Vec::new(), reportable || i > 0, false);
            }
        }
    }

    fn resolve_refs(&self) -> Resolution {
        let p = self.p;
        let mut out = Resolution::default();
        // `use` declarations are references too, but not those a macro's expansion made.
        for (ui, u) in p.uses.iter().enumerate() {
            if u.synthetic {
                continue;
            }
            let mut segs = u.prefix.clone();
            let (written_leaf, glob) = match &u.leaf {
                UseLeaf::Name { name, .. } => (name.clone(), false),
                UseLeaf::Glob => ("*".to_string(), true),
            };
            let written = {
                let mut w = if u.leading_colon {
                    "::".to_string()
                } else {
                    String::new()
                };
                let mut all = segs.clone();
                all.push(written_leaf.clone());
                w.push_str(&all.join("::"));
                w
            };
            if !glob {
                segs.push(written_leaf.clone());
            }
            if segs.is_empty() {
                continue;
            }
            let site = Site {
                from: u.module,
                file: u.file,
                span: u.span,
                ctx: Ctx::Use,
                written,
                leaf: &written_leaf,
                is_test: u.is_test,
                cfg: u.cfg,
                reexport: (u.vis != Vis::Private).then_some(u.stmt),
            };
            // What the import bound, in every namespace (`use m::f;` may name both a module and
            // a function `f`): one reference per distinct target.
            if let UseLeaf::Name { name, alias } = &u.leaf {
                let local = alias.as_deref().unwrap_or(name);
                let mut seen: Vec<Def> = Vec::new();
                for ns in [TYPE, VALUE, MACRO] {
                    if let Some(b) = self.names[u.scope as usize].explicit[ns].get(local)
                        && b.origin == Some(ui as u32)
                        && !seen.contains(&b.def)
                    {
                        seen.push(b.def);
                        match b.def {
                            Def::External => out.external += 1,
                            Def::Unknown => {}
                            def => self.push_ref(
                                &mut out,
                                &site,
                                def,
                                b.via.clone(),
                                !matches!(def, Def::Module(_)),
                                false,
                            ),
                        }
                    }
                }
                if seen.iter().any(|d| *d != Def::Unknown) {
                    continue;
                }
            }
            let hint = if glob { NsHint::Type } else { NsHint::Any };
            let (origin, leading) = self.use_origin(u);
            match self.walk_use(u.scope, origin, &segs, leading, hint, ui as u32) {
                Walk::Found { def, via, .. } => {
                    let reportable = glob || !matches!(def, Def::Module(_));
                    self.push_ref(&mut out, &site, def, via, reportable, false);
                }
                Walk::External => out.external += 1,
                Walk::Missing => out.unresolved.push(site.unresolved()),
            }
        }
        for r in &p.refs {
            let written = {
                let mut w = if r.leading_colon {
                    "::".to_string()
                } else {
                    String::new()
                };
                w.push_str(&r.segs.join("::"));
                w
            };
            let site = Site {
                from: r.module,
                file: r.file,
                span: r.span,
                ctx: r.ctx,
                written,
                leaf: r.segs.last().map(String::as_str).unwrap_or(""),
                is_test: r.is_test,
                cfg: r.cfg,
                reexport: None,
            };
            let mut alts = Vec::new();
            match self.walk_with(r.scope, &r.segs, r.leading_colon, r.ns, &mut alts) {
                Walk::Found {
                    def,
                    via,
                    quals,
                    first_origin,
                    first_def,
                } => {
                    if def == Def::Unknown {
                        if !r.optional {
                            out.unresolved.push(site.unresolved());
                        }
                        continue;
                    }
                    // A name imported by a `use` of this module is reported at the `use`.
                    let through_local_import = first_origin.is_some_and(|o| {
                        p.uses[o as usize].module == r.module
                            && !matches!(first_def, Def::Module(_))
                    });
                    for q in &quals {
                        if Def::Item(*q) != def {
                            self.push_ref(&mut out, &site, Def::Item(*q), via.clone(), false, true);
                        }
                    }
                    self.push_ref(&mut out, &site, def, via, !through_local_import, false);
                    if !alts.is_empty() {
                        let mut found: Vec<Def> = quals.iter().map(|q| Def::Item(*q)).collect();
                        found.push(def);
                        let local = !through_local_import;
                        self.push_alternatives(&mut out, &site, r, &alts, &found, local);
                    }
                }
                Walk::External => out.external += 1,
                Walk::Missing => {
                    if !r.optional {
                        out.unresolved.push(site.unresolved());
                    }
                }
            }
        }
        out
    }

    /// Resolves a `use` path as a reference: like [`Self::walk`], but the first segment must
    /// not resolve to the import itself.
    #[allow(clippy::too_many_arguments)]
    fn walk_use(
        &self,
        scope: ScopeId,
        origin: ScopeId,
        segs: &[String],
        leading_colon: bool,
        hint: NsHint,
        ui: u32,
    ) -> Walk {
        if segs.len() == 1
            && !leading_colon
            && !matches!(segs[0].as_str(), "crate" | "self" | "super")
        {
            // `use foo;`: what the import itself bound.
            for ns in [TYPE, VALUE, MACRO] {
                if let Some(b) = self.names[scope as usize].explicit[ns].get(&segs[0])
                    && b.origin == Some(ui)
                {
                    return match b.def {
                        Def::External => Walk::External,
                        Def::Unknown => Walk::Missing,
                        def => Walk::Found {
                            def,
                            via: b.via.clone(),
                            quals: vec![],
                            first_origin: None,
                            first_def: def,
                        },
                    };
                }
            }
        }
        self.walk(origin, segs, leading_colon, hint)
    }
}
