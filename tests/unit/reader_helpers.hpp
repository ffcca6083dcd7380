#pragma once
// Test helpers: run a reader over text held in memory and collect what it says.

#include <string>
#include <vector>

#include "ingest/byte_source.hpp"
#include "ingest/claim_reader.hpp"
#include "ingest/column_map.hpp"
#include "ingest/csv_reader.hpp"
#include "ingest/jsonl_reader.hpp"

namespace medclaim::test {

struct Outcome {
    bool accepted = false;
    std::string claim_id;
    std::size_t records = 0;
    std::vector<std::string> errors;    // "line:col: message"
    std::vector<std::string> warnings;  // "line:col: message"
    Claim claim;
};

inline std::vector<Outcome> drain(ClaimReader& reader) {
    std::vector<Outcome> out;
    ReadItem item;
    while (reader.next(item)) {
        Outcome o;
        o.accepted = item.accepted;
        o.claim_id = item.claim_id;
        o.records = item.records.size();
        for (const Finding& f : item.findings) {
            std::string text = std::to_string(f.diagnostic.line) + ":" + std::to_string(f.diagnostic.column) + ": " + f.diagnostic.message;
            (f.diagnostic.severity == Severity::warning ? o.warnings : o.errors).push_back(text);
        }
        if (item.accepted) o.claim = item.claim;
        out.push_back(std::move(o));
    }
    return out;
}

/// Header diagnostics go here, not to the terminal; the tests look at findings.
inline std::FILE* quiet() {
    static std::FILE* devnull = std::fopen("/dev/null", "w");
    return devnull;
}

inline std::vector<Outcome> read_csv(std::string text, const ColumnMap& map = ColumnMap()) {
    DiagnosticSink sink(quiet());
    CsvReader reader("t.csv", map, string_source(std::move(text)), "", nullptr, sink);
    return drain(reader);
}

inline std::vector<Outcome> read_two_csv(std::string claims, std::string lines, const ColumnMap& map = ColumnMap()) {
    DiagnosticSink sink(quiet());
    CsvReader reader("claims.csv", map, string_source(std::move(claims)), "lines.csv", string_source(std::move(lines)), sink);
    return drain(reader);
}

inline std::vector<Outcome> read_jsonl(std::string text, const ColumnMap& map = ColumnMap()) {
    JsonlReader reader("t.jsonl", map, string_source(std::move(text)));
    return drain(reader);
}

/// A valid flat CSV header and a row builder with one field overridden.
inline const std::string k_header =
    "claim_id,member.id,member.sex,member.birth_date,member.scheme,provider.id,visit.care_type,visit.admit_date,"
    "visit.discharge_date,diagnoses,line.line_no,line.code,line.qty,line.unit_price,line.amount,line.service_date\n";

inline std::string row(const std::string& claim = "C1", const std::string& line_no = "1", const std::string& qty = "2",
                       const std::string& price = "12.50", const std::string& amount = "25.00", const std::string& service = "2024-03-02",
                       const std::string& care = "inpatient", const std::string& discharge = "2024-03-05") {
    return claim + ",M1,F,1980-05-01,employee,H1," + care + ",2024-03-01," + discharge + ",J18.900," + line_no +
           ",XJ01CRA096A001010101445," + qty + "," + price + "," + amount + "," + service + "\n";
}

}  // namespace medclaim::test
