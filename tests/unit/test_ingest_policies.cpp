#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <fmt/format.h>

#include "ingest/policy_reader.hpp"
#include "util/error.hpp"

using namespace medclaim;
namespace fs = std::filesystem;

namespace {

// Writes `text` to a file named `name` and reads it as a policies file; `said` gets
// every diagnostic as "line:col: severity: message".
struct Read {
    PolicyRead result;
    std::vector<std::string> said;
};

Read read_text(const std::string& name, const std::string& text) {
    fs::path dir = fs::temp_directory_path() / fmt::format("medclaim-policies-{}", ::getpid());
    fs::create_directories(dir);
    fs::path path = dir / name;
    std::ofstream(path, std::ios::binary) << text;
    std::vector<Diagnostic> kept;
    DiagnosticSink sink(kept);
    Read r;
    r.result = read_policies(path.string(), sink);
    for (const Diagnostic& d : kept) {
        CHECK(d.file == path.string());
        r.said.push_back(fmt::format("{}:{}: {}: {}", d.line, d.column, d.severity == Severity::error ? "error" : "warning", d.message));
    }
    fs::remove_all(dir);
    return r;
}

Date day(const char* text) { return *Date::parse(text); }

}  // namespace

TEST_CASE("policies: a CSV file gives each policy with its defaults, found by id and by member and date") {
    Read r = read_text("p.csv",
                       "policy_id,product,member_id,start_date,end_date,first_insured_date,health_status,conditions,options\n"
                       "P1,million,M1,2024-03-01,2025-02-28,2022-03-01,healthy,,proton\n"
                       "P2,huiminbao,M1,2024-01-01,2024-12-31,,preexisting,C34|E11.9,\n"
                       "P3,million,M2,2024-06-01,2025-05-31,,,,\n"
                       "P4,million,M1,2024-02-01,2024-12-31,,,,\n");
    CHECK(r.said.empty());
    REQUIRE(r.result.book.size() == 4);
    CHECK(r.result.records == 4);
    CHECK(r.result.rejected.empty());
    const Policy* p1 = r.result.book.find("P1");
    REQUIRE(p1 != nullptr);
    CHECK(p1->product == "million");
    CHECK(p1->first_insured == day("2022-03-01"));
    CHECK(p1->options() == std::vector<std::string>{"proton"});
    CHECK(p1->line == 2);
    const Policy* p2 = r.result.book.find("P2");
    REQUIRE(p2 != nullptr);
    CHECK(p2->health == HealthStatus::preexisting);
    CHECK(p2->first_insured == p2->start);  // not given: the start
    CHECK(p2->conditions() == std::vector<std::string>{"C34", "E11.9"});
    CHECK(p2->declared("C34.901"));
    CHECK_FALSE(p2->declared("C18.9"));
    CHECK(r.result.book.find("P3")->health == HealthStatus::healthy);
    CHECK(r.result.book.find("P9") == nullptr);

    // M1 on 2024-05-01: all three, in start-date order; on 2025-01-15: P1 only.
    auto all = r.result.book.covering("M1", day("2024-05-01"));
    REQUIRE(all.size() == 3);
    CHECK(all[0]->id == "P2");
    CHECK(all[1]->id == "P4");
    CHECK(all[2]->id == "P1");
    auto later = r.result.book.covering("M1", day("2025-01-15"));
    REQUIRE(later.size() == 1);
    CHECK(later[0]->id == "P1");
    CHECK(r.result.book.covering("M1", day("2025-03-01")).empty());  // the day after P1's end
    CHECK(r.result.book.covering("M1", day("2025-02-28")).size() == 1);  // its last day
    CHECK(r.result.book.covering("M3", day("2024-05-01")).empty());
}

TEST_CASE("policies: each bad CSV record is rejected with every error at its column, and nothing is lost") {
    Read r = read_text("p.csv",
                       "policy_id,product,member_id,start_date,end_date,first_insured_date,health_status,conditions,colour\n"
                       "P1,million,M1,2024-03-01,2025-02-28,,,,red\n"
                       "P2,million,,2024-02-30,2025-02-28,,unwell,,red\n"
                       "P3,million,M1,2024-03-01,2024-02-28,2024-04-01,,C34|34,red\n"
                       "P1,million,M2,2024-03-01,2025-02-28,,,,red\n"
                       "P4,million\n"
                       ",,,,,,,,\n");
    CHECK(r.result.records == 6);
    CHECK(r.result.book.size() == 1);
    REQUIRE(r.result.rejected.size() == 5);
    std::vector<std::string> want = {
        "1:93: warning: unknown column `colour` is ignored",
        "3:13: error: `start_date` `2024-02-30` is not a date (YYYY-MM-DD, a day that exists)",
        "3:36: error: `health_status` `unwell` is not `healthy` or `preexisting`",
        "3:12: error: missing `member_id`",
        "4:49: error: `conditions`: `34` is not an ICD-10 code or prefix (such as C34 or E11.9)",
        "4:26: error: `end_date` 2024-02-28 is before `start_date` 2024-03-01",
        "4:37: error: `first_insured_date` 2024-04-01 is after `start_date` 2024-03-01: a renewal starts after the first policy",
        "5:1: error: duplicate policy_id `P1`: first seen at " + std::string(r.result.book.find("P1")->file) + ":2",
        "6:1: error: the record has 2 fields; the header has 9",
        "7:1: error: missing `policy_id`",
        "7:2: error: missing `product`",
        "7:3: error: missing `member_id`",
        "7:4: error: missing `start_date`",
        "7:5: error: missing `end_date`",
    };
    CHECK(r.said == want);
    const RejectedPolicy& dup = r.result.rejected[2];
    CHECK(dup.policy_id == "P1");
    CHECK(dup.line == 5);
    CHECK(dup.text == "P1,million,M2,2024-03-01,2025-02-28,,,,red");
    CHECK(dup.errors.size() == 1);
    CHECK(r.result.rejected[0].errors.size() == 3);
}

TEST_CASE("policies: JSON Lines records, lists as arrays, and each kind of bad line") {
    std::string long_line = R"({"policy_id": "L", "options": [")" + std::string(1100000, 'x') + "\"]}";
    Read r = read_text("p.jsonl",
                       "{\"policy_id\": \"J1\", \"product\": \"tax\", \"member_id\": \"M1\", \"start_date\": \"2024-01-01\", "
                       "\"end_date\": \"2024-12-31\", \"conditions\": [\"I10\"], \"options\": null, \"note\": 1}\n"
                       "\n"
                       "{\"policy_id\": \"J2\", \"product\": 7, \"member_id\": \"M1\", \"start_date\": \"2024-01-01\", \"end_date\": \"2024-12-31\", \"conditions\": \"I10\", \"note\": 2}\n"
                       "{\"policy_id\": \"J3\", \"product\": \"tax\"\n"
                       "[1, 2]\n"
                       "{\"policy_id\": \"J4\", \"product\": \"tax\", \"member_id\": \"M1\", \"start_date\": \"2024-01-01\", \"end_date\": \"2024-12-31\"} x\n"
                       "{\"policy_id\": \"J5\", \"product\": \"t\xff\"}\n" +
                           long_line + "\n" +
                           "{\"policy_id\": \"J6\", \"product\": \"tax\", \"member_id\": \"M2\", \"start_date\": \"2024-01-01\", \"end_date\": \"2024-12-31\"}");
    CHECK(r.result.records == 8);
    CHECK(r.result.book.size() == 2);
    CHECK(r.result.rejected.size() == 6);
    REQUIRE(r.result.book.find("J1") != nullptr);
    CHECK(r.result.book.find("J1")->conditions() == std::vector<std::string>{"I10"});
    CHECK(r.result.book.find("J6") != nullptr);  // the last line has no line end
    std::vector<std::string> want = {
        "1:160: warning: unknown key `note` is ignored",
        "3:32: error: `product` must be a string",
        "3:122: error: `conditions` must be an array of strings",
        "4:37: error: invalid JSON: the line ends inside an object",
        "5:1: error: invalid JSON: expected an object",
        "6:112: error: invalid JSON: text after the object",
        "7:34: error: invalid UTF-8",
        "8:1048577: error: the line is longer than 1048576 bytes",
    };
    CHECK(r.said == want);
    CHECK(r.result.rejected[0].policy_id == "J2");
    CHECK(r.result.rejected[0].line == 3);
    CHECK(r.result.rejected[5].truncated);
    CHECK(r.result.rejected[5].text.size() == 1048576);
}

TEST_CASE("policies: a book of many policies finds each by id and by member, in start-date then input order") {
    PolicyBook book;
    std::string file = "big.csv";
    for (int i = 0; i < 20000; ++i) {
        Policy p;
        p.id = fmt::format("P{:06}", i);
        p.member_id = fmt::format("M{:05}", i % 7000);
        p.product = i % 2 ? "million" : "huiminbao";
        p.file = file;
        p.line = static_cast<std::uint64_t>(i) + 2;
        // Later policies of a member start earlier, except every third, which ties.
        p.start = Date::from_days(20000 - (i / 7000) * 100 + (i % 3 == 0 ? 1000 : 0));
        p.end = Date::from_days(30000);
        p.first_insured = p.start;
        CHECK(book.add(std::move(p)));
    }
    Policy again;
    again.id = "P000123";
    CHECK_FALSE(book.add(std::move(again)));
    CHECK(book.size() == 20000);
    for (int i = 0; i < 20000; i += 997) {
        const Policy* p = book.find(fmt::format("P{:06}", i));
        REQUIRE(p != nullptr);
        CHECK(p->line == static_cast<std::uint64_t>(i) + 2);
        CHECK(p->file == "big.csv");
        CHECK(p->file.data() != file.data());  // kept by the book
    }
    CHECK(book.find("P020000") == nullptr);
    book.prefetch("M99999", 1);  // a member without policies
    book.prefetch("M99999", 2);
    CHECK(book.covering("M99999", Date::from_days(29999)).empty());
    for (int m = 0; m < 7000; m += 501) {
        std::string member = fmt::format("M{:05}", m);
        book.prefetch(member, 1);  // what a settling loop asks two and one claims ahead: no effect on what is found
        book.prefetch(member, 2);
        auto mine = book.covering(member, Date::from_days(29999));
        REQUIRE(mine.size() >= 2);
        CHECK(mine.front()->member_id == member);
        for (std::size_t k = 1; k < mine.size(); ++k) {
            bool ordered = mine[k - 1]->start < mine[k]->start || (mine[k - 1]->start == mine[k]->start && mine[k - 1]->line < mine[k]->line);
            CHECK(ordered);
        }
    }
}

TEST_CASE("policies: policies added a few at a time keep their products, and errors come in input order") {
    // Valid policies wait in small batches before they are added: a repeated id and a
    // bad record must still be reported in input order, whichever batch they fall in,
    // and each policy must keep its own product and version.
    std::string text = "policy_id,product,product_version,member_id,start_date,end_date\n";
    std::vector<std::string> want;
    for (int i = 1; i <= 60; ++i) {
        std::uint64_t line = static_cast<std::uint64_t>(i) + 1;
        if (i % 7 == 0) {
            text += fmt::format("P{},prod{},v{},M{},2024-02-30,2024-12-31\n", i, i, i, i);
            want.push_back(fmt::format("{}:{}: error: `start_date` `2024-02-30` is not a date (YYYY-MM-DD, a day that exists)", line,
                                       fmt::format("P{},prod{},v{},M{},", i, i, i, i).size() + 1));
        } else if (i % 11 == 0) {
            text += fmt::format("P{},prod{},v{},M{},2024-01-01,2024-12-31\n", i - 10, i, i, i);
            want.push_back(fmt::format("{}:1: error: duplicate policy_id `P{}`: first seen at {{}}:{}", line, i - 10, i - 10 + 1));
        } else {
            text += fmt::format("P{},prod{},v{},M{},2024-01-01,2024-12-31\n", i, i, i, i % 5);
        }
    }
    Read r = read_text("batches.csv", text);
    REQUIRE(r.said.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        std::string file = std::string(r.result.book.find("P1")->file);
        CHECK(r.said[i] == fmt::format(fmt::runtime(want[i]), file));
    }
    CHECK(r.result.records == 60);
    CHECK(r.result.book.size() + r.result.rejected.size() == 60);
    for (int i = 1; i <= 60; ++i) {
        if (i % 7 == 0 || i % 11 == 0) continue;
        const Policy* p = r.result.book.find(fmt::format("P{}", i));
        REQUIRE(p != nullptr);
        CHECK(p->product == fmt::format("prod{}", i));
        CHECK(p->product_version == fmt::format("v{}", i));
        CHECK(p->member_id == fmt::format("M{}", i % 5));
        CHECK(p->line == static_cast<std::uint64_t>(i) + 1);
    }
    for (std::size_t k = 1; k < r.result.rejected.size(); ++k) CHECK(r.result.rejected[k - 1].line < r.result.rejected[k].line);
}

TEST_CASE("policies: a file that is not there is an input error; an empty one holds no policies") {
    std::vector<Diagnostic> kept;
    DiagnosticSink sink(kept);
    CHECK_THROWS_AS(read_policies("/nonexistent/policies.csv", sink), InputError);
    Read r = read_text("empty.csv", "");
    CHECK(r.result.records == 0);
    CHECK(r.result.book.size() == 0);
}
