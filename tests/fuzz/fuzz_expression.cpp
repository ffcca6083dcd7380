// libFuzzer target: compile any text as a rule expression in both scopes, and when it
// compiles, evaluate and dump it against a small claim. Must never crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "model/claim.hpp"
#include "rules/program.hpp"

namespace {

const medclaim::Claim& sample() {
    static const medclaim::Claim claim = [] {
        medclaim::Claim c;
        c.claim_id = "F1";
        c.member.birth_date = *medclaim::Date::parse("1950-02-28");
        c.visit.care_type = medclaim::CareType::inpatient;
        c.visit.admit_date = *medclaim::Date::parse("2024-12-30");
        c.visit.discharge_date = *medclaim::Date::parse("2025-01-04");
        c.diagnoses = {{"J18.900", true}};
        medclaim::Line& l = c.add_line();
        l.code = "XJ01CRA096A001010101445";
        l.qty = medclaim::Quantity::from_units(30000);
        l.amount = medclaim::Money::from_units(-12345);
        return c;
    }();
    return claim;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    for (auto scope : {medclaim::Scope::claim, medclaim::Scope::line}) {
        std::vector<medclaim::BindError> errors;
        auto program = medclaim::Program::compile(text, scope, errors);
        if (!program) continue;
        medclaim::EvalContext context{&sample(), &sample().lines()[0]};
        (void)program->evaluate(context);
        (void)program->dump();
    }
    return 0;
}
