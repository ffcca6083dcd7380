#include "rules/program.hpp"

#include <algorithm>
#include <array>
#include <limits>

#include <fmt/format.h>

#include "model/claim.hpp"
#include "rules/ast.hpp"
#include "rules/catalog.hpp"
#include "rules/table.hpp"
#include "rules/grammar.hpp"
#include "util/text.hpp"

namespace medclaim {
namespace {

constexpr std::int64_t k_decimal_one = 1'000'000;  // 10^k_decimal_scale

// ---- fields ----------------------------------------------------------------------

enum class F : int {
    claim_id, plan_year, reversal_of, is_reversal, claim_amount, line_count, los_days, admission_no, days_since_discharge, is_readmission, primary_diagnosis,
    member_id, member_sex, member_birth_date, member_age, member_scheme, member_category, member_region, member_special,
    provider_id, provider_level, provider_region, provider_ownership, provider_ward,
    care_type, admit_date, discharge_date, referral, settled_by_basic, care_days, department, readmission_planned, ltc_disability, ltc_mode, diagnoses, policies,
    prior_fund_paid, prior_in_scope, prior_full_self_pay, prior_over_limit, prior_pre_self_pay, prior_deductible,
    line_no, line_code, line_name, line_kind, line_fee_category, line_class, line_qty, line_unit_price, line_amount,
    line_service_date, line_days_supply,
};

constexpr std::array<ExprField, 53> k_fields = {{
    {"claim_id", Type::string, false}, {"plan_year", Type::integer, false}, {"reversal_of", Type::string, false},
    {"claim.is_reversal", Type::boolean, false}, {"claim.amount", Type::money, false}, {"claim.line_count", Type::integer, false},
    {"claim.los_days", Type::integer, false}, {"claim.admission_no", Type::integer, false},
    {"claim.days_since_discharge", Type::integer, false}, {"claim.is_readmission", Type::boolean, false}, {"claim.primary_diagnosis", Type::string, false},
    {"member.id", Type::string, false}, {"member.sex", Type::string, false}, {"member.birth_date", Type::date, false},
    {"member.age", Type::integer, false}, {"member.scheme", Type::string, false}, {"member.category", Type::string, false},
    {"member.region", Type::string, false}, {"member.special", Type::string_list, false},
    {"provider.id", Type::string, false}, {"provider.level", Type::integer, false}, {"provider.region", Type::string, false},
    {"provider.ownership", Type::string, false}, {"provider.ward", Type::string, false},
    {"visit.care_type", Type::string, false}, {"visit.admit_date", Type::date, false}, {"visit.discharge_date", Type::date, false},
    {"visit.referral", Type::boolean, false}, {"visit.settled_by_basic", Type::boolean, false},
    {"visit.care_days", Type::integer, false}, {"visit.department", Type::string, false},
    {"visit.readmission_planned", Type::boolean, false}, {"ltc.disability", Type::string, false}, {"ltc.mode", Type::string, false},
    {"diagnoses", Type::string_list, false}, {"policies", Type::string_list, false},
    {"prior.fund_paid", Type::money, false}, {"prior.in_scope", Type::money, false}, {"prior.full_self_pay", Type::money, false},
    {"prior.over_limit", Type::money, false}, {"prior.pre_self_pay", Type::money, false}, {"prior.deductible", Type::money, false},
    {"line.line_no", Type::integer, true}, {"line.code", Type::string, true}, {"line.name", Type::string, true},
    {"line.kind", Type::string, true}, {"line.fee_category", Type::integer, true}, {"line.class", Type::string, true},
    {"line.qty", Type::decimal, true}, {"line.unit_price", Type::decimal, true}, {"line.amount", Type::money, true},
    {"line.service_date", Type::date, true}, {"line.days_supply", Type::integer, true},
}};

Date discharge_or_admit(const Claim& c) { return c.visit.discharge_date.value_or(c.visit.admit_date); }

Value read_field(F f, const EvalContext& ctx) {
    const Claim& c = *ctx.claim;
    const Line* l = ctx.line;
    switch (f) {
        case F::claim_id: return Value::of_string(c.claim_id);
        case F::plan_year: return Value::of_int(c.plan_year.value_or(c.visit.admit_date.year()));
        case F::reversal_of: return Value::of_string(c.reversal_of);
        case F::is_reversal: return Value::of_bool(c.is_reversal());
        case F::claim_amount: {
            Money total;
            for (const Line& line : c.lines()) total += line.amount;
            return Value::of_money(total);
        }
        case F::line_count: return Value::of_int(static_cast<std::int64_t>(c.lines().size()));
        case F::los_days: {
            bool stay = c.visit.care_type == CareType::inpatient || c.visit.care_type == CareType::day_surgery;
            return Value::of_int(stay ? std::max(1, discharge_or_admit(c) - c.visit.admit_date) : 0);
        }
        case F::admission_no: return Value::of_int(ctx.admission_no);
        case F::days_since_discharge: return Value::of_int(ctx.days_since_discharge);
        case F::is_readmission: return Value::of_bool(c.visit.care_type == CareType::inpatient && ctx.days_since_discharge >= 0 && ctx.days_since_discharge <= 31);
        case F::primary_diagnosis: return Value::of_string(c.diagnoses.empty() ? std::string_view{} : std::string_view(c.diagnoses.front().code));
        case F::member_id: return Value::of_string(c.member.id);
        case F::member_sex: return Value::of_string(to_string(c.member.sex));
        case F::member_birth_date: return Value::of_date(c.member.birth_date);
        case F::member_age: return Value::of_int(age_on(c.member.birth_date, c.visit.admit_date));
        case F::member_scheme: return Value::of_string(to_string(c.member.scheme));
        case F::member_category: return Value::of_string(c.member.category);
        case F::member_region: return Value::of_string(c.member.region);
        case F::provider_id: return Value::of_string(c.provider.id);
        case F::provider_level: return Value::of_int(c.provider.level);
        case F::provider_region: return Value::of_string(c.provider.region);
        case F::provider_ownership: return Value::of_string(to_string(c.provider.ownership));
        case F::provider_ward: return Value::of_string(to_string(c.provider.ward));
        case F::care_type: return Value::of_string(to_string(c.visit.care_type));
        case F::admit_date: return Value::of_date(c.visit.admit_date);
        case F::discharge_date: return Value::of_date(discharge_or_admit(c));
        case F::referral: return Value::of_bool(c.visit.referral);
        case F::settled_by_basic: return Value::of_bool(c.visit.settled_by_basic);
        case F::care_days: return Value::of_int(c.visit.care_days);
        case F::department: return Value::of_string(c.visit.department);
        case F::readmission_planned: return Value::of_bool(c.visit.readmission_planned);
        case F::ltc_disability: return Value::of_string(c.ltc.disability);
        case F::ltc_mode: return Value::of_string(c.ltc.mode);
        case F::prior_fund_paid: return Value::of_money(c.prior.fund_paid);
        case F::prior_in_scope: return Value::of_money(c.prior.in_scope);
        case F::prior_full_self_pay: return Value::of_money(c.prior.full_self_pay);
        case F::prior_over_limit: return Value::of_money(c.prior.over_limit);
        case F::prior_pre_self_pay: return Value::of_money(c.prior.pre_self_pay);
        case F::prior_deductible: return Value::of_money(c.prior.deductible);
        case F::line_no: return Value::of_int(l->line_no);
        case F::line_code: return Value::of_string(l->code);
        case F::line_name: return Value::of_string(l->name);
        case F::line_kind: return Value::of_string(to_string(l->kind));
        case F::line_fee_category: return Value::of_int(l->fee_category);
        case F::line_class: return Value::of_string(l->item_class ? to_string(*l->item_class) : std::string_view{});
        case F::line_qty: return Value::of_decimal(l->qty.units() * (k_decimal_one / 10'000));
        case F::line_unit_price: return Value::of_decimal(l->unit_price ? l->unit_price->units() : 0);
        case F::line_amount: return Value::of_money(l->amount);
        case F::line_service_date: return Value::of_date(l->service_date.value_or(c.visit.admit_date));
        case F::line_days_supply: return Value::of_int(l->days_supply.value_or(0));
        case F::member_special:
        case F::diagnoses:
        case F::policies: break;  // lists are read by list_contains / any_prefix
    }
    return {};
}

// Calls `visit(text)` for each member of a list field until it returns true.
template <class Visit>
bool any_member(F f, const Claim& c, Visit visit) {
    switch (f) {
        case F::diagnoses:
            for (const Diagnosis& d : c.diagnoses) if (visit(std::string_view(d.code))) return true;
            return false;
        case F::policies:
            for (const std::string& p : c.policies) if (visit(std::string_view(p))) return true;
            return false;
        case F::member_special:
            for (const std::string& s : c.member.special) if (visit(std::string_view(s))) return true;
            return false;
        default: return false;
    }
}

// ---- arithmetic --------------------------------------------------------------------

bool is_numeric(Type t) { return t == Type::integer || t == Type::decimal; }

// Arithmetic is done in 128 bits; a result beyond int64 clamps to the nearest bound
// (no realistic claim comes near: 9.2e16 元), so evaluation has no overflow.
std::int64_t clamp64(Int128 v) {
    constexpr Int128 k_max = std::numeric_limits<std::int64_t>::max();
    return static_cast<std::int64_t>(v > k_max ? k_max : v < -k_max ? -k_max : v);
}

// A number as decimal units.
std::int64_t as_decimal(const Value& v) { return v.type == Type::integer ? clamp64(static_cast<Int128>(v.number) * k_decimal_one) : v.number; }

// Date arithmetic stays within the years dates can be read in.
std::int64_t clamp_date(Int128 days) {
    static const std::int64_t k_first = Date::from_ymd(1900, 1, 1)->days();
    static const std::int64_t k_last = Date::from_ymd(2199, 12, 31)->days();
    return static_cast<std::int64_t>(days < k_first ? k_first : days > k_last ? k_last : days);
}

// A number as decimal units.

// Compares two values of compatible types: <0, 0, >0.
int compare(const Value& a, const Value& b) {
    if (a.type == Type::string) return a.text.compare(b.text) < 0 ? -1 : a.text == b.text ? 0 : 1;
    std::int64_t x = a.number, y = b.number;
    if (a.type != b.type) {  // integer against decimal
        x = as_decimal(a);
        y = as_decimal(b);
    }
    return x < y ? -1 : x > y ? 1 : 0;
}

// ---- evaluation functions ----------------------------------------------------------

Value eval_constant(const Node& n, const EvalContext&) { return n.constant; }
// Stands in for a node that failed to bind; never evaluated (compile fails).
Value eval_poison(const Node& n, const EvalContext&) { return n.constant; }
bool poisoned(const std::unique_ptr<Node>& n) { return n && n->fn == eval_poison; }
Value eval_field(const Node& n, const EvalContext& c) { return read_field(static_cast<F>(n.code), c); }

Value eval_and(const Node& n, const EvalContext& c) { return Value::of_bool(n.kids[0]->eval(c).truthy() && n.kids[1]->eval(c).truthy()); }
Value eval_or(const Node& n, const EvalContext& c) { return Value::of_bool(n.kids[0]->eval(c).truthy() || n.kids[1]->eval(c).truthy()); }
Value eval_not(const Node& n, const EvalContext& c) { return Value::of_bool(!n.kids[0]->eval(c).truthy()); }

Value eval_compare(const Node& n, const EvalContext& c) {
    int r = compare(n.kids[0]->eval(c), n.kids[1]->eval(c));
    switch (static_cast<ast::BinaryOp>(n.code)) {
        case ast::BinaryOp::eq: return Value::of_bool(r == 0);
        case ast::BinaryOp::ne: return Value::of_bool(r != 0);
        case ast::BinaryOp::lt: return Value::of_bool(r < 0);
        case ast::BinaryOp::le: return Value::of_bool(r <= 0);
        case ast::BinaryOp::gt: return Value::of_bool(r > 0);
        default: return Value::of_bool(r >= 0);
    }
}

Value eval_in_list(const Node& n, const EvalContext& c) {
    Value v = n.kids[0]->eval(c);
    bool found = v.type == Type::string ? std::binary_search(n.set.begin(), n.set.end(), v.text)
                                        : std::binary_search(n.numbers.begin(), n.numbers.end(), as_decimal(v));
    return Value::of_bool(found != (n.constant.number != 0));  // constant.number: 1 for `not in`
}

Value eval_in_field(const Node& n, const EvalContext& c) {
    Value v = n.kids[0]->eval(c);
    bool found = any_member(static_cast<F>(n.kids[1]->code), *c.claim, [&](std::string_view m) { return m == v.text; });
    return Value::of_bool(found != (n.constant.number != 0));
}

// `code in catalog("name")`: valid on the line's service date (or the admission date).
Value eval_in_catalog(const Node& n, const EvalContext& c) {
    Value v = n.kids[0]->eval(c);
    Date on = c.line && c.line->service_date ? *c.line->service_date : c.claim->visit.admit_date;
    bool found = n.catalog->find(v.text, on) != nullptr;
    return Value::of_bool(found != (n.constant.number != 0));
}

Value eval_table_result(const Node& n, const EvalContext& c) { return n.table->result(c, static_cast<std::size_t>(n.code)); }
Value eval_table_count(const Node& n, const EvalContext& c) { return Value::of_int(n.table->count(c)); }

Value eval_arith(const Node& n, const EvalContext& c) {
    Value a = n.kids[0]->eval(c);
    Value b = n.kids[1]->eval(c);
    auto op = static_cast<ast::BinaryOp>(n.code);
    Int128 x = a.number, y = b.number;
    Value out;
    out.type = n.type;
    switch (n.type) {
        case Type::integer:
            if (a.type == Type::date) {  // date - date
                out.number = clamp64(x - y);
            } else {
                out.number = clamp64(op == ast::BinaryOp::add ? x + y : op == ast::BinaryOp::sub ? x - y : x * y);
            }
            return out;
        case Type::date: out.number = clamp_date(op == ast::BinaryOp::add ? x + y : x - y); return out;
        case Type::money:
            if (op == ast::BinaryOp::add || op == ast::BinaryOp::sub) {
                out.number = clamp64(op == ast::BinaryOp::add ? x + y : x - y);
            } else {
                // money × number or money / number, exact then half-up to the fen.
                const Value& m = a.type == Type::money ? a : b;
                const Value& k = a.type == Type::money ? b : a;
                Int128 factor = as_decimal(k);  // clamped to 64 bits, so products fit 128
                Int128 exact = op == ast::BinaryOp::mul ? static_cast<Int128>(m.number) * factor : 0;
                if (op == ast::BinaryOp::mul) {
                    out.number = clamp64(round_half_up_wide(exact, k_decimal_scale));
                } else {
                    // One extra digit, truncated, then half-up: exact for a half-up rule.
                    out.number = factor == 0 ? 0 : clamp64(round_half_up_wide(static_cast<Int128>(m.number) * k_decimal_one * 10 / factor, 1));
                }
            }
            return out;
        default: {  // decimal
            if (a.type == Type::money) {  // money / money
                out.number = y == 0 ? 0 : clamp64(round_half_up_wide(x * k_decimal_one * 10 / y, 1));
                return out;
            }
            Int128 dx = as_decimal(a);  // clamped to 64 bits, so products fit 128
            Int128 dy = as_decimal(b);
            switch (op) {
                case ast::BinaryOp::add: out.number = clamp64(dx + dy); break;
                case ast::BinaryOp::sub: out.number = clamp64(dx - dy); break;
                case ast::BinaryOp::mul: out.number = clamp64(round_half_up_wide(dx * dy, k_decimal_scale)); break;
                default: out.number = dy == 0 ? 0 : clamp64(round_half_up_wide(dx * k_decimal_one * 10 / dy, 1)); break;
            }
            return out;
        }
    }
}

Value eval_negate(const Node& n, const EvalContext& c) {
    Value v = n.kids[0]->eval(c);
    v.number = clamp64(-static_cast<Int128>(v.number));
    return v;
}

Value eval_if(const Node& n, const EvalContext& c) {
    Value v = n.kids[0]->eval(c).truthy() ? n.kids[1]->eval(c) : n.kids[2]->eval(c);
    if (n.type == Type::decimal && v.type == Type::integer) return Value::of_decimal(clamp64(static_cast<Int128>(v.number) * k_decimal_one));
    return v;
}

// Aggregates over the claim's lines: kids[0] the condition (may be null), kids[1] the summed value.
Value eval_count(const Node& n, const EvalContext& c) {
    EvalContext inner = c;
    std::int64_t count = 0;
    for (const Line& line : c.claim->lines()) {
        inner.line = &line;
        count += !n.kids[0] || n.kids[0]->eval(inner).truthy();
    }
    return Value::of_int(count);
}

Value eval_any(const Node& n, const EvalContext& c) {
    EvalContext inner = c;
    bool all = n.code == 1;
    for (const Line& line : c.claim->lines()) {
        inner.line = &line;
        bool hit = n.kids[0]->eval(inner).truthy();
        if (hit != all) return Value::of_bool(!all);
    }
    return Value::of_bool(all);
}

Value eval_sum(const Node& n, const EvalContext& c) {
    EvalContext inner = c;
    Value total;
    total.type = n.type;
    for (const Line& line : c.claim->lines()) {
        inner.line = &line;
        if (n.kids[0] && !n.kids[0]->eval(inner).truthy()) continue;
        total.number = clamp64(static_cast<Int128>(total.number) + n.kids[1]->eval(inner).number);
    }
    return total;
}

// Functions: code selects which.
enum class Fn : int { days_between, age_at, starts_with, any_prefix, min, max, abs };

Value eval_function(const Node& n, const EvalContext& c) {
    switch (static_cast<Fn>(n.code)) {
        case Fn::days_between: return Value::of_int(clamp64(static_cast<Int128>(n.kids[1]->eval(c).number) - n.kids[0]->eval(c).number));
        case Fn::age_at:
            return Value::of_int(age_on(Date::from_days(static_cast<std::int32_t>(n.kids[0]->eval(c).number)),
                                        Date::from_days(static_cast<std::int32_t>(n.kids[1]->eval(c).number))));
        case Fn::starts_with: return Value::of_bool(n.kids[0]->eval(c).text.starts_with(n.kids[1]->eval(c).text));
        case Fn::any_prefix: {
            std::string_view prefix = n.kids[1]->eval(c).text;
            return Value::of_bool(any_member(static_cast<F>(n.kids[0]->code), *c.claim, [&](std::string_view m) { return m.starts_with(prefix); }));
        }
        case Fn::min:
        case Fn::max: {
            Value a = n.kids[0]->eval(c), b = n.kids[1]->eval(c);
            bool first = (compare(a, b) <= 0) == (static_cast<Fn>(n.code) == Fn::min);
            Value v = first ? a : b;
            if (n.type == Type::decimal && v.type == Type::integer) v = Value::of_decimal(clamp64(static_cast<Int128>(v.number) * k_decimal_one));
            return v;
        }
        case Fn::abs: {
            Value v = n.kids[0]->eval(c);
            v.number = clamp64(v.number < 0 ? -static_cast<Int128>(v.number) : v.number);
            return v;
        }
    }
    return {};
}

// ---- binder ------------------------------------------------------------------------

struct FunctionSig {
    std::string_view name;
    Fn fn;
    std::size_t arity;
};
constexpr std::array<FunctionSig, 7> k_functions = {{{"days_between", Fn::days_between, 2},
                                                    {"age_at", Fn::age_at, 2},
                                                    {"starts_with", Fn::starts_with, 2},
                                                    {"any_prefix", Fn::any_prefix, 2},
                                                    {"min", Fn::min, 2},
                                                    {"max", Fn::max, 2},
                                                    {"abs", Fn::abs, 1}}};

int precedence(ast::BinaryOp op) {
    switch (op) {
        case ast::BinaryOp::op_or: return 1;
        case ast::BinaryOp::op_and: return 2;
        case ast::BinaryOp::add:
        case ast::BinaryOp::sub: return 4;
        case ast::BinaryOp::mul:
        case ast::BinaryOp::div: return 5;
        default: return 3;  // comparisons and membership
    }
}

std::unique_ptr<Node> make(Node::Fn fn, Type type, std::uint32_t offset) {
    auto n = std::make_unique<Node>();
    n->fn = fn;
    n->type = type;
    n->offset = offset;
    return n;
}

bool is_constant(const Node& n) { return n.fn == eval_constant; }

class Binder {
public:
    Binder(Scope scope, std::vector<BindError>& errors, const CatalogSet* catalogs, const TableSet* tables)
        : scope_(scope), errors_(errors), catalogs_(catalogs), tables_(tables) {}

    std::unique_ptr<Node> expr(const ast::Expr& e) {
        Chain chain;
        chain.operands.push_back(&e.first);
        for (const ast::Operation& op : e.rest) {
            chain.operands.push_back(&op.operand);
            chain.ops.push_back(&op);
        }
        std::size_t i = 0;
        return climb(chain, i, 0);
    }

    // `operands[0] ops[0] operands[1] ops[1] ...` as written.
    struct Chain {
        std::vector<const ast::Operand*> operands;
        std::vector<const ast::Operation*> ops;
    };

    // Precedence climbing: reads operand i and every following operator of precedence
    // >= min_prec; on return, i is the last operand read (so ops[i] is the next operator).
    std::unique_ptr<Node> climb(const Chain& chain, std::size_t& i, int min_prec) {
        std::unique_ptr<Node> lhs = operand(*chain.operands[i]);
        bool compared = false;
        while (i < chain.ops.size()) {
            const ast::Operation& op = *chain.ops[i];
            int prec = precedence(op.op);
            if (prec < min_prec) break;
            if (prec == 3 && compared) error(op.offset, "comparisons do not chain; combine them with `and`");
            ++i;
            if (op.op == ast::BinaryOp::in || op.op == ast::BinaryOp::not_in) {
                lhs = in_list(op, std::move(lhs), *chain.operands[i]);
            } else {
                std::unique_ptr<Node> rhs = climb(chain, i, prec + 1);  // left associative
                lhs = binary(op, std::move(lhs), std::move(rhs));
            }
            compared = prec == 3;
        }
        return lhs;
    }

    void error(std::uint32_t offset, std::string message) { errors_.push_back({offset, std::move(message)}); }

    // A node that stands in after an error, so binding can go on and report more;
    // anything built on it is poisoned too and reports nothing further.
    std::unique_ptr<Node> poison(Type type, std::uint32_t offset) {
        auto n = make(eval_poison, type, offset);
        n->constant.type = type;
        return n;
    }

    std::unique_ptr<Node> operand(const ast::Operand& o) {
        struct Visitor {
            using result_type = std::unique_ptr<Node>;
            Binder& b;
            std::unique_ptr<Node> operator()(const ast::Nil&) const { return b.poison(Type::boolean, 0); }
            std::unique_ptr<Node> operator()(const ast::Number& x) const { return b.number(x); }
            std::unique_ptr<Node> operator()(const ast::String& x) const {
                auto n = make(eval_constant, Type::string, x.offset);
                n->strings.push_back(x.value);
                n->constant = Value::of_string(n->strings.back());
                return n;
            }
            std::unique_ptr<Node> operator()(const ast::Boolean& x) const {
                auto n = make(eval_constant, Type::boolean, x.offset);
                n->constant = Value::of_bool(x.value);
                return n;
            }
            std::unique_ptr<Node> operator()(const ast::Path& x) const { return b.path(x); }
            std::unique_ptr<Node> operator()(const ast::Unary& x) const { return b.unary(x); }
            std::unique_ptr<Node> operator()(const ast::Call& x) const { return b.call(x); }
            std::unique_ptr<Node> operator()(const ast::Aggregate& x) const { return b.aggregate(x); }
            std::unique_ptr<Node> operator()(const ast::IfElse& x) const { return b.if_else(x); }
            std::unique_ptr<Node> operator()(const ast::ListLiteral& x) const {
                b.error(x.offset, "a list can only follow `in`");
                return b.poison(Type::boolean, x.offset);
            }
            std::unique_ptr<Node> operator()(const ast::Expr& x) const { return b.expr(x); }
        };
        return boost::apply_visitor(Visitor{*this}, o);
    }

    std::unique_ptr<Node> number(const ast::Number& x) {
        DecimalParse p = parse_decimal(x.text, x.money ? Money::k_scale : k_decimal_scale, NumberSyntax::plain);
        if (p.error != DecimalError::none) {
            error(x.offset, fmt::format("`{}` {}", x.text, describe(p.error)));
            return poison(Type::integer, x.offset);
        }
        bool integral = x.text.find('.') == std::string::npos;
        Type t = x.money ? Type::money : integral ? Type::integer : Type::decimal;
        auto n = make(eval_constant, t, x.offset);
        n->constant.type = t;
        n->constant.number = t == Type::integer ? p.units / k_decimal_one : p.units;
        return n;
    }

    std::unique_ptr<Node> path(const ast::Path& x) {
        std::string name;
        for (const std::string& part : x.parts) name += (name.empty() ? "" : ".") + part;
        for (std::size_t i = 0; i < k_fields.size(); ++i) {
            if (k_fields[i].name != name) continue;
            if (k_fields[i].line && scope_ == Scope::claim && lines_depth_ == 0) {
                error(x.offset, fmt::format("`{}` is a fee-line field: use it in a line rule or inside count, sum, any or all over lines", name));
            }
            auto n = make(eval_field, k_fields[i].type, x.offset);
            n->code = static_cast<int>(i);
            return n;
        }
        std::vector<std::string_view> names;
        names.reserve(k_fields.size());
        for (const ExprField& f : k_fields) names.push_back(f.name);
        std::string_view hint = closest_match(name, names);
        error(x.offset, hint.empty() ? fmt::format("unknown field `{}`", name) : fmt::format("unknown field `{}`; did you mean `{}`?", name, hint));
        return poison(Type::boolean, x.offset);
    }

    std::unique_ptr<Node> unary(const ast::Unary& x) {
        auto inner = operand(x.operand);
        if (poisoned(inner)) return inner;
        if (x.op == ast::UnaryOp::op_not) {
            if (inner->type != Type::boolean) error(x.offset, fmt::format("`not` needs true/false, not {}", type_name(inner->type)));
            auto n = make(eval_not, Type::boolean, x.offset);
            n->kids.push_back(std::move(inner));
            return fold(std::move(n));
        }
        if (!is_numeric(inner->type) && inner->type != Type::money) {
            error(x.offset, fmt::format("`-` needs a number or money, not {}", type_name(inner->type)));
        }
        auto n = make(eval_negate, inner->type, x.offset);
        n->kids.push_back(std::move(inner));
        return fold(std::move(n));
    }

    std::unique_ptr<Node> binary(const ast::Operation& op, std::unique_ptr<Node> a, std::unique_ptr<Node> b) {
        using ast::BinaryOp;
        if (poisoned(a)) return a;
        if (poisoned(b)) return b;
        std::uint32_t at = a->offset;
        auto both = [&](Node::Fn fn, Type t) {
            auto n = make(fn, t, at);
            n->code = static_cast<int>(op.op);
            n->kids.push_back(std::move(a));
            n->kids.push_back(std::move(b));
            return fold(std::move(n));
        };
        auto mismatch = [&](std::string_view what) {
            error(op.offset, fmt::format("`{}` {}; got {} and {}", ast::spelling(op.op), what, type_name(a->type), type_name(b->type)));
        };
        switch (op.op) {
            case BinaryOp::op_and:
            case BinaryOp::op_or:
                if (a->type != Type::boolean || b->type != Type::boolean) mismatch("needs true/false on both sides");
                return both(op.op == BinaryOp::op_and ? eval_and : eval_or, Type::boolean);
            case BinaryOp::eq:
            case BinaryOp::ne:
            case BinaryOp::lt:
            case BinaryOp::le:
            case BinaryOp::gt:
            case BinaryOp::ge: {
                bool ok = (a->type == b->type && a->type != Type::string_list) || (is_numeric(a->type) && is_numeric(b->type));
                bool ordered = op.op == BinaryOp::eq || op.op == BinaryOp::ne || a->type != Type::boolean;
                if (!ok || !ordered) mismatch("compares values of one type (numbers with numbers, money with money)");
                return both(eval_compare, Type::boolean);
            }
            default: break;
        }
        // Arithmetic.
        Type t = Type::boolean;
        bool add_sub = op.op == BinaryOp::add || op.op == BinaryOp::sub;
        if (is_numeric(a->type) && is_numeric(b->type)) {
            t = a->type == Type::integer && b->type == Type::integer && op.op != BinaryOp::div ? Type::integer : Type::decimal;
        } else if (a->type == Type::money && b->type == Type::money && (add_sub || op.op == BinaryOp::div)) {
            t = add_sub ? Type::money : Type::decimal;
        } else if ((a->type == Type::money && is_numeric(b->type) && !add_sub) || (is_numeric(a->type) && b->type == Type::money && op.op == BinaryOp::mul)) {
            t = Type::money;
        } else if (a->type == Type::date && b->type == Type::integer && add_sub) {
            t = Type::date;
        } else if (a->type == Type::date && b->type == Type::date && op.op == BinaryOp::sub) {
            t = Type::integer;
        } else {
            mismatch("needs numbers, money, or dates and days");
            t = Type::integer;
        }
        if (op.op == BinaryOp::div && is_constant(*b) && b->constant.number == 0) error(op.offset, "division by zero");
        return both(eval_arith, t);
    }

    std::unique_ptr<Node> in_list(const ast::Operation& op, std::unique_ptr<Node> a, const ast::Operand& rhs) {
        bool negate = op.op == ast::BinaryOp::not_in;
        std::uint32_t at = a->offset;
        if (poisoned(a)) return a;
        if (const auto* list = boost::get<boost::spirit::x3::forward_ast<ast::ListLiteral>>(&rhs)) {
            auto n = make(eval_in_list, Type::boolean, at);
            n->constant.number = negate ? 1 : 0;
            for (const ast::Expr& item : list->get().items) {
                std::unique_ptr<Node> v = expr(item);
                if (poisoned(v)) continue;
                bool same = v->type == a->type || (is_numeric(v->type) && is_numeric(a->type));
                if (!is_constant(*v) || !same || a->type == Type::boolean || a->type == Type::string_list) {
                    error(item.offset, fmt::format("`{}` needs a list of constant {} values", ast::spelling(op.op), type_name(a->type)));
                    continue;
                }
                if (v->type == Type::string) {
                    n->strings.emplace_back(v->constant.text);
                } else {
                    n->numbers.push_back(as_decimal(v->constant));
                }
            }
            for (const std::string& str : n->strings) n->set.emplace_back(str);
            std::sort(n->set.begin(), n->set.end());
            std::sort(n->numbers.begin(), n->numbers.end());
            n->kids.push_back(std::move(a));
            return fold(std::move(n));
        }
        if (const auto* p = boost::get<ast::Path>(&rhs)) {
            std::unique_ptr<Node> field = path(*p);
            if (poisoned(field)) return field;
            if (field->type != Type::string_list || a->type != Type::string) {
                error(op.offset, fmt::format("`{}` with a field needs a string and a list field such as `diagnoses`; got {} and {}",
                                             ast::spelling(op.op), type_name(a->type), type_name(field->type)));
            }
            auto n = make(eval_in_field, Type::boolean, at);
            n->constant.number = negate ? 1 : 0;
            n->kids.push_back(std::move(a));
            n->kids.push_back(std::move(field));
            return n;
        }
        if (const auto* c = boost::get<boost::spirit::x3::forward_ast<ast::Call>>(&rhs); c && c->get().name == "catalog") {
            const ast::String* s = c->get().args.size() == 1 && c->get().args.front().rest.empty()
                                       ? boost::get<ast::String>(&c->get().args.front().first)
                                       : nullptr;
            if (s == nullptr) {
                error(c->get().offset, "`catalog` takes one quoted name: catalog(\"drugs\")");
                return poison(Type::boolean, at);
            }
            const Catalog* found = catalogs_ ? catalogs_->find(s->value) : nullptr;
            if (found == nullptr) {
                std::vector<std::string_view> names = catalogs_ ? catalogs_->names() : std::vector<std::string_view>{};
                std::string_view hint = closest_match(s->value, names);
                error(s->offset, hint.empty() ? fmt::format("no catalog named `{}` in the rule pack", s->value)
                                              : fmt::format("no catalog named `{}` in the rule pack; did you mean `{}`?", s->value, hint));
                return poison(Type::boolean, at);
            }
            if (a->type != Type::string) error(op.offset, fmt::format("`{}` catalog(...) needs a code string, not {}", ast::spelling(op.op), type_name(a->type)));
            auto n = make(eval_in_catalog, Type::boolean, at);
            n->constant.number = negate ? 1 : 0;
            n->catalog = found;
            n->kids.push_back(std::move(a));
            return n;
        }
        error(op.offset, fmt::format("`{}` takes a list [...], a list field such as `diagnoses`, or catalog(\"name\")", ast::spelling(op.op)));
        return poison(Type::boolean, at);
    }

    std::unique_ptr<Node> call(const ast::Call& x) {
        if (x.name == "date") {
            const ast::String* s = x.args.size() == 1 ? boost::get<ast::String>(&x.args.front().first) : nullptr;
            std::optional<Date> d = s && x.args.front().rest.empty() ? Date::parse(s->value) : std::nullopt;
            if (!d) {
                error(x.offset, "`date` takes one quoted date: date(\"2024-01-01\")");
                return poison(Type::date, x.offset);
            }
            auto n = make(eval_constant, Type::date, x.offset);
            n->constant = Value::of_date(*d);
            return n;
        }
        if (x.name == "catalog") {
            error(x.offset, "`catalog(...)` can only follow `in`");
            return poison(Type::boolean, x.offset);
        }
        if (x.name == "table") return table(x);
        const FunctionSig* sig = nullptr;
        for (const FunctionSig& f : k_functions) {
            if (f.name == x.name) sig = &f;
        }
        if (sig == nullptr) {
            std::vector<std::string_view> names{"date", "catalog", "table"};
            for (const FunctionSig& f : k_functions) names.push_back(f.name);
            std::string_view hint = closest_match(x.name, names);
            error(x.offset, hint.empty() ? fmt::format("unknown function `{}`", x.name)
                                         : fmt::format("unknown function `{}`; did you mean `{}`?", x.name, hint));
            return poison(Type::boolean, x.offset);
        }
        if (x.args.size() != sig->arity) {
            error(x.offset, fmt::format("`{}` takes {} argument{}, not {}", x.name, sig->arity, sig->arity == 1 ? "" : "s", x.args.size()));
            return poison(Type::boolean, x.offset);
        }
        auto n = make(eval_function, Type::boolean, x.offset);
        n->code = static_cast<int>(sig->fn);
        for (const ast::Expr& arg : x.args) n->kids.push_back(expr(arg));
        for (auto& k : n->kids) {
            if (poisoned(k)) return std::move(k);
        }
        Type a = n->kids[0]->type;
        Type b = n->kids.size() > 1 ? n->kids[1]->type : a;
        bool types_ok = true;
        auto want = [&](bool ok, std::string_view what) {
            if (ok) return;
            types_ok = false;
            error(x.offset, fmt::format("`{}` takes {}; got {}{}", x.name, what, type_name(a), n->kids.size() > 1 ? fmt::format(" and {}", type_name(b)) : ""));
        };
        switch (sig->fn) {
            case Fn::days_between: want(a == Type::date && b == Type::date, "two dates"); n->type = Type::integer; break;
            case Fn::age_at: want(a == Type::date && b == Type::date, "a birth date and a date"); n->type = Type::integer; break;
            case Fn::starts_with: want(a == Type::string && b == Type::string, "two strings"); n->type = Type::boolean; break;
            case Fn::any_prefix:
                want(a == Type::string_list && b == Type::string && n->kids[0]->fn == eval_field, "a list field and a string");
                n->type = Type::boolean;
                break;
            case Fn::min:
            case Fn::max: {
                bool ok = (a == b && (is_numeric(a) || a == Type::money || a == Type::date)) || (is_numeric(a) && is_numeric(b));
                want(ok, "two numbers, amounts or dates");
                n->type = a == b ? a : Type::decimal;
                break;
            }
            case Fn::abs: want(is_numeric(a) || a == Type::money, "a number or an amount"); n->type = a; break;
        }
        if (!types_ok) return poison(n->type, x.offset);
        // any_prefix reads the claim's lists: never evaluate it at bind time.
        if (sig->fn == Fn::any_prefix) return n;
        return fold(std::move(n));
    }

    // table("id", "output"): a decision table's result; table("id"): how many rows match.
    std::unique_ptr<Node> table(const ast::Call& x) {
        std::vector<const ast::String*> args;
        for (const ast::Expr& a : x.args) {
            const ast::String* s = a.rest.empty() ? boost::get<ast::String>(&a.first) : nullptr;
            if (s == nullptr) {
                error(a.offset, "`table` takes quoted names: table(\"id\", \"output\")");
                return poison(Type::boolean, x.offset);
            }
            args.push_back(s);
        }
        if (args.empty() || args.size() > 2) {
            error(x.offset, "`table` takes a table id and an output name: table(\"id\", \"output\")");
            return poison(Type::boolean, x.offset);
        }
        const DecisionTable* t = tables_ ? tables_->find_table(args[0]->value) : nullptr;
        if (t == nullptr) {
            std::vector<std::string_view> ids = tables_ ? tables_->table_ids() : std::vector<std::string_view>{};
            std::string_view hint = closest_match(args[0]->value, ids);
            error(args[0]->offset, hint.empty() ? fmt::format("no table `{}` (tables are defined before the rules that use them)", args[0]->value)
                                                : fmt::format("no table `{}`; did you mean `{}`?", args[0]->value, hint));
            return poison(Type::boolean, x.offset);
        }
        if (t->scope == Scope::line && scope_ == Scope::claim && lines_depth_ == 0) {
            error(x.offset, fmt::format("table `{}` reads fee-line fields: use it in a line rule or inside count, sum, any or all", t->id));
        }
        if (args.size() == 1) {
            auto n = make(eval_table_count, Type::integer, x.offset);
            n->table = t;
            return n;
        }
        for (std::size_t i = 0; i < t->outputs.size(); ++i) {
            if (t->outputs[i].name != args[1]->value) continue;
            if (t->hit == HitPolicy::collect) {
                error(x.offset, fmt::format("table `{}` collects several rows: use table(\"{}\") for how many match, or hit: collect-sum", t->id, t->id));
            }
            auto n = make(eval_table_result, t->outputs[i].type, x.offset);
            n->table = t;
            n->code = static_cast<int>(i);
            return n;
        }
        std::vector<std::string_view> names;
        for (const TableOutput& o : t->outputs) names.push_back(o.name);
        std::string_view hint = closest_match(args[1]->value, names);
        error(args[1]->offset, hint.empty() ? fmt::format("table `{}` has no output `{}`", t->id, args[1]->value)
                                            : fmt::format("table `{}` has no output `{}`; did you mean `{}`?", t->id, args[1]->value, hint));
        return poison(Type::boolean, x.offset);
    }

    std::unique_ptr<Node> aggregate(const ast::Aggregate& x) {
        std::string over;
        for (const std::string& part : x.over.parts) over += (over.empty() ? "" : ".") + part;
        bool has_where = x.where.first.get().type() != typeid(ast::Nil);
        ++lines_depth_;
        std::unique_ptr<Node> where = has_where ? expr(x.where) : nullptr;
        if (where && !poisoned(where) && where->type != Type::boolean) error(x.where.offset, fmt::format("`where` needs true/false, not {}", type_name(where->type)));
        std::unique_ptr<Node> n;
        if (x.function == "sum") {
            std::unique_ptr<Node> summed = path(x.over);
            Type t = summed->type;
            if (poisoned(summed)) {
                --lines_depth_;
                return summed;
            }
            if (t != Type::money && !is_numeric(t)) error(x.over.offset, fmt::format("`sum` adds numbers or amounts, not {}", type_name(t)));
            if (summed->fn == eval_field && !k_fields[static_cast<std::size_t>(summed->code)].line) {
                error(x.over.offset, fmt::format("`sum` adds a fee-line field such as `line.amount`, not `{}`", over));
            }
            n = make(eval_sum, t, x.offset);
            n->kids.push_back(std::move(where));
            n->kids.push_back(std::move(summed));
        } else {
            if (over != "lines") error(x.over.offset, fmt::format("`{}` goes over `lines`, not `{}`", x.function, over));
            if (x.function == "count") {
                n = make(eval_count, Type::integer, x.offset);
            } else {
                if (!where) error(x.offset, fmt::format("`{}` needs a condition: {}(lines where ...)", x.function, x.function));
                n = make(eval_any, Type::boolean, x.offset);
                n->code = x.function == "all" ? 1 : 0;
            }
            n->kids.push_back(where ? std::move(where) : nullptr);
            if (!n->kids[0] && n->fn == eval_any) n->kids[0] = poison(Type::boolean, x.offset);
        }
        --lines_depth_;
        return n;
    }

    std::unique_ptr<Node> if_else(const ast::IfElse& x) {
        auto n = make(eval_if, Type::boolean, x.offset);
        n->kids.push_back(expr(x.condition));
        n->kids.push_back(expr(x.then_branch));
        n->kids.push_back(expr(x.else_branch));
        for (auto& k : n->kids) {
            if (poisoned(k)) return std::move(k);
        }
        if (n->kids[0]->type != Type::boolean) error(x.condition.offset, fmt::format("`if` needs true/false, not {}", type_name(n->kids[0]->type)));
        Type a = n->kids[1]->type, b = n->kids[2]->type;
        if (a == b) {
            n->type = a;
        } else if (is_numeric(a) && is_numeric(b)) {
            n->type = Type::decimal;
        } else {
            error(x.else_branch.offset, fmt::format("`then` and `else` give different types: {} and {}", type_name(a), type_name(b)));
            n->type = a;
        }
        return fold(std::move(n));
    }

    // Evaluates a node whose children are all constants, once, at bind time.
    std::unique_ptr<Node> fold(std::unique_ptr<Node> n) {
        if (n->kids.empty()) return n;
        for (const auto& k : n->kids) {
            if (!k || !is_constant(*k)) return n;
        }
        EvalContext none;
        Value v = n->eval(none);
        auto folded = make(eval_constant, n->type, n->offset);
        folded->constant = v;
        if (v.type == Type::string) {
            // Copy the text out of the children (which die here) into this node.
            folded->strings.emplace_back(v.text);
            folded->constant.text = folded->strings.back();
        }
        return folded;
    }

    Scope scope_;
    std::vector<BindError>& errors_;
    const CatalogSet* catalogs_;
    const TableSet* tables_;
    int lines_depth_ = 0;  // > 0 inside count/sum/any/all over lines
};

}  // namespace
}  // namespace medclaim

namespace medclaim {
namespace {

const char* function_name(int code) {
    for (const auto& f : k_functions) {
        if (static_cast<int>(f.fn) == code) return f.name.data();
    }
    return "?";
}

// Writes `n`; with a context, follows each evaluated part with `=value`.
void dump_node(const Node& n, std::string& out, const EvalContext* ctx = nullptr) {
    bool aggregate = n.fn == eval_count || n.fn == eval_any || n.fn == eval_sum;
    const EvalContext* inner = aggregate ? nullptr : ctx;  // lines inside aggregates vary
    auto kid = [&](std::size_t i) { dump_node(*n.kids[i], out, inner); };

    if (n.fn == eval_constant) {
        out += to_string(n.constant);
    } else if (n.fn == eval_field) {
        out += fmt::format("{}:{}", k_fields[static_cast<std::size_t>(n.code)].name, type_name(n.type));
    } else if (n.fn == eval_and || n.fn == eval_or || n.fn == eval_compare || n.fn == eval_arith) {
        out += '(';
        kid(0);
        out += fmt::format(" {} ", ast::spelling(static_cast<ast::BinaryOp>(n.code)));
        kid(1);
        out += ')';
    } else if (n.fn == eval_not || n.fn == eval_negate) {
        out += n.fn == eval_not ? "not " : "-";
        kid(0);
    } else if (n.fn == eval_in_list) {
        out += '(';
        kid(0);
        out += n.constant.number ? " not in [" : " in [";
        bool first = true;
        for (std::string_view s : n.set) out += fmt::format("{}\"{}\"", std::exchange(first, false) ? "" : ", ", s);
        for (std::int64_t v : n.numbers) out += fmt::format("{}{}", std::exchange(first, false) ? "" : ", ", to_string(Value::of_decimal(v)));
        out += "])";
    } else if (n.fn == eval_in_catalog) {
        out += '(';
        kid(0);
        out += fmt::format("{} catalog(\"{}\"))", n.constant.number ? " not in" : " in", n.catalog->name());
    } else if (n.fn == eval_in_field) {
        out += '(';
        kid(0);
        out += n.constant.number ? " not in " : " in ";
        kid(1);
        out += ')';
    } else if (n.fn == eval_if) {
        out += "(if ";
        kid(0);
        out += " then ";
        kid(1);
        out += " else ";
        kid(2);
        out += ')';
    } else if (n.fn == eval_count || n.fn == eval_any || n.fn == eval_sum) {
        const char* name = n.fn == eval_count ? "count" : n.fn == eval_sum ? "sum" : n.code == 1 ? "all" : "any";
        out += fmt::format("{}(", name);
        if (n.fn == eval_sum) {
            kid(1);
        } else {
            out += "lines";
        }
        if (n.kids[0]) {
            out += " where ";
            kid(0);
        }
        out += ')';
    } else if (n.fn == eval_table_result) {
        out += fmt::format("table(\"{}\", \"{}\")", n.table->id, n.table->outputs[static_cast<std::size_t>(n.code)].name);
    } else if (n.fn == eval_table_count) {
        out += fmt::format("table(\"{}\")", n.table->id);
    } else if (n.fn == eval_function) {
        out += fmt::format("{}(", function_name(n.code));
        for (std::size_t i = 0; i < n.kids.size(); ++i) {
            if (i > 0) out += ", ";
            kid(i);
        }
        out += ')';
    }
    if (ctx != nullptr && n.fn != eval_constant) out += "=" + to_string(n.eval(*ctx));
}

}  // namespace

std::string_view type_name(Type t) {
    switch (t) {
        case Type::boolean: return "true/false";
        case Type::integer: return "integer";
        case Type::decimal: return "decimal";
        case Type::money: return "money";
        case Type::string: return "string";
        case Type::date: return "date";
        case Type::string_list: return "list";
    }
    return "?";
}

std::string to_string(const Value& v) {
    switch (v.type) {
        case Type::boolean: return v.number ? "true" : "false";
        case Type::integer: return std::to_string(v.number);
        case Type::decimal: return format_decimal_trimmed(v.number, k_decimal_scale);
        case Type::money: return format_decimal(v.number, Money::k_scale) + "元";
        case Type::string: return fmt::format("\"{}\"", v.text);
        case Type::date: return Date::from_days(static_cast<std::int32_t>(v.number)).to_string();
        case Type::string_list: return "[...]";
    }
    return "?";
}

std::optional<Program> Program::compile(std::string_view text, Scope scope, std::vector<BindError>& errors, const CatalogSet* catalogs,
                                        const TableSet* tables) {
    std::vector<SyntaxError> syntax;
    std::optional<ast::Expr> parsed = parse_expression(text, syntax);
    if (!parsed) {
        for (const SyntaxError& e : syntax) errors.push_back({e.offset, e.message});
        return std::nullopt;
    }
    std::size_t before = errors.size();
    Binder binder(scope, errors, catalogs, tables);
    std::unique_ptr<Node> root = binder.expr(*parsed);
    if (errors.size() != before) return std::nullopt;
    Program p;
    p.root_ = std::move(root);
    return p;
}

std::string Program::dump() const {
    std::string out;
    dump_node(*root_, out);
    return out;
}

std::string Program::explain(const EvalContext& c) const {
    std::string out;
    EvalContext quiet = c;  // explaining re-evaluates every part: record nothing again
    quiet.trace = nullptr;
    dump_node(*root_, out, &quiet);
    return out;
}

std::optional<Value> Program::constant() const {
    if (root_->fn != eval_constant) return std::nullopt;
    return root_->constant;
}

std::string_view Program::field() const {
    return root_->fn == eval_field ? k_fields[static_cast<std::size_t>(root_->code)].name : std::string_view{};
}

std::span<const ExprField> expression_fields() { return k_fields; }

}  // namespace medclaim
