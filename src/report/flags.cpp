#include "report/flags.hpp"

#include <array>

#include <fmt/format.h>

#include "report/adjudication_csv.hpp"
#include "report/adjudication_json.hpp"
#include "util/json_writer.hpp"

namespace medclaim {

namespace {

// The JSON Lines rows have the same fields in the same order.
constexpr std::array<std::string_view, 20> k_columns{
    "claim_id", "member_id", "provider_id", "department", "care_type", "admit_date", "status", "line_no", "code",     "service_date",
    "rule",     "severity",  "reason",      "amount",     "name",      "category",   "result", "action",  "evidence", "related_lines"};

const Line* line_of(const Claim& c, std::uint32_t line_no) {
    if (line_no == 0) return nullptr;
    for (const Line& l : c.lines()) {
        if (l.line_no == line_no) return &l;
    }
    return nullptr;
}

}  // namespace

FlagsWriter::Format FlagsWriter::format_for(const std::string& path) {
    return path.size() > 4 && path.ends_with(".csv") ? Format::csv : Format::jsonl;
}

std::string FlagsWriter::header(bool bom) const {
    if (format_ != Format::csv) return {};
    std::string out = bom ? "\xEF\xBB\xBF" : "";
    for (std::size_t i = 0; i < k_columns.size(); ++i) {
        if (i) out += ',';
        out += k_columns[i];
    }
    out += "\r\n";
    return out;
}

void FlagsWriter::append(std::string& out, const Claim& c, const Adjudication& a) const {
    for (const Flag& f : a.flags) {
        const Line* l = line_of(c, f.line_no);
        std::string related;
        for (std::uint32_t n : f.related) related += fmt::format("{}{}", related.empty() ? "" : "|", n);
        std::string service_date = l && l->service_date ? l->service_date->to_string() : std::string();
        if (format_ == Format::csv) {
            const std::array<std::string, 20> fields{a.claim_id,
                                                     a.member_id,
                                                     c.provider.id,
                                                     c.visit.department,
                                                     std::string(to_string(c.visit.care_type)),
                                                     c.visit.admit_date.to_string(),
                                                     std::string(to_string(a.status)),
                                                     f.line_no ? std::to_string(f.line_no) : std::string(),
                                                     l ? l->code : std::string(),
                                                     service_date,
                                                     f.rule,
                                                     std::string(to_string(f.severity)),
                                                     f.reason,
                                                     f.amount.to_string(),
                                                     f.name,
                                                     f.category,
                                                     f.result,
                                                     f.action,
                                                     f.evidence,
                                                     related};
            for (std::size_t i = 0; i < fields.size(); ++i) {
                if (i) out += ',';
                append_csv_field(out, fields[i]);
            }
            out += "\r\n";
            continue;
        }
        JsonWriter w(out);
        w.begin_object();
        w.field("claim_id", a.claim_id);
        w.field("member_id", a.member_id);
        w.field("provider_id", c.provider.id);
        w.field("department", c.visit.department);
        w.field("care_type", to_string(c.visit.care_type));
        w.field("admit_date", c.visit.admit_date.to_string());
        w.field("status", to_string(a.status));
        w.field("line_no", f.line_no);
        w.field("code", l ? std::string_view(l->code) : std::string_view());
        w.field("service_date", service_date);
        write_flag_fields(w, f, true);
        w.end_object();
        out += '\n';
    }
}

}  // namespace medclaim
