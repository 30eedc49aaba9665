#!/usr/bin/env bash
# Generates a synthetic Cargo workspace of about LINES lines (default 1,000,000): CRATES member
# crates, each with 40 domain-like modules of realistic item shapes that reference each other
# and the previous crate, plus a domains.toml (one domain per crate). Then measures `check`
# (wall time, peak RSS). Usage: scripts/synthetic.sh [LINES] [DIR]
set -euo pipefail
lines=${1:-1000000}
dir=${2:-/tmp/synthetic-workspace}
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
per_module=500                      # lines per module file (approximately)
modules=40
crates=$(( (lines + per_module * modules - 1) / (per_module * modules) ))
rm -rf "$dir"
mkdir -p "$dir/crates"
{
    echo '[workspace]'
    echo 'resolver = "2"'
    echo -n 'members = ['
    for c in $(seq 1 "$crates"); do echo -n "\"crates/c$c\", "; done
    echo ']'
} >"$dir/Cargo.toml"
echo '[settings]' >"$dir/domains.toml"
echo 'cycles = "warn"' >>"$dir/domains.toml"
for c in $(seq 1 "$crates"); do
    d="$dir/crates/c$c"
    mkdir -p "$d/src"
    {
        echo "[package]"
        echo "name = \"c$c\""
        echo 'version = "0.1.0"'
        echo 'edition = "2021"'
        echo '[dependencies]'
        if [ "$c" -gt 1 ]; then echo "c$((c - 1)) = { path = \"../c$((c - 1))\" }"; fi
    } >"$d/Cargo.toml"
    : >"$d/src/lib.rs"
    for m in $(seq 1 "$modules"); do
        echo "pub mod m$m;" >>"$d/src/lib.rs"
        prev=$(( m > 1 ? m - 1 : modules ))
        f="$d/src/m$m.rs"
        {
            echo "use crate::m$prev::Record$prev;"
            if [ "$c" -gt 1 ]; then echo "use c$((c - 1))::m$m::Record$m as Upstream;"; fi
            for i in $(seq 1 $(( per_module / 25 ))); do
                cat <<RS
/// Entity $i of module $m.
#[derive(Debug, Clone, Default)]
pub struct Item$i {
    pub id: u64,
    pub name: String,
    pub parent: Option<Record$prev>,
}

impl Item$i {
    pub fn new(id: u64) -> Self {
        Self { id, name: format!("item-{}", id), parent: None }
    }

    pub fn score(&self, other: &Item$i) -> u64 {
        let base = self.id.wrapping_mul(31) ^ other.id;
        match self.parent.as_ref() {
            Some(p) => base + p.weight(),
            None => base,
        }
    }
}

RS
            done
            echo "#[derive(Debug, Clone, Default)]"
            echo "pub struct Record$m { pub weight: u64 }"
            echo "impl Record$m { pub fn weight(&self) -> u64 { self.weight } }"
            if [ "$c" -gt 1 ]; then echo "pub fn upstream() -> Upstream { Upstream::default() }"; fi
        } >"$f"
    done
    {
        echo "[domains.c$c]"
        echo "modules = [\"c$c\"]"
        if [ "$c" -gt 1 ]; then echo "depends_on = [\"c$((c - 1))\"]"; fi
    } >>"$dir/domains.toml"
done
total=$(find "$dir/crates" -name '*.rs' -print0 | xargs -0 cat | wc -l)
echo "generated $crates crates, $((crates * modules)) modules, $total lines in $dir" >&2
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/cargo-domains"
/usr/bin/time -f "check: %e s wall, %U s user, %M KB peak RSS" "$bin" check --manifest-path "$dir/Cargo.toml" --format json >/dev/null || true
/usr/bin/time -f "parse floor: %e s wall, %U s user, %M KB peak RSS" "$bin" check --stage parse --manifest-path "$dir/Cargo.toml" || true
