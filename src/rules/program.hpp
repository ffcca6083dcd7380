#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rules/value.hpp"

namespace medclaim {

struct Claim;
struct Line;
class Catalog;
class CatalogSet;
class DecisionTable;
class TableSet;

/// What evaluations saw, recorded only when asked for: each entry says which rule or
/// table row decided and the values it was given.
struct Trace {
    std::vector<std::string> entries;  ///< readable, in evaluation order
    std::vector<std::string> hits;     ///< `table ID row ROW`, `edit ID`, `layer ID segment N`, for coverage
};

/// What an expression is evaluated against: a claim and, for line rules and inside
/// count/sum over lines, one of its lines. With `trace` set, table look-ups record
/// which row fired; without it they record nothing and pay one pointer test.
struct EvalContext {
    const Claim* claim = nullptr;
    const Line* line = nullptr;
    Trace* trace = nullptr;
    std::int64_t admission_no = 0;  ///< claim.admission_no: this inpatient stay's number in the plan year
    std::int64_t days_since_discharge = -1;  ///< claim.days_since_discharge: from the member's last inpatient discharge to this admission or visit; -1 when none
};

/// One node of a compiled expression: typed, resolved, evaluated through `fn`.
struct Node {
    using Fn = Value (*)(const Node&, const EvalContext&);
    Fn fn = nullptr;
    Type type = Type::boolean;
    std::uint32_t offset = 0;  ///< where the node starts in the expression text
    int code = 0;              ///< operator, field or function id (meaning depends on fn)
    Value constant;            ///< literals and folded constants
    std::vector<std::unique_ptr<Node>> kids;
    std::vector<std::string> strings;  ///< storage behind string constants and string lists
    std::vector<std::string_view> set;  ///< sorted members of an `in [...]` list of strings
    std::vector<std::int64_t> numbers;  ///< sorted members of an `in [...]` list of numbers
    const Catalog* catalog = nullptr;   ///< for `in catalog(...)`
    const DecisionTable* table = nullptr;  ///< for table(...)

    Value eval(const EvalContext& c) const { return fn(*this, c); }
};

/// Whether a compiled expression may read `line.*` fields at its top level.
enum class Scope {
    claim,  // claim rules: line fields only inside count/sum/any/all over lines
    line,   // line rules: evaluated once per fee line
};

/// A bind-time error at a byte offset of the expression text.
struct BindError {
    std::uint32_t offset = 0;
    std::string message;
};

/// A parsed, type-checked, constant-folded expression, ready to evaluate many times.
/// Rules: 1. every field and function is resolved at bind time; 2. evaluation does not
/// allocate, throw or look anything up by name; 3. `dump()` shows the typed tree.
class Program {
public:
    /// Parses and binds `text`. On failure returns nullopt and fills `errors`
    /// (syntax errors first, then every bind error found).
    static std::optional<Program> compile(std::string_view text, Scope scope, std::vector<BindError>& errors,
                                          const CatalogSet* catalogs = nullptr, const TableSet* tables = nullptr);

    Value evaluate(const EvalContext& c) const { return root_->eval(c); }
    Type type() const { return root_->type; }
    /// The typed tree with explicit precedence, e.g. `(member.age:integer >= 60)`.
    std::string dump() const;
    /// The tree with the value of every evaluated part, for "why did this fire":
    /// `((member.age:integer=63 >= 60)=true and ...)=true`. `c` must be a context the
    /// program can be evaluated in; parts inside count/sum/any/all show no values.
    std::string explain(const EvalContext& c) const;
    /// The value when the whole expression folded to a constant, else nullopt.
    std::optional<Value> constant() const;
    /// The field path when the whole expression is one field (`provider.level`), else empty.
    std::string_view field() const;

private:
    std::unique_ptr<Node> root_;
};

/// The fields an expression can read, with their types, for documentation and
/// suggestions.
struct ExprField {
    std::string_view name;
    Type type;
    bool line;  ///< a `line.*` field
};
std::span<const ExprField> expression_fields();

}  // namespace medclaim
