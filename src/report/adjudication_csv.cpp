#include "report/adjudication_csv.hpp"

#include <fmt/format.h>

namespace medclaim {

namespace {

constexpr std::string_view k_bom = "\xEF\xBB\xBF";

void row(std::string& out, const std::vector<std::string>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i) out += ',';
        append_csv_field(out, fields[i]);
    }
    out += "\r\n";
}

std::string flags_of(const Adjudication& a, std::uint32_t line_no) {
    std::string out;
    for (const Flag& f : a.flags) {
        if (f.line_no != line_no) continue;
        if (!out.empty()) out += '|';
        out += f.rule;
    }
    return out;
}

}  // namespace

void append_csv_field(std::string& out, std::string_view field) {
    if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
        out += field;
        return;
    }
    out += '"';
    for (char c : field) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}

std::string AdjudicationCsv::claims_header(bool bom) const {
    std::vector<std::string> h{"claim_id", "member_id", "reversal_of", "plan_year", "status", "amount", "full_self_pay", "over_limit",
                               "pre_self_pay", "in_scope", "deductible", "patient"};
    for (const std::string& l : layers_) h.push_back("paid_" + l);
    for (const char* f : {"flags", "pack_name", "pack_version", "pack_sha256"}) h.emplace_back(f);
    std::string out(bom ? k_bom : "");
    row(out, h);
    return out;
}

std::string AdjudicationCsv::lines_header(bool bom) const {
    std::string out(bom ? k_bom : "");
    row(out, {"claim_id", "line_no", "amount", "full_self_pay", "over_limit", "pre_self_pay", "in_scope", "flags"});
    return out;
}

void AdjudicationCsv::append_claim(std::string& out, const Adjudication& a, const PackStamp& pack) const {
    const Buckets& b = a.buckets;
    std::vector<std::string> f{a.claim_id, a.member_id, a.reversal_of, std::to_string(a.plan_year), std::string(to_string(a.status)),
                               b.amount.to_string(), b.full_self_pay.to_string(), b.over_limit.to_string(), b.pre_self_pay.to_string(),
                               b.in_scope.to_string(), a.deductible.to_string(), a.patient.to_string()};
    for (const std::string& layer : layers_) {
        Money paid;
        for (const Payment& p : a.payers) {
            if (p.layer == layer) paid += p.amount;
        }
        f.push_back(paid.to_string());
    }
    f.push_back(flags_of(a, 0));
    f.push_back(pack.name);
    f.push_back(pack.version);
    f.push_back(pack.sha256);
    row(out, f);
}

void AdjudicationCsv::append_lines(std::string& out, const Adjudication& a) const {
    for (const LineResult& l : a.lines) {
        const Buckets& b = l.buckets;
        row(out, {a.claim_id, std::to_string(l.line_no), b.amount.to_string(), b.full_self_pay.to_string(), b.over_limit.to_string(),
                  b.pre_self_pay.to_string(), b.in_scope.to_string(), flags_of(a, l.line_no)});
    }
}

}  // namespace medclaim
