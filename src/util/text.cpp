#include "util/text.hpp"

#include <simdjson.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <fmt/format.h>

namespace medclaim {

std::vector<std::string_view> split_list(std::string_view s) {
    std::vector<std::string_view> out;
    while (true) {
        std::size_t bar = s.find('|');
        out.push_back(trim(s.substr(0, bar)));
        if (bar == std::string_view::npos) break;
        s.remove_prefix(bar + 1);
    }
    return out;
}
namespace {

// Length of the UTF-8 sequence starting at s[i], or 0 when it is invalid there.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    if (c < 0x80) return 1;
    std::size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (n == 0 || c > 0xF4 || i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k) {
        if ((b(i + k) & 0xC0) != 0x80) return 0;
    }
    if (n == 3 && ((c == 0xE0 && b(i + 1) < 0xA0) || (c == 0xED && b(i + 1) > 0x9F))) return 0;
    if (n == 4 && ((c == 0xF0 && b(i + 1) < 0x90) || (c == 0xF4 && b(i + 1) > 0x8F))) return 0;
    return n;
}

char32_t decode_at(std::string_view s, std::size_t i, std::size_t n) {
    auto b = [&](std::size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(s[k])); };
    switch (n) {
        case 1: return b(i);
        case 2: return ((b(i) & 0x1F) << 6) | (b(i + 1) & 0x3F);
        case 3: return ((b(i) & 0x0F) << 12) | ((b(i + 1) & 0x3F) << 6) | (b(i + 2) & 0x3F);
        default: return ((b(i) & 0x07) << 18) | ((b(i + 1) & 0x3F) << 12) | ((b(i + 2) & 0x3F) << 6) | (b(i + 3) & 0x3F);
    }
}

bool is_wide(char32_t c) {
    return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) || (c >= 0xAC00 && c <= 0xD7A3) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
           (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x20000 && c <= 0x3FFFD);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diag = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

std::uint64_t mix(std::uint64_t x) {
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    return x;
}

}  // namespace

std::size_t count_lines(std::string_view s) {
    // 16 bytes a step: a memchr per line cost more than the counting on short lines
    // (the thread that cuts pieces counts every line of the input).
    std::size_t n = 0;
    std::size_t i = 0;
#if defined(__SSE2__)
    // Each byte lane counts its matches (at most 255 blocks a round), then the lanes
    // are summed: no popcount, which without -mpopcnt is a library call.
    const __m128i newline = _mm_set1_epi8('\n');
    while (s.size() - i >= 16) {
        std::size_t blocks = std::min<std::size_t>((s.size() - i) / 16, 255);
        __m128i counts = _mm_setzero_si128();
        for (std::size_t b = 0; b < blocks; ++b, i += 16) {
            __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
            counts = _mm_sub_epi8(counts, _mm_cmpeq_epi8(block, newline));
        }
        __m128i sums = _mm_sad_epu8(counts, _mm_setzero_si128());
        n += static_cast<std::size_t>(_mm_cvtsi128_si32(sums)) + static_cast<std::size_t>(_mm_extract_epi16(sums, 4));
    }
#endif
    return n + static_cast<std::size_t>(std::count(s.begin() + static_cast<std::ptrdiff_t>(i), s.end(), '\n'));
}

bool is_valid_utf8(std::string_view s) {
    // Short ASCII texts (a policy's record, an id) are checked here, 8 bytes a step:
    // simdjson's entry costs more than the check itself on them.
    if (s.size() <= 128) {
        std::uint64_t high = 0;
        std::size_t i = 0;
        for (; i + 8 <= s.size(); i += 8) {
            std::uint64_t w;
            std::memcpy(&w, s.data() + i, 8);
            high |= w;
        }
        for (; i < s.size(); ++i) high |= static_cast<unsigned char>(s[i]);
        if ((high & 0x8080808080808080ULL) == 0) return true;
    }
    return simdjson::validate_utf8(s.data(), s.size());
}

std::size_t first_invalid_utf8(std::string_view s) {
    if (is_valid_utf8(s)) return std::string_view::npos;
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = utf8_sequence(s, i);
        if (n == 0) return i;
        i += n;
    }
    return std::string_view::npos;
}

std::size_t count_code_points(std::string_view s) {
    std::size_t count = 0;
    for (std::size_t i = 0; i < s.size(); ++count) {
        std::size_t n = utf8_sequence(s, i);
        i += n == 0 ? 1 : n;
    }
    return count;
}

std::size_t display_width(std::string_view s) {
    std::size_t width = 0;
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = utf8_sequence(s, i);
        if (n == 0) {
            ++width;
            ++i;
            continue;
        }
        width += is_wide(decode_at(s, i, n)) ? 2 : 1;
        i += n;
    }
    return width;
}

std::string_view closest_match(std::string_view name, std::span<const std::string_view> candidates) {
    std::string_view best;
    std::size_t best_distance = std::max<std::size_t>(2, name.size() / 3) + 1;
    for (std::string_view c : candidates) {
        std::size_t d = edit_distance(name, c);
        if (d < best_distance) {
            best_distance = d;
            best = c;
        }
    }
    return best;
}

std::string quote_excerpt(std::string_view s, std::size_t max_bytes) {
    std::string out;
    std::size_t i = 0;
    while (i < s.size()) {
        if (out.size() >= max_bytes) {
            out += "…";
            break;
        }
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = utf8_sequence(s, i);
        if (n == 0) {
            out += fmt::format("\\x{:02x}", c);
            ++i;
        } else if (c < 0x20 || c == 0x7F) {
            out += c == '\n' ? std::string("\\n") : c == '\r' ? std::string("\\r") : c == '\t' ? std::string("\\t")
                                                                                            : fmt::format("\\x{:02x}", c);
            ++i;
        } else {
            out.append(s.substr(i, n));
            i += n;
        }
    }
    return out;
}

std::string base64(std::string_view s) {
    static constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((s.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < s.size(); i += 3) {
        std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(s[i])) << 16;
        if (i + 1 < s.size()) n |= static_cast<std::uint32_t>(static_cast<unsigned char>(s[i + 1])) << 8;
        if (i + 2 < s.size()) n |= static_cast<unsigned char>(s[i + 2]);
        out.push_back(k_alphabet[(n >> 18) & 63]);
        out.push_back(k_alphabet[(n >> 12) & 63]);
        out.push_back(i + 1 < s.size() ? k_alphabet[(n >> 6) & 63] : '=');
        out.push_back(i + 2 < s.size() ? k_alphabet[n & 63] : '=');
    }
    return out;
}

std::uint64_t hash64(std::string_view s, std::uint64_t seed) {
    std::uint64_t h = mix(seed ^ (0x9e3779b97f4a7c15ULL * (s.size() + 1)));
    std::size_t i = 0;
    if (s.size() >= 32) {
        // Four independent lanes, so that long texts (a claim's records) hash at memory speed.
        constexpr std::uint64_t p1 = 0x9e3779b185ebca87ULL;
        constexpr std::uint64_t p2 = 0xc2b2ae3d27d4eb4fULL;
        std::uint64_t lane[4] = {h + p1 + p2, h + p2, h, h - p1};
        for (; i + 32 <= s.size(); i += 32) {
            for (int k = 0; k < 4; ++k) {
                std::uint64_t w;
                std::memcpy(&w, s.data() + i + 8 * k, 8);
                lane[k] = std::rotl(lane[k] + w * p2, 31) * p1;
            }
        }
        h = mix(std::rotl(lane[0], 1) + std::rotl(lane[1], 7) + std::rotl(lane[2], 12) + std::rotl(lane[3], 18));
    }
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        h = mix(h ^ w) * 0x9e3779b97f4a7c15ULL;
    }
    // The last 0 to 7 bytes as a number (on a little-endian host the value a memcpy of
    // them gives), read without a memcpy of variable size, which is a library call:
    // from the last 8 bytes when the text has them, else from two overlapping reads.
    // Hashes live only in memory: no file holds one.
    const std::size_t n = s.size() - i;
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    std::uint64_t tail = 0;
    if (n > 0 && s.size() >= 8) {
        std::uint64_t w;
        std::memcpy(&w, p + s.size() - 8, 8);
        tail = w >> (8 * (8 - n));
    } else if (n >= 4) {
        std::uint32_t a, b;
        std::memcpy(&a, p, 4);
        std::memcpy(&b, p + n - 4, 4);
        tail = a | (static_cast<std::uint64_t>(b) << (8 * (n - 4)));
    } else if (n > 0) {
        tail = p[0] | (static_cast<std::uint64_t>(p[n / 2]) << (8 * (n / 2))) | (static_cast<std::uint64_t>(p[n - 1]) << (8 * (n - 1)));
    }
    return mix(h ^ tail ^ (s.size() << 56));
}

std::string align_columns(const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& right) {
    std::vector<std::size_t> width;
    for (const auto& r : rows) {
        width.resize(std::max(width.size(), r.size()), 0);
        for (std::size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], display_width(r[c]));
    }
    std::string out;
    for (const auto& r : rows) {
        std::string line = " ";
        for (std::size_t c = 0; c < r.size(); ++c) {
            std::string fill(width[c] - display_width(r[c]), ' ');
            bool to_right = c < right.size() && right[c];
            line += ' ';
            line += to_right ? fill + r[c] : r[c] + fill;
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
    }
    return out;
}

std::string align_columns(const std::vector<std::vector<std::string>>& rows, std::size_t first_right) {
    std::size_t columns = 0;
    for (const auto& r : rows) columns = std::max(columns, r.size());
    std::vector<bool> right(columns, false);
    for (std::size_t c = first_right; c < columns; ++c) right[c] = true;
    return align_columns(rows, right);
}

std::optional<std::string> unknown_key(std::string_view key, std::span<const std::string_view> allowed, std::string_view where) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) return std::nullopt;
    std::string_view hint = closest_match(key, allowed);
    return hint.empty() ? fmt::format("unknown key `{}` in {}", key, where) : fmt::format("unknown key `{}` in {}; did you mean `{}`?", key, where, hint);
}

}  // namespace medclaim
