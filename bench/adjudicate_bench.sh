#!/usr/bin/env bash
# Times `medclaim adjudicate` with the Shenzhen pack on generated claims, from flat CSV
# and from JSON Lines to JSON Lines output, on one core, reporting fee lines per second
# and peak RSS. The generator's codes are random, so the pack is copied without its
# catalog (the lines' own class decides), which makes every line go through pricing
# and the layers. Run by hand from the repository root after a Release build:
#
#   cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=Release -DMEDCLAIM_BUILD_BENCH=ON && cmake --build build-rel
#   bench/adjudicate_bench.sh build-rel 1100000000 /tmp/medclaim-bench
set -euo pipefail
build=${1:-build-rel}
bytes=${2:-1100000000}
dir=${3:-/tmp/medclaim-bench}
mkdir -p "$dir"
pack="$dir/shenzhen-bench"
rm -rf "$pack"
cp -r rules/shenzhen-employee-2024 "$pack"
rm -rf "$pack/tests"
sed -i 's/^pricing:$/pricing: {}/; /^  catalogs: \[items\]$/d' "$pack/catalogs.yaml"
for format in csv jsonl; do
    file="$dir/claims-$bytes.$format"
    [ -f "$file" ] || "$build/bench/gen_claims" --format "$format" --bytes "$bytes" > "$file"
    cat "$file" > /dev/null  # warm the page cache
    out=$( { taskset -c 0 /usr/bin/time -f "TIME %e %M" "$build/src/medclaim" adjudicate --rules "$pack" --out "$dir/out.jsonl" "$file"; } 2>&1 )
    secs=$(echo "$out" | awk '/^TIME/{print $2}')
    rss=$(echo "$out" | awk '/^TIME/{print $3}')
    lines=$(echo "$out" | sed -n 's/^medclaim: records: \([0-9]*\) read.*/\1/p')
    [ "$format" = jsonl ] && lines=$(grep -o '"line_no"' "$file" | wc -l)
    awk -v f="$format" -v n="$lines" -v s="$secs" -v r="$rss" 'BEGIN {
        printf "%-5s %9d fee lines  adjudicate %6.2f s = %6.0f k lines/s  peak RSS %5.1f MB\n", f, n, s, n / s / 1000, r / 1024 }'
    echo "$out" | grep '^medclaim: \(adjudicated\|records\)' | sed 's/^/      /'
done
