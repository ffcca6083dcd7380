#pragma once
// Test helper: load a pack that must compile, failing the test with every diagnostic.

#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "rules/pack.hpp"

namespace medclaim::test {

inline std::unique_ptr<Pack> load_pack_or_fail(const std::string& dir, const std::string& context = {}) {
    std::vector<Diagnostic> diagnostics;
    auto pack = load_pack(dir, diagnostics);
    std::string problems;
    for (const Diagnostic& d : diagnostics) problems += format_diagnostic(d);
    INFO(context, problems);
    REQUIRE(pack);
    return pack;
}

}  // namespace medclaim::test
