#include <doctest/doctest.h>

#include <string>

#include "util/sha256.hpp"

using namespace medclaim;

namespace {

std::string sha(std::string_view s) {
    Sha256 h;
    h.update(s);
    return h.hex();
}

}  // namespace

TEST_SUITE("medclaim::Sha256") {
    TEST_CASE("FIPS 180-4 test vectors") {
        CHECK(sha("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        CHECK(sha("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        CHECK(sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    }

    TEST_CASE("a million a's fed in uneven pieces give the one-shot digest") {
        Sha256 h;
        std::string piece(997, 'a');
        std::size_t left = 1'000'000;
        while (left > 0) {
            std::size_t n = std::min(left, piece.size());
            h.update(std::string_view(piece).substr(0, n));
            left -= n;
        }
        CHECK(h.hex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    }
}
