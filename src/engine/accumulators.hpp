#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "util/chunked_vector.hpp"
#include "util/flat_index.hpp"
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

/// A counter's value as people read it: a count (`admissions`, a per-day benefit's
/// `RESP.days`, audit stays and days `audit.stay.*`, `audit.days.*`), a quantity (audit `audit.qty.*`), a date
/// (`last_discharge`) or money (everything else).
std::string counter_text(std::string_view name, std::int64_t value);

/// A change that adjudicating one claim makes to one counter.
struct Delta {
    std::string member_id;
    int plan_year = 0;
    std::string counter;
    std::int64_t change = 0;
};

/// Accumulator values, read by the engine and changed only by applying deltas.
/// Rules: 1. a counter never set reads 0; 2. a member-year is "held" once anything
/// was set or restored for it, or hold() was called, so that a store behind it is
/// read once; 3. set() and apply() mark the member-year changed, restore() does not,
/// so that only what the run changed is written back. Counter names are kept once,
/// and each held member-year costs an entry of about 90 bytes and 16 bytes a counter.
class Accumulators {
public:
    std::int64_t get(std::string_view member_id, int plan_year, std::string_view counter) const;
    void set(std::string_view member_id, int plan_year, std::string_view counter, std::int64_t value);
    void apply(const std::vector<Delta>& deltas);
    /// Sets a counter as a store holds it: not a change.
    void restore(std::string_view member_id, int plan_year, std::string_view counter, std::int64_t value);
    /// Starts loading what a look-up of the member-year reads first, for a caller that
    /// knows its next member-years ahead: step 1 the index slot, step 2 (a claim later,
    /// once that slot is in) the entry. Changes nothing.
    void prefetch(std::string_view member_id, int plan_year, int step) const {
        std::uint32_t h = hash_of(member_id, plan_year);
        if (step == 1) return entry_index_.prefetch(h);
        if (std::uint32_t i = entry_index_.likely(h); i != FlatIndex::k_none) __builtin_prefetch(&entries_[i]);
    }
    /// Holds the member-year (empty when new); false when it was held already.
    bool hold(std::string_view member_id, int plan_year);
    /// How many counters are held.
    std::size_t size() const { return size_; }
    /// How many member-years are held.
    std::size_t member_years() const { return entries_.size(); }
    /// Every counter of a member and year, sorted by name.
    std::vector<Counter> counters(std::string_view member_id, int plan_year) const;
    /// How many member-years were changed since the last forget_changes().
    std::size_t changed() const { return changed_; }
    /// Calls `f(member_id, plan_year, counters)` for each changed member-year.
    template <class F>
    void for_each_changed(F&& f) const {
        for (const Entry& e : entries_) {
            if (e.group.changed) f(e.member_id(), e.plan_year, named(e.group));
        }
    }
    /// Marks every member-year unchanged (they were written out).
    void forget_changes();

private:
    struct Slot {
        std::uint32_t name;  // index into names_
        std::int64_t value;
    };
    // A member-year's counters and its key are held in the entry itself up to a few
    // counters and 30 bytes (a member id, or member and policy id): a look-up then
    // reads one place, not three.
    struct Group {
        boost::container::small_vector<Slot, 6> slots;
        bool changed = false;
    };
    using Key = boost::container::small_vector<char, 30>;
    struct Entry {
        Key key;  // the member id (or policy key)
        int plan_year = 0;
        Group group;
        std::string_view member_id() const { return {key.data(), key.size()}; }
    };
    static std::uint32_t hash_of(std::string_view member_id, int plan_year);
    // What FlatIndex asks: is the entry (name) at a position the one sought?
    auto same_entry(std::string_view member_id, int plan_year) const {
        return [this, member_id, plan_year](std::uint32_t k) { return entries_[k].plan_year == plan_year && entries_[k].member_id() == member_id; };
    }
    auto same_name(std::string_view counter) const {
        return [this, counter](std::uint32_t k) { return names_[k] == counter; };
    }
    // The member-year among those looked up last; nullptr when it is not.
    const Group* recent(std::string_view member_id, int plan_year) const;
    const Group* find(std::string_view member_id, int plan_year) const;
    Group& group(std::string_view member_id, int plan_year);
    std::uint32_t intern(std::string_view counter);
    void remember(std::string_view member_id, int plan_year, const Group& g) const;
    // The counter's value in `g`, added as 0 when new.
    std::int64_t& slot(Group& g, std::string_view counter);
    void mark_changed(Group& g);
    std::vector<Counter> named(const Group& g) const;

    // Member-years in the order they came (chunked: a Group never moves) and counter
    // names, each found through a FlatIndex.
    ChunkedVector<Entry> entries_;
    FlatIndex entry_index_;
    std::vector<std::string> names_;
    FlatIndex name_index_;
    std::size_t size_ = 0;
    std::size_t changed_ = 0;
    // The member-years looked up last: the engine reads several counters of each of a
    // claim's few groups (plan year, across years, its policies'). A copy starts
    // without them (they point into the original's entries).
    struct LastLookup {
        std::string member;
        int year = 0;
        const Group* group = nullptr;
        LastLookup() = default;
        LastLookup(const LastLookup&) {}
        LastLookup& operator=(const LastLookup&) {
            group = nullptr;
            return *this;
        }
    };
    mutable std::array<LastLookup, 4> last_;
    mutable std::size_t next_last_ = 0;  // the entry to replace next
};

}  // namespace medclaim
