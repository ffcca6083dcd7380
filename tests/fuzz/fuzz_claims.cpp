// libFuzzer target: read any bytes as flat CSV and as JSON Lines, through the same
// readers and validation that `medclaim validate` uses. Must never crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "ingest/byte_source.hpp"
#include "ingest/claim_reader.hpp"
#include "ingest/column_map.hpp"
#include "ingest/csv_reader.hpp"
#include "ingest/jsonl_reader.hpp"
#include "ingest/intake.hpp"
#include "util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string bytes(reinterpret_cast<const char*>(data), size);
    static medclaim::ColumnMap map;
    static std::FILE* devnull = std::fopen("/dev/null", "w");
    medclaim::DiagnosticSink sink(devnull);
    medclaim::ReadItem item;
    std::string rejects;
    try {
        medclaim::CsvReader csv("f.csv", map, medclaim::string_source(bytes), "", nullptr, sink);
        while (csv.next(item)) {
            if (!item.accepted) medclaim::append_reject_json(rejects, item);
        }
    } catch (const medclaim::InputError&) {
        // An unusable header is an expected outcome for arbitrary bytes.
    }
    medclaim::JsonlReader jsonl("f.jsonl", map, medclaim::string_source(bytes));
    while (jsonl.next(item)) {
        if (!item.accepted) medclaim::append_reject_json(rejects, item);
    }
    return 0;
}
