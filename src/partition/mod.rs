//! Data partitioning (roadmap phase 4): with `[settings] partition_key = ["tenant_id"]`,
//! which tables carry the key and which queries filter by it. The tables without the key and
//! the queries that cross partitions are the work list before data can be split into cells.
//!
//! Tables and their columns come from diesel `table!` (the columns the syntax pass turned
//! into items of the table's module), SeaORM entities (the fields of `Model`) and
//! `CREATE TABLE` statements (SQL literals in the code, and `*.sql` files under the
//! workspace's `migrations` directories). Queries are the SQL literals of the code.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sqlparser::ast::Statement;
use sqlparser::dialect::{GenericDialect, PostgreSqlDialect};
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::analysis::Checked;
use crate::data::{Data, Source};
use crate::modules::extract::DataFact;

/// `migrations` directories are looked for this deep below the workspace root...
const MAX_DEPTH: usize = 4;
/// ... and at most this many `.sql` files are read.
const MAX_FILES: usize = 2000;

#[derive(Clone, Debug, Serialize)]
pub struct TableKey {
    pub table: String,
    /// The key column it has; `None` when it has none.
    pub key: Option<String>,
    /// Where its columns were read: `diesel`, `sea_orm`, `sql` (with `file:line`).
    pub defined_at: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct CrossQuery {
    pub at: String,
    /// The keyed tables it touches without naming the key in a filter.
    pub tables: Vec<String>,
    /// The statement's first line.
    pub sql: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Partition {
    pub key: Vec<String>,
    pub tables: Vec<TableKey>,
    /// Tables queried but defined nowhere the analysis reads (their columns are unknown).
    pub undefined: Vec<String>,
    pub keyed_queries: usize,
    pub cross_partition: Vec<CrossQuery>,
}

impl Partition {
    pub fn unkeyed(&self) -> impl Iterator<Item = &TableKey> {
        self.tables.iter().filter(|t| t.key.is_none())
    }
}

fn statements(text: &str) -> Vec<Statement> {
    Parser::parse_sql(&PostgreSqlDialect {}, text)
        .or_else(|_| Parser::parse_sql(&GenericDialect {}, text))
        .unwrap_or_default()
}

/// `CREATE TABLE`s of a SQL text: table -> columns (lower-cased).
fn creates(text: &str, out: &mut Vec<(String, BTreeSet<String>)>) {
    for s in statements(text) {
        if let Statement::CreateTable(ct) = s
            && let Some(name) = crate::data::sql::table_name(&ct.name)
        {
            let cols = ct
                .columns
                .iter()
                .map(|c| c.name.value.to_lowercase())
                .collect();
            out.push((name, cols));
        }
    }
}

/// Whether the statement names a key column where it restricts rows: after `WHERE` or `ON`,
/// or in an `INSERT`'s column list.
fn filters_by(text: &str, keys: &[String]) -> bool {
    let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, text).tokenize() else {
        return false;
    };
    let mut restricting = false;
    let mut insert_cols = false;
    for t in tokens {
        let Token::Word(w) = t else { continue };
        match w.keyword {
            Keyword::WHERE | Keyword::ON => restricting = true,
            Keyword::INSERT => insert_cols = true,
            Keyword::VALUES | Keyword::SELECT if insert_cols => insert_cols = false,
            _ if (restricting || insert_cols) && keys.contains(&w.value.to_lowercase()) => {
                return true;
            }
            _ => {}
        }
    }
    false
}

/// Every `*.sql` file under a `migrations` directory of the workspace.
fn migration_files(root: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, depth: usize, in_migrations: bool, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            if out.len() >= MAX_FILES {
                return;
            }
            let name = e.file_name().to_string_lossy().into_owned();
            let Ok(ft) = e.file_type() else { continue };
            let path = e.path();
            if ft.is_dir() && !name.starts_with('.') && name != "target" && depth < MAX_DEPTH {
                walk(&path, depth + 1, in_migrations || name == "migrations", out);
            } else if ft.is_file() && in_migrations && name.ends_with(".sql") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, 0, false, &mut out);
    out
}

pub fn analyse(c: &Checked) -> Partition {
    let keys = &c.config.settings.partition_key;
    let p = &c.analysis.program;
    let data = Data::collect(p, &c.analysis.resolution);
    let mut tables: BTreeMap<String, TableKey> = BTreeMap::new();
    for t in &data.tables {
        for d in &t.defs {
            // diesel's columns are items of `<table>::columns`, the table's module being
            // `d.module` or (for the module holding `table!`) its child of the table's name.
            let is_table_module = |m: u32| {
                m == d.module
                    || (p.modules[m as usize].parent == Some(d.module)
                        && p.modules[m as usize].name.eq_ignore_ascii_case(&t.name))
            };
            let items = p.items.iter().filter(|i| {
                let m = &p.modules[i.module as usize];
                is_table_module(i.module)
                    || (m.name == "columns" && m.parent.is_some_and(is_table_module))
            });
            let key = match d.source {
                Source::Diesel => items
                    .map(|i| i.name.to_lowercase())
                    .find(|c| keys.contains(c)),
                Source::SeaOrm => items
                    .filter(|i| i.name == "Model")
                    .flat_map(|i| i.fields.iter().map(|(f, _)| f.to_lowercase()))
                    .find(|c| keys.contains(c)),
                Source::Sql => continue,
            };
            tables.entry(t.name.clone()).or_insert(TableKey {
                table: t.name.clone(),
                key,
                defined_at: format!(
                    "{} {}:{}",
                    d.source.as_str(),
                    p.file_rel(d.file),
                    d.span.start.line
                ),
            });
        }
    }
    let mut ddl: Vec<(String, BTreeSet<String>, String)> = Vec::new();
    let sqls: Vec<(&str, String)> = p
        .data
        .iter()
        .filter(|d| !d.is_test || c.analysis.include_tests)
        .filter_map(|d| match &d.fact {
            DataFact::Sql { text } => Some((
                text.as_str(),
                format!("{}:{}", p.file_rel(d.file), d.span.start.line),
            )),
            _ => None,
        })
        .collect();
    for (text, at) in &sqls {
        let mut found = Vec::new();
        creates(text, &mut found);
        ddl.extend(found.into_iter().map(|(t, cols)| (t, cols, at.clone())));
    }
    let root = &c.analysis.workspace.root;
    for f in migration_files(root) {
        let Ok(text) = crate::safe_read::read_text(&f, crate::safe_read::MAX_INPUT_BYTES) else {
            continue;
        };
        let rel = f
            .strip_prefix(root)
            .unwrap_or(&f)
            .to_string_lossy()
            .replace('\\', "/");
        let mut found = Vec::new();
        creates(&text, &mut found);
        ddl.extend(found.into_iter().map(|(t, cols)| (t, cols, rel.clone())));
    }
    for (table, cols, at) in ddl {
        tables.entry(table.clone()).or_insert_with(|| TableKey {
            table,
            key: cols.into_iter().find(|c| keys.contains(c)),
            defined_at: format!("sql {at}"),
        });
    }
    let mut undefined = BTreeSet::new();
    let mut keyed_queries = 0;
    let mut cross_partition = Vec::new();
    for (text, at) in &sqls {
        let Ok(stmts) = crate::data::sql::analyse(text) else {
            continue;
        };
        let named: BTreeSet<&String> = stmts.iter().flat_map(|s| s.all()).collect();
        if named.is_empty()
            || statements(text)
                .iter()
                .all(|s| matches!(s, Statement::CreateTable(_)))
        {
            continue;
        }
        for n in &named {
            if !tables.contains_key(*n) {
                undefined.insert((*n).clone());
            }
        }
        let keyed: Vec<String> = named
            .iter()
            .filter(|n| tables.get(**n).is_some_and(|t| t.key.is_some()))
            .map(|n| (*n).clone())
            .collect();
        if keyed.is_empty() {
            continue;
        }
        if filters_by(text, keys) {
            keyed_queries += 1;
        } else {
            cross_partition.push(CrossQuery {
                at: at.clone(),
                tables: keyed,
                sql: text
                    .trim()
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            });
        }
    }
    Partition {
        key: keys.clone(),
        tables: tables.into_values().collect(),
        undefined: undefined.into_iter().collect(),
        keyed_queries,
        cross_partition,
    }
}
