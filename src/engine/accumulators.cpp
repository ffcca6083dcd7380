#include "engine/accumulators.hpp"

#include <algorithm>
#include <charconv>

namespace medclaim {

// Member ids never hold a control character (the input readers refuse them).
std::string Accumulators::key(std::string_view member_id, int plan_year) {
    char digits[16];
    auto end = std::to_chars(digits, digits + sizeof digits, plan_year).ptr;
    std::string k;
    k.reserve(member_id.size() + 1 + static_cast<std::size_t>(end - digits));
    k.append(member_id);
    k.push_back('\x1f');
    k.append(digits, end);
    return k;
}

std::vector<Counter>* Accumulators::group(std::string_view member_id, int plan_year, bool create) {
    std::string k = key(member_id, plan_year);
    auto it = groups_.find(k);
    if (it != groups_.end()) return &it->second;
    if (!create) return nullptr;
    return &groups_.emplace(std::move(k), std::vector<Counter>{}).first->second;
}

std::int64_t Accumulators::get(std::string_view member_id, int plan_year, std::string_view counter) const {
    auto it = groups_.find(key(member_id, plan_year));
    if (it == groups_.end()) return 0;
    for (const Counter& c : it->second) {
        if (c.name == counter) return c.value;
    }
    return 0;
}

void Accumulators::set(std::string_view member_id, int plan_year, std::string_view counter, std::int64_t value) {
    std::vector<Counter>& g = *group(member_id, plan_year, true);
    for (Counter& c : g) {
        if (c.name == counter) {
            c.value = value;
            return;
        }
    }
    g.push_back({std::string(counter), value});
    ++size_;
}

void Accumulators::apply(const std::vector<Delta>& deltas) {
    for (const Delta& d : deltas) set(d.member_id, d.plan_year, d.counter, get(d.member_id, d.plan_year, d.counter) + d.change);
}

std::vector<Counter> Accumulators::counters(std::string_view member_id, int plan_year) const {
    auto it = groups_.find(key(member_id, plan_year));
    if (it == groups_.end()) return {};
    std::vector<Counter> out = it->second;
    std::sort(out.begin(), out.end(), [](const Counter& a, const Counter& b) { return a.name < b.name; });
    return out;
}

}  // namespace medclaim
