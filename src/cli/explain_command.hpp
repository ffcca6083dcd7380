#pragma once

#include <optional>
#include <string>

#include "cli/input_options.hpp"
#include "util/exit_code.hpp"

namespace CLI {
class App;
}

namespace medclaim {

/// Options of `medclaim explain`.
struct ExplainOptions {
    std::string rules;
    std::string claim_id;
    std::string state;  ///< settle on top of this state file's accumulators (never changed)
    std::optional<std::string> policies;  ///< commercial policies the pack's products pay for
    InputOptions input;
};

/// Registers `explain` on `app`.
CLI::App* add_explain_command(CLI::App& app, ExplainOptions& options);
/// Settles the file's claims in order, with fresh accumulators or on top of a state
/// file's (which it never changes), up to CLAIM_ID and prints its settlement sheet;
/// exit 3 when the claim is not in the file (or rejected).
ExitCode run_explain(const ExplainOptions& options);

}  // namespace medclaim
