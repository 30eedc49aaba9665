//! `cargo domains init`: a first domains.toml written from the module tree, green from the
//! start (`depends_on` holds today's actual dependencies), and `--suggest`: domains proposed
//! by community detection (Louvain) on the module graph, with the modularity of the proposal
//! next to that of the plain top-level split.

pub mod louvain;

use std::collections::{BTreeMap, BTreeSet};

use crate::analysis::Analysis;
use crate::config::pattern::pattern_for;
use crate::modules::{ModuleId, Program};

/// A proposed domain: name and the patterns that claim its modules.
#[derive(Clone, Debug)]
pub struct Proposed {
    pub name: String,
    pub modules: Vec<String>,
    pub modules_exact: Vec<String>,
    pub members: Vec<ModuleId>,
    /// The composition root: crate roots, and modules above `depth`.
    pub root: bool,
}

/// The result of `init`: the config text and the figures shown to the user.
pub struct Init {
    pub text: String,
    pub domains: usize,
    pub modularity: f64,
    /// With `--suggest`: the modularity of the top-level split, for comparison.
    pub baseline_modularity: Option<f64>,
    pub cycles: Vec<Vec<String>>,
}

fn sanitize(s: &str) -> String {
    let s: String = s
        .trim_start_matches("r#")
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() { "root_".into() } else { s }
}

fn counted(p: &Program, m: ModuleId, include_tests: bool) -> bool {
    include_tests || !p.modules[m as usize].is_test
}

/// One domain per module at `depth` below each crate root, and per leaf module above it;
/// the other modules above it go to `app`.
pub fn top_level_split(a: &Analysis, depth: u32) -> Vec<Proposed> {
    let p = &a.program;
    let depth = depth.max(1);
    let mut root = Proposed {
        name: "app".into(),
        modules: Vec::new(),
        modules_exact: Vec::new(),
        members: Vec::new(),
        root: true,
    };
    let mut by_name: BTreeMap<String, Proposed> = BTreeMap::new();
    let multi_lib = p
        .crates
        .iter()
        .filter(|c| c.info.kind == crate::workspace::TargetKind::Lib)
        .count()
        > 1;
    for (mid, m) in p.modules.iter().enumerate() {
        let mid = mid as ModuleId;
        if !counted(p, mid, a.include_tests) {
            continue;
        }
        let krate = &p.crates[m.krate as usize].info;
        if krate.kind != crate::workspace::TargetKind::Lib {
            // Binaries are composition roots: main.rs wires the library together.
            if m.parent.is_none() {
                root.modules.push(pattern_for(p, mid, &a.workspace));
            }
            root.members.push(mid);
            continue;
        }
        // A module above `depth` belongs to the root, unless it is a leaf: then it is a
        // domain of its own (`crate::error` at `--depth 2`), so that the domains at
        // different depths are comparable.
        let leaf = m
            .children
            .values()
            .all(|c| !counted(p, *c, a.include_tests));
        if m.depth < depth && (m.depth == 0 || !leaf) {
            root.modules_exact.push(pattern_for(p, mid, &a.workspace));
            root.members.push(mid);
            continue;
        }
        // The ancestor at `depth` names the domain.
        let mut anc = mid;
        while p.modules[anc as usize].depth > depth {
            anc = p.modules[anc as usize]
                .parent
                .expect("deeper than depth has a parent");
        }
        let segs: Vec<&str> = p.modules[anc as usize].path.split("::").skip(1).collect();
        let base = sanitize(&segs.join("_"));
        let name = if multi_lib {
            format!("{}_{base}", sanitize(&krate.name))
        } else {
            base
        };
        let d = by_name.entry(name.clone()).or_insert_with(|| Proposed {
            name,
            modules: Vec::new(),
            modules_exact: Vec::new(),
            members: Vec::new(),
            root: false,
        });
        if anc == mid {
            d.modules.push(pattern_for(p, mid, &a.workspace));
        }
        d.members.push(mid);
    }
    root.name = root_name(|n| by_name.contains_key(n));
    let mut out = vec![root];
    out.extend(by_name.into_values());
    out.retain(|d| !d.members.is_empty());
    out
}

/// `app`, unless a domain already has that name.
fn root_name(taken: impl Fn(&str) -> bool) -> String {
    ["app", "composition_root", "root"]
        .into_iter()
        .find(|n| !taken(n))
        .map(str::to_string)
        .unwrap_or_else(|| {
            (2..)
                .map(|i| format!("app_{i}"))
                .find(|n| !taken(n))
                .expect("a free name")
        })
}

/// The undirected module graph: weight = references between two modules (either way).
fn module_graph(a: &Analysis) -> louvain::Graph {
    let mut g = louvain::Graph::new(a.program.modules.len());
    for r in &a.resolution.refs {
        if crate::graph::counts(r, a.include_tests) {
            g.add(r.from as usize, r.to as usize, 1.0);
        }
    }
    g
}

fn partition(domains: &[Proposed], n: usize) -> Vec<usize> {
    // Modules outside every proposal (test code) get their own singleton ids.
    let mut c: Vec<usize> = (0..n).map(|i| domains.len() + i).collect();
    for (di, d) in domains.iter().enumerate() {
        for m in &d.members {
            c[*m as usize] = di;
        }
    }
    c
}

/// Domains from Louvain communities. A module and all its descendants in one community
/// become one subtree pattern; the rest are exact claims.
pub fn suggest(a: &Analysis) -> Vec<Proposed> {
    let p = &a.program;
    let g = module_graph(a);
    let comm = louvain::louvain(&g);
    let lib_module = |m: usize| {
        counted(p, m as ModuleId, a.include_tests)
            && p.crates[p.modules[m].krate as usize].info.kind == crate::workspace::TargetKind::Lib
    };
    // Whole subtrees in one community.
    let mut whole = vec![true; p.modules.len()];
    for m in (0..p.modules.len()).rev() {
        for c in p.modules[m].children.values() {
            if !whole[*c as usize] || comm[*c as usize] != comm[m] {
                whole[m] = false;
            }
        }
    }
    let mut groups: BTreeMap<usize, Proposed> = BTreeMap::new();
    let mut root = Proposed {
        name: "app".into(),
        modules: Vec::new(),
        modules_exact: Vec::new(),
        members: Vec::new(),
        root: true,
    };
    for (m, module) in p.modules.iter().enumerate() {
        if !counted(p, m as ModuleId, a.include_tests) {
            continue;
        }
        if !lib_module(m) || module.parent.is_none() {
            if module.parent.is_none() {
                if lib_module(m) {
                    root.modules_exact
                        .push(pattern_for(p, m as ModuleId, &a.workspace));
                } else {
                    root.modules
                        .push(pattern_for(p, m as ModuleId, &a.workspace));
                }
            }
            root.members.push(m as ModuleId);
            continue;
        }
        let d = groups.entry(comm[m]).or_insert_with(|| Proposed {
            name: String::new(),
            modules: Vec::new(),
            modules_exact: Vec::new(),
            members: Vec::new(),
            root: false,
        });
        d.members.push(m as ModuleId);
        let parent_whole = module.parent.is_some_and(|par| {
            whole[par as usize]
                && p.modules[par as usize].parent.is_some()
                && comm[par as usize] == comm[m]
        });
        if parent_whole {
            continue; // covered by its parent's subtree claim
        }
        if whole[m] {
            d.modules.push(pattern_for(p, m as ModuleId, &a.workspace));
        } else {
            d.modules_exact
                .push(pattern_for(p, m as ModuleId, &a.workspace));
        }
    }
    // Name each community after its shallowest, then largest, module.
    let mut used = BTreeSet::new();
    let mut out = Vec::new();
    for (_, mut d) in groups {
        let best = d
            .members
            .iter()
            .min_by_key(|m| {
                (
                    p.modules[**m as usize].depth,
                    std::cmp::Reverse(p.modules[**m as usize].children.len()),
                    **m,
                )
            })
            .copied()
            .unwrap_or(0);
        let mut name = sanitize(&p.modules[best as usize].name);
        let mut i = 2;
        while used.contains(&name) {
            name = format!("{}_{i}", sanitize(&p.modules[best as usize].name));
            i += 1;
        }
        used.insert(name.clone());
        d.name = name;
        out.push(d);
    }
    root.name = root_name(|n| used.contains(n));
    out.insert(0, root);
    out.retain(|d| !d.members.is_empty());
    out
}

fn toml_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    let one_line = format!("[{}]", quoted.join(", "));
    if one_line.len() <= 90 {
        return one_line;
    }
    format!(
        "[\n{}\n]",
        quoted
            .iter()
            .map(|q| format!("    {q},"))
            .collect::<Vec<_>>()
            .join("\n")
    )
}

/// Renders proposed domains as a commented domains.toml, `depends_on` from the actual graph.
pub fn render(a: &Analysis, domains: &[Proposed], header: &str) -> Init {
    let p = &a.program;
    let n = p.modules.len();
    let part = partition(domains, n);
    let mut deps: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); domains.len()];
    for r in &a.resolution.refs {
        if !crate::graph::counts(r, a.include_tests) {
            continue;
        }
        let (x, y) = (part[r.from as usize], part[r.to as usize]);
        if x != y && x < domains.len() && y < domains.len() {
            deps[x].insert(y);
        }
    }
    // Cycles among the proposed domains (Tarjan via petgraph).
    let mut g = petgraph::graph::DiGraph::<usize, ()>::new();
    let nodes: Vec<_> = (0..domains.len()).map(|i| g.add_node(i)).collect();
    for (x, ys) in deps.iter().enumerate() {
        for y in ys {
            g.add_edge(nodes[x], nodes[*y], ());
        }
    }
    let mut cycles: Vec<Vec<String>> = petgraph::algo::kosaraju_scc(&g)
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|c| {
            let mut names: Vec<String> = c.iter().map(|n| domains[g[*n]].name.clone()).collect();
            names.sort();
            names
        })
        .collect();
    cycles.sort();
    let q = louvain::modularity(&module_graph(a), &part);

    let mut t = String::new();
    t.push_str(header);
    t.push_str(
        "# Generated by `cargo domains init` from the code as it is today: every module is in a\n\
         # domain and `depends_on` lists the dependencies that exist now, so the check starts\n\
         # green. Edit it into the architecture you want: remove the dependencies that should\n\
         # not exist (each becomes a finding to fix, or to record with --update-baseline), mark\n\
         # shared kernels, declare interfaces. Every key: docs/configuration.md.\n\n",
    );
    t.push_str("[settings]\n");
    t.push_str("# allow | warn | deny. A module added outside every domain is reported.\n");
    t.push_str("unassigned = \"warn\"\n");
    if cycles.is_empty() {
        t.push_str(
            "# Domains that depend on each other in a cycle cannot be extracted separately.\n",
        );
        t.push_str("cycles = \"deny\"\n");
    } else {
        t.push_str(
            "# These domains depend on each other in a cycle today, so cycles only warn for now:\n",
        );
        for c in &cycles {
            t.push_str(&format!("#   {}\n", c.join(", ")));
        }
        t.push_str("# Cut the cycles (or merge the domains), then set this to \"deny\".\n");
        t.push_str("cycles = \"warn\"\n");
    }
    t.push_str("forbidden = \"deny\"\ninterface = \"deny\"\n");
    if a.include_tests {
        t.push_str(
            "# Written with --include-tests: #[cfg(test)] code and the integration tests (`test:NAME`\n\
             # targets, in the composition root) are analysed too.\n",
        );
        t.push_str("include_tests = true\n");
    } else {
        t.push_str(
            "# #[cfg(test)] code and tests/ legitimately cross domains; they are ignored by default.\n",
        );
        t.push_str("include_tests = false\n");
    }
    for (i, d) in domains.iter().enumerate() {
        let lines: u64 = {
            let mut files = BTreeSet::new();
            for m in &d.members {
                files.insert(p.modules[*m as usize].file);
            }
            files
                .iter()
                .map(|f| p.files[*f as usize].lines as u64)
                .sum()
        };
        t.push_str(&format!("\n[domains.{}]\n", d.name));
        if d.root {
            t.push_str(
                "# The composition root: crate roots and binaries wire the domains together.\n",
            );
            t.push_str(&format!(
                "description = \"Composition root ({} modules, {lines} lines)\"\n",
                d.members.len()
            ));
        } else {
            t.push_str(&format!(
                "description = \"{} modules, {lines} lines\"\n",
                d.members.len()
            ));
        }
        if !d.modules.is_empty() {
            t.push_str(&format!("modules = {}\n", toml_list(&d.modules)));
        }
        if !d.modules_exact.is_empty() {
            t.push_str(&format!(
                "modules_exact = {}\n",
                toml_list(&d.modules_exact)
            ));
        }
        if d.root {
            t.push_str("depends_on = [\"*\"]\n");
        } else {
            let mut names: Vec<String> = deps[i].iter().map(|j| domains[*j].name.clone()).collect();
            names.sort();
            t.push_str(&format!("depends_on = {}\n", toml_list(&names)));
        }
    }
    Init {
        text: t,
        domains: domains.len(),
        modularity: q,
        baseline_modularity: None,
        cycles,
    }
}

/// The whole `init`: the top-level split, or with `suggest` the Louvain proposal (and the
/// modularity of both).
pub fn init(a: &Analysis, depth: u32, suggest_domains: bool) -> Init {
    let split = top_level_split(a, depth);
    if !suggest_domains {
        return render(a, &split, "");
    }
    let split_q = render(a, &split, "").modularity;
    let proposal = suggest(a);
    let mut out = render(
        a,
        &proposal,
        "# Domains proposed by community detection (Louvain modularity clustering) on the module\n\
         # graph: modules that reference each other a lot end up together. Rename them, and\n\
         # compare with the plain top-level split (`cargo domains init` without --suggest).\n",
    );
    out.baseline_modularity = Some(split_q);
    out
}
