#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rules/pack.hpp"
#include "util/diagnostics.hpp"

namespace medclaim {

/// What `medclaim test` found.
struct TestReport {
    std::uint64_t passed = 0;
    std::uint64_t failed = 0;
    std::vector<std::string> uncovered;  ///< rules, rows and segments no test exercised
};

struct TestOptions {
    std::string filter;     ///< run only the tests whose name contains this
    bool coverage = false;  ///< fill TestReport::uncovered
};

/// Runs the test cases in tests/*.yaml of the set's folder and of each version's folder
/// (in that order, files by name), each claim against the version effective on its
/// governing date; prints one line per test, a per-field diff with the trace of each
/// failing figure, and nothing else; the caller prints the `N passed, M failed` line.
/// Problems in the test files are appended to `diagnostics` and fail their tests.
/// See man/medclaim-rules.5, TESTS, for the file format.
TestReport run_pack_tests(const PackSet& packs, const TestOptions& options, std::FILE* out, std::vector<Diagnostic>& diagnostics);

/// Every coverage item of `pack`: `edit ID`, `table ID row ROW`, `layer ID segment N`,
/// `layer ID cap`, `unit_cap ID`, each with where it is defined.
std::vector<std::pair<std::string, std::string>> coverage_items(const Pack& pack);

}  // namespace medclaim
