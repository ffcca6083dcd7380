#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "ingest/byte_source.hpp"
#include "ingest/csv_tokenizer.hpp"

using namespace medclaim;

namespace {

struct Row {
    std::vector<std::string> fields;
    std::uint64_t line;
    std::uint64_t end_line;
    CsvError error;
    std::uint32_t error_offset;
    std::string raw;
};

std::vector<Row> tokenize(std::string text, CsvLimits limits = {}) {
    auto source = string_source(std::move(text));
    CsvTokenizer t(*source, limits);
    CsvRecord r;
    std::vector<Row> rows;
    while (t.next(r)) {
        rows.push_back({std::vector<std::string>(r.fields.begin(), r.fields.end()), r.line, r.end_line, r.error, r.error_offset, std::string(r.raw)});
    }
    return rows;
}

using Fields = std::vector<std::string>;

}  // namespace

TEST_SUITE("medclaim::CsvTokenizer") {
    TEST_CASE("a separator is found wherever it falls in a run of plain bytes, 16 at a time or one") {
        // Runs of 1 to 40 bytes end in each kind of special byte: at every offset of
        // the 16-byte steps and of the byte-by-byte tail.
        for (std::size_t n = 1; n <= 40; ++n) {
            std::string run(n, 'x');
            for (std::size_t i = 0; i < n; ++i) run[i] = static_cast<char>('a' + i % 26);
            auto rows = tokenize(run + "," + run + "\n" + run + "\r\n" + run);
            REQUIRE(rows.size() == 3);
            CHECK(rows[0].fields == Fields{run, run});
            CHECK(rows[1].fields == Fields{run});
            CHECK(rows[2].fields == Fields{run});
            CHECK(rows[2].line == 3);
            auto quoted = tokenize(run + "\"q\"");
            REQUIRE(quoted.size() == 1);
            CHECK(quoted[0].error == CsvError::stray_quote);
            CHECK(quoted[0].error_offset == n);
            auto nul = tokenize(run + std::string(1, '\0') + "y");
            REQUIRE(nul.size() == 1);
            CHECK(nul[0].error == CsvError::nul_byte);
            CHECK(nul[0].error_offset == n);
        }
    }

    TEST_CASE("splits plain records on commas and line feeds") {
        auto rows = tokenize("a,b,c\n1,,3\n");
        REQUIRE(rows.size() == 2);
        CHECK(rows[0].fields == Fields{"a", "b", "c"});
        CHECK(rows[1].fields == Fields{"1", "", "3"});
        CHECK(rows[1].line == 2);
    }

    TEST_CASE("quoted fields hold commas, doubled quotes and line breaks") {
        auto rows = tokenize("x,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\nnext,1,2,3\n");
        REQUIRE(rows.size() == 2);
        CHECK(rows[0].fields == Fields{"x", "a,b", "say \"hi\"", "two\nlines"});
        CHECK(rows[0].line == 1);
        CHECK(rows[0].end_line == 2);
        CHECK(rows[1].line == 3);
        CHECK(rows[0].error == CsvError::none);
    }

    TEST_CASE("CRLF ends records and is not part of the last field") {
        auto rows = tokenize("a,b\r\n1,\"2\"\r\n");
        REQUIRE(rows.size() == 2);
        CHECK(rows[0].fields == Fields{"a", "b"});
        CHECK(rows[1].fields == Fields{"1", "2"});
        CHECK(rows[1].raw == "1,\"2\"");
    }

    TEST_CASE("the last record needs no line end; blank lines are skipped") {
        auto rows = tokenize("a\n\n\r\nb");
        REQUIRE(rows.size() == 2);
        CHECK(rows[1].fields == Fields{"b"});
        CHECK(rows[1].line == 4);
    }

    TEST_CASE("a trailing comma makes an empty last field") {
        auto rows = tokenize("a,b,\n");
        CHECK(rows[0].fields == Fields{"a", "b", ""});
    }

    TEST_CASE("an unterminated quote runs to the end and is reported at the quote") {
        auto rows = tokenize("a,b\n1,\"open,2\n3,4\n");
        REQUIRE(rows.size() == 2);
        CHECK(rows[1].error == CsvError::unterminated_quote);
        CHECK(rows[1].error_offset == 2);
        CHECK(rows[1].fields == Fields{"1", "open,2\n3,4\n"});
    }

    TEST_CASE("a stray quote and text after a closing quote are errors at their byte") {
        auto rows = tokenize("ab\"c,1\n\"x\"y,2\n");
        REQUIRE(rows.size() == 2);
        CHECK(rows[0].error == CsvError::stray_quote);
        CHECK(rows[0].error_offset == 2);
        CHECK(rows[1].error == CsvError::text_after_quote);
        CHECK(rows[1].error_offset == 3);
        CHECK(rows[1].fields.size() == 2);
    }

    TEST_CASE("NUL bytes and lone carriage returns are errors") {
        auto rows = tokenize(std::string("a\0b,c\nx\ry\n", 10));
        REQUIRE(rows.size() == 2);
        CHECK(rows[0].error == CsvError::nul_byte);
        CHECK(rows[0].error_offset == 1);
        CHECK(rows[1].error == CsvError::lone_carriage_return);
    }

    TEST_CASE("a field over the limit is an error; the record stays aligned") {
        auto rows = tokenize("a," + std::string(100, 'x') + ",c\nnext\n", CsvLimits{50, 1000});
        REQUIRE(rows.size() == 2);
        CHECK(rows[0].error == CsvError::field_too_long);
        CHECK(rows[0].error_offset == 2);
        CHECK(rows[0].fields.size() == 3);
        CHECK(rows[1].fields == Fields{"next"});
    }

    TEST_CASE("a record over the limit keeps only its head and the next record is intact") {
        std::string big = "\"" + std::string(5000, 'y') + "\n" + std::string(5000, 'z') + "\",end\nafter,1\n";
        auto rows = tokenize(big, CsvLimits{100000, 1000});
        REQUIRE(rows.size() == 2);
        CHECK(rows[0].error == CsvError::record_too_long);
        CHECK(rows[0].raw.size() == 1000);
        CHECK(rows[0].fields.empty());
        CHECK(rows[1].fields == Fields{"after", "1"});
        CHECK(rows[1].line == 3);
    }

    TEST_CASE("records spanning many reads come out whole") {
        std::string text;
        for (int i = 0; i < 200000; ++i) text += "claim" + std::to_string(i) + ",\"q,uoted\",3.50\n";
        auto rows = tokenize(text);
        REQUIRE(rows.size() == 200000);
        CHECK(rows[199999].fields == Fields{"claim199999", "q,uoted", "3.50"});
        CHECK(rows[199999].line == 200000);
    }
}
