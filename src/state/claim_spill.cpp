#include "state/claim_spill.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "engine/adjudicate.hpp"
#include "state/ledger.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace medclaim {

namespace {

constexpr std::size_t k_buffer_bytes = 1 << 20;  // written out when this full

// Whose counter a stored delta changes.
constexpr std::uint8_t k_claim_member = 0;   // the claim's member
constexpr std::uint8_t k_member_policy = 1;  // a policy of the claim's member: the policy id follows
constexpr std::uint8_t k_other_owner = 2;    // any other: the key follows

// Records are length-prefixed fields in host byte order (the file never outlives the
// process that wrote it): strings as a 32-bit length and the bytes, numbers as they are.
class Writer {
public:
    explicit Writer(std::string& out) : out_(out) {}
    template <class T>
    void number(T v) {
        out_.append(reinterpret_cast<const char*>(&v), sizeof v);
    }
    void text(std::string_view s) {
        number(static_cast<std::uint32_t>(s.size()));
        out_.append(s);
    }

private:
    std::string& out_;
};

class Reader {
public:
    explicit Reader(std::string_view in) : in_(in) {}
    template <class T>
    T number() {
        T v{};
        std::memcpy(&v, take(sizeof v).data(), sizeof v);
        return v;
    }
    std::string text() { return std::string(take(number<std::uint32_t>())); }

private:
    std::string_view take(std::size_t n) {
        // Only this process wrote the file: a short record is a defect, not input.
        if (n > in_.size()) throw Error(ExitCode::internal, "temporary ledger: a stored claim is cut short");
        std::string_view s = in_.substr(0, n);
        in_.remove_prefix(n);
        return s;
    }
    std::string_view in_;
};

std::string temp_folder() {
    const char* dir = std::getenv("TMPDIR");
    return dir != nullptr && *dir != '\0' ? dir : "/tmp";
}

}  // namespace

// Where each claim is, by 32 bits of a hash of its claim_id that both choose the slot and
// tell slots apart: open addressing, 8 bytes a slot, at most 3/4 full. Ids that share
// the bits all stay (the caller tells them apart by the record), so a collision costs a
// read, never a claim.
class ClaimSpill::Index {
public:
    template <class F>
    void for_each(std::uint64_t hash, F&& f) const {
        if (slots_.empty()) return;
        std::uint32_t tag = tag_of(hash);
        for (std::size_t i = tag & mask(); slots_[i].seq != 0; i = (i + 1) & mask()) {
            if (slots_[i].tag == tag && f(slots_[i].seq)) return;
        }
    }
    /// `seq` from 1 to 2^32 − 1.
    void add(std::uint64_t hash, std::uint32_t seq) {
        if ((count_ + 1) * 4 > slots_.size() * 3) grow();
        place({tag_of(hash), seq});
        ++count_;
    }

private:
    struct Slot {
        std::uint32_t tag = 0;
        std::uint32_t seq = 0;  // 0 marks an empty slot
    };
    static std::uint32_t tag_of(std::uint64_t hash) { return static_cast<std::uint32_t>(hash ^ (hash >> 32)); }
    std::size_t mask() const { return slots_.size() - 1; }
    void place(Slot s) {
        std::size_t i = s.tag & mask();
        while (slots_[i].seq != 0) i = (i + 1) & mask();
        slots_[i] = s;
    }
    void grow() {
        std::vector<Slot> old = std::move(slots_);
        slots_.assign(std::max<std::size_t>(1024, old.size() * 2), Slot{});
        for (const Slot& x : old) {
            if (x.seq != 0) place(x);
        }
    }
    std::vector<Slot> slots_;
    std::size_t count_ = 0;
};

ClaimSpill::ClaimSpill() : folder_(temp_folder()), index_(std::make_unique<Index>()) {
    std::string path = folder_ + "/medclaim-ledger-XXXXXX";
    fd_ = ::mkstemp(path.data());
    if (fd_ < 0) {
        throw IoError(fmt::format("cannot create the temporary ledger in `{}`: {} (set TMPDIR to a writable folder)", folder_, std::strerror(errno)));
    }
    ::unlink(path.c_str());  // nothing to clean up, however the run ends
    buffer_.reserve(k_buffer_bytes);
}

ClaimSpill::~ClaimSpill() {
    if (fd_ >= 0) ::close(fd_);
}

void ClaimSpill::flush() {
    std::size_t done = 0;
    while (done < buffer_.size()) {
        ssize_t n = ::pwrite(fd_, buffer_.data() + done, buffer_.size() - done, static_cast<off_t>(written_ + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            throw IoError(fmt::format("cannot write the temporary ledger in `{}`: {} (set TMPDIR to a folder with more room)", folder_,
                                      n < 0 ? std::strerror(errno) : "nothing written"));
        }
        done += static_cast<std::size_t>(n);
    }
    written_ += buffer_.size();
    buffer_.clear();
}

void ClaimSpill::read_at(std::uint64_t offset, std::string& out) {
    auto read = [&](std::uint64_t at, char* to, std::size_t n) {
        if (at >= written_) {
            std::memcpy(to, buffer_.data() + (at - written_), n);
            return;
        }
        for (std::size_t done = 0; done < n;) {
            ssize_t got = ::pread(fd_, to + done, n - done, static_cast<off_t>(at + done));
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) throw IoError(fmt::format("cannot read the temporary ledger in `{}`: {}", folder_, got < 0 ? std::strerror(errno) : "end of file"));
            done += static_cast<std::size_t>(got);
        }
    };
    std::uint32_t size = 0;
    read(offset, reinterpret_cast<char*>(&size), sizeof size);
    out.resize(size);
    read(offset + sizeof size, out.data(), size);
}

std::optional<SettledClaim> ClaimSpill::find(std::string_view claim_id) {
    std::optional<SettledClaim> found;
    index_->for_each(hash64(claim_id), [&](std::uint32_t seq) {
        read_at(offsets_[seq - 1], scratch_);
        Reader r(scratch_);
        if (r.text() != claim_id) return false;
        SettledClaim c;
        c.claim_id = std::string(claim_id);
        c.content_hash = r.text();
        c.member_id = r.text();
        c.plan_year = r.number<std::int32_t>();
        auto deltas = r.number<std::uint32_t>();
        for (std::uint32_t i = 0; i < deltas; ++i) {
            Delta d;
            auto owner = r.number<std::uint8_t>();
            if (owner == k_claim_member) {
                d.member_id = c.member_id;
            } else if (owner == k_member_policy) {
                d.member_id.assign(c.member_id).append(1, k_policy_separator).append(r.text());
            } else {
                d.member_id = r.text();
            }
            d.plan_year = r.number<std::int32_t>();
            auto name = r.number<std::uint32_t>();
            // Only this process wrote the file: an unknown name is a defect, not input.
            if (name >= names_.size()) throw Error(ExitCode::internal, "temporary ledger: a stored claim names an unknown counter");
            d.counter = names_[name];
            d.change = r.number<std::int64_t>();
            c.deltas.push_back(std::move(d));
        }
        c.figures = r.text();
        c.reversed_by = r.text();
        c.seq = seq;
        found = std::move(c);
        return true;
    });
    return found;
}

std::uint32_t ClaimSpill::name_number(std::string_view counter) {
    auto position = static_cast<std::uint32_t>(names_.size());
    std::uint32_t found = name_index_.find_or_add(FlatIndex::hash(counter), position, [&](std::uint32_t k) { return names_[k] == counter; });
    if (found != FlatIndex::k_none) return found;
    names_.emplace_back(counter);
    return position;
}

void ClaimSpill::put(const SettledClaim& c) {
    std::size_t start = buffer_.size();
    Writer w(buffer_);
    w.number(std::uint32_t{0});  // the size, set below
    w.text(c.claim_id);
    w.text(c.content_hash);
    w.text(c.member_id);
    w.number(static_cast<std::int32_t>(c.plan_year));
    w.number(static_cast<std::uint32_t>(c.deltas.size()));
    for (const Delta& d : c.deltas) {
        // The owner as the claim's member, one of the member's policies (the policy id
        // after the separator) or in full; the counter by its number.
        std::string_view owner = d.member_id;
        if (owner == c.member_id) {
            w.number(k_claim_member);
        } else if (owner.size() > c.member_id.size() && owner.starts_with(c.member_id) && owner[c.member_id.size()] == k_policy_separator) {
            w.number(k_member_policy);
            w.text(owner.substr(c.member_id.size() + 1));
        } else {
            w.number(k_other_owner);
            w.text(owner);
        }
        w.number(static_cast<std::int32_t>(d.plan_year));
        w.number(name_number(d.counter));
        w.number(d.change);
    }
    w.text(c.figures);
    w.text(c.reversed_by);
    std::size_t size = buffer_.size() - start - sizeof(std::uint32_t);
    if (size > std::numeric_limits<std::uint32_t>::max()) throw Error(ExitCode::internal, "temporary ledger: a claim over 4 GiB of figures");
    auto size32 = static_cast<std::uint32_t>(size);
    std::memcpy(buffer_.data() + start, &size32, sizeof size32);
    std::uint64_t offset = written_ + start;
    if (c.seq != 0) {
        offsets_[static_cast<std::size_t>(c.seq) - 1] = offset;
    } else {
        if (offsets_.size() == std::numeric_limits<std::uint32_t>::max()) {
            throw Error(ExitCode::internal, "more than 4,294,967,294 claims in one run without --state");
        }
        offsets_.push_back(offset);
        index_->add(hash64(c.claim_id), static_cast<std::uint32_t>(offsets_.size()));
    }
    if (buffer_.size() >= k_buffer_bytes) flush();
}

}  // namespace medclaim
