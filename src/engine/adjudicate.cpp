#include "engine/adjudicate.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <span>
#include <unordered_map>

#include <fmt/format.h>

#include "engine/audit.hpp"
#include "engine/residual.hpp"
#include "util/error.hpp"

namespace medclaim {

namespace {

constexpr std::int64_t k_decimal_one = 1'000'000;  // Type::decimal units in 1

std::string yuan(Money m) { return m.to_string(); }
std::string yuan(std::int64_t fen) { return Money::from_units(fen).to_string(); }
std::string trimmed(std::int64_t units, int scale) { return format_decimal_short(units, scale); }
// A decimal ratio as a percentage: 1000000 → 100%, 625000 → 62.5%.
std::string percent(std::int64_t ratio) { return format_decimal_trimmed(ratio, k_decimal_scale - 2) + "%"; }

Money fen(std::int64_t units) { return Money::from_units(units); }

// An amount a day times days, both at least 0, at most the largest amount.
std::int64_t times_days(std::int64_t per_day, std::int64_t days) {
    return static_cast<std::int64_t>(std::min<Int128>(static_cast<Int128>(per_day) * days, std::numeric_limits<std::int64_t>::max()));
}

class Adjudicator {
public:
    // Fills `out`, which must be empty (Adjudication::reset()).
    Adjudicator(const Claim& claim, const Pack& pack, const Accumulators& acc, bool trace, const ClaimPolicies* policies, Adjudication& out)
        : claim_(claim), pack_(pack), acc_(acc), tracing_(trace), policies_(policies), out_(out) {
        ctx_.claim = &claim;
        if (trace) ctx_.trace = &trace_;
    }

    void run() {
        out_.claim_id = claim_.claim_id;
        out_.member_id = claim_.member.id;
        out_.plan_year = plan_year_of(claim_, pack_);
        bool inpatient = claim_.visit.care_type == CareType::inpatient;
        std::int64_t last_discharge = acc_.get(claim_.member.id, 0, "last_discharge");  // days + 1; 0: none
        if (inpatient) {
            ctx_.admission_no = ytd("admissions") + 1;
            if (last_discharge > 0) ctx_.days_since_discharge = std::max<std::int64_t>(0, claim_.visit.admit_date.days() - (last_discharge - 1));
        } else if (last_discharge > 0 && claim_.visit.admit_date.days() >= last_discharge - 1) {
            // Other care after a stay (住院后门急诊): days from the discharge to the visit.
            ctx_.days_since_discharge = claim_.visit.admit_date.days() - (last_discharge - 1);
        }
        if (tracing_) note(fmt::format("claim {}: member {}, plan year {}, governing date {}{}", claim_.claim_id, claim_.member.id, out_.plan_year,
                         governing_date(claim_).to_string(), inpatient ? fmt::format(", admission {} of the year", ctx_.admission_no) : ""));

        std::vector<bool> denied_lines(claim_.lines().size(), false);
        bool claim_denied = false;
        bool pended = false;
        bool reduced = false;
        run_edits(denied_lines, claim_denied, pended, reduced);
        bool audited = false;  // an audit rule moved part of a line to full_self_pay
        if (!pack_.audit.empty()) {
            audit_claim(claim_, pack_.audit, acc_, out_.plan_year, out_.flags, audit_, tracing_ ? &trace_.entries : nullptr, tracing_ ? &trace_.hits : nullptr);
            pended = pended || audit_.pend;
            audited = std::any_of(audit_.moved.begin(), audit_.moved.end(), [](Money m) { return m > Money{}; });
        }

        for (std::size_t i = 0; i < claim_.lines().size(); ++i) {
            const Line& l = claim_.lines()[i];
            out_.lines.push_back(price(l, denied_lines[i] ? l.amount : audited ? audit_.moved[i] : Money{}));
        }
        for (const LineResult& l : out_.lines) out_.buckets += l.buckets;
        if (tracing_) note(fmt::format("buckets: amount {} = full_self_pay {} + over_limit {} + pre_self_pay {} + in_scope {}", yuan(out_.buckets.amount),
                         yuan(out_.buckets.full_self_pay), yuan(out_.buckets.over_limit), yuan(out_.buckets.pre_self_pay),
                         yuan(out_.buckets.in_scope)));

        if (claim_denied) {
            out_.status = ClaimStatus::denied;
            if (tracing_) note("the claim is denied: no layer pays");
        } else {
            if (claim_.prior.present) {
                pay_prior();  // the 医保 platform settled basic insurance already
            } else {
                for (const Layer& layer : pack_.benefits) pay(layer);
            }
            pay_products();
            pended = pended || pack_defect_ || policy_pended_;
            bool any_line_denied = std::find(denied_lines.begin(), denied_lines.end(), true) != denied_lines.end();
            out_.status = pended ? ClaimStatus::pended : (any_line_denied || reduced || restricted_ || audited) ? ClaimStatus::partial : ClaimStatus::paid;
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
            // What cross-claim audit rules keep of this claim, in the member's history.
            for (Delta& d : audit_.history) out_.deltas.push_back(std::move(d));
        } else {
            out_.deltas.clear();  // denied and pended claims change no accumulator
        }
        check_invariants();
        if (tracing_) {
            out_.trace = std::move(trace_.entries);
            out_.hits = std::move(trace_.hits);
        }
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

    // Prices a line into buckets; `denied` (by an edit or audit rule) is full_self_pay
    // before anything else, and the rest of the line, with its quantity in proportion,
    // is priced as a line of its own.
    LineResult price(const Line& l, Money denied) {
        LineResult r;
        r.line_no = l.line_no;
        r.buckets.amount = l.amount;
        if (denied != Money{} && denied == l.amount) {
            r.buckets.full_self_pay = l.amount;
            if (tracing_) note(fmt::format("line {} {}: denied by an edit or audit rule, full_self_pay {}", l.line_no, l.code, yuan(l.amount)));
            return r;
        }
        Money amount = l.amount;
        Quantity qty = l.qty;
        if (denied > Money{}) {
            r.buckets.full_self_pay = denied;
            amount = l.amount - denied;
            if (l.amount > Money{}) qty = Quantity::from_units(divide_half_up(static_cast<Int128>(l.qty.units()) * amount.units(), l.amount.units()));
            if (tracing_) note(fmt::format("line {} {}: audit rules move {} to full_self_pay; the other {} is priced for quantity {}", l.line_no, l.code,
                                           yuan(denied), yuan(amount), qty.to_string()));
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
        if (row && row->max_qty && qty.units() > 0) {
            std::int64_t& used = qty_used_[l.code];
            std::int64_t payable = std::clamp<std::int64_t>(row->max_qty->units() - used, 0, qty.units());
            used += qty.units();
            if (payable < qty.units()) {
                Money excess = fen(divide_half_up(static_cast<Int128>(amount.units()) * (qty.units() - payable), qty.units()));
                r.buckets.full_self_pay += excess;
                std::string why = fmt::format("payable quantity per claim is {} (限支付); {} of {} is beyond it", row->max_qty->to_string(),
                                              Quantity::from_units(qty.units() - payable).to_string(), qty.to_string());
                amount -= excess;
                qty = Quantity::from_units(payable);
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
        basic_applied_ = true;
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
        out_.payers.push_back({layer.id, layer.fund, amount, base, fen(deductible), {}, {}});
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

    // ---- Commercial products (man medclaim-rules(5), PRODUCTS) ----

    // A claim with prior.*: basic insurance was settled elsewhere. Its payment stands
    // as layer `prior`, and its buckets, when given, are the ones later layers pay from.
    void pay_prior() {
        const Prior& pr = claim_.prior;
        Money listed = pr.in_scope + pr.pre_self_pay + pr.over_limit + pr.full_self_pay;
        std::string wrong;
        if (listed.units() != 0 && listed != out_.buckets.amount) {
            wrong = fmt::format("the prior buckets sum to {}, not the claim's amount {}", yuan(listed), yuan(out_.buckets.amount));
        } else if (pr.fund_paid.units() < 0 || pr.fund_paid > out_.buckets.amount) {
            wrong = fmt::format("prior.fund_paid {} is not between 0 and the claim's amount {}", yuan(pr.fund_paid), yuan(out_.buckets.amount));
        }
        if (!wrong.empty()) {
            out_.flags.push_back({"prior-mismatch", EditSeverity::pend, wrong + ": held for review", Money{}, 0});
            policy_pended_ = true;
        }
        prior_buckets_ = listed.units() != 0 && wrong.empty();
        basic_applied_ = true;
        out_.deductible = pr.deductible;
        deductible_set_ = true;
        Money paid = wrong.empty() ? pr.fund_paid : Money{};
        if (tracing_) note(fmt::format("prior: basic insurance settled elsewhere paid {}{}", yuan(paid), prior_buckets_ ? fmt::format(" (buckets: in_scope {}, pre_self_pay {}, over_limit {}, full_self_pay {})", yuan(pr.in_scope), yuan(pr.pre_self_pay), yuan(pr.over_limit), yuan(pr.full_self_pay)) : ""));
        out_.payers.push_back({"prior", "prior", paid, prior_buckets_ ? pr.in_scope : out_.buckets.in_scope, pr.deductible, {}, {}});
    }

    // The buckets products pay from, none negative: the prior.* ones when they are used,
    // else the claim's own, indexed by CoveredBucket.
    std::array<std::int64_t, 4> covered_buckets() const {
        const Prior& pr = claim_.prior;
        std::array<std::int64_t, 4> out = prior_buckets_ ? std::array<std::int64_t, 4>{pr.in_scope.units(), pr.pre_self_pay.units(), pr.over_limit.units(),
                                                                                       pr.full_self_pay.units()}
                                                         : bucket_units(out_.buckets);
        for (std::int64_t& v : out) v = std::max<std::int64_t>(0, v);
        return out;
    }

    // What is still the patient's in each bucket once the basic layers have paid: they
    // pay from in_scope first, then from pre_self_pay.
    std::array<std::int64_t, 4> residual_after_basic() const {
        std::array<std::int64_t, 4> left = covered_buckets();
        static constexpr CoveredBucket k_basic_order[] = {CoveredBucket::in_scope, CoveredBucket::pre_self_pay};
        take(left, k_basic_order, paid_so_far().units());
        return left;
    }

    // Takes `amount` from what is left, bucket by bucket in `order`.
    static void take(std::array<std::int64_t, 4>& left, std::span<const CoveredBucket> order, std::int64_t amount) {
        for (CoveredBucket c : order) {
            std::int64_t& l = left[static_cast<std::size_t>(c)];
            std::int64_t t = std::clamp<std::int64_t>(amount, 0, l);
            l -= t;
            amount -= t;
        }
    }

    // A counter as this claim has changed it so far (two policies of one product, or a
    // deductible shared by responsibilities): the stored value plus this claim's deltas.
    std::int64_t counter(const std::string& key, int year, const std::string& name) const {
        std::int64_t v = acc_.get(key, year, name);
        for (const Delta& d : out_.deltas) {
            if (d.plan_year == year && d.counter == name && d.member_id == key) v += d.change;
        }
        return v;
    }
    void change(const std::string& key, int year, const std::string& name, std::int64_t by) {
        if (by != 0) out_.deltas.push_back({key, year, name, by});
    }

    bool any_diagnosis_under(const std::vector<std::string>& prefixes, std::string* which = nullptr) const {
        for (const Diagnosis& d : claim_.diagnoses) {
            for (const std::string& p : prefixes) {
                if (d.code.starts_with(p)) {
                    if (which) *which = d.code;
                    return true;
                }
            }
        }
        return false;
    }

    // Why the product pays nothing on this claim under `policy` (a code and a reason),
    // or nullopt when it may pay.
    std::optional<std::pair<std::string, std::string>> ineligible(const Product& product, const Policy& policy) const {
        Date admitted = claim_.visit.admit_date;
        auto clause = [](const std::string& c) { return c.empty() ? std::string() : fmt::format(" ({})", c); };
        if (!policy.covers(admitted)) {
            return std::pair{std::string("not-in-force"), fmt::format("admitted on {}, outside the policy's term {} to {}", admitted.to_string(),
                                                                      policy.start.to_string(), policy.end.to_string())};
        }
        const Exclusions& x = product.exclusions;
        std::string code;
        if (!any_diagnosis_under(product.waiting_exempt)) {
            int days = -1;
            for (const WaitingPeriod& w : product.waiting) {
                if (w.days > days && (w.diagnoses.empty() || any_diagnosis_under(w.diagnoses))) days = w.days;
            }
            std::int32_t day = admitted - policy.first_insured + 1;  // the first insured day is day 1
            if (days > 0 && day <= days) {
                return std::pair{std::string("waiting-period"), fmt::format("admitted on day {} of a {}-day waiting period from {}{}", day, days,
                                                                            policy.first_insured.to_string(), clause(product.waiting_clause))};
            }
        }
        if (x.declared_conditions && !policy.conditions().empty()) {
            for (const Diagnosis& d : claim_.diagnoses) {
                if (policy.declared(d.code)) {
                    return std::pair{std::string("preexisting"), fmt::format("diagnosis {} falls under a condition the policy declares (既往症){}", d.code, clause(x.clause))};
                }
            }
        }
        if (any_diagnosis_under(x.diagnoses, &code)) {
            return std::pair{std::string("excluded-diagnosis"), fmt::format("diagnosis {} is excluded{}", code, clause(x.clause))};
        }
        for (const Procedure& pr : claim_.procedures) {
            for (const std::string& prefix : x.procedures) {
                if (pr.code.starts_with(prefix)) {
                    return std::pair{std::string("excluded-procedure"), fmt::format("procedure {} is excluded{}", pr.code, clause(x.clause))};
                }
            }
        }
        if (std::find(x.wards.begin(), x.wards.end(), claim_.provider.ward) != x.wards.end()) {
            return std::pair{std::string("excluded-ward"), fmt::format("a {} ward is excluded (特需/VIP){}", to_string(claim_.provider.ward), clause(x.clause))};
        }
        if (x.min_provider_level && claim_.provider.level < *x.min_provider_level) {
            return std::pair{std::string("provider-level"), fmt::format("the provider is level {}; the product pays at level {} and above{}",
                                                                        claim_.provider.level, *x.min_provider_level, clause(x.clause))};
        }
        if (!x.ownership.empty() && std::find(x.ownership.begin(), x.ownership.end(), claim_.provider.ownership) == x.ownership.end()) {
            return std::pair{std::string("provider-ownership"), fmt::format("a {} provider is not covered{}", to_string(claim_.provider.ownership), clause(x.clause))};
        }
        return std::nullopt;
    }

    // The first row whose keys match; null when none does.
    template <class Row>
    static const Row* first_row(const std::vector<Row>& rows, const Policy& policy, bool basic, bool in_area) {
        for (const Row& row : rows) {
            if (row.health && *row.health != policy.health) continue;
            if (row.basic && *row.basic != basic) continue;
            if (row.in_area && *row.in_area != in_area) continue;
            return &row;
        }
        return nullptr;
    }

    // What is left of a sum insured: the policy year's payments count (`key`, `year`,
    // `year_counter`), or with a lifetime one the member's under the product.
    std::int64_t sum_insured_left(const SumInsured& si, const std::string& key, int year, const std::string& year_counter,
                                  const std::string& lifetime_counter) {
        std::int64_t amount = std::max<std::int64_t>(0, si.amount.evaluate(ctx_).number);
        std::int64_t used = si.lifetime ? counter(claim_.member.id, 0, lifetime_counter) : counter(key, year, year_counter);
        return std::max<std::int64_t>(0, amount - used);
    }

    void pay_products() {
        if (pack_.products.empty()) return;
        ctx_.line = nullptr;
        Residual left(residual_after_basic());
        bool basic = claim_.visit.settled_by_basic || basic_applied_;
        // The pooling area (统筹区) is the prefecture: the first four digits of 行政区划.
        const std::string& mr = claim_.member.region;
        const std::string& pr = claim_.provider.region;
        bool in_area = mr.size() < 4 || pr.size() < 4 || mr.compare(0, 4, pr, 0, 4) == 0;
        std::int64_t commercial_paid = 0;  // by the products before the one paying
        static const std::vector<HeldPolicy> k_none;
        const std::vector<HeldPolicy>& held = policies_ != nullptr ? policies_->held : k_none;
        for (const Product& product : pack_.products) {
            if (!product.needs_policy) {
                commercial_paid += pay_schedule(product, left);
                continue;
            }
            std::int64_t paid_by_product = 0;
            bool any = false;
            for (const HeldPolicy& h : held) {
                if (h.policy->product != product.id) continue;
                any = true;
                paid_by_product += pay_policy(product, h, left, basic, in_area, commercial_paid);
            }
            if (!any && tracing_) note(fmt::format("product {}: the claim has no policy of it", product.id));
            commercial_paid += paid_by_product;
        }
        if (policies_ != nullptr) {
            for (std::string_view id : policies_->unknown) {
                out_.flags.push_back({"policy-unknown", EditSeverity::pend, fmt::format("the claim names policy `{}`, which is not in the policies file", id), Money{}, 0});
                policy_pended_ = true;
            }
        }
    }

    // A long-term-care schedule: the first row whose `when` holds pays by days of care,
    // at most what is left of the fee and of the month's cap. Returns what it paid.
    std::int64_t pay_schedule(const Product& product, Residual& left) {
        if (product.when && !product.when->evaluate(ctx_).truthy()) {
            if (tracing_) note(fmt::format("product {}: does not apply ({})", product.id, product.when->explain(ctx_)));
            return 0;
        }
        const std::int64_t fee = left.sum();
        int days = claim_.visit.care_days;
        const ScheduleRow* row = nullptr;
        for (const ScheduleRow& r : product.schedule) {
            if (!r.when || r.when->evaluate(ctx_).truthy()) {
                row = &r;
                break;
            }
        }
        Payment payment;
        payment.layer = product.id;
        payment.fund = product.fund;
        payment.base = fen(fee);
        std::int64_t pay = 0;
        std::string how;
        if (days <= 0) {
            out_.flags.push_back({"ltc-no-care-days", EditSeverity::pend, fmt::format("product {} pays by days of care, and the claim gives no `visit.care_days`", product.id), Money{}, 0});
            policy_pended_ = true;
            how = "no visit.care_days: nothing";
        } else if (row == nullptr) {
            how = "no schedule row applies: nothing";
        } else if (row->per_day) {
            std::int64_t per_day = std::max<std::int64_t>(0, row->per_day->evaluate(ctx_).number);
            std::int64_t by_day = times_days(per_day, days);
            pay = std::min(fee, by_day);
            how = fmt::format("{} a day × {} days = {}{} (schedule row at line {})", yuan(per_day), days, yuan(by_day),
                              pay < by_day ? fmt::format(", at most the fee {}", yuan(fee)) : "", row->line);
        } else {
            std::int64_t by_ratio = round_half_up(static_cast<Int128>(fee) * *row->ratio, k_decimal_scale);
            std::int64_t daily_cap = std::max<std::int64_t>(0, row->daily_cap->evaluate(ctx_).number);
            std::int64_t cap = times_days(daily_cap, days);
            pay = std::min(by_ratio, cap);
            how = fmt::format("min(fee {} × {} = {}, {} a day × {} days = {}) = {} (schedule row at line {})", yuan(fee), percent(*row->ratio), yuan(by_ratio),
                              yuan(daily_cap), days, yuan(cap), yuan(pay), row->line);
        }
        if (product.monthly_cap && pay > 0) {
            Date on = claim_.visit.admit_date;
            std::string month = fmt::format("{}.{:04}-{:02}.paid", product.id, on.year(), on.month());
            std::int64_t cap = std::max<std::int64_t>(0, product.monthly_cap->evaluate(ctx_).number);
            std::int64_t month_left = std::max<std::int64_t>(0, cap - counter(claim_.member.id, 0, month));
            if (pay > month_left) {
                how += fmt::format("; the month's cap {} leaves {}", yuan(cap), yuan(month_left));
                pay = month_left;
            }
            change(claim_.member.id, 0, month, pay);
        }
        static constexpr CoveredBucket k_all[] = {CoveredBucket::in_scope, CoveredBucket::pre_self_pay, CoveredBucket::over_limit,
                                                  CoveredBucket::full_self_pay};
        left.take(k_all, pay);
        payment.amount = fen(pay);
        if (tracing_) {
            hit(fmt::format("product {} schedule row {}", product.id, row ? row->line : 0));
            note(fmt::format("product {} ({}): {} days of care, {} {}: {}; pays {}", product.id, product.fund, days, claim_.ltc.disability, claim_.ltc.mode, how, yuan(pay)));
        }
        out_.payers.push_back(std::move(payment));
        return pay;
    }

    // The part of a claim a responsibility pays on: the whole claim, or the lines it
    // selects, one share per item (line.code) when it has a per-item limit.
    struct Share {
        std::string_view code;              // per item: the line.code; empty otherwise
        std::vector<std::uint32_t> lines;   // by line: the indexes of its lines
        std::int64_t base = 0;              // what is still the patient's of it in the covered buckets
        std::int64_t covered = 0;           // the same before any layer paid
    };

    // The shares of a responsibility with `lines` or `per_item`: what is left of their
    // lines (see Residual), in the order of their first lines.
    std::vector<Share> shares(const Responsibility& r, Residual& left, const std::array<std::int64_t, 4>& whole) {
        if (!left.by_line()) left.attribute(out_.lines, out_.buckets);
        std::vector<Share> out;
        const auto& lines = claim_.lines();
        const std::array<std::int64_t, 4> own = bucket_units(out_.buckets);
        for (std::size_t i = 0; i < lines.size(); ++i) {
            if (r.lines) {
                ctx_.line = &lines[i];
                bool selected = r.lines->evaluate(ctx_).truthy();
                ctx_.line = nullptr;
                if (!selected) continue;
            }
            std::string_view code = r.per_item ? std::string_view(lines[i].code) : std::string_view();
            auto it = std::find_if(out.begin(), out.end(), [&](const Share& s) { return s.code == code; });
            if (it == out.end()) {
                out.push_back(Share{code, {}, 0, 0});
                it = out.end() - 1;
            }
            it->lines.push_back(static_cast<std::uint32_t>(i));
            const std::array<std::int64_t, 4> mine = bucket_units(out_.lines[i].buckets);
            for (CoveredBucket c : r.covers) {
                auto k = static_cast<std::size_t>(c);
                it->base += left.line(i, c);
                if (own[k] > 0 && mine[k] > 0) it->covered += static_cast<std::int64_t>(static_cast<Int128>(whole[k]) * mine[k] / own[k]);
            }
        }
        return out;
    }

    // A responsibility that pays a share of the bill: (base − deductible) × ratio for each
    // share, within its limits. Fills `rp`; returns what it paid.
    std::int64_t pay_share(const Product& product, const Policy& policy, const Responsibility& r, const std::string& key, int year,
                           Residual& left, const std::array<std::int64_t, 4>& whole, bool basic, bool in_area,
                           std::int64_t& offset_left, std::int64_t si_left, const std::string& si_what, ResponsibilityPayment& rp) {
        static const std::string k_deductible = "deductible";
        // The deductible: the responsibility's own, or the product's shared one.
        bool own = !r.deductible.empty();
        const AmountRow* d_row = first_row(own ? r.deductible : product.deductible, policy, basic, in_area);
        const std::string& d_counter = own ? r.deductible_counter : k_deductible;
        std::int64_t d_full = d_row ? std::max<std::int64_t>(0, d_row->amount.evaluate(ctx_).number) : 0;
        std::int64_t d_left = std::max<std::int64_t>(0, d_full - counter(key, year, d_counter));
        std::int64_t from_other = std::min(d_left, offset_left);
        offset_left -= from_other;
        d_left -= from_other;
        const RatioRow* row = first_row(r.ratio, policy, basic, in_area);
        const std::int64_t ratio = row ? row->ratio : 0;
        const bool by_lines = r.lines || r.per_item;
        Share claim_share;  // the whole claim: nothing to allocate
        std::vector<Share> line_shares;
        if (by_lines) {
            line_shares = shares(r, left, whole);
        } else {
            for (CoveredBucket c : r.covers) {
                claim_share.base += left[c];
                claim_share.covered += whole[static_cast<std::size_t>(c)];
            }
        }
        std::span<const Share> parts = by_lines ? std::span<const Share>(line_shares) : std::span<const Share>(&claim_share, 1);
        if (tracing_ && by_lines && parts.empty()) note(fmt::format("product {} policy {} responsibility {}: none of the claim's lines is one it pays for", product.id, policy.id, r.id));
        std::int64_t paid = 0;
        std::int64_t absorbed_all = 0;
        for (const Share& s : parts) {
            std::int64_t absorbed = std::min(s.base, d_left);
            d_left -= absorbed;
            absorbed_all += absorbed;
            const std::int64_t by_ratio = round_half_up(static_cast<Int128>(s.base - absorbed) * ratio, k_decimal_scale);
            std::int64_t pay = by_ratio;
            std::string limited;
            std::string item_counter;  // per item: the counter of the item's payments
            if (r.per_item) {
                // The item's limit: its amount may read the item's first line.
                ctx_.line = &claim_.lines()[s.lines.front()];
                item_counter = r.per_item->lifetime ? r.item_lifetime_prefix + std::string(s.code) + ".lifetime.paid"
                                                    : r.item_prefix + std::string(s.code) + ".paid";
                std::int64_t item_left = sum_insured_left(*r.per_item, key, year, item_counter, item_counter);
                if (pay > item_left) {
                    limited = fmt::format("; the item's {} limit {} leaves {}", r.per_item->lifetime ? "lifetime" : "policy year's",
                                          yuan(r.per_item->amount.evaluate(ctx_).number), yuan(item_left));
                    pay = item_left;
                }
                ctx_.line = nullptr;
            }
            if (pay > si_left - paid) {
                limited += fmt::format("; {} leaves {}", si_what, yuan(si_left - paid));
                pay = si_left - paid;
            }
            if (r.per_item) change(r.per_item->lifetime ? claim_.member.id : key, r.per_item->lifetime ? 0 : year, item_counter, pay);
            if (by_lines) {
                left.take_lines(s.lines, r.covers, pay);
            } else {
                left.take(r.covers, pay);  // in the order `covers` names the buckets
            }
            paid += pay;
            if (tracing_) {
                std::string what;
                if (by_lines) {
                    std::string nos;
                    for (std::uint32_t i : s.lines) nos += fmt::format("{}{}", nos.empty() ? "" : ", ", claim_.lines()[i].line_no);
                    what = s.code.empty() ? fmt::format(" lines {}", nos) : fmt::format(" item {} (line{} {})", s.code, s.lines.size() > 1 ? "s" : "", nos);
                }
                note(fmt::format("product {} policy {} responsibility {}{}{}: (covered {} − earlier layers {} − deductible {}{}) × {} = {}{}{}", product.id,
                                 policy.id, r.id, r.clause.empty() ? "" : fmt::format(" ({})", r.clause), what, yuan(s.covered), yuan(s.covered - s.base),
                                 yuan(absorbed), from_other > 0 && &s == &parts.front() ? fmt::format(", after {} of earlier commercial payouts counted toward it", yuan(from_other)) : "",
                                 percent(ratio), yuan(by_ratio),
                                 row ? fmt::format(" (ratio row at line {})", row->line) : " (no ratio row matches: 0)", limited.empty() ? "" : limited + fmt::format(": pays {}", yuan(pay))));
            }
        }
        change(key, year, d_counter, from_other + absorbed_all);
        for (const Share& s : parts) rp.base += fen(s.base);
        rp.deductible = fen(from_other + absorbed_all);
        rp.ratio = ratio;
        rp.amount = fen(paid);
        if (tracing_) {
            hit(fmt::format("product {} responsibility {}", product.id, r.id));
            if (parts.size() > 1) note(fmt::format("product {} policy {} responsibility {}: pays {}", product.id, policy.id, r.id, yuan(paid)));
        }
        return paid;
    }

    // A per-day benefit (住院津贴): per_day × (days − deductible_days), within the days
    // left of max_days in the policy year, what is still the patient's in the buckets it
    // covers and its limits. Fills `rp`; returns what it paid.
    std::int64_t pay_per_day(const Product& product, const Policy& policy, const Responsibility& r, const std::string& key, int year,
                             Residual& left, std::int64_t si_left, const std::string& si_what, ResponsibilityPayment& rp) {
        const Responsibility::PerDay& pd = *r.per_day;
        std::int64_t base = 0;
        for (CoveredBucket c : r.covers) base += left[c];
        std::int64_t per_day = std::max<std::int64_t>(0, pd.amount.evaluate(ctx_).number);
        std::int64_t days = std::max<std::int64_t>(0, pd.days->evaluate(ctx_).number);
        std::int64_t payable = std::max<std::int64_t>(0, days - pd.deductible_days);
        std::string how = fmt::format("{} days", days);
        if (pd.deductible_days > 0) how += fmt::format(" − {} deductible days", pd.deductible_days);
        if (pd.max_days) {
            std::int64_t days_left = std::max<std::int64_t>(0, *pd.max_days - counter(key, year, r.days_counter));
            if (payable > days_left) {
                how += fmt::format(", {} of the policy year's {} days left", days_left, *pd.max_days);
                payable = days_left;
            }
        }
        const std::int64_t by_day = times_days(per_day, payable);
        std::int64_t pay = by_day;
        std::string limited;
        if (pay > base) {
            limited = fmt::format("; at most what is still the patient's, {}", yuan(base));
            pay = base;
        }
        if (pay > si_left) {
            limited += fmt::format("; {} leaves {}", si_what, yuan(si_left));
            pay = si_left;
        }
        left.take(r.covers, pay);
        if (pd.max_days) change(key, year, r.days_counter, payable);
        rp.base = fen(base);
        rp.amount = fen(pay);
        rp.per_day = fen(per_day);
        rp.days = static_cast<int>(payable);
        if (tracing_) {
            hit(fmt::format("product {} responsibility {}", product.id, r.id));
            note(fmt::format("product {} policy {} responsibility {}{}: {} a day × {} payable days ({}) = {}{}{}", product.id, policy.id, r.id,
                             r.clause.empty() ? "" : fmt::format(" ({})", r.clause), yuan(per_day), payable, how, yuan(by_day), limited,
                             limited.empty() ? "" : fmt::format(": pays {}", yuan(pay))));
        }
        return pay;
    }

    // Pays one policy of `product` from what is left in `left` (which it reduces);
    // returns what it paid.
    std::int64_t pay_policy(const Product& product, const HeldPolicy& held, Residual& left, bool basic, bool in_area,
                            std::int64_t commercial_before) {
        const Policy& policy = *held.policy;
        if (auto why = ineligible(product, policy)) {
            out_.flags.push_back({std::string(k_denial_prefix) + why->first, EditSeverity::deny, fmt::format("policy {} ({}): {}", policy.id, product.id, why->second), Money{}, 0});
            restricted_ = true;
            if (tracing_) {
                hit(fmt::format("product {} {}", product.id, why->first));
                note(fmt::format("product {} policy {}: pays nothing: {}", product.id, policy.id, why->second));
            }
            return 0;
        }
        const std::string& key = held.key;
        int year = held.year;
        if (tracing_) note(fmt::format("product {} policy {}: policy year from {}, health {}, basic insurance {}, {} the pooling area", product.id, policy.id,
                                       held.year_start.to_string(), to_string(policy.health), basic ? "settled the claim" : "did not settle the claim",
                                       in_area ? "in" : "outside"));
        Payment payment;
        payment.layer = product.id;
        payment.fund = product.fund;
        payment.policy = policy.id;
        static const std::string k_paid = "paid";
        std::int64_t product_si_left = std::numeric_limits<std::int64_t>::max();
        if (product.sum_insured) product_si_left = sum_insured_left(*product.sum_insured, key, year, k_paid, product.lifetime_counter);
        std::int64_t total = 0;
        std::int64_t offset_left = product.offset_by_commercial ? commercial_before : 0;
        const std::array<std::int64_t, 4> whole = covered_buckets();
        for (const Responsibility& r : product.responsibilities) {
            if (r.when && !r.when->evaluate(ctx_).truthy()) {
                if (tracing_) note(fmt::format("product {} responsibility {}: does not apply ({})", product.id, r.id, r.when->explain(ctx_)));
                continue;
            }
            // What is left of its own sum insured and of the product's.
            std::int64_t si_left = product_si_left - total;
            std::string si_what;  // traced: the limit that binds
            if (tracing_) si_what = "the product's sum insured";
            if (r.sum_insured) {
                std::int64_t own = sum_insured_left(*r.sum_insured, key, year, r.paid_counter, r.lifetime_counter);
                if (own < si_left) {
                    si_left = own;
                    if (tracing_) si_what = fmt::format("the {} sum insured {}", r.sum_insured->lifetime ? "lifetime" : "policy year's",
                                                        yuan(r.sum_insured->amount.evaluate(ctx_).number));
                }
            }
            ResponsibilityPayment rp{r.id, {}, {}, 0, {}, std::nullopt, 0};
            std::int64_t pay = r.per_day ? pay_per_day(product, policy, r, key, year, left, si_left, si_what, rp)
                                         : pay_share(product, policy, r, key, year, left, whole, basic, in_area, offset_left, si_left, si_what, rp);
            total += pay;
            // Only the limits that exist are counted: a sum insured's use, per year or lifetime.
            if (r.sum_insured && !r.sum_insured->lifetime) change(key, year, r.paid_counter, pay);
            if (r.sum_insured && r.sum_insured->lifetime) change(claim_.member.id, 0, r.lifetime_counter, pay);
            payment.responsibilities.push_back(std::move(rp));
        }
        if (product.sum_insured && !product.sum_insured->lifetime) change(key, year, k_paid, total);
        if (product.sum_insured && product.sum_insured->lifetime) change(claim_.member.id, 0, product.lifetime_counter, total);
        payment.amount = fen(total);
        for (const ResponsibilityPayment& rp : payment.responsibilities) {
            payment.base += rp.base;
            payment.deductible += rp.deductible;
        }
        if (tracing_) note(fmt::format("product {} ({}) policy {}: pays {}", product.id, product.fund, policy.id, yuan(total)));
        out_.payers.push_back(std::move(payment));
        return total;
    }

    static constexpr std::int64_t k_unit_price_one = 1'000'000;  // UnitPrice units in 1 元

    const Claim& claim_;
    const Pack& pack_;
    const Accumulators& acc_;
    bool tracing_;
    bool deductible_set_ = false;
    bool restricted_ = false;
    AuditOutcome audit_;
    bool pack_defect_ = false;  // a layer's figure was out of range: pend the claim
    bool policy_pended_ = false;  // the claim names a policy the policies file lacks
    bool basic_applied_ = false;  // a benefit layer applied to the claim: basic insurance settled it
    bool prior_buckets_ = false;  // later layers pay from the prior.* buckets
    const ClaimPolicies* policies_;
    std::unordered_map<std::string, std::int64_t> qty_used_;  // max_qty: quantity used per code
    Trace trace_;
    EvalContext ctx_;
    Adjudication& out_;
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

void assign_policy_key(std::string& key, std::string_view member_id, std::string_view policy_id) {
    key.assign(member_id).append(1, k_policy_separator).append(policy_id);
}

Date policy_year_start(const Policy& p, Date d) {
    auto anniversary = [&](int year) {
        std::optional<Date> a = Date::from_ymd(year, p.start.month(), p.start.day());
        return a ? *a : *Date::from_ymd(year, 3, 1);
    };
    // Within a year of the start (the next anniversary is 365 or 366 days on): the
    // first policy year, without the calendar.
    if (p.start <= d && d - p.start < 365) return p.start;
    int year = std::max(p.start.year(), d.year());
    while (year > p.start.year() && anniversary(year) > d) --year;
    return anniversary(year);
}

ClaimPolicies claim_policies(const Claim& claim, const PolicyBook& book, const Pack* pack) {
    ClaimPolicies out;
    claim_policies(out, claim, book, pack);
    return out;
}

void claim_policies(ClaimPolicies& out, const Claim& claim, const PolicyBook& book, const Pack* pack) {
    // The entries of the claim before are filled again: their keys keep their memory.
    std::size_t n = 0;
    out.unknown.clear();
    auto hold = [&](const Policy& p) {
        if (pack != nullptr && std::none_of(pack->products.begin(), pack->products.end(), [&](const Product& product) { return product.id == p.product; })) {
            return;
        }
        if (n == out.held.size()) out.held.emplace_back();
        HeldPolicy& h = out.held[n++];
        h.policy = &p;
        assign_policy_key(h.key, claim.member.id, p.id);
        h.year_start = policy_year_start(p, claim.visit.admit_date);
        h.year = h.year_start.year();
    };
    if (!claim.policies.empty()) {
        for (const std::string& id : claim.policies) {
            const Policy* p = book.find(id);
            if (p == nullptr) {
                out.unknown.push_back(id);
            } else if (p->member_id == claim.member.id) {
                hold(*p);
            }
        }
    } else {
        book.for_each_covering(claim.member.id, claim.visit.admit_date, hold);
    }
    out.held.resize(n);
}

Adjudication adjudicate(const Claim& claim, const Pack& pack, const Accumulators& acc, bool trace, const ClaimPolicies* policies) {
    Adjudication out;
    Adjudicator(claim, pack, acc, trace, policies, out).run();
    return out;
}

void adjudicate(Adjudication& out, const Claim& claim, const Pack& pack, const Accumulators& acc, bool trace, const ClaimPolicies* policies) {
    out.reset();
    Adjudicator(claim, pack, acc, trace, policies, out).run();
}

void Adjudication::reset() {
    claim_id.clear();
    member_id.clear();
    reversal_of.clear();
    plan_year = 0;
    status = ClaimStatus::paid;
    buckets = {};
    deductible = {};
    payers.clear();
    patient = {};
    lines.clear();
    flags.clear();
    deltas.clear();
    trace.clear();
    hits.clear();
}

}  // namespace medclaim
