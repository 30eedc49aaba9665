//! Module patterns of domains.toml: `crate::orders`, `shop_billing::*::stripe`, `bin:shop`,
//! `crate::**::api`. A pattern names a crate, then module segments; `*` is exactly one
//! segment, `**` any number (also none).

use std::ops::Range;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CrateSel {
    /// `crate`: the primary package's library (or its binary when it has no library).
    Primary,
    /// A library crate by its lib name.
    Lib(String),
    /// `bin:NAME`: a binary target.
    Bin(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    Lit(String),
    Star,
    DoubleStar,
}

#[derive(Clone, Debug)]
pub struct Pattern {
    pub text: String,
    pub span: Range<usize>,
    pub krate: CrateSel,
    pub segs: Vec<Seg>,
}

impl Pattern {
    pub fn parse(text: &str, span: Range<usize>) -> Result<Pattern, String> {
        if text.trim().is_empty() {
            return Err("empty pattern".into());
        }
        if text != text.trim() {
            return Err("pattern has leading or trailing spaces".into());
        }
        let mut parts = text.split("::");
        let head = parts.next().unwrap_or_default();
        let krate = if head == "crate" {
            CrateSel::Primary
        } else if let Some(bin) = head.strip_prefix("bin:") {
            // Binary names may contain `-` (`src/bin/my-tool.rs`).
            if !is_ident(&bin.replace('-', "_")) {
                return Err(format!(
                    "`{head}`: expected `bin:` followed by a binary target name"
                ));
            }
            CrateSel::Bin(bin.to_string())
        } else if head == "*" || head == "**" {
            return Err("a pattern starts with a crate (`crate`, a library name or `bin:NAME`), not a wildcard".into());
        } else if is_ident(&head.replace('-', "_")) {
            CrateSel::Lib(head.replace('-', "_"))
        } else {
            return Err(format!("`{head}` is not a crate name"));
        };
        let mut segs = Vec::new();
        for part in parts {
            let seg = match part {
                "" => return Err("empty path segment (`::::` or a trailing `::`)".into()),
                "*" => Seg::Star,
                "**" => Seg::DoubleStar,
                p if p.contains('*') => {
                    return Err(format!("`{p}`: `*` and `**` must be whole segments"));
                }
                p if is_ident(p) => Seg::Lit(p.to_string()),
                p => return Err(format!("`{p}` is not a module name")),
            };
            segs.push(seg);
        }
        Ok(Pattern {
            text: text.to_string(),
            span,
            krate,
            segs,
        })
    }

    /// Whether the pattern matches a module given by its segments below the crate root.
    pub fn matches(&self, module: &[&str]) -> bool {
        match_segs(&self.segs, module)
    }

    /// Literal segments: more literals = more specific.
    pub fn literals(&self) -> usize {
        self.segs
            .iter()
            .filter(|s| matches!(s, Seg::Lit(_)))
            .count()
    }
}

fn match_segs(pat: &[Seg], m: &[&str]) -> bool {
    match pat.split_first() {
        None => m.is_empty(),
        Some((Seg::DoubleStar, rest)) => (0..=m.len()).any(|k| match_segs(rest, &m[k..])),
        Some((Seg::Star, rest)) => !m.is_empty() && match_segs(rest, &m[1..]),
        Some((Seg::Lit(l), rest)) => m.first().is_some_and(|s| s == l) && match_segs(rest, &m[1..]),
    }
}

fn is_ident(s: &str) -> bool {
    let s = s.strip_prefix("r#").unwrap_or(s);
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Pattern {
        Pattern::parse(s, 0..s.len()).unwrap()
    }

    #[test]
    fn parses_crate_selectors() {
        assert_eq!(p("crate").krate, CrateSel::Primary);
        assert_eq!(p("bin:shop::cli").krate, CrateSel::Bin("shop".into()));
        assert_eq!(p("bin:my-tool").krate, CrateSel::Bin("my-tool".into()));
        assert_eq!(
            p("shop-billing::api").krate,
            CrateSel::Lib("shop_billing".into())
        );
    }

    #[test]
    fn wildcards_match_one_or_many_segments() {
        assert!(p("crate::*::stripe").matches(&["billing", "stripe"]));
        assert!(!p("crate::*::stripe").matches(&["billing", "eu", "stripe"]));
        assert!(p("crate::**::stripe").matches(&["billing", "eu", "stripe"]));
        assert!(p("crate::**::stripe").matches(&["stripe"]));
        assert!(p("crate").matches(&[]));
        assert!(!p("crate::a").matches(&[]));
    }

    #[test]
    fn rejects_bad_patterns() {
        for bad in [
            "",
            "crate::",
            "crate::a::***",
            "crate::a*",
            "*::a",
            "bin:",
            "crate::a b",
            " crate",
        ] {
            assert!(
                Pattern::parse(bad, 0..1).is_err(),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn literal_count_orders_specificity() {
        assert!(p("crate::a::b").literals() > p("crate::a::*").literals());
    }
}
