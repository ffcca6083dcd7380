#pragma once

#include <string>

#include "engine/adjudicate.hpp"

namespace medclaim {

class JsonWriter;

/// What every output record names: the pack that decided it.
struct PackStamp {
    std::string name;
    std::string version;
    std::string sha256;
};

/// The SHA-256 that identifies a pack version: over each of its files in load order,
/// the path relative to the pack folder, a NUL, the size in decimal, a NUL, the bytes.
/// Throws IoError when a file cannot be read.
std::string pack_digest(const Pack& pack, const std::string& pack_dir);

/// Writes a flag's fields into an open JSON object: rule, severity, reason, amount,
/// then an audit rule's name, category, result, action, evidence and related_lines
/// (for other flags only when `audit_fields`, as empty values).
void write_flag_fields(JsonWriter& w, const Flag& f, bool audit_fields);

/// Appends one adjudication as a JSON line (DESIGN.md section 5): claim_id, member_id,
/// plan_year, status, the claim buckets, deductible, payers, patient, lines with their
/// buckets and flags, claim flags, pack; and `trace` when `explain`.
void append_adjudication_json(std::string& out, const Adjudication& a, const PackStamp& pack, bool explain);

}  // namespace medclaim
