#include "cli/adjudicate.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <map>

#include <fmt/format.h>

#include "cli/load_rules.hpp"
#include "engine/adjudicate.hpp"
#include "ingest/intake.hpp"
#include "report/adjudication_json.hpp"
#include "rules/pack.hpp"
#include "util/diagnostics.hpp"
#include "util/output_file.hpp"

namespace medclaim {

CLI::App* add_adjudicate_command(CLI::App& app, AdjudicateOptions& o) {
    CLI::App* cmd = app.add_subcommand("adjudicate", "Adjudicate claim files against a rule pack and write one result per claim");
    cmd->add_option("--rules", o.rules, "The rule pack folder (one version, or a folder of versions)")->required();
    cmd->add_option("--out", o.out, "Write the adjudications to FILE (JSON Lines; `-`: standard output)");
    cmd->add_option("--rejects", o.rejects, "Write rejected records with file, line and reason to FILE (JSON Lines)");
    cmd->add_flag("--explain", o.explain, "Add to each record the ordered trace of the rules and formulas applied");
    add_input_options(*cmd, o.input);
    return cmd;
}

ExitCode run_adjudicate(const AdjudicateOptions& o) {
    DiagnosticSink sink(stderr);
    std::unique_ptr<PackSet> packs = load_rules_for_command(o.rules, sink);
    if (!packs) return ExitCode::rules;
    std::map<const Pack*, PackStamp> stamps;
    for (std::size_t i = 0; i < packs->versions.size(); ++i) {
        const Pack& p = *packs->versions[i];
        stamps[&p] = PackStamp{p.name, p.version, pack_digest(p, packs->version_dirs[i])};
    }

    InputSetup setup = prepare_inputs(o.input);
    Intake intake(setup.inputs, setup.map, sink, setup.limit);
    if (o.rejects) intake.set_rejects(*o.rejects);
    OutputFile out(o.out);
    Accumulators acc;
    std::map<ClaimStatus, std::uint64_t> by_status;
    std::map<std::string, Money> by_layer;
    Money patient;
    std::string line;
    IntakeCounts counts = intake.run([&](ReadItem& item) -> Intake::Verdict {
        const Claim& c = item.claim;
        Date on = governing_date(c);
        const Pack* pack = packs->for_date(on);
        if (pack == nullptr) {
            return fmt::format("claim `{}`: no version of rule pack `{}` is effective on {} (the claim's governing date); the pack covers {}",
                               c.claim_id, o.rules, on.to_string(), packs->windows());
        }
        Adjudication a = adjudicate(c, *pack, acc, o.explain);
        acc.apply(a.deltas);
        line.clear();
        append_adjudication_json(line, a, stamps[pack], o.explain);
        out.write(line);
        ++by_status[a.status];
        for (const Payment& p : a.payers) {
            if (p.amount.units() != 0) by_layer[p.layer] += p.amount;
        }
        patient += a.patient;
        return std::nullopt;
    });
    if (counts.limit_exceeded) {
        sink.finish();
        std::fputs(reconciliation_line(counts).c_str(), stderr);
        fmt::print(stderr, "medclaim: error: more rejected claims than --max-rejects {} allows; no adjudication written\n", *o.input.max_rejects);
        intake.commit_rejects();
        return ExitCode::too_many_rejects;
    }
    out.commit();
    intake.commit_rejects();
    sink.finish();
    std::string statuses;
    for (ClaimStatus s : {ClaimStatus::paid, ClaimStatus::partial, ClaimStatus::denied, ClaimStatus::pended}) {
        statuses += fmt::format("{}{} {}", statuses.empty() ? "" : ", ", by_status[s], to_string(s));
    }
    std::string payers;
    for (const auto& [layer, amount] : by_layer) payers += fmt::format("{}{} {}", payers.empty() ? "" : ", ", layer, amount.to_string());
    fmt::print(stderr, "medclaim: adjudicated {} claims ({}); paid by {}; patient {}\n", counts.claims_accepted, statuses,
               payers.empty() ? "no layer" : payers, patient.to_string());
    fmt::print(stderr, "medclaim: state: in memory (no --state): accumulators started empty and were discarded\n");
    std::fputs(reconciliation_line(counts).c_str(), stderr);
    return ExitCode::ok;
}

}  // namespace medclaim
