//! Module patterns of domains.toml: `crate::orders`, `shop_billing::*::stripe`, `bin:shop`,
//! `test:checkout`, `crate::**::api`. A pattern names a crate, then module segments; `*` is exactly one
//! segment, `**` any number (also none).

use std::ops::Range;

use crate::modules::{ModuleId, Program};
use crate::workspace::{TargetKind, Workspace};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CrateSel {
    /// `crate`: the primary package's library (or its binary when it has no library).
    Primary,
    /// A library crate by its lib name.
    Lib(String),
    /// `bin:NAME`: a binary target.
    Bin(String),
    /// `test:NAME`: an integration test target (`tests/NAME.rs`), analysed with
    /// `include_tests`.
    Test(String),
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
        // Names compare in NFC, as the code's identifiers do.
        let text = crate::modules::ident::nfc(text.to_string());
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
        } else if let Some(test) = head.strip_prefix("test:") {
            if !is_ident(&test.replace('-', "_")) {
                return Err(format!(
                    "`{head}`: expected `test:` followed by an integration test target name"
                ));
            }
            CrateSel::Test(test.to_string())
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

/// Pattern matching as a set of pattern positions advanced one module segment at a time:
/// O(pattern × module) whatever the number of `**` (a backtracking match is exponential in
/// them).
fn match_segs(pat: &[Seg], m: &[&str]) -> bool {
    // `**` also matches no segment: a position before one reaches the position after it.
    let close = |states: &mut Vec<bool>| {
        for i in 0..pat.len() {
            if states[i] && pat[i] == Seg::DoubleStar {
                states[i + 1] = true;
            }
        }
    };
    let mut states = vec![false; pat.len() + 1];
    states[0] = true;
    close(&mut states);
    for seg in m {
        let mut next = vec![false; pat.len() + 1];
        for (i, p) in pat.iter().enumerate().filter(|(i, _)| states[*i]) {
            match p {
                Seg::DoubleStar => next[i] = true,
                Seg::Star => next[i + 1] = true,
                Seg::Lit(l) if l == seg => next[i + 1] = true,
                Seg::Lit(_) => {}
            }
        }
        close(&mut next);
        if !next.iter().any(|s| *s) {
            return false;
        }
        states = next;
    }
    states[pat.len()]
}

fn is_ident(s: &str) -> bool {
    let s = s.strip_prefix("r#").unwrap_or(s);
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// The pattern a user would write in domains.toml to claim this module: `crate::a::b` for the
/// primary library, `lib_name::a::b` or `bin:name::a` otherwise.
pub fn pattern_for(p: &Program, m: ModuleId, ws: &Workspace) -> String {
    let module = &p.modules[m as usize];
    let krate = &p.crates[module.krate as usize].info;
    let primary = ws.primary_package.as_deref() == Some(krate.package.as_str())
        && (krate.kind == TargetKind::Lib
            || !p
                .crates
                .iter()
                .any(|c| c.info.package == krate.package && c.info.kind == TargetKind::Lib));
    if primary {
        match module.path.split_once("::") {
            Some((_, rest)) => format!("crate::{rest}"),
            None => "crate".to_string(),
        }
    } else {
        module.path.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Pattern {
        Pattern::parse(s, 0..s.len()).unwrap()
    }

    /// Issue 14 (9): many `**` against a deep module are linear, and still exact.
    #[test]
    fn double_stars_match_in_linear_time() {
        let deep: Vec<String> = (0..60).map(|i| format!("m{i}")).collect();
        let deep: Vec<&str> = deep.iter().map(String::as_str).collect();
        let stars = format!("crate{}::nomatch", "::**".repeat(30));
        assert!(!p(&stars).matches(&deep));
        let stars = format!("crate{}::m59", "::**".repeat(30));
        assert!(p(&stars).matches(&deep));
        assert!(p("crate::**::m3::**::m10::*").matches(&deep[..12]));
        assert!(!p("crate::**::m3::**::m10::*").matches(&deep[..11]));
        assert!(p("crate::**").matches(&[]));
        assert!(!p("crate::*").matches(&[]));
        assert!(p("crate::a::**::b").matches(&["a", "b"]));
    }

    #[test]
    fn parses_crate_selectors() {
        assert_eq!(p("crate").krate, CrateSel::Primary);
        assert_eq!(p("bin:shop::cli").krate, CrateSel::Bin("shop".into()));
        assert_eq!(p("bin:my-tool").krate, CrateSel::Bin("my-tool".into()));
        assert_eq!(
            p("test:checkout-flow").krate,
            CrateSel::Test("checkout-flow".into())
        );
        assert!(Pattern::parse("test:", 0..5).is_err());
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
