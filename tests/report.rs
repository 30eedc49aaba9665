//! `cargo domains report` end to end: the domain matrix against the analysis' own counts
//! (`graph --format json`) and references (`explain`), the module matrices' invariants,
//! escaping of hostile names and paths, self-containment, `--source-url` links, and a real
//! browser (headless Chromium) rendering shop's report without a script error.

mod common;
use common::*;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn manifest(name: &str) -> String {
    fixture(name)
        .join("Cargo.toml")
        .to_str()
        .unwrap()
        .to_string()
}

/// Runs `report` on a manifest into a temporary file; returns the page and stderr.
fn report(manifest: &str, extra: &[&str]) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.html");
    let mut args = vec![
        "report",
        "--manifest-path",
        manifest,
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let r = run(&args);
    assert_eq!(r.code, 0, "report {extra:?}: {}", r.stderr);
    (std::fs::read_to_string(&out).unwrap(), r.stderr)
}

/// The attributes of every `<TAG ...>` start tag (values unescaped).
fn tags(html: &str, tag: &str) -> Vec<BTreeMap<String, String>> {
    let open = format!("<{tag} ");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&open) {
        let body = &rest[i + open.len()..];
        let end = body.find('>').unwrap();
        let mut attrs = BTreeMap::new();
        let mut s = &body[..end];
        while let Some(eq) = s.find("=\"") {
            let name = s[..eq].trim().to_string();
            let after = &s[eq + 2..];
            let close = after.find('"').unwrap();
            attrs.insert(name, unescape(&after[..close]));
            s = &after[close + 1..];
        }
        out.push(attrs);
        rest = &body[end..];
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The JSON the page's script draws from.
fn data(html: &str) -> serde_json::Value {
    let start = html.find("id=\"report-data\">").unwrap() + "id=\"report-data\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

/// Domain names in matrix order (the row headers).
fn row_order(html: &str) -> Vec<String> {
    let table = &html[html.find("id=\"domain-dsm\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    tags(table, "button")
        .iter()
        .map(|a| {
            let d: usize = a["data-domain"].parse().unwrap();
            data(html)["domains"][d].as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn shop_domain_matrix_cells_are_the_domain_graph_reference_counts() {
    let m = manifest("shop");
    let (html, stderr) = report(&m, &["--no-graphviz"]);
    assert!(stderr.contains("graph drawn by built-in"), "{stderr}");
    // The same analysis, through `graph --format json`: every edge between two domains.
    let g = run(&["graph", "--manifest-path", &m, "--format", "json"]);
    let g: serde_json::Value = serde_json::from_str(&g.stdout).unwrap();
    let expected: BTreeMap<(String, String), u64> = g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["from"] != "(unassigned)" && e["to"] != "(unassigned)")
        .map(|e| {
            (
                (
                    e["from"].as_str().unwrap().to_string(),
                    e["to"].as_str().unwrap().to_string(),
                ),
                e["references"].as_u64().unwrap(),
            )
        })
        .collect();
    let cells: Vec<BTreeMap<String, String>> = tags(&html, "td")
        .into_iter()
        .filter(|t| t.contains_key("data-from"))
        .collect();
    let actual: BTreeMap<(String, String), u64> = cells
        .iter()
        .map(|t| {
            (
                (t["data-from"].clone(), t["data-to"].clone()),
                t["data-n"].parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(actual, expected);
    assert_eq!(actual.len(), 31, "shop has 31 domain pairs with references");

    // Layered order: only the cut dependency (payments -> orders, 5 refs against 42 the other
    // way) is above the diagonal, and it is marked; the cycle is one outlined block.
    let order = row_order(&html);
    assert_eq!(order.len(), 9);
    let pos = |d: &str| order.iter().position(|x| x == d).unwrap();
    let mut above = Vec::new();
    for t in &cells {
        let (a, b) = (&t["data-from"], &t["data-to"]);
        let class = &t["class"];
        if pos(a) < pos(b) {
            above.push((a.as_str(), b.as_str()));
            assert!(
                class.contains("up") && class.contains("cut"),
                "{a}->{b}: {class}"
            );
        } else {
            assert!(
                !class.contains("cut") && !class.contains("up"),
                "{a}->{b}: {class}"
            );
        }
        let in_block = ["orders", "payments"].contains(&a.as_str())
            && ["orders", "payments"].contains(&b.as_str());
        assert_eq!(class.contains("blk"), in_block, "{a}->{b}: {class}");
    }
    assert_eq!(above, [("payments", "orders")]);
    assert_eq!(pos("orders"), pos("payments") + 1);
    // What everything uses comes first, the composition root last.
    assert_eq!(order[0], "shared");
    assert_eq!(order[8], "app");
}

#[test]
fn a_cell_links_to_the_references_explain_lists() {
    let m = manifest("shop");
    let (html, _) = report(&m, &["--no-graphviz"]);
    let d = data(&html);
    let domains: Vec<&str> = d["domains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    let id = |n: &str| domains.iter().position(|x| *x == n).unwrap();
    for (from, to) in [
        ("payments", "orders"),
        ("orders", "payments"),
        ("app", "db"),
    ] {
        let key = format!("{},{}", id(from), id(to));
        assert!(
            html.contains(&format!("data-pair=\"{key}\"")),
            "{from}->{to}: no link"
        );
        let pair = &d["pairs"][&key];
        let listed: BTreeSet<(String, u64, u64, String, String)> = pair["refs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    d["files"][r[0].as_u64().unwrap() as usize]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    r[1].as_u64().unwrap(),
                    r[2].as_u64().unwrap(),
                    d["modules"][r[3].as_u64().unwrap() as usize]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    r[4].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let e = run(&[
            "explain",
            from,
            to,
            "--manifest-path",
            &m,
            "--format",
            "json",
        ]);
        let e: serde_json::Value = serde_json::from_str(&e.stdout).unwrap();
        let mut explained = BTreeSet::new();
        for item in e["items"].as_array().unwrap() {
            for r in item["references"].as_array().unwrap() {
                explained.insert((
                    r["file"].as_str().unwrap().to_string(),
                    r["line"].as_u64().unwrap(),
                    r["column"].as_u64().unwrap(),
                    r["from_module"].as_str().unwrap().to_string(),
                    item["item"].as_str().unwrap().to_string(),
                ));
            }
        }
        assert_eq!(pair["n"], e["references"], "{from}->{to}");
        assert_eq!(listed, explained, "{from}->{to}");
    }
    // Forbidden references are flagged as such.
    let pair = &d["pairs"][&format!("{},{}", id("payments"), id("orders"))];
    let forbidden = pair["refs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r[5] == "forbidden")
        .count();
    assert_eq!(forbidden, 3);
}

#[test]
fn module_matrices_keep_cycles_together_and_cut_only_above_the_diagonal() {
    let (html, _) = report(&manifest("shop"), &["--no-graphviz"]);
    let d = data(&html);
    let mut modules_seen = 0;
    for mm in d["module_matrices"].as_array().unwrap() {
        let n = mm["modules"].as_array().unwrap().len();
        modules_seen += n;
        let blocks: Vec<(u64, u64)> = mm["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| (b[0].as_u64().unwrap(), b[1].as_u64().unwrap()))
            .collect();
        let block_of = |i: u64| blocks.iter().position(|b| (b.0..b.0 + b.1).contains(&i));
        let cut: BTreeSet<(u64, u64)> = mm["cut"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c[0].as_u64().unwrap(), c[1].as_u64().unwrap()))
            .collect();
        for c in mm["cells"].as_array().unwrap() {
            let (r, col) = (c[0].as_u64().unwrap(), c[1].as_u64().unwrap());
            assert!(c[2].as_u64().unwrap() > 0);
            assert!((r as usize) < n && (col as usize) < n);
            if r < col {
                // Above the diagonal: a cut, inside a cycle block.
                assert!(cut.contains(&(r, col)), "{mm}");
                assert!(
                    block_of(r).is_some() && block_of(r) == block_of(col),
                    "{mm}"
                );
            }
        }
        for &(r, col) in &cut {
            assert!(r < col, "{mm}");
        }
    }
    // Every assigned non-test module is in exactly one matrix (81 modules, 2 unassigned).
    assert_eq!(modules_seen, 79);
    // The module cycles of shop: inventory's facade and its children, payments' api and
    // service; each one outlined block with something to cut.
    let block = |domain: &str| {
        let di = d["domains"]
            .as_array()
            .unwrap()
            .iter()
            .position(|x| x == domain)
            .unwrap();
        let mm = &d["module_matrices"][di];
        let ids = mm["modules"].as_array().unwrap();
        let b = &mm["blocks"].as_array().unwrap();
        assert_eq!(b.len(), 1, "{domain}: {mm}");
        assert!(!mm["cut"].as_array().unwrap().is_empty(), "{domain}: {mm}");
        let (start, len) = (b[0][0].as_u64().unwrap(), b[0][1].as_u64().unwrap());
        (start..start + len)
            .map(|i| {
                d["modules"][ids[i as usize].as_u64().unwrap() as usize]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect::<BTreeSet<String>>()
    };
    assert_eq!(
        block("inventory"),
        BTreeSet::from(
            [
                "shop::inventory",
                "shop::inventory::reservation",
                "shop::inventory::service",
                "shop::inventory::stock"
            ]
            .map(String::from)
        )
    );
    assert_eq!(
        block("payments"),
        BTreeSet::from(["shop::payments::api", "shop::payments::service"].map(String::from))
    );
}

/// A two-domain crate whose names and paths are hostile to HTML.
fn hostile_crate() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let w = |p: &str, t: &str| {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, t).unwrap();
    };
    w(
        "Cargo.toml",
        "[package]\nname = \"hostile\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    );
    w(
        "src/lib.rs",
        "pub mod billing;\n#[path = \"orders/<img src=x onerror=alert(1)>&amp;.rs\"]\npub mod orders;\n",
    );
    w(
        "src/billing.rs",
        "pub fn charge() -> u32 { crate::orders::total() }\n",
    );
    w(
        "src/orders/<img src=x onerror=alert(1)>&amp;.rs",
        "pub fn total() -> u32 { 1 }\npub fn pay() -> u32 { crate::billing::charge() }\n",
    );
    w(
        "domains.toml",
        "[domains.billing]\nmodules = [\"crate::billing\"]\ndescription = \"</script><script>alert(1)</script>\"\ndepends_on = [\"orders\"]\n\n[domains.orders]\nmodules = [\"crate::orders\"]\ndescription = \"\\\"><svg onload=alert(2)>\"\n",
    );
    dir
}

#[test]
fn hostile_names_and_paths_are_escaped() {
    let dir = hostile_crate();
    let m = dir.path().join("Cargo.toml");
    for extra in [&["--no-graphviz"][..], &[][..]] {
        let (html, _) = report(m.to_str().unwrap(), extra);
        for raw in [
            "<script>alert(1)",
            "<img src=x",
            "<svg onload",
            "alert(1)</script>",
        ] {
            assert!(!html.contains(raw), "{raw} unescaped ({extra:?})");
        }
        // The texts are there, escaped: in the matrix row titles and in the findings.
        assert!(
            html.contains("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{extra:?}"
        );
        assert!(
            html.contains("orders/&lt;img src=x onerror=alert(1)&gt;&amp;amp;.rs:2:"),
            "the finding's location, escaped ({extra:?})"
        );
        // And in the script data as \u escapes that JSON still reads back.
        let d = data(&html);
        let files: Vec<&str> = d["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        assert!(
            files.contains(&"src/orders/<img src=x onerror=alert(1)>&amp;.rs"),
            "{files:?}"
        );
        // Exactly the two scripts of the page, and the data block: nothing a name injected.
        assert_eq!(html.matches("<script").count(), 3, "{extra:?}");
        assert_eq!(html.matches("</script>").count(), 3, "{extra:?}");
    }
}

#[test]
fn the_page_is_self_contained_and_links_sources_only_when_asked() {
    let m = manifest("shop");
    let (html, _) = report(&m, &[]);
    assert!(html.len() < 2 * 1024 * 1024);
    let lower = html.to_ascii_lowercase();
    for attr in ["src", "href", "xlink:href", "action", "poster", "data"] {
        for q in ["\"", "'", ""] {
            for scheme in ["http:", "https:", "//"] {
                let bad = format!(" {attr}={q}{scheme}");
                assert!(!lower.contains(&bad), "external resource: {bad}");
            }
        }
    }
    for bad in [
        "<link", "@import", "url(http", "url(//", "<iframe", "<object", "<embed",
    ] {
        assert!(!lower.contains(bad), "{bad}");
    }
    // Scripts and styles are inline.
    for t in tags(&html, "script") {
        assert!(!t.contains_key("src"), "{t:?}");
    }
    assert!(!html.contains("<a href=\"https://"));

    let base = "https://git.example/shop/blob/main";
    let (html, _) = report(&m, &["--source-url", base]);
    let links: Vec<String> = tags(&html, "a")
        .into_iter()
        .filter_map(|a| a.get("href").cloned())
        .filter(|h| h.starts_with("https://"))
        .collect();
    // One per finding (the matrix cells link to the page itself).
    let check = run(&["check", "--manifest-path", &m, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&check.stdout).unwrap();
    let expected: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{base}/{}#L{}",
                f["file"].as_str().unwrap(),
                f["line"].as_u64().unwrap()
            )
        })
        .collect();
    assert_eq!(
        links.iter().collect::<BTreeSet<_>>(),
        expected.iter().collect::<BTreeSet<_>>()
    );
    assert_eq!(data(&html)["source_url"], base);

    let r = run(&[
        "report",
        "--manifest-path",
        &m,
        "--source-url",
        "javascript:alert(1)",
        "-o",
        "-",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("must start with https://"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
}

#[test]
fn graphviz_draws_the_graph_when_it_is_on_path() {
    let has_dot = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("dot").is_file()));
    if !has_dot {
        assert!(
            std::env::var_os("CI").is_none(),
            "Graphviz `dot` is not on PATH, and CI is set: .ci/run installs it"
        );
        eprintln!("note: Graphviz `dot` not on PATH: skipped");
        return;
    }
    let (html, stderr) = report(&manifest("shop"), &[]);
    assert!(stderr.contains("graph drawn by graphviz"), "{stderr}");
    assert!(html.contains("class=\"graph\"") && html.contains(">payments</text>"));
    assert!(!html.contains("<?xml") && !html.contains("<!DOCTYPE svg"));
    // A `dot` that fails falls back to the built-in layout, with a warning.
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("dot");
    std::fs::write(&fake, "#!/bin/sh\necho broken >&2\nexit 3\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = dir.path().join("r.html");
    let r = Command::new(env!("CARGO_BIN_EXE_cargo-domains"))
        .args(["report", "--manifest-path", &manifest("shop"), "-o"])
        .arg(&out)
        .env("GRAPHVIZ_DOT", &fake)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning: ") && stderr.contains("broken") && stderr.contains("built-in"),
        "{stderr}"
    );
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains(">payments</text>")
    );
    // One that hangs is stopped at the time limit.
    std::fs::write(
        &fake,
        "#!/bin/sh
exec sleep 60
",
    )
    .unwrap();
    let start = Instant::now();
    let r = Command::new(env!("CARGO_BIN_EXE_cargo-domains"))
        .args([
            "report",
            "--manifest-path",
            &manifest("shop"),
            "--graphviz-timeout",
            "1",
            "-o",
        ])
        .arg(&out)
        .env("GRAPHVIZ_DOT", &fake)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("did not finish within 1 s"), "{stderr}");
    assert!(
        start.elapsed() < Duration::from_secs(50),
        "{:?}",
        start.elapsed()
    );
}

// ---- the browser ----

/// Headless Chromium, or `None` (with a note) when it is missing outside CI.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let names = ["chromium", "chromium-browser", "google-chrome", "chrome"];
    let found = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .flat_map(|d| names.iter().map(move |n| d.join(n)))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "Chromium is not on PATH, and CI is set: .ci/run installs it (Debian package `chromium`)"
        );
        eprintln!(
            "note: Chromium not on PATH (nor $CHROMIUM): browser test skipped (it runs in CI; `apt-get install chromium`)"
        );
    }
    found
}

/// Runs headless Chromium with `args` on `url`; returns stdout. A run that has not finished
/// after 45 s is killed and tried once more (a browser that hangs while starting on a loaded
/// machine is not the page's fault); a second hang fails with Chromium's own messages.
fn browse(chrome: &Path, args: &[&str], url: &str) -> String {
    match browse_once(chrome, args, url) {
        Ok(out) => out,
        Err(first) => {
            eprintln!("note: chromium hung on {url}; trying once more\n{first}");
            browse_once(chrome, args, url).unwrap_or_else(|e| panic!("{e}"))
        }
    }
}

fn browse_once(chrome: &Path, args: &[&str], url: &str) -> Result<String, String> {
    let profile = tempfile::tempdir().unwrap();
    let log = profile.path().join("stderr.txt");
    let mut child = Command::new(chrome)
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            "--disable-extensions",
            "--hide-scrollbars",
            // Nothing that waits on services a CI machine lacks (D-Bus, a keyring, the
            // network, a large /dev/shm).
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-default-browser-check",
            "--password-store=basic",
            "--use-mock-keychain",
        ])
        .arg(format!(
            "--user-data-dir={}",
            profile.path().join("p").display()
        ))
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("run chromium");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut s);
        s
    });
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(45) {
            let _ = child.kill();
            let _ = child.wait();
            let err = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = err.lines().rev().take(15).collect();
            return Err(format!(
                "chromium did not finish within 45 s on {url}; its last messages:\n{}",
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(reader.join().unwrap())
}

fn attr<'a>(dom: &'a str, name: &str) -> Option<&'a str> {
    let html = &dom[dom.find("<html")?..];
    let html = &html[..html.find('>')?];
    let at = html.find(&format!(" {name}=\""))? + name.len() + 3;
    Some(&html[at..at + html[at..].find('"')?])
}

#[test]
fn chromium_renders_shops_report_without_script_errors() {
    let Some(chrome) = chromium() else { return };
    let shots = root().join("target").join("report-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let page = shots.join("shop.html");
    let m = manifest("shop");
    let r = run(&[
        "report",
        "--manifest-path",
        &m,
        "--no-graphviz",
        "-o",
        page.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let html = std::fs::read_to_string(&page).unwrap();
    let url = format!("file://{}", page.display());

    // The DOM after the scripts ran, with orders' module matrix opened by the URL.
    let dom = browse(&chrome, &["--dump-dom"], &format!("{url}#module=orders"));
    assert_eq!(attr(&dom, "data-status"), Some("rendered"), "{dom}");
    let errors = &dom[dom.find("id=\"js-errors\"").unwrap()..];
    let errors = &errors[errors.find('>').unwrap() + 1..errors.find("</pre>").unwrap()];
    assert!(errors.is_empty(), "script errors: {errors}");
    let ms: u64 = attr(&dom, "data-render-ms").unwrap().parse().unwrap();
    assert!(ms < 10_000, "{ms} ms");
    // The matrix as the browser has it: the same 31 linked cells as the file.
    let cells = |s: &str| {
        tags(s, "td")
            .into_iter()
            .filter(|t| t.contains_key("data-from"))
            .map(|t| {
                (
                    t["data-from"].clone(),
                    t["data-to"].clone(),
                    t["data-n"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(cells(&dom).len(), 31);
    assert_eq!(cells(&dom), cells(&html));
    // The module matrix the script drew: orders' modules, one row each.
    let d = data(&html);
    let orders = d["domains"]
        .as_array()
        .unwrap()
        .iter()
        .position(|x| x == "orders")
        .unwrap();
    let n = d["module_matrices"][orders]["modules"]
        .as_array()
        .unwrap()
        .len();
    let table = &dom[dom
        .find("id=\"module-dsm-table\"")
        .expect("the module matrix was drawn")..];
    let table = &table[..table.find("</table>").unwrap()];
    assert!(table.contains("data-domain=\"orders\""));
    assert_eq!(
        table.matches("<tr>").count(),
        n + 1,
        "header and one row per module"
    );
    let drawn = table.matches("<td class=\"c").count();
    assert_eq!(drawn, n * n);
    // `#refs=payments,orders` lists that cell's references.
    let dom = browse(
        &chrome,
        &["--dump-dom"],
        &format!("{url}#refs=payments,orders"),
    );
    assert!(dom.contains("payments → orders: 5 references"), "{dom}");
    assert_eq!(
        dom[dom.find("id=\"refs-table\"").unwrap()..]
            .matches("<tr class=\"forbidden\">")
            .count(),
        3
    );

    // The error trap works: a page whose script throws says so in its DOM.
    let broken = shots.join("broken.html");
    std::fs::write(
        &broken,
        html.replace("</body>", "<script>throw new Error('boom')</script></body>"),
    )
    .unwrap();
    let dom = browse(
        &chrome,
        &["--dump-dom"],
        &format!("file://{}", broken.display()),
    );
    assert_eq!(attr(&dom, "data-status"), Some("error"), "{dom}");
    assert!(dom.contains("boom"));

    // A screenshot, kept under target/ for a human to look at.
    let png = shots.join("shop.png");
    let _ = std::fs::remove_file(&png);
    browse(
        &chrome,
        &[
            "--window-size=1400,1800",
            &format!("--screenshot={}", png.display()),
        ],
        &url,
    );
    let bytes = std::fs::read(&png).expect("chromium wrote the screenshot");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert!(
        bytes.len() > 20_000,
        "{} bytes: an empty page?",
        bytes.len()
    );
    eprintln!("screenshot: {}", png.display());
}

/// A generated crate of 20 top-level modules with 20 children each (421 modules), every
/// child using three siblings and two modules of other top-level modules.
fn big_crate() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"big\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    let mut lib = String::new();
    for d in 0..20 {
        lib.push_str(&format!("pub mod d{d:02};\n"));
        let dd = src.join(format!("d{d:02}"));
        std::fs::create_dir_all(&dd).unwrap();
        let mut m = String::new();
        for c in 0..20 {
            m.push_str(&format!("pub mod m{c:02};\n"));
            let body = format!(
                "pub struct S{c};\n\
                 pub fn f() -> usize {{\n\
                 \x20   let _ = (super::m{:02}::S{}, super::m{:02}::S{}, super::m{:02}::S{});\n\
                 \x20   let _ = crate::d{:02}::m{:02}::S{};\n\
                 \x20   let _ = crate::d{:02}::m{:02}::S{};\n\
                 \x20   {c}\n}}\n",
                (c + 1) % 20,
                (c + 1) % 20,
                (c + 3) % 20,
                (c + 3) % 20,
                (c + 7) % 20,
                (c + 7) % 20,
                (d + 1) % 20,
                c,
                c,
                (d + 5) % 20,
                (c + 2) % 20,
                (c + 2) % 20,
            );
            std::fs::write(dd.join(format!("m{c:02}.rs")), body).unwrap();
        }
        std::fs::write(dd.join("mod.rs"), m).unwrap();
    }
    std::fs::write(src.join("lib.rs"), lib).unwrap();
    dir
}

#[test]
fn a_400_module_crate_makes_a_small_page_that_renders_fast() {
    let dir = big_crate();
    let m = dir.path().join("Cargo.toml");
    let m = m.to_str().unwrap();
    let r = run(&["init", "--manifest-path", m]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = dir.path().join("report.html");
    let r = run(&[
        "report",
        "--manifest-path",
        m,
        "--no-graphviz",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.len() < 2 * 1024 * 1024, "{} bytes", html.len());
    let d = data(&html);
    let matrices = d["module_matrices"].as_array().unwrap();
    let modules: usize = matrices
        .iter()
        .map(|mm| mm["modules"].as_array().unwrap().len())
        .sum();
    assert_eq!(modules, 421);
    // Every top-level module uses the next one: all twenty are one cycle group.
    let rows = row_order(&html);
    assert!(rows.len() >= 20, "{rows:?}");
    assert!(
        html.contains("class=\"c up cut blk"),
        "no cut in the domain matrix"
    );
    eprintln!("421 modules: {} KB", html.len() / 1024);
    let Some(chrome) = chromium() else { return };
    let dom = browse(
        &chrome,
        &["--dump-dom"],
        &format!("file://{}#module=d00", out.display()),
    );
    assert_eq!(attr(&dom, "data-status"), Some("rendered"));
    let ms: u64 = attr(&dom, "data-render-ms").unwrap().parse().unwrap();
    eprintln!("421 modules: script done {ms} ms after navigation");
    assert!(ms < 2000, "{ms} ms");
    assert!(dom.contains("id=\"module-dsm-table\""));
}
