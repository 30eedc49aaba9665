//! Arbitrary bytes as the root file of a one-crate workspace: load (read, UTF-8 check,
//! nesting guard, syn parse, extraction), resolve, and render every input diagnostic.
//! `mod x;` declarations in the input point at files that do not exist (or, for `#[path]`,
//! at whatever is there): those paths are exercised too.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use cargo_domains::modules;
use cargo_domains::report::human::{Style, render_diag};
use cargo_domains::resolve;
use cargo_domains::workspace::{CrateInfo, TargetKind, Workspace};
use libfuzzer_sys::fuzz_target;

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("cargo-domains-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(d.join("src")).unwrap();
        d
    })
}

fuzz_target!(|data: &[u8]| {
    let root = dir();
    let lib = root.join("src/lib.rs");
    std::fs::write(&lib, data).unwrap();
    let ws = Workspace {
        root: root.clone(),
        root_manifest: root.join("Cargo.toml"),
        crates: vec![CrateInfo {
            name: "fuzzed".into(),
            kind: TargetKind::Lib,
            package: "fuzzed".into(),
            root_file: lib,
            externs: vec![],
            edition_2015: false,
        }],
        selected_packages: vec![],
        primary_package: Some("fuzzed".into()),
    };
    let program = modules::load(
        &ws,
        &modules::LoadOptions { include_tests: false, threads: Some(1), parse_only: false },
    );
    // The loader turns a panic into an `internal-error` diagnostic; for the fuzzer it is a crash.
    assert!(
        !program.diagnostics.iter().any(|d| d.code == "internal-error"),
        "the loader panicked on this input"
    );
    let _resolution = resolve::resolve(&program);
    let style = Style { color: false };
    for d in &program.diagnostics {
        let _ = render_diag(&program, d, &style);
    }
});
