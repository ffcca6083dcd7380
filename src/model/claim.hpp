#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/date.hpp"
#include "util/fixed.hpp"

namespace medclaim {

enum class Sex { male, female };                                  // M, F
enum class Scheme { employee, resident, none };                   // 职工, 城乡居民, uninsured
enum class Ownership { publicly_owned, privately_owned };         // public, private
enum class Ward { general, vip };
enum class CareType { outpatient, emergency, inpatient, pharmacy, chronic_outpatient, day_surgery };
enum class LineKind { drug, service, material, bed, other };
enum class ItemClass { a, b, c };                                 // 甲, 乙, 丙

/// The canonical spelling of each enumeration value (as in DESIGN.md section 4).
std::string_view to_string(Sex v);
std::string_view to_string(Scheme v);
std::string_view to_string(Ownership v);
std::string_view to_string(Ward v);
std::string_view to_string(CareType v);
std::string_view to_string(LineKind v);
std::string_view to_string(ItemClass v);

/// Parses a canonical spelling; nullopt when `text` is not one.
template <class E>
std::optional<E> parse_enum(std::string_view text);
/// Every canonical spelling of E, for messages ("expected one of ...").
template <class E>
std::span<const std::string_view> enum_spellings();

struct Member {
    std::string id;
    Sex sex = Sex::male;
    Date birth_date;
    Scheme scheme = Scheme::none;
    std::string category;              ///< active, retired, child, student, ... (open list)
    std::string region;                ///< 6-digit 行政区划 of insurance
    std::vector<std::string> special;  ///< special status codes (低保, 特困, ...)
};

struct Provider {
    std::string id;
    int level = 0;  ///< 0 unrated/community, 1, 2, 3
    std::string region;
    Ownership ownership = Ownership::publicly_owned;
    Ward ward = Ward::general;
};

struct Visit {
    CareType care_type = CareType::outpatient;
    Date admit_date;
    std::optional<Date> discharge_date;
    bool referral = false;
    bool settled_by_basic = false;
    int care_days = 0;  ///< long-term care: the days of care the claim bills (0: not given)
    bool readmission_planned = false;  ///< 出院31天内再住院计划 (NHSA days_rinp_flag_31): a planned readmission
    std::string department;  ///< 科室: the discharging (else admitting) department's code or name; optional
};

/// Long-term care (长期护理) assessment of the member for the claim's period.
struct LongTermCare {
    std::string disability;  ///< disability level as the scheme names it (重度, 中度, 1, 2, ...)
    std::string mode;        ///< care mode (medical, institution, home, family, ...)
};

struct Diagnosis {
    std::string code;  ///< ICD-10 医保版
    bool primary = false;
};

struct Procedure {
    std::string code;
    std::optional<Date> date;
};

/// An already-settled basic-insurance result, for commercial-only adjudication.
struct Prior {
    bool present = false;
    Money fund_paid;
    Money in_scope;
    Money full_self_pay;
    Money over_limit;
    Money pre_self_pay;
    Money deductible;
};

/// Claim::add_line() resets a reused slot field by field: a new field is reset there too.
struct Line {
    std::uint32_t line_no = 0;
    std::string code;  ///< 医保编码
    std::string name;
    LineKind kind = LineKind::other;
    int fee_category = 0;  ///< NHSA 01–14; 0 when not given
    std::optional<ItemClass> item_class;
    Quantity qty;
    std::optional<UnitPrice> unit_price;
    Money amount;
    std::optional<Date> service_date;
    std::optional<std::int32_t> days_supply;
};

/// One claim: a header plus fee lines, as DESIGN.md section 4 defines it.
/// Lines are kept in slots that are reused by `reset()`, so that reading a stream of
/// claims allocates nothing once the largest claim has been seen.
struct Claim {
    std::string claim_id;
    std::optional<int> plan_year;
    std::string reversal_of;  ///< claim_id of the claim this one reverses; empty if none
    Member member;
    Provider provider;
    Visit visit;
    std::vector<Diagnosis> diagnoses;  ///< primary first
    std::vector<Procedure> procedures;
    std::vector<std::string> policies;
    Prior prior;
    LongTermCare ltc;

    /// The fee lines in input order.
    std::span<const Line> lines() const { return {lines_.data(), line_count_}; }
    std::span<Line> lines() { return {lines_.data(), line_count_}; }
    /// Appends a default line, reusing a previous claim's slot (and its string capacity).
    Line& add_line();
    /// Empties the claim for reuse.
    void reset();
    /// True when this claim reverses an earlier one.
    bool is_reversal() const { return !reversal_of.empty(); }

private:
    std::vector<Line> lines_;
    std::size_t line_count_ = 0;
};

}  // namespace medclaim
