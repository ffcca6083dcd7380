#include "rules/table.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace medclaim {

bool Cell::matches(const Value& v) const {
    switch (kind) {
        case Kind::any: return true;
        case Kind::range: return lo <= v.number && v.number <= hi;
        case Kind::text_eq: return v.type == Type::string ? v.text == text : (v.number != 0) == (text == "true");
        case Kind::text_ne: return v.type == Type::string ? v.text != text : (v.number != 0) != (text == "true");
        case Kind::number_ne: return v.number != lo;
    }
    return false;
}

bool Cell::covers(const Cell& o) const {
    switch (kind) {
        case Kind::any: return true;
        case Kind::range: return o.kind == Kind::range && lo <= o.lo && o.hi <= hi;
        case Kind::text_eq: return o.kind == Kind::text_eq && o.text == text;
        case Kind::text_ne: return (o.kind == Kind::text_eq && o.text != text) || (o.kind == Kind::text_ne && o.text == text);
        case Kind::number_ne: return (o.kind == Kind::range && (o.hi < lo || o.lo > lo)) || (o.kind == Kind::number_ne && o.lo == lo);
    }
    return false;
}

bool Cell::overlaps(const Cell& o) const {
    if (kind == Kind::any || o.kind == Kind::any) return true;
    if (kind == Kind::range && o.kind == Kind::range) return lo <= o.hi && o.lo <= hi;
    if (kind == Kind::text_eq && o.kind == Kind::text_eq) return text == o.text;
    if (kind == Kind::text_eq && o.kind == Kind::text_ne) return text != o.text;
    if (kind == Kind::text_ne && o.kind == Kind::text_eq) return text != o.text;
    if (kind == Kind::number_ne && o.kind == Kind::range) return !(o.lo == lo && o.hi == lo);
    if (kind == Kind::range && o.kind == Kind::number_ne) return !(lo == o.lo && hi == o.lo);
    return true;  // two inequalities always share a value
}

void DecisionTable::build_index() {
    index_column_ = -1;
    for (std::size_t col = 0; col < inputs.size() && index_column_ < 0; ++col) {
        bool equalities = !rows.empty() && std::all_of(rows.begin(), rows.end(), [&](const TableRow& r) {
            const Cell& cell = r.when[col];
            return cell.kind == Cell::Kind::any || cell.kind == Cell::Kind::text_eq || (cell.kind == Cell::Kind::range && cell.lo == cell.hi);
        });
        if (equalities) index_column_ = static_cast<int>(col);
    }
    if (index_column_ < 0) return;
    auto col = static_cast<std::size_t>(index_column_);
    for (std::uint32_t i = 0; i < rows.size(); ++i) {
        const Cell& cell = rows[i].when[col];
        if (cell.kind == Cell::Kind::any) {
            any_rows_.push_back(i);
            // A `-` row belongs to every bucket, in row order.
            for (auto& [key, list] : number_index_) list.push_back(i);
            for (auto& [key, list] : text_index_) list.push_back(i);
        } else if (cell.kind == Cell::Kind::text_eq) {
            auto [it, inserted] = text_index_.try_emplace(cell.text, any_rows_);
            it->second.push_back(i);
        } else {
            auto [it, inserted] = number_index_.try_emplace(cell.lo, any_rows_);
            it->second.push_back(i);
        }
    }
}

template <class Visit>
void DecisionTable::each_match(const EvalContext& c, Visit visit) const {
    std::array<Value, k_max_inputs> values;
    for (std::size_t i = 0; i < inputs.size(); ++i) values[i] = inputs[i].expr.evaluate(c);
    auto test = [&](std::uint32_t r) {
        const TableRow& row = rows[r];
        for (std::size_t i = 0; i < inputs.size(); ++i) {
            if (!row.when[i].matches(values[i])) return true;  // keep looking
        }
        return visit(r);
    };
    if (index_column_ < 0) {
        for (std::uint32_t r = 0; r < rows.size(); ++r) {
            if (!test(r)) return;
        }
        return;
    }
    const Value& key = values[static_cast<std::size_t>(index_column_)];
    const std::vector<std::uint32_t>* candidates = &any_rows_;
    if (key.type == Type::string) {
        if (auto it = text_index_.find(key.text); it != text_index_.end()) candidates = &it->second;
    } else if (key.type == Type::boolean) {
        if (auto it = text_index_.find(key.number != 0 ? "true" : "false"); it != text_index_.end()) candidates = &it->second;
    } else if (auto it = number_index_.find(key.number); it != number_index_.end()) {
        candidates = &it->second;
    }
    for (std::uint32_t r : *candidates) {
        if (!test(r)) return;
    }
}

void DecisionTable::record(const EvalContext& c, std::int64_t row, std::string_view outcome) const {
    std::string inputs_seen;
    for (const TableInput& in : inputs) {
        if (!inputs_seen.empty()) inputs_seen += ", ";
        inputs_seen += fmt::format("{}={}", in.name, to_string(in.expr.evaluate(c)));
    }
    if (row >= 0) c.trace->hits.push_back(fmt::format("table {} row {}", id, rows[static_cast<std::size_t>(row)].id));
    c.trace->entries.push_back(row < 0 ? fmt::format("table {}: no row matched ({}): {}", id, inputs_seen, outcome)
                                       : fmt::format("table {}: row {} ({}): {}", id, rows[static_cast<std::size_t>(row)].id, inputs_seen, outcome));
}

std::int64_t DecisionTable::first_match(const EvalContext& c) const {
    std::int64_t found = -1;
    each_match(c, [&](std::uint32_t r) {
        found = r;
        return false;
    });
    return found;
}

std::int64_t DecisionTable::count(const EvalContext& c) const {
    std::int64_t n = 0;
    each_match(c, [&](std::uint32_t) {
        ++n;
        return true;
    });
    if (c.trace) record(c, -1, fmt::format("{} rows match", n));
    return n;
}

Value DecisionTable::result(const EvalContext& c, std::size_t output) const {
    if (hit == HitPolicy::collect_sum) {
        Value total = outputs[output].fallback;
        total.number = 0;
        each_match(c, [&](std::uint32_t r) {
            total.number += rows[r].then[output].number;
            if (c.trace) record(c, r, fmt::format("{} += {}", outputs[output].name, to_string(rows[r].then[output])));
            return true;
        });
        return total;
    }
    std::int64_t r = first_match(c);
    Value v = r < 0 ? outputs[output].fallback : rows[static_cast<std::size_t>(r)].then[output];
    if (c.trace) record(c, r, fmt::format("{} = {}{}", outputs[output].name, to_string(v), r < 0 ? " (default)" : ""));
    return v;
}

}  // namespace medclaim
