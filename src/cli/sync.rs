//! `cargo domains sync`: the command line of [`crate::sync`]. Without `--add`/`--prune` it
//! prints what it would change and exits 0; `--check` exits 1 when the file is out of date
//! (like `cargo fmt --check`); `--add`/`--prune` write the file atomically. Exit 2: a usage,
//! configuration or write error (the file is then unchanged).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::{Common, options, report_error, style};
use crate::analysis::{self, Checked};
use crate::report::human::Style;
use crate::sync::{self, Place, Plan, Select};

#[derive(Args, Debug)]
pub struct SyncArgs {
    #[command(flatten)]
    pub common: Common,
    /// Configuration file (default: domains.toml at the workspace root, then
    /// [workspace.metadata.domains] in Cargo.toml)
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Add to depends_on the domains the code uses and `check` reports as forbidden
    #[arg(long)]
    pub add: bool,
    /// Remove the depends_on entries that no reference uses (and repeated ones); "*" stays
    #[arg(long)]
    pub prune: bool,
    /// Change nothing; exit 1 if the file is out of date (with --add or --prune: for those
    /// changes only)
    #[arg(long)]
    pub check: bool,
}

pub fn run(a: SyncArgs) -> i32 {
    let style = style(a.common.color);
    let checked = match analysis::check(&options(&a.common, a.config.clone())) {
        Ok(c) => c,
        Err(e) => return report_error(e, &style),
    };
    let plan = sync::plan(&checked);
    let sel = if a.add || a.prune {
        Select {
            add: a.add,
            prune: a.prune,
        }
    } else {
        Select {
            add: true,
            prune: true,
        }
    };
    let write = (a.add || a.prune) && !a.check;
    if let Some(code) = unknown_files(&plan, sel, write || a.check) {
        return code;
    }
    let mut out = std::io::stdout().lock();
    for c in plan.selected(sel) {
        if writeln!(out, "{c}").is_err() {
            break;
        }
    }
    drop(out);
    let name = &checked.config.source.name;
    let (adds, removes) = counts(&plan, sel);
    let place = if a.config.is_none()
        && checked.config.source.path == checked.analysis.workspace.root_manifest
    {
        Place::Manifest
    } else {
        Place::File
    };
    if adds + removes == 0 {
        eprintln!("{name}: depends_on matches the code, nothing to change");
        if !a.check {
            let left = sync::remaining(&checked, &checked.config, sel);
            eprint!("{}", sync::render_remaining(&left, false));
        }
        return 0;
    }
    if a.check {
        eprintln!(
            "{name} is out of date: {adds} entr{} to add, {removes} to remove; `{}` updates it",
            if adds == 1 { "y" } else { "ies" },
            fix_command(adds, removes)
        );
        return 1;
    }
    if !write {
        eprintln!(
            "would add {adds} and remove {removes} depends_on entr{} in {name}; nothing was changed (`{}` writes it)",
            if adds + removes == 1 { "y" } else { "ies" },
            fix_command(adds, removes)
        );
        if let Ok((_, new, _)) = edited(&checked, &checked.config.source.text, &plan, sel, place) {
            let left = sync::remaining(&checked, &new, sel);
            eprint!("{}", sync::render_remaining(&left, true));
        }
        return 0;
    }
    write_plan(&checked, &plan, sel, place, &style)
}

/// The configuration's text with the selected changes, checked to load as planned.
fn edited(
    c: &Checked,
    current: &str,
    plan: &Plan,
    sel: Select,
    place: Place,
) -> Result<
    (
        String,
        crate::config::Config,
        Vec<crate::config::ConfigError>,
    ),
    String,
> {
    let edits = plan.edits(sel);
    let text = sync::edit::apply(current, place, &edits)?;
    let (new, warnings) = sync::verify(&c.config, &text, place, &edits)?;
    Ok((text, new, warnings))
}

fn counts(plan: &Plan, sel: Select) -> (usize, usize) {
    let adds = plan.selected(sel).filter(|c| c.is_addition()).count();
    (adds, plan.selected(sel).count() - adds)
}

fn fix_command(adds: usize, removes: usize) -> String {
    let mut s = "cargo domains sync".to_string();
    if adds > 0 {
        s.push_str(" --add");
    }
    if removes > 0 {
        s.push_str(" --prune");
    }
    s
}

/// Pruning needs every reference: with files that could not be analysed, an entry only they
/// use would look unused. `--prune` and `--check` refuse (exit 2); a preview warns.
fn unknown_files(plan: &Plan, sel: Select, strict: bool) -> Option<i32> {
    if !sel.prune || plan.unanalysed.is_empty() {
        return None;
    }
    let n = plan.unanalysed.len();
    let list = plan.unanalysed.join(", ");
    if strict {
        eprintln!(
            "error: {n} file{} could not be analysed ({list}): an entry only they use would look unused, so nothing is pruned\n  help: fix them (`cargo domains check` shows why), or run `cargo domains sync --add` alone",
            if n == 1 { "" } else { "s" }
        );
        return Some(2);
    }
    eprintln!(
        "warning: {n} file{} could not be analysed ({list}): the entries listed as unused may be used there",
        if n == 1 { "" } else { "s" }
    );
    None
}

/// Edits the file as the plan says, checks the result loads, and replaces it atomically.
fn write_plan(c: &Checked, plan: &Plan, sel: Select, place: Place, style: &Style) -> i32 {
    let src = &c.config.source;
    let current = match crate::safe_read::read_text(&src.path, crate::safe_read::MAX_INPUT_BYTES) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read `{}` again: {e}", src.path.display());
            return 2;
        }
    };
    if current != *src.text {
        eprintln!(
            "error: {} changed while the code was analysed; nothing was written\n  help: run `cargo domains sync` again",
            src.name
        );
        return 2;
    }
    let (text, new, warnings) = match edited(c, &current, plan, sel, place) {
        Ok(r) => r,
        Err(m) => {
            eprintln!(
                "error: cannot edit {}: {m}; nothing was written (a bug: please report it)",
                src.name
            );
            return 2;
        }
    };
    if let Err(e) = crate::atomic::replace(&src.path, text.as_bytes()) {
        eprintln!("error: {e}\n  {} was left unchanged", src.name);
        return 2;
    }
    let (adds, removes) = counts(plan, sel);
    eprintln!(
        "wrote {}: {adds} depends_on entr{} added, {removes} removed",
        src.name,
        if adds == 1 { "y" } else { "ies" }
    );
    report_new_warnings(c, warnings, &text, place, style);
    let rest = Select {
        add: !sel.add,
        prune: !sel.prune,
    };
    let (left_add, left_rm) = counts(plan, rest);
    if left_add + left_rm > 0 {
        eprintln!(
            "{left_add} to add and {left_rm} to remove are left; `{}` does them",
            fix_command(left_add, left_rm)
        );
    }
    eprint!(
        "{}",
        sync::render_remaining(&sync::remaining(c, &new, sel), true)
    );
    0
}

/// Warnings the edit created (an addition that makes `depends_on` declare a cycle).
fn report_new_warnings(
    c: &Checked,
    mut warnings: Vec<crate::config::ConfigError>,
    text: &str,
    place: Place,
    style: &Style,
) {
    if warnings.is_empty() {
        return;
    }
    if place == Place::Manifest {
        // The spans point into the table alone, not into Cargo.toml.
        warnings.iter_mut().for_each(|w| w.span = None);
    }
    let errs = crate::config::ConfigErrors {
        source: Some(crate::config::ConfigSource {
            text: std::sync::Arc::from(text),
            ..c.config.source.clone()
        }),
        errors: warnings,
    };
    eprint!(
        "{}",
        crate::report::human::render_config_errors(&errs, style)
    );
}
