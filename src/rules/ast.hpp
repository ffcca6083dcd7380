#pragma once
// The parsed (untyped) form of a rule expression. Every node that can be the subject
// of a diagnostic carries `offset`, the byte offset of its first character in the
// expression text; the binder turns offsets into file:line:col.

#include <boost/spirit/home/x3/support/ast/variant.hpp>

#include <cstdint>
#include <list>
#include <string>

namespace medclaim::ast {

namespace x3 = boost::spirit::x3;

/// Position of a node: byte offset in the expression text.
struct Tagged {
    std::uint32_t offset = 0;
};

struct Nil {};

/// A number as written (`12`, `0.05`); `money` when written with the 元 suffix.
struct Number : Tagged {
    std::string text;
    bool money = false;
};

struct String : Tagged {
    std::string value;
};

struct Boolean : Tagged {
    bool value = false;
};

/// A dotted field path: `member.age`, `line.class`.
struct Path : Tagged {
    std::list<std::string> parts;
};

struct Unary;
struct Call;
struct Aggregate;
struct IfElse;
struct ListLiteral;
struct Expr;

using Operand = x3::variant<Nil, Number, String, Boolean, Path, x3::forward_ast<Unary>, x3::forward_ast<Call>,
                            x3::forward_ast<Aggregate>, x3::forward_ast<IfElse>, x3::forward_ast<ListLiteral>,
                            x3::forward_ast<Expr>>;

/// Binary operators, kept flat in Expr::rest; the binder applies precedence.
enum class BinaryOp : std::uint8_t {
    op_or,          // or
    op_and,         // and
    eq,             // ==
    ne,             // !=
    lt,             // <
    le,             // <=
    gt,             // >
    ge,             // >=
    in,             // in [list] / in catalog(name)
    not_in,         // not in
    add,            // +
    sub,            // -
    mul,            // *
    div,            // /
};

enum class UnaryOp : std::uint8_t {
    negate,  // -x
    op_not,  // not x
};

struct Unary : Tagged {
    UnaryOp op = UnaryOp::negate;
    Operand operand;
};

struct Operation : Tagged {
    BinaryOp op = BinaryOp::add;
    Operand operand;
};

/// `first op operand op operand ...`, as written.
struct Expr : Tagged {
    Operand first;
    std::list<Operation> rest;
};

/// `name(args)`: functions and table look-ups.
struct Call : Tagged {
    std::string name;
    std::list<Expr> args;
};

/// `count(lines where cond)`, `sum(line.amount where cond)`, `any(...)`, `all(...)`.
struct Aggregate : Tagged {
    std::string function;
    Path over;
    Expr where;  ///< empty (Nil first) when there is no `where`
};

struct IfElse : Tagged {
    Expr condition;
    Expr then_branch;
    Expr else_branch;
};

struct ListLiteral : Tagged {
    std::list<Expr> items;
};

/// The text of an operator as written, for messages and dumps.
const char* spelling(BinaryOp op);

/// The expression written back in a normal form (single spaces, sub-expressions in
/// parentheses), for tests and traces.
std::string dump(const Expr& expr);

}  // namespace medclaim::ast
