#!/usr/bin/env bash
# Whole-run benchmark on the `cargo` crate: the full check against the parse-only floor
# (the same binary reading and parsing every file with syn and nothing else), plus peak
# memory. Needs hyperfine (apt-get install hyperfine). Prints markdown.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
corpus="${1:-$(scripts/fetch-corpus.sh)}"
cargo build --release --quiet
bin="$root/target/release/cargo-domains"
m="$corpus/Cargo.toml"
cfg="$root/docs/examples/cargo.domains.toml"

echo "## $(basename "$corpus") on $(nproc) cores"
"$bin" check --stage parse --manifest-path "$m" 2>&1 | tail -1
md=$(mktemp)
hyperfine --warmup 2 --runs "${RUNS:-15}" -N -i --export-markdown "$md" \
    -n "parse floor" "$bin check --stage parse --manifest-path $m" \
    -n "check" "$bin check --manifest-path $m --config $cfg" \
    -n "parse floor, 1 thread" "$bin check --threads 1 --stage parse --manifest-path $m" \
    -n "check, 1 thread" "$bin check --threads 1 --manifest-path $m --config $cfg" \
    -n "edges" "$bin edges --manifest-path $m" >/dev/null 2>&1
cat "$md"
rm -f "$md"

echo
echo "| run | peak RSS (MB) |"
echo "| --- | --- |"
rss_file=$(mktemp)
for args in "check --stage parse --manifest-path $m" "check --manifest-path $m --config $cfg"; do
    # shellcheck disable=SC2086 # the arguments are split on purpose
    /usr/bin/time -f %M -o "$rss_file" "$bin" $args >/dev/null 2>&1 || true
    echo "| \`${args%% --manifest-path*}\` | $(( $(tail -1 "$rss_file") / 1024 )) |"
done
rm -f "$rss_file"
