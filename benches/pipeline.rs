//! Criterion benchmarks of the pipeline stages.
//!
//! `cargo bench --bench pipeline` measures fixtures/shop; set `CARGO_DOMAINS_CORPUS` to a
//! crate directory (e.g. `$(scripts/fetch-corpus.sh)`, the `cargo` crate) to measure it too.
//! Whole-run timings against the parse-only floor: `scripts/bench.sh`.

use std::path::PathBuf;

use cargo_domains::{analysis, config, modules, resolve, workspace};
use criterion::{Criterion, criterion_group, criterion_main};

fn subjects() -> Vec<(String, PathBuf, Option<PathBuf>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut v = vec![(
        "shop".to_string(),
        root.join("fixtures/shop/Cargo.toml"),
        Some(root.join("fixtures/shop/domains.toml")),
    )];
    if let Some(dir) = std::env::var_os("CARGO_DOMAINS_CORPUS") {
        let dir = PathBuf::from(dir);
        let cfg = root.join("docs/examples/cargo.domains.toml");
        v.push((
            "corpus".to_string(),
            dir.join("Cargo.toml"),
            cfg.is_file().then_some(cfg),
        ));
    }
    v
}

fn stages(c: &mut Criterion) {
    for (name, manifest, cfg) in subjects() {
        let ws = workspace::load(&workspace::LoadOptions {
            manifest_path: Some(&manifest),
            packages: &[],
            include_tests: false,
        })
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut g = c.benchmark_group(&name);
        g.sample_size(20);
        let load = |parse_only| modules::LoadOptions {
            include_tests: false,
            threads: None,
            parse_only,
            cfg: Default::default(),
        };
        g.bench_function("parse floor", |b| {
            b.iter(|| modules::load(&ws, &load(true)))
        });
        g.bench_function("parse + extract", |b| {
            b.iter(|| modules::load(&ws, &load(false)))
        });
        let program = modules::load(&ws, &load(false));
        g.bench_function("resolve", |b| b.iter(|| resolve::resolve(&program)));
        if let Some(cfg) = cfg {
            let config = config::load(&ws, Some(&cfg)).unwrap_or_else(|_| panic!("{name}: config"));
            g.bench_function("graph + rules", |b| {
                b.iter_batched(
                    || {
                        analysis::analyse(
                            ws.clone(),
                            false,
                            None,
                            &Default::default(),
                            Default::default(),
                        )
                    },
                    |a| {
                        analysis::check_analysis(a, config.clone())
                            .ok()
                            .map(|c| c.findings.len())
                    },
                    criterion::BatchSize::LargeInput,
                )
            });
        }
        g.finish();
    }
}

criterion_group!(benches, stages);
criterion_main!(benches);
