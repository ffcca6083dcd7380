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

// Hands out one byte a read, so that no record is ever wholly in the tokenizer's buffer
// and every one goes through the state machine.
class OneByteSource : public ByteSource {
public:
    explicit OneByteSource(std::string bytes) : bytes_(std::move(bytes)) {}
    std::size_t read(char* buffer, std::size_t n) override {
        if (n == 0 || at_ == bytes_.size()) return 0;
        *buffer = bytes_[at_++];
        return 1;
    }

private:
    std::string bytes_;
    std::size_t at_ = 0;
};

struct FullRow {
    Row row;
    std::vector<std::uint32_t> starts;
    bool truncated;
};

std::vector<FullRow> tokenize_from(ByteSource& source, CsvLimits limits) {
    CsvTokenizer t(source, limits);
    CsvRecord r;
    std::vector<FullRow> rows;
    while (t.next(r)) {
        rows.push_back({{std::vector<std::string>(r.fields.begin(), r.fields.end()), r.line, r.end_line, r.error, r.error_offset, std::string(r.raw)},
                        r.field_starts,
                        r.truncated});
    }
    return rows;
}

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

    TEST_CASE("records read whole in the buffer come out as the state machine makes them, one byte a read") {
        // Random text over an alphabet heavy in separators and in the bytes that leave the
        // plain path (quotes, CR, CRLF, NUL), with limits small enough to be crossed.
        const char alphabet[] = {'a', 'b', 'x', ',', ',', '\n', '\n', '"', '\r', '\0', ' '};
        std::uint64_t seed = 0x9e3779b97f4a7c15u;
        auto next = [&seed]() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            return seed;
        };
        CsvLimits limits;
        limits.max_field_bytes = 24;
        limits.max_record_bytes = 90;
        for (int round = 0; round < 3000; ++round) {
            std::string text;
            std::size_t length = next() % 400;
            bool plain = round % 3 == 0;  // a third of the texts have only plain bytes and CRLF
            for (std::size_t i = 0; i < length; ++i) {
                std::uint64_t r = next();
                if (plain) {
                    text += r % 9 == 0 ? ',' : r % 23 == 0 ? '\n' : r % 31 == 0 ? '\r' : static_cast<char>('a' + r % 26);
                    if (text.back() == '\r') text += '\n';
                } else {
                    text += alphabet[r % sizeof alphabet];
                }
            }
            auto whole = string_source(text);
            OneByteSource bytewise(text);
            auto fast = tokenize_from(*whole, limits);
            auto slow = tokenize_from(bytewise, limits);
            INFO("round ", round);
            REQUIRE(fast.size() == slow.size());
            for (std::size_t i = 0; i < fast.size(); ++i) {
                INFO("record ", i);
                CHECK(fast[i].row.fields == slow[i].row.fields);
                CHECK(fast[i].starts == slow[i].starts);
                CHECK(fast[i].row.raw == slow[i].row.raw);
                CHECK(fast[i].row.line == slow[i].row.line);
                CHECK(fast[i].row.end_line == slow[i].row.end_line);
                CHECK(fast[i].row.error == slow[i].row.error);
                CHECK(fast[i].row.error_offset == slow[i].row.error_offset);
                CHECK(fast[i].truncated == slow[i].truncated);
            }
        }
    }
}
