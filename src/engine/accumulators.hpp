#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/text.hpp"

namespace medclaim {

/// Year-to-date counters of one member and plan year: `admissions` (inpatient stays
/// settled), and per layer `ID.position` (cost that has entered the layer's segments),
/// `ID.deductible` (deductible absorbed) and `ID.paid` (what the fund paid), in fen.
/// Counters that span years are kept under plan year 0: `last_discharge` (the day of
/// the member's latest inpatient discharge, as days since 1970-01-01 plus 1; 0: none).
struct Counter {
    std::string name;
    std::int64_t value = 0;
};

/// A change that adjudicating one claim makes to one counter.
struct Delta {
    std::string member_id;
    int plan_year = 0;
    std::string counter;
    std::int64_t change = 0;
};

/// Accumulator values, read by the engine and changed only by applying deltas.
/// This is the in-memory store; a persistent one keeps the same interface.
class Accumulators {
public:
    std::int64_t get(std::string_view member_id, int plan_year, std::string_view counter) const;
    void set(std::string_view member_id, int plan_year, std::string_view counter, std::int64_t value);
    void apply(const std::vector<Delta>& deltas);
    /// How many counters are held.
    std::size_t size() const { return size_; }
    /// Every counter of a member and year, sorted by name.
    std::vector<Counter> counters(std::string_view member_id, int plan_year) const;

private:
    // Counters grouped by member and year ("member\x1fyear"): a handful each.
    static std::string key(std::string_view member_id, int plan_year);
    std::vector<Counter>* group(std::string_view member_id, int plan_year, bool create);
    std::unordered_map<std::string, std::vector<Counter>, StringHash, std::equal_to<>> groups_;
    std::size_t size_ = 0;
};

}  // namespace medclaim
