#include "rules/pack.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "ingest/byte_source.hpp"
#include "ingest/csv_tokenizer.hpp"
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
        pos = std::min(pos, text.size());
        std::size_t line_begin = text.rfind('\n', pos == 0 ? 0 : pos - 1);
        line_begin = (line_begin == std::string::npos || pos == 0) ? 0 : line_begin + 1;
        std::size_t line_end = text.find('\n', line_begin);
        Diagnostic d;
        d.severity = severity;
        d.file = path;
        d.line = 1 + static_cast<std::uint64_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(line_begin), '\n'));
        d.column = static_cast<std::uint32_t>(count_code_points(std::string_view(text).substr(line_begin, pos - line_begin)) + 1);
        d.source_line = text.substr(line_begin, line_end == std::string::npos ? std::string::npos : line_end - line_begin);
        d.message = std::move(message);
        return d;
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
        static constexpr std::string_view k_keys[] = {"name", "version", "region", "effective", "layers", "rounding", "includes", "catalogs", "edits"};
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
        if (YAML::Node rounding = (*top)["rounding"]; rounding && text_of(rounding, src) != "half_up") {
            error(src, rounding.Mark(), "`rounding` must be `half_up` (half away from zero), the only rounding medclaim applies");
        }
        std::vector<std::pair<YAML::Node, std::size_t>> documents{{*top, 0}};
        if (YAML::Node includes = (*top)["includes"]) {
            for (const YAML::Node& inc : sequence(includes, src, "`includes` is a list of YAML files in the pack folder")) {
                std::string name = text_of(inc, src);
                fs::path path = fs::path(dir_) / name;
                if (!fs::exists(path)) {
                    error(src, inc.Mark(), fmt::format("included file `{}` does not exist in `{}`", name, dir_));
                    continue;
                }
                if (std::optional<YAML::Node> doc = read(path.string())) {
                    static constexpr std::string_view k_include_keys[] = {"catalogs", "edits"};
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
            if (YAML::Node edits = doc["edits"]) {
                for (const YAML::Node& e : sequence(edits, sources_[index], "`edits` is a list of edits")) edit(e, sources_[index]);
            }
        }
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
            std::string key = it->first.Scalar();
            if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
            std::string_view hint = closest_match(key, allowed);
            error(src, it->first.Mark(), hint.empty() ? fmt::format("unknown key `{}` in {}", key, where)
                                                      : fmt::format("unknown key `{}` in {}; did you mean `{}`?", key, where, hint));
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
        return text_of(node, src);
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
        if (!fs::exists(path)) {
            error(src, node["file"].Mark(), fmt::format("catalog file `{}` does not exist in `{}`", file, dir_));
            return;
        }
        pack_->files.push_back(path.string());
        if (auto rows = catalog_rows(path.string())) pack_->catalogs.push_back(std::make_unique<Catalog>(name, path.string(), std::move(*rows)));
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
        enum Col { code, cls, ratio, cap, from, to };
        static constexpr std::string_view k_columns[] = {"code", "class", "self_pay_ratio", "price_cap", "valid_from", "valid_to"};
        std::array<std::optional<std::size_t>, 6> where{};
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
            rows.push_back(std::move(row));
        }
        if (out_.size() != errors_before) return std::nullopt;
        // Two rows of one code must not be valid on the same day.
        std::vector<const CatalogRow*> sorted;
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
        std::optional<Program> program = Program::compile(text, e.scope, errors, pack_.get());
        for (const BindError& be : errors) out_.push_back(src.at(src.inside(when.Mark(), be.offset), Severity::error, be.message));
        if (!program) return;
        if (program->type() != Type::boolean) {
            error(src, when.Mark(), fmt::format("`when` must be true/false, not {}", type_name(program->type())));
            return;
        }
        e.when = std::move(*program);
        pack_->edits.push_back(std::move(e));
    }

    std::string dir_;
    std::vector<Diagnostic>& out_;
    std::unique_ptr<Pack> pack_;
    std::deque<Source> sources_;  // deque: references stay valid as files are added
    std::map<std::string, std::string> edit_ids_;
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

std::unique_ptr<Pack> load_pack(const std::string& dir, std::vector<Diagnostic>& diagnostics) {
    Loader loader(dir, diagnostics);
    return loader.load();
}

}  // namespace medclaim
