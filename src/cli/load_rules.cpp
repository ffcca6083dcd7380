#include "cli/load_rules.hpp"

#include <cstdio>

#include <fmt/format.h>

namespace medclaim {

std::unique_ptr<PackSet> load_rules_for_command(const std::string& dir, DiagnosticSink& sink) {
    std::vector<Diagnostic> diagnostics;
    std::unique_ptr<PackSet> packs = load_pack_set(dir, diagnostics);
    for (const Diagnostic& d : diagnostics) sink.report(d);
    if (!packs) {
        sink.finish();
        fmt::print(stderr, "medclaim: {} error{} in rule pack `{}`\n", sink.errors(), sink.errors() == 1 ? "" : "s", dir);
    }
    return packs;
}

std::map<const Pack*, PackStamp> pack_stamps(const PackSet& packs) {
    std::map<const Pack*, PackStamp> stamps;
    for (std::size_t i = 0; i < packs.versions.size(); ++i) {
        const Pack& p = *packs.versions[i];
        stamps[&p] = PackStamp{p.name, p.version, pack_digest(p, packs.version_dirs[i])};
    }
    return stamps;
}

}  // namespace medclaim
