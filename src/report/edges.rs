//! `cargo domains edges`: every resolved reference, one per line, tab-separated:
//! `from_module  to_module  to_item  kind  file:line` (or JSON). Self references and
//! qualifiers are included; test code only with `--include-tests`.

use std::io::Write;

use serde::Serialize;

use crate::analysis::Analysis;

#[derive(Serialize)]
struct EdgeJson<'a> {
    from_module: &'a str,
    to_module: &'a str,
    to_item: &'a str,
    kind: &'static str,
    context: crate::modules::Ctx,
    path_as_written: &'a str,
    file: &'a str,
    line: u32,
    column: u32,
    /// The cfg predicate of the site, when not every build compiles it.
    #[serde(skip_serializing_if = "Option::is_none")]
    cfg: Option<String>,
}

fn sorted(a: &Analysis) -> Vec<usize> {
    let p = &a.program;
    let refs = &a.resolution.refs;
    let mut idx: Vec<usize> = (0..refs.len())
        .filter(|i| a.include_tests || !refs[*i].is_test)
        .collect();
    idx.sort_by(|x, y| {
        let (rx, ry) = (&refs[*x], &refs[*y]);
        (
            &p.modules[rx.from as usize].path,
            p.file_rel(rx.file),
            rx.span.start,
            &rx.item,
        )
            .cmp(&(
                &p.modules[ry.from as usize].path,
                p.file_rel(ry.file),
                ry.span.start,
                &ry.item,
            ))
    });
    idx
}

pub fn write_tsv(a: &Analysis, out: &mut dyn Write) -> std::io::Result<()> {
    let p = &a.program;
    for i in sorted(a) {
        let r = &a.resolution.refs[i];
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}:{}",
            p.modules[r.from as usize].path,
            p.modules[r.to as usize].path,
            r.item,
            r.kind.as_str(),
            p.file_rel(r.file),
            r.span.start.line
        )?;
    }
    Ok(())
}

pub fn write_json(a: &Analysis, out: &mut dyn Write) -> std::io::Result<()> {
    let p = &a.program;
    let edges: Vec<EdgeJson> = sorted(a)
        .into_iter()
        .map(|i| {
            let r = &a.resolution.refs[i];
            EdgeJson {
                from_module: &p.modules[r.from as usize].path,
                to_module: &p.modules[r.to as usize].path,
                to_item: &r.item,
                kind: r.kind.as_str(),
                context: r.ctx,
                path_as_written: &r.written,
                file: p.file_rel(r.file),
                line: r.span.start.line,
                cfg: (r.cfg != 0).then(|| p.cfgs[r.cfg as usize].to_string()),
                column: r.span.start.col + 1,
            }
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &edges)?;
    writeln!(out)
}

/// Paths that resolved to nothing: `from_module  path  file:line`, sorted.
pub fn write_unresolved(a: &Analysis, out: &mut dyn Write) -> std::io::Result<()> {
    let p = &a.program;
    let mut rows: Vec<_> = a
        .resolution
        .unresolved
        .iter()
        .map(|u| {
            (
                p.modules[u.from as usize].path.as_str(),
                u.written.as_str(),
                p.file_rel(u.file),
                u.span.start.line,
            )
        })
        .collect();
    rows.sort();
    for (m, w, f, l) in rows {
        writeln!(out, "{m}\t{w}\t{f}:{l}")?;
    }
    Ok(())
}
