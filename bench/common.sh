# Sourced by the benchmarks.
#
#   shenzhen_bench_pack DIR
# copies the Shenzhen pack to DIR without its tests and without its catalog in pricing,
# so that every generated line is priced by its own class and goes through the layers.
shenzhen_bench_pack() {
    rm -rf "$1"
    cp -r rules/shenzhen-employee-2024 "$1"
    rm -rf "$1/tests"
    sed -i 's/^pricing:$/pricing: {}/; /^  catalogs: \[items\]$/d' "$1/catalogs.yaml"
}

#   alternate ROUNDS LINES NAME LABEL
# runs `run_basic` and `run_NAME` (functions the script defines, each one medclaim
# command) in turn ROUNDS times, pinned to one core, prints each run's time, speed and
# peak RSS (and, in round 1, medclaim's summary and what `after_NAME` prints), then
# each round's drop in throughput (sorted, with their median), and ends with the
# fastest of each and the drop between them, calling the second LABEL.
alternate() {
    local rounds=$1 lines=$2 name=$3 label=$4 best_basic=999999 best_other=999999 round kind out secs rss basic_secs drops=""
    for round in $(seq "$rounds"); do
        for kind in basic "$name"; do
            sync
            out=$( { taskset -c 0 /usr/bin/time -f "TIME %e %M %U %S" bash -c "$(declare -f "run_$kind"); run_$kind"; } 2>&1 )
            secs=$(echo "$out" | awk '/^TIME/{print $2}')
            rss=$(echo "$out" | awk '/^TIME/{print $3}')
            cpu=$(echo "$out" | awk '/^TIME/{print $4 + $5}')
            awk -v k="$kind" -v r="$round" -v n="$lines" -v s="$secs" -v m="$rss" -v c="$cpu" 'BEGIN {
                printf "round %d %-5s %9d fee lines  %6.2f s = %6.0f k lines/s  cpu %6.2f s  peak RSS %5.1f MB\n", r, k, n, s, n / s / 1000, c, m / 1024 }'
            if [ "$round" = 1 ]; then
                echo "$out" | grep '^medclaim: \(adjudicated\|policies\)' | sed 's/^/      /' || true
                if declare -f "after_$kind" >/dev/null; then "after_$kind" | sed 's/^/      /'; fi
            fi
            if [ "$kind" = basic ]; then
                best_basic=$(echo "if ($secs < $best_basic) $secs else $best_basic" | bc)
                basic_secs=$secs
            else
                best_other=$(echo "if ($secs < $best_other) $secs else $best_other" | bc)
                drops="$drops $(awk -v a="$basic_secs" -v b="$secs" 'BEGIN { printf "%.1f", (1 - a / b) * 100 }')"
            fi
        done
    done
    # Each round's two runs are next to each other in time, so they share the host's
    # speed of the moment: the median of the rounds' drops is the steadier figure when
    # that speed drifts (the fastest of each can come from different phases).
    echo "$drops" | tr ' ' '\n' | grep . | sort -g | awk -v l="$label" '{ d[NR] = $1 } END {
        m = NR % 2 ? d[(NR + 1) / 2] : (d[NR / 2] + d[NR / 2 + 1]) / 2
        printf "rounds: throughput with %s lower by", l; for (i = 1; i <= NR; i++) printf " %s%%", d[i]; printf "; median %.1f%%\n", m }'
    awk -v a="$best_basic" -v b="$best_other" -v n="$lines" -v l="$label" 'BEGIN {
        printf "fastest: basic %.2f s (%.0f k lines/s), %s %.2f s (%.0f k lines/s): throughput %.1f%% lower\n",
               a, n / a / 1000, l, b, n / b / 1000, (1 - a / b) * 100 }'
}
