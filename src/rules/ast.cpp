#include "rules/ast.hpp"

#include <fmt/format.h>

namespace medclaim::ast {

const char* spelling(BinaryOp op) {
    switch (op) {
        case BinaryOp::op_or: return "or";
        case BinaryOp::op_and: return "and";
        case BinaryOp::eq: return "==";
        case BinaryOp::ne: return "!=";
        case BinaryOp::lt: return "<";
        case BinaryOp::le: return "<=";
        case BinaryOp::gt: return ">";
        case BinaryOp::ge: return ">=";
        case BinaryOp::in: return "in";
        case BinaryOp::not_in: return "not in";
        case BinaryOp::add: return "+";
        case BinaryOp::sub: return "-";
        case BinaryOp::mul: return "*";
        case BinaryOp::div: return "/";
    }
    return "?";
}

namespace {

std::string join(const std::list<Expr>& items) {
    std::string out;
    for (const Expr& e : items) {
        if (!out.empty()) out += ", ";
        out += dump(e);
    }
    return out;
}

struct Printer {
    using result_type = std::string;
    std::string operator()(const Nil&) const { return "<nil>"; }
    std::string operator()(const Number& n) const { return n.money ? n.text + "元" : n.text; }
    std::string operator()(const String& s) const { return fmt::format("\"{}\"", s.value); }
    std::string operator()(const Boolean& b) const { return b.value ? "true" : "false"; }
    std::string operator()(const Path& p) const {
        std::string out;
        for (const std::string& part : p.parts) out += (out.empty() ? "" : ".") + part;
        return out;
    }
    std::string operator()(const Unary& u) const {
        return fmt::format("{}{}", u.op == UnaryOp::negate ? "-" : "not ", boost::apply_visitor(*this, u.operand));
    }
    std::string operator()(const Call& c) const { return fmt::format("{}({})", c.name, join(c.args)); }
    std::string operator()(const Aggregate& a) const {
        std::string where = a.where.first.get().type() == typeid(Nil) ? "" : " where " + dump(a.where);
        return fmt::format("{}({}{})", a.function, (*this)(a.over), where);
    }
    std::string operator()(const IfElse& i) const {
        return fmt::format("if {} then {} else {}", dump(i.condition), dump(i.then_branch), dump(i.else_branch));
    }
    std::string operator()(const ListLiteral& l) const { return fmt::format("[{}]", join(l.items)); }
    std::string operator()(const Expr& e) const { return fmt::format("({})", dump(e)); }
};

}  // namespace

std::string dump(const Expr& expr) {
    Printer p;
    std::string out = boost::apply_visitor(p, expr.first);
    for (const Operation& op : expr.rest) out += fmt::format(" {} {}", spelling(op.op), boost::apply_visitor(p, op.operand));
    return out;
}

}  // namespace medclaim::ast
