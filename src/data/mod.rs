//! Data ownership: the database tables of the workspace, which module reads or writes each,
//! and which domain owns it. Built from what the syntax pass found (`modules::orm`): diesel
//! `table!` modules and the resolved references into them, SeaORM entity modules and the
//! references into them, and SQL string literals parsed by [`sql`]. Scoring (`crate::score`)
//! turns it into the data component and the co-written-table blocker.

pub mod sql;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde::Serialize;

use crate::analysis::Checked;
use crate::config::DomainId;
use crate::modules::extract::DataFact;
use crate::modules::{FileId, ModuleId, Program, Span};
use crate::resolve::{Def, RefKind, Resolution};

pub type TableId = usize;

/// Where an access or a definition was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Diesel,
    SeaOrm,
    Sql,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Diesel => "diesel",
            Source::SeaOrm => "sea-orm",
            Source::Sql => "sql",
        }
    }
}

#[derive(Clone, Debug)]
pub struct TableDef {
    pub module: ModuleId,
    pub file: FileId,
    pub span: Span,
    pub source: Source,
}

#[derive(Clone, Debug)]
pub struct Table {
    pub name: String,
    /// `table!` invocations and SeaORM entities that define it.
    pub defs: Vec<TableDef>,
}

/// One place that reads or writes a table.
#[derive(Clone, Debug)]
pub struct Access {
    pub table: TableId,
    pub module: ModuleId,
    pub file: FileId,
    pub span: Span,
    pub write: bool,
    pub source: Source,
    /// The SQL statement it belongs to (an index into [`Data::statements`]).
    pub statement: Option<usize>,
}

/// A query whose tables are known together (a SQL statement, a diesel join), for joins
/// across owners.
#[derive(Clone, Debug)]
pub struct Statement {
    pub source: Source,
    pub module: ModuleId,
    pub file: FileId,
    pub span: Span,
    pub tables: Vec<TableId>,
}

/// Database code whose tables cannot be read: SQL built at run time, SQL no dialect parses,
/// a missing `query_file!` file. It lowers the confidence figure.
#[derive(Clone, Debug)]
pub struct Opaque {
    pub module: ModuleId,
    pub file: FileId,
    pub span: Span,
    pub why: String,
}

/// `joinable!(child -> parent (fk))`.
#[derive(Clone, Debug)]
pub struct ForeignKey {
    pub child: TableId,
    pub parent: TableId,
    pub file: FileId,
    pub span: Span,
}

#[derive(Clone, Debug, Default)]
pub struct Data {
    pub tables: Vec<Table>,
    pub accesses: Vec<Access>,
    pub statements: Vec<Statement>,
    pub opaque: Vec<Opaque>,
    pub fks: Vec<ForeignKey>,
}

/// How a table's owner was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OwnerSource {
    /// `tables = [..]` in domains.toml.
    Declared,
    /// The domain whose module defines the table (`table!`, a SeaORM entity).
    Defined,
    /// The domain with the most write sites.
    MajorityWriter,
    /// The only domain that touches it.
    OnlyUser,
    /// None of the above decides (a tie, or nobody in a business domain touches it).
    Unowned,
}

impl OwnerSource {
    pub fn as_str(self) -> &'static str {
        match self {
            OwnerSource::Declared => "declared",
            OwnerSource::Defined => "defined",
            OwnerSource::MajorityWriter => "majority writer",
            OwnerSource::OnlyUser => "only user",
            OwnerSource::Unowned => "unowned",
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Owner {
    pub domain: Option<DomainId>,
    pub source: OwnerSource,
}

impl Data {
    fn table(&mut self, ix: &mut HashMap<String, TableId>, name: &str) -> TableId {
        *ix.entry(name.to_string()).or_insert_with(|| {
            self.tables.push(Table {
                name: name.to_string(),
                defs: Vec::new(),
            });
            self.tables.len() - 1
        })
    }

    /// Every non-test table definition, access and opaque query of the workspace.
    pub fn collect(p: &Program, res: &Resolution) -> Data {
        let mut d = Data::default();
        let mut ix: HashMap<String, TableId> = HashMap::new();
        let live = |m: ModuleId, is_test: bool| !is_test && !p.modules[m as usize].is_test;
        // Table modules: diesel's generated modules (and their `columns`/`dsl`), SeaORM
        // entity modules.
        let mut table_of: HashMap<ModuleId, (TableId, Source)> = HashMap::new();
        let mut writes: HashMap<FileId, Vec<Span>> = HashMap::new();
        let mut joins: Vec<(ModuleId, FileId, Span)> = Vec::new();
        for site in &p.data {
            match &site.fact {
                DataFact::DieselTable { module, table } => {
                    let t = d.table(&mut ix, &table.to_lowercase());
                    let Some(&tm) = p.modules[site.module as usize].children.get(module) else {
                        continue;
                    };
                    if live(site.module, site.is_test) {
                        d.tables[t].defs.push(TableDef {
                            module: site.module,
                            file: site.file,
                            span: site.span,
                            source: Source::Diesel,
                        });
                    }
                    table_of.insert(tm, (t, Source::Diesel));
                    for sub in p.modules[tm as usize].children.values() {
                        table_of.insert(*sub, (t, Source::Diesel));
                    }
                }
                DataFact::SeaOrmEntity { table } => {
                    let t = d.table(&mut ix, &table.to_lowercase());
                    if live(site.module, site.is_test) {
                        d.tables[t].defs.push(TableDef {
                            module: site.module,
                            file: site.file,
                            span: site.span,
                            source: Source::SeaOrm,
                        });
                    }
                    table_of.insert(site.module, (t, Source::SeaOrm));
                }
                DataFact::WriteCall { .. } => writes.entry(site.file).or_default().push(site.span),
                DataFact::JoinCall { .. } if live(site.module, site.is_test) => {
                    joins.push((site.module, site.file, site.span))
                }
                _ => {}
            }
        }
        // Foreign keys, by the tables' Rust names in the module that declares them.
        for site in &p.data {
            if let DataFact::DieselJoin { child, parent } = &site.fact {
                let m = &p.modules[site.module as usize];
                let table = |name: &String| {
                    m.children
                        .get(name)
                        .and_then(|tm| table_of.get(tm))
                        .map(|(t, _)| *t)
                };
                if let (Some(c), Some(pa)) = (table(child), table(parent))
                    && live(site.module, site.is_test)
                {
                    d.fks.push(ForeignKey {
                        child: c,
                        parent: pa,
                        file: site.file,
                        span: site.span,
                    });
                }
            }
        }
        // References into table modules.
        let mut seen: HashMap<(TableId, FileId, u32, ModuleId), usize> = HashMap::new();
        for r in &res.refs {
            // The table modules' own paths (`impl ActiveModelBehavior for ActiveModel`,
            // diesel's generated `dsl` imports) are not accesses.
            if !live(r.from, r.is_test) || r.kind == RefKind::Mod || table_of.contains_key(&r.from)
            {
                continue;
            }
            let (module, item, assoc) = match r.target {
                Def::Item(id) | Def::Variant(id, _) => (p.items[id as usize].module, id, None),
                Def::Assoc { owner, .. } => (
                    p.items[owner as usize].module,
                    owner,
                    r.item.rsplit("::").next(),
                ),
                _ => continue,
            };
            let Some(&(table, source)) = table_of.get(&module) else {
                continue;
            };
            let write = match source {
                Source::Diesel => writes.get(&r.file).is_some_and(|spans| {
                    spans
                        .iter()
                        .any(|w| w.start <= r.span.start && r.span.end <= w.end)
                }),
                _ => {
                    let name = p.items[item as usize].name.as_str();
                    name == "ActiveModel"
                        || (name == "Entity"
                            && assoc.is_some_and(|a| {
                                matches!(
                                    a,
                                    "insert"
                                        | "insert_many"
                                        | "update"
                                        | "update_many"
                                        | "delete"
                                        | "delete_many"
                                        | "delete_by_id"
                                )
                            }))
                }
            };
            let key = (table, r.file, r.span.start.line, r.from);
            if let Some(&a) = seen.get(&key) {
                d.accesses[a].write |= write;
                continue;
            }
            seen.insert(key, d.accesses.len());
            d.accesses.push(Access {
                table,
                module: r.from,
                file: r.file,
                span: r.span,
                write,
                source,
                statement: None,
            });
        }
        // diesel joins: the tables referenced inside one `.inner_join(..)` call (receiver and
        // argument) are one query. Nested joins are one query with all their tables.
        let mut join_sites: Vec<(ModuleId, FileId, Span, BTreeSet<TableId>)> = Vec::new();
        for (module, file, span) in joins {
            let tables: BTreeSet<TableId> = d
                .accesses
                .iter()
                .filter(|a| {
                    a.source == Source::Diesel
                        && a.file == file
                        && span.start <= a.span.start
                        && a.span.end <= span.end
                })
                .map(|a| a.table)
                .collect();
            if tables.len() < 2 {
                continue;
            }
            // `a.inner_join(b).inner_join(c)`: the outer call covers the inner one.
            join_sites
                .retain(|(_, f, s, _)| !(*f == file && span.start <= s.start && s.end <= span.end));
            if join_sites
                .iter()
                .any(|(_, f, s, _)| *f == file && s.start <= span.start && span.end <= s.end)
            {
                continue;
            }
            join_sites.push((module, file, span, tables));
        }
        for (module, file, span, tables) in join_sites {
            d.statements.push(Statement {
                source: Source::Diesel,
                module,
                file,
                span,
                tables: tables.into_iter().collect(),
            });
        }
        // SQL.
        for site in &p.data {
            if !live(site.module, site.is_test) {
                continue;
            }
            let text = match &site.fact {
                DataFact::Sql { text } => Ok(text.clone()),
                DataFact::SqlFile { path } => read_query_file(p, site.module, path),
                DataFact::OpaqueSql { call } if call == "format!" => {
                    Err("SQL built with `format!`: its tables are known only at run time".into())
                }
                DataFact::OpaqueSql { call } => Err(format!(
                    "`{call}` with SQL built at run time: its tables are unknown"
                )),
                _ => continue,
            };
            let parsed = text.and_then(|t| {
                sql::analyse(&t).map_err(|e| format!("SQL that no dialect parses: {e}"))
            });
            match parsed {
                Ok(stmts) => {
                    for st in stmts {
                        let s = d.statements.len();
                        let mut tables = Vec::new();
                        for (name, write) in st
                            .writes
                            .iter()
                            .map(|w| (w, true))
                            .chain(st.reads.iter().map(|r| (r, false)))
                        {
                            let t = d.table(&mut ix, name);
                            tables.push(t);
                            d.accesses.push(Access {
                                table: t,
                                module: site.module,
                                file: site.file,
                                span: site.span,
                                write,
                                source: Source::Sql,
                                statement: Some(s),
                            });
                        }
                        d.statements.push(Statement {
                            source: Source::Sql,
                            module: site.module,
                            file: site.file,
                            span: site.span,
                            tables,
                        });
                    }
                }
                Err(why) => d.opaque.push(Opaque {
                    module: site.module,
                    file: site.file,
                    span: site.span,
                    why,
                }),
            }
        }
        d
    }

    /// The owner of every table: declared in domains.toml, else the business domain that
    /// defines it, else the domain with the most write sites, else the only domain that
    /// touches it. Shared kernels and composition roots own a table only by declaration.
    pub fn owners(&self, c: &Checked) -> Vec<Owner> {
        let domains = &c.config.domains;
        let dom = |m: ModuleId| c.assignment.domain_of[m as usize];
        let scored = |d: DomainId| !domains[d].shared && !domains[d].depends_on_any;
        let declared: HashMap<&str, DomainId> = domains
            .iter()
            .enumerate()
            .flat_map(|(i, d)| d.tables.iter().map(move |(t, _)| (t.as_str(), i)))
            .collect();
        let mut write_sites: Vec<BTreeMap<DomainId, usize>> =
            vec![BTreeMap::new(); self.tables.len()];
        let mut users: Vec<BTreeSet<DomainId>> = vec![BTreeSet::new(); self.tables.len()];
        for a in &self.accesses {
            if let Some(d) = dom(a.module).filter(|d| scored(*d)) {
                users[a.table].insert(d);
                if a.write {
                    *write_sites[a.table].entry(d).or_default() += 1;
                }
            }
        }
        self.tables
            .iter()
            .enumerate()
            .map(|(t, table)| {
                if let Some(&d) = declared.get(table.name.as_str()) {
                    return Owner {
                        domain: Some(d),
                        source: OwnerSource::Declared,
                    };
                }
                let definers: BTreeSet<DomainId> = table
                    .defs
                    .iter()
                    .filter_map(|def| dom(def.module))
                    .filter(|d| scored(*d))
                    .collect();
                if definers.len() == 1 {
                    return Owner {
                        domain: definers.first().copied(),
                        source: OwnerSource::Defined,
                    };
                }
                let w = &write_sites[t];
                if let Some(max) = w.values().max()
                    && w.values().filter(|n| *n == max).count() == 1
                {
                    return Owner {
                        domain: w.iter().find(|(_, n)| *n == max).map(|(d, _)| *d),
                        source: OwnerSource::MajorityWriter,
                    };
                }
                if w.is_empty() && users[t].len() == 1 {
                    return Owner {
                        domain: users[t].first().copied(),
                        source: OwnerSource::OnlyUser,
                    };
                }
                Owner {
                    domain: None,
                    source: OwnerSource::Unowned,
                }
            })
            .collect()
    }
}

/// `query_file!("queries/x.sql")`: relative to the directory of the package's Cargo.toml.
fn read_query_file(p: &Program, module: ModuleId, path: &str) -> Result<String, String> {
    let krate = &p.crates[p.modules[module as usize].krate as usize];
    let root = &krate.info.root_file;
    let dir = root
        .ancestors()
        .skip(1)
        .find(|d| d.join("Cargo.toml").is_file())
        .unwrap_or_else(|| root.parent().unwrap_or(Path::new(".")));
    let file = dir.join(path);
    let shown = file.display();
    // A regular file of sane size only: `query_file!("/dev/zero")` must not hang the run.
    match std::fs::metadata(&file) {
        Ok(m) if !m.is_file() => {
            return Err(format!("`query_file!(\"{path}\")`: {shown} is not a file"));
        }
        Ok(m) if m.len() > MAX_QUERY_FILE => {
            return Err(format!(
                "`query_file!(\"{path}\")`: {shown} is larger than {} KiB",
                MAX_QUERY_FILE / 1024
            ));
        }
        _ => {}
    }
    crate::safe_read::read_text(&file, MAX_QUERY_FILE)
        .map_err(|e| format!("`query_file!(\"{path}\")`: {shown}: {e}"))
}

/// Larger `query_file!` files are not read (a query is a few KiB at most).
const MAX_QUERY_FILE: u64 = 1024 * 1024;
