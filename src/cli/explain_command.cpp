#include "cli/explain_command.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "cli/load_rules.hpp"
#include "ingest/intake.hpp"
#include "ingest/policy_reader.hpp"
#include "report/settlement_sheet.hpp"
#include "state/ledger.hpp"
#include "util/error.hpp"

namespace medclaim {

CLI::App* add_explain_command(CLI::App& app, ExplainOptions& o) {
    CLI::App* cmd = app.add_subcommand("explain", "Print the settlement sheet of one claim: every figure with its formula and numbers");
    cmd->add_option("--rules", o.rules, "The rule pack folder (one version, or a folder of versions)")->required();
    cmd->add_option("claim_id", o.claim_id, "The claim to explain")->required();
    cmd->add_option("--state", o.state, "Settle on top of the accumulators and claims stored in this state file, which is read and never changed");
    cmd->add_option("--policies", o.policies, "Commercial policies (CSV or JSON Lines) that the pack's products pay for");
    add_input_options(*cmd, o.input);
    return cmd;
}

namespace {

// The member's counters of the plan year and across years, then those of the claim's
// policies (shown as POLICY@YEAR.counter).
std::vector<Counter> member_counters(Ledger& ledger, const Claim& claim, int year, const Pack& pack, const PolicyBook* book) {
    std::vector<Counter> out = ledger.counters(claim.member.id, year);
    for (Counter& c : ledger.counters(claim.member.id, 0)) out.push_back(std::move(c));
    if (book != nullptr) {
        for (const HeldPolicy& h : claim_policies(claim, *book, &pack).held) {
            for (Counter& c : ledger.counters(h.key, h.year)) out.push_back({fmt::format("{}@{}.{}", h.policy->id, h.year, c.name), c.value});
        }
    }
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
    if (!o.state.empty() && !std::filesystem::exists(o.state)) {
        throw IoError(fmt::format("state file `{}` does not exist (explain reads a state, it never creates one)", o.state));
    }
    Ledger ledger(o.state, false);  // never committed: a state file is rolled back unchanged
    PolicyRead policies;
    if (o.policies) {
        policies = read_policies(*o.policies, sink);
        ledger.use_policies(&policies.book);
    }
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
        const PolicyBook* book = o.policies ? &policies.book : nullptr;
        std::vector<Counter> before = target ? member_counters(ledger, c, year, *pack, book) : std::vector<Counter>{};
        Settlement s = ledger.settle(c, item.raw_text, *pack, stamps[pack], target);
        if (s.kind == Settlement::Kind::refused) {
            if (target) refused = s.reason;
            return s.reason;
        }
        if (target) {
            found = true;
            std::string note;
            if (s.kind == Settlement::Kind::already_settled) {
                note = fmt::format("claim `{}` was settled before into state `{}` with this content: the figures above are the stored ones, "
                                   "and the state keeps no working; explain it against the state as it was before that run, "
                                   "or run that batch with `adjudicate --explain`",
                                   c.claim_id, o.state);
            }
            // s.pack: the pack that settled it, which for a stored claim may be an earlier one.
            sheet = settlement_sheet(c, s.adjudication, s.pack, before, member_counters(ledger, c, year, *pack, book), note);
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
