//! Issue 12 item 4 end to end on fixtures/layers: layers, `cannot_depend_on`, deprecated
//! allowances and `unused-dependency` (located in domains.toml), and their config errors.

mod common;
use common::*;

fn manifest() -> String {
    fixture("layers")
        .join("Cargo.toml")
        .to_str()
        .unwrap()
        .to_string()
}

fn check(extra: &[&str]) -> Run {
    let m = manifest();
    let mut args = vec!["check", "--manifest-path", m.as_str()];
    args.extend_from_slice(extra);
    run(&args)
}

fn json(r: &Run) -> serde_json::Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stderr))
}

/// The fixture's domains.toml with `edit` applied, written to a temporary directory.
fn config_with(edit: impl Fn(&str) -> String) -> (tempfile::TempDir, String) {
    let text = std::fs::read_to_string(fixture("layers").join("domains.toml")).unwrap();
    let edited = edit(&text);
    assert_ne!(edited, text, "the edit changes nothing");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("domains.toml");
    std::fs::write(&path, edited).unwrap();
    let path = path.to_str().unwrap().to_string();
    (dir, path)
}

/// The finding whose `file:line:column` is `at`.
fn finding<'a>(v: &'a serde_json::Value, at: &str) -> &'a serde_json::Value {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            format!(
                "{}:{}:{}",
                f["file"].as_str().unwrap(),
                f["line"],
                f["column"]
            ) == at
        })
        .unwrap_or_else(|| panic!("no finding at {at}"))
}

fn rules(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn layers_findings_are_exactly_those_in_expected_md() {
    let r = check(&["--format", "json"]);
    assert_eq!(r.code, 1, "deny findings exit 1; stderr: {}", r.stderr);
    let expected = expected_findings(&fixture("layers").join("EXPECTED.md"));
    let actual = actual_findings(&r.stdout);
    assert_eq!(actual, expected);
    let v = json(&r);
    let s = &v["summary"];
    assert_eq!(
        [
            &s["forbidden_dependencies"],
            &s["layer_violations"],
            &s["deprecated_dependencies"],
            &s["unused_dependencies"],
            &s["violations"],
            &s["errors"],
            &s["warnings"],
        ],
        [2, 2, 2, 2, 4, 4, 4]
    );
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 0);
}

#[test]
fn output_is_byte_identical_across_runs() {
    let a = check(&["--format", "json"]);
    let b = check(&["--format", "json", "--threads", "1"]);
    assert_eq!(a.stdout, b.stdout);
    // Human output, but for the closing line's timing.
    let human = |r: Run| r.stderr.rsplit_once("\nchecked ").unwrap().0.to_string();
    assert_eq!(human(check(&[])), human(check(&["--threads", "1"])));
}

#[test]
fn a_reference_above_its_layer_and_forbidden_is_one_finding_naming_both() {
    let v = json(&check(&["--format", "json"]));
    let f = finding(&v, "src/storage/audit.rs:4:5");
    assert_eq!(f["rule"], "layer-violation");
    assert_eq!(f["severity"], "error");
    assert_eq!(
        f["also_breaks"],
        serde_json::json!(["forbidden-dependency"])
    );
    assert_eq!(
        f["message"],
        "domain `storage` uses `helpdesk::http::RequestId` of domain `http`, which is in the higher layer `api` (`storage` is in `infra`), and which it may not depend on"
    );
    let f = finding(&v, "src/tickets/listing.rs:3:5");
    assert_eq!(f["rule"], "layer-violation");
    assert!(f.get("also_breaks").is_none(), "{f}");
}

#[test]
fn cannot_depend_on_findings_say_the_domain_is_listed() {
    let v = json(&check(&["--format", "json"]));
    let f = finding(&v, "src/billing/invoice.rs:4:5");
    assert_eq!(
        f["message"],
        "domain `billing` uses `helpdesk::tickets::Ticket` of domain `tickets`, which it may not depend on (it is listed in its cannot_depend_on)"
    );
    assert!(
        f["help"]
            .as_str()
            .unwrap()
            .starts_with("`tickets` is in `domains.billing.cannot_depend_on` in domains.toml"),
        "{f}"
    );
    // The kernel is implicitly allowed to every domain, unless the deny-list names it.
    let f = finding(&v, "src/web/admin.rs:4:5");
    assert_eq!(f["to_domain"], "storage");
}

#[test]
fn deprecated_dependencies_are_warnings_that_fail_only_at_deny() {
    let (_dir, cfg) = config_with(|t| {
        t.replace(
            "[settings]\n",
            "[settings]\nforbidden = \"allow\"\nlayer_violation = \"allow\"\n",
        )
    });
    let r = check(&["--format", "json", "--config", &cfg]);
    assert_eq!(r.code, 0, "warnings never fail the run: {}", r.stderr);
    assert_eq!(
        rules(&json(&r)),
        [
            "unused-dependency",
            "unused-dependency",
            "deprecated-dependency",
            "deprecated-dependency"
        ]
    );
    let (_dir, cfg) = config_with(|t| {
        t.replace(
            "[settings]\n",
            "[settings]\nforbidden = \"allow\"\nlayer_violation = \"allow\"\ndeprecated = \"deny\"\n",
        )
    });
    let r = check(&["--format", "json", "--config", &cfg]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        finding(&json(&r), "src/tickets/sla.rs:3:5")["severity"],
        "error"
    );
}

#[test]
fn unused_dependency_is_off_by_default_and_counts_tests_only_with_include_tests() {
    let (_dir, cfg) = config_with(|t| {
        t.replace(
            "unused_dependency = \"warn\" # report depends_on entries that no code uses\n",
            "",
        )
    });
    let v = json(&check(&["--format", "json", "--config", &cfg]));
    assert!(!rules(&v).iter().any(|r| r == "unused-dependency"), "{v}");
    assert_eq!(v["summary"]["unused_dependencies"], 0);
    // notify's tests use storage: with them, only accounts -> billing is unused.
    let r = check(&["--format", "json", "--include-tests"]);
    let unused: Vec<_> = actual_findings(&r.stdout)
        .into_iter()
        .filter(|f| f.0 == "unused-dependency")
        .collect();
    assert_eq!(
        unused,
        [(
            "unused-dependency".to_string(),
            "domains.toml:39:15".to_string(),
            "accounts".to_string(),
            "billing".to_string()
        )]
    );
}

#[test]
fn unused_dependency_points_at_the_entry_in_every_format() {
    let r = check(&[]);
    let e = &r.stderr;
    assert!(e.contains("unused-dependency"), "{e}");
    assert!(e.contains("[domains.toml:39:15]"), "{e}");
    assert!(
        e.contains("depends_on = [\"billing\"] # plan limits on the profile page (planned)"),
        "{e}"
    );
    assert!(
        e.contains("domain `accounts` may depend on `billing`, but no reference uses it"),
        "{e}"
    );
    assert!(
        e.contains("4 violations in 4 domain pairs (2 forbidden, 0 interface bypasses, 2 layer violations), 2 deprecated dependencies, 2 unused dependencies, 0 domain cycles"),
        "{e}"
    );
    let v = json(&check(&["--format", "json"]));
    let f = finding(&v, "domains.toml:39:15");
    assert_eq!(
        (
            &f["end_line"],
            &f["end_column"],
            &f["from_module"],
            &f["to_item"]
        ),
        (
            &serde_json::json!(39),
            &serde_json::json!(24),
            &serde_json::Value::Null,
            &serde_json::Value::Null
        )
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&check(&["--format", "sarif", "--path-prefix", ""]).stdout).unwrap();
    let res = &sarif["runs"][0]["results"][0];
    assert_eq!(res["ruleId"], "unused-dependency");
    let loc = &res["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "domains.toml");
    assert_eq!(
        (&loc["region"]["startLine"], &loc["region"]["startColumn"]),
        (&serde_json::json!(39), &serde_json::json!(15))
    );
    let gh = check(&["--format", "github", "--path-prefix", ""]).stdout;
    assert!(
        gh.contains("::warning file=domains.toml,line=39,col=15,endLine=39,endColumn=24,title=unused-dependency::"),
        "{gh}"
    );
}

#[test]
fn the_baseline_records_every_new_rule() {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("baseline.toml");
    let b = b.to_str().unwrap();
    let r = check(&["--baseline", b, "--update-baseline"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(b).unwrap();
    for entry in [
        "rule = \"unused-dependency\"\nfrom_module = \"domain accounts\"\nto_item = \"domain billing\"",
        "rule = \"layer-violation\"\nfrom_module = \"helpdesk::tickets::listing\"\nto_item = \"helpdesk::http::pagination::Page\"",
        "rule = \"deprecated-dependency\"\nfrom_module = \"helpdesk::tickets::sla\"",
    ] {
        assert!(text.contains(entry), "{entry} not in\n{text}");
    }
    let r = check(&["--baseline", b, "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(json(&r)["summary"]["baselined"], 8);
}

#[test]
fn sync_proposes_only_the_unused_entries() {
    let m = manifest();
    let r = run(&["sync", "--manifest-path", &m]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "- domains.accounts.depends_on: \"billing\"  (unused: no reference from `accounts` to `billing`)\n\
         - domains.notify.depends_on: \"storage\"  (unused: no reference from `notify` to `storage`)\n"
    );
}

/// `(code, message, line)` of the first configuration error, from the JSON document.
fn config_error(edit: impl Fn(&str) -> String) -> (String, String, u64, String) {
    let (_dir, cfg) = config_with(edit);
    let r = check(&["--format", "json", "--config", &cfg]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let v = json(&r);
    let e = &v["errors"][0];
    (
        e["code"].as_str().unwrap().to_string(),
        e["message"].as_str().unwrap().to_string(),
        e["line"].as_u64().unwrap(),
        e["help"].as_str().unwrap_or_default().to_string(),
    )
}

#[test]
fn an_unknown_layer_is_an_error_with_a_did_you_mean() {
    let got = config_error(|t| t.replace("layer = \"infra\"", "layer = \"infrastructure\""));
    assert_eq!(
        got,
        (
            "config-unknown-layer".to_string(),
            "layer `infrastructure` is not declared in `[settings] layers`".to_string(),
            60,
            "layers, top to bottom: app, api, domain, infra".to_string()
        )
    );
    let got = config_error(|t| {
        t.replace(
            "layer = \"api\"\nmodules = [\"crate::web\"]",
            "layer = \"apii\"\nmodules = [\"crate::web\"]",
        )
    });
    assert_eq!(
        (got.0.as_str(), got.2, got.3.as_str()),
        ("config-unknown-layer", 16, "did you mean `api`?")
    );
}

#[test]
fn an_unknown_key_in_a_depends_on_table_is_an_error_on_that_key() {
    let got = config_error(|t| t.replace("deprecated = true", "deprecatd = true"));
    assert_eq!(
        got,
        (
            "config-syntax".to_string(),
            "unknown key `deprecatd` in a depends_on entry".to_string(),
            33,
            "did you mean `deprecated`?".to_string()
        )
    );
    let got = config_error(|t| t.replace("domain = \"legacy\"", "domain = \"legacyy\""));
    assert_eq!(
        (got.0.as_str(), got.2, got.3.as_str()),
        ("config-unknown-domain", 33, "did you mean `legacy`?")
    );
}

#[test]
fn one_domain_in_both_lists_is_an_error() {
    let got = config_error(|t| {
        t.replace(
            "cannot_depend_on = [\"storage\"]",
            "cannot_depend_on = [\"storage\", \"tickets\"]",
        )
    });
    assert_eq!(
        got,
        (
            "config-conflicting-dependency".to_string(),
            "domain `web` lists `tickets` in both depends_on and cannot_depend_on".to_string(),
            20,
            "keep `tickets` in one of the two lists: depends_on to allow it, cannot_depend_on to forbid it".to_string()
        )
    );
}

/// A cycle that only a dependency on a higher layer closes is told on that finding, not as a
/// second error.
#[test]
fn a_cycle_closed_by_a_layer_violation_is_a_note_on_it() {
    let tmp = temp_crate(
        "cyc",
        &[
            ("src/lib.rs", "pub mod api;\npub mod core;\n"),
            (
                "src/api.rs",
                "pub struct Request;\npub fn serve() -> crate::core::Order {\n    crate::core::Order\n}\n",
            ),
            (
                "src/core.rs",
                "pub struct Order;\npub fn trace(_: &crate::api::Request) {}\n",
            ),
            (
                "domains.toml",
                "[settings]\nlayers = [\"app\", \"api\", \"domain\"]\n\
                 [domains.root]\nlayer = \"app\"\nmodules_exact = [\"crate\"]\ndepends_on = [\"*\"]\n\
                 [domains.api]\nlayer = \"api\"\nmodules = [\"crate::api\"]\ndepends_on = [\"core\"]\n\
                 [domains.core]\nlayer = \"domain\"\nmodules = [\"crate::core\"]\ndepends_on = [\"api\"]\n",
            ),
        ],
    );
    let m = tmp.path().join("Cargo.toml");
    let r = run(&[
        "check",
        "--manifest-path",
        m.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = json(&r);
    assert_eq!(rules(&v), ["layer-violation"]);
    let help = v["findings"][0]["help"].as_str().unwrap();
    assert!(
        help.ends_with("this dependency also closes the cycle core -> api -> core"),
        "{help}"
    );
}
