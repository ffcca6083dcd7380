#pragma once

#include <memory>
#include <vector>

#include "ingest/claim_reader.hpp"

namespace medclaim {

class ColumnMap;
class WorkPool;

/// Claims read one after the other: the first `size` of `items` (the rest are kept for
/// their memory, to be filled again).
struct BatchPart {
    std::vector<ReadItem> items;
    std::size_t size = 0;
};

/// Claims of one input in input order (part after part), after what opening the input
/// said. A batch handed back to BatchReader::next() is refilled, reusing its memory.
struct Batch {
    std::vector<Diagnostic> notes;  ///< said while opening the input: report them before the items
    std::vector<BatchPart> parts;
};

/// Reads inputs in batches of claims. Without a pool it is one ClaimReader per input.
/// With one, the caller's thread cuts a JSON Lines or flat CSV file into pieces, which
/// the pool's threads parse, each piece as soon as one is free (a piece the caller
/// needs next that no thread has begun, they being busy settling, the caller parses
/// itself). Either way the claims come out as one ClaimReader gives them: same order,
/// line numbers and findings, except that a finding marked `once` may come again in a
/// later piece (the caller reports the first only).
/// Rules: 1. JSON Lines is cut at line ends; a line longer than the reader's limit goes
/// alone, cut to the limit, and the reader truncates it as it would have; 2. flat CSV is
/// cut at a line end between rows that give different claim ids; a cut that turns out
/// to fall inside a quoted field or inside a claim (found once the pieces are parsed)
/// is undone by parsing the two pieces as one; 3. two-file CSV, and flat CSV where no
/// cut holds within 64 MiB, are read by one reader; 4. the piece size is 64 KiB
/// (`MEDCLAIM_PIECE_BYTES` sets another, for tests).
class BatchReader {
public:
    /// With a `pool` (which must outlive the reader), pieces are parsed as its jobs, on
    /// as many threads as it has; without one, a single reader reads on the caller's
    /// thread. With `fingerprints`, each accepted claim's ReadItem::fingerprint is taken.
    BatchReader(const std::vector<InputSpec>& inputs, const ColumnMap& map, WorkPool* pool, bool fingerprints = false);
    ~BatchReader();

    /// Fills `batch` with the next claims; false at the end of the last input. Throws
    /// what reading threw (InputError), after the claims read before it.
    bool next(Batch& batch);

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace medclaim
