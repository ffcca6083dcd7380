#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include <simdjson.h>

#include "ingest/json_cursor.hpp"
#include "util/text.hpp"

namespace medclaim {
namespace {

// Walks a whole text, collecting each scalar as "type:text"; false on an error.
bool walk(JsonCursor& c, std::vector<std::string>& out) {
    using Type = JsonCursor::Type;
    switch (c.peek()) {
        case Type::object: {
            c.enter_object();
            JsonCursor::Members m;
            std::string_view key;
            while (c.member(m, key)) {
                out.push_back("key:" + std::string(key));
                if (!walk(c, out)) return false;
            }
            return !c.failed();
        }
        case Type::array: {
            c.enter_array();
            JsonCursor::Elements e;
            while (c.element(e)) {
                if (!walk(c, out)) return false;
            }
            return !c.failed();
        }
        case Type::string: {
            std::string_view s;
            if (!c.string(s)) return false;
            out.push_back("s:" + std::string(s));
            return true;
        }
        case Type::number: {
            std::string_view n;
            if (!c.number(n)) return false;
            out.push_back("n:" + std::string(n));
            return true;
        }
        default: return c.skip();
    }
}

// The error of a text as "offset: message", or "" when it reads whole.
std::string error_of(std::string_view text) {
    JsonCursor c(text);
    std::vector<std::string> out;
    if (walk(c, out) && c.at_end()) return "";
    if (!c.failed()) return "trailing";
    return std::to_string(c.error_offset()) + ": " + c.error();
}

TEST_SUITE("medclaim::JsonCursor") {
    TEST_CASE("walks objects, arrays and scalars in order, numbers as written") {
        JsonCursor c(R"( {"a": [1, -0.50, 2E+3, true, null], "b" : {"c":"x"}, "d":false} )");
        std::vector<std::string> out;
        REQUIRE(walk(c, out));
        CHECK(c.at_end());
        CHECK(out == std::vector<std::string>{"key:a", "n:1", "n:-0.50", "n:2E+3", "key:b", "key:c", "s:x", "key:d"});
    }

    TEST_CASE("strings are unescaped, surrogate pairs joined") {
        JsonCursor c(R"(["a\"b\\c\/d\b\f\n\r\t", "\u00e9\u4E2D", "\ud83d\ude00", "中文"])");
        std::vector<std::string> out;
        REQUIRE(walk(c, out));
        CHECK(out[0] == "s:a\"b\\c/d\b\f\n\r\t");
        CHECK(out[1] == "s:\xC3\xA9\xE4\xB8\xAD");
        CHECK(out[2] == "s:\xF0\x9F\x98\x80");
        CHECK(out[3] == "s:中文");
    }

    TEST_CASE("each error says what was expected, at the offending byte") {
        CHECK(error_of(R"({"a":1 "b":2})") == "7: expected `,` or `}` after an object member");
        CHECK(error_of(R"({"a":1,})") == "7: expected a key: a string in double quotes");
        CHECK(error_of(R"({a:1})") == "1: expected a key: a string in double quotes");
        CHECK(error_of(R"({"a" 1})") == "5: expected `:` after the key");
        CHECK(error_of(R"([1 2])") == "3: expected `,` or `]` after an array element");
        CHECK(error_of(R"([1,])") == "3: expected a value");
        CHECK(error_of(R"({"a":})") == "5: expected a value");
        CHECK(error_of(R"({"a":"xyz)") == "5: a string is opened but never closed");
        CHECK(error_of(R"({"a":1)") == "6: the line ends inside an object");
        CHECK(error_of(R"([1,)") == "3: the line ends inside an array");
        CHECK(error_of(R"({"a":01})") == "5: malformed number `01`");
        CHECK(error_of(R"({"a":1.})") == "5: malformed number `1.`");
        CHECK(error_of(R"({"a":-})") == "5: malformed number `-`");
        CHECK(error_of(R"({"a":1e})") == "5: malformed number `1e`");
        CHECK(error_of(R"({"a":12x})") == "5: malformed number `12x`");
        CHECK(error_of(R"({"a":tru})") == "5: expected `true`, `false` or `null`");
        CHECK(error_of(R"({"a":nulll})") == "5: expected `true`, `false` or `null`");
        CHECK(error_of("{\"a\":\"x\ty\"}") == "7: control character U+0009 inside a string; it must be written as an escape");
        CHECK(error_of(R"({"a":"\x"})") == "6: invalid escape `\\x` in a string");
        CHECK(error_of(R"({"a":"\u12"})") == "6: `\\u` must be followed by four hexadecimal digits");
        CHECK(error_of(R"({"a":"\udc00"})") == "6: `\\uDC00` is a low surrogate without a high one before it");
        CHECK(error_of(R"({"a":"\ud800x"})") == "6: `\\uD800` is a high surrogate without a low one after it");
        CHECK(error_of(R"({"a":1} x)") == "trailing");
        CHECK(error_of(std::string(64, '[') + std::string(64, ']')).empty());
        CHECK(error_of(std::string(65, '[') + std::string(65, ']')) == "64: objects and arrays nest deeper than 64 levels");
    }

    TEST_CASE("after an error every call returns false and the first error stays") {
        JsonCursor c(R"({"a":1 "b":2})");
        std::vector<std::string> out;
        CHECK_FALSE(walk(c, out));
        std::string_view s;
        CHECK_FALSE(c.string(s));
        CHECK_FALSE(c.skip());
        CHECK(c.error_offset() == 7);
    }

    TEST_CASE("accepts and rejects exactly the texts simdjson's DOM parser does (200,000 mutated lines)") {
        // Mutations of a claim line: a byte replaced, dropped or doubled; the verdict of
        // both parsers must agree on every text that is valid UTF-8 (the cursor's caller
        // checks UTF-8 first).
        const std::string seed =
            R"({"claim_id":"C1","member":{"id":"M\u00e9","sex":"F"},"lines":[{"line_no":1,"qty":-2.50e+1,"ok":true,"no":null,)"
            R"("x":[1,{"y":"a\"b"}],"z":false}],"n":0})";
        const std::string alphabet = "{}[]:,\"\\ 0123456789-+.eEtrufalsn\tu/x";
        std::mt19937_64 rng(20261123);
        simdjson::dom::parser parser;
        int valid = 0;
        int checked = 0;
        for (int i = 0; i < 200000; ++i) {
            std::string text = seed;
            for (int k = 1 + static_cast<int>(rng() % 3); k > 0; --k) {
                std::size_t at = rng() % text.size();
                switch (rng() % 3) {
                    case 0: text[at] = alphabet[rng() % alphabet.size()]; break;
                    case 1: text.erase(at, 1); break;
                    default: text.insert(at, 1, text[at]); break;
                }
            }
            if (!is_valid_utf8(text)) continue;
            simdjson::dom::element root;
            auto e = parser.parse(simdjson::padded_string(text)).get(root);
            if (e == simdjson::NUMBER_ERROR || e == simdjson::NUMBER_OUT_OF_RANGE || e == simdjson::DEPTH_ERROR) continue;
            ++checked;
            bool ours = error_of(text).empty();
            if (ours != (e == simdjson::SUCCESS)) {
                INFO("text: ", text, "  simdjson: ", simdjson::error_message(e), "  cursor: ", error_of(text));
                CHECK(ours == (e == simdjson::SUCCESS));
            }
            valid += ours ? 1 : 0;
        }
        CHECK(checked > 190000);
        CHECK(valid > 1000);  // the mutations left enough valid texts to compare
    }
}

}  // namespace
}  // namespace medclaim
