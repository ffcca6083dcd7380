#pragma once

#include <array>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace medclaim {

/// A fixed set of threads that run jobs, the most urgent first: each free thread takes
/// the oldest job of the lowest priority number queued. A run with two threads has two
/// threads busy with whatever is ready (parsing a piece, settling a lane's share of a
/// batch, finishing a batch) instead of one thread per role, which on two cores took
/// turns, woke each other up at every hand-over and left cores idle while the thread
/// with work waited to be scheduled.
/// Rules: 1. jobs must not throw (a job catches what it must report) and must not wait
/// for another job of the pool; 2. a job may submit jobs; 3. the destructor runs the
/// jobs still queued, then joins the threads.
class WorkPool {
public:
    static constexpr int k_priorities = 3;

    WorkPool(unsigned threads, const char* thread_name);
    ~WorkPool();
    WorkPool(const WorkPool&) = delete;
    WorkPool& operator=(const WorkPool&) = delete;

    /// Queues `job` at `priority` (0 most urgent, below k_priorities).
    void submit(int priority, std::function<void()> job);
    unsigned threads() const { return static_cast<unsigned>(threads_.size()); }

private:
    void loop();

    std::mutex mutex_;
    std::condition_variable queued_;
    std::array<std::deque<std::function<void()>>, k_priorities> jobs_;
    bool closing_ = false;
    std::vector<std::thread> threads_;  // last: started once the rest is ready
};

}  // namespace medclaim
