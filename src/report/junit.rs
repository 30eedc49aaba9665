//! `--format junit`: JUnit XML, for CI systems that show test reports (GitLab
//! `artifacts:reports:junit`, Jenkins, Azure Pipelines, ...). One test suite per rule, with a
//! passing test case when the rule found nothing; a finding at deny level is a failed test
//! case, a warning a skipped one (shown, but not failing), a configuration error an errored
//! test case (the check could not run). Names are `file:line:column` as [`Paths`] names them.

use std::io::Write;

use super::issue::{Issue, Kind, Level, Paths};
use crate::rules::Rule;

/// Escapes text for XML content and attribute values; drops the characters XML 1.0 forbids.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push_str(&format!("&#{};", c as u32)),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn case_name(i: &Issue, paths: &Paths) -> String {
    match &i.at {
        Some(at) => format!("{}:{}:{}", paths.name(at), at.start.line, at.start.col),
        None => i.code.to_string(),
    }
}

fn write_case(i: &Issue, paths: &Paths, out: &mut dyn Write) -> std::io::Result<()> {
    let name = escape(&case_name(i, paths));
    let msg = escape(&i.message);
    let body = escape(&match &i.help {
        Some(h) => format!("{}\n{h}", i.message),
        None => i.message.clone(),
    });
    write!(
        out,
        "    <testcase name=\"{name}\" classname=\"cargo-domains.{}\"",
        i.code
    )?;
    if let Some(at) = &i.at {
        write!(
            out,
            " file=\"{}\" line=\"{}\"",
            escape(&paths.name(at)),
            at.start.line
        )?;
    }
    writeln!(out, ">")?;
    match (i.kind, i.level) {
        (Kind::Config, Level::Error) => writeln!(
            out,
            "      <error message=\"{msg}\" type=\"{}\">{body}</error>",
            i.code
        )?,
        (_, Level::Error) => writeln!(
            out,
            "      <failure message=\"{msg}\" type=\"{}\">{body}</failure>",
            i.code
        )?,
        (_, Level::Warning) => writeln!(out, "      <skipped message=\"warning: {msg}\"/>")?,
    }
    writeln!(out, "    </testcase>")
}

/// `checked`: whether the rules ran (a configuration error stops the run before them): then
/// every rule has a suite, passing when it found nothing.
pub fn write(
    issues: &[Issue],
    paths: &Paths,
    checked: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut suites: Vec<&str> = if checked {
        Rule::ALL.iter().map(|r| r.code()).collect()
    } else {
        Vec::new()
    };
    for i in issues {
        let s = suite_of(i);
        if !suites.contains(&s) {
            suites.push(s);
        }
    }
    let count = |s: &str, f: &dyn Fn(&Issue) -> bool| {
        issues.iter().filter(|i| suite_of(i) == s && f(i)).count()
    };
    let failed = |i: &Issue| i.level == Level::Error && i.kind != Kind::Config;
    let errored = |i: &Issue| i.level == Level::Error && i.kind == Kind::Config;
    let skipped = |i: &Issue| i.level == Level::Warning;
    let tests = |s: &str| count(s, &|_| true).max(1);
    let total: usize = suites.iter().map(|s| tests(s)).sum();
    writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(
        out,
        "<testsuites name=\"cargo-domains\" tests=\"{total}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
        issues.iter().filter(|i| failed(i)).count(),
        issues.iter().filter(|i| errored(i)).count(),
        issues.iter().filter(|i| skipped(i)).count(),
    )?;
    for s in suites {
        writeln!(
            out,
            "  <testsuite name=\"{s}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
            tests(s),
            count(s, &failed),
            count(s, &errored),
            count(s, &skipped)
        )?;
        let mut any = false;
        for i in issues.iter().filter(|i| suite_of(i) == s) {
            write_case(i, paths, out)?;
            any = true;
        }
        if !any {
            writeln!(
                out,
                "    <testcase name=\"no findings\" classname=\"cargo-domains.{s}\"/>"
            )?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

/// Findings by rule; every other problem in one suite per kind.
fn suite_of(i: &Issue) -> &'static str {
    match i.kind {
        Kind::Finding => i.code,
        Kind::Input => "input",
        Kind::Config => "configuration",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_forbidden_characters() {
        assert_eq!(
            escape("a<b> & \"c\"\n\u{1b}[31m"),
            "a&lt;b&gt; &amp; &quot;c&quot;&#10;[31m"
        );
    }
}
