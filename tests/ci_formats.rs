//! The CI formats (SARIF, GitHub annotations, JUnit, GitLab Code Quality): valid against their
//! schemas on the fixtures, configuration errors reported in each, and paths relative to the
//! git repository root when the workspace sits in a subfolder of one (a monorepo).

mod common;

use std::path::{Path, PathBuf};

use common::{Run, fixture, root, run_in};

fn check_in(dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["check"];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

fn validator(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("tests/schemas").join(name)).unwrap();
    // The official SARIF schema has one malformed regex (tests/schemas/README.md).
    let text = text.replace(
        "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
        "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$",
    );
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).expect("schema compiles")
}

fn assert_valid(v: &jsonschema::Validator, doc: &serde_json::Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

fn json(r: &Run) -> serde_json::Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", r.stdout, r.stderr))
}

/// A monorepo made for the test: a git repository (made with gix) whose Rust workspace sits in
/// `services/shop`, where `orders` uses `billing` without declaring it.
fn monorepo() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    gix::init(&repo).expect("git init");
    let ws = repo.join("services/shop");
    let files: &[(&str, &str)] = &[
        (
            "Cargo.toml",
            "[package]\nname = \"shop\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
        ),
        ("src/lib.rs", "pub mod billing;\npub mod orders;\n"),
        (
            "src/billing.rs",
            "pub struct Invoice {\n    pub cents: u64,\n}\n\npub fn charge(cents: u64) -> Invoice {\n    Invoice { cents }\n}\n",
        ),
        (
            "src/orders.rs",
            "use crate::billing::Invoice;\n\npub struct Order {\n    pub total: u64,\n}\n\npub fn pay(o: &Order) -> Invoice {\n    crate::billing::charge(o.total)\n}\n",
        ),
        (
            "domains.toml",
            "[domains.billing]\nmodules = [\"crate::billing\"]\n\n[domains.orders]\nmodules = [\"crate::orders\"]\n\n[domains.app]\nmodules_exact = [\"crate\"]\ndepends_on = [\"*\"]\n",
        ),
    ];
    for (path, text) in files {
        let p = ws.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    (tmp, ws)
}

#[test]
fn sarif_and_gitlab_validate_against_their_schemas_on_the_fixtures() {
    let sarif = validator("sarif-schema-2.1.0.json");
    let gitlab = validator("gitlab-code-quality.json");
    for name in ["shop", "workspace", "broken", "layers"] {
        let dir = fixture(name);
        let r = check_in(&dir, &["--format", "sarif"]);
        assert_eq!(r.code, 1, "{name}: {}", r.stderr);
        let v = json(&r);
        assert_valid(&sarif, &v, name);
        assert!(!v["runs"][0]["results"].as_array().unwrap().is_empty());
        let r = check_in(&dir, &["--format", "gitlab"]);
        assert_eq!(r.code, 1, "{name}: {}", r.stderr);
        let v = json(&r);
        assert_valid(&gitlab, &v, name);
        let issues = v.as_array().unwrap();
        let mut fps: Vec<&str> = issues
            .iter()
            .map(|i| i["fingerprint"].as_str().unwrap())
            .collect();
        fps.sort_unstable();
        fps.dedup();
        assert_eq!(fps.len(), issues.len(), "{name}: fingerprints are unique");
    }
}

#[test]
fn gitlab_fingerprints_are_stable_across_runs_and_edits_elsewhere() {
    let (_tmp, ws) = monorepo();
    let first = json(&check_in(&ws, &["--format", "gitlab"]));
    assert_eq!(json(&check_in(&ws, &["--format", "gitlab"])), first);
    // Lines inserted above the violations move them, but not their fingerprints.
    let orders = ws.join("src/orders.rs");
    let text = std::fs::read_to_string(&orders).unwrap();
    std::fs::write(&orders, format!("//! Orders.\n\n{text}")).unwrap();
    let moved = json(&check_in(&ws, &["--format", "gitlab"]));
    let fps = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|i| i["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(fps(&moved), fps(&first));
    assert_eq!(moved[0]["location"]["lines"]["begin"], 3);
    assert_eq!(first[0]["location"]["lines"]["begin"], 1);
    assert_eq!(first[0]["severity"], "major");
    assert_eq!(first[0]["check_name"], "forbidden-dependency");
}

#[test]
fn paths_are_relative_to_the_repository_root_in_a_monorepo() {
    let (_tmp, ws) = monorepo();
    let want = "services/shop/src/orders.rs";
    let sarif = json(&check_in(&ws, &["--format", "sarif"]));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{sarif:#}");
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], want);
    }
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        1
    );
    assert_eq!(
        results[1]["locations"][0]["physicalLocation"]["region"]["startLine"],
        8
    );
    let gh = check_in(&ws, &["--format", "github"]);
    assert_eq!(gh.code, 1);
    let errors: Vec<&str> = gh
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(errors.len(), 2, "{}", gh.stdout);
    assert!(
        errors[0].starts_with(&format!(
            "::error file={want},line=1,col=5,endLine=1,endColumn=28,title=forbidden-dependency::"
        )),
        "{}",
        errors[0]
    );
    let gl = json(&check_in(&ws, &["--format", "gitlab"]));
    assert_eq!(gl[0]["location"]["path"], want);
    let junit = check_in(&ws, &["--format", "junit"]).stdout;
    assert!(junit.contains(&format!("name=\"{want}:1:5\"")), "{junit}");
    // Run from elsewhere (`--manifest-path`): the same names.
    let m = ws.join("Cargo.toml");
    let r = run_in(
        &std::env::temp_dir(),
        &[
            "check",
            "--manifest-path",
            m.to_str().unwrap(),
            "--format",
            "gitlab",
        ],
    );
    assert_eq!(json(&r)[0]["location"]["path"], want);
}

#[test]
fn path_prefix_overrides_the_repository_root() {
    let (_tmp, ws) = monorepo();
    let gl = json(&check_in(
        &ws,
        &["--format", "gitlab", "--path-prefix", "backend/"],
    ));
    assert_eq!(gl[0]["location"]["path"], "backend/src/orders.rs");
    let gl = json(&check_in(&ws, &["--format", "gitlab", "--path-prefix", ""]));
    assert_eq!(gl[0]["location"]["path"], "src/orders.rs");
    let sarif = json(&check_in(
        &ws,
        &["--format", "sarif", "--path-prefix", "a/b"],
    ));
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "a/b/src/orders.rs"
    );
}

#[test]
fn configuration_errors_are_results_annotations_and_errored_tests() {
    let (_tmp, ws) = monorepo();
    std::fs::write(
        ws.join("domains.toml"),
        "[domains.billing]\nmodules = [\"crate::billing\"]\n\n[domains.orders]\nmodules = [\"crate::orders\"]\ndepends_on = [\"shipping\"]\n",
    )
    .unwrap();
    let r = check_in(&ws, &["--format", "sarif"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("config-unknown-domain"), "{}", r.stderr);
    let v = json(&r);
    assert_valid(&validator("sarif-schema-2.1.0.json"), &v, "sarif");
    let res = &v["runs"][0]["results"][0];
    assert_eq!(res["ruleId"], "config-unknown-domain");
    assert_eq!(res["level"], "error");
    let loc = &res["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "services/shop/domains.toml");
    assert_eq!(loc["region"]["startLine"], 6);

    let gh = check_in(&ws, &["--format", "github"]);
    assert_eq!(gh.code, 2);
    assert!(
        gh.stdout.lines().any(|l| l.starts_with(
            "::error file=services/shop/domains.toml,line=6,col=15,endLine=6,endColumn=25,title=config-unknown-domain::"
        )),
        "{}",
        gh.stdout
    );
    assert!(
        gh.stdout
            .contains("1 configuration error: nothing was checked")
    );

    let gl = check_in(&ws, &["--format", "gitlab"]);
    assert_eq!(gl.code, 2);
    let v = json(&gl);
    assert_valid(&validator("gitlab-code-quality.json"), &v, "gitlab");
    assert_eq!(v[0]["severity"], "blocker");
    assert_eq!(v[0]["location"]["path"], "services/shop/domains.toml");

    let ju = check_in(&ws, &["--format", "junit"]);
    assert_eq!(ju.code, 2);
    let doc = junit::parse(&ju.stdout);
    assert_eq!(doc.attr("errors"), "1");
    let suite = &doc.children[0];
    assert_eq!(suite.attr("name"), "configuration");
    assert_eq!(suite.children[0].children[0].name, "error");

    // A workspace that does not load: one result with no location.
    let r = run_in(
        &ws,
        &[
            "check",
            "--manifest-path",
            "nope/Cargo.toml",
            "--format",
            "sarif",
        ],
    );
    assert_eq!(r.code, 2);
    let v = json(&r);
    assert_eq!(v["runs"][0]["results"][0]["ruleId"], "cargo-metadata");
}

#[test]
fn junit_is_well_formed_and_counts_add_up() {
    for name in ["shop", "workspace"] {
        let r = check_in(&fixture(name), &["--format", "junit", "--path-prefix", ""]);
        assert_eq!(r.code, 1, "{name}: {}", r.stderr);
        let doc = junit::parse(&r.stdout);
        assert_eq!(doc.name, "testsuites");
        let (mut tests, mut failures, mut skipped) = (0, 0, 0);
        for suite in &doc.children {
            assert_eq!(suite.name, "testsuite");
            let cases = &suite.children;
            assert_eq!(suite.attr("tests"), cases.len().to_string());
            let count = |what: &str| {
                cases
                    .iter()
                    .filter(|c| c.children.iter().any(|x| x.name == what))
                    .count()
            };
            assert_eq!(suite.attr("failures"), count("failure").to_string());
            assert_eq!(suite.attr("skipped"), count("skipped").to_string());
            tests += cases.len();
            failures += count("failure");
            skipped += count("skipped");
            for c in cases {
                assert_eq!(c.name, "testcase");
                assert!(!c.attr("name").is_empty());
            }
        }
        assert_eq!(doc.attr("tests"), tests.to_string());
        assert_eq!(doc.attr("failures"), failures.to_string());
        assert_eq!(doc.attr("skipped"), skipped.to_string());
        // Every rule has a suite; those without findings pass.
        assert!(
            doc.children
                .iter()
                .any(|s| s.attr("name") == "layer-violation"
                    && s.children[0].attr("name") == "no findings")
        );
    }
    let r = check_in(
        &fixture("shop"),
        &["--format", "junit", "--path-prefix", ""],
    );
    let doc = junit::parse(&r.stdout);
    let forbidden = doc
        .children
        .iter()
        .find(|s| s.attr("name") == "forbidden-dependency")
        .unwrap();
    assert_eq!(forbidden.attr("failures"), "8");
    assert_eq!(
        forbidden.children[0].attr("name"),
        "src/api/notifications.rs:4:5"
    );
    assert_eq!(forbidden.children[0].attr("line"), "4");
}

/// A small XML reader for the JUnit checks: elements, attributes, nesting; text is skipped.
/// Panics on anything not well-formed (unclosed or mismatched tags, bad escapes, `<` or `&`
/// in text).
mod junit {
    #[derive(Debug)]
    pub struct Element {
        pub name: String,
        pub attrs: Vec<(String, String)>,
        pub children: Vec<Element>,
    }

    impl Element {
        pub fn attr(&self, k: &str) -> &str {
            self.attrs
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
                .unwrap_or_else(|| panic!("<{}> has no {k}", self.name))
        }
    }

    fn check_text(t: &str) {
        assert!(!t.contains('<'), "raw < in {t:?}");
        let mut rest = t;
        while let Some(i) = rest.find('&') {
            let end = rest[i..].find(';').expect("unterminated entity") + i;
            let ent = &rest[i + 1..end];
            assert!(
                matches!(ent, "amp" | "lt" | "gt" | "quot" | "apos")
                    || ent
                        .strip_prefix('#')
                        .is_some_and(|n| n.parse::<u32>().is_ok()),
                "bad entity &{ent};"
            );
            rest = &rest[end + 1..];
        }
    }

    fn start_tag(tag: &str) -> (Element, bool) {
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let (name, mut rest) = tag.split_once(char::is_whitespace).unwrap_or((tag, ""));
        let mut attrs = Vec::new();
        loop {
            rest = rest.trim_start();
            if rest.is_empty() {
                break;
            }
            let (k, r) = rest.split_once("=\"").expect("attribute");
            let end = r.find('"').expect("closing quote");
            check_text(&r[..end]);
            attrs.push((k.trim().to_string(), unescape(&r[..end])));
            rest = &r[end + 1..];
        }
        let el = Element {
            name: name.to_string(),
            attrs,
            children: Vec::new(),
        };
        (el, self_closing)
    }

    fn unescape(s: &str) -> String {
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&#10;", "\n")
            .replace("&amp;", "&")
    }

    pub fn parse(xml: &str) -> Element {
        let body = xml
            .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
            .expect("XML declaration");
        let mut stack: Vec<Element> = Vec::new();
        let mut root = None;
        let mut rest = body;
        while let Some(i) = rest.find('<') {
            check_text(&rest[..i]);
            let end = rest[i..].find('>').expect("unclosed tag") + i;
            let tag = &rest[i + 1..end];
            rest = &rest[end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                let el = stack.pop().expect("close without open");
                assert_eq!(el.name, name, "mismatched close tag");
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
                continue;
            }
            let (el, self_closing) = start_tag(tag);
            if self_closing {
                stack
                    .last_mut()
                    .expect("element outside the root")
                    .children
                    .push(el);
            } else {
                stack.push(el);
            }
        }
        assert!(stack.is_empty(), "unclosed elements");
        assert!(rest.trim().is_empty(), "text after the root");
        root.expect("a root element")
    }
}
