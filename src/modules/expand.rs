//! The one macro expansion we do: item-position calls of a crate's own `macro_rules!` that
//! define items named by their arguments (`make_id!(OrderId)` with
//! `($name:ident) => { pub struct $name(i64); }`), and diesel's `alias!`. Definitions are
//! read into templates during extraction; calls are matched against them when the crate's
//! module tree is assembled (a macro may be defined in any file of the crate). Nothing else
//! of a template is expanded: see docs/resolution.md, "Names made by macros".

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

use super::ItemKind;
use super::Span;

/// What a rule takes: positional `$x:ident` arguments (comma-separated, `None` for any
/// other part), or a repetition `$($x:ident),*` where every argument is one name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Params {
    Positional(Vec<Option<String>>),
    Repeated(String),
}

/// One rule of a macro that defines items: the items it makes from which variables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemRule {
    pub params: Params,
    /// (kind, metavariable, visible outside its module: `pub` or `pub(..)`)
    pub defs: Vec<(ItemKind, String, bool)>,
}

/// An item-position call of a macro that may be a template: its name and its arguments
/// split at top-level commas (`Some` when an argument is a single identifier).
#[derive(Clone, Debug)]
pub struct RawMacroCall {
    pub scope: u32,
    pub name: String,
    pub args: Vec<Option<(String, Span)>>,
    pub is_test: bool,
    pub cfg: u32,
}

/// The rules of a `macro_rules!` body that define items from their arguments.
pub fn item_rules(body: TokenStream) -> Vec<ItemRule> {
    let toks: Vec<TokenTree> = body.into_iter().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let (Some(TokenTree::Group(m)), Some(TokenTree::Group(t))) =
        (toks.get(i), toks.get(i + 3))
    {
        if let Some(params) = params_of(m.stream()) {
            let mut defs = Vec::new();
            defs_of(t.stream(), &mut defs);
            if !defs.is_empty() {
                out.push(ItemRule { params, defs });
            }
        }
        i += 4;
        if matches!(toks.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ';') {
            i += 1;
        }
    }
    out
}

fn params_of(matcher: TokenStream) -> Option<Params> {
    let toks: Vec<TokenTree> = matcher.into_iter().collect();
    // `$($x:ident),* $(,)?`
    if let [TokenTree::Punct(d), TokenTree::Group(g), rest @ ..] = toks.as_slice()
        && d.as_char() == '$'
        && g.delimiter() == Delimiter::Parenthesis
    {
        let inner: Vec<TokenTree> = g.stream().into_iter().collect();
        let var = ident_var(&inner)?;
        let tail: String = rest.iter().map(|t| t.to_string()).collect();
        let tail = tail.replace(' ', "");
        return matches!(
            tail.as_str(),
            ",*" | ",+" | ",*$(,)?" | ",+$(,)?" | "*" | "+"
        )
        .then_some(Params::Repeated(var));
    }
    let parts = toks.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ','));
    let params: Vec<Option<String>> = parts.map(ident_var).collect();
    Some(Params::Positional(params))
}

/// `$x:ident` -> `x`.
fn ident_var(part: &[TokenTree]) -> Option<String> {
    match part {
        [
            TokenTree::Punct(d),
            TokenTree::Ident(v),
            TokenTree::Punct(c),
            TokenTree::Ident(f),
        ] if d.as_char() == '$' && c.as_char() == ':' && f == "ident" => Some(v.to_string()),
        _ => None,
    }
}

/// `[pub] struct $x`, `fn $x`, ... at the transcriber's top level or inside `$( .. )*`.
fn defs_of(transcriber: TokenStream, out: &mut Vec<(ItemKind, String, bool)>) {
    let toks: Vec<TokenTree> = transcriber.into_iter().collect();
    for (i, t) in toks.iter().enumerate() {
        match t {
            // `$( .. )*`, and the body of a macro the template calls (`pin_project! { pub
            // struct $name<R> { .. } }`); not fn bodies or impl blocks.
            TokenTree::Group(g) if i > 0 => {
                let after = |c: char| matches!(&toks[i - 1], TokenTree::Punct(p) if p.as_char() == c && p.spacing() == Spacing::Alone);
                if (g.delimiter() == Delimiter::Parenthesis && after('$'))
                    || (g.delimiter() == Delimiter::Brace && after('!'))
                {
                    defs_of(g.stream(), out);
                }
            }
            TokenTree::Ident(kw) => {
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
                let (Some(TokenTree::Punct(d)), Some(TokenTree::Ident(var))) =
                    (toks.get(i + 1), toks.get(i + 2))
                else {
                    continue;
                };
                if d.as_char() != '$' {
                    continue;
                }
                let public = toks[..i]
                    .iter()
                    .rev()
                    .take(2)
                    .any(|t| matches!(t, TokenTree::Ident(p) if p == "pub"));
                out.push((kind, var.to_string(), public));
            }
            _ => {}
        }
    }
}

/// The items a call makes with `rules`: (kind, name, where the name is written, public).
pub fn expand(rules: &[ItemRule], call: &RawMacroCall) -> Vec<(ItemKind, String, Span, bool)> {
    // A rule of the call's arity; else one whose named positions the call has (a shorter
    // rule that forwards to it: `reader!($name, $ty, $f)` => `reader!($name, $ty, $f, ..)`).
    let exact = rules.iter().filter(|r| fits(r, call, true));
    let relaxed = rules.iter().filter(|r| fits(r, call, false));
    if let Some(r) = exact.chain(relaxed).next() {
        return expand_rule(r, call);
    }
    Vec::new()
}

fn fits(r: &ItemRule, call: &RawMacroCall, exact: bool) -> bool {
    match &r.params {
        Params::Positional(ps) if exact => ps.len() == call.args.len(),
        Params::Positional(ps) => r.defs.iter().all(|(_, var, _)| {
            ps.iter()
                .position(|p| p.as_deref() == Some(var))
                .is_some_and(|i| matches!(call.args.get(i), Some(Some(_))))
        }),
        Params::Repeated(_) => call.args.iter().all(Option::is_some),
    }
}

fn expand_rule(r: &ItemRule, call: &RawMacroCall) -> Vec<(ItemKind, String, Span, bool)> {
    {
        let bind = |var: &str| -> Vec<(String, Span)> {
            match &r.params {
                Params::Positional(ps) => ps
                    .iter()
                    .zip(&call.args)
                    .filter(|(p, _)| p.as_deref() == Some(var))
                    .filter_map(|(_, a)| a.clone())
                    .collect(),
                Params::Repeated(v) if v == var => call.args.iter().flatten().cloned().collect(),
                Params::Repeated(_) => Vec::new(),
            }
        };
        r.defs
            .iter()
            .flat_map(|(kind, var, public)| {
                bind(var)
                    .into_iter()
                    .map(move |(name, span)| (*kind, name, span, *public))
            })
            .collect()
    }
}

/// diesel's `alias!(users as users2: Users2)`: the const `users2` and the type `Users2`.
pub fn diesel_alias(tokens: TokenStream) -> Vec<(ItemKind, String, proc_macro2::Span)> {
    let toks: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::new();
    for part in toks.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ',')) {
        // `table as alias: Type` (the table may be a path).
        let Some(pos) = part
            .iter()
            .position(|t| matches!(t, TokenTree::Ident(i) if i == "as"))
        else {
            continue;
        };
        if let Some(TokenTree::Ident(alias)) = part.get(pos + 1) {
            out.push((ItemKind::Const, alias.to_string(), alias.span()));
        }
        if let (Some(TokenTree::Punct(c)), Some(TokenTree::Ident(ty))) =
            (part.get(pos + 2), part.get(pos + 3))
            && c.as_char() == ':'
        {
            out.push((ItemKind::Struct, ty.to_string(), ty.span()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(s: &str) -> Vec<ItemRule> {
        item_rules(s.parse().unwrap())
    }

    fn call(args: &str) -> RawMacroCall {
        let toks: Vec<TokenTree> = args.parse::<TokenStream>().unwrap().into_iter().collect();
        let args = toks
            .split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ','))
            .map(|p| match p {
                [TokenTree::Ident(i)] => Some((i.to_string(), Span::default())),
                _ => None,
            })
            .collect();
        RawMacroCall {
            scope: 0,
            name: "m".into(),
            args,
            is_test: false,
            cfg: 0,
        }
    }

    fn names(r: &[ItemRule], args: &str) -> Vec<String> {
        expand(r, &call(args))
            .into_iter()
            .map(|(k, n, _, p)| format!("{k:?} {n} {p}"))
            .collect()
    }

    #[test]
    fn templates_define_items_from_their_arguments() {
        let r = rules(
            "($name:ident) => { #[derive(Clone)] pub struct $name(pub i64); impl $name { fn new() {} } };",
        );
        assert_eq!(names(&r, "OrderId"), ["Struct OrderId true"]);
        let r =
            rules("($t:ident, $f:ident, $ty:ty) => { pub(crate) struct $t; fn $f() -> $ty { 0 } }");
        assert_eq!(
            names(&r, "ReadU8, read_u8, u8"),
            ["Struct ReadU8 true", "Fn read_u8 false"]
        );
        let r = rules("($($n:ident),* $(,)?) => { $( pub enum $n {} )* }");
        assert_eq!(names(&r, "A, B"), ["Enum A true", "Enum B true"]);
        // A rule whose arity does not fit, then one that does.
        let r =
            rules("($a:ident) => { pub struct $a; }; ($a:ident, $b:ident) => { pub struct $b; }");
        assert_eq!(names(&r, "X, Y"), ["Struct Y true"]);
        // Templates that define nothing from a variable are not templates.
        assert!(rules("($e:expr) => { println!(\"{}\", $e) }").is_empty());
        assert!(rules("() => { pub struct Fixed; }").is_empty());
    }

    #[test]
    fn diesel_alias_defines_the_const_and_the_type() {
        let got: Vec<String> =
            diesel_alias("users as users2: Users2, posts as p: P".parse().unwrap())
                .into_iter()
                .map(|(k, n, _)| format!("{k:?} {n}"))
                .collect();
        assert_eq!(
            got,
            ["Const users2", "Struct Users2", "Const p", "Struct P"]
        );
    }
}
