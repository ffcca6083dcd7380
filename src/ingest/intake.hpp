#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "ingest/claim_reader.hpp"

namespace medclaim {

class ColumnMap;
class OutputFile;
class Progress;

/// `--max-rejects`: a count of rejected claims, or a percentage of claims read.
struct RejectLimit {
    bool percent = false;
    std::uint64_t value = 0;  ///< claims, or hundredths of a percent
    /// Parses `N` or `N%` (percent with up to two decimals); false when malformed.
    static bool parse(std::string_view text, RejectLimit& out);
};

/// Counters for the reconciliation line; records in = accepted + rejected, always.
struct IntakeCounts {
    std::uint64_t records = 0;
    std::uint64_t records_accepted = 0;
    std::uint64_t records_rejected = 0;
    std::uint64_t claims = 0;
    std::uint64_t claims_accepted = 0;
    std::uint64_t claims_rejected = 0;
    bool limit_exceeded = false;  ///< --max-rejects was exceeded (reading stopped if it was a count)
};

/// The reconciliation line printed on stderr at the end of every run.
std::string reconciliation_line(const IntakeCounts& counts);

/// Reads every input in order and sorts each claim into accepted or rejected.
/// Rules: 1. a claim_id seen before in the run (any input) is rejected, naming the first
/// place; 2. every rejected claim goes to the rejects file with its records verbatim;
/// 3. every finding is printed to the diagnostic sink, in input order, a finding marked
/// `once` only the first time for its file; 4. a count limit stops reading as soon as it
/// is exceeded; a percentage is judged on all claims at the end; 5. with `threads` > 1
/// the inputs are cut into pieces parsed on several threads (BatchReader), and what the
/// consumer sees and what is printed are the same as with one.
class Intake {
public:
    Intake(std::vector<InputSpec> inputs, const ColumnMap& map, DiagnosticSink& sink, std::optional<RejectLimit> limit, unsigned threads = 1);
    ~Intake();

    /// Has each accepted claim's text hashed as it is read (ReadItem::fingerprint).
    void take_fingerprints() { fingerprints_ = true; }
    /// Writes rejected claims to `path` (JSON Lines, atomically on commit_rejects()).
    void set_rejects(const std::string& path);
    /// What the consumer of an accepted claim says: nothing (taken) or why it refuses it
    /// (no pack version for its date, say); a refused claim is rejected like any other.
    using Verdict = std::optional<std::string>;
    /// Reads all inputs; `on_claim` receives each accepted claim in input order.
    IntakeCounts run(const std::function<Verdict(ReadItem&)>& on_claim);
    /// Reads all inputs in batches. `prepare` receives the accepted claims of a batch, in
    /// input order, once per lane; then `finish` receives each of them in input order,
    /// with its index in that list. With one thread there is one lane and both run on
    /// the calling thread. With `threads` > 1 there are that many lanes, run as jobs of
    /// a pool of that many threads (which also parses the pieces): each lane prepares
    /// batch after batch in input order, one at a time, without waiting for the other
    /// lanes (so a lane must touch only its share of a batch: the claims of its
    /// members, say); `finish` runs for a batch once every lane has prepared it, while
    /// the lanes go on with the next ones. `slot` (below k_slots) tells apart the
    /// batches in flight, for a caller that keeps results per batch. A failure of `prepare` stops the run once the batches before it are
    /// finished, and is rethrown (the lowest lane's, when several fail on one batch).
    static constexpr std::size_t k_slots = 4;
    using Prepare = std::function<void(const std::vector<ReadItem*>& accepted, std::size_t slot, std::size_t lane)>;
    using Finish = std::function<Verdict(ReadItem& item, std::size_t index, std::size_t slot)>;
    /// How many lanes run() has.
    std::size_t lanes() const { return threads_; }
    IntakeCounts run(const Prepare& prepare, const Finish& finish);
    /// Makes the rejects file durable (call once the run's other outputs are written).
    void commit_rejects();
    /// The rejects file, for a caller that commits it with other outputs; null without one.
    OutputFile* rejects_output() { return rejects_.get(); }

private:
    class SeenIds;
    struct Stage;
    class Pipeline;
    bool finish_batch(Stage& stage, std::size_t slot, const Finish& finish, IntakeCounts& counts, Progress& progress);
    void reject(ReadItem& item, IntakeCounts& counts);
    void check_duplicate(ReadItem& item);
    void drop_repeated(ReadItem& item);

    std::vector<InputSpec> inputs_;
    const ColumnMap& map_;
    DiagnosticSink& sink_;
    std::optional<RejectLimit> limit_;
    unsigned threads_;
    bool fingerprints_ = false;
    std::unordered_set<std::string> said_once_;  // file and message of `once` findings reported
    std::unique_ptr<SeenIds> seen_;
    std::unique_ptr<OutputFile> rejects_;
    std::vector<std::string> file_names_;  // for "first seen at" messages
};

class JsonWriter;
/// Writes one record of a rejects file entry: file, line, end_line when it spans lines,
/// the text verbatim (`text_base64` when not UTF-8) and `truncated` when cut.
void append_reject_record(JsonWriter& w, std::string_view file, std::uint64_t line, std::uint64_t end_line, std::string_view text, bool truncated);

/// Appends one rejected claim to `out` as a JSON line (the rejects file format).
void append_reject_json(std::string& out, const ReadItem& item);

}  // namespace medclaim
