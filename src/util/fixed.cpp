#include "util/fixed.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>

namespace medclaim {
namespace {

constexpr int k_max_digits = 38;        // significant digits that fit an unsigned Int128 exactly
constexpr int k_max_exponent = 400;     // larger exponents are refused before any arithmetic
constexpr int k_noise_digits = 15;      // excess digits within 1e-15 relative count as noise

Int128 pow10(int n) {
    Int128 p = 1;
    for (int i = 0; i < n; ++i) p *= 10;
    return p;
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim_blanks(std::string_view s) {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

// Literal value = sign × mantissa × 10^exponent, mantissa exact.
struct Literal {
    bool negative = false;
    Int128 mantissa = 0;
    int exponent = 0;
};

DecimalError scan(std::string_view s, NumberSyntax syntax, Literal& out) {
    std::size_t i = 0;
    if (i < s.size() && s[i] == '-') {
        out.negative = true;
        ++i;
    }
    int significant = 0;
    std::uint64_t fast = 0;  // the first 18 significant digits, without 128-bit arithmetic
    auto take_digit = [&](char c) {
        if (significant == 0 && c == '0') return true;
        if (++significant > k_max_digits) return false;
        if (significant <= 18) {
            fast = fast * 10 + static_cast<std::uint64_t>(c - '0');
            out.mantissa = static_cast<Int128>(fast);
        } else {
            out.mantissa = out.mantissa * 10 + (c - '0');
        }
        return true;
    };
    std::size_t int_start = i;
    std::size_t group = 0;  // digits since the start or the last separator
    bool separated = false;
    while (i < s.size() && (is_digit(s[i]) || (syntax == NumberSyntax::grouped && s[i] == ','))) {
        if (s[i] == ',') {
            // The first group has 1-3 digits, every later one exactly 3.
            if (group == 0 || group > 3 || (separated && group != 3)) return DecimalError::syntax;
            separated = true;
            group = 0;
            ++i;
            continue;
        }
        ++group;
        if (!take_digit(s[i++])) return DecimalError::out_of_range;
    }
    if (i == int_start || (separated && group != 3)) return DecimalError::syntax;
    if (i < s.size() && s[i] == '.') {
        ++i;
        std::size_t frac_start = i;
        while (i < s.size() && is_digit(s[i])) {
            if (!take_digit(s[i++])) return DecimalError::out_of_range;
            --out.exponent;
        }
        if (i == frac_start) return DecimalError::syntax;
        // Leading fractional zeros were skipped by take_digit but still shift the value.
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        if (syntax != NumberSyntax::json) return DecimalError::syntax;
        ++i;
        bool negative_exp = false;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative_exp = s[i++] == '-';
        std::size_t exp_start = i;
        int exp = 0;
        while (i < s.size() && is_digit(s[i])) {
            if (exp <= k_max_exponent) exp = exp * 10 + (s[i] - '0');
            ++i;
        }
        if (i == exp_start) return DecimalError::syntax;
        if (exp > k_max_exponent) return out.mantissa == 0 ? DecimalError::none : DecimalError::out_of_range;
        out.exponent += negative_exp ? -exp : exp;
    }
    return i == s.size() ? DecimalError::none : DecimalError::syntax;
}

// The common case, digits with an optional fraction of at most `scale` digits and 18
// digits in all once scaled, read without 128-bit arithmetic; nullopt when `s` is anything else
// (scan() then reads it, giving the same value for what this accepts).
std::optional<std::int64_t> parse_plain(std::string_view s, int scale) {
    constexpr int k_fast_digits = 18;
    const char* p = s.data();
    const char* end = p + s.size();
    std::uint64_t v = 0;
    int digits = 0;
    for (; p < end && is_digit(*p); ++p, ++digits) v = v * 10 + static_cast<std::uint64_t>(*p - '0');
    if (digits == 0) return std::nullopt;
    int fraction = 0;
    if (p < end && *p == '.') {
        for (++p; p < end && is_digit(*p) && fraction < scale; ++p, ++fraction) v = v * 10 + static_cast<std::uint64_t>(*p - '0');
        if (fraction == 0) return std::nullopt;
        digits += fraction;
    }
    // Scaled, at most 18 digits: below 10^18, so it fits.
    if (p != end || digits + (scale - fraction) > k_fast_digits) return std::nullopt;
    for (; fraction < scale; ++fraction) v *= 10;
    return static_cast<std::int64_t>(v);
}

}  // namespace

DecimalParse parse_decimal(std::string_view text, int scale, NumberSyntax syntax) {
    std::string_view s = trim_blanks(text);
    if (s.empty()) return {0, DecimalError::empty};
    if (scale >= 0) {
        if (std::optional<std::int64_t> v = parse_plain(s, scale)) return {*v, DecimalError::none};
    }
    Literal lit;
    if (DecimalError e = scan(s, syntax, lit); e != DecimalError::none) return {0, e};
    if (lit.mantissa == 0) return {0, DecimalError::none};

    constexpr Int128 k_int64_max = std::numeric_limits<std::int64_t>::max();
    int shift = lit.exponent + scale;
    Int128 units = 0;
    if (shift >= 0) {
        // Check before multiplying: a 38-digit mantissa times 10^18 would overflow 128 bits.
        if (shift > 18 || lit.mantissa > k_int64_max) return {0, DecimalError::out_of_range};
        units = lit.mantissa * pow10(shift);
        if (units > k_int64_max) return {0, DecimalError::out_of_range};
    } else {
        int k = -shift;
        Int128 distance = 0;  // |written − rounded| in units of 10^exponent
        if (k > k_max_digits) {
            units = 0;
            distance = lit.mantissa;
        } else {
            Int128 p = pow10(k);
            Int128 q = lit.mantissa / p;
            Int128 r = lit.mantissa % p;
            bool up = 2 * r >= p;
            units = q + (up ? 1 : 0);
            distance = up ? p - r : r;
        }
        if (distance != 0) {
            // Noise test: distance × 10^exponent ≤ max(|value|, 1) × 10^-15, in integers.
            int one_digits = -lit.exponent - k_noise_digits;  // 10^-exponent / 10^15
            Int128 limit = lit.mantissa / pow10(k_noise_digits);
            if (one_digits >= k_max_digits) return {0, DecimalError::none};  // below 1e-23 absolute
            if (one_digits >= 0 && pow10(one_digits) > limit) limit = pow10(one_digits);
            if (distance > limit) return {0, DecimalError::too_precise};
        }
        if (units > k_int64_max) return {0, DecimalError::out_of_range};
    }
    auto value = static_cast<std::int64_t>(units);
    return {lit.negative ? -value : value, DecimalError::none};
}

std::string_view describe(DecimalError error) {
    switch (error) {
        case DecimalError::none: return "is valid";
        case DecimalError::empty: return "is empty";
        case DecimalError::syntax: return "is not a number";
        case DecimalError::too_precise: return "has more decimal places than allowed";
        case DecimalError::out_of_range: return "is out of range";
    }
    return "is invalid";
}

Int128 round_half_up_wide(Int128 units, int drop) {
    Int128 p = pow10(drop);
    Int128 q = units / p;
    Int128 r = units % p;  // same sign as units
    if (r < 0) r = -r;
    if (2 * r >= p) q += units < 0 ? -1 : 1;
    return q;
}

std::int64_t round_half_up(Int128 units, int drop) { return static_cast<std::int64_t>(round_half_up_wide(units, drop)); }

char* format_decimal_to(char* end, std::int64_t units, int scale) {
    static constexpr char k_pairs[] =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
        "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
        "8081828384858687888990919293949596979899";
    char* p = end;
    // Unsigned magnitude so that INT64_MIN formats correctly.
    auto magnitude = units < 0 ? 0 - static_cast<std::uint64_t>(units) : static_cast<std::uint64_t>(units);
    if (scale == 2) {
        // Money, the hot case: two digits at a time.
        std::size_t cents = magnitude % 100;
        magnitude /= 100;
        p -= 2;
        std::memcpy(p, k_pairs + 2 * cents, 2);
        *--p = '.';
        while (magnitude >= 100) {
            p -= 2;
            std::memcpy(p, k_pairs + 2 * (magnitude % 100), 2);
            magnitude /= 100;
        }
        if (magnitude >= 10) {
            p -= 2;
            std::memcpy(p, k_pairs + 2 * magnitude, 2);
        } else {
            *--p = static_cast<char>('0' + magnitude);
        }
        if (units < 0) *--p = '-';
        return p;
    }
    for (int digit = 0; digit <= scale || magnitude > 0; ++digit) {
        if (digit == scale && scale > 0) *--p = '.';
        *--p = static_cast<char>('0' + magnitude % 10);
        magnitude /= 10;
    }
    if (units < 0) *--p = '-';
    return p;
}

std::string format_decimal_short(std::int64_t units, int scale) {
    std::string s = format_decimal(units, scale);
    std::size_t point = s.find('.');
    if (point == std::string::npos) return s + ".00";
    std::size_t keep = std::min(s.size(), point + 3);
    while (s.size() > keep && s.back() == '0') s.pop_back();
    return s;
}

std::string format_decimal_trimmed(std::int64_t units, int scale) {
    std::string s = format_decimal(units, scale);
    if (s.find('.') == std::string::npos) return s;
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s;
}

std::int64_t divide_half_up(Int128 n, std::int64_t d) {
    Int128 q = (2 * (n < 0 ? -n : n) + d) / (2 * static_cast<Int128>(d));
    return static_cast<std::int64_t>(n < 0 ? -q : q);
}

std::string format_decimal(std::int64_t units, int scale) {
    char buffer[48];
    char* end = buffer + sizeof buffer;
    return std::string(format_decimal_to(end, units, scale), end);
}

Money extend(Quantity qty, UnitPrice price) {
    Int128 exact = static_cast<Int128>(qty.units()) * price.units();  // scale 4 + 6
    return Money::from_units(round_half_up(exact, Quantity::k_scale + UnitPrice::k_scale - Money::k_scale));
}

Money apply_ratio(Money money, Ratio ratio) {
    Int128 exact = static_cast<Int128>(money.units()) * ratio.units();  // scale 2 + 4
    return Money::from_units(round_half_up(exact, Ratio::k_scale));
}

}  // namespace medclaim
