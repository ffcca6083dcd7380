#include "util/diagnostics.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "util/text.hpp"

namespace medclaim {
namespace {

constexpr std::size_t k_excerpt_width = 100;  // display columns of a source line shown

std::string_view label(Severity s) {
    switch (s) {
        case Severity::note: return "note";
        case Severity::warning: return "warning";
        case Severity::error: return "error";
    }
    return "error";
}

// Byte offset in `line` of the code point numbered `column` (1-based).
std::size_t byte_of_column(std::string_view line, std::uint32_t column) {
    std::size_t cp = 1;
    for (std::size_t i = 0; i < line.size(); ++i) {
        if ((static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) continue;
        if (cp == column) return i;
        ++cp;
    }
    return line.size();
}

// Start of the code point containing byte `i`.
std::size_t back_to_boundary(std::string_view s, std::size_t i) {
    while (i > 0 && i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
    return i;
}

// `line` with control characters and invalid UTF-8 bytes shown as `?`, one for one, so
// that the terminal shows nothing raw and the caret stays in its column.
std::string printable(std::string_view line) {
    std::string out;
    out.reserve(line.size());
    std::size_t i = 0;
    while (i < line.size()) {
        std::size_t bad = first_invalid_utf8(line.substr(i));
        std::string_view good = line.substr(i, bad == std::string_view::npos ? std::string_view::npos : bad);
        for (char c : good) out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7F ? '?' : c);
        if (bad == std::string_view::npos) break;
        out.push_back('?');
        i += bad + 1;
    }
    return out;
}

}  // namespace

std::string format_diagnostic(const Diagnostic& d) {
    std::string out = d.file;
    if (d.line > 0) out += fmt::format(":{}", d.line);
    if (d.line > 0 && d.column > 0) out += fmt::format(":{}", d.column);
    out += fmt::format(": {}: {}\n", label(d.severity), d.message);
    if (d.source_line.empty()) return out;

    std::string_view raw = d.source_line;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    std::string clean = printable(raw);
    std::string_view line = clean;
    std::size_t caret = d.column > 0 ? byte_of_column(line, d.column) : 0;
    // Show a window of the line around the caret so that wide CSV rows stay readable.
    std::size_t begin = 0;
    std::string prefix;
    if (display_width(line.substr(0, caret)) > k_excerpt_width / 2) {
        begin = back_to_boundary(line, caret > k_excerpt_width / 2 ? caret - k_excerpt_width / 2 : 0);
        prefix = "...";
    }
    std::string_view shown = line.substr(begin);
    std::string suffix;
    if (shown.size() > k_excerpt_width * 2) {
        shown = shown.substr(0, back_to_boundary(shown, k_excerpt_width * 2));
        suffix = "...";
    }
    out += fmt::format("    {}{}{}\n", prefix, shown, suffix);
    if (d.column > 0) {
        std::size_t pad = prefix.size() + display_width(line.substr(begin, caret - begin));
        out += fmt::format("    {}^\n", std::string(pad, ' '));
    }
    return out;
}

void DiagnosticSink::report(const Diagnostic& d) {
    if (kept_ != nullptr) {
        kept_->push_back(d);
        return;
    }
    if (d.severity == Severity::error) ++errors_;
    if (d.severity == Severity::warning && ++warnings_ > max_warnings_) return;
    if (out_ == nullptr) return;
    std::string text = format_diagnostic(d);
    std::fwrite(text.data(), 1, text.size(), out_);
}

void DiagnosticSink::finish() {
    if (out_ == nullptr) return;
    if (warnings_ > max_warnings_) {
        fmt::print(out_, "medclaim: note: {} more warnings not shown\n", warnings_ - max_warnings_);
    }
    std::fflush(out_);
}

}  // namespace medclaim

namespace medclaim {

Diagnostic diagnostic_at(std::string_view file, std::string_view text, std::size_t pos, Severity severity, std::string message) {
    pos = std::min(pos, text.size());
    std::size_t line_begin = text.rfind('\n', pos == 0 ? 0 : pos - 1);
    line_begin = (line_begin == std::string_view::npos || pos == 0) ? 0 : line_begin + 1;
    std::size_t line_end = text.find('\n', line_begin);
    Diagnostic d;
    d.severity = severity;
    d.file = std::string(file);
    d.line = 1 + count_lines(text.substr(0, line_begin));
    d.column = static_cast<std::uint32_t>(count_code_points(text.substr(line_begin, pos - line_begin)) + 1);
    d.source_line = std::string(text.substr(line_begin, line_end == std::string_view::npos ? std::string_view::npos : line_end - line_begin));
    if (!d.source_line.empty() && d.source_line.back() == '\r') d.source_line.pop_back();  // a CRLF line end
    d.message = std::move(message);
    return d;
}

}  // namespace medclaim
