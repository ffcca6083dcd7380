#include <doctest/doctest.h>

#include "model/claim.hpp"
#include "rules/pack.hpp"

using namespace medclaim;

namespace {

std::unique_ptr<Pack> sample_pack() {
    std::vector<Diagnostic> diagnostics;
    auto pack = load_pack(MEDCLAIM_SOURCE_DIR "/rules/sample", diagnostics);
    std::string problems;
    for (const Diagnostic& d : diagnostics) problems += format_diagnostic(d);
    INFO(problems);
    REQUIRE(pack);
    return pack;
}

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
        CHECK(pack->layers == std::vector<std::string>{"basic"});
        CHECK(pack->catalogs.size() == 2);
        CHECK(pack->edits.size() == 3);
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
