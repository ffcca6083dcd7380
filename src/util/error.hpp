#pragma once

#include <stdexcept>
#include <string>

#include "util/exit_code.hpp"

namespace medclaim {

/// A condition that aborts the whole command; caught in main and mapped to its exit code.
/// Expected per-record failures are values (see Diagnostic), never exceptions.
class Error : public std::runtime_error {
public:
    Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
    /// The process exit code this error maps to.
    ExitCode code() const { return code_; }

private:
    ExitCode code_;
};

/// An input (claim file, mapping file) cannot be opened or read.
struct InputError : Error {
    explicit InputError(const std::string& m) : Error(ExitCode::input, m) {}
};

/// An output cannot be written, flushed or renamed into place.
struct IoError : Error {
    explicit IoError(const std::string& m) : Error(ExitCode::io, m) {}
};

/// The command line is inconsistent in a way CLI11 cannot see.
struct UsageError : Error {
    explicit UsageError(const std::string& m) : Error(ExitCode::usage, m) {}
};

}  // namespace medclaim
