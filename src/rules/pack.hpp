#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rules/catalog.hpp"
#include "rules/program.hpp"
#include "rules/table.hpp"
#include "util/date.hpp"
#include "util/diagnostics.hpp"

namespace medclaim {

/// What an edit does to the lines or claim it fires on (DESIGN.md section 5 flags).
enum class EditSeverity { deny, reduce, pend, info };

std::string_view to_string(EditSeverity s);

/// An audit edit: when `when` holds, flag the line (scope line) or claim.
struct Edit {
    std::string id;
    std::string name;
    Scope scope = Scope::line;
    Program when;
    EditSeverity severity = EditSeverity::info;
    std::string reason;
    std::string file;       ///< where the edit is defined
    std::uint64_t line = 0;
};

/// A compiled rule pack (see man/medclaim-rules.5).
/// Rules: 1. a pack is a folder with pack.yaml, which may include further YAML files;
/// 2. catalogs load first, then tables (each may use the tables before it), then
/// edits, so edits can name any catalog or table of the pack; 3. ids are unique.
struct Pack : CatalogSet, TableSet {
    std::string name;
    std::string version;
    std::string region;
    Date effective_from;
    Date effective_to;
    std::vector<std::string> layers;
    std::vector<std::unique_ptr<Catalog>> catalogs;
    std::vector<std::unique_ptr<DecisionTable>> tables;
    std::vector<Edit> edits;
    std::vector<std::string> files;  ///< every file the pack was read from, in order

    const Catalog* find(std::string_view catalog) const override;
    std::vector<std::string_view> names() const override;
    const DecisionTable* find_table(std::string_view id) const override;
    std::vector<std::string_view> table_ids() const override;
};

/// Loads and compiles the pack in folder `dir`. Every problem found is appended to
/// `diagnostics` (file:line:col with the source line); returns null when any is an error.
std::unique_ptr<Pack> load_pack(const std::string& dir, std::vector<Diagnostic>& diagnostics);

}  // namespace medclaim
