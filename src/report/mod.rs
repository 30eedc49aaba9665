//! Output: human diagnostics (miette), JSON, the CI formats (SARIF, GitHub, JUnit, GitLab,
//! drawn from [`issue`]), cargo's JSON messages, and the edge list. Reporters only format what the
//! analysis found; they never analyse.

pub mod cargo_json;
pub mod dot;
pub mod edges;
pub mod explain;
pub mod github;
pub mod gitlab;
pub mod graph_json;
pub mod html;
pub mod human;
pub mod issue;
pub mod json;
pub mod junit;
pub mod mermaid;
pub mod sarif;
pub mod usages;

use crate::modules::Pos;

/// Byte offset of a line/column position (column counted in characters) in a text.
pub fn offset(text: &str, pos: Pos) -> usize {
    let mut line = 1u32;
    let mut start = 0usize;
    if pos.line > 1 {
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line += 1;
                if line == pos.line {
                    start = i + 1;
                    break;
                }
            }
        }
        if line < pos.line {
            return text.len();
        }
    }
    let rest = &text[start..];
    let col: usize = rest
        .char_indices()
        .take_while(|(_, c)| *c != '\n')
        .nth(pos.col as usize)
        .map(|(i, _)| i)
        .unwrap_or_else(|| rest.find('\n').unwrap_or(rest.len()));
    start + col
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_characters_not_bytes() {
        let text = "fn a() {}\nlet café = b::c;\n";
        assert_eq!(offset(text, Pos { line: 1, col: 3 }), 3);
        let o = offset(text, Pos { line: 2, col: 11 });
        assert_eq!(&text[o..o + 4], "b::c");
        assert_eq!(offset(text, Pos { line: 9, col: 0 }), text.len());
    }
}
