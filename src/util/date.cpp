#include "util/date.hpp"

#include <fmt/format.h>

namespace medclaim {
namespace {

constexpr int k_min_year = 1900;
constexpr int k_max_year = 2199;

// Howard Hinnant's days_from_civil / civil_from_days.
std::int32_t days_from_civil(int y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int>(doe) - 719468;
}

struct Civil {
    int y;
    unsigned m;
    unsigned d;
};

Civil civil_from_days(std::int32_t z) {
    z += 719468;
    const int era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int y = static_cast<int>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {y + (m <= 2), m, d};
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
    static constexpr int k_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : k_days[m - 1];
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

}  // namespace

std::optional<Date> Date::from_ymd(int year, int month, int day) {
    if (year < k_min_year || year > k_max_year || month < 1 || month > 12) return std::nullopt;
    if (day < 1 || day > days_in_month(year, month)) return std::nullopt;
    return Date(days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)));
}

std::optional<Date> Date::parse(std::string_view s) {
    // The common case, exactly YYYY-MM-DD: every fee line and policy has dates.
    if (s.size() == 10 && s[4] == '-' && s[7] == '-') {
        auto digit = [&](std::size_t i) { return static_cast<unsigned>(static_cast<unsigned char>(s[i])) - '0'; };
        const unsigned y0 = digit(0), y1 = digit(1), y2 = digit(2), y3 = digit(3), m0 = digit(5), m1 = digit(6), d0 = digit(8), d1 = digit(9);
        if (y0 < 10 && y1 < 10 && y2 < 10 && y3 < 10 && m0 < 10 && m1 < 10 && d0 < 10 && d1 < 10) {
            return from_ymd(static_cast<int>(y0 * 1000 + y1 * 100 + y2 * 10 + y3), static_cast<int>(m0 * 10 + m1), static_cast<int>(d0 * 10 + d1));
        }
        return std::nullopt;
    }
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    int y = 0, m = 0, d = 0;
    if (s.size() < 10 || !digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, m) || s[7] != '-' ||
        !digits(s, 8, 2, d)) {
        return std::nullopt;
    }
    if (s.size() > 10) {
        int hh = 0, mm = 0, ss = 0;
        if ((s[10] != ' ' && s[10] != 'T') || !digits(s, 11, 2, hh) || s.size() < 16 || s[13] != ':' ||
            !digits(s, 14, 2, mm)) {
            return std::nullopt;
        }
        std::size_t end = 16;
        if (s.size() > 16) {
            if (s[16] != ':' || !digits(s, 17, 2, ss)) return std::nullopt;
            end = 19;
        }
        if (end != s.size() || hh > 23 || mm > 59 || ss > 59) return std::nullopt;
    }
    return from_ymd(y, m, d);
}

int Date::year() const { return civil_from_days(days_).y; }
int Date::month() const { return static_cast<int>(civil_from_days(days_).m); }
int Date::day() const { return static_cast<int>(civil_from_days(days_).d); }

std::string Date::to_string() const {
    Civil c = civil_from_days(days_);
    return fmt::format("{:04}-{:02}-{:02}", c.y, c.m, c.d);
}

int age_on(Date birth, Date on) {
    Civil b = civil_from_days(birth.days());
    Civil o = civil_from_days(on.days());
    int age = o.y - b.y;
    if (o.m < b.m || (o.m == b.m && o.d < b.d)) --age;
    return age;
}

}  // namespace medclaim
