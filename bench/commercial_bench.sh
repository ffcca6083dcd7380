#!/usr/bin/env bash
# What two commercial layers cost: `medclaim adjudicate` on generated JSON Lines with the
# Shenzhen bench pack of adjudicate_bench.sh (basic insurance only), then with the same
# pack plus a 惠民保-like and a 百万医疗-like product and a policies file that gives
# every generated member one policy of each (so every claim goes through both layers).
# One thread on one core; the two runs alternate ROUNDS times and the fastest of each
# counts, because the speed of a shared machine drifts between runs.
# Run by hand from the repository root after a Release build:
#
#   bench/commercial_bench.sh build-rel 1100000000 /tmp/medclaim-bench [ROUNDS]
set -euo pipefail
build=${1:-build-rel}
bytes=${2:-1100000000}
dir=${3:-/tmp/medclaim-bench}
rounds=${4:-3}
mkdir -p "$dir"
basic="$dir/shenzhen-bench"
both="$dir/shenzhen-bench-commercial"
. "$(dirname "$0")/common.sh"
rm -rf "$both"
shenzhen_bench_pack "$basic"
cp -r "$basic" "$both"
sed -i 's/^layers: \[hifp\]$/layers: [hifp, huiminbao, million]/; s/^includes: \[\(.*\)\]$/includes: [\1, products.yaml]/' "$both/pack.yaml"
cat >"$both/products.yaml" <<'YAML'
products:
  - id: huiminbao
    fund: huiminbao
    responsibilities:
      - id: in_catalog
        covers: [in_scope, pre_self_pay]
        deductible: 15000元
        ratio: [{health: healthy, ratio: 0.80}, {ratio: 0.40}]
        sum_insured: 1000000元
      - id: out_of_catalog
        when: visit.care_type == "inpatient"
        covers: [full_self_pay, over_limit]
        deductible: 20000元
        ratio: [{health: healthy, ratio: 0.70}, {ratio: 0.35}]
        sum_insured: 1000000元
  - id: million
    fund: million
    deductible: 10000元
    deductible_offset: commercial
    waiting: {days: 30, exempt: [S, T]}
    exclusions: {declared_conditions: true, wards: [vip], min_provider_level: 2}
    responsibilities:
      - id: general
        when: not starts_with(claim.primary_diagnosis, "C")
        covers: [in_scope, pre_self_pay, over_limit, full_self_pay]
        ratio: [{basic: settled, ratio: 1.00}, {ratio: 0.60}]
        sum_insured: 2000000元
      - id: cancer
        when: starts_with(claim.primary_diagnosis, "C")
        covers: [in_scope, pre_self_pay, over_limit, full_self_pay]
        ratio: [{basic: settled, ratio: 1.00}, {ratio: 0.60}]
        sum_insured: 4000000元
YAML
policies="$dir/policies-bench.csv"
if [ ! -f "$policies" ]; then
    {
        echo "policy_id,product,member_id,start_date,end_date,first_insured_date,health_status,conditions"
        awk 'BEGIN { for (i = 1; i <= 200000; i++) {
            m = sprintf("M%07d", i)
            printf "HM%07d,huiminbao,%s,2024-01-01,2024-12-31,,%s,%s\n", i, m, i % 10 == 0 ? "preexisting" : "healthy", i % 10 == 0 ? "I10" : ""
            printf "BW%07d,million,%s,2023-07-01,2024-06-30,2020-07-01,healthy,\n", i, m
            printf "BX%07d,million,%s,2024-07-01,2025-06-30,2020-07-01,healthy,\n", i, m } }'
    } >"$policies"
fi
file="$dir/claims-$bytes.jsonl"
[ -f "$file" ] || "$build/bench/gen_claims" --format jsonl --bytes "$bytes" >"$file"
cat "$file" >/dev/null
lines=$(grep -o '"line_no"' "$file" | wc -l)
# Variables the runs read (they run in a child shell).
export build basic both policies file dir
run_basic() { "$build/src/medclaim" adjudicate --threads 1 --rules "$basic" --out "$dir/out.jsonl" "$file"; }
run_both() { "$build/src/medclaim" adjudicate --threads 1 --rules "$both" --policies "$policies" --out "$dir/out.jsonl" "$file"; }
alternate "$rounds" "$lines" both "basic + two commercial layers"
