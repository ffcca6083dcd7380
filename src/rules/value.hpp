#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/date.hpp"
#include "util/fixed.hpp"

namespace medclaim {

/// The types of the expression language.
enum class Type : std::uint8_t {
    boolean,
    integer,
    decimal,      // exact, 6 decimal places
    money,        // fen
    string,
    date,
    string_list,  // diagnoses, policies, member.special, list literals of strings
};

/// The name of a type in messages ("true/false", "integer", ...).
std::string_view type_name(Type t);

/// Decimal places of Type::decimal.
inline constexpr int k_decimal_scale = 6;

/// A run-time value. Numbers are exact integers (integer; decimal in 10^-6; money in
/// fen); strings are views into the claim or the compiled expression, so evaluating
/// never allocates.
struct Value {
    Type type = Type::boolean;
    std::int64_t number = 0;  ///< boolean (0/1), integer, decimal units, money fen, date days
    std::string_view text;    ///< string

    static Value of_bool(bool b) { return {Type::boolean, b ? 1 : 0, {}}; }
    static Value of_int(std::int64_t i) { return {Type::integer, i, {}}; }
    static Value of_decimal(std::int64_t units) { return {Type::decimal, units, {}}; }
    static Value of_money(Money m) { return {Type::money, m.units(), {}}; }
    static Value of_date(Date d) { return {Type::date, d.days(), {}}; }
    static Value of_string(std::string_view s) { return {Type::string, 0, s}; }
    bool truthy() const { return number != 0; }
};

/// The value written as a literal would be ("12.50元", "2024-03-01", "\"B\"", "0.8").
std::string to_string(const Value& v);

}  // namespace medclaim
