#include "ingest/intake.hpp"

#include <algorithm>
#include <array>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <utility>

#include <fmt/format.h>

#include "ingest/batch_reader.hpp"
#include "ingest/column_map.hpp"
#include "ingest/fields.hpp"
#include "util/fixed.hpp"
#include "util/json_writer.hpp"
#include "util/output_file.hpp"
#include "util/progress.hpp"
#include "util/text.hpp"
#include "util/work_pool.hpp"

namespace medclaim {

/// Claim ids seen in the run, as 128-bit fingerprints (two independent 64-bit hashes;
/// a false duplicate would need both to collide, about 1e-27 for a million claims)
/// with the file and line of the first sighting: 24 bytes a slot, open addressing.
class Intake::SeenIds {
public:
    struct Place {
        std::uint32_t file;
        std::uint64_t line;
    };

    /// Starts loading the slot an insert of an id with `hashes` reads first.
    void prefetch(const std::array<std::uint64_t, 2>& h) const {
        if (!slots_.empty()) __builtin_prefetch(&slots_[h[0] & (slots_.size() - 1)]);
    }
    /// Inserts the id with `hashes`; returns the first place when it was already there.
    std::optional<Place> insert(const std::array<std::uint64_t, 2>& h, Place place) {
        if ((size_ + 1) * 4 > slots_.size() * 3) grow();
        Slot s{h[0], h[1], pack(place)};
        for (std::size_t i = s.a & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
            Slot& t = slots_[i];
            if (t.a == 0) {
                t = s;
                ++size_;
                return std::nullopt;
            }
            if (t.a == s.a && t.b == s.b) return unpack(t.place);
        }
    }

private:
    struct Slot {
        std::uint64_t a = 0;  // 0 marks an empty slot (fingerprints have the low bit set)
        std::uint64_t b = 0;
        std::uint64_t place = 0;
    };
    static constexpr int k_line_bits = 48;

    static std::uint64_t pack(Place p) { return (static_cast<std::uint64_t>(p.file) << k_line_bits) | p.line; }
    static Place unpack(std::uint64_t v) {
        return {static_cast<std::uint32_t>(v >> k_line_bits), v & ((std::uint64_t{1} << k_line_bits) - 1)};
    }

    void grow() {
        std::vector<Slot> old(std::max<std::size_t>(1024, slots_.size() * 2));
        old.swap(slots_);
        for (const Slot& s : old) {
            if (s.a == 0) continue;
            std::size_t i = s.a & (slots_.size() - 1);
            while (slots_[i].a != 0) i = (i + 1) & (slots_.size() - 1);
            slots_[i] = s;
        }
    }

    std::vector<Slot> slots_;
    std::size_t size_ = 0;
};

bool RejectLimit::parse(std::string_view text, RejectLimit& out) {
    text = trim(text);
    out = RejectLimit{};
    if (text.ends_with('%')) {
        out.percent = true;
        text.remove_suffix(1);
        DecimalParse p = parse_decimal(text, 2, NumberSyntax::plain);
        if (p.error != DecimalError::none || p.units < 0 || p.units > 10000) return false;
        out.value = static_cast<std::uint64_t>(p.units);
        return true;
    }
    DecimalParse p = parse_decimal(text, 0, NumberSyntax::plain);
    if (p.error != DecimalError::none || p.units < 0) return false;
    out.value = static_cast<std::uint64_t>(p.units);
    return true;
}

std::string reconciliation_line(const IntakeCounts& c) {
    return fmt::format("medclaim: records: {} read = {} accepted + {} rejected; claims: {} read = {} accepted + {} rejected\n", c.records,
                       c.records_accepted, c.records_rejected, c.claims, c.claims_accepted, c.claims_rejected);
}

Intake::Intake(std::vector<InputSpec> inputs, const ColumnMap& map, DiagnosticSink& sink, std::optional<RejectLimit> limit, unsigned threads)
    : inputs_(std::move(inputs)), map_(map), sink_(sink), limit_(limit), threads_(std::max(1U, threads)), seen_(std::make_unique<SeenIds>()) {}

Intake::~Intake() = default;

void Intake::set_rejects(const std::string& path) { rejects_ = std::make_unique<OutputFile>(path); }

void Intake::commit_rejects() {
    if (rejects_) rejects_->commit();
}

void Intake::reject(ReadItem& item, IntakeCounts& counts) {
    item.accepted = false;
    ++counts.claims_rejected;
    counts.records_rejected += item.records.size();
    if (rejects_) {
        std::string line;
        append_reject_json(line, item);
        rejects_->write(line);
    }
}

void Intake::check_duplicate(ReadItem& item) {
    if (item.claim_id.empty() || item.records.empty()) return;
    std::string_view file = item.files[item.records.front().file];
    auto index = static_cast<std::uint32_t>(std::find(file_names_.begin(), file_names_.end(), file) - file_names_.begin());
    if (index == file_names_.size()) file_names_.emplace_back(file);
    auto first = seen_->insert(item.id_hashes ? *item.id_hashes : claim_id_hashes(item.claim_id), {index, item.records.front().line});
    if (!first) return;
    Finding f;
    f.field = FieldId::claim_id;
    f.diagnostic = Diagnostic{Severity::error, std::string(file), item.records.front().line, 0,
                              fmt::format("duplicate claim_id `{}`: first seen at {}:{}{}", quote_excerpt(item.claim_id), file_names_[first->file],
                                          first->line, first->file == index && item.rows ? " (rows of one claim must be contiguous)" : ""),
                              std::string(item.text(0).substr(0, item.text(0).find('\n')))};
    // First in the list: it is the reason the claim is rejected.
    item.findings.push_back(std::move(f));
    std::rotate(item.findings.begin(), item.findings.end() - 1, item.findings.end());
    item.accepted = false;
}

void Intake::drop_repeated(ReadItem& item) {
    std::erase_if(item.findings, [&](const Finding& f) {
        return f.once && !said_once_.insert(fmt::format("{}\x1f{}", f.diagnostic.file, f.diagnostic.message)).second;
    });
}

IntakeCounts Intake::run(const std::function<Verdict(ReadItem&)>& on_claim) {
    return run([](const std::vector<ReadItem*>&, std::size_t, std::size_t) {},
               [&](ReadItem& item, std::size_t, std::size_t) { return on_claim(item); });
}

// A batch between reading and finishing: its claims, and those accepted so far.
struct Intake::Stage {
    Batch batch;
    std::vector<ReadItem*> items;
    std::vector<ReadItem*> accepted;
};

// Runs the lanes and the finishing of batches as jobs of a WorkPool. Batches are
// numbered as posted; batch n is in slot n % k_slots. Each lane prepares the batches in
// order, one job at a time, without waiting for the others; batch n is finished, in a
// job of its own, once every lane has prepared it. So a lane slower on one batch (its
// members had the big claims) catches up on the next ones instead of holding the other
// lanes at a barrier, and no thread waits for a role of its own while another has work.
class Intake::Pipeline {
public:
    static constexpr int k_finish_priority = 0;  // in input order, frees a slot
    static constexpr int k_lane_priority = 1;

    Pipeline(WorkPool& pool, std::size_t lanes, std::function<void(std::size_t slot, std::size_t lane)> prepare,
             std::function<bool(std::size_t slot)> finish)
        : pool_(pool), prepare_(std::move(prepare)), finish_(std::move(finish)), prepared_(lanes, 0), lane_busy_(lanes, false), lane_failed_(lanes, false) {}
    /// Lets the batches posted be prepared and finished (unless the run stopped): waits
    /// until no job of the pipeline is left.
    ~Pipeline() {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return jobs_ == 0; });
    }
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;

    /// Waits until the slot of batch `n` (the next to post) is free: the batch that had
    /// it is finished. False when the run stopped (the limit of rejects was passed, or
    /// preparing or finishing threw).
    bool wait_free(std::uint64_t n) {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return stopped_ || finished_ + k_slots > n; });
        return !stopped_;
    }
    /// Posts the next batch, filled in its slot.
    void post() {
        std::lock_guard lock(mutex_);
        ++posted_;
        schedule();
    }
    /// Waits until every batch posted is finished or the run stopped; rethrows what
    /// preparing or finishing threw.
    void drain() {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return stopped_ || finished_ == posted_; });
        if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
    }

private:
    bool prepared(std::uint64_t n) const {
        return std::all_of(prepared_.begin(), prepared_.end(), [&](std::uint64_t p) { return p > n; });
    }

    // Gives the pool the jobs that can run now. Called with the lock held.
    void schedule() {
        if (stopped_) return;
        if (!finishing_ && finished_ < posted_ && prepared(finished_)) {
            if (finished_ == failed_batch_) {
                stop(failed_);
                return;
            }
            finishing_ = true;
            ++jobs_;
            pool_.submit(k_finish_priority, [this, n = finished_] { run_finish(n); });
        }
        for (std::size_t lane = 0; lane < prepared_.size(); ++lane) {
            if (lane_busy_[lane] || lane_failed_[lane] || prepared_[lane] == posted_) continue;
            lane_busy_[lane] = true;
            ++jobs_;
            pool_.submit(k_lane_priority, [this, lane, n = prepared_[lane]] { run_lane(lane, n); });
        }
    }

    void stop(std::exception_ptr error) {
        stopped_ = true;
        error_ = std::move(error);
        changed_.notify_all();
    }

    // A job's end, with the lock held: what it made ready is scheduled, and the waiters
    // are told when what they wait for may have come (a batch finished, the run
    // stopped, or no job is left); a lane's job alone wakes no one. Notified with the
    // lock held: once it is released, the destructor may go on.
    void done(bool finished_one) {
        --jobs_;
        schedule();
        if (finished_one || stopped_ || jobs_ == 0) changed_.notify_all();
    }

    void run_lane(std::size_t lane, std::uint64_t n) {
        std::exception_ptr error;
        try {
            prepare_(n % k_slots, lane);
        } catch (...) {
            error = std::current_exception();
        }
        std::lock_guard lock(mutex_);
        prepared_[lane] = n + 1;
        lane_busy_[lane] = false;
        if (error) {
            lane_failed_[lane] = true;  // the run stops at batch n at the latest
            if (n < failed_batch_ || (n == failed_batch_ && lane < failed_lane_)) {
                failed_batch_ = n;
                failed_lane_ = lane;
                failed_ = error;
            }
        }
        done(false);
    }

    void run_finish(std::uint64_t n) {
        bool go_on = false;
        std::exception_ptr error;
        try {
            go_on = finish_(n % k_slots);
        } catch (...) {
            error = std::current_exception();
        }
        std::lock_guard lock(mutex_);
        finished_ = n + 1;
        finishing_ = false;
        if (!go_on) stop(error);
        done(true);
    }

    WorkPool& pool_;
    std::function<void(std::size_t, std::size_t)> prepare_;
    std::function<bool(std::size_t)> finish_;
    std::mutex mutex_;
    std::condition_variable changed_;  // a batch finished, the run stopped, or a job ended
    std::uint64_t posted_ = 0;
    std::uint64_t finished_ = 0;
    std::vector<std::uint64_t> prepared_;  // per lane: batches prepared
    std::vector<bool> lane_busy_;          // per lane: a job of it is queued or running
    std::vector<bool> lane_failed_;        // per lane: preparing threw; it prepares no more
    bool finishing_ = false;               // a finishing job is queued or running
    std::size_t jobs_ = 0;                 // jobs queued or running
    std::uint64_t failed_batch_ = UINT64_MAX;  // the first batch a lane failed on
    std::size_t failed_lane_ = 0;
    std::exception_ptr failed_;
    bool stopped_ = false;
    std::exception_ptr error_;  // to rethrow from drain()
};

// Reports, counts and finishes the claims of one batch in input order. Returns false
// when a count limit of rejects is passed.
bool Intake::finish_batch(Stage& stage, std::size_t slot, const Finish& finish, IntakeCounts& counts, Progress& progress) {
    if (!stage.batch.notes.empty()) progress.finish();
    for (const Diagnostic& d : stage.batch.notes) sink_.report(d);
    std::size_t index = 0;
    for (ReadItem* claim : stage.items) {
        ReadItem& item = *claim;
        ++counts.claims;
        counts.records += item.records.size();
        drop_repeated(item);
        if (!item.findings.empty()) progress.finish();
        for (const Finding& f : item.findings) sink_.report(f.diagnostic);
        progress.tick(counts.claims, counts.records);
        if (item.accepted) {
            if (Verdict refused = finish(item, index++, slot)) {
                Finding f;
                std::string_view file = item.records.empty() ? std::string_view{} : std::string_view(item.files[item.records.front().file]);
                f.diagnostic = Diagnostic{Severity::error, std::string(file), item.records.empty() ? 0 : item.records.front().line, 0,
                                          std::move(*refused), ""};
                progress.finish();
                sink_.report(f.diagnostic);
                item.findings.insert(item.findings.begin(), std::move(f));
                item.accepted = false;
            }
        }
        if (item.accepted) {
            ++counts.claims_accepted;
            counts.records_accepted += item.records.size();
        } else {
            reject(item, counts);
            if (limit_ && !limit_->percent && counts.claims_rejected > limit_->value) {
                counts.limit_exceeded = true;
                return false;
            }
        }
    }
    return true;
}

IntakeCounts Intake::run(const Prepare& prepare, const Finish& finish) {
    IntakeCounts counts;
    Progress progress(stderr);
    struct Erase {  // the progress line goes before anything else is printed or returned
        Progress& p;
        ~Erase() { p.finish(); }
    } erase{progress};
    // With several threads, one pool runs the parsing of pieces, the lanes and the
    // finishing of batches; it goes last, once the reader and the pipeline are done
    // with it.
    std::unique_ptr<WorkPool> pool;
    if (threads_ > 1) pool = std::make_unique<WorkPool>(threads_, "mc-work");
    BatchReader reader(inputs_, map_, pool.get(), fingerprints_);
    std::array<Stage, k_slots> stages;
    std::unique_ptr<Pipeline> pipeline;  // after stages: its jobs end before they go
    if (threads_ > 1) {
        pipeline = std::make_unique<Pipeline>(
            *pool, threads_, [&](std::size_t slot, std::size_t lane) { prepare(stages[slot].accepted, slot, lane); },
            [&](std::size_t slot) { return finish_batch(stages[slot], slot, finish, counts, progress); });
    }
    for (std::uint64_t n = 0;; ++n) {
        std::size_t slot = pipeline ? n % k_slots : 0;
        Stage& stage = stages[slot];
        if (pipeline && !pipeline->wait_free(n)) break;
        if (!reader.next(stage.batch)) break;
        stage.items.clear();
        stage.accepted.clear();
        for (BatchPart& part : stage.batch.parts) {
            for (std::size_t i = 0; i < part.size; ++i) stage.items.push_back(&part.items[i]);
        }
        // The slots of the batch's ids, loaded before they are looked at: the table of
        // a big run's ids is far bigger than the caches.
        for (ReadItem* item : stage.items) {
            if (item->id_hashes) seen_->prefetch(*item->id_hashes);
        }
        for (ReadItem* item : stage.items) {
            check_duplicate(*item);
            if (item->accepted) stage.accepted.push_back(item);
        }
        if (pipeline) {
            pipeline->post();
            continue;
        }
        prepare(stage.accepted, slot, 0);
        if (!finish_batch(stage, slot, finish, counts, progress)) break;
    }
    if (pipeline) pipeline->drain();
    if (counts.limit_exceeded) return counts;
    if (limit_ && limit_->percent && counts.claims > 0 && counts.claims_rejected * 10000 > limit_->value * counts.claims) {
        counts.limit_exceeded = true;
    }
    return counts;
}

void append_reject_record(JsonWriter& w, std::string_view file, std::uint64_t line, std::uint64_t end_line, std::string_view text, bool truncated) {
    w.begin_object();
    w.key("file");
    w.string(file);
    w.key("line");
    w.integer(static_cast<std::int64_t>(line));
    if (end_line != line) {
        w.key("end_line");
        w.integer(static_cast<std::int64_t>(end_line));
    }
    if (is_valid_utf8(text)) {
        w.key("text");
        w.string(text);
    } else {
        w.key("text_base64");
        w.string(base64(text));
    }
    if (truncated) {
        w.key("truncated");
        w.boolean(true);
    }
    w.end_object();
}

void append_reject_json(std::string& out, const ReadItem& item) {
    JsonWriter w(out);
    w.begin_object();
    w.key("claim_id");
    w.string(item.claim_id);
    const Finding* first = nullptr;
    for (const Finding& f : item.findings) {
        if (f.diagnostic.severity == Severity::error) {
            first = &f;
            break;
        }
    }
    auto place = [&](const Finding& f) {
        w.key("file");
        w.string(f.diagnostic.file);
        w.key("line");
        w.integer(static_cast<std::int64_t>(f.diagnostic.line));
        w.key("column");
        w.integer(f.diagnostic.column);
        w.key("field");
        if (f.field) {
            w.string(field_name(*f.field));
        } else {
            w.null();
        }
    };
    if (first != nullptr) {
        place(*first);
        w.key("reason");
        w.string(first->diagnostic.message);
    }
    w.key("errors");
    w.begin_array();
    for (const Finding& f : item.findings) {
        if (f.diagnostic.severity != Severity::error) continue;
        w.begin_object();
        place(f);
        w.key("message");
        w.string(f.diagnostic.message);
        w.end_object();
    }
    w.end_array();
    w.key("records");
    w.begin_array();
    for (std::size_t i = 0; i < item.records.size(); ++i) {
        const RawRecord& r = item.records[i];
        append_reject_record(w, item.files[r.file], r.line, r.end_line, item.text(i), r.truncated);
    }
    w.end_array();
    w.end_object();
    out += '\n';
}

}  // namespace medclaim
