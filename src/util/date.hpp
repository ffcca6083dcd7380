#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace medclaim {

/// A civil (proleptic Gregorian) date, stored as days since 1970-01-01.
/// Rules: 1. only years 1900–2199 are accepted from input; 2. a time of day, when
/// written, is validated and then dropped (the claim model keeps dates only).
class Date {
public:
    constexpr Date() = default;
    /// The date `days` after 1970-01-01 (negative before).
    static constexpr Date from_days(std::int32_t days) { return Date(days); }
    /// The date for a valid year/month/day; nullopt when the day does not exist.
    static std::optional<Date> from_ymd(int year, int month, int day);
    /// Parses `YYYY-MM-DD`, optionally followed by `[ T]HH:MM[:SS]`; blanks around are ignored.
    static std::optional<Date> parse(std::string_view text);

    constexpr std::int32_t days() const { return days_; }
    int year() const;
    int month() const;
    int day() const;
    /// `YYYY-MM-DD`.
    std::string to_string() const;

    friend constexpr auto operator<=>(Date a, Date b) = default;
    friend constexpr std::int32_t operator-(Date a, Date b) { return a.days_ - b.days_; }

private:
    constexpr explicit Date(std::int32_t days) : days_(days) {}
    std::int32_t days_ = 0;
};

/// Whole years from `birth` to `on`; a 29 February birthday is reached on 1 March in
/// non-leap years.
int age_on(Date birth, Date on);

}  // namespace medclaim
