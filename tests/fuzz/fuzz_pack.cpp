// libFuzzer target: any bytes as pack.yaml (beside the sample pack's catalogs), loaded
// and compiled. Must never crash, hang or leak, whatever the YAML says.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "rules/pack.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace fs = std::filesystem;
    static const fs::path dir = [] {
        fs::path d = fs::temp_directory_path() / ("medclaim-fuzz-pack-" + std::to_string(::getpid()));
        fs::create_directories(d / "catalogs");
        std::ofstream(d / "catalogs" / "drugs.csv") << "code,class,self_pay_ratio\nX1,A,0\nX2,B,0.1\n";
        return d;
    }();
    {
        std::ofstream out(dir / "pack.yaml", std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    std::vector<medclaim::Diagnostic> diagnostics;
    auto pack = medclaim::load_pack(dir.string(), diagnostics);
    (void)pack;
    return 0;
}
