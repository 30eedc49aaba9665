//! Slow work in the request path (roadmap phase 2): request handlers that send e-mail, call
//! other services over HTTP, charge cards or upload to cloud storage *inline*, while the
//! client waits. Handlers are found syntactically (`syntax.rs`); from each, the workspace's
//! call graph (the resolver's references, item to item) is followed to a call into a slow
//! crate (the table [`SINKS`]). Work handed to `tokio::spawn` is not followed; work handed
//! to a queue or a jobs table is not a sink, so it is not reported either.
//!
//! Each result: the handler, the chain with `file:line` per hop, the sink, and the fix.

pub mod syntax;

use std::collections::{BTreeSet, HashMap, VecDeque};

use serde::Serialize;

use crate::modules::{FileId, ItemKind, Pos};
use crate::resolve::Def;
use syntax::FileFacts;

/// A slow crate: its name as code writes it, what it does, and (when only some of its items
/// do slow work) the path segments that mark a slow call.
pub struct Sink {
    pub krate: &'static str,
    pub kind: &'static str,
    /// Any of these segments (or, ending in `*`, segment prefixes) anywhere in the path;
    /// empty: every path into the crate.
    pub marks: &'static [&'static str],
}

pub const SINKS: &[Sink] = &[
    Sink {
        krate: "lettre",
        kind: "e-mail",
        marks: &["*Transport"],
    },
    Sink {
        krate: "reqwest",
        kind: "outbound HTTP",
        marks: &[],
    },
    Sink {
        krate: "awc",
        kind: "outbound HTTP",
        marks: &[],
    },
    Sink {
        krate: "ureq",
        kind: "outbound HTTP",
        marks: &[],
    },
    Sink {
        krate: "surf",
        kind: "outbound HTTP",
        marks: &[],
    },
    Sink {
        krate: "isahc",
        kind: "outbound HTTP",
        marks: &[],
    },
    Sink {
        krate: "hyper",
        kind: "outbound HTTP",
        marks: &["client", "Client"],
    },
    Sink {
        krate: "hyper_util",
        kind: "outbound HTTP",
        marks: &["client", "Client"],
    },
    Sink {
        krate: "stripe",
        kind: "payment",
        marks: &[],
    },
    Sink {
        krate: "async_stripe",
        kind: "payment",
        marks: &[],
    },
    Sink {
        krate: "aws_sdk_*",
        kind: "cloud SDK",
        marks: &[],
    },
    Sink {
        krate: "rusoto_*",
        kind: "cloud SDK",
        marks: &[],
    },
    Sink {
        krate: "object_store",
        kind: "object storage",
        marks: &[],
    },
    Sink {
        krate: "s3",
        kind: "object storage",
        marks: &[],
    },
    Sink {
        krate: "sendgrid",
        kind: "e-mail",
        marks: &[],
    },
    Sink {
        krate: "twilio",
        kind: "SMS",
        marks: &[],
    },
];

/// Queues a workspace may already have, by crate name.
pub const QUEUES: &[&str] = &[
    "apalis",
    "fang",
    "sqlxmq",
    "faktory",
    "lapin",
    "rdkafka",
    "underway",
    "graphile_worker",
];

#[derive(Clone, Debug, Serialize)]
pub struct Hop {
    /// The function called.
    pub call: String,
    /// Where the call is written.
    pub at: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct SinkSite {
    pub kind: &'static str,
    /// The path as written, expanded through `use`: `lettre::AsyncSmtpTransport::relay`.
    pub path: String,
    pub at: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct SlowCall {
    pub handler: String,
    /// `POST /orders`
    pub route: String,
    pub handler_at: String,
    /// Handler first; each hop is a call into the next function.
    pub hops: Vec<Hop>,
    pub sink: SinkSite,
    pub fix: String,
    /// Where the handler's name is written, for findings.
    #[serde(skip)]
    pub handler_file: FileId,
    #[serde(skip)]
    pub handler_span: crate::modules::Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct SlowWork {
    /// Request handlers found.
    pub handlers: usize,
    pub calls: Vec<SlowCall>,
    /// The queue the workspace already has: a crate of [`QUEUES`], or a jobs table it writes.
    pub queue: Option<String>,
}

type UnitId = (FileId, usize);

struct Graph {
    facts: HashMap<FileId, FileFacts>,
    /// Callee, call site line; first (lowest) line per pair.
    calls: HashMap<UnitId, Vec<(UnitId, u32)>>,
}

/// What the finder reads: the parsed and resolved workspace (an `Analysis`'s parts, so that
/// the check can run it for `sync-side-effect` without this module depending on the check).
pub struct Input<'a> {
    pub workspace: &'a crate::workspace::Workspace,
    pub program: &'a crate::modules::Program,
    pub resolution: &'a crate::resolve::Resolution,
    pub include_tests: bool,
}

pub fn find(a: &Input) -> SlowWork {
    let p = &a.program;
    let res = &a.resolution;
    let include_tests = a.include_tests;
    // Only files the check parsed (those holding paths) are read again.
    let files: BTreeSet<FileId> = p.refs.iter().map(|r| r.file).collect();
    let facts: HashMap<FileId, FileFacts> = files
        .into_iter()
        .filter_map(|f| Some((f, syntax::read(p.files[f as usize].text.as_deref()?))))
        .collect();
    let mut g = Graph {
        facts,
        calls: HashMap::new(),
    };
    // Resolver references starting at a position, to find the handler a route names.
    let mut at: HashMap<(FileId, Pos), Vec<usize>> = HashMap::new();
    for (i, r) in res.refs.iter().enumerate() {
        if r.is_test && !include_tests {
            continue;
        }
        at.entry((r.file, r.span.start)).or_default().push(i);
        let Some(ff) = g.facts.get(&r.file) else {
            continue;
        };
        if ff.is_spawned(r.span.start) {
            continue;
        }
        let (Some(from), Some(to)) = (ff.unit_at(r.span.start), target_unit(a, &g.facts, i)) else {
            continue;
        };
        let e = g.calls.entry((r.file, from)).or_default();
        if !e.iter().any(|(t, _)| *t == to) {
            e.push((to, r.span.start.line));
        }
    }
    let handlers = handlers(a, &g, &at);
    let queue = queue(a);
    let fix = match &queue {
        Some(q) => format!("enqueue a job on {q} (the workspace has it) and return; the job does this work"),
        None => "move it to a background job: write it to a jobs table in the request's transaction (an outbox) or put it on a queue, and return".to_string(),
    };
    let mut calls = Vec::new();
    for (h, route) in &handlers {
        for (chain, sink) in chains(a, &g, *h) {
            calls.push(SlowCall {
                handler: name(a, &g, *h),
                route: route.clone(),
                handler_at: loc(a, h.0, g.facts[&h.0].units[h.1].ident_at.line),
                hops: chain
                    .iter()
                    .map(|&(u, line, from)| Hop {
                        call: name(a, &g, u),
                        at: loc(a, from.0, line),
                    })
                    .collect(),
                sink,
                fix: fix.clone(),
                handler_file: h.0,
                handler_span: {
                    let u = &g.facts[&h.0].units[h.1];
                    let short = u.name.rsplit("::").next().unwrap_or(&u.name);
                    let mut end = u.ident_at;
                    end.col += short.chars().count() as u32;
                    crate::modules::Span {
                        start: u.ident_at,
                        end,
                    }
                },
            });
        }
    }
    calls.sort_by(|a, b| (&a.handler, &a.sink.at).cmp(&(&b.handler, &b.sink.at)));
    SlowWork {
        handlers: handlers.len(),
        calls,
        queue,
    }
}

fn loc(a: &Input, f: FileId, line: u32) -> String {
    format!("{}:{line}", a.program.file_rel(f))
}

/// `crate::orders::service::place_order`: the file's module and the function's name.
fn name(a: &Input, g: &Graph, u: UnitId) -> String {
    let p = &a.program;
    let unit = &g.facts[&u.0].units[u.1];
    let module = p
        .modules
        .iter()
        .enumerate()
        .filter(|(_, m)| m.file == u.0)
        .min_by_key(|(_, m)| m.depth)
        .map(|(i, _)| crate::config::pattern::pattern_for(p, i as u32, a.workspace));
    match module {
        Some(m) => format!("{m}::{}", unit.name),
        None => unit.name.clone(),
    }
}

/// The function a reference reaches, when it is a function of the workspace.
fn target_unit(a: &Input, facts: &HashMap<FileId, FileFacts>, r: usize) -> Option<UnitId> {
    let p = &a.program;
    let r = &a.resolution.refs[r];
    match r.target {
        Def::Item(id) => {
            let it = &p.items[id as usize];
            if it.kind != ItemKind::Fn {
                return None;
            }
            let ff = facts.get(&it.file)?;
            let u = ff.units.iter().position(|u| u.ident_at == it.span.start)?;
            Some((it.file, u))
        }
        Def::Assoc { owner, module } => {
            let owner = &p.items[owner as usize].name;
            let method = r.item.rsplit("::").next()?;
            let want = format!("{owner}::{method}");
            let file = p.modules[module as usize].file;
            let ff = facts.get(&file)?;
            let u = ff.units.iter().position(|u| u.name == want)?;
            Some((file, u))
        }
        _ => None,
    }
}

/// Every handler with its route, in file order.
fn handlers(
    a: &Input,
    g: &Graph,
    at: &HashMap<(FileId, Pos), Vec<usize>>,
) -> Vec<(UnitId, String)> {
    let mut out: Vec<(UnitId, String)> = Vec::new();
    let mut files: Vec<&FileId> = g.facts.keys().collect();
    files.sort();
    for &f in files {
        let ff = &g.facts[&f];
        for (i, u) in ff.units.iter().enumerate() {
            if let Some(r) = &u.route_attr {
                out.push(((f, i), r.clone()));
            }
        }
        for route in &ff.routes {
            let target = at
                .get(&(f, route.handler_at))
                .into_iter()
                .flatten()
                .find_map(|&r| target_unit(a, &g.facts, r));
            if let Some(t) = target
                && !out.iter().any(|(u, _)| *u == t)
            {
                out.push((t, route.route.clone()));
            }
        }
    }
    out
}

/// The slow call a function makes itself, first one per sink crate.
fn sink_sites(a: &Input, g: &Graph, u: UnitId) -> Vec<SinkSite> {
    let ff = &g.facts[&u.0];
    let mut out: Vec<SinkSite> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for s in &ff.paths {
        if ff.unit_at(s.at) != Some(u.1) || ff.is_spawned(s.at) {
            continue;
        }
        let Some(sink) = classify(&s.full) else {
            continue;
        };
        if seen.contains(&sink.krate) {
            continue;
        }
        seen.push(sink.krate);
        out.push(SinkSite {
            kind: sink.kind,
            path: s.full.join("::"),
            at: loc(a, u.0, s.at.line),
        });
    }
    out
}

fn glob_eq(pat: &str, s: &str) -> bool {
    match (pat.strip_prefix('*'), pat.strip_suffix('*')) {
        (Some(suffix), _) => s.ends_with(suffix),
        (_, Some(prefix)) => s.starts_with(prefix),
        _ => pat == s,
    }
}

pub fn classify(path: &[String]) -> Option<&'static Sink> {
    let first = path.first()?;
    SINKS.iter().find(|s| {
        glob_eq(s.krate, first)
            && (s.marks.is_empty()
                || path[1..]
                    .iter()
                    .any(|seg| s.marks.iter().any(|m| glob_eq(m, seg))))
    })
}

/// Breadth first from the handler: the shortest chain to every function making a slow call.
/// A chain entry is (function called, line of the call, function it is called from).
/// (function called, line of the call, function it is called from), handler first.
type Chain = Vec<(UnitId, u32, UnitId)>;

fn chains(a: &Input, g: &Graph, h: UnitId) -> Vec<(Chain, SinkSite)> {
    let mut parent: HashMap<UnitId, (UnitId, u32)> = HashMap::new();
    let mut queue = VecDeque::from([h]);
    let mut order = vec![h];
    while let Some(u) = queue.pop_front() {
        for &(v, line) in g.calls.get(&u).into_iter().flatten() {
            if v != h && !parent.contains_key(&v) {
                parent.insert(v, (u, line));
                order.push(v);
                queue.push_back(v);
            }
        }
    }
    let mut out = Vec::new();
    for u in order {
        for site in sink_sites(a, g, u) {
            let mut chain = Vec::new();
            let mut cur = u;
            while let Some(&(from, line)) = parent.get(&cur) {
                chain.push((cur, line, from));
                cur = from;
            }
            chain.reverse();
            out.push((chain, site));
        }
    }
    out
}

/// The queue the workspace already has: a dependency of [`QUEUES`], else a jobs table.
fn queue(a: &Input) -> Option<String> {
    let ws = &a.workspace;
    let deps: BTreeSet<&str> = ws
        .crates
        .iter()
        .flat_map(|k| k.externs.iter().map(|e| e.name.as_str()))
        .collect();
    if let Some(q) = QUEUES.iter().find(|q| deps.contains(*q)) {
        return Some(format!("`{q}`"));
    }
    let p = &a.program;
    p.data.iter().find_map(|d| match &d.fact {
        crate::modules::extract::DataFact::Sql { text } => jobs_table(text),
        _ => None,
    })
}

/// `INSERT INTO jobs ..` / `insert into background_jobs ..`: the table's name.
fn jobs_table(sql: &str) -> Option<String> {
    let lower = sql.to_ascii_lowercase();
    let rest = lower.split("insert into").nth(1)?;
    let table: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.' || *c == '"')
        .filter(|c| *c != '"')
        .collect();
    (table.contains("job") || table.contains("outbox") || table.contains("queue"))
        .then(|| format!("the `{table}` table"))
}

/// `sync-side-effect` findings: one per handler and slow call, at the handler's name.
pub fn findings(
    a: &Input,
    cfg: &crate::config::Config,
    asg: &crate::config::Assignment,
) -> Vec<crate::rules::Finding> {
    use crate::rules::{Finding, Rule};
    let level = Rule::SyncSideEffect.level(cfg);
    if level == crate::config::Level::Allow {
        return Vec::new();
    }
    let p = &a.program;
    find(a)
        .calls
        .into_iter()
        .map(|c| {
            let module = p
                .modules
                .iter()
                .enumerate()
                .filter(|(_, m)| m.file == c.handler_file)
                .min_by_key(|(_, m)| m.depth)
                .map(|(i, _)| i as u32);
            let chain: Vec<&str> = c.hops.iter().map(|h| h.call.as_str()).collect();
            let short = c.handler.rsplit("::").next().unwrap_or(&c.handler);
            Finding {
                rule: Rule::SyncSideEffect,
                level,
                message: format!(
                    "`{}` ({}) waits on {} inline: {} -> {} -> `{}` at {}",
                    short,
                    c.route,
                    c.sink.kind,
                    short,
                    chain.join(" -> "),
                    c.sink.path,
                    c.sink.at
                ),
                label: format!("{} in the request path", c.sink.kind),
                help: c.fix.clone(),
                file: c.handler_file,
                span: c.handler_span,
                from_module: module,
                from_domain: module.and_then(|m| asg.domain_of[m as usize]),
                to_domain: None,
                reference: None,
                cycle: Vec::new(),
                modules: Vec::new(),
                names: vec![format!("{short} -> {}", c.sink.path)],
                cut: Vec::new(),
                also: Vec::new(),
                config_span: None,
            }
        })
        .collect()
}
