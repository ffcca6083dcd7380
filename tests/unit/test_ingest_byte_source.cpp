#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <fmt/format.h>

#include "ingest/byte_source.hpp"

using namespace medclaim;
namespace fs = std::filesystem;

namespace {

std::string read_all(ByteSource& source, std::size_t chunk) {
    std::string out;
    std::string buffer(chunk, '\0');
    for (std::size_t n; (n = source.read(buffer.data(), chunk)) > 0;) out.append(buffer, 0, n);
    return out;
}

std::string write_temp(const std::string& name, const std::string& bytes) {
    fs::path p = fs::temp_directory_path() / fmt::format("medclaim-bytes-{}-{}", ::getpid(), name);
    std::ofstream(p, std::ios::binary) << bytes;
    return p.string();
}

}  // namespace

TEST_SUITE("medclaim::ByteSource") {
    TEST_CASE("GB18030 converts to UTF-8 whatever the read size (a 1-byte read used to hang)") {
        std::string gbk = "\xd7\xa1\xd4\xba\xd5\xef\xb2\xe9\xb7\xd1,ok\n";  // 住院诊查费,ok
        std::string path = write_temp("gbk.csv", gbk);
        for (std::size_t chunk : {1, 2, 3, 7, 4096}) {
            CAPTURE(chunk);
            OpenedInput in = open_input(path, Encoding::gb18030);
            CHECK(read_all(*in.source, chunk) == "住院诊查费,ok\n");
        }
        fs::remove(path);
    }

    TEST_CASE("automatic detection picks GB18030 only when the text is not UTF-8") {
        // 住院诊查费: a shorter GBK text such as 住院 is also valid UTF-8 (Hebrew), which is
        // why --encoding exists.
        std::string gbk_path = write_temp("auto-gbk.csv", "\xd7\xa1\xd4\xba\xd5\xef\xb2\xe9\xb7\xd1,1\n");
        std::string utf8_path = write_temp("auto-utf8.csv", "\xef\xbb\xbf住院,1\n");
        OpenedInput gbk = open_input(gbk_path, Encoding::automatic);
        CHECK(gbk.detected);
        CHECK(read_all(*gbk.source, 5) == "住院诊查费,1\n");
        OpenedInput utf8 = open_input(utf8_path, Encoding::automatic);
        CHECK_FALSE(utf8.detected);
        CHECK(read_all(*utf8.source, 1) == "住院,1\n");  // the byte-order mark is dropped
        fs::remove(gbk_path);
        fs::remove(utf8_path);
    }

    TEST_CASE("bytes that are not GB18030 pass through for the reader to reject") {
        std::string path = write_temp("bad-gbk.csv", "a\xff" "b\xd7\xa1\n");
        OpenedInput in = open_input(path, Encoding::gb18030);
        CHECK(read_all(*in.source, 2) == "a\xff" "b住\n");
        fs::remove(path);
    }
}
