#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "util/chunked_vector.hpp"

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
}
