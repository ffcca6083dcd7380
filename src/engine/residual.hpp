#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/adjudicate.hpp"
#include "rules/pack.hpp"

namespace medclaim {

/// A claim's or a line's buckets indexed by CoveredBucket, in fen.
inline std::array<std::int64_t, 4> bucket_units(const Buckets& b) {
    return {b.in_scope.units(), b.pre_self_pay.units(), b.over_limit.units(), b.full_self_pay.units()};
}

/// What is still the patient's on a claim once earlier layers have paid, by bucket
/// (indexed by CoveredBucket). Once a responsibility selects lines (特药, per-item
/// limits) it is also kept by line: each line then holds its part of each bucket, and
/// what no line holds (prior.* buckets the claim's own lines lack) is loose. Taking
/// from the whole claim takes from a bucket's loose part and its lines in proportion,
/// so a later responsibility that selects lines sees each line reduced like the others.
/// For each bucket, always: loose + Σ lines = total, none negative.
class Residual {
public:
    explicit Residual(std::array<std::int64_t, 4> total) : total_(total), loose_(total) {}

    std::int64_t operator[](CoveredBucket c) const { return total_[at(c)]; }
    std::int64_t sum() const { return total_[0] + total_[1] + total_[2] + total_[3]; }
    bool by_line() const { return !lines_.empty(); }
    std::int64_t line(std::size_t i, CoveredBucket c) const { return lines_[i][at(c)]; }
    std::int64_t loose(CoveredBucket c) const { return loose_[at(c)]; }

    /// Spreads what is left of each bucket over the lines in proportion to their own
    /// amounts in it (`claim`: the lines' sums), rounded down to the fen; the rest stays loose.
    void attribute(const std::vector<LineResult>& lines, const Buckets& claim);

    /// Takes `amount` from the whole claim, bucket by bucket in `order` (at most what
    /// is left): within a bucket in proportion, rounded down, the remaining fen from
    /// the loose part and then from the lines in order.
    void take(std::span<const CoveredBucket> order, std::int64_t amount);

    /// Takes `amount` from the lines `which` (indexes), bucket by bucket in `order`
    /// and within a bucket line by line (at most what they have).
    void take_lines(std::span<const std::uint32_t> which, std::span<const CoveredBucket> order, std::int64_t amount);

private:
    static std::size_t at(CoveredBucket c) { return static_cast<std::size_t>(c); }

    std::array<std::int64_t, 4> total_;
    std::array<std::int64_t, 4> loose_;
    std::vector<std::array<std::int64_t, 4>> lines_;
};

}  // namespace medclaim
