#include "engine/accumulators.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace medclaim {

// Member ids never hold a control character (the input readers refuse them).
std::string Accumulators::key(std::string_view member_id, int plan_year, std::string_view counter) {
    return fmt::format("{}\x1f{}\x1f{}", member_id, plan_year, counter);
}

std::int64_t Accumulators::get(std::string_view member_id, int plan_year, std::string_view counter) const {
    auto it = values_.find(key(member_id, plan_year, counter));
    return it == values_.end() ? 0 : it->second;
}

void Accumulators::set(std::string_view member_id, int plan_year, std::string_view counter, std::int64_t value) {
    values_[key(member_id, plan_year, counter)] = value;
}

void Accumulators::apply(const std::vector<Delta>& deltas) {
    for (const Delta& d : deltas) values_[key(d.member_id, d.plan_year, d.counter)] += d.change;
}

std::vector<Counter> Accumulators::counters(std::string_view member_id, int plan_year) const {
    std::string prefix = fmt::format("{}\x1f{}\x1f", member_id, plan_year);
    std::vector<Counter> out;
    for (const auto& [k, v] : values_) {
        if (k.starts_with(prefix)) out.push_back({k.substr(prefix.size()), v});
    }
    std::sort(out.begin(), out.end(), [](const Counter& a, const Counter& b) { return a.name < b.name; });
    return out;
}

}  // namespace medclaim
