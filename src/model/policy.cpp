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
    return std::any_of(conditions.begin(), conditions.end(), [&](const std::string& c) { return code.starts_with(c); });
}

namespace {

std::uint32_t hash32(std::string_view key) { return static_cast<std::uint32_t>(hash64(key) >> 32); }

// The slot where `key` (hashed to `h`) is, or the empty slot where it would go:
// `key_of(position)` gives the key of an occupied slot's policy.
template <class Slot, class KeyOf>
std::size_t probe(const std::vector<Slot>& slots, std::string_view key, std::uint32_t h, KeyOf key_of) {
    std::size_t mask = slots.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
        const Slot& s = slots[i];
        if (s.position == 0 || (s.hash == h && key_of(s.position - 1) == key)) return i;
    }
}

// Puts an entry of a table being rebuilt in the first empty slot from its hash.
template <class Slot>
void reinsert(std::vector<Slot>& slots, Slot s) {
    std::size_t mask = slots.size() - 1;
    std::size_t i = s.hash & mask;
    while (slots[i].position != 0) i = (i + 1) & mask;
    slots[i] = s;
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
    for (std::vector<Slot>* table : {&by_id_, &by_member_}) {
        std::vector<Slot> old(size);
        old.swap(*table);
        for (const Slot& s : old) {
            if (s.position != 0) reinsert(*table, s);
        }
    }
}

bool PolicyBook::add(Policy p) {
    if (policies_.size() >= k_none - 1) return false;
    if ((std::max(policies_.size(), members_) + 1) * 4 > by_id_.size() * 3) grow();
    // One probe finds a repeated id or the slot of a new one.
    std::uint32_t id_hash = hash32(p.id);
    Slot& id_slot = by_id_[probe(by_id_, p.id, id_hash, [&](std::uint32_t i) -> std::string_view { return policies_[i].id; })];
    if (id_slot.position != 0) return false;
    p.product = intern(p.product);
    p.product_version = intern(p.product_version);
    p.file = intern(p.file);
    auto index = static_cast<std::uint32_t>(policies_.size());
    policies_.push_back(std::move(p));
    next_.push_back(k_none);
    const Policy& kept = policies_.back();
    id_slot = {index + 1, id_hash};
    // Into the member's chain in start-date order, after policies with the same start.
    std::uint32_t member_hash = hash32(kept.member_id);
    Slot& head = by_member_[probe(by_member_, kept.member_id, member_hash, [&](std::uint32_t i) -> std::string_view { return policies_[i].member_id; })];
    if (head.position == 0) {
        head = {index + 1, member_hash};
        ++members_;
        return true;
    }
    std::uint32_t first = head.position - 1;
    if (kept.start < policies_[first].start) {
        next_[index] = first;
        head.position = index + 1;
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
    const Slot& s = by_id_[probe(by_id_, id, hash32(id), [&](std::uint32_t i) -> std::string_view { return policies_[i].id; })];
    return s.position == 0 ? nullptr : &policies_[s.position - 1];
}

std::uint32_t PolicyBook::first_of(std::string_view member_id) const {
    if (by_member_.empty()) return k_none;
    const Slot& s = by_member_[probe(by_member_, member_id, hash32(member_id), [&](std::uint32_t i) -> std::string_view { return policies_[i].member_id; })];
    return s.position == 0 ? k_none : s.position - 1;
}

std::vector<const Policy*> PolicyBook::covering(std::string_view member_id, Date d) const {
    std::vector<const Policy*> out;
    for_each_covering(member_id, d, [&](const Policy& p) { out.push_back(&p); });
    return out;
}

}  // namespace medclaim
