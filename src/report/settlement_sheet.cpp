#include "report/settlement_sheet.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "util/text.hpp"

namespace medclaim {

std::string settlement_sheet(const Claim& c, const Adjudication& a, const PackStamp& pack, const std::vector<Counter>& before,
                             const std::vector<Counter>& after, std::string_view no_trace) {
    std::string out = "医疗费用结算单 / Settlement sheet\n\n";
    const Visit& v = c.visit;
    std::string stay = v.discharge_date ? fmt::format("{} – {}", v.admit_date.to_string(), v.discharge_date->to_string()) : v.admit_date.to_string();
    out += align_columns({{"结算号 claim", a.claim_id + (c.is_reversal() ? fmt::format(" (reverses {})", c.reversal_of) : "")},
                 {"人员 member", fmt::format("{} ({}, born {}, age {}, {} {})", c.member.id, to_string(c.member.sex), c.member.birth_date.to_string(),
                                           age_on(c.member.birth_date, v.admit_date), to_string(c.member.scheme), c.member.category)},
                 {"医疗机构 provider", fmt::format("{} (level {}{})", c.provider.id, c.provider.level,
                                                   c.provider.region.empty() ? "" : ", region " + c.provider.region)},
                 {"就医 visit", fmt::format("{} {}{}", to_string(v.care_type), stay, v.referral ? ", referred" : "")},
                 {"诊断 diagnoses", c.diagnoses.empty() ? std::string("-") : [&] {
                      std::string d;
                      for (const Diagnosis& x : c.diagnoses) d += (d.empty() ? "" : ", ") + x.code;
                      return d;
                  }()},
                 {"年度 plan year", std::to_string(a.plan_year)},
                 {"规则包 pack", fmt::format("{} {} (sha256 {})", pack.name, pack.version, pack.sha256.substr(0, 16))},
                 {"结果 status", std::string(to_string(a.status))}},
                2);

    out += "\n费用明细 / Lines\n";
    std::vector<std::vector<std::string>> lines{{"no", "code", "name", "qty", "amount 金额", "全自费 full_self_pay", "超限价 over_limit",
                                                 "先行自付 pre_self_pay", "符合范围 in_scope"}};
    for (const LineResult& l : a.lines) {
        auto it = std::find_if(c.lines().begin(), c.lines().end(), [&](const Line& x) { return x.line_no == l.line_no; });
        std::string code = it != c.lines().end() ? it->code : "";
        std::string name = it != c.lines().end() ? it->name : "";
        std::string qty = it != c.lines().end() ? it->qty.to_string() : "";
        lines.push_back({std::to_string(l.line_no), code, name, qty, l.buckets.amount.to_string(), l.buckets.full_self_pay.to_string(),
                         l.buckets.over_limit.to_string(), l.buckets.pre_self_pay.to_string(), l.buckets.in_scope.to_string()});
    }
    const Buckets& b = a.buckets;
    lines.push_back({"合计", "total", "", "", b.amount.to_string(), b.full_self_pay.to_string(), b.over_limit.to_string(), b.pre_self_pay.to_string(),
                     b.in_scope.to_string()});
    out += align_columns(lines, 3);

    out += "\n基金支付 / Payers\n";
    std::vector<std::vector<std::string>> payers{{"layer", "fund", "base", "起付线 deductible", "支付 paid"}};
    Money paid;
    for (const Payment& p : a.payers) {
        payers.push_back({p.layer, p.fund, p.base.to_string(), p.deductible.to_string(), p.amount.to_string()});
        paid += p.amount;
    }
    if (a.payers.empty()) payers.push_back({"(no layer applies)", "", "", "", ""});
    out += align_columns(payers, 2);
    out += align_columns({{"实际支付起付线 deductible", a.deductible.to_string()},
                 {"基金支付合计 paid by funds", paid.to_string()},
                 {"个人负担 patient = amount − paid", a.patient.to_string()}},
                1);

    out += "\n审核 / Flags\n";
    if (a.flags.empty()) out += "  (none)\n";
    for (const Flag& f : a.flags) {
        out += fmt::format("  {}{} [{}] {}{}\n", f.rule, f.line_no ? fmt::format(" (line {})", f.line_no) : "", to_string(f.severity), f.reason,
                           f.amount.units() ? fmt::format(" — {}", f.amount.to_string()) : "");
        if (f.is_audit()) {
            out += fmt::format("      {} {} {}; {}{}\n", f.name, f.category, f.result, f.evidence,
                               f.related.empty() ? std::string() : fmt::format("; related lines {}", fmt::join(f.related, ", ")));
        }
    }

    out += "\n累计 / Accumulators (before → after)\n";
    std::map<std::string, std::pair<std::int64_t, std::int64_t>> acc;
    for (const Counter& x : before) acc[x.name].first = x.value;
    for (const Counter& x : after) acc[x.name].second = x.value;
    std::vector<std::vector<std::string>> rows;
    rows.reserve(acc.size());
    for (const auto& [name, values] : acc) rows.push_back({name, counter_text(name, values.first), "→", counter_text(name, values.second)});
    out += rows.empty() ? "  (none)\n" : align_columns(rows, 1);

    out += "\n计算过程 / How each figure was reached\n";
    for (const std::string& t : a.trace) out += "  " + t + "\n";
    if (!no_trace.empty()) out += fmt::format("  {}\n", no_trace);
    return out;
}

}  // namespace medclaim
