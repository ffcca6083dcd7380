#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/diagnostics.hpp"

namespace medclaim {

class ByteSource;

/// Size limits that keep memory bounded whatever the input.
struct CsvLimits {
    std::size_t max_field_bytes = 64 * 1024;    ///< a longer field is an error
    std::size_t max_record_bytes = 1024 * 1024; ///< a longer record is an error; its tail is skipped
};

/// The first syntax error of a record.
enum class CsvError {
    none,
    unterminated_quote,  // a quoted field runs to the end of the input
    stray_quote,         // `"` inside an unquoted field
    text_after_quote,    // characters between a closing quote and the next separator
    nul_byte,            // a NUL byte (binary data or UTF-16 text)
    lone_carriage_return,
    field_too_long,
    record_too_long,
};

/// A human description of a CsvError, with the fix where there is one.
std::string_view describe(CsvError error);

/// One CSV record. Views stay valid until the next call to CsvTokenizer::next.
struct CsvRecord {
    std::vector<std::string_view> fields;    ///< unquoted, unescaped values
    std::vector<std::uint32_t> field_starts; ///< byte offset of each field in `raw`
    std::string_view raw;                    ///< the bytes of the record, line terminator excluded
    std::uint64_t line = 0;                  ///< physical line where the record starts (1-based)
    std::uint64_t end_line = 0;              ///< physical line where it ends
    bool truncated = false;                  ///< `raw` holds only the first max_record_bytes
    CsvError error = CsvError::none;
    std::uint32_t error_offset = 0;          ///< byte offset of the error in `raw`
};

/// A diagnostic at field `column` of `record` (its first line when the record spans
/// several), with the source line for the caret.
Diagnostic record_diagnostic(const std::string& file, const CsvRecord& record, std::size_t column, std::string message,
                             Severity severity = Severity::error);

/// Splits a byte stream into RFC 4180 records: fields separated by commas, records by
/// LF or CRLF, fields optionally quoted with `""` for a quote; quoted fields may hold
/// commas and line breaks. Blank lines are skipped. Memory is bounded by the limits.
class CsvTokenizer {
public:
    explicit CsvTokenizer(ByteSource& source, CsvLimits limits = {});
    /// Tokenizes `bytes` where they are, without copying them; the caller keeps them
    /// alive and unchanged while records are read.
    explicit CsvTokenizer(std::string_view bytes, CsvLimits limits = {});
    /// Reads the next record; false at the end of the input.
    bool next(CsvRecord& record);
    /// Numbers the next record's first line `line` (for a piece cut out of a file).
    void set_line(std::uint64_t line) { line_ = line; }
    /// True when the input ended inside a quoted field.
    bool ended_in_quotes() const { return ended_in_quotes_; }

private:
    struct Span {
        std::uint32_t begin;
        std::uint32_t end;
        bool escaped;
    };

    bool fill();
    /// Tokenizes the next record when it is wholly in the buffer and has no quotes, lone
    /// carriage returns, NUL bytes or over-long fields (nearly every record of a claims
    /// file); false, with nothing consumed, sends it through the state machine.
    bool plain_record(CsvRecord& record);
    void fail(CsvRecord& record, CsvError error, std::size_t offset);

    ByteSource* source_ = nullptr;       // null for bytes held by the caller
    CsvLimits limits_;
    std::unique_ptr<char[]> buffer_;    // what reads fill; none for bytes held by the caller
    std::size_t buffer_size_ = 0;
    const char* data_ = nullptr;        // the bytes scanned: buffer_ or the caller's
    std::size_t begin_ = 0;  // first unread byte
    std::size_t end_ = 0;    // one past the last valid byte
    std::size_t pos_ = 0;    // scan position, relative to begin_
    bool eof_ = false;
    bool skipping_ = false;  // the record is too long: bytes are dropped as they are scanned
    std::uint64_t line_ = 1;
    bool ended_in_quotes_ = false;
    std::vector<Span> spans_;
    std::string scratch_;
    std::string head_;  // first bytes of a too-long record
};

}  // namespace medclaim
