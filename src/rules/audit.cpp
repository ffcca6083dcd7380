#include "rules/audit.hpp"

#include <algorithm>
#include <array>
#include <map>

#include <fmt/format.h>

#include "ingest/byte_source.hpp"
#include "ingest/csv_tokenizer.hpp"
#include "util/error.hpp"
#include "util/fixed.hpp"

namespace medclaim {

namespace {

// The texts of a cell that lists several: `(a|b|c)` or `a|b`, trimmed, each once.
std::vector<std::string_view> alternatives(std::string_view cell) {
    cell = trim(cell);
    if (cell.size() >= 2 && cell.front() == '(' && cell.back() == ')') cell = cell.substr(1, cell.size() - 2);
    std::vector<std::string_view> out;
    for (std::string_view part : split_list(cell)) {
        if (!part.empty() && std::find(out.begin(), out.end(), part) == out.end()) out.push_back(part);
    }
    return out;
}

// The first decimal number in `text` ("14天" → 14, "支付不超过90天" → 90), in units
// of 10^-scale; nullopt when there is none.
std::optional<std::int64_t> first_number(std::string_view text, int scale) {
    std::size_t b = text.find_first_of("0123456789");
    if (b == std::string_view::npos) return std::nullopt;
    std::size_t e = b;
    while (e < text.size() && ((text[e] >= '0' && text[e] <= '9') || text[e] == '.')) ++e;
    DecimalParse p = parse_decimal(text.substr(b, e - b), scale, NumberSyntax::plain);
    if (p.error != DecimalError::none) return std::nullopt;
    return p.units;
}

std::uint32_t intern(Audit& audit, std::string_view item) {
    if (auto it = audit.item_ids.find(item); it != audit.item_ids.end()) return it->second;
    auto id = static_cast<std::uint32_t>(audit.items.size());
    audit.items.emplace_back(item);
    audit.item_ids.emplace(std::string(item), id);
    return id;
}

// A CSV file read whole, with its header's column numbers by name.
class Sheet {
public:
    explicit Sheet(const std::string& path) : path_(path), input_(open_input(path, Encoding::automatic)), tokenizer_(*input_.source) {
        if (tokenizer_.next(header_)) {
            for (std::size_t c = 0; c < header_.fields.size(); ++c) names_.emplace_back(trim(header_.fields[c]));
        }
    }
    const std::string& path() const { return path_; }
    const CsvRecord& header() const { return header_; }
    std::optional<std::size_t> column(std::string_view name) const {
        auto it = std::find(names_.begin(), names_.end(), name);
        if (it == names_.end()) return std::nullopt;
        return static_cast<std::size_t>(it - names_.begin());
    }
    std::string columns() const {
        std::string s;
        for (const std::string& n : names_) s += fmt::format("{}`{}`", s.empty() ? "" : ", ", n);
        return s;
    }
    bool next(CsvRecord& r) { return tokenizer_.next(r); }

private:
    std::string path_;
    OpenedInput input_;
    CsvTokenizer tokenizer_;
    CsvRecord header_;
    std::vector<std::string> names_;
};

// The column `name` of `sheet`, or a diagnostic that lists the header.
std::optional<std::size_t> need_column(const Sheet& sheet, std::string_view name, std::string_view role, std::vector<Diagnostic>& out) {
    if (auto c = sheet.column(name)) return c;
    out.push_back(record_diagnostic(sheet.path(), sheet.header(), 0,
                                    fmt::format("the {} column `{}` is not in the header; the columns are {}", role, name, sheet.columns())));
    return std::nullopt;
}

// Calls `f(a, b)` for each row of the CSV file `path` whose columns `a` and `b` both
// hold text (trimmed); false, said in `out`, when the header lacks one of them.
template <class F>
bool each_pair(const std::string& path, const std::string& a, const std::string& b, std::string_view a_role, std::string_view b_role,
               std::vector<Diagnostic>& out, F&& f) {
    Sheet sheet(path);
    auto a_col = need_column(sheet, a, a_role, out);
    auto b_col = need_column(sheet, b, b_role, out);
    if (!a_col || !b_col) return false;
    CsvRecord r;
    while (sheet.next(r)) {
        if (r.error != CsvError::none) {
            out.push_back(record_diagnostic(path, r, 0, std::string(describe(r.error))));
            continue;
        }
        if (r.fields.size() <= std::max(*a_col, *b_col)) continue;  // a short note row
        std::string_view x = trim(r.fields[*a_col]);
        std::string_view y = trim(r.fields[*b_col]);
        if (!x.empty() && !y.empty()) f(x, y);
    }
    return true;
}

// Interprets restriction text `text` for `check` into `e`; an error message when it cannot.
std::string interpret(AuditCheck check, std::string_view text, AuditEntry& e) {
    switch (check) {
        case AuditCheck::sex: {
            if (text == "男") text = "M";
            if (text == "女") text = "F";
            auto sex = parse_enum<Sex>(text);
            if (!sex) return fmt::format("`{}` is not a sex: map it to M or F under `values`", quote_excerpt(text));
            e.number = *sex == Sex::female ? 1 : 0;
            return {};
        }
        case AuditCheck::age: {
            std::size_t dash = text.find('-');
            DecimalParse lo = parse_decimal(trim(text.substr(0, dash)), 0, NumberSyntax::plain);
            DecimalParse hi = dash == std::string_view::npos ? lo : parse_decimal(trim(text.substr(dash + 1)), 0, NumberSyntax::plain);
            if (lo.error != DecimalError::none || hi.error != DecimalError::none || lo.units < 0 || hi.units > 150 || lo.units > hi.units) {
                return fmt::format("`{}` is not an age band: map it to whole years `LOW-HIGH` under `values` (儿童: 0-17)", quote_excerpt(text));
            }
            e.low = static_cast<std::int32_t>(lo.units);
            e.high = static_cast<std::int32_t>(hi.units);
            return {};
        }
        case AuditCheck::level: {
            DecimalParse p = parse_decimal(text, 0, NumberSyntax::plain);
            if (p.error != DecimalError::none || p.units < 0 || p.units > 3) {
                return fmt::format("`{}` is not a provider level: map it to 0–3 under `values` (二级: 2)", quote_excerpt(text));
            }
            e.number = p.units;
            return {};
        }
        case AuditCheck::care_type:
            for (std::string_view part : alternatives(text)) {
                auto ct = parse_enum<CareType>(part);
                if (!ct) return fmt::format("`{}` is not a care type: map it to care types under `values` (住院: inpatient)", quote_excerpt(part));
                e.mask |= 1u << static_cast<unsigned>(*ct);
            }
            if (e.mask == 0) return "no care type is allowed: write at least one";
            return {};
        case AuditCheck::scheme:
            for (std::string_view part : alternatives(text)) {
                auto s = parse_enum<Scheme>(part);
                if (!s) return fmt::format("`{}` is not a scheme: map it to employee, resident or none under `values` (工伤: \"\" allows none)", quote_excerpt(part));
                e.mask |= 1u << static_cast<unsigned>(*s);
            }
            return {};
        case AuditCheck::drug_days:
        case AuditCheck::course: {
            auto days = first_number(text, 0);
            if (!days || *days <= 0) return fmt::format("`{}` gives no number of days: map it to one under `values`", quote_excerpt(text));
            e.number = *days;
            return {};
        }
        case AuditCheck::per_day:
        case AuditCheck::period:
        case AuditCheck::stay_days: {
            auto qty = first_number(text, Quantity::k_scale);
            if (!qty || *qty <= 0) return fmt::format("`{}` gives no quantity a day: map it to one under `values`", quote_excerpt(text));
            e.number = *qty;
            return {};
        }
        case AuditCheck::duplicate:
        case AuditCheck::indication:
            for (std::string_view part : alternatives(text)) e.words.emplace_back(part);
            if (e.words.empty()) return "the cell is empty";
            return {};
        case AuditCheck::operation_group:
            if (text.empty()) return "the operation group is empty";
            return {};
        case AuditCheck::idle_stay:
        case AuditCheck::readmission: return {};
    }
    return {};
}

}  // namespace

std::string_view to_string(AuditCheck v) {
    static constexpr std::array<std::string_view, 15> k{"sex",        "age",       "level",     "care_type", "scheme",
                                                        "drug_days",  "per_day",   "stay_days", "course",    "duplicate",
                                                        "operation_group", "indication", "idle_stay", "period", "readmission"};
    return k[static_cast<std::size_t>(v)];
}
std::string_view to_string(AuditCategory v) {
    static constexpr std::array<std::string_view, 3> k{"policy", "management", "medical"};
    return k[static_cast<std::size_t>(v)];
}
std::string_view to_string(AuditResult v) { return v == AuditResult::violation ? "violation" : "suspect"; }
std::string_view to_string(AuditAction v) {
    static constexpr std::array<std::string_view, 5> k{"deny", "deny_excess", "reduce", "pend", "info"};
    return k[static_cast<std::size_t>(v)];
}
std::string_view chinese(AuditCategory v) {
    static constexpr std::array<std::string_view, 3> k{"政策", "管理", "医疗"};
    return k[static_cast<std::size_t>(v)];
}
std::string_view chinese(AuditResult v) { return v == AuditResult::violation ? "明确违规" : "高度可疑"; }

std::size_t load_audit_table(Audit& audit, std::uint32_t rule_index, const AuditTableSpec& spec, const AuditValues& values,
                             std::vector<Diagnostic>& out) {
    const AuditCheck check = audit.rules[rule_index].check;
    std::size_t errors_before = out.size();
    auto fail = [&](const std::string& path, const CsvRecord& r, std::size_t column, std::string message) {
        out.push_back(record_diagnostic(path, r, column, std::move(message)));
    };
    // A second sheet gives each generic name its codes (the NHSA drug batches).
    std::map<std::string, std::vector<std::string>, std::less<>> codes_of_name;
    if (!spec.codes_file.empty() &&
        !each_pair(spec.codes_file, spec.codes_name, spec.codes_code, "generic-name", "code", out,
                   [&](std::string_view name, std::string_view code) { codes_of_name[std::string(name)].emplace_back(code); })) {
        return 0;
    }
    Sheet sheet(spec.file);
    std::optional<std::size_t> key_col = spec.codes_file.empty() ? need_column(sheet, spec.code, "code", out) : need_column(sheet, spec.name, "generic-name", out);
    std::optional<std::size_t> value_col;
    if (spec.value_is.empty() && check != AuditCheck::idle_stay) value_col = need_column(sheet, spec.value, "restriction", out);
    std::optional<std::size_t> name_col;  // a table of codes may name each code's generic name too
    if (spec.codes_file.empty() && !spec.name.empty()) name_col = need_column(sheet, spec.name, "generic-name", out);
    if (spec.codes_file.empty() && !spec.name.empty() && !name_col) return 0;
    std::optional<std::size_t> window_col;
    if (!spec.window.empty()) window_col = need_column(sheet, spec.window, "window", out);
    std::optional<std::size_t> period_col;
    if (check == AuditCheck::period) {
        period_col = need_column(sheet, spec.period.empty() ? std::string("period") : spec.period, "period", out);
        if (!period_col) return 0;
    }
    if (!key_col || (spec.value_is.empty() && check != AuditCheck::idle_stay && !value_col) || (!spec.window.empty() && !window_col)) return 0;
    auto source = static_cast<std::uint32_t>(audit.sources.size());
    audit.sources.push_back(spec.file);
    std::size_t rows = 0;
    CsvRecord r;
    while (sheet.next(r)) {
        if (r.error != CsvError::none) {
            fail(sheet.path(), r, 0, std::string(describe(r.error)));
            continue;
        }
        std::size_t width = std::max({*key_col, value_col.value_or(0), window_col.value_or(0), name_col.value_or(0), period_col.value_or(0)});
        if (r.fields.size() <= width) continue;  // a note row shorter than the table
        std::string_view key = trim(r.fields[*key_col]);
        if (key.empty()) continue;  // totals and notes (合计, 备注) carry no code
        std::string_view text = value_col ? trim(r.fields[*value_col]) : std::string_view(spec.value_is);
        if (value_col && text.empty()) continue;  // the row restricts something else (a sheet of several restriction columns)
        AuditEntry e;
        e.rule = rule_index;
        e.source = source;
        e.line = static_cast<std::uint32_t>(r.line);
        e.text = std::string(text);
        auto mean = [&](std::string_view t) {
            for (const auto& [from, to] : values) {
                if (from == t) return std::string_view(to);
            }
            return t;
        };
        std::string_view meaning = mean(text);
        if (std::string why = interpret(check, meaning, e); !why.empty()) {
            fail(sheet.path(), r, value_col.value_or(*key_col), std::move(why));
            continue;
        }
        if (period_col) {
            std::string_view w = mean(trim(r.fields[*period_col]));
            auto days = first_number(w, 0);
            if (!days || *days < 1 || *days > 3660) {
                fail(sheet.path(), r, *period_col, fmt::format("`{}` is not a window of 1 to 3660 days", quote_excerpt(w)));
                continue;
            }
            e.low = static_cast<std::int32_t>(*days);
            audit.history_days = std::max(audit.history_days, e.low);
        }
        if (window_col) {
            std::string_view w = mean(trim(r.fields[*window_col]));
            if (w != "day" && w != "claim") {
                fail(sheet.path(), r, *window_col, fmt::format("window `{}` is neither `day` nor `claim`: map it under `values`", quote_excerpt(w)));
                continue;
            }
            e.low = w == "claim" ? 1 : 0;
        }
        std::vector<std::string_view> codes;
        if (spec.codes_file.empty()) {
            codes = alternatives(key);
            // What a count runs over: the row's generic name when the table has one,
            // so that the codes of one drug share its days; else the code.
            std::string_view item = name_col && !trim(r.fields[*name_col]).empty() ? trim(r.fields[*name_col]) : codes.empty() ? key : codes.front();
            e.item = intern(audit, check == AuditCheck::operation_group ? meaning : item);
        } else {
            auto it = codes_of_name.find(key);
            if (it == codes_of_name.end()) {
                fail(sheet.path(), r, *key_col, fmt::format("generic name `{}` has no codes in `{}`", quote_excerpt(key), spec.codes_file));
                continue;
            }
            for (const std::string& c : it->second) codes.push_back(c);
            e.item = intern(audit, check == AuditCheck::operation_group ? meaning : key);
        }
        auto at = static_cast<std::uint32_t>(audit.rows.size());
        audit.rows.push_back(std::move(e));
        for (std::string_view code : codes) audit.entries.add(code, spec.prefix, at);
        ++rows;
    }
    return out.size() == errors_before ? rows : 0;
}

std::size_t load_diagnosis_names(Audit& audit, const std::string& file, const std::string& code_column, const std::string& name_column,
                                 bool prefix, std::vector<Diagnostic>& out) {
    std::size_t rows = 0;
    each_pair(file, code_column, name_column, "diagnosis code", "diagnosis name", out, [&](std::string_view code, std::string_view name) {
        audit.diagnosis_names.add(code, prefix, std::string(name));
        ++rows;
    });
    return rows;
}

}  // namespace medclaim
