//! Helpers shared by the integration tests: run the real binary, read EXPECTED tables.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    root().join("fixtures").join(name)
}

pub fn run(args: &[&str]) -> Run {
    run_in(&root(), args)
}

pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-domains"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run cargo-domains");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `(rule, location, from_module, to_item)` rows of the findings table of an EXPECTED.md:
/// the table whose header is `| rule | location | from_module | to_item |`.
pub fn expected_findings(path: &Path) -> Vec<(String, String, String, String)> {
    let text = std::fs::read_to_string(path).expect("EXPECTED.md");
    let mut rows = Vec::new();
    let mut in_table = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("| rule | location |") {
            in_table = true;
            continue;
        }
        if !in_table {
            continue;
        }
        if !line.starts_with('|') {
            in_table = false;
            continue;
        }
        if line.starts_with("| ---") || line.starts_with("|---") {
            continue;
        }
        let cells: Vec<String> = line
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().trim_matches('`').to_string())
            .collect();
        assert_eq!(cells.len(), 4, "bad row in {}: {line}", path.display());
        rows.push((
            cells[0].clone(),
            cells[1].clone(),
            cells[2].clone(),
            cells[3].clone(),
        ));
    }
    rows.sort();
    rows
}

/// The same four columns, from `check --format json` output.
pub fn actual_findings(json: &str) -> Vec<(String, String, String, String)> {
    let v: serde_json::Value = serde_json::from_str(json).expect("json output");
    let mut rows: Vec<_> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("-").to_string();
            match s("rule").as_str() {
                "domain-cycle" => {
                    let mut chain: Vec<String> = f["cycle"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|e| e["from_domain"].as_str().unwrap().to_string())
                        .collect();
                    chain.push(chain[0].clone());
                    (
                        s("rule"),
                        "-".to_string(),
                        chain.join(" -> "),
                        "-".to_string(),
                    )
                }
                // Located in the configuration: the domain whose entry it is, the entry.
                "unused-dependency" => (
                    s("rule"),
                    format!("{}:{}:{}", s("file"), f["line"], f["column"]),
                    s("from_domain"),
                    s("to_domain"),
                ),
                "unassigned-module" => (
                    s("rule"),
                    format!("{}:{}:{}", s("file"), f["line"], f["column"]),
                    s("from_module"),
                    "-".to_string(),
                ),
                _ => (
                    s("rule"),
                    format!("{}:{}:{}", s("file"), f["line"], f["column"]),
                    s("from_module"),
                    s("to_item"),
                ),
            }
        })
        .collect();
    rows.sort();
    rows
}

/// A throw-away package `name` (its own workspace root) with the given files.
pub fn temp_crate(name: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        tmp.path().join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[workspace]\n"
        ),
    )
    .unwrap();
    for (path, text) in files {
        let p = tmp.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    tmp
}
pub mod gitrepo;
