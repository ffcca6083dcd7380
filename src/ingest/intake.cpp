#include "ingest/intake.hpp"

#include <algorithm>
#include <array>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
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
#include "util/thread_name.hpp"

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

    /// Inserts `id`; returns the first place when it was already there.
    std::optional<Place> insert(std::string_view id, Place place) {
        if ((size_ + 1) * 4 > slots_.size() * 3) grow();
        Slot s{hash64(id, 1) | 1, hash64(id, 2), pack(place)};
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
    auto first = seen_->insert(item.claim_id, {index, item.records.front().line});
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

// Runs the lanes and the finishing of batches on threads of their own. Batches are
// numbered as posted; batch n is in slot n % k_slots. Each lane prepares the batches in
// order without waiting for the others; the finishing thread finishes batch n once
// every lane has prepared it. So a lane slower on one batch (its members had the big
// claims) catches up on the next ones instead of holding the other lanes at a barrier.
class Intake::Pipeline {
public:
    Pipeline(std::size_t lanes, std::function<void(std::size_t slot, std::size_t lane)> prepare, std::function<bool(std::size_t slot)> finish)
        : prepare_(std::move(prepare)), finish_(std::move(finish)), prepared_(lanes, 0) {
        for (std::size_t lane = 0; lane < lanes; ++lane) threads_.emplace_back([this, lane] {
            name_this_thread("mc-lane");
            prepare_loop(lane);
        });
        threads_.emplace_back([this] {
            name_this_thread("mc-finish");
            finish_loop();
        });
    }
    /// Lets the batches posted be prepared and finished (unless the run stopped), then
    /// joins the threads.
    ~Pipeline() {
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
        }
        notify_all();
        for (std::thread& t : threads_) t.join();
    }
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;

    /// Waits until the slot of batch `n` (the next to post) is free: the batch that had
    /// it is finished. False when the run stopped (the limit of rejects was passed, or
    /// preparing or finishing threw).
    bool wait_free(std::uint64_t n) {
        std::unique_lock lock(mutex_);
        finished_changed_.wait(lock, [&] { return stopped_ || finished_ + k_slots > n; });
        return !stopped_;
    }
    /// Posts the next batch, filled in its slot.
    void post() {
        {
            std::lock_guard lock(mutex_);
            ++posted_;
        }
        posted_changed_.notify_all();
    }
    /// Waits until every batch posted is finished or the run stopped; rethrows what
    /// preparing or finishing threw.
    void drain() {
        std::unique_lock lock(mutex_);
        finished_changed_.wait(lock, [&] { return stopped_ || finished_ == posted_; });
        if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
    }

private:
    void prepare_loop(std::size_t lane) {
        std::unique_lock lock(mutex_);
        for (;;) {
            std::uint64_t n = prepared_[lane];
            posted_changed_.wait(lock, [&] { return stopped_ || closed_ || n < posted_; });
            if (stopped_ || n == posted_) return;
            lock.unlock();
            std::exception_ptr error;
            try {
                prepare_(n % k_slots, lane);
            } catch (...) {
                error = std::current_exception();
            }
            lock.lock();
            prepared_[lane] = n + 1;
            if (error && (n < failed_batch_ || (n == failed_batch_ && lane < failed_lane_))) {
                failed_batch_ = n;
                failed_lane_ = lane;
                failed_ = error;
            }
            prepared_changed_.notify_one();  // the finishing thread is the only one to wait for it
            if (error) return;  // the finishing thread stops at batch n at the latest
        }
    }

    bool prepared(std::uint64_t n) const {
        return std::all_of(prepared_.begin(), prepared_.end(), [&](std::uint64_t p) { return p > n; });
    }

    void finish_loop() {
        std::unique_lock lock(mutex_);
        for (;;) {
            std::uint64_t n = finished_;
            prepared_changed_.wait(lock, [&] { return stopped_ || (n < posted_ && prepared(n)) || (closed_ && n == posted_); });
            if (stopped_ || n == posted_) return;
            if (n == failed_batch_) {
                stopped_ = true;
                error_ = failed_;
                notify_all();
                return;
            }
            lock.unlock();
            bool go_on = false;
            std::exception_ptr error;
            try {
                go_on = finish_(n % k_slots);
            } catch (...) {
                error = std::current_exception();
            }
            lock.lock();
            finished_ = n + 1;
            if (go_on) {
                finished_changed_.notify_all();
            } else {
                stopped_ = true;
                error_ = error;
                notify_all();
            }
        }
    }

    std::function<void(std::size_t, std::size_t)> prepare_;
    std::function<bool(std::size_t)> finish_;
    // Each kind of waiter has its own condition, so that a change wakes only those
    // that wait for it (the lanes, the finishing thread, the reading thread).
    void notify_all() {
        posted_changed_.notify_all();
        prepared_changed_.notify_all();
        finished_changed_.notify_all();
    }

    std::mutex mutex_;
    std::condition_variable posted_changed_;
    std::condition_variable prepared_changed_;
    std::condition_variable finished_changed_;
    std::uint64_t posted_ = 0;
    std::uint64_t finished_ = 0;
    std::vector<std::uint64_t> prepared_;  // per lane: batches prepared
    std::uint64_t failed_batch_ = UINT64_MAX;  // the first batch a lane failed on
    std::size_t failed_lane_ = 0;
    std::exception_ptr failed_;
    bool closed_ = false;
    bool stopped_ = false;
    std::exception_ptr error_;  // to rethrow from drain()
    std::vector<std::thread> threads_;  // last: started once the rest is ready
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
    BatchReader reader(inputs_, map_, threads_, fingerprints_);
    std::array<Stage, k_slots> stages;
    std::unique_ptr<Pipeline> pipeline;  // after stages: its threads stop before they go
    if (threads_ > 1) {
        pipeline = std::make_unique<Pipeline>(
            threads_, [&](std::size_t slot, std::size_t lane) { prepare(stages[slot].accepted, slot, lane); },
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
