#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "util/chunked_vector.hpp"
#include "util/flat_index.hpp"
#include "util/huge_pages.hpp"

using namespace medclaim;

TEST_SUITE("medclaim::ChunkedVector") {
    TEST_CASE("elements keep their place as the vector grows over many chunks") {
        ChunkedVector<std::string, 2> v;  // chunks of 4
        std::vector<const std::string*> places;
        for (int i = 0; i < 50; ++i) places.push_back(&v.emplace_back("element " + std::to_string(i)));
        REQUIRE(v.size() == 50);
        for (std::size_t i = 0; i < 50; ++i) {
            CHECK(&v[i] == places[i]);
            CHECK(v[i] == "element " + std::to_string(i));
        }
        CHECK(v.back() == "element 49");
        int n = 0;
        for (const std::string& s : v) CHECK(s == "element " + std::to_string(n++));
        CHECK(n == 50);
    }

    TEST_CASE("a copy holds its own elements and grows without moving them") {
        ChunkedVector<std::string, 2> a;
        for (int i = 0; i < 6; ++i) a.push_back(std::to_string(i));
        ChunkedVector<std::string, 2> b = a;
        a[0] = "changed";
        CHECK(b[0] == "0");
        const std::string* kept = &b[5];  // in a chunk with room left
        for (int i = 6; i < 20; ++i) b.push_back(std::to_string(i));
        CHECK(&b[5] == kept);
        CHECK(b.size() == 20);
        CHECK(a.size() == 6);
        b = a;
        CHECK(b.size() == 6);
        CHECK(b[0] == "changed");
        b.clear();
        CHECK(b.empty());
    }

    TEST_CASE("a chunked vector on big blocks keeps its elements in place") {
        ChunkedVector<std::uint64_t, 19, BigAllocator<std::uint64_t>> v;  // 4 MiB chunks: mapped on their own
        const std::uint64_t* first = &v.emplace_back(7);
        for (std::uint64_t i = 1; i < 600'000; ++i) v.push_back(i * 3);
        CHECK(&v[0] == first);
        CHECK(v[0] == 7);
        CHECK(v[599'999] == 599'999 * 3);
        CHECK(v.size() == 600'000);
    }
}

TEST_SUITE("medclaim::allocate_big") {
    TEST_CASE("small and big blocks are writable to their last byte and given back") {
        for (std::size_t bytes : {std::size_t{1}, std::size_t{4096}, (std::size_t{2} << 20) - 1, std::size_t{2} << 20, (std::size_t{5} << 20) + 3}) {
            auto* p = static_cast<unsigned char*>(allocate_big(bytes));
            REQUIRE(p != nullptr);
            p[0] = 1;
            p[bytes - 1] = 2;
            CHECK(p[bytes - 1] == 2);
            CHECK(p[0] == (bytes == 1 ? 2 : 1));
            deallocate_big(p, bytes);
        }
        deallocate_big(nullptr, 0);  // nothing to give back
    }

    TEST_CASE("an index grown over big blocks finds every key") {
        FlatIndex index;
        std::vector<std::uint32_t> hashes;
        for (std::uint32_t k = 0; k < 400'000; ++k) hashes.push_back(FlatIndex::hash(std::to_string(k)));
        for (std::uint32_t k = 0; k < 400'000; ++k) CHECK_FALSE(index.find_or_add(hashes[k], k, [](std::uint32_t) { return false; }) != FlatIndex::k_none);
        int found = 0;
        for (std::uint32_t k = 0; k < 400'000; k += 997) found += index.find(hashes[k], [&](std::uint32_t at) { return at == k; }) == k;
        CHECK(found == 402);
    }
}
