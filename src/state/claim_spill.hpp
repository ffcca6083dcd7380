#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/flat_index.hpp"

namespace medclaim {

struct SettledClaim;

/// The settled claims of a run without --state, for one ledger shard: appended to an
/// unlinked temporary file and found again by claim id through an in-memory index, so
/// that memory grows by about 16 bytes a claim however large the claims are. A delta
/// is stored with its counter's name as a number (the names are kept in memory) and
/// its key as "the claim's member" or "the member's policy P" where it is one.
/// Rules: 1. put() of a claim it already holds (same claim id, SettledClaim::seq set by
/// find()) appends the new version and forgets the old; 2. the file is gone when the
/// spill is destroyed, or when the process ends however it ends; 3. I/O failures throw
/// IoError naming the temporary folder.
class ClaimSpill {
public:
    ClaimSpill();
    ~ClaimSpill();
    ClaimSpill(const ClaimSpill&) = delete;
    ClaimSpill& operator=(const ClaimSpill&) = delete;

    /// The claim stored under `claim_id`, with `seq` set; nullopt when none is.
    std::optional<SettledClaim> find(std::string_view claim_id);
    /// Stores `claim` (its `record` is not kept: a temporary ledger never writes it again).
    void put(const SettledClaim& claim);
    /// How many claims are stored.
    std::size_t size() const { return offsets_.size(); }

private:
    class Index;

    void flush();
    void read_at(std::uint64_t offset, std::string& out);
    // The number a stored delta gives its counter's name (a few dozen names: kept here).
    std::uint32_t name_number(std::string_view counter);

    int fd_ = -1;
    std::string folder_;
    std::string buffer_;                 // appended records not yet written
    std::uint64_t written_ = 0;          // bytes of the file written so far
    std::vector<std::uint64_t> offsets_;  // record of each seq (seq − 1)
    std::string scratch_;                 // a record read back
    std::unique_ptr<Index> index_;
    std::vector<std::string> names_;  // counter names, by number
    FlatIndex name_index_;
};

}  // namespace medclaim
