#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace medclaim {

/// Every canonical input field (DESIGN.md section 4). Claim-scope fields come first,
/// then line-scope fields (`line.*`); `k_first_line_field` marks the boundary.
enum class FieldId : std::uint8_t {
    claim_id,
    plan_year,
    reversal_of,
    member_id,
    member_sex,
    member_birth_date,
    member_scheme,
    member_category,
    member_region,
    member_special,
    provider_id,
    provider_level,
    provider_region,
    provider_ownership,
    provider_ward,
    visit_care_type,
    visit_admit_date,
    visit_discharge_date,
    visit_referral,
    visit_settled_by_basic,
    visit_care_days,
    visit_department,
    visit_readmission_planned,
    ltc_disability,
    ltc_mode,
    diagnoses,
    procedures,
    policies,
    prior_fund_paid,
    prior_in_scope,
    prior_full_self_pay,
    prior_over_limit,
    prior_pre_self_pay,
    prior_deductible,
    line_no,
    line_code,
    line_name,
    line_kind,
    line_fee_category,
    line_class,
    line_qty,
    line_unit_price,
    line_amount,
    line_service_date,
    line_days_supply,
};

inline constexpr std::size_t k_field_count = static_cast<std::size_t>(FieldId::line_days_supply) + 1;
inline constexpr FieldId k_first_line_field = FieldId::line_no;
inline constexpr std::size_t k_header_field_count = static_cast<std::size_t>(k_first_line_field);
inline constexpr std::size_t k_line_field_count = k_field_count - k_header_field_count;

/// True for `line.*` fields.
constexpr bool is_line_field(FieldId f) { return f >= k_first_line_field; }
/// Index of a line field among line fields (0 for `line.line_no`).
constexpr std::size_t line_index(FieldId f) { return static_cast<std::size_t>(f) - k_header_field_count; }

/// The canonical dotted name (`member.sex`, `line.qty`).
std::string_view field_name(FieldId f);
/// The field with canonical name `name`, or nullopt.
std::optional<FieldId> find_field(std::string_view name);
/// All canonical names, in FieldId order, for suggestions.
std::span<const std::string_view> field_names();
/// True for fields every claim (or every line) must carry, whatever its care type.
constexpr bool is_always_required(FieldId f) {
    switch (f) {
        case FieldId::claim_id:
        case FieldId::member_id:
        case FieldId::member_sex:
        case FieldId::member_birth_date:
        case FieldId::member_scheme:
        case FieldId::provider_id:
        case FieldId::visit_care_type:
        case FieldId::visit_admit_date:
        case FieldId::line_code:
        case FieldId::line_qty:
        case FieldId::line_amount: return true;
        default: return false;
    }
}
/// True for list fields (`|`-separated in CSV, arrays in JSON).
constexpr bool is_list_field(FieldId f) {
    return f == FieldId::member_special || f == FieldId::diagnoses || f == FieldId::procedures || f == FieldId::policies;
}

}  // namespace medclaim
