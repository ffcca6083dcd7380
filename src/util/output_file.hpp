#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace medclaim {

/// An output written atomically: bytes go to a temporary file in the target's folder,
/// and `commit()` flushes, fsyncs, renames it over the target and fsyncs the folder.
/// Rules: 1. until commit the target is untouched; 2. destroying an uncommitted file
/// removes the temporary; 3. the path `-` writes to standard output, and a path that
/// exists and is not a regular file (/dev/null, a FIFO) is written directly; neither is
/// atomic;
/// 4. every failure throws IoError naming the path and the system's reason.
class OutputFile {
public:
    explicit OutputFile(std::string path);
    ~OutputFile();
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;

    /// Appends bytes (buffered).
    void write(std::string_view bytes);
    /// From now on full buffers are written by a thread of its own while the caller
    /// fills the next (at most a few MiB held); a write error is thrown by the next
    /// write() or by sync().
    void write_behind();
    /// Makes the output durable and visible under its final name: sync() then publish().
    void commit();
    /// Flushes, fsyncs and closes the temporary file; the target is still untouched.
    void sync();
    /// Renames the synced temporary file onto the target and fsyncs the folder.
    void publish();
    /// From now on the temporary file is recorded elsewhere (a state journal that will
    /// rename it after a crash): the destructor must not remove it.
    void keep_temporary() { keep_ = true; }
    const std::string& path() const { return path_; }
    /// The temporary file's path; empty for standard output.
    const std::string& temp_path() const { return temp_path_; }

private:
    struct Behind;
    void flush_buffer();
    void write_all(std::string_view bytes);
    void stop_behind();

    std::string path_;
    std::string temp_path_;
    std::string buffer_;
    int fd_ = -1;
    bool committed_ = false;
    bool synced_ = false;
    bool keep_ = false;
    std::unique_ptr<Behind> behind_;
};

}  // namespace medclaim
