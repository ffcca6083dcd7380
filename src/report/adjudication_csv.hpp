#pragma once

#include <string>
#include <vector>

#include "engine/adjudicate.hpp"
#include "report/adjudication_json.hpp"

namespace medclaim {

/// The CSV pair of `adjudicate --format csv`: a claims file (one row per claim, one
/// `paid_LAYER` column per layer of the pack) and a lines file (one row per fee line).
/// Amounts have two decimals; flags are rule ids joined by `|`.
class AdjudicationCsv {
public:
    /// `layers`: every layer id of the pack's versions, in pack order.
    explicit AdjudicationCsv(std::vector<std::string> layers) : layers_(std::move(layers)) {}
    std::string claims_header(bool bom) const;
    std::string lines_header(bool bom) const;
    void append_claim(std::string& out, const Adjudication& a, const PackStamp& pack) const;
    void append_lines(std::string& out, const Adjudication& a) const;

private:
    std::vector<std::string> layers_;
};

/// Appends `field` as one CSV field (RFC 4180: quoted when it holds a comma, quote or
/// line break).
void append_csv_field(std::string& out, std::string_view field);

}  // namespace medclaim
