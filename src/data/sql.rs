//! The tables a SQL string reads and writes, with `sqlparser`. Dialects are tried in turn
//! (PostgreSQL, MySQL, SQLite, generic), so `$1` and `?` placeholders both parse.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use sqlparser::ast::{
    FromTable, ObjectName, Query, Statement, TableFactor, TableObject, Visit, Visitor,
};
use sqlparser::dialect::{Dialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

/// What one statement does to tables (names lower-cased, schema dropped).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatementTables {
    /// Tables written (INSERT INTO, UPDATE, DELETE FROM, MERGE INTO).
    pub writes: BTreeSet<String>,
    /// Every other table the statement names (FROM, JOIN, sub-queries).
    pub reads: BTreeSet<String>,
}

impl StatementTables {
    pub fn all(&self) -> impl Iterator<Item = &String> {
        self.writes.iter().chain(self.reads.iter())
    }
}

/// A table's name as the database sees it: the last part, lower-cased unless quoted.
pub fn table_name(n: &ObjectName) -> Option<String> {
    let ident = n.0.last()?.as_ident()?;
    Some(if ident.quote_style.is_some() {
        ident.value.clone()
    } else {
        ident.value.to_lowercase()
    })
}

/// Parses `text` and reports, per statement, the tables it writes and reads. The error is
/// the PostgreSQL parser's message when no dialect understands the text.
pub fn analyse(text: &str) -> Result<Vec<StatementTables>, String> {
    // A parser bug must not take the report down: it makes this one query opaque.
    std::panic::catch_unwind(|| analyse_unguarded(text))
        .unwrap_or_else(|_| Err("the SQL parser failed on this text".into()))
}

fn analyse_unguarded(text: &str) -> Result<Vec<StatementTables>, String> {
    let dialects: [&dyn Dialect; 4] = [
        &PostgreSqlDialect {},
        &MySqlDialect {},
        &SQLiteDialect {},
        &GenericDialect {},
    ];
    let mut first_err = None;
    for d in dialects {
        match Parser::parse_sql(d, text) {
            Ok(stmts) if !stmts.is_empty() => return Ok(stmts.iter().map(tables_of).collect()),
            Ok(_) => return Err("no statement".into()),
            Err(e) => {
                first_err.get_or_insert(e.to_string());
            }
        }
    }
    Err(first_err.unwrap_or_default())
}

#[derive(Default)]
struct Collect {
    relations: BTreeSet<String>,
    writes: BTreeSet<String>,
    ctes: BTreeSet<String>,
}

impl Collect {
    fn write_factor(&mut self, t: &TableFactor) {
        if let TableFactor::Table { name, .. } = t
            && let Some(n) = table_name(name)
        {
            self.writes.insert(n);
        }
    }
}

impl Visitor for Collect {
    type Break = ();

    fn pre_visit_relation(&mut self, r: &ObjectName) -> ControlFlow<()> {
        if let Some(n) = table_name(r) {
            self.relations.insert(n);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        if let Some(with) = &q.with {
            for cte in &with.cte_tables {
                self.ctes.insert(cte.alias.name.value.to_lowercase());
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_statement(&mut self, s: &Statement) -> ControlFlow<()> {
        match s {
            Statement::Insert(i) => {
                if let TableObject::TableName(n) = &i.table
                    && let Some(n) = table_name(n)
                {
                    self.writes.insert(n);
                }
            }
            Statement::Update(u) => self.write_factor(&u.table.relation),
            Statement::Delete(d) => {
                if d.tables.is_empty() {
                    let (FromTable::WithFromKeyword(f) | FromTable::WithoutKeyword(f)) = &d.from;
                    for t in f {
                        self.write_factor(&t.relation);
                    }
                } else {
                    self.writes.extend(d.tables.iter().filter_map(table_name));
                }
            }
            Statement::Merge(m) => self.write_factor(&m.table),
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

fn tables_of(s: &Statement) -> StatementTables {
    let mut c = Collect::default();
    let _ = s.visit(&mut c);
    let writes: BTreeSet<String> = c.writes.difference(&c.ctes).cloned().collect();
    let reads = c
        .relations
        .into_iter()
        .filter(|r| !writes.contains(r) && !c.ctes.contains(r))
        .collect();
    StatementTables { writes, reads }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(sql: &str) -> (Vec<String>, Vec<String>) {
        let s = analyse(sql).unwrap();
        assert_eq!(s.len(), 1, "{sql}");
        (
            s[0].writes.iter().cloned().collect(),
            s[0].reads.iter().cloned().collect(),
        )
    }

    #[test]
    fn reads_and_writes() {
        assert_eq!(
            one(
                "SELECT p.sku, pr.cents FROM products p JOIN prices pr ON pr.sku = p.sku WHERE p.sku = $1"
            ),
            (vec![], vec!["prices".into(), "products".into()])
        );
        assert_eq!(
            one("INSERT INTO order_lines (order_id, sku) SELECT $1, sku FROM carts WHERE id = $2"),
            (vec!["order_lines".into()], vec!["carts".into()])
        );
        assert_eq!(
            one(
                "UPDATE public.Orders SET paid_at = now() FROM payments WHERE payments.order_id = orders.id"
            ),
            (vec!["orders".into()], vec!["payments".into()])
        );
        assert_eq!(
            one("DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE banned)"),
            (vec!["sessions".into()], vec!["users".into()])
        );
        assert_eq!(
            one("insert into receipts (id) values (?)"),
            (vec!["receipts".into()], vec![])
        );
    }

    #[test]
    fn cte_names_are_not_tables() {
        assert_eq!(
            one(
                "WITH recent AS (SELECT * FROM orders WHERE placed_at > now() - interval '1 day') SELECT count(*) FROM recent"
            ),
            (vec![], vec!["orders".into()])
        );
    }

    #[test]
    fn unparsable_sql_is_an_error() {
        assert!(analyse("SELECT * FROM orders WHERE name ILIKE '%").is_err());
        assert!(analyse("INSERT INTO orders (id, total) ").is_err());
    }
}
