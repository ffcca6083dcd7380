#include "model/claim.hpp"

#include <array>

namespace medclaim {
namespace {

constexpr std::array<std::string_view, 2> k_sex = {"M", "F"};
constexpr std::array<std::string_view, 3> k_scheme = {"employee", "resident", "none"};
constexpr std::array<std::string_view, 2> k_ownership = {"public", "private"};
constexpr std::array<std::string_view, 2> k_ward = {"general", "vip"};
constexpr std::array<std::string_view, 6> k_care_type = {"outpatient", "emergency",          "inpatient",
                                                         "pharmacy",   "chronic_outpatient", "day_surgery"};
constexpr std::array<std::string_view, 5> k_line_kind = {"drug", "service", "material", "bed", "other"};
constexpr std::array<std::string_view, 3> k_item_class = {"A", "B", "C"};

template <class E, std::size_t N>
std::optional<E> find(const std::array<std::string_view, N>& names, std::string_view text) {
    for (std::size_t i = 0; i < N; ++i) {
        if (names[i] == text) return static_cast<E>(i);
    }
    return std::nullopt;
}

}  // namespace

std::string_view to_string(Sex v) { return k_sex[static_cast<std::size_t>(v)]; }
std::string_view to_string(Scheme v) { return k_scheme[static_cast<std::size_t>(v)]; }
std::string_view to_string(Ownership v) { return k_ownership[static_cast<std::size_t>(v)]; }
std::string_view to_string(Ward v) { return k_ward[static_cast<std::size_t>(v)]; }
std::string_view to_string(CareType v) { return k_care_type[static_cast<std::size_t>(v)]; }
std::string_view to_string(LineKind v) { return k_line_kind[static_cast<std::size_t>(v)]; }
std::string_view to_string(ItemClass v) { return k_item_class[static_cast<std::size_t>(v)]; }

#define MEDCLAIM_ENUM_TABLE(E, table)                                                         \
    template <>                                                                              \
    std::optional<E> parse_enum<E>(std::string_view text) { return find<E>(table, text); }   \
    template <>                                                                              \
    std::span<const std::string_view> enum_spellings<E>() { return table; }

MEDCLAIM_ENUM_TABLE(Sex, k_sex)
MEDCLAIM_ENUM_TABLE(Scheme, k_scheme)
MEDCLAIM_ENUM_TABLE(Ownership, k_ownership)
MEDCLAIM_ENUM_TABLE(Ward, k_ward)
MEDCLAIM_ENUM_TABLE(CareType, k_care_type)
MEDCLAIM_ENUM_TABLE(LineKind, k_line_kind)
MEDCLAIM_ENUM_TABLE(ItemClass, k_item_class)
#undef MEDCLAIM_ENUM_TABLE

Line& Claim::add_line() {
    if (line_count_ == lines_.size()) lines_.emplace_back();
    Line& line = lines_[line_count_++];
    // Field by field, keeping the strings' capacity (every field of Line is here).
    line.line_no = 0;
    line.code.clear();
    line.name.clear();
    line.kind = LineKind::other;
    line.fee_category = 0;
    line.item_class.reset();
    line.qty = Quantity{};
    line.unit_price.reset();
    line.amount = Money{};
    line.service_date.reset();
    line.days_supply.reset();
    return line;
}

void Claim::reset() {
    claim_id.clear();
    plan_year.reset();
    reversal_of.clear();
    member.id.clear();
    member.sex = Sex::male;
    member.birth_date = Date{};
    member.scheme = Scheme::none;
    member.category.clear();
    member.region.clear();
    member.special.clear();
    provider.id.clear();
    provider.level = 0;
    provider.region.clear();
    provider.ownership = Ownership::publicly_owned;
    provider.ward = Ward::general;
    visit = Visit{};
    diagnoses.clear();
    procedures.clear();
    policies.clear();
    prior = Prior{};
    ltc.disability.clear();
    ltc.mode.clear();
    line_count_ = 0;
}

}  // namespace medclaim
