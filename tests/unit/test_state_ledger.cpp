#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <limits>

#include <unistd.h>

#include <fmt/format.h>

#include "state/ledger.hpp"

using namespace medclaim;

namespace {

std::unique_ptr<Pack> sample() {
    std::vector<Diagnostic> diagnostics;
    auto pack = load_pack(MEDCLAIM_SOURCE_DIR "/rules/sample", diagnostics);
    REQUIRE(pack);
    return pack;
}

Money yuan(std::int64_t y) { return Money::from_units(y * 100); }

// What the 大病 layer paid on a settlement.
Money serious(const Settlement& s) {
    for (const Payment& p : s.adjudication.payers) {
        if (p.layer == "serious_illness") return p.amount;
    }
    return Money{};
}

// An outpatient claim of one 甲类 line; the sample pack's 大病 layer counts it.
Claim claim(const std::string& id, std::int64_t amount, const std::string& reversal_of = "") {
    Claim c;
    c.claim_id = id;
    c.reversal_of = reversal_of;
    c.member.id = "M1";
    c.member.category = "active";
    c.provider.level = 3;
    c.visit.care_type = CareType::outpatient;
    c.visit.admit_date = *Date::from_ymd(2024, 3, 1);
    Line& l = c.add_line();
    l.line_no = 1;
    l.code = "003101000030000";
    l.qty = Quantity::from_units(amount < 0 ? -10'000 : 10'000);
    l.amount = yuan(amount);
    return c;
}

struct TempDb {
    std::string path = (std::filesystem::temp_directory_path() / fmt::format("medclaim-ledger-{}.db", ::getpid())).string();
    ~TempDb() {
        for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
    }
};

}  // namespace

TEST_SUITE("medclaim::Ledger") {
    TEST_CASE("a claim settled before with the same content is written again and counted once") {
        auto pack = sample();
        PackStamp stamp{"sample", "1", "x"};
        Ledger ledger("", false);
        Settlement first = ledger.settle(claim("C1", 80'000), "h1", *pack, stamp, false);
        CHECK(first.kind == Settlement::Kind::adjudicated);
        CHECK(serious(first) == yuan(42'400));  // domain.md D1
        Settlement again = ledger.settle(claim("C1", 80'000), "h1", *pack, stamp, false);
        CHECK(again.kind == Settlement::Kind::already_settled);
        CHECK(again.record == first.record);
        // The accumulators did not move: a new claim of 30,000 still pays 20,500.
        Settlement next = ledger.settle(claim("C2", 30'000), "h2", *pack, stamp, false);
        CHECK(serious(next) == yuan(20'500));
    }

    TEST_CASE("a known claim_id with other content is refused, or replaced with --replace") {
        auto pack = sample();
        PackStamp stamp{"sample", "1", "x"};
        Ledger strict("", false);
        strict.settle(claim("C1", 80'000), "h1", *pack, stamp, false);
        Settlement refused = strict.settle(claim("C1", 90'000), "h1-changed", *pack, stamp, false);
        CHECK(refused.kind == Settlement::Kind::refused);
        CHECK(refused.reason.find("--replace") != std::string::npos);

        Ledger lenient("", true);
        lenient.settle(claim("C1", 80'000), "h1", *pack, stamp, false);
        Settlement replaced = lenient.settle(claim("C1", 30'000), "h1-changed", *pack, stamp, false);
        CHECK(replaced.kind == Settlement::Kind::replaced);
        // Settled as if the 80,000 claim had never been: 30,000 − 12,000 at 55%.
        CHECK(serious(replaced) == yuan(9'900));
    }

    TEST_CASE("a reversal unwinds the original exactly and is written with every figure negated") {
        auto pack = sample();
        PackStamp stamp{"sample", "1", "x"};
        Ledger ledger("", false);
        Settlement original = ledger.settle(claim("C1", 80'000), "h1", *pack, stamp, false);
        Settlement reversal = ledger.settle(claim("R1", -80'000, "C1"), "hr", *pack, stamp, false);
        REQUIRE(reversal.kind == Settlement::Kind::reversal);
        CHECK(reversal.adjudication.buckets.amount == yuan(-80'000));
        CHECK(serious(reversal) == yuan(-42'400));
        CHECK(reversal.adjudication.patient == -original.adjudication.patient);
        CHECK(reversal.record.find("\"amount\":\"-80000.00\"") != std::string::npos);
        // After the reversal the year starts again: 80,000 pays 42,400 once more.
        Settlement redo = ledger.settle(claim("C3", 80'000), "h3", *pack, stamp, false);
        CHECK(serious(redo) == yuan(42'400));

        CHECK(ledger.settle(claim("R2", -80'000, "C1"), "hr2", *pack, stamp, false).kind == Settlement::Kind::refused);  // twice
        CHECK(ledger.settle(claim("R3", -10, "NOPE"), "hr3", *pack, stamp, false).kind == Settlement::Kind::refused);    // unknown
        Settlement partial = ledger.settle(claim("R4", -1'000, "C3"), "hr4", *pack, stamp, false);
        CHECK(partial.kind == Settlement::Kind::refused);
        CHECK(partial.reason.find("only whole claims") != std::string::npos);
    }

    TEST_CASE("without a state file, claims far back in a long run are still found to reverse or replace") {
        auto pack = sample();
        PackStamp stamp{"sample", "1", "x"};
        Ledger ledger("", true);
        for (int i = 0; i < 5'000; ++i) {
            Settlement s = ledger.settle(claim(fmt::format("C{}", i), 100 + i), fmt::format("h{}", i), *pack, stamp, false);
            REQUIRE(s.kind == Settlement::Kind::adjudicated);
        }
        for (int i : {0, 1'023, 2'500, 4'999}) {
            Settlement r = ledger.settle(claim(fmt::format("R{}", i), -(100 + i), fmt::format("C{}", i)), fmt::format("r{}", i), *pack, stamp, false);
            REQUIRE(r.kind == Settlement::Kind::reversal);
            CHECK(r.adjudication.buckets.amount == yuan(-(100 + i)));
            CHECK(ledger.settle(claim(fmt::format("R{}b", i), -(100 + i), fmt::format("C{}", i)), "again", *pack, stamp, false).kind ==
                  Settlement::Kind::refused);
        }
        // A replacement takes the old row's place: the same content again is the new one.
        CHECK(ledger.settle(claim("C7", 777), "h7-new", *pack, stamp, false).kind == Settlement::Kind::replaced);
        Settlement again = ledger.settle(claim("C7", 777), "h7-new", *pack, stamp, false);
        CHECK(again.kind == Settlement::Kind::already_settled);
        CHECK(again.adjudication.buckets.amount == yuan(777));
        CHECK(ledger.settle(claim("C7", 107), "h7", *pack, stamp, false).kind == Settlement::Kind::replaced);
    }

    TEST_CASE("the state file keeps accumulators and settled claims across runs") {
        auto pack = sample();
        PackStamp stamp{"sample", "1", "x"};
        TempDb db;
        std::string first_record;
        {
            Ledger ledger(db.path, false);
            CHECK(ledger.persistent());
            first_record = ledger.settle(claim("C1", 80'000), "h1", *pack, stamp, false).record;
            ledger.commit({});
        }
        {
            Ledger ledger(db.path, false);
            Settlement again = ledger.settle(claim("C1", 80'000), "h1", *pack, stamp, false);
            CHECK(again.kind == Settlement::Kind::already_settled);
            CHECK(again.record == first_record);
            Settlement next = ledger.settle(claim("C2", 30'000), "h2", *pack, stamp, false);
            CHECK(serious(next) == yuan(20'500));
            // Not committed: the next ledger does not see C2.
        }
        {
            Ledger ledger(db.path, false);
            Settlement next = ledger.settle(claim("C2", 30'000), "h2", *pack, stamp, false);
            CHECK(next.kind == Settlement::Kind::adjudicated);
            ledger.commit({});
        }
        StateSummary s = summarize_state(db.path, "M1");
        CHECK(s.claims == 2);
        CHECK(s.members == 1);
        auto paid = std::find_if(s.counters.begin(), s.counters.end(), [](const Delta& d) { return d.counter == "serious_illness.paid"; });
        REQUIRE(paid != s.counters.end());
        CHECK(paid->change == yuan(62'900).units());
    }

    TEST_CASE("accumulators written out and forgotten mid-run give the same figures") {
        auto pack = sample();
        PackStamp stamp{"sample", "1", "x"};
        Ledger roomy("", false);
        Ledger tight("", false);
        tight.set_cache_limit(3);  // flushes almost every claim
        for (int i = 0; i < 200; ++i) {
            Claim c = claim(fmt::format("C{}", i), 5'000 + 97 * i);
            c.member.id = fmt::format("M{}", i % 7);
            Settlement a = roomy.settle(c, fmt::format("h{}", i), *pack, stamp, false);
            Settlement b = tight.settle(c, fmt::format("h{}", i), *pack, stamp, false);
            REQUIRE(a.record == b.record);
        }
        CHECK(roomy.counters("M3", 2024) .size() == tight.counters("M3", 2024).size());
        for (std::size_t k = 0; k < roomy.counters("M3", 2024).size(); ++k) CHECK(roomy.counters("M3", 2024)[k].value == tight.counters("M3", 2024)[k].value);
    }

    TEST_CASE("figures survive encoding") {
        Adjudication a;
        a.status = ClaimStatus::partial;
        a.buckets = {yuan(100), yuan(10), yuan(20), yuan(30), yuan(40)};
        a.deductible = yuan(5);
        a.patient = Money::from_units(-1);
        a.payers.push_back({"basic layer", "hifp", yuan(35), yuan(40), yuan(5), {}, {}});
        a.payers.push_back({"million", "million-fund", yuan(12), yuan(30), yuan(10), "POL-1",
                            {{"general", yuan(20), yuan(10), 1'000'000, yuan(10), std::nullopt, 0},
                             {"drugs", yuan(10), {}, 200'000, yuan(2), std::nullopt, 0},
                             {"cash", yuan(50), {}, 0, yuan(40), yuan(20), 2}}});
        LineResult l;
        l.line_no = 7;
        l.buckets = a.buckets;
        a.lines.push_back(l);
        PackStamp stamp{"p", "1", "abc"};
        PackStamp back;
        a.flags.push_back({"edit-x", EditSeverity::reduce, "why, with | and ;", yuan(3), 7});
        a.reversal_of = "ORIG";
        Adjudication b = decode_figures(encode_figures(a, stamp), &back);
        CHECK(back.sha256 == "abc");
        CHECK(b.reversal_of == "ORIG");
        REQUIRE(b.flags.size() == 1);
        CHECK(b.flags[0].severity == EditSeverity::reduce);
        CHECK(b.flags[0].reason == "why, with | and ;");
        CHECK(b.flags[0].line_no == 7);
        CHECK(b.status == ClaimStatus::partial);
        CHECK(b.buckets.in_scope == yuan(40));
        CHECK(b.patient == Money::from_units(-1));
        REQUIRE(b.payers.size() == 2);
        CHECK(b.payers[0].layer == "basic layer");
        CHECK(b.payers[0].deductible == yuan(5));
        CHECK(b.payers[0].policy.empty());
        CHECK(b.payers[0].responsibilities.empty());
        CHECK(b.payers[1].policy == "POL-1");
        REQUIRE(b.payers[1].responsibilities.size() == 3);
        CHECK(b.payers[1].responsibilities[0].id == "general");
        CHECK(b.payers[1].responsibilities[0].ratio == 1'000'000);
        CHECK_FALSE(b.payers[1].responsibilities[0].per_day);
        CHECK(b.payers[1].responsibilities[1].amount == yuan(2));
        CHECK(b.payers[1].responsibilities[1].deductible == Money{});
        REQUIRE(b.payers[1].responsibilities[2].per_day);
        CHECK(*b.payers[1].responsibilities[2].per_day == yuan(20));
        CHECK(b.payers[1].responsibilities[2].days == 2);
        CHECK(b.payers[1].responsibilities[2].amount == yuan(40));
        REQUIRE(b.lines.size() == 1);
        CHECK(b.lines[0].line_no == 7);
    }

    TEST_CASE("figures with long texts and extreme amounts survive encoding") {
        Adjudication a;
        a.buckets = {Money::from_units(std::numeric_limits<std::int64_t>::min()), Money::from_units(std::numeric_limits<std::int64_t>::max()), {}, {}, {}};
        std::string layer(150, 'L');
        std::string reason(500, 'r');
        for (int i = 0; i < 3; ++i) a.payers.push_back({layer + std::to_string(i), "hifp", Money::from_units(-i), yuan(i), {}, {}, {}});
        a.flags.push_back({std::string(158, 'f'), EditSeverity::deny, reason, Money::from_units(std::numeric_limits<std::int64_t>::min()), 1});
        PackStamp stamp{std::string(140, 'p'), "1", std::string(64, 'a')};
        PackStamp back;
        Adjudication b = decode_figures(encode_figures(a, stamp), &back);
        CHECK(back.name == stamp.name);
        CHECK(back.sha256 == stamp.sha256);
        CHECK(b.buckets.amount == a.buckets.amount);
        CHECK(b.buckets.full_self_pay == a.buckets.full_self_pay);
        REQUIRE(b.payers.size() == 3);
        CHECK(b.payers[2].layer == layer + "2");
        CHECK(b.payers[2].amount == Money::from_units(-2));
        REQUIRE(b.flags.size() == 1);
        CHECK(b.flags[0].rule == a.flags[0].rule);
        CHECK(b.flags[0].reason == reason);
        CHECK(b.flags[0].amount == a.flags[0].amount);
    }

    TEST_CASE("an audit flag's fields survive encoding whatever their lengths") {
        // Texts that fill the record buffer to its last byte, then the next field.
        for (std::size_t n = 1; n < 400; n += 7) {
            for (bool related : {false, true}) {
                Adjudication a;
                Flag f{"nhsa-x", EditSeverity::reduce, std::string(n, 'r'), yuan(3), 2};
                f.name = std::string(n % 170, 'n');
                f.category = "medical";
                f.result = "suspect";
                f.action = "deny_excess";
                f.evidence = std::string(160 - n % 160, 'e');
                if (related) f.related = {1, 3};
                a.flags.push_back(f);
                Adjudication b = decode_figures(encode_figures(a, PackStamp{"p", "1", "abc"}));
                REQUIRE(b.flags.size() == 1);
                CHECK(b.flags[0].reason == f.reason);
                CHECK(b.flags[0].name == f.name);
                CHECK(b.flags[0].action == "deny_excess");
                CHECK(b.flags[0].evidence == f.evidence);
                CHECK(b.flags[0].related == f.related);
            }
        }
    }
}
