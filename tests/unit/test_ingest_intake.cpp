#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include <fmt/format.h>

#include "ingest/intake.hpp"
#include "reader_helpers.hpp"

using namespace medclaim;
using namespace medclaim::test;
namespace fs = std::filesystem;

namespace {

struct Files {
    fs::path dir;
    explicit Files(const char* name) : dir(fs::temp_directory_path() / fmt::format("medclaim-intake-{}-{}", name, ::getpid())) {
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    ~Files() { fs::remove_all(dir); }
    std::string write(const std::string& name, const std::string& text) const {
        std::ofstream(dir / name, std::ios::binary) << text;
        return (dir / name).string();
    }
    std::string read(const std::string& name) const {
        std::ifstream in(dir / name);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
};

IntakeCounts run(const std::vector<std::string>& paths, std::optional<RejectLimit> limit = {}, const std::string& rejects = "") {
    std::vector<InputSpec> inputs;
    for (const auto& p : paths) inputs.push_back(InputSpec{p, std::nullopt, InputFormat::automatic, Encoding::automatic});
    ColumnMap map;
    std::FILE* devnull = std::fopen("/dev/null", "w");
    DiagnosticSink sink(devnull);
    Intake intake(inputs, map, sink, limit);
    if (!rejects.empty()) intake.set_rejects(rejects);
    IntakeCounts counts = intake.run([](ReadItem&) { return Intake::Verdict{}; });
    intake.commit_rejects();
    std::fclose(devnull);
    return counts;
}

}  // namespace

TEST_SUITE("medclaim::Intake") {
    TEST_CASE("records in = accepted + rejected, counted in records and in claims") {
        Files f("counts");
        std::string a = f.write("a.csv", k_header + row("C1", "1") + row("C1", "2") + row("C2", "1", "-1"));
        IntakeCounts c = run({a});
        CHECK(c.records == 3);
        CHECK(c.records_accepted == 2);
        CHECK(c.records_rejected == 1);
        CHECK(c.claims == 2);
        CHECK(c.claims_accepted == 1);
        CHECK(c.claims_rejected == 1);
        CHECK(reconciliation_line(c) == "medclaim: records: 3 read = 2 accepted + 1 rejected; claims: 2 read = 1 accepted + 1 rejected\n");
    }

    TEST_CASE("a claim_id seen again, in the same or another file, is rejected naming the first place") {
        Files f("dup");
        std::string a = f.write("a.csv", k_header + row("C1", "1") + row("C2", "1") + row("C1", "2"));
        std::string b = f.write("b.csv", k_header + row("C2", "1"));
        std::string rejects = (f.dir / "rejects.jsonl").string();
        IntakeCounts c = run({a, b}, {}, rejects);
        CHECK(c.claims == 4);
        CHECK(c.claims_rejected == 2);
        std::string text = f.read("rejects.jsonl");
        CHECK(text.find(fmt::format("duplicate claim_id `C1`: first seen at {}:2", a)) != std::string::npos);
        CHECK(text.find(fmt::format("duplicate claim_id `C2`: first seen at {}:3", a)) != std::string::npos);
    }

    TEST_CASE("the rejects file holds each rejected claim's records verbatim with file, line and reason") {
        Files f("rejects");
        std::string a = f.write("a.csv", k_header + row("C1", "1", "x") + row("C1", "2") + "\xff\xfe,bad\n");
        std::string rejects = (f.dir / "r.jsonl").string();
        run({a}, {}, rejects);
        std::string text = f.read("r.jsonl");
        std::string first = text.substr(0, text.find('\n'));
        CHECK(first.starts_with(fmt::format(R"({{"claim_id":"C1","file":"{}","line":2,"column":98,"field":"line.qty","reason":"`line.qty`: `x` is not a number",)", a)));
        CHECK(first.find(R"("records":[{"file":")" ) != std::string::npos);
        CHECK(first.find(R"("line":3,"text":"C1,M1,F,)") != std::string::npos);
        std::string second = text.substr(text.find('\n') + 1);
        CHECK(second.find(R"("text_base64":"//4sYmFk")") != std::string::npos);
    }

    TEST_CASE("a count limit stops reading as soon as it is exceeded") {
        Files f("limit");
        std::string a = f.write("a.csv", k_header + row("C1", "1", "-1") + row("C2", "1", "-1") + row("C3", "1", "-1") + row("C4", "1"));
        RejectLimit limit;
        REQUIRE(RejectLimit::parse("1", limit));
        IntakeCounts c = run({a}, limit);
        CHECK(c.limit_exceeded);
        CHECK(c.claims == 2);
        REQUIRE(RejectLimit::parse("3", limit));
        CHECK_FALSE(run({a}, limit).limit_exceeded);
    }

    TEST_CASE("a percentage limit is judged on all claims") {
        Files f("pct");
        std::string a = f.write("a.csv", k_header + row("C1", "1", "-1") + row("C2", "1") + row("C3", "1") + row("C4", "1"));
        RejectLimit limit;
        REQUIRE(RejectLimit::parse("25%", limit));
        CHECK_FALSE(run({a}, limit).limit_exceeded);
        REQUIRE(RejectLimit::parse("24.99%", limit));
        IntakeCounts c = run({a}, limit);
        CHECK(c.limit_exceeded);
        CHECK(c.claims == 4);
    }

    TEST_CASE("reject limits parse counts and percentages only") {
        RejectLimit limit;
        CHECK(RejectLimit::parse("10%", limit));
        CHECK(limit.percent);
        CHECK(limit.value == 1000);
        CHECK_FALSE(RejectLimit::parse("-1", limit));
        CHECK_FALSE(RejectLimit::parse("ten", limit));
        CHECK_FALSE(RejectLimit::parse("101%", limit));
        CHECK_FALSE(RejectLimit::parse("1.5", limit));
    }

    TEST_CASE("GB18030 input is detected and read; GBK bytes in UTF-8 mode are rejected") {
        Files f("gbk");
        // "住院诊查费" in GB18030.
        std::string name = "\xd7\xa1\xd4\xba\xd5\xef\xb2\xe9\xb7\xd1";
        std::string header = k_header;
        header.insert(header.find(",line.qty"), ",line.name");
        std::string line = row();
        line.insert(line.find(",2,12.50"), "," + name);
        std::string a = f.write("gbk.csv", header + line);
        CHECK(run({a}).claims_accepted == 1);
        std::vector<InputSpec> inputs{InputSpec{a, std::nullopt, InputFormat::automatic, Encoding::utf8}};
        ColumnMap map;
        std::FILE* devnull = std::fopen("/dev/null", "w");
        DiagnosticSink sink(devnull);
        Intake intake(inputs, map, sink, {});
        std::string seen_name;
        IntakeCounts c = intake.run([&](ReadItem& item) { seen_name = item.claim.lines()[0].name; return Intake::Verdict{}; });
        std::fclose(devnull);
        CHECK(c.claims_rejected == 1);
        Intake gb({InputSpec{a, std::nullopt, InputFormat::automatic, Encoding::gb18030}}, map, sink, {});
        std::FILE* devnull2 = std::fopen("/dev/null", "w");
        DiagnosticSink sink2(devnull2);
        Intake gb2({InputSpec{a, std::nullopt, InputFormat::automatic, Encoding::gb18030}}, map, sink2, {});
        gb2.run([&](ReadItem& item) { seen_name = item.claim.lines()[0].name; return Intake::Verdict{}; });
        std::fclose(devnull2);
        CHECK(seen_name == "住院诊查费");
    }

    TEST_CASE("fingerprints: taken for accepted claims only when asked, with one thread and with several") {
        Files f("fingerprints");
        std::string text = k_header;
        for (int i = 1; i <= 300; ++i) {
            text += row(fmt::format("C{}", i), "1");
            text += row(fmt::format("C{}", i), "2", i % 10 == 0 ? "-1" : "2");
        }
        std::string a = f.write("a.csv", text);
        ColumnMap map;
        for (unsigned threads : {1U, 3U}) {
            for (bool asked : {false, true}) {
                std::FILE* devnull = std::fopen("/dev/null", "w");
                DiagnosticSink sink(devnull);
                Intake intake({InputSpec{a, std::nullopt, InputFormat::automatic, Encoding::automatic}}, map, sink, {}, threads);
                if (asked) intake.take_fingerprints();
                std::size_t taken = 0;
                IntakeCounts c = intake.run([&](ReadItem& item) {
                    CHECK(item.fingerprint.has_value() == asked);
                    if (item.fingerprint) {
                        CHECK(*item.fingerprint == hash64(item.raw_text));
                        ++taken;
                    }
                    return Intake::Verdict{};
                });
                std::fclose(devnull);
                CHECK(c.claims == 300);
                CHECK(c.claims_accepted == 270);
                CHECK(taken == (asked ? 270U : 0U));
            }
        }
    }
}
