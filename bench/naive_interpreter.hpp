#pragma once
// A deliberately naive tree-walking interpreter of the same rule expressions, for the
// comparison rules_bench reports: it walks the untyped X3 AST on every evaluation,
// applies operator precedence each time, looks fields up by their dotted name in a
// hash map, parses number literals each time, and carries dynamically typed values
// that own their strings. Numbers are exact integers in 10^-6 units (never floats).
// Only what the benchmark's rules use is supported.

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/claim.hpp"
#include "rules/ast.hpp"
#include "rules/grammar.hpp"
#include "util/fixed.hpp"

namespace naive {

struct NValue {
    enum class Kind { none, boolean, number, text, list } kind = Kind::none;
    std::int64_t number = 0;  // booleans 0/1; numbers in 10^-6 units
    std::string text;
    std::vector<NValue> items;
};

struct Context {
    const medclaim::Claim* claim = nullptr;
    const medclaim::Line* line = nullptr;
};

class Interpreter {
public:
    Interpreter() {
        using medclaim::Claim;
        using medclaim::Line;
        auto num = [](std::int64_t units_at_6) { return NValue{NValue::Kind::number, units_at_6, {}, {}}; };
        auto text = [](std::string_view s) { return NValue{NValue::Kind::text, 0, std::string(s), {}}; };
        fields_["line.class"] = [=](const Context& c) { return text(c.line->item_class ? medclaim::to_string(*c.line->item_class) : ""); };
        fields_["line.code"] = [=](const Context& c) { return text(c.line->code); };
        fields_["line.kind"] = [=](const Context& c) { return text(medclaim::to_string(c.line->kind)); };
        fields_["line.amount"] = [=](const Context& c) { return num(c.line->amount.units() * 10'000); };
        fields_["line.qty"] = [=](const Context& c) { return num(c.line->qty.units() * 100); };
        fields_["line.unit_price"] = [=](const Context& c) { return num(c.line->unit_price ? c.line->unit_price->units() : 0); };
        fields_["line.fee_category"] = [=](const Context& c) { return num(c.line->fee_category * 1'000'000LL); };
        fields_["line.service_date"] = [=](const Context& c) {
            return num(c.line->service_date.value_or(c.claim->visit.admit_date).days() * 1'000'000LL);
        };
        fields_["visit.discharge_date"] = [=](const Context& c) {
            return num(c.claim->visit.discharge_date.value_or(c.claim->visit.admit_date).days() * 1'000'000LL);
        };
        fields_["visit.care_type"] = [=](const Context& c) { return text(medclaim::to_string(c.claim->visit.care_type)); };
        fields_["member.sex"] = [=](const Context& c) { return text(medclaim::to_string(c.claim->member.sex)); };
        fields_["member.age"] = [=](const Context& c) {
            return num(medclaim::age_on(c.claim->member.birth_date, c.claim->visit.admit_date) * 1'000'000LL);
        };
        fields_["provider.level"] = [=](const Context& c) { return num(c.claim->provider.level * 1'000'000LL); };
        fields_["claim.los_days"] = [=](const Context& c) {
            const auto& v = c.claim->visit;
            bool stay = v.care_type == medclaim::CareType::inpatient || v.care_type == medclaim::CareType::day_surgery;
            return num(stay ? std::max(1, v.discharge_date.value_or(v.admit_date) - v.admit_date) * 1'000'000LL : 0);
        };
        fields_["diagnoses"] = [=](const Context& c) {
            NValue list{NValue::Kind::list, 0, {}, {}};
            for (const auto& d : c.claim->diagnoses) list.items.push_back(text(d.code));
            return list;
        };
    }

    /// Parses `text`; throws when it does not parse.
    static medclaim::ast::Expr parse(const std::string& text) {
        std::vector<medclaim::SyntaxError> errors;
        auto e = medclaim::parse_expression(text, errors);
        if (!e) throw std::runtime_error("does not parse: " + text);
        return *e;
    }

    NValue eval(const medclaim::ast::Expr& e, const Context& c) const {
        std::vector<const medclaim::ast::Operand*> operands{&e.first};
        std::vector<medclaim::ast::BinaryOp> ops;
        for (const auto& o : e.rest) {
            ops.push_back(o.op);
            operands.push_back(&o.operand);
        }
        std::size_t i = 0;
        return climb(operands, ops, i, 0, c);
    }

private:
    using Op = medclaim::ast::BinaryOp;

    static int precedence(Op op) {
        switch (op) {
            case Op::op_or: return 1;
            case Op::op_and: return 2;
            case Op::add:
            case Op::sub: return 4;
            case Op::mul:
            case Op::div: return 5;
            default: return 3;
        }
    }

    NValue climb(const std::vector<const medclaim::ast::Operand*>& operands, const std::vector<Op>& ops, std::size_t& i, int min,
                 const Context& c) const {
        NValue lhs = operand(*operands[i], c);
        while (i < ops.size() && precedence(ops[i]) >= min) {
            Op op = ops[i];
            ++i;
            NValue rhs = climb(operands, ops, i, precedence(op) + 1, c);
            lhs = apply(op, lhs, rhs);
        }
        return lhs;
    }

    static NValue boolean(bool b) { return NValue{NValue::Kind::boolean, b ? 1 : 0, {}, {}}; }

    static bool equal(const NValue& a, const NValue& b) { return a.kind == NValue::Kind::text ? a.text == b.text : a.number == b.number; }

    static NValue apply(Op op, const NValue& a, const NValue& b) {
        switch (op) {
            case Op::op_or: return boolean(a.number || b.number);
            case Op::op_and: return boolean(a.number && b.number);
            case Op::eq: return boolean(equal(a, b));
            case Op::ne: return boolean(!equal(a, b));
            case Op::lt: return boolean(a.number < b.number);
            case Op::le: return boolean(a.number <= b.number);
            case Op::gt: return boolean(a.number > b.number);
            case Op::ge: return boolean(a.number >= b.number);
            case Op::in:
            case Op::not_in: {
                bool found = false;
                for (const NValue& item : b.items) found = found || equal(a, item);
                return boolean(op == Op::in ? found : !found);
            }
            case Op::add: return NValue{NValue::Kind::number, a.number + b.number, {}, {}};
            case Op::sub: return NValue{NValue::Kind::number, a.number - b.number, {}, {}};
            case Op::mul:
                return NValue{NValue::Kind::number, static_cast<std::int64_t>(static_cast<medclaim::Int128>(a.number) * b.number / 1'000'000), {}, {}};
            case Op::div:
                return NValue{NValue::Kind::number, b.number == 0 ? 0 : static_cast<std::int64_t>(static_cast<medclaim::Int128>(a.number) * 1'000'000 / b.number), {}, {}};
        }
        return {};
    }

    NValue operand(const medclaim::ast::Operand& o, const Context& c) const {
        namespace ast = medclaim::ast;
        switch (o.get().which()) {
            case 1: {
                const auto& n = boost::get<ast::Number>(o);
                auto p = medclaim::parse_decimal(n.text, 6, medclaim::NumberSyntax::plain);
                return NValue{NValue::Kind::number, p.units, {}, {}};
            }
            case 2: return NValue{NValue::Kind::text, 0, boost::get<ast::String>(o).value, {}};
            case 3: return boolean(boost::get<ast::Boolean>(o).value);
            case 4: {
                std::string name;
                for (const std::string& part : boost::get<ast::Path>(o).parts) name += (name.empty() ? "" : ".") + part;
                auto it = fields_.find(name);
                if (it == fields_.end()) throw std::runtime_error("naive: unknown field " + name);
                return it->second(c);
            }
            case 5: {
                const ast::Unary& u = boost::get<ast::x3::forward_ast<ast::Unary>>(o).get();
                NValue v = operand(u.operand, c);
                if (u.op == ast::UnaryOp::op_not) return boolean(!v.number);
                v.number = -v.number;
                return v;
            }
            case 6: {
                const ast::Call& call = boost::get<ast::x3::forward_ast<ast::Call>>(o).get();
                std::vector<NValue> args;
                for (const ast::Expr& a : call.args) args.push_back(eval(a, c));
                if (call.name == "starts_with") return boolean(args.at(0).text.starts_with(args.at(1).text));
                if (call.name == "any_prefix") {
                    bool found = false;
                    for (const NValue& item : args.at(0).items) found = found || item.text.starts_with(args.at(1).text);
                    return boolean(found);
                }
                throw std::runtime_error("naive: unknown function " + call.name);
            }
            case 9: {
                NValue list{NValue::Kind::list, 0, {}, {}};
                for (const ast::Expr& item : boost::get<ast::x3::forward_ast<ast::ListLiteral>>(o).get().items) list.items.push_back(eval(item, c));
                return list;
            }
            case 10: return eval(boost::get<ast::x3::forward_ast<ast::Expr>>(o).get(), c);
            default: throw std::runtime_error("naive: unsupported expression");
        }
    }

    std::unordered_map<std::string, std::function<NValue(const Context&)>> fields_;
};

}  // namespace naive
