#!/usr/bin/env bash
# Back-test of `cargo domains score` on public history (docs/scoring.md, "Back-test"):
# modules of public crates that later moved into crates of their own, at the last version
# on crates.io before the move. For each event: `init --depth N` domains, both readiness
# figures, and the rank of the module that moved among its sibling domains, next to the
# naive baselines (fewest outgoing references, fewest inbound references, smallest).
#
# It fetches the old versions with `cargo fetch` (a throwaway manifest per version under
# $BACKTEST_DIR, default /tmp/cargo-domains-backtest), copies them out of the registry and
# never builds or runs them. Usage: scripts/backtest.sh [path/to/cargo-domains]
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
bin="${1:-$here/target/debug/cargo-domains}"
work="${BACKTEST_DIR:-/tmp/cargo-domains-backtest}"
registry="${CARGO_HOME:-$HOME/.cargo}/registry/src"
mkdir -p "$work"

# crate version depth module-that-moved (domain name as `init` writes it) new-crate
# (regex 1.9 rewrote its engines into regex-automata rather than moving the files: those
# three events are the loosest.)
events=(
  "cargo 0.40.0 2 util_cfg cargo-platform"
  "cargo 0.53.0 2 util_paths cargo-util"
  "cargo 0.53.0 2 util_process_builder cargo-util"
  "cargo 0.53.0 2 util_read2 cargo-util"
  "cargo 0.53.0 2 util_sha256 cargo-util"
  "cargo 0.77.0 1 util_schemas cargo-util-schemas"
  "cargo 0.77.0 1 util_semver cargo-util-schemas"
  "rustls 0.21.12 1 key rustls-pki-types"
  "hyper 0.14.28 2 client_connect hyper-util"
  "hyper 0.14.28 2 client_pool hyper-util"
  "regex 1.8.4 1 dfa regex-automata"
  "regex 1.8.4 1 pikevm regex-automata"
  "regex 1.8.4 1 backtrack regex-automata"
)

source_of() { # crate version -> a writable copy with its own [workspace]
  local name=$1 ver=$2 dst="$work/src/$1-$2"
  if [[ ! -d $dst ]]; then
    local src
    src=$(ls -d "$registry"/*/"$name-$ver" 2>/dev/null | head -1 || true)
    if [[ -z $src ]]; then
      local m="$work/fetch/$name-$ver"
      mkdir -p "$m/src"
      : >"$m/src/lib.rs"
      printf '[package]\nname = "backtest-fetch"\nversion = "0.0.0"\nedition = "2018"\n[dependencies]\n%s = "=%s"\n[workspace]\n' \
        "$name" "$ver" >"$m/Cargo.toml"
      (cd "$m" && cargo fetch --quiet) >&2
      src=$(ls -d "$registry"/*/"$name-$ver" | head -1)
    fi
    mkdir -p "$work/src"
    cp -r "$src" "$dst"
    chmod -R u+w "$dst"
    grep -q '^\[workspace\]' "$dst/Cargo.toml" || printf '\n[workspace]\n' >>"$dst/Cargo.toml"
  fi
  echo "$dst"
}

rows="$work/rows.tsv"
: >"$rows"
for e in "${events[@]}"; do
  read -r name ver depth module moved <<<"$e"
  dir=$(source_of "$name" "$ver")
  out="$work/out/$name-$ver-d$depth"
  mkdir -p "$out"
  if [[ ! -s $out/score.json ]]; then
    "$bin" domains init --manifest-path "$dir/Cargo.toml" --depth "$depth" -o "$out/domains.toml" --force 2>/dev/null
    "$bin" domains score --manifest-path "$dir/Cargo.toml" --config "$out/domains.toml" --format json >"$out/score.json"
    "$bin" domains modules --manifest-path "$dir/Cargo.toml" --config "$out/domains.toml" >"$out/modules.tsv"
    "$bin" domains edges --manifest-path "$dir/Cargo.toml" >"$out/edges.tsv"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$ver" "$depth" "$module" "$moved" "$out" >>"$rows"
done

python3 - "$rows" <<'PY'
import json, sys

def percentile(values, target, higher_is_better):
    """100 = ranked most ready among the siblings; ties count half."""
    mine = values[target]
    others = [v for k, v in values.items() if k != target]
    if not others:
        return 100.0
    better = lambda a, b: a > b if higher_is_better else a < b
    beaten = sum(1 for v in others if better(mine, v)) + 0.5 * sum(1 for v in others if v == mine)
    return 100.0 * beaten / len(others)

rankings = ["crate readiness", "service readiness", "fewest outgoing references",
            "fewest inbound references", "smallest"]
results = {r: [] for r in rankings}
print("| event | domains | crate | service | outgoing | inbound | smallest |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for line in open(sys.argv[1]):
    name, ver, depth, module, moved, out = line.rstrip("\n").split("\t")
    score = json.load(open(f"{out}/score.json"))
    dom_of = {}
    for l in open(f"{out}/modules.tsv"):
        parts = l.rstrip("\n").split("\t")
        if len(parts) >= 2:
            dom_of[parts[0]] = parts[1]
    def domain(path):
        head, _, rest = path.partition("::")
        return dom_of.get("crate::" + rest if rest else "crate")
    scored = {d["domain"]: d for d in score["domains"]}
    out_refs = {d: 0 for d in scored}
    in_refs = {d: 0 for d in scored}
    for l in open(f"{out}/edges.tsv"):
        parts = l.rstrip("\n").split("\t")
        if len(parts) < 2:
            continue
        a, b = domain(parts[0]), domain(parts[1])
        if a is None or b is None or a == b:
            continue
        if a in out_refs:
            out_refs[a] += 1
        if b in in_refs:
            in_refs[b] += 1
    if module not in scored:
        print(f"| {name} {ver} `{module}` | - | not a domain at depth {depth} | | | | |")
        continue
    figures = {
        "crate readiness": percentile({d: s["crate"]["score"] + s["crate"]["raw"] / 1000 for d, s in scored.items()}, module, True),
        "service readiness": percentile({d: s["score"] + s["raw"] / 1000 for d, s in scored.items()}, module, True),
        "fewest outgoing references": percentile(out_refs, module, False),
        "fewest inbound references": percentile(in_refs, module, False),
        "smallest": percentile({d: s["items"] for d, s in scored.items()}, module, False),
    }
    for r in rankings:
        results[r].append(figures[r])
    print(f"| {name} {ver} `{module}` -> {moved} (depth {depth}) | {len(scored)} | "
          + " | ".join(f"{figures[r]:.1f}" for r in rankings) + " |")
print()
print("| ranking | mean percentile (100 = ranked most ready) | in the top quartile |")
print("| --- | ---: | ---: |")
for r in rankings:
    v = results[r]
    if v:
        top = sum(1 for x in v if x >= 75.0)
        print(f"| {r} | {sum(v) / len(v):.1f} | {top} of {len(v)} |")
PY
