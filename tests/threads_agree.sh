#!/usr/bin/env bash
# Every output of `medclaim adjudicate` is the same bytes for --threads 1 and 2, also
# when the inputs are cut into tiny pieces (MEDCLAIM_PIECE_BYTES), so that cuts fall
# inside quoted multi-line CSV fields and between rows of one claim, and with state
# reruns. Standard error must agree too (order of findings, warnings said once).
#   threads_agree.sh MEDCLAIM SOURCE_DIR
set -eu
bin=$1
src=$2
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
pack="$src/rules/shenzhen-employee-2024"

# JSON Lines: the samples, blank lines, a repeated unknown key, broken JSON, a duplicate id.
{
    head -5 "$src/samples/shenzhen-2024.jsonl"
    echo
    sed -n 6,9p "$src/samples/shenzhen-2024.jsonl" | sed 's/^{/{"colour":"red",/'
    echo '{"claim_id": "BROKEN", "member": '
    sed -n 10,16p "$src/samples/shenzhen-2024.jsonl" | sed 's/^{/{"colour":"blue",/'
    sed -n 3p "$src/samples/shenzhen-2024.jsonl"
} > "$work/claims.jsonl"

# Flat CSV: the samples under other claim ids (the same members, so that accumulators
# carry from one file to the other), with a line name that spans lines in quotes, a
# claim whose rows are far apart (rejected as a duplicate), a bad row and an unknown column.
# The quoted note holds lines that look like rows of other claims: a cut there must be
# found out and undone.
{
    head -1 "$src/samples/shenzhen-2024.csv" | sed 's/$/,note/'
    sed -n '2,20p' "$src/samples/shenzhen-2024.csv" | sed 's/$/,x/'
    sed -n '21p' "$src/samples/shenzhen-2024.csv" | sed 's/,\([^,]*\),\(drug\|service\|material\),/,"\1\nsecond line, with a comma\n""quoted""",\2,/' | sed 's/$/,"first\nZZZ-1,plain\nZZZ-2,plain\nlast"/'
    sed -n '22,40p' "$src/samples/shenzhen-2024.csv" | sed 's/$/,y/'
    echo 'BAD,row,with,too,few,fields'
    sed -n '41,53p' "$src/samples/shenzhen-2024.csv" | sed 's/$/,z/'
    sed -n '2p' "$src/samples/shenzhen-2024.csv" | sed 's/$/,again/'
} | sed 's/SZ24-/CSV-/g' > "$work/claims.csv"

run() {  # label threads piece-bytes
    local dir="$work/$1"
    mkdir -p "$dir"
    MEDCLAIM_PIECE_BYTES=$3 "$bin" adjudicate --threads "$2" --rules "$pack" --out "$dir/out.jsonl" --rejects "$dir/rejects.jsonl" \
        --summary "$dir/summary.md" --state "$dir/state.db" "$work/claims.jsonl" "$work/claims.csv" 2> "$dir/stderr" || true
    # A rerun against the same state writes the same again.
    MEDCLAIM_PIECE_BYTES=$3 "$bin" adjudicate --threads "$2" --rules "$pack" --out "$dir/rerun.jsonl" --rejects "$dir/rerun-rejects.jsonl" \
        --state "$dir/state.db" "$work/claims.jsonl" "$work/claims.csv" 2> "$dir/rerun-stderr" || true
    MEDCLAIM_PIECE_BYTES=$3 "$bin" adjudicate --threads "$2" --rules "$pack" --format csv --out "$dir/claims.csv" \
        "$work/claims.csv" 2> /dev/null || true
    rm -f "$dir/state.db"
    sed -i "s|$dir|DIR|g" "$dir/stderr" "$dir/rerun-stderr" "$dir/summary.md"
}

run one 1 1048576
claims=$(wc -l < "$work/one/out.jsonl")
rejects=$(wc -l < "$work/one/rejects.jsonl")
[ "$claims" -ge 20 ] || { echo "expected at least 20 adjudicated claims, got $claims"; exit 1; }
[ "$rejects" -ge 4 ] || { echo "expected at least 4 rejected claims, got $rejects"; exit 1; }
grep -q 'unknown field `colour`' "$work/one/stderr" || { echo "no unknown-field warning"; exit 1; }
[ "$(grep -c 'unknown field `colour`' "$work/one/stderr")" = 1 ] || { echo "the unknown-field warning is said more than once"; exit 1; }
# Commercial layers with policies, settled into a state and rerun.
commercial() {  # label threads piece-bytes
    local dir="$work/c-$1"
    mkdir -p "$dir"
    for r in first rerun; do
        MEDCLAIM_PIECE_BYTES=$3 "$bin" adjudicate --threads "$2" --rules "$src/rules/million-medical" --policies "$src/samples/million-policies.csv" \
            --out "$dir/$r.jsonl" --summary "$dir/$r-summary.txt" --state "$dir/state.db" "$src/samples/million-claims.jsonl" 2> "$dir/$r-stderr" || true
    done
    rm -f "$dir/state.db"
    sed -i "s|$dir|DIR|g" "$dir"/*-stderr "$dir"/*-summary.txt
}
commercial one 1 1048576
[ "$(wc -l < "$work/c-one/first.jsonl")" -ge 6 ] || { echo "expected 6 commercial claims"; exit 1; }
cmp -s "$work/c-one/first.jsonl" "$work/c-one/rerun.jsonl" || { echo "a commercial rerun wrote different records"; exit 1; }

# Audit rules with cross-claim history, the review queue and the summary, into a state and rerun.
audit() {  # label threads piece-bytes
    local dir="$work/a-$1"
    mkdir -p "$dir"
    for r in first rerun; do
        MEDCLAIM_PIECE_BYTES=$3 "$bin" adjudicate --threads "$2" --rules "$src/rules/audit-nhsa" --out "$dir/$r.jsonl" --flags "$dir/$r-flags.csv" \
            --summary "$dir/$r-summary.txt" --state "$dir/state.db" "$src/samples/audit-claims.jsonl" 2> "$dir/$r-stderr" || true
    done
    rm -f "$dir/state.db"
    sed -i "s|$dir|DIR|g" "$dir"/*-stderr "$dir"/*-summary.txt
}
audit one 1 1048576
[ "$(wc -l < "$work/a-one/first-flags.csv")" -ge 12 ] || { echo "expected at least 11 audit flags"; exit 1; }
cmp -s "$work/a-one/first-flags.csv" "$work/a-one/rerun-flags.csv" || { echo "an audit rerun wrote a different review queue"; exit 1; }

status=0
same() {  # WHAT ONE TWO: the outputs of threads 1 (ONE) and threads 2 (TWO) agree byte for byte
    if diff -r "$2" "$3" > "$3.diff"; then
        echo "$1: same bytes as threads 1"
    else
        echo "$1 differ from threads 1:"
        head -40 "$3.diff"
        status=1
    fi
}
for bytes in 1048576 500 1; do
    audit "two-$bytes" 2 "$bytes"
    same "audit, threads 2, pieces of $bytes bytes" "$work/a-one" "$work/a-two-$bytes"
done
for bytes in 1048576 300 1; do
    commercial "two-$bytes" 2 "$bytes"
    same "commercial, threads 2, pieces of $bytes bytes" "$work/c-one" "$work/c-two-$bytes"
done
for bytes in 1048576 700 97 1; do
    run "two-$bytes" 2 "$bytes"
    same "threads 2, pieces of $bytes bytes ($claims claims, $rejects rejects)" "$work/one" "$work/two-$bytes"
done
exit $status
