#include <doctest/doctest.h>

#include <fmt/format.h>

#include "reader_helpers.hpp"

using namespace medclaim;
using namespace medclaim::test;

namespace {

const std::string k_claim =
    R"({"claim_id":"J1","member":{"id":"M1","sex":"M","birth_date":"1950-01-01","scheme":"resident"},"provider":{"id":"H2","level":2},)"
    R"("visit":{"care_type":"outpatient","admit_date":"2024-05-01"},"diagnoses":["I10.x00"],"policies":["P1","P2"],)"
    R"("lines":[{"line_no":1,"code":"XC08CAA001A001010101234","qty":1,"unit_price":1308.6999999999998,"amount":1308.6999999999998}]})";

std::string with(std::string base, const std::string& from, const std::string& to) {
    base.replace(base.find(from), from.size(), to);
    return base;
}

}  // namespace

TEST_SUITE("medclaim::JsonlReader") {
    TEST_CASE("reads nested claims, reading binary-float noise as the intended fen") {
        auto out = read_jsonl(k_claim + "\n");
        REQUIRE(out.size() == 1);
        CHECK(out[0].accepted);
        CHECK(out[0].claim.lines()[0].amount == Money::from_units(130870));
        CHECK(out[0].claim.provider.level == 2);
        CHECK(out[0].claim.policies == std::vector<std::string>{"P1", "P2"});
    }

    TEST_CASE("dotted keys, string numbers and null work like nested ones") {
        auto out = read_jsonl(with(k_claim, R"("claim_id":"J1")", R"("claim_id":"J1","member.region":"440300","plan_year":null)") + "\n");
        CHECK(out.at(0).accepted);
        CHECK(out.at(0).claim.member.region == "440300");
        CHECK_FALSE(out.at(0).claim.plan_year);
        CHECK(read_jsonl(with(k_claim, R"("qty":1)", R"("qty":"1.0")") + "\n").at(0).claim.lines()[0].qty == Quantity::from_units(10000));
    }

    TEST_CASE("diagnoses may be objects with a primary flag, kept primary first") {
        auto out = read_jsonl(with(k_claim, R"(["I10.x00"])", R"([{"code":"E11.900"},{"code":"I10.x00","primary":true}])") + "\n");
        REQUIRE(out.at(0).claim.diagnoses.size() == 2);
        CHECK(out.at(0).claim.diagnoses[0].code == "I10.x00");
        CHECK(out.at(0).claim.diagnoses[0].primary);
    }

    TEST_CASE("malformed JSON is rejected with its position and the next line still reads") {
        auto out = read_jsonl(R"({"claim_id":"J1", broken)" "\n" + k_claim + "\n");
        REQUIRE(out.size() == 2);
        CHECK_FALSE(out[0].accepted);
        CHECK(out[0].errors.at(0).starts_with("1:"));
        CHECK(out[0].errors.at(0).find("invalid JSON") != std::string::npos);
        CHECK(out[1].accepted);
    }

    TEST_CASE("a line that is not an object, or has trailing text, is rejected") {
        CHECK(read_jsonl("[1,2]\n").at(0).errors.at(0) == "1:1: a line must hold one JSON object: a claim");
        auto trailing = read_jsonl(k_claim + " x\n").at(0);
        CHECK_FALSE(trailing.accepted);
        CHECK(trailing.errors.at(0) == fmt::format("1:{}: invalid JSON: text after the claim object", k_claim.size() + 2));
    }

    TEST_CASE("type errors name the field") {
        auto out = read_jsonl(with(k_claim, R"("qty":1)", R"("qty":{"v":1})") + "\n");
        CHECK(out.at(0).errors.at(0).ends_with("`line.qty` must be a single value, not an object or array"));
        out = read_jsonl(with(k_claim, R"("sex":"M")", R"("sex":true)") + "\n");
        CHECK(out.at(0).errors.at(0).ends_with("`member.sex`: `true` is not one of M, F"));
    }

    TEST_CASE("a line field at claim level is an error; unknown keys warn once") {
        auto out = read_jsonl(with(k_claim, R"("claim_id":"J1")", R"("claim_id":"J1","line.qty":3,"colour":"red")") + "\n" +
                              with(k_claim, R"("claim_id":"J1")", R"("claim_id":"J2","colour":"red")") + "\n");
        CHECK(out.at(0).errors.at(0).ends_with("`line.qty` belongs inside an element of `lines`"));
        CHECK(out.at(0).warnings.at(0).ends_with("unknown field `colour` is ignored"));
        CHECK(out.at(1).warnings.empty());
    }

    TEST_CASE("a FHIR resource is recognised and rejected with a clear message") {
        auto out = read_jsonl(R"({"resourceType":"Claim","id":"x","status":"active"})" "\n");
        CHECK(out.at(0).errors ==
              std::vector<std::string>{"1:1: this line is a FHIR `Claim` resource, not a canonical medclaim claim; this version reads canonical "
                                       "JSON Lines and CSV only (see medclaim(1), INPUT)"});
    }

    TEST_CASE("invalid UTF-8 is rejected at its byte with the encoding hint") {
        auto out = read_jsonl(with(k_claim, R"("id":"M1")", "\"id\":\"M\xff\"") + "\n");
        CHECK(out.at(0).errors.at(0).ends_with("invalid UTF-8 byte 0xff; if the file is GBK or GB18030, use --encoding gb18030"));
    }

    TEST_CASE("escaped keys and strings are unescaped") {
        auto out = read_jsonl(with(with(k_claim, R"("member":)", R"("mem\u0062er":)"), R"("id":"M1")", R"("id":"M\"1")") + "\n");
        CHECK(out.at(0).accepted);
        CHECK(out.at(0).claim.member.id == "M\"1");
    }

    TEST_CASE("blank lines are skipped; CRLF is accepted") {
        auto out = read_jsonl("\n  \n" + k_claim + "\r\n\n");
        REQUIRE(out.size() == 1);
        CHECK(out[0].accepted);
    }
}
