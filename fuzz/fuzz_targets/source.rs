//! Arbitrary bytes as the root file of a one-crate workspace: load (read, UTF-8 check,
//! nesting guard, syn parse, extraction), resolve, check against a two-domain configuration,
//! and render every finding and input diagnostic with the human renderer (miette, spans into
//! arbitrary text). The crate root gets a module `zz_fuzz_b` appended, claimed by a domain the
//! root may not use, so any path the input writes to it is a finding with a span.
//! `mod x;` declarations in the input point at files that do not exist (or, for `#[path]`,
//! at whatever is there): those paths are exercised too.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use cargo_domains::analysis::{self, Timings};
use cargo_domains::config;
use cargo_domains::report::human::{self, Style};
use cargo_domains::workspace::{CrateInfo, TargetKind, Workspace};
use libfuzzer_sys::fuzz_target;

const CONFIG: &str = "[domains.root]\nmodules_exact = [\"crate\"]\n[domains.b]\nmodules = [\"crate::zz_fuzz_b\"]\n";

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
    let mut text = data.to_vec();
    text.extend_from_slice(b"\npub mod zz_fuzz_b { pub fn g() {} }\n");
    std::fs::write(&lib, &text).unwrap();
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
            features: Default::default(),
            package_id: "fuzzed 0.0.0 (path+file:///fuzzed)".into(),
            manifest_path: root.join("Cargo.toml"),
            target_kinds: vec!["lib".into()],
            edition: "2021".into(),
        }],
        selected_packages: vec![],
        primary_package: Some("fuzzed".into()),
    };
    let a = analysis::analyse(ws, false, Some(1), &Default::default(), Timings::default());
    // The loader turns a panic into an `internal-error` diagnostic; for the fuzzer it is a crash.
    assert!(
        !a.program.diagnostics.iter().any(|d| d.code == "internal-error"),
        "the loader panicked on this input"
    );
    let style = Style { color: false };
    let cfg = config::parse_str(CONFIG, "domains.toml").expect("the fuzz configuration parses");
    match analysis::check_analysis(a, cfg) {
        Ok(checked) => {
            let _ = human::write(&checked, &style, &mut std::io::sink());
        }
        Err(analysis::Error::Config(errs)) => {
            let _ = human::render_config_errors(&errs, &style);
        }
        Err(_) => {}
    }
});
