#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace medclaim {

/// How input bytes are encoded.
enum class Encoding {
    automatic,  // UTF-8 unless the first 64 KiB are not UTF-8 but are GB18030
    utf8,
    gb18030,    // also GBK and GB2312, which GB18030 contains
};

/// Parses an `--encoding` value (auto, utf-8, utf8, gb18030, gbk, gb2312; any case).
bool parse_encoding(std::string_view name, Encoding& out);

/// A stream of input bytes, always UTF-8 by the time a reader sees it (except for
/// invalid sequences, which are passed through so that the reader can reject the record
/// that holds them).
class ByteSource {
public:
    virtual ~ByteSource() = default;
    /// Reads up to `n` bytes into `buffer`; 0 at end of input. Throws InputError.
    virtual std::size_t read(char* buffer, std::size_t n) = 0;
};

/// An opened input and what was decided about it.
struct OpenedInput {
    std::unique_ptr<ByteSource> source;
    Encoding encoding = Encoding::utf8;  ///< the encoding in use (never automatic)
    bool detected = false;               ///< true when `automatic` chose GB18030
};

/// A source over bytes held in memory.
std::unique_ptr<ByteSource> string_source(std::string bytes);

/// A source over bytes held by the caller, which keeps them alive while it is read.
std::unique_ptr<ByteSource> view_source(std::string_view bytes);

/// A source that yields `prefix` first, then the rest of `inner`.
std::unique_ptr<ByteSource> prepend(std::string prefix, std::unique_ptr<ByteSource> inner);

/// The number of leading bytes `Encoding::automatic` examines.
inline constexpr std::size_t k_detect_bytes = 64 * 1024;

/// Opens `path` (`-` is standard input), resolves `automatic` from the first
/// k_detect_bytes, strips a leading byte-order mark and transcodes GB18030 to UTF-8.
/// Throws InputError when the file cannot be opened.
OpenedInput open_input(const std::string& path, Encoding encoding);

}  // namespace medclaim
