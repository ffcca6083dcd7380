#include "ingest/byte_source.hpp"

#include <fcntl.h>
#include <iconv.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "util/error.hpp"
#include "util/text.hpp"

namespace medclaim {
namespace {

constexpr std::size_t k_iconv_chunk = 256 * 1024;

class FdSource final : public ByteSource {
public:
    FdSource(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    ~FdSource() override {
        if (fd_ > STDIN_FILENO) ::close(fd_);
    }
    FdSource(const FdSource&) = delete;
    FdSource& operator=(const FdSource&) = delete;

    std::size_t read(char* buffer, std::size_t n) override {
        for (;;) {
            ssize_t got = ::read(fd_, buffer, n);
            if (got >= 0) return static_cast<std::size_t>(got);
            if (errno != EINTR) throw InputError(fmt::format("cannot read `{}`: {}", path_, std::strerror(errno)));
        }
    }

private:
    int fd_;
    std::string path_;
};

// Replays bytes already read for detection, then continues with the inner source.
class PrefixedSource final : public ByteSource {
public:
    PrefixedSource(std::string prefix, std::unique_ptr<ByteSource> inner) : prefix_(std::move(prefix)), inner_(std::move(inner)) {}

    std::size_t read(char* buffer, std::size_t n) override {
        if (pos_ < prefix_.size()) {
            std::size_t k = std::min(n, prefix_.size() - pos_);
            std::memcpy(buffer, prefix_.data() + pos_, k);
            pos_ += k;
            return k;
        }
        return inner_ ? inner_->read(buffer, n) : 0;
    }

private:
    std::string prefix_;
    std::size_t pos_ = 0;
    std::unique_ptr<ByteSource> inner_;
};

// GB18030 → UTF-8. A byte that does not start a valid GB18030 sequence is passed
// through unchanged, so the record holding it fails UTF-8 validation and is rejected
// with its position instead of being silently replaced. Output is converted into an
// internal buffer and served from there, so a read of any size makes progress (iconv
// cannot write a 3-byte character into a 2-byte buffer).
class Gb18030Source final : public ByteSource {
public:
    explicit Gb18030Source(std::unique_ptr<ByteSource> inner) : inner_(std::move(inner)) {
        cd_ = ::iconv_open("UTF-8", "GB18030");
        if (cd_ == reinterpret_cast<iconv_t>(-1)) throw InputError("cannot convert from GB18030: iconv does not support it");
        in_.resize(k_iconv_chunk);
        out_.resize(2 * k_iconv_chunk);
    }
    ~Gb18030Source() override { ::iconv_close(cd_); }
    Gb18030Source(const Gb18030Source&) = delete;
    Gb18030Source& operator=(const Gb18030Source&) = delete;

    std::size_t read(char* buffer, std::size_t n) override {
        if (out_pos_ == out_len_) refill();
        std::size_t k = std::min(n, out_len_ - out_pos_);
        std::memcpy(buffer, out_.data() + out_pos_, k);
        out_pos_ += k;
        return k;
    }

private:
    // Converts input until some output exists or the input ends.
    void refill() {
        out_pos_ = out_len_ = 0;
        while (out_len_ == 0) {
            if (!eof_ && (in_len_ == 0 || incomplete_)) {
                std::size_t got = inner_->read(in_.data() + in_len_, in_.size() - in_len_);
                if (got == 0) eof_ = true;
                in_len_ += got;
                incomplete_ = false;
            }
            if (in_len_ == 0) return;  // end of input
            char* src = in_.data();
            std::size_t src_left = in_len_;
            char* dst = out_.data();
            std::size_t dst_left = out_.size();
            std::size_t rc = ::iconv(cd_, &src, &src_left, &dst, &dst_left);
            if (rc == static_cast<std::size_t>(-1)) {
                if (errno == EILSEQ || (errno == EINVAL && eof_)) {
                    *dst++ = *src++;  // pass the offending byte through (see class comment)
                    --src_left;
                    --dst_left;
                } else if (errno == EINVAL) {
                    incomplete_ = true;  // a sequence is split across reads: fetch more
                }
                // E2BIG: the output buffer is full; serve it first.
            }
            out_len_ = out_.size() - dst_left;
            std::memmove(in_.data(), src, src_left);
            in_len_ = src_left;
        }
    }

    std::unique_ptr<ByteSource> inner_;
    iconv_t cd_;
    std::vector<char> in_;
    std::size_t in_len_ = 0;
    std::vector<char> out_;
    std::size_t out_pos_ = 0;
    std::size_t out_len_ = 0;
    bool eof_ = false;
    bool incomplete_ = false;
};

// Skips a UTF-8 byte-order mark at the very start of the decoded stream.
class BomSkippingSource final : public ByteSource {
public:
    explicit BomSkippingSource(std::unique_ptr<ByteSource> inner) : inner_(std::move(inner)) {}

    std::size_t read(char* buffer, std::size_t n) override {
        if (checked_) return inner_->read(buffer, n);
        checked_ = true;
        char head[3];
        std::size_t got = 0;
        while (got < 3) {
            std::size_t k = inner_->read(head + got, 3 - got);
            if (k == 0) break;
            got += k;
        }
        std::size_t skip = got == 3 && std::memcmp(head, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
        pending_.assign(head + skip, got - skip);
        if (pending_.empty()) return got == 0 ? 0 : inner_->read(buffer, n);
        std::size_t k = std::min(n, pending_.size());
        std::memcpy(buffer, pending_.data(), k);
        if (k < pending_.size()) {
            inner_ = std::make_unique<PrefixedSource>(pending_.substr(k), std::move(inner_));
        }
        return k;
    }

private:
    std::unique_ptr<ByteSource> inner_;
    std::string pending_;
    bool checked_ = false;
};

// Whether `bytes` decode as GB18030, allowing a sequence cut at the end.
bool decodes_as_gb18030(std::string_view bytes) {
    iconv_t cd = ::iconv_open("UTF-8", "GB18030");
    if (cd == reinterpret_cast<iconv_t>(-1)) return false;
    std::vector<char> out(bytes.size() * 2 + 16);
    char* src = const_cast<char*>(bytes.data());
    std::size_t src_left = bytes.size();
    char* dst = out.data();
    std::size_t dst_left = out.size();
    std::size_t rc = ::iconv(cd, &src, &src_left, &dst, &dst_left);
    bool ok = rc != static_cast<std::size_t>(-1) || (errno == EINVAL && src_left < 4);
    ::iconv_close(cd);
    return ok;
}

// Whether `bytes` are UTF-8, allowing a sequence cut at the end.
bool looks_utf8(std::string_view bytes) {
    std::size_t bad = first_invalid_utf8(bytes);
    return bad == std::string_view::npos || bytes.size() - bad < 4;
}

}  // namespace

namespace {

class ViewSource final : public ByteSource {
public:
    explicit ViewSource(std::string_view bytes) : bytes_(bytes) {}
    std::size_t read(char* buffer, std::size_t n) override {
        std::size_t k = std::min(n, bytes_.size());
        std::memcpy(buffer, bytes_.data(), k);
        bytes_.remove_prefix(k);
        return k;
    }

private:
    std::string_view bytes_;
};

}  // namespace

std::unique_ptr<ByteSource> view_source(std::string_view bytes) { return std::make_unique<ViewSource>(bytes); }

std::unique_ptr<ByteSource> string_source(std::string bytes) {
    return std::make_unique<PrefixedSource>(std::move(bytes), nullptr);
}

std::unique_ptr<ByteSource> prepend(std::string prefix, std::unique_ptr<ByteSource> inner) {
    return std::make_unique<PrefixedSource>(std::move(prefix), std::move(inner));
}

bool parse_encoding(std::string_view name, Encoding& out) {
    std::string lower;
    for (char c : name) lower.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
    if (lower == "auto") {
        out = Encoding::automatic;
    } else if (lower == "utf-8" || lower == "utf8") {
        out = Encoding::utf8;
    } else if (lower == "gb18030" || lower == "gbk" || lower == "gb2312") {
        out = Encoding::gb18030;
    } else {
        return false;
    }
    return true;
}

OpenedInput open_input(const std::string& path, Encoding encoding) {
    int fd = STDIN_FILENO;
    if (path != "-") {
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw InputError(fmt::format("cannot open `{}`: {}", path, std::strerror(errno)));
    }
    std::unique_ptr<ByteSource> source = std::make_unique<FdSource>(fd, path == "-" ? "<stdin>" : path);
    OpenedInput opened;
    if (encoding == Encoding::automatic) {
        std::string head(k_detect_bytes, '\0');
        std::size_t got = 0;
        while (got < head.size()) {
            std::size_t k = source->read(head.data() + got, head.size() - got);
            if (k == 0) break;
            got += k;
        }
        head.resize(got);
        bool utf8 = head.starts_with("\xEF\xBB\xBF") || looks_utf8(head);
        encoding = utf8 || !decodes_as_gb18030(head) ? Encoding::utf8 : Encoding::gb18030;
        opened.detected = encoding == Encoding::gb18030;
        source = std::make_unique<PrefixedSource>(std::move(head), std::move(source));
    }
    if (encoding == Encoding::gb18030) source = std::make_unique<Gb18030Source>(std::move(source));
    opened.source = std::make_unique<BomSkippingSource>(std::move(source));
    opened.encoding = encoding;
    return opened;
}

}  // namespace medclaim
