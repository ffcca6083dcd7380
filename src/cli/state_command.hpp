#pragma once

#include <string>

#include "util/exit_code.hpp"

namespace CLI {
class App;
}

namespace medclaim {

/// Options of `medclaim state`.
struct StateCommandOptions {
    std::string file;
    std::string member;
};

/// Registers `state` on `app`.
CLI::App* add_state_command(CLI::App& app, StateCommandOptions& options);
/// Opens a state file (completing an interrupted run) and prints what it holds.
ExitCode run_state_command(const StateCommandOptions& options);

}  // namespace medclaim
