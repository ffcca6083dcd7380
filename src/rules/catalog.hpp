#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/claim.hpp"
#include "util/date.hpp"
#include "util/fixed.hpp"

namespace medclaim {

/// One row of a catalog: a code's class, self-pay ratio and price cap, valid from
/// `from` to `to` inclusive.
struct CatalogRow {
    std::string code;
    std::optional<ItemClass> item_class;
    Ratio self_pay_ratio;
    std::optional<UnitPrice> price_cap;
    Date from;
    Date to;
    std::uint32_t line = 0;  ///< where the row is in its CSV file

    // 限定支付范围: the line is payable only when every restriction given holds;
    // otherwise it is full self-pay.
    std::optional<Sex> sex;                ///< column `sex`: M or F
    std::optional<int> min_age;            ///< `min_age`, `max_age`: whole years at admission, inclusive
    std::optional<int> max_age;
    std::optional<int> min_level;          ///< `min_level`: 限二级及以上 is 2
    std::vector<CareType> care_types;      ///< `care_types`: `|`-separated; empty: any
    std::vector<std::string> schemes;      ///< `schemes`: `|`-separated; empty: any
    std::optional<Quantity> max_qty;       ///< `max_qty`: payable quantity per claim (限支付N天); the excess is full self-pay

    bool restricted() const { return sex || min_age || max_age || min_level || !care_types.empty() || !schemes.empty(); }
};

/// A code list loaded from CSV (医保目录: drugs, services, materials), searched by
/// code and date. Rows are sorted by code, then by start date.
class Catalog {
public:
    Catalog(std::string name, std::string file, std::vector<CatalogRow> rows);
    /// The row for `code` valid on `on`, or null.
    const CatalogRow* find(std::string_view code, Date on) const;
    const std::string& name() const { return name_; }
    const std::string& file() const { return file_; }
    std::span<const CatalogRow> rows() const { return rows_; }

private:
    std::string name_;
    std::string file_;
    std::vector<CatalogRow> rows_;
};

/// The catalogs an expression may name in `in catalog("...")`.
class CatalogSet {
public:
    virtual ~CatalogSet() = default;
    /// The catalog called `name`, or null.
    virtual const Catalog* find(std::string_view name) const = 0;
    /// Every catalog name, for suggestions.
    virtual std::vector<std::string_view> names() const = 0;
};

}  // namespace medclaim
