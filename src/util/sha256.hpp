#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace medclaim {

/// SHA-256 (FIPS 180-4), for the pack digest every output carries.
class Sha256 {
public:
    Sha256();
    void update(std::string_view bytes);
    /// The digest as 64 lowercase hex digits; the object is finished afterwards.
    std::string hex();

private:
    void block(const std::uint8_t* p);

    std::array<std::uint32_t, 8> h_;
    std::array<std::uint8_t, 64> buffer_{};
    std::size_t buffered_ = 0;
    std::uint64_t length_ = 0;  // bytes
};

}  // namespace medclaim
