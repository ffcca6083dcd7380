// Generates synthetic canonical claims for benchmarks: a realistic mix of outpatient
// visits with 1–8 fee lines and inpatient stays with tens to hundreds, drugs, services
// and materials in classes 甲/乙/丙. Money is computed in integers (fen), never floats.
//
//   gen_claims --format csv|jsonl --bytes N [--seed S] [--codes FILE --code-share PERCENT]
//
// With --codes, PERCENT of the fee lines bill a code drawn from FILE (one code a line;
// the audit benchmark gives it codes of the NHSA restriction tables). Without it the
// output is the same as before the option existed.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace {

struct Rng {
    std::uint64_t s;
    std::uint64_t next() {
        std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    int uniform(int lo, int hi) { return lo + static_cast<int>(next() % static_cast<std::uint64_t>(hi - lo + 1)); }
    bool chance(int percent) { return uniform(1, 100) <= percent; }
};

constexpr const char* k_diagnoses[] = {"J18.900", "I10.x00", "E11.900", "K29.700", "J06.900", "I63.900", "N18.500", "C34.900", "M54.500", "A00.000x001"};
constexpr const char* k_drug_names[] = {"阿莫西林胶囊", "头孢克肟片", "二甲双胍片", "氨氯地平片", "阿托伐他汀钙片", "注射用头孢曲松钠"};
constexpr const char* k_service_names[] = {"住院诊查费", "血常规", "CT平扫", "静脉输液", "床位费", "护理费"};
constexpr const char* k_material_names[] = {"一次性输液器", "医用导管", "敷料"};

struct Day {
    int y, m, d;
};

Day add_days(Day day, int n) {
    static constexpr int k_len[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int i = 0; i < n; ++i) {
        int len = k_len[day.m - 1] + (day.m == 2 && day.y % 4 == 0 ? 1 : 0);
        if (++day.d > len) {
            day.d = 1;
            if (++day.m > 12) {
                day.m = 1;
                ++day.y;
            }
        }
    }
    return day;
}

std::string date(Day d) { return fmt::format("{:04}-{:02}-{:02}", d.y, d.m, d.d); }

std::string money(std::int64_t fen) { return fmt::format("{}.{:02}", fen / 100, fen % 100); }

struct LineData {
    std::string code, name, kind, cls, qty, price, amount, service_date;
    int fee_category;
};

std::vector<std::string> g_codes;  // --codes
int g_code_share = 0;               // --code-share: percent of lines

LineData make_line(Rng& r, Day admit, int stay_days) {
    LineData l;
    int pick = r.uniform(1, 100);
    std::int64_t price_units = 0;  // 10^-4 元
    if (pick <= 50) {
        l.kind = "drug";
        l.code = r.chance(60) ? fmt::format("X{}{:021}", static_cast<char>('A' + r.uniform(0, 20)), r.next() % 1000000000000000000ULL)
                              : fmt::format("Z{}{:018}", static_cast<char>('A' + r.uniform(0, 20)), r.next() % 1000000000000000000ULL);
        l.name = k_drug_names[r.uniform(0, 5)];
        l.fee_category = r.chance(70) ? 9 : 11;
        price_units = r.uniform(50, 300000) * 100;
    } else if (pick <= 88) {
        l.kind = "service";
        l.code = fmt::format("00{:09}{:04}", r.uniform(110200001, 331500000), r.uniform(0, 9999));
        l.name = k_service_names[r.uniform(0, 5)];
        l.fee_category = r.uniform(1, 7);
        price_units = r.uniform(1, 60000) * 100;
    } else {
        l.kind = "material";
        l.code = fmt::format("C{:019}", r.next() % 10000000000000000000ULL);
        l.name = k_material_names[r.uniform(0, 2)];
        l.fee_category = 8;
        price_units = r.uniform(100, 2000000) * 100;
    }
    l.cls = r.chance(55) ? "A" : r.chance(80) ? "B" : "C";
    std::int64_t qty_units = r.chance(85) ? r.uniform(1, 10) * 10000 : r.uniform(1, 40) * 2500;  // 10^-4
    // price has 4 places here (a subset of the 6 allowed), qty 4: product scale 8 → round to fen.
    std::int64_t product = qty_units * price_units;  // 10^-8 元
    std::int64_t fen = (product + 500000) / 1000000;
    l.qty = fmt::format("{}.{:04}", qty_units / 10000, qty_units % 10000);
    l.price = fmt::format("{}.{:04}", price_units / 10000, price_units % 10000);
    l.amount = money(fen);
    l.service_date = date(add_days(admit, r.uniform(0, stay_days)));
    if (!g_codes.empty() && r.chance(g_code_share)) l.code = g_codes[static_cast<std::size_t>(r.next() % g_codes.size())];
    return l;
}

}  // namespace

int main(int argc, char** argv) {
    std::string format = "csv";
    std::uint64_t bytes = 100ULL << 20;
    std::uint64_t seed = 42;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--format") == 0) format = argv[i + 1];
        else if (std::strcmp(argv[i], "--bytes") == 0) bytes = std::strtoull(argv[i + 1], nullptr, 10);
        else if (std::strcmp(argv[i], "--seed") == 0) seed = std::strtoull(argv[i + 1], nullptr, 10);
        else if (std::strcmp(argv[i], "--code-share") == 0) g_code_share = std::atoi(argv[i + 1]);
        else if (std::strcmp(argv[i], "--codes") == 0) {
            std::ifstream in(argv[i + 1]);
            for (std::string c; std::getline(in, c);) {
                if (!c.empty() && c.back() == '\r') c.pop_back();
                if (!c.empty()) g_codes.push_back(c);
            }
            if (g_codes.empty()) {
                std::fprintf(stderr, "gen_claims: no codes in %s\n", argv[i + 1]);
                return 2;
            }
        } else {
            std::fprintf(stderr, "usage: gen_claims --format csv|jsonl --bytes N [--seed S] [--codes FILE --code-share PERCENT]\n");
            return 2;
        }
    }
    bool csv = format == "csv";
    Rng r{seed};
    std::string out;
    std::uint64_t written = 0;
    if (csv) {
        out = "claim_id,member.id,member.sex,member.birth_date,member.scheme,member.category,member.region,provider.id,provider.level,"
              "provider.region,visit.care_type,visit.admit_date,visit.discharge_date,diagnoses,line.line_no,line.code,line.name,"
              "line.kind,line.fee_category,line.class,line.qty,line.unit_price,line.amount,line.service_date\n";
    }
    for (std::uint64_t n = 1; written < bytes; ++n) {
        int kind = r.uniform(1, 100);
        std::string care = kind <= 75 ? "outpatient" : kind <= 80 ? "emergency" : kind <= 83 ? "pharmacy" : kind <= 85 ? "chronic_outpatient"
                                                                                                      : kind <= 97 ? "inpatient" : "day_surgery";
        bool stay = care == "inpatient" || care == "day_surgery";
        int lines = stay ? (care == "inpatient" ? r.uniform(20, 200) : r.uniform(10, 40)) : r.uniform(1, 8);
        int days = care == "inpatient" ? r.uniform(1, 20) : care == "day_surgery" ? 1 : 0;
        Day admit{2024, r.uniform(1, 12), r.uniform(1, 28)};
        Day discharge = add_days(admit, days);
        std::string claim_id = fmt::format("CLM{:010}", n);
        std::string member = fmt::format("M{:07}", r.uniform(1, 200000));
        const char* sex = r.chance(50) ? "M" : "F";
        std::string birth = date({r.uniform(1940, 2020), r.uniform(1, 12), r.uniform(1, 28)});
        const char* scheme = r.chance(60) ? "employee" : "resident";
        const char* category = r.chance(70) ? "active" : "retired";
        std::string provider = fmt::format("H{:05}", r.uniform(1, 3000));
        int level = r.uniform(0, 3);
        std::string diag = stay || r.chance(80) ? k_diagnoses[r.uniform(0, 9)] : "";
        if (csv) {
            std::string head = fmt::format("{},{},{},{},{},{},440300,{},{},440300,{},{},{},{}", claim_id, member, sex, birth, scheme, category,
                                           provider, level, care, date(admit), stay ? date(discharge) : "", diag);
            for (int i = 1; i <= lines; ++i) {
                LineData l = make_line(r, admit, days);
                fmt::format_to(std::back_inserter(out), "{},{},{},{},{},{:02},{},{},{},{},{}\n", head, i, l.code, l.name, l.kind, l.fee_category,
                               l.cls, l.qty, l.price, l.amount, l.service_date);
            }
        } else {
            fmt::format_to(std::back_inserter(out),
                           "{{\"claim_id\":\"{}\",\"member\":{{\"id\":\"{}\",\"sex\":\"{}\",\"birth_date\":\"{}\",\"scheme\":\"{}\",\"category\":\"{}\","
                           "\"region\":\"440300\"}},\"provider\":{{\"id\":\"{}\",\"level\":{},\"region\":\"440300\"}},\"visit\":{{\"care_type\":\"{}\","
                           "\"admit_date\":\"{}\"{}}},\"diagnoses\":[{}],\"lines\":[",
                           claim_id, member, sex, birth, scheme, category, provider, level, care, date(admit),
                           stay ? fmt::format(",\"discharge_date\":\"{}\"", date(discharge)) : "", diag.empty() ? "" : "\"" + diag + "\"");
            for (int i = 1; i <= lines; ++i) {
                LineData l = make_line(r, admit, days);
                fmt::format_to(std::back_inserter(out),
                               "{}{{\"line_no\":{},\"code\":\"{}\",\"name\":\"{}\",\"kind\":\"{}\",\"fee_category\":\"{:02}\",\"class\":\"{}\","
                               "\"qty\":{},\"unit_price\":{},\"amount\":{},\"service_date\":\"{}\"}}",
                               i == 1 ? "" : ",", i, l.code, l.name, l.kind, l.fee_category, l.cls, l.qty, l.price, l.amount, l.service_date);
            }
            out += "]}\n";
        }
        if (out.size() > (1 << 20)) {
            std::fwrite(out.data(), 1, out.size(), stdout);
            written += out.size();
            out.clear();
        }
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}
