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

// Member ids never hold U+001F (the input readers refuse control characters; a
// policy's key holds U+001D).
void Accumulators::key_into(std::string& out, std::string_view member_id, int plan_year) {
    char digits[16];
    auto end = std::to_chars(digits, digits + sizeof digits, plan_year).ptr;
    out.assign(member_id);
    out.push_back('\x1f');
    out.append(digits, end);
}

std::string Accumulators::key(std::string_view member_id, int plan_year) {
    std::string k;
    key_into(k, member_id, plan_year);
    return k;
}

const Accumulators::Group* Accumulators::find(std::string_view member_id, int plan_year) const {
    for (const LastLookup& l : last_) {
        if (l.group != nullptr && l.year == plan_year && l.member == member_id) return l.group;
    }
    key_into(scratch_, member_id, plan_year);  // reused: a look-up allocates nothing
    auto it = groups_.find(std::string_view(scratch_));
    if (it == groups_.end()) return nullptr;
    remember(member_id, plan_year, it->second);
    return &it->second;
}

void Accumulators::remember(std::string_view member_id, int plan_year, const Group& g) const {
    LastLookup& l = last_[next_last_++ % last_.size()];
    l.member.assign(member_id);
    l.year = plan_year;
    l.group = &g;  // entries of an unordered_map stay where they are until erased
}

Accumulators::Group& Accumulators::group(std::string_view member_id, int plan_year) {
    if (const Group* g = find(member_id, plan_year)) return const_cast<Group&>(*g);  // found in groups_, which this call may change
    Group& g = groups_.try_emplace(key(member_id, plan_year)).first->second;
    remember(member_id, plan_year, g);
    return g;
}

std::uint32_t Accumulators::intern(std::string_view counter) {
    auto it = name_ids_.find(counter);
    if (it != name_ids_.end()) return it->second;
    auto id = static_cast<std::uint32_t>(names_.size());
    names_.emplace_back(counter);
    name_ids_.emplace(std::string(counter), id);
    return id;
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
    auto it = name_ids_.find(counter);
    if (it == name_ids_.end()) return 0;
    for (const Slot& s : g->slots) {
        if (s.name == it->second) return s.value;
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
    remember(member_id, plan_year, groups_.try_emplace(key(member_id, plan_year)).first->second);
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
    for (auto& [key, g] : groups_) g.changed = false;
    changed_ = 0;
}

}  // namespace medclaim
