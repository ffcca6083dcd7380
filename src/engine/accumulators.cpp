#include "engine/accumulators.hpp"

#include <algorithm>
#include <charconv>

#include "util/date.hpp"
#include "util/fixed.hpp"

namespace medclaim {

std::string counter_text(std::string_view name, std::int64_t value) {
    if (name == "admissions" || name.ends_with(".days") || name.starts_with("audit.stay.") || name.starts_with("audit.days.")) return std::to_string(value);
    if (name.starts_with("audit.qty.")) return Quantity::from_units(value).to_string();
    if (name == "last_discharge") return value > 0 ? Date::from_days(static_cast<std::int32_t>(value - 1)).to_string() : std::string("-");
    return Money::from_units(value).to_string();
}

std::uint32_t Accumulators::hash_of(std::string_view member_id, int plan_year) {
    return FlatIndex::hash(member_id, static_cast<std::uint64_t>(plan_year) + 1);
}

const Accumulators::Group* Accumulators::recent(std::string_view member_id, int plan_year) const {
    for (const LastLookup& l : last_) {
        if (l.group != nullptr && l.year == plan_year && l.member == member_id) return l.group;
    }
    return nullptr;
}

const Accumulators::Group* Accumulators::find(std::string_view member_id, int plan_year) const {
    if (const Group* g = recent(member_id, plan_year)) return g;
    std::uint32_t i = entry_index_.find(hash_of(member_id, plan_year), same_entry(member_id, plan_year));
    if (i == FlatIndex::k_none) return nullptr;
    remember(member_id, plan_year, entries_[i].group);
    return &entries_[i].group;
}

void Accumulators::remember(std::string_view member_id, int plan_year, const Group& g) const {
    LastLookup& l = last_[next_last_++ % last_.size()];
    l.member.assign(member_id);
    l.year = plan_year;
    l.group = &g;  // entries of a ChunkedVector stay where they are
}

Accumulators::Group& Accumulators::group(std::string_view member_id, int plan_year) {
    if (const Group* g = recent(member_id, plan_year)) return const_cast<Group&>(*g);  // an entry of entries_, which this call may change
    // One probe finds the member-year or records the entry about to be added.
    auto position = static_cast<std::uint32_t>(entries_.size());
    std::uint32_t i = entry_index_.find_or_add(hash_of(member_id, plan_year), position, same_entry(member_id, plan_year));
    Group& g = i != FlatIndex::k_none ? entries_[i].group : entries_.emplace_back(Entry{Key(member_id.begin(), member_id.end()), plan_year, {}}).group;
    remember(member_id, plan_year, g);
    return g;
}

std::uint32_t Accumulators::intern(std::string_view counter) {
    auto position = static_cast<std::uint32_t>(names_.size());
    std::uint32_t id = name_index_.find_or_add(FlatIndex::hash(counter), position, same_name(counter));
    if (id != FlatIndex::k_none) return id;
    names_.emplace_back(counter);
    return position;
}

std::int64_t& Accumulators::slot(Group& g, std::string_view counter) {
    std::uint32_t id = intern(counter);
    for (Slot& s : g.slots) {
        if (s.name == id) return s.value;
    }
    ++size_;
    return g.slots.emplace_back(Slot{id, 0}).value;
}

void Accumulators::mark_changed(Group& g) {
    if (!g.changed) {
        g.changed = true;
        ++changed_;
    }
}

std::int64_t Accumulators::get(std::string_view member_id, int plan_year, std::string_view counter) const {
    const Group* g = find(member_id, plan_year);
    if (g == nullptr) return 0;
    std::uint32_t id = name_index_.find(FlatIndex::hash(counter), same_name(counter));
    if (id == FlatIndex::k_none) return 0;
    for (const Slot& s : g->slots) {
        if (s.name == id) return s.value;
    }
    return 0;
}

void Accumulators::set(std::string_view member_id, int plan_year, std::string_view counter, std::int64_t value) {
    Group& g = group(member_id, plan_year);
    slot(g, counter) = value;
    mark_changed(g);
}

void Accumulators::restore(std::string_view member_id, int plan_year, std::string_view counter, std::int64_t value) {
    slot(group(member_id, plan_year), counter) = value;
}

bool Accumulators::hold(std::string_view member_id, int plan_year) {
    if (find(member_id, plan_year) != nullptr) return false;
    group(member_id, plan_year);
    return true;
}

void Accumulators::apply(const std::vector<Delta>& deltas) {
    for (const Delta& d : deltas) {
        Group& g = group(d.member_id, d.plan_year);
        slot(g, d.counter) += d.change;
        mark_changed(g);
    }
}

std::vector<Counter> Accumulators::named(const Group& g) const {
    std::vector<Counter> out;
    out.reserve(g.slots.size());
    for (const Slot& s : g.slots) out.push_back({names_[s.name], s.value});
    std::sort(out.begin(), out.end(), [](const Counter& a, const Counter& b) { return a.name < b.name; });
    return out;
}

std::vector<Counter> Accumulators::counters(std::string_view member_id, int plan_year) const {
    const Group* g = find(member_id, plan_year);
    return g == nullptr ? std::vector<Counter>{} : named(*g);
}

void Accumulators::forget_changes() {
    for (Entry& e : entries_) e.group.changed = false;
    changed_ = 0;
}

}  // namespace medclaim
