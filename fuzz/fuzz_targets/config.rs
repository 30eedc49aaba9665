//! Arbitrary bytes as the text of domains.toml. Parsing must never panic; a config that
//! parses is also applied to the module tree of fixtures/shop (patterns, overlaps,
//! interfaces), and every error is rendered with miette (spans into arbitrary text).
#![no_main]

use std::sync::OnceLock;

use cargo_domains::config::{self, ConfigErrors};
use cargo_domains::modules::{self, Program};
use cargo_domains::report::human::{Style, render_config_errors};
use cargo_domains::workspace::{self, Workspace};
use libfuzzer_sys::fuzz_target;

fn shop() -> &'static (Workspace, Program) {
    static SHOP: OnceLock<(Workspace, Program)> = OnceLock::new();
    SHOP.get_or_init(|| {
        let manifest =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/shop/Cargo.toml");
        let ws = workspace::load(&workspace::LoadOptions {
            manifest_path: Some(&manifest),
            packages: &[],
            include_tests: false,
        })
        .expect("fixtures/shop loads");
        let p = modules::load(
            &ws,
            &modules::LoadOptions {
                include_tests: false,
                threads: Some(1),
                parse_only: false,
                cfg: Default::default(),
            },
        );
        (ws, p)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let style = Style { color: false };
    match config::parse_str(text, "domains.toml") {
        Ok(cfg) => {
            let (ws, p) = shop();
            let (_assignment, errors) = config::assign(&cfg, ws, p);
            let mut all = errors;
            all.extend(cfg.warnings.iter().cloned());
            if !all.is_empty() {
                let errs = ConfigErrors { source: Some(cfg.source.clone()), errors: all };
                let _ = render_config_errors(&errs, &style);
            }
        }
        Err(errs) => {
            let _ = render_config_errors(&errs, &style);
        }
    }
});
