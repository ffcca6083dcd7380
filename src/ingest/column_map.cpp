#include "ingest/column_map.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "util/diagnostics.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace medclaim {
namespace {

std::string normalize(std::string_view name) {
    std::string out(trim(name));
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

// Collects map-file errors with 1-based positions (yaml-cpp marks are 0-based).
struct MapErrors {
    std::string origin;
    std::vector<Diagnostic> list;

    void add(const YAML::Mark& mark, std::string message) {
        Diagnostic d;
        d.file = origin;
        d.line = mark.line >= 0 ? static_cast<std::uint64_t>(mark.line) + 1 : 0;
        d.column = mark.column >= 0 ? static_cast<std::uint32_t>(mark.column) + 1 : 0;
        d.message = std::move(message);
        list.push_back(std::move(d));
    }
};

std::optional<FieldId> target_field(const YAML::Node& node, MapErrors& errors) {
    if (!node.IsScalar()) {
        errors.add(node.Mark(), "expected a canonical field name");
        return std::nullopt;
    }
    const std::string& name = node.Scalar();
    if (auto f = find_field(name)) return f;
    std::string_view hint = closest_match(name, field_names());
    errors.add(node.Mark(), hint.empty() ? fmt::format("unknown canonical field `{}`", name)
                                         : fmt::format("unknown canonical field `{}`; did you mean `{}`?", name, hint));
    return std::nullopt;
}

}  // namespace

ColumnMap::ColumnMap() : name_("canonical") {
    for (std::size_t i = 0; i < k_field_count; ++i) columns_.emplace(std::string(field_names()[i]), static_cast<FieldId>(i));
}

ColumnMap ColumnMap::load(const std::string& spec) {
    if (std::string_view text = builtin_map_text(spec); !text.empty()) return parse(text, spec);
    std::ifstream in(spec, std::ios::binary);
    if (!in) throw InputError(fmt::format("cannot open map file `{}` (built-in maps: nhsa)", spec));
    std::stringstream buffer;
    buffer << in.rdbuf();
    return parse(buffer.str(), spec);
}

ColumnMap ColumnMap::parse(std::string_view yaml, const std::string& origin) {
    ColumnMap map;
    map.name_ = origin;
    MapErrors errors{origin, {}};
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml));
    } catch (const YAML::Exception& e) {
        errors.add(e.mark, e.msg);
    }
    if (errors.list.empty() && !root.IsMap()) errors.add(root.Mark(), "a map file is a YAML mapping with keys `columns`, `values` and `ignore`");
    static constexpr std::string_view k_keys[] = {"name", "columns", "header_columns", "values", "ignore"};
    for (auto it = root.begin(); errors.list.empty() && root.IsMap() && it != root.end(); ++it) {
        std::string key = it->first.Scalar();
        if (std::find(std::begin(k_keys), std::end(k_keys), key) == std::end(k_keys)) {
            std::string_view hint = closest_match(key, k_keys);
            errors.add(it->first.Mark(), hint.empty() ? fmt::format("unknown key `{}`", key)
                                                      : fmt::format("unknown key `{}`; did you mean `{}`?", key, hint));
        }
    }
    if (root.IsMap()) {
        auto read_columns = [&](const char* key, std::unordered_map<std::string, FieldId>& into) {
            YAML::Node columns = root[key];
            if (!columns) return;
            if (!columns.IsMap()) {
                errors.add(columns.Mark(), fmt::format("`{}` must map source column names to canonical fields", key));
                return;
            }
            for (auto it = columns.begin(); it != columns.end(); ++it) {
                if (auto f = target_field(it->second, errors)) {
                    auto [pos, inserted] = into.emplace(normalize(it->first.Scalar()), *f);
                    if (!inserted && pos->second != *f) {
                        errors.add(it->first.Mark(), fmt::format("column `{}` is mapped twice", it->first.Scalar()));
                    }
                }
            }
        };
        read_columns("columns", map.columns_);
        read_columns("header_columns", map.header_columns_);
        if (YAML::Node values = root["values"]; values && !values.IsMap()) {
            errors.add(values.Mark(), "`values` must map canonical fields to value tables");
        } else if (values) {
            for (auto it = values.begin(); it != values.end(); ++it) {
                auto f = target_field(it->first, errors);
                if (!f) continue;
                if (!it->second.IsMap()) {
                    errors.add(it->second.Mark(), fmt::format("the values of `{}` must be a mapping `source: canonical`", field_name(*f)));
                    continue;
                }
                auto table = std::make_shared<ValueMap>();
                for (auto v = it->second.begin(); v != it->second.end(); ++v) {
                    if (!v->second.IsScalar()) {
                        errors.add(v->second.Mark(), "expected a canonical value");
                        continue;
                    }
                    const std::string& from = v->first.Scalar();
                    if (from.size() > 1 && from.back() == '*') {
                        table->prefixes.emplace_back(from.substr(0, from.size() - 1), v->second.Scalar());
                    } else {
                        table->exact.emplace(from, v->second.Scalar());
                    }
                }
                std::sort(table->prefixes.begin(), table->prefixes.end(),
                          [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
                map.values_[static_cast<std::size_t>(*f)] = std::move(table);
            }
        }
        if (YAML::Node ignore = root["ignore"]; ignore && !ignore.IsSequence()) {
            errors.add(ignore.Mark(), "`ignore` must be a list of column names");
        } else if (ignore) {
            for (const YAML::Node& n : ignore) map.ignored_.insert(normalize(n.Scalar()));
        }
    }
    if (!errors.list.empty()) {
        for (const Diagnostic& d : errors.list) std::fputs(format_diagnostic(d).c_str(), stderr);
        throw InputError(fmt::format("map `{}` has {} error(s)", origin, errors.list.size()));
    }
    return map;
}

std::optional<FieldId> ColumnMap::resolve(std::string_view column, bool header_file) const {
    std::string key = normalize(column);
    if (auto it = columns_.find(key); it != columns_.end()) return it->second;
    if (auto it = header_columns_.find(key); header_file && it != header_columns_.end()) return it->second;
    return std::nullopt;
}

bool ColumnMap::is_ignored(std::string_view column) const {
    std::string key = normalize(column);
    // A header column in a lines file is known, just not used there.
    return ignored_.contains(key) || header_columns_.contains(key);
}

std::string_view ColumnMap::map_value(FieldId field, std::string_view value) const {
    const ValueMap* table = values_[static_cast<std::size_t>(field)].get();
    if (table == nullptr) return value;
    std::string_view key = trim(value);
    if (auto it = table->exact.find(key); it != table->exact.end()) return it->second;
    for (const auto& [prefix, to] : table->prefixes) {
        if (key.starts_with(prefix)) return to;
    }
    return value;
}

}  // namespace medclaim
