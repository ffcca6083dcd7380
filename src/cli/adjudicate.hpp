#pragma once

#include <optional>
#include <string>

#include "cli/input_options.hpp"
#include "util/exit_code.hpp"

namespace CLI {
class App;
}

namespace medclaim {

/// Options of `medclaim adjudicate`.
struct AdjudicateOptions {
    InputOptions input;
    std::string rules;
    std::string out = "-";
    std::optional<std::string> rejects;
    std::optional<std::string> summary;  ///< text, Markdown or HTML by extension
    std::optional<std::string> flags;    ///< the review queue: one row per flag, CSV (.csv) or JSON Lines
    std::string format = "jsonl";        ///< jsonl | csv
    std::optional<std::string> lines_out;  ///< csv: the lines file
    bool bom = false;                    ///< csv: start the CSV files (and a .csv --flags file) with a UTF-8 BOM (Excel)
    bool explain = false;
    std::string state;     ///< SQLite state file; empty: in memory
    bool replace = false;  ///< settle a changed claim in place of the one with its id
    std::optional<std::string> policies;  ///< commercial policies (CSV or JSON Lines)
};

/// Registers `adjudicate` on `app`.
CLI::App* add_adjudicate_command(CLI::App& app, AdjudicateOptions& options);
/// Reads the claims, adjudicates each against the pack version its date chooses and
/// writes one JSON line per claim; see man/medclaim.1, ADJUDICATE.
ExitCode run_adjudicate(const AdjudicateOptions& options);

}  // namespace medclaim
