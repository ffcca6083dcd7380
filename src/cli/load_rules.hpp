#pragma once

#include <map>
#include <memory>
#include <string>

#include "report/adjudication_json.hpp"
#include "rules/pack.hpp"
#include "util/diagnostics.hpp"

namespace medclaim {

/// Loads the pack (or pack set) in `dir` for a command, printing every diagnostic to
/// `sink`; on failure also the closing `N errors in rule pack` line, and returns null
/// (the command then exits with ExitCode::rules).
std::unique_ptr<PackSet> load_rules_for_command(const std::string& dir, DiagnosticSink& sink);

/// The name, version and SHA-256 of every version of the set, for output records.
std::map<const Pack*, PackStamp> pack_stamps(const PackSet& packs);

}  // namespace medclaim
