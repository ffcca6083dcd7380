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
    return run([](const std::vector<ReadItem*>&, std::size_t) {}, [&](ReadItem& item, std::size_t, std::size_t) { return on_claim(item); });
}

// A batch between reading and finishing: its claims, and those accepted so far.
struct Intake::Stage {
    Batch batch;
    std::vector<ReadItem*> items;
    std::vector<ReadItem*> accepted;
};

// Finishes the batches prepare() is done with, one after the other, on a thread of its
// own, so that finishing one batch overlaps preparing the next.
class Intake::Finisher {
public:
    explicit Finisher(std::function<bool(std::size_t slot)> finish) : finish_(std::move(finish)), thread_([this] { loop(); }) {}
    ~Finisher() {
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
        }
        changed_.notify_all();
        thread_.join();
    }
    Finisher(const Finisher&) = delete;
    Finisher& operator=(const Finisher&) = delete;

    /// Queues the batch in `slot` (after those queued before).
    void post(std::size_t slot) {
        {
            std::lock_guard lock(mutex_);
            queue_.push_back(slot);
        }
        changed_.notify_all();
    }
    /// Waits until no queued batch is in `slot`; false when finishing stopped (the limit
    /// of rejects was passed, or finishing threw).
    bool wait_free(std::size_t slot) {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return stopped_ || std::find(queue_.begin(), queue_.end(), slot) == queue_.end(); });
        return !stopped_;
    }
    /// Waits until every queued batch is finished; rethrows what finishing threw.
    void drain() {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return stopped_ || queue_.empty(); });
        if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
    }

private:
    void loop() {
        std::unique_lock lock(mutex_);
        for (;;) {
            changed_.wait(lock, [&] { return closed_ || !queue_.empty(); });
            if (queue_.empty() || stopped_) return;
            std::size_t slot = queue_.front();
            lock.unlock();
            bool go_on = false;
            std::exception_ptr error;
            try {
                go_on = finish_(slot);
            } catch (...) {
                error = std::current_exception();
            }
            lock.lock();
            queue_.pop_front();
            if (!go_on) {
                stopped_ = true;
                error_ = error;
            }
            changed_.notify_all();
        }
    }

    std::function<bool(std::size_t)> finish_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::size_t> queue_;  // slots posted, first being finished
    bool closed_ = false;
    bool stopped_ = false;
    std::exception_ptr error_;
    std::thread thread_;  // last: started once the rest is ready
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
    BatchReader reader(inputs_, map_, threads_);
    std::array<Stage, 2> stages;
    std::unique_ptr<Finisher> finisher;
    if (threads_ > 1) {
        finisher = std::make_unique<Finisher>([&](std::size_t slot) { return finish_batch(stages[slot], slot, finish, counts, progress); });
    }
    for (std::size_t n = 0;; ++n) {
        std::size_t slot = finisher ? n % stages.size() : 0;
        Stage& stage = stages[slot];
        if (finisher && !finisher->wait_free(slot)) break;
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
        prepare(stage.accepted, slot);
        if (finisher) {
            finisher->post(slot);
        } else if (!finish_batch(stage, slot, finish, counts, progress)) {
            break;
        }
    }
    if (finisher) finisher->drain();
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
