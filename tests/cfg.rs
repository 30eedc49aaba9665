//! The cfg model on fixtures/cfg (`relay`, shaped like tokio's cfg alternatives): which code
//! each configuration reads, that every reference site is counted once, and that findings in
//! code only some builds compile say so.

mod common;
use common::*;

fn manifest() -> String {
    fixture("cfg")
        .join("Cargo.toml")
        .to_str()
        .unwrap()
        .to_string()
}

/// `cargo domains edges` on the fixture, as TSV.
fn edges_tsv(extra: &[&str]) -> String {
    let m = manifest();
    let mut args = vec!["edges", "--manifest-path", m.as_str()];
    args.extend_from_slice(extra);
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
}

fn edges(extra: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = edges_tsv(extra)
        .lines()
        .filter_map(|l| {
            let mut c = l.split('\t');
            let (a, b) = (c.next()?, c.next()?);
            (a != b).then(|| format!("{a} -> {b}"))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Edges every configuration below has (the macro calls, `net`, the runtime's own).
const COMMON: &[&str] = &[
    "relay -> relay::macros",
    "relay::io -> relay::io::sys",
    "relay::io -> relay::macros",
    "relay::net -> relay::net::tcp",
    "relay::net::tcp -> relay::poll",
    "relay::net::tcp -> relay::runtime",
    "relay::poll -> relay::runtime",
    "relay::runtime -> relay::macros",
];

fn expect(extra: &[&str], specific: &[&str]) {
    let mut want: Vec<String> = COMMON
        .iter()
        .chain(specific)
        .map(|s| s.to_string())
        .collect();
    want.sort();
    assert_eq!(edges(extra), want, "configuration {extra:?}");
}

#[test]
fn the_default_reads_every_platform_and_feature_but_not_docs_or_tests() {
    expect(
        &[],
        &[
            "relay::io -> relay::io::unix",
            "relay::io -> relay::io::windows",
            "relay::io::sys -> relay::io::unix",
            "relay::io::sys -> relay::io::windows",
            "relay::metrics -> relay::runtime",
            // `crate::poll::Poller` is `epoll::Poller` or `fallback::Poller`: both are live.
            "relay::net::tcp -> relay::poll::epoll",
            "relay::net::tcp -> relay::poll::fallback",
            "relay::poll -> relay::poll::epoll",
            "relay::poll -> relay::poll::fallback",
            "relay::poll::epoll -> relay::runtime",
            "relay::poll::fallback -> relay::runtime",
            "relay::runtime -> relay::metrics",
            "relay::runtime -> relay::net::tcp",
            // `cfg_unstable!`: a custom cfg is read both ways without `--target`.
            "relay::trace -> relay::runtime",
        ],
    );
}

#[test]
fn a_target_reads_one_build() {
    expect(
        &["--target", "x86_64-unknown-linux-gnu"],
        &[
            "relay::io -> relay::io::unix",
            "relay::io::sys -> relay::io::unix",
            "relay::metrics -> relay::runtime",
            "relay::net::tcp -> relay::poll::epoll",
            "relay::poll -> relay::poll::epoll",
            "relay::poll::epoll -> relay::runtime",
            "relay::runtime -> relay::metrics",
            "relay::runtime -> relay::net::tcp",
        ],
    );
    // Windows without default features: `cfg_net!` code is gone, `cfg_not_net! { mod net; }`
    // keeps the module; `feature! { #![any(feature = "metrics", ..)] }` is off.
    expect(
        &[
            "--target",
            "x86_64-pc-windows-msvc",
            "--no-default-features",
        ],
        &[
            "relay::io -> relay::io::windows",
            "relay::io::sys -> relay::io::windows",
            "relay::net::tcp -> relay::poll::fallback",
            "relay::poll -> relay::poll::fallback",
            "relay::poll::fallback -> relay::runtime",
        ],
    );
}

#[test]
fn cfg_flags_set_and_features_select() {
    // `--cfg docsrs`: the docs-only `os` re-export is live, so `crate::os::windows::..`
    // reaches `doc`; without it the same path is `std::os` (no edge, see the default).
    let docs = edges(&["--cfg", "docsrs"]);
    assert!(docs.contains(&"relay::io::windows -> relay::doc::os::windows::io".to_string()));
    assert!(docs.contains(&"relay -> relay::doc::os".to_string()));
    // `--features metrics` (plus `default`) on Linux, with the unstable cfg set.
    expect(
        &[
            "--target",
            "x86_64-unknown-linux-gnu",
            "--features",
            "metrics",
            "--cfg",
            "relay_unstable",
        ],
        &[
            "relay::io -> relay::io::unix",
            "relay::io::sys -> relay::io::unix",
            "relay::metrics -> relay::runtime",
            "relay::net::tcp -> relay::poll::epoll",
            "relay::poll -> relay::poll::epoll",
            "relay::poll::epoll -> relay::runtime",
            "relay::runtime -> relay::metrics",
            "relay::runtime -> relay::net::tcp",
            "relay::trace -> relay::runtime",
        ],
    );
}

#[test]
fn test_only_files_and_statements_are_test_code() {
    let with = edges(&["--target", "x86_64-unknown-linux-gnu", "--include-tests"]);
    let without = edges(&["--target", "x86_64-unknown-linux-gnu"]);
    let added: Vec<&String> = with.iter().filter(|e| !without.contains(e)).collect();
    // `testing.rs` starts with `#![cfg(test)]`; `runtime::enter` calls it under
    // `#[cfg(test)]` statements.
    assert_eq!(
        added,
        [
            "relay::runtime -> relay::testing",
            "relay::testing -> relay::net::tcp",
            "relay::testing -> relay::runtime",
        ]
    );
}

#[test]
fn each_reference_site_is_counted_once() {
    let m = manifest();
    for extra in [&[][..], &["--include-tests"][..]] {
        let mut args = vec!["edges", "--manifest-path", m.as_str(), "--format", "json"];
        args.extend_from_slice(extra);
        let r = run(&args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let mut sites: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                format!(
                    "{} {} {}:{}:{}",
                    e["from_module"], e["to_item"], e["file"], e["line"], e["column"]
                )
            })
            .collect();
        // The platform file's references say which builds compile them.
        let epoll = v
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["file"] == "src/poll/epoll.rs")
            .unwrap();
        assert_eq!(epoll["cfg"], "unix", "{epoll}");
        let n = sites.len();
        sites.sort();
        sites.dedup();
        assert_eq!(sites.len(), n, "duplicate reference sites with {extra:?}");
        // `net` is declared by `cfg_net!` and `cfg_not_net!`: its file is read once.
        let tcp_uses = sites
            .iter()
            .filter(|s| s.contains("src/net/tcp.rs\":1:"))
            .count();
        assert_eq!(tcp_uses, 1, "{sites:#?}");
    }
}

#[test]
fn findings_say_which_builds_compile_them() {
    let m = manifest();
    let findings = |extra: &[&str]| -> Vec<(String, Option<String>)> {
        let mut args = vec!["check", "--manifest-path", m.as_str(), "--format", "json"];
        args.extend_from_slice(extra);
        let r = run(&args);
        assert_eq!(r.code, 1, "{}", r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    format!("{}:{}", f["file"].as_str().unwrap(), f["line"]),
                    f["cfg"].as_str().map(str::to_string),
                )
            })
            .collect()
    };
    let s = |a: &str, c: Option<&str>| (a.to_string(), c.map(str::to_string));
    assert_eq!(
        findings(&[]),
        [
            // One finding for `crate::poll::Poller`, though it reaches two definitions.
            s("src/net/tcp.rs:16", None),
            s("src/net/tcp.rs:17", None),
            s("src/poll.rs:12", None),
            s("src/poll/epoll.rs:4", Some("unix")),
            s("src/poll/fallback.rs:4", Some("not(unix)")),
        ]
    );
    assert_eq!(
        findings(&["--target", "aarch64-apple-darwin"]),
        [
            s("src/net/tcp.rs:16", None),
            s("src/net/tcp.rs:17", None),
            s("src/poll.rs:12", None),
            s("src/poll/epoll.rs:4", None)
        ]
    );
    let r = run(&["check", "--manifest-path", m.as_str()]);
    assert!(
        r.stderr
            .contains("note: only builds with `cfg(not(unix))` compile this code"),
        "{}",
        r.stderr
    );
}

#[test]
fn settings_give_the_configuration_and_flags_override_them() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("domains.toml");
    let base = std::fs::read_to_string(fixture("cfg").join("domains.toml")).unwrap();
    // Patterns that name modules this configuration switches off are not typos.
    let text = format!(
        "[settings]\ntarget = \"x86_64-pc-windows-msvc\"\nno_default_features = true\ncfg_off = [\"relay_unstable\"]\n\n{base}\n[domains.docs]\nmodules = [\"crate::doc\", \"crate::io::unix\", \"crate::trace\"]\n"
    );
    std::fs::write(&cfg, text).unwrap();
    let m = manifest();
    let c = cfg.to_str().unwrap();
    let r = run(&["check", "--manifest-path", &m, "--config", c]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("src/poll/fallback.rs"), "{}", r.stderr);
    assert!(!r.stderr.contains("epoll"), "{}", r.stderr);
    assert!(!r.stderr.contains("config-no-match"), "{}", r.stderr);
    let r = run(&[
        "check",
        "--manifest-path",
        &m,
        "--config",
        c,
        "--target",
        "x86_64-unknown-linux-gnu",
    ]);
    assert!(r.stderr.contains("src/poll/epoll.rs"), "{}", r.stderr);
    // A bad setting points at its value.
    std::fs::write(
        &cfg,
        format!("[settings]\ntarget = \"x86_64-unknown-plan9\"\n\n{base}"),
    )
    .unwrap();
    let r = run(&["check", "--manifest-path", &m, "--config", c]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("config-bad-cfg"), "{}", r.stderr);
    assert!(
        r.stderr.contains("no operating system part"),
        "{}",
        r.stderr
    );
}

#[test]
fn bad_options_are_precise_errors() {
    let m = manifest();
    for (args, says) in [
        (
            &["--target", "x86_65-unknown-linux-gnu"][..],
            "`x86_65` is not an architecture",
        ),
        (
            &["--features", "nope"][..],
            "no package of the workspace has the feature(s) `nope`",
        ),
        (&["--cfg", "a=b"][..], "the value must be a quoted string"),
        (&["--cfg-off", "a=\"b\""][..], "not a cfg name"),
    ] {
        for cmd in ["check", "edges"] {
            let mut full = vec![cmd, "--manifest-path", m.as_str()];
            full.extend_from_slice(args);
            let r = run(&full);
            assert_eq!(r.code, 2, "{full:?}: {}", r.stderr);
            assert!(r.stderr.contains(says), "{full:?}: {}", r.stderr);
            assert!(r.stderr.contains("bad-option"), "{full:?}: {}", r.stderr);
        }
    }
}

/// Two live cfg alternatives define one name (`pub use epoll::Poller;` under `cfg(unix)`,
/// `pub use fallback::Poller;` under `not(unix)`): a path to it reaches each definition once,
/// from the module itself and from another one; a concrete build reaches only its own.
#[test]
fn live_alternatives_are_each_reached_once() {
    let sites = |extra: &[&str], at: &str| -> Vec<String> {
        let mut v: Vec<String> = edges_tsv(extra)
            .lines()
            .filter(|l| l.ends_with(&format!("\t{at}")))
            .map(|l| l.split('\t').nth(2).unwrap().to_string())
            .filter(|item| item.contains("Poller"))
            .collect();
        v.sort();
        v
    };
    let both = [
        "relay::poll::epoll::Poller",
        "relay::poll::epoll::Poller::new",
        "relay::poll::fallback::Poller",
        "relay::poll::fallback::Poller::new",
    ];
    assert_eq!(sites(&[], "src/poll.rs:12"), both);
    assert_eq!(
        sites(&[], "src/net/tcp.rs:16"),
        [
            "relay::poll::epoll::Poller",
            "relay::poll::fallback::Poller"
        ]
    );
    let linux = ["--target", "x86_64-unknown-linux-gnu"];
    assert_eq!(
        sites(&linux, "src/poll.rs:12"),
        [
            "relay::poll::epoll::Poller",
            "relay::poll::epoll::Poller::new"
        ]
    );
    assert_eq!(
        sites(&linux, "src/net/tcp.rs:16"),
        ["relay::poll::epoll::Poller"]
    );
}

/// `--cfg test` reads the code as a test build compiles it: `cfg(not(test))` code is off,
/// non-test code reaches what test-only imports bring (`runtime::ticks` calls the mock clock
/// `testing::now`), and test code's own references stay out unless `--include-tests`.
#[test]
fn a_test_build_swaps_what_test_only_imports_bring() {
    let linux = ["--target", "x86_64-unknown-linux-gnu"];
    let with = edges(&[linux[0], linux[1], "--cfg", "test"]);
    let without = edges(&linux);
    let added: Vec<&String> = with.iter().filter(|e| !without.contains(e)).collect();
    assert_eq!(added, ["relay::runtime -> relay::testing"]);
    assert!(without.iter().all(|e| with.contains(e)), "{with:?}");
    let tsv = edges_tsv(&[linux[0], linux[1], "--cfg", "test"]);
    let to_testing: Vec<&str> = tsv
        .lines()
        .filter(|l| l.contains("\trelay::testing\t"))
        .collect();
    assert_eq!(
        to_testing,
        ["relay::runtime\trelay::testing\trelay::testing::now\tfn\tsrc/runtime.rs:41"]
    );
}
