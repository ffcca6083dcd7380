#!/usr/bin/env bash
# Crash safety of `adjudicate --state`: SIGKILL the run at each point of its commit
# (outputs synced; state committed; outputs renamed) and check that, once the state
# file is opened again, state and outputs are both old or both new — and which.
#   crash_safety.sh MEDCLAIM SOURCE_DIR
set -eu
bin=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pack=$src/rules/sample
batch_a=$src/samples/claims.jsonl
batch_b=$src/tests/data/adjudicate/batch_b.jsonl

show() {  # the state's content without its file name
    "$bin" state "$1" --member M1004 2>/dev/null | sed '1s/^state [^:]*:/state:/'
}

# Reference: batch A, then batch B, uninterrupted.
"$bin" adjudicate --rules "$pack" --state "$work/a.db" --out "$work/a.jsonl" --rejects "$work/a_rejects.jsonl" "$batch_a" 2>/dev/null
show "$work/a.db" >"$work/state_old"
cp "$work/a.db" "$work/ref.db"
"$bin" adjudicate --rules "$pack" --state "$work/ref.db" --out "$work/ref_b.jsonl" --rejects "$work/ref_b_rejects.jsonl" --summary "$work/ref_b.md" \
    "$batch_b" 2>/dev/null
show "$work/ref.db" >"$work/state_new"
if cmp -s "$work/state_old" "$work/state_new"; then
    echo "FAIL: batch B does not change the state, so the test proves nothing"
    exit 1
fi

failures=0
for point in outputs-synced state-committed outputs-published; do
    rm -f "$work"/.k_*.tmp-*
    cp "$work/a.db" "$work/k.db"
    echo "previous output" >"$work/k_out.jsonl"
    echo "previous rejects" >"$work/k_rejects.jsonl"
    set +e
    {
        MEDCLAIM_KILL_AT=$point "$bin" adjudicate --rules "$pack" --state "$work/k.db" --out "$work/k_out.jsonl" --rejects "$work/k_rejects.jsonl" \
            "$batch_b"
        status=$?
    } 2>/dev/null
    set -e
    if [ "$status" -ne 137 ]; then
        echo "FAIL $point: expected the run to be killed (exit 137), got $status"
        failures=$((failures + 1))
        continue
    fi
    show "$work/k.db" >"$work/state_after"  # opening the state completes an interrupted commit
    if cmp -s "$work/state_after" "$work/state_old"; then
        state=old
    elif cmp -s "$work/state_after" "$work/state_new"; then
        state=new
    else
        state=other
    fi
    if [ "$(cat "$work/k_out.jsonl")" = "previous output" ] && [ "$(cat "$work/k_rejects.jsonl")" = "previous rejects" ]; then
        outputs=old
    elif cmp -s "$work/k_out.jsonl" "$work/ref_b.jsonl" && cmp -s "$work/k_rejects.jsonl" "$work/ref_b_rejects.jsonl"; then
        outputs=new
    else
        outputs=other
    fi
    expected=new
    [ "$point" = outputs-synced ] && expected=old
    leftovers=$(find "$work" -name '.k_*.tmp-*' | wc -l)
    if [ "$state" = "$expected" ] && [ "$outputs" = "$expected" ] && [ "$leftovers" -eq 0 -o "$expected" = old ]; then
        echo "ok   killed after $point: state and outputs both $state"
    else
        echo "FAIL killed after $point: state $state, outputs $outputs (expected both $expected), $leftovers temporary files left"
        failures=$((failures + 1))
    fi
done

# A rerun of a batch already applied writes the same bytes and counts nothing twice.
# (The same state file, as a nightly job would use: the summary names it.)
"$bin" adjudicate --rules "$pack" --state "$work/ref.db" --out "$work/rerun_b.jsonl" --summary "$work/rerun_b.md" "$batch_b" 2>/dev/null
if cmp -s "$work/rerun_b.jsonl" "$work/ref_b.jsonl" && cmp -s "$work/rerun_b.md" "$work/ref_b.md" && [ "$(show "$work/ref.db")" = "$(cat "$work/state_new")" ]; then
    echo "ok   rerun of batch B: same output and summary bytes, state unchanged"
else
    echo "FAIL rerun of batch B changed the output or the state"
    failures=$((failures + 1))
fi
if [ "$failures" -ne 0 ]; then
    exit 1
fi
echo "crash safety: all checks passed"
