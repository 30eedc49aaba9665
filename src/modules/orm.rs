//! What database code says about tables, read from syntax alone: diesel's `table!` and
//! `joinable!`, SeaORM's `#[sea_orm(table_name = "..")]` entities, and SQL string literals
//! handed to query functions and macros (sqlx, rusqlite, tokio-postgres, diesel's
//! `sql_query`). The SQL itself is parsed later, by the data stage (`crate::data`); here the
//! text and where it was written are kept.

use proc_macro2::{Delimiter, TokenStream, TokenTree};

use super::ident::ident_name;

/// One table of a diesel `table!` invocation.
#[derive(Debug, Clone)]
pub struct DieselTable {
    /// The Rust name: the module the macro generates.
    pub module: String,
    /// The table's SQL name (`#[sql_name = ".."]`, else the Rust name).
    pub table: String,
    pub columns: Vec<String>,
    pub span: proc_macro2::Span,
    /// The `use ..;` lines written at the top of the body, for every table after them.
    pub imports: Vec<TokenStream>,
}

fn is_punct(t: Option<&TokenTree>, c: char) -> bool {
    matches!(t, Some(TokenTree::Punct(p)) if p.as_char() == c)
}

/// `sql_name = "x"` inside an attribute group's tokens.
fn sql_name(attr: &TokenStream) -> Option<String> {
    name_value(attr, "sql_name")
}

/// The string value of `key = "value"` at the top level of `tokens` (or inside one level of
/// parentheses, for `sea_orm(table_name = "..")`).
pub fn name_value(tokens: &TokenStream, key: &str) -> Option<String> {
    let toks: Vec<TokenTree> = tokens.clone().into_iter().collect();
    for (i, t) in toks.iter().enumerate() {
        match t {
            TokenTree::Ident(id) if id == key && is_punct(toks.get(i + 1), '=') => {
                if let Some(TokenTree::Literal(l)) = toks.get(i + 2)
                    && let Ok(syn::Lit::Str(s)) = syn::parse_str::<syn::Lit>(&l.to_string())
                {
                    return Some(s.value());
                }
            }
            TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis => {
                if let Some(v) = name_value(&g.stream(), key) {
                    return Some(v);
                }
            }
            _ => {}
        }
    }
    None
}

/// Parses the body of `table! { .. }`: `[use ..;]* ([#[attr]]* [schema.]name [(pk, ..)]
/// { [#[attr]]* column -> Type, .. })*`.
pub fn diesel_tables(tokens: TokenStream) -> Vec<DieselTable> {
    let toks: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut sql = None;
    let mut imports = Vec::new();
    while i < toks.len() {
        match &toks[i] {
            TokenTree::Ident(id) if id == "use" => {
                let start = i;
                while i < toks.len() && !is_punct(toks.get(i), ';') {
                    i += 1;
                }
                i = (i + 1).min(toks.len());
                imports.push(toks[start..i].iter().cloned().collect());
            }
            TokenTree::Punct(p) if p.as_char() == '#' => {
                if let Some(TokenTree::Group(g)) = toks.get(i + 1)
                    && let Some(v) = sql_name(&g.stream())
                {
                    sql = Some(v);
                }
                i += 2;
            }
            TokenTree::Ident(first) => {
                // `schema.name` or `name`.
                let mut name = first;
                let mut j = i + 1;
                if is_punct(toks.get(j), '.')
                    && let Some(TokenTree::Ident(n)) = toks.get(j + 1)
                {
                    name = n;
                    j += 2;
                }
                if let Some(TokenTree::Group(g)) = toks.get(j)
                    && g.delimiter() == Delimiter::Parenthesis
                {
                    j += 1;
                }
                let Some(TokenTree::Group(body)) = toks.get(j) else {
                    i = j.max(i + 1);
                    sql = None;
                    continue;
                };
                if body.delimiter() != Delimiter::Brace {
                    i = j + 1;
                    sql = None;
                    continue;
                }
                let module = ident_name(name);
                out.push(DieselTable {
                    table: sql.take().unwrap_or_else(|| module.clone()),
                    module,
                    columns: columns(body.stream()),
                    span: name.span(),
                    imports: imports.clone(),
                });
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// Column names: every identifier followed by `->`.
fn columns(body: TokenStream) -> Vec<String> {
    let toks: Vec<TokenTree> = body.into_iter().collect();
    let mut out = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        if let TokenTree::Ident(id) = t
            && is_punct(toks.get(i + 1), '-')
            && is_punct(toks.get(i + 2), '>')
        {
            let name = ident_name(id);
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

/// `joinable!(posts -> users (user_id))`: (child, parent).
pub fn diesel_joinable(tokens: TokenStream) -> Option<(String, String)> {
    let toks: Vec<TokenTree> = tokens.into_iter().collect();
    match (toks.first(), toks.get(3)) {
        (Some(TokenTree::Ident(child)), Some(TokenTree::Ident(parent)))
            if is_punct(toks.get(1), '-') && is_punct(toks.get(2), '>') =>
        {
            Some((ident_name(child), ident_name(parent)))
        }
        _ => None,
    }
}

/// `#[sea_orm(table_name = "orders")]` on an entity model: the table name.
pub fn sea_orm_table(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| {
        if !a.path().is_ident("sea_orm") {
            return None;
        }
        match &a.meta {
            syn::Meta::List(l) => name_value(&l.tokens, "table_name"),
            _ => None,
        }
    })
}

/// Whether `#[derive(..)]` lists `name` (by its last path segment).
pub fn derives(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs.iter().any(|a| {
        if !a.path().is_ident("derive") {
            return false;
        }
        let mut found = false;
        let _ = a.parse_nested_meta(|m| {
            if m.path.segments.last().is_some_and(|s| s.ident == name) {
                found = true;
            }
            Ok(())
        });
        found
    })
}

/// What `#[derive(DeriveEntityModel)]` generates next to `Model`.
pub const SEA_ORM_GENERATED: &[(&str, super::ItemKind)] = &[
    ("Entity", super::ItemKind::Struct),
    ("Column", super::ItemKind::Enum),
    ("PrimaryKey", super::ItemKind::Enum),
    ("ActiveModel", super::ItemKind::Struct),
];

/// sqlx's query macros that take the SQL as a string literal.
pub fn is_sql_macro(name: &str) -> bool {
    matches!(
        name,
        "query"
            | "query_as"
            | "query_scalar"
            | "query_unchecked"
            | "query_as_unchecked"
            | "query_scalar_unchecked"
    )
}

/// sqlx's macros that read the SQL from a file (relative to the package's manifest).
pub fn is_sql_file_macro(name: &str) -> bool {
    matches!(
        name,
        "query_file"
            | "query_file_as"
            | "query_file_scalar"
            | "query_file_unchecked"
            | "query_file_as_unchecked"
            | "query_file_scalar_unchecked"
    )
}

/// sqlx's query functions: `sqlx::query(sql)` with a SQL string that is not a literal is
/// opaque.
pub fn is_sqlx_fn(name: &str) -> bool {
    matches!(
        name,
        "query"
            | "query_as"
            | "query_scalar"
            | "query_with"
            | "query_as_with"
            | "query_scalar_with"
    )
}

/// diesel's write statements: references inside their arguments write the table.
pub fn is_diesel_write(name: &str) -> bool {
    matches!(
        name,
        "insert_into" | "insert_or_ignore_into" | "replace_into" | "update" | "delete"
    )
}

/// diesel's query-builder joins: the tables on both sides are read in one query.
pub fn is_diesel_join(name: &str) -> bool {
    matches!(
        name,
        "inner_join" | "left_join" | "left_outer_join" | "right_join" | "full_join"
    )
}

/// Methods whose string argument is a message for people (`.expect("select from ..")`),
/// never SQL.
pub fn is_message_method(name: &str) -> bool {
    matches!(
        name,
        "expect" | "expect_err" | "context" | "wrap_err" | "with_note" | "note" | "help"
    )
}

/// True when a string literal reads as a SQL statement: it starts with a statement keyword
/// and has the clause that statement needs (`SELECT .. FROM`, `INSERT INTO`, `UPDATE .. SET`,
/// `DELETE FROM`, `WITH .. AS`). Prose (`"update failed"`) does not qualify.
pub fn looks_like_sql(text: &str) -> bool {
    // Most string literals handed to calls are messages: decide on the first word without
    // allocating.
    let t = text.trim_start();
    let first_len = t
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(t.len());
    let first = &t[..first_len];
    const KEYWORDS: [&str; 7] = [
        "SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "REPLACE", "MERGE",
    ];
    let Some(kw) = KEYWORDS.iter().find(|k| first.eq_ignore_ascii_case(k)) else {
        return false;
    };
    let rest = &t[first_len..];
    let has = |w: &str| {
        rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .take(64)
            .any(|x| x.eq_ignore_ascii_case(w))
    };
    // `SELECT` needs something to select before `FROM`: "select from empty iterator" is a
    // message.
    let second = rest
        .split(|c: char| c.is_whitespace())
        .find(|w| !w.is_empty())
        .unwrap_or("");
    match *kw {
        "SELECT" => has("FROM") && !second.eq_ignore_ascii_case("FROM"),
        "DELETE" => has("FROM"),
        "INSERT" | "REPLACE" | "MERGE" => has("INTO"),
        "UPDATE" => has("SET"),
        _ => {
            has("AS")
                && ["SELECT", "INSERT", "UPDATE", "DELETE"]
                    .iter()
                    .any(|w| has(w))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_diesel_schema() {
        let src: TokenStream = r#"
            use diesel::sql_types::*;
            /// Orders placed by customers.
            orders (id) {
                id -> Int4,
                #[sql_name = "type"]
                kind -> Text,
                customer_id -> Int4,
            }
            #[sql_name = "payment_attempts"]
            billing.attempts {
                id -> Int4,
                r#type -> Text,
            }
        "#
        .parse()
        .unwrap();
        let t = diesel_tables(src);
        assert_eq!(t.len(), 2);
        assert_eq!(
            (t[0].module.as_str(), t[0].table.as_str()),
            ("orders", "orders")
        );
        assert_eq!(t[0].columns, ["id", "kind", "customer_id"]);
        assert_eq!(
            (t[1].module.as_str(), t[1].table.as_str()),
            ("attempts", "payment_attempts")
        );
        assert_eq!(t[1].columns, ["id", "type"]);
    }

    #[test]
    fn parses_joinable() {
        let src: TokenStream = "payments -> orders (order_id)".parse().unwrap();
        assert_eq!(
            diesel_joinable(src),
            Some(("payments".into(), "orders".into()))
        );
    }

    #[test]
    fn tells_sql_from_prose() {
        for sql in [
            "SELECT id FROM orders WHERE id = $1",
            "  insert into payments (id) values (?)",
            "UPDATE orders SET status = 'paid'",
            "DELETE FROM sessions",
            "WITH x AS (SELECT 1 FROM t) SELECT * FROM x",
        ] {
            assert!(looks_like_sql(sql), "{sql}");
        }
        for prose in [
            "update failed",
            "select a product",
            "Delete the draft?",
            "select from empty iterator",
            "selected: FROM",
            "",
        ] {
            assert!(!looks_like_sql(prose), "{prose}");
        }
    }
}
