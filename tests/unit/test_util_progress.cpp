#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "util/progress.hpp"

using namespace medclaim;

namespace {

std::string written(std::FILE* f) {
    std::fflush(f);
    std::rewind(f);
    std::string out;
    char buffer[256];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, f)) out.append(buffer, n);
    return out;
}

}  // namespace

TEST_SUITE("medclaim::Progress") {
    TEST_CASE("disabled, it writes nothing however often it ticks") {
        std::FILE* f = std::tmpfile();
        Progress p(f, false);
        for (int i = 0; i < 5000; ++i) p.tick(static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(i) * 3);
        p.finish();
        CHECK(written(f).empty());
        std::fclose(f);
    }

    TEST_CASE("enabled, it rewrites one line and erases it at the end") {
        std::FILE* f = std::tmpfile();
        Progress p(f, true);
        for (int i = 1; i <= 1024; ++i) p.tick(static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(i) * 3);
        p.finish();
        std::string out = written(f);
        CHECK(out.find("\rmedclaim: 1024 claims, 3072 records read\x1b[K") == 0);
        CHECK(out.ends_with("\r\x1b[K"));
        CHECK(out.find('\n') == std::string::npos);
        std::fclose(f);
    }
}
