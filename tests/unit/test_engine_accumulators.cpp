#include <doctest/doctest.h>

#include <string>

#include <algorithm>

#include <fmt/format.h>

#include "engine/accumulators.hpp"

using namespace medclaim;

TEST_SUITE("medclaim::Accumulators") {
    TEST_CASE("counters read as counts, dates or money by their names") {
        CHECK(counter_text("admissions", 3) == "3");
        CHECK(counter_text("cash.days", 7) == "7");
        CHECK(counter_text("last_discharge", 0) == "-");
        CHECK(counter_text("last_discharge", 1) == "1970-01-01");
        CHECK(counter_text("basic.paid", 123456) == "1234.56");
        CHECK(counter_text("days.paid", 5) == "0.05");  // only the suffix .days counts days
    }

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

    TEST_CASE("restored counters and held member-years are not changes; set and apply are") {
        Accumulators acc;
        CHECK(acc.hold("M1", 2024));
        CHECK_FALSE(acc.hold("M1", 2024));
        acc.restore("M1", 2024, "basic.paid", 300);
        acc.restore("M2", 2024, "basic.paid", 5);
        CHECK_FALSE(acc.hold("M2", 2024));  // restoring holds it
        CHECK(acc.changed() == 0);
        CHECK(acc.member_years() == 2);
        acc.apply({{"M1", 2024, "basic.paid", 50}, {"M1", 2024, "admissions", 1}});
        acc.set("M3", 0, "last_discharge", 9);
        CHECK(acc.changed() == 2);
        std::vector<std::string> seen;
        acc.for_each_changed([&](std::string_view member, int year, const std::vector<Counter>& counters) {
            std::string line = fmt::format("{} {}:", member, year);
            for (const Counter& c : counters) line += fmt::format(" {}={}", c.name, c.value);
            seen.push_back(line);
        });
        std::sort(seen.begin(), seen.end());
        CHECK(seen == std::vector<std::string>{"M1 2024: admissions=1 basic.paid=350", "M3 0: last_discharge=9"});
        acc.forget_changes();
        CHECK(acc.changed() == 0);
        CHECK(acc.get("M1", 2024, "basic.paid") == 350);
    }

    TEST_CASE("prefetching a member-year, present or not, changes nothing") {
        Accumulators acc;
        acc.prefetch("M1", 2024, 1);  // an empty table: nothing to load
        acc.prefetch("M1", 2024, 2);
        for (int i = 0; i < 1000; ++i) acc.set("M" + std::to_string(i), 2024, "basic.paid", i);
        for (int i = 0; i < 1000; i += 7) {
            std::string member = "M" + std::to_string(i);
            acc.prefetch(member, 2024, 1);
            acc.prefetch(member, 2024, 2);
            acc.prefetch(member, 2023, 2);  // a year it does not hold
            CHECK(acc.get(member, 2024, "basic.paid") == i);
        }
        CHECK(acc.member_years() == 1000);
        CHECK(acc.get("M5", 2023, "basic.paid") == 0);
    }

    TEST_CASE("a copy reads its own counters, not the original's") {
        Accumulators a;
        a.set("M1", 2024, "x", 1);
        CHECK(a.get("M1", 2024, "x") == 1);  // remembers M1 2024 as looked up last
        Accumulators b = a;
        a.set("M1", 2024, "x", 2);
        CHECK(b.get("M1", 2024, "x") == 1);
        b = a;
        CHECK(b.get("M1", 2024, "x") == 2);
        a = Accumulators();
        CHECK(a.get("M1", 2024, "x") == 0);
        CHECK(b.get("M1", 2024, "x") == 2);
    }

    TEST_CASE("many member-years stay apart as the index grows, and changes list each once") {
        Accumulators acc;
        constexpr int k_members = 30000;
        for (int m = 0; m < k_members; ++m) {
            std::string id = fmt::format("M{:07d}", m);
            acc.set(id, 2024, "basic.paid", m);
            acc.apply({{id, 0, "last_discharge", m + 1}, {id, 2024, fmt::format("audit.qty.X{}.1", m % 7), 3}});
        }
        CHECK(acc.member_years() == 2 * k_members);
        CHECK(acc.changed() == 2 * k_members);
        for (int m = 0; m < k_members; m += 997) {
            std::string id = fmt::format("M{:07d}", m);
            CHECK(acc.get(id, 2024, "basic.paid") == m);
            CHECK(acc.get(id, 0, "last_discharge") == m + 1);
            CHECK(acc.get(id, 2024, fmt::format("audit.qty.X{}.1", m % 7)) == 3);
            CHECK(acc.get(id, 2024, fmt::format("audit.qty.X{}.1", (m + 1) % 7)) == 0);
            CHECK(acc.get(id, 2023, "basic.paid") == 0);
        }
        CHECK(acc.get("M9999999", 2024, "basic.paid") == 0);
        std::size_t listed = 0;
        std::int64_t sum = 0;
        acc.for_each_changed([&](std::string_view member, int year, const std::vector<Counter>& counters) {
            ++listed;
            if (year == 0) {
                REQUIRE(counters.size() == 1);
                CHECK(counters[0].value == std::stoi(std::string(member.substr(1))) + 1);
                sum += counters[0].value;
            }
        });
        CHECK(listed == 2 * k_members);
        CHECK(sum == std::int64_t{k_members} * (k_members + 1) / 2);
    }
}
