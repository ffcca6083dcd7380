#include "cli/test_command.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>

#include <fmt/format.h>

#include "engine/pack_tests.hpp"
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
    std::vector<Diagnostic> diagnostics;
    std::unique_ptr<PackSet> packs = load_pack_set(o.pack, diagnostics);
    DiagnosticSink sink(stderr);
    if (!packs) {
        for (const Diagnostic& d : diagnostics) sink.report(d);
        sink.finish();
        fmt::print(stderr, "medclaim: {} error{} in rule pack `{}`\n", sink.errors(), sink.errors() == 1 ? "" : "s", o.pack);
        return ExitCode::rules;
    }
    diagnostics.clear();  // warnings are check's business
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
