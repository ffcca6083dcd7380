#include "ingest/json_cursor.hpp"

#include <fmt/format.h>

#include "util/text.hpp"

namespace medclaim {
namespace {

bool is_digit(char c) { return static_cast<unsigned char>(c - '0') < 10; }


void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

}  // namespace

bool JsonCursor::fail_at(std::size_t at, std::string message) {
    if (!failed_) {
        failed_ = true;
        error_ = std::move(message);
        error_offset_ = at;
    }
    return false;
}

bool JsonCursor::enter(char open, const char* expected) {
    if (failed_) return false;
    if (p_ == end_ || *p_ != open) return fail(p_, expected);
    if (++depth_ > k_max_depth) return fail(p_, fmt::format("objects and arrays nest deeper than {} levels", k_max_depth));
    ++p_;
    skip_whitespace();
    return true;
}

bool JsonCursor::number(std::string_view& out) {
    if (failed_) return false;
    const char* start = p_;
    const char* q = p_;
    auto digits = [&] {
        const char* from = q;
        while (q != end_ && is_digit(*q)) ++q;
        return q - from;
    };
    if (q != end_ && *q == '-') ++q;
    const char* whole = q;
    std::ptrdiff_t n = digits();
    bool ok = n > 0 && (n == 1 || *whole != '0');
    if (ok && q != end_ && *q == '.') {
        ++q;
        ok = digits() > 0;
    }
    if (ok && q != end_ && (*q == 'e' || *q == 'E')) {
        ++q;
        if (q != end_ && (*q == '+' || *q == '-')) ++q;
        ok = digits() > 0;
    }
    if (!ok || !ends_token(q)) {
        while (!ends_token(q)) ++q;
        return fail(start, fmt::format("malformed number `{}`", quote_excerpt(std::string_view(start, static_cast<std::size_t>(q - start)))));
    }
    p_ = q;
    out = std::string_view(start, static_cast<std::size_t>(q - start));
    skip_whitespace();
    return true;
}

bool JsonCursor::literal() {
    if (failed_) return false;
    for (std::string_view word : {std::string_view("true"), std::string_view("false"), std::string_view("null")}) {
        if (static_cast<std::size_t>(end_ - p_) >= word.size() && std::string_view(p_, word.size()) == word && ends_token(p_ + word.size())) {
            p_ += word.size();
            skip_whitespace();
            return true;
        }
    }
    return fail(p_, p_ != end_ && (*p_ == 't' || *p_ == 'f' || *p_ == 'n') ? "expected `true`, `false` or `null`" : "expected a value");
}

bool JsonCursor::skip() {
    switch (peek()) {
        case Type::object: {
            if (!enter_object()) return false;
            Members m;
            std::string_view key;
            while (member(m, key)) {
                if (!skip()) return false;
            }
            return !failed_;
        }
        case Type::array: {
            if (!enter_array()) return false;
            Elements e;
            while (element(e)) {
                if (!skip()) return false;
            }
            return !failed_;
        }
        case Type::string: {
            std::string_view s;
            return string(s);
        }
        case Type::number: {
            std::string_view n;
            return number(n);
        }
        case Type::true_value:
        case Type::false_value:
        case Type::null: return literal();
        case Type::none: break;
    }
    if (failed_) return false;
    return fail(p_, p_ == end_ ? "the line ends where a value was expected" : "expected a value");
}

bool JsonCursor::read_hex4(const char* at, std::uint32_t& out) {
    out = 0;
    for (int i = 0; i < 4; ++i) {
        if (at + i == end_) return false;
        char c = at[i];
        std::uint32_t digit = 0;
        if (c >= '0' && c <= '9') {
            digit = static_cast<std::uint32_t>(c - '0');
        } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
            digit = static_cast<std::uint32_t>((c | 0x20) - 'a' + 10);
        } else {
            return false;
        }
        out = out * 16 + digit;
    }
    return true;
}

bool JsonCursor::read_escaped(const char* start, std::string_view& out, std::string& buffer) {
    buffer.assign(start, p_);
    while (p_ != end_) {
        auto c = static_cast<unsigned char>(*p_);
        if (c == '"') {
            ++p_;
            skip_whitespace();
            out = buffer;
            return true;
        }
        if (c < 0x20) return fail(p_, fmt::format("control character U+{:04X} inside a string; it must be written as an escape", c));
        if (c != '\\') {
            buffer += static_cast<char>(c);
            ++p_;
            continue;
        }
        if (p_ + 1 == end_) break;
        char e = p_[1];
        static constexpr std::string_view k_escapes = "\"\\/bfnrt";
        static constexpr std::string_view k_escaped = "\"\\/\b\f\n\r\t";
        if (std::size_t i = k_escapes.find(e); i != std::string_view::npos) {
            buffer += k_escaped[i];
        } else if (e == 'u') {
            std::uint32_t cp = 0;
            if (!read_hex4(p_ + 2, cp)) return fail(p_, "`\\u` must be followed by four hexadecimal digits");
            if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(p_, fmt::format("`\\u{:04X}` is a low surrogate without a high one before it", cp));
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                std::uint32_t low = 0;
                if (end_ - p_ < 12 || p_[6] != '\\' || p_[7] != 'u' || !read_hex4(p_ + 8, low) || low < 0xDC00 || low > 0xDFFF) {
                    return fail(p_, fmt::format("`\\u{:04X}` is a high surrogate without a low one after it", cp));
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                p_ += 6;
            }
            append_utf8(buffer, cp);
            p_ += 4;
        } else {
            return fail(p_, fmt::format("invalid escape `\\{}` in a string", static_cast<unsigned char>(e) < 0x80 && e >= 0x20 ? std::string(1, e) : "?"));
        }
        p_ += 2;
    }
    return fail(start - 1, "a string is opened but never closed");
}

}  // namespace medclaim
