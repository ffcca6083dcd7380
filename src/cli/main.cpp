// medclaim entry point: parse the command line, run, map failures to exit codes.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include <fmt/format.h>

#include "cli/app.hpp"
#include "util/error.hpp"

int main(int argc, char** argv) {
    using medclaim::ExitCode;
    auto command = medclaim::make_command();
    try {
        command->app->parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return command->app->exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return command->app->exit(e);
    } catch (const CLI::CallForVersion& e) {
        return command->app->exit(e);
    } catch (const CLI::ParseError& e) {
        command->app->exit(e);
        return static_cast<int>(ExitCode::usage);
    }
    try {
        return static_cast<int>(medclaim::run_command(*command));
    } catch (const medclaim::Error& e) {
        fmt::print(stderr, "medclaim: error: {}\n", e.what());
        return static_cast<int>(e.code());
    } catch (const std::exception& e) {
        fmt::print(stderr, "medclaim: internal error: {}\n", e.what());
        return static_cast<int>(ExitCode::internal);
    }
}
