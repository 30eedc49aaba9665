//! `--format github`: GitHub Actions workflow commands, shown as annotations on the pull
//! request (`::error file=src/x.rs,line=3,col=5,...::message`).

use std::io::Write;

use crate::analysis::Checked;
use crate::config::Level;

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

pub fn write(c: &Checked, out: &mut dyn Write) -> std::io::Result<()> {
    let p = &c.analysis.program;
    for d in &p.diagnostics {
        let loc = match &d.location {
            crate::diag::Location::Source(f, s) => format!(
                " file={},line={},col={},",
                escape_property(p.file_rel(*f)),
                s.start.line,
                s.start.col + 1
            ),
            crate::diag::Location::File(f) => format!(" file={},", escape_property(p.file_rel(*f))),
            crate::diag::Location::None => " ".to_string(),
        };
        writeln!(
            out,
            "::warning{loc}title={}::{}",
            escape_property(d.code),
            escape_data(&d.message)
        )?;
    }
    for f in &c.findings {
        let kind = if f.level == Level::Deny {
            "error"
        } else {
            "warning"
        };
        let end = if f.span.end.line == f.span.start.line {
            f.span.end.col + 1
        } else {
            f.span.start.col + 2
        };
        writeln!(
            out,
            "::{kind} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(f.file_name(p, &c.config)),
            f.span.start.line,
            f.span.start.col + 1,
            f.span.start.line,
            end,
            escape_property(f.rule.code()),
            escape_data(&format!("{}\n{}", f.message, f.help))
        )?;
    }
    let s = super::human::summary(c);
    writeln!(out, "{}", super::human::summary_line(&s))
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
