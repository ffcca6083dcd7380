#pragma once

#include <string>

#include "util/exit_code.hpp"

namespace CLI {
class App;
}

namespace medclaim {

/// Options of `medclaim check`.
struct CheckOptions {
    std::string pack;
};

/// Registers `check` on `app`.
CLI::App* add_check_command(CLI::App& app, CheckOptions& options);
/// Compiles the pack and prints every problem; exit 4 when there is any error.
ExitCode run_check(const CheckOptions& options);

}  // namespace medclaim
