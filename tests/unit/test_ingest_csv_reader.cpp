#include <doctest/doctest.h>

#include "reader_helpers.hpp"
#include "util/error.hpp"

using namespace medclaim;
using namespace medclaim::test;

TEST_SUITE("medclaim::CsvReader") {
    TEST_CASE("contiguous rows with the same claim_id form one claim") {
        auto out = read_csv(k_header + row("C1", "1") + row("C1", "2") + row("C2", "1"));
        REQUIRE(out.size() == 2);
        CHECK(out[0].accepted);
        CHECK(out[0].records == 2);
        CHECK(out[0].claim.lines().size() == 2);
        CHECK(out[0].claim.member.sex == Sex::female);
        CHECK(out[0].claim.lines()[1].amount == Money::from_units(2500));
        CHECK(out[0].claim.diagnoses.at(0).code == "J18.900");
        CHECK(out[0].claim.diagnoses.at(0).primary);
        CHECK(out[1].claim_id == "C2");
    }

    TEST_CASE("one bad row rejects the whole claim and every error is reported") {
        auto out = read_csv(k_header + row("C1", "1") + row("C1", "2", "-1", "12.50", "-12.50") + row("C1", "3"));
        REQUIRE(out.size() == 1);
        CHECK_FALSE(out[0].accepted);
        CHECK(out[0].records == 3);
        CHECK(out[0].errors == std::vector<std::string>{"3:98: `line.qty` -1 is negative", "3:107: `line.amount` -12.50 is negative"});
    }

    TEST_CASE("claim columns must repeat the same value on every row") {
        std::string second = row("C1", "2");
        second.replace(second.find(",F,"), 3, ",M,");
        auto out = read_csv(k_header + row("C1", "1") + second);
        REQUIRE(out.size() == 1);
        CHECK(out[0].errors ==
              std::vector<std::string>{"3:7: `member.sex` is `M` here but `F` on line 2; every row of a claim must repeat the same claim values"});
    }

    TEST_CASE("a row with the wrong number of fields is rejected") {
        auto out = read_csv(k_header + "C1,M1,F\n");
        REQUIRE(out.size() == 1);
        CHECK(out[0].errors.at(0) == "2:0: row has 3 fields but the header has 16");
    }

    TEST_CASE("impossible values each get a precise reason") {
        auto out = read_csv(k_header + row("C1", "1", "2", "12.50", "25.00", "2025-02-30"));
        CHECK(out.at(0).errors.at(0) == "2:112: `line.service_date`: `2025-02-30` is not a valid date (YYYY-MM-DD, years 1900-2199)");
        out = read_csv(k_header + row("C1", "1", "abc"));
        CHECK(out.at(0).errors.at(0) == "2:98: `line.qty`: `abc` is not a number");
        out = read_csv(k_header + row("C1", "1", "1e3"));
        CHECK(out.at(0).errors.at(0) == "2:98: `line.qty`: `1e3` is not a number");
        out = read_csv(k_header + row("C1", "1", "2", "12.50", "\"1,234.00\""));
        CHECK(out.at(0).errors.at(0) == "2:106: `line.amount`: `1,234.00` is not a number");
        out = read_csv(k_header + row("C1", "1", "2", "12.50", "25.001"));
        CHECK(out.at(0).errors.at(0) == "2:106: `line.amount`: `25.001` has more decimal places than allowed (2 at most)");
    }

    TEST_CASE("amount must equal qty × unit_price within one fen") {
        CHECK(read_csv(k_header + row("C1", "1", "3", "0.333333", "1.00")).at(0).accepted);
        CHECK(read_csv(k_header + row("C1", "1", "2", "12.50", "25.01")).at(0).accepted);
        auto out = read_csv(k_header + row("C1", "1", "2", "12.50", "25.02"));
        CHECK(out.at(0).errors.at(0) ==
              "2:106: `line.amount` 25.02 differs from `line.qty` × `line.unit_price` = 2 × 12.5 = 25.00 by more than 0.01");
    }

    TEST_CASE("dates must be consistent: discharge after admission, service within the stay") {
        auto out = read_csv(k_header + row("C1", "1", "2", "12.50", "25.00", "2024-03-02", "inpatient", "2024-02-28"));
        CHECK(out.at(0).errors.at(0) == "2:53: `visit.discharge_date` 2024-02-28 is before `visit.admit_date` 2024-03-01");
        out = read_csv(k_header + row("C1", "1", "2", "12.50", "25.00", "2024-03-06"));
        CHECK(out.at(0).errors.at(0) == "2:112: `line.service_date` 2024-03-06 is outside the visit 2024-03-01 to 2024-03-05");
        out = read_csv(k_header + row("C1", "1", "2", "12.50", "25.00", "2024-03-02", "inpatient", ""));
        CHECK(out.at(0).errors.at(0) == "2:0: missing `visit.discharge_date`, required for care type `inpatient`");
        CHECK(read_csv(k_header + row("C1", "1", "2", "12.50", "25.00", "2024-03-01", "outpatient", "")).at(0).accepted);
    }

    TEST_CASE("duplicate line numbers in a claim are rejected") {
        auto out = read_csv(k_header + row("C1", "1") + row("C1", "1"));
        CHECK(out.at(0).errors.at(0) == "3:72: duplicate `line.line_no` 1 in claim `C1`");
    }

    TEST_CASE("a reversal has non-positive lines; an ordinary claim non-negative ones") {
        std::string header = k_header;
        header.insert(header.find(",member.id"), ",reversal_of");
        std::string line = row("R1", "1", "-2", "12.50", "-25.00");
        line.insert(line.find(",M1"), ",C1");
        CHECK(read_csv(header + line).at(0).accepted);
        line = row("R1", "1", "2", "12.50", "25.00");
        line.insert(line.find(",M1"), ",C1");
        CHECK(read_csv(header + line).at(0).errors.at(0).ends_with("`line.qty` 2 is positive in a reversal (`reversal_of` is set)"));
    }

    TEST_CASE("code formats that do not match NHSA give warnings, not rejections") {
        std::string line = row();
        line.replace(line.find("XJ01CRA096A001010101445"), 23, "LOCAL-1");
        auto out = read_csv(k_header + line);
        CHECK(out.at(0).accepted);
        CHECK(out.at(0).warnings.at(0).find("`line.code` `LOCAL-1` matches no NHSA code format") != std::string::npos);
    }

    TEST_CASE("a header that lacks a required field is an input error") {
        CHECK_THROWS_AS(read_csv("claim_id,member.id,line.code\nC1,M1,X\n"), InputError);
        CHECK_THROWS_AS(read_csv("claim_id,member.id,member.id\n"), InputError);
    }

    TEST_CASE("an empty file and a header-only file hold no claims") {
        CHECK(read_csv("").empty());
        CHECK(read_csv(k_header).empty());
    }

    TEST_CASE("two-file mode joins claims and lines by claim_id") {
        std::string claims =
            "claim_id,member.id,member.sex,member.birth_date,member.scheme,provider.id,visit.care_type,visit.admit_date\n"
            "A,M1,M,1970-01-01,resident,H1,outpatient,2024-01-02\n"
            "B,M2,F,1970-01-01,resident,H1,outpatient,2024-01-02\n"
            "A,M9,F,1970-01-01,resident,H1,outpatient,2024-01-02\n";
        std::string lines = "claim_id,member.id,line.code,line.qty,line.amount\nA,M1,001102000050000,1,5.00\nA,,001102000050000,2,10.00\nZ,,001102000050000,1,1.00\n";
        auto out = read_two_csv(claims, lines);
        REQUIRE(out.size() == 4);
        CHECK(out[0].accepted);
        CHECK(out[0].records == 3);
        CHECK(out[0].claim.lines().size() == 2);
        CHECK(out[0].claim.member.id == "M1");
        CHECK(out[1].errors.at(0) == "4:0: no record for claim `Z` in the claims file `claims.csv`");
        CHECK(out[2].errors.at(0) == "3:0: claim `B` has no rows in the lines file `lines.csv`");
        CHECK(out[3].errors.at(0) == "4:0: claim `A` appears more than once in the claims file; only its first record is used");
    }
}
