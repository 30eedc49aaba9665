//! Output of `cargo domains score`: a human table and breakdown, Markdown (for a pull
//! request or a design document) and JSON (the [`Scores`]/[`Plan`] structures as they are).

use std::fmt::Write as _;
use std::io::{self, Write};

use super::tables::{TableReport, TableUser};
use super::{Band, CAP, DomainScore, Plan, Scores};

fn top_blocker(d: &DomainScore) -> String {
    d.blockers
        .first()
        .map(|b| b.summary.clone())
        .unwrap_or_else(|| "-".into())
}

fn band_text(d: &DomainScore) -> String {
    if d.band == Band::Ready && d.low_evidence {
        "Ready (low evidence)".into()
    } else {
        d.band.as_str().into()
    }
}

fn evidence_text(d: &super::Component) -> String {
    d.evidence
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn crate_band_text(d: &DomainScore) -> &'static str {
    d.crate_readiness.band.as_str()
}

/// The ranking table (crate readiness first, the step teams take first), then one section
/// per domain in words, then the merge suggestions. `verbose` adds the raw figures.
pub fn human(s: &Scores, only: Option<&str>, verbose: bool) -> String {
    let mut o = String::new();
    let rows: Vec<&DomainScore> = s
        .domains
        .iter()
        .filter(|d| only.is_none_or(|n| d.domain == n))
        .collect();
    let w = rows
        .iter()
        .map(|d| d.domain.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let _ = writeln!(
        o,
        "{:<w$}  {:>5}  {:<11}  {:>7}  {:<20}  top blocker",
        "domain", "crate", "band", "service", "band"
    );
    for d in &rows {
        let _ = writeln!(
            o,
            "{:<w$}  {:>5.1}  {:<11}  {:>7.1}  {:<20}  {}",
            d.domain,
            d.crate_readiness.score,
            crate_band_text(d),
            d.score,
            band_text(d),
            top_blocker(d)
        );
    }
    for d in &rows {
        domain_section(&mut o, d, verbose);
    }
    let merges: Vec<_> = s
        .merges
        .iter()
        .filter(|m| only.is_none_or(|n| m.domains.iter().any(|d| d == n)))
        .collect();
    if !merges.is_empty() {
        let _ = writeln!(o);
    }
    for m in merges {
        let _ = writeln!(
            o,
            "merge {} + {}: {:.1} {} as one macro-service (vs {:.1} and {:.1}){}",
            m.domains[0],
            m.domains[1],
            m.union.score,
            m.union.band.as_str(),
            m.scores[0],
            m.scores[1],
            if m.suggested {
                " -> suggested"
            } else {
                " -> not clearly better"
            }
        );
        for f in &m.union.flags {
            let _ = writeln!(o, "  note: {f}");
        }
        for b in &m.union.blockers {
            let _ = writeln!(o, "  still blocked: {}", b.summary);
        }
    }
    let tables: Vec<_> = s
        .tables
        .iter()
        .filter(|t| only.is_none_or(|n| touches(t, n)))
        .collect();
    if !tables.is_empty() {
        let _ = writeln!(o);
        let tw = tables
            .iter()
            .map(|t| t.table.len())
            .max()
            .unwrap_or(5)
            .max(5);
        let _ = writeln!(
            o,
            "{:<tw$}  {:<32}  {:<30}  read by",
            "table", "owner", "written by"
        );
        for t in tables {
            let _ = writeln!(
                o,
                "{:<tw$}  {:<32}  {:<30}  {}",
                t.table,
                owner_text(t),
                users_text(&t.writers),
                users_text(&t.readers)
            );
        }
    }
    if !s.opaque_sql.is_empty() && only.is_none() {
        let _ = writeln!(
            o,
            "
opaque SQL (tables unknown, lowers confidence):"
        );
        for e in &s.opaque_sql {
            let _ = writeln!(o, "  {}  {}", e.at, e.note);
        }
    }
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "scoring {} (cycles: {} feedback arc set); not scored: {}",
        s.scoring_version,
        match s.feedback_arc_set {
            crate::graph::fas::Method::Exact => "exact",
            crate::graph::fas::Method::Greedy => "greedy Eades-Lin-Smyth",
        },
        if s.not_scored.is_empty() {
            "-".into()
        } else {
            s.not_scored.join(", ")
        }
    );
    for n in &s.not_implemented {
        let _ = writeln!(o, "not yet: {n}");
    }
    o
}

fn component_lines(o: &mut String, components: &[super::Component], verbose: bool) {
    for c in components {
        let _ = writeln!(
            o,
            "    {:>4.1} of {:>2}  {}",
            c.points,
            c.weight,
            super::words::sentence(c)
        );
        if verbose {
            let _ = writeln!(
                o,
                "                {} = {:.3}: {}",
                c.name,
                c.value,
                evidence_text(c)
            );
        }
    }
}

fn domain_section(o: &mut String, d: &DomainScore, verbose: bool) {
    let cr = &d.crate_readiness;
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{}: as a crate {:.1} ({}), as a service {:.1} ({})",
        d.domain,
        cr.score,
        cr.band.as_str(),
        d.score,
        band_text(d)
    );
    let _ = writeln!(
        o,
        "  1. its own crate, depending only on the shared kernels{}:",
        if cr.capped {
            format!(" (capped at {CAP}: it would be {:.1})", cr.raw)
        } else {
            String::new()
        }
    );
    component_lines(o, &cr.components, verbose);
    let bound = if d.model_score > d.score && d.score == cr.score {
        format!(
            " (the service model alone gives {:.1}; a service cannot be readier than its crate)",
            d.model_score
        )
    } else if d.capped {
        format!(" (capped at {CAP}: it would be {:.1})", d.raw)
    } else {
        String::new()
    };
    let _ = writeln!(o, "  2. then a service of its own{bound}:");
    component_lines(o, &d.components, verbose);
    let _ = writeln!(
        o,
        "  {} seams to cut; {} items ({:.1}% of the code), {} references; confidence {:.2}",
        d.seams,
        d.items,
        d.size_share * 100.0,
        d.references,
        d.confidence
    );
    for f in &d.flags {
        let _ = writeln!(o, "  note: {f}");
    }
    for b in &d.blockers {
        let _ = writeln!(o, "  blocker: {}", b.summary);
        let _ = writeln!(o, "    do: {}", super::words::action(b));
        for e in &b.evidence {
            let _ = writeln!(o, "    {}  {}", e.at, e.note);
        }
        if verbose && super::words::action(b) != b.fix {
            let _ = writeln!(o, "    fix: {}", b.fix);
        }
    }
}

fn touches(t: &TableReport, domain: &str) -> bool {
    t.owner.as_deref() == Some(domain)
        || t.writers
            .iter()
            .chain(&t.readers)
            .any(|u| u.domain == domain)
}

fn owner_text(t: &TableReport) -> String {
    match &t.owner {
        Some(o) => format!("{o} ({})", t.owner_source.as_str()),
        None => "- (no owner)".into(),
    }
}

fn users_text(u: &[TableUser]) -> String {
    if u.is_empty() {
        return "-".into();
    }
    u.iter()
        .map(|u| format!("{} ({})", u.domain, u.sites))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn markdown(s: &Scores, only: Option<&str>) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "| domain | crate | band | service | band | top blocker |"
    );
    let _ = writeln!(o, "| --- | ---: | --- | ---: | --- | --- |");
    let rows: Vec<&DomainScore> = s
        .domains
        .iter()
        .filter(|d| only.is_none_or(|n| d.domain == n))
        .collect();
    for d in &rows {
        let _ = writeln!(
            o,
            "| `{}` | {:.1} | {} | {:.1} | {} | {} |",
            d.domain,
            d.crate_readiness.score,
            crate_band_text(d),
            d.score,
            band_text(d),
            top_blocker(d).replace('|', "\\|")
        );
    }
    for d in &rows {
        let _ = writeln!(
            o,
            "\n### `{}`: crate {:.1} ({}), service {:.1} ({})\n",
            d.domain,
            d.crate_readiness.score,
            crate_band_text(d),
            d.score,
            band_text(d)
        );
        let _ = writeln!(o, "| step | component | points | in words |");
        let _ = writeln!(o, "| --- | --- | ---: | --- |");
        for (step, cs) in [
            ("crate", &d.crate_readiness.components),
            ("service", &d.components),
        ] {
            for c in cs {
                let _ = writeln!(
                    o,
                    "| {step} | {} | {:.1} of {} | {} |",
                    c.name,
                    c.points,
                    c.weight,
                    super::words::sentence(c)
                );
            }
        }
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "{} seams, {} items, {} references, confidence {:.2}.",
            d.seams, d.items, d.references, d.confidence
        );
        for f in &d.flags {
            let _ = writeln!(o, "\n> {f}");
        }
        for b in &d.blockers {
            let _ = writeln!(o, "\n**Blocker:** {}", b.summary);
            let _ = writeln!(o, "\n**Do:** {}\n", super::words::action(b));
            for e in &b.evidence {
                let _ = writeln!(o, "- `{}` {}", e.at, e.note);
            }
        }
    }
    for m in s
        .merges
        .iter()
        .filter(|m| only.is_none_or(|n| m.domains.iter().any(|d| d == n)))
    {
        let _ = writeln!(
            o,
            "\n**Merge `{}` + `{}`:** {:.1} ({}) as one, against {:.1} and {:.1}: {}.",
            m.domains[0],
            m.domains[1],
            m.union.score,
            m.union.band.as_str(),
            m.scores[0],
            m.scores[1],
            if m.suggested {
                "suggested"
            } else {
                "not clearly better"
            }
        );
    }
    let tables: Vec<_> = s
        .tables
        .iter()
        .filter(|t| only.is_none_or(|n| touches(t, n)))
        .collect();
    if !tables.is_empty() {
        let _ = writeln!(o, "\n### Tables\n");
        let _ = writeln!(o, "| table | owner | written by | read by |");
        let _ = writeln!(o, "| --- | --- | --- | --- |");
        for t in tables {
            let _ = writeln!(
                o,
                "| `{}` | {} | {} | {} |",
                t.table,
                owner_text(t),
                users_text(&t.writers),
                users_text(&t.readers)
            );
        }
    }
    let _ = writeln!(o, "\n_scoring {}_", s.scoring_version);
    o
}

pub fn plan_human(p: &Plan) -> String {
    let mut o = String::new();
    let d = &p.score;
    let _ = writeln!(
        o,
        "extraction plan for `{}`: as a crate {:.1} ({}), as a service {:.1} ({})",
        p.domain,
        d.crate_readiness.score,
        d.crate_readiness.band.as_str(),
        d.score,
        band_text(d)
    );
    let _ = writeln!(o, "\n1. make it a crate of its own");
    let _ = writeln!(
        o,
        "\ncalls out: {} item{} of other domains (cut each before the crate compiles alone; each becomes a network call later)",
        p.outgoing.len(),
        if p.outgoing.len() == 1 { "" } else { "s" }
    );
    for e in &p.outgoing {
        let _ = writeln!(o, "  {} [{}] ({}, {})", e.item, e.domain, e.kind, e.class);
        for c in &e.callers {
            let _ = writeln!(o, "    <- {} {}", c.caller, c.at);
        }
    }
    let _ = writeln!(o, "\ncrate-split hazards: {}", p.hazards.len());
    for h in &p.hazards {
        let _ = writeln!(o, "  {}  {}", h.at, h.note);
    }
    let _ = writeln!(o, "\nCargo dependencies used: {}", p.dependencies.len());
    for dep in &p.dependencies {
        let _ = writeln!(
            o,
            "  {} ({} sites, first at {})",
            dep.name, dep.sites, dep.at
        );
    }
    let _ = writeln!(o, "  ({})", p.dependencies_note);
    let _ = writeln!(o, "\nits Cargo.toml would be:");
    for l in p.cargo_toml.text.lines() {
        let _ = writeln!(o, "  {l}");
    }
    let _ = writeln!(o, "\n2. then a service of its own");
    let _ = writeln!(
        o,
        "\ninterface: {} item{} used from outside (the service would expose them)",
        p.interface.len(),
        if p.interface.len() == 1 { "" } else { "s" }
    );
    for e in &p.interface {
        let _ = writeln!(o, "  {} ({}, {})", e.item, e.kind, e.class);
        for c in &e.callers {
            let _ = writeln!(o, "    <- {} [{}] {}", c.caller, c.domain, c.at);
        }
    }
    let _ = writeln!(
        o,
        "\ntables: {} (what moves with the service, what must be cut)",
        p.tables.len()
    );
    for t in &p.tables {
        let _ = writeln!(
            o,
            "  {} -- {}; owner {}; other writers: {}; other readers: {}",
            t.table,
            t.access,
            owner_text_plan(t),
            users_text(&t.writers),
            users_text(&t.readers)
        );
        for s in compact_sites(&t.sites) {
            let _ = writeln!(o, "    {s}");
        }
    }
    o
}

pub fn plan_markdown(p: &Plan) -> String {
    let mut o = String::new();
    let d = &p.score;
    let _ = writeln!(
        o,
        "## Extraction plan: `{}` ({:.1}, {})\n",
        p.domain,
        d.score,
        band_text(d)
    );
    let _ = writeln!(
        o,
        "### 1. The crate: calls to other domains to cut (each becomes a network call later)\n"
    );
    let _ = writeln!(o, "| item | domain | used as | callers |");
    let _ = writeln!(o, "| --- | --- | --- | --- |");
    for e in &p.outgoing {
        let callers: Vec<String> = e
            .callers
            .iter()
            .map(|c| format!("`{}` (`{}`)", c.caller, c.at))
            .collect();
        let _ = writeln!(
            o,
            "| `{}` | {} | {} | {} |",
            e.item,
            e.domain,
            e.class,
            callers.join("<br>")
        );
    }
    let _ = writeln!(o, "\n### Crate-split hazards\n");
    for h in &p.hazards {
        let _ = writeln!(o, "- `{}` {}", h.at, h.note);
    }
    if p.hazards.is_empty() {
        let _ = writeln!(o, "none");
    }
    let _ = writeln!(o, "\n### Cargo dependencies\n");
    for dep in &p.dependencies {
        let _ = writeln!(o, "- `{}` ({} sites)", dep.name, dep.sites);
    }
    if p.dependencies.is_empty() {
        let _ = writeln!(o, "none");
    }
    let _ = writeln!(
        o,
        "\nIts `Cargo.toml`:\n\n```toml\n{}```",
        p.cargo_toml.text
    );
    let _ = writeln!(o, "\n### 2. The service: the interface it would expose\n");
    let _ = writeln!(o, "| item | kind | used as | callers |");
    let _ = writeln!(o, "| --- | --- | --- | --- |");
    for e in &p.interface {
        let callers: Vec<String> = e
            .callers
            .iter()
            .map(|c| format!("`{}` ({}, `{}`)", c.caller, c.domain, c.at))
            .collect();
        let _ = writeln!(
            o,
            "| `{}` | {} | {} | {} |",
            e.item,
            e.kind,
            e.class,
            callers.join("<br>")
        );
    }
    let _ = writeln!(o, "\n### Tables\n");
    if p.tables.is_empty() {
        let _ = writeln!(o, "none found");
    } else {
        let _ = writeln!(
            o,
            "| table | access | owner | other writers | other readers |"
        );
        let _ = writeln!(o, "| --- | --- | --- | --- | --- |");
        for t in &p.tables {
            let _ = writeln!(
                o,
                "| `{}` | {} ({}) | {} | {} | {} |",
                t.table,
                t.access,
                compact_sites(&t.sites).join("; "),
                owner_text_plan(t),
                users_text(&t.writers),
                users_text(&t.readers)
            );
        }
    }
    o
}

/// `a.rs:3`, `a.rs:4`, `a.rs:9` as `a.rs: 3-4, 9`, one line per file (in order of appearance).
fn compact_sites(sites: &[String]) -> Vec<String> {
    let mut files: Vec<(&str, Vec<u32>)> = Vec::new();
    for s in sites {
        let Some((f, l)) = s.rsplit_once(':') else {
            continue;
        };
        let Ok(l) = l.parse::<u32>() else { continue };
        match files.iter_mut().find(|(x, _)| *x == f) {
            Some((_, ls)) => ls.push(l),
            None => files.push((f, vec![l])),
        }
    }
    files
        .into_iter()
        .map(|(f, mut ls)| {
            ls.sort_unstable();
            ls.dedup();
            let mut runs: Vec<String> = Vec::new();
            let mut i = 0;
            while i < ls.len() {
                let mut j = i;
                while j + 1 < ls.len() && ls[j + 1] == ls[j] + 1 {
                    j += 1;
                }
                runs.push(if i == j {
                    ls[i].to_string()
                } else {
                    format!("{}-{}", ls[i], ls[j])
                });
                i = j + 1;
            }
            format!("{f}: {}", runs.join(", "))
        })
        .collect()
}

fn owner_text_plan(t: &super::PlanTable) -> String {
    match &t.owner {
        Some(o) => format!("{o} ({})", t.owner_source.as_str()),
        None => "none".into(),
    }
}

pub fn json<T: serde::Serialize>(v: &T, out: &mut impl Write) -> io::Result<()> {
    let text = serde_json::to_string_pretty(v).map_err(io::Error::other)?;
    writeln!(out, "{text}")
}
