//! `cargo domains roadmap`: when to take each step of the evolution of a monolith, and what
//! first. One verdict per phase with the measurements behind it:
//!
//! 1. organise the code by domain (from the check: unassigned share, violations);
//! 2. move slow side work out of the request path (from [`crate::request_path`]);
//! 3. extract the few domains that earn it (from `score`'s readiness, with the teams and the
//!    change coupling of [`crate::history`]), or "not yet" when the data says it is early;
//! 4. split the data into cells (from [`crate::partition`]: tables without the key,
//!    queries across partitions).
//!
//! `render.rs` prints it as text, Markdown or JSON. What each signal means: docs/roadmap.md.

pub mod render;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::analysis::Checked;
use crate::config::Level;
use crate::history::{self, CouplingFlag, History};
use crate::request_path::{self, SlowWork};

/// Candidates phase 3 lists at most.
pub const MAX_CANDIDATES: usize = 5;
/// Phase 1 is done below this share of unassigned lines (percent).
pub const UNASSIGNED_DONE: f64 = 5.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Nothing left to do in this phase.
    Done,
    /// The data says: do this now.
    Act,
    /// Premature: the data says wait.
    NotYet,
    /// Cannot tell from what was measured.
    NeedsData,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Done => "done",
            Verdict::Act => "act",
            Verdict::NotYet => "not yet",
            Verdict::NeedsData => "needs data",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct CoChange {
    pub with: String,
    /// Coupling degree in percent (see [`history::Coupling::degree`]).
    pub degree: u32,
    pub shared: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct Candidate {
    pub domain: String,
    pub score: f64,
    pub band: &'static str,
    pub blockers: Vec<String>,
    /// Teams that changed it in the window (`None` without history).
    pub teams: Option<usize>,
    pub commits: Option<usize>,
    /// Its strongest change coupling with another domain.
    pub co_changes: Option<CoChange>,
    pub verdict: Verdict,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Phase {
    pub phase: u8,
    pub title: &'static str,
    pub verdict: Verdict,
    pub summary: String,
    pub evidence: Vec<String>,
    /// What the static analysis cannot see for this phase.
    pub needs_runtime: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<Candidate>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Roadmap {
    pub phases: Vec<Phase>,
    pub slow_work: SlowWork,
    pub history: Option<History>,
    /// The partition-key analysis, when `[settings] partition_key` is set.
    pub partition: Option<crate::partition::Partition>,
    /// Why there is no history (not a repository, `--no-history`).
    pub history_missing: Option<String>,
}

pub fn build(c: &Checked, hist: Result<History, String>) -> Roadmap {
    let slow_work = request_path::find(&crate::analysis::request_path_input(&c.analysis));
    let scores = crate::score::score(c);
    let (history, history_missing) = match hist {
        Ok(h) => (Some(h), None),
        Err(e) => (None, Some(e)),
    };
    let partition =
        (!c.config.settings.partition_key.is_empty()).then(|| crate::partition::analyse(c));
    let phases = vec![
        phase1(c),
        phase2(&slow_work),
        phase3(&scores, history.as_ref(), history_missing.as_deref()),
        phase4(&scores, partition.as_ref()),
    ];
    Roadmap {
        phases,
        slow_work,
        history,
        partition,
        history_missing,
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn phase1(c: &Checked) -> Phase {
    let p = &c.analysis.program;
    let (mut lines, mut unassigned_lines, mut modules, mut unassigned) = (0u64, 0u64, 0, 0);
    for (i, m) in p.modules.iter().enumerate() {
        if m.is_test && !c.analysis.include_tests {
            continue;
        }
        modules += 1;
        // A file's lines count once, for the module it is the file of.
        let own = p.modules[i].decl.is_none_or(|(f, _)| f != m.file);
        let l = if own {
            u64::from(p.files[m.file as usize].lines)
        } else {
            0
        };
        lines += l;
        if c.assignment.domain_of[i].is_none() {
            unassigned += 1;
            unassigned_lines += l;
        }
    }
    let share = if lines == 0 {
        0.0
    } else {
        100.0 * unassigned_lines as f64 / lines as f64
    };
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for f in c.findings.iter().filter(|f| f.level == Level::Deny) {
        *by_rule.entry(f.rule.code()).or_default() += 1;
    }
    let violations: usize = by_rule.values().sum();
    let mut evidence = vec![format!(
        "{} of {modules} in no domain ({share:.1}% of the lines)",
        plural(unassigned, "module", "modules")
    )];
    evidence.push(if violations == 0 {
        "no violation at deny level".into()
    } else {
        format!(
            "{}: {}",
            plural(violations, "violation", "violations"),
            by_rule
                .iter()
                .map(|(r, n)| format!("{r} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    });
    if c.baselined > 0 {
        evidence.push(format!(
            "{} held in the baseline",
            plural(c.baselined, "finding", "findings")
        ));
    }
    evidence.push("trend: not measured (`roadmap --history` is not built yet)".into());
    let done = violations == 0 && c.baselined == 0 && share < UNASSIGNED_DONE;
    Phase {
        phase: 1,
        title: "Organise the monolith by domain",
        verdict: if done { Verdict::Done } else { Verdict::Act },
        summary: if done {
            "the code is organised by domain and the boundaries hold".into()
        } else if violations > 0 {
            "boundaries are broken: fix or baseline the violations first (`cargo domains check`)"
                .into()
        } else if share >= UNASSIGNED_DONE {
            "assign the remaining modules to domains (`cargo domains modules`)".into()
        } else {
            "the boundaries hold for new code; pay down the baselined violations".into()
        },
        evidence,
        needs_runtime: "nothing: this phase is fully static",
        candidates: Vec::new(),
    }
}

fn phase2(w: &SlowWork) -> Phase {
    // One line per handler: its route and the slow kinds of work it does inline.
    let mut per: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
    for c in &w.calls {
        let kinds = per
            .entry((c.handler.as_str(), c.route.as_str()))
            .or_default();
        if !kinds.contains(&c.sink.kind) {
            kinds.push(c.sink.kind);
        }
    }
    let evidence: Vec<String> = per
        .iter()
        .map(|((h, route), kinds)| format!("{route} `{h}` waits on: {}", kinds.join(", ")))
        .collect();
    let (verdict, summary) = if w.handlers == 0 {
        (
            Verdict::NeedsData,
            "no request handler found (axum routes, actix-web or rocket route attributes)".into(),
        )
    } else if w.calls.is_empty() {
        (
            Verdict::Done,
            format!(
                "none of the {} calls a slow service inline",
                plural(w.handlers, "handler", "handlers")
            ),
        )
    } else {
        let handlers: std::collections::BTreeSet<&str> =
            w.calls.iter().map(|c| c.handler.as_str()).collect();
        (
            Verdict::Act,
            format!(
                "{} of {} {} slow work while the client waits: {}",
                handlers.len(),
                plural(w.handlers, "handler", "handlers"),
                if handlers.len() == 1 { "does" } else { "do" },
                w.calls[0].fix
            ),
        )
    };
    Phase {
        phase: 2,
        title: "Move slow side work out of the request path",
        verdict,
        summary,
        evidence,
        needs_runtime: "latency and traffic per route (which slow calls actually hurt): read them from your tracing or APM",
        candidates: Vec::new(),
    }
}

fn candidate(d: &crate::score::DomainScore, h: Option<&History>) -> Candidate {
    let dh = h.and_then(|h| h.domains.iter().find(|x| x.domain == d.domain));
    let co = h.and_then(|h| {
        h.couplings
            .iter()
            .filter(|c| (c.a == d.domain || c.b == d.domain) && c.shared > 0)
            .max_by_key(|c| (c.degree, c.shared))
            .map(|c| {
                let other = if c.a == d.domain { &c.b } else { &c.a };
                CoChange {
                    with: other.clone(),
                    degree: c.degree,
                    shared: c.shared,
                }
            })
    });
    let blockers: Vec<String> = d.blockers.iter().map(|b| b.summary.clone()).collect();
    let teams = dh.map(|x| x.teams.len());
    let (verdict, reason) = if d.band != crate::score::Band::Ready {
        (
            Verdict::NotYet,
            format!(
                "not crate-ready: {:.0}, {}{}",
                d.score,
                d.band.as_str(),
                blockers
                    .first()
                    .map(|b| format!("; {b}"))
                    .unwrap_or_default()
            ),
        )
    } else if let Some(CoChange {
        with: other,
        degree,
        shared,
    }) = co
        .as_ref()
        .filter(|c| c.degree >= history::MIN_DEGREE && c.shared >= history::MIN_SHARED)
    {
        (
            Verdict::NotYet,
            format!(
                "changes with `{other}` in {degree}% of their commits ({shared} shared): split them together or cut that coupling first"
            ),
        )
    } else if let Some(t) = teams.filter(|&t| t <= 1) {
        (
            Verdict::NotYet,
            format!(
                "{}: a service boundary would buy no team autonomy",
                plural(t, "team changes it", "teams change it")
            ),
        )
    } else if h.is_none() {
        (
            Verdict::NeedsData,
            "crate-ready; without history, who changes it is unknown".into(),
        )
    } else {
        (
            Verdict::Act,
            "crate-ready, several teams, no strong co-change".into(),
        )
    };
    Candidate {
        domain: d.domain.clone(),
        score: (d.score * 10.0).round() / 10.0,
        band: d.band.as_str(),
        blockers,
        teams,
        commits: dh.map(|x| x.commits),
        co_changes: co,
        verdict,
        reason,
    }
}

fn phase3(s: &crate::score::Scores, h: Option<&History>, missing: Option<&str>) -> Phase {
    let mut ranked: Vec<&crate::score::DomainScore> = s.domains.iter().collect();
    ranked.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.domain.cmp(&b.domain))
    });
    let candidates: Vec<Candidate> = ranked
        .into_iter()
        .take(MAX_CANDIDATES)
        .map(|d| candidate(d, h))
        .collect();
    let mut evidence = Vec::new();
    match h {
        Some(h) => {
            evidence.push(format!(
                "{} read{}; teams from {}",
                plural(h.commits, "commit", "commits"),
                h.cut
                    .as_ref()
                    .map(|c| format!(" ({c})"))
                    .unwrap_or_default(),
                h.teams_from
            ));
            evidence.push(if h.crowded.is_empty() {
                format!(
                    "no domain is changed by {} or more teams",
                    history::CROWDED_TEAMS
                )
            } else {
                format!(
                    "changed by {} or more teams: {}",
                    history::CROWDED_TEAMS,
                    h.crowded.join(", ")
                )
            });
            for c in h.couplings.iter().filter(|c| c.flag.is_some()) {
                evidence.push(match c.flag {
                    Some(CouplingFlag::Hidden) => format!(
                        "hidden coupling: {} and {} change together in {}% of their commits ({} shared) with no import between them",
                        c.a, c.b, c.degree, c.shared
                    ),
                    _ => format!(
                        "{} in code but never changed together: cheap to cut",
                        match c.static_dependency {
                            "a -> b" => format!("{} uses {}", c.a, c.b),
                            "b -> a" => format!("{} uses {}", c.b, c.a),
                            _ => format!("{} and {} use each other", c.a, c.b),
                        }
                    ),
                });
            }
        }
        None => evidence.push(format!("no history: {}", missing.unwrap_or("not read"))),
    }
    let acting: Vec<&str> = candidates
        .iter()
        .filter(|c| c.verdict == Verdict::Act)
        .map(|c| c.domain.as_str())
        .collect();
    let crowded = h.is_some_and(|h| !h.crowded.is_empty());
    let (verdict, summary) = if h.is_none() {
        (
            Verdict::NeedsData,
            "readiness is known, but not who changes what: run it in the repository (or pass --git-dir)".to_string(),
        )
    } else if !crowded {
        (
            Verdict::NotYet,
            format!(
                "no domain is changed by {} or more teams: one codebase still serves the teams",
                history::CROWDED_TEAMS
            ),
        )
    } else if acting.is_empty() {
        (
            Verdict::NotYet,
            "teams collide, but no candidate is ready: see each one's reason".to_string(),
        )
    } else {
        (
            Verdict::Act,
            format!("extract first: {}", acting.join(", ")),
        )
    };
    Phase {
        phase: 3,
        title: "Extract the domains that earn it",
        verdict,
        summary,
        evidence,
        needs_runtime: "deploy frequency and lead time per team, and how often teams wait on each other",
        candidates,
    }
}

fn phase4(s: &crate::score::Scores, part: Option<&crate::partition::Partition>) -> Phase {
    let mut evidence = Vec::new();
    let (verdict, summary) = match part {
        None => {
            evidence.push("no partition key: set `[settings] partition_key = [\"tenant_id\"]` in domains.toml".to_string());
            (
                Verdict::NeedsData,
                "needs the partition key to list the tables without it and the queries across partitions".to_string(),
            )
        }
        Some(pt) => {
            let unkeyed: Vec<String> = pt
                .unkeyed()
                .map(|t| format!("{} ({})", t.table, t.defined_at))
                .collect();
            evidence.push(format!(
                "{} of {} carry {}",
                pt.tables.len() - unkeyed.len(),
                plural(pt.tables.len(), "table", "tables"),
                pt.key.join(" or ")
            ));
            if !unkeyed.is_empty() {
                evidence.push(format!("without the key: {}", unkeyed.join(", ")));
            }
            evidence.push(format!(
                "{} filter by the key",
                plural(
                    pt.keyed_queries,
                    "query on keyed tables does",
                    "queries on keyed tables"
                )
            ));
            for q in &pt.cross_partition {
                evidence.push(format!(
                    "cross-partition: {} at {} ({})",
                    q.tables.join(", "),
                    q.at,
                    q.sql
                ));
            }
            if !pt.undefined.is_empty() {
                evidence.push(format!(
                    "queried but defined nowhere read (columns unknown): {}",
                    pt.undefined.join(", ")
                ));
            }
            if unkeyed.is_empty() && pt.cross_partition.is_empty() {
                (
                    Verdict::Done,
                    format!("the data can be split by {}", pt.key.join(" or ")),
                )
            } else {
                (
                    Verdict::NotYet,
                    format!(
                        "not ready for cells: add the key to {} and filter {} by it",
                        plural(unkeyed.len(), "table", "tables"),
                        plural(pt.cross_partition.len(), "query", "queries")
                    ),
                )
            }
        }
    };
    let mut globals: Vec<String> = s
        .domains
        .iter()
        .flat_map(|d| d.blockers.iter())
        .filter(|b| b.kind == crate::score::BlockerKind::SharedMutableGlobal)
        .map(|b| b.summary.clone())
        .collect();
    globals.sort();
    globals.dedup();
    for g in globals {
        evidence.push(format!("shared-fate risk: {g}"));
    }
    Phase {
        phase: 4,
        title: "Split the data into cells",
        verdict,
        summary,
        evidence,
        needs_runtime: "data volume and load per tenant, and which tenants are hot",
        candidates: Vec::new(),
    }
}
