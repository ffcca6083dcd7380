#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/accumulators.hpp"
#include "engine/adjudicate.hpp"
#include "model/policy.hpp"
#include "report/adjudication_json.hpp"
#include "util/text.hpp"

namespace medclaim {

class ClaimSpill;
class OutputFile;

/// A claim as the ledger remembers it: enough to re-emit its record byte for byte and
/// to unwind it exactly.
struct SettledClaim {
    std::string claim_id;
    std::string content_hash;  ///< SHA-256 of the claim's records as read
    std::string member_id;
    int plan_year = 0;
    std::string record;        ///< the output line written for it
    std::vector<Delta> deltas;
    std::string figures;       ///< the adjudication's money figures, for a reversal
    std::string reversed_by;   ///< the claim that reversed it, if any
    std::int64_t seq = 0;      ///< its place in a temporary ledger's ClaimSpill (0: not stored yet)
};

/// What settling one claim gave.
struct Settlement {
    enum class Kind { adjudicated, already_settled, reversal, replaced, refused };
    Kind kind = Kind::adjudicated;
    std::string record;  ///< the output line (JSON, newline included)
    std::string reason;  ///< why it was refused (Kind::refused)
    Adjudication adjudication;  ///< the figures (for already_settled, as stored: no trace); its deltas stay with the ledger
    PackStamp pack;             ///< the pack that decided it
};

/// Accumulators and settled claims, in an SQLite state file (`--state`) or, without one,
/// in temporary files discarded at the end of the run (a temporary database for the
/// counters memory cannot hold, a ClaimSpill per shard for the settled claims), so that
/// memory stays bounded. Rules: 1. a claim already settled with the same content is not
/// adjudicated again: its stored record is written again and nothing is counted twice;
/// 2. a known claim_id with different content is refused unless `replace`, which
/// unwinds the old settlement first; 3. a reversal (reversal_of set) unwinds the
/// settlement it names exactly and is written with every figure negated; 4. nothing
/// reaches the state file before commit(), which makes the outputs durable first, then
/// commits the state and a journal of the outputs in one transaction, then renames
/// the outputs into place; opening a state file whose journal is not empty completes
/// that rename, so that state and outputs are both old or both new; 5. accumulators are
/// split into `shards` by member: settle() may run concurrently for claims of members in
/// different shards (the state file is shared under a lock), and a claim's results never
/// depend on another member's claims, so any number of shards gives the same figures.
/// That is why a reversal or a replacement must name the member of the claim it undoes.
class Ledger {
public:
    /// `state_path` empty: in memory. Throws IoError when the file cannot be opened.
    Ledger(const std::string& state_path, bool replace, std::size_t shards = 1);
    ~Ledger();

    /// The shard that holds `member_id`'s accumulators.
    std::size_t shard_of(std::string_view member_id) const;
    /// Settles `claim`, read from the records `raw_text`, with `pack`. Safe to call from
    /// several threads at once for claims in different shards. Contents are told
    /// apart by the SHA-256 of `raw_text` in a state file, by a fast 64-bit
    /// fingerprint without one (nothing of it outlives the run).
    /// `fingerprint`, when given, is hash64(raw_text) taken earlier (by the reader).
    Settlement settle(const Claim& claim, std::string_view raw_text, const Pack& pack, const PackStamp& stamp, bool explain,
                      std::optional<std::uint64_t> fingerprint = std::nullopt);
    /// The same, into `out`, whose strings keep their memory from one claim to the next
    /// (a caller that settles many claims allocates less, and frees less on another thread).
    void settle(Settlement& out, const Claim& claim, std::string_view raw_text, const Pack& pack, const PackStamp& stamp, bool explain,
                std::optional<std::uint64_t> fingerprint = std::nullopt);
    /// Starts loading what settle(claim) will look up in big tables, so that a caller
    /// going through claims hides those cache misses behind the claims it settles
    /// meanwhile: step 1 (four claims ahead) the index slots of the member's policies
    /// and of its accumulators of the claim's year, step 2 (three ahead) the first
    /// policy and the accumulators, step 3 (two ahead) the other policies, step 4 (one
    /// ahead, the policies in cache by then) the index slots of the accumulators of the
    /// policies that cover the claim. Changes nothing.
    void prefetch(const Claim& claim, int step) const;
    static constexpr std::size_t k_prefetch_steps = 4;
    /// Sets an accumulator before any claim of the run (pack tests' starting values).
    void preset(std::string_view member_id, int plan_year, std::string_view counter, std::int64_t value);
    /// The policies the commercial products of a pack pay for (none when not set).
    void use_policies(const PolicyBook* book) { policies_ = book; }
    /// Makes `outputs` durable, commits the state, then publishes the outputs.
    void commit(const std::vector<OutputFile*>& outputs);

    bool persistent() const;
    /// How many entries (counters plus member-years, about 36 bytes each) to keep in
    /// memory before writing them out and forgetting them (2,500,000 by default, about
    /// 90 MB; tests make it small).
    void set_cache_limit(std::size_t entries) { max_cached_entries_ = entries; }
    /// A member's accumulators for a plan year as they stand now.
    std::vector<Counter> counters(std::string_view member_id, int plan_year);
    /// Outputs an interrupted earlier run left journaled and opening moved into place.
    std::uint64_t recovered() const { return recovered_; }
    std::uint64_t members_touched() const;

    class Store;  // the SQLite side

private:
    // The accumulators of the members of one shard; only one thread at a time uses it.
    struct Shard {
        Accumulators acc;  // what it holds was loaded; what it marks changed is written at the next flush
        std::uint64_t member_years_written = 0;
        std::unique_ptr<ClaimSpill> spill;  // without a state file: the shard's settled claims
        SettledClaim scratch;  // the claim settle() is storing, kept for its memory
        ClaimPolicies policies;  // the policies of the claim settle() is paying, kept for their memory
    };

    std::optional<SettledClaim> find(Shard& shard, std::string_view claim_id);
    void put_claim(Shard& shard, const SettledClaim& claim);
    void load(Shard& shard, std::string_view member_id, int plan_year);
    void flush_counters(Shard& shard, bool forget);
    /// Applies the negation of a settled claim's changes; returns those deltas.
    std::vector<Delta> unwind(Shard& shard, const SettledClaim& settled);
    Settlement reverse(Shard& shard, const Claim& claim, const std::string& content_hash, const PackStamp& stamp);

    std::size_t max_cached_entries_ = 2'500'000;  // kept in memory before they are written out and forgotten

    std::unique_ptr<Store> store_;  // the state file, or a temporary database
    std::mutex store_mutex_;        // held for every use of store_ once claims are settled
    bool replace_;
    bool persistent_;
    bool committed_ = false;
    std::vector<Shard> shards_;
    const PolicyBook* policies_ = nullptr;
    std::uint64_t recovered_ = 0;
};

/// What a state file holds, for `medclaim state`.
struct StateSummary {
    std::uint64_t claims = 0;
    std::uint64_t reversed = 0;
    std::uint64_t members = 0;
    std::vector<Delta> counters;  ///< of the member asked for (change = value), sorted
    std::uint64_t recovered = 0;  ///< outputs an interrupted run left and opening moved into place
};

/// Opens the state file (completing an interrupted run) and summarises it; with a
/// member id, lists that member's counters. Throws IoError.
StateSummary summarize_state(const std::string& path, const std::string& member_id);

/// The figures of an adjudication (status, buckets, payers, lines, flags, reversal_of)
/// and the pack that decided it, as one line of text, and back.
std::string encode_figures(const Adjudication& a, const PackStamp& pack);
/// The same, appended to `out`.
void append_figures(std::string& out, const Adjudication& a, const PackStamp& pack);
Adjudication decode_figures(std::string_view text, PackStamp* pack = nullptr);

}  // namespace medclaim
