#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "util/diagnostics.hpp"
#include "util/flat_index.hpp"
#include "util/json_writer.hpp"
#include "util/text.hpp"

using namespace medclaim;

TEST_SUITE("medclaim::format_diagnostic") {
    TEST_CASE("prints file:line:col, the source line and a caret under the column") {
        Diagnostic d{Severity::error, "claims.csv", 4, 9, "`member.sex`: `X` is not one of M, F", "C2,M002,X,1980-02-03"};
        CHECK(format_diagnostic(d) ==
              "claims.csv:4:9: error: `member.sex`: `X` is not one of M, F\n"
              "    C2,M002,X,1980-02-03\n"
              "            ^\n");
    }

    TEST_CASE("wide characters move the caret two columns") {
        Diagnostic d{Severity::warning, "a.csv", 2, 5, "here", "诊查费,X"};
        CHECK(format_diagnostic(d) ==
              "a.csv:2:5: warning: here\n"
              "    诊查费,X\n"
              "           ^\n");
    }

    TEST_CASE("without a column there is no caret; without a line, no position") {
        CHECK(format_diagnostic({Severity::error, "a.csv", 3, 0, "claim has no fee lines", "C1,x"}) ==
              "a.csv:3: error: claim has no fee lines\n    C1,x\n");
        CHECK(format_diagnostic({Severity::note, "a.csv", 0, 0, "read as GB18030", ""}) == "a.csv: note: read as GB18030\n");
    }

    TEST_CASE("long lines are shown as a window around the caret") {
        std::string line(300, 'a');
        line[200] = 'X';
        std::string text = format_diagnostic({Severity::error, "f", 1, 201, "m", line});
        CHECK(text.find("    ...") != std::string::npos);
        std::size_t source = text.find('\n') + 1;
        std::size_t caret_line = text.find('\n', source) + 1;
        std::size_t x = text.find('X', source) - source;
        std::size_t caret = text.find('^', caret_line) - caret_line;
        CHECK(x == caret);
    }
}

TEST_SUITE("medclaim::text") {
    TEST_CASE("closest_match suggests near names only") {
        std::string_view names[] = {"member.sex", "member.id", "line.amount"};
        CHECK(closest_match("member.sx", names) == "member.sex");
        CHECK(closest_match("line.amout", names) == "line.amount");
        CHECK(closest_match("totally.else", names).empty());
    }

    TEST_CASE("UTF-8 validation finds the first bad byte") {
        CHECK(is_valid_utf8("诊查费 ok"));
        CHECK(first_invalid_utf8("ab\xff" "c") == 2);
        CHECK(first_invalid_utf8("\xe8\xaf") == 0);  // truncated sequence
        CHECK(first_invalid_utf8("\xed\xa0\x80") == 0);  // surrogate
        CHECK(first_invalid_utf8("fine") == std::string_view::npos);
    }

    TEST_CASE("UTF-8 validation of short and long texts: a bad byte anywhere is found") {
        // Texts up to 128 bytes take an ASCII short path; the byte may sit in a whole
        // word or in the tail.
        for (std::size_t n : {1u, 7u, 8u, 9u, 31u, 128u, 129u, 300u}) {
            for (std::size_t at = 0; at < n; at += (n > 40 ? 13 : 1)) {
                std::string text(n, 'a');
                CHECK(is_valid_utf8(text));
                text[at] = '\xff';
                CAPTURE(n);
                CAPTURE(at);
                CHECK_FALSE(is_valid_utf8(text));
                CHECK(first_invalid_utf8(text) == at);
                text[at] = '\x80';  // a continuation byte alone
                CHECK_FALSE(is_valid_utf8(text));
            }
            CHECK(is_valid_utf8(std::string(n, 'a') + "诊查费"));
        }
    }

    TEST_CASE("quote_excerpt escapes control bytes and cuts long text") {
        CHECK(quote_excerpt("a\tb\x01") == "a\\tb\\x01");
        CHECK(quote_excerpt(std::string(50, 'x'), 10) == std::string(10, 'x') + "…");
        CHECK(quote_excerpt("\xff") == "\\xff");
    }

    TEST_CASE("base64 pads to four characters") {
        CHECK(base64("") == "");
        CHECK(base64("f") == "Zg==");
        CHECK(base64("fo") == "Zm8=");
        CHECK(base64("foo") == "Zm9v");
        CHECK(base64("\xff\xfe") == "//4=");
    }

    TEST_CASE("hash64 depends on the seed and every byte") {
        CHECK(hash64("claim-1", 1) != hash64("claim-1", 2));
        CHECK(hash64("claim-1", 1) != hash64("claim-2", 1));
        CHECK(hash64("abcdefgh1", 1) != hash64("abcdefgh2", 1));
        CHECK(hash64("", 1) != hash64(std::string_view("\0", 1), 1));
    }

    TEST_CASE("hash64 of every length reads its bytes only, and each of them counts") {
        // The tail of a text is read in words: bytes past the end must not count.
        const std::string text = "M0163251\x1dHM0163251-in_catalog.deductible-0123456789";
        for (std::size_t n = 0; n <= 40; ++n) {
            std::string own = text.substr(0, n);
            CHECK(hash64(std::string_view(text).substr(0, n), 7) == hash64(own, 7));
            for (std::size_t i = 0; i < n; ++i) {
                std::string changed = own;
                changed[i] = static_cast<char>(changed[i] ^ 0x20);
                CHECK(hash64(changed, 7) != hash64(own, 7));
            }
        }
    }

    TEST_CASE("columns align by display width, numbers to the right") {
        std::string out = align_columns({{"figure", "amount"}, {"医疗费总额", "9.00"}, {"x", "1234.00"}}, 1);
        CHECK(out == "  figure      amount\n  医疗费总额    9.00\n  x          1234.00\n");
        CHECK(align_columns({{"a", "b"}, {"ccc", ""}}, std::vector<bool>{}) == "  a   b\n  ccc\n");
    }

    TEST_CASE("count_lines counts line ends, a last line without one not") {
        CHECK(count_lines(std::string_view()) == 0);
        CHECK(count_lines("no end") == 0);
        CHECK(count_lines("a\n\nb\n") == 3);
        CHECK(count_lines(std::string(100000, 'x') + "\n" + std::string(5, '\n') + "tail") == 6);
        CHECK(count_lines(std::string(16 * 600 + 7, '\n')) == 16 * 600 + 7);  // more than 255 full blocks a round
        // Every length and alignment around the 16-byte blocks, line ends anywhere.
        std::string text;
        for (int i = 0; i < 300; ++i) text += (i * 7) % 5 == 0 ? '\n' : static_cast<char>('a' + i % 26);
        for (std::size_t from = 0; from < 40; ++from) {
            for (std::size_t size = 0; from + size <= text.size(); size += 3) {
                std::string_view part = std::string_view(text).substr(from, size);
                CHECK(count_lines(part) == static_cast<std::size_t>(std::count(part.begin(), part.end(), '\n')));
            }
        }
    }
}

TEST_SUITE("medclaim::JsonWriter") {
    TEST_CASE("writes compact JSON with money as two-decimal strings, after what the string held") {
        std::string out = "{}\n";
        JsonWriter w(out);
        w.begin_object();
        w.key("claim_id");
        w.string("C\"1\n");
        w.key("amount");
        w.money(Money::from_units(12340));
        w.key("lines");
        w.begin_array();
        w.integer(-3);
        w.boolean(true);
        w.null();
        w.money(Money::from_units(1));
        w.end_array();
        w.key("more");
        w.money(Money::from_units(-5));
        w.end_object();
        CHECK(w.str() == R"({}
{"claim_id":"C\"1\n","amount":"123.40","lines":[-3,true,null,"0.01"],"more":"-0.05"})");
    }

    TEST_CASE("control characters are escaped, UTF-8 passes through") {
        std::string out;
        append_json_string(out, std::string_view("诊\x01\x7f", 5));
        CHECK(out == "\"诊\\u0001\\u007f\"");
    }

    TEST_CASE("a byte to escape is found wherever it sits, also among UTF-8 and next to another") {
        // Plain words are skipped 8 bytes at a time: put each special byte at each
        // place of texts up to 3 words long, and compare with escaping byte by byte.
        auto escaped = [](std::string_view v) {
            std::string out = "\"";
            for (char ch : v) {
                auto c = static_cast<unsigned char>(ch);
                if (c == '"') out += "\\\"";
                else if (c == '\\') out += "\\\\";
                else if (c == '\n') out += "\\n";
                else if (c == '\r') out += "\\r";
                else if (c == '\t') out += "\\t";
                else if (c < 0x20 || c == 0x7F) out += fmt::format("\\u{:04x}", c);
                else out += ch;
            }
            return out + "\"";
        };
        const std::string base = "a诊b查c费d~ \x80\xff!0123456789";
        for (char special : {'"', '\\', '\n', '\x01', '\x1f', '\x7f', '\0'}) {
            for (std::size_t n = 1; n <= base.size(); ++n) {
                for (std::size_t at = 0; at < n; ++at) {
                    std::string text = base.substr(0, n);
                    text[at] = special;
                    if (at + 1 < n) text[at + 1] = '\x02';  // a second one right after
                    std::string out;
                    append_json_string(out, text);
                    CAPTURE(n);
                    CAPTURE(at);
                    CHECK(out == escaped(text));
                }
            }
        }
        std::string plain;
        append_json_string(plain, base);
        CHECK(plain == "\"" + base + "\"");
    }


    TEST_CASE("list cells split on bars, each part trimmed") {
        CHECK(split_list("a| b |c") == std::vector<std::string_view>{"a", "b", "c"});
        CHECK(split_list("one") == std::vector<std::string_view>{"one"});
        CHECK(split_list("a||") == std::vector<std::string_view>{"a", "", ""});
    }
}

TEST_SUITE("medclaim::FlatIndex") {
    TEST_CASE("finds every key added, across growth, and nothing else") {
        std::vector<std::string> keys;
        FlatIndex index;
        auto same = [&](std::string_view key) { return [&, key](std::uint32_t i) { return keys[i] == key; }; };
        for (int i = 0; i < 50000; ++i) {
            std::string k = "K" + std::to_string(i);
            REQUIRE(index.find_or_add(FlatIndex::hash(k), static_cast<std::uint32_t>(keys.size()), same(k)) == FlatIndex::k_none);
            keys.push_back(k);
        }
        CHECK(index.size() == 50000);
        for (int i = 0; i < 50000; i += 7) {
            std::string k = "K" + std::to_string(i);
            CHECK(index.find(FlatIndex::hash(k), same(k)) == static_cast<std::uint32_t>(i));
            // Adding it again finds it and adds nothing.
            CHECK(index.find_or_add(FlatIndex::hash(k), 999999, same(k)) == static_cast<std::uint32_t>(i));
        }
        CHECK(index.size() == 50000);
        CHECK(index.find(FlatIndex::hash("K50000"), same("K50000")) == FlatIndex::k_none);
        CHECK(index.find(FlatIndex::hash("K1", 1), same("K1")) != 1);  // another seed, another hash: another slot
    }

    TEST_CASE("keys whose hashes are all equal are told apart by the caller's comparison") {
        std::vector<std::string> keys{"a", "b", "c", "d"};
        FlatIndex index;
        for (std::uint32_t i = 0; i < keys.size(); ++i) {
            CHECK(index.find_or_add(42, i, [&](std::uint32_t k) { return keys[k] == keys[i]; }) == FlatIndex::k_none);
        }
        for (std::uint32_t i = 0; i < keys.size(); ++i) CHECK(index.find(42, [&](std::uint32_t k) { return keys[k] == keys[i]; }) == i);
        CHECK(index.find(42, [&](std::uint32_t k) { return keys[k] == "e"; }) == FlatIndex::k_none);
        index.move(42, 3, [&](std::uint32_t k) { return keys[k] == "b"; });  // "b" now points at position 3
        CHECK(index.find(42, [&](std::uint32_t k) { return k == 3 && keys[1] == "b"; }) == 3);
        CHECK(index.find(FlatIndex::hash("a"), [](std::uint32_t) { return true; }) == FlatIndex::k_none);  // another hash finds nothing
    }

    TEST_CASE("an empty index finds nothing") {
        FlatIndex index;
        CHECK(index.find(0, [](std::uint32_t) { return true; }) == FlatIndex::k_none);
        CHECK(index.likely(0) == FlatIndex::k_none);
        index.prefetch(0);  // nothing to load: no effect, no fault
        CHECK(index.size() == 0);
    }

    TEST_CASE("likely() gives the entry in a hash's first slot, uncompared, and nothing for a slot holding another hash") {
        FlatIndex index;
        CHECK(index.find_or_add(5, 0, [](std::uint32_t) { return false; }) == FlatIndex::k_none);
        CHECK(index.likely(5) == 0);
        // Same first slot, another hash: not this one's entry.
        CHECK(index.likely(5 + 1024) == FlatIndex::k_none);
        // A second entry under hash 5 goes to the next slot; the first slot still gives the first.
        CHECK(index.find_or_add(5, 1, [](std::uint32_t) { return false; }) == FlatIndex::k_none);
        CHECK(index.likely(5) == 0);
        CHECK(index.likely(6) == FlatIndex::k_none);  // slot 6 holds hash 5's second entry
        index.prefetch(5);
        CHECK(index.find(5, [](std::uint32_t k) { return k == 1; }) == 1);  // prefetching changed nothing
    }
}
