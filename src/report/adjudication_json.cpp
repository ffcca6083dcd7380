#include "report/adjudication_json.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "util/error.hpp"
#include "util/json_writer.hpp"
#include "util/sha256.hpp"

namespace medclaim {

namespace {

void buckets(JsonWriter& w, const Buckets& b) {
    w.key("amount");
    w.money(b.amount);
    w.key("full_self_pay");
    w.money(b.full_self_pay);
    w.key("over_limit");
    w.money(b.over_limit);
    w.key("pre_self_pay");
    w.money(b.pre_self_pay);
    w.key("in_scope");
    w.money(b.in_scope);
}

void flag(JsonWriter& w, const Flag& f) {
    w.begin_object();
    w.key("rule");
    w.string(f.rule);
    w.key("severity");
    w.string(to_string(f.severity));
    w.key("reason");
    w.string(f.reason);
    w.key("amount");
    w.money(f.amount);
    w.end_object();
}

}  // namespace

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
    JsonWriter w;
    w.begin_object();
    w.key("claim_id");
    w.string(a.claim_id);
    w.key("member_id");
    w.string(a.member_id);
    w.key("plan_year");
    w.integer(a.plan_year);
    w.key("status");
    w.string(to_string(a.status));
    buckets(w, a.buckets);
    w.key("deductible");
    w.money(a.deductible);
    w.key("payers");
    w.begin_array();
    for (const Payment& p : a.payers) {
        if (p.amount.units() == 0) continue;
        w.begin_object();
        w.key("layer");
        w.string(p.layer);
        w.key("fund");
        w.string(p.fund);
        w.key("amount");
        w.money(p.amount);
        w.end_object();
    }
    w.end_array();
    w.key("patient");
    w.money(a.patient);
    w.key("lines");
    w.begin_array();
    for (const LineResult& l : a.lines) {
        w.begin_object();
        w.key("line_no");
        w.integer(l.line_no);
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
    w.key("name");
    w.string(pack.name);
    w.key("version");
    w.string(pack.version);
    w.key("sha256");
    w.string(pack.sha256);
    w.end_object();
    if (explain) {
        w.key("trace");
        w.begin_array();
        for (const std::string& t : a.trace) w.string(t);
        w.end_array();
    }
    w.end_object();
    out += w.str();
    out += '\n';
}

}  // namespace medclaim
