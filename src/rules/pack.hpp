#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/claim.hpp"
#include "model/policy.hpp"
#include "rules/audit.hpp"
#include "rules/catalog.hpp"
#include "rules/program.hpp"
#include "rules/table.hpp"
#include "util/date.hpp"
#include "util/diagnostics.hpp"

namespace medclaim {

/// What an edit does to the lines or claim it fires on (DESIGN.md section 5 flags).
enum class EditSeverity { deny, reduce, pend, info };

std::string_view to_string(EditSeverity s);

/// An audit edit: when `when` holds, flag the line (scope line) or claim.
struct Edit {
    std::string id;
    std::string name;
    Scope scope = Scope::line;
    Program when;
    EditSeverity severity = EditSeverity::info;
    std::string reason;
    std::string file;       ///< where the edit is defined
    std::uint64_t line = 0;
};

/// A per-unit price cap that applies to the lines where `when` holds (bed fees by
/// provider level, for example): the part of a line above cap × qty is over_limit.
struct UnitCap {
    std::string id;
    Program when;  ///< line scope, boolean
    Program cap;   ///< line scope, money per unit
};

/// How fee lines are priced into buckets (DESIGN.md section 3, domain.md 1.2).
struct Pricing {
    std::vector<const Catalog*> catalogs;  ///< searched in order; the first row found decides
    std::vector<UnitCap> unit_caps;        ///< the first whose `when` holds applies
};

/// Whether a layer's figures run per claim or accumulate over the plan year.
enum class Period { claim, year };

/// What a benefit layer shares out.
enum class LayerBase {
    in_scope,                  // the claim's in-scope amount (basic insurance)
    burden,                    // in_scope less what earlier layers paid (大病保险)
    burden_with_pre_self_pay,  // as burden, plus the 乙类 pay-first share
};

std::string_view to_string(LayerBase b);

/// One cost segment: the layer pays `ratio` of the part of the cost position that
/// falls between the previous segment's end (0 for the first) and `upto`.
struct Segment {
    std::optional<Program> upto;  ///< money; none for the last, open-ended segment
    Program ratio;                ///< decimal in [0, 1]
    /// The ratio reads `line.*` (a ratio by item class): each fee line's in-scope
    /// amount occupies its own part of the claim's cost interval, in line order, and
    /// pays the ratio evaluated on that line. Only for `base: in_scope`.
    bool by_line = false;
};

/// A benefit layer (统筹基金, 大病保险, 大额, ...): a deductible, cumulative cost
/// segments with ratios and a cap on what the fund pays (see man/medclaim-rules.5).
struct Layer {
    std::string id;
    std::string name;
    std::string fund;                 ///< NHSA fund id: hifp, hifmi, hifob, maf, ...
    std::optional<Program> when;      ///< claims the layer applies to; all when absent
    LayerBase base = LayerBase::in_scope;
    Period position = Period::claim;  ///< segments on this claim's cost or the year's
    std::optional<Program> deductible;
    Period deductible_per = Period::claim;
    std::vector<Segment> segments;
    std::optional<Program> cap;       ///< on the fund's payment
    Period cap_per = Period::year;
    std::optional<Program> cap_when;  ///< the cap applies only when this holds
    // The layer's accumulators (man medclaim-rules(5), Accumulators), named once here
    // rather than on every claim: ID.position, ID.deductible, ID.paid.
    std::string position_counter;
    std::string deductible_counter;
    std::string paid_counter;
    std::string file;
    std::uint64_t line = 0;
};

/// A share of the patient's part of a claim that a commercial responsibility may cover
/// (DESIGN.md section 3 buckets, less what earlier layers paid from them).
enum class CoveredBucket { in_scope, pre_self_pay, over_limit, full_self_pay };
std::string_view to_string(CoveredBucket b);

/// What a row of a product's ratio or deductible table matches: the first row whose
/// keys all match the claim and policy decides; a key left out matches anything.
struct RowKeys {
    std::optional<HealthStatus> health;  ///< the policy's health status
    std::optional<bool> basic;           ///< basic insurance settled the claim
    std::optional<bool> in_area;         ///< the provider is in the member's pooling area
    std::uint64_t line = 0;              ///< where the row is, for traces
};

struct RatioRow : RowKeys {
    std::int64_t ratio = 0;  ///< decimal units (10^-6)
};

struct AmountRow : RowKeys {
    Program amount;  ///< money, on the claim
};

/// A sum insured: per policy year, or for the member's lifetime under the product.
struct SumInsured {
    Program amount;
    bool lifetime = false;
};

/// One benefit of a commercial product (一般医疗保险金, 特药, 目录外 ...).
struct Responsibility {
    std::string id;
    std::string name;
    std::optional<Program> when;          ///< claims it applies to; all when absent
    std::vector<CoveredBucket> covers;    ///< what it pays from, in the order its payment is taken from them
    /// Its own deductible per policy year; empty: the product's shared deductible.
    std::vector<AmountRow> deductible;
    std::vector<RatioRow> ratio;
    std::optional<SumInsured> sum_insured;  ///< none: only the product's
    /// The lines it pays for (特药, 质子重离子: a line-scope condition); all when absent.
    std::optional<Program> lines;
    /// A limit per item (line.code), e.g. 30万 a drug a policy year; its amount may read line.*.
    std::optional<SumInsured> per_item;
    /// A per-day benefit (住院津贴) in place of a deductible and a ratio.
    struct PerDay {
        Program amount;               ///< money a day
        std::optional<Program> days;  ///< integer days; the loader sets claim.los_days when the pack gives none
        int deductible_days = 0;      ///< 免赔天数, per claim
        std::optional<int> max_days;  ///< per policy year
    };
    std::optional<PerDay> per_day;
    std::string clause;                   ///< the 条款 that defines it
    // Its accumulators, named once here: ID.deductible, ID.paid and ID.days per policy
    // year, PRODUCT.ID.lifetime.paid per member; per item ID.item.CODE.paid per policy
    // year and PRODUCT.ID.item.CODE.lifetime.paid per member.
    std::string deductible_counter;
    std::string paid_counter;
    std::string lifetime_counter;
    std::string days_counter;
    std::string item_prefix;           ///< ID.item.
    std::string item_lifetime_prefix;  ///< PRODUCT.ID.item.
};

/// When a product pays nothing for a claim, and the 条款 that says so.
struct Exclusions {
    bool declared_conditions = false;     ///< a diagnosis under a condition the policy declares (既往症)
    std::vector<std::string> diagnoses;   ///< ICD-10 prefixes of any diagnosis
    std::vector<std::string> procedures;  ///< code prefixes of any procedure
    std::vector<Ward> wards;              ///< VIP / 特需 / international wards
    std::optional<int> min_provider_level;
    std::vector<Ownership> ownership;     ///< the providers allowed; empty: any
    std::string clause;
};

/// A waiting period for claims whose diagnoses fall under `diagnoses` (all claims when
/// empty), counted from the policy's first insured day.
struct WaitingPeriod {
    int days = 0;
    std::vector<std::string> diagnoses;
};

/// One row of a long-term-care benefit schedule: for the claims where `when` holds
/// (the first such row decides), `ratio` of the fee up to `daily_cap` a day of care, or
/// a flat `per_day` a day of care (at most the fee).
struct ScheduleRow {
    std::optional<Program> when;       ///< all claims when absent
    std::optional<std::int64_t> ratio;  ///< decimal units (10^-6), with daily_cap
    std::optional<Program> daily_cap;  ///< money a day
    std::optional<Program> per_day;    ///< money a day, instead of ratio and daily_cap
    std::uint64_t line = 0;
};

/// A commercial health product (百万医疗, 惠民保, 税优): a layer that pays after basic
/// insurance from what is still the patient's, for each policy of it the claim has.
struct Product {
    std::string id;                      ///< also its layer id in pack.yaml `layers`
    std::string name;
    std::string fund;                    ///< the payer id in payers[]
    std::vector<AmountRow> deductible;   ///< shared by responsibilities without their own, per policy year
    bool offset_by_commercial = false;   ///< earlier commercial layers' payouts count toward the deductible
    std::optional<SumInsured> sum_insured;  ///< across responsibilities
    std::vector<WaitingPeriod> waiting;  ///< the longest that matches applies
    std::vector<std::string> waiting_exempt;  ///< diagnoses (accidents: S, T, V–Y) that never wait
    std::string waiting_clause;
    Exclusions exclusions;
    std::vector<Responsibility> responsibilities;
    // A benefit schedule (long-term care) in place of responsibilities: it pays by days
    // of care, for every claim `when` selects, without policies (`policy: none`).
    bool needs_policy = true;
    std::optional<Program> when;
    std::vector<ScheduleRow> schedule;
    std::optional<Program> monthly_cap;  ///< per member and calendar month of the admission date
    std::string lifetime_counter;        ///< PRODUCT.lifetime.paid, per member
    std::string file;
    std::uint64_t line = 0;
};

/// A compiled rule pack (see man/medclaim-rules.5).
/// Rules: 1. a pack is a folder with pack.yaml, which may include further YAML files;
/// 2. catalogs load first, then tables (each may use the tables before it), then
/// edits, so edits can name any catalog or table of the pack; 3. ids are unique.
struct Pack : CatalogSet, TableSet {
    std::string name;
    std::string version;
    std::string region;
    Date effective_from;
    Date effective_to;
    std::vector<std::string> layers;  ///< layer ids in the order they pay
    int plan_year_month = 1;          ///< the plan year starts on this month and day
    int plan_year_day = 1;
    Pricing pricing;
    std::vector<Layer> benefits;      ///< in `layers` order
    std::vector<Product> products;    ///< in `layers` order, after every benefit layer
    std::vector<std::unique_ptr<Catalog>> catalogs;
    std::vector<std::unique_ptr<DecisionTable>> tables;
    std::vector<Edit> edits;
    Audit audit;                     ///< 智能审核 rules and their restriction tables
    std::vector<std::string> files;  ///< every file the pack was read from, in order

    const Catalog* find(std::string_view catalog) const override;
    std::vector<std::string_view> names() const override;
    const DecisionTable* find_table(std::string_view id) const override;
    std::vector<std::string_view> table_ids() const override;
};

/// One or more versions of a pack (the 2024 and 2025 parameters, say), each chosen
/// for the claims whose governing date falls in its effective window.
/// Rules: 1. a folder holding pack.yaml is a set of one version; 2. otherwise each
/// subfolder holding a pack.yaml is a version; 3. versions share one name and their
/// windows do not overlap; a gap between windows is a warning.
struct PackSet {
    std::string dir;
    std::vector<std::string> version_dirs;       ///< parallel to `versions`
    std::vector<std::unique_ptr<Pack>> versions;  ///< in effective-date order

    /// The version effective on `on`, or null.
    const Pack* for_date(Date on) const;
    /// "2024-01-01 to 2024-12-31, 2025-01-01 to 2025-12-31", for messages.
    std::string windows() const;
};

/// Loads every version of the pack in `dir` (see PackSet); null when any has an error.
std::unique_ptr<PackSet> load_pack_set(const std::string& dir, std::vector<Diagnostic>& diagnostics);

/// Loads and compiles the pack in folder `dir`. Every problem found is appended to
/// `diagnostics` (file:line:col with the source line); returns null when any is an error.
std::unique_ptr<Pack> load_pack(const std::string& dir, std::vector<Diagnostic>& diagnostics);

}  // namespace medclaim
