#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "util/text.hpp"

namespace medclaim {

/// Finds entries of a caller's storage (a deque or a vector, by position) by key: an
/// open-addressing table of positions, power-of-two sized, each with 32 bits of its
/// key's hash, so that a look-up costs one hash, about one probe and one read of the
/// entry, where a node-based map divides by a prime and chases a node per step.
/// Rules: 1. positions are below 2^32 − 1; 2. the caller says whether an entry at a
/// position has the key sought (`same(position)`); 3. entries are never removed.
class FlatIndex {
public:
    static constexpr std::uint32_t k_none = UINT32_MAX;

    /// 32 bits of a key's hash, `seed` told apart.
    static std::uint32_t hash(std::string_view key, std::uint64_t seed = 0) { return static_cast<std::uint32_t>(hash64(key, seed) >> 32); }

    /// The position whose entry `same` accepts among those hashed to `h`; k_none if none.
    template <class Same>
    std::uint32_t find(std::uint32_t h, Same same) const {
        if (slots_.empty()) return k_none;
        const Slot& s = slots_[probe(h, same)];
        return s.position == 0 ? k_none : s.position - 1;
    }

    /// The position of the entry `same` accepts; otherwise records `position` (the one
    /// the caller is about to add) under `h` and returns k_none.
    template <class Same>
    std::uint32_t find_or_add(std::uint32_t h, std::uint32_t position, Same same) {
        if ((size_ + 1) * 4 > slots_.size() * 3) grow();
        Slot& s = slots_[probe(h, same)];
        if (s.position != 0) return s.position - 1;
        s = {position + 1, h};
        ++size_;
        return k_none;
    }

    /// Re-points the entry `same` accepts (it must be there) to `position`.
    template <class Same>
    void move(std::uint32_t h, std::uint32_t position, Same same) {
        slots_[probe(h, same)].position = position + 1;
    }

    std::size_t size() const { return size_; }

    /// Starts loading the slot a look-up of `h` reads first, for a caller that knows
    /// its next keys ahead (a look-up in a big table is otherwise a cache miss).
    void prefetch(std::uint32_t h) const {
        if (!slots_.empty()) __builtin_prefetch(&slots_[h & (slots_.size() - 1)]);
    }
    /// The position in the first slot a look-up of `h` reads when that slot holds `h`
    /// (the entry sought, most likely, but not compared); k_none otherwise.
    std::uint32_t likely(std::uint32_t h) const {
        if (slots_.empty()) return k_none;
        const Slot& s = slots_[h & (slots_.size() - 1)];
        return s.position != 0 && s.hash == h ? s.position - 1 : k_none;
    }

private:
    struct Slot {
        std::uint32_t position = 0;  // + 1; 0: empty
        std::uint32_t hash = 0;
    };

    // The slot holding what `same` accepts, or the empty slot where it would go.
    template <class Same>
    std::size_t probe(std::uint32_t h, Same same) const {
        std::size_t mask = slots_.size() - 1;
        for (std::size_t i = h & mask;; i = (i + 1) & mask) {
            const Slot& s = slots_[i];
            if (s.position == 0 || (s.hash == h && same(s.position - 1))) return i;
        }
    }

    void grow() {
        std::vector<Slot> old(std::max<std::size_t>(1024, slots_.size() * 2));
        old.swap(slots_);
        std::size_t mask = slots_.size() - 1;
        for (const Slot& s : old) {
            if (s.position == 0) continue;
            std::size_t i = s.hash & mask;
            while (slots_[i].position != 0) i = (i + 1) & mask;
            slots_[i] = s;
        }
    }

    std::vector<Slot> slots_;
    std::size_t size_ = 0;
};

}  // namespace medclaim
