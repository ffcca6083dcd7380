#include "util/json_writer.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "util/date.hpp"

namespace medclaim {

namespace {

// Whether any byte of `w` is a control byte, `"`, `\\` or DEL: a byte that JSON text
// escapes. (Borrows may flag bytes after a true one too; the caller then goes byte by
// byte.)
bool needs_escape(std::uint64_t w) {
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t highs = 0x8080808080808080ULL;
    auto zero_byte = [](std::uint64_t v) { return (v - ones) & ~v & highs; };
    const std::uint64_t control = (w - 0x20 * ones) & ~w & highs;
    return (control | zero_byte(w ^ ('"' * ones)) | zero_byte(w ^ ('\\' * ones)) | zero_byte(w ^ (0x7F * ones))) != 0;
}

}  // namespace

void append_json_string(std::string& out, std::string_view value) {
    static constexpr char k_hex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t plain = 0;  // start of the run of bytes copied as they are
    const std::size_t n = value.size();
    for (std::size_t i = 0; i < n;) {
        // Words with nothing to escape are skipped 8 bytes at a time.
        for (std::uint64_t w; i + 8 <= n; i += 8) {
            std::memcpy(&w, value.data() + i, 8);
            if (needs_escape(w)) break;
        }
        for (const std::size_t stop = std::min(n, i + 8); i < stop; ++i) {
            auto c = static_cast<unsigned char>(value[i]);
            if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7F) continue;
            out.append(value.data() + plain, i - plain);
            plain = i + 1;
            switch (c) {
                case '"': out += "\\\""; continue;
                case '\\': out += "\\\\"; continue;
                case '\n': out += "\\n"; continue;
                case '\r': out += "\\r"; continue;
                case '\t': out += "\\t"; continue;
                default: break;
            }
            out += "\\u00";
            out.push_back(k_hex[c >> 4]);
            out.push_back(k_hex[c & 0xF]);
        }
    }
    out.append(value.data() + plain, n - plain);
    out.push_back('"');
}

void JsonWriter::separate() {
    if (need_comma_) out_.push_back(',');
    need_comma_ = true;
}

void JsonWriter::begin_object() {
    separate();
    out_.push_back('{');
    need_comma_ = false;
    ++depth_;
}

void JsonWriter::end_object() {
    assert(depth_ > 0 && "end_object without begin_object");
    out_.push_back('}');
    need_comma_ = true;
    --depth_;
}

void JsonWriter::begin_array() {
    separate();
    out_.push_back('[');
    need_comma_ = false;
    ++depth_;
}

void JsonWriter::end_array() {
    assert(depth_ > 0 && "end_array without begin_array");
    out_.push_back(']');
    need_comma_ = true;
    --depth_;
}

void JsonWriter::key(std::string_view name) {
    assert(std::none_of(name.begin(), name.end(), [](char c) { return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20; }) &&
           "a key that needs escaping");
    separate();
    out_.push_back('"');
    out_.append(name);  // no scan for characters to escape: keys are plain
    out_.append("\":", 2);
    need_comma_ = false;
}

char* JsonWriter::write_value(char* p, Money value) {
    char digits[k_max_money_chars];
    char* end = digits + sizeof digits;
    char* start = format_decimal_to(end, value.units(), Money::k_scale);
    *p++ = '"';
    std::memcpy(p, start, static_cast<std::size_t>(end - start));
    p += end - start;
    *p++ = '"';
    return p;
}

char* JsonWriter::write_value(char* p, std::int64_t value) { return std::to_chars(p, p + 24, value).ptr; }

void JsonWriter::money(Money value) { value_text(value); }

void JsonWriter::string(std::string_view value) {
    separate();
    append_json_string(out_, value);
}

void JsonWriter::integer(std::int64_t value) { value_text(value); }

void JsonWriter::boolean(bool value) {
    separate();
    out_ += value ? "true" : "false";
}

void JsonWriter::null() {
    separate();
    out_ += "null";
}

void JsonWriter::date(Date value) { string(value.to_string()); }

}  // namespace medclaim
