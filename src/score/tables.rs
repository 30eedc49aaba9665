//! The data component (research §3.3 C1), the co-written-table blocker and the table lists
//! of the report, from the tables found by `crate::data`.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{Blocker, BlockerKind, Evidence, at, round3};
use crate::analysis::Checked;
use crate::config::DomainId;
use crate::data::{Data, Owner, OwnerSource, TableId};

/// ρ: weight of a table a domain writes / only reads (Service Cutter's write 10 : read 3).
pub const WRITE: f64 = 1.0;
pub const READ: f64 = 0.3;
/// A SQL statement spanning tables of two owners.
pub const JOIN: f64 = 1.0;
/// A foreign key between tables of two owners (a contained refactoring: half).
pub const FOREIGN_KEY: f64 = 0.5;

/// Who owns each table, and how the scored domains use it.
pub struct Tables<'a> {
    pub data: &'a Data,
    pub owners: &'a [Owner],
}

/// One table in the report: its owner and how that was decided, who writes and reads it.
#[derive(Clone, Debug, Serialize)]
pub struct TableReport {
    pub table: String,
    pub owner: Option<String>,
    pub owner_source: OwnerSource,
    /// `file:line` of its `table!` or SeaORM entity.
    pub defined_at: Vec<String>,
    pub writers: Vec<TableUser>,
    pub readers: Vec<TableUser>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TableUser {
    pub domain: String,
    pub sites: usize,
    /// `file:line` of the first site.
    pub at: String,
}

/// The data component of one group, with its blockers.
pub struct GroupData {
    pub value: f64,
    pub evidence: Vec<(&'static str, f64)>,
    pub blockers: Vec<Blocker>,
    /// Other groups that write a table this group writes.
    pub co_writers: Vec<usize>,
    pub opaque: usize,
    pub statements: usize,
    /// Tables it touches or owns.
    pub tables: usize,
}

/// Per table and group: (writes, access indices).
type Use = BTreeMap<usize, (bool, Vec<usize>)>;

impl Tables<'_> {
    fn uses(&self, c: &Checked, group_of: &[Option<usize>]) -> Vec<Use> {
        let mut uses: Vec<Use> = vec![BTreeMap::new(); self.data.tables.len()];
        for (i, a) in self.data.accesses.iter().enumerate() {
            let Some(g) = c.assignment.domain_of[a.module as usize].and_then(|d| group_of[d])
            else {
                continue;
            };
            let e = uses[a.table].entry(g).or_default();
            e.0 |= a.write;
            e.1.push(i);
        }
        uses
    }

    fn owner_group(&self, t: TableId, group_of: &[Option<usize>]) -> Option<usize> {
        self.owners[t].domain.and_then(|d| group_of[d])
    }

    fn site(&self, c: &Checked, a: usize) -> String {
        let a = &self.data.accesses[a];
        at(c, a.file, a.span)
    }

    /// Scores the data component of every group at once.
    pub fn groups(
        &self,
        c: &Checked,
        group_of: &[Option<usize>],
        names: &[String],
    ) -> Vec<GroupData> {
        let uses = self.uses(c, group_of);
        let gm = |m: crate::modules::ModuleId| {
            c.assignment.domain_of[m as usize].and_then(|d| group_of[d])
        };
        (0..names.len())
            .map(|g| {
                let mut touched: BTreeSet<TableId> = BTreeSet::new();
                let mut owned = 0;
                let (mut foreign_reads, mut foreign_writes, mut others_on_mine) = (0, 0, 0.0);
                let mut penalty = 0.0;
                let mut blockers = Vec::new();
                let mut co_writers = BTreeSet::new();
                for (t, u) in uses.iter().enumerate() {
                    let own = self.owner_group(t, group_of);
                    if own == Some(g) {
                        owned += 1;
                        touched.insert(t);
                        for (x, (w, _)) in u {
                            if *x != g {
                                let rho = if *w { WRITE } else { READ };
                                penalty += rho;
                                others_on_mine += rho;
                            }
                        }
                    } else if let Some((w, _)) = u.get(&g) {
                        touched.insert(t);
                        penalty += if *w { WRITE } else { READ };
                        if *w {
                            foreign_writes += 1;
                        } else {
                            foreign_reads += 1;
                        }
                    }
                    // Co-written: written by this group and another one.
                    let writers: Vec<usize> =
                        u.iter().filter(|(_, (w, _))| *w).map(|(x, _)| *x).collect();
                    if writers.len() > 1 && writers.contains(&g) {
                        co_writers.extend(writers.iter().copied().filter(|x| *x != g));
                        blockers.push(self.co_written(c, t, g, own, &writers, u, names));
                    }
                }
                // Statements in this group's code that join tables of two owners.
                let mut joins = 0;
                let mut statements = 0;
                for s in &self.data.statements {
                    if gm(s.module) != Some(g) {
                        continue;
                    }
                    if s.source == crate::data::Source::Sql {
                        statements += 1;
                    }
                    let owners: BTreeSet<DomainId> = s
                        .tables
                        .iter()
                        .filter_map(|t| self.owners[*t].domain)
                        .collect();
                    if owners.len() > 1 {
                        joins += 1;
                    }
                }
                // Foreign keys between one of this group's tables and another owner's.
                let mut fks = 0;
                for fk in &self.data.fks {
                    let (a, b) = (
                        self.owner_group(fk.child, group_of),
                        self.owner_group(fk.parent, group_of),
                    );
                    if (a == Some(g) || b == Some(g)) && a != b {
                        fks += 1;
                    }
                }
                penalty += JOIN * joins as f64 + FOREIGN_KEY * fks as f64;
                // Hyperbolic, not linear: one foreign writer of a one-table domain halves
                // the value instead of zeroing it (a tiny domain does not collapse).
                let t = touched.len() as f64;
                let value = if touched.is_empty() {
                    1.0
                } else {
                    t / (t + penalty)
                };
                let opaque = self
                    .data
                    .opaque
                    .iter()
                    .filter(|o| gm(o.module) == Some(g))
                    .count();
                GroupData {
                    value,
                    evidence: vec![
                        ("tables", touched.len() as f64),
                        ("owned", owned as f64),
                        ("foreign_reads", foreign_reads as f64),
                        ("foreign_writes", foreign_writes as f64),
                        ("others_on_owned", round3(others_on_mine)),
                        ("cross_joins", joins as f64),
                        ("cross_foreign_keys", fks as f64),
                        ("opaque_sql", opaque as f64),
                        ("penalty", round3(penalty)),
                    ],
                    blockers,
                    co_writers: co_writers.into_iter().collect(),
                    opaque,
                    statements,
                    tables: touched.len(),
                }
            })
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn co_written(
        &self,
        c: &Checked,
        t: TableId,
        g: usize,
        own: Option<usize>,
        writers: &[usize],
        u: &Use,
        names: &[String],
    ) -> Blocker {
        let table = &self.data.tables[t].name;
        let owner = match own {
            Some(o) => format!("owner: `{}`, {}", names[o], self.owners[t].source.as_str()),
            None => "no owner".into(),
        };
        let evidence = writers
            .iter()
            .flat_map(|x| {
                u[x].1
                    .iter()
                    .filter(|a| self.data.accesses[**a].write)
                    .take(2)
                    .map(move |a| (x, a))
            })
            .map(|(x, a)| Evidence {
                at: self.site(c, *a),
                note: format!("`{}` writes `{table}`", names[*x]),
            })
            .collect();
        let others: Vec<String> = writers
            .iter()
            .filter(|x| **x != g)
            .map(|x| format!("`{}`", names[*x]))
            .collect();
        let fix = match own {
            Some(o) if o == g => format!(
                "keep `{}` the single writer of `{table}`: {} should call its API or send it a command/event instead of writing the table",
                names[g],
                and_list(&others)
            ),
            Some(o) => format!(
                "stop writing `{table}` from `{}`: call `{}`'s API or publish an event it applies; one service keeps the only write copy",
                names[g], names[o]
            ),
            None => format!(
                "decide which domain owns `{table}` (declare it in `tables = [..]`) and route every other write through that domain's API"
            ),
        };
        Blocker {
            kind: BlockerKind::CoWrittenTable,
            summary: format!(
                "table `{table}` is written by {} ({owner})",
                and_list(
                    &std::iter::once(format!("`{}`", names[g]))
                        .chain(others.iter().cloned())
                        .collect::<Vec<_>>()
                )
            ),
            with: writers
                .iter()
                .filter(|x| **x != g)
                .map(|x| names[*x].clone())
                .collect(),
            evidence,
            fix,
        }
    }

    /// Every table, its owner and its users among the scored domains.
    pub fn report(&self, c: &Checked, scored: &[bool]) -> Vec<TableReport> {
        let domains = &c.config.domains;
        let group_of: Vec<Option<usize>> =
            (0..domains.len()).map(|d| scored[d].then_some(d)).collect();
        let uses = self.uses(c, &group_of);
        let mut out: Vec<TableReport> = self
            .data
            .tables
            .iter()
            .enumerate()
            .map(|(t, table)| {
                let users = |write: bool| -> Vec<TableUser> {
                    uses[t]
                        .iter()
                        .filter(|(_, (w, _))| *w == write)
                        .map(|(d, (_, sites))| {
                            let sites: Vec<usize> = if write {
                                sites
                                    .iter()
                                    .copied()
                                    .filter(|a| self.data.accesses[*a].write)
                                    .collect()
                            } else {
                                sites.clone()
                            };
                            TableUser {
                                domain: domains[*d].name.clone(),
                                sites: sites.len(),
                                at: self.site(c, sites[0]),
                            }
                        })
                        .collect()
                };
                TableReport {
                    table: table.name.clone(),
                    owner: self.owners[t].domain.map(|d| domains[d].name.clone()),
                    owner_source: self.owners[t].source,
                    defined_at: table.defs.iter().map(|d| at(c, d.file, d.span)).collect(),
                    writers: users(true),
                    readers: users(false),
                }
            })
            .collect();
        // Declared tables the code never names.
        for (d, dom) in domains.iter().enumerate() {
            for (t, _) in &dom.tables {
                if !out.iter().any(|r| &r.table == t) {
                    out.push(TableReport {
                        table: t.clone(),
                        owner: Some(domains[d].name.clone()),
                        owner_source: OwnerSource::Declared,
                        defined_at: Vec::new(),
                        writers: Vec::new(),
                        readers: Vec::new(),
                    });
                }
            }
        }
        out.sort_by(|a, b| a.table.cmp(&b.table));
        out
    }
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
