#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>
#include <functional>

namespace medclaim {

/// `s` without leading and trailing ASCII blanks (space, tab).
inline std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

/// The `|`-separated parts of a list cell, each trimmed (empty parts kept): `a| b` is
/// {`a`, `b`}.
std::vector<std::string_view> split_list(std::string_view s);

/// True when `s` is valid UTF-8 (SIMD-accelerated).
bool is_valid_utf8(std::string_view s);

/// Line ends ('\n') in `s`.
std::size_t count_lines(std::string_view s);

/// Byte offset of the first invalid UTF-8 sequence in `s`, or npos when valid.
std::size_t first_invalid_utf8(std::string_view s);

/// Number of code points in the valid UTF-8 prefix `s`; invalid bytes count one each.
std::size_t count_code_points(std::string_view s);

/// Terminal display width of `s`: East Asian wide and full-width characters count 2.
std::size_t display_width(std::string_view s);

/// Rows of cells as text columns: each line indented two spaces, cells separated by one
/// space and padded to their column's widest cell (display width), right-aligned from
/// column `first_right` on; trailing blanks dropped.
std::string align_columns(const std::vector<std::vector<std::string>>& rows, std::size_t first_right);
/// As above, right-aligning the columns where `right[column]` is true.
std::string align_columns(const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& right);

/// The candidate closest to `name` by edit distance when it is close enough to be a
/// plausible typo, else empty.
std::string_view closest_match(std::string_view name, std::span<const std::string_view> candidates);
/// The message for a key that is not among `allowed` ("unknown key `amout` in a table;
/// did you mean `amount`?"), or nullopt when it is allowed. `where` names the mapping.
std::optional<std::string> unknown_key(std::string_view key, std::span<const std::string_view> allowed, std::string_view where);

/// `s` with control and non-printable ASCII bytes shown as escapes, cut to `max_bytes`
/// (on a code-point boundary) with "…" when longer; for quoting input in messages.
std::string quote_excerpt(std::string_view s, std::size_t max_bytes = 40);

/// Hash for unordered containers keyed by std::string that are searched with
/// std::string_view (no temporary string per look-up).
struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

/// `s` encoded as standard base64 with padding.
std::string base64(std::string_view s);

/// A 64-bit hash of `s` (seeded); not cryptographic, well mixed.
std::uint64_t hash64(std::string_view s, std::uint64_t seed = 0);

}  // namespace medclaim
