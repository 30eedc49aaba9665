//! The roadmap as text, Markdown and JSON (`roadmap_version` 1, documented in docs/roadmap.md).

use std::fmt::Write as _;

use super::{Candidate, Phase, Roadmap};

pub const ROADMAP_VERSION: u32 = 1;

fn candidate_line(c: &Candidate) -> String {
    let mut facts = vec![format!("{:.1} {}", c.score, c.band)];
    if let Some(t) = c.teams {
        facts.push(format!("{t} team{}", if t == 1 { "" } else { "s" }));
    }
    if let Some(n) = c.commits {
        facts.push(format!("{n} commit{}", if n == 1 { "" } else { "s" }));
    }
    if let Some(co) = &c.co_changes {
        facts.push(format!(
            "co-changes with {} {}% ({})",
            co.with, co.degree, co.shared
        ));
    }
    format!(
        "{} [{}]: {} -- {}",
        c.domain,
        facts.join(", "),
        c.verdict.as_str(),
        c.reason
    )
}

pub fn human(r: &Roadmap) -> String {
    let mut s = String::new();
    for p in &r.phases {
        let _ = writeln!(
            s,
            "phase {}: {} -- {}",
            p.phase,
            p.title,
            p.verdict.as_str().to_uppercase()
        );
        let _ = writeln!(s, "  {}", p.summary);
        for e in &p.evidence {
            let _ = writeln!(s, "  - {e}");
        }
        if !p.candidates.is_empty() {
            let _ = writeln!(s, "  candidates:");
            for c in &p.candidates {
                let _ = writeln!(s, "    {}", candidate_line(c));
            }
        }
        slow_calls_human(r, p, &mut s);
        let _ = writeln!(s, "  needs runtime data: {}", p.needs_runtime);
        s.push('\n');
    }
    s
}

fn slow_calls_human(r: &Roadmap, p: &Phase, s: &mut String) {
    if p.phase != 2 || r.slow_work.calls.is_empty() {
        return;
    }
    let _ = writeln!(s, "  chains:");
    for c in &r.slow_work.calls {
        let _ = writeln!(s, "    {} {} ({})", c.route, c.handler, c.handler_at);
        for h in &c.hops {
            let _ = writeln!(s, "      -> {} (called at {})", h.call, h.at);
        }
        let _ = writeln!(
            s,
            "      => {}: {} at {}",
            c.sink.kind, c.sink.path, c.sink.at
        );
    }
}

/// Table cells: a `|` would end the cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

pub fn markdown(r: &Roadmap) -> String {
    let mut s = String::from("# Roadmap\n\n| phase | verdict | summary |\n|---|---|---|\n");
    for p in &r.phases {
        let _ = writeln!(
            s,
            "| {}. {} | **{}** | {} |",
            p.phase,
            p.title,
            p.verdict.as_str(),
            cell(&p.summary)
        );
    }
    for p in &r.phases {
        let _ = writeln!(
            s,
            "\n## Phase {}: {} ({})\n",
            p.phase,
            p.title,
            p.verdict.as_str()
        );
        let _ = writeln!(s, "{}\n", p.summary);
        for e in &p.evidence {
            let _ = writeln!(s, "- {}", e.replace('`', "'"));
        }
        if !p.candidates.is_empty() {
            s.push_str("\n| domain | score | band | teams | commits | strongest co-change | verdict | reason |\n|---|---|---|---|---|---|---|---|\n");
            for c in &p.candidates {
                let opt = |v: Option<usize>| v.map(|n| n.to_string()).unwrap_or_else(|| "-".into());
                let co = c
                    .co_changes
                    .as_ref()
                    .map(|co| format!("{} {}% ({})", co.with, co.degree, co.shared))
                    .unwrap_or_else(|| "-".into());
                let _ = writeln!(
                    s,
                    "| {} | {:.1} | {} | {} | {} | {} | {} | {} |",
                    c.domain,
                    c.score,
                    c.band,
                    opt(c.teams),
                    opt(c.commits),
                    co,
                    c.verdict.as_str(),
                    cell(&c.reason)
                );
            }
        }
        if p.phase == 2 && !r.slow_work.calls.is_empty() {
            s.push_str("\n| route | handler | chain | sink |\n|---|---|---|---|\n");
            for c in &r.slow_work.calls {
                let chain: Vec<String> = c
                    .hops
                    .iter()
                    .map(|h| format!("`{}` ({})", h.call, h.at))
                    .collect();
                let _ = writeln!(
                    s,
                    "| {} | `{}` ({}) | {} | {}: `{}` ({}) |",
                    c.route,
                    c.handler,
                    c.handler_at,
                    chain.join(" → "),
                    c.sink.kind,
                    c.sink.path,
                    c.sink.at
                );
            }
        }
        let _ = writeln!(s, "\n*Needs runtime data:* {}", p.needs_runtime);
    }
    s
}

pub fn json(r: &Roadmap, out: &mut impl std::io::Write) -> std::io::Result<()> {
    let doc = serde_json::json!({
        "roadmap_version": ROADMAP_VERSION,
        "tool": "cargo-domains",
        "tool_version": env!("CARGO_PKG_VERSION"),
        "phases": r.phases,
        "slow_work": r.slow_work,
        "history": r.history,
        "partition": r.partition,
        "history_missing": r.history_missing,
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
