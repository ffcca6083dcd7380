// Runs a fuzz target over every file of corpus folders, without libFuzzer: the test
// suite's smoke run of the fuzz targets (the real fuzzing uses clang, see tests/fuzz/README.md).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
    std::size_t files = 0;
    for (int i = 1; i < argc; ++i) {
        for (const auto& entry : std::filesystem::recursive_directory_iterator(argv[i])) {
            if (!entry.is_regular_file()) continue;
            // Sized read: istreambuf_iterator trips GCC 12's -Wnull-dereference at -O3.
            std::string bytes(entry.file_size(), '\0');
            std::ifstream in(entry.path(), std::ios::binary);
            in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
            LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
            ++files;
        }
    }
    std::printf("%zu inputs ran without a crash\n", files);
    return files > 0 ? 0 : 1;
}
