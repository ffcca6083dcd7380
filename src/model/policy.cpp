#include "model/policy.hpp"

#include <algorithm>

namespace medclaim {

std::string_view to_string(HealthStatus s) { return s == HealthStatus::healthy ? "healthy" : "preexisting"; }

bool Policy::declared(std::string_view code) const {
    return std::any_of(conditions.begin(), conditions.end(), [&](const std::string& c) { return code.starts_with(c); });
}

bool PolicyBook::add(Policy p) {
    if (by_id_.contains(p.id)) return false;
    std::size_t index = policies_.size();
    by_id_.emplace(p.id, index);
    std::vector<std::size_t>& mine = by_member_[p.member_id];
    // Start-date order, input order among equal starts.
    auto at = std::upper_bound(mine.begin(), mine.end(), p.start, [&](Date d, std::size_t i) { return d < policies_[i].start; });
    mine.insert(at, index);
    policies_.push_back(std::move(p));
    return true;
}

const Policy* PolicyBook::find(std::string_view id) const {
    auto it = by_id_.find(std::string(id));
    return it == by_id_.end() ? nullptr : &policies_[it->second];
}

std::vector<const Policy*> PolicyBook::covering(std::string_view member_id, Date d) const {
    std::vector<const Policy*> out;
    auto it = by_member_.find(std::string(member_id));
    if (it == by_member_.end()) return out;
    for (std::size_t i : it->second) {
        if (policies_[i].covers(d)) out.push_back(&policies_[i]);
    }
    return out;
}

}  // namespace medclaim
