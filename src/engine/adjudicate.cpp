#include "engine/adjudicate.hpp"

#include <algorithm>
#include <limits>
#include <unordered_map>

#include <fmt/format.h>

#include "util/error.hpp"

namespace medclaim {

namespace {

constexpr std::int64_t k_decimal_one = 1'000'000;  // Type::decimal units in 1

std::string yuan(Money m) { return m.to_string(); }
std::string yuan(std::int64_t fen) { return Money::from_units(fen).to_string(); }
// A decimal with trailing zeros dropped, keeping two places: 0.850000 → 0.85.
std::string trimmed(std::int64_t units, int scale) {
    std::string s = format_decimal(units, scale);
    std::size_t keep = s.find('.') + 3;
    while (s.size() > keep && s.back() == '0') s.pop_back();
    return s;
}

Money fen(std::int64_t units) { return Money::from_units(units); }

// n / d rounded half away from zero; d > 0.
std::int64_t divide_half_up(Int128 n, std::int64_t d) {
    Int128 q = (2 * (n < 0 ? -n : n) + d) / (2 * static_cast<Int128>(d));
    return static_cast<std::int64_t>(n < 0 ? -q : q);
}

class Adjudicator {
public:
    Adjudicator(const Claim& claim, const Pack& pack, const Accumulators& acc, bool trace)
        : claim_(claim), pack_(pack), acc_(acc), tracing_(trace) {
        ctx_.claim = &claim;
        if (trace) ctx_.trace = &trace_;
    }

    Adjudication run() {
        out_.claim_id = claim_.claim_id;
        out_.member_id = claim_.member.id;
        out_.plan_year = plan_year_of(claim_, pack_);
        bool inpatient = claim_.visit.care_type == CareType::inpatient;
        std::int64_t last_discharge = acc_.get(claim_.member.id, 0, "last_discharge");  // days + 1; 0: none
        if (inpatient) {
            ctx_.admission_no = ytd("admissions") + 1;
            if (last_discharge > 0) ctx_.days_since_discharge = std::max<std::int64_t>(0, claim_.visit.admit_date.days() - (last_discharge - 1));
        }
        if (tracing_) note(fmt::format("claim {}: member {}, plan year {}, governing date {}{}", claim_.claim_id, claim_.member.id, out_.plan_year,
                         governing_date(claim_).to_string(), inpatient ? fmt::format(", admission {} of the year", ctx_.admission_no) : ""));

        std::vector<bool> denied_lines(claim_.lines().size(), false);
        bool claim_denied = false;
        bool pended = false;
        bool reduced = false;
        run_edits(denied_lines, claim_denied, pended, reduced);

        for (std::size_t i = 0; i < claim_.lines().size(); ++i) out_.lines.push_back(price(claim_.lines()[i], denied_lines[i]));
        for (const LineResult& l : out_.lines) out_.buckets += l.buckets;
        if (tracing_) note(fmt::format("buckets: amount {} = full_self_pay {} + over_limit {} + pre_self_pay {} + in_scope {}", yuan(out_.buckets.amount),
                         yuan(out_.buckets.full_self_pay), yuan(out_.buckets.over_limit), yuan(out_.buckets.pre_self_pay),
                         yuan(out_.buckets.in_scope)));

        if (claim_denied) {
            out_.status = ClaimStatus::denied;
            if (tracing_) note("the claim is denied: no layer pays");
        } else {
            for (const Layer& layer : pack_.benefits) pay(layer);
            pended = pended || pack_defect_;
            bool any_line_denied = std::find(denied_lines.begin(), denied_lines.end(), true) != denied_lines.end();
            out_.status = pended ? ClaimStatus::pended : (any_line_denied || reduced || restricted_) ? ClaimStatus::partial : ClaimStatus::paid;
        }
        Money paid;
        for (const Payment& p : out_.payers) paid += p.amount;
        out_.patient = out_.buckets.amount - paid;
        if (tracing_) note(fmt::format("patient: amount {} − payers {} = {}", yuan(out_.buckets.amount), yuan(paid), yuan(out_.patient)));
        if (out_.status == ClaimStatus::paid || out_.status == ClaimStatus::partial) {
            if (inpatient) {
                delta("admissions", 1);
                std::int64_t discharged = governing_date(claim_).days() + 1;
                if (discharged > last_discharge) out_.deltas.push_back({claim_.member.id, 0, "last_discharge", discharged - last_discharge});
            }
        } else {
            out_.deltas.clear();  // denied and pended claims change no accumulator
        }
        check_invariants();
        if (tracing_) {
            out_.trace = std::move(trace_.entries);
            out_.hits = std::move(trace_.hits);
        }
        return std::move(out_);
    }

private:
    // Callers test tracing_ first, so that nothing is formatted when not tracing.
    void note(std::string text) { trace_.entries.push_back(std::move(text)); }
    void hit(std::string id) { trace_.hits.push_back(std::move(id)); }

    std::int64_t ytd(std::string_view counter) const { return acc_.get(claim_.member.id, out_.plan_year, counter); }

    void delta(const std::string& counter, std::int64_t change) {
        if (change != 0) out_.deltas.push_back({claim_.member.id, out_.plan_year, counter, change});
    }

    void fire(const Edit& e, std::uint32_t line_no, Money amount) {
        out_.flags.push_back({e.id, e.severity, e.reason, amount, line_no});
        if (tracing_) {
            hit("edit " + e.id);
            note(fmt::format("edit {} ({}) fired{}: {}", e.id, to_string(e.severity), line_no ? fmt::format(" on line {}", line_no) : "",
                             e.when.explain(ctx_)));
        }
    }

    void run_edits(std::vector<bool>& denied_lines, bool& claim_denied, bool& pended, bool& reduced) {
        for (const Edit& e : pack_.edits) {
            auto react = [&](std::size_t line_index) {
                if (e.severity == EditSeverity::deny) {
                    if (line_index == SIZE_MAX) claim_denied = true;
                    else denied_lines[line_index] = true;
                } else if (e.severity == EditSeverity::pend) {
                    pended = true;
                } else if (e.severity == EditSeverity::reduce) {
                    reduced = true;
                }
            };
            if (e.scope == Scope::claim) {
                ctx_.line = nullptr;
                if (e.when.evaluate(ctx_).truthy()) {
                    fire(e, 0, e.severity == EditSeverity::deny ? claim_amount() : Money{});
                    react(SIZE_MAX);
                }
                continue;
            }
            for (std::size_t i = 0; i < claim_.lines().size(); ++i) {
                const Line& l = claim_.lines()[i];
                ctx_.line = &l;
                if (e.when.evaluate(ctx_).truthy()) {
                    fire(e, l.line_no, e.severity == EditSeverity::deny ? l.amount : Money{});
                    react(i);
                }
            }
            ctx_.line = nullptr;
        }
    }

    Money claim_amount() const {
        Money total;
        for (const Line& l : claim_.lines()) total += l.amount;
        return total;
    }

    LineResult price(const Line& l, bool denied) {
        LineResult r;
        r.line_no = l.line_no;
        r.buckets.amount = l.amount;
        if (denied) {
            r.buckets.full_self_pay = l.amount;
            if (tracing_) note(fmt::format("line {} {}: denied by an edit, full_self_pay {}", l.line_no, l.code, yuan(l.amount)));
            return r;
        }
        Date on = l.service_date.value_or(claim_.visit.admit_date);
        const CatalogRow* row = nullptr;
        for (const Catalog* c : pack_.pricing.catalogs) {
            if ((row = c->find(l.code, on)) != nullptr) {
                r.catalog = c->name();  // a view of the pack's name: no copy per line
                break;
            }
        }
        std::optional<ItemClass> cls = row ? row->item_class : l.item_class;
        if (!pack_.pricing.catalogs.empty() && row == nullptr) {
            r.buckets.full_self_pay = l.amount;
            out_.flags.push_back({"unlisted", EditSeverity::info, fmt::format("`{}` is in no catalog of the pack on {}", l.code, on.to_string()),
                                  l.amount, l.line_no});
            if (tracing_) note(fmt::format("line {} {}: in no catalog on {}, full_self_pay {}", l.line_no, l.code, on.to_string(), yuan(l.amount)));
            return r;
        }
        if (cls == ItemClass::c) {
            r.buckets.full_self_pay = l.amount;
            if (tracing_) note(fmt::format("line {} {}: class C (丙类), full_self_pay {}", l.line_no, l.code, yuan(l.amount)));
            return r;
        }
        if (row && row->restricted()) {
            if (std::string why = restriction_failure(*row); !why.empty()) {
                r.buckets.full_self_pay = l.amount;
                out_.flags.push_back({"restriction", EditSeverity::deny, why, l.amount, l.line_no});
                restricted_ = true;
                if (tracing_) note(fmt::format("line {} {}: {} (catalog {} line {}), full_self_pay {}", l.line_no, l.code, why, r.catalog, row->line, yuan(l.amount)));
                return r;
            }
        }
        // 限支付 quantity: the part of the quantity beyond what the claim may still use.
        Money amount = l.amount;
        Quantity qty = l.qty;
        if (row && row->max_qty && l.qty.units() > 0) {
            std::int64_t& used = qty_used_[l.code];
            std::int64_t payable = std::clamp<std::int64_t>(row->max_qty->units() - used, 0, l.qty.units());
            used += l.qty.units();
            if (payable < l.qty.units()) {
                Money excess = fen(divide_half_up(static_cast<Int128>(l.amount.units()) * (l.qty.units() - payable), l.qty.units()));
                r.buckets.full_self_pay = excess;
                amount = l.amount - excess;
                qty = Quantity::from_units(payable);
                std::string why = fmt::format("payable quantity per claim is {} (限支付); {} of {} is beyond it", row->max_qty->to_string(),
                                              Quantity::from_units(l.qty.units() - payable).to_string(), l.qty.to_string());
                out_.flags.push_back({"restriction", EditSeverity::reduce, why, excess, l.line_no});
                restricted_ = true;
                if (tracing_) note(fmt::format("line {} {}: {}: full_self_pay {}", l.line_no, l.code, why, yuan(excess)));
            }
        }

        // The allowed unit price: the lowest of the catalog's cap and the pack's unit caps.
        std::optional<std::int64_t> cap_units;  // UnitPrice units
        const UnitCap* cap_from = nullptr;     // the unit cap that set it; null: the catalog row
        if (row && row->price_cap) cap_units = row->price_cap->units();
        ctx_.line = &l;
        for (const UnitCap& uc : pack_.pricing.unit_caps) {
            if (!uc.when.evaluate(ctx_).truthy()) continue;
            std::int64_t units = uc.cap.evaluate(ctx_).number * (k_unit_price_one / 100);
            if (tracing_) hit("unit_cap " + uc.id);
            if (!cap_units || units < *cap_units) {
                cap_units = units;
                cap_from = &uc;
            }
            break;
        }
        ctx_.line = nullptr;
        Money allowed = amount;
        if (cap_units && qty.units() > 0 && amount.units() > 0) {
            // qty (10^-4) × unit cap (10^-6) is in 10^-10 元, i.e. 10^-8 fen.
            Money cap_total = fen(round_half_up(static_cast<Int128>(qty.units()) * *cap_units, 8));
            if (cap_total < allowed) {
                allowed = cap_total;
                r.buckets.over_limit = amount - allowed;
                if (tracing_) note(fmt::format("line {} {}: over_limit = amount {} − qty {} × cap {} ({}) = {}", l.line_no, l.code, yuan(amount),
                                 qty.to_string(), format_decimal(*cap_units, UnitPrice::k_scale),
                                                cap_from ? "unit cap " + cap_from->id : "catalog " + std::string(r.catalog), yuan(r.buckets.over_limit)));
            }
        }
        Ratio self_pay = row ? row->self_pay_ratio : Ratio{};
        r.buckets.pre_self_pay = apply_ratio(allowed, self_pay);
        r.buckets.in_scope = allowed - r.buckets.pre_self_pay;
        if (tracing_) note(fmt::format("line {} {}: class {}{}, allowed {}, pre_self_pay = {} × {} = {}, in_scope {}", l.line_no, l.code,
                         cls ? to_string(*cls) : std::string_view("?"), r.catalog.empty() ? "" : " (catalog " + std::string(r.catalog) + ")",
                         yuan(allowed), yuan(allowed), self_pay.to_string(), yuan(r.buckets.pre_self_pay), yuan(r.buckets.in_scope)));
        return r;
    }

    // Why the claim fails a catalog row's 限定支付范围, or empty when it does not.
    std::string restriction_failure(const CatalogRow& row) const {
        const Claim& c = claim_;
        if (row.sex && c.member.sex != *row.sex) return fmt::format("限{}: payable for {} only", *row.sex == Sex::female ? "女性" : "男性", to_string(*row.sex));
        int age = age_on(c.member.birth_date, c.visit.admit_date);
        if ((row.min_age && age < *row.min_age) || (row.max_age && age > *row.max_age)) {
            return fmt::format("限年龄: payable from age {} to {}, the member is {}", row.min_age.value_or(0), row.max_age.value_or(150), age);
        }
        if (row.min_level && c.provider.level < *row.min_level) {
            return fmt::format("限{}级及以上医疗机构: the provider is level {}", *row.min_level, c.provider.level);
        }
        if (!row.care_types.empty() && std::find(row.care_types.begin(), row.care_types.end(), c.visit.care_type) == row.care_types.end()) {
            std::string allowed;
            for (CareType t : row.care_types) allowed += fmt::format("{}{}", allowed.empty() ? "" : "|", to_string(t));
            return fmt::format("限就医方式: payable for {} only, not {}", allowed, to_string(c.visit.care_type));
        }
        if (!row.schemes.empty() && std::find(row.schemes.begin(), row.schemes.end(), to_string(c.member.scheme)) == row.schemes.end()) {
            return fmt::format("限险种: payable under {} only, not {}", fmt::join(row.schemes, "|"), to_string(c.member.scheme));
        }
        return {};
    }

    Money paid_so_far() const {
        Money total;
        for (const Payment& p : out_.payers) total += p.amount;
        return total;
    }

    void pay(const Layer& layer) {
        ctx_.line = nullptr;
        if (layer.when && !layer.when->evaluate(ctx_).truthy()) {
            if (tracing_) note(fmt::format("layer {}: does not apply ({})", layer.id, layer.when->explain(ctx_)));
            return;
        }
        Money base = out_.buckets.in_scope;
        if (layer.base != LayerBase::in_scope) base = base - paid_so_far();
        if (layer.base == LayerBase::burden_with_pre_self_pay) base += out_.buckets.pre_self_pay;
        if (base.units() < 0) base = Money{};

        std::int64_t start = layer.position == Period::year ? ytd(layer.position_counter) : 0;
        std::int64_t x = base.units();

        std::int64_t deductible = 0;
        if (layer.deductible) {
            std::int64_t full = std::max<std::int64_t>(0, layer.deductible->evaluate(ctx_).number);
            std::int64_t used = layer.deductible_per == Period::year ? ytd(layer.deductible_counter) : 0;
            deductible = std::min(x, std::max<std::int64_t>(0, full - used));
            if (tracing_) note(fmt::format("layer {}: base {} {}; deductible {} {}{}, absorbs {}", layer.id, to_string(layer.base), yuan(base), yuan(full),
                             layer.deductible_per == Period::year ? "per year" : "per claim",
                             layer.deductible_per == Period::year ? fmt::format(" ({} used before)", yuan(used)) : "", yuan(deductible)));
        } else {
            if (tracing_) note(fmt::format("layer {}: base {} {}; no deductible", layer.id, to_string(layer.base), yuan(base)));
        }

        // The claim's eligible cost occupies [lo, hi) of the cost position.
        std::int64_t lo = start + deductible;
        std::int64_t hi = start + x;
        Int128 exact = 0;  // fen × 10^-6
        std::int64_t seg_from = 0;
        for (std::size_t s = 0; s < layer.segments.size(); ++s) {
            const Segment& seg = layer.segments[s];
            std::int64_t seg_to = seg.upto ? seg.upto->evaluate(ctx_).number : std::numeric_limits<std::int64_t>::max();
            std::int64_t a = std::max(lo, seg_from);
            std::int64_t b = std::min(hi, seg_to);
            if (b > a) {
                if (tracing_) hit(fmt::format("layer {} segment {}", layer.id, s + 1));
                std::string range = tracing_ ? fmt::format("layer {}: segment {} [{}, {})", layer.id, s + 1, yuan(seg_from), seg.upto ? yuan(seg_to) : std::string("∞"))
                                             : std::string();
                if (seg.by_line) {
                    exact += pay_by_line(layer, s, start, a, b, range);
                } else {
                    std::int64_t ratio = checked_ratio(layer, s, seg.ratio.evaluate(ctx_).number);
                    Int128 part = static_cast<Int128>(b - a) * ratio;
                    exact += part;
                    if (tracing_) note(fmt::format("{}: {} × {} = {}", range, yuan(b - a), trimmed(ratio, k_decimal_scale), trimmed(static_cast<std::int64_t>(part / 10'000), 4)));
                }
            }
            seg_from = std::max(seg_from, seg_to);
            if (seg_from >= hi) break;
        }
        Money amount = fen(round_half_up(exact, k_decimal_scale));
        if (layer.cap && (!layer.cap_when || layer.cap_when->evaluate(ctx_).truthy())) {
            std::int64_t cap = std::max<std::int64_t>(0, layer.cap->evaluate(ctx_).number);
            std::int64_t used = layer.cap_per == Period::year ? ytd(layer.paid_counter) : 0;
            std::int64_t left = std::max<std::int64_t>(0, cap - used);
            if (amount.units() > left) {
                if (tracing_) note(fmt::format("layer {}: cap {} {} ({} paid before) limits {} to {}", layer.id, yuan(cap),
                                 layer.cap_per == Period::year ? "per year" : "per claim", yuan(used), yuan(amount), yuan(left)));
                amount = fen(left);
                if (tracing_) hit(fmt::format("layer {} cap", layer.id));
            }
        }
        if (tracing_) note(fmt::format("layer {} ({}): pays {}", layer.id, layer.fund, yuan(amount)));
        if (layer.base == LayerBase::in_scope && layer.deductible && !deductible_set_) {
            out_.deductible = fen(deductible);
            deductible_set_ = true;
        }
        out_.payers.push_back({layer.id, layer.fund, amount, base, fen(deductible)});
        delta(layer.position_counter, x);
        delta(layer.deductible_counter, deductible);
        delta(layer.paid_counter, amount.units());
    }

    // A segment's ratio held to [0, 1]; a figure outside is a pack defect that only
    // shows on some claims: never pay it unseen.
    std::int64_t checked_ratio(const Layer& layer, std::size_t s, std::int64_t written) {
        std::int64_t ratio = std::clamp<std::int64_t>(written, 0, k_decimal_one);
        if (ratio != written) {
            out_.flags.push_back({"ratio-out-of-range", EditSeverity::pend,
                                  fmt::format("layer {} segment {}: ratio {} is outside 0 to 1; held at {} and the claim pended for review",
                                              layer.id, s + 1, trimmed(written, k_decimal_scale), trimmed(ratio, k_decimal_scale)),
                                  Money{}, 0});
            pack_defect_ = true;
        }
        return ratio;
    }

    // Segment `s` by item class: the lines' in-scope amounts occupy [start, start + X)
    // in line order; each line's part of [a, b) pays the ratio evaluated on that line.
    // Returns the exact sum (fen × 10^-6). Traces runs of lines with one ratio together.
    Int128 pay_by_line(const Layer& layer, std::size_t s, std::int64_t start, std::int64_t a, std::int64_t b, const std::string& range) {
        const Segment& seg = layer.segments[s];
        Int128 exact = 0;
        std::int64_t at = start;
        struct Run {
            std::uint32_t first = 0, last = 0;
            std::int64_t cost = 0, ratio = -1;
        } run;
        auto flush = [&] {
            if (!tracing_ || run.ratio < 0) return;
            Int128 part = static_cast<Int128>(run.cost) * run.ratio;
            note(fmt::format("{}: line{} {}: {} × {} = {}", range, run.first == run.last ? "" : "s", run.first == run.last ? fmt::format("{}", run.first) : fmt::format("{}–{}", run.first, run.last),
                             yuan(run.cost), trimmed(run.ratio, k_decimal_scale), trimmed(static_cast<std::int64_t>(part / 10'000), 4)));
        };
        const auto& lines = claim_.lines();
        for (std::size_t i = 0; i < lines.size() && at < b; ++i) {
            std::int64_t v = out_.lines[i].buckets.in_scope.units();
            if (v <= 0) continue;
            std::int64_t from = std::max(a, at);
            std::int64_t to = std::min(b, at + v);
            at += v;
            if (to <= from) continue;
            ctx_.line = &lines[i];
            std::int64_t ratio = checked_ratio(layer, s, seg.ratio.evaluate(ctx_).number);
            ctx_.line = nullptr;
            exact += static_cast<Int128>(to - from) * ratio;
            if (ratio != run.ratio) {
                flush();
                run = Run{lines[i].line_no, lines[i].line_no, 0, ratio};
            }
            run.last = lines[i].line_no;
            run.cost += to - from;
        }
        flush();
        return exact;
    }

    void check_invariants() const {
        const Buckets& b = out_.buckets;
        if (b.full_self_pay + b.over_limit + b.pre_self_pay + b.in_scope != b.amount) {
            throw Error(ExitCode::internal, fmt::format("claim {}: buckets do not sum to the amount", claim_.claim_id));
        }
        if (paid_so_far() + out_.patient != b.amount) {
            throw Error(ExitCode::internal, fmt::format("claim {}: payers and patient do not sum to the amount", claim_.claim_id));
        }
    }

    static constexpr std::int64_t k_unit_price_one = 1'000'000;  // UnitPrice units in 1 元

    const Claim& claim_;
    const Pack& pack_;
    const Accumulators& acc_;
    bool tracing_;
    bool deductible_set_ = false;
    bool restricted_ = false;
    bool pack_defect_ = false;  // a layer's figure was out of range: pend the claim                                   // a line was restricted
    std::unordered_map<std::string, std::int64_t> qty_used_;  // max_qty: quantity used per code
    Trace trace_;
    EvalContext ctx_;
    Adjudication out_;
};

}  // namespace

Buckets& Buckets::operator+=(const Buckets& o) {
    amount += o.amount;
    full_self_pay += o.full_self_pay;
    over_limit += o.over_limit;
    pre_self_pay += o.pre_self_pay;
    in_scope += o.in_scope;
    return *this;
}

std::string_view to_string(ClaimStatus s) {
    switch (s) {
        case ClaimStatus::paid: return "paid";
        case ClaimStatus::partial: return "partial";
        case ClaimStatus::denied: return "denied";
        case ClaimStatus::pended: return "pended";
    }
    return "?";
}

Date governing_date(const Claim& claim) {
    bool stay = claim.visit.care_type == CareType::inpatient || claim.visit.care_type == CareType::day_surgery;
    return stay ? claim.visit.discharge_date.value_or(claim.visit.admit_date) : claim.visit.admit_date;
}

const Pack* pack_for(const PackSet& packs, const Claim& claim, std::string& why) {
    Date on = governing_date(claim);
    const Pack* pack = packs.for_date(on);
    if (pack == nullptr) {
        why = fmt::format("claim `{}`: no version of rule pack `{}` is effective on {} (the claim's governing date); the pack covers {}",
                          claim.claim_id, packs.dir, on.to_string(), packs.windows());
    }
    return pack;
}

int plan_year_of(const Claim& claim, const Pack& pack) {
    if (claim.plan_year) return *claim.plan_year;
    Date d = governing_date(claim);
    bool before_start = d.month() < pack.plan_year_month || (d.month() == pack.plan_year_month && d.day() < pack.plan_year_day);
    return before_start ? d.year() - 1 : d.year();
}

Adjudication adjudicate(const Claim& claim, const Pack& pack, const Accumulators& acc, bool trace) {
    return Adjudicator(claim, pack, acc, trace).run();
}

}  // namespace medclaim
