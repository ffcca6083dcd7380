#include "ingest/claim_reader.hpp"

#include <fmt/format.h>

#include "ingest/claim_builder.hpp"
#include "ingest/csv_reader.hpp"
#include "ingest/jsonl_reader.hpp"
#include "util/text.hpp"

namespace medclaim {

void ReadItem::add_record(std::uint32_t file, std::uint64_t line, std::uint64_t end_line, std::string_view text, bool truncated) {
    records.push_back({file, line, end_line, raw_text.size(), text.size(), truncated});
    raw_text.append(text);
}

std::array<std::uint64_t, 2> claim_id_hashes(std::string_view id) { return {hash64(id, 1) | 1, hash64(id, 2)}; }

void ReadItem::clear() {
    accepted = false;
    rows = false;
    claim_id.clear();
    records.clear();
    raw_text.clear();
    fingerprint.reset();
    id_hashes.reset();
    findings.clear();
}

void ReadItem::locate(const ClaimBuilder& builder) {
    for (const Problem& p : builder.problems()) {
        Finding f;
        f.field = p.field;
        f.once = p.once;
        Diagnostic& d = f.diagnostic;
        d.severity = p.severity;
        d.message = p.message;
        if (p.where.row < records.size()) {
            const RawRecord& r = records[p.where.row];
            std::string_view text = this->text(p.where.row);
            std::size_t at = p.where.at == Where::k_whole_record ? 0 : std::min<std::size_t>(p.where.at, text.size());
            // The physical line holding `at`: records may span lines (quoted line breaks).
            std::size_t line_begin = text.rfind('\n', at == 0 ? 0 : at - 1);
            line_begin = line_begin == std::string_view::npos || at == 0 ? 0 : line_begin + 1;
            std::uint64_t newlines = 0;
            for (std::size_t i = 0; i < line_begin; ++i) newlines += text[i] == '\n';
            std::size_t line_end = text.find('\n', line_begin);
            d.file = files[r.file];
            d.line = r.line + newlines;
            if (p.where.at != Where::k_whole_record) {
                d.column = static_cast<std::uint32_t>(count_code_points(text.substr(line_begin, at - line_begin)) + 1);
            }
            d.source_line = text.substr(line_begin, line_end == std::string_view::npos ? std::string_view::npos : line_end - line_begin);
        }
        findings.push_back(std::move(f));
    }
}

ResolvedInput resolve_input(const InputSpec& spec, DiagnosticSink& sink) {
    OpenedInput input = open_input(spec.path, spec.encoding);
    std::string name = spec.path == "-" ? "<stdin>" : spec.path;
    if (input.detected) {
        sink.report({Severity::note, name, 0, 0,
                     fmt::format("input is not valid UTF-8 but is valid GB18030 in its first {} KiB; reading it as GB18030 "
                                 "(choose with --encoding)",
                                 k_detect_bytes / 1024),
                     ""});
    }
    InputFormat format = spec.format;
    if (spec.lines) format = InputFormat::csv;
    if (format == InputFormat::automatic) {
        std::string lower;
        for (char c : spec.path) lower.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
        if (lower.ends_with(".jsonl") || lower.ends_with(".ndjson") || lower.ends_with(".json")) format = InputFormat::jsonl;
        if (lower.ends_with(".csv")) format = InputFormat::csv;
    }
    if (format == InputFormat::automatic) {
        // Peek at the first non-blank byte, then replay it.
        std::string head;
        char c = '\0';
        while (input.source->read(&c, 1) == 1) {
            head.push_back(c);
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') break;
        }
        format = c == '{' || c == '[' ? InputFormat::jsonl : InputFormat::csv;
        input.source = prepend(std::move(head), std::move(input.source));
    }
    return {std::move(name), std::move(input.source), format};
}

std::unique_ptr<ClaimReader> open_claim_reader(const InputSpec& spec, const ColumnMap& map, DiagnosticSink& sink) {
    ResolvedInput input = resolve_input(spec, sink);
    InputFormat format = input.format;
    const std::string& name = input.name;
    ValueSyntax text = spec.grouped_numbers ? ValueSyntax::text_grouped : ValueSyntax::text;
    if (format == InputFormat::jsonl) return std::make_unique<JsonlReader>(name, map, std::move(input.source), text);
    if (spec.lines) {
        OpenedInput lines = open_input(*spec.lines, spec.encoding);
        if (lines.detected) {
            sink.report({Severity::note, *spec.lines, 0, 0, "input is not valid UTF-8 but is valid GB18030; reading it as GB18030", ""});
        }
        return std::make_unique<CsvReader>(name, map, std::move(input.source), *spec.lines, std::move(lines.source), sink, text);
    }
    return std::make_unique<CsvReader>(name, map, std::move(input.source), std::string(), nullptr, sink, text);
}

}  // namespace medclaim
