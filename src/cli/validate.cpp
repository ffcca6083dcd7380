#include "cli/validate.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>

#include <fmt/format.h>

#include "ingest/column_map.hpp"
#include "ingest/intake.hpp"
#include "util/diagnostics.hpp"

namespace medclaim {

CLI::App* add_validate_command(CLI::App& app, ValidateOptions& o) {
    CLI::App* cmd = app.add_subcommand("validate", "Read claim files and report every record that would be rejected");
    add_input_options(*cmd, o.input);
    cmd->add_option("--rejects", o.rejects, "Write rejected records with file, line and reason to FILE (JSON Lines)");
    return cmd;
}

ExitCode run_validate(const ValidateOptions& o) {
    InputSetup setup = prepare_inputs(o.input);
    DiagnosticSink sink(stderr);
    Intake intake(setup.inputs, setup.map, sink, setup.limit, setup.threads);
    if (o.rejects) intake.set_rejects(*o.rejects);
    IntakeCounts counts = intake.run([](ReadItem&) { return Intake::Verdict{}; });
    intake.commit_rejects();
    sink.finish();
    std::string line = reconciliation_line(counts);
    std::fputs(line.c_str(), stderr);
    if (counts.limit_exceeded) {
        std::fputs(fmt::format("medclaim: error: more rejected claims than --max-rejects {} allows{}\n", *o.input.max_rejects,
                               setup.limit->percent ? "" : "; reading stopped")
                       .c_str(),
                   stderr);
        return ExitCode::too_many_rejects;
    }
    return counts.claims_rejected > 0 ? ExitCode::rejected : ExitCode::ok;
}

}  // namespace medclaim
