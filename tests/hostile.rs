//! Hostile inputs: each gets a clear diagnostic or a clean error, never a panic or a hang.

mod common;
use common::*;

use std::path::Path;

fn crate_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("Cargo.toml"),
        "[package]\nname = \"hostile\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("domains.toml"),
        "[settings]\nunassigned = \"allow\"\n[domains.root]\nmodules = [\"crate\"]\n",
    )
    .unwrap();
    for (path, bytes) in files {
        let p = tmp.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    tmp
}

fn check(dir: &Path) -> (Run, serde_json::Value) {
    let m = dir.join("Cargo.toml");
    let r = run(&[
        "check",
        "--manifest-path",
        m.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(matches!(r.code, 0..=2), "exit {}: {}", r.code, r.stderr);
    let v = serde_json::from_str(&r.stdout).unwrap_or(serde_json::Value::Null);
    (r, v)
}

fn codes(v: &serde_json::Value) -> Vec<String> {
    v["diagnostics"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| d["code"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_5_mb_generated_file_is_analysed() {
    let mut generated = String::with_capacity(5 << 20);
    let mut i = 0;
    while generated.len() < 5 << 20 {
        generated.push_str(&format!("pub const GENERATED_{i}: u64 = {i};\npub fn f{i}() -> u64 {{ GENERATED_{i} + crate::BASE }}\n"));
        i += 1;
    }
    let tmp = crate_with(&[
        (
            "src/lib.rs",
            b"pub const BASE: u64 = 1;\npub mod generated;\n",
        ),
        ("src/generated.rs", generated.as_bytes()),
    ]);
    let (r, v) = check(tmp.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(v["summary"]["lines"].as_u64().unwrap() > 100_000);
    assert!(codes(&v).is_empty(), "{:?}", codes(&v));
}

#[test]
fn deep_nesting_parses_on_a_big_stack_and_absurd_nesting_is_refused() {
    // 400 levels: far beyond real code (the deepest registry file is 133 brackets), within the
    // debug build's limit (3,000 units, a bracket 6).
    let deep = format!(
        "pub fn f() -> u32 {{ {}1{} }}\n",
        "(".repeat(400),
        ")".repeat(400)
    );
    let absurd = format!(
        "pub fn g() -> u32 {{ {}1{} }}\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let tmp = crate_with(&[
        ("src/lib.rs", b"pub mod deep;\npub mod absurd;\n"),
        ("src/deep.rs", deep.as_bytes()),
        ("src/absurd.rs", absurd.as_bytes()),
    ]);
    let (r, v) = check(tmp.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(codes(&v), ["too-deep"]);
}

/// Issue 14 (1): syntax that nests without brackets overflowed the stack (exit 134). Each
/// input is refused as `too-deep` by the guard, the file is skipped, and the rest of the crate
/// is still checked: `b`'s violation is reported.
#[test]
fn deep_syntax_without_brackets_is_refused_not_a_crash() {
    let inputs = [
        format!("pub type T = {}u8;\n", "&".repeat(100_000)),
        format!("pub type T = {}u8;\n", "*const ".repeat(100_000)),
        format!("pub type T = {}u8;\n", "fn() -> ".repeat(100_000)),
        format!("pub fn f() {{ let _ = {}1; }}\n", "|| ".repeat(100_000)),
        format!(
            "pub type T = {}u8{};\n",
            "Vec<".repeat(50_000),
            ">".repeat(50_000)
        ),
        format!("pub fn f() {{ let _ = {}true; }}\n", "!".repeat(1_000_000)),
        format!("pub fn f() {{ let _ = {}1; }}\n", "break ".repeat(100_000)),
        format!(
            "pub type M = {}u8{};\n",
            "HashMap<u8, ".repeat(50_000),
            ">".repeat(50_000)
        ),
    ];
    let mut files: Vec<(String, Vec<u8>)> = vec![(
        "src/lib.rs".into(),
        format!(
            "{}pub mod a;\npub mod b {{\n    pub fn g() {{ crate::a::h(); }}\n}}\n",
            (0..inputs.len())
                .map(|i| format!("pub mod d{i};\n"))
                .collect::<String>()
        )
        .into_bytes(),
    )];
    files.push(("src/a.rs".into(), b"pub fn h() {}\n".to_vec()));
    for (i, text) in inputs.iter().enumerate() {
        files.push((format!("src/d{i}.rs"), text.clone().into_bytes()));
    }
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_slice()))
        .collect();
    let tmp = two_domains(&refs);
    let (r, v) = check(tmp.path());
    assert_eq!(r.code, 1, "{}", r.stderr);
    let c = codes(&v);
    assert_eq!(
        c.iter().filter(|c| *c == "too-deep").count(),
        inputs.len(),
        "{c:?}"
    );
    let found: Vec<(&str, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap(), f["file"].as_str().unwrap()))
        .filter(|(rule, _)| *rule != "unassigned-module")
        .collect();
    assert_eq!(found, [("forbidden-dependency", "src/lib.rs")]);
}

#[test]
fn empty_files_and_a_module_declared_twice_by_cfg() {
    let tmp = crate_with(&[
        (
            "src/lib.rs",
            b"pub mod empty;\n#[cfg(unix)]\n#[path = \"imp_unix.rs\"]\nmod imp;\n#[cfg(not(unix))]\n#[path = \"imp_other.rs\"]\nmod imp;\n",
        ),
        ("src/empty.rs", b""),
        ("src/imp_unix.rs", b"pub fn name() -> &'static str { \"unix\" }\n"),
        ("src/imp_other.rs", b"pub fn name() -> &'static str { \"other\" }\n"),
    ]);
    let m = tmp.path().join("Cargo.toml");
    let r = run(&["modules", "--manifest-path", m.to_str().unwrap()]);
    assert_eq!(r.code, 0);
    let imp: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("crate::imp\t"))
        .collect();
    assert_eq!(
        imp.len(),
        1,
        "one module for both cfg variants: {}",
        r.stdout
    );
    let (r, v) = check(tmp.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(codes(&v).is_empty());
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_in_the_source_tree_is_a_diagnostic() {
    let tmp = crate_with(&[("src/lib.rs", b"pub mod looped;\npub mod dangling;\n")]);
    // looped.rs -> looped.rs (a symlink to itself), dangling.rs -> nowhere.
    std::os::unix::fs::symlink("looped.rs", tmp.path().join("src/looped.rs")).unwrap();
    std::os::unix::fs::symlink("nowhere.rs", tmp.path().join("src/dangling.rs")).unwrap();
    let (r, v) = check(tmp.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let c = codes(&v);
    assert_eq!(c.len(), 2, "{c:?}");
    assert!(
        c.iter()
            .all(|c| c == "missing-module-file" || c == "read-error"),
        "{c:?}"
    );
}

#[test]
fn a_manifest_cargo_cannot_read_exits_2_with_cargos_reason() {
    let tmp = crate_with(&[("src/lib.rs", b"")]);
    std::fs::write(tmp.path().join("Cargo.toml"), "[package\nname = ").unwrap();
    let (r, _) = check(tmp.path());
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cargo metadata"), "{}", r.stderr);
    assert!(r.stderr.contains("Cargo.toml"), "{}", r.stderr);
}

#[test]
fn a_crate_with_only_a_binary_is_addressed_as_crate_or_bin() {
    let tmp = crate_with(&[
        (
            "src/main.rs",
            b"mod cli;\nmod store;\nfn main() { cli::run(); }\n",
        ),
        ("src/cli.rs", b"pub fn run() { crate::store::save(); }\n"),
        ("src/store.rs", b"pub fn save() {}\n"),
    ]);
    std::fs::write(
        tmp.path().join("domains.toml"),
        "[domains.cli]\nmodules = [\"crate::cli\"]\n[domains.store]\nmodules = [\"bin:hostile::store\"]\n[domains.root]\nmodules_exact = [\"crate\"]\ndepends_on = [\"*\"]\n",
    )
    .unwrap();
    let (r, v) = check(tmp.path());
    assert_eq!(r.code, 1, "{}", r.stderr);
    let rows = actual_findings(&r.stdout);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].2, "bin:hostile::cli");
    assert_eq!(rows[0].3, "bin:hostile::store::save");
    assert!(v["summary"]["modules"].as_u64() == Some(3));
}

/// web-sys shape: N sibling modules that each `use super::*;`, all re-exported with
/// `pub use gen_i::*;` from their parent. Glob names are looked up on demand (materialising
/// them is N² bindings: 1.8 GB and 11 s for N = 1,700 before); this checks the answers.
#[test]
fn mutually_glob_importing_siblings_resolve_through_each_other() {
    let n = 300;
    let mut files: Vec<(String, String)> = vec![
        (
            "src/lib.rs".into(),
            "mod features;\npub use features::*;\n".into(),
        ),
        ("src/features/mod.rs".into(), String::new()),
    ];
    for i in 1..=n {
        files[1]
            .1
            .push_str(&format!("mod gen_{i};\npub use gen_{i}::*;\n"));
        let next = i % n + 1;
        files.push((
            format!("src/features/gen_{i}.rs"),
            format!("use super::*;\npub struct T{i};\nimpl T{i} {{ pub fn next(&self) -> T{next} {{ T{next} }} }}\n"),
        ));
    }
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_bytes()))
        .collect();
    let tmp = crate_with(&refs);
    let m = tmp.path().join("Cargo.toml");
    let r = run(&["edges", "--manifest-path", m.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for i in [1, 150, n] {
        let next = i % n + 1;
        let edge = format!(
            "hostile::features::gen_{i}\thostile::features::gen_{next}\thostile::features::gen_{next}::T{next}\tstruct"
        );
        assert!(r.stdout.contains(&edge), "missing {edge}");
    }
    let u = run(&[
        "edges",
        "--unresolved",
        "--manifest-path",
        m.to_str().unwrap(),
    ]);
    assert_eq!(u.stdout, "", "nothing unresolved");
}

/// Layouts found by the corpus sweep: raw identifiers (`mod r#match;` is `match.rs`),
/// `#[cfg_attr(.., path = "..")]`, `#[path]` on an inline module of a non-mod-rs file, and
/// binary names with `-`.
#[test]
fn odd_but_legal_module_layouts_resolve() {
    let tmp = crate_with(&[
        (
            "src/lib.rs",
            b"pub mod r#match;\npub mod sub;\n#[cfg_attr(unix, path = \"imp/unix.rs\")]\n#[cfg_attr(not(unix), path = \"imp/other.rs\")]\nmod imp;\n\
              pub fn f() -> crate::r#match::Arm { crate::sub::imp::traits::g(); imp::h(); crate::r#match::r#Arm }\n",
        ),
        ("src/match.rs", b"pub struct Arm;\n"),
        ("src/sub.rs", b"#[path = \"data\"]\npub mod imp {\n    pub mod traits;\n}\n"),
        ("src/data/traits.rs", b"pub fn g() {}\n"),
        ("src/imp/unix.rs", b"pub fn h() {}\n"),
        ("src/imp/other.rs", b"pub fn h() {}\n"),
        ("src/bin/my-tool.rs", b"fn main() { hostile::f(); }\n"),
    ]);
    let m = tmp.path().join("Cargo.toml");
    let r = run(&["edges", "--manifest-path", m.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.is_empty(), "no diagnostics: {}", r.stderr);
    for edge in [
        "hostile\thostile::match\thostile::match::Arm\tstruct",
        "hostile\thostile::sub::imp::traits\thostile::sub::imp::traits::g\tfn",
        "hostile\thostile::imp\thostile::imp::h\tfn",
        "bin:my-tool\thostile\thostile::f\tfn",
    ] {
        assert!(r.stdout.contains(edge), "missing {edge} in\n{}", r.stdout);
    }
    let u = run(&[
        "edges",
        "--unresolved",
        "--manifest-path",
        m.to_str().unwrap(),
    ]);
    assert_eq!(u.stdout, "");
    std::fs::write(
        tmp.path().join("domains.toml"),
        "[domains.app]\nmodules = [\"crate\", \"bin:my-tool\"]\n",
    )
    .unwrap();
    let (r, _) = check(tmp.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// `cfg_if!`/`cfg_select!` branches hold real items and `mod` declarations: all are read.
#[test]
fn cfg_if_and_cfg_select_branches_are_read() {
    let tmp = crate_with(&[
        (
            "src/lib.rs",
            b"cfg_select! {\n    unix => { mod unix; pub use unix::Fd; }\n    _ => { mod other; pub use other::Fd; }\n}\n\
              cfg_if::cfg_if! {\n    if #[cfg(feature = \"simd\")] { pub struct Lanes(u32); } else { pub struct Lanes(u64); }\n}\n\
              pub fn open() -> (Fd, Lanes) { (Fd, Lanes(0)) }\n",
        ),
        ("src/unix.rs", b"pub struct Fd;\n"),
        ("src/other.rs", b"pub struct Fd;\n"),
    ]);
    let m = tmp.path().join("Cargo.toml");
    let r = run(&["modules", "--manifest-path", m.to_str().unwrap()]);
    assert!(
        r.stdout.contains("crate::unix\t") && r.stdout.contains("crate::other\t"),
        "{}",
        r.stdout
    );
    let u = run(&[
        "edges",
        "--unresolved",
        "--manifest-path",
        m.to_str().unwrap(),
    ]);
    assert_eq!(u.stdout, "", "Fd and Lanes resolve");
}

/// Edition 2015: `use a::b;` and `::a::b` are crate-relative; `self::`/`super::` stay relative.
#[test]
fn edition_2015_use_paths_start_at_the_crate_root() {
    let tmp = crate_with(&[
        ("src/lib.rs", b"pub mod ast;\npub mod attr;\npub mod matcher;\n"),
        ("src/ast.rs", b"pub struct Input;\n"),
        ("src/attr.rs", b"pub struct Field;\npub mod parse {\n    pub fn field() -> super::Field { super::Field }\n}\n"),
        (
            "src/matcher.rs",
            b"use ast;\nuse attr::Field;\nuse self::inner::Visit;\nmod inner {\n    pub struct Visit;\n}\n\
              pub fn m(_: &ast::Input, _: Visit) -> Field {\n    ::attr::parse::field()\n}\n",
        ),
    ]);
    let manifest = tmp.path().join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace("edition = \"2021\"", "edition = \"2015\"");
    std::fs::write(&manifest, text).unwrap();
    let m = manifest.to_str().unwrap();
    let u = run(&["edges", "--unresolved", "--manifest-path", m]);
    assert_eq!(u.stdout, "", "everything resolves");
    let r = run(&["edges", "--manifest-path", m]);
    for edge in [
        "hostile::matcher\thostile::ast\thostile::ast::Input\tstruct",
        "hostile::matcher\thostile::attr\thostile::attr::Field\tstruct",
        "hostile::matcher\thostile::attr::parse\thostile::attr::parse::field\tfn",
        "hostile::matcher\thostile::matcher::inner\thostile::matcher::inner::Visit\tstruct",
    ] {
        assert!(r.stdout.contains(edge), "missing {edge} in\n{}", r.stdout);
    }
}

/// `include!("with_std.rs");` at item position: the file's items belong to the including
/// module (`bigdecimal` keeps its `mod stdlib` there). A missing file is a diagnostic.
#[test]
fn include_of_a_literal_file_is_read_into_the_including_module() {
    let tmp = crate_with(&[
        (
            "src/lib.rs",
            b"include!(\"with_std.rs\");\npub mod num;\ninclude!(\"gone.rs\");\n",
        ),
        (
            "src/with_std.rs",
            b"mod stdlib {\n    pub use std::borrow::Cow;\n}\npub struct Decimal;\n",
        ),
        (
            "src/num.rs",
            b"pub fn zero() -> crate::Decimal {\n    crate::Decimal\n}\n",
        ),
    ]);
    let m = tmp.path().join("Cargo.toml");
    let r = run(&["edges", "--manifest-path", m.to_str().unwrap()]);
    assert!(
        r.stdout
            .contains("hostile::num\thostile\thostile::Decimal\tstruct"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.contains("`include!(\"gone.rs\")`: no such file"),
        "{}",
        r.stderr
    );
    let u = run(&[
        "edges",
        "--unresolved",
        "--manifest-path",
        m.to_str().unwrap(),
    ]);
    assert_eq!(u.stdout, "");
    let mods = run(&["modules", "--manifest-path", m.to_str().unwrap()]);
    assert!(mods.stdout.contains("crate::stdlib\t"), "{}", mods.stdout);
}

#[test]
fn a_file_over_64_mib_is_skipped_with_a_diagnostic() {
    let tmp = crate_with(&[("src/lib.rs", b"pub mod huge;\npub fn ok() {}\n")]);
    // A sparse file: 65 MiB of zero bytes without writing them.
    let f = std::fs::File::create(tmp.path().join("src/huge.rs")).unwrap();
    f.set_len(65 << 20).unwrap();
    let (r, v) = check(tmp.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(codes(&v), ["too-large"]);
}

/// A panic while analysing one file (injected: debug builds honour
/// `CARGO_DOMAINS_TEST_PANIC_ON`) is an `internal-error` diagnostic; the rest is checked.
#[test]
fn a_panic_on_one_file_does_not_stop_the_run() {
    let tmp = crate_with(&[
        ("src/lib.rs", b"pub mod cursed;\npub mod fine;\n"),
        ("src/cursed.rs", b"pub fn f() {}\n"),
        ("src/fine.rs", b"pub fn g() -> u32 {\n    crate::BASE\n}\n"),
    ]);
    std::fs::write(
        tmp.path().join("src/lib.rs"),
        "pub mod cursed;\npub mod fine;\npub const BASE: u32 = 1;\n",
    )
    .unwrap();
    let m = tmp.path().join("Cargo.toml");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-domains"))
        .args([
            "check",
            "--format",
            "json",
            "--manifest-path",
            m.to_str().unwrap(),
        ])
        .env("CARGO_DOMAINS_TEST_PANIC_ON", "cursed.rs")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(codes(&v), ["internal-error"]);
    assert!(
        v["summary"]["references"].as_u64().unwrap() >= 1,
        "fine.rs is still analysed"
    );
}

// ---- issue 14: hostile I/O ----------------------------------------------------------------

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs the binary with a deadline: a hang is a test failure, not a stuck test run.
/// `f` configures the command (arguments, environment, stdio).
fn run_bounded(secs: u64, f: impl FnOnce(&mut Command)) -> (Run, Duration) {
    run_bounded_closing(secs, false, false, f)
}

/// [`run_bounded`], closing the read end of stdout and/or stderr right after the start: every
/// write to it then fails with a broken pipe, as `| true` or a reader that went away.
fn run_bounded_closing(
    secs: u64,
    close_stdout: bool,
    close_stderr: bool,
    f: impl FnOnce(&mut Command),
) -> (Run, Duration) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-domains"));
    cmd.env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    f(&mut cmd);
    let start = Instant::now();
    let mut child = cmd.spawn().expect("run cargo-domains");
    if close_stdout {
        drop(child.stdout.take());
    }
    if close_stderr {
        drop(child.stderr.take());
    }
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("cargo-domains did not finish in {secs} s");
        }
    };
    (
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        },
        start.elapsed(),
    )
}

fn check_bounded(dir: &Path, extra: &[&str]) -> (Run, serde_json::Value) {
    let m = dir.join("Cargo.toml");
    let (r, _) = run_bounded(60, |c| {
        c.args(["check", "--format", "json", "--manifest-path"])
            .arg(&m)
            .args(extra);
    });
    assert!(matches!(r.code, 0..=2), "exit {}: {}", r.code, r.stderr);
    let v = serde_json::from_str(&r.stdout).unwrap_or(serde_json::Value::Null);
    (r, v)
}

#[cfg(unix)]
fn mkfifo(p: &Path) {
    let ok = Command::new("mkfifo").arg(p).status().unwrap().success();
    assert!(ok, "mkfifo {}", p.display());
}

/// Issue 14, item 7: a crate root, bin root, `include!` file, baseline or config that is a FIFO
/// or a symlink to `/dev/zero` is refused with a diagnostic, quickly, in bounded memory.
#[cfg(unix)]
#[test]
fn fifo_and_dev_zero_inputs_are_refused_not_read() {
    // The lib root is a FIFO, the bin root a link to /dev/zero.
    let tmp = crate_with(&[]);
    std::fs::create_dir_all(tmp.path().join("src")).unwrap();
    mkfifo(&tmp.path().join("src/lib.rs"));
    std::os::unix::fs::symlink("/dev/zero", tmp.path().join("src/main.rs")).unwrap();
    let (r, v) = check_bounded(tmp.path(), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The link to /dev/zero is refused before it is opened: a kernel pseudo-file
    // (`outside-workspace`, item 14); the regular-file check would refuse it next.
    let mut c = codes(&v);
    c.sort();
    assert_eq!(c, ["outside-workspace", "read-error"], "{}", r.stdout);
    let msgs = v["diagnostics"].to_string();
    assert!(
        msgs.contains("a FIFO") && msgs.contains("/dev/zero"),
        "{msgs}"
    );
    // A bin root that is a FIFO inside the tree: the regular-file check alone.
    std::fs::remove_file(tmp.path().join("src/main.rs")).unwrap();
    mkfifo(&tmp.path().join("src/main.rs"));
    let (r, v) = check_bounded(tmp.path(), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(codes(&v), ["read-error", "read-error"], "{}", r.stdout);

    // A module and an included file that are links to /dev/zero count as missing.
    let tmp = crate_with(&[(
        "src/lib.rs",
        b"pub mod z;\ninclude!(\"inc.rs\");\npub fn f() {}\n",
    )]);
    std::os::unix::fs::symlink("/dev/zero", tmp.path().join("src/z.rs")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", tmp.path().join("src/inc.rs")).unwrap();
    let (r, v) = check_bounded(tmp.path(), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        codes(&v),
        ["missing-module-file", "missing-module-file"],
        "{}",
        r.stdout
    );

    // The baseline and the configuration: a configuration error (exit 2), never a hang.
    let tmp = crate_with(&[("src/lib.rs", b"pub fn f() {}\n")]);
    mkfifo(&tmp.path().join("domains-baseline.toml"));
    let (r, v) = check_bounded(tmp.path(), &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("a FIFO"), "{}", r.stderr);
    assert_eq!(v["errors"][0]["code"], "baseline-invalid", "{}", r.stdout);
    std::fs::remove_file(tmp.path().join("domains-baseline.toml")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", tmp.path().join("domains-baseline.toml")).unwrap();
    let (r, _) = check_bounded(tmp.path(), &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("a device"), "{}", r.stderr);
    std::fs::remove_file(tmp.path().join("domains-baseline.toml")).unwrap();
    for (name, kind) in [("cfg.fifo", "a FIFO"), ("cfg.zero", "a device")] {
        let p = tmp.path().join(name);
        if name.ends_with("fifo") {
            mkfifo(&p);
        } else {
            std::os::unix::fs::symlink("/dev/zero", &p).unwrap();
        }
        let (r, v) = check_bounded(tmp.path(), &["--config", p.to_str().unwrap()]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains(kind), "{}", r.stderr);
        assert_eq!(v["errors"][0]["code"], "config-read", "{}", r.stdout);
    }
}

fn a_crate_with_a_violation() -> tempfile::TempDir {
    let tmp = crate_with(&[(
        "src/lib.rs",
        b"pub mod a { pub fn f() { crate::b::g(); } }\npub mod b { pub fn g() {} }\n",
    )]);
    std::fs::write(
        tmp.path().join("domains.toml"),
        "[domains.a]\nmodules = [\"crate::a\"]\n[domains.b]\nmodules = [\"crate::b\"]\n",
    )
    .unwrap();
    tmp
}

/// Issue 14, item 3: a reader that goes away (`| true`, stderr closed) ends the run quietly
/// with its normal status; a full disk (`/dev/full`) is exit 2. Never a panic (101).
#[cfg(unix)]
#[test]
fn broken_pipes_and_full_disks_never_panic() {
    let tmp = a_crate_with_a_violation();
    let m = tmp.path().join("Cargo.toml");
    let m = m.to_str().unwrap();
    let bad = tmp.path().join("bad.toml");
    std::fs::write(&bad, "[domains.a\n").unwrap();
    let bad = bad.to_str().unwrap();
    let no_panic = |r: &Run, what: &str| {
        assert!(!r.stderr.contains("panicked"), "{what}: {}", r.stderr);
        assert_ne!(r.code, 101, "{what}");
    };
    // check --format json --config bad.toml | true
    let (r, _) = run_bounded_closing(60, true, false, |c| {
        c.args([
            "check",
            "--format",
            "json",
            "--config",
            bad,
            "--manifest-path",
            m,
        ]);
    });
    no_panic(&r, "json error document to a closed pipe");
    assert_eq!(r.code, 2, "{}", r.stderr);
    // init -o - | true
    let (r, _) = run_bounded_closing(60, true, false, |c| {
        c.args(["init", "-o", "-", "--manifest-path", m]);
    });
    no_panic(&r, "init -o - to a closed pipe");
    assert_eq!(r.code, 0, "{}", r.stderr);
    // --timings with stderr closed; the violation still fails the run.
    let (r, _) = run_bounded_closing(60, false, true, |c| {
        c.args([
            "check",
            "--timings",
            "--format",
            "json",
            "--manifest-path",
            m,
        ]);
    });
    no_panic(&r, "--timings with stderr closed");
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("\"findings\""), "{}", r.stdout);
    // --update-baseline with stderr closed: the baseline is written, exit 0.
    let (r, _) = run_bounded_closing(60, false, true, |c| {
        c.args(["check", "--update-baseline", "--manifest-path", m]);
    });
    no_panic(&r, "--update-baseline with stderr closed");
    assert_eq!(r.code, 0);
    let written = std::fs::read_to_string(tmp.path().join("domains-baseline.toml")).unwrap();
    assert!(written.contains("to_item = \"hostile::b::g\""), "{written}");
    std::fs::remove_file(tmp.path().join("domains-baseline.toml")).unwrap();
    // Human check 2>/dev/full, JSON check >/dev/full, init -o - >/dev/full: exit 2.
    for (args, to_stderr) in [
        (&["check", "--manifest-path", m][..], true),
        (
            &["check", "--format", "json", "--manifest-path", m][..],
            false,
        ),
        (&["init", "-o", "-", "--manifest-path", m][..], false),
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let (r, _) = run_bounded(60, |c| {
            c.args(args);
            if to_stderr {
                c.stderr(full);
            } else {
                c.stdout(full);
            }
        });
        no_panic(&r, &format!("{args:?} to /dev/full"));
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        if !to_stderr {
            assert!(r.stderr.contains("No space left"), "{args:?}: {}", r.stderr);
        }
    }
}

/// Issue 14, item 4: `--threads` is bounded (a precise usage error, at once), and a system
/// that refuses the parsing threads (`ulimit -v`) gets fewer, smaller ones with a diagnostic,
/// never a panic.
#[cfg(unix)]
#[test]
fn absurd_thread_counts_and_a_memory_limit_do_not_panic() {
    let tmp = crate_with(&[("src/lib.rs", b"pub fn f() {}\n")]);
    let m = tmp.path().join("Cargo.toml");
    for n in ["100000", "0", "257"] {
        let (r, took) = run_bounded(30, |c| {
            c.args(["check", "--threads", n, "--manifest-path"]).arg(&m);
        });
        assert_eq!(r.code, 2, "--threads {n}: {}", r.stderr);
        assert!(r.stderr.contains("--threads"), "{}", r.stderr);
        assert!(r.stderr.contains("1..=256"), "{}", r.stderr);
        assert!(took < Duration::from_secs(10), "--threads {n}: {took:?}");
    }
    let (r, _) = run_bounded(60, |c| {
        c.args([
            "check",
            "--format",
            "json",
            "--threads",
            "256",
            "--manifest-path",
        ])
        .arg(&m);
    });
    assert_eq!(r.code, 0, "{}", r.stderr);
    // 2 GiB of address space: the binary and cargo fit, 16 stacks of 256 MiB do not.
    // `cargo metadata` runs before the pool and in the same limit.
    let bin = env!("CARGO_BIN_EXE_cargo-domains");
    let (r, _) = run_bounded(120, |c| {
        let mut sh = Command::new("sh");
        sh.arg("-c")
            .arg("ulimit -v 2097152 && exec \"$0\" check --format json --threads 16 --manifest-path \"$1\"")
            .arg(bin)
            .arg(&m);
        *c = sh;
        c.env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
    });
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(codes(&v), ["thread-pool"], "{}", r.stdout);
    // On the smaller stacks deep code is refused rather than overflowing: 1,500 levels parse
    // on the full stacks (the test above), and here are `too-deep`, not a crash.
    let deep = format!(
        "pub fn f() -> u32 {{ {}1{} }}\n",
        "(".repeat(1_500),
        ")".repeat(1_500)
    );
    std::fs::write(tmp.path().join("src/lib.rs"), "pub mod deep;\n").unwrap();
    std::fs::write(tmp.path().join("src/deep.rs"), deep).unwrap();
    for limit in ["2097152", "300000"] {
        let (r, _) = run_bounded(120, |c| {
            let mut sh = Command::new("sh");
            sh.arg("-c")
                .arg(format!("ulimit -v {limit} && exec \"$0\" check --format json --threads 16 --manifest-path \"$1\""))
                .arg(bin)
                .arg(&m);
            *c = sh;
            c.stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
        });
        assert_eq!(r.code, 0, "ulimit -v {limit}: {}", r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let mut c = codes(&v);
        c.sort();
        assert_eq!(c, ["thread-pool", "too-deep"], "{}", r.stdout);
    }
}

#[cfg(unix)]
fn script(path: &Path, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Issue 14, item 12: a `cargo` that never exits is killed after
/// `CARGO_DOMAINS_METADATA_TIMEOUT` seconds (default 120) with a precise error, exit 2.
#[cfg(unix)]
#[test]
fn a_cargo_that_never_exits_is_killed_after_the_timeout() {
    let tmp = crate_with(&[("src/lib.rs", b"pub fn f() {}\n")]);
    let fake = tmp.path().join("fake/cargo");
    script(&fake, "exec sleep 60");
    let m = tmp.path().join("Cargo.toml");
    for format in ["human", "json"] {
        let (r, took) = run_bounded(30, |c| {
            c.args(["check", "--format", format, "--manifest-path"])
                .arg(&m)
                .env("CARGO", &fake)
                .env("CARGO_DOMAINS_METADATA_TIMEOUT", "1");
        });
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr.contains("did not finish in 1 s and was killed"),
            "{}",
            r.stderr
        );
        assert!(took < Duration::from_secs(10), "{took:?}");
        if format == "json" {
            let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
            assert_eq!(v["errors"][0]["code"], "cargo-metadata");
        }
    }
}

/// Issue 14, item 13: a `rust-toolchain.toml` of the analysed tree whose `[toolchain] path`
/// names a directory with its own `cargo` never gets that `cargo` run: not with `$CARGO` set
/// (as under `cargo domains`), not with only rustup's proxy on PATH, from inside the tree.
#[cfg(unix)]
#[test]
fn a_toolchain_file_of_the_analysed_tree_cannot_choose_cargo() {
    let tmp = crate_with(&[("src/lib.rs", b"pub fn f() {}\n")]);
    let marker = tmp.path().join("MARKER");
    let evil = tmp.path().join("evil-toolchain");
    let body = format!("echo \"$0 $*\" >> '{}'\nexit 3", marker.display());
    for tool in ["cargo", "rustc", "rustdoc"] {
        script(&evil.join("bin").join(tool), &body);
    }
    std::fs::write(
        tmp.path().join("rust-toolchain.toml"),
        format!("[toolchain]\npath = \"{}\"\n", evil.display()),
    )
    .unwrap();
    // A `.cargo/config.toml` of the tree cannot name a rustc either.
    std::fs::create_dir_all(tmp.path().join(".cargo")).unwrap();
    std::fs::write(
        tmp.path().join(".cargo/config.toml"),
        format!(
            "[build]\nrustc = \"{}\"\nrustc-wrapper = \"{}\"\n",
            evil.join("bin/rustc").display(),
            evil.join("bin/rustc").display()
        ),
    )
    .unwrap();
    for inherit_cargo in [true, false] {
        for with_manifest in [true, false] {
            let (r, _) = run_bounded(60, |c| {
                c.current_dir(tmp.path())
                    .args(["check", "--format", "json"])
                    .env_remove("RUSTUP_TOOLCHAIN");
                if with_manifest {
                    c.arg("--manifest-path").arg("Cargo.toml");
                }
                if !inherit_cargo {
                    c.env_remove("CARGO");
                }
            });
            assert!(
                !marker.exists(),
                "the tree's toolchain ran: {}",
                std::fs::read_to_string(&marker).unwrap()
            );
            assert_eq!(r.code, 0, "CARGO inherited: {inherit_cargo}: {}", r.stderr);
        }
    }
}

/// Issue 14, item 14: `#[path = "/proc/self/environ"]`, a symlink out of the tree, an
/// `include!` of an absolute path and a bin root outside the workspace are never read: an
/// `outside-workspace` warning names each, and no byte of them reaches the output.
#[cfg(target_os = "linux")]
#[test]
fn files_outside_the_workspace_are_never_read() {
    let elsewhere = tempfile::tempdir().unwrap();
    let secret = elsewhere.path().join("secret.rs");
    std::fs::write(&secret, "SECRET-FILE-CONTENT ((( does not parse\n").unwrap();
    let lib = format!(
        "#[path = \"/proc/self/environ\"]\nmod e;\nmod link;\n#[path = \"{}\"]\nmod abs;\ninclude!(\"/proc/self/environ\");\npub fn f() {{}}\n",
        secret.display()
    );
    let tmp = crate_with(&[("src/lib.rs", lib.as_bytes())]);
    std::os::unix::fs::symlink(&secret, tmp.path().join("src/link.rs")).unwrap();
    let mut manifest = std::fs::read_to_string(tmp.path().join("Cargo.toml")).unwrap();
    manifest.push_str(&format!(
        "[[bin]]\nname = \"outside\"\npath = \"{}\"\n",
        secret.display()
    ));
    std::fs::write(tmp.path().join("Cargo.toml"), manifest).unwrap();
    let m = tmp.path().join("Cargo.toml");
    for format in ["human", "json"] {
        let (r, _) = run_bounded(60, |c| {
            c.args(["check", "--format", format, "--manifest-path"])
                .arg(&m)
                .env("CARGO_DOMAINS_CANARY", "CANARY-hunter2");
        });
        assert_eq!(r.code, 0, "{}", r.stderr);
        let all = format!("{}{}", r.stdout, r.stderr);
        assert!(
            !all.contains("CANARY-hunter2"),
            "the environment leaked: {all}"
        );
        assert!(
            !all.contains("SECRET-FILE-CONTENT"),
            "a file outside leaked: {all}"
        );
        assert!(!all.contains("parse-error"), "{all}");
        if format == "json" {
            let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
            assert_eq!(codes(&v), ["outside-workspace"; 5], "{}", r.stdout);
        } else {
            assert_eq!(
                r.stderr.matches("outside-workspace").count(),
                5,
                "{}",
                r.stderr
            );
            assert!(r.stderr.contains("kernel pseudo-file"), "{}", r.stderr);
            assert!(
                r.stderr.contains("outside the workspace root"),
                "{}",
                r.stderr
            );
        }
    }
}

/// The recipe crate: `pub mod a;` and an inline `b` with `g`, domains `a` and `b`,
/// the crate root a composition root.
const LIB_A_B: &[u8] = b"pub mod a;\npub mod b {\n    pub fn g() {}\n}\n";

fn two_domains(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let tmp = crate_with(files);
    std::fs::write(
        tmp.path().join("domains.toml"),
        "[domains.a]\nmodules = [\"crate::a\"]\n[domains.b]\nmodules = [\"crate::b\"]\n[domains.root]\nmodules_exact = [\"crate\"]\ndepends_on = [\"*\"]\n",
    )
    .unwrap();
    tmp
}

/// Issue 14 (2): a finding past column 65,535 (miette cannot draw it) and thousands of
/// findings on one generated line are named by location, not drawn: no panic, bounded output.
#[test]
fn findings_on_overlong_lines_are_located_not_drawn() {
    let calls = "crate::b::g(); ".repeat(3_000);
    let a = format!(
        "pub fn f() {{{}crate::b::g(); {calls}}}\n",
        " ".repeat(70_000)
    );
    let tmp = two_domains(&[("src/lib.rs", LIB_A_B), ("src/a.rs", a.as_bytes())]);
    let dir = tmp.path();
    let m = dir.join("Cargo.toml");
    let r = run(&["check", "--manifest-path", m.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("(at src/a.rs:1:70013;") && r.stderr.contains("too long to show"),
        "{}",
        &r.stderr[..r.stderr.len().min(2000)]
    );
    assert!(
        r.stderr.len() < 3_000_000,
        "{} bytes of stderr",
        r.stderr.len()
    );
    // A config whose patterns sit on one 110 KB line: every error located, fast.
    let pats: Vec<String> = (0..5_000)
        .map(|i| format!("\"crate::nomatch{i}\""))
        .collect();
    let cfg = dir.join("many.toml");
    std::fs::write(
        &cfg,
        format!("[domains.a]\nmodules = [{}]\n", pats.join(", ")),
    )
    .unwrap();
    let t = std::time::Instant::now();
    let r = run(&[
        "check",
        "--manifest-path",
        m.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2, "{}", &r.stderr[..r.stderr.len().min(2000)]);
    assert!(
        r.stderr
            .contains("pattern `crate::nomatch4999` matches no module (at"),
        "{}",
        &r.stderr[r.stderr.len().saturating_sub(2000)..]
    );
    assert!(t.elapsed().as_secs() < 30, "{:?}", t.elapsed());
}

/// Issue 14 (6): the baseline, `init --force` and `graph -o` are replaced atomically: a
/// symlinked baseline stays a link, the file keeps its mode, no temporary file is left, and
/// the one a killed run left behind is removed.
#[cfg(unix)]
#[test]
fn outputs_are_replaced_atomically_through_symlinks() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let src = fixture("shop");
    // A copy of shop's sources is not needed: the baseline path is ours to choose.
    let real = tmp.path().join("real-baseline.toml");
    std::fs::write(&real, "version = 1\n").unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
    let link = tmp.path().join("baseline.toml");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    // What a run killed during its write left (a pid above the kernel's largest): removed by
    // the next write of the same file.
    let left_over = tmp.path().join(".real-baseline.toml.4194999.0.tmp");
    std::fs::write(&left_over, "[[violation]]\ntruncat").unwrap();
    let m = src.join("Cargo.toml");
    let r = run(&[
        "check",
        "--manifest-path",
        m.to_str().unwrap(),
        "--baseline",
        link.to_str().unwrap(),
        "--update-baseline",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(&real)
            .unwrap()
            .contains("[[violation]]")
    );
    assert_eq!(
        std::fs::metadata(&real).unwrap().permissions().mode() & 0o777,
        0o640
    );
    let out = tmp.path().join("graph.dot");
    let r = run(&[
        "graph",
        "--manifest-path",
        m.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .starts_with("digraph")
    );
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Issue 14 (8): a 20,000-call method chain is linear (every call used to keep its whole
/// receiver chain: 8,000 calls took 3 GB).
#[test]
fn long_method_chains_are_linear() {
    let chain = ".f()".repeat(20_000);
    let src = format!(
        "pub struct S;\nimpl S {{\n    pub fn f(&self) -> &S {{\n        self\n    }}\n}}\npub fn g(x: &S) {{\n    x{chain};\n}}\n"
    );
    let tmp = crate_with(&[("src/lib.rs", src.as_bytes())]);
    let t = std::time::Instant::now();
    let (r, v) = check(tmp.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(codes(&v).is_empty(), "{:?}", codes(&v));
    assert!(t.elapsed().as_secs() < 30, "{:?}", t.elapsed());
}

/// Issue 14 (15): escape sequences in a source line and in a file name never reach the
/// terminal raw (human output, `modules`); the location and the rest of the text stay.
#[cfg(unix)]
#[test]
fn terminal_escapes_are_neutralised() {
    let lib = format!(
        "#[path = \"a\\u{{1b}}[2J.rs\"]\n{}",
        std::str::from_utf8(LIB_A_B).unwrap()
    );
    let a = "pub fn f() {\n    /* \u{1b}]0;pwned\u{7} \u{202e}evil */ crate::b::g();\n}\n";
    let tmp = two_domains(&[
        ("src/lib.rs", lib.as_bytes()),
        ("src/a\u{1b}[2J.rs", a.as_bytes()),
    ]);
    let dir = tmp.path();
    let m = dir.join("Cargo.toml");
    let r = run(&[
        "check",
        "--manifest-path",
        m.to_str().unwrap(),
        "--color",
        "never",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!r.stderr.contains('\u{1b}'), "{:?}", r.stderr);
    assert!(!r.stderr.contains('\u{202e}'), "{:?}", r.stderr);
    assert!(!r.stderr.contains('\u{7}'), "{:?}", r.stderr);
    assert!(r.stderr.contains("src/a\\u{1b}[2J.rs:2:"), "{}", r.stderr);
    assert!(r.stderr.contains("crate::b::g()"), "{}", r.stderr);
    let r = run(&["modules", "--manifest-path", m.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stdout.contains('\u{1b}'), "{:?}", r.stdout);
    assert!(r.stdout.contains("src/a\\u{1b}[2J.rs"), "{}", r.stdout);
}

/// Issue 14 (11): the 64-level depth limit counts inline modules too. A chain of files, each
/// nesting 20 inline modules with a `#[path]` to the next, stops at depth 64; inline modules
/// nested past 64 levels are not loaded (one warning per file), however long their names, so
/// memory stays linear (400 levels of 1,000-character names took 5.3 GB in release before).
#[test]
fn module_depth_counts_inline_modules() {
    let lib = format!("{}pub mod deep;\n", std::str::from_utf8(LIB_A_B).unwrap());
    let mut files: Vec<(String, String)> = vec![("src/lib.rs".into(), lib)];
    for i in 0..5 {
        // The inline modules' directory is `src/a/m/m/..` for `a.rs`, `src/m/m/..` for the
        // files reached by `#[path]` (20 deep): it must exist for `..` to climb back to `src/`.
        let (name, dir) = match i {
            0 => ("src/a.rs".to_string(), "src/a/"),
            _ => (format!("src/f{i}.rs"), "src/"),
        };
        files.push((format!("{dir}{}keep", "m/".repeat(20)), String::new()));
        let up = "../".repeat(20 + usize::from(i == 0));
        let inner = format!("#[path = \"{up}f{}.rs\"] pub mod next;", i + 1);
        let text = format!("{}{inner}{}\n", "pub mod m { ".repeat(20), " }".repeat(20));
        files.push((name, text));
    }
    let long = "n".repeat(1_000);
    let deep = format!(
        "{}pub fn leaf() {{}}{}\n",
        format!("pub mod {long} {{ ").repeat(400),
        " }".repeat(400)
    );
    files.push(("src/deep.rs".into(), deep));
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_bytes()))
        .collect();
    let tmp = two_domains(&refs);
    let (r, v) = check(tmp.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut messages: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    messages.sort();
    // `a` is 1 deep and its inline modules 2..21; f1 (their `next`) 22 and its own 23..42; f2
    // 43 and 44..63; f3 sits at 64 and loses all 20; `deep` keeps 63 of its 400.
    assert_eq!(
        messages,
        [
            "20 inline modules of `src/f3.rs` sit more than 64 levels deep in the module tree; they and their contents are not loaded",
            "337 inline modules of `src/deep.rs` sit more than 64 levels deep in the module tree; they and their contents are not loaded",
        ],
    );
    // crate, b, deep; a, f1, f2 with their 20 each; f3; deep's 63.
    assert_eq!(
        v["summary"]["modules"],
        3 + 21 * 3 + 1 + 63,
        "{}",
        v["summary"]
    );
}

/// Issue 14 (15): the human `file:line:col` counts characters, as JSON, SARIF and rustc do
/// (miette counts bytes); an identifier written in NFD is the NFC name it spells (rustc
/// normalises identifiers), in code and in domains.toml patterns.
#[test]
fn columns_count_characters_and_names_compare_in_nfc() {
    let nfc = "caf\u{e9}";
    let nfd = "cafe\u{301}";
    let lib = format!(
        "pub mod a;\npub mod b {{\n    pub mod {nfc} {{\n        pub fn g() {{}}\n    }}\n}}\n"
    );
    let a = format!("pub fn f() {{ let _ = \"\u{e9}\u{e9}\u{e9}\"; crate::b::{nfd}::g(); }}\n");
    let tmp = two_domains(&[("src/lib.rs", lib.as_bytes()), ("src/a.rs", a.as_bytes())]);
    let (r, v) = check(tmp.path());
    assert_eq!(r.code, 1, "{}", r.stderr);
    let f = &v["findings"][0];
    assert_eq!(f["to_item"], format!("hostile::b::{nfc}::g"), "{f}");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(1), Some(29))
    );
    let m = tmp.path().join("Cargo.toml");
    let human = run(&["check", "--manifest-path", m.to_str().unwrap()]);
    assert!(human.stderr.contains("[src/a.rs:1:29]"), "{}", human.stderr);
    // A pattern spelled in NFD claims the NFC module.
    std::fs::write(
        tmp.path().join("domains.toml"),
        format!("[domains.a]\nmodules = [\"crate::a\"]\n[domains.b]\nmodules = [\"crate::b::{nfd}\"]\n[domains.root]\nmodules_exact = [\"crate\"]\ndepends_on = [\"*\"]\n"),
    )
    .unwrap();
    let (r, _) = check(tmp.path());
    assert!(!r.stdout.contains("config-no-match"), "{}", r.stdout);
}
