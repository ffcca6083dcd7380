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

/// Adds the options every command that reads claims shares: FILE..., --map,
/// --encoding, --input-format, --lines, --grouped-numbers, --max-rejects and --threads.
/// The values of the shared input options.
struct InputOptions {
    std::vector<std::string> files;
    std::optional<std::string> lines;
    std::optional<std::string> map;
    std::string encoding = "auto";
    std::string input_format = "auto";
    bool grouped_numbers = false;
    std::optional<std::string> max_rejects;
    unsigned threads = 0;  ///< 0: the cores available
};

void add_input_options(CLI::App& cmd, InputOptions& options);

/// The checked, resolved form of those options.
struct InputSetup {
    std::vector<InputSpec> inputs;
    ColumnMap map;
    std::optional<RejectLimit> limit;
    unsigned threads = 1;  ///< resolved: at least 1
};

/// Checks the option values and loads the map. Throws UsageError or InputError.
InputSetup prepare_inputs(const InputOptions& options);

}  // namespace medclaim
