#include "cli/app.hpp"

#include <CLI/CLI.hpp>

namespace medclaim {

const char* version() { return "0.1.0"; }

std::unique_ptr<Command> make_command() {
    auto c = std::make_unique<Command>();
    c->app = std::make_unique<CLI::App>("medclaim: adjudicate health-insurance claims against declarative rule packs", "medclaim");
    c->app->set_version_flag("--version", version());
    c->app->require_subcommand(1);
    c->adjudicate_cmd = add_adjudicate_command(*c->app, c->adjudicate);
    c->validate_cmd = add_validate_command(*c->app, c->validate);
    c->check_cmd = add_check_command(*c->app, c->check);
    c->test_cmd = add_test_command(*c->app, c->test);
    c->state_cmd = add_state_command(*c->app, c->state);
    c->explain_cmd = add_explain_command(*c->app, c->explain);
    return c;
}

ExitCode run_command(const Command& c) {
    if (c.adjudicate_cmd->parsed()) return run_adjudicate(c.adjudicate);
    if (c.validate_cmd->parsed()) return run_validate(c.validate);
    if (c.check_cmd->parsed()) return run_check(c.check);
    if (c.test_cmd->parsed()) return run_test_command(c.test);
    if (c.state_cmd->parsed()) return run_state_command(c.state);
    if (c.explain_cmd->parsed()) return run_explain(c.explain);
    return ExitCode::usage;
}

}  // namespace medclaim
