#include <doctest/doctest.h>

#include <string>

#include <fmt/format.h>

#include "util/date.hpp"

using namespace medclaim;

TEST_SUITE("medclaim::Date") {
    TEST_CASE("parses ISO dates and round-trips them") {
        auto d = Date::parse("2024-02-29");
        REQUIRE(d);
        CHECK(d->to_string() == "2024-02-29");
        CHECK(d->year() == 2024);
        CHECK(d->month() == 2);
        CHECK(d->day() == 29);
        CHECK(Date::parse("1970-01-01")->days() == 0);
        CHECK(Date::parse("1969-12-31")->days() == -1);
    }

    TEST_CASE("impossible dates are refused") {
        for (const char* bad : {"2025-02-29", "2025-02-30", "2024-13-01", "2024-00-10", "2024-04-31", "2024-4-1", "24-04-01", "2024/04/01",
                                "20240401", "", "2024-04-01x"}) {
            CAPTURE(bad);
            CHECK_FALSE(Date::parse(bad));
        }
    }

    TEST_CASE("YYYY-MM-DD (read by a short path) gives what the text with blanks around it gives") {
        for (const char* bad : {"2024-0a-01", "2024-01-0/", "2O24-01-01", "2024-01- 1", "+024-01-01", "2024-1-011", "2024--0101", "2024-00-00"}) {
            CAPTURE(bad);
            CHECK_FALSE(Date::parse(bad));
            CHECK_FALSE(Date::parse(std::string(" ") + bad));
        }
        int checked = 0;
        for (int y : {1900, 1999, 2000, 2023, 2024, 2100, 2199}) {
            for (int m = 1; m <= 12; ++m) {
                for (int d = 0; d <= 32; ++d) {
                    std::string text = fmt::format("{:04}-{:02}-{:02}", y, m, d);
                    CAPTURE(text);
                    std::optional<Date> fast = Date::parse(text);
                    std::optional<Date> slow = Date::parse(" " + text + "\t");
                    CHECK(fast.has_value() == slow.has_value());
                    if (fast && slow) {
                        CHECK(fast->days() == slow->days());
                        CHECK(fast->to_string() == text);
                        ++checked;
                    }
                }
            }
        }
        CHECK(checked == 7 * 365 + 2);  // 2000 and 2024 are leap years; 1900 and 2100 are not
    }

    TEST_CASE("years outside 1900-2199 are refused") {
        CHECK_FALSE(Date::parse("1899-12-31"));
        CHECK(Date::parse("1900-01-01"));
        CHECK(Date::parse("2199-12-31"));
        CHECK_FALSE(Date::parse("2200-01-01"));
    }

    TEST_CASE("a valid time of day is accepted and dropped") {
        CHECK(Date::parse("2024-03-05 08:30:00")->to_string() == "2024-03-05");
        CHECK(Date::parse("2024-03-05T23:59")->to_string() == "2024-03-05");
        CHECK_FALSE(Date::parse("2024-03-05 24:00:00"));
        CHECK_FALSE(Date::parse("2024-03-05 08:60"));
        CHECK_FALSE(Date::parse("2024-03-05 8:30"));
    }

    TEST_CASE("differences count days across month and year ends") {
        CHECK(*Date::parse("2025-01-01") - *Date::parse("2024-12-31") == 1);
        CHECK(*Date::parse("2024-03-01") - *Date::parse("2024-02-28") == 2);
    }

    TEST_CASE("age_on counts whole years; a 29 February birthday arrives on 1 March") {
        Date birth = *Date::parse("2000-02-29");
        CHECK(age_on(birth, *Date::parse("2001-02-28")) == 0);
        CHECK(age_on(birth, *Date::parse("2001-03-01")) == 1);
        CHECK(age_on(birth, *Date::parse("2004-02-29")) == 4);
        CHECK(age_on(*Date::parse("1980-05-01"), *Date::parse("2024-04-30")) == 43);
    }
}
