#include "cli/input_options.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>

#include <fmt/format.h>

#include "util/error.hpp"

namespace medclaim {

void add_input_options(CLI::App& cmd, std::optional<std::string>& map, std::string& encoding, std::string& input_format,
                       std::optional<std::string>& lines) {
    cmd.add_option("--map", map, "Column map: a YAML file, or `nhsa` for the built-in NHSA map");
    cmd.add_option("--encoding", encoding, "Input encoding: auto (default), utf-8, gb18030 or gbk");
    cmd.add_option("--input-format", input_format, "Input format: auto (default, from the first byte), csv or jsonl");
    cmd.add_option("--lines", lines, "Fee lines CSV; the one FILE is then the claims CSV, joined by claim_id");
}

InputSetup prepare_inputs(const std::vector<std::string>& files, const std::optional<std::string>& map, const std::string& encoding,
                          const std::string& input_format, const std::optional<std::string>& lines,
                          const std::optional<std::string>& max_rejects) {
    Encoding enc = Encoding::automatic;
    if (!parse_encoding(encoding, enc)) {
        throw UsageError(fmt::format("--encoding: unknown encoding `{}` (auto, utf-8, gb18030, gbk)", encoding));
    }
    InputFormat format = InputFormat::automatic;
    if (input_format == "csv") {
        format = InputFormat::csv;
    } else if (input_format == "jsonl") {
        format = InputFormat::jsonl;
    } else if (input_format != "auto") {
        throw UsageError(fmt::format("--input-format: unknown format `{}` (auto, csv, jsonl)", input_format));
    }
    if (lines && files.size() != 1) throw UsageError("--lines pairs with exactly one claims FILE");
    if (lines && format == InputFormat::jsonl) throw UsageError("--lines reads CSV; it cannot be used with --input-format jsonl");
    if (std::count(files.begin(), files.end(), "-") + (lines && *lines == "-" ? 1 : 0) > 1) {
        throw UsageError("standard input (-) can be read only once");
    }
    InputSetup setup;
    if (map) setup.map = ColumnMap::load(*map);
    if (max_rejects) {
        RejectLimit limit;
        if (!RejectLimit::parse(*max_rejects, limit)) {
            throw UsageError(fmt::format("--max-rejects: `{}` is not a count (N) or a percentage (N%)", *max_rejects));
        }
        setup.limit = limit;
    }
    for (const std::string& f : files) setup.inputs.push_back(InputSpec{f, lines, format, enc});
    return setup;
}

}  // namespace medclaim
