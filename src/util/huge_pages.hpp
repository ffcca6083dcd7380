#pragma once

#include <cstddef>
#include <new>

namespace medclaim {

/// Memory for big tables read at random (policy stores, indexes of hundreds of
/// thousands of keys): blocks of 2 MiB and more are mapped on their own and, on Linux,
/// marked for transparent huge pages (MADV_HUGEPAGE), so that a look-up does not also
/// miss the TLB; smaller ones come from operator new. Throws std::bad_alloc.
void* allocate_big(std::size_t bytes);
void deallocate_big(void* p, std::size_t bytes) noexcept;

/// A standard allocator over allocate_big, for std::vector.
template <class T>
struct BigAllocator {
    using value_type = T;
    BigAllocator() = default;
    template <class U>
    BigAllocator(const BigAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) {
        if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
        return static_cast<T*>(allocate_big(n * sizeof(T)));
    }
    void deallocate(T* p, std::size_t n) noexcept { deallocate_big(p, n * sizeof(T)); }
    template <class U>
    bool operator==(const BigAllocator<U>&) const noexcept {
        return true;
    }
};

}  // namespace medclaim
