#include <doctest/doctest.h>

#include "report/adjudication_csv.hpp"

using namespace medclaim;

TEST_SUITE("medclaim::AdjudicationCsv") {
    TEST_CASE("fields are quoted only when they must be") {
        std::string out;
        append_csv_field(out, "plain");
        out += '|';
        append_csv_field(out, "a,b");
        out += '|';
        append_csv_field(out, "say \"hi\"");
        out += '|';
        append_csv_field(out, "two\nlines");
        CHECK(out == "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"");
    }

    TEST_CASE("one paid column per layer, zero for layers that did not pay, and flags by line") {
        AdjudicationCsv csv({"basic", "serious"});
        CHECK(csv.claims_header(false).starts_with("claim_id,member_id,reversal_of,plan_year,status,"));
        CHECK(csv.claims_header(false).find(",paid_basic,paid_serious,flags,") != std::string::npos);
        CHECK(csv.claims_header(true).starts_with("\xEF\xBB\xBF"));
        Adjudication a;
        // Moved in, not assigned from a literal: GCC 12 at -O3 reports a read of
        // uninitialized bytes inside std::string::_M_replace that cannot happen.
        a.claim_id = std::string("C1");
        a.member_id = std::string("M1");
        a.plan_year = 2024;
        a.buckets.amount = Money::from_units(1000);
        a.buckets.in_scope = Money::from_units(1000);
        a.payers.push_back({"basic", "hifp", Money::from_units(800), {}, {}, {}, {}});
        a.patient = Money::from_units(200);
        LineResult l;
        l.line_no = 1;
        l.buckets = a.buckets;
        a.lines.push_back(l);
        a.flags.push_back({"big", EditSeverity::info, "", {}, 1});
        a.flags.push_back({"claim-rule", EditSeverity::info, "", {}, 0});
        std::string row;
        csv.append_claim(row, a, PackStamp{"p", "1", "abc"});
        CHECK(row == "C1,M1,,2024,paid,10.00,0.00,0.00,0.00,10.00,0.00,2.00,8.00,0.00,claim-rule,p,1,abc\r\n");
        std::string lines;
        csv.append_lines(lines, a);
        CHECK(lines == "C1,1,10.00,0.00,0.00,0.00,10.00,big\r\n");
    }
}
