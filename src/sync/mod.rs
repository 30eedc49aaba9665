//! `cargo domains sync`: brings each domain's `depends_on` in line with what its code uses.
//!
//! From the result of a normal check ([`Checked`]) it plans, per domain, the entries to add
//! (the domains `check` reports a `forbidden-dependency` for: suppressed findings are not
//! counted, the baseline is not consulted) and the entries to remove (an entry no reference of
//! the domain uses in the domain graph, and repeated entries). `"*"` is never removed and
//! makes additions unnecessary; shared kernels are allowed without being listed, so they are
//! never added. [`edit`] applies a plan to the file's text, keeping its formatting.
//! [`remaining`] runs the rules again with the edited configuration and says, per rule, what
//! `check` would still find and why no `depends_on` entry fixes it.

pub mod edit;

use std::collections::BTreeMap;
use std::fmt;

use crate::analysis::Checked;
use crate::config::{Config, ConfigError, DomainId, Level};
use crate::rules::{Finding, Rule};
pub use edit::{DomainEdit, Place};

/// Why an entry should be added or removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The code uses the domain and `check` reports it as forbidden.
    Forbidden {
        references: usize,
        /// `file:line:column` of the first such reference.
        example: String,
    },
    /// No reference from the domain reaches the entry's domain.
    Unused,
    /// The entry is listed more than once (the repeats are removed).
    Repeated,
}

/// One entry to add to or remove from `domains.DOMAIN.depends_on`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub domain: String,
    pub entry: String,
    pub reason: Reason,
}

impl Change {
    pub fn is_addition(&self) -> bool {
        matches!(self.reason, Reason::Forbidden { .. })
    }
}

/// Which kinds of change a run applies or looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Select {
    pub add: bool,
    pub prune: bool,
}

impl Select {
    pub fn takes(self, c: &Change) -> bool {
        if c.is_addition() {
            self.add
        } else {
            self.prune
        }
    }
}

/// Every change sync could make, in the file's order of domains.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub changes: Vec<Change>,
    /// Files the analysis could not read or parse (their references are unknown, so an
    /// entry that looks unused may be used there).
    pub unanalysed: Vec<String>,
}

impl Plan {
    pub fn selected(&self, sel: Select) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(move |c| sel.takes(c))
    }

    /// The plan as edits of the file, for the selected kinds of change.
    pub fn edits(&self, sel: Select) -> Vec<DomainEdit> {
        let mut out: Vec<DomainEdit> = Vec::new();
        for c in self.selected(sel) {
            if out.last().is_none_or(|e| e.domain != c.domain) {
                out.push(DomainEdit {
                    domain: c.domain.clone(),
                    ..Default::default()
                });
            }
            let e = out.last_mut().expect("pushed above");
            match c.reason {
                Reason::Forbidden { .. } => e.add.push(c.entry.clone()),
                Reason::Unused => e.remove.push(c.entry.clone()),
                Reason::Repeated => e.dedupe = true,
            }
        }
        out
    }
}

/// Plans the changes from a check's result.
pub fn plan(c: &Checked) -> Plan {
    let cfg = &c.config;
    let mut additions = additions(c);
    let mut order: Vec<DomainId> = (0..cfg.domains.len()).collect();
    order.sort_by_key(|&d| cfg.domains[d].span.start);
    let mut changes = Vec::new();
    for d in order {
        let dom = &cfg.domains[d];
        for (to, references, example) in additions.remove(&d).unwrap_or_default() {
            changes.push(Change {
                domain: dom.name.clone(),
                entry: cfg.domains[to].name.clone(),
                reason: Reason::Forbidden {
                    references,
                    example,
                },
            });
        }
        changes.extend(removals(c, d));
    }
    Plan {
        changes,
        unanalysed: unanalysed(c),
    }
}

/// Per domain: the domains it is forbidden to use, with the number of forbidden-dependency
/// findings and the first one's location, in the order of the used domains' names.
fn additions(c: &Checked) -> BTreeMap<DomainId, Vec<(DomainId, usize, String)>> {
    let p = &c.analysis.program;
    let mut pairs: BTreeMap<(DomainId, DomainId), (usize, String)> = BTreeMap::new();
    for f in c
        .findings
        .iter()
        .filter(|f| f.rule == Rule::ForbiddenDependency)
    {
        let (Some(from), Some(to)) = (f.from_domain, f.to_domain) else {
            continue;
        };
        // `cannot_depend_on` says no: adding the entry would be a configuration error.
        let to_name = &c.config.domains[to].name;
        if c.config.domains[from]
            .cannot_depend_on
            .iter()
            .any(|(n, _)| n == to_name)
        {
            continue;
        }
        let at = format!(
            "{}:{}:{}",
            p.file_rel(f.file),
            f.span.start.line,
            f.span.start.col + 1
        );
        pairs.entry((from, to)).or_insert((0, at)).0 += 1;
    }
    let mut out: BTreeMap<DomainId, Vec<(DomainId, usize, String)>> = BTreeMap::new();
    for ((from, to), (n, at)) in pairs {
        out.entry(from).or_default().push((to, n, at));
    }
    for list in out.values_mut() {
        list.sort_by(|a, b| c.config.domains[a.0].name.cmp(&c.config.domains[b.0].name));
    }
    out
}

/// Entries of `d`'s `depends_on` that no reference uses, then repeated ones.
fn removals(c: &Checked, d: DomainId) -> Vec<Change> {
    let cfg = &c.config;
    let dom = &cfg.domains[d];
    let mut out = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (name, _) in &dom.depends_on {
        if seen.contains(&name.as_str()) {
            continue;
        }
        seen.push(name);
        let used = cfg
            .domains
            .iter()
            .position(|o| o.name == *name)
            .is_some_and(|to| !c.domain_graph.refs(d, to).is_empty());
        let repeats = dom.depends_on.iter().filter(|(n, _)| n == name).count() > 1;
        let reason = match (used, repeats) {
            (false, _) => Reason::Unused,
            (true, true) => Reason::Repeated,
            (true, false) => continue,
        };
        out.push(Change {
            domain: dom.name.clone(),
            entry: name.clone(),
            reason,
        });
    }
    out
}

/// Files whose references are unknown: they could not be read, parsed or found.
fn unanalysed(c: &Checked) -> Vec<String> {
    let p = &c.analysis.program;
    let mut out: Vec<String> = p
        .diagnostics
        .iter()
        .filter(|d| {
            crate::diag::INPUT_CODES
                .iter()
                .any(|(code, _)| *code == d.code)
        })
        .map(|d| match d.location {
            crate::diag::Location::Source(f, _) | crate::diag::Location::File(f) => {
                p.file_rel(f).to_string()
            }
            crate::diag::Location::None => d.message.clone(),
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = format!("domains.{}.depends_on", self.domain);
        match &self.reason {
            Reason::Forbidden {
                references,
                example,
            } => write!(
                f,
                "+ {key}: \"{}\"  ({references} forbidden reference{}, first at {example})",
                self.entry,
                if *references == 1 { "" } else { "s" }
            ),
            Reason::Unused => write!(
                f,
                "- {key}: \"{}\"  (unused: no reference from `{}` to `{}`)",
                self.entry, self.domain, self.entry
            ),
            Reason::Repeated => write!(f, "- {key}: \"{}\"  (listed more than once)", self.entry),
        }
    }
}

/// The configuration the edited text declares, checked: it has the same domains in the same
/// order, and every domain's `depends_on` is what the edits asked for. Returns it with the
/// warnings it has that `old` did not (a declared cycle that an addition created).
pub fn verify(
    old: &Config,
    new_text: &str,
    place: Place,
    edits: &[DomainEdit],
) -> Result<(Config, Vec<ConfigError>), String> {
    let text = match place {
        Place::File => new_text.to_string(),
        Place::Manifest => manifest_config_text(new_text)?,
    };
    let new = crate::config::parse_str(&text, &old.source.name).map_err(|e| {
        let msgs: Vec<String> = e.errors.iter().map(|e| e.message.clone()).collect();
        format!(
            "the edited configuration does not load: {}",
            msgs.join("; ")
        )
    })?;
    let names = |c: &Config| c.domains.iter().map(|d| d.name.clone()).collect::<Vec<_>>();
    if names(&new) != names(old) {
        return Err(format!(
            "the edited configuration declares the domains {:?}, not {:?}",
            names(&new),
            names(old)
        ));
    }
    for d in &old.domains {
        let mut want: Vec<String> = d.depends_on.iter().map(|(n, _)| n.clone()).collect();
        if let Some(e) = edits.iter().find(|e| e.domain == d.name) {
            want.retain(|n| !e.remove.contains(n));
            if e.dedupe {
                let mut seen = Vec::new();
                want.retain(|n| {
                    !seen.contains(n) && {
                        seen.push(n.clone());
                        true
                    }
                });
            }
            want.extend(e.add.iter().cloned());
        }
        want.sort();
        let got = new.domains.iter().find(|n| n.name == d.name).map(|n| {
            let mut g: Vec<String> = n.depends_on.iter().map(|(n, _)| n.clone()).collect();
            g.sort();
            (g, n.depends_on_any)
        });
        if got != Some((want.clone(), d.depends_on_any)) {
            return Err(format!(
                "domain `{}`: the edited depends_on is {got:?}, not {want:?}",
                d.name
            ));
        }
    }
    let known: Vec<&str> = old.warnings.iter().map(|w| w.message.as_str()).collect();
    let fresh = new
        .warnings
        .iter()
        .filter(|w| !known.contains(&w.message.as_str()))
        .cloned()
        .collect();
    Ok((new, fresh))
}

/// What `check` would still report for one rule after the sync.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Left {
    pub rule: Rule,
    pub errors: usize,
    pub warnings: usize,
    /// Why a `depends_on` entry does not fix it, and what does.
    pub why: &'static str,
}

/// The findings `check` would report with the configuration `new` (the edited one; pass the
/// current one when nothing changes), per rule in [`Rule::ALL`] order, with why sync leaves
/// them. Counted before the baseline, after `// domains: allow(..)` comments. `sel` says
/// which kinds of change were made (a forbidden dependency is left when `--add` was not).
pub fn remaining(c: &Checked, new: &Config, sel: Select) -> Vec<Left> {
    let a = &c.analysis;
    let run = crate::analysis::run_rules(a, new, &c.assignment, &c.domain_graph);
    tally(&run.findings, sel)
}

fn tally(findings: &[Finding], sel: Select) -> Vec<Left> {
    Rule::ALL
        .iter()
        .filter_map(|&rule| {
            let of = |l: Level| {
                findings
                    .iter()
                    .filter(|f| f.rule == rule && f.level == l)
                    .count()
            };
            let (errors, warnings) = (of(Level::Deny), of(Level::Warn));
            (errors + warnings > 0).then(|| Left {
                rule,
                errors,
                warnings,
                why: why_left(rule, sel),
            })
        })
        .collect()
}

fn why_left(rule: Rule, sel: Select) -> &'static str {
    match rule {
        Rule::ForbiddenDependency if !sel.add => "`cargo domains sync --add` adds these entries",
        Rule::ForbiddenDependency => {
            "`cannot_depend_on` forbids the entry: remove the reference from the code, or the deny-list entry"
        }
        Rule::UnusedDependency if !sel.prune => {
            "`cargo domains sync --prune` removes these entries"
        }
        Rule::UnusedDependency => "not added by sync: report it (a bug)",
        Rule::InterfaceBypass => {
            "depends_on allows the domain, not a way around its `interface`: go through the interface, or add the item to that domain's `interface`"
        }
        Rule::FacadeReexport => {
            "a `pub use` of another domain's items is a shape of the code: re-export from the owning domain, or claim the facade there"
        }
        Rule::DomainCycle => {
            "an entry accepts a dependency, it does not break a cycle: cut the dependencies `check` names"
        }
        Rule::UnassignedModule => "no domain claims the module: add it to a domain's `modules`",
        Rule::LayerViolation => {
            "a lower layer may not use a higher one whatever depends_on says: move the code, or change the domains' `layer`"
        }
        Rule::DeprecatedDependency => {
            "the entry is there and marked deprecated: move the code off that domain, then `--prune` removes it"
        }
        Rule::SyncSideEffect => "slow work in a request path is not a dependency question",
    }
}

impl fmt::Display for Left {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match (self.errors, self.warnings) {
            (e, 0) => format!("{e} error{}", if e == 1 { "" } else { "s" }),
            (0, w) => format!("{w} warning{}", if w == 1 { "" } else { "s" }),
            (e, w) => format!("{e} error{}, {w} warning{}", plural(e), plural(w)),
        };
        write!(f, "  {} {level}: {}", self.rule.code(), self.why)
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The status lines for what is left: one summary line, then one line per rule. `changed`:
/// the lines speak of the configuration after the changes just made or shown.
pub fn render_remaining(left: &[Left], changed: bool) -> String {
    let errors: usize = left.iter().map(|l| l.errors).sum();
    let warnings: usize = left.iter().map(|l| l.warnings).sum();
    let lead = if changed {
        "after these changes, `cargo domains check` "
    } else {
        "`cargo domains check` "
    };
    if errors + warnings == 0 {
        return format!("{lead}finds nothing (before the baseline)\n");
    }
    let mut out = format!(
        "{lead}{}finds {errors} error{} and {warnings} warning{} (before the baseline; it {}):\n",
        if changed { "still " } else { "" },
        plural(errors),
        plural(warnings),
        if errors > 0 { "fails" } else { "passes" }
    );
    for l in left {
        out.push_str(&format!("{l}\n"));
    }
    out
}

/// The `[workspace|package.metadata.domains]` table of a Cargo.toml, as a standalone file.
fn manifest_config_text(manifest: &str) -> Result<String, String> {
    let doc: toml::Table = toml::from_str(manifest).map_err(|e| e.to_string())?;
    let table = ["workspace", "package"]
        .iter()
        .find_map(|top| doc.get(*top)?.get("metadata")?.get("domains"))
        .ok_or("the edited Cargo.toml has no metadata.domains table")?;
    toml::to_string(table).map_err(|e| e.to_string())
}
