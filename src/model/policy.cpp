#include "model/policy.hpp"

#include <algorithm>
#include <array>

#include "util/text.hpp"

namespace medclaim {

namespace {
constexpr std::array<std::string_view, 2> k_health = {"healthy", "preexisting"};
}  // namespace

std::string_view to_string(HealthStatus s) { return k_health[static_cast<std::size_t>(s)]; }

template <>
std::optional<HealthStatus> parse_enum<HealthStatus>(std::string_view text) {
    for (std::size_t i = 0; i < k_health.size(); ++i) {
        if (k_health[i] == text) return static_cast<HealthStatus>(i);
    }
    return std::nullopt;
}

template <>
std::span<const std::string_view> enum_spellings<HealthStatus>() { return k_health; }

bool Policy::declared(std::string_view code) const {
    const std::vector<std::string>& declared = conditions();
    return std::any_of(declared.begin(), declared.end(), [&](const std::string& c) { return code.starts_with(c); });
}

const std::vector<std::string>& Policy::no_items() {
    static const std::vector<std::string> none;
    return none;
}

std::string_view PolicyBook::intern(std::string_view s) {
    if (s.empty()) return {};
    for (const std::string& n : names_) {
        if (n.size() == s.size() && (n.data() == s.data() || n == s)) return n;  // often a name the book gave
    }
    return names_.emplace_back(s);
}

bool PolicyBook::add_interned(Policy&& p, Hashes h) {
    if (policies_.size() >= FlatIndex::k_none - 1) return false;
    auto index = static_cast<std::uint32_t>(policies_.size());
    // One probe finds a repeated id or records the new one.
    if (by_id_.find_or_add(h.id, index, [&](std::uint32_t i) { return policies_[i].id == p.id; }) != FlatIndex::k_none) return false;
    policies_.push_back(std::move(p));
    next_.push_back(k_none);
    const Policy& kept = policies_.back();
    // Into the member's chain in start-date order, after policies with the same start.
    const std::uint32_t member_hash = h.member;
    auto same_member = [&](std::uint32_t i) { return policies_[i].member_id == kept.member_id; };
    std::uint32_t first = by_member_.find_or_add(member_hash, index, same_member);
    if (first == FlatIndex::k_none) return true;
    if (kept.start < policies_[first].start) {
        next_[index] = first;
        by_member_.move(member_hash, index, same_member);
        return true;
    }
    std::uint32_t at = first;
    while (next_[at] != k_none && !(kept.start < policies_[next_[at]].start)) at = next_[at];
    next_[index] = next_[at];
    next_[at] = index;
    return true;
}

const Policy* PolicyBook::find(std::string_view id) const {
    std::uint32_t i = by_id_.find(FlatIndex::hash(id), [&](std::uint32_t k) { return policies_[k].id == id; });
    return i == FlatIndex::k_none ? nullptr : &policies_[i];
}

std::uint32_t PolicyBook::first_of(std::string_view member_id) const {
    return by_member_.find(FlatIndex::hash(member_id), [&](std::uint32_t k) { return policies_[k].member_id == member_id; });
}

std::vector<const Policy*> PolicyBook::covering(std::string_view member_id, Date d) const {
    std::vector<const Policy*> out;
    for_each_covering(member_id, d, [&](const Policy& p) { out.push_back(&p); });
    return out;
}

}  // namespace medclaim
