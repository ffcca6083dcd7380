#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>

namespace medclaim {

/// A progress line on a terminal: `medclaim: 120000 claims, 2310000 records read`,
/// rewritten at most every half second and erased by finish(). Silent when disabled
/// (standard error is not a terminal, as in cron jobs and pipelines).
class Progress {
public:
    /// Enabled when `out` is a terminal.
    explicit Progress(std::FILE* out);
    Progress(std::FILE* out, bool enabled) : out_(out), enabled_(enabled) {}
    /// Cheap to call for every claim.
    void tick(std::uint64_t claims, std::uint64_t records) {
        if (enabled_ && (++calls_ & 1023) == 0) show(claims, records);
    }
    void finish();

private:
    void show(std::uint64_t claims, std::uint64_t records);

    std::FILE* out_;
    bool enabled_;
    bool shown_ = false;
    std::uint64_t calls_ = 0;
    std::chrono::steady_clock::time_point last_{};
};

}  // namespace medclaim
