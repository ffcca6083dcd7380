#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include <fmt/format.h>

#include "util/error.hpp"
#include "util/output_file.hpp"

using namespace medclaim;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

fs::path fresh_dir(const char* name) {
    fs::path dir = fs::temp_directory_path() / fmt::format("medclaim-test-{}-{}", name, ::getpid());
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

}  // namespace

TEST_SUITE("medclaim::OutputFile") {
    TEST_CASE("the target appears only on commit, with all bytes") {
        fs::path dir = fresh_dir("commit");
        fs::path target = dir / "out.jsonl";
        {
            std::ofstream(target) << "old\n";
            OutputFile f(target.string());
            f.write("new ");
            f.write(std::string(3 << 20, 'x'));  // more than the buffer
            CHECK(slurp(target) == "old\n");
            f.commit();
        }
        CHECK(fs::file_size(target) == 4 + (3u << 20));
        CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
        fs::remove_all(dir);
    }

    TEST_CASE("an uncommitted file leaves the old target and no temporary behind") {
        fs::path dir = fresh_dir("abandon");
        fs::path target = dir / "out.jsonl";
        std::ofstream(target) << "old\n";
        {
            OutputFile f(target.string());
            f.write("partial");
        }
        CHECK(slurp(target) == "old\n");
        CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
        fs::remove_all(dir);
    }

    TEST_CASE("a folder that does not exist is an IoError naming the path") {
        CHECK_THROWS_WITH_AS(OutputFile("/nonexistent-medclaim/out.jsonl"),
                             "cannot create a temporary file for `/nonexistent-medclaim/out.jsonl`: No such file or directory", IoError);
    }

    TEST_CASE("a path that is a device is written directly, with no temporary file") {
        OutputFile out("/dev/null");
        CHECK(out.temp_path().empty());
        out.write("discarded\n");
        CHECK_NOTHROW(out.commit());
    }

    TEST_CASE("sync then publish: the target appears only at publish, and a kept temporary survives destruction") {
        fs::path dir = fs::temp_directory_path() / ("medclaim-publish-" + std::to_string(::getpid()));
        fs::create_directories(dir);
        fs::path target = dir / "out.jsonl";
        std::string kept;
        {
            OutputFile f(target.string());
            f.write("new\n");
            f.sync();
            CHECK_FALSE(fs::exists(target));
            kept = f.temp_path();
            f.keep_temporary();
        }
        CHECK(slurp(kept) == "new\n");  // a state journal would rename it now
        {
            OutputFile f(target.string());
            f.write("again\n");
            f.sync();
            f.publish();
        }
        CHECK(slurp(target) == "again\n");
        fs::remove_all(dir);
    }
}
