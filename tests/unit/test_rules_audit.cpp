// Audit rules (智能审核) over the real NHSA 两库 tables in ../shared (read in place,
// never copied into the repository): row counts and sample decisions.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include <unistd.h>

#include "engine/adjudicate.hpp"
#include "pack_helpers.hpp"
#include "rules/pack.hpp"

using namespace medclaim;

namespace {

namespace fs = std::filesystem;

const std::string k_libs = std::string(MEDCLAIM_SHARED_DIR) + "/data/external/cn/medimodel/两库整理-csv/";
const std::string k_dicts = std::string(MEDCLAIM_SHARED_DIR) + "/data/external/cn/medimodel/dict-csv/";

// A pack whose audit rules read the real batches by absolute path.
std::string real_tables_pack() {
    fs::path dir = fs::temp_directory_path() / fmt::format("medclaim-audit-real-{}", ::getpid());
    fs::create_directories(dir);
    std::ofstream(dir / "pack.yaml") << "name: audit-real\nversion: \"1\"\nincludes: [audit.yaml]\n";
    std::ofstream a(dir / "audit.yaml");
    auto drug = [&](const std::string& batch, const std::string& value) {
        return fmt::format("{{file: \"{0}{1}.Sheet1.csv\", name: 药品通用名, value: {2}, codes: {{file: \"{0}{1}.Sheet2.csv\", name: 药品通用名, code: {3}}}}}",
                           k_libs, batch, value, batch.find("第一批") != std::string::npos && batch.find("性别") != std::string::npos ? "药品代码" : "国标代码");
    };
    a << "audit:\n";
    a << "  - {id: sex, name: 限性别, check: sex, action: deny, tables: [" << fmt::format("{{file: \"{}【第一批】项目规则库(限定性别对象).Sheet1.csv\", code: 国标代码, value: 限定性别}}", k_libs)
      << ", " << drug("【第一批】药品规则库(限定性别对象)", "限定对象") << "]}\n";
    a << "  - {id: age, name: 限年龄, check: age, action: deny, values: {儿童: 0-17}, tables: [" << drug("【第一批】药品规则库(限定年龄对象)", "限定对象") << "]}\n";
    a << "  - {id: level, name: 限机构等级, check: level, action: deny, values: {二级: 2, 三级: 3}, tables: [" << drug("【第五批】药品规则库（限定机构等级）", "限定值域") << "]}\n";
    a << "  - {id: care, name: 限就医方式, check: care_type, action: deny, values: {住院: inpatient|day_surgery}, tables: ["
      << drug("【第四批】药品规则库（限定就医方式）", "限定值域") << "]}\n";
    a << "  - {id: scheme, name: 限险种, check: scheme, action: deny, values: {工伤: '', 生育: ''}, tables: [" << drug("【第三批】药品规则库（限定保险类型）", "限定对象") << "]}\n";
    a << "  - {id: days, name: 超支付疗程, check: drug_days, action: deny_excess, tables: [" << drug("【第六批】药品规则库（限定支付疗程）", "限定值域") << "]}\n";
    a << "  - {id: freq, name: 超频次, check: per_day, action: deny_excess, tables: ["
      << fmt::format("{{file: \"{}【第八批-1】项目规则库（限定频次）._医疗服务项目限定频次_规则对应知识点明细.csv\", code: 项目编码, value: 限制数量}}", k_libs) << "]}\n";
    a << "  - {id: course, name: 超疗程, check: course, action: deny_excess, values: {\"支付不超过一年，每周最多支付一次。\": \"365\"}, tables: ["
      << fmt::format("{{file: \"{}【第八批-3】项目规则库（限定疗程）._医疗服务项目限支付疗程_规则对应知识点明细.csv\", code: 项目代码, value: 备注}}", k_libs) << "]}\n";
    a << "  - {id: dup, name: 重复收费, check: duplicate, action: deny, values: {单日: day, 单次就诊: claim, 6小时: day, 同一小时: day}, tables: ["
      << fmt::format("{{file: \"{}【第七批 】项目规则库（重复收费）._医疗服务项目重复收费_规则对应知识点明细.csv\", code: 从项编码, value: 主项编码, window: 频度}}", k_libs) << "]}\n";
    a << "  - {id: ops, name: 主次操作, check: operation_group, action: reduce, tables: ["
      << fmt::format("{{file: \"{}【第二批】项目规则库（限定主次操作）.Sheet1.csv\", code: 国标代码, value: 限定值域}}", k_libs) << "]}\n";
    a << "  - {id: indication, name: 诊断与用药不符, check: indication, action: deny, result: suspect, tables: ["
      << fmt::format("{{file: \"{}b.2.01-生成药品限制规则.csv\", code: 药品编码, value: 疾病限制, match: prefix}}", k_dicts)
      << fmt::format("], diagnosis_names: {{file: \"{}b.1.02-生成疾病分类字典.csv\", code: 类目编码, name: 类目名称, match: prefix}}}}\n", k_dicts);
    return dir.string();
}

const Pack& real_pack() {
    static std::unique_ptr<Pack> pack = [] {
        std::string dir = real_tables_pack();
        auto p = test::load_pack_or_fail(dir);
        fs::remove_all(dir);
        return p;
    }();
    return *pack;
}

std::size_t rows_of(const Pack& p, std::string_view id) {
    for (const AuditRule& r : p.audit.rules) {
        if (r.id == id) return r.rows;
    }
    FAIL("no rule " << id);
    return 0;
}

Claim claim_of(Sex sex, const char* birth, int level, CareType care, const char* admit, const char* discharge = nullptr) {
    Claim c;
    c.claim_id = "R-1";
    c.member.id = "M1";
    c.member.sex = sex;
    c.member.birth_date = *Date::parse(birth);
    c.member.scheme = Scheme::employee;
    c.provider.id = "H1";
    c.provider.level = level;
    c.visit.care_type = care;
    c.visit.admit_date = *Date::parse(admit);
    if (discharge) c.visit.discharge_date = *Date::parse(discharge);
    return c;
}

void line(Claim& c, const char* code, std::int64_t yuan, const char* date = nullptr, std::int64_t qty = 1) {
    Line& l = c.add_line();
    l.line_no = static_cast<std::uint32_t>(c.lines().size());
    l.code = code;
    l.qty = Quantity::from_units(qty * 10000);
    l.amount = Money::from_units(yuan * 100);
    if (date) l.service_date = *Date::parse(date);
}

std::vector<std::string> rules_fired(const Adjudication& a) {
    std::vector<std::string> out;
    for (const Flag& f : a.flags) {
        out.push_back(f.rule);
    }
    return out;
}

}  // namespace

TEST_CASE("the real NHSA batches load: rows of each rule") {
    const Pack& p = real_pack();
    CHECK(rows_of(p, "sex") == 390 + 481);  // 第一批: 390 items, 481 drugs by generic name
    CHECK(rows_of(p, "age") == 282);
    CHECK(rows_of(p, "level") == 61);
    CHECK(rows_of(p, "care") == 35);
    CHECK(rows_of(p, "scheme") == 12);
    CHECK(rows_of(p, "days") == 30);
    CHECK(rows_of(p, "freq") == 67);       // the totals and note rows carry no code
    CHECK(rows_of(p, "course") == 11);
    CHECK(rows_of(p, "dup") == 900);       // the sheet's 901st row is empty
    CHECK(rows_of(p, "ops") == 378);
    CHECK(rows_of(p, "indication") == 521);
    CHECK(p.audit.entries.keys() > 5000);  // codes and code prefixes named by some rule
}

TEST_CASE("the real batches decide sample claims") {
    const Pack& p = real_pack();
    Accumulators acc;
    SUBCASE("第一批: 子宫造影 for a man, 阿帕他胺片 for a woman") {
        Claim man = claim_of(Sex::male, "1970-01-01", 3, CareType::outpatient, "2024-05-06");
        line(man, "002101030300000", 200);
        Adjudication a = adjudicate(man, p, acc);
        CHECK(rules_fired(a) == std::vector<std::string>{"sex"});
        CHECK(a.buckets.full_self_pay == Money::from_units(20000));
        Claim woman = claim_of(Sex::female, "1970-01-01", 3, CareType::outpatient, "2024-05-06");
        woman.diagnoses.push_back({"C61.x00", true});
        line(woman, "XL02BBA326A001010102180", 300);
        line(woman, "002101030300000", 200);
        Adjudication b = adjudicate(woman, p, acc);
        // b.2.01 pays 阿帕他胺片 for (前列腺癌); b.1.02 names C61 前列腺恶性肿瘤, which does
        // not contain it: text matching flags it too (a suspect result, for review).
        CHECK(rules_fired(b) == std::vector<std::string>{"sex", "indication"});
        CHECK(b.flags[0].line_no == 1);
        CHECK(b.flags[1].result == "suspect");
    }
    SUBCASE("第七批: 急诊监护费 with 急诊诊查费 on one day, not on two") {
        Claim c = claim_of(Sex::female, "1970-01-01", 3, CareType::inpatient, "2024-05-06", "2024-05-09");
        line(c, "001103000010000", 90, "2024-05-06");
        line(c, "001102000030000", 25, "2024-05-06");
        line(c, "001102000030000", 25, "2024-05-07");
        Adjudication a = adjudicate(c, p, acc);
        REQUIRE(rules_fired(a) == std::vector<std::string>{"dup"});
        CHECK(a.flags[0].line_no == 2);
        CHECK(a.flags[0].related == std::vector<std::uint32_t>{1});
    }
    SUBCASE("第六批: 奥扎格雷钠注射液 on 16 days (A6)") {
        Claim c = claim_of(Sex::male, "1950-01-01", 3, CareType::inpatient, "2024-03-01", "2024-03-20");
        c.diagnoses.push_back({"I63.900", true});  // b.1.02: 脑梗死, which b.2.01 requires
        for (int d = 1; d <= 16; ++d) line(c, "XB01AXA223B002010100156", 30, fmt::format("2024-03-{:02}", d).c_str());
        Adjudication a = adjudicate(c, p, acc);
        CHECK(rules_fired(a) == std::vector<std::string>{"days", "days"});
        CHECK(a.lines[13].buckets.full_self_pay == Money{});
        CHECK(a.lines[14].buckets.full_self_pay == Money::from_units(3000));
        CHECK(a.lines[15].buckets.full_self_pay == Money::from_units(3000));
    }
    SUBCASE("第八批-1: 住院诊查费 is 1 a day; two on one day leave one beyond") {
        Claim c = claim_of(Sex::male, "1950-01-01", 3, CareType::inpatient, "2024-03-01", "2024-03-05");
        line(c, "001102000050000", 30, "2024-03-02");
        line(c, "001102000050000", 30, "2024-03-02");
        Adjudication a = adjudicate(c, p, acc);
        CHECK(rules_fired(a) == std::vector<std::string>{"freq"});
        CHECK(a.lines[1].buckets.full_self_pay == Money::from_units(3000));
    }
    SUBCASE("b.2.01: 度拉糖肽 by its 12-character prefix needs 糖尿病, named in b.1.02") {
        Claim c = claim_of(Sex::female, "1960-01-01", 2, CareType::outpatient, "2024-08-01");
        c.diagnoses.push_back({"E11.900", true});
        line(c, "XA10BJD332B002010178403", 400);
        CHECK(rules_fired(adjudicate(c, p, acc)).empty());
        c.diagnoses[0].code = "J18.900";
        CHECK(rules_fired(adjudicate(c, p, acc)) == std::vector<std::string>{"indication"});
    }
    SUBCASE("第五批 and 第三批: a level-1 provider; a 工伤 drug") {
        Claim c = claim_of(Sex::male, "1960-01-01", 1, CareType::outpatient, "2024-08-01");
        c.diagnoses.push_back({"C34.900", true});  // 艾迪注射液 needs (肿瘤|癌): 支气管和肺恶性肿瘤
        line(c, "ZC01AAA0042010105549", 80);
        line(c, "ZH01AAB0066010100716", 35);
        CHECK(rules_fired(adjudicate(c, p, acc)) == std::vector<std::string>{"level", "scheme"});
    }
}

TEST_CASE("audit table errors name the file, line and column") {
    fs::path dir = fs::temp_directory_path() / fmt::format("medclaim-audit-bad-{}", ::getpid());
    fs::create_directories(dir / "t");
    std::ofstream(dir / "pack.yaml") << "name: bad\nversion: \"1\"\nincludes: [audit.yaml]\n";
    std::ofstream(dir / "t" / "sex.csv") << "code,sex\nA1,男\nA2,both\n";
    std::ofstream(dir / "t" / "days.csv") << "code,days\nB1,十四天\n";
    std::ofstream(dir / "audit.yaml") << "audit:\n"
                                         "  - {id: s, name: 限性别, check: sex, action: deny, tables: [{file: t/sex.csv, code: code, value: sex}]}\n"
                                         "  - {id: d, name: 超支付疗程, check: drug_days, action: deny_excess, tables: [{file: t/days.csv, code: code, value: days}]}\n"
                                         "  - {id: x, name: x, check: sexx, action: deny_excess, tables: [{file: t/none.csv, code: code, value: v}]}\n";
    std::vector<Diagnostic> diagnostics;
    CHECK_FALSE(load_pack(dir.string(), diagnostics));
    std::string all;
    for (const Diagnostic& d : diagnostics) all += format_diagnostic(d);
    fs::remove_all(dir);
    CHECK(all.find("sex.csv:3:4: error: `both` is not a sex") != std::string::npos);
    CHECK(all.find("days.csv:2:4: error: `十四天` gives no number of days") != std::string::npos);
    CHECK(all.find("did you mean `sex`?") != std::string::npos);
    CHECK(all.find("`deny_excess` needs a limit") != std::string::npos);
    CHECK(all.find("table file `t/none.csv` does not exist") != std::string::npos);
}

TEST_CASE("a code index finds what a scan of its keys finds") {
    std::mt19937_64 rng(7);
    auto code = [&](std::size_t n) {
        std::string s;
        for (std::size_t i = 0; i < n; ++i) s += static_cast<char>('A' + rng() % 3);
        return s;
    };
    struct Key {
        std::string key;
        bool prefix;
        int id;
    };
    std::vector<Key> keys;
    CodeIndex<int> index;
    for (int i = 0; i < 3000; ++i) {
        std::size_t n = 1 + rng() % 8;
        if (i % 500 == 0) n = 64 + rng() % 8;  // long keys too
        keys.push_back({code(n), rng() % 3 == 0, i});
        index.add(keys.back().key, keys.back().prefix, i);
    }
    for (int round = 0; round < 20000; ++round) {
        std::string c = round % 1000 == 0 ? keys[rng() % keys.size()].key + code(rng() % 3) : code(1 + rng() % 10);
        std::vector<int> want;
        for (const Key& k : keys) {
            if (k.key == c || (k.prefix && k.key.size() < c.size() && c.compare(0, k.key.size(), k.key) == 0)) want.push_back(k.id);
        }
        std::vector<int> got;
        index.find(c, [&](int id) { got.push_back(id); });
        std::sort(want.begin(), want.end());
        std::sort(got.begin(), got.end());
        REQUIRE(got == want);
    }
}
