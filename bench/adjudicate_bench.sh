#!/usr/bin/env bash
# Times `medclaim adjudicate` with the Shenzhen pack on generated claims, from flat CSV
# and from JSON Lines to JSON Lines output, with one thread on one core and with two
# threads on two, reporting fee lines per second, the speed-up and peak RSS. The
# generator's codes are random, so the pack is copied without its catalog (the lines'
# own class decides), which makes every line go through pricing and the layers. Each
# run starts with its output file removed and the page cache synced.
# Run by hand from the repository root after a Release build:
#
#   cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=Release -DMEDCLAIM_BUILD_BENCH=ON && cmake --build build-rel
#   bench/adjudicate_bench.sh build-rel 1100000000 /tmp/medclaim-bench
set -euo pipefail
build=${1:-build-rel}
bytes=${2:-1100000000}
dir=${3:-/tmp/medclaim-bench}
mkdir -p "$dir"
pack="$dir/shenzhen-bench"
. "$(dirname "$0")/common.sh"
shenzhen_bench_pack "$pack"
for format in csv jsonl; do
    file="$dir/claims-$bytes.$format"
    [ -f "$file" ] || "$build/bench/gen_claims" --format "$format" --bytes "$bytes" > "$file"
    cat "$file" > /dev/null  # warm the page cache
    lines=""
    one=""
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
        [ -z "$one" ] && one=$secs
        awk -v f="$format" -v t="$threads" -v n="$lines" -v s="$secs" -v r="$rss" -v one="$one" -v c="$cpu" 'BEGIN {
            printf "%-5s --threads %d %9d fee lines  adjudicate %6.2f s = %6.0f k lines/s  %4.2fx one thread  cpu %6.2f s  peak RSS %5.1f MB\n",
                   f, t, n, s, n / s / 1000, one / s, c, r / 1024 }'
        echo "$out" | grep '^medclaim: \(adjudicated\|records\)' | sed 's/^/      /'
    done
done
