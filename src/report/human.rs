//! Human output: one miette diagnostic per finding and per input problem, then a summary.

use std::collections::BTreeSet;
use std::io::Write;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, Report, Severity,
};

use crate::analysis::Checked;
use crate::config::{ConfigErrors, Level};
use crate::diag::{Diag, Location};
use crate::modules::{Program, Span};
use crate::rules::{Finding, Rule};

pub struct Style {
    pub color: bool,
}

fn handler(style: &Style) -> GraphicalReportHandler {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(110)
        .with_links(false)
}

/// The source shown under a diagnostic: the file's text is shared, not copied.
type Source = Option<Window>;

/// The part of a file a diagnostic shows. miette finds a label's line by scanning its source
/// from the start; given a window of a few lines around the label, that scan stays short
/// however long the file and however many findings it has. Line numbers are the file's.
struct Window {
    name: String,
    text: std::sync::Arc<str>,
    /// Byte range of the window in `text`.
    start: usize,
    end: usize,
    /// 0-based line of `start`.
    first_line: usize,
    /// The longest line of the window, in bytes.
    longest: usize,
    /// Where the label is, as a reader would look for it (`12:7`), for when the lines are
    /// too long to show.
    at: String,
    /// The window's text with terminal control characters replaced (same byte length, so
    /// offsets still hold), when it has any.
    clean: Option<String>,
}

/// Characters that would drive the terminal or reorder the text when printed raw: C0 and C1
/// controls but tab and newline, DEL, and the bidirectional overrides and isolates.
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t' && c != '\r')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// `text` with each unsafe character replaced by one of the same UTF-8 length (`?`, `¿`,
/// `\u{FFFD}`), so byte offsets into it stay valid; `None` when there is none.
fn same_length_clean(text: &str) -> Option<String> {
    if !text.chars().any(is_unsafe) {
        return None;
    }
    Some(
        text.chars()
            .map(|c| match (is_unsafe(c), c.len_utf8()) {
                (false, _) => c,
                (true, 1) => '?',
                (true, 2) => '¿',
                (true, 3) => '\u{FFFD}',
                (true, _) => '\u{1F5F4}',
            })
            .collect(),
    )
}

/// A message, name or label safe to print: unsafe characters escaped (`\u{1b}`).
pub fn escape_unsafe(text: &str) -> String {
    if !text.chars().any(is_unsafe) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if is_unsafe(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Source lines longer than this are not drawn: miette cannot draw past column 65,535, and
/// a generated one-line file would be printed whole once per finding. The location is named
/// instead.
const MAX_SHOWN_LINE: usize = 1_000;

/// Byte offsets of line starts.
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// The longest line, in bytes, among lines `first..=last` (0-based) of a text whose line
/// starts are `starts`.
fn longest_line(starts: &[usize], len: usize, first: usize, last: usize) -> usize {
    (first..=last.min(starts.len().saturating_sub(1)))
        .map(|l| starts.get(l + 1).copied().unwrap_or(len) - starts[l])
        .max()
        .unwrap_or(0)
}

impl Window {
    /// Lines around byte offset `at` of a config text (`starts` its line starts).
    fn config(name: String, text: std::sync::Arc<str>, starts: &[usize], at: usize) -> Window {
        const MARGIN: usize = 4;
        let line = starts.partition_point(|s| *s <= at).saturating_sub(1);
        let first = line.saturating_sub(MARGIN);
        let last = (line + MARGIN).min(starts.len() - 1);
        let end = starts.get(last + 1).copied().unwrap_or(text.len());
        let longest = longest_line(starts, text.len(), first, last);
        let at = format!("{}, byte {}", line + 1, at - starts[line] + 1);
        Window::new(name, text, (starts[first], end), first, longest, at)
    }

    /// A window of `text` over the byte range `range`; `clean` is computed only for a
    /// window that will be drawn.
    fn new(
        name: String,
        text: std::sync::Arc<str>,
        (start, end): (usize, usize),
        first_line: usize,
        longest: usize,
        at: String,
    ) -> Window {
        let clean = (longest <= MAX_SHOWN_LINE)
            .then(|| same_length_clean(&text[start..end]))
            .flatten();
        Window {
            name,
            text,
            start,
            end,
            first_line,
            longest,
            at,
            clean,
        }
    }

    /// Lines `span.start.line - MARGIN ..= span.end.line + MARGIN` of a loaded file.
    fn around(f: &crate::modules::SourceFile, span: Span) -> Option<Window> {
        const MARGIN: u32 = 4;
        let text = f.text.clone()?;
        let first = span.start.line.saturating_sub(MARGIN).max(1);
        let last = span.end.line.max(span.start.line) + MARGIN;
        let pos = |line: u32| crate::modules::Pos { line, col: 0 };
        let longest = (first..=last)
            .map(|l| f.offset(pos(l + 1)) - f.offset(pos(l)))
            .max()
            .unwrap_or(0);
        let range = (f.offset(pos(first)), f.offset(pos(last + 1)));
        let at = format!("{}:{}", span.start.line, span.start.col + 1);
        Some(Window::new(
            f.rel.clone(),
            text,
            range,
            first as usize - 1,
            longest,
            at,
        ))
    }
}

impl miette::SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let window: &'a str = match &self.clean {
            Some(c) => c,
            None => &self.text[self.start..self.end],
        };
        let local = miette::SourceSpan::new(
            span.offset()
                .saturating_sub(self.start)
                .min(window.len())
                .into(),
            span.len(),
        );
        let c = window.read_span(&local, before, after)?;
        // miette counts the column in bytes; rustc, our JSON and SARIF count characters.
        let at = local.offset();
        let column = window
            .get(at.saturating_sub(c.column())..at)
            .map_or(c.column(), |s| s.chars().count());
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            c.data(),
            miette::SourceSpan::new((c.span().offset() + self.start).into(), c.span().len()),
            c.line() + self.first_line,
            column,
            c.line_count(),
        )))
    }
}

fn render(style: &Style, mut diag: MietteDiagnostic, source: Source) -> String {
    diag.message = escape_unsafe(&diag.message);
    diag.help = diag.help.as_deref().map(escape_unsafe);
    let source = source.map(|mut w| {
        w.name = escape_unsafe(&w.name);
        w
    });
    let report = match source {
        Some(w) if w.longest > MAX_SHOWN_LINE => {
            diag.labels = None;
            diag.message = format!(
                "{} (at {}:{}; the source line is {} bytes long, too long to show)",
                diag.message, w.name, w.at, w.longest
            );
            Report::new(diag)
        }
        Some(window) => Report::new(diag).with_source_code(window),
        None => Report::new(diag),
    };
    let mut s = String::new();
    let _ = handler(style).render_report(&mut s, report.as_ref());
    s
}

fn label_at(f: &crate::modules::SourceFile, span: Span, label: Option<String>) -> LabeledSpan {
    let text: &str = f.text.as_deref().unwrap_or("");
    let start = f.offset(span.start);
    let end = f.offset(span.end).max(start);
    // Keep labels on one line: miette draws multi-line spans as a margin bar.
    let line_end = text[start..]
        .find('\n')
        .map(|i| start + i)
        .unwrap_or(text.len());
    let end = end.min(line_end).max(start);
    LabeledSpan::new(
        label,
        start,
        (end - start).max(1).min(text.len().saturating_sub(start)),
    )
}

pub fn render_diag(p: &Program, d: &Diag, style: &Style) -> String {
    let mut md = MietteDiagnostic::new(d.message.clone())
        .with_code(d.code)
        .with_severity(match d.severity {
            crate::diag::Severity::Warning => Severity::Warning,
            crate::diag::Severity::Error => Severity::Error,
        });
    if let Some(h) = &d.help {
        md = md.with_help(h.clone());
    }
    let mut source = None;
    match &d.location {
        Location::Source(f, span) => {
            let f = &p.files[*f as usize];
            if let Some(w) = Window::around(f, *span) {
                if w.longest <= MAX_SHOWN_LINE {
                    md = md.with_label(label_at(f, *span, None));
                }
                source = Some(w);
            }
        }
        Location::File(_) | Location::None => {}
    }
    render(style, md, source)
}

pub fn render_finding(c: &Checked, f: &Finding, style: &Style) -> String {
    let p = &c.analysis.program;
    let severity = if f.level == Level::Deny {
        Severity::Error
    } else {
        Severity::Warning
    };
    let help = match c.rules_input().finding_cfg(f) {
        Some(cfg) => format!(
            "{}\nnote: only builds with `cfg({cfg})` compile this code",
            f.help
        ),
        None => f.help.clone(),
    };
    let mut md = MietteDiagnostic::new(f.message.clone())
        .with_code(f.rule.code())
        .with_severity(severity)
        .with_help(help);
    if let Some(range) = &f.config_span {
        // A finding on the configuration (unused-dependency): shown like config errors.
        let src = &c.config.source;
        let start = range.start.min(src.text.len());
        let len = range.end.saturating_sub(start).max(1);
        md = md.with_label(LabeledSpan::new(Some(f.label.clone()), start, len));
        let starts = line_starts(&src.text);
        let window = Window::config(src.name.clone(), src.text.clone(), &starts, start);
        return render(style, md, Some(window));
    }
    let file = &p.files[f.file as usize];
    let source = Window::around(file, f.span);
    // A label on an overlong line is not drawn (see `render`): do not compute it.
    if source.as_ref().is_some_and(|w| w.longest <= MAX_SHOWN_LINE) {
        md = md.with_label(label_at(file, f.span, Some(f.label.clone())));
    }
    render(style, md, source)
}

pub fn render_config_errors(errs: &ConfigErrors, style: &Style) -> String {
    let mut out = String::new();
    let starts = errs
        .source
        .as_ref()
        .map(|s| line_starts(&s.text))
        .unwrap_or_default();
    for e in &errs.errors {
        let mut md = MietteDiagnostic::new(e.message.clone())
            .with_code(e.code)
            .with_severity(if e.warning {
                Severity::Warning
            } else {
                Severity::Error
            });
        if let Some(h) = &e.help {
            md = md.with_help(h.clone());
        }
        let mut source = None;
        if let (Some(span), Some(src)) = (&e.span, &errs.source) {
            let len = (span.end - span.start)
                .max(1)
                .min(src.text.len().saturating_sub(span.start).max(1));
            md = md.with_label(LabeledSpan::new(
                e.label.clone(),
                span.start.min(src.text.len()),
                len,
            ));
            let at = span.start.min(src.text.len());
            source = Some(Window::config(
                src.name.clone(),
                src.text.clone(),
                &starts,
                at,
            ));
        } else if let Some(src) = &errs.source {
            md.message = format!("{} ({})", md.message, src.name);
        }
        out.push_str(&render(style, md, source));
    }
    out
}

/// Counts for the closing line.
pub struct Summary {
    pub forbidden: usize,
    pub bypass: usize,
    pub layer: usize,
    pub facades: usize,
    pub deprecated: usize,
    pub unused: usize,
    pub cycles: usize,
    pub pairs: usize,
    pub unassigned: usize,
    pub errors: usize,
    pub warnings: usize,
    pub baselined: usize,
    pub suppressed: usize,
    pub stale: usize,
}

pub fn summary(c: &Checked) -> Summary {
    let count = |r: Rule| c.findings.iter().filter(|f| f.rule == r).count();
    let pairs: BTreeSet<_> = c
        .findings
        .iter()
        .filter(|f| {
            matches!(
                f.rule,
                Rule::ForbiddenDependency | Rule::InterfaceBypass | Rule::LayerViolation
            )
        })
        .map(|f| (f.from_domain, f.to_domain))
        .collect();
    let input_warnings = c.analysis.program.diagnostics.len() + c.config_warnings.len();
    Summary {
        forbidden: count(Rule::ForbiddenDependency),
        bypass: count(Rule::InterfaceBypass),
        layer: count(Rule::LayerViolation),
        facades: count(Rule::FacadeReexport),
        deprecated: count(Rule::DeprecatedDependency),
        unused: count(Rule::UnusedDependency),
        cycles: count(Rule::DomainCycle),
        pairs: pairs.len(),
        unassigned: c
            .findings
            .iter()
            .filter(|f| f.rule == Rule::UnassignedModule)
            .map(|f| f.modules.len())
            .sum(),
        errors: c.findings.iter().filter(|f| f.level == Level::Deny).count()
            + if c.stale_is_error { c.stale.len() } else { 0 },
        warnings: c.findings.iter().filter(|f| f.level == Level::Warn).count()
            + input_warnings
            + if c.stale_is_error { 0 } else { c.stale.len() },
        baselined: c.baselined,
        suppressed: c.suppressed,
        stale: c.stale.len(),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `", 2 layer violations"`, or nothing when there are none.
fn more(n: usize, one: &str, many: &str) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(", {}", plural(n, one, many))
    }
}

pub fn summary_line(s: &Summary) -> String {
    let violations = s.forbidden + s.bypass + s.layer;
    let mut known = Vec::new();
    if s.baselined > 0 {
        known.push(format!("{} baselined", s.baselined));
    }
    if s.suppressed > 0 {
        known.push(format!("{} suppressed", s.suppressed));
    }
    if s.stale > 0 {
        known.push(plural(
            s.stale,
            "stale baseline entry",
            "stale baseline entries",
        ));
    }
    let known = if known.is_empty() {
        String::new()
    } else {
        format!(" ({})", known.join(", "))
    };
    let layers = more(s.layer, "layer violation", "layer violations");
    let facades = more(s.facades, "facade re-export", "facade re-exports")
        + &more(
            s.deprecated,
            "deprecated dependency",
            "deprecated dependencies",
        )
        + &more(s.unused, "unused dependency", "unused dependencies");
    format!(
        "{} in {} ({} forbidden, {} interface {}{layers}){facades}, {}, {} unassigned; {}, {}",
        plural(violations, "violation", "violations"),
        plural(s.pairs, "domain pair", "domain pairs"),
        s.forbidden,
        s.bypass,
        if s.bypass == 1 { "bypass" } else { "bypasses" },
        plural(s.cycles, "domain cycle", "domain cycles"),
        plural(s.unassigned, "module", "modules"),
        plural(s.errors, "error", "errors"),
        plural(s.warnings, "warning", "warnings"),
    ) + &known
}

pub fn write(c: &Checked, style: &Style, out: &mut dyn Write) -> std::io::Result<()> {
    let p = &c.analysis.program;
    if !c.config_warnings.is_empty() {
        let errs = ConfigErrors {
            source: Some(c.config.source.clone()),
            errors: c.config_warnings.clone(),
        };
        write!(out, "{}", render_config_errors(&errs, style))?;
    }
    for d in &p.diagnostics {
        write!(out, "{}", render_diag(p, d, style))?;
    }
    for f in &c.findings {
        write!(out, "{}", render_finding(c, f, style))?;
    }
    if let Some(b) = c.baseline.as_ref().filter(|_| !c.stale.is_empty()) {
        let errors = c
            .stale
            .iter()
            .map(|st| st.error(c.stale_is_error))
            .collect();
        let errs = ConfigErrors {
            source: b.source.clone(),
            errors,
        };
        write!(out, "{}", render_config_errors(&errs, style))?;
    }
    let s = summary(c);
    let t = &c.analysis.timings;
    let elapsed = t.metadata + t.parse + t.resolve + t.rules;
    writeln!(
        out,
        "{}\nchecked {} in {} ({} modules, {} files, {} lines) in {:.2}s",
        summary_line(&s),
        plural(c.config.domains.len(), "domain", "domains"),
        plural(p.crates.len(), "crate", "crates"),
        p.modules.len(),
        p.files.len(),
        p.lines(),
        elapsed.as_secs_f64()
    )
}
