#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace medclaim {

/// A 128-bit integer for exact intermediate products (a GCC/Clang extension).
__extension__ typedef __int128 Int128;

/// How a decimal literal may be written.
enum class NumberSyntax {
    plain,  // [-]digits[.digits], as in CSV: no exponent, no grouping, no currency sign
    json,     // the JSON number grammar, exponent allowed
    grouped,  // plain, plus `,` between groups of three integer digits (1,234.00)
};

/// Why a decimal literal was refused.
enum class DecimalError {
    none,
    empty,          // nothing but blanks
    syntax,         // not a number in the accepted syntax
    too_precise,    // more decimal places than the field allows, and not binary-float noise
    out_of_range,   // does not fit the field (int64 units) or more than 38 significant digits
};

/// A parsed decimal: the value in units of 10^-scale.
struct DecimalParse {
    std::int64_t units = 0;
    DecimalError error = DecimalError::none;
};

/// Parses `text` into units of 10^-scale. Surrounding ASCII blanks are ignored.
/// Digits beyond `scale` are accepted only as binary floating-point noise: the written
/// value must lie within 1e-15 × max(|value|, 1) of a value at `scale` (a double printed
/// with 17 significant digits, e.g. 1308.6999999999998); it then reads as that value.
/// Anything else with excess digits is `too_precise`: nothing is silently rounded.
DecimalParse parse_decimal(std::string_view text, int scale, NumberSyntax syntax);

/// A short English phrase for a DecimalError ("is not a number", ...).
std::string_view describe(DecimalError error);

/// `units` / 10^drop rounded half away from zero ("half-up" on both signs), so that a
/// reversal rounds to exactly the negation of the original.
std::int64_t round_half_up(Int128 units, int drop);

/// As round_half_up, with a 128-bit result for callers that clamp or check it.
Int128 round_half_up_wide(Int128 units, int drop);

/// `n` / `d` rounded half away from zero, like round_half_up; `d` > 0. For shares in
/// proportion: the part of an amount that a part of a quantity bears.
std::int64_t divide_half_up(Int128 n, std::int64_t d);

/// Writes units of 10^-scale as a decimal with exactly `scale` places ("-12.30").
std::string format_decimal(std::int64_t units, int scale);
/// As format_decimal with trailing zeros dropped, keeping two places: a ratio of
/// 850000 at scale 6 is `0.85`, 1000000 is `1.00`.
std::string format_decimal_short(std::int64_t units, int scale);
/// As format_decimal with every trailing zero dropped, and the point when nothing
/// follows it, as people write numbers in messages: 25000 at scale 4 is `2.5`, 10000 `1`.
std::string format_decimal_trimmed(std::int64_t units, int scale);
/// As format_decimal, into the end of `buffer` (at least 48 bytes, scale at most 18);
/// returns where the text starts. Allocates nothing, for hot paths.
char* format_decimal_to(char* buffer_end, std::int64_t units, int scale);

/// An exact fixed-point number with `Scale` decimal places stored as int64 units.
/// Distinct tags keep money, ratios, quantities and prices from mixing by accident.
template <int Scale, class Tag>
class Fixed {
public:
    static constexpr int k_scale = Scale;

    constexpr Fixed() = default;
    /// The value `units` × 10^-Scale.
    static constexpr Fixed from_units(std::int64_t units) { return Fixed(units); }
    /// The number of 10^-Scale units.
    constexpr std::int64_t units() const { return units_; }
    std::string to_string() const { return format_decimal(units_, Scale); }

    constexpr Fixed operator-() const { return Fixed(-units_); }
    constexpr Fixed& operator+=(Fixed o) { units_ += o.units_; return *this; }
    constexpr Fixed& operator-=(Fixed o) { units_ -= o.units_; return *this; }
    friend constexpr Fixed operator+(Fixed a, Fixed b) { return Fixed(a.units_ + b.units_); }
    friend constexpr Fixed operator-(Fixed a, Fixed b) { return Fixed(a.units_ - b.units_); }
    friend constexpr auto operator<=>(Fixed a, Fixed b) = default;

private:
    constexpr explicit Fixed(std::int64_t units) : units_(units) {}
    std::int64_t units_ = 0;
};

struct MoneyTag;
struct RatioTag;
struct QuantityTag;
struct UnitPriceTag;

using Money = Fixed<2, MoneyTag>;          ///< integer fen (0.01 元)
using Ratio = Fixed<4, RatioTag>;          ///< NHSA (5,4): self-pay and fund ratios
using Quantity = Fixed<4, QuantityTag>;    ///< NHSA cnt (16,4)
using UnitPrice = Fixed<6, UnitPriceTag>;  ///< NHSA pric (16,6)

/// qty × price, exact, rounded half-up to the fen.
Money extend(Quantity qty, UnitPrice price);
/// money × ratio, exact, rounded half-up to the fen.
Money apply_ratio(Money money, Ratio ratio);

}  // namespace medclaim
