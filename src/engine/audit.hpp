#pragma once

#include <string>
#include <vector>

#include "engine/adjudicate.hpp"
#include "model/claim.hpp"
#include "rules/audit.hpp"

namespace medclaim {

/// What a pack's audit rules (智能审核) decide on one claim.
struct AuditOutcome {
    std::vector<Money> moved;  ///< by line index: what the rules move to full_self_pay
    bool pend = false;         ///< a rule with action `pend` fired
};

/// Runs every audit rule of `audit` on `claim` within the claim: appends a flag for
/// each finding to `flags` and fills `out` (whose `moved` is sized to the lines).
/// Rules: 1. a line's rows are found with one index look-up per key length, so a
/// claim whose codes no table names costs only those look-ups; 2. what moves to
/// full_self_pay never exceeds a line's amount, whatever several rules find;
/// 3. day-based checks read a line's service date, else the admission date of a
/// one-day visit; an undated line of a longer stay is left out of them.
/// `trace` and `hits`, when not null, receive a sentence for each finding and the
/// coverage item (`audit ID`) of each rule that fired.
void audit_claim(const Claim& claim, const Audit& audit, std::vector<Flag>& flags, AuditOutcome& out, std::vector<std::string>* trace,
                 std::vector<std::string>* hits);

}  // namespace medclaim
