#include <doctest/doctest.h>

#include <random>

#include "engine/residual.hpp"

using namespace medclaim;

namespace {

LineResult full_self_pay_line(std::int64_t fen) {
    LineResult l;
    l.buckets.amount = Money::from_units(fen);
    l.buckets.full_self_pay = Money::from_units(fen);
    return l;
}

Buckets sum(const std::vector<LineResult>& lines) {
    Buckets b;
    for (const LineResult& l : lines) b += l.buckets;
    return b;
}

constexpr CoveredBucket k_full = CoveredBucket::full_self_pay;
constexpr CoveredBucket k_all[] = {CoveredBucket::in_scope, CoveredBucket::pre_self_pay, CoveredBucket::over_limit, CoveredBucket::full_self_pay};

// loose + Σ lines = total for each bucket, and nothing negative.
void check_consistent(const Residual& r, std::size_t lines) {
    for (CoveredBucket c : k_all) {
        std::int64_t held = r.loose(c);
        CHECK(r.loose(c) >= 0);
        for (std::size_t i = 0; i < lines && r.by_line(); ++i) {
            CHECK(r.line(i, c) >= 0);
            held += r.line(i, c);
        }
        CHECK(held == r[c]);
    }
}

}  // namespace

TEST_SUITE("medclaim::Residual") {
    TEST_CASE("without lines it is four buckets taken from in order") {
        Residual r({100, 50, 0, 300});
        constexpr CoveredBucket order[] = {CoveredBucket::pre_self_pay, CoveredBucket::full_self_pay};
        r.take(order, 120);
        CHECK(r[CoveredBucket::in_scope] == 100);
        CHECK(r[CoveredBucket::pre_self_pay] == 0);
        CHECK(r[CoveredBucket::full_self_pay] == 230);
        CHECK(r.sum() == 330);
        CHECK_FALSE(r.by_line());
    }

    TEST_CASE("attributing spreads what is left over the lines, rounded down, the rest loose") {
        std::vector<LineResult> lines = {full_self_pay_line(3333), full_self_pay_line(3334), full_self_pay_line(3334)};
        Residual r({0, 0, 0, 10001});
        constexpr CoveredBucket order[] = {k_full};
        r.take(order, 5001);  // an earlier layer: 50.01 of 100.01
        r.attribute(lines, sum(lines));
        CHECK(r.line(0, k_full) == 1666);  // 5000 × 3333 / 10001 = 1666.3
        CHECK(r.line(1, k_full) == 1666);  // 1666.8
        CHECK(r.line(2, k_full) == 1666);
        CHECK(r.loose(k_full) == 2);
        check_consistent(r, lines.size());
    }

    TEST_CASE("taking from the whole claim takes from each line in proportion") {
        std::vector<LineResult> lines = {full_self_pay_line(100000), full_self_pay_line(300000)};
        Residual r({0, 0, 0, 400000});
        r.attribute(lines, sum(lines));
        constexpr CoveredBucket order[] = {k_full};
        r.take(order, 100001);
        CHECK(r[k_full] == 299999);
        CHECK(r.line(0, k_full) + r.line(1, k_full) == 299999);
        CHECK(r.line(0, k_full) == 74999);  // 25,000.25 rounded down, then the odd fen from the first line
        CHECK(r.line(1, k_full) == 225000);
        check_consistent(r, lines.size());
    }

    TEST_CASE("taking for lines takes from those lines only, in line order") {
        std::vector<LineResult> lines = {full_self_pay_line(100), full_self_pay_line(200), full_self_pay_line(300)};
        Residual r({0, 0, 0, 600});
        r.attribute(lines, sum(lines));
        constexpr CoveredBucket order[] = {k_full};
        constexpr std::uint32_t which[] = {2, 0};
        r.take_lines(which, order, 350);
        CHECK(r.line(2, k_full) == 0);
        CHECK(r.line(0, k_full) == 50);
        CHECK(r.line(1, k_full) == 200);
        CHECK(r[k_full] == 250);
        check_consistent(r, lines.size());
    }

    TEST_CASE("any mix of takes keeps lines, loose part and totals consistent") {
        std::mt19937_64 rng(20261123);
        for (int round = 0; round < 200; ++round) {
            std::vector<LineResult> lines;
            std::size_t n = 1 + rng() % 6;
            for (std::size_t i = 0; i < n; ++i) {
                LineResult l;
                l.buckets.in_scope = Money::from_units(static_cast<std::int64_t>(rng() % 100000));
                l.buckets.full_self_pay = Money::from_units(static_cast<std::int64_t>(rng() % 100000));
                l.buckets.amount = l.buckets.in_scope + l.buckets.full_self_pay;
                lines.push_back(l);
            }
            Buckets own = sum(lines);
            // A prior.* bucket may hold more than the lines do: the rest stays loose.
            Residual r({own.in_scope.units() + static_cast<std::int64_t>(rng() % 1000), 0, 0, own.full_self_pay.units()});
            r.take(k_all, static_cast<std::int64_t>(rng() % 50000));
            r.attribute(lines, own);
            check_consistent(r, n);
            for (int step = 0; step < 5; ++step) {
                std::int64_t before = r.sum();
                std::int64_t amount = static_cast<std::int64_t>(rng() % 60000);
                if (rng() % 2 == 0) {
                    r.take(k_all, amount);
                } else {
                    std::vector<std::uint32_t> which;
                    for (std::uint32_t i = 0; i < n; ++i) {
                        if (rng() % 2 == 0) which.push_back(i);
                    }
                    std::int64_t held = 0;
                    for (std::uint32_t i : which) held += r.line(i, CoveredBucket::in_scope) + r.line(i, k_full);
                    amount = std::min(amount, held);  // the engine never asks for more than the lines hold
                    r.take_lines(which, k_all, amount);
                }
                CHECK(r.sum() == before - std::min(amount, before));
                check_consistent(r, n);
            }
        }
    }
}
