#include "cli/state_command.hpp"

#include <CLI/CLI.hpp>

#include <filesystem>

#include <fmt/format.h>

#include "state/ledger.hpp"
#include "util/error.hpp"

namespace medclaim {

CLI::App* add_state_command(CLI::App& app, StateCommandOptions& o) {
    CLI::App* cmd = app.add_subcommand("state", "Show what a state file holds (and complete a run it records as interrupted)");
    cmd->add_option("file", o.file, "The SQLite state file of `adjudicate --state`")->required();
    cmd->add_option("--member", o.member, "List this member's accumulators");
    return cmd;
}

ExitCode run_state_command(const StateCommandOptions& o) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(o.file, ec)) throw InputError(fmt::format("state file `{}` does not exist", o.file));
    StateSummary s = summarize_state(o.file, o.member);
    if (s.recovered > 0) fmt::print(stderr, "medclaim: state `{}`: completed an interrupted run: {} output{} moved into place\n", o.file, s.recovered, s.recovered == 1 ? "" : "s");
    fmt::print("state {}: {} claims settled ({} reversed), accumulators of {} members\n", o.file, s.claims, s.reversed, s.members);
    for (const Delta& d : s.counters) {
        std::string value = counter_text(d.counter, d.change);
        // A policy's counters are keyed member U+001D policy: shown as "MEMBER policy ID".
        std::string who = d.member_id;
        if (std::size_t sep = who.find(k_policy_separator); sep != std::string::npos) who.replace(sep, 1, " policy ");
        fmt::print("{}\t{}\t{}\t{}\n", who, d.plan_year == 0 ? std::string("-") : std::to_string(d.plan_year), d.counter, value);
    }
    return ExitCode::ok;
}

}  // namespace medclaim
