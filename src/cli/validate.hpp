#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/input_options.hpp"
#include "util/exit_code.hpp"

namespace CLI {
class App;
}

namespace medclaim {

/// Options of `medclaim validate`.
struct ValidateOptions {
    InputOptions input;
    std::optional<std::string> rejects;
};

/// Registers `validate` on `app`; parsed values land in `options`.
CLI::App* add_validate_command(CLI::App& app, ValidateOptions& options);
/// Reads the inputs, prints diagnostics and the reconciliation line to stderr.
ExitCode run_validate(const ValidateOptions& options);

}  // namespace medclaim
