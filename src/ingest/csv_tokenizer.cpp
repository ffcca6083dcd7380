#include "ingest/csv_tokenizer.hpp"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "ingest/byte_source.hpp"
#include "util/text.hpp"

namespace medclaim {
namespace {

constexpr std::size_t k_read_bytes = 1 << 20;
constexpr std::size_t k_fill_bytes = 128 << 10;

enum class State { field_begin, unquoted, quoted, after_quote };

// Bytes that end a run of plain unquoted data.
struct SpecialTable {
    bool special[256] = {};
    constexpr SpecialTable() {
        for (unsigned char c : {',', '"', '\n', '\r', '\0'}) special[c] = true;
    }
};
constexpr SpecialTable k_special;

#if defined(__SSE2__)
// Masks of 16 bytes at `p`: line feeds; separators (commas and line feeds); and bytes
// that need the state machine (quotes, carriage returns, NUL).
struct ByteMasks {
    unsigned line_feeds;
    unsigned separators;
    unsigned special;
};

ByteMasks masks_at(const char* p) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    __m128i lf = _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'));
    __m128i others = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                  _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')), _mm_cmpeq_epi8(v, _mm_setzero_si128())));
    return {static_cast<unsigned>(_mm_movemask_epi8(lf)),
            static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(',')), lf))),
            static_cast<unsigned>(_mm_movemask_epi8(others))};
}
#endif

// The length of the run of plain bytes that starts at `p` (at most `n`): 16 bytes a
// step where SSE2 is there (every x86-64), then byte by byte.
std::size_t plain_run(const char* p, std::size_t n) {
    std::size_t i = 0;
#if defined(__SSE2__)
    for (; i + 16 <= n; i += 16) {
        ByteMasks m = masks_at(p + i);
        if (unsigned bits = m.separators | m.special; bits != 0) return i + static_cast<std::size_t>(__builtin_ctz(bits));
    }
#endif
    while (i < n && !k_special.special[static_cast<unsigned char>(p[i])]) ++i;
    return i;
}

}  // namespace

std::string_view describe(CsvError error) {
    switch (error) {
        case CsvError::none: return "no error";
        case CsvError::unterminated_quote: return "quoted field is not closed before the end of the input";
        case CsvError::stray_quote: return "`\"` inside an unquoted field; quote the whole field and double the quote";
        case CsvError::text_after_quote: return "text after a closing quote; a quoted field must end at a comma or line end";
        case CsvError::nul_byte: return "NUL byte in the input (binary data, or UTF-16 text: save the file as UTF-8)";
        case CsvError::lone_carriage_return: return "carriage return not followed by a line feed";
        case CsvError::field_too_long: return "field is longer than the limit";
        case CsvError::record_too_long: return "record is longer than the limit";
    }
    return "invalid CSV";
}

Diagnostic record_diagnostic(const std::string& file, const CsvRecord& record, std::size_t column, std::string message, Severity severity) {
    Diagnostic d;
    d.severity = severity;
    d.file = file;
    d.line = record.line;
    std::size_t at = column < record.field_starts.size() ? record.field_starts[column] : 0;
    d.column = static_cast<std::uint32_t>(count_code_points(record.raw.substr(0, at)) + 1);
    d.source_line = std::string(record.raw.substr(0, record.raw.find('\n')));
    d.message = std::move(message);
    return d;
}

CsvTokenizer::CsvTokenizer(ByteSource& source, CsvLimits limits) : source_(&source), limits_(limits) {
    // Not zero-filled: only what reads fill is ever looked at.
    buffer_size_ = limits_.max_record_bytes + 2 * k_read_bytes;
    buffer_ = std::make_unique_for_overwrite<char[]>(buffer_size_);
    data_ = buffer_.get();
}

CsvTokenizer::CsvTokenizer(std::string_view bytes, CsvLimits limits) : limits_(limits), data_(bytes.data()), end_(bytes.size()), eof_(true) {}

bool CsvTokenizer::fill() {
    if (eof_) return false;
    if (skipping_) {
        // Drop the scanned part of a too-long record; its head is already saved.
        begin_ += pos_;
        pos_ = 0;
    }
    if (begin_ > 0) {
        std::memmove(buffer_.get(), data_ + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    // A read at a time that stays in the core's cache until it is parsed.
    std::size_t got = source_->read(buffer_.get() + end_, std::min(buffer_size_ - end_, k_fill_bytes));
    if (got == 0) {
        eof_ = true;
        return false;
    }
    end_ += got;
    return true;
}

void CsvTokenizer::fail(CsvRecord& record, CsvError error, std::size_t offset) {
    if (record.error != CsvError::none) return;
    record.error = error;
    record.error_offset = static_cast<std::uint32_t>(offset);
}

bool CsvTokenizer::plain_record(CsvRecord& record) {
#if defined(__SSE2__)
    // Sixteen bytes a step: a mask of the separators and terminators, and one of the bytes
    // that need the state machine (quotes, carriage returns other than a CRLF's, NUL).
    const char* base = data_ + begin_;
    std::size_t avail = std::min(end_ - begin_, limits_.max_record_bytes);
    std::size_t field_start = 0;
    for (std::size_t i = 0; i + 16 <= avail; i += 16) {
        auto [lfs, delims, special] = masks_at(base + i);
        unsigned first_lf = lfs & (0u - lfs);
        bool crlf = false;
        if (unsigned before = special & (lfs != 0 ? first_lf - 1 : 0xffffu); before != 0) {
            // Only a carriage return right before the line feed is plain.
            if (first_lf <= 1 || before != first_lf >> 1 || base[i + static_cast<std::size_t>(__builtin_ctz(first_lf)) - 1] != '\r') break;
            crlf = true;
        }
        for (; delims != 0; delims &= delims - 1) {
            std::size_t at = i + static_cast<std::size_t>(__builtin_ctz(delims));
            bool last = (delims & (0u - delims)) == first_lf;
            std::size_t stop = last && crlf ? at - 1 : at;
            if (stop - field_start > limits_.max_field_bytes) break;
            record.fields.emplace_back(base + field_start, stop - field_start);
            record.field_starts.push_back(static_cast<std::uint32_t>(field_start));
            if (last) {
                record.raw = std::string_view(base, stop);
                record.end_line = line_++;
                begin_ += at + 1;
                return true;
            }
            field_start = at + 1;
        }
        if (delims != 0) break;  // a field too long
    }
    // Not plain, or not wholly in the buffer: the state machine reads it from the start.
    record.fields.clear();
    record.field_starts.clear();
#else
    (void)record;
#endif
    return false;
}

bool CsvTokenizer::next(CsvRecord& record) {
    // Skip blank lines.
    for (;;) {
        if (begin_ == end_ && !fill()) return false;
        char c = data_[begin_];
        if (c == '\n') {
            ++begin_;
            ++line_;
        } else if (c == '\r' && (begin_ + 1 < end_ || fill()) && data_[begin_ + 1] == '\n') {
            begin_ += 2;
            ++line_;
        } else {
            break;
        }
    }

    record.fields.clear();
    record.field_starts.clear();
    record.error = CsvError::none;
    record.error_offset = 0;
    record.truncated = false;
    record.line = line_;
    spans_.clear();
    skipping_ = false;
    pos_ = 0;

    if (plain_record(record)) return true;

    State state = State::field_begin;
    std::size_t field_start = 0;
    std::size_t value_end = 0;
    bool escaped = false;
    std::size_t record_end = 0;  // where the record's bytes end (terminator excluded)
    std::size_t terminator = 0;

    auto at_end = [&]() { return begin_ + pos_ == end_ && !fill(); };
    auto close_field = [&](std::size_t value_begin, std::size_t value_stop) {
        if (skipping_) return;
        if (value_stop - value_begin > limits_.max_field_bytes) fail(record, CsvError::field_too_long, field_start);
        spans_.push_back({static_cast<std::uint32_t>(value_begin), static_cast<std::uint32_t>(value_stop), escaped});
        record.field_starts.push_back(static_cast<std::uint32_t>(field_start));
    };

    for (;;) {
        if (!skipping_ && pos_ > limits_.max_record_bytes) {
            fail(record, CsvError::record_too_long, 0);
            head_.assign(data_ + begin_, limits_.max_record_bytes);
            skipping_ = true;
        }
        if (at_end()) {
            if (state == State::quoted) {
                fail(record, CsvError::unterminated_quote, field_start);
                ended_in_quotes_ = true;
            }
            std::size_t stop = state == State::after_quote ? value_end : pos_;
            close_field(state == State::quoted || state == State::after_quote ? field_start + 1 : field_start, stop);
            record_end = pos_;
            break;
        }
        char c = data_[begin_ + pos_];
        if (state == State::field_begin) {
            escaped = false;
            if (c == '"') {
                state = State::quoted;
                ++pos_;
                continue;
            }
            state = State::unquoted;
        }
        if (state == State::unquoted) {
            // Fast path: plain bytes.
            pos_ += plain_run(data_ + begin_ + pos_, end_ - begin_ - pos_);
            // The run may have crossed the record limit: the top of the loop says so
            // wherever the reads happened to end.
            if (begin_ + pos_ == end_ || (!skipping_ && pos_ > limits_.max_record_bytes)) continue;
            c = data_[begin_ + pos_];
            if (c == ',') {
                close_field(field_start, pos_);
                field_start = ++pos_;
                state = State::field_begin;
            } else if (c == '\n') {
                close_field(field_start, pos_);
                record_end = pos_;
                terminator = 1;
                break;
            } else if (c == '\r') {
                if ((begin_ + pos_ + 1 < end_ || fill()) && data_[begin_ + pos_ + 1] == '\n') {
                    close_field(field_start, pos_);
                    record_end = pos_;
                    terminator = 2;
                    break;
                }
                fail(record, CsvError::lone_carriage_return, pos_);
                ++pos_;
            } else {
                fail(record, c == '"' ? CsvError::stray_quote : CsvError::nul_byte, pos_);
                ++pos_;
            }
            continue;
        }
        if (state == State::quoted) {
            if (c == '"') {
                if ((begin_ + pos_ + 1 < end_ || fill()) && data_[begin_ + pos_ + 1] == '"') {
                    escaped = true;
                    pos_ += 2;
                } else {
                    value_end = pos_;
                    state = State::after_quote;
                    ++pos_;
                }
                continue;
            }
            if (c == '\n') ++line_;
            if (c == '\0') fail(record, CsvError::nul_byte, pos_);
            ++pos_;
            continue;
        }
        // after_quote
        if (c == ',') {
            close_field(field_start + 1, value_end);
            field_start = ++pos_;
            state = State::field_begin;
        } else if (c == '\n' || (c == '\r' && (begin_ + pos_ + 1 < end_ || fill()) && data_[begin_ + pos_ + 1] == '\n')) {
            close_field(field_start + 1, value_end);
            record_end = pos_;
            terminator = c == '\n' ? 1 : 2;
            break;
        } else {
            fail(record, CsvError::text_after_quote, pos_);
            state = State::unquoted;  // keep the rest of the field as data so the record stays aligned
            value_end = pos_;
        }
    }

    record.end_line = line_;
    if (terminator > 0) ++line_;
    if (skipping_) {
        record.raw = head_;
        record.truncated = true;
        spans_.clear();
        record.field_starts.clear();
    } else {
        record.raw = std::string_view(data_ + begin_, record_end);
        std::size_t escaped_bytes = 0;
        for (const Span& s : spans_) escaped_bytes += s.escaped ? s.end - s.begin : 0;
        scratch_.clear();
        scratch_.reserve(escaped_bytes);  // no reallocation below: views into scratch_ stay valid
        for (const Span& s : spans_) {
            std::string_view value(data_ + begin_ + s.begin, s.end - s.begin);
            if (!s.escaped) {
                record.fields.push_back(value);
                continue;
            }
            std::size_t start = scratch_.size();
            for (std::size_t i = 0; i < value.size(); ++i) {
                scratch_.push_back(value[i]);
                if (value[i] == '"' && i + 1 < value.size() && value[i + 1] == '"') ++i;
            }
            record.fields.emplace_back(scratch_.data() + start, scratch_.size() - start);
        }
    }
    begin_ += pos_ + terminator;
    pos_ = 0;
    return true;
}

}  // namespace medclaim
