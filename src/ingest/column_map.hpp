#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ingest/fields.hpp"
#include "util/text.hpp"

namespace medclaim {

/// Renames source columns (CSV headers, flattened JSON keys) to canonical fields and
/// translates source values to canonical ones.
/// Rules: 1. canonical names always resolve to themselves; 2. names match without regard
/// to ASCII case and surrounding blanks; 3. a value map entry whose key ends in `*`
/// matches by prefix, the longest prefix winning, after exact entries; 4. a value with
/// no entry passes through unchanged (and is then validated as usual).
class ColumnMap {
public:
    /// The identity map: canonical names only.
    ColumnMap();
    /// Loads `spec`: the name of a built-in map (`nhsa`) or a YAML file. Prints every
    /// error as file:line:col to stderr and throws InputError if there was any.
    static ColumnMap load(const std::string& spec);
    /// Parses map text; `origin` names it in messages.
    static ColumnMap parse(std::string_view yaml, const std::string& origin);

    /// The field a column name stands for, or nullopt. `header_file` is true for a
    /// claims file without fee-line columns, where `header_columns` apply too.
    std::optional<FieldId> resolve(std::string_view column, bool header_file = false) const;
    /// True when the map lists `column` as known and deliberately dropped (or as a
    /// header column, which a file with fee lines drops).
    bool is_ignored(std::string_view column) const;
    /// True when `field` has a value map.
    bool has_values(FieldId field) const { return values_[static_cast<std::size_t>(field)] != nullptr; }
    /// `value` translated by the value map of `field` (or `value` itself).
    std::string_view map_value(FieldId field, std::string_view value) const;
    /// The map's name (`canonical`, `nhsa`, or the file path).
    const std::string& name() const { return name_; }

private:
    struct ValueMap {
        std::unordered_map<std::string, std::string, StringHash, std::equal_to<>> exact;
        std::vector<std::pair<std::string, std::string>> prefixes;  // longest first
    };

    std::string name_;
    std::unordered_map<std::string, FieldId> columns_;
    std::unordered_map<std::string, FieldId> header_columns_;
    std::unordered_set<std::string> ignored_;
    std::array<std::shared_ptr<const ValueMap>, k_field_count> values_{};  // shared: maps are copied per reader
};

/// The text of a built-in map, or empty when there is none of that name.
std::string_view builtin_map_text(std::string_view name);

}  // namespace medclaim
