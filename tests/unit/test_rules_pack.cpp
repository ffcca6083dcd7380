#include <doctest/doctest.h>

#include "model/claim.hpp"
#include "pack_helpers.hpp"
#include "rules/pack.hpp"

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <fmt/format.h>

using namespace medclaim;

namespace {

std::unique_ptr<Pack> sample_pack() { return test::load_pack_or_fail(MEDCLAIM_SOURCE_DIR "/rules/sample"); }

const Edit& edit(const Pack& pack, std::string_view id) {
    for (const Edit& e : pack.edits) {
        if (e.id == id) return e;
    }
    FAIL("no edit ", id);
    return pack.edits.front();
}

}  // namespace

TEST_SUITE("medclaim::Pack") {
    TEST_CASE("the sample pack loads with its metadata, catalogs and edits") {
        auto pack = sample_pack();
        CHECK(pack->name == "sample");
        CHECK(pack->version == "2024.1");
        CHECK(pack->effective_from == *Date::parse("2024-01-01"));
        CHECK(pack->layers == std::vector<std::string>{"basic", "chronic", "serious_illness"});
        REQUIRE(pack->benefits.size() == 3);
        CHECK(pack->benefits[0].fund == "hifp");
        CHECK(pack->benefits[2].base == LayerBase::burden);
        CHECK(pack->benefits[2].position == Period::year);
        CHECK(pack->pricing.catalogs.size() == 3);
        CHECK(pack->catalogs.size() == 5);
        CHECK(pack->edits.size() == 5);
        CHECK(pack->tables.size() == 3);
        CHECK(edit(*pack, "long-stay").scope == Scope::claim);
        CHECK(edit(*pack, "sex-restricted-item").severity == EditSeverity::deny);
    }

    TEST_CASE("catalog rows are chosen by the date they are valid on") {
        auto pack = sample_pack();
        const Catalog* drugs = pack->find("drugs");
        REQUIRE(drugs);
        const CatalogRow* march = drugs->find("ZA04CAE0023010100166", *Date::parse("2024-03-01"));
        const CatalogRow* august = drugs->find("ZA04CAE0023010100166", *Date::parse("2024-08-01"));
        REQUIRE(march);
        REQUIRE(august);
        CHECK(march->self_pay_ratio == Ratio::from_units(1000));
        CHECK(august->self_pay_ratio == Ratio::from_units(500));
        CHECK(august->price_cap == UnitPrice::from_units(38000000));
        CHECK_FALSE(drugs->find("ZA04CAE0023010100166", *Date::parse("2025-01-01")));
        CHECK_FALSE(drugs->find("NOPE", *Date::parse("2024-03-01")));
    }

    TEST_CASE("edits evaluate against claims, catalogs included") {
        auto pack = sample_pack();
        Claim c;
        c.member.sex = Sex::male;
        c.visit.care_type = CareType::inpatient;
        c.visit.admit_date = *Date::parse("2024-03-01");
        c.visit.discharge_date = *Date::parse("2024-04-15");
        Line& line = c.add_line();
        line.code = "XG03CAA001A001010100001";
        EvalContext ctx{&c, &c.lines()[0]};
        CHECK(edit(*pack, "sex-restricted-item").when.evaluate(ctx).truthy());
        CHECK(edit(*pack, "long-stay").when.evaluate(ctx).truthy());
        c.member.sex = Sex::female;
        CHECK_FALSE(edit(*pack, "sex-restricted-item").when.evaluate(ctx).truthy());
        CHECK(edit(*pack, "sex-restricted-item").when.dump() ==
              R"(((line.code:string in catalog("female_only")) and (member.sex:string == "M")))");
    }
}

namespace {

Claim table_claim(int level, const char* category) {
    Claim c;
    c.member.category = category;
    c.provider.level = level;
    c.visit.care_type = CareType::inpatient;
    c.visit.admit_date = *Date::parse("2024-03-01");
    c.visit.discharge_date = *Date::parse("2024-03-04");
    Line& bed = c.add_line();
    bed.kind = LineKind::bed;
    bed.qty = Quantity::from_units(30000);
    bed.amount = Money::from_units(9000);  // 3 days × 30.00
    return c;
}

}  // namespace

TEST_SUITE("medclaim::DecisionTable") {
    TEST_CASE("first-hit rows decide in order; ranges and any cells match") {
        auto pack = sample_pack();
        const DecisionTable* t = pack->find_table("deductible");
        REQUIRE(t);
        auto amount = [&](int level, const char* category) {
            Claim c = table_claim(level, category);
            return t->result(EvalContext{&c, nullptr}, 0);
        };
        CHECK(to_string(amount(3, "retired")) == "1000.00元");
        CHECK(to_string(amount(3, "active")) == "1300.00元");
        CHECK(to_string(amount(2, "retired")) == "800.00元");
        CHECK(to_string(amount(0, "child")) == "300.00元");
        Claim c = table_claim(3, "retired");
        CHECK(t->rows[static_cast<std::size_t>(t->first_match(EvalContext{&c, nullptr}))].id == "level3-retired");
        CHECK(t->count(EvalContext{&c, nullptr}) == 2);
        CHECK(t->index_column() == 1);  // column 0 holds a range, so the index is on category
    }

    TEST_CASE("a line table feeds an edit through table()") {
        auto pack = sample_pack();
        const Edit& over = edit(*pack, "bed-fee-over-cap");
        Claim c = table_claim(2, "active");  // cap 25.00 a day; 3 days billed at 30.00
        CHECK(over.when.evaluate(EvalContext{&c, &c.lines()[0]}).truthy());
        c = table_claim(3, "active");  // cap 30.00: not over
        CHECK_FALSE(over.when.evaluate(EvalContext{&c, &c.lines()[0]}).truthy());
    }

    TEST_CASE("a 5,000-row table is indexed on its equality column") {
        namespace fs = std::filesystem;
        fs::path dir = fs::temp_directory_path() / fmt::format("medclaim-big-table-{}", ::getpid());
        fs::create_directories(dir);
        std::string yaml = "name: big\nversion: \"1\"\ntables:\n  - id: caps\n    scope: line\n    inputs:\n      - {name: code, expr: line.code}\n"
                           "      - {name: qty, expr: line.qty}\n    outputs:\n      - {name: cap, type: money, default: 0元}\n    rows:\n";
        for (int i = 0; i < 5000; ++i) yaml += fmt::format("      - {{id: r{}, when: [C{:05}, \"[0..100]\"], then: [{}元]}}\n", i, i, i);
        std::ofstream(dir / "pack.yaml") << yaml;
        std::vector<Diagnostic> diagnostics;
        auto pack = load_pack(dir.string(), diagnostics);
        fs::remove_all(dir);
        REQUIRE(pack);
        const DecisionTable* t = pack->find_table("caps");
        REQUIRE(t);
        CHECK(t->rows.size() == 5000);
        CHECK(t->index_column() == 0);
        Claim c = table_claim(1, "active");
        c.lines()[0].code = "C04321";
        CHECK(to_string(t->result(EvalContext{&c, &c.lines()[0]}, 0)) == "4321.00元");
        c.lines()[0].code = "C99999";
        CHECK(to_string(t->result(EvalContext{&c, &c.lines()[0]}, 0)) == "0.00元");
        c.lines()[0].code = "C00007";
        c.lines()[0].qty = Quantity::from_units(1010000);  // 101: outside [0..100]
        CHECK(to_string(t->result(EvalContext{&c, &c.lines()[0]}, 0)) == "0.00元");
    }
}

TEST_SUITE("medclaim::Trace") {
    TEST_CASE("explain shows the value of every part of an edit") {
        auto pack = sample_pack();
        Claim c = table_claim(2, "active");
        EvalContext ctx{&c, &c.lines()[0]};
        CHECK(edit(*pack, "bed-fee-over-cap").when.explain(ctx) ==
              R"(((line.kind:string="bed" == "bed")=true and (line.amount:money=90.00元 > (table("bed-fee-cap", "cap")=25.00元 * line.qty:decimal=3)=75.00元)=true)=true)");
        CHECK(edit(*pack, "long-stay").when.explain(ctx) == "(claim.los_days:integer=3 > 30)=false");
    }

    TEST_CASE("table look-ups record the row that fired and the inputs, only when asked") {
        auto pack = sample_pack();
        const DecisionTable* t = pack->find_table("deductible");
        Claim c = table_claim(3, "active");
        Trace trace;
        EvalContext quiet{&c, nullptr};
        (void)t->result(quiet, 0);
        CHECK(trace.entries.empty());
        EvalContext traced{&c, nullptr, &trace};
        (void)t->result(traced, 0);
        c.provider.level = 7;
        (void)t->result(traced, 0);
        CHECK(trace.entries == std::vector<std::string>{
                                   R"(table deductible: row level3 (level=3, category="active"): amount = 1300.00元)",
                                   R"(table deductible: no row matched (level=7, category="active"): amount = 0.00元 (default))"});
    }
}
