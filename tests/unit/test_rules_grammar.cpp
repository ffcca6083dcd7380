#include <doctest/doctest.h>

#include "rules/grammar.hpp"

using namespace medclaim;

namespace {

std::string parsed(std::string_view text) {
    std::vector<SyntaxError> errors;
    auto expr = parse_expression(text, errors);
    if (!expr) return "error at " + std::to_string(errors.at(0).offset) + ": " + errors.at(0).message;
    return ast::dump(*expr);
}

}  // namespace

TEST_SUITE("medclaim::parse_expression") {
    TEST_CASE("operators and operands read back in normal form") {
        CHECK(parsed("member.age>=60 and line.class==\"B\"") == R"(member.age >= 60 and line.class == "B")");
        CHECK(parsed("a + b * c - 2.5") == "a + b * c - 2.5");
        CHECK(parsed("not (x or y)") == "not (x or y)");
        CHECK(parsed("-line.qty < 0") == "-line.qty < 0");
        CHECK(parsed("provider.level in [2, 3]") == "provider.level in [2, 3]");
        CHECK(parsed("line.code not in catalog(\"drugs\")") == R"(line.code not in catalog("drugs"))");
        CHECK(parsed("1800元 <= claim.in_scope") == "1800元 <= claim.in_scope");
        CHECK(parsed("if visit.referral then 0.9 else 0.8") == "if visit.referral then 0.9 else 0.8");
        CHECK(parsed("days_between(visit.admit_date, visit.discharge_date) > 14") == "days_between(visit.admit_date, visit.discharge_date) > 14");
        CHECK(parsed("today()") == "today()");
        CHECK(parsed("[]") == "[]");
    }

    TEST_CASE("aggregates take a path and an optional where") {
        CHECK(parsed("count(lines where line.class == \"C\") > 0") == R"(count(lines where line.class == "C") > 0)");
        CHECK(parsed("sum(line.amount)") == "sum(line.amount)");
    }

    TEST_CASE("keywords are words, not prefixes of names") {
        CHECK(parsed("android or order_total") == "android or order_total");
        CHECK(parsed("notes == 1") == "notes == 1");
        CHECK(parsed("if_x") == "if_x");
    }

    TEST_CASE("syntax errors name what was expected and where") {
        CHECK(parsed("a and") == "error at 5: expected a value");
        CHECK(parsed("(a + b") == "error at 6: expected ')'");
        CHECK(parsed("if a then b") == "error at 11: expected 'else'");
        CHECK(parsed("\"open") == "error at 5: expected '\"'");
        CHECK(parsed("a b") == "error at 2: expected end of input");
        CHECK(parsed("") == "error at 0: expected an expression");
        CHECK(parsed("sum(1)") == "error at 4: expected a field name");
        CHECK(parsed("x in [1, ]") == "error at 7: expected ']'");
    }

    TEST_CASE("nodes carry the offset where they start, after blanks") {
        std::vector<SyntaxError> errors;
        auto e = parse_expression("  sum(member.age) + x", errors);
        REQUIRE(e);
        const auto& agg = boost::get<boost::spirit::x3::forward_ast<ast::Aggregate>>(e->first).get();
        CHECK(agg.offset == 2);
        CHECK(agg.over.offset == 6);
        CHECK(boost::get<ast::Path>(e->rest.front().operand).offset == 20);
        CHECK(e->rest.front().offset == 18);
    }

    TEST_CASE("never throws, whatever the input") {
        std::vector<SyntaxError> errors;
        for (const char* text : {"((((((", "a..b", "1.", "[", "\"\\", "元", "- - -", "not", "count(", "a == == b", "\x01\xff"}) {
            CAPTURE(text);
            CHECK_NOTHROW(parse_expression(text, errors));
        }
    }
}

