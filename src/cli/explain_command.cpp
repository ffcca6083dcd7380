#include "cli/explain_command.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <map>

#include <fmt/format.h>

#include "cli/load_rules.hpp"
#include "ingest/intake.hpp"
#include "report/settlement_sheet.hpp"
#include "state/ledger.hpp"
#include "util/error.hpp"

namespace medclaim {

CLI::App* add_explain_command(CLI::App& app, ExplainOptions& o) {
    CLI::App* cmd = app.add_subcommand("explain", "Print the settlement sheet of one claim: every figure with its formula and numbers");
    cmd->add_option("--rules", o.rules, "The rule pack folder (one version, or a folder of versions)")->required();
    cmd->add_option("claim_id", o.claim_id, "The claim to explain")->required();
    add_input_options(*cmd, o.input);
    return cmd;
}

namespace {

std::vector<Counter> member_counters(Ledger& ledger, const std::string& member, int year) {
    std::vector<Counter> out = ledger.counters(member, year);
    for (Counter& c : ledger.counters(member, 0)) out.push_back(std::move(c));
    return out;
}

}  // namespace

ExitCode run_explain(const ExplainOptions& o) {
    DiagnosticSink sink(stderr);
    std::unique_ptr<PackSet> packs = load_rules_for_command(o.rules, sink);
    if (!packs) return ExitCode::rules;
    std::map<const Pack*, PackStamp> stamps = pack_stamps(*packs);
    InputSetup setup = prepare_inputs(o.input);
    Intake intake(setup.inputs, setup.map, sink, setup.limit, setup.threads);
    Ledger ledger("", false);
    std::string sheet;
    bool found = false;
    std::string refused;
    intake.run([&](ReadItem& item) -> Intake::Verdict {
        if (found) return std::nullopt;  // later claims cannot change this one
        const Claim& c = item.claim;
        std::string why;
        const Pack* pack = pack_for(*packs, c, why);
        if (pack == nullptr) return why;
        bool target = c.claim_id == o.claim_id;
        int year = plan_year_of(c, *pack);
        std::vector<Counter> before = target ? member_counters(ledger, c.member.id, year) : std::vector<Counter>{};
        Settlement s = ledger.settle(c, item.raw_text, *pack, stamps[pack], target);
        if (s.kind == Settlement::Kind::refused) {
            if (target) refused = s.reason;
            return s.reason;
        }
        if (target) {
            found = true;
            sheet = settlement_sheet(c, s.adjudication, stamps[pack], before, member_counters(ledger, c.member.id, year));
        }
        return std::nullopt;
    });
    sink.finish();
    if (!found) {
        throw InputError(refused.empty() ? fmt::format("claim `{}` is not among the accepted claims of the input", o.claim_id)
                                         : fmt::format("claim `{}` was rejected: {}", o.claim_id, refused));
    }
    std::fputs(sheet.c_str(), stdout);
    return ExitCode::ok;
}

}  // namespace medclaim
