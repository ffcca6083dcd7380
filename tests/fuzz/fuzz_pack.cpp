// libFuzzer target: any bytes as pack.yaml (beside a small catalog), loaded and
// compiled; a pack that compiles then adjudicates two fixed claims, with and without a
// trace, and the engine's invariants must hold. Must never crash, hang or leak,
// whatever the YAML says.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "engine/adjudicate.hpp"
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
    if (!pack) return 0;
    using namespace medclaim;
    static const std::vector<Claim> claims = [] {
        std::vector<Claim> out(2);
        for (int i = 0; i < 2; ++i) {
            Claim& c = out[static_cast<std::size_t>(i)];
            c.claim_id = "F" + std::to_string(i);
            c.member.id = "M";
            c.member.birth_date = *Date::from_ymd(1950, 3, 1);
            c.member.category = i ? "retired" : "active";
            c.provider.level = 2 + i;
            c.visit.care_type = i ? CareType::inpatient : CareType::outpatient;
            c.visit.admit_date = *Date::from_ymd(2024, 6, 1);
            if (i) c.visit.discharge_date = *Date::from_ymd(2024, 6, 20);
            const char* codes[] = {"X1", "X2", "X3"};
            for (int k = 0; k < 3; ++k) {
                Line& l = c.add_line();
                l.line_no = static_cast<std::uint32_t>(k + 1);
                l.code = codes[k];
                l.kind = k == 2 ? LineKind::bed : LineKind::drug;
                l.qty = Quantity::from_units(30'000);
                l.unit_price = UnitPrice::from_units(1'234'567'891);
                l.amount = extend(l.qty, *l.unit_price);
            }
        }
        return out;
    }();
    Accumulators acc;
    for (const Claim& c : claims) {
        // adjudicate() throws Error when an invariant fails: let it escape and crash.
        Adjudication plain = adjudicate(c, *pack, acc, false);
        Adjudication traced = adjudicate(c, *pack, acc, true);
        if (plain.patient != traced.patient) __builtin_trap();
        acc.apply(plain.deltas);
    }
    return 0;
}
