#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "util/fixed.hpp"

namespace medclaim {

class Date;

/// Appends `value` (UTF-8) to `out` as a JSON string literal, quotes included; control
/// characters are escaped, other bytes are copied as they are.
void append_json_string(std::string& out, std::string_view value);

/// Appends compact JSON text to a caller's string (no copy at the end). Money is
/// written as a string with exactly two decimal places ("123.40"), as the output
/// contract requires; the caller keeps objects and arrays balanced and writes keys
/// that need no escaping (both checked with assertions in debug builds).
class JsonWriter {
public:
    explicit JsonWriter(std::string& out) : out_(out) {}

    void begin_object();
    void end_object();
    void begin_array();
    void end_array();
    /// Writes `"name":` inside an object; `name` is a plain key such as `in_scope`.
    void key(std::string_view name);
    void string(std::string_view value);
    void integer(std::int64_t value);
    void boolean(bool value);
    void null();
    /// A quoted amount with two decimals, written without an intermediate string.
    void money(Money value);
    /// `"name":value` inside an object.
    void field(std::string_view name, std::string_view value) { key(name); string(value); }
    void field(std::string_view name, Money value) { key(name); money(value); }
    void field(std::string_view name, std::int64_t value) { key(name); integer(value); }
    /// The same with a literal name, written in one append: the hot path of the records.
    template <std::size_t N>
    void field(const char (&name)[N], Money value) { literal_field(name, value); }
    template <std::size_t N>
    void field(const char (&name)[N], std::int64_t value) { literal_field(name, value); }
    template <std::size_t N>
    void field(const char (&name)[N], std::string_view value) {
        char buffer[N + 4];
        out_.append(buffer, static_cast<std::size_t>(literal_key(buffer, name) - buffer));
        append_json_string(out_, value);
        need_comma_ = true;
    }
    template <std::size_t N>
    void field(const char (&name)[N], std::uint32_t value) { field(name, static_cast<std::int64_t>(value)); }
    template <std::size_t N>
    void field(const char (&name)[N], int value) { field(name, static_cast<std::int64_t>(value)); }
    void date(Date value);

    /// The text so far (the caller's string).
    const std::string& str() const { return out_; }

private:
    static constexpr std::size_t k_max_money_chars = 32;  // `,"":` and a quoted int64 with a point
    void separate();
    // Writes `,"name":` (the comma when one is due) at `p`; returns its end.
    template <std::size_t N>
    char* literal_key(char* p, const char (&name)[N]) {
        if (need_comma_) *p++ = ',';
        *p++ = '"';
        std::memcpy(p, name, N - 1);
        p += N - 1;
        *p++ = '"';
        *p++ = ':';
        return p;
    }
    // `,"name":value` in one append; V is Money or std::int64_t.
    template <std::size_t N, class V>
    void literal_field(const char (&name)[N], V value) {
        char buffer[N + k_max_money_chars];
        char* p = literal_key(buffer, name);
        out_.append(buffer, static_cast<std::size_t>(write_value(p, value) - buffer));
        need_comma_ = true;
    }
    // A value after a comma when one is due, in one append.
    template <class V>
    void value_text(V value) {
        char buffer[k_max_money_chars];
        char* p = buffer;
        if (need_comma_) *p++ = ',';
        out_.append(buffer, static_cast<std::size_t>(write_value(p, value) - buffer));
        need_comma_ = true;
    }
    static char* write_value(char* p, Money value);
    static char* write_value(char* p, std::int64_t value);

    std::string& out_;
    bool need_comma_ = false;
    int depth_ = 0;
};


}  // namespace medclaim
