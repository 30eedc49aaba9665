//! What a domain's dependency rules say about using another domain, beyond `depends_on`:
//! `cannot_depend_on` (a deny-list that wins over every allowance), deprecated allowances and
//! layers. The boundary rules ([`super::boundary`]) turn these into findings.

use super::{Input, Rule};
use crate::config::{DomainId, Level};

/// Whether `from` lists `to` in its `cannot_depend_on`.
pub fn denied(input: &Input, from: DomainId, to: DomainId) -> bool {
    let d = &input.config.domains;
    d[from]
        .cannot_depend_on
        .iter()
        .any(|(n, _)| *n == d[to].name)
}

/// Whether `from` marks its allowance of `to` as deprecated
/// (`{ domain = "..", deprecated = true }`).
pub fn deprecated(input: &Input, from: DomainId, to: DomainId) -> bool {
    let d = &input.config.domains;
    d[from].deprecated.contains(&d[to].name)
}

/// `(from's layer, to's layer)` when `to` is in a higher layer than `from` (both have one).
pub fn layer_violation(input: &Input, from: DomainId, to: DomainId) -> Option<(usize, usize)> {
    let d = &input.config.domains;
    match (d[from].layer, d[to].layer) {
        (Some(a), Some(b)) if b < a => Some((a, b)),
        _ => None,
    }
}

/// Whether a dependency breaks no rule that `check` reports on its references: allowed by
/// `depends_on` and `cannot_depend_on`, and not towards a higher layer (unless that rule is
/// off). A cycle that only such broken dependencies close is told on their findings.
pub fn permitted(input: &Input, from: DomainId, to: DomainId) -> bool {
    super::boundary::allowed(input, from, to)
        && (Rule::LayerViolation.level(input.config) == Level::Allow
            || layer_violation(input, from, to).is_none())
}

/// The name of layer `i`.
pub fn layer_name<'a>(input: &Input<'a>, i: usize) -> &'a str {
    &input.config.settings.layers[i]
}
