#!/usr/bin/env bash
# Download the benchmark corpus (source of the `cargo` crate, v0.98.0) into the
# cargo registry cache and print its source directory on stdout, e.g.
#   target/release/cargo-domains check --manifest-path "$(scripts/fetch-corpus.sh)/Cargo.toml"
# All cargo output goes to stderr so only the path is printed on stdout.
set -euo pipefail

CORPUS_CRATE="cargo"
CORPUS_VERSION="0.98.0"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
manifest="$repo_root/bench/corpus/Cargo.toml"

cargo fetch --manifest-path "$manifest" >&2

cargo_home="${CARGO_HOME:-$HOME/.cargo}"
shopt -s nullglob
candidates=("$cargo_home"/registry/src/*/"$CORPUS_CRATE-$CORPUS_VERSION")
shopt -u nullglob

for dir in "${candidates[@]}"; do
    if [[ -f "$dir/Cargo.toml" ]]; then
        printf '%s\n' "$dir"
        exit 0
    fi
done

echo "fetch-corpus.sh: $CORPUS_CRATE-$CORPUS_VERSION not found under $cargo_home/registry/src after cargo fetch" >&2
exit 1
