#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <deque>
#include <memory>
#include <vector>

#include "model/claim.hpp"
#include "util/chunked_vector.hpp"
#include "util/date.hpp"
#include "util/flat_index.hpp"

namespace medclaim {

/// What the insurer knew of the member's health when the policy was written: a healthy
/// member, or one insured with specified pre-existing conditions (特定既往症), who is
/// paid at the product's lower ratio. Spelt `healthy` and `preexisting` (parse_enum).
enum class HealthStatus { healthy, preexisting };
std::string_view to_string(HealthStatus s);
template <>
std::optional<HealthStatus> parse_enum<HealthStatus>(std::string_view text);
template <>
std::span<const std::string_view> enum_spellings<HealthStatus>();

/// A policy's lists, kept out of line: most policies have none.
struct PolicyLists {
    std::vector<std::string> conditions;
    std::vector<std::string> options;
};

/// A pointer to PolicyLists that copies what it points to: a Policy copies as a value.
class PolicyListsBox {
public:
    PolicyListsBox() = default;
    PolicyListsBox(const PolicyListsBox& o) : p_(o.p_ ? std::make_unique<PolicyLists>(*o.p_) : nullptr) {}
    PolicyListsBox& operator=(const PolicyListsBox& o) {
        if (this != &o) p_ = o.p_ ? std::make_unique<PolicyLists>(*o.p_) : nullptr;
        return *this;
    }
    PolicyListsBox(PolicyListsBox&&) noexcept = default;
    PolicyListsBox& operator=(PolicyListsBox&&) noexcept = default;
    ~PolicyListsBox() = default;

    const PolicyLists* get() const { return p_.get(); }
    PolicyLists& own() {
        if (!p_) p_ = std::make_unique<PolicyLists>();
        return *p_;
    }

private:
    std::unique_ptr<PolicyLists> p_;
};

/// One commercial policy of one member (a record of `--policies FILE`). The views
/// point into strings a PolicyBook keeps (or, before add(), the caller's). A book
/// holds every policy of a run (600,000 in the benchmark): 144 bytes each.
struct Policy {
    // What settling a claim reads of each of the member's policies comes first: the
    // dates, the health status, the product and the id (in place when short) fill
    // the first 64 bytes.
    Date start;                   ///< first day covered
    Date end;                     ///< last day covered (inclusive)
    Date first_insured;           ///< first day of the first policy of a continuous renewal; `start` when not given
    HealthStatus health = HealthStatus::healthy;
    std::string_view product;          ///< a product id of the rule pack
    std::string id;
    std::string member_id;
    std::string_view product_version;  ///< empty: the version the pack holds
    std::string_view file;                ///< where it was read, for messages
    std::uint64_t line = 0;
    PolicyListsBox lists;                 ///< empty while both lists are

    /// Declared conditions: ICD-10 codes or prefixes.
    const std::vector<std::string>& conditions() const { return lists.get() ? lists.get()->conditions : no_items(); }
    /// Plan options the product names (riders, say).
    const std::vector<std::string>& options() const { return lists.get() ? lists.get()->options : no_items(); }
    void add_condition(std::string_view code) { lists.own().conditions.emplace_back(code); }
    void add_option(std::string_view option) { lists.own().options.emplace_back(option); }

    /// Whether the policy covers day `d`.
    bool covers(Date d) const { return start <= d && d <= end; }
    /// Whether `code` falls under a declared condition (a declared prefix of it).
    bool declared(std::string_view code) const;

private:
    static const std::vector<std::string>& no_items();
};
static_assert(sizeof(Policy) <= 144, "a book holds every policy of a run: keep Policy small");

/// The policies of a run, found by id or by member and date.
/// Rules: 1. ids are unique (a reader rejects a repeated id); 2. a member's policies
/// are kept in start-date order, then in input order; 3. product names, versions and
/// file names are kept once; the indexes are open-addressing tables of positions, so
/// that a policy costs about 175 bytes with its indexes and adding one rarely allocates.
class PolicyBook {
public:
    PolicyBook() = default;
    PolicyBook(const PolicyBook&) = delete;  // the policies' views point into this book
    PolicyBook& operator=(const PolicyBook&) = delete;
    PolicyBook(PolicyBook&&) = default;
    PolicyBook& operator=(PolicyBook&&) = default;

    /// What the book's indexes hash of a policy: its id and its member id.
    struct Hashes {
        std::uint32_t id = 0;
        std::uint32_t member = 0;
    };
    static Hashes hashes(const Policy& p) { return {FlatIndex::hash(p.id), FlatIndex::hash(p.member_id)}; }
    /// Adds `p` (its views are copied into the book); false, and nothing added, when its
    /// id is taken. Policies never move: pointers to them live as long as the book.
    bool add(Policy p) {
        p.product = intern(p.product);
        p.product_version = intern(p.product_version);
        p.file = intern(p.file);
        Hashes h = hashes(p);
        return add_interned(std::move(p), h);
    }
    /// The same for a policy whose product, version and file are views intern() gave,
    /// with `h` = hashes(p) (a caller that adds several took them to prefetch); `p` is
    /// moved from only when it is added.
    bool add_interned(Policy&& p, Hashes h);
    /// Starts loading the index slots add_interned(p, h) reads.
    void prefetch_add(Hashes h) const {
        by_id_.prefetch(h.id);
        by_member_.prefetch(h.member);
    }
    /// `s` kept once in the book (a product, version or file name; a few): the view
    /// lives as long as the book. add() interns a policy's names itself.
    std::string_view intern(std::string_view s);
    const Policy* find(std::string_view id) const;
    /// Calls `f(policy)` for the member's policies that cover day `d`, in start-date order.
    template <class F>
    void for_each_covering(std::string_view member_id, Date d, F&& f) const {
        for (std::uint32_t i = first_of(member_id); i != k_none; i = next_[i]) {
            if (policies_[i].covers(d)) f(policies_[i]);
        }
    }
    /// Starts loading what for_each_covering(member_id) reads, in three steps a claim
    /// apart for a caller that goes through claims in order: step 1 the index slot,
    /// step 2 (once that slot is in) the member's first policy and its link to the
    /// next, step 3 (once the links are in: a member's policies are near each other in
    /// the book) the member's other policies.
    void prefetch(std::string_view member_id, int step) const {
        std::uint32_t h = FlatIndex::hash(member_id);
        if (step == 1) return by_member_.prefetch(h);
        std::uint32_t first = by_member_.likely(h);
        if (first == k_none) return;
        if (step == 2) {
            prefetch_policy(first);
            __builtin_prefetch(&next_[first]);
            return;
        }
        for (std::uint32_t i = next_[first], n = 0; i != k_none && n < 8; i = next_[i], ++n) prefetch_policy(i);
    }
    /// The member's policies that cover day `d`, in start-date order.
    std::vector<const Policy*> covering(std::string_view member_id, Date d) const;
    std::size_t size() const { return policies_.size(); }
    using Store = ChunkedVector<Policy, 12>;  // chunks of 4,096: a table of chunks small enough to stay in cache
    const Store& all() const { return policies_; }

private:
    static constexpr std::uint32_t k_none = FlatIndex::k_none;
    std::uint32_t first_of(std::string_view member_id) const;
    void prefetch_policy(std::uint32_t i) const {
        const char* p = reinterpret_cast<const char*>(&policies_[i]);
        __builtin_prefetch(p);       // the first 64 bytes, on one line or two
        __builtin_prefetch(p + 63);
    }

    Store policies_;                            // policies never move; no reallocation spikes as it grows
    std::vector<std::uint32_t> next_;          // the member's next policy, or k_none
    FlatIndex by_id_;                          // the policy with that id
    FlatIndex by_member_;                      // the member's first policy
    std::deque<std::string> names_;            // products, versions, file names: a few
};

}  // namespace medclaim
