//! Adopting the check on code that already has violations.
//!
//! - [`Baseline`]: `domains-baseline.toml` records today's violations by rule, from-module and
//!   to-item with a count (never by line, so moving code does not break it). `check` then
//!   fails only on violations beyond it, and reports entries that no longer occur as stale.
//! - [`suppress`]: `// domains: allow(RULE) reason: ...` on or above a line.

pub mod suppress;

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::config::{ConfigError, ConfigErrors, ConfigSource};
use crate::modules::Program;
use crate::rules::{Finding, Input, Rule};

pub const DEFAULT_FILE: &str = "domains-baseline.toml";
const VERSION: u32 = 1;

/// What identifies a violation across edits: no line numbers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub rule: String,
    pub from_module: String,
    pub to_item: String,
}

/// A finding's key, from the check's input (module paths, reference items, domain names).
pub fn key(c: &Input, f: &Finding) -> Key {
    let p = c.program;
    let refs = &c.resolution.refs;
    let (from_module, to_item) = match f.rule {
        // One entry per group of domains in a cycle, by its members.
        Rule::DomainCycle => (String::new(), f.names.join(", ")),
        Rule::UnassignedModule => (
            f.from_module
                .map(|m| p.modules[m as usize].path.clone())
                .unwrap_or_default(),
            String::new(),
        ),
        // One entry per re-exporting module and target domain: the names may change.
        Rule::FacadeReexport => (
            f.from_module
                .map(|m| p.modules[m as usize].path.clone())
                .unwrap_or_default(),
            f.to_domain
                .map(|d| format!("domain {}", c.config.domains[d].name))
                .unwrap_or_default(),
        ),
        // One entry per handler module and chain end: `handler -> sink path`.
        Rule::SyncSideEffect => (
            f.from_module
                .map(|m| p.modules[m as usize].path.clone())
                .unwrap_or_default(),
            f.names.first().cloned().unwrap_or_default(),
        ),
        // One entry per depends_on entry: the using and the used domain.
        Rule::UnusedDependency => {
            let name = |d: Option<usize>| {
                d.map(|d| format!("domain {}", c.config.domains[d].name))
                    .unwrap_or_default()
            };
            (name(f.from_domain), name(f.to_domain))
        }
        Rule::ForbiddenDependency
        | Rule::InterfaceBypass
        | Rule::LayerViolation
        | Rule::DeprecatedDependency => {
            let r = f.reference.map(|r| &refs[r]);
            (
                r.map(|r| p.modules[r.from as usize].path.clone())
                    .unwrap_or_default(),
                r.map(|r| r.item.clone()).unwrap_or_default(),
            )
        }
    };
    Key {
        rule: f.rule.code().to_string(),
        from_module,
        to_item,
    }
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    rule: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    from_module: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    to_item: String,
    count: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBaseline {
    version: Spanned<u32>,
    #[serde(default)]
    violation: Vec<Spanned<RawEntry>>,
}

/// A loaded baseline.
#[derive(Clone, Debug, Default)]
pub struct Baseline {
    pub path: PathBuf,
    pub entries: BTreeMap<Key, (usize, Range<usize>)>,
    pub source: Option<ConfigSource>,
}

fn error(
    source: &ConfigSource,
    message: String,
    span: Option<Range<usize>>,
    help: &str,
) -> ConfigErrors {
    ConfigErrors {
        source: Some(source.clone()),
        errors: vec![ConfigError {
            code: "baseline-invalid",
            message,
            span,
            label: Some("here".into()),
            help: Some(help.into()),
            warning: false,
        }],
    }
}

impl Baseline {
    /// Reads a baseline; a missing file is an empty baseline.
    pub fn load(path: &Path, display: &str) -> Result<Baseline, ConfigErrors> {
        let read = crate::safe_read::read_text(path, crate::safe_read::MAX_INPUT_BYTES);
        let text = match read {
            Ok(t) => t,
            Err(e) if e.is_not_found() => {
                return Ok(Baseline {
                    path: path.to_path_buf(),
                    ..Default::default()
                });
            }
            Err(e) => {
                return Err(ConfigErrors {
                    source: None,
                    errors: vec![ConfigError {
                        code: "baseline-invalid",
                        message: format!("cannot read baseline `{display}`: {e}"),
                        span: None,
                        label: None,
                        help: None,
                        warning: false,
                    }],
                });
            }
        };
        let source = ConfigSource {
            path: path.to_path_buf(),
            name: display.to_string(),
            text: Arc::from(text),
        };
        let help = "regenerate it with `cargo domains check --update-baseline`";
        let raw: RawBaseline = toml::from_str(&source.text).map_err(|e| {
            error(
                &source,
                format!("malformed baseline: {}", e.message().trim()),
                e.span(),
                help,
            )
        })?;
        if *raw.version.get_ref() != VERSION {
            return Err(error(
                &source,
                format!(
                    "baseline version {} is not supported (expected {VERSION})",
                    raw.version.get_ref()
                ),
                Some(raw.version.span()),
                help,
            ));
        }
        let mut entries = BTreeMap::new();
        for e in raw.violation {
            let span = e.span();
            let e = e.into_inner();
            if !Rule::ALL.iter().any(|r| r.code() == e.rule) {
                return Err(error(
                    &source,
                    format!("unknown rule `{}` in baseline", e.rule),
                    Some(span),
                    help,
                ));
            }
            let key = Key {
                rule: e.rule,
                from_module: e.from_module,
                to_item: e.to_item,
            };
            if entries.insert(key, (e.count, span.clone())).is_some() {
                return Err(error(
                    &source,
                    "duplicate baseline entry".into(),
                    Some(span),
                    help,
                ));
            }
        }
        Ok(Baseline {
            path: path.to_path_buf(),
            entries,
            source: Some(source),
        })
    }

    /// A baseline recording exactly these findings.
    pub fn from_findings(c: &Input, findings: &[Finding], path: &Path) -> Baseline {
        let mut entries: BTreeMap<Key, (usize, Range<usize>)> = BTreeMap::new();
        for f in findings {
            entries.entry(key(c, f)).or_insert((0, 0..0)).0 += 1;
        }
        Baseline {
            path: path.to_path_buf(),
            entries,
            source: None,
        }
    }

    pub fn to_toml(&self) -> String {
        let mut s = String::from(
            "# cargo-domains baseline: violations that existed when it was written. `cargo domains check`\n\
             # fails only on violations beyond these, and reports entries that no longer occur.\n\
             # Regenerate with `cargo domains check --update-baseline` (after fixing, to shrink it).\n",
        );
        s.push_str(&format!("version = {VERSION}\n"));
        for (k, (count, _)) in &self.entries {
            let entry = RawEntry {
                rule: k.rule.clone(),
                from_module: k.from_module.clone(),
                to_item: k.to_item.clone(),
                count: *count,
            };
            s.push_str("\n[[violation]]\n");
            s.push_str(&toml::to_string(&entry).expect("baseline entry serialises"));
        }
        s
    }

    /// Writes atomically (see [`crate::atomic`]): a symlinked baseline stays a link, the
    /// file keeps its mode, a failure leaves the old file as it was.
    pub fn write(&self) -> std::io::Result<()> {
        crate::atomic::replace(&self.path, self.to_toml().as_bytes())
            .map_err(|e| std::io::Error::other(e.to_string()))
    }
}

/// Diagnostics after which a file's (and its submodules') findings are unknown.
const LOAD_FAILURES: &[&str] = &[
    "read-error",
    "not-utf8",
    "parse-error",
    "too-deep",
    "too-large",
    "internal-error",
    "missing-module-file",
    "module-loop",
    "too-many-modules",
];

/// `--update-baseline` with files that could not be analysed: the old entries from or to
/// their modules (and modules declared below them, which were never loaded) are kept, as are
/// old cycle entries, since their violations are unknown, not fixed. Returns the kept keys.
pub fn keep_unanalysed(p: &Program, new: &mut Baseline, old: &Baseline) -> Vec<Key> {
    let failed: std::collections::HashSet<crate::modules::FileId> = p
        .diagnostics
        .iter()
        .filter(|d| LOAD_FAILURES.contains(&d.code))
        .filter_map(|d| match d.location {
            crate::diag::Location::Source(f, _) | crate::diag::Location::File(f) => Some(f),
            crate::diag::Location::None => None,
        })
        .collect();
    if failed.is_empty() {
        return Vec::new();
    }
    let by_path: std::collections::HashMap<&str, &crate::modules::Module> =
        p.modules.iter().map(|m| (m.path.as_str(), m)).collect();
    // The module itself, or its nearest ancestor that exists, lives in a failed file.
    let unknown = |module: &str| {
        let mut path = module;
        loop {
            if let Some(m) = by_path.get(path) {
                return failed.contains(&m.file);
            }
            match path.rsplit_once("::") {
                Some((parent, _)) => path = parent,
                None => return false,
            }
        }
    };
    let mut kept = Vec::new();
    for (k, (count, span)) in &old.entries {
        // A reference *to* a broken file is unresolved now, just as one from it is unseen.
        let keep =
            k.rule == Rule::DomainCycle.code() || unknown(&k.from_module) || unknown(&k.to_item);
        if !keep {
            continue;
        }
        let e = new.entries.entry(k.clone()).or_insert((0, span.clone()));
        if e.0 < *count {
            e.0 = *count;
            kept.push(k.clone());
        }
    }
    kept
}

/// A baseline entry that no longer occurs as often as recorded.
#[derive(Clone, Debug)]
pub struct Stale {
    pub key: Key,
    pub recorded: usize,
    pub found: usize,
    pub span: Range<usize>,
}

impl Stale {
    /// The diagnostic every output gives a stale entry (`baseline-stale`); a warning unless
    /// the run treats stale entries as errors.
    pub fn error(&self, is_error: bool) -> ConfigError {
        ConfigError {
            code: "baseline-stale",
            message: format!(
                "baseline entry no longer occurs ({} recorded, {} found): {} {} -> {}",
                self.recorded, self.found, self.key.rule, self.key.from_module, self.key.to_item
            ),
            span: Some(self.span.clone()),
            label: Some("fixed".into()),
            help: Some("run `cargo domains check --update-baseline` to shrink the baseline".into()),
            warning: !is_error,
        }
    }
}

/// Splits findings into new ones (kept in `findings`) and baselined ones (returned count);
/// also returns the stale entries.
/// Entries of the pre-grouping format (`a -> b -> a`) whose domains all lie in `members`.
fn old_cycle_entries(baseline: &Baseline, members: &[String]) -> Vec<Key> {
    baseline
        .entries
        .keys()
        .filter(|k| k.rule == Rule::DomainCycle.code() && k.to_item.contains(" -> "))
        .filter(|k| {
            k.to_item
                .split(" -> ")
                .all(|d| members.iter().any(|m| m == d))
        })
        .cloned()
        .collect()
}

pub fn apply(c: &Input, findings: &mut Vec<Finding>, baseline: &Baseline) -> (usize, Vec<Stale>) {
    let mut used: BTreeMap<Key, usize> = BTreeMap::new();
    let mut baselined = 0;
    findings.retain(|f| {
        let k = key(c, f);
        if f.rule == Rule::DomainCycle && !baseline.entries.contains_key(&k) {
            // Baselines written before cycles were grouped hold one `a -> b -> a` entry per
            // cycle: the group's finding covers every such entry inside the group.
            let old = old_cycle_entries(baseline, &f.names);
            if !old.is_empty() {
                for o in old {
                    let recorded = baseline.entries[&o].0;
                    used.insert(o, recorded);
                }
                baselined += 1;
                return false;
            }
        }
        let allowed = baseline.entries.get(&k).map(|e| e.0).unwrap_or(0);
        let n = used.entry(k).or_insert(0);
        if *n < allowed {
            *n += 1;
            baselined += 1;
            false
        } else {
            true
        }
    });
    let stale = baseline
        .entries
        .iter()
        .filter_map(|(k, (recorded, span))| {
            let found = used.get(k).copied().unwrap_or(0);
            (found < *recorded).then(|| Stale {
                key: k.clone(),
                recorded: *recorded,
                found,
                span: span.clone(),
            })
        })
        .collect();
    (baselined, stale)
}
