// The expression grammar in Boost.Spirit X3. This is the only file that includes X3
// parser definitions; everything else sees parse_expression().
#include "rules/grammar.hpp"

#include <boost/fusion/include/adapt_struct.hpp>
#include <boost/spirit/home/x3.hpp>

#include <fmt/format.h>

BOOST_FUSION_ADAPT_STRUCT(medclaim::ast::Number, text, money)
BOOST_FUSION_ADAPT_STRUCT(medclaim::ast::Unary, op, operand)
BOOST_FUSION_ADAPT_STRUCT(medclaim::ast::Operation, op, operand)
BOOST_FUSION_ADAPT_STRUCT(medclaim::ast::Expr, first, rest)
BOOST_FUSION_ADAPT_STRUCT(medclaim::ast::Call, name, args)
BOOST_FUSION_ADAPT_STRUCT(medclaim::ast::Aggregate, function, over, where)
BOOST_FUSION_ADAPT_STRUCT(medclaim::ast::IfElse, condition, then_branch, else_branch)

namespace medclaim {
namespace parser {

namespace x3 = boost::spirit::x3;
using x3::attr;
using x3::char_;
using x3::lexeme;
using x3::lit;
using x3::raw;

struct source_tag;  // context: const char* where the text begins
struct errors_tag;  // context: std::vector<SyntaxError>&

// Sets each node's offset after a rule matched.
struct annotate {
    template <class Iterator, class Context, class... Types>
    void on_success(Iterator const&, Iterator const&, x3::variant<Types...>&, Context const&) {}

    template <class T, class Iterator, class Context>
    void on_success(Iterator const& first, Iterator const&, T& node, Context const& context) {
        if constexpr (std::is_base_of_v<ast::Tagged, T>) {
            node.offset = static_cast<std::uint32_t>(first - x3::get<source_tag>(context));
        }
    }
};

// Turns a failed expectation into a SyntaxError naming what was expected (top rule only).
struct report_errors {
    template <class Iterator, class Exception, class Context>
    x3::error_handler_result on_error(Iterator&, Iterator const&, Exception const& x, Context const& context) {
        auto& errors = x3::get<errors_tag>(context).get();
        if (errors.empty()) {
            errors.push_back({static_cast<std::uint32_t>(x.where() - x3::get<source_tag>(context)), fmt::format("expected {}", x.which())});
        }
        return x3::error_handler_result::fail;
    }
};

struct expr_class : annotate {};
struct operand_class : annotate {};
struct operation_class : annotate {};
struct number_class : annotate {};
struct string_class : annotate {};
struct boolean_class : annotate {};
struct path_class : annotate {};
struct unary_class : annotate {};
struct call_class : annotate {};
struct aggregate_class : annotate {};
struct if_else_class : annotate {};
struct list_class : annotate {};
struct top_class : annotate, report_errors {};

x3::rule<expr_class, ast::Expr> const expr = "expression";
x3::rule<operand_class, ast::Operand> const operand = "a value";
x3::rule<operation_class, ast::Operation> const operation = "an operator";
x3::rule<number_class, ast::Number> const number = "a number";
x3::rule<string_class, ast::String> const string = "a string";
x3::rule<boolean_class, ast::Boolean> const boolean = "true or false";
x3::rule<path_class, ast::Path> const path = "a field name";
x3::rule<unary_class, ast::Unary> const unary = "a value";
x3::rule<call_class, ast::Call> const call = "a function call";
x3::rule<aggregate_class, ast::Aggregate> const aggregate = "count, sum, any or all";
x3::rule<if_else_class, ast::IfElse> const if_else = "if ... then ... else ...";
x3::rule<list_class, ast::ListLiteral> const list = "a list";
x3::rule<top_class, ast::Expr> const top = "expression";

// X3's character classes assert on bytes above 0x7F (UTF-8 text such as 元), so the
// grammar uses explicit ASCII ranges and its own skipper.
auto const digit = char_('0', '9');
auto const alpha = char_('a', 'z') | char_('A', 'Z');
auto const alnum = alpha | digit;
auto const blank = char_(" \t\r\n");

auto keyword(const char* word) { return lexeme[lit(word) >> !(alnum | '_')]; }

auto const kw_and = x3::rule<class kw_and_class>{"'and'"} = keyword("and");
auto const kw_or = x3::rule<class kw_or_class>{"'or'"} = keyword("or");
auto const kw_not = x3::rule<class kw_not_class>{"'not'"} = keyword("not");
auto const kw_in = x3::rule<class kw_in_class>{"'in'"} = keyword("in");
auto const kw_if = x3::rule<class kw_if_class>{"'if'"} = keyword("if");
auto const kw_then = x3::rule<class kw_then_class>{"'then'"} = keyword("then");
auto const kw_else = x3::rule<class kw_else_class>{"'else'"} = keyword("else");
auto const kw_where = x3::rule<class kw_where_class>{"'where'"} = keyword("where");
auto const kw_true = x3::rule<class kw_true_class>{"'true'"} = keyword("true");
auto const kw_false = x3::rule<class kw_false_class>{"'false'"} = keyword("false");
auto const end_of_input = x3::rule<class end_class>{"end of input"} = x3::eoi;
auto const reserved = kw_and | kw_or | kw_not | kw_in | kw_if | kw_then | kw_else | kw_where | kw_true | kw_false;

auto const identifier = x3::rule<class identifier_class, std::string>{"a name"} =
    lexeme[raw[(alpha | '_') >> *(alnum | '_')] - reserved];

struct symbol_ops : x3::symbols<ast::BinaryOp> {
    symbol_ops() {
        add("==", ast::BinaryOp::eq)("!=", ast::BinaryOp::ne)("<", ast::BinaryOp::lt)("<=", ast::BinaryOp::le)(">", ast::BinaryOp::gt)(
            ">=", ast::BinaryOp::ge)("+", ast::BinaryOp::add)("-", ast::BinaryOp::sub)("*", ast::BinaryOp::mul)("/", ast::BinaryOp::div);
    }
} const symbol_op;

struct aggregate_names : x3::symbols<std::string> {
    aggregate_names() { add("count", "count")("sum", "sum")("any", "any")("all", "all"); }
} const aggregate_name;

auto const binary_op = symbol_op | (kw_and >> attr(ast::BinaryOp::op_and)) | (kw_or >> attr(ast::BinaryOp::op_or)) |
                       (kw_not >> kw_in >> attr(ast::BinaryOp::not_in)) | (kw_in >> attr(ast::BinaryOp::in));

// Rules whose definition has a semantic action get no usable on_success position in
// Boost 1.74, and _where() is unreliable there; raw[] records the matched range after
// skipping, so these actions take the offset (and the text) from it.
template <class Context, class Range>
std::uint32_t start_of(Context const& ctx, Range const& range) {
    return static_cast<std::uint32_t>(range.begin() - x3::get<source_tag>(ctx));
}
auto const set_string = [](auto& ctx) {
    auto const& range = x3::_attr(ctx);
    x3::_val(ctx).offset = start_of(ctx, range);
    x3::_val(ctx).value.assign(range.begin() + 1, range.end() - 1);  // without the quotes
};
auto const set_true = [](auto& ctx) {
    x3::_val(ctx).offset = start_of(ctx, x3::_attr(ctx));
    x3::_val(ctx).value = true;
};
auto const set_false = [](auto& ctx) {
    x3::_val(ctx).offset = start_of(ctx, x3::_attr(ctx));
    x3::_val(ctx).value = false;
};
auto const set_parts = [](auto& ctx) {
    auto const& range = x3::_attr(ctx);
    x3::_val(ctx).offset = start_of(ctx, range);
    // The range is identifiers separated by dots, perhaps with blanks around them.
    std::string part;
    for (char c : range) {
        if (c == '.') {
            x3::_val(ctx).parts.push_back(std::move(part));
            part.clear();
        } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
            part.push_back(c);
        }
    }
    x3::_val(ctx).parts.push_back(std::move(part));
};
auto const set_list_start = [](auto& ctx) { x3::_val(ctx).offset = start_of(ctx, x3::_attr(ctx)); };

auto const number_def = lexeme[raw[+digit >> -('.' >> +digit)] >> x3::matches[lit("元")]];
auto const string_def = raw[lexeme['"' > *(char_ - '"' - '\n') > '"']][set_string];
auto const boolean_def = raw[kw_true][set_true] | raw[kw_false][set_false];
auto const path_def = raw[identifier % '.'][set_parts];
auto const unary_def = ((lit('-') >> attr(ast::UnaryOp::negate)) | (kw_not >> attr(ast::UnaryOp::op_not))) > operand;
auto const call_def = identifier >> '(' > -(expr % ',') > ')';
auto const aggregate_def = aggregate_name >> '(' > path > -(kw_where > expr) > ')';
auto const if_else_def = kw_if > expr > kw_then > expr > kw_else > expr;
auto const list_def = raw[lit('[')][set_list_start] > (-(expr % ',') > ']')[([](auto& ctx) {
    if (auto& items = x3::_attr(ctx)) x3::_val(ctx).items.assign(items->begin(), items->end());
})];
auto const operand_def = if_else | aggregate | call | list | number | string | boolean | path | unary | ('(' > expr > ')');
auto const operation_def = binary_op > operand;
auto const expr_def = operand >> *operation;
auto const top_def = expr > end_of_input;

BOOST_SPIRIT_DEFINE(expr, operand, operation, number, string, boolean, path, unary, call, aggregate, if_else, list, top)

}  // namespace parser

std::optional<ast::Expr> parse_expression(std::string_view text, std::vector<SyntaxError>& errors) {
    namespace x3 = boost::spirit::x3;
    const char* first = text.data();
    const char* last = text.data() + text.size();
    ast::Expr out;
    std::vector<SyntaxError> local;
    auto parser = x3::with<parser::source_tag>(text.data())[x3::with<parser::errors_tag>(std::ref(local))[parser::top]];
    bool ok = false;
    try {
        ok = x3::phrase_parse(first, last, parser, parser::blank, out);
    } catch (const x3::expectation_failure<const char*>& e) {
        local.push_back({static_cast<std::uint32_t>(e.where() - text.data()), fmt::format("expected {}", e.which())});
    }
    if (ok && local.empty()) return out;
    if (local.empty()) local.push_back({static_cast<std::uint32_t>(first - text.data()), "expected an expression"});
    // X3 reports the position before skipping blanks; point at the offending token.
    for (SyntaxError& e : local) {
        while (e.offset < text.size() && (text[e.offset] == ' ' || text[e.offset] == '\t' || text[e.offset] == '\r' || text[e.offset] == '\n')) ++e.offset;
    }
    errors.insert(errors.end(), local.begin(), local.end());
    return std::nullopt;
}

}  // namespace medclaim
