#!/usr/bin/env bash
# Runs one golden case: `MEDCLAIM <arguments in CASE.cmd>` from the current folder (the
# source tree), and compares exit status, stdout and stderr with CASE.expected.
# MEDCLAIM_UPDATE_GOLDEN=1 rewrites CASE.expected instead: review the diff before committing.
set -u
bin=$1
case_file=$2
expected=${case_file%.cmd}.expected
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=$(grep -v '^#' "$case_file")
eval "\"$bin\" $args" >"$work/stdout" 2>"$work/stderr" </dev/null
status=$?
{
    echo "exit: $status"
    echo "--- stdout"
    cat "$work/stdout"
    echo "--- stderr"
    cat "$work/stderr"
} >"$work/actual"
if [ "${MEDCLAIM_UPDATE_GOLDEN:-}" = 1 ]; then
    cp "$work/actual" "$expected"
fi
if [ ! -f "$expected" ]; then
    echo "no expected output: $expected (run with MEDCLAIM_UPDATE_GOLDEN=1 to create it)"
    exit 1
fi
diff -u "$expected" "$work/actual"
