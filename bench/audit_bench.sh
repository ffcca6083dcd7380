#!/usr/bin/env bash
# What the audit rules cost: `medclaim adjudicate` on generated JSON Lines with the
# Shenzhen bench pack of adjudicate_bench.sh (basic insurance only), then with the same
# pack plus audit rules that load the real NHSA 两库 batches from ../shared in place
# (第一批 sex and age, 第二批 operation groups, 第三批 schemes, 第四批 care types, 第五批
# levels, 第六批 drug days, 第七批 the 900 duplicate-charge pairs, 第八批 frequencies,
# courses and periods, and the b.2.01 indications: more than 5,000 codes), and the
# 分解住院 rule over the members' history. The claims bill a code of those tables on
# SHARE percent of their fee lines (default 5), so that rules fire as well as look up.
# One thread on one core; the two runs alternate ROUNDS times and the fastest counts.
# Run by hand from the repository root after a Release build:
#
#   bench/audit_bench.sh build-rel 1100000000 /tmp/medclaim-bench [ROUNDS] [SHARE]
set -euo pipefail
build=${1:-build-rel}
bytes=${2:-1100000000}
dir=${3:-/tmp/medclaim-bench}
rounds=${4:-3}
share=${5:-5}
shared=$(cd ../shared && pwd)
libs="$shared/data/external/cn/medimodel/两库整理-csv"
dicts="$shared/data/external/cn/medimodel/dict-csv"
mkdir -p "$dir"
basic="$dir/shenzhen-bench"
audited="$dir/shenzhen-bench-audit"
. "$(dirname "$0")/common.sh"
rm -rf "$audited"
shenzhen_bench_pack "$basic"
cp -r "$basic" "$audited"
sed -i 's/^includes: \[\(.*\)\]$/includes: [\1, audit.yaml]/' "$audited/pack.yaml"
drug() {  # BATCH VALUE-COLUMN CODE-COLUMN
    printf '{file: "%s/%s.Sheet1.csv", name: 药品通用名, value: %s, codes: {file: "%s/%s.Sheet2.csv", name: 药品通用名, code: %s}}' "$libs" "$1" "$2" "$libs" "$1" "$3"
}
cat >"$audited/audit.yaml" <<YAML
audit:
  - {id: sex, name: 限性别, check: sex, action: deny, tables: [{file: "$libs/【第一批】项目规则库(限定性别对象).Sheet1.csv", code: 国标代码, value: 限定性别}, $(drug "【第一批】药品规则库(限定性别对象)" 限定对象 药品代码)]}
  - {id: age, name: 限年龄, check: age, action: deny, values: {儿童: 0-17}, tables: [$(drug "【第一批】药品规则库(限定年龄对象)" 限定对象 国标代码)]}
  - {id: level, name: 限机构等级, check: level, action: deny, values: {二级: 2, 三级: 3}, tables: [$(drug "【第五批】药品规则库（限定机构等级）" 限定值域 国标代码)]}
  - {id: care, name: 限就医方式, check: care_type, action: deny, values: {住院: inpatient|day_surgery}, tables: [$(drug "【第四批】药品规则库（限定就医方式）" 限定值域 国标代码)]}
  - {id: scheme, name: 限险种, check: scheme, action: deny, values: {工伤: '', 生育: ''}, tables: [$(drug "【第三批】药品规则库（限定保险类型）" 限定对象 国标代码)]}
  - {id: days, name: 超支付疗程, check: drug_days, action: deny_excess, tables: [$(drug "【第六批】药品规则库（限定支付疗程）" 限定值域 国标代码)]}
  - {id: freq, name: 超频次, check: per_day, action: deny_excess, tables: [{file: "$libs/【第八批-1】项目规则库（限定频次）._医疗服务项目限定频次_规则对应知识点明细.csv", code: 项目编码, value: 限制数量}]}
  - {id: stay, name: 住院天数与计费不符, check: stay_days, action: deny_excess, tolerance_days: 1, tables: [{file: "$libs/【第八批-1】项目规则库（限定频次）._医疗服务项目限定频次_规则对应知识点明细.csv", code: 项目编码, value: 限制数量}]}
  - {id: course, name: 超疗程, check: course, action: deny_excess, values: {"支付不超过一年，每周最多支付一次。": "365"}, tables: [{file: "$libs/【第八批-3】项目规则库（限定疗程）._医疗服务项目限支付疗程_规则对应知识点明细.csv", code: 项目代码, value: 备注}]}
  - {id: period, name: 超周期, check: period, action: deny_excess, tables: [{file: "$libs/【第八批-4】项目规则库（限定周期）._医疗服务项目周期超频次_规则对应知识点明细.csv", code: 项目代码, value: 频次上限, period: 疗程周期}]}
  - {id: dup, name: 重复收费, check: duplicate, action: deny, values: {单日: day, 单次就诊: claim, 6小时: day, 同一小时: day}, tables: [{file: "$libs/【第七批 】项目规则库（重复收费）._医疗服务项目重复收费_规则对应知识点明细.csv", code: 从项编码, value: 主项编码, window: 频度}]}
  - {id: ops, name: 主次操作, check: operation_group, action: reduce, tables: [{file: "$libs/【第二批】项目规则库（限定主次操作）.Sheet1.csv", code: 国标代码, value: 限定值域}]}
  - {id: indication, name: 诊断与用药不符, check: indication, action: pend, result: suspect, tables: [{file: "$dicts/b.2.01-生成药品限制规则.csv", code: 药品编码, value: 疾病限制, match: prefix}], diagnosis_names: {file: "$dicts/b.1.02-生成疾病分类字典.csv", code: 类目编码, name: 类目名称, match: prefix}}
  - {id: readmission, name: 分解住院, check: readmission, action: pend, result: suspect, window_days: 15}
YAML
"$build/src/medclaim" check "$audited" | sed 's/^/  /'
# The codes the claims draw from: every code of the tables (drug codes of the second sheets).
codes="$dir/audit-codes.txt"
{
    for f in "$libs"/*Sheet2.csv; do awk -F, 'NR > 1 && $3 != "" {print $3}' "$f"; done
    awk -F, 'NR > 1 && $3 != "" {print $3}' "$libs/【第一批】项目规则库(限定性别对象).Sheet1.csv" "$libs/【第二批】项目规则库（限定主次操作）.Sheet1.csv"
    awk -F, 'NR > 1 && $4 != "" {print $4; print $6}' "$libs/【第七批 】项目规则库（重复收费）._医疗服务项目重复收费_规则对应知识点明细.csv"
    awk -F, 'NR > 1 && $5 != "" {print $5}' "$libs/【第八批-1】项目规则库（限定频次）._医疗服务项目限定频次_规则对应知识点明细.csv"
} | tr -d '\r' | sort -u >"$codes"
echo "claims bill one of $(wc -l <"$codes") table codes on $share% of their fee lines"
file="$dir/claims-$bytes-audit$share.jsonl"
[ -f "$file" ] || "$build/bench/gen_claims" --format jsonl --bytes "$bytes" --codes "$codes" --code-share "$share" >"$file"
cat "$file" >/dev/null
lines=$(grep -o '"line_no"' "$file" | wc -l)
# Variables the runs read (they run in a child shell).
export build basic audited file dir
run_basic() { "$build/src/medclaim" adjudicate --threads 1 --rules "$basic" --out "$dir/out.jsonl" "$file"; }
run_audit() { "$build/src/medclaim" adjudicate --threads 1 --rules "$audited" --out "$dir/out.jsonl" --flags "$dir/flags.jsonl" "$file"; }
after_audit() { echo "$(wc -l <"$dir/flags.jsonl") flags: $(grep -o '"rule":"[a-z]*"' "$dir/flags.jsonl" | sort | uniq -c | sort -rn | awk '{printf "%s %s, ", $2, $1}')"; }
alternate "$rounds" "$lines" audit "basic + audit"
