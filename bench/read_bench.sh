#!/usr/bin/env bash
# Times `medclaim validate` on generated flat CSV and JSON Lines of a given size, one
# core, next to `wc -l` on the same file (the cost of merely reading it), and reports
# throughput and peak RSS. Run by hand from the repository root after a Release build:
#
#   cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build build-rel
#   bench/read_bench.sh build-rel 1100000000 /tmp/medclaim-bench
set -euo pipefail
build=${1:-build-rel}
bytes=${2:-1100000000}
dir=${3:-/tmp/medclaim-bench}
mkdir -p "$dir"
for format in csv jsonl; do
    file="$dir/claims-$bytes.$format"
    [ -f "$file" ] || "$build/bench/gen_claims" --format "$format" --bytes "$bytes" > "$file"
    size=$(stat -c %s "$file")
    cat "$file" > /dev/null  # warm the page cache so both timings read from memory
    wc_s=$( { /usr/bin/time -f "%e" wc -l "$file" > /dev/null; } 2>&1 )
    out=$( { taskset -c 0 /usr/bin/time -f "TIME %e %M" "$build/src/medclaim" validate "$file"; } 2>&1 )
    secs=$(echo "$out" | awk '/^TIME/{print $2}')
    rss=$(echo "$out" | awk '/^TIME/{print $3}')
    recon=$(echo "$out" | grep '^medclaim: records')
    awk -v f="$format" -v b="$size" -v s="$secs" -v r="$rss" -v w="$wc_s" 'BEGIN {
        printf "%-5s %6.0f MB  validate %6.2f s = %5.0f MB/s  peak RSS %5.1f MB  (wc -l %5.2f s = %5.0f MB/s)\n",
               f, b / 1e6, s, b / 1e6 / s, r / 1024, w, b / 1e6 / w }'
    echo "      $recon"
done
