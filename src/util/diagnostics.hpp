#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace medclaim {

enum class Severity { note, warning, error };

/// One message about a place in a file. `line`/`column` are 1-based; 0 means unknown.
struct Diagnostic {
    Severity severity = Severity::error;
    std::string file;
    std::uint64_t line = 0;
    std::uint32_t column = 0;
    std::string message;
    std::string source_line;  ///< the text of `line`, shown with a caret under `column`; may be empty
};

/// Formats `file:line:col: error: message`, then the source line and a caret when known.
std::string format_diagnostic(const Diagnostic& d);

/// A diagnostic at byte `pos` of `text` (the whole file `file`): line and column
/// (in code points) counted from 1, with the source line (without a CR before its LF).
Diagnostic diagnostic_at(std::string_view file, std::string_view text, std::size_t pos, Severity severity, std::string message);

/// Prints diagnostics to a stream and counts them.
/// Rules: 1. errors and notes are always printed; 2. at most `max_warnings` warnings are
/// printed, the rest are counted and summarised by `finish()`.
class DiagnosticSink {
public:
    /// A null `out` only counts.
    explicit DiagnosticSink(std::FILE* out, std::uint64_t max_warnings = 100) : out_(out), max_warnings_(max_warnings) {}
    /// Keeps every diagnostic in `kept` instead of printing it (for a thread that reads
    /// ahead: the diagnostics are reported later, in input order).
    explicit DiagnosticSink(std::vector<Diagnostic>& kept) : out_(nullptr), max_warnings_(UINT64_MAX), kept_(&kept) {}
    /// Prints (or counts) one diagnostic.
    void report(const Diagnostic& d);
    /// Prints the "N more warnings not shown" line if any were held back.
    void finish();
    std::uint64_t errors() const { return errors_; }
    std::uint64_t warnings() const { return warnings_; }

private:
    std::FILE* out_;
    std::uint64_t max_warnings_;
    std::vector<Diagnostic>* kept_ = nullptr;
    std::uint64_t errors_ = 0;
    std::uint64_t warnings_ = 0;
};

}  // namespace medclaim
