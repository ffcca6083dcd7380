#include <doctest/doctest.h>

#include "report/summary.hpp"

using namespace medclaim;

namespace {

Adjudication paid_claim(const char* id, std::int64_t amount_fen, std::int64_t paid_fen) {
    Adjudication a;
    a.claim_id = id;
    a.status = ClaimStatus::paid;
    a.buckets.amount = Money::from_units(amount_fen);
    a.buckets.in_scope = Money::from_units(amount_fen);
    a.payers.push_back({"basic", "hifp", Money::from_units(paid_fen), {}, {}, {}, {}});
    a.patient = Money::from_units(amount_fen - paid_fen);
    a.flags.push_back({"long-stay", EditSeverity::pend, "", Money{}, 0});
    return a;
}

}  // namespace

TEST_SUITE("medclaim::Summary") {
    TEST_CASE("the format follows the file name") {
        CHECK(Summary::format_for("run.md") == Summary::Format::markdown);
        CHECK(Summary::format_for("run.html") == Summary::Format::html);
        CHECK(Summary::format_for("run.htm") == Summary::Format::html);
        CHECK(Summary::format_for("run.txt") == Summary::Format::text);
        CHECK(Summary::format_for("-") == Summary::Format::text);
    }

    TEST_CASE("totals are exact in every format, and the HTML page draws its charts inline") {
        Summary s("test run");
        Claim c;
        c.provider.id = "H<1>";
        c.visit.care_type = CareType::inpatient;
        s.add(c, paid_claim("A", 100'001, 90'000), false);
        s.add(c, paid_claim("B", 200'000, 150'000), false);
        IntakeCounts counts;
        counts.records = counts.records_accepted = counts.claims = counts.claims_accepted = 3;
        s.set_counts(counts);

        std::string text = s.render(Summary::Format::text);
        CHECK(text.find("3000.01") != std::string::npos);  // amount 1000.01 + 2000.00
        CHECK(text.find("2400.00") != std::string::npos);  // paid 900.00 + 1500.00
        CHECK(text.find("records: 3 read = 3 accepted + 0 rejected") != std::string::npos);

        std::string md = s.render(Summary::Format::markdown);
        CHECK(md.find("| basic (hifp) | 2400.00 |") != std::string::npos);
        CHECK(md.find("|---|---:|") != std::string::npos);

        std::string html = s.render(Summary::Format::html);
        CHECK(html.find("<!DOCTYPE html>") == 0);
        CHECK(html.find("<svg") != std::string::npos);
        CHECK(html.find("Money by payer") != std::string::npos);
        CHECK(html.find("H&lt;1&gt;") != std::string::npos);  // escaped
        CHECK(html.find("H<1>") == std::string::npos);
        CHECK(html.find("<script") == std::string::npos);     // self-contained, no code
    }
}
