//! Rewriting `depends_on` arrays in place with `toml_edit`, so that everything else in the
//! file (comments, key and table order, blank lines, quoting, the rest of a Cargo.toml) comes
//! out byte for byte as it went in.
//!
//! Arrays keep their shape: a single-line array stays on one line (`["a", "b"]`), a multi-line
//! array gets one new entry per line at the indentation of the others. New entries go at the
//! end, or at their place when the list is already sorted. A removed entry takes its own
//! comments with it (the lines right above it and the comment after it on its line); a
//! comment that belonged to the entry before it stays.

use toml_edit::{Array, DocumentMut, Item, TableLike, Value};

/// What to change in one domain's `depends_on`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DomainEdit {
    pub domain: String,
    /// Entries to add, in the order to add them.
    pub add: Vec<String>,
    /// Entries to remove (every occurrence); `"*"` is never removed.
    pub remove: Vec<String>,
    /// Remove the second and later occurrences of an entry.
    pub dedupe: bool,
}

/// Where the configuration sits in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// The whole file is the configuration (`domains.toml`, `--config PATH`).
    File,
    /// `[workspace.metadata.domains]`, else `[package.metadata.domains]`, of a Cargo.toml.
    Manifest,
}

/// Applies the edits to the text of the file; only the `depends_on` arrays change.
pub fn apply(text: &str, place: Place, edits: &[DomainEdit]) -> Result<String, String> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| format!("cannot parse the file for editing: {e}"))?;
    let root = config_table(&mut doc, place)?;
    let domains = root
        .get_mut("domains")
        .and_then(Item::as_table_like_mut)
        .ok_or("the configuration has no `domains` table")?;
    for e in edits {
        let item = domains
            .get_mut(&e.domain)
            .ok_or_else(|| format!("no table for domain `{}`", e.domain))?;
        let inline = item.is_inline_table();
        let table = item
            .as_table_like_mut()
            .ok_or_else(|| format!("`domains.{}` is not a table", e.domain))?;
        edit_domain(table, inline, e)?;
    }
    Ok(doc.to_string())
}

/// The table that holds `[settings]` and `[domains.*]`, found as `config::load` finds it.
fn config_table(doc: &mut DocumentMut, place: Place) -> Result<&mut dyn TableLike, String> {
    if place == Place::File {
        return Ok(doc.as_table_mut());
    }
    let has = |doc: &DocumentMut, top: &str| {
        doc.get(top)
            .and_then(|t| t.get("metadata"))
            .and_then(|m| m.get("domains"))
            .is_some_and(Item::is_table_like)
    };
    let top = if has(doc, "workspace") {
        "workspace"
    } else if has(doc, "package") {
        "package"
    } else {
        return Err("no [workspace.metadata.domains] or [package.metadata.domains] table".into());
    };
    doc.get_mut(top)
        .and_then(|t| t.get_mut("metadata"))
        .and_then(|m| m.get_mut("domains"))
        .and_then(Item::as_table_like_mut)
        .ok_or_else(|| format!("[{top}.metadata.domains] is not a table"))
}

fn edit_domain(table: &mut dyn TableLike, inline: bool, e: &DomainEdit) -> Result<(), String> {
    if table.get("depends_on").is_none() {
        if e.add.is_empty() {
            return Ok(());
        }
        let mut value = Value::Array(Array::new());
        if inline {
            // `{ a = 1 }`: the space before `}` follows the new last key instead.
            let last = table.iter_mut().last().and_then(|(_, v)| v.as_value_mut());
            if let Some(last) = last {
                value.decor_mut().set_suffix(suffix(last));
                last.decor_mut().set_suffix("");
            }
        }
        table.insert("depends_on", Item::Value(value));
    }
    let arr = table
        .get_mut("depends_on")
        .and_then(Item::as_array_mut)
        .ok_or_else(|| format!("`domains.{}.depends_on` is not an array", e.domain))?;
    let closes_on_own_line = closes_on_own_line(arr);
    let ind = indent(arr);
    remove_entries(arr, e);
    add_entries(arr, &e.add, &ind);
    if arr.is_empty() && raw(arr.trailing().as_str()).trim().is_empty() {
        arr.set_trailing("");
        arr.set_trailing_comma(false);
    } else if closes_on_own_line && !self::closes_on_own_line(arr) {
        let t = format!("{}\n", raw(arr.trailing().as_str()));
        arr.set_trailing(t);
    }
    Ok(())
}

/// The domain an entry names: `"billing"`, or `{ domain = "billing", .. }`.
pub fn entry_name(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s.value().as_str()),
        Value::InlineTable(t) => t.get("domain").and_then(Value::as_str),
        _ => None,
    }
}

fn raw(s: Option<&str>) -> &str {
    s.unwrap_or("")
}

fn prefix(v: &Value) -> String {
    raw(v.decor().prefix().and_then(|r| r.as_str())).to_string()
}

fn suffix(v: &Value) -> String {
    raw(v.decor().suffix().and_then(|r| r.as_str())).to_string()
}

/// `(text before the first newline, the rest from that newline on)`; no newline: `(s, "")`.
fn split_head(s: &str) -> (&str, &str) {
    match s.find('\n') {
        Some(i) => s.split_at(i),
        None => (s, ""),
    }
}

fn is_multiline(arr: &Array) -> bool {
    raw(arr.trailing().as_str()).contains('\n')
        || arr
            .iter()
            .any(|v| prefix(v).contains('\n') || suffix(v).contains('\n'))
}

fn closes_on_own_line(arr: &Array) -> bool {
    raw(arr.trailing().as_str()).contains('\n')
        || arr.iter().last().is_some_and(|v| suffix(v).contains('\n'))
}

/// The indentation of the entries of a multi-line array (4 spaces when none has one).
fn indent(arr: &Array) -> String {
    arr.iter()
        .map(prefix)
        .find_map(|p| p.rfind('\n').map(|i| p[i + 1..].to_string()))
        .unwrap_or_else(|| "    ".to_string())
}

fn remove_entries(arr: &mut Array, e: &DomainEdit) {
    let mut seen: Vec<String> = Vec::new();
    let mut doomed = Vec::new();
    for (i, v) in arr.iter().enumerate() {
        let Some(name) = entry_name(v) else { continue };
        if name != "*"
            && (e.remove.iter().any(|r| r == name) || (e.dedupe && seen.iter().any(|s| s == name)))
        {
            doomed.push(i);
        }
        seen.push(name.to_string());
    }
    for i in doomed.into_iter().rev() {
        remove_at(arr, i);
    }
}

fn remove_at(arr: &mut Array, i: usize) {
    if is_multiline(arr) {
        remove_from_lines(arr, i);
        return;
    }
    let v = arr.remove(i);
    if i == 0 {
        if let Some(next) = arr.get_mut(0) {
            next.decor_mut().set_prefix(prefix(&v));
        }
    } else if i == arr.len()
        && let Some(prev) = arr.get_mut(i - 1)
    {
        prev.decor_mut().set_suffix(suffix(&v));
    }
}

/// Removes entry `i` of a multi-line array with its own comments.
fn remove_from_lines(arr: &mut Array, i: usize) {
    let v = arr.remove(i);
    let p = prefix(&v);
    // Before the first newline: a comment on the previous entry's line (or after `[`).
    let (p_head, _) = split_head(&p);
    let keep = if p_head.contains('#') { p_head } else { "" };
    let following = match arr.get(i) {
        Some(next) => prefix(next),
        None => raw(arr.trailing().as_str()).to_string(),
    };
    let new = if following.contains('\n') {
        // Drop the head: the removed entry's own comment after it on its line.
        format!("{keep}{}", split_head(&following).1)
    } else if i < arr.len() {
        // The next entry was on the same line: it takes the removed one's place.
        format!("{p}{}", following.trim_start())
    } else {
        format!("{keep}{following}")
    };
    match arr.get_mut(i) {
        Some(next) => next.decor_mut().set_prefix(new),
        None => arr.set_trailing(new),
    }
}

fn add_entries(arr: &mut Array, names: &[String], ind: &str) {
    for name in names {
        let entries: Vec<&str> = arr.iter().filter_map(entry_name).collect();
        let sorted = entries.len() >= 2 && entries.windows(2).all(|w| w[0] <= w[1]);
        let at = if sorted {
            entries
                .iter()
                .position(|e| *e > name.as_str())
                .unwrap_or(arr.len())
        } else {
            arr.len()
        };
        // `entries` skips values that name nothing; only trust its index when none exist.
        let at = if entries.len() == arr.len() {
            at
        } else {
            arr.len()
        };
        insert_at(arr, at, name, ind);
    }
}

fn insert_at(arr: &mut Array, at: usize, name: &str, ind: &str) {
    if is_multiline(arr) {
        insert_on_lines(arr, at, name, ind);
        return;
    }
    let mut v = Value::from(name);
    let len = arr.len();
    let (pre, suf) = if len == 0 {
        if raw(arr.trailing().as_str()).trim().is_empty() {
            arr.set_trailing("");
        }
        (String::new(), String::new())
    } else if at == 0 {
        let first = arr.get_mut(0).map(|f| {
            let p = prefix(f);
            f.decor_mut().set_prefix(" ");
            p
        });
        (first.unwrap_or_default(), String::new())
    } else if at == len {
        let last = arr.get_mut(len - 1).map(|l| {
            let s = suffix(l);
            l.decor_mut().set_suffix("");
            s
        });
        (" ".to_string(), last.unwrap_or_default())
    } else {
        (" ".to_string(), String::new())
    };
    v.decor_mut().set_prefix(pre);
    v.decor_mut().set_suffix(suf);
    arr.insert_formatted(at, v);
}

/// Inserts an entry on a line of its own; a comment on the previous line stays there.
fn insert_on_lines(arr: &mut Array, at: usize, name: &str, ind: &str) {
    let mut v = Value::from(name);
    let len = arr.len();
    // The text after the previous entry's comma (or `[`), where the new line starts.
    let mut head = String::new();
    if at < len {
        if let Some(next) = arr.get_mut(at) {
            let p = prefix(next);
            let (h, rest) = split_head(&p);
            if !rest.is_empty() {
                head = h.to_string();
                next.decor_mut().set_prefix(rest.to_string());
            }
        }
    } else if arr.trailing_comma() || len == 0 {
        let t = raw(arr.trailing().as_str()).to_string();
        let (h, rest) = split_head(&t);
        if !rest.is_empty() {
            head = h.to_string();
            arr.set_trailing(rest.to_string());
        }
        if len == 0 {
            arr.set_trailing_comma(true);
        }
    } else if let Some(last) = arr.get_mut(len - 1) {
        // No trailing comma: what followed the last entry now follows the new one.
        let s = suffix(last);
        let (h, rest) = split_head(&s);
        if !rest.is_empty() {
            head = h.to_string();
            last.decor_mut().set_suffix("");
            v.decor_mut().set_suffix(rest.to_string());
        }
    }
    v.decor_mut().set_prefix(format!("{head}\n{ind}"));
    if v.decor().suffix().is_none() {
        v.decor_mut().set_suffix("");
    }
    arr.insert_formatted(at, v);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(text: &str, add: &[&str], remove: &[&str]) -> String {
        let e = DomainEdit {
            domain: "a".into(),
            add: add.iter().map(|s| s.to_string()).collect(),
            remove: remove.iter().map(|s| s.to_string()).collect(),
            dedupe: true,
        };
        let out = apply(text, Place::File, &[e]).unwrap();
        // Whatever we write must still be TOML.
        toml::from_str::<toml::Table>(&out).unwrap_or_else(|e| panic!("{e}\n{out}"));
        out
    }

    #[test]
    fn single_line_arrays_stay_single_line() {
        let t = "[domains.a]\ndepends_on = [\"x\", \"y\"] # note\n";
        assert_eq!(
            edit(t, &["z"], &[]),
            "[domains.a]\ndepends_on = [\"x\", \"y\", \"z\"] # note\n"
        );
        assert_eq!(
            edit(t, &["w"], &[]),
            "[domains.a]\ndepends_on = [\"w\", \"x\", \"y\"] # note\n"
        );
        assert_eq!(
            edit(t, &[], &["x"]),
            "[domains.a]\ndepends_on = [\"y\"] # note\n"
        );
        assert_eq!(
            edit(t, &[], &["y"]),
            "[domains.a]\ndepends_on = [\"x\"] # note\n"
        );
        assert_eq!(
            edit(t, &[], &["x", "y"]),
            "[domains.a]\ndepends_on = [] # note\n"
        );
        let spaced = "[domains.a]\ndepends_on = [ \"y\", \"x\" ]\n";
        assert_eq!(
            edit(spaced, &["z"], &["y"]),
            "[domains.a]\ndepends_on = [ \"x\", \"z\" ]\n"
        );
        assert_eq!(
            edit("[domains.a]\ndepends_on = []\n", &["b", "c"], &[]),
            "[domains.a]\ndepends_on = [\"b\", \"c\"]\n"
        );
    }

    #[test]
    fn a_missing_key_is_added_and_other_keys_stay() {
        let t = "[domains.a]\nmodules = [\"crate::a\"] # mine\n\n# next\n[domains.b]\n";
        assert_eq!(
            edit(t, &["b"], &[]),
            "[domains.a]\nmodules = [\"crate::a\"] # mine\ndepends_on = [\"b\"]\n\n# next\n[domains.b]\n"
        );
        let inline = "[domains]\na = { modules = [\"crate::a\"] }\n";
        assert_eq!(
            edit(inline, &["b"], &[]),
            "[domains]\na = { modules = [\"crate::a\"], depends_on = [\"b\"] }\n"
        );
    }

    const LINES: &str = "[domains.a]\ndepends_on = [\n    \"x\", # why x\n    # y is for reports\n    \"y\", # y's note\n    \"z\",\n]\n";

    #[test]
    fn multi_line_arrays_keep_one_entry_per_line_and_their_comments() {
        // Sorted: the new entry goes to its place.
        assert_eq!(
            edit(LINES, &["q"], &[]),
            "[domains.a]\ndepends_on = [\n    \"q\",\n    \"x\", # why x\n    # y is for reports\n    \"y\", # y's note\n    \"z\",\n]\n"
        );
        let unsorted = LINES.replace("\"z\"", "\"c\"");
        assert_eq!(
            edit(&unsorted, &["q"], &[]),
            "[domains.a]\ndepends_on = [\n    \"x\", # why x\n    # y is for reports\n    \"y\", # y's note\n    \"c\",\n    \"q\",\n]\n"
        );
        // y goes with its comment above and its note; x keeps its own.
        assert_eq!(
            edit(LINES, &[], &["y"]),
            "[domains.a]\ndepends_on = [\n    \"x\", # why x\n    \"z\",\n]\n"
        );
        assert_eq!(
            edit(LINES, &[], &["z"]),
            "[domains.a]\ndepends_on = [\n    \"x\", # why x\n    # y is for reports\n    \"y\", # y's note\n]\n"
        );
        assert_eq!(
            edit(LINES, &[], &["x"]),
            "[domains.a]\ndepends_on = [\n    # y is for reports\n    \"y\", # y's note\n    \"z\",\n]\n"
        );
    }

    #[test]
    fn multi_line_edge_cases() {
        // The last entry's comment stays with it when one is appended after it.
        let t = "[domains.a]\ndepends_on = [\n  \"x\", # x\n]\n";
        assert_eq!(
            edit(t, &["y"], &[]),
            "[domains.a]\ndepends_on = [\n  \"x\", # x\n  \"y\",\n]\n"
        );
        // No trailing comma.
        let t = "[domains.a]\ndepends_on = [\n  \"x\" # x\n]\n";
        assert_eq!(
            edit(t, &["y"], &[]),
            "[domains.a]\ndepends_on = [\n  \"x\", # x\n  \"y\"\n]\n"
        );
        let t = "[domains.a]\ndepends_on = [\n  \"x\",\n  \"y\" # y\n]\n";
        assert_eq!(
            edit(t, &[], &["y"]),
            "[domains.a]\ndepends_on = [\n  \"x\"\n]\n"
        );
        // Sorted lists stay sorted.
        let t = "[domains.a]\ndepends_on = [\n  \"b\",\n  \"d\",\n]\n";
        assert_eq!(
            edit(t, &["c", "a"], &[]),
            "[domains.a]\ndepends_on = [\n  \"a\",\n  \"b\",\n  \"c\",\n  \"d\",\n]\n"
        );
        // The only entry replaced by another: the array keeps its lines and indentation.
        let t = "[domains.a]\ndepends_on = [\n  \"b\", # b\n]\n";
        assert_eq!(
            edit(t, &["c"], &["b"]),
            "[domains.a]\ndepends_on = [\n  \"c\",\n]\n"
        );
        // Emptied: `[]`.
        let t = "[domains.a]\ndepends_on = [\n  \"b\",\n]\n";
        assert_eq!(edit(t, &[], &["b"]), "[domains.a]\ndepends_on = []\n");
    }

    #[test]
    fn stars_stay_duplicates_go() {
        let t = "[domains.a]\ndepends_on = [\"*\", \"x\", \"x\"]\n";
        assert_eq!(
            edit(t, &[], &["*"]),
            "[domains.a]\ndepends_on = [\"*\", \"x\"]\n"
        );
    }

    #[test]
    fn cargo_metadata_tables_are_found_like_the_loader_finds_them() {
        let t = "[package]\nname = \"p\"\n\n[package.metadata.domains.domains.a]\ndepends_on = [\"x\"]\n\n[dependencies]\nserde = \"1\" # keep\n";
        let e = DomainEdit {
            domain: "a".into(),
            add: vec!["y".into()],
            ..Default::default()
        };
        assert_eq!(
            apply(t, Place::Manifest, std::slice::from_ref(&e)).unwrap(),
            "[package]\nname = \"p\"\n\n[package.metadata.domains.domains.a]\ndepends_on = [\"x\", \"y\"]\n\n[dependencies]\nserde = \"1\" # keep\n"
        );
        assert!(apply("[package]\nname = \"p\"\n", Place::Manifest, &[e]).is_err());
    }
}
