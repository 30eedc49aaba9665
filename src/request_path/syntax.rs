//! What the slow-work finder reads from the syntax that the check's single pass does not
//! keep: the extent of every function (to name the function a reference is written in),
//! route registrations (axum `.route("/p", get(h))`, actix `.to(h)`, route attributes such
//! as `#[post("/p")]`), the regions handed to `tokio::spawn`, and every path written inside
//! a function with the `use` names it goes through (to spot calls into slow crates).
//!
//! Files are re-read from the text the check already loaded; nothing is read from disk.

use std::collections::HashMap;

use syn::spanned::Spanned;
use syn::visit::Visit;

use crate::modules::Pos;

/// A function or method.
#[derive(Clone, Debug)]
pub struct Unit {
    pub start: Pos,
    pub end: Pos,
    /// `place_order`, or `Gateway::charge` for a method.
    pub name: String,
    /// Where the function's name is written (matches `Item::span.start` for a free fn).
    pub ident_at: Pos,
    /// The `impl`'s self type (last segment), for a method.
    pub impl_ty: Option<String>,
    /// `POST /orders` for a function under a route attribute (actix-web, rocket).
    pub route_attr: Option<String>,
}

/// `.route("/orders", post(h))`: the handler path's position and the route.
#[derive(Clone, Debug)]
pub struct Route {
    /// `POST /orders`
    pub route: String,
    /// Where the handler's path starts (a reference of the resolver starts there too).
    pub handler_at: Pos,
}

#[derive(Clone, Debug)]
pub struct PathSite {
    pub at: Pos,
    /// The path with its first segment expanded through the file's `use` declarations.
    pub full: Vec<String>,
}

#[derive(Default, Debug)]
pub struct FileFacts {
    /// Sorted by start.
    pub units: Vec<Unit>,
    pub routes: Vec<Route>,
    /// Spans of the arguments of `tokio::spawn(..)` and the like.
    pub spawned: Vec<(Pos, Pos)>,
    pub paths: Vec<PathSite>,
}

impl FileFacts {
    /// The innermost function containing `p`.
    pub fn unit_at(&self, p: Pos) -> Option<usize> {
        let upto = self.units.partition_point(|u| u.start <= p);
        (0..upto).rev().find(|&i| p <= self.units[i].end)
    }

    pub fn is_spawned(&self, p: Pos) -> bool {
        self.spawned.iter().any(|&(s, e)| s <= p && p <= e)
    }
}

const HTTP_METHODS: &[&str] = &[
    "get", "post", "put", "delete", "patch", "head", "options", "trace", "connect", "any",
];
/// Functions that hand work to another task without waiting for it.
const SPAWNERS: &[&str] = &["spawn", "spawn_local"];
const SPAWN_CRATES: &[&str] = &[
    "tokio",
    "actix_rt",
    "async_std",
    "smol",
    "task",
    "rt",
    "thread",
];

pub fn read(text: &str) -> FileFacts {
    let mut out = FileFacts::default();
    if let Ok(file) = syn::parse_file(text) {
        let mut uses = HashMap::new();
        for item in &file.items {
            collect_uses(item, &mut uses);
        }
        let mut v = Visitor {
            out: &mut out,
            uses: &uses,
            impl_ty: None,
            waited: Default::default(),
        };
        v.visit_file(&file);
    }
    proc_macro2::extra::invalidate_current_thread_spans();
    out.units.sort_by_key(|u| u.start);
    // Visiting meets the outermost call of a builder chain (its last `.route`) first.
    out.routes.sort_by_key(|r| r.handler_at);
    out.routes.dedup_by_key(|r| r.handler_at);
    out
}

/// Every `use` of the file (inline modules included), name -> full path. Scoping is ignored:
/// a name imported twice keeps its first meaning.
fn collect_uses(item: &syn::Item, out: &mut HashMap<String, Vec<String>>) {
    match item {
        syn::Item::Use(u) => flatten(&u.tree, Vec::new(), out),
        syn::Item::Mod(m) => {
            for i in m.content.iter().flat_map(|(_, items)| items) {
                collect_uses(i, out);
            }
        }
        _ => {}
    }
}

fn flatten(t: &syn::UseTree, mut prefix: Vec<String>, out: &mut HashMap<String, Vec<String>>) {
    match t {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            flatten(&p.tree, prefix, out);
        }
        syn::UseTree::Name(n) => {
            let name = n.ident.to_string();
            if name == "self" {
                if let Some(last) = prefix.last().cloned() {
                    out.entry(last).or_insert(prefix);
                }
            } else {
                prefix.push(name.clone());
                out.entry(name).or_insert(prefix);
            }
        }
        syn::UseTree::Rename(r) => {
            prefix.push(r.ident.to_string());
            out.entry(r.rename.to_string()).or_insert(prefix);
        }
        syn::UseTree::Group(g) => {
            for t in &g.items {
                flatten(t, prefix.clone(), out);
            }
        }
        syn::UseTree::Glob(_) => {}
    }
}

fn pos(lc: proc_macro2::LineColumn) -> Pos {
    crate::modules::extract::pos(lc)
}

fn segs(p: &syn::Path) -> Vec<String> {
    p.segments.iter().map(|s| s.ident.to_string()).collect()
}

struct Visitor<'a> {
    out: &'a mut FileFacts,
    uses: &'a HashMap<String, Vec<String>>,
    impl_ty: Option<String>,
    /// Calls whose result is waited for (`spawn(..).await`, `thread::spawn(..).join()`):
    /// a spawn there hands nothing off.
    waited: std::collections::HashSet<Pos>,
}

impl Visitor<'_> {
    fn expand(&self, s: Vec<String>) -> Vec<String> {
        match s.first().and_then(|f| self.uses.get(f)) {
            Some(full) => full.iter().cloned().chain(s.into_iter().skip(1)).collect(),
            None => s,
        }
    }

    fn path_site(&mut self, p: &syn::Path) {
        let full = self.expand(segs(p));
        self.out.paths.push(PathSite {
            at: pos(p.span().start()),
            full,
        });
    }

    fn unit(
        &mut self,
        name: String,
        ident: &syn::Ident,
        span: proc_macro2::Span,
        attrs: &[syn::Attribute],
    ) {
        self.out.units.push(Unit {
            start: pos(span.start()),
            end: pos(span.end()),
            name,
            ident_at: pos(ident.span().start()),
            impl_ty: self.impl_ty.clone(),
            route_attr: attrs.iter().find_map(route_attr),
        });
    }

    /// `get(h)`, `post(h).put(h2)`, `on(filter, h)`, `web::post().to(h)` inside a route.
    fn handlers_in(&mut self, e: &syn::Expr, route: &str) {
        match e {
            syn::Expr::Call(c) => {
                if let syn::Expr::Path(f) = &*c.func {
                    let name = f.path.segments.last().map(|s| s.ident.to_string());
                    let method = name.as_deref().unwrap_or_default();
                    let (verb, handler) = if HTTP_METHODS.contains(&method) {
                        (method.to_string(), c.args.first())
                    } else if method == "on" {
                        // `on(MethodFilter::PUT, h)`: the filter names the method.
                        let verb = match c.args.first() {
                            Some(syn::Expr::Path(f)) => {
                                f.path.segments.last().map(|s| s.ident.to_string())
                            }
                            _ => None,
                        };
                        (verb.unwrap_or_else(|| "on".into()), c.args.iter().nth(1))
                    } else {
                        (String::new(), None)
                    };
                    if let Some(syn::Expr::Path(h)) = handler {
                        self.route(&verb, route, h);
                    }
                }
            }
            syn::Expr::MethodCall(m) => {
                let method = m.method.to_string();
                if (HTTP_METHODS.contains(&method.as_str()) || method == "to")
                    && let Some(syn::Expr::Path(h)) = m.args.first()
                {
                    let verb = if method == "to" {
                        root_call(&m.receiver).unwrap_or_else(|| "any".into())
                    } else {
                        method.clone()
                    };
                    self.route(&verb, route, h);
                }
                self.handlers_in(&m.receiver, route);
            }
            _ => {}
        }
    }

    fn route(&mut self, method: &str, route: &str, h: &syn::ExprPath) {
        self.out.routes.push(Route {
            route: format!("{} {route}", method.to_uppercase()),
            handler_at: pos(h.path.span().start()),
        });
    }
}

/// The function a builder chain starts from: `web::post().guard(..)` -> `post`.
fn root_call(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::MethodCall(m) => root_call(&m.receiver),
        syn::Expr::Call(c) => match &*c.func {
            syn::Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// The string a builder chain starts from: `web::resource("/p").guard(..)` -> `/p`.
fn root_lit(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::MethodCall(m) => root_lit(&m.receiver),
        syn::Expr::Call(c) => c.args.first().and_then(lit_str),
        _ => None,
    }
}

/// `#[post("/orders")]`, `#[get("/")]`, `#[route("/x", method = "GET")]`.
fn route_attr(a: &syn::Attribute) -> Option<String> {
    let name = a.path().segments.last()?.ident.to_string();
    if !(HTTP_METHODS.contains(&name.as_str()) || name == "route") {
        return None;
    }
    let syn::Meta::List(list) = &a.meta else {
        return None;
    };
    let first = list.tokens.clone().into_iter().next()?;
    let lit: syn::LitStr = syn::parse2(first.into()).ok()?;
    let verb = if name == "route" {
        "ANY".into()
    } else {
        name.to_uppercase()
    };
    Some(format!("{verb} {}", lit.value()))
}

fn lit_str(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        _ => None,
    }
}

impl<'ast> Visit<'ast> for Visitor<'_> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        let saved = self.impl_ty.take();
        self.unit(f.sig.ident.to_string(), &f.sig.ident, f.span(), &f.attrs);
        syn::visit::visit_item_fn(self, f);
        self.impl_ty = saved;
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let saved = self.impl_ty.take();
        if let syn::Type::Path(t) = &*i.self_ty {
            self.impl_ty = t.path.segments.last().map(|s| s.ident.to_string());
        }
        syn::visit::visit_item_impl(self, i);
        self.impl_ty = saved;
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        let name = match &self.impl_ty {
            Some(t) => format!("{t}::{}", f.sig.ident),
            None => f.sig.ident.to_string(),
        };
        self.unit(name, &f.sig.ident, f.span(), &f.attrs);
        syn::visit::visit_impl_item_fn(self, f);
    }

    fn visit_expr_await(&mut self, e: &'ast syn::ExprAwait) {
        self.waited.insert(pos(e.base.span().start()));
        syn::visit::visit_expr_await(self, e);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if m.method == "join" {
            self.waited.insert(pos(m.receiver.span().start()));
        }
        if m.method == "route" && m.args.len() == 2 {
            let route = lit_str(&m.args[0]).unwrap_or_else(|| "?".into());
            self.handlers_in(&m.args[1], &route);
        } else if (m.method == "at" || m.method == "add")
            && m.args.len() == 2
            && let Some(route) = lit_str(&m.args[0])
        {
            // poem `Route::new().at("/p", get(h))`, loco `Routes::new().add("/p", get(h))`.
            self.handlers_in(&m.args[1], &route);
        } else if m.method == "route" && m.args.len() == 1 {
            // actix: `web::resource("/p").route(web::post().to(h))`.
            let route = root_lit(&m.receiver).unwrap_or_else(|| "?".into());
            self.handlers_in(&m.args[0], &route);
        } else if m.method == "to" && root_call(&m.receiver).is_some() {
            // actix `web::resource("/p").route(web::post().to(h))` is handled above;
            // `.service(web::resource("/p").to(h))` style registrations land here.
            if let Some(syn::Expr::Path(h)) = m.args.first() {
                let verb = root_call(&m.receiver).unwrap_or_default();
                if HTTP_METHODS.contains(&verb.as_str()) {
                    self.route(&verb, "?", h);
                }
            }
        }
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*c.func {
            let full = self.expand(segs(&p.path));
            let last = full.last().map(String::as_str).unwrap_or_default();
            let spawner = SPAWNERS.contains(&last)
                && full.len() >= 2
                && SPAWN_CRATES.contains(&full[full.len() - 2].as_str());
            if spawner && !self.waited.contains(&pos(c.span().start())) {
                let span = c.args.span();
                self.out.spawned.push((pos(span.start()), pos(span.end())));
            }
        }
        syn::visit::visit_expr_call(self, c);
    }

    fn visit_expr_path(&mut self, e: &'ast syn::ExprPath) {
        self.path_site(&e.path);
        syn::visit::visit_expr_path(self, e);
    }

    fn visit_type_path(&mut self, t: &'ast syn::TypePath) {
        self.path_site(&t.path);
        syn::visit::visit_type_path(self, t);
    }

    fn visit_expr_struct(&mut self, e: &'ast syn::ExprStruct) {
        self.path_site(&e.path);
        syn::visit::visit_expr_struct(self, e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes(text: &str) -> Vec<(String, u32)> {
        let mut r: Vec<(String, u32)> = read(text)
            .routes
            .into_iter()
            .map(|r| (r.route, r.handler_at.line))
            .collect();
        r.dedup();
        r
    }

    #[test]
    fn axum_routes_and_method_chains() {
        let text = "fn app() -> Router {\n    Router::new()\n        .route(\"/a\", get(a).post(b))\n        .route(\"/c\", on(MethodFilter::PUT, c))\n        .route(\"/d\", axum::routing::delete(handlers::d))\n}\n";
        assert_eq!(
            routes(text),
            [
                ("GET /a".to_string(), 3),
                ("POST /a".to_string(), 3),
                ("PUT /c".to_string(), 4),
                ("DELETE /d".to_string(), 5),
            ]
        );
    }

    #[test]
    fn actix_builders_and_route_attributes() {
        let text = "#[post(\"/orders\")]\nasync fn create() {}\n\nfn config(cfg: &mut ServiceConfig) {\n    cfg.service(web::resource(\"/x\").route(web::put().to(update)));\n}\n";
        let f = read(text);
        let attr: Vec<_> = f
            .units
            .iter()
            .filter_map(|u| u.route_attr.clone())
            .collect();
        assert_eq!(attr, ["POST /orders"]);
        assert_eq!(routes(text), [("PUT /x".to_string(), 5)]);
    }

    #[test]
    fn poem_and_loco_routes() {
        let text = "fn poem() -> Route {\n    Route::new().at(\"/orders\", post(create).get(list))\n}\n\nfn loco() -> Routes {\n    Routes::new().prefix(\"/api\").add(\"/health\", get(health))\n}\n\nfn not_a_route(a: u32, b: u32) -> u32 {\n    a.add(b, get(c))\n}\n";
        assert_eq!(
            routes(text),
            [
                ("POST /orders".to_string(), 2),
                ("GET /orders".to_string(), 2),
                ("GET /health".to_string(), 6),
            ]
        );
    }

    #[test]
    fn spawned_regions_and_expanded_paths() {
        let text = "use tokio::spawn;\nuse lettre::SmtpTransport as Smtp;\n\nasync fn h() {\n    spawn(async move { mail().await });\n    Smtp::relay(\"x\");\n    std::thread::spawn(|| work());\n    tokio::spawn(charge()).await;\n    std::thread::spawn(|| work()).join();\n}\n";
        let f = read(text);
        // Waited for: lines 8 and 9 hand nothing off.
        let lines: Vec<u32> = f.spawned.iter().map(|s| s.0.line).collect();
        assert_eq!(lines, [5, 7]);
        assert!(f.is_spawned(Pos { line: 5, col: 30 }));
        let relay = f.paths.iter().find(|p| p.at.line == 6).unwrap();
        assert_eq!(relay.full, ["lettre", "SmtpTransport", "relay"]);
        assert_eq!(
            f.unit_at(relay.at).map(|u| f.units[u].name.as_str()),
            Some("h")
        );
    }
}
