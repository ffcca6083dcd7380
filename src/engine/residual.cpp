#include "engine/residual.hpp"

#include <algorithm>

#include "util/fixed.hpp"

namespace medclaim {

namespace {

// part × of / whole, rounded down; whole > 0, 0 <= of <= whole.
std::int64_t share_of(std::int64_t part, std::int64_t of, std::int64_t whole) {
    return static_cast<std::int64_t>(static_cast<Int128>(part) * of / whole);
}

}  // namespace

void Residual::attribute(const std::vector<LineResult>& lines, const Buckets& claim) {
    const std::array<std::int64_t, 4> own = bucket_units(claim);
    lines_.assign(lines.size(), {});
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::array<std::int64_t, 4> l = bucket_units(lines[i].buckets);
        for (std::size_t k = 0; k < 4; ++k) {
            if (own[k] <= 0 || l[k] <= 0 || loose_[k] <= 0) continue;
            lines_[i][k] = std::min(loose_[k], share_of(total_[k], std::min(l[k], own[k]), own[k]));
            loose_[k] -= lines_[i][k];
        }
    }
}

void Residual::take(std::span<const CoveredBucket> order, std::int64_t amount) {
    for (CoveredBucket c : order) {
        const std::size_t k = at(c);
        const std::int64_t t = std::clamp<std::int64_t>(amount, 0, total_[k]);
        if (t == 0) continue;
        amount -= t;
        if (!lines_.empty()) {
            const std::int64_t whole = total_[k];
            std::int64_t rest = t;
            std::int64_t from_loose = share_of(t, loose_[k], whole);
            loose_[k] -= from_loose;
            rest -= from_loose;
            for (auto& l : lines_) {
                std::int64_t from_line = share_of(t, l[k], whole);
                l[k] -= from_line;
                rest -= from_line;
            }
            std::int64_t extra = std::min(rest, loose_[k]);
            loose_[k] -= extra;
            rest -= extra;
            for (auto& l : lines_) {
                extra = std::min(rest, l[k]);
                l[k] -= extra;
                rest -= extra;
            }
        } else {
            loose_[k] -= t;
        }
        total_[k] -= t;
    }
}

void Residual::take_lines(std::span<const std::uint32_t> which, std::span<const CoveredBucket> order, std::int64_t amount) {
    for (CoveredBucket c : order) {
        const std::size_t k = at(c);
        for (std::uint32_t i : which) {
            const std::int64_t t = std::clamp<std::int64_t>(amount, 0, lines_[i][k]);
            lines_[i][k] -= t;
            total_[k] -= t;
            amount -= t;
        }
    }
}

}  // namespace medclaim
