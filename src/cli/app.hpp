#pragma once

#include <memory>

#include "cli/adjudicate.hpp"
#include "cli/check.hpp"
#include "cli/explain_command.hpp"
#include "cli/state_command.hpp"
#include "cli/test_command.hpp"
#include "cli/validate.hpp"
#include "util/exit_code.hpp"

namespace CLI {
class App;
}

namespace medclaim {

/// The whole command line: every subcommand and its options.
struct Command {
    std::unique_ptr<CLI::App> app;
    ValidateOptions validate;
    CLI::App* validate_cmd = nullptr;
    CheckOptions check;
    CLI::App* check_cmd = nullptr;
    AdjudicateOptions adjudicate;
    CLI::App* adjudicate_cmd = nullptr;
    ExplainOptions explain;
    CLI::App* explain_cmd = nullptr;
    StateCommandOptions state;
    CLI::App* state_cmd = nullptr;
    TestCommandOptions test;
    CLI::App* test_cmd = nullptr;
};

/// Builds the CLI11 application (tests call `parse` on it in process).
std::unique_ptr<Command> make_command();
/// Runs the subcommand that was parsed. Throws medclaim::Error.
ExitCode run_command(const Command& command);
/// The program's version string.
const char* version();

}  // namespace medclaim
