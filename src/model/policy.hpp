#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/date.hpp"

namespace medclaim {

/// What the insurer knew of the member's health when the policy was written: a healthy
/// member, or one insured with specified pre-existing conditions (特定既往症), who is
/// paid at the product's lower ratio.
enum class HealthStatus { healthy, preexisting };
std::string_view to_string(HealthStatus s);

/// One commercial policy of one member (a record of `--policies FILE`).
struct Policy {
    std::string id;
    std::string product;          ///< a product id of the rule pack
    std::string product_version;  ///< empty: the version the pack holds
    std::string member_id;
    Date start;                   ///< first day covered
    Date end;                     ///< last day covered (inclusive)
    Date first_insured;           ///< first day of the first policy of a continuous renewal; `start` when not given
    HealthStatus health = HealthStatus::healthy;
    std::vector<std::string> conditions;  ///< declared conditions: ICD-10 codes or prefixes
    std::vector<std::string> options;     ///< plan options the product names (riders, say)
    std::string file;                     ///< where it was read, for messages
    std::uint64_t line = 0;

    /// Whether the policy covers day `d`.
    bool covers(Date d) const { return start <= d && d <= end; }
    /// Whether `code` falls under a declared condition (a declared prefix of it).
    bool declared(std::string_view code) const;
};

/// The policies of a run, found by id or by member and date.
/// Rules: 1. ids are unique (a reader rejects a repeated id); 2. a member's policies
/// are kept in start-date order, then in input order.
class PolicyBook {
public:
    /// Adds `p`; false (and nothing added) when its id is taken.
    bool add(Policy p);
    const Policy* find(std::string_view id) const;
    /// The member's policies that cover day `d`, in start-date order.
    std::vector<const Policy*> covering(std::string_view member_id, Date d) const;
    std::size_t size() const { return policies_.size(); }
    const std::vector<Policy>& all() const { return policies_; }

private:
    std::vector<Policy> policies_;
    std::unordered_map<std::string, std::size_t> by_id_;
    std::unordered_map<std::string, std::vector<std::size_t>> by_member_;
};

}  // namespace medclaim
