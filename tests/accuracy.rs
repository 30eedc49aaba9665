//! Accuracy against compiler-grade resolution (issue: "Fast and correct on real code").
//!
//! `../shared/truth/*.tsv.gz` (or `$CARGO_DOMAINS_TRUTH`) holds every reference of a real
//! crate as resolved by rust-analyzer. The ignored test below fetches each crate through
//! cargo into the registry cache, runs `cargo-domains edges` on it and prints module-edge
//! precision, syntactic recall, overall recall and reference-site recall; it fails below the
//! targets. It needs the network the first time, so it does not run by default:
//!
//! ```sh
//! cargo test --release --test accuracy -- --ignored --nocapture
//! ```
//!
//! The metric definitions follow `../shared/truth/README.md` and its `measure.py`; the
//! always-on test `metrics_follow_the_reference_definition` pins them on a small sample.

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

type Edge = (String, String);

/// Truth rows as `measure.py` reads them.
struct Truth {
    all: BTreeSet<Edge>,
    syntactic: BTreeSet<Edge>,
    /// (file, line, to_module) of every counted row, for reference-site recall.
    sites: BTreeSet<(String, u32, String)>,
}

fn read_truth(text: &str) -> Truth {
    let mut t = Truth {
        all: BTreeSet::new(),
        syntactic: BTreeSet::new(),
        sites: BTreeSet::new(),
    };
    for line in text.lines() {
        let c: Vec<&str> = line.split('\t').collect();
        if c.len() < 8
            || c[5] != "0"
            || c[6] != "0"
            || c[2] == "unresolved_in"
            || (c[7] == "1" && c[2] == "mod")
        {
            continue;
        }
        let e = (c[0].to_string(), c[1].to_string());
        if !matches!(c[4], "macro_arg" | "macro_call" | "method") && !c[2].contains("method") {
            t.syntactic.insert(e.clone());
        }
        t.all.insert(e);
        if let Some((file, line)) = c[3].rsplit_once(':') {
            t.sites.insert((
                file.to_string(),
                line.parse().unwrap_or(0),
                c[1].to_string(),
            ));
        }
    }
    t
}

fn norm(path: &str, krate: &str) -> String {
    let p = path.strip_prefix("bin:").unwrap_or(path);
    match p.strip_prefix("crate") {
        Some(rest) if rest.is_empty() || rest.starts_with("::") => format!("{krate}{rest}"),
        _ => p.to_string(),
    }
}

struct Metrics {
    ours: usize,
    precision: f64,
    recall_syntactic: f64,
    recall_all: f64,
    site_recall: f64,
    missed: Vec<Edge>,
    extra: Vec<Edge>,
}

/// `edges` TSV: from_module, to_module, to_item, kind, file:line.
fn measure(truth: &Truth, ours_tsv: &str, krate: &str) -> Metrics {
    let mut ours = BTreeSet::new();
    let mut sites = BTreeSet::new();
    for line in ours_tsv.lines().filter(|l| !l.starts_with('#')) {
        let c: Vec<&str> = line.split('\t').collect();
        if c.len() < 2 {
            continue;
        }
        let (a, b) = (norm(c[0], krate), norm(c[1], krate));
        if let Some((file, l)) = c.get(4).and_then(|s| s.rsplit_once(':')) {
            sites.insert((file.to_string(), l.parse().unwrap_or(0), b.clone()));
        }
        if a != b {
            ours.insert((a, b));
        }
    }
    let hit_all = ours.intersection(&truth.all).count();
    let hit_syn = ours.intersection(&truth.syntactic).count();
    let site_hits = truth.sites.intersection(&sites).count();
    Metrics {
        ours: ours.len(),
        precision: hit_all as f64 / ours.len().max(1) as f64,
        recall_syntactic: hit_syn as f64 / truth.syntactic.len().max(1) as f64,
        recall_all: hit_all as f64 / truth.all.len().max(1) as f64,
        site_recall: site_hits as f64 / truth.sites.len().max(1) as f64,
        missed: truth.syntactic.difference(&ours).cloned().collect(),
        extra: ours.difference(&truth.all).cloned().collect(),
    }
}

#[test]
fn metrics_follow_the_reference_definition() {
    // from, to, kind, file:line, ctx, self, test, qual
    let truth = read_truth(
        "c::a\tc::b\tstruct\tsrc/a.rs:1\tuse\t0\t0\t0\n\
         c::a\tc::a\tfn\tsrc/a.rs:2\texpr\t1\t0\t0\n\
         c::a\tc::t\tfn\tsrc/a.rs:3\texpr\t0\t1\t0\n\
         c::a\tc::q\tmod\tsrc/a.rs:4\tuse\t0\t0\t1\n\
         c::a\tc::m\tmethod\tsrc/a.rs:5\tmethod\t0\t0\t0\n\
         c::a\tc::x\tmacro\tsrc/a.rs:6\tmacro_call\t0\t0\t0\n\
         c::a\tc::u\tunresolved_in\tsrc/a.rs:7\texpr\t0\t0\t0\n\
         c::d\tc::b\tstruct\tsrc/d.rs:9\ttype\t0\t0\t1\n",
    );
    let edge = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        truth.all,
        BTreeSet::from([
            edge("c::a", "c::b"),
            edge("c::a", "c::m"),
            edge("c::a", "c::x"),
            edge("c::d", "c::b")
        ])
    );
    assert_eq!(
        truth.syntactic,
        BTreeSet::from([edge("c::a", "c::b"), edge("c::d", "c::b")])
    );
    // `crate` becomes the crate name, `bin:` is dropped, self edges do not count.
    let m = measure(
        &truth,
        "crate::a\tcrate::b\tc::b::S\tstruct\tsrc/a.rs:1\nbin:c::a\tc::m\tc::m::T::f\tassoc\tsrc/a.rs:5\nc::a\tc::a\tc::a::f\tfn\tsrc/a.rs:2\nc::a\tc::z\tc::z::Z\tstruct\tsrc/a.rs:8\n",
        "c",
    );
    assert_eq!(m.ours, 3);
    assert!((m.precision - 2.0 / 3.0).abs() < 1e-9);
    assert!((m.recall_syntactic - 0.5).abs() < 1e-9);
    assert!((m.recall_all - 0.5).abs() < 1e-9);
    assert_eq!(m.missed, [edge("c::d", "c::b")]);
    assert_eq!(m.extra, [edge("c::a", "c::z")]);
}

fn truth_dir() -> PathBuf {
    std::env::var_os("CARGO_DOMAINS_TRUTH")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::root().join("../shared/truth"))
}

/// The crate's source in the registry cache, fetched through cargo when missing.
fn crate_source(name: &str, version: &str) -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cargo"));
    let find = || -> Option<PathBuf> {
        std::fs::read_dir(home.join("registry/src"))
            .ok()?
            .flatten()
            .map(|d| d.path().join(format!("{name}-{version}")))
            .find(|p| p.join("Cargo.toml").is_file())
    };
    if let Some(p) = find() {
        return p;
    }
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("src")).unwrap();
    std::fs::write(tmp.path().join("src/lib.rs"), "").unwrap();
    std::fs::write(
        tmp.path().join("Cargo.toml"),
        format!("[package]\nname = \"fetch\"\nversion = \"0.0.0\"\nedition = \"2021\"\n[dependencies]\n{name} = \"={version}\"\n[workspace]\n"),
    )
    .unwrap();
    let st = std::process::Command::new("cargo")
        .args(["fetch", "--manifest-path"])
        .arg(tmp.path().join("Cargo.toml"))
        .status()
        .expect("cargo fetch");
    assert!(st.success(), "cargo fetch {name}={version} failed");
    find().expect("fetched crate in the registry cache")
}

fn read_gz(path: &Path) -> String {
    let mut s = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut s)
        .unwrap();
    s
}

#[test]
#[ignore = "fetches real crates through cargo; run with --ignored (see the module docs)"]
fn accuracy_against_rust_analyzer_truth() {
    let dir = truth_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|d| d.path())
        .filter(|p| p.to_string_lossy().ends_with(".tsv.gz"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no truth files in {}", dir.display());
    println!(
        "| crate | our edges | truth edges (syntactic) | precision | recall syntactic | recall all | site recall |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    let mut failures = Vec::new();
    for f in files {
        let stem = f
            .file_name()
            .unwrap()
            .to_string_lossy()
            .trim_end_matches(".tsv.gz")
            .to_string();
        let (name, version) = stem.rsplit_once('-').expect("NAME-VERSION.tsv.gz");
        let src = crate_source(name, version);
        let r = common::run(&[
            "edges",
            "--manifest-path",
            src.join("Cargo.toml").to_str().unwrap(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let truth = read_truth(&read_gz(&f));
        let m = measure(&truth, &r.stdout, &name.replace('-', "_"));
        println!(
            "| {stem} | {} | {} ({}) | {:.3} | {:.3} | {:.3} | {:.3} |",
            m.ours,
            truth.all.len(),
            truth.syntactic.len(),
            m.precision,
            m.recall_syntactic,
            m.recall_all,
            m.site_recall
        );
        for (a, b) in m.missed.iter().take(10) {
            println!("  missed\t{a}\t{b}");
        }
        for (a, b) in m.extra.iter().take(10) {
            println!("  extra\t{a}\t{b}");
        }
        if m.precision < 0.99 || m.recall_syntactic < 0.97 || m.recall_all < 0.90 {
            failures.push(stem);
        }
    }
    assert!(
        failures.is_empty(),
        "below target (precision 0.99, recall 0.97, recall-all 0.90): {failures:?}"
    );
}
