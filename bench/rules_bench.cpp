// Measures compiled expression evaluation: 10 boolean line edits, typical of audit
// rules, evaluated on every fee line of generated claims (read with the real JSON
// Lines reader). Prints evaluations per second on one core.
//
//   rules_bench FILE.jsonl [REPEAT]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <fmt/format.h>

#include "ingest/byte_source.hpp"
#include "ingest/column_map.hpp"
#include "ingest/jsonl_reader.hpp"
#include "rules/program.hpp"

int main(int argc, char** argv) {
    using namespace medclaim;
    if (argc < 2) {
        std::fprintf(stderr, "usage: rules_bench FILE.jsonl [REPEAT]\n");
        return 2;
    }
    int repeat = argc > 2 ? std::atoi(argv[2]) : 5;
    const char* k_edits[] = {
        R"(line.class == "C")",
        R"(member.sex == "M" and starts_with(line.code, "XG03"))",
        R"(member.age < 18 and line.kind == "drug" and line.amount > 500元)",
        R"(provider.level < 2 and line.fee_category in [6, 8])",
        R"(line.qty > 30 and line.kind == "drug")",
        R"(line.service_date > visit.discharge_date)",
        R"(visit.care_type == "outpatient" and line.amount > 3000元)",
        R"(line.code in ["001102000050000", "001101000010000"] and line.qty > claim.los_days + 1)",
        R"(any_prefix(diagnoses, "C") and line.class == "B")",
        R"(line.unit_price * line.qty > 10000 or line.amount >= 20000元)",
    };
    std::vector<Program> programs;
    for (const char* text : k_edits) {
        std::vector<BindError> errors;
        auto p = Program::compile(text, Scope::line, errors);
        if (!p) {
            std::fprintf(stderr, "%s: %s\n", text, errors.at(0).message.c_str());
            return 1;
        }
        programs.push_back(std::move(*p));
    }
    // Load the claims into memory so that only evaluation is timed.
    ColumnMap map;
    JsonlReader reader(argv[1], map, open_input(argv[1], Encoding::utf8).source);
    std::vector<Claim> claims;
    ReadItem item;
    while (reader.next(item)) {
        if (item.accepted) claims.push_back(item.claim);
    }
    std::size_t lines = 0;
    for (const Claim& c : claims) lines += c.lines().size();
    std::uint64_t fired = 0;
    auto start = std::chrono::steady_clock::now();
    for (int r = 0; r < repeat; ++r) {
        for (const Claim& c : claims) {
            EvalContext ctx{&c, nullptr};
            for (const Line& line : c.lines()) {
                ctx.line = &line;
                for (const Program& p : programs) fired += p.evaluate(ctx).truthy() ? 1 : 0;
            }
        }
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double evaluations = static_cast<double>(lines) * static_cast<double>(programs.size()) * repeat;
    fmt::print("{} claims, {} lines, {} edits x {} passes: {:.0f} evaluations in {:.2f} s = {:.1f} M evaluations/s ({} fired)\n",
               claims.size(), lines, programs.size(), repeat, evaluations, seconds, evaluations / seconds / 1e6, fired);
    return 0;
}
