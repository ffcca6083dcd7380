#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include <fmt/format.h>

#include <unistd.h>

#include "engine/adjudicate.hpp"
#include "cli/pack_tests.hpp"
#include "pack_helpers.hpp"
#include "rules/pack.hpp"

using namespace medclaim;

namespace {

std::unique_ptr<Pack> load(const std::string& dir) { return test::load_pack_or_fail(dir); }

Money yuan(std::int64_t y) { return Money::from_units(y * 100); }

// DESIGN.md section 3 on one adjudication, plus the bounds every payer keeps; returns
// what the payers paid.
Money check_invariants(const Adjudication& a) {
    const Buckets& b = a.buckets;
    REQUIRE(b.full_self_pay + b.over_limit + b.pre_self_pay + b.in_scope == b.amount);
    Money paid;
    for (const Payment& p : a.payers) {
        REQUIRE(p.amount.units() >= 0);
        REQUIRE(p.deductible.units() >= 0);
        REQUIRE(p.deductible <= p.base);
        REQUIRE(p.amount <= p.base - p.deductible);  // ratios are at most 1
        paid += p.amount;
    }
    REQUIRE(paid + a.patient == b.amount);
    REQUIRE(paid <= b.in_scope + b.pre_self_pay);
    REQUIRE(a.patient >= b.full_self_pay + b.over_limit);
    for (const LineResult& l : a.lines) {
        REQUIRE(l.buckets.full_self_pay.units() >= 0);
        REQUIRE(l.buckets.over_limit.units() >= 0);
        REQUIRE(l.buckets.pre_self_pay.units() >= 0);
        REQUIRE(l.buckets.in_scope.units() >= 0);
    }
    return paid;
}

// A claim in the sample pack's world, with random members, levels, care types and lines.
void random_claim(std::mt19937_64& rng, Claim& c, int n) {
    static const char* k_codes[] = {"XJ01CRA096A001010101445", "ZA04CAE0023010100166", "XJ01DDA065B002010101567", "001101000010000",
                                    "003101000030000", "C0304050610100300009", "S0000000000001", "XG03CAA001A001010100001", "NOT-IN-ANY"};
    auto pick = [&](int k) { return static_cast<int>(rng() % static_cast<std::uint64_t>(k)); };
    c.reset();
    c.claim_id = fmt::format("R{}", n);
    c.member.id = fmt::format("M{}", pick(50));
    c.member.sex = pick(2) ? Sex::male : Sex::female;
    c.member.birth_date = *Date::from_ymd(1940 + pick(70), 1 + pick(12), 1 + pick(28));
    c.member.category = pick(3) == 0 ? "retired" : "active";
    c.member.scheme = Scheme::employee;
    c.provider.level = pick(4);
    c.visit.care_type = pick(2) ? CareType::inpatient : CareType::outpatient;
    c.visit.admit_date = *Date::from_ymd(2024, 1 + pick(11), 1 + pick(28));
    c.visit.discharge_date.reset();
    if (c.visit.care_type == CareType::inpatient) c.visit.discharge_date = Date::from_days(c.visit.admit_date.days() + pick(40));
    int lines = 1 + pick(8);
    for (int i = 0; i < lines; ++i) {
        Line& l = c.add_line();
        l.line_no = static_cast<std::uint32_t>(i + 1);
        l.code = k_codes[pick(9)];
        l.kind = l.code == "001101000010000" ? LineKind::bed : LineKind::drug;
        l.qty = Quantity::from_units((1 + pick(300)) * 2500);                  // 0.25 .. 75
        l.unit_price = UnitPrice::from_units((1 + pick(2'000'000)) * 1'037);   // up to ~2,074 元, sub-fen digits
        l.amount = extend(l.qty, *l.unit_price);
        if (pick(20) == 0) l.amount = yuan(50'000 + pick(300'000));             // a few very large lines
        l.service_date = c.visit.admit_date;
    }
}

// A pack with random parameters: one or two layers, deductibles per claim or per year,
// 1–4 segments with random bounds and ratios, caps on or off, positions per claim or
// year, over the sample pack's catalogs.
std::unique_ptr<Pack> random_pack(std::mt19937_64& rng, int n) {
    namespace fs = std::filesystem;
    auto pick = [&](int k) { return static_cast<int>(rng() % static_cast<std::uint64_t>(k)); };
    fs::path dir = fs::temp_directory_path() / fmt::format("medclaim-random-pack-{}-{}", ::getpid(), n);
    fs::create_directories(dir / "catalogs");
    for (const char* f : {"drugs.csv", "services.csv"}) fs::copy_file(fs::path(MEDCLAIM_SOURCE_DIR "/rules/sample/catalogs") / f, dir / "catalogs" / f);
    int layers = 1 + pick(2);
    std::string yaml = "name: random\nversion: \"1\"\nlayers: [";
    for (int l = 0; l < layers; ++l) yaml += fmt::format("{}l{}", l ? ", " : "", l);
    yaml += "]\ncatalogs:\n  - {name: drugs, file: catalogs/drugs.csv}\n  - {name: services, file: catalogs/services.csv}\n";
    yaml += "pricing: {catalogs: [drugs, services]}\nbenefits:\n";
    for (int l = 0; l < layers; ++l) {
        yaml += fmt::format("  - id: l{}\n    fund: f{}\n    base: {}\n    position: {}\n", l, l,
                            l == 0 ? "in_scope" : (pick(2) ? "burden" : "burden_with_pre_self_pay"), pick(2) ? "claim" : "year");
        if (pick(3)) yaml += fmt::format("    deductible: {{amount: {}.{:02}元, per: {}}}\n", pick(5000), pick(100), pick(2) ? "claim" : "year");
        if (pick(2)) yaml += fmt::format("    cap: {{amount: {}元, per: {}}}\n", 1 + pick(300'000), pick(2) ? "claim" : "year");
        yaml += "    segments:\n";
        int segments = 1 + pick(4);
        int bound = 0;
        for (int s = 0; s < segments; ++s) {
            bound += 1 + pick(60'000);
            std::string ratio = fmt::format("0.{:04}", pick(10'001) % 10'000);
            // Sometimes a ratio by item class on the in-scope layer, paid line by line.
            if (l == 0 && pick(3) == 0) ratio = fmt::format("'if line.kind == \"drug\" then {} else 0.{:04}'", ratio, pick(10'000));
            if (s + 1 == segments && pick(2)) yaml += fmt::format("      - {{ratio: {}}}\n", ratio);
            else yaml += fmt::format("      - {{upto: {}.{:02}元, ratio: {}}}\n", bound, pick(100), ratio);
        }
    }
    std::ofstream(dir / "pack.yaml") << yaml;
    auto pack = test::load_pack_or_fail(dir.string(), yaml);
    fs::remove_all(dir);
    return pack;
}

}  // namespace

TEST_SUITE("medclaim::Adjudicate") {
    TEST_CASE("domain.md B2: in-scope 8,600 after the 乙类 pay-first share; fund (8,600 − 2,000) × 90% = 5,940") {
        auto pack = load(MEDCLAIM_SOURCE_DIR "/tests/data/packs/failing_tests");
        // Reuse that pack's catalog (A1 甲类, B1 乙类 20%) with B2's numbers through a flat layer.
        std::vector<BindError> errors;
        pack->benefits[0].segments[0].ratio = *Program::compile("0.9", Scope::claim, errors);
        pack->benefits[0].deductible = *Program::compile("2000元", Scope::claim, errors);
        REQUIRE(errors.empty());
        Claim c;
        c.claim_id = "B2";
        c.member.id = "M";
        c.visit.admit_date = *Date::from_ymd(2024, 5, 1);
        auto add = [&](const char* code, std::int64_t amount) {
            Line& l = c.add_line();
            l.line_no = static_cast<std::uint32_t>(c.lines().size());
            l.code = code;
            l.qty = Quantity::from_units(10'000);
            l.amount = yuan(amount);
        };
        add("A1", 3000);
        add("B1", 2000);  // 乙类 20% of 2,000 = 400, as B2's 10% of 4,000
        add("A1", 2000);
        add("A1", 2000);
        Accumulators acc;
        Adjudication a = adjudicate(c, *pack, acc);
        CHECK(a.buckets.pre_self_pay == yuan(400));
        CHECK(a.buckets.in_scope == yuan(8600));
        REQUIRE(a.payers.size() == 1);
        CHECK(a.payers[0].amount == yuan(5940));
        CHECK(a.patient == yuan(3060));
        CHECK(a.deductible == yuan(2000));
    }

    TEST_CASE("a trace changes no figure, and is empty when not asked for") {
        auto pack = load(MEDCLAIM_SOURCE_DIR "/rules/sample");
        std::mt19937_64 rng(7);
        Claim c;
        Accumulators acc;
        for (int n = 0; n < 500; ++n) {
            random_claim(rng, c, n);
            Adjudication plain = adjudicate(c, *pack, acc, false);
            Adjudication traced = adjudicate(c, *pack, acc, true);
            CHECK(plain.trace.empty());
            CHECK(plain.hits.empty());
            CHECK_FALSE(traced.trace.empty());
            CHECK(plain.patient == traced.patient);
            CHECK(plain.payers.size() == traced.payers.size());
            acc.apply(plain.deltas);
        }
    }

    TEST_CASE("invariants hold on 20,000 generated claims, and yearly caps are never exceeded") {
        auto pack = load(MEDCLAIM_SOURCE_DIR "/rules/sample");
        std::mt19937_64 rng(2024);
        Claim c;
        Accumulators acc;
        std::set<std::string> members;
        for (int n = 0; n < 20'000; ++n) {
            random_claim(rng, c, n);
            Adjudication a = adjudicate(c, *pack, acc);
            Money paid = check_invariants(a);
            REQUIRE(paid <= a.buckets.in_scope);  // no layer of this pack shares the pay-first share
            acc.apply(a.deltas);
            members.insert(a.member_id);
        }
        for (const std::string& m : members) {
            CHECK(acc.get(m, 2024, "basic.paid") <= yuan(200'000).units());
            CHECK(acc.get(m, 2024, "serious_illness.paid") <= yuan(300'000).units());
        }
    }

    TEST_CASE("invariants hold on 100,000 generated claims under 20 packs with random parameters") {
        std::mt19937_64 rng(4242);
        std::uint64_t claims = 0;
        for (int n = 0; n < 20; ++n) {
            auto pack = random_pack(rng, n);
            Claim c;
            Accumulators acc;
            std::map<std::string, std::int64_t> paid_by_counter;  // the deltas summed: must equal the accumulators
            for (int k = 0; k < 5'000; ++k, ++claims) {
                random_claim(rng, c, k);
                Adjudication a = adjudicate(c, *pack, acc);
                check_invariants(a);
                for (const Delta& d : a.deltas) paid_by_counter[fmt::format("{}/{}/{}", d.member_id, d.plan_year, d.counter)] += d.change;
                acc.apply(a.deltas);
            }
            for (const auto& [key, value] : paid_by_counter) {
                auto first = key.find('/');
                auto second = key.find('/', first + 1);
                REQUIRE(acc.get(key.substr(0, first), std::stoi(key.substr(first + 1, second - first - 1)), key.substr(second + 1)) == value);
            }
            for (const Layer& l : pack->benefits) {
                if (!l.cap || l.cap_per != Period::year) continue;
                EvalContext ctx{&c, nullptr};
                std::int64_t cap = l.cap->evaluate(ctx).number;
                for (int m = 0; m < 50; ++m) REQUIRE(acc.get(fmt::format("M{}", m), 2024, l.id + ".paid") <= cap);
            }
        }
        CHECK(claims == 100'000);
    }

    TEST_CASE("a ratio that comes out above 1 on some claim is held at 1 and the claim pended, never paid unseen") {
        namespace fs = std::filesystem;
        fs::path dir = fs::temp_directory_path() / fmt::format("medclaim-ratio-{}", ::getpid());
        fs::create_directories(dir);
        std::ofstream(dir / "pack.yaml") << "name: r\nversion: \"1\"\nlayers: [l]\nbenefits:\n"
                                            "  - {id: l, fund: hifp, segments: [{ratio: 'if member.age > 60 then 1.2 else 0.8'}]}\n";
        auto pack = load(dir.string());
        fs::remove_all(dir);
        Claim c;
        c.claim_id = "OLD";
        c.member.id = "M";
        c.member.birth_date = *Date::from_ymd(1940, 1, 1);
        c.visit.admit_date = *Date::from_ymd(2024, 5, 1);
        Line& l = c.add_line();
        l.line_no = 1;
        l.code = "X";
        l.qty = Quantity::from_units(10'000);
        l.amount = yuan(100);
        Accumulators acc;
        Adjudication a = adjudicate(c, *pack, acc);
        CHECK(a.status == ClaimStatus::pended);
        REQUIRE(a.payers.size() == 1);
        CHECK(a.payers[0].amount == yuan(100));
        REQUIRE(a.flags.size() == 1);
        CHECK(a.flags[0].rule == "ratio-out-of-range");
        CHECK(a.deltas.empty());
        c.member.birth_date = *Date::from_ymd(1990, 1, 1);
        CHECK(adjudicate(c, *pack, acc).status == ClaimStatus::paid);
    }

    TEST_CASE("a ratio by item class: lines occupy the cost interval in line order, the deductible takes the first") {
        namespace fs = std::filesystem;
        fs::path dir = fs::temp_directory_path() / fmt::format("medclaim-by-class-{}", ::getpid());
        fs::create_directories(dir);
        std::ofstream(dir / "pack.yaml") << "name: r\nversion: \"1\"\nlayers: [l]\nbenefits:\n"
                                            "  - id: l\n    fund: hifp\n    position: year\n    deductible: {amount: 1000元, per: year}\n"
                                            "    segments:\n"
                                            "      - {upto: 5000元, ratio: 'if line.class == \"B\" then 0.80 else 0.90'}\n"
                                            "      - {ratio: 'if line.class == \"B\" then 0.85 else 0.95'}\n";
        auto pack = load(dir.string());
        fs::remove_all(dir);
        REQUIRE(pack->benefits[0].segments[0].by_line);
        Claim c;
        c.member.id = "M";
        c.visit.admit_date = *Date::from_ymd(2024, 5, 1);
        auto add = [&](ItemClass cls, std::int64_t amount) {
            Line& l = c.add_line();
            l.line_no = static_cast<std::uint32_t>(c.lines().size());
            l.code = "X";
            l.item_class = cls;
            l.qty = Quantity::from_units(10'000);
            l.amount = yuan(amount);
        };
        c.claim_id = "FIRST";
        add(ItemClass::a, 3000);
        add(ItemClass::b, 2000);
        add(ItemClass::a, 2000);
        Accumulators acc;
        Adjudication a = adjudicate(c, *pack, acc, true);
        // [0, 1000) deductible on line 1; line 1 [1000, 3000) × 0.90 = 1,800; line 2
        // [3000, 5000) × 0.80 = 1,600; line 3 [5000, 7000) × 0.95 = 1,900.
        REQUIRE(a.payers.size() == 1);
        CHECK(a.payers[0].amount == yuan(5300));
        CHECK(a.deductible == yuan(1000));
        std::string trace;
        for (const std::string& t : a.trace) trace += t + "\n";
        CHECK(trace.find("segment 1 [0.00, 5000.00): line 1: 2000.00 × 0.90 = 1800") != std::string::npos);
        CHECK(trace.find("segment 1 [0.00, 5000.00): line 2: 2000.00 × 0.80 = 1600") != std::string::npos);
        CHECK(trace.find("segment 2 [5000.00, ∞): line 3: 2000.00 × 0.95 = 1900") != std::string::npos);
        acc.apply(a.deltas);
        // The year position is 7,000: a second claim's 乙类 line pays the second segment's 0.85.
        c.reset();
        c.claim_id = "SECOND";
        c.member.id = "M";
        c.visit.admit_date = *Date::from_ymd(2024, 6, 1);
        add(ItemClass::b, 100);
        add(ItemClass::b, 100);
        Adjudication b = adjudicate(c, *pack, acc, true);
        REQUIRE(b.payers.size() == 1);
        CHECK(b.payers[0].amount == yuan(170));
        trace.clear();
        for (const std::string& t : b.trace) trace += t + "\n";
        CHECK(trace.find("lines 1–2: 200.00 × 0.85 = 170") != std::string::npos);
    }

    TEST_CASE("the plan year follows the pack's start day and the governing date") {
        auto pack = load(MEDCLAIM_SOURCE_DIR "/rules/sample");
        Claim c;
        c.visit.care_type = CareType::inpatient;
        c.visit.admit_date = *Date::from_ymd(2024, 12, 28);
        c.visit.discharge_date = *Date::from_ymd(2025, 1, 3);
        CHECK(governing_date(c) == *Date::from_ymd(2025, 1, 3));
        CHECK(plan_year_of(c, *pack) == 2025);
        pack->plan_year_month = 4;  // Shanghai's old 1 April year
        CHECK(plan_year_of(c, *pack) == 2024);
        c.visit.care_type = CareType::outpatient;
        c.visit.discharge_date.reset();
        pack->plan_year_month = 1;
        CHECK(plan_year_of(c, *pack) == 2024);
        c.plan_year = 2030;
        CHECK(plan_year_of(c, *pack) == 2030);
    }

    TEST_CASE("coverage lists every edit, table row, segment and cap of the pack") {
        auto pack = load(MEDCLAIM_SOURCE_DIR "/rules/sample");
        auto items = coverage_items(*pack);
        auto has = [&](std::string_view id) {
            return std::any_of(items.begin(), items.end(), [&](const auto& i) { return i.first == id; });
        };
        CHECK(has("edit long-stay"));
        CHECK(has("table deductible row level3-retired"));
        CHECK(has("layer basic segment 3"));
        CHECK(has("layer serious_illness cap"));
        CHECK(has("unit_cap bed-fee"));
        CHECK_FALSE(has("layer basic segment 4"));
    }
}

TEST_CASE("policy years: the latest anniversary of the start on or before the day, 29 February included") {
    // policy_year_start takes a shortcut within a year of the start; it must agree with
    // the definition (the latest anniversary on or before the day; a 29 February start
    // has its anniversary on 1 March in other years) for every start and day tried.
    auto anniversary = [](Date start, int year) {
        std::optional<Date> a = Date::from_ymd(year, start.month(), start.day());
        return a ? *a : *Date::from_ymd(year, 3, 1);
    };
    Policy p;
    int checked = 0;
    for (Date start : {*Date::parse("2024-02-29"), *Date::parse("2023-03-01"), *Date::parse("2023-12-31"), *Date::parse("2024-01-01"),
                       *Date::parse("2023-02-28"), *Date::parse("2024-07-01")}) {
        p.start = start;
        for (std::int32_t offset = 0; offset < 4 * 366; offset += 1) {
            Date d = Date::from_days(start.days() + offset);
            Date want = start;
            for (int year = start.year() + 1; anniversary(start, year) <= d; ++year) want = anniversary(start, year);
            CHECK(policy_year_start(p, d) == want);
            ++checked;
        }
    }
    CHECK(checked == 6 * 4 * 366);
    p.start = *Date::parse("2024-02-29");
    CHECK(policy_year_start(p, *Date::parse("2025-02-28")) == *Date::parse("2024-02-29"));
    CHECK(policy_year_start(p, *Date::parse("2025-03-01")) == *Date::parse("2025-03-01"));
    CHECK(policy_year_start(p, *Date::parse("2028-02-29")) == *Date::parse("2028-02-29"));
}
