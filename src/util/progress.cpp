#include "util/progress.hpp"

#include <unistd.h>

#include <fmt/format.h>

namespace medclaim {

Progress::Progress(std::FILE* out) : out_(out), enabled_(::isatty(::fileno(out)) != 0) {}

void Progress::show(std::uint64_t claims, std::uint64_t records) {
    auto now = std::chrono::steady_clock::now();
    if (shown_ && now - last_ < std::chrono::milliseconds(500)) return;
    last_ = now;
    shown_ = true;
    fmt::print(out_, "\rmedclaim: {} claims, {} records read\x1b[K", claims, records);
    std::fflush(out_);
}

void Progress::finish() {
    if (!shown_) return;
    fmt::print(out_, "\r\x1b[K");
    std::fflush(out_);
    shown_ = false;
}

}  // namespace medclaim
