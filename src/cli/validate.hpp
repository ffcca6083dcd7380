#pragma once

#include <optional>
#include <string>
#include <vector>

#include "util/exit_code.hpp"

namespace CLI {
class App;
}

namespace medclaim {

/// Options of `medclaim validate`.
struct ValidateOptions {
    std::vector<std::string> files;
    std::optional<std::string> lines;
    std::optional<std::string> map;
    std::string encoding = "auto";
    std::string input_format = "auto";
    std::optional<std::string> rejects;
    std::optional<std::string> max_rejects;
};

/// Registers `validate` on `app`; parsed values land in `options`.
CLI::App* add_validate_command(CLI::App& app, ValidateOptions& options);
/// Reads the inputs, prints diagnostics and the reconciliation line to stderr.
ExitCode run_validate(const ValidateOptions& options);

}  // namespace medclaim
