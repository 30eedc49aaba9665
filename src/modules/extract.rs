//! One syn pass over one file: the modules it holds (the file's own and inline ones), the
//! items they define, their `use` trees, their `mod x;` declarations, impl blocks, and every
//! path written in code with its span. Spans become line/column pairs here and the syntax tree
//! is dropped as soon as the pass is done.

use std::path::{Path, PathBuf};

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};

use std::collections::HashMap;
use std::sync::Arc;

use super::cfg::{Cfg, CfgEnv, Wrapper};
use super::expand;
use super::ident::ident_name;
use super::{Ctx, ItemKind, Pos, Span, Vis, orm};

/// A scope inside a file: a module's top level (`parent == None`) or a block with items.
#[derive(Debug, Clone)]
pub struct RawScope {
    pub parent: Option<u32>,
    /// Local index of the module the scope belongs to.
    pub module: u32,
}

#[derive(Debug, Clone)]
pub struct RawModule {
    pub name: String,
    /// Local index of the enclosing module; `None` for the file's own module.
    pub parent: Option<u32>,
    pub scope: u32,
    pub is_test: bool,
    pub span: Option<Span>,
}

#[derive(Debug, Clone)]
pub struct RawItem {
    pub scope: u32,
    pub name: String,
    pub kind: ItemKind,
    pub vis: Vis,
    pub span: Span,
    /// Enum variants.
    pub variants: Vec<String>,
    /// Tuple and unit structs also live in the value namespace.
    pub value_ctor: bool,
    /// `#[macro_export]` on a `macro_rules!`.
    pub macro_export: bool,
    /// For `type A = path::B;` and `extern crate x as y;`: the path it stands for.
    pub alias_of: Option<Vec<String>>,
    /// Trait items (names of fns, consts, types declared in a trait).
    pub members: Vec<String>,
    /// A fn's return type, a static's or const's type.
    pub ty: Option<TyRef>,
    /// A struct's fields (tuple fields are named `0`, `1`, ...).
    pub fields: Vec<(String, TyRef)>,
    pub is_test: bool,
    /// The cfg condition it is under: an index into [`RawFile::conds`].
    pub cfg: u32,
}

#[derive(Debug, Clone)]
pub enum UseLeaf {
    Name { name: String, alias: Option<String> },
    Glob,
}

#[derive(Debug, Clone)]
pub struct RawUse {
    pub scope: u32,
    /// The path up to (not including) the leaf.
    pub prefix: Vec<String>,
    pub leading_colon: bool,
    pub leaf: UseLeaf,
    pub vis: Vis,
    /// From the first segment of the whole use path to the end of the leaf.
    pub span: Span,
    /// Where its `use` item starts (the leaves of one statement share it).
    pub stmt: Pos,
    pub is_test: bool,
    /// The cfg condition it is under: an index into [`RawFile::conds`].
    pub cfg: u32,
    /// Made by a macro's expansion (diesel's `table!`), not written: it binds names but is
    /// not a reference.
    pub synthetic: bool,
}

#[derive(Debug, Clone)]
pub struct RawImpl {
    pub scope: u32,
    pub self_ty: Option<Vec<String>>,
    pub trait_: Option<Vec<String>>,
    pub items: Vec<String>,
    /// Return types of the impl's fns, parallel to `items`.
    pub rets: Vec<Option<TyRef>>,
    pub span: Span,
    pub cfg: u32,
}

#[derive(Debug, Clone)]
pub struct RawModDecl {
    /// Local index of the module that declares it.
    pub parent: u32,
    pub name: String,
    /// Files to try, in order.
    pub candidates: Vec<PathBuf>,
    /// Whether the child file is loaded through `#[path]`.
    pub by_path_attr: bool,
    pub is_test: bool,
    /// The cfg condition it is under: an index into [`RawFile::conds`].
    pub cfg: u32,
    pub span: Span,
    /// `include!("file.rs")` at item position: the file's items belong to the declaring
    /// module itself.
    pub include: bool,
}

#[derive(Debug, Clone)]
pub struct RawRef {
    pub scope: u32,
    pub segs: Vec<String>,
    pub leading_colon: bool,
    pub span: Span,
    pub ctx: Ctx,
    /// The namespace of the last segment, in lookup order.
    pub ns: NsHint,
    /// A best-effort reference (token scan in a macro, capitalised pattern binding): when it
    /// does not resolve it is dropped, not counted as unresolved.
    pub optional: bool,
    pub is_test: bool,
    /// The cfg condition it is under: an index into [`RawFile::conds`].
    pub cfg: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NsHint {
    Type,
    Value,
    Macro,
    Any,
}

/// A type as written: path segments and generic type arguments (`Arc<Mutex<Order>>`).
/// References and pointers are transparent (`&Order` is `Order`); `impl Trait`/`dyn Trait`
/// become the first trait bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TyRef {
    pub segs: Vec<String>,
    pub args: Vec<TyRef>,
}

/// What a method call's receiver is, as far as syntax tells: enough to find the receiver's
/// type without type inference when it is written down somewhere.
#[derive(Debug, Clone)]
pub enum Recv {
    /// A value whose type is written (a typed parameter or `let`, a struct literal).
    Typed(TyRef),
    /// A path used as a value: a static, a const, a unit struct.
    Value(Vec<String>),
    /// `path(..)`: a function's or associated function's return value.
    Call(Vec<String>),
    /// `recv.field`
    Field(Box<Recv>, String),
    /// `recv.method(..)`: that method's return value.
    Method(Box<Recv>, String),
    /// `recv?`
    Try(Box<Recv>),
}

#[derive(Debug, Clone)]
pub struct RawMethodCall {
    pub scope: u32,
    pub recv: Recv,
    pub name: String,
    /// The method name.
    pub span: Span,
    pub is_test: bool,
    /// The cfg condition it is under: an index into [`RawFile::conds`].
    pub cfg: u32,
}

/// What database code says at one place (see [`super::orm`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataFact {
    /// `table! { orders (id) { .. } }`: the table, defined here as module `module`.
    DieselTable { module: String, table: String },
    /// `joinable!(child -> parent (fk))`, by the tables' Rust names.
    DieselJoin { child: String, parent: String },
    /// `#[sea_orm(table_name = "..")]`: this module is the table's entity.
    SeaOrmEntity { table: String },
    /// A SQL string literal given to a query function, method or macro (or a `const`).
    Sql { text: String },
    /// `query_file!("queries/x.sql")`: SQL read from a file relative to the manifest.
    SqlFile { path: String },
    /// `sqlx::query(&sql)`: SQL that is not a literal.
    OpaqueSql { call: String },
    /// The arguments of diesel's `insert_into(..)`, `update(..)`, `delete(..)`: the span
    /// covers them, and table references inside write.
    WriteCall { call: String },
    /// `a::table.inner_join(b::table)`: the span covers the receiver and the arguments, and
    /// the tables named inside are joined in one query.
    JoinCall { call: String },
}

#[derive(Debug, Clone)]
pub struct RawData {
    pub scope: u32,
    pub fact: DataFact,
    pub span: Span,
    pub is_test: bool,
    /// The cfg condition it is under: an index into [`RawFile::conds`].
    pub cfg: u32,
}

#[derive(Debug, Default)]
pub struct RawFile {
    pub modules: Vec<RawModule>,
    pub scopes: Vec<RawScope>,
    pub items: Vec<RawItem>,
    pub uses: Vec<RawUse>,
    pub impls: Vec<RawImpl>,
    pub decls: Vec<RawModDecl>,
    pub refs: Vec<RawRef>,
    pub methods: Vec<RawMethodCall>,
    pub data: Vec<RawData>,
    pub lines: u32,
    /// The cfg conditions records are under, each already conjoined with its enclosing
    /// ones; `conds[0]` is `true`. What the configuration decided is gone: these are the
    /// residuals (target cfgs without `--target`, wrapper macros read at assembly).
    pub conds: Vec<Cfg>,
    /// The `macro_rules!` this file defines, with their cfg-wrapper shape when they have one.
    pub cfg_macros: Vec<(String, Option<Wrapper>)>,
    /// Modules declared here that the configuration (or `include_tests`) switches off, by
    /// local parent module and name: patterns naming them are not typos.
    pub inactive: Vec<(u32, String)>,
    /// `macro_rules!` here that define items from their arguments (see [`super::expand`]).
    pub item_macros: Vec<(String, Vec<expand::ItemRule>)>,
    /// Item-position macro calls that such a template may expand.
    pub macro_calls: Vec<expand::RawMacroCall>,
}

/// Where the children of a module declared in this file are looked for.
pub struct FileCtx<'a> {
    pub path: &'a Path,
    /// Directory holding the files of child modules (`src/` for lib.rs, `src/a/` for a.rs).
    pub module_dir: &'a Path,
    pub include_tests: bool,
    pub is_test: bool,
    /// Only follow `mod` declarations (the parse-floor benchmark): no items, no paths.
    pub decls_only: bool,
    /// The configuration `cfg` predicates are evaluated against.
    pub cfg: &'a Arc<CfgEnv>,
}

pub fn extract(file: &syn::File, ctx: &FileCtx) -> RawFile {
    let mut x = Extractor {
        out: RawFile::default(),
        file_dir: ctx.path.parent().unwrap_or(Path::new("")).to_path_buf(),
        include_tests: ctx.include_tests,
        module: 0,
        scope: 0,
        mod_dirs: vec![ctx.module_dir.to_path_buf()],
        ctx: Ctx::Expr,
        self_ty: Vec::new(),
        generics: Vec::new(),
        locals: Vec::new(),
        bounds: Vec::new(),
        in_test: ctx.is_test,
        inline_depth: 0,
        decls_only: ctx.decls_only,
        env: ctx.cfg.clone(),
        cond: 0,
        cond_ids: HashMap::new(),
    };
    x.out.modules.push(RawModule {
        name: String::new(),
        parent: None,
        scope: 0,
        is_test: ctx.is_test,
        span: None,
    });
    x.out.scopes.push(RawScope {
        parent: None,
        module: 0,
    });
    x.out.conds.push(Cfg::True);
    // `#![cfg(..)]` at the top of the file gates all of it (`#![cfg(test)]`: a test file).
    let Some(g) = x.gate(&file.attrs) else {
        x.out.modules[0].is_test |= x.gate_is_test(&file.attrs);
        return x.out;
    };
    x.out.modules[0].is_test |= g.test;
    x.in_test = g.test;
    x.cond = g.cond;
    for item in &file.items {
        x.visit_item(item);
    }
    x.out
}

/// Whether an item is test code and the cfg condition it is under.
#[derive(Clone, Copy, Debug)]
struct Gate {
    test: bool,
    cond: u32,
}

/// The `#[cfg(..)]` and `#[cfg_attr(.., cfg(..))]` predicates among attributes.
fn cfg_attrs(attrs: &[syn::Attribute]) -> impl Iterator<Item = Cfg> + '_ {
    attrs.iter().flat_map(|a| {
        let mut out = Vec::new();
        if let syn::Meta::List(list) = &a.meta {
            if a.path().is_ident("cfg") {
                // An unreadable predicate does not compile anyway: read the code.
                out.push(Cfg::parse(list.tokens.clone()).unwrap_or(Cfg::True));
            } else if a.path().is_ident("cfg_attr") {
                cfg_attr_preds(list.tokens.clone(), Cfg::True, &mut out);
            }
        }
        out
    })
}

/// `cfg_attr(P, cfg(Q))` holds when `not(P) or Q`; nested `cfg_attr`s conjoin their `P`s.
fn cfg_attr_preds(tokens: TokenStream, outer: Cfg, out: &mut Vec<Cfg>) {
    let toks: Vec<TokenTree> = tokens.into_iter().collect();
    let mut parts = toks.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ','));
    let Some(cond) = parts.next() else { return };
    let Some(cond) = Cfg::parse(cond.iter().cloned().collect()) else {
        return;
    };
    let when = Cfg::all([outer, cond]);
    for part in parts {
        if let [TokenTree::Ident(i), TokenTree::Group(g)] = part {
            if i == "cfg" {
                let q = Cfg::parse(g.stream()).unwrap_or(Cfg::True);
                out.push(Cfg::any([Cfg::not(when.clone()), q]));
            } else if i == "cfg_attr" {
                cfg_attr_preds(g.stream(), when.clone(), out);
            }
        }
    }
}

/// `if #[cfg(A)] { .. } else if #[cfg(B)] { .. } else { .. }`: (predicate, body) pairs.
fn cfg_if_branches(tokens: TokenStream) -> Option<Vec<(Cfg, TokenStream)>> {
    let toks: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        let is = |t: Option<&TokenTree>, w: &str| matches!(t, Some(TokenTree::Ident(x)) if x == w);
        if is(toks.get(i), "if") {
            let (
                Some(TokenTree::Punct(h)),
                Some(TokenTree::Group(attr)),
                Some(TokenTree::Group(body)),
            ) = (toks.get(i + 1), toks.get(i + 2), toks.get(i + 3))
            else {
                return None;
            };
            let attr: Vec<TokenTree> = attr.stream().into_iter().collect();
            let [TokenTree::Ident(c), TokenTree::Group(pred)] = attr.as_slice() else {
                return None;
            };
            if h.as_char() != '#' || c != "cfg" || body.delimiter() != Delimiter::Brace {
                return None;
            }
            out.push((Cfg::parse(pred.stream())?, body.stream()));
            i += 4;
        } else if let Some(TokenTree::Group(body)) = toks.get(i)
            && body.delimiter() == Delimiter::Brace
            && !out.is_empty()
        {
            out.push((Cfg::True, body.stream()));
            i += 1;
        } else {
            return None;
        }
        match toks.get(i) {
            None => return Some(out),
            Some(_) if is(toks.get(i), "else") => i += 1,
            Some(_) => return None,
        }
    }
}

/// `cfg_select! { unix => { .. } _ => { .. } }` and `cfg_match! { cfg(unix) => { .. } }`.
fn cfg_select_branches(tokens: TokenStream) -> Option<Vec<(Cfg, TokenStream)>> {
    let toks: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < toks.len() {
        if let (TokenTree::Punct(eq), Some(TokenTree::Punct(gt))) = (&toks[i], toks.get(i + 1))
            && eq.as_char() == '='
            && gt.as_char() == '>'
        {
            let pred = match &toks[start..i] {
                [TokenTree::Ident(u)] if u == "_" => Cfg::True,
                [TokenTree::Ident(c), TokenTree::Group(g)] if c == "cfg" => Cfg::parse(g.stream())?,
                p => Cfg::parse(p.iter().cloned().collect())?,
            };
            let Some(TokenTree::Group(body)) = toks.get(i + 2) else {
                return None;
            };
            out.push((pred, body.stream()));
            i += 3;
            if matches!(toks.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ',') {
                i += 1;
            }
            start = i;
        } else {
            i += 1;
        }
    }
    (start == toks.len() && !out.is_empty()).then_some(out)
}

/// The macro a proc-macro crate's fn defines, and where its name is written.
fn proc_macro_name(f: &syn::ItemFn) -> Option<(String, proc_macro2::Span)> {
    f.attrs.iter().find_map(|a| {
        let p = a.path();
        if p.is_ident("proc_macro") || p.is_ident("proc_macro_attribute") {
            return Some((ident_name(&f.sig.ident), f.sig.ident.span()));
        }
        if !p.is_ident("proc_macro_derive") {
            return None;
        }
        let syn::Meta::List(list) = &a.meta else {
            return None;
        };
        match list.tokens.clone().into_iter().next() {
            Some(TokenTree::Ident(i)) => Some((ident_name(&i), i.span())),
            _ => None,
        }
    })
}

/// The outer attributes of an item.
fn item_attrs(i: &syn::Item) -> &[syn::Attribute] {
    use syn::Item as I;
    match i {
        I::Const(x) => &x.attrs,
        I::Enum(x) => &x.attrs,
        I::ExternCrate(x) => &x.attrs,
        I::Fn(x) => &x.attrs,
        I::ForeignMod(x) => &x.attrs,
        I::Impl(x) => &x.attrs,
        I::Macro(x) => &x.attrs,
        I::Mod(x) => &x.attrs,
        I::Static(x) => &x.attrs,
        I::Struct(x) => &x.attrs,
        I::Trait(x) => &x.attrs,
        I::TraitAlias(x) => &x.attrs,
        I::Type(x) => &x.attrs,
        I::Union(x) => &x.attrs,
        I::Use(x) => &x.attrs,
        _ => &[],
    }
}

/// Attributes whose arguments can name items of the crate.
const PATH_ATTRS: &[&str] = &[
    "diesel",
    "serde",
    "sea_orm",
    "belongs_to",
    "table_name",
    "cfg_attr",
];

fn names_paths(a: &syn::Attribute) -> bool {
    let p = a.path();
    p.get_ident()
        .is_some_and(|i| i == "derive" || PATH_ATTRS.iter().any(|p| i == p))
        || (p.segments.len() >= 2 && !is_tool_attr(p))
}

/// `#[rustfmt::skip]`, `#[clippy::..]`, `#[diagnostic::..]`: tool attributes, not macros.
fn is_tool_attr(p: &syn::Path) -> bool {
    matches!(
        p.segments[0].ident.to_string().as_str(),
        "rustfmt" | "clippy" | "diagnostic" | "rust_analyzer"
    )
}

/// `key = "a::b::c"` values that are paths, per attribute: (key, namespace).
fn string_path_key(attr: &str, key: &str) -> Option<NsHint> {
    match (attr, key) {
        ("serde", "with") => Some(NsHint::Type),
        ("serde", "serialize_with" | "deserialize_with" | "default" | "getter") => {
            Some(NsHint::Value)
        }
        ("serde", "from" | "try_from" | "into" | "remote") => Some(NsHint::Type),
        ("sea_orm", "belongs_to" | "has_many" | "has_one" | "from" | "to") => Some(NsHint::Any),
        ("diesel" | "belongs_to", "parent") => Some(NsHint::Type),
        ("diesel" | "table_name", "table_name") => Some(NsHint::Type),
        _ => None,
    }
}

/// How deep into a method or field chain a receiver is followed (see `recv_at`).
const MAX_RECV_DEPTH: usize = 24;

/// Built-in macros whose arguments are never paths (`cfg!(windows)`).
fn is_builtin_macro(name: &str) -> bool {
    matches!(
        name,
        "cfg"
            | "stringify"
            | "concat"
            | "env"
            | "option_env"
            | "include"
            | "include_str"
            | "include_bytes"
            | "compile_error"
            | "concat_idents"
            | "module_path"
            | "file"
            | "line"
            | "column"
    )
}

/// `#[test]`, `#[tokio::test]`, `#[rstest::test]`: a test function whatever the cfg.
fn has_test_attr(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let p = a.path();
        p.segments.last().is_some_and(|s| s.ident == "test")
            && !p.is_ident("cfg")
            && !p.is_ident("cfg_attr")
    })
}

struct Extractor {
    out: RawFile,
    file_dir: PathBuf,
    include_tests: bool,
    module: u32,
    scope: u32,
    /// Per local module: the directory of its child module files.
    mod_dirs: Vec<PathBuf>,
    ctx: Ctx,
    self_ty: Vec<Option<Vec<String>>>,
    generics: Vec<String>,
    /// Local bindings in scope, with what their value is when known.
    locals: Vec<(String, Option<Recv>)>,
    /// Generic parameters' first trait bound, parallel to `generics`.
    bounds: Vec<Option<Vec<String>>>,
    in_test: bool,
    inline_depth: u32,
    decls_only: bool,
    env: Arc<CfgEnv>,
    /// The current cfg condition (an index into `out.conds`) and the interning table.
    cond: u32,
    cond_ids: HashMap<Cfg, u32>,
}

pub fn pos(lc: proc_macro2::LineColumn) -> Pos {
    Pos {
        line: lc.line as u32,
        col: lc.column as u32,
    }
}

pub fn span_of(s: proc_macro2::Span) -> Span {
    Span {
        start: pos(s.start()),
        end: pos(s.end()),
    }
}

fn vis_of(v: &syn::Visibility) -> Vis {
    match v {
        syn::Visibility::Public(_) => Vis::Pub,
        syn::Visibility::Restricted(r) => {
            if r.path.is_ident("crate") {
                Vis::Crate
            } else if r.path.is_ident("self") {
                Vis::Private
            } else {
                Vis::Restricted
            }
        }
        syn::Visibility::Inherited => Vis::Private,
    }
}

/// The outer attributes of an expression (`#[cfg(unix)] f()`).
fn expr_attrs(e: &syn::Expr) -> &[syn::Attribute] {
    use syn::Expr as E;
    match e {
        E::Array(x) => &x.attrs,
        E::Assign(x) => &x.attrs,
        E::Async(x) => &x.attrs,
        E::Await(x) => &x.attrs,
        E::Binary(x) => &x.attrs,
        E::Block(x) => &x.attrs,
        E::Break(x) => &x.attrs,
        E::Call(x) => &x.attrs,
        E::Cast(x) => &x.attrs,
        E::Closure(x) => &x.attrs,
        E::Const(x) => &x.attrs,
        E::Continue(x) => &x.attrs,
        E::Field(x) => &x.attrs,
        E::ForLoop(x) => &x.attrs,
        E::Group(x) => &x.attrs,
        E::If(x) => &x.attrs,
        E::Index(x) => &x.attrs,
        E::Let(x) => &x.attrs,
        E::Lit(x) => &x.attrs,
        E::Loop(x) => &x.attrs,
        E::Macro(x) => &x.attrs,
        E::Match(x) => &x.attrs,
        E::MethodCall(x) => &x.attrs,
        E::Paren(x) => &x.attrs,
        E::Path(x) => &x.attrs,
        E::Range(x) => &x.attrs,
        E::Reference(x) => &x.attrs,
        E::Repeat(x) => &x.attrs,
        E::Return(x) => &x.attrs,
        E::Struct(x) => &x.attrs,
        E::Try(x) => &x.attrs,
        E::TryBlock(x) => &x.attrs,
        E::Tuple(x) => &x.attrs,
        E::Unary(x) => &x.attrs,
        E::Unsafe(x) => &x.attrs,
        E::While(x) => &x.attrs,
        E::Yield(x) => &x.attrs,
        _ => &[],
    }
}

fn attr_path_value(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| {
        if !a.path().is_ident("path") {
            return None;
        }
        if let syn::Meta::NameValue(nv) = &a.meta
            && let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
        {
            return Some(s.value());
        }
        None
    })
}

/// `#[cfg_attr(unix, path = "imp/unix.rs")]`: every path a `cfg_attr` may give the module,
/// with the condition under which it does.
fn cfg_attr_paths(attrs: &[syn::Attribute]) -> Vec<(Cfg, String)> {
    let mut out = Vec::new();
    for a in attrs.iter().filter(|a| a.path().is_ident("cfg_attr")) {
        let syn::Meta::List(list) = &a.meta else {
            continue;
        };
        let toks: Vec<TokenTree> = list.tokens.clone().into_iter().collect();
        let mut parts = toks.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ','));
        let Some(cond) = parts
            .next()
            .and_then(|c| Cfg::parse(c.iter().cloned().collect()))
        else {
            continue;
        };
        for part in parts {
            if let [
                TokenTree::Ident(i),
                TokenTree::Punct(eq),
                TokenTree::Literal(lit),
            ] = part
                && i == "path"
                && eq.as_char() == '='
                && let Ok(syn::Lit::Str(s)) = syn::parse_str::<syn::Lit>(&lit.to_string())
            {
                out.push((cond.clone(), s.value()));
            }
        }
    }
    out
}

fn has_attr(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs.iter().any(|a| a.path().is_ident(name))
}

fn path_segs(p: &syn::Path) -> Vec<String> {
    p.segments.iter().map(|s| ident_name(&s.ident)).collect()
}

/// The path of a type, when it is one (`Foo`, `crate::a::Foo<T>`, `&Foo`).
fn type_path_segs(t: &syn::Type) -> Option<Vec<String>> {
    match t {
        syn::Type::Path(tp) if tp.qself.is_none() => Some(path_segs(&tp.path)),
        syn::Type::Reference(r) => type_path_segs(&r.elem),
        syn::Type::Paren(p) => type_path_segs(&p.elem),
        syn::Type::Group(g) => type_path_segs(&g.elem),
        _ => None,
    }
}

fn first_trait_bound<'a>(
    mut bounds: impl Iterator<Item = &'a syn::TypeParamBound>,
) -> Option<Vec<String>> {
    bounds.find_map(|b| match b {
        syn::TypeParamBound::Trait(t) => Some(path_segs(&t.path)),
        _ => None,
    })
}

fn starts_upper(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_uppercase())
}

fn block_has_items(b: &syn::Block) -> bool {
    b.stmts
        .iter()
        .any(|s| matches!(s, syn::Stmt::Item(i) if !matches!(i, syn::Item::Macro(_))))
}

impl Extractor {
    /// Whether code under these attributes is read, and how: `None` when the configuration
    /// switches it off (or it is test code and tests are not analysed).
    fn gate(&mut self, attrs: &[syn::Attribute]) -> Option<Gate> {
        let test = self.in_test || has_test_attr(attrs);
        let mut preds = cfg_attrs(attrs).peekable();
        if preds.peek().is_none() {
            return (!test || self.include_tests).then_some(Gate {
                test,
                cond: self.cond,
            });
        }
        self.gate_pred(Cfg::all(preds), test)
    }

    /// The gate of code under `pred` (and test code already when `test`).
    fn gate_pred(&mut self, pred: Cfg, mut test: bool) -> Option<Gate> {
        let none = |_: &str, _: Option<&Cfg>| None;
        let build = self.env.test_build;
        let mut r = pred.eval(&self.env, test || build, &none);
        // Code that only `cfg(test)` builds compile is test code.
        if !test && !build && r.is_false() {
            r = pred.eval(&self.env, true, &none);
            test = true;
        } else if !test && build && !r.is_false() {
            test = pred.eval(&self.env, false, &none).is_false();
        }
        if r.is_false() || (test && !self.include_tests) {
            return None;
        }
        Some(Gate {
            test,
            cond: self.push_cond(r),
        })
    }

    /// Whether attributes mark test code, when `gate` said the code is off.
    fn gate_is_test(&self, attrs: &[syn::Attribute]) -> bool {
        let pred = Cfg::all(cfg_attrs(attrs));
        let none = |_: &str, _: Option<&Cfg>| None;
        self.in_test
            || has_test_attr(attrs)
            || (pred.eval(&self.env, false, &none).is_false()
                && !pred.eval(&self.env, true, &none).is_false())
    }

    /// The current condition and `residual` together, interned in the file's table.
    fn push_cond(&mut self, residual: Cfg) -> u32 {
        if residual == Cfg::True {
            return self.cond;
        }
        let c = Cfg::all([self.out.conds[self.cond as usize].clone(), residual]);
        if let Some(id) = self.cond_ids.get(&c) {
            return *id;
        }
        let id = self.out.conds.len() as u32;
        self.out.conds.push(c.clone());
        self.cond_ids.insert(c, id);
        id
    }

    #[allow(clippy::too_many_arguments)]
    fn item(
        &mut self,
        name: String,
        kind: ItemKind,
        vis: &syn::Visibility,
        span: proc_macro2::Span,
        g: Gate,
    ) -> usize {
        self.out.items.push(RawItem {
            scope: self.scope,
            name,
            kind,
            vis: vis_of(vis),
            span: span_of(span),
            variants: Vec::new(),
            value_ctor: false,
            macro_export: false,
            alias_of: None,
            members: Vec::new(),
            ty: None,
            fields: Vec::new(),
            is_test: g.test,
            cfg: g.cond,
        });
        self.out.items.len() - 1
    }

    fn with_test<F: FnOnce(&mut Self)>(&mut self, g: Gate, f: F) {
        let old = (self.in_test, self.cond);
        (self.in_test, self.cond) = (g.test, g.cond);
        f(self);
        (self.in_test, self.cond) = old;
    }

    fn push_generics(&mut self, g: &syn::Generics) -> usize {
        let mark = self.generics.len();
        for p in &g.params {
            if let syn::GenericParam::Type(t) = p {
                self.generics.push(ident_name(&t.ident));
                self.bounds.push(first_trait_bound(t.bounds.iter()));
            } else if let syn::GenericParam::Const(c) = p {
                self.generics.push(ident_name(&c.ident));
                self.bounds.push(None);
            }
        }
        // `where T: Trait` bounds.
        if let Some(w) = &g.where_clause {
            for pred in &w.predicates {
                if let syn::WherePredicate::Type(pt) = pred
                    && let Some(segs) = type_path_segs(&pt.bounded_ty)
                    && segs.len() == 1
                    && let Some(i) = self.generics[mark..].iter().position(|g| *g == segs[0])
                    && self.bounds[mark + i].is_none()
                {
                    self.bounds[mark + i] = first_trait_bound(pt.bounds.iter());
                }
            }
        }
        mark
    }

    fn ret_of(&mut self, sig: &syn::Signature) -> Option<TyRef> {
        let syn::ReturnType::Type(_, t) = &sig.output else {
            return None;
        };
        let g = self.push_generics(&sig.generics);
        let r = self.ty_ref(t);
        self.pop_generics(g);
        r
    }

    fn pop_generics(&mut self, mark: usize) {
        self.generics.truncate(mark);
        self.bounds.truncate(mark);
    }

    /// A type as written, with generic parameters replaced by their first trait bound.
    fn ty_ref(&self, t: &syn::Type) -> Option<TyRef> {
        match t {
            syn::Type::Path(tp) if tp.qself.is_none() => {
                let mut segs = path_segs(&tp.path);
                if tp.path.leading_colon.is_none() && segs.len() == 1 {
                    if let Some(i) = self.generics.iter().rposition(|g| *g == segs[0]) {
                        return self.bounds[i].clone().map(|b| TyRef {
                            segs: b,
                            args: vec![],
                        });
                    }
                    if segs[0] == "Self" {
                        segs = self.self_ty.last().cloned().flatten()?;
                    }
                } else if segs.first().is_some_and(|f| self.generics.contains(f)) {
                    return None;
                }
                let args = match &tp.path.segments.last()?.arguments {
                    syn::PathArguments::AngleBracketed(a) => a
                        .args
                        .iter()
                        .filter_map(|g| match g {
                            syn::GenericArgument::Type(t) => self.ty_ref(t),
                            _ => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                Some(TyRef { segs, args })
            }
            syn::Type::Reference(r) => self.ty_ref(&r.elem),
            syn::Type::Paren(p) => self.ty_ref(&p.elem),
            syn::Type::Group(g) => self.ty_ref(&g.elem),
            syn::Type::ImplTrait(i) => {
                first_trait_bound(i.bounds.iter()).map(|segs| TyRef { segs, args: vec![] })
            }
            syn::Type::TraitObject(o) => {
                first_trait_bound(o.bounds.iter()).map(|segs| TyRef { segs, args: vec![] })
            }
            _ => None,
        }
    }

    /// What a receiver expression is, when syntax tells.
    fn recv_of(&self, e: &syn::Expr) -> Option<Recv> {
        self.recv_at(e, 0)
    }

    /// What a receiver expression is, `depth` levels into a chain. A chain deeper than
    /// [`MAX_RECV_DEPTH`] is not followed: every call of an `x.f().f()..` chain keeps its
    /// receiver, so following all of them costs the square of the chain's length.
    fn recv_at(&self, e: &syn::Expr, depth: usize) -> Option<Recv> {
        if depth > MAX_RECV_DEPTH {
            return None;
        }
        match e {
            syn::Expr::Path(p) if p.qself.is_none() => {
                let segs = path_segs(&p.path);
                if segs.len() == 1 && p.path.leading_colon.is_none() {
                    if segs[0] == "self" {
                        return self.self_ty.last().cloned().flatten().map(|s| {
                            Recv::Typed(TyRef {
                                segs: s,
                                args: vec![],
                            })
                        });
                    }
                    if let Some((_, r)) = self.locals.iter().rev().find(|(l, _)| *l == segs[0]) {
                        return r.clone();
                    }
                }
                Some(Recv::Value(self.subst_self(segs)?))
            }
            syn::Expr::Field(f) => {
                let name = match &f.member {
                    syn::Member::Named(i) => ident_name(i),
                    syn::Member::Unnamed(i) => i.index.to_string(),
                };
                Some(Recv::Field(
                    Box::new(self.recv_at(&f.base, depth + 1)?),
                    name,
                ))
            }
            syn::Expr::MethodCall(m) => Some(Recv::Method(
                Box::new(self.recv_at(&m.receiver, depth + 1)?),
                ident_name(&m.method),
            )),
            syn::Expr::Call(c) => match &*c.func {
                syn::Expr::Path(p) if p.qself.is_none() => {
                    Some(Recv::Call(self.subst_self(path_segs(&p.path))?))
                }
                _ => None,
            },
            syn::Expr::Try(t) => Some(Recv::Try(Box::new(self.recv_at(&t.expr, depth + 1)?))),
            syn::Expr::Await(a) => self.recv_at(&a.base, depth + 1),
            syn::Expr::Paren(p) => self.recv_at(&p.expr, depth + 1),
            syn::Expr::Group(g) => self.recv_at(&g.expr, depth + 1),
            syn::Expr::Reference(r) => self.recv_at(&r.expr, depth + 1),
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
                self.recv_at(&u.expr, depth + 1)
            }
            syn::Expr::Struct(st) if st.qself.is_none() => {
                let segs = self.subst_self(path_segs(&st.path))?;
                Some(Recv::Typed(TyRef { segs, args: vec![] }))
            }
            syn::Expr::Cast(c) => self.ty_ref(&c.ty).map(Recv::Typed),
            _ => None,
        }
    }

    fn subst_self(&self, mut segs: Vec<String>) -> Option<Vec<String>> {
        if segs.first().is_some_and(|f| f == "Self") {
            let mut s = self.self_ty.last().cloned().flatten()?;
            s.extend(segs.drain(1..));
            return Some(s);
        }
        if segs.first().is_some_and(|f| self.generics.contains(f)) {
            return None;
        }
        Some(segs)
    }

    /// Binds the names of a pattern with what is known of their value (`x: T`, `let x = e`).
    fn bind_typed(&mut self, pat: &syn::Pat, recv: Option<Recv>) {
        match pat {
            syn::Pat::Ident(pi) if pi.subpat.is_none() && recv.is_some() => {
                self.locals.push((ident_name(&pi.ident), recv));
            }
            syn::Pat::Type(pt) => {
                let r = self.ty_ref(&pt.ty).map(Recv::Typed);
                self.bind_typed(&pt.pat, r);
            }
            _ => {}
        }
    }

    fn new_block_scope(&mut self) -> u32 {
        self.out.scopes.push(RawScope {
            parent: Some(self.scope),
            module: self.module,
        });
        (self.out.scopes.len() - 1) as u32
    }

    /// Records a path reference, after substituting `Self` and skipping generics and locals.
    fn path_ref(&mut self, path: &syn::Path, ns: NsHint, optional: bool) {
        let mut segs = path_segs(path);
        if segs.is_empty() {
            return;
        }
        let first = segs[0].as_str();
        if segs.len() == 1 && matches!(first, "crate" | "self" | "super") {
            // `self` the receiver, or `crate = ...` as a named macro argument: not an item.
            return;
        }
        if path.leading_colon.is_none() {
            if self.generics.iter().any(|g| g == first) {
                return;
            }
            if segs.len() == 1 && ns != NsHint::Type && self.locals.iter().any(|(l, _)| l == first)
            {
                return;
            }
            if first == "Self" {
                match self.self_ty.last() {
                    Some(Some(ty)) => {
                        let mut s = ty.clone();
                        s.extend(segs.drain(1..));
                        segs = s;
                    }
                    _ => return,
                }
            }
        }
        self.out.refs.push(RawRef {
            scope: self.scope,
            segs,
            leading_colon: path.leading_colon.is_some(),
            span: span_of(path.span()),
            ctx: self.ctx,
            ns,
            // A lone name inside a macro's arguments may be the macro's own vocabulary
            // (`features! { (stable, ...) }`): a reference only if it resolves.
            optional: optional || (self.ctx == Ctx::MacroArg && path.segments.len() == 1),
            is_test: self.in_test,
            cfg: self.cond,
        });
    }

    fn with_ctx<F: FnOnce(&mut Self)>(&mut self, ctx: Ctx, f: F) {
        let old = self.ctx;
        self.ctx = ctx;
        f(self);
        self.ctx = old;
    }

    fn flatten_use(
        &mut self,
        tree: &syn::UseTree,
        prefix: &mut Vec<String>,
        start: Option<Pos>,
        ctx: &UseCtx,
    ) {
        let here = pos(tree.span().start());
        let start = start.or(Some(here));
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(ident_name(&p.ident));
                self.flatten_use(&p.tree, prefix, start, ctx);
                prefix.pop();
            }
            syn::UseTree::Name(n) => self.push_use(
                prefix,
                ident_name(&n.ident),
                None,
                start,
                n.ident.span(),
                ctx,
            ),
            syn::UseTree::Rename(r) => self.push_use(
                prefix,
                ident_name(&r.ident),
                Some(ident_name(&r.rename)),
                start,
                r.rename.span(),
                ctx,
            ),
            syn::UseTree::Glob(g) => {
                let end = pos(g.star_token.span().end());
                self.out.uses.push(RawUse {
                    scope: self.scope,
                    prefix: prefix.clone(),
                    leading_colon: ctx.leading_colon,
                    leaf: UseLeaf::Glob,
                    vis: ctx.vis,
                    span: Span {
                        start: start.unwrap_or(here),
                        end,
                    },
                    stmt: ctx.stmt,
                    is_test: self.in_test,
                    cfg: self.cond,
                    synthetic: false,
                });
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    // Each item of a group is located where it is written inside the group
                    // (`use a::{b::C, D};`: `b::C` and `D`), so a multi-line group points at
                    // the right line.
                    self.flatten_use(t, prefix, None, ctx);
                }
            }
        }
    }

    fn push_use(
        &mut self,
        prefix: &[String],
        name: String,
        alias: Option<String>,
        start: Option<Pos>,
        end_span: proc_macro2::Span,
        ctx: &UseCtx,
    ) {
        let (prefix, name, alias) = if name == "self" {
            // `use a::b::{self}` imports `b`.
            match prefix.split_last() {
                Some((last, rest)) => (rest.to_vec(), last.clone(), alias),
                None => return,
            }
        } else {
            (prefix.to_vec(), name, alias)
        };
        if alias.as_deref() == Some("_") {
            // `use Trait as _;` brings the trait's methods into scope: still a reference.
        }
        let end = pos(end_span.end());
        self.out.uses.push(RawUse {
            scope: self.scope,
            prefix,
            leading_colon: ctx.leading_colon,
            leaf: UseLeaf::Name { name, alias },
            vis: ctx.vis,
            span: Span {
                start: start.unwrap_or(end),
                end,
            },
            stmt: ctx.stmt,
            is_test: self.in_test,
            cfg: self.cond,
            synthetic: false,
        });
    }

    fn visit_fn_like(&mut self, sig: &syn::Signature, block: Option<&syn::Block>) {
        let gmark = self.push_generics(&sig.generics);
        let lmark = self.locals.len();
        self.with_ctx(Ctx::Type, |s| s.visit_signature(sig));
        for input in &sig.inputs {
            if let syn::FnArg::Typed(pt) = input {
                let r = self.ty_ref(&pt.ty).map(Recv::Typed);
                self.bind_typed(&pt.pat, r);
            }
        }
        if let Some(b) = block {
            self.with_ctx(Ctx::Expr, |s| s.visit_block(b));
        }
        self.locals.truncate(lmark);
        self.pop_generics(gmark);
    }

    /// Parses a macro's tokens as comma- or semicolon-separated expressions; falls back to a
    /// token scan for paths when they are not expressions.
    fn macro_args(&mut self, name: &str, tokens: &TokenStream) {
        if tokens.is_empty() {
            return;
        }
        let parser = |input: ParseStream| -> syn::Result<Vec<syn::Expr>> {
            let mut exprs = Vec::new();
            while !input.is_empty() {
                exprs.push(input.parse::<syn::Expr>()?);
                if input.is_empty() {
                    break;
                }
                if input.peek(syn::Token![,]) {
                    input.parse::<syn::Token![,]>()?;
                } else if input.peek(syn::Token![;]) {
                    input.parse::<syn::Token![;]>()?;
                } else if input.peek(syn::Token![=>]) {
                    input.parse::<syn::Token![=>]>()?;
                } else {
                    return Err(input.error("not an argument list"));
                }
            }
            Ok(exprs)
        };
        if let Ok(exprs) = parser.parse2(tokens.clone()) {
            self.with_ctx(Ctx::MacroArg, |s| {
                for e in &exprs {
                    s.visit_expr(e);
                }
            });
            return;
        }
        // Items (`thread_local! { static X: T = ...; }`, `lazy_static!` and friends are not,
        // but user macros that wrap items are).
        if let Ok(file) = syn::parse2::<syn::File>(tokens.clone()) {
            self.macro_file(name, &file);
            return;
        }
        let mut found = Vec::new();
        scan_paths(tokens.clone(), &mut found);
        for (segs, leading, span) in found {
            if segs.len() == 1 && !starts_upper(&segs[0]) {
                continue;
            }
            if self.generics.iter().any(|g| *g == segs[0]) {
                continue;
            }
            let segs = if segs[0] == "Self" {
                match self.self_ty.last() {
                    Some(Some(ty)) => ty.iter().cloned().chain(segs.into_iter().skip(1)).collect(),
                    _ => continue,
                }
            } else {
                segs
            };
            self.out.refs.push(RawRef {
                scope: self.scope,
                segs,
                leading_colon: leading,
                span,
                ctx: Ctx::MacroArg,
                ns: NsHint::Any,
                optional: true,
                is_test: self.in_test,
                cfg: self.cond,
            });
        }
    }

    /// Paths written in attributes: `#[diesel(belongs_to(crate::catalog::Product))]`,
    /// `#[diesel(table_name = crate::schema::orders)]`, `#[serde(with = "crate::util::rfc3339")]`,
    /// and the same inside `#[cfg_attr(P, ..)]` (read under `P`).
    fn attr_paths(&mut self, attrs: &[syn::Attribute]) {
        for a in attrs.iter().filter(|a| names_paths(a)) {
            self.with_ctx(Ctx::Attr, |s| {
                let p = a.path();
                if p.segments.len() >= 2 {
                    // An attribute macro by its path: `#[app_macros::handler]`.
                    s.path_ref(p, NsHint::Macro, true);
                } else if p.is_ident("derive") {
                    // `#[derive(app_macros::Entity)]`; a single name is read where its
                    // `use` is.
                    let paths = a
                        .parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated);
                    for d in paths.iter().flatten().filter(|d| d.segments.len() >= 2) {
                        s.path_ref(d, NsHint::Macro, true);
                    }
                } else {
                    s.meta_paths(&a.meta);
                }
            });
        }
    }

    fn meta_paths(&mut self, meta: &syn::Meta) {
        let Some(name) = meta.path().get_ident().map(|i| i.to_string()) else {
            return;
        };
        match meta {
            // diesel 1: `#[table_name = "orders"]`.
            syn::Meta::NameValue(nv) => self.meta_value(&name, &name, &nv.value),
            syn::Meta::List(list) if name == "cfg_attr" => self.cfg_attr_metas(list.tokens.clone()),
            syn::Meta::List(list) => {
                let Ok(args) =
                    list.parse_args_with(Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
                else {
                    return;
                };
                for arg in &args {
                    self.attr_arg(&name, arg);
                }
            }
            syn::Meta::Path(_) => {}
        }
    }

    /// One argument of `diesel(..)`, `serde(..)`, `belongs_to(..)`, `sea_orm(..)`.
    fn attr_arg(&mut self, attr: &str, arg: &syn::Meta) {
        let key = arg
            .path()
            .get_ident()
            .map(|i| i.to_string())
            .unwrap_or_default();
        match arg {
            // `belongs_to(Product)` in diesel 1: the argument is the parent.
            syn::Meta::Path(p) if attr == "belongs_to" => self.path_ref(p, NsHint::Type, false),
            syn::Meta::Path(_) => {}
            syn::Meta::NameValue(nv) => self.meta_value(attr, &key, &nv.value),
            syn::Meta::List(l) if attr == "diesel" => {
                // `belongs_to(crate::catalog::Product, foreign_key = product_id)`,
                // `check_for_backend(diesel::pg::Pg)`: paths among the arguments.
                if !matches!(key.as_str(), "belongs_to" | "check_for_backend") {
                    return;
                }
                let Ok(inner) =
                    l.parse_args_with(Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
                else {
                    return;
                };
                for m in &inner {
                    match m {
                        syn::Meta::Path(p) => self.path_ref(p, NsHint::Type, false),
                        // diesel 1's `belongs_to(parent = "Product")`; `foreign_key = col`
                        // names a column of the struct's own table.
                        syn::Meta::NameValue(nv) if nv.path.is_ident("parent") => {
                            self.meta_value("diesel", "parent", &nv.value)
                        }
                        _ => {}
                    }
                }
            }
            syn::Meta::List(_) => {}
        }
    }

    /// `key = path` or `key = "path"` when the key takes a path.
    fn meta_value(&mut self, attr: &str, key: &str, value: &syn::Expr) {
        let ns = match (attr, key) {
            ("diesel", "table_name" | "sql_type" | "serialize_as" | "deserialize_as") => {
                NsHint::Type
            }
            _ => match string_path_key(attr, key) {
                Some(ns) => ns,
                None => return,
            },
        };
        match value {
            syn::Expr::Path(p) if p.qself.is_none() => self.path_ref(&p.path, ns, false),
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => self.str_path_ref(s, ns),
            _ => {}
        }
    }

    /// A path spelled in a string (`"crate::util::rfc3339"`), located at the string.
    fn str_path_ref(&mut self, lit: &syn::LitStr, ns: NsHint) {
        let Ok(path) = syn::parse_str::<syn::Path>(&lit.value()) else {
            return;
        };
        let segs = path_segs(&path);
        if segs.is_empty() || (segs.len() == 1 && self.generics.contains(&segs[0])) {
            return;
        }
        self.out.refs.push(RawRef {
            scope: self.scope,
            segs,
            leading_colon: path.leading_colon.is_some(),
            span: span_of(lit.span()),
            ctx: self.ctx,
            ns,
            optional: false,
            is_test: self.in_test,
            cfg: self.cond,
        });
    }

    /// `cfg_attr(P, diesel(..), serde(..))`: the attributes, read under `P`.
    fn cfg_attr_metas(&mut self, tokens: TokenStream) {
        let toks: Vec<TokenTree> = tokens.into_iter().collect();
        let mut parts = toks.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ','));
        let Some(cond) = parts
            .next()
            .and_then(|c| Cfg::parse(c.iter().cloned().collect()))
        else {
            return;
        };
        let Some(g) = self.gate_pred(cond, self.in_test) else {
            return;
        };
        let metas: Vec<syn::Meta> = parts
            .filter_map(|p| syn::parse2::<syn::Meta>(p.iter().cloned().collect()).ok())
            .collect();
        self.with_test(g, |s| {
            for m in &metas {
                s.meta_paths(m);
            }
        });
    }

    /// Records an item-position call a crate's `macro_rules!` template may expand.
    fn macro_call(&mut self, name: &str, tokens: &TokenStream, g: Gate) {
        let toks: Vec<TokenTree> = tokens.clone().into_iter().collect();
        let args = toks
            .split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ','))
            .filter(|p| !p.is_empty())
            .map(|p| match p {
                [TokenTree::Ident(i)] => Some((ident_name(i), span_of(i.span()))),
                _ => None,
            })
            .collect();
        self.out.macro_calls.push(expand::RawMacroCall {
            scope: self.scope,
            name: name.to_string(),
            args,
            is_test: g.test,
            cfg: g.cond,
        });
    }

    /// Items given to a macro (`cfg_rt! { pub mod runtime; }`): visited under the condition
    /// the macro adds when it is one of the crate's cfg wrappers (known at assembly).
    fn macro_file(&mut self, name: &str, file: &syn::File) {
        let inner = file
            .attrs
            .first()
            .and_then(|a| Cfg::from_meta(&a.meta))
            .map(Box::new);
        let g = Gate {
            test: self.in_test,
            cond: self.push_cond(Cfg::Macro(name.to_string(), inner)),
        };
        self.with_test(g, |s| {
            s.with_ctx(Ctx::MacroArg, |s| {
                for i in &file.items {
                    s.visit_item(i);
                }
            })
        });
    }

    /// Records items spelled out literally at the top level of a macro's tokens:
    /// `[pub] struct|enum|union|trait|type|fn|static [ref]|const NAME`.
    fn macro_items(&mut self, tokens: TokenStream, test: Gate) {
        let toks: Vec<TokenTree> = tokens.into_iter().collect();
        for (i, t) in toks.iter().enumerate() {
            let TokenTree::Ident(kw) = t else { continue };
            let kind = match kw.to_string().as_str() {
                "struct" => ItemKind::Struct,
                "enum" => ItemKind::Enum,
                "union" => ItemKind::Union,
                "trait" => ItemKind::Trait,
                "type" => ItemKind::TypeAlias,
                "fn" => ItemKind::Fn,
                "static" => ItemKind::Static,
                "const" => ItemKind::Const,
                _ => continue,
            };
            if i > 0 && matches!(&toks[i - 1], TokenTree::Punct(p) if p.as_char() == '$') {
                continue;
            }
            let mut j = i + 1;
            if matches!(toks.get(j), Some(TokenTree::Ident(r)) if r == "ref" || r == "mut") {
                j += 1;
            }
            // `$name` is a macro variable, not a name.
            let Some(TokenTree::Ident(name)) = toks.get(j) else {
                continue;
            };
            if is_keyword(&name.to_string()) || name == "_" {
                continue;
            }
            let is_pub = (i > 0 && matches!(&toks[i - 1], TokenTree::Ident(p) if p == "pub"))
                || (i > 1 && matches!(&toks[i - 2], TokenTree::Ident(p) if p == "pub"));
            let vis = if is_pub {
                syn::Visibility::Public(Default::default())
            } else {
                syn::Visibility::Inherited
            };
            let idx = self.item(ident_name(name), kind, &vis, name.span(), test);
            // Tuple/unit structs also name a value; we cannot tell here, so assume it.
            self.out.items[idx].value_ctor = kind == ItemKind::Struct;
        }
    }

    /// `cfg_if!`, `cfg_select!`, `cfg_match!`: the first branch whose predicate holds is
    /// compiled, so each branch is read under "its predicate and none before it".
    fn cfg_branches(&mut self, name: &str, tokens: TokenStream) {
        let branches = if name == "cfg_if" {
            cfg_if_branches(tokens.clone())
        } else {
            cfg_select_branches(tokens.clone())
        };
        let Some(branches) = branches else {
            // A shape we do not know: read every branch, as before the cfg model.
            return self.cfg_groups(tokens);
        };
        let mut none_before = Cfg::True;
        for (pred, body) in branches {
            let cond = Cfg::all([none_before.clone(), pred.clone()]);
            none_before = Cfg::all([none_before, Cfg::not(pred)]);
            let Some(g) = self.gate_pred(cond, self.in_test) else {
                continue;
            };
            self.with_test(g, |s| match syn::parse2::<syn::File>(body.clone()) {
                Ok(file) => {
                    for item in &file.items {
                        s.visit_item(item);
                    }
                }
                Err(_) => s.cfg_groups(body),
            });
        }
    }

    /// The brace-delimited groups of tokens, visited as items.
    fn cfg_groups(&mut self, tokens: TokenStream) {
        for t in tokens {
            if let TokenTree::Group(g) = t
                && g.delimiter() == Delimiter::Brace
            {
                match syn::parse2::<syn::File>(g.stream()) {
                    Ok(file) => {
                        for item in &file.items {
                            self.visit_item(item);
                        }
                    }
                    // A nested `if .. { } else { }` chain: look inside.
                    Err(_) => self.cfg_groups(g.stream()),
                }
            }
        }
    }

    fn visit_arm_inner(&mut self, a: &syn::Arm) {
        let lmark = self.locals.len();
        self.bind_pat(&a.pat);
        if let Some((_, g)) = &a.guard {
            self.visit_expr(g);
        }
        self.visit_expr(&a.body);
        self.locals.truncate(lmark);
    }

    fn bind_pat(&mut self, pat: &syn::Pat) {
        self.visit_pat(pat);
    }

    fn data(&mut self, fact: DataFact, span: Span) {
        self.out.data.push(RawData {
            scope: self.scope,
            fact,
            span,
            is_test: self.in_test,
            cfg: self.cond,
        });
    }

    /// A module the code never spells out but a macro generates (diesel's `table!`): a child
    /// of the current module, entered for `f`.
    fn synthetic_module<F: FnOnce(&mut Self)>(&mut self, name: &str, span: Span, f: F) {
        let idx = self.out.modules.len() as u32;
        self.out.scopes.push(RawScope {
            parent: None,
            module: idx,
        });
        let scope = (self.out.scopes.len() - 1) as u32;
        self.out.modules.push(RawModule {
            name: name.to_string(),
            parent: Some(self.module),
            scope,
            is_test: self.in_test,
            span: Some(span),
        });
        let dir = self.mod_dirs[self.module as usize].join(name);
        self.mod_dirs.push(dir);
        let saved = (self.module, self.scope);
        (self.module, self.scope) = (idx, scope);
        f(self);
        (self.module, self.scope) = saved;
    }

    fn synthetic_use(&mut self, prefix: &[&str], leaf: UseLeaf, span: Span) {
        self.out.uses.push(RawUse {
            scope: self.scope,
            prefix: prefix.iter().map(|s| s.to_string()).collect(),
            leading_colon: false,
            leaf,
            vis: Vis::Pub,
            span,
            stmt: span.start,
            is_test: self.in_test,
            cfg: self.cond,
            synthetic: true,
        });
    }

    /// `table! { orders (id) { id -> Int4, .. } }` expands to `pub mod orders { pub struct
    /// table; pub mod columns { pub struct id; .. } pub mod dsl { .. } .. }`: the module is
    /// made here so `orders::table`, `orders::id` and `orders::dsl::*` resolve. The `use`
    /// lines the expansion adds are synthetic; those written in the body are real.
    fn diesel_table(&mut self, t: &orm::DieselTable) {
        let span = span_of(t.span);
        let public = syn::Visibility::Public(Default::default());
        self.data(
            DataFact::DieselTable {
                module: t.module.clone(),
                table: t.table.clone(),
            },
            span,
        );
        let test = Gate {
            test: self.in_test,
            cond: self.cond,
        };
        self.synthetic_module(&t.module, span, |s| {
            for (name, kind) in [
                ("table", ItemKind::Struct),
                ("all_columns", ItemKind::Const),
                ("SqlType", ItemKind::TypeAlias),
                ("BoxedQuery", ItemKind::TypeAlias),
            ] {
                let i = s.item(name.into(), kind, &public, t.span, test);
                s.out.items[i].value_ctor = kind == ItemKind::Struct;
            }
            // `use super::sql_types::Mood;` in the body: the expansion puts it in this module.
            for u in &t.imports {
                if let Ok(u) = syn::parse2::<syn::ItemUse>(u.clone()) {
                    s.visit_item_use(&u);
                }
            }
            s.synthetic_use(&["self", "columns"], UseLeaf::Glob, span);
            s.synthetic_module("columns", span, |s| {
                for c in std::iter::once("star").chain(t.columns.iter().map(String::as_str)) {
                    let i = s.item(c.into(), ItemKind::Struct, &public, t.span, test);
                    s.out.items[i].value_ctor = true;
                }
            });
            s.synthetic_module("dsl", span, |s| {
                s.synthetic_use(&["super", "columns"], UseLeaf::Glob, span);
                s.synthetic_use(
                    &["super"],
                    UseLeaf::Name {
                        name: "table".into(),
                        alias: Some(t.module.clone()),
                    },
                    span,
                );
            });
        });
    }

    /// A SQL literal as the first argument of a call or method call.
    fn sql_arg<'e>(&mut self, args: impl IntoIterator<Item = &'e syn::Expr>) -> bool {
        let Some(first) = args.into_iter().next() else {
            return false;
        };
        if let Some(lit) = str_lit(first)
            && orm::looks_like_sql(&lit.value())
        {
            self.data(DataFact::Sql { text: lit.value() }, span_of(lit.span()));
            return true;
        }
        // `conn.execute(&format!("DELETE FROM {table} WHERE .."), ..)`: SQL, but which tables
        // is only known at run time.
        if let Some(mac) = format_macro(first)
            && let Ok(args) =
                Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated.parse2(mac.tokens.clone())
            && let Some(lit) = args.first().and_then(str_lit)
            && orm::looks_like_sql(&lit.value())
        {
            self.data(
                DataFact::OpaqueSql {
                    call: "format!".into(),
                },
                span_of(lit.span()),
            );
            return true;
        }
        false
    }
}

/// A `format!(..)` invocation, through parentheses and `&`.
fn format_macro(e: &syn::Expr) -> Option<&syn::Macro> {
    match e {
        syn::Expr::Macro(m) if m.mac.path.is_ident("format") => Some(&m.mac),
        syn::Expr::Paren(p) => format_macro(&p.expr),
        syn::Expr::Group(g) => format_macro(&g.expr),
        syn::Expr::Reference(r) => format_macro(&r.expr),
        _ => None,
    }
}

/// A string literal, through parentheses and `&`.
fn str_lit(e: &syn::Expr) -> Option<&syn::LitStr> {
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s),
        syn::Expr::Paren(p) => str_lit(&p.expr),
        syn::Expr::Group(g) => str_lit(&g.expr),
        syn::Expr::Reference(r) => str_lit(&r.expr),
        _ => None,
    }
}

struct UseCtx {
    vis: Vis,
    leading_colon: bool,
    /// Where the `use` item starts: the leaves of one statement share it.
    stmt: Pos,
}

/// Finds `a::b::C` and `Ident` sequences in a token stream (`$crate::...` is skipped).
fn scan_paths(tokens: TokenStream, out: &mut Vec<(Vec<String>, bool, Span)>) {
    let toks: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    let is_colon2 = |toks: &[TokenTree], i: usize| {
        matches!((toks.get(i), toks.get(i + 1)),
            (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
            if a.as_char() == ':' && a.spacing() == Spacing::Joint && b.as_char() == ':')
    };
    while i < toks.len() {
        match &toks[i] {
            TokenTree::Group(g) => {
                if g.delimiter() != Delimiter::None || !g.stream().is_empty() {
                    scan_paths(g.stream(), out);
                }
                i += 1;
            }
            TokenTree::Ident(_) | TokenTree::Punct(_) => {
                let leading = is_colon2(&toks, i);
                let start_i = if leading { i + 2 } else { i };
                let prev_is_dollar_or_dot = i > 0
                    && matches!(&toks[i - 1], TokenTree::Punct(p) if p.as_char() == '$' || p.as_char() == '.');
                let prev_is_colon =
                    i > 0 && matches!(&toks[i - 1], TokenTree::Punct(p) if p.as_char() == ':');
                let Some(TokenTree::Ident(first)) = toks.get(start_i) else {
                    i += 1;
                    continue;
                };
                if prev_is_dollar_or_dot
                    || (prev_is_colon && !leading)
                    || is_keyword(&first.to_string())
                {
                    i = start_i + 1;
                    continue;
                }
                let mut segs = vec![ident_name(first)];
                let start = pos(if leading {
                    toks[i].span().start()
                } else {
                    first.span().start()
                });
                let mut end = pos(first.span().end());
                let mut j = start_i + 1;
                while is_colon2(&toks, j) {
                    if let Some(TokenTree::Ident(id)) = toks.get(j + 2) {
                        segs.push(ident_name(id));
                        end = pos(id.span().end());
                        j += 3;
                    } else {
                        break;
                    }
                }
                out.push((segs, leading, Span { start, end }));
                i = j;
            }
            TokenTree::Literal(_) => i += 1,
        }
    }
}

fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "as" | "break"
            | "const"
            | "continue"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "static"
            | "struct"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "async"
            | "await"
            | "dyn"
            | "macro_rules"
    )
}

impl<'ast> Visit<'ast> for Extractor {
    fn visit_item(&mut self, i: &'ast syn::Item) {
        if self.decls_only && !matches!(i, syn::Item::Mod(_)) {
            return;
        }
        let attrs = item_attrs(i);
        if attrs.iter().any(names_paths)
            && let Some(g) = self.gate(attrs)
        {
            self.with_test(g, |s| s.attr_paths(attrs));
        }
        visit::visit_item(self, i);
    }

    /// Attributes are read where they can name items (`attr_paths`), not here.
    fn visit_attribute(&mut self, _: &'ast syn::Attribute) {}
    /// `&self` names the impl's own type: not a reference (the impl header is).
    fn visit_receiver(&mut self, _: &'ast syn::Receiver) {}
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        let Some(test) = self.gate(&m.attrs) else {
            self.out.inactive.push((self.module, ident_name(&m.ident)));
            return;
        };
        let name = ident_name(&m.ident);
        // Also recorded as an item so that its visibility (`mod x;` is private) reaches the
        // resolver; the module itself is what the name binds.
        self.item(name.clone(), ItemKind::Mod, &m.vis, m.ident.span(), test);
        let path_attr = attr_path_value(&m.attrs);
        let dir = self.mod_dirs[self.module as usize].clone();
        // `#[path]` at a file's top level is relative to the file's directory; inside inline
        // modules, to the inline module's directory.
        let path_base = if self.inline_depth == 0 {
            self.file_dir.clone()
        } else {
            dir.clone()
        };
        match &m.content {
            None => {
                let none = |_: &str, _: Option<&Cfg>| None;
                let alternatives: Vec<(Cfg, String)> = cfg_attr_paths(&m.attrs)
                    .into_iter()
                    .map(|(c, p)| {
                        (
                            c.eval(&self.env, test.test || self.env.test_build, &none),
                            p,
                        )
                    })
                    .filter(|(c, _)| !c.is_false())
                    .collect();
                if path_attr.is_none() && !alternatives.is_empty() {
                    // One declaration per `cfg_attr` path: the files are one module, merged
                    // like `#[cfg(unix)] mod imp;` + `#[cfg(windows)] mod imp;`.
                    let saved = self.cond;
                    self.cond = test.cond;
                    for (c, p) in alternatives {
                        let cfg = self.push_cond(c);
                        self.out.decls.push(RawModDecl {
                            parent: self.module,
                            name: name.clone(),
                            candidates: vec![path_base.join(p)],
                            by_path_attr: true,
                            is_test: test.test,
                            cfg,
                            span: span_of(m.ident.span()),
                            include: false,
                        });
                    }
                    self.cond = saved;
                    return;
                }
                let (candidates, by_path_attr) = match path_attr {
                    Some(p) => (vec![path_base.join(p)], true),
                    None => (
                        vec![
                            dir.join(format!("{name}.rs")),
                            dir.join(&name).join("mod.rs"),
                        ],
                        false,
                    ),
                };
                self.out.decls.push(RawModDecl {
                    parent: self.module,
                    name,
                    candidates,
                    by_path_attr,
                    is_test: test.test,
                    cfg: test.cond,
                    span: span_of(m.ident.span()),
                    include: false,
                });
            }
            Some((_, items)) => {
                let idx = self.out.modules.len() as u32;
                self.out.scopes.push(RawScope {
                    parent: None,
                    module: idx,
                });
                let scope = (self.out.scopes.len() - 1) as u32;
                self.out.modules.push(RawModule {
                    name: name.clone(),
                    parent: Some(self.module),
                    scope,
                    is_test: test.test,
                    span: Some(span_of(m.ident.span())),
                });
                // Past the depth limit the module is not loaded (see `modules::MAX_DEPTH`):
                // no directory, so that deep nesting with long names stays linear in memory.
                self.mod_dirs.push(match path_attr {
                    _ if self.inline_depth as usize >= super::MAX_DEPTH => PathBuf::new(),
                    Some(p) => path_base.join(p),
                    None => dir.join(&name),
                });
                let saved = (
                    self.module,
                    self.scope,
                    std::mem::take(&mut self.self_ty),
                    std::mem::take(&mut self.generics),
                    std::mem::take(&mut self.locals),
                );
                self.module = idx;
                self.scope = scope;
                self.inline_depth += 1;
                self.with_test(test, |s| {
                    for i in items {
                        s.visit_item(i);
                    }
                });
                self.inline_depth -= 1;
                (
                    self.module,
                    self.scope,
                    self.self_ty,
                    self.generics,
                    self.locals,
                ) = saved;
            }
        }
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        let Some(test) = self.gate(&f.attrs) else {
            return;
        };
        let i = self.item(
            ident_name(&f.sig.ident),
            ItemKind::Fn,
            &f.vis,
            f.sig.ident.span(),
            test,
        );
        self.out.items[i].ty = self.ret_of(&f.sig);
        // A proc-macro crate's macros: `#[proc_macro_derive(Entity)]` names `Entity`,
        // `#[proc_macro]` and `#[proc_macro_attribute]` the fn's own name.
        if let Some((name, span)) = proc_macro_name(f) {
            let public = syn::Visibility::Public(Default::default());
            self.item(name, ItemKind::Macro, &public, span, test);
        }
        self.with_test(test, |s| s.visit_fn_like(&f.sig, Some(&f.block)));
    }

    fn visit_item_struct(&mut self, st: &'ast syn::ItemStruct) {
        let Some(test) = self.gate(&st.attrs) else {
            return;
        };
        let i = self.item(
            ident_name(&st.ident),
            ItemKind::Struct,
            &st.vis,
            st.ident.span(),
            test,
        );
        self.out.items[i].value_ctor = !matches!(st.fields, syn::Fields::Named(_));
        if let Some(table) = orm::sea_orm_table(&st.attrs) {
            let span = span_of(st.ident.span());
            self.with_test(test, |s| s.data(DataFact::SeaOrmEntity { table }, span));
            if orm::derives(&st.attrs, "DeriveEntityModel") {
                for (name, kind) in orm::SEA_ORM_GENERATED {
                    let g = self.item(name.to_string(), *kind, &st.vis, st.ident.span(), test);
                    self.out.items[g].value_ctor = name == &"Entity";
                }
            }
        }
        let g = self.push_generics(&st.generics);
        self.self_ty.push(Some(vec![ident_name(&st.ident)]));
        self.out.items[i].fields = st
            .fields
            .iter()
            .enumerate()
            .filter_map(|(n, f)| {
                let name = f
                    .ident
                    .as_ref()
                    .map(ident_name)
                    .unwrap_or_else(|| n.to_string());
                Some((name, self.ty_ref(&f.ty)?))
            })
            .collect();
        self.with_test(test, |s| {
            s.with_ctx(Ctx::Type, |s| {
                s.visit_generics(&st.generics);
                s.visit_fields(&st.fields);
            })
        });
        self.self_ty.pop();
        self.pop_generics(g);
    }

    fn visit_item_enum(&mut self, e: &'ast syn::ItemEnum) {
        let Some(test) = self.gate(&e.attrs) else {
            return;
        };
        let i = self.item(
            ident_name(&e.ident),
            ItemKind::Enum,
            &e.vis,
            e.ident.span(),
            test,
        );
        self.out.items[i].variants = e.variants.iter().map(|v| ident_name(&v.ident)).collect();
        let g = self.push_generics(&e.generics);
        self.self_ty.push(Some(vec![ident_name(&e.ident)]));
        self.with_test(test, |s| {
            s.with_ctx(Ctx::Type, |s| {
                s.visit_generics(&e.generics);
                for v in &e.variants {
                    s.visit_fields(&v.fields);
                    if let Some((_, d)) = &v.discriminant {
                        s.with_ctx(Ctx::Expr, |s| s.visit_expr(d));
                    }
                }
            })
        });
        self.self_ty.pop();
        self.pop_generics(g);
    }

    fn visit_item_union(&mut self, u: &'ast syn::ItemUnion) {
        let Some(test) = self.gate(&u.attrs) else {
            return;
        };
        self.item(
            ident_name(&u.ident),
            ItemKind::Union,
            &u.vis,
            u.ident.span(),
            test,
        );
        let g = self.push_generics(&u.generics);
        self.with_test(test, |s| {
            s.with_ctx(Ctx::Type, |s| {
                s.visit_generics(&u.generics);
                s.visit_fields_named(&u.fields);
            })
        });
        self.pop_generics(g);
    }

    fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
        let Some(test) = self.gate(&t.attrs) else {
            return;
        };
        let i = self.item(
            ident_name(&t.ident),
            ItemKind::Trait,
            &t.vis,
            t.ident.span(),
            test,
        );
        self.out.items[i].members = t
            .items
            .iter()
            .filter_map(|ti| match ti {
                syn::TraitItem::Fn(f) => Some(ident_name(&f.sig.ident)),
                syn::TraitItem::Const(c) => Some(ident_name(&c.ident)),
                syn::TraitItem::Type(ty) => Some(ident_name(&ty.ident)),
                _ => None,
            })
            .collect();
        let g = self.push_generics(&t.generics);
        self.self_ty.push(Some(vec![ident_name(&t.ident)]));
        self.with_test(test, |s| {
            s.with_ctx(Ctx::Type, |s| {
                s.visit_generics(&t.generics);
                for b in &t.supertraits {
                    s.visit_type_param_bound(b);
                }
            });
            for ti in &t.items {
                s.visit_trait_item(ti);
            }
        });
        self.self_ty.pop();
        self.pop_generics(g);
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        let Some(test) = self.gate(&f.attrs) else {
            return;
        };
        self.with_test(test, |s| s.visit_fn_like(&f.sig, f.default.as_ref()));
    }

    fn visit_trait_item_type(&mut self, t: &'ast syn::TraitItemType) {
        // `type Item: Bound;` introduces a name usable as `Self::Item`; visit bounds only.
        self.with_ctx(Ctx::Type, |s| {
            for b in &t.bounds {
                s.visit_type_param_bound(b);
            }
            if let Some((_, ty)) = &t.default {
                s.visit_type(ty);
            }
        });
    }

    fn visit_item_impl(&mut self, im: &'ast syn::ItemImpl) {
        let Some(test) = self.gate(&im.attrs) else {
            return;
        };
        let self_ty = type_path_segs(&im.self_ty);
        let trait_ = im.trait_.as_ref().map(|(_, p, _)| path_segs(p));
        let items = im
            .items
            .iter()
            .filter_map(|ii| match ii {
                syn::ImplItem::Fn(f) => Some(ident_name(&f.sig.ident)),
                syn::ImplItem::Const(c) => Some(ident_name(&c.ident)),
                syn::ImplItem::Type(t) => Some(ident_name(&t.ident)),
                _ => None,
            })
            .collect();
        let g = self.push_generics(&im.generics);
        // Generic self types (`impl<T> Foo for T`) have no path to attach items to.
        let self_ty = self_ty.filter(|s| !(s.len() == 1 && self.generics.contains(&s[0])));
        self.self_ty.push(self_ty.clone());
        let rets = im
            .items
            .iter()
            .filter_map(|ii| match ii {
                syn::ImplItem::Fn(f) => Some(self.ret_of(&f.sig)),
                syn::ImplItem::Const(c) => Some(self.ty_ref(&c.ty)),
                syn::ImplItem::Type(_) => Some(None),
                _ => None,
            })
            .collect();
        self.self_ty.pop();
        self.out.impls.push(RawImpl {
            scope: self.scope,
            self_ty: self_ty.clone(),
            trait_,
            items,
            rets,
            span: span_of(im.impl_token.span),
            cfg: test.cond,
        });
        self.with_test(test, |s| {
            s.with_ctx(Ctx::Impl, |s| {
                s.visit_generics(&im.generics);
                if let Some((_, p, _)) = &im.trait_ {
                    s.path_ref(p, NsHint::Type, false);
                    s.visit_path(p);
                }
                s.visit_type(&im.self_ty);
            });
            s.self_ty.push(self_ty);
            for ii in &im.items {
                s.visit_impl_item(ii);
            }
            s.self_ty.pop();
        });
        self.pop_generics(g);
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        let Some(test) = self.gate(&f.attrs) else {
            return;
        };
        self.with_test(test, |s| s.visit_fn_like(&f.sig, Some(&f.block)));
    }

    fn visit_impl_item_const(&mut self, c: &'ast syn::ImplItemConst) {
        self.with_ctx(Ctx::Type, |s| s.visit_type(&c.ty));
        self.with_ctx(Ctx::Expr, |s| s.visit_expr(&c.expr));
    }

    fn visit_impl_item_type(&mut self, t: &'ast syn::ImplItemType) {
        self.with_ctx(Ctx::Type, |s| s.visit_type(&t.ty));
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        let Some(test) = self.gate(&u.attrs) else {
            return;
        };
        let ctx = UseCtx {
            vis: vis_of(&u.vis),
            leading_colon: u.leading_colon.is_some(),
            stmt: pos(u.use_token.span.start()),
        };
        self.with_test(test, |s| {
            s.flatten_use(&u.tree, &mut Vec::new(), None, &ctx)
        });
    }

    fn visit_item_const(&mut self, c: &'ast syn::ItemConst) {
        let Some(test) = self.gate(&c.attrs) else {
            return;
        };
        if c.ident != "_" {
            let i = self.item(
                ident_name(&c.ident),
                ItemKind::Const,
                &c.vis,
                c.ident.span(),
                test,
            );
            self.out.items[i].ty = self.ty_ref(&c.ty);
        }
        if let Some(lit) = str_lit(&c.expr)
            && orm::looks_like_sql(&lit.value())
        {
            let span = span_of(lit.span());
            self.with_test(test, |s| s.data(DataFact::Sql { text: lit.value() }, span));
        }
        self.with_test(test, |s| {
            s.with_ctx(Ctx::Type, |s| s.visit_type(&c.ty));
            s.with_ctx(Ctx::Expr, |s| s.visit_expr(&c.expr));
        });
    }

    fn visit_item_static(&mut self, st: &'ast syn::ItemStatic) {
        let Some(test) = self.gate(&st.attrs) else {
            return;
        };
        let i = self.item(
            ident_name(&st.ident),
            ItemKind::Static,
            &st.vis,
            st.ident.span(),
            test,
        );
        self.out.items[i].ty = self.ty_ref(&st.ty);
        self.with_test(test, |s| {
            s.with_ctx(Ctx::Type, |s| s.visit_type(&st.ty));
            s.with_ctx(Ctx::Expr, |s| s.visit_expr(&st.expr));
        });
    }

    fn visit_item_type(&mut self, t: &'ast syn::ItemType) {
        let Some(test) = self.gate(&t.attrs) else {
            return;
        };
        let i = self.item(
            ident_name(&t.ident),
            ItemKind::TypeAlias,
            &t.vis,
            t.ident.span(),
            test,
        );
        self.out.items[i].alias_of = type_path_segs(&t.ty);
        let g = self.push_generics(&t.generics);
        self.with_test(test, |s| {
            s.with_ctx(Ctx::Type, |s| {
                s.visit_generics(&t.generics);
                s.visit_type(&t.ty);
            })
        });
        self.pop_generics(g);
    }

    fn visit_item_trait_alias(&mut self, t: &'ast syn::ItemTraitAlias) {
        let Some(test) = self.gate(&t.attrs) else {
            return;
        };
        self.item(
            ident_name(&t.ident),
            ItemKind::Trait,
            &t.vis,
            t.ident.span(),
            test,
        );
        self.with_ctx(Ctx::Type, |s| {
            for b in &t.bounds {
                s.visit_type_param_bound(b);
            }
        });
    }

    fn visit_item_extern_crate(&mut self, e: &'ast syn::ItemExternCrate) {
        let Some(test) = self.gate(&e.attrs) else {
            return;
        };
        let name = e
            .rename
            .as_ref()
            .map(|(_, r)| ident_name(r))
            .unwrap_or_else(|| ident_name(&e.ident));
        if name == "_" {
            return;
        }
        let i = self.item(name, ItemKind::ExternCrate, &e.vis, e.ident.span(), test);
        self.out.items[i].alias_of = Some(vec![ident_name(&e.ident)]);
    }

    fn visit_item_foreign_mod(&mut self, f: &'ast syn::ItemForeignMod) {
        for it in &f.items {
            match it {
                syn::ForeignItem::Fn(func) => {
                    if let Some(test) = self.gate(&func.attrs) {
                        self.item(
                            ident_name(&func.sig.ident),
                            ItemKind::Fn,
                            &func.vis,
                            func.sig.ident.span(),
                            test,
                        );
                        self.with_ctx(Ctx::Type, |s| s.visit_signature(&func.sig));
                    }
                }
                syn::ForeignItem::Static(st) => {
                    if let Some(test) = self.gate(&st.attrs) {
                        self.item(
                            ident_name(&st.ident),
                            ItemKind::Static,
                            &st.vis,
                            st.ident.span(),
                            test,
                        );
                        self.with_ctx(Ctx::Type, |s| s.visit_type(&st.ty));
                    }
                }
                syn::ForeignItem::Type(t) => {
                    if let Some(test) = self.gate(&t.attrs) {
                        self.item(
                            ident_name(&t.ident),
                            ItemKind::TypeAlias,
                            &t.vis,
                            t.ident.span(),
                            test,
                        );
                    }
                }
                _ => {}
            }
        }
    }

    fn visit_item_macro(&mut self, m: &'ast syn::ItemMacro) {
        let Some(test) = self.gate(&m.attrs) else {
            return;
        };
        if m.mac.path.is_ident("macro_rules") {
            if let Some(ident) = &m.ident {
                let export = has_attr(&m.attrs, "macro_export");
                let vis = if export {
                    syn::Visibility::Public(Default::default())
                } else {
                    syn::Visibility::Inherited
                };
                let i = self.item(ident_name(ident), ItemKind::Macro, &vis, ident.span(), test);
                self.out.items[i].macro_export = export;
                self.out.cfg_macros.push((
                    ident_name(ident),
                    super::cfg::wrapper_of(m.mac.tokens.clone()),
                ));
                let rules = expand::item_rules(m.mac.tokens.clone());
                if !rules.is_empty() {
                    self.out.item_macros.push((ident_name(ident), rules));
                }
            }
            // Macro bodies are templates, not code; but items they spell out literally
            // (`pub struct CliUnstable { $($f: bool),* }`) exist once the macro is invoked,
            // usually right here.
            for t in m.mac.tokens.clone() {
                if let TokenTree::Group(g) = t {
                    self.macro_items(g.stream(), test);
                }
            }
            return;
        }
        // `cfg_if! { if #[cfg(unix)] { mod unix; pub use unix::*; } else { .. } }` and
        // `cfg_select!`: every branch holds real items (modules included); read them all, as
        // with `#[cfg]` attributes.
        let name = m
            .mac
            .path
            .segments
            .last()
            .map(|s| ident_name(&s.ident))
            .unwrap_or_default();
        if name == "table" {
            let tables = orm::diesel_tables(m.mac.tokens.clone());
            if !tables.is_empty() {
                self.with_test(test, |s| {
                    for t in &tables {
                        s.diesel_table(t);
                    }
                });
                return;
            }
        }
        if name == "joinable"
            && let Some((child, parent)) = orm::diesel_joinable(m.mac.tokens.clone())
        {
            self.with_test(test, |s| {
                s.data(
                    DataFact::DieselJoin { child, parent },
                    span_of(m.mac.path.span()),
                )
            });
            return;
        }
        if matches!(name.as_str(), "cfg_if" | "cfg_select" | "cfg_match") {
            self.with_test(test, |s| s.cfg_branches(&name, m.mac.tokens.clone()));
            return;
        }
        // `include!("with_std.rs");`: a literal path, relative to this file.
        if name == "include"
            && let Ok(lit) = syn::parse2::<syn::LitStr>(m.mac.tokens.clone())
        {
            let file = lit.value();
            self.out.decls.push(RawModDecl {
                parent: self.module,
                name: format!("include!(\"{file}\")"),
                candidates: vec![self.file_dir.join(&file)],
                by_path_attr: true,
                is_test: test.test,
                cfg: test.cond,
                span: span_of(m.mac.path.span()),
                include: true,
            });
            return;
        }
        // An item-position invocation (`thread_local! { static X: .. }`, `cfg_rt! { .. }`,
        // user macros wrapping items) defines the items it is given; `lazy_static!` and
        // others that are not items define what they spell out literally.
        if !is_builtin_macro(&name)
            && let Ok(file) = syn::parse2::<syn::File>(m.mac.tokens.clone())
        {
            self.with_test(test, |s| {
                let ctx = s.ctx;
                s.with_ctx(Ctx::MacroCall, |s| {
                    s.path_ref(&m.mac.path, NsHint::Macro, true)
                });
                s.ctx = ctx;
                s.macro_file(&name, &file);
            });
            return;
        }
        if name == "alias" {
            let private = syn::Visibility::Inherited;
            for (kind, alias, span) in expand::diesel_alias(m.mac.tokens.clone()) {
                let i = self.item(alias, kind, &private, span, test);
                self.out.items[i].value_ctor = kind == ItemKind::Struct;
            }
        } else {
            self.macro_call(&name, &m.mac.tokens, test);
        }
        self.macro_items(m.mac.tokens.clone(), test);
        self.with_test(test, |s| s.visit_macro(&m.mac));
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        let lmark = self.locals.len();
        let saved_scope = self.scope;
        if block_has_items(b) {
            self.scope = self.new_block_scope();
        }
        for stmt in &b.stmts {
            self.visit_stmt(stmt);
        }
        self.scope = saved_scope;
        self.locals.truncate(lmark);
    }

    /// `#[cfg(test)] let x = ..;`, `#[cfg(unix)] { .. }`, `#[cfg(feature = "a")] f();`: a
    /// statement is read under its cfg like an item.
    fn visit_stmt(&mut self, st: &'ast syn::Stmt) {
        let attrs: &[syn::Attribute] = match st {
            syn::Stmt::Local(l) => &l.attrs,
            syn::Stmt::Expr(e, _) => expr_attrs(e),
            syn::Stmt::Macro(m) => &m.attrs,
            syn::Stmt::Item(_) => &[],
        };
        if attrs.is_empty() {
            return visit::visit_stmt(self, st);
        }
        if let Some(g) = self.gate(attrs) {
            self.with_test(g, |s| visit::visit_stmt(s, st));
        }
    }

    fn visit_field(&mut self, f: &'ast syn::Field) {
        if let Some(g) = self.gate(&f.attrs) {
            self.with_test(g, |s| {
                s.attr_paths(&f.attrs);
                visit::visit_field(s, f)
            });
        }
    }

    fn visit_variant(&mut self, v: &'ast syn::Variant) {
        if let Some(g) = self.gate(&v.attrs) {
            self.with_test(g, |s| {
                s.attr_paths(&v.attrs);
                visit::visit_variant(s, v)
            });
        }
    }

    fn visit_field_value(&mut self, f: &'ast syn::FieldValue) {
        if let Some(g) = self.gate(&f.attrs) {
            self.with_test(g, |s| visit::visit_field_value(s, f));
        }
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init {
            self.visit_expr(&init.expr);
            if let Some((_, d)) = &init.diverge {
                self.visit_expr(d);
            }
        }
        self.bind_pat(&l.pat);
        let recv = match (&l.pat, &l.init) {
            (syn::Pat::Type(_), _) => None, // bind_typed reads the written type
            (_, Some(init)) => self.recv_of(&init.expr),
            _ => None,
        };
        self.bind_typed(&l.pat, recv);
    }

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        let lmark = self.locals.len();
        for p in &c.inputs {
            self.bind_pat(p);
        }
        if let syn::ReturnType::Type(_, t) = &c.output {
            self.with_ctx(Ctx::Type, |s| s.visit_type(t));
        }
        self.visit_expr(&c.body);
        self.locals.truncate(lmark);
    }

    fn visit_arm(&mut self, a: &'ast syn::Arm) {
        if let Some(g) = self.gate(&a.attrs) {
            self.with_test(g, |s| s.visit_arm_inner(a));
        }
    }

    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        self.visit_expr(&f.expr);
        let lmark = self.locals.len();
        self.bind_pat(&f.pat);
        self.visit_block(&f.body);
        self.locals.truncate(lmark);
    }

    fn visit_expr_let(&mut self, l: &'ast syn::ExprLet) {
        self.visit_expr(&l.expr);
        // The bindings stay visible to the end of the enclosing block: close enough.
        self.bind_pat(&l.pat);
    }

    fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
        let name = ident_name(&p.ident);
        if starts_upper(&name) && p.subpat.is_none() && p.by_ref.is_none() && p.mutability.is_none()
        {
            // `None`, `MAX_RETRIES`, a unit struct: a reference if such an item is in scope.
            let path: syn::Path = p.ident.clone().into();
            self.with_ctx(Ctx::Pat, |s| s.path_ref(&path, NsHint::Value, true));
        } else {
            self.locals.push((name, None));
        }
        if let Some((_, sub)) = &p.subpat {
            self.visit_pat(sub);
        }
    }

    fn visit_pat_struct(&mut self, p: &'ast syn::PatStruct) {
        self.with_ctx(Ctx::Pat, |s| {
            if p.qself.is_none() {
                s.path_ref(&p.path, NsHint::Type, false);
            }
            s.visit_path(&p.path);
        });
        for f in &p.fields {
            self.visit_pat(&f.pat);
        }
    }

    fn visit_pat_tuple_struct(&mut self, p: &'ast syn::PatTupleStruct) {
        self.with_ctx(Ctx::Pat, |s| {
            if p.qself.is_none() {
                s.path_ref(&p.path, NsHint::Value, false);
            }
            s.visit_path(&p.path);
        });
        for e in &p.elems {
            self.visit_pat(e);
        }
    }

    fn visit_expr_path(&mut self, e: &'ast syn::ExprPath) {
        let ctx = if self.ctx == Ctx::Type || self.ctx == Ctx::Impl {
            Ctx::Expr
        } else {
            self.ctx
        };
        self.with_ctx(ctx, |s| {
            s.qualified_path(e.qself.as_ref(), &e.path, NsHint::Value);
        });
    }

    fn visit_type_path(&mut self, t: &'ast syn::TypePath) {
        self.qualified_path(t.qself.as_ref(), &t.path, NsHint::Type);
    }

    fn visit_expr_struct(&mut self, e: &'ast syn::ExprStruct) {
        if e.qself.is_none() {
            self.path_ref(&e.path, NsHint::Type, false);
        }
        self.visit_path(&e.path);
        for f in &e.fields {
            self.visit_expr(&f.expr);
        }
        if let Some(r) = &e.rest {
            self.visit_expr(r);
        }
    }

    fn visit_trait_bound(&mut self, b: &'ast syn::TraitBound) {
        let old = self.ctx;
        if self.ctx != Ctx::Impl && self.ctx != Ctx::MacroArg {
            self.ctx = Ctx::Type;
        }
        self.path_ref(&b.path, NsHint::Type, false);
        self.visit_path(&b.path);
        self.ctx = old;
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let ctx = self.ctx;
        self.with_ctx(Ctx::MacroCall, |s| s.path_ref(&m.path, NsHint::Macro, true));
        self.ctx = ctx;
        // Built-in macros whose arguments are never paths (`cfg!(windows)`).
        let name = m
            .path
            .segments
            .last()
            .map(|s| ident_name(&s.ident))
            .unwrap_or_default();
        if is_builtin_macro(&name) {
            return;
        }
        if orm::is_sql_macro(&name) || orm::is_sql_file_macro(&name) {
            self.sql_macro(&name, &m.tokens);
        }
        self.macro_args(&name, &m.tokens);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*c.func
            && let Some(last) = p.path.segments.last()
        {
            let name = ident_name(&last.ident);
            if !self.sql_arg(&c.args) {
                let sqlx = p.path.segments.len() >= 2 && p.path.segments[0].ident == "sqlx";
                if sqlx
                    && orm::is_sqlx_fn(&name)
                    && !matches!(c.args.first(), Some(syn::Expr::Path(_)) | None)
                {
                    // The SQL is built at run time (`&format!(..)`, a variable): opaque. A
                    // path (`INSERT_ORDER`) is a const, read where it is defined.
                    self.data(
                        DataFact::OpaqueSql {
                            call: format!("sqlx::{name}"),
                        },
                        span_of(c.span()),
                    );
                } else if orm::is_diesel_write(&name)
                    && let (Some(first), Some(last)) = (c.args.first(), c.args.last())
                {
                    let span = Span {
                        start: pos(first.span().start()),
                        end: pos(last.span().end()),
                    };
                    self.data(DataFact::WriteCall { call: name }, span);
                }
            }
        }
        visit::visit_expr_call(self, c);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = ident_name(&m.method);
        if !orm::is_message_method(&name) {
            self.sql_arg(&m.args);
        }
        if orm::is_diesel_join(&name) {
            self.data(DataFact::JoinCall { call: name }, span_of(m.span()));
        }
        if let Some(recv) = self.recv_of(&m.receiver) {
            self.out.methods.push(RawMethodCall {
                scope: self.scope,
                recv,
                name: ident_name(&m.method),
                span: span_of(m.method.span()),
                is_test: self.in_test,
                cfg: self.cond,
            });
        }
        self.visit_expr(&m.receiver);
        if let Some(t) = &m.turbofish {
            self.with_ctx(Ctx::Type, |s| s.visit_angle_bracketed_generic_arguments(t));
        }
        for a in &m.args {
            self.visit_expr(a);
        }
    }

    fn visit_generic_argument(&mut self, g: &'ast syn::GenericArgument) {
        let old = self.ctx;
        if old == Ctx::Expr || old == Ctx::Pat {
            self.ctx = Ctx::Type;
        }
        visit::visit_generic_argument(self, g);
        self.ctx = old;
    }

    fn visit_type(&mut self, t: &'ast syn::Type) {
        let old = self.ctx;
        if old == Ctx::Expr || old == Ctx::Pat {
            self.ctx = Ctx::Type;
        }
        visit::visit_type(self, t);
        self.ctx = old;
    }
}

impl Extractor {
    /// `query!("SELECT ..", ..)`, `query_as!(Order, "SELECT ..")`, `query_file!("q.sql")`: the
    /// first string literal among the arguments.
    fn sql_macro(&mut self, name: &str, tokens: &TokenStream) {
        let Ok(args) =
            Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated.parse2(tokens.clone())
        else {
            return;
        };
        let Some(lit) = args.iter().find_map(str_lit) else {
            return;
        };
        let span = span_of(lit.span());
        if orm::is_sql_file_macro(name) {
            self.data(DataFact::SqlFile { path: lit.value() }, span);
        } else if orm::looks_like_sql(&lit.value()) {
            self.data(DataFact::Sql { text: lit.value() }, span);
        }
    }

    fn qualified_path(&mut self, qself: Option<&syn::QSelf>, path: &syn::Path, ns: NsHint) {
        match qself {
            None => self.path_ref(path, ns, false),
            Some(q) => {
                self.visit_type(&q.ty);
                if q.position > 0 {
                    // `<T as Trait>::item`: the path names the trait and its item.
                    let segs: Punctuated<syn::PathSegment, syn::Token![::]> =
                        path.segments.iter().cloned().collect();
                    let p = syn::Path {
                        leading_colon: path.leading_colon,
                        segments: segs,
                    };
                    self.path_ref(&p, ns, false);
                } else if let Some(mut ty) = type_path_segs(&q.ty) {
                    // `<Type>::item`
                    if ty.first().is_some_and(|f| self.generics.contains(f)) {
                        return self.visit_path(path);
                    }
                    ty.extend(path.segments.iter().map(|s| ident_name(&s.ident)));
                    if ty[0] == "Self" {
                        match self.self_ty.last() {
                            Some(Some(st)) => {
                                let rest: Vec<String> = ty.drain(1..).collect();
                                ty = st.clone();
                                ty.extend(rest);
                            }
                            _ => return self.visit_path(path),
                        }
                    }
                    self.out.refs.push(RawRef {
                        scope: self.scope,
                        segs: ty,
                        leading_colon: false,
                        span: span_of(path.span()),
                        ctx: self.ctx,
                        ns,
                        optional: false,
                        is_test: self.in_test,
                        cfg: self.cond,
                    });
                }
            }
        }
        self.visit_path(path);
    }
}
