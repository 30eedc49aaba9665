//! The pre-parse depth guard: refuses a file whose syntax nests deeper than the worker stack can
//! parse, before syn recurses into it.
//!
//! syn (and our visitor, and the syntax tree's `Drop`) recurse once per nesting level. Brackets
//! are the obvious levels, but a type or an expression nests without them too: `&&&…u8`,
//! `*const *const …`, `fn() -> fn() -> …`, `|| || …`, `Vec<Vec<…`, `!!!…x`, `break break …`.
//! A stack overflow aborts the process, so the guard measures the worst case lexically: it
//! walks the bytes once (skipping comments, strings and character literals, which hold no
//! syntax) and adds, along the current bracket path, [`BRACKET`] units per bracket level,
//! [`ANGLE`] per open `<`, and one per other prefix token (`&`, `*`, `!`, `-`, `|`, `->`,
//! `break`, `return`, ..) since the end of its level's statement or argument.
//!
//! Measured on the 256 MiB worker stack of a release build, the first overflow is at 35,000
//! `Vec<` levels (70,000 units), 86,000 `&`, 54,000 `fn() ->`, 70,000 `||` and 218,000 `!`;
//! the limit of 12,000 units keeps a factor of 4.5 or more. A debug build overflows at 5,000
//! `Vec<` and 8,600 `&`, so its limit is 3,000 units. The deepest of the 49,249 `.rs` files in
//! the local registry (1,765 crate versions, `x11-dl`'s bindings) measures 799 units; the
//! median is 33.

/// Units one bracket level costs: 2,000 brackets reach the release [`LIMIT`] alone.
pub const BRACKET: usize = 6;
/// Units one `<` costs: a generic argument is the costliest level measured.
pub const ANGLE: usize = 2;
/// Units allowed on the full worker stack. Unoptimised builds (the test suite, `cargo run`)
/// spend about seven times more stack per level: `Vec<` overflows at 5,000 levels there.
pub const LIMIT: usize = if cfg!(debug_assertions) {
    3_000
} else {
    12_000
};

/// One bracket level of the path being measured.
#[derive(Default)]
struct Level {
    /// Prefix operators (`&`, `*`, `!`, `-`) since the last separator: a `,`, `;`, `=` or `=>`
    /// ends them, since their operand cannot hold one outside brackets.
    prefix: usize,
    /// Open `<` (less the `>` seen), `|` and `->`: a comma does not end these (`HashMap<K,
    /// HashMap<K, ..>>`, `|a, b| |c, d| ..`), only the end of a statement (`;`, `=>`, a block).
    open: usize,
    /// Whether closing this level ends the enclosing one's statement: false for a brace right
    /// after `<` or `,` (a const-generic block such as `A<{1}, A<{1}, ..>>`).
    ends_statement: bool,
}

impl Level {
    fn units(&self) -> usize {
        BRACKET + self.prefix + self.open
    }
}

/// The deepest nesting in `text`, in units (a bracket level is [`BRACKET`], a prefix token 1).
pub fn depth(text: &str) -> usize {
    let b = text.as_bytes();
    // The file level costs no bracket: it is subtracted back below.
    let mut levels = vec![Level::default()];
    let (mut total, mut max) = (BRACKET, BRACKET);
    let mut last = b' ';
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        let mut step = 1;
        let nested = levels.len() > 1;
        let level = levels.last_mut().expect("the file level is never popped");
        let before = level.units();
        match c {
            b'/' if next == Some(b'/') => step = line_end(b, i) - i,
            b'/' if next == Some(b'*') => step = block_comment_end(b, i) - i,
            b'"' => step = string_end(b, i + 1) - i,
            b'\'' => step = char_end(b, i) - i,
            b'(' | b'[' | b'{' => {
                let ends_statement = !(c == b'{' && matches!(last, b'<' | b','));
                levels.push(Level {
                    ends_statement,
                    ..Level::default()
                });
                total += BRACKET;
            }
            b')' | b']' | b'}' if nested => total -= close(&mut levels, c),
            b';' => (level.prefix, level.open) = (0, 0),
            b'=' if next == Some(b'>') => {
                (level.prefix, level.open) = (0, 0);
                step = 2;
            }
            b'=' if next == Some(b'=') => step = 2,
            b',' | b'=' => level.prefix = 0,
            b'-' if next == Some(b'>') => {
                level.open += 1;
                step = 2;
            }
            b'>' => level.open = level.open.saturating_sub(ANGLE),
            b'<' => level.open += ANGLE,
            b'|' => level.open += 1,
            b'&' | b'*' | b'!' | b'-' => level.prefix += 1,
            _ if is_ident(c) => {
                step = if matches!(c, b'r' | b'b' | b'c') && starts_word(b, i) {
                    raw_or_word_end(b, i) - i
                } else {
                    word_end(b, i) - i
                };
                // Keyword prefixes nest like operators: `break break .. 1`.
                if matches!(
                    &b[i..i + step],
                    b"break" | b"return" | b"yield" | b"become" | b"box"
                ) {
                    level.prefix += 1;
                }
            }
            _ => {}
        }
        if let Some(level) = levels
            .last()
            .filter(|_| !matches!(c, b'(' | b'[' | b'{' | b')' | b']' | b'}'))
        {
            total = total + level.units() - before;
        }
        max = max.max(total);
        if !c.is_ascii_whitespace() {
            last = c;
        }
        i += step.max(1);
    }
    max - BRACKET
}

/// Byte offsets of the line comments of `text` (`//`, doc comments included), outside
/// strings, character literals and block comments: the comments a reader of the text (inline
/// suppressions) may look at, with the same lexing as [`depth`].
pub fn line_comments(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        let step = match c {
            b'/' if next == Some(b'/') => {
                out.push(i);
                line_end(b, i) - i
            }
            b'/' if next == Some(b'*') => block_comment_end(b, i) - i,
            b'"' => string_end(b, i + 1) - i,
            b'\'' => char_end(b, i) - i,
            _ if is_ident(c) && matches!(c, b'r' | b'b' | b'c') && starts_word(b, i) => {
                raw_or_word_end(b, i) - i
            }
            _ if is_ident(c) => word_end(b, i) - i,
            _ => 1,
        };
        i += step.max(1);
    }
    out
}

/// Closes the innermost level with `c`; returns the units that leaves the path. A block that
/// ends a statement (`if a < b { .. }`) also ends the enclosing level's run.
fn close(levels: &mut Vec<Level>, c: u8) -> usize {
    let closed = levels.pop().expect("more than one level");
    let outer = levels.last_mut().expect("the file level");
    let mut gone = closed.units();
    if c == b'}' && closed.ends_statement {
        gone += outer.prefix + outer.open;
        (outer.prefix, outer.open) = (0, 0);
    }
    gone
}

fn starts_word(b: &[u8], i: usize) -> bool {
    i == 0 || !is_ident(b[i - 1])
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

fn word_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_ident(b[i]) {
        i += 1;
    }
    i
}

fn line_end(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| i + p)
}

/// The end of a (nested) block comment starting at `i`.
fn block_comment_end(b: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i + 1 < b.len() {
        match (b[i], b[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    b.len()
}

/// The end of a quoted string whose contents start at `i` (after the opening `"`).
fn string_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// A character literal (`'x'`, `'\n'`, `'\u{..}'`) or a lifetime (`'a`), from its quote.
fn char_end(b: &[u8], i: usize) -> usize {
    match b.get(i + 1) {
        Some(b'\\') => b[i + 2..]
            .iter()
            .take(12)
            .position(|&c| c == b'\'')
            .map_or(i + 1, |p| i + 3 + p),
        Some(_) => {
            // One character (possibly several UTF-8 bytes) then a quote: a literal.
            let len = utf8_len(b[i + 1]);
            if b.get(i + 1 + len) == Some(&b'\'') {
                i + 2 + len
            } else {
                i + 1
            }
        }
        None => i + 1,
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    }
}

/// A word starting with `r`, `b` or `c`: a raw or byte string (`r#".."#`, `b".."`, `br".."`,
/// `c".."`), or else an ordinary identifier.
fn raw_or_word_end(b: &[u8], i: usize) -> usize {
    let mut j = i;
    if matches!(b[j], b'b' | b'c') {
        j += 1;
    }
    let raw = b.get(j) == Some(&b'r');
    if raw {
        j += 1;
    }
    let hashes = b[j.min(b.len())..]
        .iter()
        .take_while(|&&c| c == b'#')
        .count();
    if b.get(j + hashes) != Some(&b'"') || (!raw && hashes > 0) {
        return word_end(b, i);
    }
    if !raw {
        return string_end(b, j + 1);
    }
    let mut k = j + hashes + 1;
    while k < b.len() {
        if b[k] == b'"'
            && b[k + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == b'#')
                .count()
                == hashes
        {
            return k + 1 + hashes;
        }
        k += 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_weigh_six_units_each() {
        assert_eq!(depth("fn f() { g((1)) }"), 3 * BRACKET);
        assert_eq!(
            depth(&format!("{}{}", "(".repeat(100), ")".repeat(100))),
            100 * BRACKET
        );
    }

    #[test]
    fn prefix_runs_add_up_along_the_bracket_path() {
        assert_eq!(depth("pub type T = &&&u8;"), 3);
        assert_eq!(depth("type T = Vec<Vec<Vec<u8>>>;"), 3 * ANGLE);
        assert_eq!(depth("type F = fn() -> fn() -> u8;"), BRACKET + 1);
        assert_eq!(depth("let f = || || || 1;"), 6);
        assert_eq!(depth("(&(&(&1)))"), 3 * BRACKET + 3);
    }

    #[test]
    fn separators_end_a_run() {
        // Each statement and each argument starts again from zero.
        assert_eq!(depth("let a = &&x; let b = &&y;"), 2);
        assert_eq!(depth("f(&a, &b, &c)"), BRACKET + 1);
        assert_eq!(depth("match x { A => &&a, B => &&b }"), BRACKET + 2);
        // Comparisons close nothing but do not accumulate across statements.
        let many = "if a < b { x; }\n".repeat(1000);
        assert_eq!(depth(&many), ANGLE + BRACKET);
    }

    #[test]
    fn comments_strings_and_chars_hold_no_syntax() {
        let doc = "/// | a | b |\n/// |---|---|\n//! <<<<<<\n/* <<< /* &&& */ *** */ fn f() {}";
        assert_eq!(depth(doc), BRACKET);
        assert_eq!(depth(r#"const S: &str = "<<<<(((&&&";"#), 1);
        assert_eq!(depth(r###"const S: &str = r##"<<"# (((&&&"##;"###), 1);
        assert_eq!(depth(r#"const B: &[u8] = br"(((<<<";"#), 1 + BRACKET);
        assert_eq!(depth("const C: [char; 3] = ['(', '<', '\\''];"), BRACKET);
        // A lifetime is not a character literal: the code after it still counts.
        assert_eq!(depth("fn f<'a>(x: &'a &'a u8) {}"), BRACKET + 2);
    }

    #[test]
    fn the_issue_inputs_exceed_the_limit() {
        for text in [
            format!("pub type T = {}u8;", "&".repeat(100_000)),
            format!("pub type T = {}u8;", "*const ".repeat(100_000)),
            format!("pub type T = {}u8;", "fn() -> ".repeat(100_000)),
            format!("pub fn f() {{ let _ = {}1; }}", "|| ".repeat(100_000)),
            format!(
                "pub type T = {}u8{};",
                "Vec<".repeat(50_000),
                ">".repeat(50_000)
            ),
            format!("pub fn f() {{ let _ = {}true; }}", "!".repeat(1_000_000)),
            // Commas do not end what they sit inside of.
            format!(
                "type M = {}u8{};",
                "HashMap<u8, ".repeat(20_000),
                ">".repeat(20_000)
            ),
            format!("fn f() {{ let _ = {}1; }}", "|a, b| ".repeat(20_000)),
            format!(
                "type I = {}u8{};",
                "Iterator<Item = ".repeat(20_000),
                ">".repeat(20_000)
            ),
            format!(
                "type C = {}u8{};",
                "A<{1}, ".repeat(20_000),
                ">".repeat(20_000)
            ),
            format!("fn f() {{ let _ = {}1; }}", "break ".repeat(100_000)),
        ] {
            assert!(depth(&text) > LIMIT, "{}", &text[..40]);
        }
    }

    #[test]
    fn unbalanced_and_truncated_input_is_measured_without_panicking() {
        for text in [
            "}}}))",
            "\"unterminated",
            "r#\"open",
            "/* open",
            "'",
            "b'",
            "x = '\\",
        ] {
            let _ = depth(text);
        }
    }

    #[test]
    fn line_comments_skip_strings_chars_and_block_comments() {
        let text = "let a = \"// not\"; // one\n/* // nor */ let c = '/'; /// two\n\
                    let r = r#\"// raw \"# ; let l: &'a str = x; //! three\n";
        let found: Vec<&str> = line_comments(text)
            .into_iter()
            .map(|o| text[o..].lines().next().unwrap())
            .collect();
        assert_eq!(found, ["// one", "/// two", "//! three"]);
    }
}
