#include "report/adjudication_json.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "rules/value.hpp"
#include "util/error.hpp"
#include "util/fixed.hpp"
#include "util/json_writer.hpp"
#include "util/sha256.hpp"

namespace medclaim {

namespace {

void buckets(JsonWriter& w, const Buckets& b) {
    w.field("amount", b.amount);
    w.field("full_self_pay", b.full_self_pay);
    w.field("over_limit", b.over_limit);
    w.field("pre_self_pay", b.pre_self_pay);
    w.field("in_scope", b.in_scope);
}

void flag(JsonWriter& w, const Flag& f) {
    w.begin_object();
    write_flag_fields(w, f, false);
    w.end_object();
}

}  // namespace

void write_flag_fields(JsonWriter& w, const Flag& f, bool audit_fields) {
    w.field("rule", f.rule);
    w.field("severity", to_string(f.severity));
    w.field("reason", f.reason);
    w.field("amount", f.amount);
    if (!audit_fields && !f.is_audit()) return;
    w.field("name", f.name);
    w.field("category", f.category);
    w.field("result", f.result);
    w.field("action", f.action);
    w.field("evidence", f.evidence);
    w.key("related_lines");
    w.begin_array();
    for (std::uint32_t n : f.related) w.integer(n);
    w.end_array();
}

std::string pack_digest(const Pack& pack, const std::string& pack_dir) {
    namespace fs = std::filesystem;
    Sha256 h;
    for (const std::string& file : pack.files) {
        std::ifstream in(file, std::ios::binary);
        if (!in) throw IoError(fmt::format("cannot read `{}` to compute the pack digest", file));
        std::stringstream bytes;
        bytes << in.rdbuf();
        std::string content = bytes.str();
        std::string relative = fs::path(file).lexically_relative(pack_dir).generic_string();
        h.update(relative);
        h.update(std::string_view("\0", 1));
        h.update(std::to_string(content.size()));
        h.update(std::string_view("\0", 1));
        h.update(content);
    }
    return h.hex();
}

void append_adjudication_json(std::string& out, const Adjudication& a, const PackStamp& pack, bool explain) {
    out.reserve(out.size() + 400 + 160 * a.lines.size());
    JsonWriter w(out);
    w.begin_object();
    w.field("claim_id", a.claim_id);
    w.field("member_id", a.member_id);
    if (!a.reversal_of.empty()) w.field("reversal_of", a.reversal_of);
    w.field("plan_year", a.plan_year);
    w.field("status", to_string(a.status));
    buckets(w, a.buckets);
    w.field("deductible", a.deductible);
    w.key("payers");
    w.begin_array();
    for (const Payment& p : a.payers) {
        if (p.amount.units() == 0) continue;
        w.begin_object();
        w.field("layer", p.layer);
        w.field("fund", p.fund);
        w.field("amount", p.amount);
        if (!p.policy.empty()) {
            // A commercial layer: the policy, and what each responsibility paid.
            w.field("policy", p.policy);
            w.field("base", p.base);
            w.field("deductible", p.deductible);
            w.key("responsibilities");
            w.begin_array();
            for (const ResponsibilityPayment& r : p.responsibilities) {
                w.begin_object();
                w.field("id", r.id);
                w.field("base", r.base);
                w.field("deductible", r.deductible);
                if (r.per_day) {
                    w.field("per_day", *r.per_day);
                    w.field("days", r.days);
                } else {
                    w.field("ratio", format_decimal_short(r.ratio, k_decimal_scale));
                }
                w.field("amount", r.amount);
                w.end_object();
            }
            w.end_array();
        }
        w.end_object();
    }
    w.end_array();
    w.field("patient", a.patient);
    w.key("lines");
    w.begin_array();
    for (const LineResult& l : a.lines) {
        w.begin_object();
        w.field("line_no", l.line_no);
        buckets(w, l.buckets);
        w.key("flags");
        w.begin_array();
        for (const Flag& f : a.flags) {
            if (f.line_no == l.line_no) flag(w, f);
        }
        w.end_array();
        w.end_object();
    }
    w.end_array();
    w.key("flags");
    w.begin_array();
    for (const Flag& f : a.flags) {
        if (f.line_no == 0) flag(w, f);
    }
    w.end_array();
    w.key("pack");
    w.begin_object();
    w.field("name", pack.name);
    w.field("version", pack.version);
    w.field("sha256", pack.sha256);
    w.end_object();
    if (explain) {
        w.key("trace");
        w.begin_array();
        for (const std::string& t : a.trace) w.string(t);
        w.end_array();
    }
    w.end_object();
    out += '\n';
}

}  // namespace medclaim
