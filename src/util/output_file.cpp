#include "util/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "util/error.hpp"
#include "util/thread_name.hpp"

namespace medclaim {
namespace {

constexpr std::size_t k_buffer_bytes = 1 << 20;
constexpr std::size_t k_buffers_behind = 4;  // full buffers waiting for the writing thread

std::string folder_of(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

[[noreturn]] void fail(const std::string& what, const std::string& path) {
    throw IoError(fmt::format("cannot {} `{}`: {}", what, path, std::strerror(errno)));
}

}  // namespace

// The writing thread and the buffers handed to it.
struct OutputFile::Behind {
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<std::string> full;
    std::vector<std::string> spare;
    bool writing = false;
    bool stop = false;
    std::exception_ptr error;
    std::thread thread;
};

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
    buffer_.reserve(k_buffer_bytes);
    if (path_ == "-") {
        fd_ = STDOUT_FILENO;
        return;
    }
    struct stat st {};
    if (::stat(path_.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
        // A device or pipe (/dev/null, a FIFO): nothing to rename, write straight to it.
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd_ < 0) fail("open", path_);
        return;
    }
    std::string folder = folder_of(path_);
    std::string base = path_.substr(path_.rfind('/') == std::string::npos ? 0 : path_.rfind('/') + 1);
    temp_path_ = fmt::format("{}/.{}.tmp-XXXXXX", folder, base);
    std::vector<char> name(temp_path_.begin(), temp_path_.end());
    name.push_back('\0');
    fd_ = ::mkstemp(name.data());
    if (fd_ < 0) fail("create a temporary file for", path_);
    temp_path_ = name.data();
    // mkstemp creates 0600; give the output the mode a plain open() would.
    mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd_, 0666 & ~mask);
}

OutputFile::~OutputFile() {
    try {
        stop_behind();
    } catch (const std::exception&) {
        // Being destroyed uncommitted (another failure is on its way): the error adds nothing.
    }
    if (fd_ >= 0 && fd_ != STDOUT_FILENO) ::close(fd_);
    if (!committed_ && !keep_ && !temp_path_.empty()) ::unlink(temp_path_.c_str());
}

void OutputFile::write(std::string_view bytes) {
    buffer_.append(bytes);
    if (buffer_.size() >= k_buffer_bytes) flush_buffer();
}

void OutputFile::write_behind() {
    if (behind_ || synced_) return;
    behind_ = std::make_unique<Behind>();
    Behind& b = *behind_;
    b.thread = std::thread([this, &b] {
        name_this_thread("mc-write");
        std::unique_lock lock(b.mutex);
        for (;;) {
            b.changed.wait(lock, [&] { return !b.full.empty() || b.stop; });
            if (b.full.empty()) return;
            std::string chunk = std::move(b.full.front());
            b.full.pop_front();
            b.writing = true;
            lock.unlock();
            std::exception_ptr error;
            try {
                write_all(chunk);
            } catch (...) {
                error = std::current_exception();
            }
            chunk.clear();
            lock.lock();
            b.writing = false;
            b.spare.push_back(std::move(chunk));
            if (error) {
                b.error = error;
                b.full.clear();
            }
            b.changed.notify_all();
        }
    });
}

// Waits until every buffer handed over is written, stops the thread and throws its error.
void OutputFile::stop_behind() {
    if (!behind_) return;
    Behind& b = *behind_;
    {
        std::unique_lock lock(b.mutex);
        b.changed.wait(lock, [&] { return b.full.empty() && !b.writing; });
        b.stop = true;
    }
    b.changed.notify_all();
    b.thread.join();
    std::exception_ptr error = b.error;
    behind_.reset();
    if (error) std::rethrow_exception(error);
}

void OutputFile::flush_buffer() {
    if (!behind_) {
        write_all(buffer_);
        buffer_.clear();
        return;
    }
    Behind& b = *behind_;
    std::unique_lock lock(b.mutex);
    b.changed.wait(lock, [&] { return b.full.size() < k_buffers_behind || b.error; });
    if (b.error) {
        lock.unlock();
        stop_behind();
    }
    b.full.push_back(std::move(buffer_));
    if (!b.spare.empty()) {
        buffer_ = std::move(b.spare.back());
        b.spare.pop_back();
    } else {
        buffer_ = std::string();
        buffer_.reserve(k_buffer_bytes);
    }
    b.changed.notify_all();
}

void OutputFile::write_all(std::string_view bytes) {
    const char* p = bytes.data();
    std::size_t left = bytes.size();
    while (left > 0) {
        ssize_t n = ::write(fd_, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("write", path_);
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

void OutputFile::commit() {
    sync();
    publish();
}

void OutputFile::sync() {
    if (synced_) return;
    flush_buffer();
    stop_behind();
    synced_ = true;
    if (fd_ == STDOUT_FILENO) return;
    if (!temp_path_.empty() && ::fsync(fd_) != 0) fail("sync", path_);
    if (::close(fd_) != 0) {
        fd_ = -1;
        fail("close", path_);
    }
    fd_ = -1;
}

void OutputFile::publish() {
    sync();
    committed_ = true;
    if (temp_path_.empty()) return;  // standard output
    if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
        committed_ = false;
        fail("rename the temporary file onto", path_);
    }
    int dir = ::open(folder_of(path_).c_str(), O_RDONLY | O_DIRECTORY);
    if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
}

}  // namespace medclaim
