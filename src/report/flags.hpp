#pragma once

#include <string>

#include "engine/adjudicate.hpp"
#include "model/claim.hpp"

namespace medclaim {

/// The review queue of `adjudicate --flags FILE`: one row per flag, in input order,
/// with the claim, provider, department, line (code and service date), the rule and
/// its NHSA result fields, the amount at stake and the evidence (see man medclaim(1),
/// FLAGS). CSV or JSON Lines; either sorts by `amount` for review.
class FlagsWriter {
public:
    enum class Format { jsonl, csv };
    explicit FlagsWriter(Format format) : format_(format) {}
    /// CSV: the header row (after a UTF-8 BOM when `bom`); JSON Lines: nothing.
    std::string header(bool bom) const;
    /// Appends a row for each flag of `a`, the adjudication of `claim`.
    void append(std::string& out, const Claim& claim, const Adjudication& a) const;
    /// `.csv` names a CSV file; anything else JSON Lines.
    static Format format_for(const std::string& path);

private:
    Format format_;
};

}  // namespace medclaim
