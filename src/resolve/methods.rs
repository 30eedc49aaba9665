//! Method calls without type inference: `x.m()` resolves when the receiver's type is written
//! down somewhere the syntax pass saw it: a typed parameter or `let`, `self` in an impl, a
//! struct field of a known type, a constructor or function call with a declared return type,
//! a static, and chains of those (`self.gctx.shell().warn(..)`). Smart pointers (`Box`, `Arc`,
//! `Rc`, guards) are looked through; `?`, `unwrap()` and `expect()` take the first type
//! argument (`Result<T, E>` gives `T`). Anything else stays unresolved: no guessing.

use super::{Binding, Def, RefKind, Reference, Resolution, Resolver, TYPE, Walk};
use crate::modules::extract::{NsHint, Recv, TyRef, UseLeaf};
use crate::modules::{Ctx, ItemId, ItemKind, ModuleId, ScopeId};

/// Types whose methods are looked through to their first type argument.
const WRAPPERS: &[&str] = &[
    "Box",
    "Arc",
    "Rc",
    "Ref",
    "RefMut",
    "RefCell",
    "Cell",
    "Mutex",
    "MutexGuard",
    "RwLock",
    "RwLockReadGuard",
    "RwLockWriteGuard",
    "Cow",
    "Pin",
    "ManuallyDrop",
    "OnceCell",
    "OnceLock",
    "LazyLock",
    "LazyCell",
    "Lazy",
];

/// Methods that return (a guard or reference to) their receiver's inner value.
const PASSTHROUGH: &[&str] = &[
    "clone",
    "to_owned",
    "borrow",
    "borrow_mut",
    "lock",
    "read",
    "write",
    "as_ref",
    "as_mut",
    "deref",
    "deref_mut",
    "get_mut",
    "by_ref",
    "as_deref",
    "as_deref_mut",
];

/// Methods that take the value out of `Result<T, _>`/`Option<T>`.
const UNWRAP: &[&str] = &[
    "unwrap",
    "expect",
    "unwrap_or_default",
    "unwrap_or",
    "unwrap_or_else",
    "unwrap_unchecked",
];

const MAX_DEPTH: u32 = 12;

/// `Type::f(..)` for a `Type` from outside the workspace (`String::new()`): taken to give a
/// `Type`. It only matters for a workspace trait's methods implemented for that type (see
/// [`Resolver::ext_trait_item`]); an outside type has no fields or impls of ours.
fn external_call_ty(scope: ScopeId, segs: &[String]) -> Option<Typed> {
    let [ty @ .., qual, _] = segs else {
        return None;
    };
    if !qual.starts_with(|c: char| c.is_ascii_uppercase()) {
        return None;
    }
    let mut segs = ty.to_vec();
    segs.push(qual.clone());
    Some((
        TyRef {
            segs,
            args: Vec::new(),
        },
        scope,
    ))
}

type Typed = (TyRef, ScopeId);

impl Resolver<'_> {
    fn item_ty(&self, id: ItemId) -> Typed {
        let it = &self.p.items[id as usize];
        (
            TyRef {
                segs: vec![it.name.clone()],
                args: Vec::new(),
            },
            it.scope,
        )
    }

    /// The workspace item a type names, looking through smart pointers.
    fn type_item(&self, t: &Typed, depth: u32) -> Option<ItemId> {
        if depth > MAX_DEPTH {
            return None;
        }
        if let Some(id) = self.resolve_type_item(t.1, &t.0.segs) {
            return Some(id);
        }
        let last = t.0.segs.last()?;
        if WRAPPERS.contains(&last.as_str()) {
            let inner = t.0.args.first()?;
            return self.type_item(&(inner.clone(), t.1), depth + 1);
        }
        None
    }

    fn strip_wrappers(&self, t: Typed) -> Typed {
        let mut t = t;
        for _ in 0..MAX_DEPTH {
            let is_wrapper =
                t.0.segs
                    .last()
                    .is_some_and(|l| WRAPPERS.contains(&l.as_str()));
            if !is_wrapper
                || t.0.args.is_empty()
                || self.resolve_type_item(t.1, &t.0.segs).is_some()
            {
                break;
            }
            t.0 = t.0.args[0].clone();
        }
        t
    }

    fn unwrap(&self, t: Typed) -> Typed {
        match t.0.args.first() {
            Some(inner) => (inner.clone(), t.1),
            None => t,
        }
    }

    /// The type of a receiver, when it is written down.
    fn eval(&self, scope: ScopeId, recv: &Recv, depth: u32) -> Option<Typed> {
        if depth > MAX_DEPTH {
            return None;
        }
        match recv {
            Recv::Typed(t) => Some((t.clone(), scope)),
            Recv::Value(segs) => match self.walk(scope, segs, false, NsHint::Value) {
                Walk::Found {
                    def: Def::Item(id), ..
                } => {
                    let it = &self.p.items[id as usize];
                    match it.kind {
                        ItemKind::Static | ItemKind::Const => Some((it.ty.clone()?, it.scope)),
                        ItemKind::Struct => Some(self.item_ty(id)),
                        _ => None,
                    }
                }
                Walk::Found {
                    def: Def::Variant(id, _),
                    ..
                } => Some(self.item_ty(id)),
                _ => None,
            },
            Recv::Call(segs) => match self.walk(scope, segs, false, NsHint::Value) {
                Walk::Found { def, .. } => match def {
                    Def::Item(id) => {
                        let it = &self.p.items[id as usize];
                        match it.kind {
                            ItemKind::Fn => Some((it.ty.clone()?, it.scope)),
                            ItemKind::Struct => Some(self.item_ty(id)),
                            _ => None,
                        }
                    }
                    Def::Variant(id, _) => Some(self.item_ty(id)),
                    Def::Assoc { owner, .. } => {
                        let name = segs.last()?;
                        match self.assoc.get(&(owner, name.clone())) {
                            Some((_, Some((imp, pos)))) => {
                                let im = &self.p.impls[*imp as usize];
                                Some((im.rets[*pos as usize].clone()?, im.scope))
                            }
                            // A trait item, or derived: constructors return their type.
                            Some((_, None)) | None => Some(self.item_ty(owner)),
                        }
                    }
                    _ => None,
                },
                Walk::External => external_call_ty(scope, segs),
                _ => None,
            },
            Recv::Field(base, field) => {
                let t = self.strip_wrappers(self.eval(scope, base, depth + 1)?);
                let id = self.type_item(&t, 0)?;
                let it = &self.p.items[id as usize];
                let (_, fty) = it.fields.iter().find(|(n, _)| n == field)?;
                Some((fty.clone(), it.scope))
            }
            Recv::Try(inner) => Some(self.unwrap(self.eval(scope, inner, depth + 1)?)),
            Recv::Method(inner, name) => {
                let t = self.eval(scope, inner, depth + 1)?;
                if UNWRAP.contains(&name.as_str()) {
                    return Some(self.unwrap(t));
                }
                if PASSTHROUGH.contains(&name.as_str()) {
                    return Some(self.strip_wrappers(t));
                }
                let (_, _, entry) = self.method_on(scope, &t, name)?;
                let (imp, pos) = entry?;
                let im = &self.p.impls[imp as usize];
                Some((im.rets[pos as usize].clone()?, im.scope))
            }
        }
    }

    /// Traits imported as `use path::Trait as _;` (see [`Resolver::anon_traits`]).
    pub(super) fn collect_anon_traits(&mut self) {
        for u in &self.p.uses {
            let UseLeaf::Name { name, alias } = &u.leaf else {
                continue;
            };
            if alias.as_deref() != Some("_") {
                continue;
            }
            let mut segs = u.prefix.clone();
            segs.push(name.clone());
            let (origin, leading) = self.use_origin(u);
            if let Walk::Found {
                def: Def::Item(id), ..
            } = self.walk(origin, &segs, leading, NsHint::Type)
                && self.p.items[id as usize].kind == ItemKind::Trait
            {
                self.anon_traits.entry(u.scope).or_default().push(id);
            }
        }
    }

    /// Whether trait `tr` is in scope at `scope`, as a method call on it requires: defined or
    /// imported (renamed, or `as _`) in the module or an enclosing block, or glob-imported
    /// there. Parent modules do not count.
    fn trait_in_scope(&self, scope: ScopeId, tr: ItemId) -> bool {
        let name = &self.p.items[tr as usize].name;
        let is_tr = |b: &Binding| b.def == Def::Item(tr);
        let mut s = Some(scope);
        while let Some(id) = s {
            let n = &self.names[id as usize];
            if n.explicit[TYPE].get(name).is_some_and(is_tr)
                || self.glob_find(id, name, TYPE).0.as_ref().is_some_and(is_tr)
                || self.anon_traits.get(&id).is_some_and(|v| v.contains(&tr))
                || n.explicit[TYPE].values().any(is_tr)
            {
                return true;
            }
            s = self.p.scopes[id as usize].parent;
        }
        false
    }

    /// Item `name` of a workspace trait implemented for the outside type named `ty` (its
    /// last path segment), when that trait is in scope at `scope`: a method call or
    /// `Type::method` path to it compiles only then.
    pub(super) fn ext_trait_item(
        &self,
        scope: ScopeId,
        ty: &str,
        name: &str,
    ) -> Option<(ModuleId, ItemId)> {
        let impls = self.ext_assoc.get(&(ty.to_string(), name.to_string()))?;
        impls
            .iter()
            .find(|(_, tr)| self.trait_in_scope(scope, *tr))
            .copied()
    }

    /// The impl module (and impl entry) of method `name` on a type, called at `scope`.
    #[allow(clippy::type_complexity)]
    fn method_on(
        &self,
        scope: ScopeId,
        t: &Typed,
        name: &str,
    ) -> Option<(ModuleId, ItemId, Option<(u32, u32)>)> {
        let Some(id) = self.type_item(t, 0) else {
            // A workspace trait implemented for a type from outside the workspace.
            let (m, tr) = self.ext_trait_item(scope, t.0.segs.last()?, name)?;
            return Some((m, tr, None));
        };
        if let Some((m, entry)) = self.assoc.get(&(id, name.to_string())) {
            return Some((*m, id, *entry));
        }
        // A default method of a trait the type implements.
        for tr in self.traits_of.get(&id).into_iter().flatten() {
            let t = &self.p.items[*tr as usize];
            if t.members.iter().any(|m| m == name) {
                return Some((t.module, *tr, None));
            }
        }
        None
    }

    pub(super) fn resolve_methods(&self, out: &mut Resolution) {
        for mc in &self.p.methods {
            let Some(t) = self.eval(mc.scope, &mc.recv, 0) else {
                continue;
            };
            let Some((module, owner, _)) = self.method_on(mc.scope, &t, &mc.name) else {
                continue;
            };
            out.refs.push(Reference {
                from: mc.module,
                to: module,
                target: Def::Assoc { owner, module },
                kind: RefKind::Assoc,
                item: format!("{}::{}", self.item_path(Def::Item(owner)), mc.name),
                file: mc.file,
                span: mc.span,
                ctx: Ctx::Method,
                written: format!(".{}()", mc.name),
                via: Vec::new(),
                // Method calls make edges, but the receiver's type is reported where it is
                // named; a call alone is not a finding.
                reportable: false,
                qualifier: false,
                is_test: mc.is_test,
                cfg: mc.cfg,
                reexport: None,
            });
            out.methods_resolved += 1;
        }
    }
}
