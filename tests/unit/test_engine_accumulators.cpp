#include <doctest/doctest.h>

#include "engine/accumulators.hpp"

using namespace medclaim;

TEST_SUITE("medclaim::Accumulators") {
    TEST_CASE("counters are kept per member and plan year, zero until set") {
        Accumulators acc;
        CHECK(acc.get("M1", 2024, "basic.paid") == 0);
        acc.set("M1", 2024, "basic.paid", 500);
        acc.set("M1", 2025, "basic.paid", 7);
        acc.set("M2", 2024, "basic.paid", 9);
        CHECK(acc.get("M1", 2024, "basic.paid") == 500);
        CHECK(acc.get("M1", 2025, "basic.paid") == 7);
        CHECK(acc.get("M2", 2024, "basic.paid") == 9);
        CHECK(acc.size() == 3);
    }

    TEST_CASE("deltas add, and listing a member-year sorts by counter name") {
        Accumulators acc;
        acc.apply({{"M1", 2024, "z.paid", 100}, {"M1", 2024, "admissions", 1}, {"M1", 2024, "z.paid", -40}, {"M1", 0, "last_discharge", 5}});
        std::vector<Counter> c = acc.counters("M1", 2024);
        REQUIRE(c.size() == 2);
        CHECK(c[0].name == "admissions");
        CHECK(c[1].name == "z.paid");
        CHECK(c[1].value == 60);
        CHECK(acc.counters("M1", 0).size() == 1);
        CHECK(acc.counters("M9", 2024).empty());
    }

    TEST_CASE("member ids that share a prefix stay apart") {
        Accumulators acc;
        acc.set("M1", 2024, "x", 1);
        acc.set("M12", 24, "x", 2);  // would collide with "M1" + "2024" if keys were joined without a separator
        CHECK(acc.get("M1", 2024, "x") == 1);
        CHECK(acc.get("M12", 24, "x") == 2);
    }
}
