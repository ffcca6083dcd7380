#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/claim.hpp"
#include "util/diagnostics.hpp"
#include "util/text.hpp"

namespace medclaim {

/// What an audit rule tests (医保智能审核; see man medclaim-rules(5), AUDIT).
enum class AuditCheck {
    sex,              // 限性别: the member's sex
    age,              // 限年龄 / 限儿童: the member's age band
    level,            // 限机构等级: the provider's lowest level
    care_type,        // 限就医方式: the care types allowed
    scheme,           // 限险种: the schemes allowed
    drug_days,        // 超支付疗程: days of use in one claim
    per_day,          // 超频次: quantity per day
    stay_days,        // 住院天数与计费不符: quantity over the stay against its days
    course,           // 超疗程: days an item is billed in one claim
    duplicate,        // 重复收费: an item billed with one that contains it, on one day
    operation_group,  // 主次操作: several operations of one group on one day
    indication,       // 诊断与用药不符: a drug without one of its diagnoses
    idle_stay,        // 挂床住院: consecutive days that bill only stay items
    period,           // 超周期: quantity within a rolling window of days, across claims
    readmission,      // 分解住院: a stay soon after one with the same principal diagnosis, across claims
};
enum class AuditCategory { policy, management, medical };  // 政策, 管理, 医疗
enum class AuditResult { violation, suspect };             // 明确违规, 高度可疑
/// What a rule does to what it finds: move the line (deny), the part beyond the
/// limit (deny_excess) or a share (reduce) to full_self_pay; hold the claim (pend);
/// or only report (info).
enum class AuditAction { deny, deny_excess, reduce, pend, info };

std::string_view to_string(AuditCheck v);
std::string_view to_string(AuditCategory v);
std::string_view to_string(AuditResult v);
std::string_view to_string(AuditAction v);
/// 政策 / 管理 / 医疗 and 明确违规 / 高度可疑, as NHSA results name them.
std::string_view chinese(AuditCategory v);
std::string_view chinese(AuditResult v);

/// Rows keyed by code: each key matches a code exactly or, for rows loaded with
/// `match: prefix`, every code it begins (drug codes of 12 characters cover the
/// 23-character codes of each maker and pack).
/// Rules: 1. one pass over a code hashes it and each of its prefixes of a key length;
/// 2. a compact table of 16-bit fingerprints of those hashes (4 bytes a key at most:
/// open addressing, at most half full) answers "no row" for most fee lines without
/// touching the map; for 15,000 codes it is 64 KiB, which stays in the cache.
template <class T>
class CodeIndex {
public:
    void add(std::string_view key, bool prefix, T value) {
        auto [it, inserted] = rows_.try_emplace(std::string(key));
        it->second.push_back({prefix, std::move(value)});
        if (!inserted || key.empty()) return;
        if (key.size() < 64) lengths_ |= std::uint64_t{1} << key.size();
        else long_keys_ = true;
        if (prefix && std::find(prefix_lengths_.begin(), prefix_lengths_.end(), key.size()) == prefix_lengths_.end()) {
            prefix_lengths_.push_back(key.size());
        }
        if (2 * (rows_.size() + 1) > filter_.size()) {
            filter_.assign(std::max<std::size_t>(64, filter_.size() * 2), 0);
            for (const auto& [k, rows] : rows_) insert(hash(k));
        } else {
            insert(hash(key));
        }
    }
    /// Calls `f(const T&)` for each row that matches `code`.
    template <class F>
    void find(std::string_view code, F&& f) const {
        if (rows_.empty()) return;
        std::uint64_t h = k_offset;
        for (std::size_t n = 1; n <= code.size(); ++n) {
            h = (h ^ static_cast<unsigned char>(code[n - 1])) * k_prime;
            bool whole = n == code.size();
            if (!whole && ((n < 64 && !(lengths_ >> n & 1)) || !is_prefix_length(n))) continue;
            if (whole && n < 64 && !(lengths_ >> n & 1) && !long_keys_) continue;
            if (!maybe(h)) continue;
            auto it = rows_.find(code.substr(0, n));
            if (it == rows_.end()) continue;
            for (const Row& r : it->second) {
                if (whole || r.prefix) f(r.value);
            }
        }
    }
    std::size_t keys() const { return rows_.size(); }
    bool empty() const { return rows_.empty(); }

private:
    static constexpr std::uint64_t k_offset = 14695981039346656037ULL;  // FNV-1a 64
    static constexpr std::uint64_t k_prime = 1099511628211ULL;
    static std::uint64_t hash(std::string_view key) {
        std::uint64_t h = k_offset;
        for (char c : key) h = (h ^ static_cast<unsigned char>(c)) * k_prime;
        return h;
    }
    // A hash's slot and fingerprint (never 0, which marks an empty slot), from the
    // high bits of a multiplied hash: FNV's low bits mix poorly.
    std::size_t slot(std::uint64_t h) const { return static_cast<std::size_t>((h * 0x9E3779B97F4A7C15ULL) >> 20) & (filter_.size() - 1); }
    static std::uint16_t fingerprint(std::uint64_t h) { return static_cast<std::uint16_t>(((h * 0xC2B2AE3D27D4EB4FULL) >> 48) | 1); }
    void insert(std::uint64_t h) {
        std::uint16_t fp = fingerprint(h);
        for (std::size_t i = slot(h);; i = (i + 1) & (filter_.size() - 1)) {
            if (filter_[i] == 0) {
                filter_[i] = fp;
                return;
            }
        }
    }
    bool maybe(std::uint64_t h) const {
        std::uint16_t fp = fingerprint(h);
        for (std::size_t i = slot(h);; i = (i + 1) & (filter_.size() - 1)) {
            if (filter_[i] == fp) return true;
            if (filter_[i] == 0) return false;
        }
    }
    bool is_prefix_length(std::size_t n) const { return std::find(prefix_lengths_.begin(), prefix_lengths_.end(), n) != prefix_lengths_.end(); }

    struct Row {
        bool prefix = false;
        T value;
    };
    std::unordered_map<std::string, std::vector<Row>, StringHash, std::equal_to<>> rows_;
    std::vector<std::size_t> prefix_lengths_;
    std::uint64_t lengths_ = 0;  // bit n: some key has n bytes (n < 64)
    bool long_keys_ = false;     // some key has 64 bytes or more
    std::vector<std::uint16_t> filter_;
};

/// What one table row says about a code, read for its rule's check.
struct AuditEntry {
    std::uint32_t rule = 0;    ///< index into Audit::rules
    std::uint32_t source = 0;  ///< index into Audit::sources
    std::uint32_t line = 0;    ///< the row's line in that file
    std::uint32_t item = 0;    ///< index into Audit::items: what a count runs over (a drug's generic name, a code) or the operation group
    std::int64_t number = 0;   ///< sex (0 M, 1 F), lowest level, days, or quantity units (10^-4) a day
    std::int32_t low = 0;      ///< age band in whole years, inclusive; duplicate: 1 when the window is the claim, 0 a day; period: window days
    std::int32_t high = 0;
    std::uint32_t mask = 0;    ///< care types or schemes allowed, a bit each
    std::string text;          ///< the table's restriction text, for evidence
    std::vector<std::string> words;  ///< duplicate: the codes that contain this one; indication: the diagnosis texts
};

/// A table file that feeds a rule (see AUDIT in man medclaim-rules(5)).
struct AuditTableSpec {
    std::string file;
    std::string code;     ///< the column of codes
    std::string value;    ///< the column of restriction texts; empty: `value_is`
    std::string value_is; ///< one restriction text for every row
    std::string window;   ///< duplicate: the column that says `day` or `claim` (through `values`); empty: day
    std::string period;   ///< period: the column of window lengths in days (疗程周期)
    std::string name;     ///< the column of generic names: what day counts run over, or the key when codes come from `codes_file`
    std::string codes_file;  ///< a second sheet: generic name → codes
    std::string codes_name;
    std::string codes_code;
    bool prefix = false;
};

/// One audit rule of a pack.
struct AuditRule {
    std::string id;
    std::string name;
    AuditCategory category = AuditCategory::policy;
    AuditResult result = AuditResult::violation;
    AuditAction action = AuditAction::deny;
    AuditCheck check = AuditCheck::sex;
    std::int64_t pay_ratio = 500000;  ///< reduce (operation_group): the share of a secondary operation that stays payable, decimal units
    int tolerance_days = 0;           ///< stay_days: days allowed beyond the stay
    bool inclusive_days = false;      ///< stay_days: count admission and discharge days both (else nights, at least 1)
    int min_days = 0;                 ///< idle_stay: consecutive days that make a run
    int window_days = 0;              ///< readmission: days from a discharge within which a stay is a readmission
    bool days_per_year = false;       ///< drug_days, course: count the member's days over the plan year, not one claim
    bool by_category = false;         ///< readmission: compare principal diagnoses by ICD category (first 3 characters)
    std::size_t rows = 0;             ///< table rows loaded for the rule
    std::string file;                 ///< where the rule is defined
    std::uint64_t line = 0;
};

/// A pack's audit rules and their tables, indexed by code.
struct Audit {
    std::vector<AuditRule> rules;
    std::vector<AuditEntry> rows;        ///< every table row, once (a drug's row stands for all its codes)
    CodeIndex<std::uint32_t> entries;    ///< code → index into `rows`
    CodeIndex<std::string> diagnosis_names;  ///< for indication: diagnosis code → name
    std::vector<std::string> sources;        ///< table files, for evidence
    std::vector<std::string> items;          ///< interned count keys and group names
    int history_days = 0;                    ///< the longest window a cross-claim rule looks back (period, readmission)
    std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>> item_ids;
    bool empty() const { return rules.empty(); }
};

/// How a rule reads its table's restriction texts: `values` maps a text to what it
/// means for the check (`男: M`, `儿童: 0-17`, `二级: 2`, `住院: inpatient`, ...).
using AuditValues = std::vector<std::pair<std::string, std::string>>;

/// Reads `spec` into `audit` for rule `rule_index`. Every row that cannot be read
/// is a diagnostic at its file:line:col; returns the rows added.
std::size_t load_audit_table(Audit& audit, std::uint32_t rule_index, const AuditTableSpec& spec, const AuditValues& values,
                             std::vector<Diagnostic>& out);
/// Reads a diagnosis dictionary (code → name) for indication rules.
std::size_t load_diagnosis_names(Audit& audit, const std::string& file, const std::string& code_column, const std::string& name_column,
                                 bool prefix, std::vector<Diagnostic>& out);

}  // namespace medclaim
