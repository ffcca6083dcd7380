#include "rules/catalog.hpp"

#include <algorithm>

namespace medclaim {

Catalog::Catalog(std::string name, std::string file, std::vector<CatalogRow> rows)
    : name_(std::move(name)), file_(std::move(file)), rows_(std::move(rows)) {
    std::stable_sort(rows_.begin(), rows_.end(), [](const CatalogRow& a, const CatalogRow& b) {
        return a.code != b.code ? a.code < b.code : a.from < b.from;
    });
}

const CatalogRow* Catalog::find(std::string_view code, Date on) const {
    auto it = std::lower_bound(rows_.begin(), rows_.end(), code, [](const CatalogRow& r, std::string_view c) { return r.code < c; });
    for (; it != rows_.end() && it->code == code; ++it) {
        if (it->from <= on && on <= it->to) return &*it;
    }
    return nullptr;
}

}  // namespace medclaim
