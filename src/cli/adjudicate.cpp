#include "cli/adjudicate.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <map>

#include <fmt/format.h>

#if defined(__linux__)
#include <sched.h>
#endif

#include "cli/load_rules.hpp"
#include "engine/adjudicate.hpp"
#include "ingest/intake.hpp"
#include "ingest/policy_reader.hpp"
#include "report/adjudication_csv.hpp"
#include "report/adjudication_json.hpp"
#include "report/flags.hpp"
#include "report/summary.hpp"
#include "rules/pack.hpp"
#include "state/ledger.hpp"
#include "util/diagnostics.hpp"
#include "util/error.hpp"
#include "util/output_file.hpp"

namespace medclaim {

CLI::App* add_adjudicate_command(CLI::App& app, AdjudicateOptions& o) {
    CLI::App* cmd = app.add_subcommand("adjudicate", "Adjudicate claim files against a rule pack and write one result per claim");
    cmd->add_option("--rules", o.rules, "The rule pack folder (one version, or a folder of versions)")->required();
    cmd->add_option("--out", o.out, "Write the adjudications to FILE (JSON Lines; `-`: standard output)");
    cmd->add_option("--rejects", o.rejects, "Write rejected records with file, line and reason to FILE (JSON Lines)");
    cmd->add_option("--format", o.format, "jsonl (default) or csv: a claims file (--out) and a lines file (--lines-out)")
        ->check(CLI::IsMember({"jsonl", "csv"}));
    cmd->add_option("--lines-out", o.lines_out, "csv: the lines file (default: --out with .lines.csv for .csv)");
    cmd->add_flag("--bom", o.bom, "csv: start the CSV files (and a .csv --flags file) with a UTF-8 byte order mark, for Excel");
    cmd->add_option("--flags", o.flags, "Write the review queue to FILE: one row per flag, CSV (.csv) or JSON Lines");
    cmd->add_option("--summary", o.summary, "Write the run summary to FILE: text, or Markdown (.md) or HTML with charts (.html)");
    cmd->add_flag("--explain", o.explain, "Add to each record the ordered trace of the rules and formulas applied");
    cmd->add_option("--state", o.state, "Keep accumulators and settled claims in this SQLite file (created if missing)");
    cmd->add_flag("--replace", o.replace, "A claim settled before with different content replaces the old settlement");
    cmd->add_option("--policies", o.policies, "Commercial policies (CSV or JSON Lines) that the pack's products pay for");
    add_input_options(*cmd, o.input);
    return cmd;
}

namespace {

constexpr std::string_view k_no_state = "state: none (no --state): accumulators started empty and were discarded";

constexpr std::size_t k_kept_record_bytes = 16 * 1024;

// The settlements one lane made for a batch: the claims of its ledger shard, each with
// its index among the batch's accepted claims, in input order. Kept per slot and lane
// and filled again, so that their memory is reused.
struct LaneSettlements {
    struct Entry {
        std::size_t index = 0;
        Settlement settlement;
    };
    std::vector<Entry> entries;
    std::size_t size = 0;
    std::size_t next = 0;  // the finishing thread's place in entries
};

// A run is throughput work. On Linux, with more threads than one, the process asks for
// SCHED_BATCH (threads started later inherit it): the scheduler then does not preempt a
// running thread each time another is woken with a piece or a batch, a context switch
// per hand-off otherwise. Only from the default policy; a failure changes nothing.
void schedule_as_batch(unsigned threads) {
#if defined(__linux__) && defined(SCHED_BATCH)
    if (threads < 2 || sched_getscheduler(0) != SCHED_OTHER) return;
    sched_param param{};
    (void)sched_setscheduler(0, SCHED_BATCH, &param);
#else
    (void)threads;
#endif
}

}  // namespace

ExitCode run_adjudicate(const AdjudicateOptions& o) {
    DiagnosticSink sink(stderr);
    std::unique_ptr<PackSet> packs = load_rules_for_command(o.rules, sink);
    if (!packs) return ExitCode::rules;
    std::map<const Pack*, PackStamp> stamps = pack_stamps(*packs);

    bool csv = o.format == "csv";
    std::string lines_path;
    if (csv) {
        if (o.lines_out) {
            lines_path = *o.lines_out;
        } else if (o.out.size() > 4 && o.out.ends_with(".csv")) {
            lines_path = o.out.substr(0, o.out.size() - 4) + ".lines.csv";
        } else {
            throw UsageError("--format csv writes two files: give --lines-out, or an --out file ending in .csv");
        }
    } else if (o.lines_out || (o.bom && !(o.flags && FlagsWriter::format_for(*o.flags) == FlagsWriter::Format::csv))) {
        throw UsageError("--lines-out goes with --format csv, and --bom with --format csv or a .csv --flags file");
    }
    // CSV columns: each benefit layer, then each product and `prior` (what basic
    // insurance settled elsewhere paid) when a version has products.
    std::vector<std::string> layer_ids;
    auto column = [&](const std::string& id) {
        if (std::find(layer_ids.begin(), layer_ids.end(), id) == layer_ids.end()) layer_ids.push_back(id);
    };
    for (const auto& v : packs->versions) {
        for (const Layer& l : v->benefits) column(l.id);
    }
    for (const auto& v : packs->versions) {
        for (const Product& p : v->products) column(p.id);
        if (!v->products.empty()) column("prior");
    }
    AdjudicationCsv csv_writer(layer_ids);

    InputSetup setup = prepare_inputs(o.input);
    schedule_as_batch(setup.threads);
    Ledger ledger(o.state, o.replace, setup.threads);
    if (ledger.recovered() > 0) {
        fmt::print(stderr, "medclaim: state `{}`: completed an interrupted run: {} output{} moved into place\n", o.state, ledger.recovered(),
                   ledger.recovered() == 1 ? "" : "s");
    }
    PolicyRead policies;
    if (o.policies) {
        policies = read_policies(*o.policies, sink);
        ledger.use_policies(&policies.book);
    }
    Intake intake(setup.inputs, setup.map, sink, setup.limit, setup.threads);
    if (o.rejects) intake.set_rejects(*o.rejects);
    // In memory the ledger tells contents apart by a 64-bit fingerprint, best taken
    // while the reader has the text in cache; a state file keeps SHA-256 instead.
    if (!ledger.persistent()) intake.take_fingerprints();
    if (OutputFile* r = intake.rejects_output()) {
        // Rejected policies first, then the claims.
        std::string line;
        for (const RejectedPolicy& p : policies.rejected) {
            line.clear();
            append_policy_reject_json(line, p);
            r->write(line);
        }
    }
    OutputFile out(o.out);
    if (setup.threads > 1) out.write_behind();
    std::unique_ptr<OutputFile> lines_file;
    if (csv) {
        lines_file = std::make_unique<OutputFile>(lines_path);
        if (setup.threads > 1) lines_file->write_behind();
        out.write(csv_writer.claims_header(o.bom));
        lines_file->write(csv_writer.lines_header(o.bom));
    }
    std::unique_ptr<OutputFile> flags_file;
    FlagsWriter flags_writer(o.flags ? FlagsWriter::format_for(*o.flags) : FlagsWriter::Format::jsonl);
    if (o.flags) {
        flags_file = std::make_unique<OutputFile>(*o.flags);
        flags_file->write(flags_writer.header(o.bom));
    }
    std::string text;
    std::unique_ptr<OutputFile> summary_file;
    if (o.summary) summary_file = std::make_unique<OutputFile>(*o.summary);
    Summary summary(fmt::format("medclaim adjudication: rule pack {}", packs->versions.front()->name));
    for (const auto& v : packs->versions) summary.add_pack(stamps[v.get()]);
    std::map<ClaimStatus, std::uint64_t> by_status;
    std::map<std::string, Money> by_layer;
    std::map<Settlement::Kind, std::uint64_t> by_kind;
    Money patient;
    // Into `s`, an earlier claim's settlement: its strings keep their memory.
    auto settle = [&](const ReadItem& item, Settlement& s) {
        std::string why;
        const Pack* pack = pack_for(*packs, item.claim, why);
        if (pack == nullptr) {
            s.kind = Settlement::Kind::refused;
            s.reason = std::move(why);
            s.record.clear();
            return;
        }
        ledger.settle(s, item.claim, item.raw_text, *pack, stamps.at(pack), o.explain, item.fingerprint);
    };
    // Lane l settles the claims of ledger shard l (the ledger has one shard per lane),
    // each member's claims in input order, so that the figures do not depend on the
    // number of threads.
    std::size_t lanes = intake.lanes();
    std::vector<std::vector<LaneSettlements>> settled(Intake::k_slots, std::vector<LaneSettlements>(lanes));
    auto prepare = [&](const std::vector<ReadItem*>& claims, std::size_t slot, std::size_t lane) {
        LaneSettlements& mine = settled[slot][lane];
        mine.size = 0;
        mine.next = 0;
        // The lane's claims first, so that the ledger can be told four claims ahead.
        for (std::size_t i = 0; i < claims.size(); ++i) {
            if (lanes > 1 && ledger.shard_of(claims[i]->claim.member.id) != lane) continue;
            if (mine.size == mine.entries.size()) mine.entries.emplace_back();
            mine.entries[mine.size++].index = i;
        }
        for (std::size_t k = 0; k < mine.size; ++k) {
            // Step s for the claim Ledger::k_prefetch_steps + 1 - s ahead.
            for (std::size_t ahead = 1; ahead <= Ledger::k_prefetch_steps && k + ahead < mine.size; ++ahead) {
                ledger.prefetch(claims[mine.entries[k + ahead].index]->claim, static_cast<int>(Ledger::k_prefetch_steps + 1 - ahead));
            }
            LaneSettlements::Entry& e = mine.entries[k];
            // An entry keeps its record's memory for the next claim, unless a big claim
            // made it big: every entry would otherwise grow to the biggest record seen.
            if (e.settlement.record.capacity() > k_kept_record_bytes) e.settlement.record = std::string();
            settle(*claims[e.index], e.settlement);
        }
    };
    // The settlement of the accepted claim `index` of the batch in `slot` (asked for in
    // input order): the next one of the lane that has it.
    auto settlement_of = [&](std::size_t index, std::size_t slot) -> Settlement& {
        for (LaneSettlements& lane : settled[slot]) {
            if (lane.next < lane.size && lane.entries[lane.next].index == index) return lane.entries[lane.next++].settlement;
        }
        throw Error(ExitCode::internal, fmt::format("no settlement for claim {} of a batch", index));
    };
    IntakeCounts counts = intake.run(prepare, [&](ReadItem& item, std::size_t index, std::size_t slot) -> Intake::Verdict {
        const Claim& c = item.claim;
        Settlement& s = settlement_of(index, slot);
        if (s.kind == Settlement::Kind::refused) return std::move(s.reason);
        if (csv) {
            text.clear();
            csv_writer.append_claim(text, s.adjudication, s.pack);
            out.write(text);
            text.clear();
            csv_writer.append_lines(text, s.adjudication);
            lines_file->write(text);
        } else {
            out.write(s.record);
        }
        ++by_kind[s.kind];
        const Adjudication& a = s.adjudication;
        if (flags_file && !a.flags.empty()) {
            text.clear();
            flags_writer.append(text, c, a);
            flags_file->write(text);
        }
        // A claim settled before counts in the summary with its stored figures, so that
        // a rerun writes the same summary as the run that settled it.
        if (summary_file) summary.add(c, a, !a.reversal_of.empty());
        if (s.kind == Settlement::Kind::already_settled) return std::nullopt;
        if (s.kind != Settlement::Kind::reversal) ++by_status[a.status];
        for (const Payment& p : a.payers) {
            if (p.amount.units() != 0) by_layer[p.layer] += p.amount;
        }
        patient += a.patient;
        return std::nullopt;
    });
    if (counts.limit_exceeded) {
        sink.finish();
        std::fputs(reconciliation_line(counts).c_str(), stderr);
        fmt::print(stderr, "medclaim: error: more rejected claims than --max-rejects {} allows; no adjudication written, state unchanged\n",
                   *o.input.max_rejects);
        intake.commit_rejects();
        return ExitCode::too_many_rejects;
    }
    std::vector<OutputFile*> outputs{&out};
    if (lines_file) outputs.push_back(lines_file.get());
    if (flags_file) outputs.push_back(flags_file.get());
    if (OutputFile* r = intake.rejects_output()) outputs.push_back(r);
    if (summary_file) {
        summary.set_counts(counts);
        summary.set_state(ledger.persistent() ? fmt::format("state: {}", o.state) : std::string(k_no_state));
        if (o.policies) summary.set_policies("medclaim: " + policy_reconciliation_line(policies));
        summary_file->write(summary.render(Summary::format_for(*o.summary)));
        outputs.push_back(summary_file.get());
    }
    ledger.commit(outputs);
    sink.finish();
    std::string statuses;
    for (ClaimStatus st : {ClaimStatus::paid, ClaimStatus::partial, ClaimStatus::denied, ClaimStatus::pended}) {
        statuses += fmt::format("{}{} {}", statuses.empty() ? "" : ", ", by_status[st], to_string(st));
    }
    std::string payers;
    for (const auto& [layer, amount] : by_layer) payers += fmt::format("{}{} {}", payers.empty() ? "" : ", ", layer, amount.to_string());
    std::uint64_t reversals = by_kind[Settlement::Kind::reversal];
    fmt::print(stderr, "medclaim: adjudicated {} claims ({}), {} replaced, {} reversal{}; net paid by {}; net patient {}\n",
               by_kind[Settlement::Kind::adjudicated] + by_kind[Settlement::Kind::replaced], statuses, by_kind[Settlement::Kind::replaced],
               reversals, reversals == 1 ? "" : "s", payers.empty() ? "no layer" : payers, patient.to_string());
    if (ledger.persistent()) {
        fmt::print(stderr, "medclaim: state `{}`: {} already settled (written again, not counted); accumulators of {} member-year{} saved\n",
                   o.state, by_kind[Settlement::Kind::already_settled], ledger.members_touched(), ledger.members_touched() == 1 ? "" : "s");
    } else {
        fmt::print(stderr, "medclaim: {}\n", k_no_state);
    }
    std::fputs(reconciliation_line(counts).c_str(), stderr);
    if (o.policies) fmt::print(stderr, "medclaim: {}\n", policy_reconciliation_line(policies));
    return ExitCode::ok;
}

}  // namespace medclaim
