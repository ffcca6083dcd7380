#pragma once

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace medclaim {

/// A fixed set of threads that run one task each, on demand: run(n, task) calls task(i)
/// for i in [0, n), task(0) on the calling thread and the rest on the pool's threads,
/// and returns when all are done, rethrowing the failure of the lowest i. Kept for a
/// whole run so that threads (and the memory the allocator gives each) are made once.
class WorkerPool {
public:
    /// A pool able to run `width` tasks at once (width - 1 threads).
    explicit WorkerPool(std::size_t width);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    std::size_t width() const { return threads_.size() + 1; }
    /// Runs task(0) ... task(n - 1), n <= width().
    void run(std::size_t n, const std::function<void(std::size_t)>& task);

private:
    void loop(std::size_t index);

    std::mutex mutex_;
    std::condition_variable changed_;
    const std::function<void(std::size_t)>* task_ = nullptr;
    std::size_t tasks_ = 0;
    std::size_t generation_ = 0;  // one per run()
    std::size_t pending_ = 0;     // pool tasks of this run not finished
    bool stop_ = false;
    std::vector<std::exception_ptr> errors_;
    std::vector<std::thread> threads_;
};

}  // namespace medclaim
