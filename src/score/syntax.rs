//! What the score needs from the syntax that the check's single pass does not keep: the
//! extent of every item (to name the item a reference is written in: its *caller*) and the
//! declared type of every global, including those `lazy_static!` and `thread_local!` define.
//!
//! Only files that hold a cross-domain reference or a global used across domains are read
//! again, from the text the check already loaded.

use syn::spanned::Spanned;
use syn::visit::Visit;

use crate::modules::Pos;

/// An item a reference can be written in: a free fn, a method (`Type::method`), a struct
/// (its fields), a const, a static, a trait.
#[derive(Clone, Debug)]
pub struct Unit {
    pub start: Pos,
    pub end: Pos,
    /// `place`, `Order::total`.
    pub name: String,
    /// Where the item's name is written (matches `Item::span.start`); `None` for methods.
    pub ident_at: Option<Pos>,
    /// For a method: where its impl's `impl` keyword is (matches `Impl::span.start`).
    pub impl_at: Option<Pos>,
}

/// How a global holds its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GlobalKind {
    /// `static mut`, or interior mutability (`Mutex`, `RwLock`, `RefCell`, `Cell`, `Atomic*`..).
    Mutable,
    /// Initialised once, read-only afterwards (`OnceLock`, `Lazy`, `lazy_static!` of a plain value).
    InitOnce,
}

#[derive(Clone, Debug)]
pub struct Global {
    pub ident_at: Pos,
    pub kind: GlobalKind,
    /// What makes it so: `static mut`, `Mutex`, `thread_local!`, `OnceLock`..
    pub why: String,
}

#[derive(Default, Debug)]
pub struct FileFacts {
    /// Sorted by start.
    pub units: Vec<Unit>,
    pub globals: Vec<Global>,
}

impl FileFacts {
    /// The innermost unit containing `p`.
    pub fn unit_at(&self, p: Pos) -> Option<&Unit> {
        // The units starting at or before `p`, latest first: the first that contains `p` is
        // the innermost (a binary search, not a scan of the file's units per reference).
        let upto = self.units.partition_point(|u| u.start <= p);
        self.units[..upto].iter().rev().find(|u| p <= u.end)
    }
}

const INTERIOR: &[&str] = &[
    "Mutex",
    "RwLock",
    "RefCell",
    "Cell",
    "UnsafeCell",
    "DashMap",
    "ArcSwap",
    "ReentrantMutex",
];
const INIT_ONCE: &[&str] = &["OnceLock", "OnceCell", "Lazy", "LazyLock"];

/// Classifies a global from the identifiers of its type.
pub fn classify(
    idents: &[String],
    is_mut: bool,
    macro_name: Option<&str>,
) -> Option<(GlobalKind, String)> {
    if is_mut {
        return Some((GlobalKind::Mutable, "static mut".into()));
    }
    if let Some(i) = idents
        .iter()
        .find(|i| INTERIOR.contains(&i.as_str()) || i.starts_with("Atomic"))
    {
        return Some((GlobalKind::Mutable, i.clone()));
    }
    if let Some(i) = idents.iter().find(|i| INIT_ONCE.contains(&i.as_str())) {
        return Some((GlobalKind::InitOnce, i.clone()));
    }
    macro_name.map(|m| (GlobalKind::InitOnce, format!("{m}!")))
}

fn idents_of(ts: proc_macro2::TokenStream, out: &mut Vec<String>) {
    for t in ts {
        match t {
            proc_macro2::TokenTree::Ident(i) => out.push(i.to_string()),
            proc_macro2::TokenTree::Group(g) => idents_of(g.stream(), out),
            _ => {}
        }
    }
}

/// Every identifier of a type.
struct Idents(Vec<String>);

impl<'a> Visit<'a> for Idents {
    fn visit_ident(&mut self, i: &'a syn::Ident) {
        self.0.push(i.to_string());
    }
}

fn pos(lc: proc_macro2::LineColumn) -> Pos {
    Pos {
        line: lc.line as u32,
        col: lc.column as u32,
    }
}

fn ty_name(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        syn::Type::Reference(r) => ty_name(&r.elem),
        _ => "impl".into(),
    }
}

/// Reads one file. A file that no longer parses gives nothing (the check reported it).
pub fn read(text: &str) -> FileFacts {
    let mut facts = FileFacts::default();
    if let Ok(file) = syn::parse_file(text) {
        items(&file.items, &mut facts);
    }
    proc_macro2::extra::invalidate_current_thread_spans();
    facts.units.sort_by_key(|u| (u.start, u.end));
    facts
}

fn unit(facts: &mut FileFacts, span: proc_macro2::Span, name: String, ident: &syn::Ident) {
    facts.units.push(Unit {
        start: pos(span.start()),
        end: pos(span.end()),
        name,
        ident_at: Some(pos(ident.span().start())),
        impl_at: None,
    });
}

fn items(list: &[syn::Item], facts: &mut FileFacts) {
    for item in list {
        match item {
            syn::Item::Fn(f) => unit(facts, f.span(), f.sig.ident.to_string(), &f.sig.ident),
            syn::Item::Struct(s) => unit(facts, s.span(), s.ident.to_string(), &s.ident),
            syn::Item::Enum(e) => unit(facts, e.span(), e.ident.to_string(), &e.ident),
            syn::Item::Union(u) => unit(facts, u.span(), u.ident.to_string(), &u.ident),
            syn::Item::Trait(t) => unit(facts, t.span(), t.ident.to_string(), &t.ident),
            syn::Item::Type(t) => unit(facts, t.span(), t.ident.to_string(), &t.ident),
            syn::Item::Const(c) => unit(facts, c.span(), c.ident.to_string(), &c.ident),
            syn::Item::Static(s) => {
                unit(facts, s.span(), s.ident.to_string(), &s.ident);
                let mut idents = Idents(Vec::new());
                idents.visit_type(&s.ty);
                let idents = idents.0;
                let is_mut = matches!(s.mutability, syn::StaticMutability::Mut(_));
                if let Some((kind, why)) = classify(&idents, is_mut, None) {
                    facts.globals.push(Global {
                        ident_at: pos(s.ident.span().start()),
                        kind,
                        why,
                    });
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    items(inner, facts);
                }
            }
            syn::Item::Impl(im) => {
                let self_name = ty_name(&im.self_ty);
                let impl_at = pos(im.impl_token.span.start());
                for ii in &im.items {
                    let (span, name) = match ii {
                        syn::ImplItem::Fn(f) => (f.span(), f.sig.ident.to_string()),
                        syn::ImplItem::Const(c) => (c.span(), c.ident.to_string()),
                        _ => continue,
                    };
                    facts.units.push(Unit {
                        start: pos(span.start()),
                        end: pos(span.end()),
                        name: format!("{self_name}::{name}"),
                        ident_at: None,
                        impl_at: Some(impl_at),
                    });
                }
            }
            syn::Item::Macro(m) => {
                let name = m
                    .mac
                    .path
                    .segments
                    .last()
                    .map(|s| s.ident.to_string())
                    .unwrap_or_default();
                if name == "lazy_static" || name == "thread_local" {
                    macro_globals(m.mac.tokens.clone(), &name, facts);
                }
            }
            _ => {}
        }
    }
}

/// `[pub] static [ref] NAME: TYPE = ..;` entries of `lazy_static!` / `thread_local!`.
fn macro_globals(ts: proc_macro2::TokenStream, macro_name: &str, facts: &mut FileFacts) {
    use proc_macro2::TokenTree;
    let toks: Vec<TokenTree> = ts.into_iter().collect();
    let mut i = 0;
    while i < toks.len() {
        if matches!(&toks[i], TokenTree::Ident(k) if k == "static") {
            let mut j = i + 1;
            if matches!(toks.get(j), Some(TokenTree::Ident(r)) if r == "ref" || r == "mut") {
                j += 1;
            }
            if let Some(TokenTree::Ident(name)) = toks.get(j) {
                let mut idents = Vec::new();
                let mut k = j + 1;
                while k < toks.len()
                    && !matches!(&toks[k], TokenTree::Punct(p) if p.as_char() == '=')
                {
                    match &toks[k] {
                        TokenTree::Ident(id) => idents.push(id.to_string()),
                        TokenTree::Group(g) => idents_of(g.stream(), &mut idents),
                        _ => {}
                    }
                    k += 1;
                }
                let (kind, why) = match classify(&idents, false, Some(macro_name)) {
                    Some((GlobalKind::Mutable, why)) => {
                        (GlobalKind::Mutable, format!("{macro_name}! {why}"))
                    }
                    // A thread-local is per thread, but any `Cell` in it is mutable: classify by type.
                    Some(k) => k,
                    None => (GlobalKind::InitOnce, format!("{macro_name}!")),
                };
                facts.globals.push(Global {
                    ident_at: pos(name.span().start()),
                    kind,
                    why,
                });
                i = k;
                continue;
            }
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_globals() {
        let f = read(
            "use std::sync::Mutex;\n\
             pub static LEDGER: Mutex<Vec<u8>> = Mutex::new(Vec::new());\n\
             static NAME: &str = \"x\";\n\
             static mut COUNT: u32 = 0;\n\
             lazy_static! { static ref RE: Regex = Regex::new(\"a\").unwrap(); }\n\
             thread_local! { static DEPTH: Cell<u32> = Cell::new(0); }\n\
             struct S;\n\
             impl S {\n    fn go(&self) {\n        run();\n    }\n}\n\
             fn run() {}\n",
        );
        let kinds: Vec<(GlobalKind, &str)> =
            f.globals.iter().map(|g| (g.kind, g.why.as_str())).collect();
        assert_eq!(
            kinds,
            vec![
                (GlobalKind::Mutable, "Mutex"),
                (GlobalKind::Mutable, "static mut"),
                (GlobalKind::InitOnce, "lazy_static!"),
                (GlobalKind::Mutable, "thread_local! Cell"),
            ]
        );
        let u = f.unit_at(Pos { line: 10, col: 8 }).expect("unit");
        assert_eq!(u.name, "S::go");
        assert!(u.impl_at.is_some());
        assert!(f.unit_at(Pos { line: 1, col: 4 }).is_none());
    }
}
