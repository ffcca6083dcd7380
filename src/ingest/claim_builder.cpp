#include "ingest/claim_builder.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "model/claim.hpp"
#include "util/text.hpp"

namespace medclaim {
namespace {

constexpr std::size_t k_max_code_bytes = 100;   // ids and codes; NHSA's longest is char 50
constexpr std::size_t k_max_name_bytes = 1000;  // free-text names
constexpr Money k_amount_tolerance = Money::from_units(1);  // |amount − qty × price| ≤ 0.01 元
constexpr int k_max_provider_level = 3;
constexpr int k_max_fee_category = 14;

std::string join(std::span<const std::string_view> names) {
    std::string out;
    for (std::string_view n : names) {
        if (!out.empty()) out += ", ";
        out += n;
    }
    return out;
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
    text = trim(text);
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

NumberSyntax number_syntax(ValueSyntax syntax) {
    switch (syntax) {
        case ValueSyntax::json_number: return NumberSyntax::json;
        case ValueSyntax::text_grouped: return NumberSyntax::grouped;
        case ValueSyntax::text: break;
    }
    return NumberSyntax::plain;
}

bool is_upper_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); }

// One ICD-10 医保版 code: letter, two digits, then optionally `.` + 1–4 of [0-9A-Z] and
// an `x` + 3-digit local extension.
std::size_t scan_icd10(std::string_view s) {
    if (s.size() < 3 || s[0] < 'A' || s[0] > 'Z' || !all_digits(s.substr(1, 2))) return 0;
    std::size_t i = 3;
    if (i < s.size() && s[i] == '.') {
        std::size_t start = ++i;
        // The first place may be the placeholder `x` (I10.x00).
        while (i < s.size() && i - start < 4 && (is_upper_alnum(s[i]) || (i == start && s[i] == 'x'))) ++i;
        if (i == start) return 0;
        if (i < s.size() && s[i] == 'x') {
            if (i + 4 > s.size() || !all_digits(s.substr(i + 1, 3))) return 0;
            i += 4;
        }
    }
    return i;
}

bool is_icd10(std::string_view s) {
    std::size_t n = scan_icd10(s);
    if (n == 0) return false;
    if (n == s.size()) return true;
    // Dagger/asterisk pairs such as B02.305+H22.0.
    if (s[n] != '+' && s[n] != '*') return false;
    std::string_view rest = s.substr(n + 1);
    return scan_icd10(rest) == rest.size();
}

bool is_nhsa_item_code(std::string_view code) {
    switch (code.empty() ? '\0' : code[0]) {
        case 'X': return code.size() == 23;
        case 'Z': return code.size() == 20;
        case 'C': return code.size() == 20 || code.size() == 27;
        default: return code.size() == 15 && all_digits(code);
    }
}

template <class E>
std::optional<E> parse_enum_field(ClaimBuilder& b, FieldId f, std::string_view text, Where where) {
    auto v = parse_enum<E>(trim(text));
    if (!v) {
        b.reject_value(f, where,
                 fmt::format("`{}`: `{}` is not one of {}", field_name(f), quote_excerpt(text), join(enum_spellings<E>())));
    }
    return v;
}

}  // namespace

void ClaimBuilder::begin(Claim& claim) {
    claim_ = &claim;
    claim.reset();
    header_seen_.reset();
    header_bad_.reset();
    line_meta_.clear();
    problems_.clear();
    error_count_ = 0;
    unreadable_ = false;
}

void ClaimBuilder::report(Severity severity, std::optional<FieldId> field, Where where, std::string message, bool once) {
    if (severity == Severity::error && ++error_count_ > k_max_errors) {
        if (error_count_ == k_max_errors + 1) {
            problems_.push_back({Severity::note, std::nullopt, where,
                                 fmt::format("more than {} errors in this claim; the rest are not shown", k_max_errors)});
        }
        return;
    }
    problems_.push_back({severity, field, where, std::move(message), once});
}

void ClaimBuilder::report_unreadable(Where where, std::string message) {
    unreadable_ = true;
    report(Severity::error, std::nullopt, where, std::move(message));
}

void ClaimBuilder::fail(FieldId field, Where where, std::string message) {
    // Given but unusable: not "missing", and skipped by the later rules.
    if (!is_line_field(field)) {
        header_seen_.set(static_cast<std::size_t>(field));
        header_bad_.set(static_cast<std::size_t>(field));
    } else if (!line_meta_.empty()) {
        line_meta_.back().seen.set(line_index(field));
        line_meta_.back().bad.set(line_index(field));
    }
    report(Severity::error, field, where, std::move(message));
}

void ClaimBuilder::set(FieldId field, std::string_view value, Where where, ValueSyntax syntax) {
    if (trim(value).empty()) return;
    if (is_line_field(field)) {
        set_line(field, value, where, syntax);
    } else {
        set_header(field, value, where, syntax);
    }
}

void ClaimBuilder::begin_line(Where where) {
    claim_->add_line();
    line_meta_.emplace_back();
    line_meta_.back().start = where;
}

void ClaimBuilder::add_list_item(FieldId field, std::string_view item, Where where) {
    item = trim(item);
    if (item.empty()) return;
    header_seen_.set(static_cast<std::size_t>(field));
    header_where_[static_cast<std::size_t>(field)] = where;
    switch (field) {
        case FieldId::diagnoses: add_diagnosis(item, claim_->diagnoses.empty(), where); break;
        case FieldId::procedures: {
            auto at = item.find('@');
            add_procedure(item.substr(0, at), at == std::string_view::npos ? std::string_view{} : item.substr(at + 1), where);
            break;
        }
        case FieldId::policies: claim_->policies.emplace_back(item); break;
        case FieldId::member_special: claim_->member.special.emplace_back(item); break;
        default: fail(field, where, fmt::format("`{}` is not a list", field_name(field))); break;
    }
}

void ClaimBuilder::add_diagnosis(std::string_view code, bool primary, Where where) {
    header_seen_.set(static_cast<std::size_t>(FieldId::diagnoses));
    code = trim(code);
    if (code.empty() || code.size() > k_max_code_bytes) {
        fail(FieldId::diagnoses, where, fmt::format("`diagnoses`: code `{}` must have 1 to {} bytes", quote_excerpt(code), k_max_code_bytes));
        return;
    }
    // Keep the primary diagnosis first, as the model promises.
    Diagnosis d{std::string(code), primary};
    if (primary && !claim_->diagnoses.empty()) {
        if (claim_->diagnoses.front().primary) {
            fail(FieldId::diagnoses, where, fmt::format("`diagnoses`: `{}` is a second primary diagnosis", code));
            return;
        }
        claim_->diagnoses.push_back(std::move(d));
        std::rotate(claim_->diagnoses.begin(), claim_->diagnoses.end() - 1, claim_->diagnoses.end());
    } else {
        claim_->diagnoses.push_back(std::move(d));
    }
}

void ClaimBuilder::add_procedure(std::string_view code, std::string_view date, Where where) {
    header_seen_.set(static_cast<std::size_t>(FieldId::procedures));
    code = trim(code);
    Procedure p{std::string(code), std::nullopt};
    if (code.empty() || code.size() > k_max_code_bytes) {
        fail(FieldId::procedures, where, fmt::format("`procedures`: code `{}` must have 1 to {} bytes", quote_excerpt(code), k_max_code_bytes));
        return;
    }
    if (!trim(date).empty()) {
        p.date = Date::parse(date);
        if (!p.date) {
            fail(FieldId::procedures, where,
                 fmt::format("`procedures`: `{}` is not a valid date (YYYY-MM-DD, years 1900-2199)", quote_excerpt(date)));
            return;
        }
    }
    claim_->procedures.push_back(std::move(p));
}

void ClaimBuilder::set_header(FieldId field, std::string_view value, Where where, ValueSyntax syntax) {
    auto index = static_cast<std::size_t>(field);
    if (is_list_field(field)) {
        std::size_t start = 0;
        while (start <= value.size()) {
            std::size_t bar = value.find('|', start);
            if (bar == std::string_view::npos) bar = value.size();
            add_list_item(field, value.substr(start, bar - start), where);
            start = bar + 1;
        }
        return;
    }
    header_seen_.set(index);
    header_where_[index] = where;
    Claim& c = *claim_;
    std::string_view name = field_name(field);
    auto text = [&](std::string& out, std::size_t max) {
        std::string_view t = trim(value);
        if (t.size() > max) {
            fail(field, where, fmt::format("`{}` is longer than {} bytes", name, max));
            return;
        }
        out.assign(t);
    };
    auto date = [&](Date& out) {
        if (auto d = Date::parse(value)) {
            out = *d;
        } else {
            fail(field, where, fmt::format("`{}`: `{}` is not a valid date (YYYY-MM-DD, years 1900-2199)", name, quote_excerpt(value)));
        }
    };
    auto boolean = [&](bool& out) {
        std::string_view t = trim(value);
        if (t == "true" || t == "false") {
            out = t == "true";
        } else {
            fail(field, where, fmt::format("`{}`: `{}` is not `true` or `false`", name, quote_excerpt(value)));
        }
    };
    auto money = [&](Money& out) {
        DecimalParse p = parse_decimal(value, Money::k_scale, number_syntax(syntax));
        if (p.error != DecimalError::none) {
            fail(field, where, fmt::format("`{}`: `{}` {}", name, quote_excerpt(value), describe(p.error)));
            return;
        }
        if (p.units < 0) {
            fail(field, where, fmt::format("`{}`: `{}` is negative", name, quote_excerpt(value)));
            return;
        }
        out = Money::from_units(p.units);
        c.prior.present = true;
    };
    switch (field) {
        case FieldId::claim_id: text(c.claim_id, k_max_code_bytes); break;
        case FieldId::reversal_of: text(c.reversal_of, k_max_code_bytes); break;
        case FieldId::plan_year: {
            auto y = parse_integer(value);
            if (!y || *y < 1900 || *y > 2199) {
                fail(field, where, fmt::format("`plan_year`: `{}` is not a year from 1900 to 2199", quote_excerpt(value)));
            } else {
                c.plan_year = static_cast<int>(*y);
            }
            break;
        }
        case FieldId::member_id: text(c.member.id, k_max_code_bytes); break;
        case FieldId::member_sex:
            if (auto v = parse_enum_field<Sex>(*this, field, value, where)) c.member.sex = *v;
            break;
        case FieldId::member_birth_date: date(c.member.birth_date); break;
        case FieldId::member_scheme:
            if (auto v = parse_enum_field<Scheme>(*this, field, value, where)) c.member.scheme = *v;
            break;
        case FieldId::member_category: text(c.member.category, k_max_code_bytes); break;
        case FieldId::member_region: text(c.member.region, k_max_code_bytes); break;
        case FieldId::provider_id: text(c.provider.id, k_max_code_bytes); break;
        case FieldId::provider_level: {
            auto v = parse_integer(value);
            if (!v || *v < 0 || *v > k_max_provider_level) {
                fail(field, where, fmt::format("`provider.level`: `{}` is not 0, 1, 2 or 3", quote_excerpt(value)));
            } else {
                c.provider.level = static_cast<int>(*v);
            }
            break;
        }
        case FieldId::provider_region: text(c.provider.region, k_max_code_bytes); break;
        case FieldId::provider_ownership:
            if (auto v = parse_enum_field<Ownership>(*this, field, value, where)) c.provider.ownership = *v;
            break;
        case FieldId::provider_ward:
            if (auto v = parse_enum_field<Ward>(*this, field, value, where)) c.provider.ward = *v;
            break;
        case FieldId::visit_care_type:
            if (auto v = parse_enum_field<CareType>(*this, field, value, where)) c.visit.care_type = *v;
            break;
        case FieldId::visit_admit_date: date(c.visit.admit_date); break;
        case FieldId::visit_discharge_date: {
            Date d;
            date(d);
            c.visit.discharge_date = d;
            break;
        }
        case FieldId::visit_referral: boolean(c.visit.referral); break;
        case FieldId::visit_readmission_planned: boolean(c.visit.readmission_planned); break;
        case FieldId::visit_settled_by_basic: boolean(c.visit.settled_by_basic); break;
        case FieldId::visit_care_days: {
            auto v = parse_integer(value);
            if (!v || *v < 1 || *v > 366) {
                fail(field, where, fmt::format("`visit.care_days`: `{}` is not a number of days from 1 to 366", quote_excerpt(value)));
            } else {
                c.visit.care_days = static_cast<int>(*v);
            }
            break;
        }
        case FieldId::ltc_disability: text(c.ltc.disability, k_max_code_bytes); break;
        case FieldId::ltc_mode: text(c.ltc.mode, k_max_code_bytes); break;
        case FieldId::visit_department: text(c.visit.department, k_max_code_bytes); break;
        case FieldId::prior_fund_paid: money(c.prior.fund_paid); break;
        case FieldId::prior_in_scope: money(c.prior.in_scope); break;
        case FieldId::prior_full_self_pay: money(c.prior.full_self_pay); break;
        case FieldId::prior_over_limit: money(c.prior.over_limit); break;
        case FieldId::prior_pre_self_pay: money(c.prior.pre_self_pay); break;
        case FieldId::prior_deductible: money(c.prior.deductible); break;
        default: fail(field, where, fmt::format("`{}` is not a claim field", name)); break;
    }
}

void ClaimBuilder::set_line(FieldId field, std::string_view value, Where where, ValueSyntax syntax) {
    if (line_meta_.empty()) {
        fail(field, where, fmt::format("`{}` given outside a fee line", field_name(field)));
        return;
    }
    LineMeta& meta = line_meta_.back();
    std::size_t index = line_index(field);
    meta.seen.set(index);
    meta.where[index] = where;
    Line& line = claim_->lines().back();
    NumberSyntax numbers = number_syntax(syntax);
    auto decimal = [&](int scale) -> std::optional<std::int64_t> {
        DecimalParse p = parse_decimal(value, scale, numbers);
        if (p.error != DecimalError::none) {
            std::string detail = p.error == DecimalError::too_precise ? fmt::format(" ({} at most)", scale) : "";
            fail(field, where, fmt::format("`{}`: `{}` {}{}", field_name(field), quote_excerpt(value), describe(p.error), detail));
            return std::nullopt;
        }
        return p.units;
    };
    auto small_int = [&](std::int64_t lo, std::int64_t hi, std::string_view what) -> std::optional<std::int64_t> {
        auto v = parse_integer(value);
        if (!v || *v < lo || *v > hi) {
            fail(field, where, fmt::format("`{}`: `{}` is not {}", field_name(field), quote_excerpt(value), what));
            return std::nullopt;
        }
        return v;
    };
    switch (field) {
        case FieldId::line_no:
            if (auto v = small_int(1, 999'999'999, "a line number from 1")) line.line_no = static_cast<std::uint32_t>(*v);
            break;
        case FieldId::line_code:
            if (trim(value).size() > k_max_code_bytes) {
                fail(field, where, fmt::format("`line.code` is longer than {} bytes", k_max_code_bytes));
            } else {
                line.code.assign(trim(value));
            }
            break;
        case FieldId::line_name:
            if (value.size() > k_max_name_bytes) {
                fail(field, where, fmt::format("`line.name` is longer than {} bytes", k_max_name_bytes));
            } else {
                line.name.assign(trim(value));
            }
            break;
        case FieldId::line_kind:
            if (auto v = parse_enum_field<LineKind>(*this, field, value, where)) line.kind = *v;
            break;
        case FieldId::line_fee_category:
            if (auto v = small_int(1, k_max_fee_category, "an NHSA fee category from 01 to 14")) line.fee_category = static_cast<int>(*v);
            break;
        case FieldId::line_class:
            if (auto v = parse_enum_field<ItemClass>(*this, field, value, where)) line.item_class = *v;
            break;
        case FieldId::line_qty:
            if (auto v = decimal(Quantity::k_scale)) line.qty = Quantity::from_units(*v);
            break;
        case FieldId::line_unit_price:
            if (auto v = decimal(UnitPrice::k_scale)) line.unit_price = UnitPrice::from_units(*v);
            break;
        case FieldId::line_amount:
            if (auto v = decimal(Money::k_scale)) line.amount = Money::from_units(*v);
            break;
        case FieldId::line_service_date:
            if (auto d = Date::parse(value)) {
                line.service_date = *d;
            } else {
                fail(field, where, fmt::format("`line.service_date`: `{}` is not a valid date (YYYY-MM-DD, years 1900-2199)", quote_excerpt(value)));
            }
            break;
        case FieldId::line_days_supply:
            if (auto v = small_int(0, 36'500, "a whole number of days from 0")) line.days_supply = static_cast<std::int32_t>(*v);
            break;
        default: fail(field, where, fmt::format("`{}` is not a line field", field_name(field))); break;
    }
}

Where ClaimBuilder::where_of(FieldId field) const {
    return has(field) ? header_where_[static_cast<std::size_t>(field)] : claim_start_;
}

bool ClaimBuilder::finish() {
    if (unreadable_) return false;
    check_required();
    check_dates();
    check_lines();
    check_formats();
    return !has_errors();
}

void ClaimBuilder::check_required() {
    for (std::size_t i = 0; i < k_header_field_count; ++i) {
        auto f = static_cast<FieldId>(i);
        if (is_always_required(f) && !header_seen_[i]) fail(f, claim_start_, fmt::format("missing required field `{}`", field_name(f)));
    }
    const Claim& c = *claim_;
    bool stay = c.visit.care_type == CareType::inpatient || c.visit.care_type == CareType::day_surgery;
    if (has(FieldId::visit_care_type) && stay) {
        if (!c.visit.discharge_date) {
            fail(FieldId::visit_discharge_date, claim_start_,
                 fmt::format("missing `visit.discharge_date`, required for care type `{}`", to_string(c.visit.care_type)));
        }
        if (c.diagnoses.empty()) {
            fail(FieldId::diagnoses, claim_start_,
                 fmt::format("missing `diagnoses`: {} claims need a primary diagnosis", to_string(c.visit.care_type)));
        }
    }
    if (c.lines().empty()) report(Severity::error, std::nullopt, claim_start_, "claim has no fee lines");
    for (const LineMeta& meta : line_meta_) {
        for (std::size_t i = 0; i < k_line_field_count; ++i) {
            auto f = static_cast<FieldId>(k_header_field_count + i);
            if (is_always_required(f) && !meta.seen[i]) fail(f, meta.start, fmt::format("missing required field `{}`", field_name(f)));
        }
    }
}

void ClaimBuilder::check_dates() {
    const Claim& c = *claim_;
    if (!has(FieldId::visit_admit_date)) return;
    Date admit = c.visit.admit_date;
    if (has(FieldId::member_birth_date) && c.member.birth_date > admit) {
        fail(FieldId::member_birth_date, where_of(FieldId::member_birth_date),
             fmt::format("`member.birth_date` {} is after `visit.admit_date` {}", c.member.birth_date.to_string(), admit.to_string()));
    }
    if (c.visit.discharge_date && *c.visit.discharge_date < admit) {
        fail(FieldId::visit_discharge_date, where_of(FieldId::visit_discharge_date),
             fmt::format("`visit.discharge_date` {} is before `visit.admit_date` {}", c.visit.discharge_date->to_string(), admit.to_string()));
    }
    Date last = c.visit.discharge_date.value_or(admit);
    if (last < admit) return;
    for (std::size_t i = 0; i < c.lines().size(); ++i) {
        const Line& line = c.lines()[i];
        if (line.service_date && (*line.service_date < admit || *line.service_date > last)) {
            fail(FieldId::line_service_date, line_meta_[i].where[line_index(FieldId::line_service_date)],
                 fmt::format("`line.service_date` {} is outside the visit {} to {}", line.service_date->to_string(), admit.to_string(),
                             last.to_string()));
        }
    }
}

void ClaimBuilder::check_lines() {
    const Claim& c = *claim_;
    bool reversal = c.is_reversal();
    std::vector<std::pair<std::uint32_t, std::size_t>> numbers;
    numbers.reserve(c.lines().size());
    for (std::size_t i = 0; i < c.lines().size(); ++i) {
        const Line& line = c.lines()[i];
        const LineMeta& meta = line_meta_[i];
        auto where = [&](FieldId f) { return meta.seen[line_index(f)] ? meta.where[line_index(f)] : meta.start; };
        auto ok = [&](FieldId f) { return meta.seen[line_index(f)] && !meta.bad[line_index(f)]; };
        auto sign_ok = [&](std::int64_t units) { return reversal ? units <= 0 : units >= 0; };
        std::string_view expected = reversal ? "positive in a reversal (`reversal_of` is set)" : "negative";
        if (!sign_ok(line.qty.units())) {
            fail(FieldId::line_qty, where(FieldId::line_qty), fmt::format("`line.qty` {} is {}", format_decimal_trimmed(line.qty.units(), Quantity::k_scale), expected));
        }
        if (!sign_ok(line.amount.units())) {
            fail(FieldId::line_amount, where(FieldId::line_amount), fmt::format("`line.amount` {} is {}", line.amount.to_string(), expected));
        }
        if (line.unit_price && line.unit_price->units() < 0) {
            fail(FieldId::line_unit_price, where(FieldId::line_unit_price),
                 fmt::format("`line.unit_price` {} is negative", format_decimal_trimmed(line.unit_price->units(), UnitPrice::k_scale)));
        }
        if (ok(FieldId::line_unit_price) && ok(FieldId::line_qty) && ok(FieldId::line_amount)) {
            // Compare exactly at scale 10 (qty 4 + price 6 places).
            Int128 product = static_cast<Int128>(line.qty.units()) * line.unit_price->units();
            Int128 amount = static_cast<Int128>(line.amount.units()) * 100'000'000;
            Int128 diff = product > amount ? product - amount : amount - product;
            if (diff > static_cast<Int128>(k_amount_tolerance.units()) * 100'000'000) {
                fail(FieldId::line_amount, where(FieldId::line_amount),
                     fmt::format("`line.amount` {} differs from `line.qty` × `line.unit_price` = {} × {} = {} by more than {}",
                                 line.amount.to_string(), format_decimal_trimmed(line.qty.units(), Quantity::k_scale), format_decimal_trimmed(line.unit_price->units(), UnitPrice::k_scale),
                                 extend(line.qty, *line.unit_price).to_string(), k_amount_tolerance.to_string()));
            }
        }
        if (ok(FieldId::line_no)) numbers.emplace_back(line.line_no, i);
    }
    std::sort(numbers.begin(), numbers.end());
    for (std::size_t k = 1; k < numbers.size(); ++k) {
        if (numbers[k].first == numbers[k - 1].first) {
            std::size_t i = numbers[k].second;
            fail(FieldId::line_no, line_meta_[i].where[line_index(FieldId::line_no)],
                 fmt::format("duplicate `line.line_no` {} in claim `{}`", numbers[k].first, c.claim_id));
        }
    }
}

void ClaimBuilder::check_formats() {
    const Claim& c = *claim_;
    for (std::size_t i = 0; i < c.lines().size(); ++i) {
        const Line& line = c.lines()[i];
        if (!line.code.empty() && !is_nhsa_item_code(line.code)) {
            report(Severity::warning, FieldId::line_code, line_meta_[i].where[line_index(FieldId::line_code)],
                   fmt::format("`line.code` `{}` matches no NHSA code format (X+22 西药, Z+19 中成药, C+19 or C+26 耗材, 15 digits 医疗服务)",
                               quote_excerpt(line.code)));
        }
    }
    for (const Diagnosis& d : c.diagnoses) {
        if (!is_icd10(d.code)) {
            report(Severity::warning, FieldId::diagnoses, where_of(FieldId::diagnoses),
                   fmt::format("diagnosis `{}` is not an ICD-10 医保版 code (e.g. J18.900, I10.x00 or A00.000x001)", quote_excerpt(d.code)));
        }
    }
    auto region = [&](FieldId f, const std::string& value) {
        if (!value.empty() && !(value.size() == 6 && all_digits(value))) {
            report(Severity::warning, f, where_of(f), fmt::format("`{}` `{}` is not a 6-digit 行政区划 code", field_name(f), quote_excerpt(value)));
        }
    };
    region(FieldId::member_region, c.member.region);
    region(FieldId::provider_region, c.provider.region);
}

}  // namespace medclaim
