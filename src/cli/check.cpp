#include "cli/check.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>

#include <fmt/format.h>

#include "rules/pack.hpp"

namespace medclaim {

CLI::App* add_check_command(CLI::App& app, CheckOptions& o) {
    CLI::App* cmd = app.add_subcommand("check", "Compile a rule pack and print every error");
    cmd->add_option("pack", o.pack, "The rule pack folder (holding pack.yaml)")->required();
    return cmd;
}

ExitCode run_check(const CheckOptions& o) {
    std::vector<Diagnostic> diagnostics;
    std::unique_ptr<Pack> pack = load_pack(o.pack, diagnostics);
    DiagnosticSink sink(stderr);
    for (const Diagnostic& d : diagnostics) sink.report(d);
    sink.finish();
    if (!pack) {
        fmt::print(stderr, "medclaim: {} error{} in rule pack `{}`\n", sink.errors(), sink.errors() == 1 ? "" : "s", o.pack);
        return ExitCode::rules;
    }
    std::size_t rows = 0;
    for (const auto& c : pack->catalogs) rows += c->rows().size();
    auto plural = [](std::size_t n) { return n == 1 ? "" : "s"; };
    std::size_t table_rows = 0;
    for (const auto& t : pack->tables) table_rows += t->rows.size();
    fmt::print("pack {} {}: {} catalog{} ({} rows), {} table{} ({} rows), {} edit{}, {} layer{}, {} file{}: no errors\n", pack->name,
               pack->version, pack->catalogs.size(), plural(pack->catalogs.size()), rows, pack->tables.size(), plural(pack->tables.size()),
               table_rows, pack->edits.size(), plural(pack->edits.size()), pack->benefits.size(), plural(pack->benefits.size()),
               pack->files.size(), plural(pack->files.size()));
    return ExitCode::ok;
}

}  // namespace medclaim
