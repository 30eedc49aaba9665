//! `--help` is complete: every argument of every subcommand, and every value of an enumerated
//! option, has a description. Walks clap's command tree, so a new flag without a doc comment
//! fails here rather than in a user's terminal.

use clap::CommandFactory;

use cargo_domains::cli::Cli;

/// `command path: argument` for every argument (and enumerated value) without help text.
fn undocumented(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
    for arg in cmd.get_arguments() {
        if arg.is_hide_set() {
            continue;
        }
        let name = arg
            .get_long()
            .map(|l| format!("--{l}"))
            .unwrap_or_else(|| arg.get_id().to_string());
        if arg.get_help().is_none() && arg.get_long_help().is_none() {
            out.push(format!("{path}: {name}"));
        }
        let values = arg.get_possible_values();
        // clap lists the values with their descriptions under `--help`: a value without one
        // is printed bare among described ones.
        for v in values.iter().filter(|v| !v.is_hide_set()) {
            if v.get_help().is_none() {
                out.push(format!("{path}: {name} {}", v.get_name()));
            }
        }
    }
    for sub in cmd.get_subcommands() {
        if sub.get_about().is_none() && sub.get_name() != "help" {
            out.push(format!("{path} {}: no description", sub.get_name()));
        }
        undocumented(sub, &format!("{path} {}", sub.get_name()), out);
    }
}

#[test]
fn every_argument_of_every_subcommand_has_help() {
    let mut cmd = Cli::command();
    cmd.build();
    let mut missing = Vec::new();
    undocumented(&cmd, "cargo domains", &mut missing);
    assert!(
        missing.is_empty(),
        "arguments without help text:\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn the_walk_sees_every_subcommand_and_their_flags() {
    // The test above is only as good as its walk: it must reach nested arguments.
    let mut cmd = Cli::command();
    cmd.build();
    let names: Vec<&str> = cmd.get_subcommands().map(|s| s.get_name()).collect();
    for n in [
        "check", "edges", "modules", "init", "graph", "explain", "score", "sync",
    ] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    let check = cmd.find_subcommand("check").unwrap();
    assert!(
        check
            .get_arguments()
            .any(|a| a.get_long() == Some("config"))
    );
    assert!(
        check
            .get_arguments()
            .any(|a| a.get_long() == Some("manifest-path"))
    );
}
