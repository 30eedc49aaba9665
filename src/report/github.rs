//! `--format github`: GitHub Actions workflow commands, shown as annotations on the pull
//! request (`::error file=src/x.rs,line=3,col=5,...::message`). Configuration errors and input
//! diagnostics are annotations too; paths as [`Paths`] names them.

use std::io::Write;

use super::issue::{Issue, Level, Paths};

/// Escapes a message (`%`, CR, LF) for a workflow command.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (also `:` and `,`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One workflow command per issue; `summary` (the human summary line) last when given.
pub fn write(
    issues: &[Issue],
    paths: &Paths,
    summary: Option<&str>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    for i in issues {
        let kind = if i.level == Level::Error {
            "error"
        } else {
            "warning"
        };
        let loc = match &i.at {
            Some(at) => {
                // GitHub draws a column range only within one line.
                let end_col = if at.end.line == at.start.line {
                    at.end.col
                } else {
                    at.start.col + 1
                };
                format!(
                    " file={},line={},col={},endLine={},endColumn={},",
                    escape_property(&paths.name(at)),
                    at.start.line,
                    at.start.col,
                    at.start.line,
                    end_col
                )
            }
            None => " ".to_string(),
        };
        let text = match &i.help {
            Some(h) => format!("{}\n{h}", i.message),
            None => i.message.clone(),
        };
        writeln!(
            out,
            "::{kind}{loc}title={}::{}",
            escape_property(i.code),
            escape_data(&text)
        )?;
    }
    if let Some(s) = summary {
        writeln!(out, "{s}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_workflow_command_syntax() {
        assert_eq!(escape_data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
