#!/usr/bin/env bash
# Commercial layers keep their accumulators (deductible used, paid by responsibility and
# policy year) in the state like basic layers: a rerun of the same batch writes the same
# bytes and counts nothing twice; a reversal unwinds exactly what its claim added, and
# its record negates every figure of the commercial payer.
#   commercial_state.sh MEDCLAIM SOURCE_DIR
set -eu
bin=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pack=$src/rules/million-medical
policies=$src/samples/million-policies.csv
claims=$src/samples/million-claims.jsonl
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
run() { "$bin" adjudicate --rules "$pack" --policies "$policies" --state "$work/st.db" "$@" 2>>"$work/err.txt"; }
# counter MEMBER POLICY YEAR NAME: a policy's counter as `state --member` lists it.
counter() { "$bin" state "$work/st.db" --member "$1" | awk -F'\t' -v who="$1 policy $2" -v y="$3" -v c="$4" '$1 == who && $2 == y && $3 == c {print $4}'; }

run --out "$work/first.jsonl" "$claims"
[ "$(counter M3001 BW-2024-0001 2024 general.paid)" = 38000.00 ] || fail "after the batch the policy paid $(counter M3001 BW-2024-0001 2024 general.paid), not 38000.00"
[ "$(counter M3001 BW-2024-0001 2024 deductible)" = 10000.00 ] || fail "the deductible used is not 10000.00"

run --out "$work/again.jsonl" "$claims"
cmp -s "$work/first.jsonl" "$work/again.jsonl" || fail "a rerun wrote different records"
[ "$(counter M3001 BW-2024-0001 2024 general.paid)" = 38000.00 ] || fail "a rerun counted the policy's payments twice"

# Reverse BW-C-0002 (the policy paid 6,000 on it).
sed -n 2p "$claims" | sed 's/"claim_id":"BW-C-0002"/"claim_id":"BW-C-0002-R","reversal_of":"BW-C-0002"/; s/"qty":1,"unit_price":20000,"amount":20000/"qty":-1,"unit_price":20000,"amount":-20000/; s/,"prior":{[^}]*}//' >"$work/reversal.jsonl"
run --out "$work/reversal_out.jsonl" "$work/reversal.jsonl"
[ "$(counter M3001 BW-2024-0001 2024 general.paid)" = 32000.00 ] || fail "the reversal left the policy's payments at $(counter M3001 BW-2024-0001 2024 general.paid), not 32000.00"
grep -q '"layer":"million","fund":"million","amount":"-6000.00","policy":"BW-2024-0001","base":"-6000.00","deductible":"0.00","responsibilities":\[{"id":"general","base":"-6000.00","deductible":"0.00","ratio":"1.00","amount":"-6000.00"}\]' "$work/reversal_out.jsonl" ||
    fail "the reversal record does not negate the commercial payer: $(cat "$work/reversal_out.jsonl")"

# Per-item limits and per-day benefits count in the same way: a reversal of L1 gives back
# the 300,000 of its drug's limit and its 10 days.
lines_pack=$src/tests/data/packs/commercial_lines
lines_claims=$src/tests/data/commercial/lines-claims.jsonl
lines_run() { "$bin" adjudicate --rules "$lines_pack" --policies "$src/tests/data/commercial/lines-policies.csv" --state "$work/lines.db" "$@" 2>>"$work/err.txt"; }
drug=XL01XC02B00101010100001
lines_run --out "$work/lines1.jsonl" "$lines_claims"
lines_run --out "$work/lines2.jsonl" "$lines_claims"
cmp -s "$work/lines1.jsonl" "$work/lines2.jsonl" || fail "a rerun of the lines batch wrote different records"
lines_counter() { "$bin" state "$work/lines.db" --member H1 | awk -F'\t' -v who="H1 policy $1" -v c="$2" '$1 == who && $2 == 2021 && $3 == c {print $4}'; }
[ "$(lines_counter HMB1 "out_of_catalog.item.$drug.paid")" = 300000.00 ] || fail "the drug's limit used is $(lines_counter HMB1 "out_of_catalog.item.$drug.paid"), not 300000.00"
[ "$(lines_counter M1 cash.days)" = 10 ] || fail "the days used are $(lines_counter M1 cash.days), not 10"
sed -n 1p "$lines_claims" | sed 's/"claim_id":"L1"/"claim_id":"L1-R","reversal_of":"L1"/; s/"qty":1,"unit_price":\([0-9]*\),"amount":/"qty":-1,"unit_price":\1,"amount":-/g; s/,"prior":{[^}]*}//' >"$work/lines_reversal.jsonl"
lines_run --out "$work/lines_rev.jsonl" "$work/lines_reversal.jsonl"
[ "$(lines_counter HMB1 "out_of_catalog.item.$drug.paid")" = 0.00 ] || fail "the reversal left the drug's limit used at $(lines_counter HMB1 "out_of_catalog.item.$drug.paid")"
[ "$(lines_counter M1 cash.days)" = 0 ] || fail "the reversal left the days used at $(lines_counter M1 cash.days)"
grep -q '{"id":"cash","base":"-130000.00","deductible":"0.00","per_day":"100.00","days":-10,"amount":"-1000.00"}' "$work/lines_rev.jsonl" ||
    fail "the reversal record does not negate the per-day benefit: $(cat "$work/lines_rev.jsonl")"

if [ "$failures" -gt 0 ]; then
    cat "$work/err.txt"
    exit 1
fi
echo "commercial accumulators: rerun counts nothing twice, a reversal unwinds its policy's counters, per-item limits and days"
