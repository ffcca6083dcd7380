#include "engine/audit.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <optional>

#include <fmt/format.h>

namespace medclaim {

namespace {

constexpr std::int64_t k_decimal_one = 1'000'000;

// The part of `amount` that `part` of `whole` bears, rounded half up; whole > 0.
Money share(Money amount, std::int64_t part, std::int64_t whole) {
    return Money::from_units(divide_half_up(static_cast<Int128>(amount.units()) * part, whole));
}

// A quantity as people write it: 1, 0.5, 24.
std::string quantity(std::int64_t units) { return format_decimal_trimmed(units, Quantity::k_scale); }

std::string list_lines(const std::vector<std::uint32_t>& lines) {
    std::string s;
    for (std::uint32_t n : lines) s += fmt::format("{}{}", s.empty() ? "" : ", ", n);
    return s;
}

class ClaimAudit {
public:
    ClaimAudit(const Claim& claim, const Audit& audit, const Accumulators& acc, int plan_year, std::vector<Flag>& flags, AuditOutcome& out,
               std::vector<std::string>* trace, std::vector<std::string>* hits)
        : claim_(claim), audit_(audit), acc_(acc), plan_year_(plan_year), flags_(flags), out_(out), trace_(trace), hits_out_(hits), lines_(claim.lines()) {}

    void run() {
        out_.moved.clear();  // sized when a rule first moves money: most claims move none
        out_.pend = false;
        out_.history.clear();
        for (const AuditRule& r : audit_.rules) {
            if (r.check == AuditCheck::readmission) readmission(r);
        }
        for (std::uint32_t i = 0; i < lines_.size(); ++i) {
            audit_.entries.find(lines_[i].code, [&](std::uint32_t row) { hits_.push_back({i, &audit_.rows[row]}); });
        }
        if (!hits_.empty()) {
            std::stable_sort(hits_.begin(), hits_.end(), [](const Hit& a, const Hit& b) { return a.entry->rule < b.entry->rule; });
            for (std::size_t b = 0; b < hits_.size();) {
                std::size_t e = b;
                while (e < hits_.size() && hits_[e].entry->rule == hits_[b].entry->rule) ++e;
                rule(audit_.rules[hits_[b].entry->rule], std::span<const Hit>(hits_.data() + b, e - b));
                b = e;
            }
        }
        if (!out_.history.empty()) forget_old_history();
    }

private:
    struct Hit {
        std::uint32_t line;  // index into the claim's lines
        const AuditEntry* entry;
    };

    std::int64_t history(std::string_view counter, int year = 0) const { return std::max<std::int64_t>(0, acc_.get(claim_.member.id, year, counter)); }
    // A day's history counter, `prefix` then the day, built in `key` (reused: no allocation per day).
    std::int64_t history_on(std::string& key, std::size_t prefix, std::int32_t day) const {
        key.resize(prefix);
        fmt::format_to(std::back_inserter(key), "{}", day);
        return history(key);
    }
    void remember(int year, std::string counter, std::int64_t change) { out_.history.push_back({claim_.member.id, year, std::move(counter), change}); }

    // What the history holds before the windows of every cross-claim rule that ends
    // at this claim's last day is removed with the claim's own changes, so that what
    // is kept per member stays within those windows (and a reversal restores it).
    void forget_old_history() {
        std::int32_t last = (claim_.visit.discharge_date ? *claim_.visit.discharge_date : claim_.visit.admit_date).days();
        for (const Line& l : lines_) {
            if (l.service_date) last = std::max(last, l.service_date->days());
        }
        std::int64_t horizon = static_cast<std::int64_t>(last) - audit_.history_days - 1;
        for (const Counter& c : acc_.counters(claim_.member.id, 0)) {
            if (!c.name.starts_with("audit.") || c.value == 0) continue;
            std::size_t dot = c.name.rfind('.');
            std::int64_t day = 0;
            auto [p, ec] = std::from_chars(c.name.data() + dot + 1, c.name.data() + c.name.size(), day);
            if (ec != std::errc() || p != c.name.data() + c.name.size() || day >= horizon) continue;
            remember(0, c.name, -c.value);
        }
    }

    // 分解住院: an inpatient stay admitted within `window_days` of the discharge of an
    // earlier stay with the same principal diagnosis (or ICD category), unless the
    // claim says the readmission was planned. Records this stay's discharge.
    void readmission(const AuditRule& r) {
        if (claim_.visit.care_type != CareType::inpatient || claim_.diagnoses.empty() || !claim_.visit.discharge_date) return;
        std::string_view dx = claim_.diagnoses.front().code;
        if (r.by_category) dx = dx.substr(0, std::min<std::size_t>(3, dx.size()));
        std::string prefix = fmt::format("audit.stay.{}.", dx);
        std::int32_t admit = claim_.visit.admit_date.days();
        remember(0, fmt::format("{}{}", prefix, claim_.visit.discharge_date->days()), 1);
        std::string key = prefix;
        for (int k = 0; k <= r.window_days; ++k) {
            if (history_on(key, prefix.size(), admit - k) <= 0) continue;
            if (claim_.visit.readmission_planned) {
                if (trace_) trace_->push_back(fmt::format("audit {} ({}): readmitted {} days after a stay with principal diagnosis {}, planned: no flag", r.id, r.name, k, dx));
                return;
            }
            Money total;
            for (const Line& l : lines_) total += l.amount;
            flag(r, SIZE_MAX, total,
                 fmt::format("admitted {} days after a discharge with the same principal diagnosis {} (within {} days)", k, dx, r.window_days),
                 fmt::format("earlier stay discharged {} with principal diagnosis {}{}; this stay admitted {}; readmission_planned = false",
                             Date::from_days(admit - k).to_string(), dx, r.by_category ? " (ICD category)" : "", claim_.visit.admit_date.to_string()));
            return;
        }
    }

    // 超周期: a code's quantity within a rolling window of days (this claim's earlier
    // lines and the member's history) beyond its limit; records the payable quantity.
    void period(const AuditRule& r, std::span<const Hit> hits) {
        struct Seen {
            std::string_view code;
            std::int32_t day;
            std::int64_t qty;
        };
        std::vector<Seen> seen;  // this claim's payable quantity so far
        std::uint32_t done = std::numeric_limits<std::uint32_t>::max();
        for (const Hit& h : hits) {
            if (h.line == done) continue;
            done = h.line;
            const Line& l = lines_[h.line];
            const AuditEntry& e = *h.entry;
            auto day = day_of(l);
            std::int64_t qty = l.qty.units();
            if (!day || qty <= 0) continue;
            std::int64_t used = 0;
            std::string prefix = fmt::format("audit.qty.{}.", l.code);
            std::vector<std::int32_t> earlier;
            std::string key = prefix;
            for (std::int32_t d = *day - e.low + 1; d <= *day; ++d) {
                std::int64_t q = history_on(key, prefix.size(), d);
                if (q > 0) earlier.push_back(d);
                used += q;
            }
            for (const Seen& s : seen) {
                if (s.code == l.code && s.day > *day - e.low && s.day <= *day) used += s.qty;
            }
            std::int64_t excess = std::clamp<std::int64_t>(used + qty - e.number, 0, qty);
            seen.push_back({l.code, *day, qty - excess});
            if (qty - excess > 0) remember(0, fmt::format("{}{}", prefix, *day), qty - excess);
            if (excess == 0) continue;
            std::string when;
            for (std::int32_t d : earlier) when += fmt::format("{}{}", when.empty() ? "" : ", ", Date::from_days(d).to_string());
            flag(r, h.line, share(l.amount, excess, qty),
                 fmt::format("`{}` is payable {} in {} days; {} of this line's {} is beyond it", l.code, quantity(e.number), e.low, quantity(excess), l.qty.to_string()),
                 fmt::format("quantity {} in the {} days to {}{}; {}: {}", quantity(used + qty), e.low, Date::from_days(*day).to_string(),
                             when.empty() ? std::string(" (this claim)") : fmt::format(" (earlier claims on {})", when), where(e), e.text));
        }
    }

    void rule(const AuditRule& r, std::span<const Hit> hits) {
        switch (r.check) {
            case AuditCheck::sex:
            case AuditCheck::age:
            case AuditCheck::level:
            case AuditCheck::care_type:
            case AuditCheck::scheme: return restriction(r, hits);
            case AuditCheck::drug_days:
            case AuditCheck::course: return day_count(r, hits);
            case AuditCheck::per_day: return quantity_limit(r, hits, false);
            case AuditCheck::stay_days: return quantity_limit(r, hits, true);
            case AuditCheck::duplicate: return duplicate(r, hits);
            case AuditCheck::operation_group: return operation_group(r, hits);
            case AuditCheck::indication: return indication(r, hits);
            case AuditCheck::idle_stay: return idle_stay(r, hits);
            case AuditCheck::period: return period(r, hits);
            case AuditCheck::readmission: return;  // run for every claim, table or not
        }
    }

    // The day a line counts on (days since 1970): its service date, else the
    // admission date of a one-day visit; none for an undated line of a longer stay.
    std::optional<std::int32_t> day_of(const Line& l) const {
        if (l.service_date) return l.service_date->days();
        if (!claim_.visit.discharge_date || *claim_.visit.discharge_date == claim_.visit.admit_date) return claim_.visit.admit_date.days();
        return std::nullopt;
    }

    bool is_stay() const {
        return (claim_.visit.care_type == CareType::inpatient || claim_.visit.care_type == CareType::day_surgery) && claim_.visit.discharge_date.has_value();
    }

    std::string where(const AuditEntry& e) const {
        const std::string& path = audit_.sources[e.source];
        std::size_t slash = path.find_last_of('/');
        return fmt::format("{}:{}", slash == std::string::npos ? path : path.substr(slash + 1), e.line);
    }

    // Records a finding on line `index` (SIZE_MAX: the claim) with `amount` at stake.
    void flag(const AuditRule& r, std::size_t index, Money amount, std::string reason, std::string evidence, std::vector<std::uint32_t> related = {}) {
        Flag f;
        f.rule = r.id;
        f.name = r.name;
        f.category = std::string(to_string(r.category));
        f.result = std::string(to_string(r.result));
        f.action = std::string(to_string(r.action));
        f.reason = fmt::format("{}: {}", r.name, reason);
        f.evidence = std::move(evidence);
        f.related = std::move(related);
        bool moves = r.action == AuditAction::deny || r.action == AuditAction::deny_excess || r.action == AuditAction::reduce;
        if (index != SIZE_MAX) {
            const Line& l = lines_[index];
            f.line_no = l.line_no;
            if (moves) {
                if (out_.moved.empty()) out_.moved.assign(lines_.size(), Money{});
                // What several rules move together never exceeds the line.
                amount = std::min(amount, l.amount - out_.moved[index]);
                if (amount < Money{}) amount = Money{};
                out_.moved[index] += amount;
            }
            f.severity = r.action == AuditAction::pend ? EditSeverity::pend
                       : r.action == AuditAction::info ? EditSeverity::info
                       : amount == l.amount           ? EditSeverity::deny
                                                      : EditSeverity::reduce;
        } else {
            f.severity = r.action == AuditAction::pend ? EditSeverity::pend : EditSeverity::info;
        }
        if (r.action == AuditAction::pend) out_.pend = true;
        f.amount = amount;
        if (hits_out_) hits_out_->push_back("audit " + r.id);
        if (trace_) {
            trace_->push_back(fmt::format("audit {} ({}, {} {}) {}: {}; {}; {} {}", r.id, r.name, chinese(r.category), chinese(r.result),
                                          f.line_no ? fmt::format("on line {}", f.line_no) : std::string("on the claim"), f.reason, f.evidence,
                                          to_string(r.action), f.amount.to_string()));
        }
        flags_.push_back(std::move(f));
    }

    // 限性别, 限年龄, 限机构等级, 限就医方式, 限险种: the line is payable only when the
    // member, provider or visit meets the row; one finding per line however many rows.
    void restriction(const AuditRule& r, std::span<const Hit> hits) {
        std::uint32_t done = std::numeric_limits<std::uint32_t>::max();
        for (const Hit& h : hits) {
            if (h.line == done) continue;
            const AuditEntry& e = *h.entry;
            const Line& l = lines_[h.line];
            std::string reason;
            std::string evidence;
            switch (r.check) {
                case AuditCheck::sex: {
                    int sex = claim_.member.sex == Sex::female ? 1 : 0;
                    if (sex == e.number) continue;
                    reason = fmt::format("`{}` is payable for {} only", l.code, e.number == 1 ? "F 女" : "M 男");
                    evidence = fmt::format("member.sex = {}; {}: {}", to_string(claim_.member.sex), where(e), e.text);
                    break;
                }
                case AuditCheck::age: {
                    int age = age_on(claim_.member.birth_date, claim_.visit.admit_date);
                    if (age >= e.low && age <= e.high) continue;
                    reason = fmt::format("`{}` is payable from age {} to {}", l.code, e.low, e.high);
                    evidence = fmt::format("member.age = {} on {}; {}: {}", age, claim_.visit.admit_date.to_string(), where(e), e.text);
                    break;
                }
                case AuditCheck::level:
                    if (claim_.provider.level >= e.number) continue;
                    reason = fmt::format("`{}` is payable at providers of level {} and above", l.code, e.number);
                    evidence = fmt::format("provider.level = {}; {}: {}", claim_.provider.level, where(e), e.text);
                    break;
                case AuditCheck::care_type: {
                    if (e.mask & (1u << static_cast<unsigned>(claim_.visit.care_type))) continue;
                    std::string allowed;
                    for (unsigned t = 0; t < 8; ++t) {
                        if (e.mask & (1u << t)) allowed += fmt::format("{}{}", allowed.empty() ? "" : "|", to_string(static_cast<CareType>(t)));
                    }
                    reason = fmt::format("`{}` is payable for {} only", l.code, allowed);
                    evidence = fmt::format("visit.care_type = {}; {}: {}", to_string(claim_.visit.care_type), where(e), e.text);
                    break;
                }
                case AuditCheck::scheme:
                    if (e.mask & (1u << static_cast<unsigned>(claim_.member.scheme))) continue;
                    reason = fmt::format("`{}` is not payable under scheme {}", l.code, to_string(claim_.member.scheme));
                    evidence = fmt::format("member.scheme = {}; {}: {}", to_string(claim_.member.scheme), where(e), e.text);
                    break;
                default: continue;
            }
            flag(r, h.line, l.amount, std::move(reason), std::move(evidence));
            done = h.line;
        }
    }

    // 超支付疗程 and 超疗程: an item billed on more distinct days than its limit, in
    // this claim or, with `days_per: year`, in the member's plan year (the days earlier
    // claims paid count first); the lines of the days beyond it are the finding.
    void day_count(const AuditRule& r, std::span<const Hit> hits) {
        std::vector<Hit> sorted(hits.begin(), hits.end());
        std::stable_sort(sorted.begin(), sorted.end(), [](const Hit& a, const Hit& b) { return a.entry->item < b.entry->item; });
        for (std::size_t b = 0; b < sorted.size();) {
            std::size_t e = b;
            while (e < sorted.size() && sorted[e].entry->item == sorted[b].entry->item) ++e;
            const AuditEntry& row = *sorted[b].entry;
            std::vector<std::uint32_t> lines;
            std::vector<std::int32_t> days;
            for (std::size_t i = b; i < e; ++i) {
                if (std::find(lines.begin(), lines.end(), sorted[i].line) != lines.end()) continue;
                lines.push_back(sorted[i].line);
                if (auto d = day_of(lines_[sorted[i].line])) days.push_back(*d);
            }
            b = e;
            std::sort(days.begin(), days.end());
            days.erase(std::unique(days.begin(), days.end()), days.end());
            const std::string& item = audit_.items[row.item];
            std::string counter = r.days_per_year ? fmt::format("audit.days.{}", item) : std::string();
            std::int64_t earlier = r.days_per_year ? history(counter, plan_year_) : 0;
            std::int64_t payable = std::clamp<std::int64_t>(row.number - earlier, 0, static_cast<std::int64_t>(days.size()));
            if (r.days_per_year && payable > 0) remember(plan_year_, counter, payable);
            if (static_cast<std::int64_t>(days.size()) <= payable) continue;
            std::int32_t last_payable = payable > 0 ? days[static_cast<std::size_t>(payable - 1)] : std::numeric_limits<std::int32_t>::min();
            std::sort(lines.begin(), lines.end());
            for (std::uint32_t i : lines) {
                auto d = day_of(lines_[i]);
                if (!d || *d <= last_payable) continue;
                auto nth = earlier + (std::lower_bound(days.begin(), days.end(), *d) - days.begin()) + 1;
                std::vector<std::uint32_t> related;
                for (std::uint32_t j : lines) {
                    if (j != i) related.push_back(lines_[j].line_no);
                }
                std::string where_days = r.days_per_year ? fmt::format("{} days paid earlier in plan year {}; ", earlier, plan_year_) : std::string();
                flag(r, i, lines_[i].amount,
                     fmt::format("`{}` is payable on {} days{}; {} is day {}", item, row.number, r.days_per_year ? " a plan year" : "",
                                 Date::from_days(*d).to_string(), nth),
                     fmt::format("{}billed on {} days from {} to {}; {}: {}", where_days, days.size(), Date::from_days(days.front()).to_string(),
                                 Date::from_days(days.back()).to_string(), where(row), row.text),
                     std::move(related));
            }
        }
    }

    // 超频次 (per day) and 住院天数与计费不符 (over the stay): the quantity of a code
    // beyond its limit, taken from the latest lines, in proportion to their quantity.
    void quantity_limit(const AuditRule& r, std::span<const Hit> hits, bool over_stay) {
        std::int64_t stay_days = 0;
        if (over_stay) {
            if (!is_stay()) return;
            std::int32_t nights = *claim_.visit.discharge_date - claim_.visit.admit_date;
            stay_days = r.inclusive_days ? nights + 1 : std::max(1, nights);
        }
        struct Use {
            std::string_view code;
            std::int32_t day;
            std::int64_t used;
            std::int64_t limit;
            std::vector<std::uint32_t> lines;
        };
        std::vector<Use> uses;
        std::uint32_t done = std::numeric_limits<std::uint32_t>::max();
        for (const Hit& h : hits) {
            if (h.line == done) continue;  // one row per line
            done = h.line;
            const Line& l = lines_[h.line];
            const AuditEntry& e = *h.entry;
            std::int32_t day = 0;
            if (!over_stay) {
                auto d = day_of(l);
                if (!d) continue;
                day = *d;
            }
            auto it = std::find_if(uses.begin(), uses.end(), [&](const Use& u) { return u.code == l.code && u.day == day; });
            if (it == uses.end()) {
                std::int64_t limit = over_stay ? e.number * (stay_days + r.tolerance_days) : e.number;
                uses.push_back({l.code, day, 0, limit, {}});
                it = uses.end() - 1;
            }
            std::int64_t qty = l.qty.units();
            std::int64_t before = it->used;
            it->used += std::max<std::int64_t>(qty, 0);
            it->lines.push_back(l.line_no);
            if (qty <= 0 || it->used <= it->limit) continue;
            std::int64_t excess = std::min(qty, it->used - std::max(before, it->limit));
            Money amount = share(l.amount, excess, qty);
            std::string what = over_stay ? fmt::format("{} over a stay of {} days ({} a day{})", quantity(it->limit), stay_days, quantity(e.number),
                                                       r.tolerance_days ? fmt::format(", {} days' tolerance", r.tolerance_days) : std::string())
                                         : fmt::format("{} a day", quantity(e.number));
            std::vector<std::uint32_t> related(it->lines.begin(), it->lines.end() - 1);
            flag(r, h.line, amount, fmt::format("`{}` is payable up to {}; {} of this line's {} is beyond it", l.code, what, quantity(excess), l.qty.to_string()),
                 fmt::format("quantity {} {}{}; {}: {}", quantity(it->used), over_stay ? "over the stay" : "on ",
                             over_stay ? fmt::format(" (admitted {}, discharged {}, day count {})", claim_.visit.admit_date.to_string(),
                                                     claim_.visit.discharge_date->to_string(), r.inclusive_days ? "inclusive" : "nights")
                                       : Date::from_days(day).to_string(),
                             where(e), e.text),
                 std::move(related));
        }
    }

    // 重复收费: a line whose containing item is billed on the same day (or in the
    // same claim, for rows whose window is the claim).
    void duplicate(const AuditRule& r, std::span<const Hit> hits) {
        std::uint32_t done = std::numeric_limits<std::uint32_t>::max();
        for (const Hit& h : hits) {
            if (h.line == done) continue;
            const AuditEntry& e = *h.entry;
            const Line& l = lines_[h.line];
            auto day = day_of(l);
            bool whole_claim = e.low == 1;
            if (!day && !whole_claim) continue;
            std::vector<std::uint32_t> related;
            std::string_view main_code;
            for (std::uint32_t j = 0; j < lines_.size(); ++j) {
                if (j == h.line) continue;
                const Line& m = lines_[j];
                if (std::find(e.words.begin(), e.words.end(), m.code) == e.words.end()) continue;
                if (!whole_claim && day_of(m) != day) continue;
                related.push_back(m.line_no);
                main_code = m.code;
            }
            if (related.empty()) continue;
            done = h.line;
            // The texts first: the related lines move into the flag.
            std::string reason = fmt::format("`{}` is part of `{}`, billed {}", l.code, main_code, whole_claim ? "in the same claim" : "on the same day");
            std::string evidence = fmt::format("line {} `{}` on {}; line{} {} `{}`; {}: window {}", l.line_no, l.code,
                                               day ? Date::from_days(*day).to_string() : std::string("an undated day"), related.size() == 1 ? "" : "s",
                                               list_lines(related), main_code, where(e), whole_claim ? "claim" : "day");
            flag(r, h.line, l.amount, std::move(reason), std::move(evidence), std::move(related));
        }
    }

    // 主次操作: several operations of one group on one day; the one with the highest
    // amount is the main operation, each other pays `pay_ratio` of its amount.
    void operation_group(const AuditRule& r, std::span<const Hit> hits) {
        struct Op {
            std::uint32_t group;
            std::int32_t day;
            std::uint32_t line;
            const AuditEntry* entry;
        };
        std::vector<Op> ops;
        for (const Hit& h : hits) {
            auto day = day_of(lines_[h.line]);
            if (!day) continue;
            bool seen = std::any_of(ops.begin(), ops.end(), [&](const Op& o) { return o.line == h.line && o.group == h.entry->item; });
            if (!seen) ops.push_back({h.entry->item, *day, h.line, h.entry});
        }
        std::stable_sort(ops.begin(), ops.end(), [](const Op& a, const Op& b) { return a.group != b.group ? a.group < b.group : a.day < b.day; });
        for (std::size_t b = 0; b < ops.size();) {
            std::size_t e = b;
            while (e < ops.size() && ops[e].group == ops[b].group && ops[e].day == ops[b].day) ++e;
            if (e - b >= 2) {
                std::size_t main = b;
                for (std::size_t i = b + 1; i < e; ++i) {
                    if (lines_[ops[i].line].amount > lines_[ops[main].line].amount) main = i;
                }
                const Line& m = lines_[ops[main].line];
                for (std::size_t i = b; i < e; ++i) {
                    if (i == main) continue;
                    const Line& l = lines_[ops[i].line];
                    Money payable = share(l.amount, r.pay_ratio, k_decimal_one);
                    flag(r, ops[i].line, l.amount - payable,
                         fmt::format("`{}` is a secondary operation of group {} with line {} `{}`; it pays {} of its amount", l.code, audit_.items[ops[i].group],
                                     m.line_no, m.code, format_decimal_short(r.pay_ratio, 6)),
                         fmt::format("{} operations of group {} on {}; line {} has the highest amount {}; {}: {}", e - b, audit_.items[ops[i].group],
                                     Date::from_days(ops[i].day).to_string(), m.line_no, m.amount.to_string(), where(*ops[i].entry), ops[i].entry->text),
                         {m.line_no});
                }
            }
            b = e;
        }
    }

    // 诊断与用药不符: a drug whose row lists diagnosis texts none of which appears in a
    // diagnosis code of the claim or its name in the pack's dictionary.
    void indication(const AuditRule& r, std::span<const Hit> hits) {
        if (!texts_ready_) {
            for (const Diagnosis& d : claim_.diagnoses) {
                texts_.push_back(d.code);
                audit_.diagnosis_names.find(d.code, [&](const std::string& name) { texts_.push_back(name); });
            }
            texts_ready_ = true;
        }
        std::uint32_t done = std::numeric_limits<std::uint32_t>::max();
        for (const Hit& h : hits) {
            if (h.line == done) continue;
            const AuditEntry& e = *h.entry;
            bool found = std::any_of(e.words.begin(), e.words.end(), [&](const std::string& w) {
                return std::any_of(texts_.begin(), texts_.end(), [&](const std::string& t) { return t.find(w) != std::string::npos; });
            });
            if (found) continue;
            done = h.line;
            const Line& l = lines_[h.line];
            std::string diagnoses;
            for (const std::string& t : texts_) diagnoses += fmt::format("{}{}", diagnoses.empty() ? "" : "; ", t);
            flag(r, h.line, l.amount, fmt::format("`{}` is payable for {} only", l.code, e.text),
                 fmt::format("diagnoses: {}; {}: {}", diagnoses.empty() ? std::string("none given") : diagnoses, where(e), e.text));
        }
    }

    // 挂床住院 (heuristic): at least `min_days` consecutive days of a stay on which every
    // line is a stay item of the rule's table (bed, nursing, consultation).
    void idle_stay(const AuditRule& r, std::span<const Hit> hits) {
        if (!is_stay()) return;
        std::vector<bool> stay_item(lines_.size(), false);
        for (const Hit& h : hits) stay_item[h.line] = true;
        struct Day {
            std::int32_t day;
            bool idle;
        };
        std::vector<Day> days;  // days that bill anything, in order
        for (std::uint32_t i = 0; i < lines_.size(); ++i) {
            if (!lines_[i].service_date) continue;
            std::int32_t d = lines_[i].service_date->days();
            auto it = std::find_if(days.begin(), days.end(), [&](const Day& x) { return x.day == d; });
            if (it == days.end()) days.push_back({d, stay_item[i]});
            else it->idle = it->idle && stay_item[i];
        }
        std::sort(days.begin(), days.end(), [](const Day& a, const Day& b) { return a.day < b.day; });
        for (std::size_t b = 0; b < days.size();) {
            if (!days[b].idle) {
                ++b;
                continue;
            }
            std::size_t e = b + 1;
            while (e < days.size() && days[e].idle && days[e].day == days[e - 1].day + 1) ++e;
            if (static_cast<int>(e - b) >= r.min_days) {
                Money amount;
                std::vector<std::uint32_t> related;
                for (std::uint32_t i = 0; i < lines_.size(); ++i) {
                    const Line& l = lines_[i];
                    if (!l.service_date || l.service_date->days() < days[b].day || l.service_date->days() > days[e - 1].day) continue;
                    amount += l.amount;
                    related.push_back(l.line_no);
                }
                std::string evidence = fmt::format("from {} to {}: lines {}; at least {} days make a run", Date::from_days(days[b].day).to_string(),
                                                   Date::from_days(days[e - 1].day).to_string(), list_lines(related), r.min_days);
                flag(r, SIZE_MAX, amount, fmt::format("{} consecutive days bill only stay items (bed, nursing, consultation)", e - b), std::move(evidence),
                     std::move(related));
            }
            b = e;
        }
    }

    const Claim& claim_;
    const Audit& audit_;
    const Accumulators& acc_;
    int plan_year_;
    std::vector<Flag>& flags_;
    AuditOutcome& out_;
    std::vector<std::string>* trace_;
    std::vector<std::string>* hits_out_;
    std::span<const Line> lines_;
    std::vector<Hit> hits_;
    std::vector<std::string> texts_;  // indication: the claim's diagnosis codes and names
    bool texts_ready_ = false;
};

}  // namespace

void audit_claim(const Claim& claim, const Audit& audit, const Accumulators& acc, int plan_year, std::vector<Flag>& flags, AuditOutcome& out,
                 std::vector<std::string>* trace, std::vector<std::string>* hits) {
    ClaimAudit(claim, audit, acc, plan_year, flags, out, trace, hits).run();
}

}  // namespace medclaim
