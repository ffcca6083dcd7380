#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/byte_source.hpp"
#include "ingest/fields.hpp"
#include "model/claim.hpp"
#include "util/diagnostics.hpp"

namespace medclaim {

class ClaimBuilder;
class ColumnMap;

/// A finding about an input record, located in its file.
struct Finding {
    Diagnostic diagnostic;
    std::optional<FieldId> field;
    bool once = false;  ///< reported for the first record of a file that has it only
};

/// One input record (CSV row or JSON line) as written, kept for the rejects file.
struct RawRecord {
    std::uint32_t file = 0;      ///< index into ReadItem::files
    std::uint64_t line = 0;      ///< first physical line
    std::uint64_t end_line = 0;  ///< last physical line
    std::size_t offset = 0;      ///< where its text starts in ReadItem::raw_text
    std::size_t size = 0;
    bool truncated = false;      ///< the record was longer than the reader's limit
};

/// What a reader produces for each claim: the claim when accepted, its findings, and
/// the verbatim records it was read from. Reused from claim to claim.
struct ReadItem {
    Claim claim;
    bool accepted = false;
    std::string claim_id;                    ///< as read; empty when the record had none
    std::array<std::string, 2> files;        ///< names of the files its records came from
    std::vector<RawRecord> records;
    std::string raw_text;
    /// hash64(raw_text) of an accepted claim, taken by BatchReader right after reading
    /// it, while the text is in cache (the ledger's in-memory content fingerprint).
    std::optional<std::uint64_t> fingerprint;
    /// Two hashes of claim_id (when it has one), taken by BatchReader on the thread that
    /// read it, for the run's check of repeated ids.
    std::optional<std::array<std::uint64_t, 2>> id_hashes;
    std::vector<Finding> findings;           ///< errors (when rejected), warnings, notes
    bool rows = false;                       ///< read from CSV rows (one claim = several records)

    /// The text of record `i`.
    std::string_view text(std::size_t i) const { return std::string_view(raw_text).substr(records[i].offset, records[i].size); }
    /// Appends a record's text.
    void add_record(std::uint32_t file, std::uint64_t line, std::uint64_t end_line, std::string_view text, bool truncated);
    /// Empties the item for the next claim.
    void clear();
    /// Moves the builder's problems into `findings`, located by file, line and column.
    void locate(const ClaimBuilder& builder);
};

/// Two independent 64-bit hashes of a claim id, the first with its low bit set: a
/// fingerprint for the run's check of repeated ids (ReadItem::id_hashes).
std::array<std::uint64_t, 2> claim_id_hashes(std::string_view id);

/// Reads claims from one input, in input order.
class ClaimReader {
public:
    virtual ~ClaimReader() = default;
    /// Fills `item` with the next claim (accepted or not); false at the end of input.
    virtual bool next(ReadItem& item) = 0;
};

/// The layout of an input.
enum class InputFormat { automatic, csv, jsonl };

/// Everything needed to open one input.
struct InputSpec {
    std::string path;                 ///< `-` is standard input
    std::optional<std::string> lines; ///< a separate CSV lines file (two-file mode)
    InputFormat format = InputFormat::automatic;
    Encoding encoding = Encoding::automatic;
    bool grouped_numbers = false;     ///< accept thousands separators in text numbers
};

/// An input opened and its layout decided, before a reader is made for it.
struct ResolvedInput {
    std::string name;  ///< as messages show it (`<stdin>` for `-`)
    std::unique_ptr<ByteSource> source;
    InputFormat format = InputFormat::csv;  ///< csv or jsonl, never automatic
};

/// Opens `spec`'s main file and decides its format as open_claim_reader() does.
ResolvedInput resolve_input(const InputSpec& spec, DiagnosticSink& sink);

/// Opens the reader for `spec`. An automatic format is taken from the file name
/// (`.jsonl`, `.ndjson`, `.json`: JSON Lines; `.csv`: CSV), else from the first byte
/// that is not blank (`{` or `[`: JSON Lines; anything else: CSV). Prints the encoding note to
/// `sink` when GB18030 was detected. Throws InputError.
std::unique_ptr<ClaimReader> open_claim_reader(const InputSpec& spec, const ColumnMap& map, DiagnosticSink& sink);

}  // namespace medclaim
