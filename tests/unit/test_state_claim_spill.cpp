#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "state/claim_spill.hpp"
#include "state/ledger.hpp"
#include "util/error.hpp"

using namespace medclaim;

namespace {

SettledClaim settled(int i) {
    SettledClaim c;
    c.claim_id = fmt::format("CLM{:07}", i);
    c.content_hash = fmt::format("{:016x}", i * 7919);
    c.member_id = fmt::format("M{}", i % 97);
    c.plan_year = 2024;
    c.record = "not kept";
    // The claim's member, one of its policies, and another key (a policy key of
    // another member, a member whose id the claim's starts with).
    c.deltas = {{c.member_id, 2024, "hifp.position", 100 + i},
                {c.member_id, 0, "last_discharge", -i},
                {c.member_id + "\x1d" + fmt::format("P{}", i), 2024, fmt::format("product{}.paid", i % 3), 5},
                {fmt::format("M{}\x1dP1", i % 97 + 1), 2023, "deductible", 6},
                {c.member_id + "9", 2024, "admissions", 1}};
    c.figures = std::string(static_cast<std::size_t>(100 + i % 50), static_cast<char>('a' + i % 26));
    return c;
}

}  // namespace

TEST_SUITE("medclaim::ClaimSpill") {
    TEST_CASE("claims written out to the file and still in the buffer are found with every field") {
        ClaimSpill spill;
        constexpr int k_claims = 30'000;  // about 6 MB: several flushes
        for (int i = 0; i < k_claims; ++i) spill.put(settled(i));
        CHECK(spill.size() == k_claims);
        for (int i : {0, 1, 4'095, 15'000, k_claims - 1}) {
            std::optional<SettledClaim> c = spill.find(fmt::format("CLM{:07}", i));
            REQUIRE(c);
            SettledClaim want = settled(i);
            CHECK(c->claim_id == want.claim_id);
            CHECK(c->content_hash == want.content_hash);
            CHECK(c->member_id == want.member_id);
            CHECK(c->plan_year == 2024);
            CHECK(c->record.empty());
            REQUIRE(c->deltas.size() == want.deltas.size());
            for (std::size_t k = 0; k < want.deltas.size(); ++k) {
                CAPTURE(k);
                CHECK(c->deltas[k].member_id == want.deltas[k].member_id);
                CHECK(c->deltas[k].plan_year == want.deltas[k].plan_year);
                CHECK(c->deltas[k].counter == want.deltas[k].counter);
                CHECK(c->deltas[k].change == want.deltas[k].change);
            }
            CHECK(c->deltas[0].counter == "hifp.position");
            CHECK(c->deltas[1].plan_year == 0);
            CHECK(c->deltas[1].change == -i);
            CHECK(c->figures == want.figures);
            CHECK(c->reversed_by.empty());
            CHECK(c->seq == i + 1);
        }
        CHECK_FALSE(spill.find("CLM9999999"));
        CHECK_FALSE(spill.find(""));
    }

    TEST_CASE("a claim stored again under its seq replaces the old version") {
        ClaimSpill spill;
        for (int i = 0; i < 10'000; ++i) spill.put(settled(i));
        for (int i : {3, 9'999}) {
            std::optional<SettledClaim> c = spill.find(fmt::format("CLM{:07}", i));
            REQUIRE(c);
            c->reversed_by = "REV";
            c->figures = "changed";
            spill.put(*c);
        }
        CHECK(spill.size() == 10'000);
        for (int i : {3, 9'999}) {
            std::optional<SettledClaim> c = spill.find(fmt::format("CLM{:07}", i));
            REQUIRE(c);
            CHECK(c->reversed_by == "REV");
            CHECK(c->figures == "changed");
        }
        CHECK(spill.find("CLM0000004")->reversed_by.empty());
    }

    TEST_CASE("a temporary folder that cannot be written is an I/O error that names it") {
        const char* old = std::getenv("TMPDIR");
        std::string saved = old != nullptr ? old : "";
        ::setenv("TMPDIR", "/nonexistent-medclaim-folder", 1);
        std::string message;
        try {
            ClaimSpill spill;
        } catch (const IoError& e) {
            message = e.what();
        }
        if (old != nullptr) {
            ::setenv("TMPDIR", saved.c_str(), 1);
        } else {
            ::unsetenv("TMPDIR");
        }
        CHECK(message ==
              "cannot create the temporary ledger in `/nonexistent-medclaim-folder`: No such file or directory (set TMPDIR to a writable folder)");
    }
}
