#include "ingest/batch_reader.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <utility>

#include "ingest/csv_reader.hpp"
#include "ingest/jsonl_reader.hpp"
#include "util/text.hpp"
#include "util/work_pool.hpp"

namespace medclaim {
namespace {

// Smaller pieces keep less in flight, so that the claims being parsed, settled and
// written stay in the caches: 64 KiB gave two threads 7-12% less CPU than 256 KiB (and
// half the peak RSS); at 32 KiB and below the hand-overs cost more than that saves.
constexpr std::size_t k_piece_bytes = 64 << 10;
constexpr std::size_t k_max_piece_bytes = 64 << 20;  // CSV: no cut holds within this: one reader for the rest
constexpr std::size_t k_read_bytes = 1 << 20;
constexpr std::size_t k_min_read_bytes = 64 << 10;   // fewer bytes are not worth a read
constexpr std::size_t k_serial_claims = 256;         // claims per batch from one reader
constexpr std::size_t k_serial_kept_bytes = 4 << 20; // big claims' items kept in such a batch
// Big claims' items a piece's part keeps. Parts go from piece to piece; at 128 KiB
// (twice a piece) most inpatient claims' items were dropped and built again, every
// line allocating its strings anew, and two threads took 4 to 18% more CPU than at
// 1 MiB on the bench. About twenty parts are alive at once.
constexpr std::size_t k_piece_kept_bytes = 1 << 20;
constexpr std::size_t k_in_flight = 3;               // pieces cut ahead per worker

std::size_t piece_bytes() {
    if (const char* v = std::getenv("MEDCLAIM_PIECE_BYTES")) {
        std::size_t n = std::strtoull(v, nullptr, 10);
        if (n > 0) return n;
    }
    return k_piece_bytes;
}

// A piece of an input, cut at a line end, and the claims parsed from it.
struct Piece {
    std::string bytes;
    std::uint64_t first_line = 1;
    BatchPart part;
    bool ended_in_quotes = false;
    std::atomic<bool> parsed{false};  // set by the thread that parsed it
    std::atomic<bool> taken{false};   // a thread has begun parsing it (a job, or the one waiting for it)
    std::exception_ptr error;      // what parsing threw
};

// Parses pieces as jobs of a WorkPool, in the order they were given, each as soon as a
// thread of the pool is free: the thread that cuts pieces goes on cutting meanwhile.
class PieceParsers {
public:
    static constexpr int k_priority = 2;  // after finishing and settling: they free what is in flight

    PieceParsers(WorkPool& pool, std::function<void(Piece&)> parse) : pool_(pool), parse_(std::move(parse)) {}
    /// Waits for the jobs given to the pool; those not started yet skip their piece.
    ~PieceParsers() {
        std::unique_lock lock(mutex_);
        stop_ = true;
        parsed_.wait(lock, [&] { return outstanding_ == 0; });
    }
    PieceParsers(const PieceParsers&) = delete;
    PieceParsers& operator=(const PieceParsers&) = delete;

    /// Queues `p`, which must stay where it is until this is destroyed (wait(p) may
    /// parse it itself, before its job has run).
    void submit(Piece& p) {
        {
            std::lock_guard lock(mutex_);
            p.parsed = false;
            p.taken = false;
            p.error = nullptr;
            ++outstanding_;
        }
        pool_.submit(k_priority, [this, &p] { run(p); });
    }
    /// Waits until `p` is parsed; rethrows what parsing it threw. A piece no job has
    /// begun yet (the pool's threads are busy settling) is parsed here instead.
    void wait(Piece& p) {
        if (!p.taken.exchange(true)) {
            // Its job, when it runs, finds it taken. Marked parsed first, so that a
            // parse that throws leaves nothing for anyone to wait for.
            p.parsed = true;
            parse_(p);
            return;
        }
        if (std::exception_ptr error = await(p)) std::rethrow_exception(error);
    }

    /// Makes sure no job is parsing `p` or will: one not begun stays unparsed.
    void drop(Piece& p) {
        if (p.taken.exchange(true)) await(p);
    }

private:
    // Waits for the job that took `p`; returns (and clears) what parsing it threw.
    std::exception_ptr await(Piece& p) {
        std::unique_lock lock(mutex_);
        parsed_.wait(lock, [&] { return p.parsed.load(); });
        return std::exchange(p.error, nullptr);
    }

    void run(Piece& p) {
        if (p.taken.exchange(true)) {
            // Parsed by the thread waiting for it (or by this piece's job of an earlier
            // use, run late): the piece is not this job's to touch.
            std::lock_guard lock(mutex_);
            --outstanding_;
            parsed_.notify_all();
            return;
        }
        bool skip = false;
        {
            std::lock_guard lock(mutex_);
            skip = stop_;
        }
        std::exception_ptr error;
        if (!skip) {
            try {
                parse_(p);
            } catch (...) {
                error = std::current_exception();
            }
        }
        // Notified with the lock held: once it is released, the destructor may go on.
        std::lock_guard lock(mutex_);
        p.error = error;
        p.parsed = true;
        --outstanding_;
        parsed_.notify_all();
    }

    WorkPool& pool_;
    std::function<void(Piece&)> parse_;
    std::mutex mutex_;
    std::condition_variable parsed_;  // the cutting thread waits for a piece to be parsed
    std::size_t outstanding_ = 0;     // jobs given to the pool and not done
    bool stop_ = false;
};

// Reads every claim of `reader` into `part` (at most `limit`), reusing the items it
// holds (their strings and line slots), so that reading allocates nothing once the part
// has seen claims of the sizes that come. Items that grew large for a big claim are
// kept only while the part keeps at most `kept_bytes` of them: memory would otherwise
// keep the largest claim's size in every item in flight. (Big inpatient claims hold
// most fee lines: dropping each of them made most lines allocate their strings again.)
// With `fingerprints`, an accepted claim's text is hashed as soon as it is read, while
// it is in cache.
void read_all(ClaimReader& reader, BatchPart& part, std::size_t kept_bytes, bool fingerprints, std::size_t limit = SIZE_MAX) {
    constexpr std::size_t k_small_bytes = 16 * 1024;  // an item this size is always kept
    std::size_t kept = 0;
    part.size = 0;
    while (part.size < limit) {
        if (part.size == part.items.size()) part.items.emplace_back();
        ReadItem& item = part.items[part.size];
        std::size_t held = item.raw_text.capacity();
        if (held > k_small_bytes && kept + held > kept_bytes) item = ReadItem();
        if (!reader.next(item)) break;
        if (fingerprints && item.accepted) item.fingerprint = hash64(item.raw_text);
        if (!item.claim_id.empty()) item.id_hashes = claim_id_hashes(item.claim_id);
        if (std::size_t now = item.raw_text.capacity(); now > k_small_bytes) kept += now;
        ++part.size;
    }
}

// The claim id a CSV line gives in column `column` as the reader would take it
// (unquoted, trimmed); nullopt when the line is blank or not plain enough to tell.
std::optional<std::string> csv_claim_id(std::string_view line, std::size_t column) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) return std::nullopt;
    std::size_t i = 0;
    for (std::size_t c = 0;; ++c) {
        std::string value;
        if (i < line.size() && line[i] == '"') {
            for (++i;; ++i) {
                if (i >= line.size()) return std::nullopt;  // the quoted field goes on past the line
                if (line[i] != '"') {
                    value += line[i];
                } else if (i + 1 < line.size() && line[i + 1] == '"') {
                    value += '"';
                    ++i;
                } else {
                    ++i;
                    break;
                }
            }
            if (i < line.size() && line[i] != ',') return std::nullopt;  // text after the closing quote
        } else {
            std::size_t end = std::min(line.find(',', i), line.size());
            std::string_view v = line.substr(i, end - i);
            if (v.find('"') != std::string_view::npos) return std::nullopt;
            value.assign(v);
            i = end;
        }
        if (c == column) return std::string(trim(value));
        if (i >= line.size()) return std::nullopt;  // fewer columns than the header
        ++i;  // the comma
    }
}

}  // namespace

// Cuts inputs into pieces and parses them; one batch per call to produce().
class BatchReader::Impl {
public:
    Impl(const std::vector<InputSpec>& inputs, const ColumnMap& map, WorkPool* pool, bool fingerprints)
        : inputs_(inputs), map_(map), threads_(pool != nullptr ? pool->threads() : 1), piece_bytes_(piece_bytes()), fingerprints_(fingerprints), pool_(pool) {}

    bool produce(Batch& out) {
        out.notes.clear();
        for (BatchPart& p : out.parts) spare_.push_back(std::move(p));
        out.parts.clear();
        if (failed_) std::rethrow_exception(std::exchange(failed_, nullptr));
        for (;;) {
            if (mode_ == Mode::none) {
                if (next_input_ == inputs_.size()) return false;
                try {
                    open(inputs_[next_input_++], out.notes);
                } catch (...) {
                    // What opening said (a bad header, say) is reported before the failure.
                    if (out.notes.empty()) throw;
                    failed_ = std::current_exception();
                    return true;
                }
            }
            if (mode_ == Mode::serial) {
                read_serial(out);
            } else if (mode_ != Mode::none) {
                read_pieces(out);
            }
            if (!out.parts.empty() || !out.notes.empty()) return true;
        }
    }

private:
    enum class Mode { none, serial, jsonl, csv };

    void open(const InputSpec& spec, std::vector<Diagnostic>& notes) {
        DiagnosticSink keep(notes);
        text_ = spec.grouped_numbers ? ValueSyntax::text_grouped : ValueSyntax::text;
        if (threads_ == 1 || spec.lines) {
            serial_ = open_claim_reader(spec, map_, keep);
            mode_ = Mode::serial;
            return;
        }
        ResolvedInput in = resolve_input(spec, keep);
        name_ = std::move(in.name);
        source_ = std::move(in.source);
        carry_.clear();
        carry_line_ = 1;
        eof_ = false;
        tail_pending_ = false;
        cut_done_ = false;
        mode_ = in.format == InputFormat::jsonl ? Mode::jsonl : Mode::csv;
        if (mode_ == Mode::csv) read_csv_header(keep);
    }

    // Reads up to `want` bytes more (at least k_min_read_bytes) onto carry_.
    void fill(std::size_t want = k_read_bytes) {
        want = std::max(want, k_min_read_bytes);
        std::size_t old = carry_.size();
        carry_.resize(old + want);
        std::size_t got = source_->read(carry_.data() + old, want);
        carry_.resize(old + got);
        if (got == 0) eof_ = true;
    }

    // Finds the header (the first record that is not a blank line) and reads it with a
    // reader of its own, which reports what is wrong with it. A header with a quote
    // mark, or none within 64 MiB, leaves the whole input to one reader.
    void read_csv_header(DiagnosticSink& keep) {
        std::size_t scanned = 0;
        bool content = false;
        for (;;) {
            for (; scanned < carry_.size(); ++scanned) {
                char c = carry_[scanned];
                if (c == '"') return read_rest_serially(keep);
                if (c == '\n' && content) {
                    header_ = carry_.substr(0, scanned + 1);
                    carry_.erase(0, scanned + 1);
                    carry_line_ = 1 + count_lines(header_);
                    CsvReader probe(name_, map_, view_source(header_), std::string(), nullptr, keep, text_);
                    id_column_ = probe.claim_id_column();
                    layout_ = probe.layout();
                    return;
                }
                if (c != '\n' && c != '\r') content = true;
            }
            if (eof_ || carry_.size() > k_max_piece_bytes) return read_rest_serially(keep);
            fill();
        }
    }

    // From the start of the input (header included): one reader for all of it.
    void read_rest_serially(DiagnosticSink& keep) {
        serial_ = std::make_unique<CsvReader>(name_, map_, prepend(std::move(carry_), std::move(source_)), std::string(), nullptr, keep, text_);
        carry_.clear();
        mode_ = Mode::serial;
    }

    // From `rest`, which starts at line `line` after the header, then the unread input:
    // one reader (the header was reported already).
    void continue_serially(std::string rest, std::uint64_t line) {
        DiagnosticSink quiet(nullptr);
        auto reader = std::make_unique<CsvReader>(name_, map_, prepend(header_ + rest, std::move(source_)), std::string(), nullptr, quiet, text_);
        reader->start_at_line(line);
        serial_ = std::move(reader);
        carry_.clear();
        mode_ = Mode::serial;
    }

    // A piece to cut again: its bytes keep their memory, which take() hands on to carry_
    // (moving a string into one that holds memory swaps the two buffers), so that
    // cutting allocates nothing once the first pieces are made.
    std::unique_ptr<Piece> spare_piece() {
        if (spare_pieces_.empty()) return std::make_unique<Piece>();
        std::unique_ptr<Piece> p = std::move(spare_pieces_.back());
        spare_pieces_.pop_back();
        return p;
    }

    BatchPart spare_part() {
        if (spare_.empty()) return {};
        BatchPart p = std::move(spare_.back());
        spare_.pop_back();
        return p;
    }

    void read_serial(Batch& out) {
        BatchPart part = spare_part();
        read_all(*serial_, part, k_serial_kept_bytes, fingerprints_, k_serial_claims);
        if (part.size < k_serial_claims) {
            serial_.reset();
            mode_ = Mode::none;
        }
        if (part.size > 0) out.parts.push_back(std::move(part));
    }

    bool input_done() const { return eof_ && carry_.empty(); }

    // Moves carry_'s first `end` bytes into the piece: the buffer itself when they are
    // most of it, so that only the short rest is copied.
    void take(Piece& p, std::size_t end) {
        if (end >= carry_.size() / 2) {
            // The piece takes the bytes read; what follows its end goes into the memory
            // the piece had from its last use, which is about a piece's size: reading on
            // into it allocates nothing.
            std::swap(p.bytes, carry_);
            carry_.assign(p.bytes, end);
            p.bytes.resize(end);
        } else {
            p.bytes.assign(carry_, 0, end);
            carry_.erase(0, end);
        }
        p.first_line = carry_line_;
        carry_line_ += count_lines(p.bytes);
    }

    // Reads up to a piece's worth. Returns whether that settles the next piece: false at
    // the end of the input, true when the rest of the input fits one piece (taken into
    // `p`); nullopt when a cut must be found.
    std::optional<bool> take_rest(Piece& p) {
        // Just past a piece: the cut then leaves at most a line's worth to copy.
        while (!eof_ && carry_.size() <= piece_bytes_) fill(piece_bytes_ + 1 - carry_.size());
        if (carry_.empty()) return false;
        if (carry_.size() > piece_bytes_ || !eof_) return std::nullopt;
        take(p, carry_.size());
        return true;
    }

    // The next piece of a JSON Lines input; false at its end.
    bool cut_jsonl(Piece& p) {
        if (std::optional<bool> settled = take_rest(p)) return *settled;
        if (const void* nl = memrchr(carry_.data(), '\n', std::min(carry_.size(), piece_bytes_))) {
            take(p, static_cast<std::size_t>(static_cast<const char*>(nl) - carry_.data()) + 1);
            return true;
        }
        // The first line is longer than a piece.
        std::size_t scanned = 0;
        for (;;) {
            std::size_t nl = carry_.find('\n', scanned);
            if (nl != std::string::npos) {
                take(p, nl + 1);
                return true;
            }
            if (carry_.size() > JsonlReader::k_max_line_bytes + 1) break;
            if (eof_) {
                take(p, carry_.size());
                return true;
            }
            scanned = carry_.size();
            fill();
        }
        // Too long for the reader: the piece holds as much as makes it say so, and the
        // rest of the line is dropped unread.
        p.bytes.assign(carry_, 0, JsonlReader::k_max_line_bytes + 1);
        p.first_line = carry_line_++;
        for (;;) {
            std::size_t nl = carry_.find('\n');
            if (nl != std::string::npos) {
                carry_.erase(0, nl + 1);
                return true;
            }
            carry_.clear();
            if (eof_) return true;
            fill();
        }
    }

    // The claim id of the line that ends at the line end `nl` (see csv_claim_id).
    std::optional<std::string> csv_id_before(std::size_t nl) const {
        const void* prev = nl == 0 ? nullptr : memrchr(carry_.data(), '\n', nl);
        std::size_t begin = prev == nullptr ? 0 : static_cast<std::size_t>(static_cast<const char*>(prev) - carry_.data()) + 1;
        return csv_claim_id(std::string_view(carry_).substr(begin, nl - begin), id_column_);
    }

    // Whether a cut between the lines whose claim ids are `before` and `after` falls
    // between two claims.
    static bool between_claims(const std::optional<std::string>& before, const std::optional<std::string>& after) {
        return before && after && (before->empty() || *before != *after);
    }

    // Whether a cut after the line end at `nl` falls between two claims, judged from the
    // two lines around it (the parsed pieces confirm it later).
    bool csv_cut_at(std::size_t nl) const {
        std::size_t next_end = carry_.find('\n', nl + 1);
        if (next_end == std::string::npos) {
            if (!eof_) return false;
            next_end = carry_.size();
        }
        return between_claims(csv_id_before(nl), csv_claim_id(std::string_view(carry_).substr(nl + 1, next_end - nl - 1), id_column_));
    }

    // The next piece of a flat CSV input; false at its end, or when no cut was found
    // within 64 MiB (tail_pending_).
    bool cut_csv(Piece& p) {
        if (std::optional<bool> settled = take_rest(p)) return *settled;
        // Back from the piece size, then forward. Going back, the line after a candidate
        // is the one before the candidate judged last: its claim id is known.
        std::optional<std::optional<std::string>> after;
        for (std::size_t end = std::min(carry_.size(), piece_bytes_); end > 0;) {
            const void* nl = memrchr(carry_.data(), '\n', end);
            if (nl == nullptr) break;
            auto at = static_cast<std::size_t>(static_cast<const char*>(nl) - carry_.data());
            std::optional<std::string> before = csv_id_before(at);
            if (after ? between_claims(before, *after) : csv_cut_at(at)) {
                take(p, at + 1);
                return true;
            }
            after = std::move(before);
            end = at;
        }
        std::size_t from = std::min(carry_.size(), piece_bytes_);
        for (;;) {
            std::size_t at = carry_.find('\n', from);
            if (at != std::string::npos) {
                if (carry_.find('\n', at + 1) == std::string::npos && !eof_) {
                    if (carry_.size() > k_max_piece_bytes) break;
                    fill();
                    continue;
                }
                if (csv_cut_at(at)) {
                    take(p, at + 1);
                    return true;
                }
                from = at + 1;
                continue;
            }
            if (eof_) {
                take(p, carry_.size());
                return true;
            }
            if (carry_.size() > k_max_piece_bytes) break;
            fill();
        }
        tail_pending_ = true;
        return false;
    }

    void parse(Piece& p) const {
        std::size_t kept_bytes = k_piece_kept_bytes;
        if (mode_ == Mode::jsonl) {
            JsonlReader reader(name_, map_, std::string_view(p.bytes), text_, p.first_line);
            read_all(reader, p.part, kept_bytes, fingerprints_);
            return;
        }
        CsvReader reader(name_, map_, layout_, p.bytes, p.first_line, text_);
        read_all(reader, p.part, kept_bytes, fingerprints_);
        p.ended_in_quotes = reader.ended_in_quotes();
    }

    // Cuts pieces and hands them to the pool until k_in_flight per worker
    // are in flight or the input is all cut.
    void top_up() {
        if (!parsers_) parsers_ = std::make_unique<PieceParsers>(*pool_, [this](Piece& p) { parse(p); });
        while (!cut_done_ && flight_.size() < k_in_flight * threads_) {
            std::unique_ptr<Piece> p = spare_piece();
            p->part = spare_part();
            if (!(mode_ == Mode::jsonl ? cut_jsonl(*p) : cut_csv(*p))) {
                spare_.push_back(std::move(p->part));
                spare_pieces_.push_back(std::move(p));
                cut_done_ = true;
                break;
            }
            parsers_->submit(*p);
            flight_.push_back(std::move(p));
        }
    }

    // True when the cut between `a` and `b` fell inside a quoted field or a claim.
    static bool joined(const Piece& a, const Piece& b) {
        if (a.ended_in_quotes) return true;
        if (a.part.size == 0 || b.part.size == 0) return false;
        const std::string& id = a.part.items[a.part.size - 1].claim_id;
        return !id.empty() && id == b.part.items.front().claim_id;
    }

    // CSV: settles whether the first piece in flight ends where it was cut, undoing cuts
    // that were not sound. Returns false when the rest of the input went to one reader.
    bool confirm_csv_front() {
        Piece& a = *flight_.front();
        for (;;) {
            if (flight_.size() == 1) top_up();
            if (flight_.size() == 1) {
                if (!tail_pending_) return true;  // the last piece of the input
                serial_from_flight();             // no cut within 64 MiB after it
                return false;
            }
            Piece& b = *flight_[1];
            parsers_->wait(b);
            if (!joined(a, b)) return true;
            a.bytes += b.bytes;
            spare_.push_back(std::move(b.part));
            spare_pieces_.push_back(std::move(flight_[1]));  // kept: its job may not have run yet
            flight_.erase(flight_.begin() + 1);
            if (a.bytes.size() > k_max_piece_bytes) {
                serial_from_flight();
                return false;
            }
            parse(a);
        }
    }

    // Gives the rest of the input to one reader, from the start of the first piece in
    // flight (a sound cut), or of what is left to cut when none is: the pieces' bytes,
    // then the unread ones. The pieces are dropped once no thread is parsing them.
    void serial_from_flight() {
        std::uint64_t line = flight_.empty() ? carry_line_ : flight_.front()->first_line;
        std::string rest;
        for (auto& p : flight_) {
            parsers_->drop(*p);
            rest += p->bytes;
            spare_.push_back(std::move(p->part));
            spare_pieces_.push_back(std::move(p));  // kept: its job may not have run yet
        }
        flight_.clear();
        rest += carry_;
        continue_serially(std::move(rest), line);
    }

    // Hands out up to threads_ parsed pieces in input order: waits for the first, then
    // takes those already parsed.
    void read_pieces(Batch& out) {
        top_up();
        if (flight_.empty() && tail_pending_) {
            serial_from_flight();  // no cut within 64 MiB right after the header or a sound cut
            return;
        }
        while (!flight_.empty() && out.parts.size() < threads_) {
            Piece& p = *flight_.front();
            if (!out.parts.empty() && !p.parsed) break;
            parsers_->wait(p);
            if (mode_ == Mode::csv && !confirm_csv_front()) return;
            if (p.part.size > 0) {
                out.parts.push_back(std::move(p.part));
            } else {
                spare_.push_back(std::move(p.part));
            }
            spare_pieces_.push_back(std::move(flight_.front()));
            flight_.pop_front();
            top_up();
        }
        if (flight_.empty() && cut_done_) mode_ = Mode::none;
    }

    const std::vector<InputSpec>& inputs_;
    const ColumnMap& map_;
    unsigned threads_;
    std::size_t piece_bytes_;
    bool fingerprints_;         // hash each accepted claim's text as it is read
    std::size_t next_input_ = 0;
    std::exception_ptr failed_;  // to throw on the next call
    std::vector<BatchPart> spare_;  // parts of batches handed back, to be filled again

    // The input being read.
    Mode mode_ = Mode::none;
    std::string name_;
    ValueSyntax text_ = ValueSyntax::text;
    std::unique_ptr<ClaimReader> serial_;
    std::unique_ptr<ByteSource> source_;
    std::string carry_;              // read, not yet in a piece
    std::uint64_t carry_line_ = 1;   // line number of carry_'s first line
    bool eof_ = false;
    std::string header_;             // CSV: the header record and its line end
    std::shared_ptr<const CsvReader::Layout> layout_;  // CSV: what header_ says, for every piece
    std::size_t id_column_ = 0;
    bool tail_pending_ = false;      // CSV: no cut within 64 MiB
    bool cut_done_ = false;          // no piece left to cut
    std::deque<std::unique_ptr<Piece>> flight_;  // cut, in input order, parsed or being parsed
    std::vector<std::unique_ptr<Piece>> spare_pieces_;  // handed out, to be cut again
    WorkPool* pool_;                             // the threads that parse pieces; null: one thread
    std::unique_ptr<PieceParsers> parsers_;      // after flight_: waits for its jobs first
};

BatchReader::BatchReader(const std::vector<InputSpec>& inputs, const ColumnMap& map, WorkPool* pool, bool fingerprints)
    : impl_(std::make_unique<Impl>(inputs, map, pool, fingerprints)) {}

BatchReader::~BatchReader() = default;

// The caller's thread cuts and hands out; the pool parses. (A thread of its own that
// read a few batches ahead cost two threads more context switches per batch than the
// cutting it took off the caller, and was slower on two cores.)
bool BatchReader::next(Batch& batch) { return impl_->produce(batch); }

}  // namespace medclaim
