//! `cargo domains report`: one self-contained HTML file (CSS and JS inline, nothing fetched
//! at view time) with the domain graph, the domain dependency structure matrix, a module
//! matrix per domain, the readiness table and the findings.
//!
//! `dsm.rs` orders the matrices, `layout.rs` draws the graph when Graphviz is not used,
//! `graphviz.rs` runs `dot` on our own DOT with a time limit, `page.rs` assembles the page.
//! Every name and path is escaped ([`esc`], [`json_in_script`]): the analysed code chooses
//! them.

pub mod dsm;
pub mod graphviz;
pub mod layout;
pub mod page;

use std::path::PathBuf;
use std::time::Duration;

pub use page::render;

#[derive(Clone, Debug)]
pub struct Options {
    /// Base URL of the sources: `https://host/org/repo/blob/main` (the file path and
    /// `#L<line>` are appended), or a template with `{path}` and `{line}`.
    pub source_url: Option<String>,
    /// Graphviz `dot` to draw the domain graph with; `None`: the built-in layout.
    pub dot: Option<PathBuf>,
    /// How long `dot` may take before the built-in layout is used instead.
    pub dot_timeout: Duration,
}

/// The page, and what happened on the way.
pub struct Report {
    pub html: String,
    /// `graphviz` or `built-in`.
    pub graph_by: &'static str,
    /// Why Graphviz was not used although it was asked for.
    pub graphviz_error: Option<String>,
}

/// Text or an attribute value in HTML: `& < > " '` as entities.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON to place inside `<script type="application/json">`: `<`, `>` and `&` (so no
/// `</script>` or `<!--` can occur) and the JavaScript line separators are `\u` escapes.
pub fn json_in_script(v: &serde_json::Value) -> String {
    let s = serde_json::to_string(v).unwrap_or_else(|_| "null".into());
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Checks a `--source-url`: http(s) or file, no quotes or spaces (it goes into attributes
/// after escaping, but a URL with them is a mistake).
pub fn check_source_url(url: &str) -> Result<(), String> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("file://"))
    {
        return Err(format!(
            "--source-url `{url}` must start with https://, http:// or file://"
        ));
    }
    if url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '\'')
    {
        return Err(format!(
            "--source-url `{}` holds spaces, quotes or control characters",
            url.escape_debug()
        ));
    }
    Ok(())
}

/// The link to `path` at `line`: the template's `{path}` and `{line}` replaced, or
/// `base/path#Lline`. Path segments are percent-encoded.
pub fn source_link(base: &str, path: &str, line: u32) -> String {
    let enc: Vec<String> = path.split('/').map(percent).collect();
    let path = enc.join("/");
    if base.contains("{path}") {
        base.replace("{path}", &path)
            .replace("{line}", &line.to_string())
    } else {
        format!("{}/{path}#L{line}", base.trim_end_matches('/'))
    }
}

fn percent(seg: &str) -> String {
    let mut out = String::new();
    for b in seg.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_for_html_and_script_json() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        let j = json_in_script(&serde_json::json!(["</script><!--", "a\u{2028}b&"]));
        assert!(
            !j.contains('<') && !j.contains('>') && !j.contains('&'),
            "{j}"
        );
        let back: Vec<String> = serde_json::from_str(&j).unwrap();
        assert_eq!(back, ["</script><!--", "a\u{2028}b&"]);
    }

    #[test]
    fn source_links() {
        assert_eq!(
            source_link("https://h/o/r/blob/main/", "src/a b.rs", 7),
            "https://h/o/r/blob/main/src/a%20b.rs#L7"
        );
        assert_eq!(
            source_link("https://h/-/blob/x/{path}?plain=1#L{line}", "src/<x>.rs", 3),
            "https://h/-/blob/x/src/%3Cx%3E.rs?plain=1#L3"
        );
        assert!(check_source_url("https://h/r").is_ok());
        assert!(check_source_url("javascript:alert(1)").is_err());
        assert!(check_source_url("https://h/\"x").is_err());
    }
}
