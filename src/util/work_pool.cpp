#include "util/work_pool.hpp"

#include <algorithm>
#include <utility>

#include "util/thread_name.hpp"

namespace medclaim {

WorkPool::WorkPool(unsigned threads, const char* thread_name) {
    for (unsigned i = 0; i < std::max(1U, threads); ++i) threads_.emplace_back([this, thread_name] {
        name_this_thread(thread_name);
        loop();
    });
}

WorkPool::~WorkPool() {
    {
        std::lock_guard lock(mutex_);
        closing_ = true;
    }
    queued_.notify_all();
    for (std::thread& t : threads_) t.join();
}

void WorkPool::submit(int priority, std::function<void()> job) {
    {
        std::lock_guard lock(mutex_);
        jobs_[static_cast<std::size_t>(priority)].push_back(std::move(job));
    }
    queued_.notify_one();
}

void WorkPool::loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        auto queue = std::find_if(jobs_.begin(), jobs_.end(), [](const auto& q) { return !q.empty(); });
        if (queue == jobs_.end()) {
            if (closing_) return;
            queued_.wait(lock);
            continue;
        }
        std::function<void()> job = std::move(queue->front());
        queue->pop_front();
        lock.unlock();
        job();
        job = nullptr;  // what it holds goes before the lock is taken again
        lock.lock();
    }
}

}  // namespace medclaim
