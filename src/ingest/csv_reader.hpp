#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ingest/claim_builder.hpp"
#include "ingest/claim_reader.hpp"
#include "ingest/csv_tokenizer.hpp"

namespace medclaim {

/// Reads claims from flat CSV (one row per fee line, claim columns repeated) or from a
/// claims file plus a lines file joined by `claim_id`.
/// Rules: 1. rows of one claim are contiguous; 2. claim columns must carry the same
/// value on every row of a claim (an empty cell counts as the same); 3. a claim with any
/// bad row is rejected whole; 4. in two-file mode the claims file is held in memory
/// (one entry per claim: its record text and cells) and the lines file is streamed;
/// claims come out in lines-file order, then claims that had no lines, then duplicate
/// claim records, each rejected; 5. an unusable header is an InputError.
class CsvReader final : public ClaimReader {
public:
    /// What a header says: which column gives which field.
    struct Layout;

    /// Flat mode when `lines_source` is null.
    CsvReader(std::string name, const ColumnMap& map, std::unique_ptr<ByteSource> source, std::string lines_name,
              std::unique_ptr<ByteSource> lines_source, DiagnosticSink& sink, ValueSyntax text = ValueSyntax::text);
    /// Flat mode over a piece of a file held by the caller, read in place: `layout` is
    /// the file's header as another reader of it read it (layout()), `body` the rows that
    /// follow, the first of them on line `first_line`.
    CsvReader(std::string name, const ColumnMap& map, std::shared_ptr<const Layout> layout, std::string_view body, std::uint64_t first_line,
              ValueSyntax text = ValueSyntax::text);
    ~CsvReader() override;
    bool next(ReadItem& item) override;

    /// For a piece of a flat file read after its header: numbers the next row's first
    /// line `line`.
    void start_at_line(std::uint64_t line) { tokenizer_.set_line(line); }
    /// Flat mode: the column (0-based) that gives claim_id.
    std::size_t claim_id_column() const;
    /// The header of the streamed file, to share with the readers of its pieces.
    std::shared_ptr<const Layout> layout() const { return layout_; }
    /// True when the input ended inside a quoted field (a piece cut in the wrong place).
    bool ended_in_quotes() const { return tokenizer_.ended_in_quotes(); }

private:
    struct HeaderEntry;

    Layout read_layout(CsvTokenizer& tokenizer, const std::string& name, bool header_file, DiagnosticSink& sink);
    void load_claims_file(CsvTokenizer& tokenizer, const Layout& layout);
    void add_row(ReadItem& item, const CsvRecord& record, std::uint32_t file, const Layout& layout);
    bool emit_leftover(ReadItem& item);
    std::string_view claim_id_of(const CsvRecord& record, const Layout& layout) const;

    const ColumnMap& map_;
    std::unique_ptr<ByteSource> source_;
    std::unique_ptr<ByteSource> lines_source_;
    CsvTokenizer tokenizer_;
    std::unique_ptr<CsvTokenizer> lines_tokenizer_;
    std::shared_ptr<const Layout> layout_;        // of the streamed file
    std::shared_ptr<const Layout> claims_layout_; // of the claims file in two-file mode
    std::vector<std::string> names_;        // [0] streamed file, [1] claims file (two-file mode)
    bool two_file_ = false;
    ValueSyntax text_;  // how numbers written as text may look

    ClaimBuilder builder_;
    CsvRecord record_;
    bool pending_ = false;  // record_ holds the first row of the next claim
    bool done_ = false;

    // Per claim: first non-empty value of each claim column and the row it came from.
    std::vector<std::string> header_values_;
    std::vector<std::uint32_t> header_rows_;
    // Per claim, one file only: the bytes of the first row up to its last claim column.
    // A later row that begins with the same bytes repeats every claim value.
    std::string first_prefix_;
    bool have_first_prefix_ = false;

    std::vector<HeaderEntry> entries_;
    std::unordered_map<std::string, std::size_t> entry_index_;
    std::size_t leftover_ = 0;
};

}  // namespace medclaim
