#pragma once

#include <string>
#include <vector>

#include "engine/accumulators.hpp"
#include "engine/adjudicate.hpp"
#include "model/claim.hpp"
#include "rules/audit.hpp"

namespace medclaim {

/// What a pack's audit rules (智能审核) decide on one claim.
struct AuditOutcome {
    std::vector<Money> moved;  ///< by line index: what the rules move to full_self_pay; empty when they move nothing
    bool pend = false;         ///< a rule with action `pend` fired
    /// Changes to the member's history counters: what cross-claim rules record of this
    /// claim, and the removal of what is older than their windows.
    std::vector<Delta> history;
};

/// Runs every audit rule of `audit` on `claim` within the claim: appends a flag for
/// each finding to `flags` and fills `out` (whose `moved` is sized to the lines).
/// Rules: 1. a line's rows are found with one index look-up per key length, so a
/// claim whose codes no table names costs only those look-ups; 2. what moves to
/// full_self_pay never exceeds a line's amount, whatever several rules find;
/// 3. day-based checks read a line's service date, else the admission date of a
/// one-day visit; an undated line of a longer stay is left out of them.
/// Cross-claim rules read the member's history from `acc`: counters of plan year 0
/// named `audit.qty.CODE.DAY` (period: payable quantity of a code on a day, in 10^-4)
/// and `audit.stay.DIAGNOSIS.DAY` (readmission: stays discharged on a day with that
/// principal diagnosis), DAY in days since 1970-01-01; and `audit.days.ITEM` in the
/// claim's `plan_year` (drug_days and course with `days_per: year`: payable days of an
/// item). They are counts, so applying a claim's changes and unwinding them on
/// reversal are exact.
/// `trace` and `hits`, when not null, receive a sentence for each finding and the
/// coverage item (`audit ID`) of each rule that fired.
void audit_claim(const Claim& claim, const Audit& audit, const Accumulators& acc, int plan_year, std::vector<Flag>& flags, AuditOutcome& out,
                 std::vector<std::string>* trace, std::vector<std::string>* hits);

}  // namespace medclaim
