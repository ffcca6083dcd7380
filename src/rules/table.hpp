#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rules/program.hpp"
#include "util/text.hpp"

namespace medclaim {

/// How a decision table combines the rows that match.
enum class HitPolicy {
    first,        // the first matching row, in row order
    unique,       // at most one row can match (checked when the pack is compiled)
    collect,      // all matching rows: table("id") counts them
    collect_sum,  // the sum of the matching rows' outputs
};

/// One cell test. Numbers, money and dates are inclusive ranges in their units
/// (`3` is [3, 3], `>= 30000` is [30000, max], `-` is any); strings and booleans test
/// equality or inequality.
struct Cell {
    enum class Kind { any, range, text_eq, text_ne, number_ne };
    Kind kind = Kind::any;
    std::int64_t lo = std::numeric_limits<std::int64_t>::min();
    std::int64_t hi = std::numeric_limits<std::int64_t>::max();
    std::string text;

    bool matches(const Value& v) const;
    /// True when this cell matches every value `other` matches.
    bool covers(const Cell& other) const;
    /// True when some value matches both cells.
    bool overlaps(const Cell& other) const;
};

struct TableRow {
    std::string id;
    std::vector<Cell> when;
    std::vector<Value> then;
    std::vector<std::string> then_text;  ///< storage behind string outputs
    std::uint64_t line = 0;              ///< where the row is in its YAML file
};

struct TableInput {
    std::string name;
    Program expr;
};

struct TableOutput {
    std::string name;
    Type type = Type::money;
    Value fallback;              ///< the value when no row matches
    bool has_default = false;    ///< `default` was given (else fallback is zero or empty)
    std::string fallback_text;
};

/// A decision table (see man/medclaim-rules.5, TABLES).
/// Rules: 1. inputs are evaluated once per look-up, then rows are tested in order;
/// 2. rows are indexed on the first input whose cells are all equalities or `-`, so
/// a look-up costs about the same for 50 rows as for 5,000.
class DecisionTable {
public:
    std::string id;
    std::string file;  ///< the YAML file that defines it
    HitPolicy hit = HitPolicy::first;
    Scope scope = Scope::claim;
    std::vector<TableInput> inputs;
    std::vector<TableOutput> outputs;
    std::vector<TableRow> rows;

    static constexpr std::size_t k_max_inputs = 16;

    /// Builds the row index; call once after the rows are complete.
    void build_index();
    /// The value of output `output` for the context, by the hit policy.
    Value result(const EvalContext& c, std::size_t output) const;
    /// How many rows match.
    std::int64_t count(const EvalContext& c) const;
    /// The index of the first matching row, or -1.
    std::int64_t first_match(const EvalContext& c) const;
    /// The column the index is on, or -1 when no column qualifies.
    int index_column() const { return index_column_; }

private:
    template <class Visit>
    void each_match(const EvalContext& c, Visit visit) const;
    // Appends "table id: row r (inputs): outcome" to c.trace (which must be set).
    void record(const EvalContext& c, std::int64_t row, std::string_view outcome) const;

    int index_column_ = -1;
    std::unordered_map<std::int64_t, std::vector<std::uint32_t>> number_index_;
    std::unordered_map<std::string, std::vector<std::uint32_t>, StringHash, std::equal_to<>> text_index_;
    std::vector<std::uint32_t> any_rows_;  ///< rows with `-` in the index column
};

/// The decision tables an expression may name in table("id", "output").
class TableSet {
public:
    virtual ~TableSet() = default;
    virtual const DecisionTable* find_table(std::string_view id) const = 0;
    virtual std::vector<std::string_view> table_ids() const = 0;
};

}  // namespace medclaim
