#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/fields.hpp"
#include "util/diagnostics.hpp"

namespace medclaim {

struct Claim;

/// Where a value came from, in its reader's terms: `row` is the physical record within
/// the claim (CSV) and `at` the byte offset of the value in that record.
struct Where {
    /// `at` value meaning the whole record rather than one position in it.
    static constexpr std::uint32_t k_whole_record = UINT32_MAX;
    std::uint32_t row = 0;
    std::uint32_t at = k_whole_record;
};

/// One finding about a claim; the reader turns `where` into file:line:col.
struct Problem {
    Severity severity = Severity::error;
    std::optional<FieldId> field;
    Where where;
    std::string message;
    bool once = false;  ///< said once per file however many records repeat it (an unknown key, say)
};

/// How a value was written: CSV and JSON strings are `text` (or `text_grouped` when
/// thousands separators are allowed), JSON numbers `json_number` (exponent allowed).
enum class ValueSyntax { text, text_grouped, json_number };

/// Builds one Claim from field values and validates it.
/// Rules: 1. an empty value means the field is absent; 2. every bad value is recorded as
/// a Problem naming the field and quoting the value, and building goes on so that one
/// pass reports every problem of the claim (at most `k_max_errors` are kept);
/// 3. `finish()` applies the claim-level rules (required fields, dates, amounts, line
/// numbers) and adds code-format warnings.
class ClaimBuilder {
public:
    static constexpr std::size_t k_max_errors = 20;

    /// Starts a new claim in `claim` (which is reset).
    void begin(Claim& claim);
    /// Sets a scalar or `|`-separated list field from its text.
    void set(FieldId field, std::string_view value, Where where, ValueSyntax syntax = ValueSyntax::text);
    /// Starts a fee line; following `line.*` values go to it.
    void begin_line(Where where);
    /// Appends one item of a list field given as a JSON array (`policies`, `member.special`).
    void add_list_item(FieldId field, std::string_view item, Where where);
    /// Appends a diagnosis given as an object or string.
    void add_diagnosis(std::string_view code, bool primary, Where where);
    /// Appends a procedure; `date` may be empty.
    void add_procedure(std::string_view code, std::string_view date, Where where);
    /// Records a problem found by the reader itself (syntax, encoding, layout).
    void report(Severity severity, std::optional<FieldId> field, Where where, std::string message, bool once = false);
    /// Records that a record of the claim could not be read at all; the claim-level
    /// rules are then skipped, since they would only repeat the damage.
    void report_unreadable(Where where, std::string message);
    /// Records an error for a value of `field` that could not be used.
    void reject_value(FieldId field, Where where, std::string message) { fail(field, where, std::move(message)); }
    /// Applies the claim-level rules. True when the claim has no errors.
    bool finish();

    bool has_errors() const { return error_count_ > 0; }
    /// True when a record of the claim could not be read at all.
    bool unreadable() const { return unreadable_; }
    std::span<const Problem> problems() const { return problems_; }
    /// True when `field` was given for the claim header and parsed.
    bool has(FieldId field) const {
        auto i = static_cast<std::size_t>(field);
        return header_seen_[i] && !header_bad_[i];
    }

private:
    struct LineMeta {
        std::bitset<k_line_field_count> seen;
        std::bitset<k_line_field_count> bad;  // given but unparseable: later rules skip it
        std::array<Where, k_line_field_count> where{};
        Where start;
    };

    void set_header(FieldId field, std::string_view value, Where where, ValueSyntax syntax);
    void set_line(FieldId field, std::string_view value, Where where, ValueSyntax syntax);
    void fail(FieldId field, Where where, std::string message);
    void check_required();
    void check_dates();
    void check_lines();
    void check_formats();
    Where where_of(FieldId field) const;

    Claim* claim_ = nullptr;
    std::bitset<k_header_field_count> header_seen_;
    std::bitset<k_header_field_count> header_bad_;
    std::array<Where, k_header_field_count> header_where_{};
    std::vector<LineMeta> line_meta_;
    std::vector<Problem> problems_;
    std::size_t error_count_ = 0;
    bool unreadable_ = false;
    Where claim_start_;
};

}  // namespace medclaim
