#include <doctest/doctest.h>

#include <limits>
#include <random>
#include <string>

#include <fmt/format.h>

#include "util/fixed.hpp"

using namespace medclaim;

namespace {

std::int64_t money(std::string_view s, NumberSyntax syntax = NumberSyntax::plain) {
    DecimalParse p = parse_decimal(s, 2, syntax);
    REQUIRE(p.error == DecimalError::none);
    return p.units;
}

DecimalError money_error(std::string_view s, NumberSyntax syntax = NumberSyntax::plain) { return parse_decimal(s, 2, syntax).error; }

}  // namespace

TEST_SUITE("medclaim::parse_decimal") {
    TEST_CASE("the fast path for plain digits reads what the full scanner reads") {
        // A trailing `e0` sends the same number through the full scanner.
        std::mt19937_64 rng(7);
        const char* shapes[] = {"", "0", "00", ".", ".0", ".5", ".123456789", "0000000000000000001"};
        for (int i = 0; i < 200'000; ++i) {
            std::string s = std::to_string(rng() >> (rng() % 64));
            if (rng() % 3 == 0) s += shapes[rng() % std::size(shapes)];
            if (rng() % 7 == 0) s += fmt::format(".{}", rng() % 100'000);
            for (int scale : {0, 2, 4, 6}) {
                DecimalParse fast = parse_decimal(s, scale, NumberSyntax::json);
                DecimalParse full = parse_decimal(s + "e0", scale, NumberSyntax::json);
                INFO(s, " at scale ", scale);
                REQUIRE(fast.error == full.error);
                REQUIRE(fast.units == full.units);
            }
        }
        CHECK(parse_decimal("999999999999999999", 0, NumberSyntax::plain).units == 999'999'999'999'999'999);
        CHECK(parse_decimal("9999999999999999.99", 2, NumberSyntax::plain).units == 999'999'999'999'999'999);
        CHECK(parse_decimal("99999999999999999.99", 2, NumberSyntax::plain).error == DecimalError::out_of_range);
    }

    TEST_CASE("plain decimals read exactly at the field's scale") {
        CHECK(money("0") == 0);
        CHECK(money("12") == 1200);
        CHECK(money("12.3") == 1230);
        CHECK(money("12.30") == 1230);
        CHECK(money("-0.01") == -1);
        CHECK(money("007.50") == 750);
        CHECK(money("  42.00\t") == 4200);
        CHECK(parse_decimal("1.2345", 4, NumberSyntax::plain).units == 12345);
        CHECK(parse_decimal("0.000001", 6, NumberSyntax::plain).units == 1);
    }

    TEST_CASE("binary floating-point noise reads as the value it stands for") {
        CHECK(money("1308.6999999999998") == 130870);
        CHECK(money("0.30000000000000004") == 30);
        CHECK(money("19.989999999999998") == 1999);
        CHECK(money_error("2.675000000000000266") == DecimalError::too_precise);  // 2.675 has three places
        CHECK(money("-1308.6999999999998") == -130870);
        CHECK(money("5.551115123125783e-17", NumberSyntax::json) == 0);
        CHECK(money("99999999999.99998", NumberSyntax::plain) == 9999999999999 + 1);  // noise below 1e-15 relative
    }

    TEST_CASE("excess digits that are not noise are refused, never rounded") {
        CHECK(money_error("12.345") == DecimalError::too_precise);
        CHECK(money_error("0.001") == DecimalError::too_precise);
        CHECK(money_error("1308.699") == DecimalError::too_precise);
        CHECK(money_error("0.0000001") == DecimalError::too_precise);
        CHECK(money_error("1.0000000000001") == DecimalError::too_precise);
    }

    TEST_CASE("garbage is a syntax error") {
        for (const char* bad : {"abc", "1,234.00", "¥12", "12元", "1.", ".5", "--1", "+1", "1.2.3", "1 2", "0x10", "NaN", "Infinity"}) {
            CAPTURE(bad);
            CHECK(money_error(bad) == DecimalError::syntax);
        }
        CHECK(money_error("") == DecimalError::empty);
        CHECK(money_error("   ") == DecimalError::empty);
    }

    TEST_CASE("an exponent is JSON syntax only") {
        CHECK(money_error("1e3") == DecimalError::syntax);
        CHECK(money("1e3", NumberSyntax::json) == 100000);
        CHECK(money("1.5E+2", NumberSyntax::json) == 15000);
        CHECK(money("125e-2", NumberSyntax::json) == 125);
        CHECK(money_error("1e", NumberSyntax::json) == DecimalError::syntax);
        CHECK(money_error("1e-3", NumberSyntax::json) == DecimalError::too_precise);
    }

    TEST_CASE("values beyond int64 units are out of range") {
        CHECK(money("92233720368547758.07") == std::numeric_limits<std::int64_t>::max());
        CHECK(money("-92233720368547758.07") == -std::numeric_limits<std::int64_t>::max());
        CHECK(money_error("92233720368547758.08") == DecimalError::out_of_range);
        CHECK(money_error("99999999999999999999") == DecimalError::out_of_range);
        CHECK(money_error("1e400", NumberSyntax::json) == DecimalError::out_of_range);
        CHECK(money_error("123456789012345678901234567890123456789") == DecimalError::out_of_range);
        CHECK(money("0e999", NumberSyntax::json) == 0);
        // Found by fuzzing: a long integer part used to overflow 128 bits before the check.
        CHECK(parse_decimal("933720368223337203686854372036854", 6, NumberSyntax::plain).error == DecimalError::out_of_range);
        CHECK(money_error("9223372036854775807") == DecimalError::out_of_range);
    }
}

TEST_CASE("grouped syntax accepts thousands separators in groups of three only") {
    auto grouped = [](std::string_view s) { return parse_decimal(s, 2, NumberSyntax::grouped); };
    CHECK(grouped("1,234.00").units == 123400);
    CHECK(grouped("12,345,678").units == 1234567800);
    CHECK(grouped("-1,000").units == -100000);
    CHECK(grouped("999").units == 99900);
    for (const char* bad : {"1,23", "1,2345", ",123", "1,,234", "1234,567", "1,234,", "1,234.5,6"}) {
        CAPTURE(bad);
        CHECK(grouped(bad).error == DecimalError::syntax);
    }
    CHECK(parse_decimal("1,234.00", 2, NumberSyntax::plain).error == DecimalError::syntax);
}

TEST_SUITE("medclaim::round_half_up") {
    TEST_CASE("ties round away from zero on both signs") {
        CHECK(round_half_up(125, 1) == 13);
        CHECK(round_half_up(124, 1) == 12);
        CHECK(round_half_up(-125, 1) == -13);
        CHECK(round_half_up(-124, 1) == -12);
        CHECK(round_half_up(5, 1) == 1);
        CHECK(round_half_up(-5, 1) == -1);
        CHECK(round_half_up(4999, 4) == 0);
        CHECK(round_half_up(5000, 4) == 1);
        CHECK(round_half_up(0, 3) == 0);
    }

    TEST_CASE("extend multiplies quantity by price exactly, then rounds to the fen") {
        auto qty = [](std::int64_t u) { return Quantity::from_units(u); };
        auto price = [](std::int64_t u) { return UnitPrice::from_units(u); };
        CHECK(extend(qty(30000), price(333333)) == Money::from_units(100));       // 3 × 0.333333 = 0.999999
        CHECK(extend(qty(10000), price(10005000)) == Money::from_units(1001));    // 10.005 → 10.01
        CHECK(extend(qty(-10000), price(10005000)) == Money::from_units(-1001));  // reversal mirrors
        CHECK(extend(qty(25000), price(1999999)) == Money::from_units(500));      // 4.9999975 → 5.00
    }

    TEST_CASE("apply_ratio rounds a share to the fen") {
        CHECK(apply_ratio(Money::from_units(12345), Ratio::from_units(1000)) == Money::from_units(1235));  // 12.345 → 12.35
        CHECK(apply_ratio(Money::from_units(-12345), Ratio::from_units(1000)) == Money::from_units(-1235));
        CHECK(apply_ratio(Money::from_units(100), Ratio::from_units(10000)) == Money::from_units(100));
    }
}

TEST_SUITE("medclaim::format_decimal") {
    TEST_CASE("prints exactly the scale's places") {
        CHECK(Money::from_units(12340).to_string() == "123.40");
        CHECK(Money::from_units(5).to_string() == "0.05");
        CHECK(Money::from_units(-5).to_string() == "-0.05");
        CHECK(Money::from_units(0).to_string() == "0.00");
        CHECK(Ratio::from_units(500).to_string() == "0.0500");
        CHECK(format_decimal(std::numeric_limits<std::int64_t>::min(), 2) == "-92233720368547758.08");
        CHECK(format_decimal(7, 0) == "7");
        CHECK(format_decimal(std::numeric_limits<std::int64_t>::max(), 2) == "92233720368547758.07");
    }

    TEST_CASE("the short form drops trailing zeros past two places") {
        CHECK(format_decimal_short(850000, 6) == "0.85");
        CHECK(format_decimal_short(1000000, 6) == "1.00");
        CHECK(format_decimal_short(123456, 6) == "0.123456");
        CHECK(format_decimal_short(-50000, 6) == "-0.05");
        CHECK(format_decimal_short(7, 0) == "7.00");
    }

    TEST_CASE("trimmed decimals drop every trailing zero and a bare point") {
        CHECK(format_decimal_trimmed(25000, 4) == "2.5");
        CHECK(format_decimal_trimmed(10000, 4) == "1");
        CHECK(format_decimal_trimmed(-625000, 4) == "-62.5");
        CHECK(format_decimal_trimmed(0, 4) == "0");
        CHECK(format_decimal_trimmed(120, 0) == "120");  // no point: zeros of the integer stay
    }

    TEST_CASE("division rounds half away from zero on both signs") {
        CHECK(divide_half_up(5, 2) == 3);
        CHECK(divide_half_up(-5, 2) == -3);
        CHECK(divide_half_up(4, 3) == 1);
        CHECK(divide_half_up(static_cast<Int128>(3150) * 5000, 15000) == 1050);  // 31.50 × 0.5 / 1.5
        CHECK(divide_half_up(static_cast<Int128>(180025) * 500000, 1000000) == 90013);  // 900.125 → 900.13
    }

    TEST_CASE("money two digits at a time prints what digit by digit does") {
        std::mt19937_64 rng(11);
        for (int i = 0; i < 200'000; ++i) {
            std::int64_t v = static_cast<std::int64_t>(rng() >> (rng() % 64));
            if (i % 2 == 1) v = -v;
            std::uint64_t m = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
            std::string want = fmt::format("{}{}.{:02}", v < 0 ? "-" : "", m / 100, m % 100);
            REQUIRE(format_decimal(v, 2) == want);
        }
    }
}
