#include "state/ledger.hpp"

#include "state/claim_spill.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "util/error.hpp"
#include "util/output_file.hpp"
#include "util/sha256.hpp"
#include "util/text.hpp"

namespace medclaim {

namespace {

constexpr char k_field = '\x1f';
constexpr char k_record = '\x1e';

std::vector<std::string_view> split(std::string_view text, char sep) {
    std::vector<std::string_view> out;
    while (!text.empty()) {
        std::size_t at = text.find(sep);
        out.push_back(text.substr(0, at));
        if (at == std::string_view::npos) break;
        text.remove_prefix(at + 1);
    }
    return out;
}

std::int64_t number(std::string_view s) {
    std::int64_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

// Appends fields separated by k_field, then k_record. The hot path (a fee line's
// figures) is built in a buffer and appended once; long text goes straight out.
class Record {
public:
    explicit Record(std::string& out) : out_(out) {}
    Record(const Record&) = delete;
    Record& operator=(const Record&) = delete;
    Record& text(std::string_view s) {
        separate();
        if (s.size() > sizeof buffer_ - used_ - 1) {
            spill();
            out_ += s;
        } else {
            std::memcpy(buffer_ + used_, s.data(), s.size());
            used_ += s.size();
        }
        return *this;
    }
    Record& number(std::int64_t v) {
        separate();
        if (sizeof buffer_ - used_ < k_number_chars + 1) spill();
        used_ = static_cast<std::size_t>(std::to_chars(buffer_ + used_, buffer_ + sizeof buffer_, v).ptr - buffer_);
        return *this;
    }
    ~Record() {
        buffer_[used_++] = k_record;  // separate() always leaves a byte free
        spill();
    }

private:
    static constexpr std::size_t k_number_chars = 20;  // an int64 with its sign
    void separate() {
        if (!first_) buffer_[used_++] = k_field;
        first_ = false;
        if (used_ >= sizeof buffer_ - 1) spill();  // text() may have filled the buffer to its last byte
    }
    void spill() {
        out_.append(buffer_, used_);
        used_ = 0;
    }
    std::string& out_;
    char buffer_[160];
    std::size_t used_ = 0;
    bool first_ = true;
};

std::string encode_deltas(const std::vector<Delta>& deltas) {
    std::string out;
    for (const Delta& d : deltas) Record(out).text(d.member_id).number(d.plan_year).text(d.counter).number(d.change);
    return out;
}

std::vector<Delta> decode_deltas(std::string_view text) {
    std::vector<Delta> out;
    for (std::string_view rec : split(text, k_record)) {
        auto f = split(rec, k_field);
        if (f.size() == 4) out.push_back({std::string(f[0]), static_cast<int>(number(f[1])), std::string(f[2]), number(f[3])});
    }
    return out;
}


// A test hook: MEDCLAIM_KILL_AT=outputs-synced|state-committed|outputs-published kills
// the process with SIGKILL at that point of commit(), to prove crash safety.
void maybe_die(const char* point) {
    const char* at = std::getenv("MEDCLAIM_KILL_AT");
    if (at != nullptr && std::strcmp(at, point) == 0) std::raise(SIGKILL);
}

}  // namespace

std::string encode_figures(const Adjudication& a, const PackStamp& pack) {
    std::string out;
    append_figures(out, a, pack);
    return out;
}

void append_figures(std::string& out, const Adjudication& a, const PackStamp& pack) {
    const Buckets& b = a.buckets;
    if (!a.reversal_of.empty()) Record(out).text("R").text(a.reversal_of);  // first: see is_reversal()
    Record(out).text("S").text(to_string(a.status)).number(b.amount.units()).number(b.full_self_pay.units()).number(b.over_limit.units())
        .number(b.pre_self_pay.units()).number(b.in_scope.units()).number(a.deductible.units()).number(a.patient.units());
    Record(out).text("K").text(pack.name).text(pack.version).text(pack.sha256);
    for (const Payment& p : a.payers) {
        {
            Record r(out);  // written when it goes out of scope: before the Q records
            r.text("P").text(p.layer).text(p.fund).number(p.amount.units()).number(p.base.units()).number(p.deductible.units());
            if (!p.policy.empty()) r.text(p.policy);
        }
        for (const ResponsibilityPayment& q : p.responsibilities) {
            Record r(out);
            r.text("Q").text(q.id).number(q.base.units()).number(q.deductible.units()).number(q.ratio).number(q.amount.units());
            if (q.per_day) r.number(q.per_day->units()).number(q.days);  // a per-day benefit
        }
    }
    for (const LineResult& l : a.lines) {
        const Buckets& lb = l.buckets;
        Record(out).text("L").number(l.line_no).number(lb.amount.units()).number(lb.full_self_pay.units()).number(lb.over_limit.units())
            .number(lb.pre_self_pay.units()).number(lb.in_scope.units());
    }
    for (const Flag& f : a.flags) {
        Record r(out);
        r.text("F").text(f.rule).text(to_string(f.severity)).number(f.amount.units()).number(f.line_no).text(f.reason);
        if (f.is_audit()) {  // an audit rule's result fields
            std::string related;
            for (std::uint32_t n : f.related) related += fmt::format("{}{}", related.empty() ? "" : " ", n);
            r.text(f.name).text(f.category).text(f.result).text(f.action).text(f.evidence).text(related);
        }
    }
}

Adjudication decode_figures(std::string_view text, PackStamp* pack) {
    Adjudication a;
    auto money = [](std::string_view s) { return Money::from_units(number(s)); };
    for (std::string_view rec : split(text, k_record)) {
        auto f = split(rec, k_field);
        if (f.empty()) continue;
        if (f[0] == "S" && f.size() == 9) {
            for (ClaimStatus s : {ClaimStatus::paid, ClaimStatus::partial, ClaimStatus::denied, ClaimStatus::pended}) {
                if (to_string(s) == f[1]) a.status = s;
            }
            a.buckets = {money(f[2]), money(f[3]), money(f[4]), money(f[5]), money(f[6])};
            a.deductible = money(f[7]);
            a.patient = money(f[8]);
        } else if (f[0] == "R" && f.size() == 2) {
            a.reversal_of = std::string(f[1]);
        } else if (f[0] == "K" && f.size() == 4 && pack != nullptr) {
            *pack = PackStamp{std::string(f[1]), std::string(f[2]), std::string(f[3])};
        } else if (f[0] == "P" && (f.size() == 6 || f.size() == 7)) {
            a.payers.push_back({std::string(f[1]), std::string(f[2]), money(f[3]), money(f[4]), money(f[5]), f.size() == 7 ? std::string(f[6]) : std::string(), {}});
        } else if (f[0] == "Q" && (f.size() == 6 || f.size() == 8) && !a.payers.empty()) {
            ResponsibilityPayment q{std::string(f[1]), money(f[2]), money(f[3]), number(f[4]), money(f[5]), std::nullopt, 0};
            if (f.size() == 8) {
                q.per_day = money(f[6]);
                q.days = static_cast<int>(number(f[7]));
            }
            a.payers.back().responsibilities.push_back(std::move(q));
        } else if (f[0] == "L" && f.size() == 7) {
            LineResult l;
            l.line_no = static_cast<std::uint32_t>(number(f[1]));
            l.buckets = {money(f[2]), money(f[3]), money(f[4]), money(f[5]), money(f[6])};
            a.lines.push_back(l);
        } else if (f[0] == "F" && (f.size() == 6 || f.size() == 11 || f.size() == 12)) {
            Flag flag{std::string(f[1]), EditSeverity::info, std::string(f[5]), money(f[3]), static_cast<std::uint32_t>(number(f[4]))};
            for (EditSeverity s : {EditSeverity::deny, EditSeverity::reduce, EditSeverity::pend, EditSeverity::info}) {
                if (to_string(s) == f[2]) flag.severity = s;
            }
            if (f.size() >= 11) {  // an audit rule's fields; the related lines may be empty
                flag.name = f[6];
                flag.category = f[7];
                flag.result = f[8];
                flag.action = f[9];
                flag.evidence = f[10];
                for (std::string_view n : f.size() == 12 ? split(f[11], ' ') : std::vector<std::string_view>{}) {
                    if (!n.empty()) flag.related.push_back(static_cast<std::uint32_t>(number(n)));
                }
            }
            a.flags.push_back(std::move(flag));
        }
    }
    return a;
}

namespace {

bool is_reversal(const SettledClaim& c) { return c.figures.starts_with(std::string_view("R\x1f")); }

}  // namespace

// The SQLite side: schema, reads, the commit transaction and recovery.
class Ledger::Store {
public:
    // An empty path opens a private temporary database, deleted when closed: the
    // ledger of a run without --state, so that memory does not grow with the input.
    explicit Store(const std::string& path) : path_(path.empty() ? std::string("(temporary)") : path), temporary_(path.empty()) {
        if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
            std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
            sqlite3_close(db_);
            db_ = nullptr;
            throw IoError(fmt::format("cannot open state file `{}`: {}", path, why));
        }
        sqlite3_busy_timeout(db_, k_busy_wait_ms);
        if (path.empty()) {
            exec("PRAGMA journal_mode=OFF");
            exec("PRAGMA synchronous=OFF");
        } else {
            exec("PRAGMA journal_mode=WAL");
            exec("PRAGMA synchronous=FULL");
        }
        exec("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)");
        exec("CREATE TABLE IF NOT EXISTS counters(member_id TEXT NOT NULL, plan_year INTEGER NOT NULL, counter TEXT NOT NULL, "
             "value INTEGER NOT NULL, PRIMARY KEY(member_id, plan_year, counter)) WITHOUT ROWID");
        // A temporary database keeps counters only: its claims go to each shard's ClaimSpill.
        if (!temporary_) {
            exec("CREATE TABLE IF NOT EXISTS claims(claim_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, member_id TEXT NOT NULL, "
                 "plan_year INTEGER NOT NULL, record TEXT NOT NULL, deltas TEXT NOT NULL, figures TEXT NOT NULL, reversed_by TEXT NOT NULL DEFAULT '') "
                 "WITHOUT ROWID");
        }
        exec("CREATE TABLE IF NOT EXISTS journal(temp_path TEXT NOT NULL, final_path TEXT NOT NULL)");
        exec("INSERT OR IGNORE INTO meta(key, value) VALUES('schema', '1')");
        std::string schema = text_of("SELECT value FROM meta WHERE key='schema'");
        if (schema != "1") throw IoError(fmt::format("state file `{}` has schema {}, this medclaim reads schema 1", path, schema));
    }

    ~Store() {
        for (sqlite3_stmt* s : {load_, find_, put_counter_, drop_counter_, put_claim_, journal_}) sqlite3_finalize(s);
        sqlite3_close(db_);  // every statement is finalized, so the connection closes
    }

    // Renames what an interrupted run journaled; returns how many outputs it moved.
    std::uint64_t recover() {
        std::vector<std::pair<std::string, std::string>> rows;
        sqlite3_stmt* s = prepare("SELECT temp_path, final_path FROM journal");
        while (sqlite3_step(s) == SQLITE_ROW) rows.emplace_back(column_text(s, 0), column_text(s, 1));
        sqlite3_finalize(s);
        std::uint64_t moved = 0;
        for (const auto& [temp, final_path] : rows) {
            if (std::rename(temp.c_str(), final_path.c_str()) == 0) {
                ++moved;
            } else if (errno != ENOENT) {
                throw IoError(fmt::format("state file `{}`: cannot complete the interrupted run: renaming `{}` onto `{}`: {}", path_, temp, final_path,
                                          std::strerror(errno)));
            }
        }
        exec("DELETE FROM journal");
        return moved;
    }

    void load(std::string_view member, int year, Accumulators& acc) {
        if (!load_) load_ = prepare("SELECT counter, value FROM counters WHERE member_id=?1 AND plan_year=?2");
        sqlite3_reset(load_);
        sqlite3_bind_text(load_, 1, member.data(), static_cast<int>(member.size()), SQLITE_TRANSIENT);
        sqlite3_bind_int(load_, 2, year);
        while (sqlite3_step(load_) == SQLITE_ROW) acc.restore(member, year, column_view(load_, 0), sqlite3_column_int64(load_, 1));
    }

    std::optional<SettledClaim> find(std::string_view claim_id) {
        if (!find_) find_ = prepare("SELECT content_hash, member_id, plan_year, record, deltas, figures, reversed_by FROM claims WHERE claim_id=?1");
        sqlite3_reset(find_);
        bind(find_, 1, claim_id);
        if (sqlite3_step(find_) != SQLITE_ROW) return std::nullopt;
        return read_found(claim_id);
    }

    // The claim find_ has stepped to.
    std::optional<SettledClaim> read_found(std::string_view claim_id) {
        SettledClaim c;
        c.claim_id = std::string(claim_id);
        c.content_hash = column_text(find_, 0);
        c.member_id = column_text(find_, 1);
        c.plan_year = sqlite3_column_int(find_, 2);
        c.record = column_text(find_, 3);
        c.deltas = decode_deltas(column_text(find_, 4));
        c.figures = column_text(find_, 5);
        c.reversed_by = column_text(find_, 6);
        return c;
    }

    void begin() { exec("BEGIN IMMEDIATE"); }
    void commit() { exec("COMMIT"); }
    void rollback() { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }

    void put_counter(std::string_view member, int year, std::string_view counter, std::int64_t value) {
        sqlite3_stmt* s = cached(put_counter_, "INSERT OR REPLACE INTO counters(member_id, plan_year, counter, value) VALUES(?1, ?2, ?3, ?4)");
        bind(s, 1, member);
        sqlite3_bind_int(s, 2, year);
        bind(s, 3, counter);
        sqlite3_bind_int64(s, 4, value);
        step_done(s);
    }

    void drop_counter(std::string_view member, int year, std::string_view counter) {
        sqlite3_stmt* s = cached(drop_counter_, "DELETE FROM counters WHERE member_id = ?1 AND plan_year = ?2 AND counter = ?3");
        bind(s, 1, member);
        sqlite3_bind_int(s, 2, year);
        bind(s, 3, counter);
        step_done(s);
    }

    void put_claim(const SettledClaim& c) {
        sqlite3_stmt* s = cached(put_claim_, "INSERT OR REPLACE INTO claims(claim_id, content_hash, member_id, plan_year, record, deltas, "
                                             "figures, reversed_by) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
        bind(s, 1, c.claim_id);
        bind(s, 2, c.content_hash);
        bind(s, 3, c.member_id);
        sqlite3_bind_int(s, 4, c.plan_year);
        bind(s, 5, c.record);
        std::string deltas = encode_deltas(c.deltas);
        bind(s, 6, deltas);
        bind(s, 7, c.figures);
        bind(s, 8, c.reversed_by);
        step_done(s);
    }

    void journal(const std::string& temp, const std::string& final_path) {
        sqlite3_stmt* s = cached(journal_, "INSERT INTO journal(temp_path, final_path) VALUES(?1, ?2)");
        bind(s, 1, temp);
        bind(s, 2, final_path);
        step_done(s);
    }

    void clear_journal() { exec("DELETE FROM journal"); }

    StateSummary summary(const std::string& member_id) {
        StateSummary out;
        out.claims = static_cast<std::uint64_t>(number(text_of("SELECT count(*) FROM claims")));
        out.reversed = static_cast<std::uint64_t>(number(text_of("SELECT count(*) FROM claims WHERE reversed_by != ''")));
        // Policies' counters (member U+001D policy) belong to their member.
        out.members = static_cast<std::uint64_t>(number(text_of("SELECT count(DISTINCT member_id) FROM counters WHERE instr(member_id, char(29)) = 0")));
        if (!member_id.empty()) {
            sqlite3_stmt* s = prepare("SELECT member_id, plan_year, counter, value FROM counters WHERE member_id=?1 OR "
                                      "substr(member_id, 1, length(?1) + 1) = ?1 || char(29) ORDER BY member_id, plan_year, counter");
            bind(s, 1, member_id);
            while (sqlite3_step(s) == SQLITE_ROW) {
                out.counters.push_back({column_text(s, 0), sqlite3_column_int(s, 1), column_text(s, 2), sqlite3_column_int64(s, 3)});
            }
            sqlite3_finalize(s);
        }
        return out;
    }

    void finalize_cached() {
        for (sqlite3_stmt** s : {&put_counter_, &drop_counter_, &put_claim_, &journal_}) {
            sqlite3_finalize(*s);
            *s = nullptr;
        }
    }

private:
    [[noreturn]] void fail(std::string_view what) const {
        int code = sqlite3_errcode(db_);
        if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
            throw IoError(fmt::format("state file `{}` is in use by another medclaim run (waited {} s); run again when it has finished",
                                      path_, k_busy_wait_ms / 1000));
        }
        throw IoError(fmt::format("state file `{}`: {}: {}", path_, what, sqlite3_errmsg(db_)));
    }
    void exec(const char* sql) {
        if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(sql);
    }
    sqlite3_stmt* prepare(const char* sql) {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db_, sql, -1, &s, nullptr) != SQLITE_OK) fail(sql);
        return s;
    }
    sqlite3_stmt* cached(sqlite3_stmt*& slot, const char* sql) {
        if (!slot) slot = prepare(sql);
        sqlite3_reset(slot);
        return slot;
    }
    // Every bound text outlives the step that uses it, so SQLite need not copy it.
    static void bind(sqlite3_stmt* s, int i, std::string_view v) { sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC); }
    void step_done(sqlite3_stmt* s) {
        if (sqlite3_step(s) != SQLITE_DONE) fail("write");
    }
    static std::string_view column_view(sqlite3_stmt* s, int i) {
        const unsigned char* t = sqlite3_column_text(s, i);
        return t ? std::string_view(reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : std::string_view();
    }
    static std::string column_text(sqlite3_stmt* s, int i) {
        const unsigned char* t = sqlite3_column_text(s, i);
        return t ? std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : std::string();
    }
    std::string text_of(const char* sql) {
        sqlite3_stmt* s = prepare(sql);
        std::string out = sqlite3_step(s) == SQLITE_ROW ? column_text(s, 0) : std::string();
        sqlite3_finalize(s);
        return out;
    }

    static constexpr int k_busy_wait_ms = 10'000;  // how long to wait for another run's lock

    std::string path_;
    sqlite3* db_ = nullptr;
    bool temporary_;
    sqlite3_stmt* load_ = nullptr;
    sqlite3_stmt* find_ = nullptr;
    sqlite3_stmt* put_counter_ = nullptr;
    sqlite3_stmt* drop_counter_ = nullptr;
    sqlite3_stmt* put_claim_ = nullptr;
    sqlite3_stmt* journal_ = nullptr;
};

StateSummary summarize_state(const std::string& path, const std::string& member_id) {
    Ledger::Store store(path);
    std::uint64_t recovered = store.recover();
    StateSummary s = store.summary(member_id);
    s.recovered = recovered;
    return s;
}

Ledger::Ledger(const std::string& state_path, bool replace, std::size_t shards)
    : replace_(replace), persistent_(!state_path.empty()), shards_(std::max<std::size_t>(1, shards)) {
    store_ = std::make_unique<Store>(state_path);
    if (!persistent_) {
        for (Shard& shard : shards_) shard.spill = std::make_unique<ClaimSpill>();
    }
    if (persistent_) recovered_ = store_->recover();
    // One transaction for the whole run: settled claims are written as they come (and
    // read back within it), and become visible to others only at commit().
    store_->begin();
}

Ledger::~Ledger() {
    // An uncommitted state file goes back to what it was; a temporary database (no
    // journal) is simply dropped.
    if (!committed_ && persistent_) store_->rollback();
}

bool Ledger::persistent() const { return persistent_; }

std::size_t Ledger::shard_of(std::string_view member_id) const {
    if (shards_.size() == 1) return 0;
    // A policy's counters (member U+001D policy) live with their member's.
    return hash64(member_id.substr(0, member_id.find(k_policy_separator)), 7) % shards_.size();
}

std::uint64_t Ledger::members_touched() const {
    std::uint64_t n = 0;
    for (const Shard& s : shards_) n += s.member_years_written + s.acc.changed();
    return n;
}

std::optional<SettledClaim> Ledger::find(Shard& shard, std::string_view claim_id) {
    if (shard.spill) return shard.spill->find(claim_id);
    std::lock_guard lock(store_mutex_);
    return store_->find(claim_id);
}

void Ledger::put_claim(Shard& shard, const SettledClaim& claim) {
    if (shard.spill) return shard.spill->put(claim);
    std::lock_guard lock(store_mutex_);
    store_->put_claim(claim);
}

void Ledger::load(Shard& shard, std::string_view member_id, int plan_year) {
    // Without a state file a member's counters are stored only once its shard wrote
    // them out; until then there is nothing to load, nor to remember having loaded, so
    // an empty member-year costs no memory (most members have no plan year 0).
    if (!persistent_ && shard.member_years_written == 0) return;
    if (!shard.acc.hold(member_id, plan_year)) return;
    std::lock_guard lock(store_mutex_);
    store_->load(member_id, plan_year, shard.acc);
}

std::vector<Counter> Ledger::counters(std::string_view member_id, int plan_year) {
    Shard& shard = shards_[shard_of(member_id)];
    load(shard, member_id, plan_year);
    return shard.acc.counters(member_id, plan_year);
}

// Writes the counters changed since the last flush; with `forget`, also drops every
// counter from memory, so that it stays bounded however many members a run sees.
void Ledger::flush_counters(Shard& shard, bool forget) {
    {
        std::lock_guard lock(store_mutex_);
        shard.acc.for_each_changed([&](std::string_view member, int year, const std::vector<Counter>& counters) {
            for (const Counter& c : counters) {
                // Audit history that reached 0 (unwound, or older than every window) is
                // dropped, so that the store keeps only what the windows need.
                if (c.value == 0 && c.name.starts_with("audit.")) store_->drop_counter(member, year, c.name);
                else store_->put_counter(member, year, c.name, c.value);
            }
        });
    }
    shard.member_years_written += shard.acc.changed();
    shard.acc.forget_changes();
    if (forget) shard.acc = Accumulators();
}

std::vector<Delta> Ledger::unwind(Shard& shard, const SettledClaim& settled) {
    // Every counter the claim changed, except the date of the latest discharge, which
    // is a fact about the member rather than a sum.
    std::vector<Delta> back;
    for (const Delta& d : settled.deltas) {
        if (d.counter == "last_discharge") continue;
        load(shard, d.member_id, d.plan_year);
        back.push_back({d.member_id, d.plan_year, d.counter, -d.change});
    }
    shard.acc.apply(back);
    return back;
}

void Ledger::preset(std::string_view member_id, int plan_year, std::string_view counter, std::int64_t value) {
    Shard& shard = shards_[shard_of(member_id)];
    load(shard, member_id, plan_year);
    shard.acc.set(member_id, plan_year, counter, value);
}

Settlement Ledger::reverse(Shard& shard, const Claim& claim, const std::string& content_hash, const PackStamp& stamp) {
    Settlement out;
    std::optional<SettledClaim> original = find(shard, claim.reversal_of);
    auto refuse = [&](std::string reason) {
        out.kind = Settlement::Kind::refused;
        out.reason = std::move(reason);
        return out;
    };
    // A claim of another member counts as not found: that member's claims may be settled
    // on another thread, so whether it is there yet must not change the answer.
    if (!original || original->member_id != claim.member.id) {
        return refuse(fmt::format("claim `{}` reverses `{}`, which was not settled before for member `{}` (in the state or earlier in this run)",
                                  claim.claim_id, claim.reversal_of, claim.member.id));
    }
    if (!original->reversed_by.empty()) {
        return refuse(fmt::format("claim `{}` reverses `{}`, which claim `{}` already reversed", claim.claim_id, claim.reversal_of, original->reversed_by));
    }
    if (is_reversal(*original)) return refuse(fmt::format("claim `{}` reverses `{}`, which is itself a reversal", claim.claim_id, claim.reversal_of));
    Adjudication a = decode_figures(original->figures);
    Money amount;
    for (const Line& l : claim.lines()) amount += l.amount;
    if (amount != -a.buckets.amount) {
        return refuse(fmt::format("claim `{}` reverses `{}` but its amount {} is not the negative of the original {}; only whole claims are reversed",
                                  claim.claim_id, claim.reversal_of, amount.to_string(), a.buckets.amount.to_string()));
    }
    a.claim_id = claim.claim_id;
    a.reversal_of = claim.reversal_of;
    a.member_id = original->member_id;
    a.plan_year = original->plan_year;
    a.buckets = {-a.buckets.amount, -a.buckets.full_self_pay, -a.buckets.over_limit, -a.buckets.pre_self_pay, -a.buckets.in_scope};
    a.deductible = -a.deductible;
    a.patient = -a.patient;
    for (Payment& p : a.payers) {
        p.amount = -p.amount;
        p.base = -p.base;
        p.deductible = -p.deductible;
        for (ResponsibilityPayment& r : p.responsibilities) {
            r.amount = -r.amount;
            r.base = -r.base;
            r.deductible = -r.deductible;
            r.days = -r.days;  // a per-day benefit: the days it gives back
        }
    }
    for (LineResult& l : a.lines) l.buckets = {-l.buckets.amount, -l.buckets.full_self_pay, -l.buckets.over_limit, -l.buckets.pre_self_pay, -l.buckets.in_scope};
    a.flags.push_back({"reversal", EditSeverity::info, fmt::format("reverses claim `{}`", claim.reversal_of), {}, 0});
    a.deltas = unwind(shard, *original);
    original->reversed_by = claim.claim_id;
    put_claim(shard, *original);

    SettledClaim rev;
    rev.claim_id = claim.claim_id;
    rev.content_hash = content_hash;
    rev.member_id = a.member_id;
    rev.plan_year = a.plan_year;
    append_adjudication_json(rev.record, a, stamp, false);
    rev.deltas = std::move(a.deltas);
    rev.figures = encode_figures(a, stamp);
    put_claim(shard, rev);
    out.kind = Settlement::Kind::reversal;
    out.record = std::move(rev.record);
    out.pack = stamp;
    out.adjudication = std::move(a);
    return out;
}

void Ledger::prefetch(const Claim& claim, int step) const {
    const Shard& shard = shards_[shards_.size() == 1 ? 0 : shard_of(claim.member.id)];
    if (step < 4) {
        if (policies_ != nullptr) policies_->prefetch(claim.member.id, step);
        // The year of the claim's date: the plan year unless the pack starts it later
        // than January (then this loads what is not read, and nothing else happens).
        if (step < 3) shard.acc.prefetch(claim.member.id, claim.plan_year ? *claim.plan_year : claim.visit.admit_date.year(), step);
        return;
    }
    if (policies_ == nullptr || !claim.policies.empty()) return;
    // The policies' accumulator keys (assign_policy_key), put together without allocating.
    char key[128];
    const std::string& member = claim.member.id;
    if (member.size() + 1 >= sizeof key) return;
    std::memcpy(key, member.data(), member.size());
    key[member.size()] = k_policy_separator;
    policies_->for_each_covering(member, claim.visit.admit_date, [&](const Policy& p) {
        std::size_t n = member.size() + 1 + p.id.size();
        if (n > sizeof key) return;
        std::memcpy(key + member.size() + 1, p.id.data(), p.id.size());
        shard.acc.prefetch(std::string_view(key, n), policy_year_start(p, claim.visit.admit_date).year(), 1);
    });
}

Settlement Ledger::settle(const Claim& claim, std::string_view raw_text, const Pack& pack, const PackStamp& stamp, bool explain,
                          std::optional<std::uint64_t> fingerprint) {
    Settlement out;
    settle(out, claim, raw_text, pack, stamp, explain, fingerprint);
    return out;
}

void Ledger::settle(Settlement& out, const Claim& claim, std::string_view raw_text, const Pack& pack, const PackStamp& stamp, bool explain,
                    std::optional<std::uint64_t> fingerprint) {
    Shard& shard = shards_[shard_of(claim.member.id)];
    if (shard.acc.size() + shard.acc.member_years() > max_cached_entries_ / shards_.size()) flush_counters(shard, true);
    // `out` may hold an earlier settlement: its strings keep their memory.
    out.kind = Settlement::Kind::adjudicated;
    out.record.clear();
    out.reason.clear();
    out.pack.name.clear();  // cleared, not replaced: `out.pack = stamp` then reuses their memory
    out.pack.version.clear();
    out.pack.sha256.clear();
    std::string content_hash;
    if (persistent_) {
        Sha256 h;
        h.update(raw_text);
        content_hash = h.hex();
    } else {
        // Nothing outlives the run, and the reader already refuses a claim_id seen twice
        // in it: a fast 64-bit fingerprint is enough to tell contents apart.
        static constexpr char k_hex[] = "0123456789abcdef";
        std::uint64_t h = fingerprint ? *fingerprint : hash64(raw_text);
        content_hash.resize(16);
        for (int i = 15; i >= 0; --i, h >>= 4) content_hash[static_cast<std::size_t>(i)] = k_hex[h & 0xf];
    }
    bool replacing = false;
    std::int64_t replaced_seq = 0;  // the row a temporary ledger overwrites
    if (std::optional<SettledClaim> known = find(shard, claim.claim_id)) {
        if (known->content_hash == content_hash) {
            out.kind = Settlement::Kind::already_settled;
            out.record = known->record;
            out.adjudication = decode_figures(known->figures, &out.pack);
            out.adjudication.claim_id = known->claim_id;
            out.adjudication.member_id = known->member_id;
            out.adjudication.plan_year = known->plan_year;
            if (out.record.empty()) append_adjudication_json(out.record, out.adjudication, out.pack, false);  // in memory: rendered again
            return;
        }
        if (!replace_) {
            out.kind = Settlement::Kind::refused;
            out.reason = fmt::format("claim_id `{}` was settled before with different content; pass --replace to settle this version in its place",
                                     claim.claim_id);
            return;
        }
        if (!known->reversed_by.empty() || is_reversal(*known)) {
            out.kind = Settlement::Kind::refused;
            out.reason = fmt::format("claim `{}` cannot be replaced: it is a reversal or was reversed", claim.claim_id);
            return;
        }
        if (known->member_id != claim.member.id) {
            out.kind = Settlement::Kind::refused;
            out.reason = fmt::format("claim `{}` was settled for member `{}`; a replacement keeps the member (reverse it and send a new claim instead)",
                                     claim.claim_id, known->member_id);
            return;
        }
        unwind(shard, *known);
        replacing = true;
        replaced_seq = known->seq;
    }
    if (claim.is_reversal()) {
        out = reverse(shard, claim, content_hash, stamp);
        return;
    }

    int year = plan_year_of(claim, pack);
    load(shard, claim.member.id, year);
    load(shard, claim.member.id, 0);
    const ClaimPolicies* mine = nullptr;
    if (policies_ != nullptr && !pack.products.empty()) {
        claim_policies(shard.policies, claim, *policies_, &pack);
        mine = &shard.policies;
        for (const HeldPolicy& h : mine->held) load(shard, h.key, h.year);
    }
    // Into the caller's settlement, whose lists keep their memory from claim to claim.
    Adjudication& a = out.adjudication;
    adjudicate(a, claim, pack, shard.acc, explain, mine);
    shard.acc.apply(a.deltas);

    // The record is rendered once, into `out`; the shard's scratch claim is filled
    // again (its strings keep their memory) to be kept.
    append_adjudication_json(out.record, a, stamp, explain);
    SettledClaim& s = shard.scratch;
    s.claim_id = claim.claim_id;
    s.content_hash = content_hash;
    s.member_id = claim.member.id;
    s.plan_year = a.plan_year;
    // In memory nothing is written again (re-rendered from the figures if asked), so
    // the record need not be kept.
    if (persistent_) {
        s.record = out.record;
    } else {
        s.record.clear();
    }
    // Kept with the claim (the caller's figures need none): the scratch claim's deltas
    // of the claim before come back, emptied, for the next one to fill.
    std::swap(s.deltas, a.deltas);
    a.deltas.clear();
    s.figures.clear();
    append_figures(s.figures, a, stamp);
    s.reversed_by.clear();
    s.seq = replaced_seq;
    out.kind = replacing ? Settlement::Kind::replaced : Settlement::Kind::adjudicated;
    put_claim(shard, s);
    out.pack = stamp;
}

void Ledger::commit(const std::vector<OutputFile*>& outputs) {
    for (OutputFile* o : outputs) o->sync();
    maybe_die("outputs-synced");
    if (persistent_) {
        try {
            for (Shard& shard : shards_) flush_counters(shard, false);
            for (OutputFile* o : outputs) {
                if (!o->temp_path().empty()) store_->journal(o->temp_path(), o->path());
            }
            store_->commit();
        } catch (...) {
            store_->rollback();
            committed_ = true;  // nothing left to roll back
            throw;
        }
        committed_ = true;
        store_->finalize_cached();
        for (OutputFile* o : outputs) o->keep_temporary();
    }
    maybe_die("state-committed");
    for (OutputFile* o : outputs) o->publish();
    maybe_die("outputs-published");
    if (persistent_) store_->clear_journal();
}

}  // namespace medclaim
