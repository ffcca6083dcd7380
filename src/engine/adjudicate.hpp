#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/accumulators.hpp"
#include "model/claim.hpp"
#include "model/policy.hpp"
#include "rules/pack.hpp"
#include "util/fixed.hpp"

namespace medclaim {

/// An edit that fired, or a pricing note, on a line (line_no > 0) or the claim.
struct Flag {
    Flag() = default;
    Flag(std::string rule_id, EditSeverity sev, std::string why, Money at_stake, std::uint32_t line)
        : rule(std::move(rule_id)), severity(sev), reason(std::move(why)), amount(at_stake), line_no(line) {}

    std::string rule;
    EditSeverity severity = EditSeverity::info;
    std::string reason;
    Money amount;              ///< at stake: what the flag moved to full_self_pay, or would have (pend, info)
    std::uint32_t line_no = 0;
    // An audit rule's flag (the NHSA 3101/3102 result fields); empty for other flags.
    std::string name;          ///< 规则名称
    std::string category;      ///< policy 政策, management 管理, medical 医疗
    std::string result;        ///< violation 明确违规, suspect 高度可疑
    std::string action;        ///< deny, deny_excess, reduce, pend, info
    std::string evidence;      ///< the values that made the rule fire
    std::vector<std::uint32_t> related;  ///< 涉及项: other lines involved (line_no is the 违规项)

    bool is_audit() const { return !action.empty(); }
};

/// The four buckets of DESIGN.md section 3; they always sum to `amount`.
struct Buckets {
    Money amount;
    Money full_self_pay;
    Money over_limit;
    Money pre_self_pay;
    Money in_scope;

    Buckets& operator+=(const Buckets& o);
};

struct LineResult {
    std::uint32_t line_no = 0;
    Buckets buckets;
    std::string_view catalog;  ///< the name of the catalog that priced the line (in the pack); empty when none did
};

/// What one responsibility of a commercial product paid on one claim.
struct ResponsibilityPayment {
    std::string id;
    Money base;                ///< what is left to the patient in the buckets it covers
    Money deductible;          ///< the part of `base` the deductible absorbed
    std::int64_t ratio = 0;    ///< decimal units (10^-6)
    Money amount;
    std::optional<Money> per_day;  ///< a per-day benefit: its amount a day, instead of a ratio
    int days = 0;                  ///< and the days it paid
};

/// What one benefit layer paid on one claim.
struct Payment {
    std::string layer;
    std::string fund;
    Money amount;
    Money base;        ///< what the layer shared (in-scope amount or burden)
    Money deductible;  ///< the part of `base` the layer's deductible absorbed
    std::string policy;  ///< a commercial layer: the policy that paid; empty for basic layers
    std::vector<ResponsibilityPayment> responsibilities;  ///< a commercial layer: by responsibility
};

enum class ClaimStatus { paid, partial, denied, pended };
std::string_view to_string(ClaimStatus s);

/// The result of adjudicating one claim: a pure function of the claim, the pack and
/// the accumulator values before it. `deltas` are the accumulator changes to apply
/// once the result is durable; `trace` is filled only when asked for.
struct Adjudication {
    std::string claim_id;
    std::string member_id;
    std::string reversal_of;  ///< set on the record of a reversal
    int plan_year = 0;
    ClaimStatus status = ClaimStatus::paid;
    Buckets buckets;
    Money deductible;  ///< 实际支付起付线: absorbed by the first in-scope layer's deductible
    std::vector<Payment> payers;
    Money patient;
    std::vector<LineResult> lines;
    std::vector<Flag> flags;
    std::vector<Delta> deltas;
    std::vector<std::string> trace;
    std::vector<std::string> hits;  ///< coverage: edits, table rows and layer segments that decided

    /// Empties every field, keeping the memory of its strings and lists, so that an
    /// adjudication can be filled again without allocating it anew.
    void reset();
};

/// The date that chooses the plan year and the pack version: the discharge date for
/// inpatient and day-surgery stays, the admission (service) date otherwise.
Date governing_date(const Claim& claim);
/// The version of `packs` that governs `claim` by its governing date; null when none
/// does, with `why` naming the date and the windows the versions cover.
const Pack* pack_for(const PackSet& packs, const Claim& claim, std::string& why);
/// The plan year `claim` belongs to under `pack` (its own plan_year when given).
int plan_year_of(const Claim& claim, const Pack& pack);

/// The rule id of a commercial denial is this prefix and its reason code
/// (`commercial-waiting-period`, ...).
inline constexpr std::string_view k_denial_prefix = "commercial-";

/// What separates the member and the policy in a policy's accumulator key (U+001D: the
/// state's encodings use U+001E and U+001F).
inline constexpr char k_policy_separator = '\x1d';
/// Sets `key` (which keeps its memory) to the accumulator key of a policy's counters:
/// the member id, U+001D, the policy id. Its groups are per policy year, under the year
/// the policy year starts in.
void assign_policy_key(std::string& key, std::string_view member_id, std::string_view policy_id);
/// The first day of the policy year of `policy` that holds `d`: the latest anniversary
/// of its start on or before `d` (a 29 February start: 1 March in other years).
Date policy_year_start(const Policy& policy, Date d);

/// One policy a claim has, with the accumulator group its counters are in.
struct HeldPolicy {
    const Policy* policy = nullptr;
    std::string key;  ///< the policy's accumulator key (assign_policy_key)
    Date year_start;  ///< of the policy year that holds the admission date
    int year = 0;     ///< year_start's year: the group's plan year
};

/// The policies a claim has: those it names when it names any (of its member), else
/// the member's policies in force on the admission date, in start-date order; and the
/// ids it names that the book lacks.
struct ClaimPolicies {
    std::vector<HeldPolicy> held;
    std::vector<std::string_view> unknown;
};
/// `claim`'s policies in `book`, found once: the ledger loads their groups, and the
/// engine pays from them. With `pack`, only those of its products.
ClaimPolicies claim_policies(const Claim& claim, const PolicyBook& book, const Pack* pack = nullptr);
/// The same into `out`, whose entries keep their memory for the next claim.
void claim_policies(ClaimPolicies& out, const Claim& claim, const PolicyBook& book, const Pack* pack = nullptr);

/// Adjudicates `claim` against `pack` with the accumulator values in `acc`.
/// Rules: 1. edits run first; a claim-level deny denies the claim, a line-level deny
/// makes the line full_self_pay; 2. lines are priced into buckets, rounding each
/// bucket half-up to the fen; 3. layers pay in pack order, then the pack's commercial
/// products for the claim's policies in `policies` (none when null); 4. patient =
/// amount − payers. Throws Error only when an invariant of DESIGN.md section 3 fails.
Adjudication adjudicate(const Claim& claim, const Pack& pack, const Accumulators& acc, bool trace = false, const ClaimPolicies* policies = nullptr);
/// The same into `out` (reset first), which keeps the memory of an earlier claim's
/// lists: a caller that settles claim after claim allocates little for each.
void adjudicate(Adjudication& out, const Claim& claim, const Pack& pack, const Accumulators& acc, bool trace = false,
                const ClaimPolicies* policies = nullptr);

}  // namespace medclaim
