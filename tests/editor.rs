//! `check --message-format json`: cargo's JSON messages, read back with the parser tools such
//! as rust-analyzer use (`cargo_metadata::Message::parse_stream`), on fixtures/shop.

mod common;

use cargo_metadata::Message;
use cargo_metadata::diagnostic::DiagnosticLevel;

use common::{expected_findings, fixture, run_in};

fn messages(dir: &std::path::Path, extra: &[&str]) -> (i32, Vec<Message>) {
    let mut args = vec!["check", "--message-format", "json"];
    args.extend_from_slice(extra);
    let r = run_in(dir, &args);
    let msgs: Vec<Message> = Message::parse_stream(r.stdout.as_bytes())
        .collect::<Result<_, _>>()
        .expect("parse the stream");
    assert!(
        !msgs.iter().any(|m| matches!(m, Message::TextLine(_))),
        "every line is a message:\n{}",
        r.stdout
    );
    (r.code, msgs)
}

#[test]
fn shop_findings_are_compiler_messages_at_their_lines_and_columns() {
    let dir = fixture("shop");
    let (code, msgs) = messages(&dir, &[]);
    assert_eq!(code, 1);
    let metadata = cargo_metadata::MetadataCommand::new()
        .manifest_path(dir.join("Cargo.toml"))
        .no_deps()
        .other_options(vec!["--offline".to_string()])
        .exec()
        .unwrap();
    let shop = &metadata.packages[0];
    let mut got = Vec::new();
    for m in &msgs[..msgs.len() - 1] {
        let Message::CompilerMessage(cm) = m else {
            panic!("not a compiler message: {m:?}");
        };
        assert_eq!(cm.package_id, shop.id);
        assert!(shop.targets.iter().any(|t| t.name == cm.target.name
            && t.src_path == cm.target.src_path
            && t.kind == cm.target.kind));
        let d = &cm.message;
        let code = d.code.as_ref().expect("a code").code.clone();
        let span = &d.spans[0];
        assert!(span.is_primary);
        let file = std::path::Path::new(&span.file_name);
        assert!(file.is_absolute() && file.is_file(), "{}", span.file_name);
        // The highlighted text is the text at those columns of that line of the file.
        let text = std::fs::read_to_string(file).unwrap();
        let line = text.lines().nth(span.line_start - 1).unwrap();
        assert_eq!(span.text[0].text, line);
        let from_bytes = &text[span.byte_start as usize..span.byte_end as usize];
        let from_cols: String = line
            .chars()
            .skip(span.column_start - 1)
            .take(span.column_end - span.column_start)
            .collect();
        if span.line_start == span.line_end {
            assert_eq!(from_bytes, from_cols, "{code} at {}", span.file_name);
        }
        assert!(d.rendered.as_deref().unwrap().starts_with(&format!(
            "{}[{code}]: {}",
            if d.level == DiagnosticLevel::Error {
                "error"
            } else {
                "warning"
            },
            d.message
        )));
        assert_eq!(d.children[0].level, DiagnosticLevel::Help);
        let rel = file
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        got.push((
            code,
            format!("{rel}:{}:{}", span.line_start, span.column_start),
        ));
    }
    // The same findings, at the same places, as EXPECTED.md lists.
    let mut want: Vec<(String, String)> = expected_findings(&dir.join("EXPECTED.md"))
        .into_iter()
        .map(|(rule, loc, _, _)| (rule, loc))
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    assert!(got.len() > 10);
    assert!(matches!(
        msgs.last(),
        Some(Message::BuildFinished(b)) if !b.success
    ));
}

#[test]
fn the_forbidden_use_points_at_its_path() {
    let (_, msgs) = messages(&fixture("shop"), &[]);
    let m = msgs
        .iter()
        .find_map(|m| match m {
            Message::CompilerMessage(cm)
                if cm.message.spans[0]
                    .file_name
                    .ends_with("src/api/notifications.rs") =>
            {
                Some(cm)
            }
            _ => None,
        })
        .expect("the finding in api/notifications.rs");
    let d = &m.message;
    assert_eq!(d.level, DiagnosticLevel::Error);
    assert_eq!(d.code.as_ref().unwrap().code, "forbidden-dependency");
    let s = &d.spans[0];
    assert_eq!(
        (s.line_start, s.column_start, s.line_end, s.column_end),
        (4, 5, 4, 40)
    );
    assert_eq!(s.text[0].text, "use crate::inventory::stock::StockLevel;");
    assert_eq!(
        (s.text[0].highlight_start, s.text[0].highlight_end),
        (5, 40)
    );
    assert!(s.label.as_deref().unwrap().contains("inventory"));
}

#[test]
fn a_configuration_error_is_a_message_on_domains_toml_and_a_failed_build() {
    let dir = common::temp_crate(
        "tiny",
        &[
            ("src/lib.rs", "pub mod a;\n"),
            ("src/a.rs", "pub fn f() {}\n"),
            (
                "domains.toml",
                "[domains.a]\nmodules = [\"crate::a\"]\ndepends_on = [\"b\"]\n",
            ),
        ],
    );
    let (code, msgs) = messages(dir.path(), &[]);
    assert_eq!(code, 2);
    let Message::CompilerMessage(cm) = &msgs[0] else {
        panic!("{msgs:?}")
    };
    assert_eq!(
        cm.message.code.as_ref().unwrap().code,
        "config-unknown-domain"
    );
    assert!(cm.message.spans[0].file_name.ends_with("domains.toml"));
    assert_eq!(cm.message.spans[0].line_start, 3);
    assert!(matches!(msgs.last(), Some(Message::BuildFinished(b)) if !b.success));
}

#[test]
fn a_clean_check_is_a_successful_build() {
    let dir = common::temp_crate(
        "tidy",
        &[
            ("src/lib.rs", "pub mod a;\npub mod b;\n"),
            ("src/a.rs", "pub fn f() {}\n"),
            ("src/b.rs", "pub fn g() { crate::a::f() }\n"),
            (
                "domains.toml",
                "[domains.a]\nmodules = [\"crate::a\"]\n[domains.b]\nmodules = [\"crate::b\"]\ndepends_on = [\"a\"]\n[domains.root]\nmodules_exact = [\"crate\"]\ndepends_on = [\"*\"]\n",
            ),
        ],
    );
    let (code, msgs) = messages(dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(matches!(&msgs[0], Message::BuildFinished(b) if b.success));
}

#[test]
fn message_format_and_format_do_not_mix() {
    let r = run_in(
        &fixture("shop"),
        &["check", "--message-format", "json", "--format", "sarif"],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cannot be used with"), "{}", r.stderr);
}
