#include "util/huge_pages.hpp"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace medclaim {
namespace {

constexpr std::size_t k_huge_page = std::size_t{2} << 20;

std::size_t mapped_size(std::size_t bytes) { return (bytes + k_huge_page - 1) / k_huge_page * k_huge_page; }

}  // namespace

void* allocate_big(std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (bytes >= k_huge_page) {
        void* p = mmap(nullptr, mapped_size(bytes), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) throw std::bad_alloc();
        (void)madvise(p, mapped_size(bytes), MADV_HUGEPAGE);  // a hint: without it, normal pages
        return p;
    }
#endif
    return ::operator new(bytes);
}

void deallocate_big(void* p, std::size_t bytes) noexcept {
    if (p == nullptr) return;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (bytes >= k_huge_page) {
        munmap(p, mapped_size(bytes));
        return;
    }
#endif
    ::operator delete(p);
}

}  // namespace medclaim
