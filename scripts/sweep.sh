#!/usr/bin/env bash
# Corpus sweep (issue 7): run cargo-domains on every crate that `cargo fetch` brings for
# scripts/sweep/Cargo.toml (the listed crates and all their transitive dependencies), with a
# generated domains.toml (one domain per top-level module), and check that it never crashes,
# never hangs and is deterministic.
#
#   scripts/sweep.sh                 # all crates
#   SWEEP_LIMIT=20 scripts/sweep.sh  # the first 20 (quick smoke run)
#   SWEEP_ONLY=regex scripts/sweep.sh  # crates whose directory name contains "regex"
#   SWEEP_SCOPE=direct scripts/sweep.sh  # only the crates listed in scripts/sweep/Cargo.toml
#                                        # (default `all`: transitive dependencies too)
#
# Environment:
#   SWEEP_OUT        output directory (default /tmp/sweep)
#   CARGO_DOMAINS    use this binary instead of building target/release/cargo-domains
#   SWEEP_TIMEOUT    seconds per run (default 60)
#
# Per crate it runs, each under `timeout`:
#   cargo-domains modules --manifest-path DIR/Cargo.toml            (to generate the config)
#   cargo-domains check   --manifest-path DIR/Cargo.toml --config CFG --format json   (twice)
#   cargo-domains edges   --unresolved --manifest-path DIR/Cargo.toml
#   cargo-domains score   --manifest-path DIR/Cargo.toml --config CFG --format json
#                         (tables and opaque SQL counted into $SWEEP_OUT/score.tsv)
# and writes one TSV row to $SWEEP_OUT/results.tsv; per-crate outputs are kept in
# $SWEEP_OUT/out/DIR.{toml,json,json2,stderr,unresolved}. A summary is printed at the end
# and written to $SWEEP_OUT/summary.txt.
#
# Exit status: 0 when every crate gave exit 0, 1 or 2 with identical runs and no timeout;
# 1 otherwise (the offending crates are listed in the summary).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
manifest="$repo_root/scripts/sweep/Cargo.toml"
out="${SWEEP_OUT:-/tmp/sweep}"
limit="${SWEEP_LIMIT:-0}"
only="${SWEEP_ONLY:-}"
tmo="${SWEEP_TIMEOUT:-60}"
scope="${SWEEP_SCOPE:-all}"

if [[ -n "${CARGO_DOMAINS:-}" ]]; then
    bin="$CARGO_DOMAINS"
else
    cargo build --release --manifest-path "$repo_root/Cargo.toml" >&2
    bin="$repo_root/target/release/cargo-domains"
fi
[[ -x "$bin" ]] || { echo "sweep.sh: $bin is not executable" >&2; exit 2; }

cargo fetch --manifest-path "$manifest" >&2

mkdir -p "$out/out"
# Every package the fetch brought (registry sources), one directory per line, sorted.
if [[ "$scope" == direct ]]; then
    filter='.resolve.root as $r | [.resolve.nodes[] | select(.id == $r) | .deps[].pkg] as $d
            | .packages[] | select(.id as $i | $d | index($i)) | .manifest_path'
else
    filter='.packages[] | select(.source != null) | .manifest_path'
fi
cargo metadata --format-version 1 --manifest-path "$manifest" 2>/dev/null |
    jq -r "$filter" | xargs -n1 dirname | sort -u >"$out/crates.list"

# One domain per top-level module of the lib; root domain for `crate` and every bin.
# stdin: `cargo-domains modules` output (pattern<TAB>domain<TAB>file).
gen_config() {
    awk -F'\t' '
        BEGIN { has_lib = 0; nb = 0; nd = 0 }
        $1 == "crate" { has_lib = 1; next }
        $1 ~ /^crate::[^:]+$/ {
            m = substr($1, 8); d = m; sub(/^r#/, "", d)
            if (!(d in seen)) { seen[d] = 1; dom[nd] = d; mod[nd] = $1; nd++ }
            next
        }
        # A bin whose name is not an identifier (`bin:my-tool`) is rejected as a pattern
        # (config-bad-pattern, see docs/reliability.md): leave it unassigned (allowed) so the
        # rest of the crate is still checked.
        $1 ~ /^bin:[A-Za-z_][A-Za-z0-9_]*$/ { if (!($1 in bseen)) { bseen[$1] = 1; bins[nb++] = $1 }; next }
        $1 ~ /^bin:[^:]+$/ { print "# left out (not an identifier): " $1; next }
        END {
            print "[settings]"
            print "unassigned = \"allow\""
            print "cycles = \"warn\""
            print ""
            # `crate-root` cannot collide with a module name (a `-` is not in identifiers).
            print "[domains.crate-root]"
            if (has_lib) print "modules_exact = [\"crate\"]"
            if (nb > 0) {
                s = ""
                for (i = 0; i < nb; i++) s = s (i ? ", " : "") "\"" bins[i] "\""
                print "modules = [" s "]"
            }
            print "depends_on = [\"*\"]"
            for (i = 0; i < nd; i++) {
                print ""
                print "[domains." dom[i] "]"
                print "modules = [\"" mod[i] "\"]"
            }
        }'
}

results="$out/results.tsv"
printf 'crate\tstatus\tstatus2\tidentical\twall_s\tfiles\tlines\treferences\tunresolved_paths\tunresolved_listed\tdiagnostics\tnote\n' >"$results"

scores="$out/score.tsv"
printf 'crate\tstatus\twall_s\ttables\taccesses_by_domains\topaque_sql\n' >"$scores"

n=0
start_all=$(date +%s.%N)
while IFS= read -r dir; do
    name="$(basename "$dir")"
    if [[ -n "$only" && "$name" != *"$only"* ]]; then continue; fi
    n=$((n + 1))
    if [[ "$limit" -gt 0 && "$n" -gt "$limit" ]]; then break; fi
    m="$dir/Cargo.toml"
    o="$out/out/$name"
    note=""
    status=0 status2=0 identical=yes
    files="" lines="" refs="" unres="" listed="" diags=""

    # 1. the config
    mstatus=0
    timeout "$tmo" "$bin" modules --manifest-path "$m" >"$o.modules" 2>"$o.modules.stderr" || mstatus=$?
    if [[ $mstatus -eq 0 ]]; then
        gen_config <"$o.modules" >"$o.toml"
    else
        # modules failed (usually cargo-metadata): check with a minimal config still records
        # the exit status and the diagnostic.
        printf '[settings]\nunassigned = "allow"\ncycles = "warn"\n\n[domains.crate-root]\nmodules_exact = ["crate"]\ndepends_on = ["*"]\n' >"$o.toml"
    fi

    # 2. check, twice
    t0=$(date +%s.%N)
    timeout "$tmo" "$bin" check --manifest-path "$m" --config "$o.toml" --format json \
        >"$o.json" 2>"$o.stderr" || status=$?
    t1=$(date +%s.%N)
    timeout "$tmo" "$bin" check --manifest-path "$m" --config "$o.toml" --format json \
        >"$o.json2" 2>"$o.stderr2" || status2=$?
    wall=$(echo "$t1 - $t0" | bc -l | awk '{printf "%.3f", $1}')
    if ! cmp -s "$o.json" "$o.json2" || [[ $status -ne $status2 ]]; then identical=no; fi

    if [[ -s "$o.json" ]] && jq -e .summary "$o.json" >/dev/null 2>&1; then
        read -r files lines refs unres < <(jq -r '.summary | "\(.files) \(.lines) \(.references) \(.unresolved_paths)"' "$o.json") || true
        diags=$(jq -r '[.diagnostics[].code] | group_by(.) | map("\(.[0]):\(length)") | join(",")' "$o.json")
    fi
    if [[ $status -ne 0 && $status -ne 1 ]]; then
        note=$( (grep -m1 -oE '(cargo-metadata|config-[a-z-]+|panicked at.*)' "$o.stderr" "$o.json" || true) | head -1 | tr '\t\n' '  ')
    fi

    # 3. unresolved paths
    ustatus=0
    timeout "$tmo" "$bin" edges --unresolved --manifest-path "$m" >"$o.unresolved" 2>/dev/null || ustatus=$?
    if [[ $ustatus -eq 0 ]]; then
        listed=$(grep -c . "$o.unresolved" || true)
    else
        listed="exit$ustatus"
        if [[ $ustatus -ne 2 ]]; then note="$note edges-exit=$ustatus"; fi
    fi
    if [[ $mstatus -ne 0 && $mstatus -ne 2 ]]; then note="$note modules-exit=$mstatus"; fi

    # 4. score (data ownership included)
    sstatus=0
    s0=$(date +%s.%N)
    timeout "$tmo" "$bin" score --manifest-path "$m" --config "$o.toml" --format json \
        >"$o.score.json" 2>"$o.score.stderr" || sstatus=$?
    s1=$(date +%s.%N)
    if [[ $sstatus -ne 0 && $sstatus -ne 2 ]]; then note="$note score-exit=$sstatus"; fi
    stables="" saccess="" sopaque=""
    if [[ $sstatus -eq 0 ]]; then
        read -r stables saccess sopaque < <(jq -r '"\(.tables | length) \([.tables[] | (.writers + .readers)[] | .sites] | add // 0) \(.opaque_sql | length)"' "$o.score.json") || true
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$sstatus" "$(echo "$s1 - $s0" | bc -l | awk '{printf "%.3f", $1}')" \
        "$stables" "$saccess" "$sopaque" >>"$scores"

    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$status" "$status2" "$identical" \
        "$wall" "$files" "$lines" "$refs" "$unres" "$listed" "$diags" "$note" >>"$results"
    printf '%5d %-45s exit=%s identical=%s %ss\n' "$n" "$name" "$status" "$identical" "$wall" >&2
done <"$out/crates.list"
end_all=$(date +%s.%N)

# Summary
{
    echo "cargo-domains sweep: $(date -u +%Y-%m-%dT%H:%MZ), binary $bin"
    echo "total wall time: $(echo "$end_all - $start_all" | bc -l | awk '{printf "%.0f", $1}') s (5 runs per crate)"
    awk -F'\t' 'NR > 1 {
            n++; st[$2]++; if ($4 != "yes") nd++
            f += $6; l += $7; r += $8; u += $9; w += $5
            if ($2 != 0 && $2 != 1 && $2 != 2) bad++
            split($11, ds, ","); for (i in ds) if (ds[i] != "") { split(ds[i], kv, ":"); dc[kv[1]] += kv[2] }
        }
        END {
            printf "crates: %d\nfiles: %d\nlines: %d\nreferences: %d\nunresolved paths: %d (%.2f%% of references)\n", n, f, l, r, u, (r ? 100 * u / r : 0)
            printf "check wall time (first run, sum): %.1f s\n", w
            printf "exit statuses:"; for (s in st) printf " %s=%d", s, st[s]; printf "\n"
            printf "non-identical run pairs: %d\n", nd
            printf "crashes/timeouts (exit not 0/1/2): %d\n", bad
            printf "input diagnostics:"; for (c in dc) printf " %s=%d", c, dc[c]; printf "\n"
        }' "$results"
    awk -F'\t' 'NR > 1 { n++; st[$2]++; w += $3; t += $4; a += $5; o += $6; if ($4 > 0) wt++ }
        END {
            printf "score: exit statuses:"; for (s in st) printf " %s=%d", s, st[s]; printf "\n"
            printf "score: wall time (sum) %.1f s; %d crates with tables, %d tables, %d access sites by business domains, %d opaque SQL\n", w, wt, t, a, o
        }' "$scores"
    echo
    echo "exit 2 (cargo-metadata and other errors):"
    awk -F'\t' 'NR > 1 && $2 == 2 { printf "  %s: %s\n", $1, $12 }' "$results"
    echo
    echo "problems (exit not 0/1/2, timeout = 124, runs not identical):"
    awk -F'\t' 'NR > 1 && (($2 != 0 && $2 != 1 && $2 != 2) || $4 != "yes" || $12 ~ /exit=/) { printf "  %s: exit=%s/%s identical=%s %s\n", $1, $2, $3, $4, $12 }' "$results"
} | tee "$out/summary.txt"

! awk -F'\t' 'NR > 1 && (($2 != 0 && $2 != 1 && $2 != 2) || $4 != "yes" || $12 ~ /exit=/) { bad = 1 } END { exit !bad }' "$results"
