#include "report/summary.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "util/text.hpp"

namespace medclaim {

namespace {

// A table of text cells, rendered three ways; numeric columns align right.
struct Table {
    std::string title;
    std::vector<std::string> header;
    std::vector<bool> numeric;
    std::vector<std::vector<std::string>> rows;
};

std::string as_text(const Table& t) {
    std::vector<std::vector<std::string>> rows{t.header};
    rows.insert(rows.end(), t.rows.begin(), t.rows.end());
    std::string lines = align_columns(rows, t.numeric);
    std::size_t header_end = lines.find('\n') + 1;
    if (t.rows.empty()) lines.insert(header_end, "  (none)\n");
    return t.title + "\n" + lines + "\n";
}

std::string md_cell(const std::string& s) {
    std::string out;
    for (char ch : s) {
        if (ch == '|') out += "\\|";
        else out += ch;
    }
    return out;
}

std::string as_markdown(const Table& t) {
    std::string out = "## " + t.title + "\n\n|";
    for (const auto& h : t.header) out += " " + md_cell(h) + " |";
    out += "\n|";
    for (bool n : t.numeric) out += n ? "---:|" : "---|";
    out += "\n";
    for (const auto& r : t.rows) {
        out += "|";
        for (const auto& c : r) out += " " + md_cell(c) + " |";
        out += "\n";
    }
    if (t.rows.empty()) out += "| (none) |" + std::string(t.header.size() > 1 ? t.header.size() - 1 : 0, '|') + "\n";
    return out + "\n";
}

std::string html_escape(std::string_view s) {
    std::string out;
    for (char ch : s) {
        switch (ch) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += ch;
        }
    }
    return out;
}

std::string as_html(const Table& t) {
    std::string out = "<h2>" + html_escape(t.title) + "</h2>\n<table>\n<tr>";
    for (std::size_t c = 0; c < t.header.size(); ++c) out += fmt::format("<th{}>{}</th>", t.numeric[c] ? " class=n" : "", html_escape(t.header[c]));
    out += "</tr>\n";
    for (const auto& r : t.rows) {
        out += "<tr>";
        for (std::size_t c = 0; c < r.size(); ++c) out += fmt::format("<td{}>{}</td>", t.numeric[c] ? " class=n" : "", html_escape(r[c]));
        out += "</tr>\n";
    }
    if (t.rows.empty()) out += fmt::format("<tr><td colspan={}>(none)</td></tr>\n", t.header.size());
    return out + "</table>\n";
}

// A horizontal bar chart as inline SVG. Values are non-negative integers (fen or
// counts); bar lengths are computed in integers.
std::string bar_chart(const std::string& title, const std::vector<std::pair<std::string, std::int64_t>>& bars, bool money) {
    constexpr int k_label = 220, k_bar = 360, k_row = 22;
    std::int64_t max = 1;
    for (const auto& b : bars) max = std::max(max, b.second);
    int height = k_row * static_cast<int>(std::max<std::size_t>(bars.size(), 1)) + 10;
    std::string out = fmt::format("<figure><figcaption>{}</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" role=\"img\">\n",
                                  html_escape(title), k_label + k_bar + 140, height);
    int y = 5;
    for (const auto& [label, value] : bars) {
        auto length = static_cast<std::int64_t>(static_cast<Int128>(std::max<std::int64_t>(value, 0)) * k_bar / max);
        out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", k_label - 6, y + 15, html_escape(label));
        out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"16\" fill=\"#3b6ea5\"/>", k_label, y + 2, length);
        out += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", k_label + length + 6, y + 15,
                           money ? Money::from_units(value).to_string() : std::to_string(value));
        y += k_row;
    }
    if (bars.empty()) out += fmt::format("<text x=\"{}\" y=\"18\">(none)</text>\n", k_label);
    return out + "</svg></figure>\n";
}

template <class Map, class Key>
std::vector<std::pair<std::string, typename Map::mapped_type>> top(const Map& m, std::size_t n, Key key) {
    std::vector<std::pair<std::string, typename Map::mapped_type>> v(m.begin(), m.end());
    std::stable_sort(v.begin(), v.end(), [&](const auto& a, const auto& b) { return key(a.second) > key(b.second); });
    if (v.size() > n) v.resize(n);
    return v;
}

}  // namespace

Summary::Format Summary::format_for(const std::string& path) {
    auto ends = [&](std::string_view ext) { return path.size() >= ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0; };
    if (ends(".md") || ends(".markdown")) return Format::markdown;
    if (ends(".html") || ends(".htm")) return Format::html;
    return Format::text;
}

void Summary::add(const Claim& claim, const Adjudication& a, bool reversal) {
    Money paid;
    for (const Payment& p : a.payers) {
        paid += p.amount;
        if (p.amount.units() != 0) by_payer_[fmt::format("{} ({})", p.layer, p.fund)] += p.amount;
        if (!p.policy.empty()) {
            ProductTotals& t = by_product_[p.layer];
            if (p.amount.units() != 0) ++t.payments;
            t.deductible += p.deductible;
            t.paid += p.amount;
        }
    }
    std::string status = reversal ? std::string("reversal") : std::string(to_string(a.status));
    for (auto* t : {&by_status_[status], &by_provider_[claim.provider.id], &by_care_type_[std::string(to_string(claim.visit.care_type))]}) {
        ++t->claims;
        t->amount += a.buckets.amount;
        t->paid += paid;
    }
    for (const Flag& f : a.flags) {
        RuleTotals& r = by_rule_[f.rule];
        ++r.count;
        r.amount += f.amount;
        r.severity = std::string(to_string(f.severity));
        if (f.rule.starts_with(k_denial_prefix)) ++by_denial_[f.rule.substr(k_denial_prefix.size())];
        if (!f.is_audit()) continue;
        AuditTotals& by_rule = audit_by_rule_[f.rule];
        by_rule.label = fmt::format("{} ({}, {})", f.name, f.category, f.result);
        for (AuditTotals* t : {&by_rule, &audit_by_provider_[claim.provider.id],
                               &audit_by_department_[claim.visit.department.empty() ? std::string("(none)") : claim.visit.department]}) {
            ++t->count;
            t->amount += f.amount;
        }
    }
    buckets_ += a.buckets;
    deductible_ += a.deductible;
    paid_ += paid;
    patient_ += a.patient;
    if (reversal) ++reversals_;
}

std::string Summary::render(Format f) const {
    switch (f) {
        case Format::text: return text();
        case Format::markdown: return markdown();
        case Format::html: return html();
    }
    return text();
}

struct Summary::Tables {
    std::vector<Table> all;
    std::string reconciliation;
};

// The tables every format shows, in order: the pack versions that decided the money,
// totals, status, payers, care types, top providers, top flags.
Summary::Tables Summary::tables() const {
    Tables t;
    Table pack{"Rule pack", {"name", "version", "sha256"}, {false, false, false}, {}};
    for (const PackStamp& p : packs_) pack.rows.push_back({p.name, p.version, p.sha256});
    t.all.push_back(std::move(pack));
    const Buckets& b = buckets_;
    Table totals{"Totals", {"figure", "amount"}, {false, true}, {}};
    totals.rows = {{"amount 医疗费总额", b.amount.to_string()},
                   {"full_self_pay 全自费", b.full_self_pay.to_string()},
                   {"over_limit 超限价自费", b.over_limit.to_string()},
                   {"pre_self_pay 先行自付", b.pre_self_pay.to_string()},
                   {"in_scope 符合政策范围", b.in_scope.to_string()},
                   {"deductible 起付线", deductible_.to_string()},
                   {"paid by payers 基金支付", paid_.to_string()},
                   {"patient 个人负担", patient_.to_string()}};
    t.all.push_back(std::move(totals));
    Table status{"Claims by status", {"status", "claims", "amount", "paid"}, {false, true, true, true}, {}};
    for (const auto& [name, v] : by_status_) status.rows.push_back({name, std::to_string(v.claims), v.amount.to_string(), v.paid.to_string()});
    t.all.push_back(std::move(status));
    Table payers{"Money by payer", {"layer (fund)", "paid"}, {false, true}, {}};
    for (const auto& [name, v] : by_payer_) payers.rows.push_back({name, v.to_string()});
    t.all.push_back(std::move(payers));
    Table care{"By care type", {"care type", "claims", "amount", "paid"}, {false, true, true, true}, {}};
    for (const auto& [name, v] : by_care_type_) care.rows.push_back({name, std::to_string(v.claims), v.amount.to_string(), v.paid.to_string()});
    t.all.push_back(std::move(care));
    Table providers{"Top providers by amount", {"provider", "claims", "amount", "paid"}, {false, true, true, true}, {}};
    for (const auto& [name, v] : top(by_provider_, 10, [](const auto& x) { return x.amount; })) {
        providers.rows.push_back({name, std::to_string(v.claims), v.amount.to_string(), v.paid.to_string()});
    }
    t.all.push_back(std::move(providers));
    Table rules{"Top flags", {"rule", "severity", "flags", "amount"}, {false, false, true, true}, {}};
    for (const auto& [name, v] : top(by_rule_, 20, [](const auto& x) { return x.count; })) {
        rules.rows.push_back({name, v.severity, std::to_string(v.count), v.amount.to_string()});
    }
    t.all.push_back(std::move(rules));
    if (!audit_by_rule_.empty()) {
        auto by_amount = [](const auto& x) { return x.amount; };
        Table rules_at_stake{"Audit flags by rule (amount at stake)", {"rule", "name", "flags", "amount"}, {false, false, true, true}, {}};
        for (const auto& [name, v] : top(audit_by_rule_, 50, by_amount)) rules_at_stake.rows.push_back({name, v.label, std::to_string(v.count), v.amount.to_string()});
        t.all.push_back(std::move(rules_at_stake));
        Table providers_at_stake{"Audit flags by provider", {"provider", "flags", "amount"}, {false, true, true}, {}};
        for (const auto& [name, v] : top(audit_by_provider_, 20, by_amount)) providers_at_stake.rows.push_back({name, std::to_string(v.count), v.amount.to_string()});
        t.all.push_back(std::move(providers_at_stake));
        Table departments{"Audit flags by department", {"department", "flags", "amount"}, {false, true, true}, {}};
        for (const auto& [name, v] : top(audit_by_department_, 20, by_amount)) departments.rows.push_back({name, std::to_string(v.count), v.amount.to_string()});
        t.all.push_back(std::move(departments));
    }
    if (!by_product_.empty()) {
        Table products{"Commercial products", {"product", "payments", "deductible 免赔额", "paid"}, {false, true, true, true}, {}};
        for (const auto& [name, v] : by_product_) products.rows.push_back({name, std::to_string(v.payments), v.deductible.to_string(), v.paid.to_string()});
        t.all.push_back(std::move(products));
    }
    if (!by_denial_.empty()) {
        Table denials{"Commercial denials by reason", {"reason", "policies"}, {false, true}, {}};
        for (const auto& [name, n] : by_denial_) denials.rows.push_back({name, std::to_string(n)});
        t.all.push_back(std::move(denials));
    }
    t.reconciliation = reconciliation_line(counts_);
    if (!t.reconciliation.empty() && t.reconciliation.back() == '\n') t.reconciliation.pop_back();
    if (!policies_.empty()) t.reconciliation += "\n" + policies_;
    if (!state_.empty()) t.reconciliation += "\n" + state_;
    return t;
}

std::string Summary::text() const {
    Tables t = tables();
    std::string out = title_ + "\n\n";
    for (const Table& table : t.all) out += as_text(table);
    return out + t.reconciliation + "\n";
}

std::string Summary::markdown() const {
    Tables t = tables();
    std::string out = "# " + md_cell(title_) + "\n\n";
    for (const Table& table : t.all) out += as_markdown(table);
    std::string rec = t.reconciliation;
    std::replace(rec.begin(), rec.end(), '\n', ' ');
    return out + "`" + rec + "`\n";
}

std::string Summary::html() const {
    Tables t = tables();
    std::string out = "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>" + html_escape(title_) +
                      "</title>\n<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin-bottom:1.5em}"
                      "th,td{border:1px solid #ccc;padding:.25em .6em}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
                      "figure{margin:1em 0}figcaption{font-weight:bold;margin-bottom:.3em}svg text{font-size:12px}</style></head><body>\n";
    out += "<h1>" + html_escape(title_) + "</h1>\n";
    std::vector<std::pair<std::string, std::int64_t>> payer_bars;
    for (const auto& [name, v] : by_payer_) payer_bars.emplace_back(name, v.units());
    out += bar_chart("Money by payer", payer_bars, true);
    std::vector<std::pair<std::string, std::int64_t>> status_bars;
    for (const auto& [name, v] : by_status_) status_bars.emplace_back(name, static_cast<std::int64_t>(v.claims));
    out += bar_chart("Claims by status", status_bars, false);
    std::vector<std::pair<std::string, std::int64_t>> flag_bars;
    for (const auto& [name, v] : top(by_rule_, 10, [](const auto& x) { return x.count; })) flag_bars.emplace_back(name, static_cast<std::int64_t>(v.count));
    out += bar_chart("Top flags", flag_bars, false);
    std::vector<std::pair<std::string, std::int64_t>> provider_bars;
    for (const auto& [name, v] : top(by_provider_, 10, [](const auto& x) { return x.amount; })) provider_bars.emplace_back(name, v.amount.units());
    out += bar_chart("Top providers by amount", provider_bars, true);
    for (const Table& table : t.all) out += as_html(table);
    return out + "<p><code>" + html_escape(t.reconciliation) + "</code></p>\n</body></html>\n";
}

}  // namespace medclaim
