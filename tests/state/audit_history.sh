#!/usr/bin/env bash
# Cross-claim audit rules keep their history (stays by principal diagnosis, item
# quantities by day) as counters in the state: a later run sees an earlier run's stay
# (分解住院, domain.md A9); a rerun counts nothing twice; a reversal unwinds the stay it
# recorded; history older than the longest window is dropped from the state.
#   audit_history.sh MEDCLAIM SOURCE_DIR
set -eu
bin=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pack=$src/rules/audit-nhsa
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
run() { "$bin" adjudicate --rules "$pack" --state "$work/st.db" "$@" 2>>"$work/err.txt"; }
# counter NAME: member R1's counter across years (plan year `-`), as `state --member` lists it.
counter() { "$bin" state "$work/st.db" --member R1 | awk -F'\t' -v c="$1" '$1 == "R1" && $2 == "-" && $3 == c {print $4}'; }
stay() {  # stay ID ADMIT DISCHARGE [PLANNED]
    printf '{"claim_id":"%s","member":{"id":"R1","sex":"M","birth_date":"1950-01-01","scheme":"employee","category":"retired"},"provider":{"id":"H3","level":3},"visit":{"care_type":"inpatient","admit_date":"%s","discharge_date":"%s"},"diagnoses":["J18.900"],"lines":[{"line_no":1,"code":"001109000010000","kind":"bed","qty":1,"unit_price":40,"amount":40,"service_date":"%s"}]}\n' "$1" "$2" "$3" "$2"
}
# 2024-05-02 is day 19845 since 1970-01-01.
stay A9-1 2024-04-25 2024-05-02 >"$work/first.jsonl"
run --out "$work/first_out.jsonl" "$work/first.jsonl"
[ "$(counter audit.stay.J18.900.19845)" = 1 ] || fail "the first stay's discharge is not in the history: $("$bin" state "$work/st.db" --member R1)"
run --out "$work/first_again.jsonl" "$work/first.jsonl"
[ "$(counter audit.stay.J18.900.19845)" = 1 ] || fail "a rerun counted the stay twice"

stay A9-2 2024-05-12 2024-05-18 >"$work/second.jsonl"
run --out "$work/second_out.jsonl" "$work/second.jsonl"
grep -q '"status":"pended"' "$work/second_out.jsonl" && grep -q '"rule":"nhsa-readmission"' "$work/second_out.jsonl" ||
    fail "a readmission 10 days after a stay settled in an earlier run was not held: $(cat "$work/second_out.jsonl")"

# Reverse A9-1: its discharge leaves the history, and the same readmission is not flagged.
printf '{"claim_id":"A9-1-R","reversal_of":"A9-1","member":{"id":"R1","sex":"M","birth_date":"1950-01-01","scheme":"employee","category":"retired"},"provider":{"id":"H3","level":3},"visit":{"care_type":"inpatient","admit_date":"2024-04-25","discharge_date":"2024-05-02"},"diagnoses":["J18.900"],"lines":[{"line_no":1,"code":"001109000010000","kind":"bed","qty":-1,"unit_price":40,"amount":-40,"service_date":"2024-04-25"}]}\n' >"$work/reversal.jsonl"
run --out "$work/reversal_out.jsonl" "$work/reversal.jsonl"
[ -z "$(counter audit.stay.J18.900.19845)" ] || fail "the reversal left the stay in the history: $(counter audit.stay.J18.900.19845)"
stay A9-3 2024-05-12 2024-05-18 >"$work/third.jsonl"
run --out "$work/third_out.jsonl" "$work/third.jsonl"
grep -q '"status":"paid"' "$work/third_out.jsonl" || fail "after the reversal the readmission was still flagged: $(cat "$work/third_out.jsonl")"
[ "$(counter audit.stay.J18.900.19861)" = 1 ] || fail "A9-3's discharge (2024-05-18, day 19861) is not in the history"

# A stay months later drops what is older than the 15-day window.
stay A9-4 2024-09-01 2024-09-05 >"$work/fourth.jsonl"
run --out "$work/fourth_out.jsonl" "$work/fourth.jsonl"
[ -z "$(counter audit.stay.J18.900.19861)" ] || fail "history older than the window was kept"
[ "$(counter audit.stay.J18.900.19971)" = 1 ] || fail "the latest stay (2024-09-05, day 19971) is not in the history"

if [ "$failures" -gt 0 ]; then
    cat "$work/err.txt"
    exit 1
fi
echo "audit history: kept across runs, counted once, unwound by a reversal, bounded by the windows"
