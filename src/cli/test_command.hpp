#pragma once

#include <string>

#include "util/exit_code.hpp"

namespace CLI {
class App;
}

namespace medclaim {

/// Options of `medclaim test`.
struct TestCommandOptions {
    std::string pack;
    std::string filter;
    bool coverage = false;
};

/// Registers `test` on `app`.
CLI::App* add_test_command(CLI::App& app, TestCommandOptions& options);
/// Compiles the pack and runs its tests; exit 0 when all pass, 1 when any fails,
/// 4 when the pack does not compile.
ExitCode run_test_command(const TestCommandOptions& options);

}  // namespace medclaim
