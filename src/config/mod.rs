//! domains.toml: parsed with serde + toml keeping spans, validated, then applied to the module
//! tree (which module belongs to which domain, which modules are interfaces).
//!
//! Every problem is a [`ConfigError`] pointing into the file; all of them are collected
//! before the run stops, so one run shows every mistake.

mod deps;
pub mod pattern;

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use crate::modules::cfg::{CfgRequest, Target};
use crate::modules::{ModuleId, Program};
use crate::workspace::{TargetKind, Workspace};
pub use pattern::{CrateSel, Pattern};

/// How a rule's findings are treated.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Allow,
    Warn,
    Deny,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    unassigned: Option<Level>,
    cycles: Option<Level>,
    forbidden: Option<Level>,
    interface: Option<Level>,
    facade: Option<Level>,
    interface_for_roots: Option<bool>,
    include_tests: Option<bool>,
    #[serde(default)]
    features: Vec<String>,
    #[serde(default)]
    all_features: bool,
    #[serde(default)]
    no_default_features: bool,
    target: Option<Spanned<String>>,
    #[serde(default)]
    cfg: Vec<Spanned<String>>,
    #[serde(default)]
    cfg_off: Vec<Spanned<String>>,
    deprecated: Option<Level>,
    layer_violation: Option<Level>,
    unused_dependency: Option<Level>,
    sync_side_effect: Option<Level>,
    #[serde(default)]
    layers: Vec<Spanned<String>>,
    #[serde(default)]
    partition_key: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDomain {
    description: Option<String>,
    #[serde(default)]
    modules: Vec<Spanned<String>>,
    #[serde(default)]
    modules_exact: Vec<Spanned<String>>,
    depends_on: Option<Vec<Spanned<deps::RawDep>>>,
    #[serde(default)]
    interface: Vec<Spanned<String>>,
    #[serde(default)]
    interface_exact: Vec<Spanned<String>>,
    #[serde(default)]
    shared: bool,
    #[serde(default)]
    tables: Vec<Spanned<String>>,
    #[serde(default)]
    events: Vec<Spanned<String>>,
    cannot_depend_on: Option<Vec<Spanned<String>>>,
    layer: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    settings: RawSettings,
    #[serde(default)]
    domains: BTreeMap<Spanned<String>, Spanned<RawDomain>>,
}

/// `[workspace.metadata.domains]` (or `[package.metadata.domains]`) inside Cargo.toml.
#[derive(Deserialize)]
struct ManifestWrapper {
    workspace: Option<MetadataWrapper>,
    package: Option<MetadataWrapper>,
}

#[derive(Deserialize)]
struct MetadataWrapper {
    metadata: Option<DomainsWrapper>,
}

#[derive(Deserialize)]
struct DomainsWrapper {
    domains: Option<Spanned<RawConfig>>,
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub unassigned: Level,
    pub cycles: Level,
    pub forbidden: Level,
    pub interface: Level,
    /// Level of `facade-reexport`.
    pub facade: Level,
    /// Whether composition roots (`depends_on = ["*"]`) are held to other domains'
    /// interfaces too (off: a root wires handlers wherever they are).
    pub interface_for_roots: bool,
    pub include_tests: bool,
    /// The configuration the code is read in (`features`, `target`, `cfg`, `cfg_off`).
    pub cfg: CfgRequest,
    /// Level of `deprecated-dependency`.
    pub deprecated: Level,
    /// Level of `layer-violation`.
    pub layer_violation: Level,
    /// Level of `unused-dependency`.
    pub unused_dependency: Level,
    /// `layers = [..]`: layer names, top (entry points) to bottom (infrastructure).
    pub layers: Vec<String>,
    /// Level of `sync-side-effect` (off by default).
    pub sync_side_effect: Level,
    /// `partition_key = ["tenant_id"]`: the columns data would be split into cells by
    /// (read by `roadmap`, phase 4).
    pub partition_key: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            unassigned: Level::Warn,
            cycles: Level::Deny,
            forbidden: Level::Deny,
            interface: Level::Deny,
            facade: Level::Warn,
            interface_for_roots: false,
            include_tests: false,
            cfg: CfgRequest::default(),
            deprecated: Level::Warn,
            layer_violation: Level::Deny,
            unused_dependency: Level::Allow,
            layers: Vec::new(),
            sync_side_effect: Level::Allow,
            partition_key: Vec::new(),
        }
    }
}

/// `[settings]`' cfg keys, checked: a bad triple or cfg is an error on its span.
fn cfg_settings(s: &RawSettings, errors: &mut Vec<ConfigError>) -> CfgRequest {
    let mut r = CfgRequest {
        features: s.features.clone(),
        all_features: s.all_features,
        no_default_features: s.no_default_features,
        ..CfgRequest::default()
    };
    if let Some(t) = &s.target {
        match Target::parse(t.get_ref()) {
            Ok(t) => r.target = Some(t),
            Err(e) => errors.push(ConfigError::new("config-bad-cfg", e, Some(t.span()))),
        }
    }
    for c in &s.cfg {
        match crate::modules::cfg::parse_cfg_flag(c.get_ref()) {
            Ok(kv) => {
                r.set.insert(kv);
            }
            Err(e) => errors.push(ConfigError::new("config-bad-cfg", e, Some(c.span()))),
        }
    }
    for c in &s.cfg_off {
        match crate::modules::cfg::parse_cfg_flag(c.get_ref()) {
            Ok((name, None)) => {
                r.off.insert(name);
            }
            _ => errors.push(
                ConfigError::new(
                    "config-bad-cfg",
                    format!("`{}` is not a cfg name", c.get_ref()),
                    Some(c.span()),
                )
                .help("cfg_off lists names such as `loom` or `tokio_unstable`"),
            ),
        }
    }
    r
}

pub type DomainId = usize;

#[derive(Clone, Debug)]
pub struct Domain {
    pub name: String,
    pub span: Range<usize>,
    pub description: Option<String>,
    pub modules: Vec<Pattern>,
    pub modules_exact: Vec<Pattern>,
    pub depends_on: Vec<(String, Range<usize>)>,
    /// `depends_on = ["*"]`: a composition root that may use every domain.
    pub depends_on_any: bool,
    pub interface: Vec<Pattern>,
    /// Modules whose own items are the interface, not their submodules.
    pub interface_exact: Vec<Pattern>,
    pub shared: bool,
    /// `events = [..]`: modules holding the events/messages the domain publishes for others
    /// to consume asynchronously (a queue, a bus with durable delivery).
    pub events: Vec<Pattern>,
    /// `tables = [..]`: database tables this domain owns (lower-cased), with their spans.
    pub tables: Vec<(String, Range<usize>)>,
    /// Whether `modules`/`modules_exact` were written at all (even if some failed to parse).
    pub had_patterns: bool,
    /// Domains of `depends_on` entries written `{ domain = "..", deprecated = true }`: using
    /// them is a `deprecated-dependency` warning.
    pub deprecated: Vec<String>,
    /// `cannot_depend_on = [..]`: domains this one may not use, shared kernels included; it
    /// wins over `depends_on` (`"*"` too).
    pub cannot_depend_on: Vec<(String, Range<usize>)>,
    /// `cannot_depend_on` without `depends_on`: every domain it does not list may be used.
    pub deny_list: bool,
    /// `layer = ".."`: index into `settings.layers` (0 is the top layer).
    pub layer: Option<usize>,
}

/// The text a config came from, for diagnostics.
#[derive(Clone, Debug)]
pub struct ConfigSource {
    pub path: PathBuf,
    /// Path as shown to the user (relative to the workspace root when possible).
    pub name: String,
    pub text: Arc<str>,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub source: ConfigSource,
    pub settings: Settings,
    pub domains: Vec<Domain>,
    /// Problems that do not stop the run (a declared cycle, a domain claiming nothing).
    pub warnings: Vec<ConfigError>,
}

#[derive(Clone, Debug)]
pub struct ConfigError {
    pub code: &'static str,
    pub message: String,
    pub span: Option<Range<usize>>,
    pub label: Option<String>,
    pub help: Option<String>,
    /// Warnings do not stop the run.
    pub warning: bool,
}

impl ConfigError {
    fn new(code: &'static str, message: impl Into<String>, span: Option<Range<usize>>) -> Self {
        ConfigError {
            code,
            message: message.into(),
            span,
            label: None,
            help: None,
            warning: false,
        }
    }
    fn help(mut self, h: impl Into<String>) -> Self {
        self.help = Some(h.into());
        self
    }
    fn label(mut self, l: impl Into<String>) -> Self {
        self.label = Some(l.into());
        self
    }
}

/// Config problems with the text they point into.
#[derive(Debug)]
pub struct ConfigErrors {
    pub source: Option<ConfigSource>,
    pub errors: Vec<ConfigError>,
}

impl ConfigErrors {
    pub fn has_errors(&self) -> bool {
        self.errors.iter().any(|e| !e.warning)
    }
}

/// Every config error code, with a one-line description (documented in docs/configuration.md).
pub const CONFIG_CODES: &[(&str, &str)] = &[
    (
        "config-not-found",
        "no domains.toml and no [workspace.metadata.domains]",
    ),
    ("config-read", "the config file cannot be read"),
    (
        "config-bad-cfg",
        "a `target`, `cfg` or `cfg_off` setting that is not a target triple or cfg",
    ),
    (
        "config-syntax",
        "not valid TOML, a value of the wrong type, or an unknown key",
    ),
    (
        "config-bad-pattern",
        "a module pattern that cannot be parsed or names no crate",
    ),
    ("config-no-match", "a pattern that matches no module"),
    (
        "config-overlap",
        "two domains claim a module equally specifically",
    ),
    (
        "config-unknown-domain",
        "depends_on names a domain that does not exist",
    ),
    (
        "config-self-dependency",
        "a domain lists itself in depends_on",
    ),
    (
        "config-interface-outside",
        "an interface module that belongs to another domain",
    ),
    (
        "config-bad-name",
        "a domain name that is not a plain identifier",
    ),
    (
        "config-events-outside",
        "an events module that belongs to another domain",
    ),
    (
        "config-bad-table",
        "an entry of `tables` that is not a table name",
    ),
    (
        "config-table-overlap",
        "two domains declare the same table in `tables`",
    ),
    (
        "config-declared-cycle",
        "depends_on declares a cycle (warning)",
    ),
    (
        "config-conflicting-dependency",
        "a domain lists one domain in both depends_on and cannot_depend_on",
    ),
    (
        "config-unknown-layer",
        "a domain's `layer` is not one of `[settings] layers`",
    ),
    (
        "config-duplicate-layer",
        "`[settings] layers` lists a layer twice",
    ),
    (
        "config-no-layer",
        "layers are declared but a domain has no `layer` (warning)",
    ),
    (
        "config-no-domains",
        "the config declares no domain (warning)",
    ),
];

fn rel_name(ws_root: &Path, path: &Path) -> String {
    path.strip_prefix(ws_root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Finds and parses the configuration: `--config`, else `domains.toml` at the workspace root,
/// else `[workspace.metadata.domains]` / `[package.metadata.domains]` in the root Cargo.toml.
pub fn load(ws: &Workspace, explicit: Option<&Path>) -> Result<Config, ConfigErrors> {
    let candidate = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => Some(ws.root.join("domains.toml")).filter(|p| p.is_file()),
    };
    if let Some(path) = candidate {
        let read = crate::safe_read::read_text(&path, crate::safe_read::MAX_INPUT_BYTES);
        let text = read.map_err(|e| ConfigErrors {
            source: None,
            errors: vec![ConfigError::new(
                "config-read",
                format!("cannot read `{}`: {e}", path.display()),
                None,
            )],
        })?;
        let source = ConfigSource {
            name: rel_name(&ws.root, &path),
            path,
            text: Arc::from(text),
        };
        let raw = toml::from_str::<RawConfig>(&source.text);
        return match raw {
            Ok(raw) => build(raw, source),
            Err(e) => Err(ConfigErrors {
                errors: vec![toml_error(&e)],
                source: Some(source),
            }),
        };
    }
    // Cargo.toml metadata.
    let manifest = &ws.root_manifest;
    if let Ok(text) = crate::safe_read::read_text(manifest, crate::safe_read::MAX_INPUT_BYTES) {
        let source = ConfigSource {
            name: rel_name(&ws.root, manifest),
            path: manifest.clone(),
            text: Arc::from(text),
        };
        match toml::from_str::<ManifestWrapper>(&source.text) {
            Ok(w) => {
                let found = w
                    .workspace
                    .and_then(|m| m.metadata)
                    .and_then(|m| m.domains)
                    .or_else(|| w.package.and_then(|m| m.metadata).and_then(|m| m.domains));
                if let Some(raw) = found {
                    return build(raw.into_inner(), source);
                }
            }
            Err(e) => {
                return Err(ConfigErrors {
                    errors: vec![toml_error(&e)],
                    source: Some(source),
                });
            }
        }
    }
    Err(ConfigErrors {
        source: None,
        errors: vec![
            ConfigError::new(
                "config-not-found",
                format!(
                    "no domains.toml in `{}` and no [workspace.metadata.domains] in its Cargo.toml",
                    ws.root.display()
                ),
                None,
            )
            .help("run `cargo domains init` to write a first one from the code, or pass one with --config"),
        ],
    })
}

fn toml_error(e: &toml::de::Error) -> ConfigError {
    let msg = e.message().trim().to_string();
    let mut err = ConfigError::new("config-syntax", msg.clone(), e.span()).label("here");
    // "unknown field `depend_on`, expected one of `a`, `b`": suggest the closest key.
    if let Some(rest) = msg.strip_prefix("unknown field `")
        && let Some((field, expected)) = rest.split_once('`')
    {
        let keys: Vec<String> = expected
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        if let Some(k) = closest(field, &keys) {
            err = err.help(format!("did you mean `{k}`?"));
        }
    }
    err
}

/// Parses a config from text (for tests and tools).
pub fn parse_str(text: &str, name: &str) -> Result<Config, ConfigErrors> {
    let source = ConfigSource {
        path: PathBuf::from(name),
        name: name.to_string(),
        text: Arc::from(text),
    };
    match toml::from_str::<RawConfig>(text) {
        Ok(raw) => build(raw, source),
        Err(e) => Err(ConfigErrors {
            errors: vec![toml_error(&e)],
            source: Some(source),
        }),
    }
}

fn is_domain_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

fn build(raw: RawConfig, source: ConfigSource) -> Result<Config, ConfigErrors> {
    let mut errors = Vec::new();
    let d = Settings::default();
    let s = raw.settings;
    let settings = Settings {
        unassigned: s.unassigned.unwrap_or(d.unassigned),
        cycles: s.cycles.unwrap_or(d.cycles),
        forbidden: s.forbidden.unwrap_or(d.forbidden),
        interface: s.interface.unwrap_or(d.interface),
        facade: s.facade.unwrap_or(d.facade),
        interface_for_roots: s.interface_for_roots.unwrap_or(d.interface_for_roots),
        include_tests: s.include_tests.unwrap_or(d.include_tests),
        cfg: cfg_settings(&s, &mut errors),
        deprecated: s.deprecated.unwrap_or(d.deprecated),
        layer_violation: s.layer_violation.unwrap_or(d.layer_violation),
        unused_dependency: s.unused_dependency.unwrap_or(d.unused_dependency),
        layers: deps::layers(&s.layers, &mut errors),
        sync_side_effect: s.sync_side_effect.unwrap_or(d.sync_side_effect),
        partition_key: s.partition_key.iter().map(|k| k.to_lowercase()).collect(),
    };
    let mut domains = Vec::new();
    for (name, dom) in raw.domains {
        let span = name.span();
        let name = name.into_inner();
        if !is_domain_name(&name) {
            errors.push(
                ConfigError::new(
                    "config-bad-name",
                    format!("`{name}` is not a valid domain name"),
                    Some(span.clone()),
                )
                .help("use letters, digits, `_` and `-`"),
            );
        }
        let dom = dom.into_inner();
        let had_patterns = !dom.modules.is_empty() || !dom.modules_exact.is_empty();
        let pats = |list: Vec<Spanned<String>>, errors: &mut Vec<ConfigError>| -> Vec<Pattern> {
            list.into_iter()
                .filter_map(|p| {
                    let span = p.span();
                    match Pattern::parse(p.get_ref(), span.clone()) {
                        Ok(p) => Some(p),
                        Err(e) => {
                            errors.push(
                                ConfigError::new("config-bad-pattern", format!("bad module pattern: {e}"), Some(span))
                                    .help("patterns look like `crate::orders`, `shop_billing::*::api`, `bin:shop`"),
                            );
                            None
                        }
                    }
                })
                .collect()
        };
        let modules = pats(dom.modules, &mut errors);
        let modules_exact = pats(dom.modules_exact, &mut errors);
        let interface = pats(dom.interface, &mut errors);
        let interface_exact = pats(dom.interface_exact, &mut errors);
        let events = pats(dom.events, &mut errors);
        let tables = dom
            .tables
            .into_iter()
            .filter_map(|t| {
                let span = t.span();
                let name = t.into_inner();
                let name = name.trim().to_lowercase();
                if name.is_empty() || name.contains(char::is_whitespace) {
                    errors.push(
                        ConfigError::new(
                            "config-bad-table",
                            format!("`{name}` is not a table name"),
                            Some(span),
                        )
                        .help("write the table's name as the database knows it: `orders`, `order_lines`"),
                    );
                    return None;
                }
                Some((name, span))
            })
            .collect();
        let rules = deps::Rules::read(
            (dom.depends_on, dom.cannot_depend_on, dom.layer),
            (&name, &span),
            &settings.layers,
            &mut errors,
        );
        domains.push(Domain {
            name,
            span,
            description: dom.description,
            modules,
            modules_exact,
            depends_on: rules.depends_on,
            depends_on_any: rules.depends_on_any,
            interface,
            interface_exact,
            events,
            shared: dom.shared,
            tables,
            had_patterns,
            deprecated: rules.deprecated,
            cannot_depend_on: rules.cannot_depend_on,
            deny_list: rules.deny_list,
            layer: rules.layer,
        });
    }
    // A table has one owner.
    let mut owners: BTreeMap<&str, &str> = BTreeMap::new();
    for d in &domains {
        for (t, span) in &d.tables {
            match owners.get(t.as_str()) {
                Some(first) if *first != d.name => errors.push(
                    ConfigError::new(
                        "config-table-overlap",
                        format!("table `{t}` is declared by `{first}` and by `{}`", d.name),
                        Some(span.clone()),
                    )
                    .help("a table has one owner: the domain that writes it; others read it through the owner's API"),
                ),
                _ => {
                    owners.insert(t, &d.name);
                }
            }
        }
    }
    // depends_on must name existing domains, and not the domain itself.
    let names: Vec<String> = domains.iter().map(|d| d.name.clone()).collect();
    for d in &domains {
        for (dep, span) in &d.depends_on {
            if dep == &d.name {
                errors.push(
                    ConfigError::new(
                        "config-self-dependency",
                        format!("domain `{}` lists itself in depends_on", d.name),
                        Some(span.clone()),
                    )
                    .help("a domain may always use its own modules; remove this entry"),
                );
            } else if !names.contains(dep) {
                let mut e = ConfigError::new(
                    "config-unknown-domain",
                    format!(
                        "domain `{}` depends on `{dep}`, which is not declared",
                        d.name
                    ),
                    Some(span.clone()),
                )
                .label("unknown domain");
                e = match closest(dep, &names) {
                    Some(c) => e.help(format!("did you mean `{c}`?")),
                    None => e.help(format!("declared domains: {}", names.join(", "))),
                };
                errors.push(e);
            }
        }
        deps::check_cannot(d, &names, &mut errors);
        if d.modules.is_empty() && d.modules_exact.is_empty() && !d.had_patterns {
            errors.push(ConfigError {
                warning: true,
                ..ConfigError::new(
                    "config-no-match",
                    format!("domain `{}` claims no modules", d.name),
                    Some(d.span.clone()),
                )
                .help("add `modules = [\"crate::...\"]`")
            });
        }
    }
    if domains.is_empty() {
        errors.push(ConfigError {
            warning: true,
            ..ConfigError::new(
                "config-no-domains",
                "the configuration declares no domains",
                None,
            )
            .help("declare domains as `[domains.NAME]` tables")
        });
    }
    for (cycle, group) in declared_cycles(&domains) {
        let more = if group.len() + 1 > cycle.len() {
            format!(
                " (and {} more domains in the group: {})",
                group.len() + 1 - cycle.len(),
                group.join(", ")
            )
        } else {
            String::new()
        };
        errors.push(ConfigError {
            warning: true,
            ..ConfigError::new(
                "config-declared-cycle",
                format!("depends_on declares a cycle: {}{more}", cycle.join(" -> ")),
                domains.iter().find(|d| d.name == cycle[0]).map(|d| d.span.clone()),
            )
            .help("domains that may use each other cannot be extracted separately; consider merging them")
        });
    }
    if errors.iter().any(|e| !e.warning) {
        return Err(ConfigErrors {
            source: Some(source),
            errors,
        });
    }
    Ok(Config {
        source,
        settings,
        domains,
        warnings: errors,
    })
}

fn closest<'a>(word: &str, names: &'a [String]) -> Option<&'a String> {
    names
        .iter()
        .map(|n| (edit_distance(word, n), n))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// One cycle per strongly connected group of the declared depends_on graph: the shortest
/// through the group's first domain, and the group's domains.
fn declared_cycles(domains: &[Domain]) -> Vec<(Vec<String>, Vec<String>)> {
    let index: HashMap<&str, usize> = domains
        .iter()
        .enumerate()
        .map(|(i, d)| (d.name.as_str(), i))
        .collect();
    let idx = |n: &str| index.get(n).copied();
    let mut g = petgraph::graph::DiGraph::<usize, ()>::new();
    let nodes: Vec<_> = (0..domains.len()).map(|i| g.add_node(i)).collect();
    for (i, d) in domains.iter().enumerate() {
        for (dep, _) in &d.depends_on {
            if let Some(j) = idx(dep).filter(|j| *j != i) {
                g.add_edge(nodes[i], nodes[j], ());
            }
        }
    }
    let mut out = Vec::new();
    for scc in petgraph::algo::kosaraju_scc(&g)
        .into_iter()
        .filter(|s| s.len() > 1)
    {
        let mut members: Vec<usize> = scc.iter().map(|n| g[*n]).collect();
        members.sort_unstable();
        if let Some(cycle) = declared_cycle(domains, &index, members[0]) {
            let names = members.iter().map(|m| domains[*m].name.clone()).collect();
            out.push((cycle, names));
        }
    }
    out.sort();
    out
}

/// The shortest cycle of the declared depends_on graph through `start`, if any.
fn declared_cycle(
    domains: &[Domain],
    index: &HashMap<&str, usize>,
    start: usize,
) -> Option<Vec<String>> {
    let idx = |n: &str| index.get(n).copied();
    {
        // BFS back to start.
        let mut prev = vec![usize::MAX; domains.len()];
        let mut queue = std::collections::VecDeque::new();
        queue.push_back(start);
        while let Some(cur) = queue.pop_front() {
            for (dep, _) in &domains[cur].depends_on {
                let Some(n) = idx(dep) else { continue };
                if n == cur {
                    continue; // a self-dependency is its own error
                }
                if n == start {
                    let mut path = vec![domains[start].name.clone()];
                    let mut c = cur;
                    let mut back = vec![];
                    while c != start {
                        back.push(domains[c].name.clone());
                        c = prev[c];
                    }
                    back.reverse();
                    path.extend(back);
                    path.push(domains[start].name.clone());
                    return Some(path);
                }
                if prev[n] == usize::MAX && n != start {
                    prev[n] = cur;
                    queue.push_back(n);
                }
            }
        }
    }
    None
}

/// Which domain each module belongs to, and which modules are interfaces.
#[derive(Clone, Debug, Default)]
pub struct Assignment {
    pub domain_of: Vec<Option<DomainId>>,
    /// Modules inside an interface pattern of their domain (`interface`: with their
    /// submodules; `interface_exact`: the module alone).
    pub is_interface: Vec<bool>,
    /// Items named by `interface` entries (`crate::billing::charge`), by full path.
    pub interface_items: std::collections::HashSet<String>,
    /// The modules those items are in, with the item names; for `interface_exact` modules,
    /// every name they define or re-export (not their submodules).
    pub interface_item_names: std::collections::HashSet<(ModuleId, String)>,
    /// `interface_exact` modules: their own items are interface, their submodules are not.
    pub is_interface_exact: Vec<bool>,
    /// Modules inside an `events` pattern of their domain.
    pub is_event: Vec<bool>,
}

/// The crate a pattern's head names, among the analysed crates.
fn select_crates(ws_primary: Option<&str>, p: &Program, sel: &CrateSel) -> Vec<u32> {
    let mut out = Vec::new();
    for (i, c) in p.crates.iter().enumerate() {
        let ok = match sel {
            CrateSel::Lib(n) => c.info.kind == TargetKind::Lib && &c.info.name == n,
            CrateSel::Bin(n) => c.info.kind == TargetKind::Bin && &c.info.name == n,
            CrateSel::Test(n) => c.info.kind == TargetKind::Test && &c.info.name == n,
            CrateSel::Primary => {
                Some(c.info.package.as_str()) == ws_primary
                    && (c.info.kind == TargetKind::Lib
                        || (c.info.kind == TargetKind::Bin
                            && !p.crates.iter().any(|o| {
                                o.info.package == c.info.package && o.info.kind == TargetKind::Lib
                            })))
            }
        };
        if ok {
            out.push(i as u32);
        }
    }
    out
}

/// Applies the domains' patterns to the module tree. Errors: patterns that match nothing,
/// equally specific claims by two domains, interfaces outside their domain.
pub fn assign(cfg: &Config, ws: &Workspace, p: &Program) -> (Assignment, Vec<ConfigError>) {
    let mut errors = Vec::new();
    let n = p.modules.len();
    let segs: Vec<Vec<&str>> = p
        .modules
        .iter()
        .map(|m| m.path.split("::").skip(1).collect())
        .collect();
    let primary = ws.primary_package.as_deref();
    // claims[m] = (domain, pattern text, exact, literals, span)
    struct Claim<'a> {
        domain: DomainId,
        exact: bool,
        literals: usize,
        pat: &'a Pattern,
    }
    let mut self_claims: Vec<Vec<Claim>> = (0..n).map(|_| Vec::new()).collect();
    let matched_modules = |pat: &Pattern,
                           errors: &mut Vec<ConfigError>,
                           quiet: bool|
     -> Vec<ModuleId> {
        let crates = select_crates(primary, p, &pat.krate);
        // Test targets are only loaded with `include_tests`: without it, their patterns
        // claim nothing and are not an error.
        if crates.is_empty()
            && matches!(pat.krate, CrateSel::Test(_))
            && !p.crates.iter().any(|c| c.info.kind == TargetKind::Test)
        {
            return Vec::new();
        }
        if crates.is_empty() {
            let what = match &pat.krate {
                CrateSel::Primary => "`crate` names no library: this workspace has no root package (or it has no targets); start patterns with a crate's library name".to_string(),
                CrateSel::Lib(l) => format!("no library crate named `{l}` in the workspace"),
                CrateSel::Bin(b) => format!("no binary target named `{b}` in the workspace"),
                CrateSel::Test(t) => format!("no integration test target named `{t}` in the workspace"),
            };
            let crate_names: Vec<String> = p.crates.iter().map(|c| c.info.display_name()).collect();
            errors.push(
                ConfigError::new(
                    "config-bad-pattern",
                    format!("`{}`: {what}", pat.text),
                    Some(pat.span.clone()),
                )
                .help(format!("crates here: {}", crate_names.join(", "))),
            );
            return Vec::new();
        }
        let mut out = Vec::new();
        for (mid, m) in p.modules.iter().enumerate() {
            if crates.contains(&m.krate) && pat.matches(&segs[mid]) {
                out.push(mid as ModuleId);
            }
        }
        // A module this configuration switches off (`#[cfg(windows)] mod win;` read with
        // `--target x86_64-unknown-linux-gnu`) is not a typo.
        let inactive = || {
            p.inactive_modules.iter().any(|(k, path)| {
                let segs: Vec<&str> = path.split("::").skip(1).collect();
                crates.contains(k) && pat.matches(&segs)
            })
        };
        if out.is_empty() && !quiet && !inactive() {
            errors.push(
                ConfigError::new(
                    "config-no-match",
                    format!("pattern `{}` matches no module", pat.text),
                    Some(pat.span.clone()),
                )
                .label("matches nothing")
                .help("check the spelling with `cargo domains modules`, or remove the pattern"),
            );
        }
        out
    };
    for (di, d) in cfg.domains.iter().enumerate() {
        for (exact, list) in [(false, &d.modules), (true, &d.modules_exact)] {
            for pat in list {
                for m in matched_modules(pat, &mut errors, false) {
                    self_claims[m as usize].push(Claim {
                        domain: di,
                        exact,
                        literals: pat.literals(),
                        pat,
                    });
                }
            }
        }
    }
    let mut domain_of = vec![None; n];
    let mut reported: Vec<(String, String)> = Vec::new();
    for (mid, slot) in domain_of.iter_mut().enumerate() {
        // Candidates: subtree claims on self or an ancestor, exact claims on self.
        let mut best: Option<((u32, bool, usize), &Claim)> = None;
        let mut tie: Option<&Claim> = None;
        let mut cur = Some(mid as ModuleId);
        while let Some(a) = cur {
            let depth = p.modules[a as usize].depth;
            for c in &self_claims[a as usize] {
                if c.exact && a as usize != mid {
                    continue;
                }
                let key = (depth, c.exact, c.literals);
                match &best {
                    Some((k, b)) if key == *k => {
                        if b.domain != c.domain {
                            tie = Some(c);
                        }
                    }
                    Some((k, _)) if key < *k => {}
                    _ => {
                        best = Some((key, c));
                        tie = None;
                    }
                }
            }
            cur = p.modules[a as usize].parent;
        }
        if let Some((_, b)) = best {
            if let Some(t) = tie {
                let key = (b.pat.text.clone(), t.pat.text.clone());
                if !reported.contains(&key) {
                    reported.push(key);
                    errors.push(
                        ConfigError::new(
                            "config-overlap",
                            format!(
                                "module `{}` is claimed equally by `{}` (domain `{}`) and `{}` (domain `{}`)",
                                p.modules[mid].path,
                                b.pat.text,
                                cfg.domains[b.domain].name,
                                t.pat.text,
                                cfg.domains[t.domain].name
                            ),
                            Some(t.pat.span.clone()),
                        )
                        .label("second claim")
                        .help("make one pattern more specific, or claim the module in one domain only"),
                    );
                }
            }
            *slot = Some(b.domain);
        }
    }
    let mut is_interface = vec![false; n];
    let mut is_interface_exact = vec![false; n];
    let mut is_event = vec![false; n];
    let mut items = InterfaceItems::default();
    for (di, d) in cfg.domains.iter().enumerate() {
        let outside = |m: ModuleId, pat: &Pattern, what: &str, code: &'static str| {
            let owner = domain_of[m as usize]
                .map(|o| format!("domain `{}`", cfg.domains[o].name))
                .unwrap_or_else(|| "no domain".to_string());
            ConfigError::new(
                code,
                format!(
                    "{what} `{}` of domain `{}` is module `{}`, which belongs to {owner}",
                    pat.text, d.name, p.modules[m as usize].path
                ),
                Some(pat.span.clone()),
            )
            .help(format!(
                "an {what} must be one of `{}`'s own modules",
                d.name
            ))
        };
        // (patterns, events, with submodules, names items, what, code)
        for (pats, events, subtree, item_level, what, code) in [
            (
                &d.interface,
                false,
                true,
                true,
                "interface",
                "config-interface-outside",
            ),
            (
                &d.interface_exact,
                false,
                false,
                false,
                "interface",
                "config-interface-outside",
            ),
            (
                &d.events,
                true,
                true,
                false,
                "events module",
                "config-events-outside",
            ),
        ] {
            for pat in pats {
                let flags = match (events, subtree) {
                    (true, _) => &mut is_event,
                    (false, true) => &mut is_interface,
                    (false, false) => &mut is_interface_exact,
                };
                let mods = matched_modules(pat, &mut errors, item_level);
                if mods.is_empty() && item_level {
                    // `crate::billing::charge`: an item of module `crate::billing`.
                    match interface_item(p, pat, |m| matched_modules(m, &mut Vec::new(), true)) {
                        Ok(found) => {
                            for (m, name) in found {
                                if domain_of[m as usize] != Some(di) {
                                    errors.push(outside(m, pat, what, code));
                                }
                                items.add(p, m, name);
                            }
                        }
                        Err(e) => errors.push(e),
                    }
                }
                for m in mods {
                    for (mid, flag) in flags.iter_mut().enumerate() {
                        let inside = if subtree {
                            is_descendant(p, mid as ModuleId, m)
                        } else {
                            mid as ModuleId == m
                        };
                        if inside && domain_of[mid] == Some(di) {
                            *flag = true;
                        }
                    }
                    if domain_of[m as usize] != Some(di) {
                        errors.push(outside(m, pat, what, code));
                    }
                }
            }
        }
    }
    // An exact interface module's names are interface items: reached through the module's
    // own scope (`crate::billing::charge`, a re-export in it), not through its submodules.
    for m in (0..n).filter(|m| is_interface_exact[*m]) {
        for name in module_names(p, m as ModuleId, false) {
            items.names.insert((m as ModuleId, name.to_string()));
        }
    }
    (
        Assignment {
            domain_of,
            is_interface,
            interface_items: items.paths,
            interface_item_names: items.names,
            is_interface_exact,
            is_event,
        },
        errors,
    )
}

/// Items that `interface` entries name, by full path and by (module, name).
#[derive(Default)]
struct InterfaceItems {
    paths: std::collections::HashSet<String>,
    names: std::collections::HashSet<(ModuleId, String)>,
}

impl InterfaceItems {
    fn add(&mut self, p: &Program, m: ModuleId, name: String) {
        self.paths
            .insert(format!("{}::{name}", p.modules[m as usize].path));
        self.names.insert((m, name));
    }
}

/// The names a module offers at its top level: its items (child modules too when `mods`)
/// and its non-private imports.
fn module_names(p: &Program, m: ModuleId, mods: bool) -> Vec<&str> {
    let scope = p.modules[m as usize].scope;
    let items = p
        .items
        .iter()
        .filter(|i| i.scope == scope && (mods || i.kind != crate::modules::ItemKind::Mod))
        .map(|i| i.name.as_str());
    let uses = p
        .uses
        .iter()
        .filter(|u| u.scope == scope && u.vis != crate::modules::Vis::Private)
        .filter_map(|u| match &u.leaf {
            crate::modules::extract::UseLeaf::Name { name, alias } => {
                Some(alias.as_deref().unwrap_or(name.as_str()))
            }
            crate::modules::extract::UseLeaf::Glob => None,
        });
    items.chain(uses).collect()
}

/// An `interface` entry that names an item (`crate::billing::charge`): the modules its
/// prefix matches that define or re-export the name. No match is `config-no-match`, with the
/// closest name those modules offer.
fn interface_item(
    p: &Program,
    pat: &Pattern,
    mut modules_of: impl FnMut(&Pattern) -> Vec<ModuleId>,
) -> Result<Vec<(ModuleId, String)>, ConfigError> {
    let no_match = || {
        ConfigError::new(
            "config-no-match",
            format!("pattern `{}` matches no module and no item", pat.text),
            Some(pat.span.clone()),
        )
        .label("matches nothing")
    };
    let Some((pattern::Seg::Lit(name), prefix)) = pat.segs.split_last() else {
        return Err(no_match()
            .help("check the spelling with `cargo domains modules`, or remove the pattern"));
    };
    let parent = Pattern {
        segs: prefix.to_vec(),
        ..pat.clone()
    };
    let mods = modules_of(&parent);
    let found: Vec<(ModuleId, String)> = mods
        .iter()
        .filter(|m| module_names(p, **m, true).contains(&name.as_str()))
        .map(|m| (*m, name.clone()))
        .collect();
    if !found.is_empty() {
        return Ok(found);
    }
    let offered: Vec<String> = mods
        .iter()
        .flat_map(|m| module_names(p, *m, true))
        .map(str::to_string)
        .collect();
    let help = match closest(name, &offered) {
        Some(c) => format!("no module or item `{name}` there; did you mean `{c}`?"),
        None if mods.is_empty() => {
            "check the spelling with `cargo domains modules`, or remove the pattern".to_string()
        }
        None => format!(
            "no module or item `{name}` there; an interface names modules or the items a module defines or re-exports"
        ),
    };
    Err(no_match().help(help))
}

pub fn is_descendant(p: &Program, m: ModuleId, ancestor: ModuleId) -> bool {
    let mut cur = Some(m);
    while let Some(c) = cur {
        if c == ancestor {
            return true;
        }
        cur = p.modules[c as usize].parent;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_config() {
        let cfg = parse_str(
            r#"
[settings]
unassigned = "deny"
[domains.identity]
modules = ["crate::identity"]
depends_on = ["shared"]
interface = ["crate::identity::api"]
[domains.shared]
modules = ["crate::util"]
shared = true
[domains.app]
modules_exact = ["crate"]
depends_on = ["*"]
"#,
            "domains.toml",
        )
        .unwrap();
        assert_eq!(cfg.settings.unassigned, Level::Deny);
        assert_eq!(cfg.domains.len(), 3);
        let app = cfg.domains.iter().find(|d| d.name == "app").unwrap();
        assert!(app.depends_on_any && app.depends_on.is_empty());
    }

    fn codes(text: &str) -> Vec<&'static str> {
        match parse_str(text, "domains.toml") {
            Ok(_) => vec![],
            Err(e) => e
                .errors
                .iter()
                .filter(|e| !e.warning)
                .map(|e| e.code)
                .collect(),
        }
    }

    #[test]
    fn reports_every_static_error_with_its_code() {
        assert_eq!(
            codes("[domains.a]\nmodules = \"crate::a\""),
            ["config-syntax"]
        );
        assert_eq!(
            codes("[domains.a]\nmodule = [\"crate::a\"]"),
            ["config-syntax"]
        );
        assert_eq!(
            codes("[domains.a]\nmodules = [\"crate::a\"]\ndepends_on = [\"b\"]"),
            ["config-unknown-domain"]
        );
        assert_eq!(
            codes("[domains.a]\nmodules = [\"crate::a\"]\ndepends_on = [\"a\"]"),
            ["config-self-dependency"]
        );
        assert_eq!(
            codes("[domains.a]\nmodules = [\"crate::a::***\"]"),
            ["config-bad-pattern"]
        );
        assert_eq!(
            codes("[settings]\ncycles = \"sometimes\""),
            ["config-syntax"]
        );
        assert_eq!(codes("not toml at all ="), ["config-syntax"]);
    }

    #[test]
    fn unknown_domain_suggests_the_closest_name() {
        let e = parse_str(
            "[domains.payments]\nmodules=[\"crate::p\"]\n[domains.orders]\nmodules=[\"crate::o\"]\ndepends_on=[\"payment\"]",
            "d.toml",
        )
        .unwrap_err();
        assert_eq!(
            e.errors[0].help.as_deref(),
            Some("did you mean `payments`?")
        );
        let e = parse_str(
            "[domains.a]\nmodules = [\"crate::a\"]\ndepend_on = []",
            "d.toml",
        )
        .unwrap_err();
        assert_eq!(
            e.errors[0].help.as_deref(),
            Some("did you mean `depends_on`?")
        );
    }

    #[test]
    fn spans_point_at_the_offending_value() {
        let text = "[domains.a]\nmodules = [\"crate::a\"]\ndepends_on = [\"nope\"]\n";
        let e = parse_str(text, "d.toml").unwrap_err();
        let span = e.errors[0].span.clone().unwrap();
        assert_eq!(&text[span], "\"nope\"");
    }

    #[test]
    fn declared_cycles_are_a_warning() {
        let r = parse_str(
            "[domains.a]\nmodules=[\"crate::a\"]\ndepends_on=[\"b\"]\n[domains.b]\nmodules=[\"crate::b\"]\ndepends_on=[\"a\"]",
            "d.toml",
        );
        let w = r.unwrap().warnings;
        assert!(
            w.iter()
                .any(|w| w.code == "config-declared-cycle" && w.message.contains("a -> b -> a"))
        );
    }

    /// Issue 14 (10): declared-cycle detection is near linear: 5,000 domains in a ring.
    #[test]
    fn declared_cycles_scale() {
        let n = 5_000;
        let text: String = (0..n)
            .map(|i| {
                format!(
                    "[domains.d{i}]\nmodules=[\"crate::d{i}\"]\ndepends_on=[\"d{}\"]\n",
                    (i + 1) % n
                )
            })
            .collect();
        let t = std::time::Instant::now();
        let w = parse_str(&text, "d.toml").unwrap().warnings;
        let cycles = w
            .iter()
            .filter(|w| w.code == "config-declared-cycle")
            .count();
        assert_eq!(cycles, 1);
        assert!(t.elapsed().as_secs() < 20, "{:?}", t.elapsed());
    }

    /// Every strongly connected group of depends_on is warned, not only the first.
    #[test]
    fn every_declared_cycle_is_warned() {
        let d = |n: &str, deps: &str| {
            format!("[domains.{n}]\nmodules=[\"crate::{n}\"]\ndepends_on=[{deps}]\n")
        };
        let text = [
            d("a", "\"b\""),
            d("b", "\"c\""),
            d("c", "\"a\", \"b\""),
            d("x", "\"y\""),
            d("y", "\"x\""),
            d("z", "\"a\""),
        ]
        .concat();
        let w = parse_str(&text, "d.toml").unwrap().warnings;
        let msgs: Vec<&str> = w
            .iter()
            .filter(|w| w.code == "config-declared-cycle")
            .map(|w| w.message.as_str())
            .collect();
        assert_eq!(
            msgs,
            [
                "depends_on declares a cycle: a -> b -> c -> a",
                "depends_on declares a cycle: x -> y -> x",
            ]
        );
    }
}
