#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ingest/claim_reader.hpp"
#include "ingest/column_map.hpp"
#include "ingest/intake.hpp"

namespace CLI {
class App;
}

namespace medclaim {

/// Adds the options every command that reads claims shares: --map, --encoding,
/// --input-format and --lines.
void add_input_options(CLI::App& cmd, std::optional<std::string>& map, std::string& encoding, std::string& input_format,
                       std::optional<std::string>& lines);

/// The checked, resolved form of those options.
struct InputSetup {
    std::vector<InputSpec> inputs;
    ColumnMap map;
    std::optional<RejectLimit> limit;
};

/// Checks the option values and loads the map. Throws UsageError or InputError.
InputSetup prepare_inputs(const std::vector<std::string>& files, const std::optional<std::string>& map, const std::string& encoding,
                          const std::string& input_format, const std::optional<std::string>& lines,
                          const std::optional<std::string>& max_rejects);

}  // namespace medclaim
