#!/usr/bin/env bash
# Times `medclaim adjudicate` with the Shenzhen pack on generated claims, from flat CSV
# and from JSON Lines to JSON Lines output, with one thread on one core and with two
# threads on two, reporting fee lines per second, the speed-up and peak RSS. The
# generator's codes are random, so the pack is copied without its catalog (the lines'
# own class decides), which makes every line go through pricing and the layers. Each
# run starts with its output file removed and the page cache synced. The one- and
# two-thread runs alternate ROUNDS times (default 3) and the fastest of each counts,
# because the speed of a shared machine drifts between runs; the speed-up is fastest
# against fastest.
# Run by hand from the repository root after a Release build:
#
#   cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=Release -DMEDCLAIM_BUILD_BENCH=ON && cmake --build build-rel
#   bench/adjudicate_bench.sh build-rel 1100000000 /tmp/medclaim-bench [ROUNDS]
set -euo pipefail
build=${1:-build-rel}
bytes=${2:-1100000000}
dir=${3:-/tmp/medclaim-bench}
rounds=${4:-3}
mkdir -p "$dir"
pack="$dir/shenzhen-bench"
. "$(dirname "$0")/common.sh"
shenzhen_bench_pack "$pack"
for format in csv jsonl; do
    file="$dir/claims-$bytes.$format"
    [ -f "$file" ] || "$build/bench/gen_claims" --format "$format" --bytes "$bytes" > "$file"
    cat "$file" > /dev/null  # warm the page cache
    lines=""
    best1=""
    best2=""
    for round in $(seq "$rounds"); do
        for threads in 1 2; do
            # One thread pinned to one core; two threads on two cores.
            pin=""
            [ "$threads" = 1 ] && pin="taskset -c 0"
            # No output file from the previous run and no dirty pages: freeing or writing back
            # a gigabyte of the last run's output is not this run's work.
            rm -f "$dir/out.jsonl"
            sync
            out=$( { $pin /usr/bin/time -f "TIME %e %M %U %S" "$build/src/medclaim" adjudicate --threads "$threads" --rules "$pack" --out "$dir/out.jsonl" "$file"; } 2>&1 )
            secs=$(echo "$out" | awk '/^TIME/{print $2}')
            rss=$(echo "$out" | awk '/^TIME/{print $3}')
            cpu=$(echo "$out" | awk '/^TIME/{print $4 + $5}')
            if [ -z "$lines" ]; then
                lines=$(echo "$out" | sed -n 's/^medclaim: records: \([0-9]*\) read.*/\1/p')
                [ "$format" = jsonl ] && lines=$(grep -o '"line_no"' "$file" | wc -l)
            fi
            awk -v f="$format" -v r="$round" -v t="$threads" -v n="$lines" -v s="$secs" -v m="$rss" -v c="$cpu" 'BEGIN {
                printf "%-5s round %d --threads %d %9d fee lines  adjudicate %6.2f s = %6.0f k lines/s  cpu %6.2f s  peak RSS %5.1f MB\n",
                       f, r, t, n, s, n / s / 1000, c, m / 1024 }'
            [ "$round" = 1 ] && echo "$out" | grep '^medclaim: \(adjudicated\|records\)' | sed 's/^/      /'
            if [ "$threads" = 1 ]; then
                best1=$(echo "$best1 $secs" | awk '{ m = $1; for (i = 2; i <= NF; i++) if ($i < m) m = $i; print m }')
            else
                best2=$(echo "$best2 $secs" | awk '{ m = $1; for (i = 2; i <= NF; i++) if ($i < m) m = $i; print m }')
            fi
        done
    done
    awk -v f="$format" -v n="$lines" -v a="$best1" -v b="$best2" 'BEGIN {
        printf "%-5s fastest: --threads 1 %.2f s = %.0f k lines/s, --threads 2 %.2f s = %.0f k lines/s: %.2fx\n", f, a, n / a / 1000, b, n / b / 1000, a / b }'
done
