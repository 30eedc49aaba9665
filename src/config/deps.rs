//! The dependency rules of a domain beyond module patterns: `depends_on` entries (a name, or
//! `{ domain = "legacy", deprecated = true }`), `cannot_depend_on` (a deny-list) and `layer`
//! (against `[settings] layers`). Parsed with their spans, then checked against the declared
//! domains and layers; every problem is a [`ConfigError`] on its span.

use std::ops::Range;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use toml::Spanned;

use super::{ConfigError, Domain, closest};

/// A `depends_on` entry as written: a domain name, or an inline table whose keys are checked
/// after parsing (so that an unknown key is an error on that key, with a did-you-mean).
pub(super) enum RawDep {
    Name(String),
    Table(Vec<(Spanned<String>, Spanned<toml::Value>)>),
}

impl<'de> Deserialize<'de> for RawDep {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawDep;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a domain name or an inline table `{ domain = \"...\", deprecated = true }`",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawDep, E> {
                Ok(RawDep::Name(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawDep, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = map.next_key::<Spanned<String>>()? {
                    keys.push((k, map.next_value::<Spanned<toml::Value>>()?));
                }
                Ok(RawDep::Table(keys))
            }
        }
        d.deserialize_any(V)
    }
}

/// What a domain's `depends_on`, `cannot_depend_on` and `layer` say, read and checked on their
/// own (the names are checked against the declared domains once all are read).
pub(super) struct Rules {
    /// Every entry but `"*"`: the domain it names, the span of the name.
    pub depends_on: Vec<(String, Range<usize>)>,
    pub depends_on_any: bool,
    pub deprecated: Vec<String>,
    pub cannot_depend_on: Vec<(String, Range<usize>)>,
    pub deny_list: bool,
    pub layer: Option<usize>,
}

/// `depends_on`, `cannot_depend_on` and `layer` as written.
type RawRules = (
    Option<Vec<Spanned<RawDep>>>,
    Option<Vec<Spanned<String>>>,
    Option<Spanned<String>>,
);

impl Rules {
    /// The rules of the domain `name` (declared at `span`).
    pub(super) fn read(
        (depends_on, cannot, layer): RawRules,
        (name, span): (&str, &Range<usize>),
        layers: &[String],
        errors: &mut Vec<ConfigError>,
    ) -> Rules {
        let deny_list = depends_on.is_none() && cannot.is_some();
        let entries = self::depends_on(depends_on.unwrap_or_default(), errors);
        if layer.is_none() && !layers.is_empty() {
            errors.push(no_layer_warning(name, span, layers));
        }
        Rules {
            depends_on_any: entries.iter().any(|d| d.name == "*"),
            deprecated: entries
                .iter()
                .filter(|d| d.deprecated)
                .map(|d| d.name.clone())
                .collect(),
            depends_on: entries
                .into_iter()
                .filter(|d| d.name != "*")
                .map(|d| (d.name, d.span))
                .collect(),
            cannot_depend_on: cannot
                .unwrap_or_default()
                .into_iter()
                .map(|d| (d.get_ref().clone(), d.span()))
                .collect(),
            deny_list,
            layer: self::layer(layer.as_ref(), layers, errors),
        }
    }
}

/// One `depends_on` entry, checked: the domain it names (`"*"` included) with the span of
/// the name, and whether the allowance is deprecated.
struct DepEntry {
    pub name: String,
    pub span: Range<usize>,
    pub deprecated: bool,
}

const ENTRY_KEYS: [&str; 2] = ["domain", "deprecated"];

/// The entries of a `depends_on` array; malformed inline tables are errors.
fn depends_on(raw: Vec<Spanned<RawDep>>, errors: &mut Vec<ConfigError>) -> Vec<DepEntry> {
    let mut out = Vec::new();
    for entry in raw {
        let span = entry.span();
        match entry.into_inner() {
            RawDep::Name(name) => out.push(DepEntry {
                name,
                span,
                deprecated: false,
            }),
            RawDep::Table(keys) => out.extend(table_entry(keys, span, errors)),
        }
    }
    out
}

fn syntax(message: String, span: Range<usize>) -> ConfigError {
    ConfigError::new("config-syntax", message, Some(span))
}

/// `{ domain = "legacy", deprecated = true }`.
fn table_entry(
    keys: Vec<(Spanned<String>, Spanned<toml::Value>)>,
    span: Range<usize>,
    errors: &mut Vec<ConfigError>,
) -> Option<DepEntry> {
    let shape = "an entry is a name (\"billing\") or `{ domain = \"billing\", deprecated = true }`";
    let (mut name, mut deprecated, mut ok) = (None, false, true);
    for (k, v) in keys {
        match (k.get_ref().as_str(), v.get_ref()) {
            ("domain", toml::Value::String(s)) => name = Some((s.clone(), v.span())),
            ("deprecated", toml::Value::Boolean(b)) => deprecated = *b,
            (key @ ("domain" | "deprecated"), other) => {
                let want = if key == "domain" {
                    "a string"
                } else {
                    "a boolean"
                };
                errors.push(
                    syntax(
                        format!("`{key}` must be {want}, not {}", other.type_str()),
                        v.span(),
                    )
                    .label("here"),
                );
                ok = false;
            }
            (key, _) => {
                let known: Vec<String> = ENTRY_KEYS.iter().map(|s| s.to_string()).collect();
                let help = match closest(key, &known) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None => shape.to_string(),
                };
                errors.push(
                    syntax(
                        format!("unknown key `{key}` in a depends_on entry"),
                        k.span(),
                    )
                    .label("unknown key")
                    .help(help),
                );
                ok = false;
            }
        }
    }
    let Some((name, name_span)) = name else {
        if ok {
            errors.push(
                syntax("a depends_on table needs `domain = \"...\"`".into(), span).help(shape),
            );
        }
        return None;
    };
    if name == "*" && deprecated {
        errors.push(
            syntax("`\"*\"` cannot be deprecated".into(), name_span)
                .help("mark the domains that are deprecated: `{ domain = \"legacy\", deprecated = true }`"),
        );
        return None;
    }
    ok.then_some(DepEntry {
        name,
        span: name_span,
        deprecated,
    })
}

/// `[settings] layers`: the names, top to bottom; a name listed twice is an error.
pub(super) fn layers(raw: &[Spanned<String>], errors: &mut Vec<ConfigError>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in raw {
        if out.contains(l.get_ref()) {
            errors.push(
                ConfigError::new(
                    "config-duplicate-layer",
                    format!("layer `{}` is listed twice in `layers`", l.get_ref()),
                    Some(l.span()),
                )
                .label("second time")
                .help("list each layer once, top (the entry points) to bottom (infrastructure)"),
            );
        } else {
            out.push(l.get_ref().clone());
        }
    }
    out
}

/// A domain's `layer = ".."`: its index in `layers` (0 is the top layer).
fn layer(
    raw: Option<&Spanned<String>>,
    layers: &[String],
    errors: &mut Vec<ConfigError>,
) -> Option<usize> {
    let raw = raw?;
    let name = raw.get_ref();
    if let Some(i) = layers.iter().position(|l| l == name) {
        return Some(i);
    }
    let mut e = ConfigError::new(
        "config-unknown-layer",
        format!("layer `{name}` is not declared in `[settings] layers`"),
        Some(raw.span()),
    )
    .label("unknown layer");
    e = if layers.is_empty() {
        e.help("declare the layers, top to bottom: `[settings] layers = [\"app\", \"domain\", \"infra\"]`")
    } else {
        match closest(name, layers) {
            Some(c) => e.help(format!("did you mean `{c}`?")),
            None => e.help(format!("layers, top to bottom: {}", layers.join(", "))),
        }
    };
    errors.push(e);
    None
}

/// Layers are declared but this domain has none: nothing checks its references.
fn no_layer_warning(name: &str, span: &Range<usize>, layers: &[String]) -> ConfigError {
    ConfigError {
        warning: true,
        ..ConfigError::new(
            "config-no-layer",
            format!("domain `{name}` has no `layer`, so layers are not checked for it"),
            Some(span.clone()),
        )
        .help(format!(
            "add `layer = \"...\"`, one of {} (shared kernels usually belong to the lowest)",
            layers.join(", ")
        ))
    }
}

/// `cannot_depend_on` entries: declared domains, not the domain itself, not also allowed by
/// its `depends_on`.
pub(super) fn check_cannot(d: &Domain, names: &[String], errors: &mut Vec<ConfigError>) {
    for (dep, span) in &d.cannot_depend_on {
        let e = if dep == &d.name {
            ConfigError::new(
                "config-self-dependency",
                format!("domain `{}` lists itself in cannot_depend_on", d.name),
                Some(span.clone()),
            )
            .help("a domain may always use its own modules; remove this entry")
        } else if !names.contains(dep) {
            let e = ConfigError::new(
                "config-unknown-domain",
                format!(
                    "domain `{}` cannot depend on `{dep}`, which is not declared",
                    d.name
                ),
                Some(span.clone()),
            )
            .label("unknown domain");
            match closest(dep, names) {
                Some(c) => e.help(format!("did you mean `{c}`?")),
                None => e.help(format!("declared domains: {}", names.join(", "))),
            }
        } else if d.depends_on.iter().any(|(n, _)| n == dep) {
            ConfigError::new(
                "config-conflicting-dependency",
                format!(
                    "domain `{}` lists `{dep}` in both depends_on and cannot_depend_on",
                    d.name
                ),
                Some(span.clone()),
            )
            .label("also in depends_on")
            .help(format!(
                "keep `{dep}` in one of the two lists: depends_on to allow it, cannot_depend_on to forbid it"
            ))
        } else {
            continue;
        };
        errors.push(e);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Config, ConfigError, Level, parse_str};

    fn ok(text: &str) -> Config {
        match parse_str(text, "domains.toml") {
            Ok(c) => c,
            Err(e) => panic!("{:?}", e.errors),
        }
    }

    /// The errors (not warnings) of a config that must not load.
    fn errors(text: &str) -> Vec<ConfigError> {
        let e = parse_str(text, "domains.toml").expect_err("config errors");
        e.errors.into_iter().filter(|e| !e.warning).collect()
    }

    fn spanned<'a>(text: &'a str, e: &ConfigError) -> &'a str {
        &text[e.span.clone().expect("a span")]
    }

    const TWO: &str = "[domains.legacy]\nmodules = [\"crate::legacy\"]\n[domains.billing]\nmodules = [\"crate::billing\"]\n";

    /// The complete example of docs/configuration.md loads, with the meaning it says.
    #[test]
    fn the_documented_example_loads() {
        let doc = include_str!("../../docs/configuration.md");
        let at = doc.find("## A complete example").unwrap();
        let start = at + doc[at..].find("```toml\n").unwrap() + 8;
        let end = start + doc[start..].find("```").unwrap();
        let c = ok(&doc[start..end]);
        let d = |n: &str| c.domains.iter().find(|d| d.name == n).unwrap();
        assert_eq!(c.settings.layers, ["app", "api", "domain", "infra"]);
        assert_eq!(d("payments").deprecated, ["legacy"]);
        assert!(d("reports").deny_list);
        assert_eq!((d("app").layer, d("shared").layer), (Some(0), Some(3)));
    }

    #[test]
    fn defaults_of_the_new_levels() {
        let c = ok(TWO);
        assert_eq!(c.settings.deprecated, Level::Warn);
        assert_eq!(c.settings.layer_violation, Level::Deny);
        assert_eq!(c.settings.unused_dependency, Level::Allow);
        assert!(c.settings.layers.is_empty());
    }

    #[test]
    fn a_deprecated_entry_is_an_allowance_marked_deprecated() {
        let text = format!(
            "{TWO}[domains.tickets]\nmodules = [\"crate::tickets\"]\ndepends_on = [\"billing\", {{ domain = \"legacy\", deprecated = true }}]\n"
        );
        let c = ok(&text);
        let t = c.domains.iter().find(|d| d.name == "tickets").unwrap();
        let names: Vec<&str> = t.depends_on.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["billing", "legacy"]);
        assert_eq!(t.deprecated, ["legacy"]);
        // The span of a table entry is its `domain` value.
        assert_eq!(&text[t.depends_on[1].1.clone()], "\"legacy\"");
        assert!(!t.deny_list && t.cannot_depend_on.is_empty());
    }

    #[test]
    fn an_unknown_key_in_an_entry_is_an_error_on_that_key() {
        let text = format!(
            "{TWO}[domains.tickets]\nmodules = [\"crate::tickets\"]\ndepends_on = [{{ domain = \"legacy\", deprecate = true }}]\n"
        );
        let e = errors(&text);
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].code, "config-syntax");
        assert_eq!(
            e[0].message,
            "unknown key `deprecate` in a depends_on entry"
        );
        assert_eq!(e[0].help.as_deref(), Some("did you mean `deprecated`?"));
        assert_eq!(spanned(&text, &e[0]), "deprecate");
    }

    #[test]
    fn malformed_entries_are_errors_with_spans() {
        let entry = |e: &str| {
            format!("{TWO}[domains.tickets]\nmodules = [\"crate::tickets\"]\ndepends_on = [{e}]\n")
        };
        let text = entry("{ domain = \"legacy\", deprecated = \"yes\" }");
        let e = errors(&text);
        assert_eq!(e[0].message, "`deprecated` must be a boolean, not string");
        assert_eq!(spanned(&text, &e[0]), "\"yes\"");
        let text = entry("{ deprecated = true }");
        let e = errors(&text);
        assert_eq!(e[0].message, "a depends_on table needs `domain = \"...\"`");
        assert_eq!(spanned(&text, &e[0]), "{ deprecated = true }");
        let e = errors(&entry("{ domain = \"legacyy\", deprecated = true }"));
        assert_eq!(e[0].code, "config-unknown-domain");
        assert_eq!(e[0].help.as_deref(), Some("did you mean `legacy`?"));
        let e = errors(&entry("3"));
        assert_eq!(e[0].code, "config-syntax");
        assert!(e[0].message.contains("expected a domain name"), "{e:?}");
    }

    #[test]
    fn cannot_depend_on_alone_is_a_deny_list() {
        let text = format!(
            "{TWO}[domains.reports]\nmodules = [\"crate::reports\"]\ncannot_depend_on = [\"billing\"]\n"
        );
        let c = ok(&text);
        let r = c.domains.iter().find(|d| d.name == "reports").unwrap();
        assert!(r.deny_list);
        assert_eq!(r.cannot_depend_on[0].0, "billing");
        let with_both = text.replace(
            "cannot_depend_on",
            "depends_on = [\"legacy\"]\ncannot_depend_on",
        );
        let c = ok(&with_both);
        assert!(
            !c.domains
                .iter()
                .find(|d| d.name == "reports")
                .unwrap()
                .deny_list
        );
    }

    #[test]
    fn one_domain_in_both_lists_is_an_error_on_the_cannot_entry() {
        let text = format!(
            "{TWO}[domains.reports]\nmodules = [\"crate::reports\"]\ndepends_on = [\"billing\"]\ncannot_depend_on = [\"legacy\", \"billing\"]\n"
        );
        let e = errors(&text);
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].code, "config-conflicting-dependency");
        assert_eq!(
            e[0].message,
            "domain `reports` lists `billing` in both depends_on and cannot_depend_on"
        );
        let at = e[0].span.clone().unwrap().start;
        assert_eq!(&text[at..at + 9], "\"billing\"");
        assert!(text[..at].ends_with("[\"legacy\", "));
        let e = errors(&text.replace("\"legacy\", \"billing\"", "\"billng\""));
        assert_eq!(e[0].code, "config-unknown-domain");
        assert_eq!(e[0].help.as_deref(), Some("did you mean `billing`?"));
        let e = errors(&text.replace("\"legacy\", \"billing\"", "\"reports\""));
        assert_eq!(e[0].code, "config-self-dependency");
    }

    #[test]
    fn layers_are_checked_by_name() {
        let text = "[settings]\nlayers = [\"app\", \"domain\", \"infra\"]\n\
            [domains.a]\nmodules = [\"crate::a\"]\nlayer = \"domian\"\n\
            [domains.b]\nmodules = [\"crate::b\"]\nlayer = \"infra\"\n";
        let e = errors(text);
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].code, "config-unknown-layer");
        assert_eq!(
            e[0].message,
            "layer `domian` is not declared in `[settings] layers`"
        );
        assert_eq!(e[0].help.as_deref(), Some("did you mean `domain`?"));
        assert_eq!(spanned(text, &e[0]), "\"domian\"");
        let c = ok(&text.replace("domian", "domain"));
        let layer = |n: &str| c.domains.iter().find(|d| d.name == n).unwrap().layer;
        assert_eq!((layer("a"), layer("b")), (Some(1), Some(2)));
        let e = errors(&text.replace("\"app\", ", "\"app\", \"app\", "));
        assert!(
            e.iter().any(|e| e.code == "config-duplicate-layer"),
            "{e:?}"
        );
        // No layers at all: any `layer` is unknown.
        let e = errors("[domains.a]\nmodules = [\"crate::a\"]\nlayer = \"app\"\n");
        assert_eq!(e[0].code, "config-unknown-layer");
        assert!(
            e[0].help
                .as_deref()
                .unwrap()
                .starts_with("declare the layers")
        );
    }

    #[test]
    fn a_domain_without_a_layer_is_warned_when_layers_are_declared() {
        let c = ok(
            "[settings]\nlayers = [\"app\", \"infra\"]\n[domains.a]\nmodules = [\"crate::a\"]\n",
        );
        let w: Vec<&str> = c.warnings.iter().map(|w| w.message.as_str()).collect();
        assert_eq!(
            w,
            ["domain `a` has no `layer`, so layers are not checked for it"]
        );
        assert!(c.warnings[0].warning && c.warnings[0].code == "config-no-layer");
        assert!(ok(TWO).warnings.is_empty());
    }
}
