//! Method calls without type inference: `x.m()` resolves when the receiver's type is written
//! down somewhere the syntax pass saw it: a typed parameter or `let`, `self` in an impl, a
//! struct field of a known type, a constructor or function call with a declared return type,
//! a static, and chains of those (`self.gctx.shell().warn(..)`). Smart pointers (`Box`, `Arc`,
//! `Rc`, guards) are looked through; `?`, `unwrap()` and `expect()` take the first type
//! argument (`Result<T, E>` gives `T`). Anything else stays unresolved: no guessing.

use super::{Def, RefKind, Reference, Resolution, Resolver, Walk};
use crate::modules::extract::{NsHint, Recv, TyRef};
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
                let (_, _, entry) = self.method_on(&t, name)?;
                let (imp, pos) = entry?;
                let im = &self.p.impls[imp as usize];
                Some((im.rets[pos as usize].clone()?, im.scope))
            }
        }
    }

    /// The impl module (and impl entry) of method `name` on a type.
    #[allow(clippy::type_complexity)]
    fn method_on(&self, t: &Typed, name: &str) -> Option<(ModuleId, ItemId, Option<(u32, u32)>)> {
        let Some(id) = self.type_item(t, 0) else {
            // A workspace trait implemented for a type from outside the workspace.
            let last = t.0.segs.last()?;
            let (m, tr) = self.ext_assoc.get(&(last.clone(), name.to_string()))?;
            return Some((*m, *tr, None));
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
            let Some((module, owner, _)) = self.method_on(&t, &mc.name) else {
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
