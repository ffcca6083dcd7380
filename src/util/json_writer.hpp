#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/fixed.hpp"

namespace medclaim {

class Date;

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
    void date(Date value);

    /// The text so far (the caller's string).
    const std::string& str() const { return out_; }

private:
    void separate();

    std::string& out_;
    bool need_comma_ = false;
    int depth_ = 0;
};

/// Appends `value` (UTF-8) to `out` as a JSON string literal, quotes included; control
/// characters are escaped, other bytes are copied as they are.
void append_json_string(std::string& out, std::string_view value);

}  // namespace medclaim
