#include "cli/test_command.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>

#include <fmt/format.h>

#include "cli/load_rules.hpp"
#include "cli/pack_tests.hpp"
#include "rules/pack.hpp"

namespace medclaim {

CLI::App* add_test_command(CLI::App& app, TestCommandOptions& o) {
    CLI::App* cmd = app.add_subcommand("test", "Run a rule pack's tests (PACK/tests/*.yaml)");
    cmd->add_option("pack", o.pack, "The rule pack folder (holding pack.yaml and tests/)")->required();
    cmd->add_option("--filter", o.filter, "Run only the tests whose name contains this text");
    cmd->add_flag("--coverage", o.coverage, "List the edits, table rows and layer segments that no test exercised");
    return cmd;
}

ExitCode run_test_command(const TestCommandOptions& o) {
    DiagnosticSink sink(stderr);
    std::unique_ptr<PackSet> packs = load_rules_for_command(o.pack, sink);
    if (!packs) return ExitCode::rules;
    std::vector<Diagnostic> diagnostics;
    TestReport report = run_pack_tests(*packs, {o.filter, o.coverage}, stdout, diagnostics);
    std::fflush(stdout);
    for (const Diagnostic& d : diagnostics) sink.report(d);
    sink.finish();
    if (o.coverage) {
        if (report.uncovered.empty()) {
            fmt::print("coverage: every edit, table row and layer segment was exercised\n");
        } else {
            fmt::print("not exercised by any test ({}):\n", report.uncovered.size());
            for (const std::string& u : report.uncovered) fmt::print("  {}\n", u);
        }
    }
    fmt::print("{} passed, {} failed\n", report.passed, report.failed);
    return report.failed == 0 ? ExitCode::ok : ExitCode::tests_failed;
}

}  // namespace medclaim
