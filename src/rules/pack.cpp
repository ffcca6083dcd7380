#include "rules/pack.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <map>
#include <set>
#include <span>
#include <sstream>

#include <fmt/format.h>

#include "ingest/byte_source.hpp"
#include "ingest/csv_tokenizer.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace medclaim {
namespace {

namespace fs = std::filesystem;

// A YAML file's text, kept to show source lines and to place expression errors.
struct Source {
    std::string path;
    std::string text;

    // file:line:col of byte `pos`, with the source line.
    Diagnostic at(std::size_t pos, Severity severity, std::string message) const {
        return diagnostic_at(path, text, pos, severity, std::move(message));
    }

    Diagnostic at(const YAML::Mark& mark, Severity severity, std::string message) const {
        if (mark.pos < 0) {
            Diagnostic d{severity, path, 0, 0, std::move(message), ""};
            return d;
        }
        return at(static_cast<std::size_t>(mark.pos), severity, std::move(message));
    }

    // Byte position of character `offset` of the scalar that starts at `mark`.
    std::size_t inside(const YAML::Mark& mark, std::uint32_t offset) const {
        auto pos = static_cast<std::size_t>(std::max(0, mark.pos));
        if (pos >= text.size()) return pos;
        char first = text[pos];
        if (first == '"' || first == '\'') return pos + 1 + offset;
        if (first != '|' && first != '>') return pos + offset;
        // Block scalar: content starts on the next line, every line indented alike.
        std::size_t p = text.find('\n', pos);
        if (p == std::string::npos) return pos;
        ++p;
        std::size_t indent = 0;
        while (p + indent < text.size() && text[p + indent] == ' ') ++indent;
        std::uint32_t left = offset;
        while (p < text.size()) {
            std::size_t content = p + indent;
            std::size_t end = text.find('\n', content);
            if (end == std::string::npos) end = text.size();
            if (left <= end - content) return content + left;
            left -= static_cast<std::uint32_t>(end - content + 1);
            p = end + 1;
        }
        return text.size();
    }
};

class Loader {
public:
    Loader(std::string dir, std::vector<Diagnostic>& out) : dir_(std::move(dir)), out_(out) {}

    std::unique_ptr<Pack> load() {
        pack_ = std::make_unique<Pack>();
        fs::path root = fs::path(dir_) / "pack.yaml";
        std::optional<YAML::Node> top = read(root.string());
        if (!top) return finish();
        const Source& src = sources_.back();
        static constexpr std::string_view k_keys[] = {"name", "version", "region", "effective", "layers", "rounding", "includes", "catalogs", "tables", "edits", "audit", "plan_year_start", "pricing", "benefits", "products"};
        check_keys(*top, src, k_keys, "pack.yaml");
        pack_->name = required_text(*top, "name", src);
        pack_->version = required_text(*top, "version", src);
        if (YAML::Node region = (*top)["region"]) pack_->region = text_of(region, src);
        pack_->effective_from = *Date::from_ymd(1900, 1, 1);
        pack_->effective_to = *Date::from_ymd(2199, 12, 31);
        if (YAML::Node eff = (*top)["effective"]) effective(eff, src);
        if (YAML::Node layers = (*top)["layers"]) {
            for (const YAML::Node& l : sequence(layers, src, "`layers` is a list of layer names")) pack_->layers.push_back(text_of(l, src));
        }
        if (YAML::Node start = (*top)["plan_year_start"]) plan_year_start(start, src);
        if (YAML::Node rounding = (*top)["rounding"]; rounding && text_of(rounding, src) != "half_up") {
            error(src, rounding.Mark(), "`rounding` must be `half_up` (half away from zero), the only rounding medclaim applies");
        }
        std::vector<std::pair<YAML::Node, std::size_t>> documents{{*top, 0}};
        if (YAML::Node includes = (*top)["includes"]) {
            for (const YAML::Node& inc : sequence(includes, src, "`includes` is a list of YAML files in the pack folder")) {
                std::string name = text_of(inc, src);
                fs::path path = fs::path(dir_) / name;
                std::error_code ec;
                if (!fs::is_regular_file(path, ec)) {
                    error(src, inc.Mark(), fmt::format("included file `{}` does not exist in `{}` (or is not a file)", quote_excerpt(name), dir_));
                    continue;
                }
                if (std::optional<YAML::Node> doc = read(path.string())) {
                    static constexpr std::string_view k_include_keys[] = {"catalogs", "tables", "edits", "audit", "pricing", "benefits", "products"};
                    check_keys(*doc, sources_.back(), k_include_keys, "an included file");
                    documents.emplace_back(*doc, sources_.size() - 1);
                }
            }
        }
        // Catalogs first: edits may name any catalog of the pack.
        for (auto& [doc, index] : documents) {
            if (YAML::Node cats = doc["catalogs"]) {
                for (const YAML::Node& c : sequence(cats, sources_[index], "`catalogs` is a list of catalogs")) catalog(c, sources_[index]);
            }
        }
        for (auto& [doc, index] : documents) {
            if (YAML::Node tables = doc["tables"]) {
                for (const YAML::Node& t : sequence(tables, sources_[index], "`tables` is a list of decision tables")) table(t, sources_[index]);
            }
        }
        for (auto& [doc, index] : documents) {
            if (YAML::Node edits = doc["edits"]) {
                for (const YAML::Node& e : sequence(edits, sources_[index], "`edits` is a list of edits")) edit(e, sources_[index]);
            }
        }
        for (auto& [doc, index] : documents) {
            if (YAML::Node a = doc["audit"]) {
                for (const YAML::Node& r : sequence(a, sources_[index], "`audit` is a list of audit rules")) audit_rule(r, sources_[index]);
            }
        }
        bool priced = false;
        for (auto& [doc, index] : documents) {
            if (YAML::Node p = doc["pricing"]) {
                if (priced) error(sources_[index], p.Mark(), "`pricing` is given twice in the pack");
                priced = true;
                pricing(p, sources_[index]);
            }
        }
        for (auto& [doc, index] : documents) {
            if (YAML::Node b = doc["benefits"]) {
                for (const YAML::Node& l : sequence(b, sources_[index], "`benefits` is a list of benefit layers")) layer(l, sources_[index]);
            }
        }
        for (auto& [doc, index] : documents) {
            if (YAML::Node p = doc["products"]) {
                for (const YAML::Node& n : sequence(p, sources_[index], "`products` is a list of commercial products")) product(n, sources_[index]);
            }
        }
        order_layers(*top, src_of_top());
        return finish();
    }

private:
    std::unique_ptr<Pack> finish() {
        bool failed = std::any_of(out_.begin(), out_.end(), [](const Diagnostic& d) { return d.severity == Severity::error; });
        return failed ? nullptr : std::move(pack_);
    }

    void error(const Source& src, const YAML::Mark& mark, std::string message) { out_.push_back(src.at(mark, Severity::error, std::move(message))); }

    std::optional<YAML::Node> read(const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            out_.push_back({Severity::error, path, 0, 0, fmt::format("cannot read `{}`", path), ""});
            return std::nullopt;
        }
        std::stringstream s;
        s << in.rdbuf();
        sources_.push_back({path, s.str()});
        pack_->files.push_back(path);
        try {
            YAML::Node doc = YAML::Load(sources_.back().text);
            if (!doc.IsMap()) {
                error(sources_.back(), doc.Mark(), "expected a YAML mapping of keys");
                return std::nullopt;
            }
            return doc;
        } catch (const YAML::Exception& e) {
            error(sources_.back(), e.mark, e.msg);
            return std::nullopt;
        }
    }

    void check_keys(const YAML::Node& map, const Source& src, std::span<const std::string_view> allowed, std::string_view where) {
        for (auto it = map.begin(); it != map.end(); ++it) {
            if (auto message = unknown_key(it->first.Scalar(), allowed, where)) error(src, it->first.Mark(), std::move(*message));
        }
    }

    std::vector<YAML::Node> sequence(const YAML::Node& node, const Source& src, std::string_view what) {
        if (!node.IsSequence()) {
            error(src, node.Mark(), std::string(what));
            return {};
        }
        return std::vector<YAML::Node>(node.begin(), node.end());
    }

    std::string text_of(const YAML::Node& node, const Source& src) {
        if (!node.IsScalar()) {
            error(src, node.Mark(), "expected a single value");
            return {};
        }
        return node.Scalar();
    }

    // yaml-cpp reports a missing key with an empty mark: report it at the parent.
    std::string required_text(const YAML::Node& parent, const char* key, const Source& src) {
        YAML::Node node = parent[key];
        if (!node) {
            error(src, parent.Mark(), fmt::format("missing key `{}`", key));
            return {};
        }
        std::string text = text_of(node, src);
        if (node.IsScalar() && trim(text).empty()) error(src, node.Mark(), fmt::format("`{}` is empty", key));
        return text;
    }

    std::optional<Date> date_of(const YAML::Node& node, const Source& src) {
        std::string text = text_of(node, src);
        auto d = Date::parse(text);
        if (!d && !text.empty()) error(src, node.Mark(), fmt::format("`{}` is not a date (YYYY-MM-DD)", quote_excerpt(text)));
        return d;
    }

    void effective(const YAML::Node& eff, const Source& src) {
        if (!eff.IsMap()) {
            error(src, eff.Mark(), "`effective` is a mapping with `from` and `to`");
            return;
        }
        static constexpr std::string_view k_keys[] = {"from", "to"};
        check_keys(eff, src, k_keys, "`effective`");
        if (YAML::Node from = eff["from"]) {
            if (auto d = date_of(from, src)) pack_->effective_from = *d;
        }
        if (YAML::Node to = eff["to"]) {
            if (auto d = date_of(to, src)) pack_->effective_to = *d;
        }
        if (pack_->effective_to < pack_->effective_from) error(src, eff.Mark(), "`effective.to` is before `effective.from`");
    }

    void catalog(const YAML::Node& node, const Source& src) {
        if (!node.IsMap()) {
            error(src, node.Mark(), "a catalog is a mapping with `name` and `file`");
            return;
        }
        static constexpr std::string_view k_keys[] = {"name", "file", "description"};
        check_keys(node, src, k_keys, "a catalog");
        std::string name = required_text(node, "name", src);
        std::string file = required_text(node, "file", src);
        if (name.empty() || file.empty()) return;
        if (pack_->find(name) != nullptr) {
            error(src, node["name"].Mark(), fmt::format("duplicate catalog name `{}`", name));
            return;
        }
        fs::path path = fs::path(dir_) / file;
        std::error_code ec;
        if (!fs::is_regular_file(path, ec)) {
            error(src, node["file"].Mark(), fmt::format("catalog file `{}` does not exist in `{}` (or is not a file)", quote_excerpt(file), dir_));
            return;
        }
        pack_->files.push_back(path.string());
        try {
            if (auto rows = catalog_rows(path.string())) pack_->catalogs.push_back(std::make_unique<Catalog>(name, path.string(), std::move(*rows)));
        } catch (const Error& e) {
            error(src, node["file"].Mark(), e.what());
        }
    }

    // The 限定支付范围 columns of a catalog row (see CatalogRow); `cell` and `column`
    // take the column numbers of catalog_rows().
    template <class Cell, class Column, class Fail>
    static void restrictions(const CsvRecord& record, CatalogRow& row, Cell cell, Column column, Fail fail) {
        enum Col { sex = 6, min_age, max_age, min_level, care_types, schemes, max_qty };
        auto whole = [&](int c, std::string_view name, int lo, int hi) -> std::optional<int> {
            std::string_view v = cell((c));
            if (v.empty()) return std::nullopt;
            DecimalParse p = parse_decimal(v, 0, NumberSyntax::plain);
            if (p.error != DecimalError::none || p.units < lo || p.units > hi) {
                fail(record, column((c)), fmt::format("`{}`: `{}` is not a whole number from {} to {}", name, quote_excerpt(v), lo, hi));
                return std::nullopt;
            }
            return static_cast<int>(p.units);
        };
        if (std::string_view v = cell((sex)); !v.empty()) {
            row.sex = parse_enum<Sex>(v);
            if (!row.sex) fail(record, column((sex)), fmt::format("`sex`: `{}` is not M or F", quote_excerpt(v)));
        }
        row.min_age = whole(min_age, "min_age", 0, 150);
        row.max_age = whole(max_age, "max_age", 0, 150);
        row.min_level = whole(min_level, "min_level", 0, 3);
        if (std::string_view v = cell((care_types)); !v.empty()) {
            for (std::string_view part : split_list(v)) {
                if (auto ct = parse_enum<CareType>(part)) row.care_types.push_back(*ct);
                else fail(record, column((care_types)), fmt::format("`care_types`: `{}` is not a care type", quote_excerpt(part)));
            }
        }
        if (std::string_view v = cell((schemes)); !v.empty()) {
            for (std::string_view part : split_list(v)) row.schemes.emplace_back(part);
        }
        if (std::string_view v = cell((max_qty)); !v.empty()) {
            DecimalParse p = parse_decimal(v, Quantity::k_scale, NumberSyntax::plain);
            if (p.error != DecimalError::none || p.units < 0) {
                fail(record, column((max_qty)), fmt::format("`max_qty`: `{}` is not a non-negative quantity", quote_excerpt(v)));
            } else {
                row.max_qty = Quantity::from_units(p.units);
            }
        }
    }

    std::optional<std::vector<CatalogRow>> catalog_rows(const std::string& path) {
        OpenedInput input = open_input(path, Encoding::utf8);
        CsvTokenizer tokenizer(*input.source);
        CsvRecord record;
        std::size_t errors_before = out_.size();
        auto row_error = [&](const CsvRecord& r, std::size_t column, std::string message) {
            out_.push_back(record_diagnostic(path, r, column, std::move(message)));
        };
        if (!tokenizer.next(record)) {
            out_.push_back({Severity::error, path, 0, 0, "catalog file is empty; it needs a header with at least `code`", ""});
            return std::nullopt;
        }
        enum Col { code, cls, ratio, cap, from, to, sex, min_age, max_age, min_level, care_types, schemes, max_qty };
        static constexpr std::string_view k_columns[] = {"code", "class", "self_pay_ratio", "price_cap", "valid_from", "valid_to", "sex",
                                                         "min_age", "max_age", "min_level", "care_types", "schemes", "max_qty"};
        std::array<std::optional<std::size_t>, std::size(k_columns)> where{};
        for (std::size_t c = 0; c < record.fields.size(); ++c) {
            std::string_view name = trim(record.fields[c]);
            auto it = std::find(std::begin(k_columns), std::end(k_columns), name);
            if (it != std::end(k_columns)) {
                where[static_cast<std::size_t>(it - std::begin(k_columns))] = c;
            }
        }
        if (!where[code]) {
            row_error(record, 0, "catalog header has no `code` column");
            return std::nullopt;
        }
        std::size_t width = record.fields.size();
        std::vector<CatalogRow> rows;
        while (tokenizer.next(record)) {
            if (record.error != CsvError::none) {
                row_error(record, 0, std::string(describe(record.error)));
                continue;
            }
            if (record.fields.size() != width) {
                row_error(record, 0, fmt::format("row has {} fields but the header has {}", record.fields.size(), width));
                continue;
            }
            CatalogRow row;
            row.line = static_cast<std::uint32_t>(record.line);
            row.code = std::string(trim(record.fields[*where[code]]));
            row.from = *Date::from_ymd(1900, 1, 1);
            row.to = *Date::from_ymd(2199, 12, 31);
            if (row.code.empty()) row_error(record, *where[code], "`code` is empty");
            auto cell = [&](Col c) { return where[c] ? trim(record.fields[*where[c]]) : std::string_view{}; };
            if (std::string_view v = cell(cls); !v.empty()) {
                row.item_class = parse_enum<ItemClass>(v);
                if (!row.item_class) row_error(record, *where[cls], fmt::format("`class`: `{}` is not A, B or C", quote_excerpt(v)));
            }
            if (std::string_view v = cell(ratio); !v.empty()) {
                DecimalParse p = parse_decimal(v, Ratio::k_scale, NumberSyntax::plain);
                if (p.error != DecimalError::none || p.units < 0 || p.units > 10000) {
                    row_error(record, *where[ratio], fmt::format("`self_pay_ratio`: `{}` is not a ratio from 0 to 1 with up to 4 places", quote_excerpt(v)));
                } else {
                    row.self_pay_ratio = Ratio::from_units(p.units);
                }
            }
            if (std::string_view v = cell(cap); !v.empty()) {
                DecimalParse p = parse_decimal(v, UnitPrice::k_scale, NumberSyntax::plain);
                if (p.error != DecimalError::none || p.units < 0) {
                    row_error(record, *where[cap], fmt::format("`price_cap`: `{}` is not a non-negative price", quote_excerpt(v)));
                } else {
                    row.price_cap = UnitPrice::from_units(p.units);
                }
            }
            for (Col c : {from, to}) {
                if (std::string_view v = cell(c); !v.empty()) {
                    auto d = Date::parse(v);
                    if (!d) {
                        row_error(record, *where[c], fmt::format("`{}`: `{}` is not a date (YYYY-MM-DD)", k_columns[c], quote_excerpt(v)));
                    } else {
                        (c == from ? row.from : row.to) = *d;
                    }
                }
            }
            if (row.to < row.from) row_error(record, where[to].value_or(0), "`valid_to` is before `valid_from`");
            restrictions(record, row, [&](int c) { return cell(static_cast<Col>(c)); }, [&](int c) { return *where[static_cast<std::size_t>(c)]; }, row_error);
            rows.push_back(std::move(row));
        }
        if (out_.size() != errors_before) return std::nullopt;
        // Two rows of one code must not be valid on the same day.
        std::vector<const CatalogRow*> sorted;
        sorted.reserve(rows.size());
        for (const CatalogRow& r : rows) sorted.push_back(&r);
        std::stable_sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->code != b->code ? a->code < b->code : a->from < b->from; });
        for (std::size_t i = 1; i < sorted.size(); ++i) {
            if (sorted[i]->code == sorted[i - 1]->code && sorted[i]->from <= sorted[i - 1]->to) {
                out_.push_back({Severity::error, path, sorted[i]->line, 0,
                                fmt::format("code `{}` is valid twice from {}: see line {}", sorted[i]->code, sorted[i]->from.to_string(), sorted[i - 1]->line),
                                ""});
            }
        }
        if (out_.size() != errors_before) return std::nullopt;
        return rows;
    }

    const Source& src_of_top() const { return sources_.front(); }

    void plan_year_start(const YAML::Node& node, const Source& src) {
        std::string text = text_of(node, src);
        int month = 0;
        int day = 0;
        char dash = 0;
        std::istringstream in(text);
        bool ok = text.size() == 5 && (in >> month >> dash >> day) && dash == '-' && Date::from_ymd(2001, month, day).has_value();
        if (!ok) {
            error(src, node.Mark(), fmt::format("`plan_year_start` is a month and day such as `01-01` or `04-01`, not `{}`", quote_excerpt(text)));
            return;
        }
        pack_->plan_year_month = month;
        pack_->plan_year_day = day;
    }

    // Compiles the expression in `node`, which must have type `want`; reports errors at
    // their place in the YAML file.
    std::optional<Program> expression(const YAML::Node& node, const Source& src, Scope scope, Type want, std::string_view what) {
        std::vector<BindError> errors;
        std::string text = text_of(node, src);
        if (text.empty()) return std::nullopt;
        std::optional<Program> program = Program::compile(text, scope, errors, pack_.get(), pack_.get());
        for (const BindError& be : errors) out_.push_back(src.at(src.inside(node.Mark(), be.offset), Severity::error, be.message));
        if (program && program->type() != want) {
            std::string_view hint = want == Type::money ? " (write money with 元, e.g. `1300元`)" : want == Type::decimal ? " (write a ratio as a decimal, e.g. `0.85` or `1.0`)" : "";
            error(src, node.Mark(), fmt::format("{} must be {}, not {}{}", what, type_name(want), type_name(program->type()), hint));
            return std::nullopt;
        }
        return program;
    }

    std::optional<Program> required_expression(const YAML::Node& parent, const char* key, const Source& src, Scope scope, Type want) {
        YAML::Node node = parent[key];
        if (!node) {
            error(src, parent.Mark(), fmt::format("missing key `{}`", key));
            return std::nullopt;
        }
        return expression(node, src, scope, want, fmt::format("`{}`", key));
    }

    // Which of `words` `node` says, as its index; else an error that reads `what`
    // ("`per` is `claim` or `year`") then ", not `VALUE`".
    std::optional<std::size_t> one_of(const YAML::Node& node, const Source& src, std::span<const std::string_view> words, std::string_view what) {
        std::string text = text_of(node, src);
        auto it = std::find(words.begin(), words.end(), text);
        if (it != words.end()) return static_cast<std::size_t>(it - words.begin());
        error(src, node.Mark(), fmt::format("{}, not `{}`", what, quote_excerpt(text)));
        return std::nullopt;
    }
    std::optional<std::size_t> one_of(const YAML::Node& node, const Source& src, std::initializer_list<std::string_view> words, std::string_view what) {
        return one_of(node, src, std::span<const std::string_view>(words.begin(), words.size()), what);
    }

    std::optional<Period> period(const YAML::Node& node, const Source& src) {
        std::optional<std::size_t> i = one_of(node, src, {"claim", "year"}, "`per` is `claim` or `year`");
        if (!i) return std::nullopt;
        return *i == 0 ? Period::claim : Period::year;
    }

    void pricing(const YAML::Node& node, const Source& src) {
        if (!node.IsMap()) {
            error(src, node.Mark(), "`pricing` is a mapping with `catalogs` and `unit_caps`");
            return;
        }
        static constexpr std::string_view k_keys[] = {"catalogs", "unit_caps"};
        check_keys(node, src, k_keys, "`pricing`");
        if (YAML::Node cats = node["catalogs"]) {
            for (const YAML::Node& c : sequence(cats, src, "`pricing.catalogs` is a list of catalog names")) {
                std::string name = text_of(c, src);
                const Catalog* found = pack_->find(name);
                if (found == nullptr) {
                    std::vector<std::string_view> names = pack_->names();
                    std::string_view hint = closest_match(name, names);
                    error(src, c.Mark(), hint.empty() ? fmt::format("unknown catalog `{}`", quote_excerpt(name))
                                                      : fmt::format("unknown catalog `{}`; did you mean `{}`?", quote_excerpt(name), hint));
                    continue;
                }
                pack_->pricing.catalogs.push_back(found);
            }
        }
        if (YAML::Node caps = node["unit_caps"]) {
            std::set<std::string, std::less<>> ids;
            for (const YAML::Node& c : sequence(caps, src, "`unit_caps` is a list of {id, when, cap}")) {
                if (!c.IsMap()) {
                    error(src, c.Mark(), "a unit cap is a mapping with `id`, `when` and `cap`");
                    continue;
                }
                static constexpr std::string_view k_cap_keys[] = {"id", "when", "cap"};
                check_keys(c, src, k_cap_keys, "a unit cap");
                UnitCap uc;
                uc.id = required_text(c, "id", src);
                if (!uc.id.empty() && !ids.insert(uc.id).second) error(src, c["id"].Mark(), fmt::format("duplicate unit cap id `{}`", uc.id));
                auto when = required_expression(c, "when", src, Scope::line, Type::boolean);
                auto cap = required_expression(c, "cap", src, Scope::line, Type::money);
                if (!when || !cap) continue;
                uc.when = std::move(*when);
                uc.cap = std::move(*cap);
                pack_->pricing.unit_caps.push_back(std::move(uc));
            }
        }
    }

    void layer(const YAML::Node& node, const Source& src) {
        if (!node.IsMap()) {
            error(src, node.Mark(), "a benefit layer is a mapping with `id`, `fund` and `segments`");
            return;
        }
        static constexpr std::string_view k_keys[] = {"id", "name", "fund", "when", "base", "position", "deductible", "segments", "cap"};
        check_keys(node, src, k_keys, "a benefit layer");
        Layer l;
        l.id = required_text(node, "id", src);
        l.position_counter = l.id + ".position";
        l.deductible_counter = l.id + ".deductible";
        l.paid_counter = l.id + ".paid";
        l.fund = required_text(node, "fund", src);
        l.file = src.path;
        l.line = static_cast<std::uint64_t>(node.Mark().line) + 1;
        if (YAML::Node n = node["name"]) l.name = text_of(n, src);
        bool ok = !l.id.empty() && !l.fund.empty();
        if (!l.id.empty() && std::find(pack_->layers.begin(), pack_->layers.end(), l.id) == pack_->layers.end()) {
            error(src, node["id"].Mark(), fmt::format("benefit layer `{}` is not listed in pack.yaml `layers`, so it would never pay", l.id));
            ok = false;
        }
        if (!l.id.empty()) {
            for (const Layer& other : pack_->benefits) {
                if (other.id == l.id) {
                    error(src, node["id"].Mark(), fmt::format("duplicate layer id `{}`; first defined at {}:{}", l.id, other.file, other.line));
                    ok = false;
                }
            }
        }
        if (YAML::Node w = node["when"]) {
            l.when = expression(w, src, Scope::claim, Type::boolean, "`when`");
            ok = ok && l.when.has_value();
        }
        if (YAML::Node b = node["base"]) {
            if (auto i = one_of(b, src, {"in_scope", "burden", "burden_with_pre_self_pay"}, "`base` is in_scope, burden or burden_with_pre_self_pay")) {
                l.base = static_cast<LayerBase>(*i);
            } else {
                ok = false;
            }
        }
        if (YAML::Node p = node["position"]) {
            auto per = period(p, src);
            ok = ok && per.has_value();
            if (per) l.position = *per;
        }
        if (YAML::Node d = node["deductible"]) ok = amount_per(d, src, "deductible", l.deductible, l.deductible_per) && ok;
        if (YAML::Node c = node["cap"]) ok = amount_per(c, src, "cap", l.cap, l.cap_per, &l.cap_when) && ok;
        YAML::Node segs = node["segments"];
        if (!segs) {
            error(src, node.Mark(), "missing key `segments` (a layer that pays one ratio has one segment: `[{ratio: 0.9}]`)");
            return;
        }
        std::vector<YAML::Node> list = sequence(segs, src, "`segments` is a list of {upto, ratio}");
        for (std::size_t i = 0; i < list.size(); ++i) {
            const YAML::Node& s = list[i];
            if (!s.IsMap()) {
                error(src, s.Mark(), "a segment is a mapping with `upto` and `ratio`");
                ok = false;
                continue;
            }
            static constexpr std::string_view k_s_keys[] = {"upto", "ratio"};
            check_keys(s, src, k_s_keys, "a segment");
            Segment seg;
            if (YAML::Node u = s["upto"]) {
                seg.upto = expression(u, src, Scope::claim, Type::money, "`upto`");
                ok = ok && seg.upto.has_value();
            } else if (i + 1 != list.size()) {
                error(src, s.Mark(), "only the last segment may leave out `upto`");
                ok = false;
            }
            if (YAML::Node r = s["ratio"]; r && r.IsScalar() && r.Scalar().ends_with("%")) {
                error(src, r.Mark(), fmt::format("write a ratio as a decimal (`0.90` for 90%), not `{}`", quote_excerpt(r.Scalar())));
                ok = false;
                continue;
            }
            // A ratio that reads line.* is a ratio by item class, paid line by line.
            std::optional<Program> ratio;
            if (YAML::Node r = s["ratio"]) {
                std::vector<BindError> ignored;
                std::string text = text_of(r, src);
                seg.by_line = !text.empty() && !Program::compile(text, Scope::claim, ignored, pack_.get(), pack_.get()) &&
                              Program::compile(text, Scope::line, ignored, pack_.get(), pack_.get());
            }
            if (seg.by_line && l.base != LayerBase::in_scope) {
                error(src, s["ratio"].Mark(), fmt::format("a ratio that reads `line.*` fields (a ratio by item class) needs `base: in_scope`: "
                                                          "the {} of layer `{}` is not made of fee lines", to_string(l.base), l.id));
                ok = false;
                continue;
            }
            ratio = required_expression(s, "ratio", src, seg.by_line ? Scope::line : Scope::claim, Type::decimal);
            if (!ratio) {
                ok = false;
                continue;
            }
            if (std::optional<Value> v = ratio->constant(); v && (v->number < 0 || v->number > 1'000'000)) {
                error(src, s["ratio"].Mark(), fmt::format("a ratio is from 0 to 1, not {}", to_string(*v)));
                ok = false;
                continue;
            }
            seg.ratio = std::move(*ratio);
            l.segments.push_back(std::move(seg));
        }
        if (ok) pack_->benefits.push_back(std::move(l));
        else broken_layers_.insert(l.id);
    }

    // A list of code prefixes (ICD-10 diagnoses, procedures).
    std::vector<std::string> prefixes(const YAML::Node& node, const Source& src, std::string_view what) {
        std::vector<std::string> out;
        for (const YAML::Node& n : sequence(node, src, fmt::format("`{}` is a list of code prefixes", what))) {
            std::string code = text_of(n, src);
            if (code.empty()) continue;
            out.push_back(std::move(code));
        }
        return out;
    }

    // A constant ratio from 0 to 1, written as a decimal.
    std::optional<std::int64_t> ratio_constant(const YAML::Node& node, const Source& src) {
        std::string text = text_of(node, src);
        if (text.ends_with('%')) {
            error(src, node.Mark(), fmt::format("write a ratio as a decimal (`0.90` for 90%), not `{}`", quote_excerpt(text)));
            return std::nullopt;
        }
        DecimalParse d = parse_decimal(text, k_decimal_scale, NumberSyntax::plain);
        if (d.error != DecimalError::none || d.units < 0 || d.units > 1'000'000) {
            error(src, node.Mark(), fmt::format("a ratio is a decimal from 0 to 1, not `{}`", quote_excerpt(text)));
            return std::nullopt;
        }
        return d.units;
    }

    std::optional<bool> yes_no(const YAML::Node& node, const Source& src, std::string_view what) {
        std::optional<std::size_t> i = one_of(node, src, {"false", "true"}, fmt::format("`{}` is true or false", what));
        if (!i) return std::nullopt;
        return *i == 1;
    }

    // The keys of a row of a product's table: health, basic, in_area.
    bool row_keys(const YAML::Node& row, const Source& src, RowKeys& k) {
        bool ok = true;
        k.line = static_cast<std::uint64_t>(row.Mark().line) + 1;
        if (YAML::Node h = row["health"]) {
            std::optional<std::size_t> i = one_of(h, src, enum_spellings<HealthStatus>(), "`health` is `healthy` or `preexisting`");
            ok = i.has_value();
            if (i) k.health = static_cast<HealthStatus>(*i);
        }
        if (YAML::Node b = row["basic"]) {
            std::optional<std::size_t> i = one_of(b, src, {"settled", "unsettled"}, "`basic` is `settled` (basic insurance settled the claim) or `unsettled`");
            ok = i.has_value() && ok;
            if (i) k.basic = *i == 0;
        }
        if (YAML::Node a = row["in_area"]) {
            std::optional<bool> v = yes_no(a, src, "in_area");
            ok = v.has_value() && ok;
            k.in_area = v;
        }
        return ok;
    }

    // A product's money amount: one money expression, or rows of {health, basic,
    // in_area, amount} of which the first that matches decides.
    bool amount_rows(const YAML::Node& parent, const char* key, const Source& src, std::vector<AmountRow>& out) {
        YAML::Node node = parent[key];
        if (!node) return true;
        if (!node.IsSequence()) {
            std::optional<Program> amount = expression(node, src, Scope::claim, Type::money, fmt::format("`{}`", key));
            if (!amount) return false;
            AmountRow row;
            row.line = static_cast<std::uint64_t>(node.Mark().line) + 1;
            row.amount = std::move(*amount);
            out.push_back(std::move(row));
            return true;
        }
        bool ok = true;
        for (const YAML::Node& r : sequence(node, src, "")) {
            if (!r.IsMap() || !r["amount"]) {
                error(src, r.Mark(), fmt::format("a `{}` row is a mapping with `amount` and any of `health`, `basic`, `in_area`", key));
                ok = false;
                continue;
            }
            static constexpr std::string_view k_row_keys[] = {"health", "basic", "in_area", "amount"};
            check_keys(r, src, k_row_keys, fmt::format("a `{}` row", key));
            AmountRow row;
            bool row_ok = row_keys(r, src, row);
            std::optional<Program> amount = expression(r["amount"], src, Scope::claim, Type::money, "`amount`");
            if (!row_ok || !amount) {
                ok = false;
                continue;
            }
            row.amount = std::move(*amount);
            out.push_back(std::move(row));
        }
        if (ok && out.empty()) {
            error(src, node.Mark(), fmt::format("`{}` needs at least one row", key));
            ok = false;
        }
        return ok;
    }

    // `sum_insured: MONEY` (per policy year) or `{amount: MONEY, per: year|lifetime}`.
    // `per_item` is the same, per line.code, and its amount may read line.* fields.
    bool sum_insured(const YAML::Node& parent, const Source& src, std::optional<SumInsured>& out, const char* key = "sum_insured",
                     Scope scope = Scope::claim) {
        YAML::Node node = parent[key];
        if (!node) return true;
        // One initialisation: assigning to a YAML::Node would overwrite the node it refers to.
        const YAML::Node amount = node.IsMap() ? node["amount"] : node;
        bool lifetime = false;
        if (node.IsMap()) {
            static constexpr std::string_view k_keys[] = {"amount", "per"};
            check_keys(node, src, k_keys, "`sum_insured`");
            if (!amount) {
                error(src, node.Mark(), "missing key `amount`");
                return false;
            }
            if (YAML::Node per = node["per"]) {
                std::optional<std::size_t> i = one_of(per, src, {"year", "lifetime"}, "a sum insured is `per: year` (policy year) or `per: lifetime`");
                if (!i) return false;
                lifetime = *i == 1;
            }
        }
        std::optional<Program> p = expression(amount, src, scope, Type::money, fmt::format("`{}`", key));
        if (!p) return false;
        out = SumInsured{std::move(*p), lifetime};
        return true;
    }

    void product(const YAML::Node& node, const Source& src) {
        if (!node.IsMap()) {
            error(src, node.Mark(), "a product is a mapping with `id`, `fund` and `responsibilities`");
            return;
        }
        static constexpr std::string_view k_keys[] = {"id", "name", "fund", "deductible", "deductible_offset", "sum_insured", "waiting",
                                                      "exclusions", "responsibilities", "policy", "when", "schedule", "monthly_cap"};
        check_keys(node, src, k_keys, "a product");
        Product p;
        p.id = required_text(node, "id", src);
        p.lifetime_counter = p.id + ".lifetime.paid";
        p.fund = required_text(node, "fund", src);
        p.file = src.path;
        p.line = static_cast<std::uint64_t>(node.Mark().line) + 1;
        if (YAML::Node n = node["name"]) p.name = text_of(n, src);
        bool ok = !p.id.empty() && !p.fund.empty();
        if (!p.id.empty() && std::find(pack_->layers.begin(), pack_->layers.end(), p.id) == pack_->layers.end()) {
            error(src, node["id"].Mark(), fmt::format("product `{}` is not listed in pack.yaml `layers`, so it would never pay", p.id));
            ok = false;
        }
        for (const Product& other : pack_->products) {
            if (!p.id.empty() && other.id == p.id) {
                error(src, node["id"].Mark(), fmt::format("duplicate product id `{}`; first defined at {}:{}", p.id, other.file, other.line));
                ok = false;
            }
        }
        for (const Layer& other : pack_->benefits) {
            if (!p.id.empty() && other.id == p.id) {
                error(src, node["id"].Mark(), fmt::format("product id `{}` is the id of benefit layer at {}:{}", p.id, other.file, other.line));
                ok = false;
            }
        }
        ok = amount_rows(node, "deductible", src, p.deductible) && ok;
        ok = sum_insured(node, src, p.sum_insured) && ok;
        if (YAML::Node o = node["deductible_offset"]) {
            std::optional<std::size_t> i = one_of(o, src, {"none", "commercial"}, "`deductible_offset` is `none` or `commercial` (earlier commercial "
                                                  "payouts count toward the deductible; basic insurance never does)");
            ok = i.has_value() && ok;
            p.offset_by_commercial = i == 1U;
        }
        if (YAML::Node w = node["waiting"]) ok = waiting(w, src, p) && ok;
        if (YAML::Node e = node["exclusions"]) ok = exclusions(e, src, p.exclusions) && ok;
        if (YAML::Node pol = node["policy"]) {
            std::optional<std::size_t> i = one_of(pol, src, {"required", "none"}, "`policy` is `required` (the default) or `none`");
            ok = i.has_value() && ok;
            p.needs_policy = i != 1U;
        }
        if (YAML::Node w = node["when"]) {
            p.when = expression(w, src, Scope::claim, Type::boolean, "`when`");
            ok = p.when.has_value() && ok;
        }
        if (YAML::Node sched = node["schedule"]) {
            if (node["responsibilities"]) {
                error(src, sched.Mark(), "a product has `responsibilities` or a `schedule`, not both");
                ok = false;
            }
            if (p.needs_policy) {
                error(src, sched.Mark(), "a product with a `schedule` pays without policies: write `policy: none`");
                ok = false;
            }
            ok = schedule(sched, src, p) && ok;
            if (YAML::Node cap = node["monthly_cap"]) {
                p.monthly_cap = expression(cap, src, Scope::claim, Type::money, "`monthly_cap`");
                ok = p.monthly_cap.has_value() && ok;
            }
        } else if (YAML::Node resps = node["responsibilities"]) {
            if (!p.needs_policy) {
                error(src, node.Mark(), "`policy: none` is for a product with a `schedule` (long-term care)");
                ok = false;
            }
            for (const YAML::Node& r : sequence(resps, src, "`responsibilities` is a list of {id, covers, ratio}")) {
                std::optional<Responsibility> resp = responsibility(r, src, p);
                if (!resp) {
                    ok = false;
                    continue;
                }
                p.responsibilities.push_back(std::move(*resp));
            }
            if (ok && p.responsibilities.empty()) {
                error(src, resps.Mark(), "a product needs at least one responsibility");
                ok = false;
            }
        } else {
            error(src, node.Mark(), "missing key `responsibilities` (what the product pays: at least one), or a `schedule`");
            return;
        }
        if (ok) pack_->products.push_back(std::move(p));
        else broken_layers_.insert(p.id);
    }

    bool schedule(const YAML::Node& node, const Source& src, Product& p) {
        bool ok = true;
        for (const YAML::Node& r : sequence(node, src, "`schedule` is a list of {when, ratio, daily_cap} or {when, per_day}")) {
            if (!r.IsMap()) {
                error(src, r.Mark(), "a schedule row is a mapping with `ratio` and `daily_cap`, or `per_day`, and optionally `when`");
                ok = false;
                continue;
            }
            static constexpr std::string_view k_keys[] = {"when", "ratio", "daily_cap", "per_day"};
            check_keys(r, src, k_keys, "a schedule row");
            ScheduleRow row;
            row.line = static_cast<std::uint64_t>(r.Mark().line) + 1;
            bool row_ok = true;
            if (YAML::Node w = r["when"]) {
                row.when = expression(w, src, Scope::claim, Type::boolean, "`when`");
                row_ok = row.when.has_value();
            }
            bool by_ratio = r["ratio"] || r["daily_cap"];
            if (by_ratio == static_cast<bool>(r["per_day"])) {
                error(src, r.Mark(), "a schedule row pays `ratio` of the fee up to `daily_cap`, or a flat `per_day`: one of the two");
                ok = false;
                continue;
            }
            if (by_ratio) {
                if (!r["ratio"] || !r["daily_cap"]) {
                    error(src, r.Mark(), "a schedule row with `ratio` needs `daily_cap` too (and the other way round)");
                    ok = false;
                    continue;
                }
                row.ratio = ratio_constant(r["ratio"], src);
                row.daily_cap = expression(r["daily_cap"], src, Scope::claim, Type::money, "`daily_cap`");
                row_ok = row_ok && row.ratio && row.daily_cap;
            } else {
                row.per_day = expression(r["per_day"], src, Scope::claim, Type::money, "`per_day`");
                row_ok = row_ok && row.per_day;
            }
            if (!row_ok) {
                ok = false;
                continue;
            }
            p.schedule.push_back(std::move(row));
        }
        if (ok && p.schedule.empty()) {
            error(src, node.Mark(), "`schedule` needs at least one row");
            ok = false;
        }
        return ok;
    }

    // A whole number of days from 0 to 3650.
    std::optional<int> day_count(const YAML::Node& n, const Source& src, std::string_view what) {
        DecimalParse d = parse_decimal(text_of(n, src), 0, NumberSyntax::plain);
        if (d.error != DecimalError::none || d.units < 0 || d.units > 3650) {
            error(src, n.Mark(), fmt::format("`{}` is a whole number of days from 0 to 3650", what));
            return std::nullopt;
        }
        return static_cast<int>(d.units);
    }

    // `per_day: MONEY` or `{amount: MONEY, days: INTEGER, deductible_days: N, max_days: N}`.
    bool per_day(const YAML::Node& node, const Source& src, Responsibility& r) {
        const YAML::Node amount = node.IsMap() ? node["amount"] : node;
        Responsibility::PerDay pd;
        bool ok = true;
        if (node.IsMap()) {
            static constexpr std::string_view k_keys[] = {"amount", "days", "deductible_days", "max_days"};
            check_keys(node, src, k_keys, "`per_day`");
            if (!amount) {
                error(src, node.Mark(), "missing key `amount` (money a day)");
                return false;
            }
            if (YAML::Node d = node["days"]) {
                pd.days = expression(d, src, Scope::claim, Type::integer, "`days`");
                ok = pd.days.has_value();
            }
            if (YAML::Node d = node["deductible_days"]) {
                std::optional<int> n = day_count(d, src, "deductible_days");
                ok = n.has_value() && ok;
                pd.deductible_days = n.value_or(0);
            }
            if (YAML::Node d = node["max_days"]) {
                pd.max_days = day_count(d, src, "max_days");
                ok = pd.max_days.has_value() && ok;
            }
        }
        std::optional<Program> a = expression(amount, src, Scope::claim, Type::money, "`per_day`");
        if (!pd.days) pd.days = expression(YAML::Node("claim.los_days"), src, Scope::claim, Type::integer, "`days`");
        if (!a || !pd.days || !ok) return false;
        pd.amount = std::move(*a);
        r.per_day = std::move(pd);
        return true;
    }

    bool waiting(const YAML::Node& node, const Source& src, Product& p) {
        if (!node.IsMap()) {
            error(src, node.Mark(), "`waiting` is a mapping with `days`, and optionally `diseases`, `exempt` and `clause`");
            return false;
        }
        static constexpr std::string_view k_keys[] = {"days", "diseases", "exempt", "clause"};
        check_keys(node, src, k_keys, "`waiting`");
        bool ok = true;
        auto days = [&](const YAML::Node& n) { return day_count(n, src, "days"); };
        if (YAML::Node d = node["days"]) {
            std::optional<int> n = days(d);
            ok = n.has_value();
            if (n) p.waiting.push_back({*n, {}});
        }
        if (YAML::Node list = node["diseases"]) {
            for (const YAML::Node& w : sequence(list, src, "`diseases` is a list of {days, diagnoses}")) {
                if (!w.IsMap() || !w["days"] || !w["diagnoses"]) {
                    error(src, w.Mark(), "a disease waiting period is a mapping with `days` and `diagnoses` (ICD-10 prefixes)");
                    ok = false;
                    continue;
                }
                static constexpr std::string_view k_w_keys[] = {"days", "diagnoses"};
                check_keys(w, src, k_w_keys, "a disease waiting period");
                std::optional<int> n = days(w["days"]);
                if (!n) {
                    ok = false;
                    continue;
                }
                p.waiting.push_back({*n, prefixes(w["diagnoses"], src, "diagnoses")});
            }
        }
        if (YAML::Node e = node["exempt"]) p.waiting_exempt = prefixes(e, src, "exempt");
        if (YAML::Node c = node["clause"]) p.waiting_clause = text_of(c, src);
        return ok;
    }

    // A list of the spellings of an enum of the claim model (wards, ownerships).
    template <class E>
    bool enum_list(const YAML::Node& node, const Source& src, std::string_view what, std::vector<E>& out) {
        bool ok = true;
        for (const YAML::Node& n : sequence(node, src, fmt::format("`{}` is a list", what))) {
            std::string text = text_of(n, src);
            if (std::optional<E> v = parse_enum<E>(text)) {
                out.push_back(*v);
            } else {
                error(src, n.Mark(), fmt::format("`{}`: `{}` is not one of {}", what, quote_excerpt(text), fmt::join(enum_spellings<E>(), ", ")));
                ok = false;
            }
        }
        return ok;
    }

    bool exclusions(const YAML::Node& node, const Source& src, Exclusions& x) {
        if (!node.IsMap()) {
            error(src, node.Mark(), "`exclusions` is a mapping (declared_conditions, diagnoses, procedures, wards, min_provider_level, ownership, clause)");
            return false;
        }
        static constexpr std::string_view k_keys[] = {"declared_conditions", "diagnoses", "procedures", "wards", "min_provider_level", "ownership", "clause"};
        check_keys(node, src, k_keys, "`exclusions`");
        bool ok = true;
        if (YAML::Node n = node["declared_conditions"]) {
            std::optional<bool> v = yes_no(n, src, "declared_conditions");
            ok = v.has_value();
            x.declared_conditions = v.value_or(false);
        }
        if (YAML::Node n = node["diagnoses"]) x.diagnoses = prefixes(n, src, "diagnoses");
        if (YAML::Node n = node["procedures"]) x.procedures = prefixes(n, src, "procedures");
        if (YAML::Node n = node["wards"]) ok = enum_list(n, src, "wards", x.wards) && ok;
        if (YAML::Node n = node["ownership"]) ok = enum_list(n, src, "ownership", x.ownership) && ok;
        if (YAML::Node n = node["min_provider_level"]) {
            DecimalParse d = parse_decimal(text_of(n, src), 0, NumberSyntax::plain);
            if (d.error != DecimalError::none || d.units < 0 || d.units > 3) {
                error(src, n.Mark(), "`min_provider_level` is 0, 1, 2 or 3");
                ok = false;
            } else {
                x.min_provider_level = static_cast<int>(d.units);
            }
        }
        if (YAML::Node c = node["clause"]) x.clause = text_of(c, src);
        return ok;
    }

    // `covers: [BUCKET, ...]`: the buckets a responsibility pays from, in order.
    bool covers(const YAML::Node& c, const Source& src, Responsibility& r) {
        static constexpr std::string_view k_buckets[] = {"in_scope", "pre_self_pay", "over_limit", "full_self_pay"};
        bool ok = true;
        for (const YAML::Node& b : sequence(c, src, "`covers` is a list of buckets: in_scope, pre_self_pay, over_limit, full_self_pay")) {
            std::string text = text_of(b, src);
            auto it = std::find(std::begin(k_buckets), std::end(k_buckets), text);
            if (it == std::end(k_buckets)) {
                error(src, b.Mark(), fmt::format("`covers`: `{}` is not a bucket (in_scope, pre_self_pay, over_limit, full_self_pay)", quote_excerpt(text)));
                ok = false;
                continue;
            }
            auto bucket = static_cast<CoveredBucket>(it - std::begin(k_buckets));
            if (std::find(r.covers.begin(), r.covers.end(), bucket) != r.covers.end()) {
                error(src, b.Mark(), fmt::format("`covers` names `{}` twice", text));
                ok = false;
                continue;
            }
            r.covers.push_back(bucket);
        }
        return ok;
    }

    std::optional<Responsibility> responsibility(const YAML::Node& node, const Source& src, const Product& p) {
        if (!node.IsMap()) {
            error(src, node.Mark(), "a responsibility is a mapping with `id`, `covers` and `ratio`");
            return std::nullopt;
        }
        static constexpr std::string_view k_keys[] = {"id", "name", "when", "lines", "covers", "deductible", "ratio", "sum_insured", "per_item",
                                                      "per_day", "clause"};
        check_keys(node, src, k_keys, "a responsibility");
        Responsibility r;
        r.id = required_text(node, "id", src);
        r.deductible_counter = r.id + ".deductible";
        r.paid_counter = r.id + ".paid";
        r.lifetime_counter = p.id + "." + r.id + ".lifetime.paid";
        r.days_counter = r.id + ".days";
        r.item_prefix = r.id + ".item.";
        r.item_lifetime_prefix = p.id + "." + r.id + ".item.";
        bool ok = !r.id.empty();
        for (const Responsibility& other : p.responsibilities) {
            if (ok && other.id == r.id) {
                error(src, node["id"].Mark(), fmt::format("duplicate responsibility id `{}` in product `{}`", r.id, p.id));
                ok = false;
            }
        }
        if (YAML::Node n = node["name"]) r.name = text_of(n, src);
        if (YAML::Node c = node["clause"]) r.clause = text_of(c, src);
        if (YAML::Node w = node["when"]) {
            r.when = expression(w, src, Scope::claim, Type::boolean, "`when`");
            ok = r.when.has_value() && ok;
        }
        if (YAML::Node l = node["lines"]) {
            r.lines = expression(l, src, Scope::line, Type::boolean, "`lines`");
            ok = r.lines.has_value() && ok;
        }
        ok = sum_insured(node, src, r.sum_insured) && ok;
        ok = sum_insured(node, src, r.per_item, "per_item", Scope::line) && ok;
        const YAML::Node days = node["per_day"];
        if (!days) {
            ok = amount_rows(node, "deductible", src, r.deductible) && ok;
            if (r.deductible.empty() && p.deductible.empty() && !node["deductible"] && node["covers"]) {
                error(src, node.Mark(), fmt::format("responsibility `{}` has no `deductible` and product `{}` none to share: write `deductible: 0元` "
                                                    "for none", r.id, p.id));
                ok = false;
            }
        }
        if (YAML::Node c = node["covers"]) {
            ok = covers(c, src, r) && ok;
        } else {
            error(src, node.Mark(), "missing key `covers` (the buckets the responsibility pays from)");
            ok = false;
        }
        if (days) {
            // A per-day benefit pays by days, not from a share of the lines.
            for (const char* other : {"ratio", "deductible", "lines", "per_item"}) {
                if (node[other]) {
                    error(src, node[other].Mark(), fmt::format("responsibility `{}` pays `per_day`: it has no `{}`", r.id, other));
                    ok = false;
                }
            }
            ok = per_day(days, src, r) && ok;
            if (!ok) return std::nullopt;
            return r;
        }
        YAML::Node ratio = node["ratio"];
        if (!ratio) {
            error(src, node.Mark(), "missing key `ratio` (a decimal, or a list of rows with health, basic, in_area and ratio)");
            return std::nullopt;
        }
        if (ratio.IsScalar()) {
            std::optional<std::int64_t> v = ratio_constant(ratio, src);
            if (!v) return std::nullopt;
            RatioRow row;
            row.line = static_cast<std::uint64_t>(ratio.Mark().line) + 1;
            row.ratio = *v;
            r.ratio.push_back(row);
        } else {
            for (const YAML::Node& row : sequence(ratio, src, "`ratio` is a decimal or a list of {health, basic, in_area, ratio}")) {
                if (!row.IsMap() || !row["ratio"]) {
                    error(src, row.Mark(), "a ratio row is a mapping with `ratio` and any of `health`, `basic`, `in_area`");
                    ok = false;
                    continue;
                }
                static constexpr std::string_view k_row_keys[] = {"health", "basic", "in_area", "ratio"};
                check_keys(row, src, k_row_keys, "a ratio row");
                RatioRow rr;
                bool row_ok = row_keys(row, src, rr);
                std::optional<std::int64_t> v = ratio_constant(row["ratio"], src);
                if (!v || !row_ok) {
                    ok = false;
                    continue;
                }
                rr.ratio = *v;
                r.ratio.push_back(rr);
            }
            if (ok && r.ratio.empty()) {
                error(src, ratio.Mark(), "`ratio` needs at least one row");
                ok = false;
            }
        }
        if (!ok) return std::nullopt;
        return r;
    }

    // `{amount: MONEY-EXPR, per: claim|year}` of a layer's deductible or cap.
    // A cap may also have `when`, a condition for it to apply.
    bool amount_per(const YAML::Node& node, const Source& src, std::string_view what, std::optional<Program>& amount, Period& per,
                    std::optional<Program>* when = nullptr) {
        if (!node.IsMap()) {
            error(src, node.Mark(), fmt::format("`{}` is a mapping with `amount` and `per`", what));
            return false;
        }
        static constexpr std::string_view k_keys[] = {"amount", "per"};
        static constexpr std::string_view k_keys_when[] = {"amount", "per", "when"};
        if (when) check_keys(node, src, k_keys_when, fmt::format("`{}`", what));
        else check_keys(node, src, k_keys, fmt::format("`{}`", what));
        if (when != nullptr && node["when"]) {
            *when = expression(node["when"], src, Scope::claim, Type::boolean, "`when`");
            if (!*when) return false;
        }
        amount = required_expression(node, "amount", src, Scope::claim, Type::money);
        bool ok = amount.has_value();
        if (YAML::Node p = node["per"]) {
            auto period_value = period(p, src);
            ok = ok && period_value.has_value();
            if (period_value) per = *period_value;
        }
        return ok;
    }

    // Puts the layers in the order pack.yaml's `layers` gives; each layer must be listed
    // exactly once and each listed name defined.
    void order_layers(const YAML::Node& top, const Source& src) {
        std::vector<Layer> ordered;
        std::vector<Product> products;
        YAML::Node names = top["layers"];
        for (std::size_t i = 0; i < pack_->layers.size(); ++i) {
            const std::string& name = pack_->layers[i];
            if (std::find(pack_->layers.begin(), pack_->layers.begin() + static_cast<std::ptrdiff_t>(i), name) != pack_->layers.begin() + static_cast<std::ptrdiff_t>(i)) {
                error(src, names[i].Mark(), fmt::format("layer `{}` is listed twice in `layers`", name));
                continue;
            }
            auto product = std::find_if(pack_->products.begin(), pack_->products.end(), [&](const Product& p) { return p.id == name; });
            if (product != pack_->products.end()) {
                products.push_back(std::move(*product));
                pack_->products.erase(product);
                continue;
            }
            auto it = std::find_if(pack_->benefits.begin(), pack_->benefits.end(), [&](const Layer& l) { return l.id == name; });
            if (it == pack_->benefits.end()) {
                if (!broken_layers_.contains(name)) {
                    error(src, names[i].Mark(), fmt::format("layer `{}` is listed in `layers` but no benefit layer or product has that id", name));
                }
                continue;
            }
            if (!products.empty()) {
                error(src, names[i].Mark(), fmt::format("benefit layer `{}` comes after product `{}` in `layers`: commercial products pay "
                                                        "after basic insurance, from what is left to the patient", name, products.back().id));
            }
            ordered.push_back(std::move(*it));
            pack_->benefits.erase(it);
        }
        pack_->benefits = std::move(ordered);
        pack_->products = std::move(products);
    }

    void edit(const YAML::Node& node, const Source& src) {
        if (!node.IsMap()) {
            error(src, node.Mark(), "an edit is a mapping with `id`, `when` and `severity`");
            return;
        }
        static constexpr std::string_view k_keys[] = {"id", "name", "scope", "when", "severity", "reason"};
        check_keys(node, src, k_keys, "an edit");
        Edit e;
        e.id = required_text(node, "id", src);
        e.file = src.path;
        e.line = static_cast<std::uint64_t>(node.Mark().line) + 1;
        if (YAML::Node n = node["name"]) e.name = text_of(n, src);
        if (YAML::Node r = node["reason"]) e.reason = text_of(r, src);
        if (YAML::Node sc = node["scope"]) {
            std::string s = text_of(sc, src);
            if (s == "claim") {
                e.scope = Scope::claim;
            } else if (s != "line") {
                error(src, sc.Mark(), fmt::format("`scope` is `line` or `claim`, not `{}`", quote_excerpt(s)));
            }
        }
        static constexpr std::string_view k_severities[] = {"deny", "reduce", "pend", "info"};
        if (YAML::Node sev = node["severity"]) {
            std::string s = text_of(sev, src);
            auto it = std::find(std::begin(k_severities), std::end(k_severities), s);
            if (it == std::end(k_severities)) {
                std::string_view hint = closest_match(s, k_severities);
                error(src, sev.Mark(), hint.empty() ? fmt::format("`severity` is one of deny, reduce, pend, info, not `{}`", quote_excerpt(s))
                                                    : fmt::format("`severity` is one of deny, reduce, pend, info, not `{}`; did you mean `{}`?",
                                                                  quote_excerpt(s), hint));
            } else {
                e.severity = static_cast<EditSeverity>(it - std::begin(k_severities));
            }
        } else {
            error(src, node.Mark(), "missing key `severity`");
        }
        if (!e.id.empty()) {
            if (auto [it, inserted] = edit_ids_.emplace(e.id, fmt::format("{}:{}", src.path, e.line)); !inserted) {
                error(src, node["id"].Mark(), fmt::format("duplicate edit id `{}`; first defined at {}", e.id, it->second));
            }
        }
        YAML::Node when = node["when"];
        if (!when) {
            error(src, node.Mark(), "missing key `when`");
            return;
        }
        std::string text = text_of(when, src);
        std::vector<BindError> errors;
        std::optional<Program> program = Program::compile(text, e.scope, errors, pack_.get(), pack_.get());
        for (const BindError& be : errors) out_.push_back(src.at(src.inside(when.Mark(), be.offset), Severity::error, be.message));
        if (!program) return;
        if (program->type() != Type::boolean) {
            error(src, when.Mark(), fmt::format("`when` must be true/false, not {}", type_name(program->type())));
            return;
        }
        e.when = std::move(*program);
        pack_->edits.push_back(std::move(e));
    }

    // One of `names` at `node[key]`, as its index; `fallback` when the key is absent.
    template <class E, std::size_t N>
    E choice(const YAML::Node& parent, const char* key, const Source& src, const std::string_view (&names)[N], E fallback) {
        YAML::Node node = parent[key];
        if (!node) return fallback;
        std::string s = text_of(node, src);
        auto it = std::find(std::begin(names), std::end(names), s);
        if (it != std::end(names)) return static_cast<E>(it - std::begin(names));
        std::string_view hint = closest_match(s, names);
        error(src, node.Mark(), fmt::format("`{}` is one of {}, not `{}`{}", key, fmt::join(names, ", "), quote_excerpt(s),
                                            hint.empty() ? std::string() : fmt::format("; did you mean `{}`?", hint)));
        return fallback;
    }

    // The file an audit rule names at `parent[key]`: relative to the YAML file that
    // names it (so that a pack may include another pack's audit.yaml), or absolute
    // (restriction tables kept where the 医保局 publishes them). Null with an error when
    // the key is missing or the path is not a file.
    std::optional<std::string> pack_file(const YAML::Node& parent, const char* key, const Source& src, std::string_view what) {
        YAML::Node node = parent[key];
        if (!node) {
            error(src, parent.Mark(), fmt::format("missing key `{}`", key));
            return std::nullopt;
        }
        std::string name = text_of(node, src);
        fs::path base = fs::path(src.path).parent_path();
        fs::path path = fs::path(name).is_absolute() ? fs::path(name) : base / name;
        std::error_code ec;
        if (name.empty() || !fs::is_regular_file(path, ec)) {
            error(src, node.Mark(), fmt::format("{} `{}` does not exist (or is not a file); a relative path is read from `{}`", what, quote_excerpt(name),
                                                base.string()));
            return std::nullopt;
        }
        pack_->files.push_back(path.string());
        return path.string();
    }

    // An audit rule (智能审核; man medclaim-rules(5), AUDIT) and its tables.
    void audit_rule(const YAML::Node& node, const Source& src) {
        if (!node.IsMap()) {
            error(src, node.Mark(), "an audit rule is a mapping with `id`, `name`, `check` and `action`");
            return;
        }
        static constexpr std::string_view k_keys[] = {"id", "name", "category", "result", "check", "action", "values", "tables", "pay_ratio",
                                                      "tolerance_days", "day_count", "min_days", "diagnosis_names", "window_days", "diagnosis_match",
                                                      "days_per"};
        check_keys(node, src, k_keys, "an audit rule");
        static constexpr std::string_view k_checks[] = {"sex", "age", "level", "care_type", "scheme", "drug_days", "per_day",
                                                        "stay_days", "course", "duplicate", "operation_group", "indication", "idle_stay",
                                                        "period", "readmission"};
        static constexpr std::string_view k_categories[] = {"policy", "management", "medical"};
        static constexpr std::string_view k_results[] = {"violation", "suspect"};
        static constexpr std::string_view k_actions[] = {"deny", "deny_excess", "reduce", "pend", "info"};
        AuditRule r;
        r.id = required_text(node, "id", src);
        r.name = required_text(node, "name", src);
        r.file = src.path;
        r.line = static_cast<std::uint64_t>(node.Mark().line) + 1;
        if (!node["check"]) error(src, node.Mark(), "missing key `check`");
        if (!node["action"]) error(src, node.Mark(), "missing key `action`");
        r.check = choice(node, "check", src, k_checks, AuditCheck::sex);
        r.category = choice(node, "category", src, k_categories, AuditCategory::policy);
        r.result = choice(node, "result", src, k_results, AuditResult::violation);
        r.action = choice(node, "action", src, k_actions, AuditAction::info);
        if (!r.id.empty()) {
            if (auto [it, inserted] = edit_ids_.emplace(r.id, fmt::format("{}:{}", src.path, r.line)); !inserted) {
                error(src, node["id"].Mark(), fmt::format("duplicate rule id `{}`; first defined at {}", r.id, it->second));
            }
        }
        // Which actions fit which checks: an excess needs a limit, a reduction a group.
        bool counts = r.check == AuditCheck::drug_days || r.check == AuditCheck::per_day || r.check == AuditCheck::stay_days ||
                      r.check == AuditCheck::course || r.check == AuditCheck::period;
        if (YAML::Node a = node["action"]) {
            if (r.action == AuditAction::deny_excess && !counts) {
                error(src, a.Mark(), fmt::format("`deny_excess` needs a limit to exceed: checks drug_days, per_day, stay_days, course and period have one, `{}` has not", to_string(r.check)));
            }
            if (r.action == AuditAction::reduce && r.check != AuditCheck::operation_group) {
                error(src, a.Mark(), "`reduce` pays a share of secondary operations: only check `operation_group` has one");
            }
            if ((r.action == AuditAction::deny || r.action == AuditAction::reduce || r.action == AuditAction::deny_excess) &&
                (r.check == AuditCheck::idle_stay || r.check == AuditCheck::readmission)) {
                error(src, a.Mark(), fmt::format("check `{}` flags a claim for review: its action is `pend` or `info`", to_string(r.check)));
            }
        }
        if (YAML::Node n = node["pay_ratio"]) {
            DecimalParse d = parse_decimal(text_of(n, src), k_decimal_scale, NumberSyntax::plain);
            if (d.error != DecimalError::none || d.units < 0 || d.units > 1'000'000) error(src, n.Mark(), "`pay_ratio` is a decimal from 0 to 1");
            else r.pay_ratio = d.units;
        }
        auto whole_days = [&](const char* key, int lo, int hi) -> int {
            YAML::Node n = node[key];
            if (!n) return 0;
            DecimalParse d = parse_decimal(text_of(n, src), 0, NumberSyntax::plain);
            if (d.error != DecimalError::none || d.units < lo || d.units > hi) {
                error(src, n.Mark(), fmt::format("`{}` is a whole number of days from {} to {}", key, lo, hi));
                return 0;
            }
            return static_cast<int>(d.units);
        };
        r.tolerance_days = whole_days("tolerance_days", 0, 366);
        r.min_days = whole_days("min_days", 1, 366);
        r.window_days = whole_days("window_days", 1, 366);
        if (r.check == AuditCheck::readmission) {
            if (!node["window_days"]) error(src, node.Mark(), "check `readmission` needs `window_days`: the days after a discharge within which a stay is a readmission");
            pack_->audit.history_days = std::max(pack_->audit.history_days, r.window_days);
        }
        static constexpr std::string_view k_days_per[] = {"claim", "year"};
        r.days_per_year = choice(node, "days_per", src, k_days_per, 0) == 1;
        if (node["days_per"] && r.check != AuditCheck::drug_days && r.check != AuditCheck::course) {
            error(src, node["days_per"].Mark(), "`days_per` is for checks drug_days and course");
        }
        static constexpr std::string_view k_dx_matches[] = {"code", "category"};
        r.by_category = choice(node, "diagnosis_match", src, k_dx_matches, 0) == 1;
        if (r.check == AuditCheck::idle_stay && !node["min_days"]) error(src, node.Mark(), "check `idle_stay` needs `min_days`: the consecutive days that make a run");
        static constexpr std::string_view k_day_counts[] = {"nights", "inclusive"};
        r.inclusive_days = choice(node, "day_count", src, k_day_counts, 0) == 1;
        AuditValues values;
        if (YAML::Node v = node["values"]) {
            if (!v.IsMap()) {
                error(src, v.Mark(), "`values` maps a table's texts to what they mean (`男: M`, `儿童: 0-17`)");
            } else {
                for (auto it = v.begin(); it != v.end(); ++it) values.emplace_back(it->first.Scalar(), it->second.IsNull() ? std::string() : text_of(it->second, src));
            }
        }
        auto index = static_cast<std::uint32_t>(pack_->audit.rules.size());
        pack_->audit.rules.push_back(r);
        YAML::Node tables = node["tables"];
        if (!tables && r.check != AuditCheck::readmission) {
            error(src, node.Mark(), "missing key `tables`: the restriction tables the rule reads");
            return;
        }
        if (tables && r.check == AuditCheck::readmission) {
            error(src, tables.Mark(), "check `readmission` reads the member's history, not a table");
            return;
        }
        if (!tables) return;
        for (const YAML::Node& t : sequence(tables, src, "`tables` is a list of table files")) audit_table(t, src, index, values);
        if (YAML::Node d = node["diagnosis_names"]) {
            static constexpr std::string_view k_dict_keys[] = {"file", "code", "name", "match"};
            if (!d.IsMap()) {
                error(src, d.Mark(), "`diagnosis_names` is a mapping with `file`, `code` and `name`");
            } else {
                check_keys(d, src, k_dict_keys, "`diagnosis_names`");
                std::optional<std::string> file = pack_file(d, "file", src, "diagnosis dictionary");
                std::string code = required_text(d, "code", src);
                std::string name = required_text(d, "name", src);
                static constexpr std::string_view k_matches[] = {"exact", "prefix"};
                bool prefix = choice(d, "match", src, k_matches, 0) == 1;
                if (file && !code.empty() && !name.empty()) {
                    try {
                        load_diagnosis_names(pack_->audit, *file, code, name, prefix, out_);
                    } catch (const Error& e) {
                        error(src, d["file"].Mark(), e.what());
                    }
                }
            }
        }
    }

    void audit_table(const YAML::Node& node, const Source& src, std::uint32_t rule, const AuditValues& values) {
        AuditRule& r = pack_->audit.rules[rule];
        if (!node.IsMap()) {
            error(src, node.Mark(), "a table is a mapping with `file`, `code` and `value`");
            return;
        }
        static constexpr std::string_view k_keys[] = {"file", "code", "value", "value_is", "window", "period", "name", "codes", "match"};
        check_keys(node, src, k_keys, "an audit table");
        AuditTableSpec spec;
        std::optional<std::string> file = pack_file(node, "file", src, "table file");
        if (!file) return;
        spec.file = *file;
        if (YAML::Node n = node["value"]) spec.value = text_of(n, src);
        if (YAML::Node n = node["value_is"]) spec.value_is = text_of(n, src);
        if (YAML::Node n = node["window"]) spec.window = text_of(n, src);
        if (YAML::Node n = node["period"]) spec.period = text_of(n, src);
        if (spec.value.empty() && spec.value_is.empty() && r.check != AuditCheck::idle_stay) {
            error(src, node.Mark(), "a table needs `value` (the column of restrictions) or `value_is` (one restriction for every row)");
            return;
        }
        static constexpr std::string_view k_matches[] = {"exact", "prefix"};
        spec.prefix = choice(node, "match", src, k_matches, 0) == 1;
        if (YAML::Node codes = node["codes"]) {
            // Sheet1 by generic name, Sheet2 the codes of each name (the NHSA drug batches).
            static constexpr std::string_view k_code_keys[] = {"file", "name", "code"};
            if (!codes.IsMap()) {
                error(src, codes.Mark(), "`codes` is a mapping with `file`, `name` and `code`");
                return;
            }
            check_keys(codes, src, k_code_keys, "`codes`");
            spec.name = required_text(node, "name", src);
            spec.codes_name = required_text(codes, "name", src);
            spec.codes_code = required_text(codes, "code", src);
            std::optional<std::string> f = pack_file(codes, "file", src, "codes file");
            if (!f) return;
            spec.codes_file = *f;
        } else {
            spec.code = required_text(node, "code", src);
            if (YAML::Node n = node["name"]) spec.name = text_of(n, src);
        }
        std::size_t before = out_.size();
        try {
            r.rows += load_audit_table(pack_->audit, rule, spec, values, out_);
        } catch (const Error& e) {
            error(src, node["file"].Mark(), e.what());
        }
        if (out_.size() > before + 20) {
            std::size_t dropped = out_.size() - (before + 20);
            out_.resize(before + 20);
            out_.push_back({Severity::error, spec.file, 0, 0, fmt::format("{} more errors in this table not shown", dropped), ""});
        }
    }

    // A literal of `type` as written in a table (`1300元` or `1300` for money, a date,
    // a number, text with or without quotes, true/false). Sets `error` when it is not.
    static std::optional<Value> literal(std::string_view text, Type type, std::string& storage, std::string& error) {
        text = trim(text);
        switch (type) {
            case Type::boolean:
                if (text == "true" || text == "false") return Value::of_bool(text == "true");
                error = fmt::format("`{}` is not true or false", quote_excerpt(text));
                return std::nullopt;
            case Type::string:
                if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = text.substr(1, text.size() - 2);
                storage.assign(text);
                return Value::of_string(storage);
            case Type::date:
                if (auto d = Date::parse(text)) return Value::of_date(*d);
                error = fmt::format("`{}` is not a date (YYYY-MM-DD)", quote_excerpt(text));
                return std::nullopt;
            default: {
                bool money = type == Type::money;
                if (money && text.ends_with("元")) text.remove_suffix(std::string_view("元").size());
                int scale = money ? Money::k_scale : type == Type::decimal ? k_decimal_scale : 0;
                DecimalParse p = parse_decimal(text, scale, NumberSyntax::plain);
                if (p.error != DecimalError::none) {
                    error = fmt::format("`{}` is not {} ({})", quote_excerpt(text), money ? "an amount" : type == Type::integer ? "a whole number" : "a number",
                                        describe(p.error));
                    return std::nullopt;
                }
                Value v;
                v.type = type;
                v.number = p.units;
                return v;
            }
        }
    }

    // A cell test against an input of `type`: `-`, a value, `[a..b]`, `>= a`, `!= a`.
    static std::optional<Cell> cell(std::string_view text, Type type, std::string& error) {
        text = trim(text);
        Cell c;
        if (text.empty() || text == "-") return c;
        std::string storage;
        bool ordered = type == Type::integer || type == Type::decimal || type == Type::money || type == Type::date;
        auto bound = [&](std::string_view t) -> std::optional<std::int64_t> {
            auto v = literal(t, type, storage, error);
            return v ? std::optional<std::int64_t>(v->number) : std::nullopt;
        };
        if (ordered && text.front() == '[' && text.back() == ']') {
            std::string_view inner = text.substr(1, text.size() - 2);
            std::size_t dots = inner.find("..");
            if (dots == std::string_view::npos) {
                error = fmt::format("`{}` is not a range such as [1..2]", quote_excerpt(text));
                return std::nullopt;
            }
            auto lo = bound(inner.substr(0, dots));
            auto hi = lo ? bound(inner.substr(dots + 2)) : std::nullopt;
            if (!lo || !hi) return std::nullopt;
            if (*hi < *lo) {
                error = fmt::format("range `{}` is empty", quote_excerpt(text));
                return std::nullopt;
            }
            c.kind = Cell::Kind::range;
            c.lo = *lo;
            c.hi = *hi;
            return c;
        }
        static constexpr std::string_view k_ops[] = {">=", "<=", "!=", "==", ">", "<"};
        std::string_view op;
        for (std::string_view o : k_ops) {
            if (text.starts_with(o)) {
                op = o;
                break;
            }
        }
        std::string_view rest = trim(text.substr(op.size()));
        if (!ordered) {
            if (op != "" && op != "==" && op != "!=") {
                error = fmt::format("`{}` compares order, but this input is {}", op, type_name(type));
                return std::nullopt;
            }
            auto v = literal(rest, type, storage, error);
            if (!v) return std::nullopt;
            c.kind = op == "!=" ? Cell::Kind::text_ne : Cell::Kind::text_eq;
            c.text = type == Type::boolean ? std::string(v->number ? "true" : "false") : storage;
            return c;
        }
        auto v = bound(rest);
        if (!v) return std::nullopt;
        c.kind = Cell::Kind::range;
        if (op == "" || op == "==") {
            c.lo = c.hi = *v;
        } else if (op == ">=") {
            c.lo = *v;
        } else if (op == ">") {
            c.lo = *v == std::numeric_limits<std::int64_t>::max() ? *v : *v + 1;
        } else if (op == "<=") {
            c.hi = *v;
        } else if (op == "<") {
            c.hi = *v == std::numeric_limits<std::int64_t>::min() ? *v : *v - 1;
        } else {
            c.kind = Cell::Kind::number_ne;
            c.lo = *v;
        }
        return c;
    }

    void table(const YAML::Node& node, const Source& src) {
        if (!node.IsMap()) {
            error(src, node.Mark(), "a table is a mapping with `id`, `inputs`, `outputs` and `rows`");
            return;
        }
        static constexpr std::string_view k_keys[] = {"id", "description", "hit", "scope", "inputs", "outputs", "rows"};
        check_keys(node, src, k_keys, "a table");
        auto t = std::make_unique<DecisionTable>();
        t->id = required_text(node, "id", src);
        t->file = src.path;
        if (!t->id.empty() && pack_->find_table(t->id) != nullptr) error(src, node["id"].Mark(), fmt::format("duplicate table id `{}`", t->id));
        if (YAML::Node hit = node["hit"]) {
            static constexpr std::string_view k_hits[] = {"first", "unique", "collect", "collect-sum"};
            std::string h = text_of(hit, src);
            auto it = std::find(std::begin(k_hits), std::end(k_hits), h);
            if (it == std::end(k_hits)) {
                std::string_view hint = closest_match(h, k_hits);
                error(src, hit.Mark(), hint.empty() ? fmt::format("`hit` is first, unique, collect or collect-sum, not `{}`", quote_excerpt(h))
                                                    : fmt::format("`hit` is first, unique, collect or collect-sum, not `{}`; did you mean `{}`?",
                                                                  quote_excerpt(h), hint));
            } else {
                t->hit = static_cast<HitPolicy>(it - std::begin(k_hits));
            }
        }
        if (YAML::Node sc = node["scope"]) {
            std::string s = text_of(sc, src);
            if (s == "line") {
                t->scope = Scope::line;
            } else if (s != "claim") {
                error(src, sc.Mark(), fmt::format("`scope` is `claim` or `line`, not `{}`", quote_excerpt(s)));
            }
        }
        std::vector<Type> input_types;
        bool inputs_ok = true;
        if (YAML::Node inputs = node["inputs"]) {
            for (const YAML::Node& in : sequence(inputs, src, "`inputs` is a list of {name, expr}")) {
                static constexpr std::string_view k_input_keys[] = {"name", "expr"};
                if (!in.IsMap()) {
                    error(src, in.Mark(), "an input is a mapping with `name` and `expr`");
                    inputs_ok = false;
                    continue;
                }
                check_keys(in, src, k_input_keys, "a table input");
                TableInput input;
                input.name = required_text(in, "name", src);
                YAML::Node expr = in["expr"];
                if (!expr) {
                    error(src, in.Mark(), "missing key `expr`");
                    inputs_ok = false;
                    continue;
                }
                std::vector<BindError> errors;
                auto program = Program::compile(text_of(expr, src), t->scope, errors, pack_.get(), pack_.get());
                for (const BindError& be : errors) out_.push_back(src.at(src.inside(expr.Mark(), be.offset), Severity::error, be.message));
                if (!program || program->type() == Type::string_list) {
                    if (program) error(src, expr.Mark(), "a table input cannot be a list");
                    inputs_ok = false;
                    continue;
                }
                input_types.push_back(program->type());
                input.expr = std::move(*program);
                t->inputs.push_back(std::move(input));
            }
        } else {
            error(src, node.Mark(), "missing key `inputs`");
            inputs_ok = false;
        }
        if (t->inputs.size() > DecisionTable::k_max_inputs) {
            error(src, node["inputs"].Mark(), fmt::format("a table has at most {} inputs", DecisionTable::k_max_inputs));
            inputs_ok = false;
        }
        if (YAML::Node outputs = node["outputs"]) {
            static constexpr std::string_view k_types[] = {"boolean", "integer", "decimal", "money", "string", "date"};
            static constexpr Type k_type_values[] = {Type::boolean, Type::integer, Type::decimal, Type::money, Type::string, Type::date};
            for (const YAML::Node& o : sequence(outputs, src, "`outputs` is a list of {name, type, default}")) {
                static constexpr std::string_view k_output_keys[] = {"name", "type", "default"};
                if (!o.IsMap()) {
                    error(src, o.Mark(), "an output is a mapping with `name` and `type`");
                    continue;
                }
                check_keys(o, src, k_output_keys, "a table output");
                TableOutput out;
                out.name = required_text(o, "name", src);
                std::string type = required_text(o, "type", src);
                auto it = std::find(std::begin(k_types), std::end(k_types), type);
                if (it == std::end(k_types)) {
                    if (!type.empty()) error(src, o["type"].Mark(), fmt::format("`type` is boolean, integer, decimal, money, string or date, not `{}`", quote_excerpt(type)));
                    continue;
                }
                out.type = k_type_values[it - std::begin(k_types)];
                out.fallback.type = out.type;
                if (t->hit == HitPolicy::collect_sum && out.type != Type::money && out.type != Type::integer && out.type != Type::decimal) {
                    error(src, o["type"].Mark(), "a collect-sum table adds its outputs: use integer, decimal or money");
                }
                if (YAML::Node d = o["default"]) {
                    std::string why;
                    if (auto v = literal(text_of(d, src), out.type, out.fallback_text, why)) {
                        out.fallback = *v;
                        out.has_default = true;
                    } else {
                        error(src, d.Mark(), "`default`: " + why);
                    }
                }
                t->outputs.push_back(std::move(out));
            }
        } else {
            error(src, node.Mark(), "missing key `outputs`");
        }
        for (TableOutput& o : t->outputs) {
            if (o.type == Type::string) o.fallback.text = o.fallback_text;  // after the vector stopped moving
        }
        YAML::Node rows = node["rows"];
        if (!rows) {
            error(src, node.Mark(), "missing key `rows`");
            return;
        }
        std::map<std::string, std::uint64_t> row_ids;
        for (const YAML::Node& r : sequence(rows, src, "`rows` is a list of {id, when, then}")) {
            static constexpr std::string_view k_row_keys[] = {"id", "when", "then"};
            if (!r.IsMap()) {
                error(src, r.Mark(), "a row is a mapping with `when` and `then`");
                continue;
            }
            check_keys(r, src, k_row_keys, "a table row");
            TableRow row;
            row.line = static_cast<std::uint64_t>(r.Mark().line) + 1;
            row.id = r["id"] ? text_of(r["id"], src) : fmt::format("row{}", t->rows.size() + 1);
            if (auto [it, inserted] = row_ids.emplace(row.id, row.line); !inserted) {
                // A generated id (rowN) can collide with a written one: then there is no `id` key.
                error(src, r["id"] ? r["id"].Mark() : r.Mark(),
                      fmt::format("duplicate row id `{}` in table `{}` (first at line {})", row.id, t->id, it->second));
            }
            YAML::Node when = r["when"];
            YAML::Node then = r["then"];
            if (!when || !when.IsSequence() || !then || !then.IsSequence()) {
                error(src, r.Mark(), "a row needs `when: [cells]` and `then: [values]`");
                continue;
            }
            bool ok = true;
            if (inputs_ok && when.size() != t->inputs.size()) {
                error(src, when.Mark(), fmt::format("`when` has {} cells but the table has {} inputs", when.size(), t->inputs.size()));
                ok = false;
            }
            if (then.size() != t->outputs.size()) {
                error(src, then.Mark(), fmt::format("`then` has {} values but the table has {} outputs", then.size(), t->outputs.size()));
                ok = false;
            }
            if (!ok || !inputs_ok) continue;
            for (std::size_t i = 0; i < when.size(); ++i) {
                std::string why;
                if (auto c = cell(text_of(when[i], src), input_types[i], why)) {
                    row.when.push_back(std::move(*c));
                } else {
                    error(src, when[i].Mark(), fmt::format("cell for `{}`: {}", t->inputs[i].name, why));
                    ok = false;
                }
            }
            row.then_text.resize(then.size());
            for (std::size_t i = 0; i < then.size(); ++i) {
                std::string why;
                if (auto v = literal(text_of(then[i], src), t->outputs[i].type, row.then_text[i], why)) {
                    row.then.push_back(*v);
                } else {
                    error(src, then[i].Mark(), fmt::format("value for `{}`: {}", t->outputs[i].name, why));
                    ok = false;
                }
            }
            if (ok) t->rows.push_back(std::move(row));
        }
        for (TableRow& row : t->rows) {
            for (std::size_t i = 0; i < row.then.size(); ++i) {
                if (row.then[i].type == Type::string) row.then[i].text = row.then_text[i];  // rows stopped moving
            }
        }
        check_rows(*t, src);
        if (inputs_ok) check_gaps(*t, src, node.Mark());
        t->build_index();
        pack_->tables.push_back(std::move(t));
    }

    // unique: no two rows may match one input; first: every row must be reachable.
    void check_rows(const DecisionTable& t, const Source& src) {
        if (t.hit != HitPolicy::unique && t.hit != HitPolicy::first) return;
        for (std::size_t j = 1; j < t.rows.size(); ++j) {
            for (std::size_t i = 0; i < j; ++i) {
                const TableRow& a = t.rows[i];
                const TableRow& b = t.rows[j];
                bool all = true;
                for (std::size_t k = 0; k < a.when.size() && all; ++k) {
                    all = t.hit == HitPolicy::unique ? a.when[k].overlaps(b.when[k]) : a.when[k].covers(b.when[k]);
                }
                if (!all) continue;
                std::string message = t.hit == HitPolicy::unique
                                          ? fmt::format("rows `{}` (line {}) and `{}` can match the same input; a unique table needs rows that exclude each other",
                                                        a.id, a.line, b.id)
                                          : fmt::format("row `{}` can never fire: row `{}` (line {}) comes first and matches everything it matches",
                                                        b.id, a.id, a.line);
                out_.push_back({Severity::error, src.path, b.line, 0, std::move(message), ""});
                break;
            }
        }
    }

    // Values an input can take that tell the rows apart: a field's whole domain when it
    // is small (provider.level 0–3, enumerations), else every cell boundary and its
    // neighbours (numbers; non-negative except dates) or every text plus "any other".
    static std::vector<Value> candidates(const DecisionTable& t, std::size_t k) {
        const TableInput& in = t.inputs[k];
        std::string_view field = in.expr.field();
        std::vector<Value> out;
        Type type = in.expr.type();
        if (field == "provider.level") {
            for (int level = 0; level <= 3; ++level) out.push_back(Value::of_int(level));
            return out;
        }
        const std::pair<std::string_view, std::span<const std::string_view>> enumerations[] = {
            {"member.sex", enum_spellings<Sex>()},          {"member.scheme", enum_spellings<Scheme>()},
            {"visit.care_type", enum_spellings<CareType>()}, {"line.kind", enum_spellings<LineKind>()},
            {"provider.ownership", enum_spellings<Ownership>()}, {"provider.ward", enum_spellings<Ward>()}};
        for (const auto& [name, spellings] : enumerations) {
            if (name != field) continue;
            for (std::string_view v : spellings) out.push_back(Value::of_string(v));
            return out;
        }
        if (type == Type::boolean) return {Value::of_bool(false), Value::of_bool(true)};
        if (type == Type::string) {
            out.push_back(Value::of_string("(any other text)"));
            for (const TableRow& r : t.rows) {
                if (r.when[k].kind == Cell::Kind::text_eq || r.when[k].kind == Cell::Kind::text_ne) out.push_back(Value::of_string(r.when[k].text));
            }
            return out;
        }
        std::int64_t floor = type == Type::date ? std::numeric_limits<std::int64_t>::min() : 0;
        std::set<std::int64_t> points{std::max<std::int64_t>(floor, 0)};
        auto add = [&](std::int64_t p) {
            if (p >= floor) points.insert(p);
        };
        for (const TableRow& r : t.rows) {
            const Cell& c = r.when[k];
            if (c.kind != Cell::Kind::range && c.kind != Cell::Kind::number_ne) continue;
            add(c.lo);
            add(c.hi);
            if (c.lo > std::numeric_limits<std::int64_t>::min()) add(c.lo - 1);
            if (c.hi < std::numeric_limits<std::int64_t>::max()) add(c.hi + 1);
        }
        for (std::int64_t p : points) out.push_back(Value{type, p, {}});
        return out;
    }

    // Warns when some reachable combination of inputs matches no row and an output has
    // no `default` to fall back on. Only the first such combination is shown.
    void check_gaps(const DecisionTable& t, const Source& src, const YAML::Mark& mark) {
        if (t.hit != HitPolicy::unique && t.hit != HitPolicy::first) return;
        auto bare = std::find_if(t.outputs.begin(), t.outputs.end(), [](const TableOutput& o) { return !o.has_default; });
        if (bare == t.outputs.end() || t.inputs.empty()) return;
        std::vector<std::vector<Value>> cand;
        std::size_t combos = 1;
        for (std::size_t k = 0; k < t.inputs.size(); ++k) {
            cand.push_back(candidates(t, k));
            combos *= std::max<std::size_t>(1, cand.back().size());
            if (combos > 200'000) return;  // too many to try; the pack author's tests must show it
        }
        std::vector<std::size_t> at(t.inputs.size(), 0);
        std::size_t gaps = 0;
        std::string first;
        for (std::size_t n = 0; n < combos; ++n) {
            bool matched = std::any_of(t.rows.begin(), t.rows.end(), [&](const TableRow& r) {
                for (std::size_t k = 0; k < at.size(); ++k) {
                    if (!r.when[k].matches(cand[k][at[k]])) return false;
                }
                return true;
            });
            if (!matched && gaps++ == 0) {
                for (std::size_t k = 0; k < at.size(); ++k) first += fmt::format("{}{}={}", k ? ", " : "", t.inputs[k].name, to_string(cand[k][at[k]]));
            }
            for (std::size_t k = at.size(); k-- > 0;) {
                if (++at[k] < cand[k].size()) break;
                at[k] = 0;
            }
        }
        if (gaps == 0) return;
        std::string more = gaps > 1 ? fmt::format(" (and {} more combination{} of the inputs)", gaps - 1, gaps == 2 ? "" : "s") : "";
        out_.push_back(src.at(mark, Severity::warning,
                              fmt::format("table `{}` has no row for {}{}; output `{}` has no `default`, so it would be {} there", t.id, first, more,
                                          bare->name, to_string(bare->fallback))));
    }

    std::string dir_;
    std::vector<Diagnostic>& out_;
    std::unique_ptr<Pack> pack_;
    std::deque<Source> sources_;  // deque: references stay valid as files are added
    std::map<std::string, std::string> edit_ids_;
    std::set<std::string, std::less<>> broken_layers_;  // layers defined with errors, not to be reported again as missing
};

}  // namespace

std::string_view to_string(EditSeverity s) {
    switch (s) {
        case EditSeverity::deny: return "deny";
        case EditSeverity::reduce: return "reduce";
        case EditSeverity::pend: return "pend";
        case EditSeverity::info: return "info";
    }
    return "info";
}

std::string_view to_string(CoveredBucket b) {
    switch (b) {
        case CoveredBucket::in_scope: return "in_scope";
        case CoveredBucket::pre_self_pay: return "pre_self_pay";
        case CoveredBucket::over_limit: return "over_limit";
        case CoveredBucket::full_self_pay: return "full_self_pay";
    }
    return "?";
}

std::string_view to_string(LayerBase b) {
    switch (b) {
        case LayerBase::in_scope: return "in_scope";
        case LayerBase::burden: return "burden";
        case LayerBase::burden_with_pre_self_pay: return "burden_with_pre_self_pay";
    }
    return "?";
}

const Catalog* Pack::find(std::string_view catalog) const {
    for (const auto& c : catalogs) {
        if (c->name() == catalog) return c.get();
    }
    return nullptr;
}

std::vector<std::string_view> Pack::names() const {
    std::vector<std::string_view> out;
    for (const auto& c : catalogs) out.push_back(c->name());
    return out;
}

const DecisionTable* Pack::find_table(std::string_view id) const {
    for (const auto& t : tables) {
        if (t->id == id) return t.get();
    }
    return nullptr;
}

std::vector<std::string_view> Pack::table_ids() const {
    std::vector<std::string_view> out;
    for (const auto& t : tables) out.push_back(t->id);
    return out;
}

std::unique_ptr<Pack> load_pack(const std::string& dir, std::vector<Diagnostic>& diagnostics) {
    Loader loader(dir, diagnostics);
    try {
        return loader.load();
    } catch (const YAML::Exception& e) {
        // The loader checks node kinds before using them; this is the net under a case
        // it missed, so that a strange pack gets a message instead of an abort.
        diagnostics.push_back({Severity::error, dir, 0, 0, fmt::format("cannot read the pack: {}", e.what()), ""});
        return nullptr;
    }
}

const Pack* PackSet::for_date(Date on) const {
    for (const auto& v : versions) {
        if (v->effective_from <= on && on <= v->effective_to) return v.get();
    }
    return nullptr;
}

std::string PackSet::windows() const {
    std::string out;
    for (const auto& v : versions) {
        if (!out.empty()) out += ", ";
        out += fmt::format("{} to {}", v->effective_from.to_string(), v->effective_to.to_string());
    }
    return out;
}

std::unique_ptr<PackSet> load_pack_set(const std::string& dir, std::vector<Diagnostic>& diagnostics) {
    auto set = std::make_unique<PackSet>();
    set->dir = dir;
    std::error_code ec;
    if (fs::is_regular_file(fs::path(dir) / "pack.yaml", ec)) {
        set->version_dirs.push_back(dir);
    } else if (fs::is_directory(dir, ec)) {
        for (const auto& entry : fs::directory_iterator(dir, ec)) {
            if (entry.is_directory(ec) && fs::is_regular_file(entry.path() / "pack.yaml", ec)) set->version_dirs.push_back(entry.path().string());
        }
        std::sort(set->version_dirs.begin(), set->version_dirs.end());
    }
    if (set->version_dirs.empty()) {
        diagnostics.push_back({Severity::error, dir, 0, 0,
                               fs::exists(dir, ec) ? fmt::format("`{}` is not a rule pack: it holds no pack.yaml, and no folder in it holds one", dir)
                                                   : fmt::format("rule pack folder `{}` does not exist", dir), ""});
        return nullptr;
    }
    bool failed = false;
    for (const std::string& d : set->version_dirs) {
        std::unique_ptr<Pack> p = load_pack(d, diagnostics);
        if (!p) failed = true;
        set->versions.push_back(std::move(p));
    }
    if (failed) return nullptr;
    // Effective-date order, then the checks between neighbours.
    std::vector<std::size_t> order(set->versions.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return set->versions[a]->effective_from < set->versions[b]->effective_from; });
    std::vector<std::unique_ptr<Pack>> versions;
    std::vector<std::string> dirs;
    for (std::size_t i : order) {
        versions.push_back(std::move(set->versions[i]));
        dirs.push_back(set->version_dirs[i]);
    }
    set->versions = std::move(versions);
    set->version_dirs = std::move(dirs);
    for (std::size_t i = 1; i < set->versions.size(); ++i) {
        const Pack& a = *set->versions[i - 1];
        const Pack& b = *set->versions[i];
        std::string b_file = (fs::path(set->version_dirs[i]) / "pack.yaml").string();
        if (b.name != a.name) {
            diagnostics.push_back({Severity::error, b_file, 0, 0, fmt::format("version `{}` is named `{}` but `{}` is named `{}`; the versions of a pack share one name",
                                                                            set->version_dirs[i], b.name, set->version_dirs[i - 1], a.name), ""});
            failed = true;
        }
        if (b.effective_from <= a.effective_to) {
            diagnostics.push_back({Severity::error, b_file, 0, 0,
                                   fmt::format("the effective window of `{}` ({} to {}) overlaps that of `{}` ({} to {}); a claim date must choose one version",
                                               set->version_dirs[i], b.effective_from.to_string(), b.effective_to.to_string(), set->version_dirs[i - 1],
                                               a.effective_from.to_string(), a.effective_to.to_string()), ""});
            failed = true;
        } else if (b.effective_from.days() - a.effective_to.days() > 1) {
            diagnostics.push_back({Severity::warning, b_file, 0, 0,
                                   fmt::format("no version is effective from {} to {}: claims dated then are rejected",
                                               Date::from_days(a.effective_to.days() + 1).to_string(), Date::from_days(b.effective_from.days() - 1).to_string()), ""});
        }
    }
    return failed ? nullptr : std::move(set);
}

}  // namespace medclaim
