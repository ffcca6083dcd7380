#include "model/policy.hpp"

#include <algorithm>

#include "util/text.hpp"

namespace medclaim {

std::string_view to_string(HealthStatus s) { return s == HealthStatus::healthy ? "healthy" : "preexisting"; }

bool Policy::declared(std::string_view code) const {
    return std::any_of(conditions.begin(), conditions.end(), [&](const std::string& c) { return code.starts_with(c); });
}

namespace {

// The slot where `key` is, or the empty slot where it would go: `key_of(position)` gives
// the key of an occupied slot's policy.
template <class KeyOf>
std::size_t probe(const std::vector<std::uint32_t>& slots, std::string_view key, KeyOf key_of) {
    std::size_t mask = slots.size() - 1;
    for (std::size_t i = hash64(key) & mask;; i = (i + 1) & mask) {
        if (slots[i] == 0 || key_of(slots[i] - 1) == key) return i;
    }
}

}  // namespace

std::string_view PolicyBook::intern(std::string_view s) {
    if (s.empty()) return {};
    for (const std::string& n : names_) {
        if (n == s) return n;
    }
    return names_.emplace_back(s);
}

void PolicyBook::grow() {
    std::size_t size = std::max<std::size_t>(1024, by_id_.size() * 2);
    by_id_.assign(size, 0);
    by_member_.assign(size, 0);
    auto id_of = [&](std::uint32_t i) -> std::string_view { return policies_[i].id; };
    auto member_of = [&](std::uint32_t i) -> std::string_view { return policies_[i].member_id; };
    std::vector<bool> head(policies_.size(), true);
    for (std::uint32_t n : next_) {
        if (n != k_none) head[n] = false;
    }
    for (std::uint32_t i = 0; i < policies_.size(); ++i) {
        by_id_[probe(by_id_, policies_[i].id, id_of)] = i + 1;
        if (head[i]) by_member_[probe(by_member_, policies_[i].member_id, member_of)] = i + 1;
    }
}

bool PolicyBook::add(Policy p) {
    if (find(p.id) != nullptr || policies_.size() >= k_none - 1) return false;
    if ((std::max(policies_.size(), members_) + 1) * 4 > by_id_.size() * 3) grow();
    p.product = intern(p.product);
    p.product_version = intern(p.product_version);
    p.file = intern(p.file);
    auto index = static_cast<std::uint32_t>(policies_.size());
    policies_.push_back(std::move(p));
    next_.push_back(k_none);
    const Policy& kept = policies_.back();
    by_id_[probe(by_id_, kept.id, [&](std::uint32_t i) -> std::string_view { return policies_[i].id; })] = index + 1;
    // Into the member's chain in start-date order, after policies with the same start.
    std::uint32_t& head = by_member_[probe(by_member_, kept.member_id, [&](std::uint32_t i) -> std::string_view { return policies_[i].member_id; })];
    if (head == 0) {
        head = index + 1;
        ++members_;
        return true;
    }
    std::uint32_t first = head - 1;
    if (kept.start < policies_[first].start) {
        next_[index] = first;
        head = index + 1;
        return true;
    }
    std::uint32_t at = first;
    while (next_[at] != k_none && !(kept.start < policies_[next_[at]].start)) at = next_[at];
    next_[index] = next_[at];
    next_[at] = index;
    return true;
}

const Policy* PolicyBook::find(std::string_view id) const {
    if (by_id_.empty()) return nullptr;
    std::uint32_t slot = by_id_[probe(by_id_, id, [&](std::uint32_t i) -> std::string_view { return policies_[i].id; })];
    return slot == 0 ? nullptr : &policies_[slot - 1];
}

std::uint32_t PolicyBook::first_of(std::string_view member_id) const {
    if (by_member_.empty()) return k_none;
    std::uint32_t slot = by_member_[probe(by_member_, member_id, [&](std::uint32_t i) -> std::string_view { return policies_[i].member_id; })];
    return slot == 0 ? k_none : slot - 1;
}

std::vector<const Policy*> PolicyBook::covering(std::string_view member_id, Date d) const {
    std::vector<const Policy*> out;
    for_each_covering(member_id, d, [&](const Policy& p) { out.push_back(&p); });
    return out;
}

}  // namespace medclaim
