#!/usr/bin/env bash
# The same claims as flat CSV and as JSON Lines adjudicate to the same bytes.
#   samples_agree.sh MEDCLAIM SOURCE_DIR
set -eu
bin=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" adjudicate --rules "$src/rules/shenzhen-employee-2024" --out "$work/csv.jsonl" "$src/samples/shenzhen-2024.csv" 2>/dev/null
"$bin" adjudicate --rules "$src/rules/shenzhen-employee-2024" --out "$work/jsonl.jsonl" "$src/samples/shenzhen-2024.jsonl" 2>/dev/null
if cmp "$work/csv.jsonl" "$work/jsonl.jsonl"; then
    echo "csv and jsonl samples agree: $(wc -l < "$work/csv.jsonl") claims"
else
    exit 1
fi
