//! The human report in words: each component as a sentence a team lead understands (the
//! raw figures are in the JSON, and after the sentence with `--verbose`), and each blocker's
//! one action, the first step of its fix.

use super::{Blocker, Component};

fn n(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

fn s(x: f64) -> &'static str {
    if x == 1.0 { "" } else { "s" }
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// One sentence for a component, from its evidence figures.
pub fn sentence(c: &Component) -> String {
    let e = |k: &str| c.evidence.get(k).copied().unwrap_or(0.0);
    match c.name {
        "outgoing" => {
            let pairs = e("outgoing_pairs");
            if pairs == 0.0 {
                "uses nothing of other domains but the shared kernels".into()
            } else {
                format!(
                    "uses other domains ({} of them) in {} place{}: each must be cut before it compiles as its own crate",
                    n(e("domains")),
                    n(pairs),
                    s(pairs)
                )
            }
        }
        "crate_cycles" => {
            let k = e("kernel_back_references");
            if k == 0.0 {
                "no shared kernel depends back on it".into()
            } else {
                format!(
                    "a shared kernel it needs names its items in {} place{}: as crates that is a cycle Cargo refuses",
                    n(k),
                    s(k)
                )
            }
        }
        "hazards" => {
            let h = e("own_hazards");
            if h == 0.0 {
                "nothing else stops it compiling alone (visibility, macros, impls)".into()
            } else {
                format!(
                    "{} of its items would have to become `pub`, or impls move next to their type (crate-split hazards)",
                    n(h)
                )
            }
        }
        "data" => data(&e),
        "sync" => {
            let (out, inn) = (e("calls_out"), e("calls_in"));
            if out + inn == 0.0 {
                "no function call crosses its boundary".into()
            } else {
                format!(
                    "it calls {} function{} of other domains directly and they call {} of its own: each becomes a network call",
                    n(out),
                    s(out),
                    n(inn)
                )
            }
        }
        "exclusivity" => format!(
            "{} of its {} items are tied to other domains (used by them, or using them)",
            n(e("entangled_items")),
            n(e("items"))
        ),
        "interface" => {
            let inbound = e("inbound_pairs");
            if inbound == 0.0 {
                "nobody outside uses it".into()
            } else {
                format!(
                    "{} of the {} uses from other domains go around its interface; {} of its items are used from outside",
                    n(e("bypassing")),
                    n(inbound),
                    n(e("used_surface"))
                )
            }
        }
        "cycles" => {
            if e("boundary_weight") == 0.0 {
                "it is in no dependency cycle".into()
            } else {
                format!(
                    "it is in a dependency cycle: {} of its dependencies inside the cycle must be cut",
                    pct(e("tangle"))
                )
            }
        }
        "state" => {
            let m = e("mutable_shared");
            if e("penalty") == 0.0 {
                "it shares no global state".into()
            } else if m > 0.0 {
                format!(
                    "it shares {} mutable global{} with another domain: in-process memory does not survive the split",
                    n(m),
                    s(m)
                )
            } else {
                "it uses globals of a kernel or the root (configuration to pass in)".into()
            }
        }
        "reach" => format!(
            "{} of the other domains' code depends on it, and it depends on {} of theirs (a change travels that far)",
            pct(e("vfi")),
            pct(e("vfo"))
        ),
        other => other.to_string(),
    }
}

fn data(e: &dyn Fn(&str) -> f64) -> String {
    let tables = e("tables");
    if tables == 0.0 {
        return "it touches no database table".into();
    }
    let mut parts = vec![format!(
        "it touches {} table{} ({} its own)",
        n(tables),
        s(tables),
        n(e("owned"))
    )];
    let (fw, fr) = (e("foreign_writes"), e("foreign_reads"));
    if fw + fr > 0.0 {
        parts.push(format!(
            "writes {} and reads {} tables of other domains",
            n(fw),
            n(fr)
        ));
    }
    if e("others_on_owned") > 0.0 {
        parts.push("other domains use its tables".into());
    }
    if e("cross_joins") > 0.0 {
        parts.push(format!(
            "{} quer{} join tables of two owners",
            n(e("cross_joins")),
            if e("cross_joins") == 1.0 { "y" } else { "ies" }
        ));
    }
    parts.join("; ")
}

/// The raw figures of a component, for `--verbose`.
pub fn figures(c: &Component) -> String {
    c.evidence
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The one action that removes a blocker: the first step of its fix.
pub fn action(b: &Blocker) -> &str {
    b.fix.split("; ").next().unwrap_or(&b.fix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn comp(name: &'static str, ev: &[(&'static str, f64)]) -> Component {
        Component {
            name,
            weight: 1.0,
            value: 1.0,
            points: 1.0,
            evidence: ev.iter().copied().collect::<BTreeMap<_, _>>(),
        }
    }

    #[test]
    fn sentences_name_the_figures_in_words() {
        assert_eq!(
            sentence(&comp("sync", &[("calls_out", 17.0), ("calls_in", 3.0)])),
            "it calls 17 functions of other domains directly and they call 3 of its own: each becomes a network call"
        );
        assert_eq!(
            sentence(&comp(
                "outgoing",
                &[("outgoing_pairs", 1.0), ("domains", 1.0)]
            )),
            "uses other domains (1 of them) in 1 place: each must be cut before it compiles as its own crate"
        );
        assert_eq!(
            sentence(&comp(
                "cycles",
                &[("boundary_weight", 4.0), ("tangle", 0.25)]
            )),
            "it is in a dependency cycle: 25% of its dependencies inside the cycle must be cut"
        );
        assert!(!sentence(&comp("data", &[("tables", 2.0), ("owned", 1.0)])).contains('='));
    }
}
