#include "ingest/csv_reader.hpp"

#include <span>

#include <fmt/format.h>

#include "ingest/column_map.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace medclaim {

struct CsvReader::Layout {
    std::vector<std::optional<FieldId>> fields;  // per column
    std::size_t claim_id_column = 0;
    std::vector<std::size_t> claim_columns;  // columns holding claim-scope fields (claim_id excluded)
    std::vector<std::size_t> line_columns;
    std::size_t prefix_columns = 0;  // the columns up to the last claim column (claim_id included)
    bool empty = false;  // the file has no header (and so no records)
};

struct CsvReader::HeaderEntry {
    std::string id;
    std::string raw;
    std::uint64_t line = 0;
    std::uint64_t end_line = 0;
    bool truncated = false;
    CsvError error = CsvError::none;
    std::uint32_t error_offset = 0;
    std::vector<std::string> cells;
    std::vector<std::uint32_t> starts;
    bool used = false;
    bool duplicate = false;
};


CsvReader::CsvReader(std::string name, const ColumnMap& map, std::unique_ptr<ByteSource> source, std::string lines_name,
                     std::unique_ptr<ByteSource> lines_source, DiagnosticSink& sink, ValueSyntax text)
    : map_(map), source_(std::move(source)), tokenizer_(*source_), text_(text) {
    two_file_ = lines_source != nullptr;
    if (!two_file_) {
        names_ = {std::move(name)};
        layout_ = std::make_shared<const Layout>(read_layout(tokenizer_, names_[0], false, sink));
        done_ = layout_->empty;
        return;
    }
    // The streamed file is the lines file; the claims file is loaded first.
    names_ = {std::move(lines_name), std::move(name)};
    claims_layout_ = std::make_shared<const Layout>(read_layout(tokenizer_, names_[1], true, sink));
    load_claims_file(tokenizer_, *claims_layout_);
    lines_source_ = std::move(lines_source);
    lines_tokenizer_ = std::make_unique<CsvTokenizer>(*lines_source_);
    layout_ = std::make_shared<const Layout>(read_layout(*lines_tokenizer_, names_[0], false, sink));
    done_ = layout_->empty;
}

CsvReader::CsvReader(std::string name, const ColumnMap& map, std::shared_ptr<const Layout> layout, std::string_view body,
                     std::uint64_t first_line, ValueSyntax text)
    : map_(map), tokenizer_(body), layout_(std::move(layout)), text_(text) {
    names_ = {std::move(name)};
    done_ = layout_->empty;
    tokenizer_.set_line(first_line);
}

CsvReader::~CsvReader() = default;

std::size_t CsvReader::claim_id_column() const { return layout_->claim_id_column; }

CsvReader::Layout CsvReader::read_layout(CsvTokenizer& tokenizer, const std::string& name, bool header_file, DiagnosticSink& sink) {
    Layout layout;
    CsvRecord header;
    if (!tokenizer.next(header)) {
        layout.empty = true;  // an empty file holds no records
        return layout;
    }
    std::vector<Diagnostic> errors;
    if (header.error != CsvError::none || !is_valid_utf8(header.raw)) {
        std::string why = header.error != CsvError::none ? std::string(describe(header.error)) : "header is not valid UTF-8";
        Diagnostic d = record_diagnostic(name, header, 0, fmt::format("cannot read the header: {}", why));
        sink.report(d);
        throw InputError(fmt::format("{}: unusable header", name));
    }
    layout.fields.resize(header.fields.size());
    std::vector<std::optional<std::size_t>> seen(k_field_count);
    bool any_line_field = false;
    for (std::size_t c = 0; c < header.fields.size(); ++c) {
        auto f = map_.resolve(header.fields[c], header_file);
        if (f && is_line_field(*f)) any_line_field = true;
    }
    for (std::size_t c = 0; c < header.fields.size(); ++c) {
        std::string_view column = trim(header.fields[c]);
        auto f = map_.resolve(column, header_file || (!two_file_ && !any_line_field));
        if (!f) {
            if (!map_.is_ignored(column)) {
                std::string_view hint = closest_match(column, field_names());
                sink.report(record_diagnostic(name, header, c,
                                              hint.empty() ? fmt::format("unknown column `{}` is ignored", quote_excerpt(column))
                                                           : fmt::format("unknown column `{}` is ignored; did you mean `{}`?",
                                                                         quote_excerpt(column), hint),
                                              Severity::warning));
            }
            continue;
        }
        auto& first = seen[static_cast<std::size_t>(*f)];
        if (first) {
            errors.push_back(record_diagnostic(name, header, c,
                                               fmt::format("columns {} (`{}`) and {} (`{}`) both give `{}`", *first + 1,
                                                           trim(header.fields[*first]), c + 1, column, field_name(*f))));
            continue;
        }
        first = c;
        layout.fields[c] = f;
        if (*f == FieldId::claim_id) {
            layout.claim_id_column = c;
        } else if (is_line_field(*f)) {
            if (header_file) {
                errors.push_back(record_diagnostic(name, header, c,
                                                   fmt::format("column `{}` gives the fee-line field `{}`; put fee lines in the lines file",
                                                               column, field_name(*f))));
            }
            layout.line_columns.push_back(c);
        } else {
            layout.claim_columns.push_back(c);
        }
    }
    for (std::size_t c : layout.claim_columns) layout.prefix_columns = std::max(layout.prefix_columns, c + 1);
    layout.prefix_columns = std::max(layout.prefix_columns, layout.claim_id_column + 1);
    bool lines_file = two_file_ && !header_file;
    for (std::size_t i = 0; i < k_field_count; ++i) {
        auto f = static_cast<FieldId>(i);
        bool wanted = f == FieldId::claim_id || (is_always_required(f) && (is_line_field(f) ? !header_file : !lines_file));
        if (wanted && !seen[i]) {
            errors.push_back(record_diagnostic(name, header, 0, fmt::format("no column gives the required field `{}`{}", field_name(f),
                                                                            map_.name() == "canonical" ? " (use --map to rename columns)" : "")));
        }
    }
    if (!two_file_ && !any_line_field && errors.empty()) {
        errors.push_back(record_diagnostic(name, header, 0, "no fee-line columns (`line.*`); give a separate lines file with --lines"));
    }
    if (!errors.empty()) {
        for (const Diagnostic& d : errors) sink.report(d);
        throw InputError(fmt::format("{}: unusable header ({} error(s))", name, errors.size()));
    }
    return layout;
}

void CsvReader::load_claims_file(CsvTokenizer& tokenizer, const Layout& layout) {
    CsvRecord record;
    while (tokenizer.next(record)) {
        HeaderEntry e;
        e.id = std::string(claim_id_of(record, layout));
        e.raw = std::string(record.raw);
        e.line = record.line;
        e.end_line = record.end_line;
        e.truncated = record.truncated;
        e.error = record.error;
        e.error_offset = record.error_offset;
        e.cells.assign(record.fields.begin(), record.fields.end());
        e.starts = record.field_starts;
        auto [it, inserted] = entry_index_.emplace(e.id, entries_.size());
        e.duplicate = !inserted || e.id.empty();
        entries_.push_back(std::move(e));
    }
}

std::string_view CsvReader::claim_id_of(const CsvRecord& record, const Layout& layout) const {
    return layout.claim_id_column < record.fields.size() ? trim(record.fields[layout.claim_id_column]) : std::string_view{};
}

void CsvReader::add_row(ReadItem& item, const CsvRecord& record, std::uint32_t file, const Layout& layout) {
    auto row = static_cast<std::uint32_t>(item.records.size());
    item.add_record(file, record.line, record.end_line, record.raw, record.truncated);
    auto where = [&](std::size_t column) { return Where{row, column < record.field_starts.size() ? record.field_starts[column] : 0}; };
    if (record.error != CsvError::none) {
        std::string detail;
        if (record.error == CsvError::field_too_long) detail = " (64 KiB)";
        if (record.error == CsvError::record_too_long) detail = " (1 MiB); the rejects file keeps its first 1 MiB";
        builder_.report_unreadable(Where{row, record.error_offset}, fmt::format("{}{}", describe(record.error), detail));
        return;
    }
    if (std::size_t bad = first_invalid_utf8(record.raw); bad != std::string_view::npos) {
        builder_.report_unreadable(Where{row, static_cast<std::uint32_t>(bad)},
                        fmt::format("invalid UTF-8 byte 0x{:02x}; if the file is GBK or GB18030, use --encoding gb18030",
                                    static_cast<unsigned char>(record.raw[bad])));
        return;
    }
    if (record.fields.size() != layout.fields.size()) {
        builder_.report_unreadable(Where{row, Where::k_whole_record},
                                   fmt::format("row has {} fields but the header has {}", record.fields.size(), layout.fields.size()));
        return;
    }
    // In one file, a row whose claim columns are byte for byte the claim's first row's
    // (the separator after the last one included) has nothing to set or check.
    bool repeats_first_row = false;
    if (!two_file_) {
        std::size_t end = layout.prefix_columns < record.field_starts.size() ? record.field_starts[layout.prefix_columns] : record.raw.size();
        std::string_view prefix = record.raw.substr(0, end);
        repeats_first_row = have_first_prefix_ && prefix == first_prefix_;
        if (!have_first_prefix_) {
            first_prefix_.assign(prefix);
            have_first_prefix_ = true;
        }
    }
    for (std::size_t c : repeats_first_row ? std::span<const std::size_t>{} : std::span<const std::size_t>(layout.claim_columns)) {
        std::string_view value = trim(record.fields[c]);
        if (value.empty()) continue;
        FieldId f = *layout.fields[c];
        auto slot = static_cast<std::size_t>(f);
        if (header_rows_[slot] == UINT32_MAX) {
            header_values_[slot].assign(value);
            header_rows_[slot] = row;
            builder_.set(f, map_.has_values(f) ? map_.map_value(f, value) : value, where(c), text_);
        } else if (header_values_[slot] != value) {
            builder_.report(Severity::error, f, where(c),
                            fmt::format("`{}` is `{}` here but `{}` on line {}; every row of a claim must repeat the same claim values",
                                        field_name(f), quote_excerpt(value), quote_excerpt(header_values_[slot]),
                                        item.records[header_rows_[slot]].line));
        }
    }
    if (layout.line_columns.empty()) return;
    builder_.begin_line(Where{row, Where::k_whole_record});
    for (std::size_t c : layout.line_columns) {
        FieldId f = *layout.fields[c];
        std::string_view value = record.fields[c];
        builder_.set(f, map_.has_values(f) ? map_.map_value(f, value) : value, where(c), text_);
    }
}

bool CsvReader::next(ReadItem& item) {
    if (done_) return emit_leftover(item);
    CsvTokenizer& tokenizer = two_file_ ? *lines_tokenizer_ : tokenizer_;
    if (!pending_ && !tokenizer.next(record_)) {
        done_ = true;
        return emit_leftover(item);
    }
    pending_ = false;
    item.clear();
    item.rows = true;
    item.files[0] = names_[0];
    if (two_file_) item.files[1] = names_[1];
    builder_.begin(item.claim);
    header_values_.resize(k_header_field_count);
    header_rows_.assign(k_header_field_count, UINT32_MAX);
    have_first_prefix_ = false;
    item.claim_id = std::string(claim_id_of(record_, *layout_));
    // The claim_id column is not in claim_columns: set it once, from the first row.
    if (!item.claim_id.empty()) {
        Where where{0, Where::k_whole_record};
        if (!two_file_ && layout_->claim_id_column < record_.field_starts.size()) where.at = record_.field_starts[layout_->claim_id_column];
        builder_.set(FieldId::claim_id, item.claim_id, where);
    }

    if (two_file_) {
        auto it = entry_index_.find(item.claim_id);
        if (it != entry_index_.end() && !item.claim_id.empty()) {
            HeaderEntry& e = entries_[it->second];
            e.used = true;
            CsvRecord header;
            header.raw = e.raw;
            header.line = e.line;
            header.end_line = e.end_line;
            header.truncated = e.truncated;
            header.error = e.error;
            header.error_offset = e.error_offset;
            header.fields.assign(e.cells.begin(), e.cells.end());
            header.field_starts = e.starts;
            add_row(item, header, 1, *claims_layout_);
        } else {
            builder_.report(Severity::error, FieldId::claim_id, Where{0, Where::k_whole_record},
                            fmt::format("no record for claim `{}` in the claims file `{}`", quote_excerpt(item.claim_id), names_[1]));
        }
    }
    for (;;) {
        add_row(item, record_, 0, *layout_);
        if (!tokenizer.next(record_)) {
            done_ = true;
            break;
        }
        // A row without a claim_id is a claim of its own (and rejected).
        if (item.claim_id.empty() || claim_id_of(record_, *layout_) != item.claim_id) {
            pending_ = true;
            break;
        }
    }
    if (item.claim_id.empty() && !builder_.unreadable()) {
        builder_.report(Severity::error, FieldId::claim_id, Where{0, Where::k_whole_record}, "missing required field `claim_id`");
    }
    item.accepted = builder_.finish();
    item.locate(builder_);
    return true;
}

bool CsvReader::emit_leftover(ReadItem& item) {
    while (leftover_ < entries_.size()) {
        HeaderEntry& e = entries_[leftover_++];
        if (e.used && !e.duplicate) continue;
        item.clear();
        item.rows = true;
        item.files[0] = names_[0];
        item.files[1] = names_[1];
        item.claim_id = e.id;
        builder_.begin(item.claim);
        item.add_record(1, e.line, e.end_line, e.raw, e.truncated);
        std::string message = e.duplicate ? (e.id.empty() ? std::string("missing required field `claim_id`")
                                                           : fmt::format("claim `{}` appears more than once in the claims file; only its first record is used",
                                                                         quote_excerpt(e.id)))
                                          : fmt::format("claim `{}` has no rows in the lines file `{}`", quote_excerpt(e.id), names_[0]);
        builder_.report(Severity::error, FieldId::claim_id, Where{0, Where::k_whole_record}, std::move(message));
        item.accepted = false;
        item.locate(builder_);
        return true;
    }
    return false;
}

}  // namespace medclaim
