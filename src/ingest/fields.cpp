#include "ingest/fields.hpp"

#include <array>

namespace medclaim {
namespace {

constexpr std::array<std::string_view, k_field_count> k_names = {
    "claim_id",           "plan_year",          "reversal_of",        "member.id",
    "member.sex",         "member.birth_date",  "member.scheme",      "member.category",
    "member.region",      "member.special",     "provider.id",        "provider.level",
    "provider.region",    "provider.ownership", "provider.ward",      "visit.care_type",
    "visit.admit_date",   "visit.discharge_date", "visit.referral",   "visit.settled_by_basic",
    "visit.care_days",    "visit.department",   "visit.readmission_planned", "ltc.disability",     "ltc.mode",
    "diagnoses",          "procedures",         "policies",           "prior.fund_paid",
    "prior.in_scope",     "prior.full_self_pay", "prior.over_limit",  "prior.pre_self_pay",
    "prior.deductible",   "line.line_no",       "line.code",          "line.name",
    "line.kind",          "line.fee_category",  "line.class",         "line.qty",
    "line.unit_price",    "line.amount",        "line.service_date",  "line.days_supply",
};

}  // namespace

std::string_view field_name(FieldId f) { return k_names[static_cast<std::size_t>(f)]; }

std::optional<FieldId> find_field(std::string_view name) {
    for (std::size_t i = 0; i < k_names.size(); ++i) {
        if (k_names[i] == name) return static_cast<FieldId>(i);
    }
    return std::nullopt;
}

std::span<const std::string_view> field_names() { return k_names; }

}  // namespace medclaim
