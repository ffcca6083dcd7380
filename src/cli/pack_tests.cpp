#include "cli/pack_tests.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "engine/adjudicate.hpp"
#include "state/ledger.hpp"
#include "ingest/column_map.hpp"
#include "ingest/jsonl_reader.hpp"
#include "ingest/policy_reader.hpp"
#include "util/json_writer.hpp"
#include "util/text.hpp"

namespace medclaim {

namespace {

namespace fs = std::filesystem;

// A test file's text, to place problems at file:line:col.
struct TestFile {
    std::string path;
    std::string text;

    Diagnostic at(const YAML::Mark& mark, std::string message) const {
        return diagnostic_at(path, text, static_cast<std::size_t>(std::max(0, mark.pos)), Severity::error, std::move(message));
    }
};

// One expected figure: a field of a claim or of one of its lines.
struct Expected {
    std::string field;          // `patient`, `payers.basic`, `lines[2].in_scope`, `status`, `flags`
    std::string value;          // as written, normalised for comparison
    std::uint32_t line_no = 0;  // for line fields
};

struct ExpectedClaim {
    std::string claim_id;
    std::vector<Expected> figures;
};

struct TestCase {
    std::string name;
    std::string where;  // file:line
    std::vector<std::pair<std::string, std::int64_t>> accumulators;
    std::vector<Claim> claims;
    PolicyBook policies;  // commercial policies of the claims
    std::vector<ExpectedClaim> expect;
    bool broken = false;  // the test file has errors in this case
};

// YAML (a claim as the JSON Lines input contract writes it) to one JSON line; every
// scalar becomes a JSON string, which the readers accept for numbers and booleans.
void to_json(const YAML::Node& n, std::string& out) {
    if (n.IsMap()) {
        out += '{';
        bool first = true;
        for (auto it = n.begin(); it != n.end(); ++it) {
            if (!first) out += ',';
            first = false;
            append_json_string(out, it->first.Scalar());
            out += ':';
            to_json(it->second, out);
        }
        out += '}';
    } else if (n.IsSequence()) {
        out += '[';
        for (std::size_t i = 0; i < n.size(); ++i) {
            if (i) out += ',';
            to_json(n[i], out);
        }
        out += ']';
    } else if (n.IsScalar()) {
        append_json_string(out, n.Scalar());
    } else {
        out += "null";
    }
}

// Money as written in a test: `5940`, `5940.5`, `5940.50` or `5940元`.
std::optional<Money> money_of(std::string text) {
    if (text.ends_with("元")) text.resize(text.size() - std::string_view("元").size());
    DecimalParse p = parse_decimal(text, Money::k_scale, NumberSyntax::plain);
    if (p.error != DecimalError::none) return std::nullopt;
    return Money::from_units(p.units);
}

constexpr std::string_view k_money_fields[] = {"amount", "full_self_pay", "over_limit", "pre_self_pay", "in_scope", "deductible", "patient"};
constexpr std::string_view k_line_fields[] = {"amount", "full_self_pay", "over_limit", "pre_self_pay", "in_scope"};

class Loader {
public:
    Loader(const TestFile& file, std::vector<Diagnostic>& diagnostics) : file_(file), diagnostics_(diagnostics) {}

    std::vector<TestCase> load() {
        std::vector<TestCase> out;
        YAML::Node doc;
        try {
            doc = YAML::Load(file_.text);
        } catch (const YAML::Exception& e) {
            fail(e.mark, e.msg);
            return out;
        }
        if (!doc.IsMap() || !doc["tests"] || !doc["tests"].IsSequence()) {
            fail(doc.Mark(), "a test file is a mapping with `tests`, a list of test cases");
            return out;
        }
        for (auto it = doc.begin(); it != doc.end(); ++it) {
            if (it->first.Scalar() != "tests") fail(it->first.Mark(), fmt::format("unknown key `{}` in a test file; the only key is `tests`", it->first.Scalar()));
        }
        for (const YAML::Node& t : doc["tests"]) {
            std::size_t before = diagnostics_.size();
            TestCase tc = test_case(t);
            tc.broken = diagnostics_.size() != before;
            out.push_back(std::move(tc));
        }
        return out;
    }

private:
    void fail(const YAML::Mark& mark, std::string message) { diagnostics_.push_back(file_.at(mark, std::move(message))); }

    void keys(const YAML::Node& map, std::span<const std::string_view> allowed, std::string_view where) {
        for (auto it = map.begin(); it != map.end(); ++it) {
            if (auto message = unknown_key(it->first.Scalar(), allowed, where)) fail(it->first.Mark(), std::move(*message));
        }
    }

    TestCase test_case(const YAML::Node& t) {
        TestCase tc;
        if (!t.IsMap()) {
            fail(t.Mark(), "a test case is a mapping with `name`, `claims` and `expect`");
            return tc;
        }
        static constexpr std::string_view k_keys[] = {"name", "description", "accumulators", "policies", "claims", "expect"};
        keys(t, k_keys, "a test case");
        tc.where = fmt::format("{}:{}", file_.path, t.Mark().line + 1);
        if (t["name"] && t["name"].IsScalar()) tc.name = t["name"].Scalar();
        else fail(t.Mark(), "a test case needs a `name`");
        if (YAML::Node acc = t["accumulators"]) {
            if (!acc.IsMap()) fail(acc.Mark(), "`accumulators` maps counter names (`admissions`, `basic.paid`, ...) to starting values");
            for (auto it = acc.begin(); acc.IsMap() && it != acc.end(); ++it) {
                std::string counter = it->first.Scalar();
                std::string text = it->second.IsScalar() ? it->second.Scalar() : "";
                if (counter == "admissions" || counter.ends_with(".days")) {
                    DecimalParse p = parse_decimal(text, 0, NumberSyntax::plain);
                    if (p.error != DecimalError::none || p.units < 0) fail(it->second.Mark(), fmt::format("`{}` is a whole number", counter));
                    tc.accumulators.emplace_back(counter, p.units);
                } else if (auto m = money_of(text)) {
                    tc.accumulators.emplace_back(counter, m->units());
                } else {
                    fail(it->second.Mark(), fmt::format("`{}` is an amount of money such as `1300元` or `1300.00`", counter));
                }
            }
        }
        if (YAML::Node policies = t["policies"]) {
            if (!policies.IsSequence()) fail(policies.Mark(), "`policies` is a list of policies, with the fields of a policies file");
            for (std::size_t i = 0; policies.IsSequence() && i < policies.size(); ++i) policy(policies[i], tc);
        }
        if (YAML::Node claims = t["claims"]; claims && claims.IsSequence() && claims.size() > 0) {
            for (const YAML::Node& c : claims) claim(c, tc);
        } else {
            fail(t.Mark(), "a test case needs `claims`, a list of one or more claims");
        }
        if (YAML::Node expect = t["expect"]; expect && expect.IsSequence()) {
            for (const YAML::Node& e : expect) expectation(e, tc);
        } else {
            fail(t.Mark(), "a test case needs `expect`, a list of expected claim results");
        }
        return tc;
    }

    // Reads a policy through the policies reader, validated like a policies file's.
    void policy(const YAML::Node& p, TestCase& tc) {
        std::string json;
        to_json(p, json);
        std::vector<Diagnostic> said;
        DiagnosticSink sink(said);
        PolicyRead read = parse_policies_jsonl(file_.path, json, sink);
        for (const Diagnostic& d : said) {
            if (d.severity == Severity::error) fail(p.Mark(), "the policy would be rejected: " + d.message);
        }
        for (const Policy& policy : read.book.all()) {
            if (!tc.policies.add(policy)) fail(p.Mark(), fmt::format("policy `{}` is given twice in the test", policy.id));
        }
    }

    // Reads the claim through the JSON Lines reader, so that a test claim is validated
    // exactly like an input claim.
    void claim(const YAML::Node& c, TestCase& tc) {
        std::string json;
        to_json(c, json);
        json += '\n';
        JsonlReader reader(file_.path, map_, string_source(std::move(json)));
        ReadItem item;
        if (!reader.next(item)) {
            fail(c.Mark(), "empty claim");
            return;
        }
        if (!item.accepted) {
            for (const Finding& f : item.findings) {
                if (f.diagnostic.severity == Severity::error) fail(c.Mark(), "the claim would be rejected: " + f.diagnostic.message);
            }
            return;
        }
        tc.claims.push_back(std::move(item.claim));
    }

    void expectation(const YAML::Node& e, TestCase& tc) {
        if (!e.IsMap() || !e["claim_id"]) {
            fail(e.Mark(), "an expectation is a mapping with `claim_id` and the figures expected");
            return;
        }
        static constexpr std::string_view k_keys[] = {"claim_id", "status", "amount", "full_self_pay", "over_limit", "pre_self_pay",
                                                      "in_scope", "deductible", "patient", "payers", "flags", "lines"};
        keys(e, k_keys, "an expectation");
        ExpectedClaim ec;
        ec.claim_id = e["claim_id"].Scalar();
        if (YAML::Node s = e["status"]) ec.figures.push_back({"status", s.Scalar(), 0});
        for (std::string_view f : k_money_fields) {
            if (YAML::Node n = e[std::string(f)]) add_money(ec, std::string(f), n, 0);
        }
        if (YAML::Node p = e["payers"]) {
            if (!p.IsMap()) fail(p.Mark(), "`payers` maps layer ids to amounts");
            for (auto it = p.begin(); p.IsMap() && it != p.end(); ++it) add_money(ec, "payers." + it->first.Scalar(), it->second, 0);
        }
        if (YAML::Node f = e["flags"]) {
            if (!f.IsSequence()) fail(f.Mark(), "`flags` is a list of rule ids");
            std::vector<std::string> ids;
            for (std::size_t i = 0; f.IsSequence() && i < f.size(); ++i) ids.push_back(f[i].Scalar());
            std::sort(ids.begin(), ids.end());
            ec.figures.push_back({"flags", fmt::format("[{}]", fmt::join(ids, ", ")), 0});
        }
        if (YAML::Node lines = e["lines"]) {
            for (std::size_t i = 0; lines.IsSequence() && i < lines.size(); ++i) {
                const YAML::Node& l = lines[i];
                if (!l.IsMap() || !l["line_no"]) {
                    fail(l.Mark(), "an expected line is a mapping with `line_no` and its buckets");
                    continue;
                }
                static constexpr std::string_view k_line_keys[] = {"line_no", "amount", "full_self_pay", "over_limit", "pre_self_pay", "in_scope"};
                keys(l, k_line_keys, "an expected line");
                DecimalParse no = parse_decimal(l["line_no"].Scalar(), 0, NumberSyntax::plain);
                if (no.error != DecimalError::none || no.units <= 0) {
                    fail(l["line_no"].Mark(), "`line_no` is a line number from 1");
                    continue;
                }
                for (std::string_view f : k_line_fields) {
                    if (YAML::Node n = l[std::string(f)]) add_money(ec, std::string(f), n, static_cast<std::uint32_t>(no.units));
                }
            }
        }
        tc.expect.push_back(std::move(ec));
    }

    void add_money(ExpectedClaim& ec, std::string field, const YAML::Node& n, std::uint32_t line_no) {
        std::optional<Money> m = n.IsScalar() ? money_of(n.Scalar()) : std::nullopt;
        if (!m) {
            fail(n.Mark(), fmt::format("`{}` is an amount of money such as `5940元` or `5940.00`", field));
            return;
        }
        ec.figures.push_back({std::move(field), m->to_string(), line_no});
    }

    const TestFile& file_;
    std::vector<Diagnostic>& diagnostics_;
    ColumnMap map_;
};

// The actual value of an expected figure, and the trace lines that explain it.
std::string actual(const Adjudication& a, const Expected& e) {
    if (e.line_no > 0) {
        auto it = std::find_if(a.lines.begin(), a.lines.end(), [&](const LineResult& l) { return l.line_no == e.line_no; });
        if (it == a.lines.end()) return "(no such line)";
        const Buckets& b = it->buckets;
        if (e.field == "amount") return b.amount.to_string();
        if (e.field == "full_self_pay") return b.full_self_pay.to_string();
        if (e.field == "over_limit") return b.over_limit.to_string();
        if (e.field == "pre_self_pay") return b.pre_self_pay.to_string();
        return b.in_scope.to_string();
    }
    if (e.field == "status") return std::string(to_string(a.status));
    if (e.field == "flags") {
        std::vector<std::string> ids;
        for (const Flag& f : a.flags) ids.push_back(f.rule);
        std::sort(ids.begin(), ids.end());
        return fmt::format("[{}]", fmt::join(ids, ", "));
    }
    if (e.field.starts_with("payers.")) {
        std::string_view layer = std::string_view(e.field).substr(7);
        // LAYER.RESPONSIBILITY: what that responsibility of a product paid.
        std::string_view resp;
        if (std::size_t dot = layer.find('.'); dot != std::string_view::npos) {
            resp = layer.substr(dot + 1);
            layer = layer.substr(0, dot);
        }
        Money paid;  // every payer of the layer: two policies of one product, say
        for (const Payment& p : a.payers) {
            if (p.layer != layer) continue;
            if (resp.empty()) paid += p.amount;
            for (const ResponsibilityPayment& r : p.responsibilities) {
                if (!resp.empty() && r.id == resp) paid += r.amount;
            }
        }
        return paid.to_string();
    }
    const Buckets& b = a.buckets;
    if (e.field == "amount") return b.amount.to_string();
    if (e.field == "full_self_pay") return b.full_self_pay.to_string();
    if (e.field == "over_limit") return b.over_limit.to_string();
    if (e.field == "pre_self_pay") return b.pre_self_pay.to_string();
    if (e.field == "in_scope") return b.in_scope.to_string();
    if (e.field == "deductible") return a.deductible.to_string();
    return a.patient.to_string();
}

// The trace entries that bear on a figure.
std::vector<std::string_view> explaining(const Adjudication& a, const Expected& e) {
    std::vector<std::string_view> out;
    std::string line_prefix = fmt::format("line {} ", e.line_no);
    for (const std::string& t : a.trace) {
        bool keep = false;
        if (e.line_no > 0) keep = t.starts_with(line_prefix) || t.find(fmt::format(" on line {}:", e.line_no)) != std::string::npos;
        else if (e.field.starts_with("payers.")) {
            std::string layer = e.field.substr(7, e.field.find('.', 7) - 7);
            keep = t.starts_with("layer " + layer + " ") || t.starts_with("layer " + layer + ":") || t.starts_with("product " + layer + " ") ||
                   t.starts_with("product " + layer + ":");
        }
        else if (e.field == "status" || e.field == "flags") keep = t.starts_with("edit ") || t.starts_with("the claim");
        else if (e.field == "patient" || e.field == "deductible") keep = t.starts_with("layer ") || t.starts_with("patient") || t.starts_with("buckets");
        else keep = t.starts_with("line ") || t.starts_with("buckets");
        if (keep) out.push_back(t);
    }
    return out;
}

std::string figure_name(const Expected& e) { return e.line_no > 0 ? fmt::format("lines[{}].{}", e.line_no, e.field) : e.field; }

}  // namespace

std::vector<std::pair<std::string, std::string>> coverage_items(const Pack& pack) {
    std::vector<std::pair<std::string, std::string>> items;
    for (const Edit& e : pack.edits) items.emplace_back("edit " + e.id, fmt::format("{}:{}", e.file, e.line));
    for (const auto& t : pack.tables) {
        for (const TableRow& r : t->rows) items.emplace_back(fmt::format("table {} row {}", t->id, r.id), fmt::format("{}:{}", t->file, r.line));
    }
    for (const UnitCap& u : pack.pricing.unit_caps) items.emplace_back("unit_cap " + u.id, "");
    for (const AuditRule& r : pack.audit.rules) items.emplace_back("audit " + r.id, fmt::format("{}:{}", r.file, r.line));
    for (const Layer& l : pack.benefits) {
        for (std::size_t s = 0; s < l.segments.size(); ++s) items.emplace_back(fmt::format("layer {} segment {}", l.id, s + 1), fmt::format("{}:{}", l.file, l.line));
        if (l.cap) items.emplace_back(fmt::format("layer {} cap", l.id), fmt::format("{}:{}", l.file, l.line));
    }
    return items;
}

namespace {

std::vector<std::string> test_files(const PackSet& packs) {
    std::vector<std::string> dirs{packs.dir};
    for (const std::string& d : packs.version_dirs) {
        if (d != packs.dir) dirs.push_back(d);
    }
    std::vector<std::string> paths;
    for (const std::string& d : dirs) {
        std::vector<std::string> here;
        std::error_code ec;
        fs::path dir = fs::path(d) / "tests";
        if (!fs::is_directory(dir, ec)) continue;
        for (const auto& entry : fs::directory_iterator(dir, ec)) {
            std::string ext = entry.path().extension().string();
            if (entry.is_regular_file(ec) && (ext == ".yaml" || ext == ".yml")) here.push_back(entry.path().string());
        }
        std::sort(here.begin(), here.end());
        paths.insert(paths.end(), here.begin(), here.end());
    }
    return paths;
}

// Runs one test case; returns the diff, empty when it passed. `hits` collects coverage
// per version.
std::string run_case(const PackSet& packs, const TestCase& tc, std::vector<std::set<std::string, std::less<>>>& hits) {
    // The claims go through a ledger, as in `adjudicate`, so that reversals and
    // replaced claims behave in tests as they do in production.
    Ledger ledger("", false);
    ledger.use_policies(&tc.policies);
    std::vector<const Pack*> versions;
    std::vector<std::pair<std::string, std::string>> rejected;  // claim id, reason
    for (const Claim& c : tc.claims) {
        std::string why;
        const Pack* p = pack_for(packs, c, why);
        versions.push_back(p);
        if (p == nullptr) {
            rejected.emplace_back(c.claim_id, std::move(why));
            continue;
        }
        for (const auto& [counter, value] : tc.accumulators) {
            // Lifetime counters are kept across plan years (man medclaim-rules(5), PRODUCTS).
            bool across_years = counter.ends_with(".lifetime.paid");
            ledger.preset(c.member.id, across_years ? 0 : plan_year_of(c, *p), counter, value);
        }
    }
    std::vector<Adjudication> results;
    try {
        for (std::size_t i = 0; i < tc.claims.size(); ++i) {
            if (versions[i] == nullptr) continue;
            const Claim& c = tc.claims[i];
            Settlement s = ledger.settle(c, fmt::format("test claim {}", i), *versions[i], PackStamp{}, true);
            if (s.kind == Settlement::Kind::refused) {
                rejected.emplace_back(c.claim_id, s.reason);
                continue;
            }
            results.push_back(std::move(s.adjudication));
            for (std::size_t v = 0; v < packs.versions.size(); ++v) {
                if (packs.versions[v].get() == versions[i]) hits[v].insert(results.back().hits.begin(), results.back().hits.end());
            }
        }
    } catch (const std::exception& e) {
        return fmt::format("  {}\n", e.what());
    }
    std::string diff;
    for (const ExpectedClaim& ex : tc.expect) {
        auto rej = std::find_if(rejected.begin(), rejected.end(), [&](const auto& r) { return r.first == ex.claim_id; });
        if (rej != rejected.end()) {
            bool expected = std::any_of(ex.figures.begin(), ex.figures.end(), [](const Expected& e) { return e.field == "status" && e.value == "rejected"; });
            if (!expected || ex.figures.size() != 1) diff += fmt::format("  claim {}: rejected: {}\n", ex.claim_id, rej->second);
            continue;
        }
        auto it = std::find_if(results.begin(), results.end(), [&](const Adjudication& a) { return a.claim_id == ex.claim_id; });
        if (it == results.end()) {
            diff += fmt::format("  claim {}: not among the test's claims\n", ex.claim_id);
            continue;
        }
        for (const Expected& e : ex.figures) {
            std::string got = actual(*it, e);
            if (got == e.value) continue;
            diff += fmt::format("  claim {} {}: expected {}, got {}\n", ex.claim_id, figure_name(e), e.value, got);
            for (std::string_view t : explaining(*it, e)) diff += fmt::format("    | {}\n", t);
        }
    }
    return diff;
}

}  // namespace

TestReport run_pack_tests(const PackSet& packs, const TestOptions& options, std::FILE* out, std::vector<Diagnostic>& diagnostics) {
    TestReport report;
    std::vector<std::set<std::string, std::less<>>> hits(packs.versions.size());
    for (const std::string& path : test_files(packs)) {
        std::ifstream in(path, std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        TestFile file{path, text.str()};
        Loader loader(file, diagnostics);
        for (const TestCase& tc : loader.load()) {
            if (!options.filter.empty() && tc.name.find(options.filter) == std::string::npos) continue;
            if (tc.broken) {
                fmt::print(out, "FAIL {} ({}): the test has errors, reported on standard error\n", tc.name, tc.where);
                ++report.failed;
                continue;
            }
            std::string diff = run_case(packs, tc, hits);
            if (diff.empty()) {
                fmt::print(out, "PASS {}\n", tc.name);
                ++report.passed;
            } else {
                fmt::print(out, "FAIL {} ({})\n{}", tc.name, tc.where, diff);
                ++report.failed;
            }
        }
    }
    if (options.coverage) {
        for (std::size_t v = 0; v < packs.versions.size(); ++v) {
            std::string label = packs.versions.size() > 1 ? fmt::format("[{}] ", packs.versions[v]->version) : "";
            for (const auto& [item, where] : coverage_items(*packs.versions[v])) {
                if (!hits[v].contains(item)) report.uncovered.push_back(fmt::format("{}{}{}", label, item, where.empty() ? "" : " (" + where + ")"));
            }
        }
    }
    return report;
}

}  // namespace medclaim
