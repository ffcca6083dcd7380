#include "util/worker_pool.hpp"

#include <algorithm>

namespace medclaim {

WorkerPool::WorkerPool(std::size_t width) : errors_(std::max<std::size_t>(1, width)) {
    for (std::size_t i = 1; i < width; ++i) threads_.emplace_back([this, i] { loop(i); });
}

WorkerPool::~WorkerPool() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    changed_.notify_all();
    for (std::thread& t : threads_) t.join();
}

void WorkerPool::loop(std::size_t index) {
    std::size_t seen = 0;
    std::unique_lock lock(mutex_);
    for (;;) {
        changed_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
        if (index >= tasks_) continue;
        const auto* task = task_;
        lock.unlock();
        std::exception_ptr error;
        try {
            (*task)(index);
        } catch (...) {
            error = std::current_exception();
        }
        lock.lock();
        errors_[index] = error;
        if (--pending_ == 0) changed_.notify_all();
    }
}

void WorkerPool::run(std::size_t n, const std::function<void(std::size_t)>& task) {
    n = std::min(n, width());
    if (n == 0) return;
    {
        std::lock_guard lock(mutex_);
        task_ = &task;
        tasks_ = n;
        pending_ = n - 1;
        ++generation_;
        std::fill(errors_.begin(), errors_.end(), nullptr);
    }
    if (n > 1) changed_.notify_all();
    std::exception_ptr first;
    try {
        task(0);
    } catch (...) {
        first = std::current_exception();
    }
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return pending_ == 0; });
    task_ = nullptr;
    if (first) std::rethrow_exception(first);
    for (std::size_t i = 1; i < n; ++i) {
        if (errors_[i]) std::rethrow_exception(errors_[i]);
    }
}

}  // namespace medclaim
