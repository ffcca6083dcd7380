#include <doctest/doctest.h>

#include "model/claim.hpp"
#include "rules/program.hpp"

using namespace medclaim;

namespace {

Claim sample_claim() {
    Claim c;
    c.claim_id = "C1";
    c.member.id = "M1";
    c.member.sex = Sex::female;
    c.member.birth_date = *Date::parse("1960-05-01");
    c.member.scheme = Scheme::employee;
    c.member.category = "retired";
    c.provider.level = 3;
    c.visit.care_type = CareType::inpatient;
    c.visit.admit_date = *Date::parse("2024-03-01");
    c.visit.discharge_date = *Date::parse("2024-03-15");
    c.visit.department = "呼吸内科";
    c.visit.readmission_planned = true;
    c.diagnoses = {{"J18.900", true}, {"I10.x00", false}};
    auto add = [&](std::uint32_t no, const char* code, ItemClass cls, std::int64_t qty_units, std::int64_t fen) {
        Line& l = c.add_line();
        l.line_no = no;
        l.code = code;
        l.item_class = cls;
        l.qty = Quantity::from_units(qty_units);
        l.amount = Money::from_units(fen);
    };
    add(1, "XJ01CRA096A001010101445", ItemClass::a, 20000, 2500);
    add(2, "001102000050000", ItemClass::b, 140000, 42000);
    add(3, "C0101010110100100012", ItemClass::c, 10000, 1250);
    return c;
}

// Compiles (claim scope) and evaluates, returning the value written as a literal.
std::string eval(std::string_view text, Scope scope = Scope::claim, int line = -1) {
    std::vector<BindError> errors;
    auto p = Program::compile(text, scope, errors);
    if (!p) return "error at " + std::to_string(errors.at(0).offset) + ": " + errors.at(0).message;
    Claim c = sample_claim();
    EvalContext ctx{&c, line >= 0 ? &c.lines()[static_cast<std::size_t>(line)] : nullptr};
    return to_string(p->evaluate(ctx));
}

std::string dump(std::string_view text, Scope scope = Scope::claim) {
    std::vector<BindError> errors;
    auto p = Program::compile(text, scope, errors);
    return p ? p->dump() : "error: " + errors.at(0).message;
}

std::vector<std::string> all_errors(std::string_view text, Scope scope = Scope::claim) {
    std::vector<BindError> errors;
    Program::compile(text, scope, errors);
    std::vector<std::string> out;
    for (const auto& e : errors) out.push_back(std::to_string(e.offset) + ": " + e.message);
    return out;
}

}  // namespace

TEST_SUITE("medclaim::Program") {
    TEST_CASE("a readmission is an inpatient stay within 31 days of a discharge; other care only counts the days") {
        std::vector<BindError> errors;
        auto readmission = Program::compile("claim.is_readmission", Scope::claim, errors);
        auto days = Program::compile("claim.days_since_discharge", Scope::claim, errors);
        REQUIRE(readmission);
        REQUIRE(days);
        Claim c = sample_claim();
        EvalContext ctx{&c, nullptr};
        ctx.days_since_discharge = 12;
        CHECK(readmission->evaluate(ctx).truthy());
        ctx.days_since_discharge = 32;
        CHECK_FALSE(readmission->evaluate(ctx).truthy());
        c.visit.care_type = CareType::outpatient;
        ctx.days_since_discharge = 12;
        CHECK_FALSE(readmission->evaluate(ctx).truthy());
        CHECK(days->evaluate(ctx).number == 12);
    }

    TEST_CASE("precedence: * over +, comparisons over and, and over or") {
        CHECK(dump("1 + 2 * x") == "error: unknown field `x`");
        CHECK(dump("member.age + 2 * provider.level") == "(member.age:integer + (2 * provider.level:integer))");
        CHECK(dump("member.age >= 60 and provider.level == 3 or visit.referral") ==
              "(((member.age:integer >= 60) and (provider.level:integer == 3)) or visit.referral:true/false)");
        CHECK(dump("member.age - 1 - 2") == "((member.age:integer - 1) - 2)");
    }

    TEST_CASE("constants fold at bind time") {
        CHECK(dump("2 * 3 + 1") == "7");
        CHECK(dump("1800元 * 0.5") == "900.00元");
        CHECK(dump("date(\"2024-01-31\") + 1") == "2024-02-01");
        CHECK(dump("if 1 < 2 then \"a\" else \"b\"") == "\"a\"");
        CHECK(dump("not (1 == 1) or member.age > 1") == "(false or (member.age:integer > 1))");
    }

    TEST_CASE("claim fields and derived fields evaluate against the claim") {
        CHECK(eval("member.age") == "63");
        CHECK(eval("claim.los_days") == "14");
        CHECK(eval("claim.amount") == "457.50元");
        CHECK(eval("claim.primary_diagnosis") == "\"J18.900\"");
        CHECK(eval("visit.department == \"呼吸内科\" and visit.readmission_planned") == "true");
        CHECK(eval("member.sex == \"F\" and member.category in [\"retired\", \"active\"]") == "true");
        CHECK(eval("provider.level not in [1, 2]") == "true");
        CHECK(eval("\"I10.x00\" in diagnoses") == "true");
        CHECK(eval("any_prefix(diagnoses, \"J18\") and not any_prefix(diagnoses, \"C\")") == "true");
        CHECK(eval("days_between(visit.admit_date, visit.discharge_date)") == "14");
        CHECK(eval("age_at(member.birth_date, date(\"2025-05-01\"))") == "65");
    }

    TEST_CASE("aggregates run over the lines") {
        CHECK(eval("count(lines)") == "3");
        CHECK(eval("count(lines where line.class == \"C\")") == "1");
        CHECK(eval("sum(line.amount where line.class != \"C\")") == "445.00元");
        CHECK(eval("sum(line.qty)") == "17");
        CHECK(eval("any(lines where starts_with(line.code, \"X\"))") == "true");
        CHECK(eval("all(lines where line.amount > 10元)") == "true");
        CHECK(eval("all(lines where line.amount > 20元)") == "false");
    }

    TEST_CASE("line rules read the current line") {
        CHECK(eval("line.amount * 0.1", Scope::line, 1) == "42.00元");
        CHECK(eval("line.qty * 2", Scope::line, 0) == "4");
        CHECK(eval("line.class == \"B\" and line.qty > 10", Scope::line, 1) == "true");
    }

    TEST_CASE("exact arithmetic: money times ratio rounds half-up to the fen") {
        CHECK(eval("12.34元 * 0.05") == "0.62元");   // 0.617
        CHECK(eval("12.30元 * 0.05") == "0.62元");   // 0.615: half-up
        CHECK(eval("-12.30元 * 0.05") == "-0.62元");
        CHECK(eval("100元 / 3") == "33.33元");
        CHECK(eval("1 / 3") == "0.333333");
        CHECK(eval("10元 / 4元") == "2.5");
        CHECK(eval("0.1 + 0.2 == 0.3") == "true");
    }

    TEST_CASE("type errors are reported at the operator with both types") {
        CHECK(all_errors("member.age and true") == std::vector<std::string>{"11: `and` needs true/false on both sides; got integer and true/false"});
        CHECK(all_errors("claim.amount > 5") ==
              std::vector<std::string>{"13: `>` compares values of one type (numbers with numbers, money with money); got money and integer"});
        CHECK(all_errors("member.sex + 1").at(0) == "11: `+` needs numbers, money, or dates and days; got string and integer");
        CHECK(all_errors("if member.age then 1 else 2").at(0) == "3: `if` needs true/false, not integer");
        CHECK(all_errors("if visit.referral then 1 else \"x\"").at(0) == "30: `then` and `else` give different types: integer and string");
    }

    TEST_CASE("unknown names get suggestions; every error is reported") {
        CHECK(all_errors("member.agee > 60 and provider.levl == 3") ==
              std::vector<std::string>{"0: unknown field `member.agee`; did you mean `member.age`?",
                                       "21: unknown field `provider.levl`; did you mean `provider.level`?"});
        CHECK(all_errors("days_betwen(visit.admit_date, visit.discharge_date)").at(0) ==
              "0: unknown function `days_betwen`; did you mean `days_between`?");
        CHECK(all_errors("abs(1, 2)").at(0) == "0: `abs` takes 1 argument, not 2");
        CHECK(all_errors("date(\"2024-02-30\")").at(0) == "0: `date` takes one quoted date: date(\"2024-01-01\")");
    }

    TEST_CASE("line fields need a line rule or an aggregate over lines") {
        CHECK(all_errors("line.amount > 10元").at(0) ==
              "0: `line.amount` is a fee-line field: use it in a line rule or inside count, sum, any or all over lines");
        CHECK(all_errors("line.amount > 10元", Scope::line).empty());
        CHECK(all_errors("count(lines where line.amount > 10元) > 1").empty());
        CHECK(all_errors("sum(member.age)").at(0) == "4: `sum` adds a fee-line field such as `line.amount`, not `member.age`");
    }

    TEST_CASE("membership, chains and division by zero") {
        CHECK(all_errors("provider.level in [1, \"2\"]").at(0) == "22: `in` needs a list of constant integer values");
        CHECK(all_errors("line.code in catalog(\"drugs\")", Scope::line).at(0) == "21: no catalog named `drugs` in the rule pack");
        CHECK(all_errors("1 < member.age < 3").at(0) == "15: comparisons do not chain; combine them with `and`");
        CHECK(all_errors("member.age / 0").at(0) == "11: division by zero");
        CHECK(all_errors("[1, 2]").at(0) == "0: a list can only follow `in`");
    }

    TEST_CASE("a call with wrong argument types is not folded (found by fuzzing: it read a null claim)") {
        CHECK(all_errors("any_prefix(\"J18\", \"J\")") == std::vector<std::string>{"0: `any_prefix` takes a list field and a string; got string and string"});
        CHECK(all_errors("any_prefix(\"J18\", \"J\") and true").size() == 1);
    }

    TEST_CASE("syntax errors come through compile") {
        CHECK(all_errors("member.age >") == std::vector<std::string>{"12: expected a value"});
    }

    TEST_CASE("every field the language offers can be read without a crash") {
        Claim c = sample_claim();
        for (const ExprField& f : expression_fields()) {
            if (f.type == Type::string_list) continue;
            std::vector<BindError> errors;
            auto p = Program::compile(f.name, f.line ? Scope::line : Scope::claim, errors);
            CAPTURE(f.name);
            REQUIRE(p);
            CHECK(p->type() == f.type);
            EvalContext ctx{&c, &c.lines()[0]};
            CHECK(p->evaluate(ctx).type == f.type);
        }
    }
}
