//! `cfg` predicates and the one configuration they are evaluated against.
//!
//! Predicates come from `#[cfg(..)]`, `#[cfg_attr(P, cfg(Q))]`, the conditions of
//! `cfg_if!`/`cfg_select!`/`cfg_match!`, and the `cfg_*!` wrapper macros a crate defines
//! (`macro_rules! cfg_rt { ($($item:item)*) => { $( #[cfg(feature = "rt")] $item )* } }`).
//! Evaluation is three-valued and partial: what the configuration decides becomes `True` or
//! `False`; what it leaves open (a target cfg without `--target`, a wrapper macro whose
//! definition is read at assembly) stays as a residual predicate on the records it gates, so
//! a finding can say which builds compile it. See docs/resolution.md, "The cfg model".

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use proc_macro2::{Delimiter, TokenStream, TokenTree};

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cfg {
    True,
    False,
    /// `unix`, `test`, `tokio_unstable`.
    Name(String),
    /// `feature = "rt"`, `target_os = "linux"`.
    KeyValue(String, String),
    All(Vec<Cfg>),
    Any(Vec<Cfg>),
    Not(Box<Cfg>),
    /// Code written inside `name! { .. }`, a macro of the crate that may be a cfg wrapper,
    /// with the predicate of a `#![..]` inner attribute given to it (tokio's
    /// `feature! { #![any(..)] .. }`). Replaced by the wrapper's predicate at assembly.
    Macro(String, Option<Box<Cfg>>),
}

impl Cfg {
    /// The conjunction, simplified: `true` parts dropped, `false` absorbs, nested `all`
    /// flattened, repeats removed.
    pub fn all(parts: impl IntoIterator<Item = Cfg>) -> Cfg {
        Cfg::join(parts, true)
    }

    /// The disjunction, simplified like [`Cfg::all`].
    pub fn any(parts: impl IntoIterator<Item = Cfg>) -> Cfg {
        Cfg::join(parts, false)
    }

    fn join(parts: impl IntoIterator<Item = Cfg>, conj: bool) -> Cfg {
        let (unit, zero) = if conj {
            (Cfg::True, Cfg::False)
        } else {
            (Cfg::False, Cfg::True)
        };
        let mut out: Vec<Cfg> = Vec::new();
        for p in parts {
            let flat = match p {
                p if p == unit => continue,
                p if p == zero => return zero,
                Cfg::All(inner) if conj => inner,
                Cfg::Any(inner) if !conj => inner,
                p => vec![p],
            };
            for c in flat {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
        match out.len() {
            0 => unit,
            1 => out.pop().unwrap(),
            _ if conj => Cfg::All(out),
            _ => Cfg::Any(out),
        }
    }

    #[allow(clippy::should_implement_trait)]
    pub fn not(c: Cfg) -> Cfg {
        match c {
            Cfg::True => Cfg::False,
            Cfg::False => Cfg::True,
            Cfg::Not(inner) => *inner,
            c => Cfg::Not(Box::new(c)),
        }
    }

    /// The predicate inside `cfg( .. )`; `None` when it is not a valid predicate.
    pub fn parse(tokens: TokenStream) -> Option<Cfg> {
        let toks: Vec<TokenTree> = tokens.into_iter().collect();
        let mut parts = split_commas(&toks);
        if parts.len() != 1 {
            return None;
        }
        parse_pred(parts.pop().unwrap())
    }

    /// The predicate an attribute's meta spells (`any(feature = "a", unix)`), as in
    /// `feature! { #![any(..)] .. }`.
    pub fn from_meta(meta: &syn::Meta) -> Option<Cfg> {
        let name = |p: &syn::Path| p.get_ident().map(|i| i.to_string());
        match meta {
            syn::Meta::Path(p) => name(p).map(|n| atom_name(&n)),
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(Cfg::KeyValue(name(&nv.path)?, s.value())),
                _ => None,
            },
            syn::Meta::List(l) => {
                let toks: Vec<TokenTree> = l.tokens.clone().into_iter().collect();
                combinator(&name(&l.path)?, &toks)
            }
        }
    }

    pub fn is_false(&self) -> bool {
        *self == Cfg::False
    }

    /// Partial evaluation: atoms the configuration decides are replaced by their value;
    /// `macros` says what a `Macro` atom stands for (`None`: leave it for later).
    pub fn eval(
        &self,
        env: &CfgEnv,
        test: bool,
        macros: &dyn Fn(&str, Option<&Cfg>) -> Option<Cfg>,
    ) -> Cfg {
        match self {
            Cfg::True | Cfg::False => self.clone(),
            Cfg::Name(_) | Cfg::KeyValue(..) => match env.atom(self, test) {
                Some(true) => Cfg::True,
                Some(false) => Cfg::False,
                None => self.clone(),
            },
            Cfg::All(v) => Cfg::all(v.iter().map(|c| c.eval(env, test, macros))),
            Cfg::Any(v) => Cfg::any(v.iter().map(|c| c.eval(env, test, macros))),
            Cfg::Not(c) => Cfg::not(c.eval(env, test, macros)),
            Cfg::Macro(name, inner) => {
                let inner = inner.as_ref().map(|c| Box::new(c.eval(env, test, macros)));
                match macros(name, inner.as_deref()) {
                    Some(c) => c.eval(env, test, macros),
                    None => Cfg::Macro(name.clone(), inner),
                }
            }
        }
    }
}

fn split_commas(toks: &[TokenTree]) -> Vec<&[TokenTree]> {
    let mut parts: Vec<&[TokenTree]> = toks
        .split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ','))
        .collect();
    // A trailing comma.
    if parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    parts
}

fn atom_name(n: &str) -> Cfg {
    match n {
        "true" => Cfg::True,
        "false" => Cfg::False,
        _ => Cfg::Name(n.strip_prefix("r#").unwrap_or(n).to_string()),
    }
}

fn parse_pred(toks: &[TokenTree]) -> Option<Cfg> {
    match toks {
        [TokenTree::Ident(i)] => Some(atom_name(&i.to_string())),
        [
            TokenTree::Ident(k),
            TokenTree::Punct(eq),
            TokenTree::Literal(lit),
        ] if eq.as_char() == '=' => match syn::parse_str::<syn::Lit>(&lit.to_string()) {
            Ok(syn::Lit::Str(s)) => Some(Cfg::KeyValue(k.to_string(), s.value())),
            _ => None,
        },
        [TokenTree::Ident(op), TokenTree::Group(g)] if g.delimiter() == Delimiter::Parenthesis => {
            let inner: Vec<TokenTree> = g.stream().into_iter().collect();
            combinator(&op.to_string(), &inner)
        }
        _ => None,
    }
}

fn combinator(op: &str, inner: &[TokenTree]) -> Option<Cfg> {
    let parts = split_commas(inner);
    let preds: Option<Vec<Cfg>> = parts.iter().map(|p| parse_pred(p)).collect();
    let preds = preds?;
    match op {
        "all" => Some(Cfg::All(preds)),
        "any" => Some(Cfg::Any(preds)),
        "not" if preds.len() == 1 => Some(Cfg::Not(Box::new(preds.into_iter().next().unwrap()))),
        _ => None,
    }
}

impl fmt::Display for Cfg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |f: &mut fmt::Formatter<'_>, name: &str, v: &[Cfg]| {
            write!(f, "{name}(")?;
            for (i, c) in v.iter().enumerate() {
                if i > 0 {
                    write!(f, ", ")?;
                }
                write!(f, "{c}")?;
            }
            write!(f, ")")
        };
        match self {
            Cfg::True => write!(f, "true"),
            Cfg::False => write!(f, "false"),
            Cfg::Name(n) => write!(f, "{n}"),
            Cfg::KeyValue(k, v) => write!(f, "{k} = {v:?}"),
            Cfg::All(v) => list(f, "all", v),
            Cfg::Any(v) => list(f, "any", v),
            Cfg::Not(c) => write!(f, "not({c})"),
            Cfg::Macro(n, None) => write!(f, "{n}!"),
            Cfg::Macro(n, Some(c)) => write!(f, "{n}!({c})"),
        }
    }
}

/// What a crate's own `macro_rules!` does to the items given to it, when it is a cfg
/// wrapper: every rule takes `$($item:item)*` and gives back `$( #[cfg(P)] $item )*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Wrapper {
    /// Each item gets `#[cfg(P)]`.
    Pred(Cfg),
    /// `(#![$meta:meta] $($item:item)*) => { $( #[cfg($meta)] $item )* }`: the predicate is
    /// the inner attribute the call site writes.
    InnerMeta,
}

/// Reads a `macro_rules!` body (its rules) as a cfg wrapper; `None` for any other macro.
pub fn wrapper_of(body: TokenStream) -> Option<Wrapper> {
    let toks: Vec<TokenTree> = body.into_iter().collect();
    let mut found: Option<Wrapper> = None;
    let mut i = 0;
    while i < toks.len() {
        // (matcher) => {transcriber} [;]
        let (
            TokenTree::Group(m),
            Some(TokenTree::Punct(eq)),
            Some(TokenTree::Punct(gt)),
            Some(TokenTree::Group(t)),
        ) = (&toks[i], toks.get(i + 1), toks.get(i + 2), toks.get(i + 3))
        else {
            return None;
        };
        if eq.as_char() != '=' || gt.as_char() != '>' {
            return None;
        }
        let w = rule_wrapper(m.stream(), t.stream())?;
        if found.as_ref().is_some_and(|f| *f != w) {
            return None;
        }
        found = Some(w);
        i += 4;
        if matches!(toks.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ';') {
            i += 1;
        }
    }
    found
}

fn rule_wrapper(matcher: TokenStream, transcriber: TokenStream) -> Option<Wrapper> {
    let m = matcher.to_string().replace(' ', "");
    let inner_meta = m.starts_with("#![$") && m.contains(":meta]");
    // The matcher is `$($x:item)*`, optionally after `#![$meta:meta]`.
    if !m.ends_with(":item)*") || m.matches('$').count() != if inner_meta { 3 } else { 2 } {
        return None;
    }
    let toks: Vec<TokenTree> = transcriber.into_iter().collect();
    // `$( ... )*` holding the attributes and the item.
    let [
        TokenTree::Punct(d),
        TokenTree::Group(rep),
        TokenTree::Punct(star),
    ] = toks.as_slice()
    else {
        return None;
    };
    if d.as_char() != '$' || star.as_char() != '*' {
        return None;
    }
    let body: Vec<TokenTree> = rep.stream().into_iter().collect();
    let mut preds = Vec::new();
    let mut meta = false;
    let mut j = 0;
    while j + 1 < body.len() {
        match (&body[j], &body[j + 1]) {
            (TokenTree::Punct(h), TokenTree::Group(g))
                if h.as_char() == '#' && g.delimiter() == Delimiter::Bracket =>
            {
                let attr: Vec<TokenTree> = g.stream().into_iter().collect();
                if let [TokenTree::Ident(c), TokenTree::Group(args)] = attr.as_slice()
                    && c == "cfg"
                {
                    let a = args.stream().to_string().replace(' ', "");
                    if a.starts_with('$') {
                        meta = true;
                    } else {
                        preds.push(Cfg::parse(args.stream())?);
                    }
                }
                j += 2;
            }
            // `$item`: the end of the template.
            (TokenTree::Punct(d), TokenTree::Ident(_))
                if d.as_char() == '$' && j + 2 == body.len() =>
            {
                return match (meta, inner_meta) {
                    (true, true) if preds.is_empty() => Some(Wrapper::InnerMeta),
                    (false, false) if !preds.is_empty() => Some(Wrapper::Pred(Cfg::all(preds))),
                    _ => None,
                };
            }
            _ => return None,
        }
    }
    None
}

/// Names no ordinary build sets: off unless `--cfg` sets them.
const DOC_ONLY: &[&str] = &["docsrs", "doc", "doctest", "miri", "rustdoc"];

/// Built-in cfg names and keys that depend on the target or the profile: left open without
/// `--target`, taken from the triple with it.
const TARGET_NAMES: &[&str] = &[
    "unix",
    "windows",
    "debug_assertions",
    "overflow_checks",
    "panic",
    "proc_macro",
    "target_abi",
    "target_arch",
    "target_endian",
    "target_env",
    "target_family",
    "target_feature",
    "target_has_atomic",
    "target_os",
    "target_pointer_width",
    "target_thread_local",
    "target_vendor",
    "relocation_model",
    "sanitize",
    "ub_checks",
    "fmt_debug",
];

/// The configuration one run reads the code in (see docs/resolution.md, "The cfg model").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CfgEnv {
    /// The features on in this crate's package; `None`: every feature.
    pub features: Option<BTreeSet<String>>,
    /// `--target`: one concrete build, where every cfg not set is off.
    pub target: Option<Target>,
    /// `--cfg NAME` and `--cfg NAME="VALUE"`.
    pub set: BTreeSet<(String, Option<String>)>,
    /// Names held off on top of `docsrs`, `doc`, `miri`.
    pub off: BTreeSet<String>,
    /// `--cfg test`: the code is read as a test build compiles it (`cfg(not(test))` code is
    /// off); code that only test builds compile is still test code (`--include-tests`).
    pub test_build: bool,
}

impl CfgEnv {
    /// The value of one atom; `None` when this configuration leaves it open.
    fn atom(&self, c: &Cfg, test: bool) -> Option<bool> {
        let (key, value) = match c {
            Cfg::Name(n) => (n.as_str(), None),
            Cfg::KeyValue(k, v) => (k.as_str(), Some(v.as_str())),
            _ => return None,
        };
        if self
            .set
            .contains(&(key.to_string(), value.map(str::to_string)))
        {
            return Some(true);
        }
        if key == "test" && value.is_none() {
            return Some(test);
        }
        if key == "feature" {
            let v = value?;
            return Some(self.features.as_ref().is_none_or(|f| f.contains(v)));
        }
        if DOC_ONLY.contains(&key) || self.off.contains(key) {
            return Some(false);
        }
        if TARGET_NAMES.contains(&key) {
            return self.target.as_ref().map(|t| t.holds(key, value));
        }
        // A custom cfg (`tokio_unstable`, `loom`): read both ways unless the run names one
        // concrete build, where an unset cfg is off as in rustc.
        if self.target.is_some() {
            Some(false)
        } else {
            None
        }
    }
}

/// What a target triple sets (no subprocess: the table is built in).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub triple: String,
    pub arch: &'static str,
    pub os: &'static str,
    pub env: &'static str,
    pub abi: &'static str,
    pub vendor: String,
    pub families: Vec<&'static str>,
    pub pointer_width: u32,
    pub big_endian: bool,
    pub features: &'static [&'static str],
}

impl Target {
    fn holds(&self, key: &str, value: Option<&str>) -> bool {
        let Some(v) = value else {
            return match key {
                "unix" | "windows" => self.families.contains(&key),
                // `cargo check` builds the dev profile.
                "debug_assertions" | "overflow_checks" | "target_thread_local" | "ub_checks" => {
                    true
                }
                _ => false,
            };
        };
        match key {
            "target_arch" => v == self.arch,
            "target_os" => v == self.os,
            "target_env" => v == self.env,
            "target_abi" => v == self.abi,
            "target_vendor" => v == self.vendor,
            "target_family" => self.families.contains(&v),
            "target_pointer_width" => v == self.pointer_width.to_string(),
            "target_endian" => v == if self.big_endian { "big" } else { "little" },
            "target_has_atomic" => {
                v == "ptr"
                    || v.parse::<u32>()
                        .is_ok_and(|w| w <= self.pointer_width && w >= 8)
            }
            "target_feature" => self.features.contains(&v),
            "panic" => v == "unwind",
            "relocation_model" => v == "pic",
            _ => false,
        }
    }

    /// Reads `ARCH-VENDOR-OS[-ENV]` (or `ARCH-OS[-ENV]`); a precise error when a part is not
    /// one rustc knows.
    pub fn parse(triple: &str) -> Result<Target, String> {
        if triple.ends_with(".json") {
            return Err(format!(
                "`{triple}`: custom target specification files are not supported; give a built-in triple such as `x86_64-unknown-linux-gnu`"
            ));
        }
        let parts: Vec<&str> = triple.split('-').collect();
        let arch = parts.first().copied().unwrap_or("");
        let (arch, pointer_width, big_endian, features) = arch_of(arch).ok_or_else(|| {
            format!(
                "unknown target triple `{triple}`: `{arch}` is not an architecture rustc knows (x86_64, i686, aarch64, arm, armv7, riscv64gc, wasm32, powerpc64le, s390x, ...)"
            )
        })?;
        let known_os = |p: &str| os_of(p).is_some();
        // The first OS part that is not `unknown` (a vendor is often `unknown`), else the
        // last `unknown` (`wasm32-unknown-unknown`).
        let os_index = parts
            .iter()
            .enumerate()
            .skip(1)
            .find(|(_, p)| known_os(p) && **p != "unknown")
            .or_else(|| {
                let i = parts.iter().rposition(|p| *p == "unknown")?;
                (i >= 2 || parts.len() == 2).then_some((i, &parts[i]))
            })
            .map(|(i, _)| i)
            .ok_or_else(|| {
                format!(
                    "unknown target triple `{triple}`: no operating system part rustc knows (linux, windows, darwin, android, freebsd, wasi, none, unknown, ...)"
                )
            })?;
        let os_part = parts[os_index];
        let vendor = if os_index >= 2 {
            parts[1].to_string()
        } else {
            "unknown".to_string()
        };
        let rest = parts.get(os_index + 1).copied().unwrap_or("");
        let (mut os, mut families) = os_of(os_part).unwrap();
        let (mut env, mut abi) = env_of(rest);
        if os == "linux" && rest.starts_with("android") {
            os = "android";
            env = "";
            abi = if rest == "androideabi" { "eabi" } else { "" };
        }
        if os == "unknown" && arch.starts_with("wasm") {
            families = vec!["wasm"];
        } else if arch.starts_with("wasm") {
            families.push("wasm");
        }
        if os == "wasi" {
            // wasm32-wasip1, wasm32-wasip2
            env = match os_part {
                "wasip1" => "p1",
                "wasip2" => "p2",
                _ => env,
            };
        }
        let pointer_width = if rest.ends_with("x32") || rest == "gnu_ilp32" {
            32
        } else {
            pointer_width
        };
        Ok(Target {
            triple: triple.to_string(),
            arch,
            os,
            env,
            abi,
            vendor,
            families,
            pointer_width,
            big_endian,
            features,
        })
    }
}

fn arch_of(a: &str) -> Option<(&'static str, u32, bool, &'static [&'static str])> {
    const X86_64: &[&str] = &["fxsr", "sse", "sse2"];
    const X86: &[&str] = &["fxsr", "sse", "sse2", "x87"];
    const AARCH64: &[&str] = &["neon", "fp-armv8"];
    Some(match a {
        "x86_64" | "x86_64h" => ("x86_64", 64, false, X86_64),
        "i386" | "i586" | "i686" => ("x86", 32, false, X86),
        "aarch64" | "arm64" | "arm64e" | "arm64ec" => ("aarch64", 64, false, AARCH64),
        "aarch64_be" => ("aarch64", 64, true, AARCH64),
        "wasm32" => ("wasm32", 32, false, &[]),
        "wasm64" => ("wasm64", 64, false, &[]),
        "powerpc" => ("powerpc", 32, true, &[]),
        "powerpc64" => ("powerpc64", 64, true, &[]),
        "powerpc64le" => ("powerpc64", 64, false, &[]),
        "s390x" => ("s390x", 64, true, &[]),
        "sparc64" | "sparcv9" => ("sparc64", 64, true, &[]),
        "loongarch64" => ("loongarch64", 64, false, &[]),
        "mips" => ("mips", 32, true, &[]),
        "mipsel" => ("mips", 32, false, &[]),
        "mips64" => ("mips64", 64, true, &[]),
        "mips64el" => ("mips64", 64, false, &[]),
        "nvptx64" => ("nvptx64", 64, false, &[]),
        "bpfel" | "bpfeb" => ("bpf", 64, a == "bpfeb", &[]),
        a if a.starts_with("riscv64") => ("riscv64", 64, false, &[]),
        a if a.starts_with("riscv32") => ("riscv32", 32, false, &[]),
        a if a.starts_with("armeb") => ("arm", 32, true, &[]),
        a if a.starts_with("arm") || a.starts_with("thumb") => ("arm", 32, false, &[]),
        _ => return None,
    })
}

fn os_of(p: &str) -> Option<(&'static str, Vec<&'static str>)> {
    let unix = || vec!["unix"];
    Some(match p {
        "linux" => ("linux", unix()),
        "windows" => ("windows", vec!["windows"]),
        "darwin" | "macos" => ("macos", unix()),
        "ios" => ("ios", unix()),
        "tvos" => ("tvos", unix()),
        "watchos" => ("watchos", unix()),
        "visionos" => ("visionos", unix()),
        "android" | "androideabi" => ("android", unix()),
        "freebsd" => ("freebsd", unix()),
        "netbsd" => ("netbsd", unix()),
        "openbsd" => ("openbsd", unix()),
        "dragonfly" => ("dragonfly", unix()),
        "solaris" => ("solaris", unix()),
        "illumos" => ("illumos", unix()),
        "fuchsia" => ("fuchsia", unix()),
        "redox" => ("redox", unix()),
        "haiku" => ("haiku", unix()),
        "aix" => ("aix", unix()),
        "hurd" => ("hurd", unix()),
        "emscripten" => ("emscripten", unix()),
        "wasi" | "wasip1" | "wasip2" => ("wasi", vec![]),
        "uefi" => ("uefi", vec![]),
        "hermit" => ("hermit", vec![]),
        "none" => ("none", vec![]),
        "unknown" => ("unknown", vec![]),
        _ => return None,
    })
}

fn env_of(rest: &str) -> (&'static str, &'static str) {
    let env = if rest.starts_with("gnu") {
        "gnu"
    } else if rest.starts_with("musl") {
        "musl"
    } else if rest.starts_with("msvc") {
        "msvc"
    } else if rest.starts_with("sgx") {
        "sgx"
    } else if rest.starts_with("uclibc") {
        "uclibc"
    } else {
        ""
    };
    let abi = rest.strip_prefix(env).unwrap_or(rest);
    let abi = match abi {
        "eabi" => "eabi",
        "eabihf" => "eabihf",
        "x32" => "x32",
        "abi64" => "abi64",
        "ilp32" | "_ilp32" => "ilp32",
        "llvm" => "llvm",
        _ => "",
    };
    (env, abi)
}

/// The configuration as the user asked for it (flags and `[settings]`), before it is
/// applied to each package's `[features]` table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CfgRequest {
    /// `--features`: `NAME` for every selected package that has it, or `PACKAGE/NAME`.
    pub features: Vec<String>,
    pub all_features: bool,
    pub no_default_features: bool,
    pub target: Option<Target>,
    pub set: BTreeSet<(String, Option<String>)>,
    pub off: BTreeSet<String>,
}

impl CfgRequest {
    /// The configuration one package's code is read in.
    pub fn env_for(&self, package: &str, table: &BTreeMap<String, Vec<String>>) -> CfgEnv {
        let features =
            if self.all_features || (self.features.is_empty() && !self.no_default_features) {
                None
            } else {
                let requested = self
                    .features
                    .iter()
                    .filter_map(|f| match f.split_once('/') {
                        Some((p, name)) => (p == package).then(|| name.to_string()),
                        None => table.contains_key(f).then(|| f.clone()),
                    })
                    .collect();
                Some(feature_closure(
                    table,
                    &requested,
                    !self.no_default_features,
                ))
            };
        let test = ("test".to_string(), None);
        let mut set = self.set.clone();
        let test_build = set.remove(&test);
        CfgEnv {
            features,
            target: self.target.clone(),
            set,
            off: self.off.clone(),
            test_build,
        }
    }

    /// The requested features that no package declares (cargo refuses them too).
    pub fn unknown_features<'a>(
        &self,
        packages: impl Iterator<Item = (&'a str, &'a BTreeMap<String, Vec<String>>)> + Clone,
    ) -> Vec<String> {
        self.features
            .iter()
            .filter(|f| {
                !packages.clone().any(|(p, table)| match f.split_once('/') {
                    Some((pkg, name)) => pkg == p && table.contains_key(name),
                    None => table.contains_key(f.as_str()),
                })
            })
            .cloned()
            .collect()
    }
}

/// Reads `--cfg NAME` or `--cfg NAME="VALUE"`.
pub fn parse_cfg_flag(s: &str) -> Result<(String, Option<String>), String> {
    let (name, value) = match s.split_once('=') {
        Some((n, v)) => {
            let v = v.trim();
            let unquoted = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .ok_or_else(|| format!("`--cfg {s}`: the value must be a quoted string, as in `--cfg {n}=\"value\"`"))?;
            (n.trim(), Some(unquoted.to_string()))
        }
        None => (s.trim(), None),
    };
    let ident = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    if !ident {
        return Err(format!(
            "`--cfg {s}`: `{name}` is not a cfg name (an identifier such as `tokio_unstable`)"
        ));
    }
    Ok((name.to_string(), value))
}

/// The features on in one package: the requested ones, `default` unless told otherwise, and
/// everything they enable through `[features]` (`dep:x` names a dependency, not a feature;
/// `x/f` enables the implicit feature `x` when it exists, `x?/f` does not).
pub fn feature_closure(
    table: &BTreeMap<String, Vec<String>>,
    requested: &BTreeSet<String>,
    default: bool,
) -> BTreeSet<String> {
    let mut on = BTreeSet::new();
    let mut stack: Vec<String> = requested.iter().cloned().collect();
    if default && table.contains_key("default") {
        stack.push("default".to_string());
    }
    while let Some(f) = stack.pop() {
        if !on.insert(f.clone()) {
            continue;
        }
        for e in table.get(&f).into_iter().flatten() {
            if e.starts_with("dep:") {
                continue;
            }
            let name = match e.split_once('/') {
                Some((dep, _)) if dep.ends_with('?') => continue,
                Some((dep, _)) => dep,
                None => e.as_str(),
            };
            if table.contains_key(name) && !on.contains(name) {
                stack.push(name.to_string());
            }
        }
    }
    on
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Cfg {
        Cfg::parse(s.parse().unwrap()).unwrap_or_else(|| panic!("{s}"))
    }

    fn ev(s: &str, env: &CfgEnv) -> String {
        p(s).eval(env, false, &|_, _| None).to_string()
    }

    #[test]
    fn parses_and_prints_rust_syntax() {
        let c = p(r#"all(unix, not(feature = "rt"), any(docsrs, target_os = "linux"),)"#);
        assert_eq!(
            c.to_string(),
            r#"all(unix, not(feature = "rt"), any(docsrs, target_os = "linux"))"#
        );
        assert!(Cfg::parse("all(unix".parse().unwrap_or_default()).is_none());
        assert!(Cfg::parse("feature = 1".parse().unwrap()).is_none());
        assert!(Cfg::parse("not(a, b)".parse().unwrap()).is_none());
        assert_eq!(p("true"), Cfg::True);
    }

    #[test]
    fn default_reads_every_target_and_feature_but_not_docs() {
        let env = CfgEnv::default();
        assert_eq!(ev(r#"feature = "rt""#, &env), "true");
        assert_eq!(ev(r#"not(feature = "rt")"#, &env), "false");
        assert_eq!(ev("any(all(doc, docsrs), windows)", &env), "windows");
        assert_eq!(ev("all(unix, not(miri))", &env), "unix");
        assert_eq!(ev("tokio_unstable", &env), "tokio_unstable");
        assert_eq!(ev("test", &env), "false");
        assert_eq!(p("test").eval(&env, true, &|_, _| None), Cfg::True);
    }

    #[test]
    fn a_target_is_one_concrete_build() {
        let env = CfgEnv {
            target: Some(Target::parse("x86_64-unknown-linux-gnu").unwrap()),
            ..CfgEnv::default()
        };
        assert_eq!(ev("any(all(doc, docsrs), windows)", &env), "false");
        assert_eq!(
            ev(
                r#"all(unix, target_os = "linux", target_env = "gnu")"#,
                &env
            ),
            "true"
        );
        assert_eq!(
            ev(
                r#"all(target_pointer_width = "64", target_has_atomic = "64")"#,
                &env
            ),
            "true"
        );
        assert_eq!(ev("tokio_unstable", &env), "false");
        assert_eq!(ev("not(loom)", &env), "true");
        let w = Target::parse("x86_64-pc-windows-msvc").unwrap();
        assert_eq!(
            (w.os, w.env, w.families.clone()),
            ("windows", "msvc", vec!["windows"])
        );
        let a = Target::parse("aarch64-linux-android").unwrap();
        assert_eq!((a.os, a.arch, a.env), ("android", "aarch64", ""));
        let wasi = Target::parse("wasm32-wasip1").unwrap();
        assert_eq!(
            (wasi.os, wasi.env, wasi.families.clone()),
            ("wasi", "p1", vec!["wasm"])
        );
        let l = Target::parse("x86_64-unknown-linux-gnu").unwrap();
        assert_eq!(
            (l.os, l.env, l.vendor.as_str()),
            ("linux", "gnu", "unknown")
        );
        let u = Target::parse("wasm32-unknown-unknown").unwrap();
        assert_eq!((u.os, u.families.clone()), ("unknown", vec!["wasm"]));
        let t = Target::parse("thumbv7em-none-eabihf").unwrap();
        assert_eq!((t.os, t.arch, t.abi), ("none", "arm", "eabihf"));
        let err = Target::parse("x86_65-unknown-linux-gnu").unwrap_err();
        assert!(err.contains("`x86_65` is not an architecture"), "{err}");
        let err = Target::parse("x86_64-unknown-plan9").unwrap_err();
        assert!(err.contains("no operating system part"), "{err}");
    }

    #[test]
    fn cli_cfgs_and_off_names() {
        let mut env = CfgEnv::default();
        env.set.insert(("tokio_unstable".into(), None));
        env.set.insert(("docsrs".into(), None));
        env.off.insert("loom".into());
        assert_eq!(ev("all(tokio_unstable, docsrs, not(loom))", &env), "true");
    }

    #[test]
    fn wrapper_macros_are_substituted() {
        let env = CfgEnv {
            features: Some(["sync".to_string()].into()),
            ..CfgEnv::default()
        };
        let m = Cfg::all([
            Cfg::Macro("cfg_rt".into(), None),
            Cfg::Macro("feature".into(), Some(Box::new(p(r#"feature = "sync""#)))),
        ]);
        let look = |name: &str, inner: Option<&Cfg>| match name {
            "cfg_rt" => Some(p(r#"feature = "rt""#)),
            "feature" => inner.cloned(),
            _ => None,
        };
        assert_eq!(m.eval(&env, false, &look), Cfg::False);
        let m = Cfg::Macro("feature".into(), Some(Box::new(p(r#"feature = "sync""#))));
        assert_eq!(m.eval(&env, false, &look), Cfg::True);
    }

    #[test]
    fn wrapper_shapes() {
        let w = |s: &str| wrapper_of(s.parse().unwrap());
        assert_eq!(
            w(
                r#"($($item:item)*) => { $( #[cfg(feature = "rt")] #[cfg_attr(docsrs, doc(cfg(feature = "rt")))] $item )* }"#
            ),
            Some(Wrapper::Pred(p(r#"feature = "rt""#)))
        );
        assert_eq!(
            w(r#"($($item:item)*) => { $( #[cfg(unix)] #[cfg(not(loom))] $item )* };"#),
            Some(Wrapper::Pred(p("all(unix, not(loom))")))
        );
        assert_eq!(
            w(
                "(#![$meta:meta] $($item:item)*) => { $( #[cfg($meta)] #[cfg_attr(docsrs, doc(cfg($meta)))] $item )* }"
            ),
            Some(Wrapper::InnerMeta)
        );
        // Not wrappers: a template that adds items, a tt matcher, two rules that disagree.
        assert_eq!(
            w("($($item:item)*) => { $( #[cfg(unix)] $item )* pub struct X; }"),
            None
        );
        assert_eq!(w("($($t:tt)*) => { $( #[cfg(unix)] $t )* }"), None);
        assert_eq!(w("($($item:item)*) => { $( $item )* }"), None);
        assert_eq!(
            w(
                "($($i:item)*) => { $( #[cfg(unix)] $i )* }; ($($i:item)*) => { $( #[cfg(windows)] $i )* }"
            ),
            None
        );
    }

    #[test]
    fn cfg_flags() {
        assert_eq!(parse_cfg_flag("loom"), Ok(("loom".into(), None)));
        assert_eq!(
            parse_cfg_flag(r#"tokio_unstable="yes""#),
            Ok(("tokio_unstable".into(), Some("yes".into())))
        );
        assert!(parse_cfg_flag("a=b").unwrap_err().contains("quoted string"));
        assert!(parse_cfg_flag("9x").unwrap_err().contains("not a cfg name"));
    }

    #[test]
    fn requests_apply_per_package() {
        let table: BTreeMap<String, Vec<String>> =
            [("default", vec!["rt"]), ("rt", vec![]), ("net", vec![])]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
                .collect();
        let r = CfgRequest::default();
        assert_eq!(r.env_for("app", &table).features, None);
        let r = CfgRequest {
            features: vec!["app/net".into(), "other/x".into()],
            no_default_features: true,
            ..CfgRequest::default()
        };
        assert_eq!(
            r.env_for("app", &table).features,
            Some(["net".to_string()].into())
        );
        assert_eq!(
            r.unknown_features([("app", &table)].into_iter()),
            ["other/x"]
        );
    }

    #[test]
    fn features_follow_the_table() {
        let table: BTreeMap<String, Vec<String>> = [
            ("default", vec!["rt"]),
            ("rt", vec!["dep:slab", "sync"]),
            ("sync", vec![]),
            ("full", vec!["rt", "net", "serde?/std", "bytes/std"]),
            ("net", vec![]),
            ("bytes", vec!["dep:bytes"]),
            ("serde", vec!["dep:serde"]),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
        .collect();
        let on = feature_closure(&table, &BTreeSet::new(), true);
        assert_eq!(
            on.into_iter().collect::<Vec<_>>(),
            ["default", "rt", "sync"]
        );
        let on = feature_closure(&table, &["full".to_string()].into(), false);
        assert_eq!(
            on.into_iter().collect::<Vec<_>>(),
            ["bytes", "full", "net", "rt", "sync"]
        );
    }
}
