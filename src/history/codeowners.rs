//! `CODEOWNERS`: who owns which path, in GitHub's syntax (last matching line wins) and
//! GitLab's (`[Section]` headers with default owners; every section's last match applies).
//! Patterns follow gitignore's rules: a leading or inner `/` anchors to the repository root,
//! a pattern without one matches at any depth, a trailing `/` matches only directories, `*`
//! and `?` stay within a path segment, `**` spans segments; a pattern that matches a
//! directory matches every file under it.

/// Where GitHub and GitLab look for the file, in their order.
pub const LOCATIONS: &[&str] = &[
    ".github/CODEOWNERS",
    "CODEOWNERS",
    "docs/CODEOWNERS",
    ".gitlab/CODEOWNERS",
];

#[derive(Debug, Clone)]
struct Rule {
    /// Pattern segments, `**` kept as its own segment.
    segs: Vec<String>,
    anchored: bool,
    dir_only: bool,
    owners: Vec<String>,
}

#[derive(Debug, Clone, Default)]
struct Section {
    rules: Vec<Rule>,
}

/// A parsed CODEOWNERS file.
#[derive(Debug, Clone, Default)]
pub struct CodeOwners {
    /// GitHub's file is one section; GitLab's has one per `[Section]` header.
    sections: Vec<Section>,
    /// Lines that could not be read (1-based line numbers), reported as warnings.
    pub skipped: Vec<usize>,
}

impl CodeOwners {
    pub fn parse(text: &str) -> CodeOwners {
        let mut out = CodeOwners {
            sections: vec![Section::default()],
            skipped: Vec::new(),
        };
        let mut defaults: Vec<String> = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let line = strip_comment(raw).trim();
            if line.is_empty() {
                continue;
            }
            if let Some(header) = section_header(line) {
                defaults = header;
                out.sections.push(Section::default());
                continue;
            }
            let mut words = split_words(line).into_iter();
            let Some(pattern) = words.next() else {
                continue;
            };
            let mut owners: Vec<String> = words.collect();
            if owners.is_empty() {
                owners = defaults.clone();
            }
            match Rule::new(&pattern, owners) {
                Some(rule) => out
                    .sections
                    .last_mut()
                    .expect("one section")
                    .rules
                    .push(rule),
                None => out.skipped.push(n + 1),
            }
        }
        out
    }

    /// The owners of a repository-relative file path (`src/orders/mod.rs`), in file order,
    /// without repeats. Empty when no line matches, or when the last match names no owner.
    pub fn owners(&self, path: &str) -> Vec<String> {
        let comps: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
        let mut out: Vec<String> = Vec::new();
        for s in &self.sections {
            if let Some(rule) = s.rules.iter().rev().find(|r| r.matches(&comps)) {
                for o in &rule.owners {
                    if !out.contains(o) {
                        out.push(o.clone());
                    }
                }
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.sections.iter().all(|s| s.rules.is_empty())
    }
}

/// `# comment`, but not an escaped `\#` in a pattern.
fn strip_comment(line: &str) -> &str {
    let b = line.as_bytes();
    for i in 0..b.len() {
        if b[i] == b'#' && (i == 0 || b[i - 1] != b'\\') {
            return &line[..i];
        }
    }
    line
}

/// GitLab's `[Section]`, `^[Optional]`, `[Section][2] @owner`: the default owners.
fn section_header(line: &str) -> Option<Vec<String>> {
    let rest = line.strip_prefix('^').unwrap_or(line);
    let rest = rest.strip_prefix('[')?;
    let close = rest.find(']')?;
    let mut after = &rest[close + 1..];
    // An approval count: `[2]`.
    if let Some(r) = after.strip_prefix('[')
        && let Some(c) = r.find(']')
        && r[..c].chars().all(|ch| ch.is_ascii_digit())
    {
        after = &r[c + 1..];
    }
    Some(split_words(after.trim()))
}

/// Words split on unescaped whitespace (`\ ` keeps a space in a pattern).
fn split_words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            c if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

impl Rule {
    fn new(pattern: &str, owners: Vec<String>) -> Option<Rule> {
        if pattern.starts_with('!') {
            // Negation is not part of CODEOWNERS syntax (GitHub ignores such lines).
            return None;
        }
        let dir_only = pattern.ends_with('/');
        let trimmed = pattern.trim_end_matches('/');
        let anchored = trimmed.contains('/');
        let mut segs: Vec<String> = trimmed
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        // `a/**/**/b` is `a/**/b`: repeated `**` would make matching exponential.
        segs.dedup_by(|a, b| a == "**" && b == "**");
        if segs.is_empty() {
            // `/` alone: the whole repository.
            return (pattern == "/").then_some(Rule {
                segs: vec!["**".into()],
                anchored: true,
                dir_only: false,
                owners,
            });
        }
        Some(Rule {
            segs,
            anchored,
            dir_only,
            owners,
        })
    }

    /// Matches a file path: the pattern matches the whole path, or (as a directory) a
    /// leading part of it.
    fn matches(&self, comps: &[&str]) -> bool {
        let starts: Vec<usize> = if self.anchored {
            vec![0]
        } else {
            (0..comps.len()).collect()
        };
        starts.into_iter().any(|s| {
            let rest = &comps[s..];
            // Ends within the path: a directory (everything under it); at its end: the file.
            (1..=rest.len()).any(|end| {
                let is_file = end == rest.len();
                (!self.dir_only || !is_file) && seg_match(&self.segs, &rest[..end])
            })
        })
    }
}

/// Pattern segments against path components, `**` matching zero or more components.
fn seg_match(pat: &[String], comps: &[&str]) -> bool {
    match pat.split_first() {
        None => comps.is_empty(),
        Some((p, rest)) if p == "**" => (0..=comps.len()).any(|k| seg_match(rest, &comps[k..])),
        Some((p, rest)) => match comps.split_first() {
            Some((c, crest)) => glob(p.as_bytes(), c.as_bytes()) && seg_match(rest, crest),
            None => false,
        },
    }
}

/// `*` and `?` within one segment; `[abc]` classes are matched literally.
fn glob(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_last_match_wins() {
        let c = CodeOwners::parse(
            "# owners\n* @org/platform\n/src/orders/ @org/checkout\n*.md @org/docs\nsrc/billing/invoice.rs @org/billing @alice\n",
        );
        assert_eq!(c.owners("src/orders/mod.rs"), ["@org/checkout"]);
        assert_eq!(c.owners("src/orders/README.md"), ["@org/docs"]);
        assert_eq!(c.owners("src/lib.rs"), ["@org/platform"]);
        assert_eq!(
            c.owners("src/billing/invoice.rs"),
            ["@org/billing", "@alice"]
        );
    }

    #[test]
    fn unanchored_and_directory_patterns() {
        let c = CodeOwners::parse("docs/ @d\nbuild.rs @b\n/api/**/v1/*.rs @v1\n");
        assert_eq!(c.owners("docs/a/b.md"), ["@d"]);
        // No slash but the trailing one: a `docs` directory at any depth.
        assert_eq!(c.owners("x/docs/c.md"), ["@d"]);
        assert_eq!(c.owners("crates/x/build.rs"), ["@b"]);
        assert_eq!(c.owners("api/v1/a.rs"), ["@v1"]);
        assert_eq!(c.owners("api/x/y/v1/a.rs"), ["@v1"]);
        assert!(c.owners("api/v2/a.rs").is_empty());
        // A directory-only pattern does not match a file of that name.
        let c = CodeOwners::parse("docs/ @d\n");
        assert!(c.owners("docs").is_empty());
    }

    #[test]
    fn gitlab_sections_union_and_default_owners() {
        let c = CodeOwners::parse(
            "[Backend] @backend\nsrc/\n/src/orders/ @orders-team\n^[Docs][2] @writers\n*.md\n",
        );
        assert_eq!(c.owners("src/orders/mod.rs"), ["@orders-team"]);
        assert_eq!(
            c.owners("src/orders/NOTES.md"),
            ["@orders-team", "@writers"]
        );
        assert_eq!(c.owners("src/billing.rs"), ["@backend"]);
    }

    #[test]
    fn comments_escapes_and_bad_lines() {
        let c = CodeOwners::parse("\\#odd @x # trailing\n!negated @y\n");
        assert_eq!(c.owners("#odd"), ["@x"]);
        assert_eq!(c.skipped, [2]);
    }
}
