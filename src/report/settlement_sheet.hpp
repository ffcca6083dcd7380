#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/accumulators.hpp"
#include "engine/adjudicate.hpp"
#include "report/adjudication_json.hpp"

namespace medclaim {

/// A human-readable settlement sheet (结算单) for one claim, with Chinese and English
/// labels: the claim, each line's buckets, each layer's deductible, segments, ratio and
/// cap with the numbers, the flags, the accumulators before and after, and the whole
/// trace. `a` must have been adjudicated with a trace, or `no_trace` says why it has none.
std::string settlement_sheet(const Claim& claim, const Adjudication& a, const PackStamp& pack, const std::vector<Counter>& before,
                             const std::vector<Counter>& after, std::string_view no_trace = {});

}  // namespace medclaim
