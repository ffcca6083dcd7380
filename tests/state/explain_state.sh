#!/usr/bin/env bash
# `explain --state`: a claim of a later batch is explained on top of the accumulators
# an earlier batch left in the state, exactly as if both batches were one file; a
# claim already in the state shows its stored figures and says so; the state file is
# never changed, and a missing one is an error rather than created.
#   explain_state.sh MEDCLAIM SOURCE_DIR
set -eu
bin=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pack=$src/rules/shenzhen-employee-2024
all=$src/samples/shenzhen-2024.jsonl
head -n 8 "$all" >"$work/first.jsonl"
tail -n +9 "$all" >"$work/second.jsonl"
"$bin" adjudicate --rules "$pack" --state "$work/st.db" --out "$work/o.jsonl" "$work/first.jsonl" 2>/dev/null
before=$(sha256sum <"$work/st.db")
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# SZ24-0010 (member M2002, second admission of the year) after batch one.
"$bin" explain --rules "$pack" --state "$work/st.db" SZ24-0010 "$work/second.jsonl" >"$work/on_state.txt"
"$bin" explain --rules "$pack" SZ24-0010 "$all" >"$work/one_file.txt"
"$bin" explain --rules "$pack" SZ24-0010 "$work/second.jsonl" >"$work/fresh.txt"
cmp -s "$work/on_state.txt" "$work/one_file.txt" || fail "explain on the state differs from explaining the whole file"
cmp -s "$work/on_state.txt" "$work/fresh.txt" && fail "the state made no difference, so this proves nothing"
grep -q 'admissions  *1 →  *2' "$work/on_state.txt" || fail "the stored admission is not among the accumulators before"

# SZ24-0007 is in the state already: stored figures, said so, counters as they stand.
"$bin" explain --rules "$pack" --state "$work/st.db" SZ24-0007 "$work/first.jsonl" >"$work/stored.txt"
grep -q 'was settled before into state' "$work/stored.txt" || fail "an already settled claim is not said to be one"
grep -q 'hifp.paid  *17739.35 →  *17739.35' "$work/stored.txt" || fail "the stored claim's accumulators are not shown as they stand"
grep -q '基金支付合计 paid by funds  *17739.35' "$work/stored.txt" || fail "the stored figures are not shown"

[ "$(sha256sum <"$work/st.db")" = "$before" ] || fail "explain changed the state file"
set +e
"$bin" explain --rules "$pack" --state "$work/missing.db" SZ24-0010 "$work/second.jsonl" 2>"$work/err.txt"
rc=$?
set -e
[ "$rc" = 6 ] || fail "a missing state file gave exit $rc, not 6"
grep -q "state file \`$work/missing.db\` does not exist" "$work/err.txt" || fail "a missing state file is not named: $(cat "$work/err.txt")"
[ -e "$work/missing.db" ] && fail "explain created a state file"

if [ "$failures" = 0 ]; then echo "explain --state: all checks passed"; else exit 1; fi
