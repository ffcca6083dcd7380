#include "cli/input_options.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "util/error.hpp"

namespace medclaim {

void add_input_options(CLI::App& cmd, InputOptions& o) {
    cmd.add_option("files", o.files, "Claim files (CSV or JSON Lines); - for standard input")->required();
    cmd.add_option("--map", o.map, "Column map: a YAML file, or `nhsa` for the built-in NHSA map");
    cmd.add_option("--encoding", o.encoding, "Input encoding: auto (default), utf-8, gb18030 or gbk");
    cmd.add_option("--input-format", o.input_format, "Input format: auto (default: by file name, else the first byte), csv or jsonl");
    cmd.add_option("--lines", o.lines, "Fee lines CSV; the one FILE is then the claims CSV, joined by claim_id");
    cmd.add_flag("--grouped-numbers", o.grouped_numbers, "Accept thousands separators in numbers written as text (1,234.00)");
    cmd.add_option("--max-rejects", o.max_rejects, "Stop with exit status 5 when more than N claims (or N% of claims) are rejected");
    cmd.add_option("--threads", o.threads, "Read and settle on N threads (default: the cores available); every output is the same for any N")
        ->check(CLI::Range(1U, 1024U));
}

InputSetup prepare_inputs(const InputOptions& o) {
    const auto& files = o.files;
    const auto& map = o.map;
    const auto& encoding = o.encoding;
    const auto& input_format = o.input_format;
    const auto& lines = o.lines;
    const auto& max_rejects = o.max_rejects;
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
    setup.threads = o.threads > 0 ? o.threads : std::max(1U, std::thread::hardware_concurrency());
    for (const std::string& f : files) setup.inputs.push_back(InputSpec{f, lines, format, enc, o.grouped_numbers});
    return setup;
}

}  // namespace medclaim
