#pragma once

#include <cstddef>
#include <iterator>
#include <utility>
#include <vector>

namespace medclaim {

/// A sequence that grows at the back in chunks of 2^Bits elements, each chunk a vector
/// reserved to that size: elements never move, so pointers to them stay valid, and the
/// address of element i is one step from a short table of chunks that stays in cache.
/// std::deque keeps the same promise with 512-byte blocks, whose map, for hundreds of
/// thousands of policies or member-years, is megabytes: a cache miss before the element's
/// own, also when the caller only wants to prefetch the element.
template <class T, unsigned Bits = 8>
class ChunkedVector {
public:
    static constexpr std::size_t k_chunk = std::size_t{1} << Bits;

    template <class Owner, class Value>
    class Iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = T;
        using difference_type = std::ptrdiff_t;
        using pointer = Value*;
        using reference = Value&;
        Iterator() = default;
        Iterator(Owner* owner, std::size_t i) : owner_(owner), i_(i) {}
        reference operator*() const { return (*owner_)[i_]; }
        pointer operator->() const { return &(*owner_)[i_]; }
        Iterator& operator++() {
            ++i_;
            return *this;
        }
        Iterator operator++(int) {
            Iterator old = *this;
            ++i_;
            return old;
        }
        bool operator==(const Iterator& o) const { return i_ == o.i_; }

    private:
        Owner* owner_ = nullptr;
        std::size_t i_ = 0;
    };
    using iterator = Iterator<ChunkedVector, T>;
    using const_iterator = Iterator<const ChunkedVector, const T>;

    ChunkedVector() = default;
    // A copy reserves its chunks too: a vector's copy has no room to spare.
    ChunkedVector(const ChunkedVector& other) : size_(other.size_) {
        chunks_.reserve(other.chunks_.size());
        for (const std::vector<T>& chunk : other.chunks_) {
            chunks_.emplace_back().reserve(k_chunk);
            chunks_.back().insert(chunks_.back().end(), chunk.begin(), chunk.end());
        }
    }
    ChunkedVector& operator=(const ChunkedVector& other) {
        if (this != &other) *this = ChunkedVector(other);
        return *this;
    }
    ChunkedVector(ChunkedVector&&) noexcept = default;
    ChunkedVector& operator=(ChunkedVector&&) noexcept = default;
    ~ChunkedVector() = default;

    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    T& operator[](std::size_t i) { return chunks_[i >> Bits][i & (k_chunk - 1)]; }
    const T& operator[](std::size_t i) const { return chunks_[i >> Bits][i & (k_chunk - 1)]; }
    T& back() { return chunks_.back().back(); }
    const T& back() const { return chunks_.back().back(); }

    template <class... Args>
    T& emplace_back(Args&&... args) {
        if (chunks_.empty() || chunks_.back().size() == k_chunk) chunks_.emplace_back().reserve(k_chunk);  // never exceeded
        ++size_;
        return chunks_.back().emplace_back(std::forward<Args>(args)...);
    }
    void push_back(T value) { emplace_back(std::move(value)); }
    void clear() {
        chunks_.clear();
        size_ = 0;
    }

    iterator begin() { return {this, 0}; }
    iterator end() { return {this, size_}; }
    const_iterator begin() const { return {this, 0}; }
    const_iterator end() const { return {this, size_}; }

private:
    std::vector<std::vector<T>> chunks_;
    std::size_t size_ = 0;
};

}  // namespace medclaim
