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
#include "rules/pack.hpp"
#include "rules/program.hpp"
#include "naive_interpreter.hpp"

#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace {

// A pack with one line table of `rows` rows keyed on line.code (the codes of the
// claims, so that look-ups hit), with a quantity range and a class column.
std::unique_ptr<medclaim::Pack> table_pack(const std::vector<std::string>& codes, int rows) {
    namespace fs = std::filesystem;
    fs::path dir = fs::temp_directory_path() / fmt::format("medclaim-bench-{}-{}", ::getpid(), rows);
    fs::create_directories(dir);
    std::string yaml = "name: bench\nversion: \"1\"\ntables:\n  - id: t\n    scope: line\n    inputs:\n      - {name: code, expr: line.code}\n"
                       "      - {name: qty, expr: line.qty}\n      - {name: class, expr: line.class}\n"
                       "    outputs:\n      - {name: cap, type: money, default: 0元}\n    rows:\n";
    for (int i = 0; i < rows; ++i) {
        yaml += fmt::format("      - {{when: [\"{}\", \"[0..{}]\", \"{}\"], then: [{}元]}}\n", codes[static_cast<std::size_t>(i) % codes.size()],
                            100 + i / static_cast<int>(codes.size()), i % 2 ? "-" : "A", i + 1);
    }
    std::ofstream(dir / "pack.yaml") << yaml;
    std::vector<medclaim::Diagnostic> diagnostics;
    auto pack = medclaim::load_pack(dir.string(), diagnostics);
    fs::remove_all(dir);
    if (!pack) {
        for (const auto& d : diagnostics) std::fputs(medclaim::format_diagnostic(d).c_str(), stderr);
        std::exit(1);
    }
    return pack;
}

}  // namespace

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

    // The same edits through the naive tree-walking interpreter, for comparison.
    {
        naive::Interpreter interp;
        std::vector<ast::Expr> trees;
        for (const char* text : k_edits) trees.push_back(naive::Interpreter::parse(text));
        std::uint64_t naive_fired = 0;
        auto t0 = std::chrono::steady_clock::now();
        for (int r = 0; r < repeat; ++r) {
            for (const Claim& c : claims) {
                naive::Context ctx{&c, nullptr};
                for (const Line& line : c.lines()) {
                    ctx.line = &line;
                    for (const ast::Expr& e : trees) naive_fired += interp.eval(e, ctx).number ? 1 : 0;
                }
            }
        }
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        fmt::print("naive tree-walker, same edits: {:.1f} M evaluations/s ({:.1f}x slower; {} fired{})\n", evaluations / s / 1e6,
                   s / seconds, naive_fired, naive_fired == fired ? ", same as compiled" : ", DIFFERENT from compiled");
    }

    // Decision tables: look-ups per second by table size, and the issue's per-line mix
    // (one 20-row table look-up + the 10 edits = 11 rule evaluations per line).
    std::vector<std::string> codes;
    for (const Claim& c : claims) {
        for (const Line& line : c.lines()) {
            if (codes.size() < 20) codes.push_back(line.code);
        }
    }
    for (int rows : {20, 50, 5000}) {
        auto pack = table_pack(codes, rows);
        const DecisionTable& t = *pack->find_table("t");
        std::int64_t total = 0;
        auto t0 = std::chrono::steady_clock::now();
        for (int r = 0; r < repeat; ++r) {
            for (const Claim& c : claims) {
                EvalContext ctx{&c, nullptr};
                for (const Line& line : c.lines()) {
                    ctx.line = &line;
                    total += t.result(ctx, 0).number;
                    if (rows == 20) {
                        for (const Program& p : programs) fired += p.evaluate(ctx).truthy() ? 1 : 0;
                    }
                }
            }
        }
        double s2 = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        double lookups = static_cast<double>(lines) * repeat;
        if (rows == 20) {
            fmt::print("per line, one {}-row table look-up + {} edits: {:.1f} M rule evaluations/s ({:.1f} M lines/s)\n", rows, programs.size(),
                       lookups * static_cast<double>(programs.size() + 1) / s2 / 1e6, lookups / s2 / 1e6);
            // Naive: inputs interpreted from their text, rows scanned in order.
            naive::Interpreter interp;
            std::vector<ast::Expr> inputs{naive::Interpreter::parse("line.code"), naive::Interpreter::parse("line.qty"),
                                          naive::Interpreter::parse("line.class")};
            std::vector<ast::Expr> trees;
            for (const char* text : k_edits) trees.push_back(naive::Interpreter::parse(text));
            std::int64_t naive_total = 0;
            auto t1 = std::chrono::steady_clock::now();
            for (int r = 0; r < repeat; ++r) {
                for (const Claim& c : claims) {
                    naive::Context ctx{&c, nullptr};
                    for (const Line& line : c.lines()) {
                        ctx.line = &line;
                        std::vector<naive::NValue> in;
                        for (const ast::Expr& e : inputs) in.push_back(interp.eval(e, ctx));
                        std::int64_t value = 0;
                        for (const TableRow& row : t.rows) {
                            bool match = row.when[0].matches(Value::of_string(in[0].text)) && row.when[1].matches(Value::of_decimal(in[1].number)) &&
                                         row.when[2].matches(Value::of_string(in[2].text));
                            if (match) {
                                value = row.then[0].number;
                                break;
                            }
                        }
                        naive_total += value;
                        for (const ast::Expr& e : trees) fired += interp.eval(e, ctx).number ? 1 : 0;
                    }
                }
            }
            double s3 = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
            fmt::print("naive tree-walker, same per-line mix: {:.1f} M rule evaluations/s ({:.1f}x slower; table checksum {})\n",
                       lookups * static_cast<double>(programs.size() + 1) / s3 / 1e6, s3 / s2, naive_total == total ? "same" : "DIFFERENT");
        } else {
            fmt::print("{:5}-row table (index on column {}): {:.1f} M look-ups/s (checksum {})\n", rows, t.index_column(), lookups / s2 / 1e6, total);
        }
    }
    return 0;
}
