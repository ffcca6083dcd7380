#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/adjudicate.hpp"
#include "ingest/intake.hpp"
#include "report/adjudication_json.hpp"

namespace medclaim {

/// The run summary of `adjudicate --summary FILE`: totals per status, payer, provider,
/// care type and rule, the top flags and the reconciliation line, as plain text,
/// Markdown or a self-contained HTML page with inline SVG charts.
class Summary {
public:
    enum class Format { text, markdown, html };
    /// The format for a file name: .md → Markdown, .html/.htm → HTML, anything else text.
    static Format format_for(const std::string& path);

    explicit Summary(std::string title) : title_(std::move(title)) {}
    /// Counts one settled claim (a reversal counts with its negative figures).
    void add(const Claim& claim, const Adjudication& a, bool reversal);
    void set_counts(const IntakeCounts& counts) { counts_ = counts; }
    void set_state(std::string state) { state_ = std::move(state); }
    /// The policies file's reconciliation line (--policies), shown after the claims'.
    void set_policies(std::string line) { policies_ = std::move(line); }
    /// The pack versions that decided the claims, named in the summary.
    void add_pack(const PackStamp& pack) { packs_.push_back(pack); }

    std::string render(Format f) const;

private:
    struct Totals {
        std::uint64_t claims = 0;
        Money amount;
        Money paid;
    };
    struct RuleTotals {
        std::uint64_t count = 0;
        Money amount;
        std::string severity;
    };
    struct Tables;  // what every format shows, built by tables()
    Tables tables() const;
    std::string text() const;
    std::string markdown() const;
    std::string html() const;

    std::string title_;
    std::map<std::string, Totals> by_status_;
    std::map<std::string, Money> by_payer_;  // "layer (fund)"
    std::map<std::string, Totals> by_provider_;
    std::map<std::string, Totals> by_care_type_;
    std::map<std::string, RuleTotals> by_rule_;
    struct ProductTotals {
        std::uint64_t payments = 0;  // policies that paid on a claim
        Money deductible;
        Money paid;
    };
    std::map<std::string, ProductTotals> by_product_;  // commercial layers (payers with a policy)
    std::map<std::string, std::uint64_t> by_denial_;   // commercial-* flags
    // Audit rules' flags (智能审核) and the money at stake, for the review queue.
    struct AuditTotals {
        std::uint64_t count = 0;
        Money amount;
        std::string label;  // by rule: name, category and result
    };
    std::map<std::string, AuditTotals> audit_by_rule_;
    std::map<std::string, AuditTotals> audit_by_provider_;
    std::map<std::string, AuditTotals> audit_by_department_;
    Buckets buckets_;
    Money deductible_;
    Money paid_;
    Money patient_;
    std::uint64_t reversals_ = 0;
    IntakeCounts counts_;
    std::string state_;
    std::string policies_;
    std::vector<PackStamp> packs_;
};

}  // namespace medclaim
