#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace medclaim {

/// Reads one JSON text (RFC 8259) held in memory, value by value in document order,
/// validating as it goes and building no tree: the caller walks objects and arrays and
/// takes or skips each value. Made for JSON Lines, where each line is read once.
/// Rules: 1. the text must be valid UTF-8 (the caller checks it; strings are not checked
/// again); 2. the first error stops the walk: every call then returns false, and
/// error() and error_offset() say what and where (a byte offset into the text);
/// 3. strings come back unescaped, as a view into the text when they hold no escape
/// and otherwise into a buffer of the cursor that the next string of the same kind
/// (key or value) overwrites; 4. a number comes back as its validated token, the digits
/// as written; 5. objects and arrays nest at most k_max_depth deep; 6. control
/// characters inside strings must be escaped.
class JsonCursor {
public:
    static constexpr int k_max_depth = 64;

    enum class Type : std::uint8_t { object, array, string, number, true_value, false_value, null, none };

    /// Iteration state of one object (member()) or array (element()).
    struct Members {
        bool first = true;
    };
    struct Elements {
        bool first = true;
    };

    explicit JsonCursor(std::string_view text) : p_(text.data()), begin_(text.data()), end_(text.data() + text.size()) { skip_whitespace(); }

    /// The type of the next value by its first byte; none at the end of the text or when
    /// no value can start there. (Between calls the cursor rests past any whitespace.)
    Type peek() const {
        if (p_ == end_) return Type::none;
        switch (*p_) {
            case '{': return Type::object;
            case '[': return Type::array;
            case '"': return Type::string;
            case 't': return Type::true_value;
            case 'f': return Type::false_value;
            case 'n': return Type::null;
            case '-':
            case '0':
            case '1':
            case '2':
            case '3':
            case '4':
            case '5':
            case '6':
            case '7':
            case '8':
            case '9': return Type::number;
            default: return Type::none;
        }
    }

    /// Offset of the next byte to read (after peek(): of the next value).
    std::size_t offset() const { return static_cast<std::size_t>(p_ - begin_); }
    bool failed() const { return failed_; }
    const std::string& error() const { return error_; }
    std::size_t error_offset() const { return error_offset_; }

    /// Enters the object or array that comes next.
    bool enter_object() { return enter('{', "expected an object"); }
    bool enter_array() { return enter('[', "expected an array"); }

    /// Moves to the next member of the object entered: true with its key and the cursor
    /// on its value; false after the closing brace or on an error. `hint`: the key likely
    /// to come, holding no quote, backslash or control character; when the key is that,
    /// `key` is `hint` itself (same data pointer), found with one comparison.
    bool member(Members& m, std::string_view& key, std::string_view hint = {}) {
        if (!next_item(m.first, '}', "the line ends inside an object", "expected `,` or `}` after an object member")) return false;
        if (*p_ != '"') return fail(p_, "expected a key: a string in double quotes");
        if (!hint.empty() && static_cast<std::size_t>(end_ - p_) > hint.size() + 1 && p_[hint.size() + 1] == '"' &&
            same_bytes(p_ + 1, hint.data(), hint.size())) {
            key = hint;
            p_ += hint.size() + 2;
            skip_whitespace();
        } else if (!read_string(key, key_buffer_)) {
            return false;
        }
        if (p_ == end_ || *p_ != ':') return fail(p_, "expected `:` after the key");
        ++p_;
        skip_whitespace();
        if (p_ == end_) return fail(p_, "the line ends where a value was expected");
        return true;
    }

    /// Moves to the next element of the array entered: true with the cursor on it;
    /// false after the closing bracket or on an error.
    bool element(Elements& e) { return next_item(e.first, ']', "the line ends inside an array", "expected `,` or `]` after an array element"); }

    /// Reads the string that comes next.
    bool string(std::string_view& out) {
        if (failed_) return false;
        if (p_ == end_ || *p_ != '"') return fail(p_, "expected a string");
        return read_string(out, value_buffer_);
    }

    /// Reads the number that comes next, as written.
    bool number(std::string_view& out);

    /// Reads `true`, `false` or `null`, whichever comes next.
    bool literal();

    /// Skips the value that comes next, checking it.
    bool skip();

    /// True when only whitespace is left.
    bool at_end() const { return p_ == end_; }

    /// Stops the walk with `message` at `at` (an offset into the text); returns false.
    bool fail_at(std::size_t at, std::string message);

private:
    static bool is_whitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
    // What may follow a number or a literal.
    bool ends_token(const char* p) const { return p == end_ || *p == ',' || *p == '}' || *p == ']' || is_whitespace(*p); }
    void skip_whitespace() {
        while (p_ != end_ && static_cast<unsigned char>(*p_) <= ' ' && is_whitespace(*p_)) ++p_;
    }
    bool fail(const char* at, std::string message) { return fail_at(static_cast<std::size_t>(at - begin_), std::move(message)); }
    bool enter(char open, const char* expected);
    // At the next member or element, past its comma: false past `close` or on an error.
    // Inlined by force: it is most of member() and element(), called for every value.
    [[gnu::always_inline]] bool next_item(bool& first, char close, const char* ends_inside, const char* expected) {
        if (failed_) return false;
        if (p_ == end_) return fail(p_, ends_inside);
        if (*p_ == close) return close_nest();
        if (first) {
            first = false;
            return true;
        }
        if (*p_ != ',') return fail(p_, expected);
        ++p_;
        skip_whitespace();
        return p_ != end_ || fail(p_, ends_inside);
    }
    // Past the closing brace or bracket of the object or array entered: false, as
    // member() and element() say there.
    bool close_nest() {
        ++p_;
        --depth_;
        skip_whitespace();
        return false;
    }
    // Compares n bytes (keys are short: up to 16 bytes in two overlapping loads).
    static bool same_bytes(const char* a, const char* b, std::size_t n) {
        auto load = [](const char* p, std::size_t k) {
            std::uint64_t x = 0;
            std::memcpy(&x, p, k);
            return x;
        };
        if (n >= 8 && n <= 16) return load(a, 8) == load(b, 8) && load(a + n - 8, 8) == load(b + n - 8, 8);
        if (n >= 4 && n < 8) return load(a, 4) == load(b, 4) && load(a + n - 4, 4) == load(b + n - 4, 4);
        return std::memcmp(a, b, n) == 0;
    }
    // The first '"', '\\' or control character from p on, or end: eight bytes at a time.
    static const char* string_stop(const char* p, const char* end) {
        if constexpr (std::endian::native == std::endian::little) {
            constexpr std::uint64_t ones = 0x0101010101010101ULL;
            constexpr std::uint64_t highs = 0x8080808080808080ULL;
            while (end - p >= 8) {
                std::uint64_t x = 0;
                std::memcpy(&x, p, 8);
                std::uint64_t quote = x ^ (ones * '"');
                std::uint64_t backslash = x ^ (ones * '\\');
                // A byte's high bit is set where it is zero (quote, backslash) or below 0x20;
                // bits above the lowest one may be wrong, so only the lowest is used.
                std::uint64_t hit = ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) | ((x - ones * 0x20) & ~x);
                hit &= highs;
                if (hit != 0) return p + (std::countr_zero(hit) >> 3);
                p += 8;
            }
        }
        while (p != end && *p != '"' && *p != '\\' && static_cast<unsigned char>(*p) >= 0x20) ++p;
        return p;
    }
    bool read_string(std::string_view& out, std::string& buffer) {
        const char* start = ++p_;
        p_ = string_stop(p_, end_);
        if (p_ != end_ && *p_ == '"') {
            out = std::string_view(start, static_cast<std::size_t>(p_ - start));
            ++p_;
            skip_whitespace();
            return true;
        }
        return read_escaped(start, out, buffer);
    }
    bool read_escaped(const char* start, std::string_view& out, std::string& buffer);
    bool read_hex4(const char* at, std::uint32_t& out);

    const char* p_;
    const char* begin_;
    const char* end_;
    int depth_ = 0;
    bool failed_ = false;
    std::string error_;
    std::size_t error_offset_ = 0;
    std::string key_buffer_;
    std::string value_buffer_;
};

}  // namespace medclaim
