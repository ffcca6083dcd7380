#include "cli/check.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>

#include <fmt/format.h>

#include "cli/load_rules.hpp"
#include "rules/pack.hpp"

namespace medclaim {

CLI::App* add_check_command(CLI::App& app, CheckOptions& o) {
    CLI::App* cmd = app.add_subcommand("check", "Compile a rule pack and print every error");
    cmd->add_option("pack", o.pack, "The rule pack folder (holding pack.yaml)")->required();
    return cmd;
}

ExitCode run_check(const CheckOptions& o) {
    DiagnosticSink sink(stderr);
    std::unique_ptr<PackSet> packs = load_rules_for_command(o.pack, sink);
    if (!packs) return ExitCode::rules;
    sink.finish();
    auto plural = [](std::size_t n) { return n == 1 ? "" : "s"; };
    for (const auto& pack : packs->versions) {
        std::size_t rows = 0;
        for (const auto& c : pack->catalogs) rows += c->rows().size();
        std::size_t table_rows = 0;
        for (const auto& t : pack->tables) table_rows += t->rows.size();
        fmt::print("pack {} {}{}: {} catalog{} ({} rows), {} table{} ({} rows), {} edit{}, {} layer{}{}, {} file{}: no errors\n", pack->name,
                   pack->version,
                   packs->versions.size() > 1 ? fmt::format(" ({} to {})", pack->effective_from.to_string(), pack->effective_to.to_string()) : "",
                   pack->catalogs.size(), plural(pack->catalogs.size()), rows, pack->tables.size(), plural(pack->tables.size()), table_rows,
                   pack->edits.size(), plural(pack->edits.size()), pack->benefits.size(), plural(pack->benefits.size()),
                   pack->products.empty() ? "" : fmt::format(", {} product{}", pack->products.size(), plural(pack->products.size())),
                   pack->files.size(), plural(pack->files.size()));
        // Audit rules: how many table rows each read and how many codes they name.
        for (const AuditRule& r : pack->audit.rules) {
            fmt::print("  audit {} ({}, check {}, {}): {} row{}\n", r.id, r.name, to_string(r.check), to_string(r.action), r.rows, plural(r.rows));
        }
        if (!pack->audit.empty()) {
            fmt::print("  audit tables name {} code{} or code prefix{}\n", pack->audit.entries.keys(), plural(pack->audit.entries.keys()),
                       pack->audit.entries.keys() == 1 ? "" : "es");
        }
    }
    if (sink.warnings() > 0) fmt::print("{} warning{} (on standard error)\n", sink.warnings(), plural(sink.warnings()));
    return ExitCode::ok;
}

}  // namespace medclaim
