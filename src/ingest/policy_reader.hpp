#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ingest/byte_source.hpp"
#include "model/policy.hpp"
#include "util/diagnostics.hpp"

namespace medclaim {

/// A policy record the reader refused, with what a rejects file needs.
struct RejectedPolicy {
    std::string policy_id;           ///< as read; empty when the record had none
    std::string file;
    std::uint64_t line = 0;          ///< first physical line of the record
    std::uint64_t end_line = 0;      ///< last physical line
    std::string text;                ///< the record verbatim (cut at the reader's limit)
    bool truncated = false;
    std::vector<Diagnostic> errors;  ///< the first is the reason
};

/// What reading a policies file gave.
struct PolicyRead {
    PolicyBook book;
    std::vector<RejectedPolicy> rejected;
    std::uint64_t records = 0;  ///< records read: book.size() + rejected.size()
};

/// The fields of a policy record, by canonical name.
inline constexpr std::string_view k_policy_fields[] = {"policy_id", "product", "product_version", "member_id", "start_date",
                                                       "end_date", "first_insured_date", "health_status", "conditions", "options"};

/// Reads the policies file `path` (`--policies`): CSV with a header of the canonical
/// field names, or JSON Lines with one object a line; the format is taken from the file
/// name (`.csv`; `.jsonl`, `.ndjson`, `.json`), else from the first byte that is not
/// blank. Rules: 1. `policy_id`, `product`, `member_id`, `start_date` and `end_date` are
/// required; 2. dates are `YYYY-MM-DD`, `end_date` is not before `start_date`, and
/// `first_insured_date` (default: `start_date`) not after it; 3. `health_status` is
/// `healthy` (default) or `preexisting`; 4. `conditions` and `options` are lists (CSV:
/// `|`-separated; JSON: an array of strings), conditions ICD-10 codes or prefixes;
/// 5. a policy id seen before is rejected, naming the first place; 6. an unknown column
/// or key is a warning, said once; 7. every error is printed to `sink` and the record
/// goes to `rejected`; nothing is lost: records = accepted + rejected.
/// Throws InputError when the file cannot be read.
PolicyRead read_policies(const std::string& path, DiagnosticSink& sink, Encoding encoding = Encoding::automatic);
/// `policies: N read = A accepted + R rejected`, for standard error and the summary.
std::string policy_reconciliation_line(const PolicyRead& read);

/// Appends one rejected policy record to `out` as a JSON line of the rejects file:
/// `policy_id`, then `file`, `line`, `column` and `reason` of the first error, every
/// error, and the record verbatim (`text`, or `text_base64` when not UTF-8).
void append_policy_reject_json(std::string& out, const RejectedPolicy& r);

/// As read_policies, from JSON Lines held in memory that messages call `name`.
PolicyRead parse_policies_jsonl(const std::string& name, std::string_view text, DiagnosticSink& sink);

}  // namespace medclaim
