#include <doctest/doctest.h>

#include <CLI/CLI.hpp>

#include "cli/app.hpp"

using namespace medclaim;

namespace {

std::unique_ptr<Command> parse(std::vector<std::string> args) {
    auto c = make_command();
    std::reverse(args.begin(), args.end());  // CLI11 takes them in reverse
    c->app->parse(args);
    return c;
}

}  // namespace

TEST_SUITE("medclaim::cli") {
    TEST_CASE("validate takes files and the input options") {
        auto c = parse({"validate", "--map", "nhsa", "--encoding", "gbk", "--rejects", "r.jsonl", "--max-rejects", "5%", "a.csv", "b.jsonl"});
        CHECK(c->validate_cmd->parsed());
        CHECK(c->validate.input.files == std::vector<std::string>{"a.csv", "b.jsonl"});
        CHECK(c->validate.input.map == "nhsa");
        CHECK(c->validate.input.encoding == "gbk");
        CHECK(c->validate.rejects == "r.jsonl");
        CHECK(c->validate.input.max_rejects == "5%");
        CHECK_FALSE(c->validate.input.grouped_numbers);
        CHECK(parse({"validate", "--grouped-numbers", "a.csv"})->validate.input.grouped_numbers);
    }

    TEST_CASE("validate requires at least one file") { CHECK_THROWS_AS(parse({"validate"}), CLI::RequiredError); }

    TEST_CASE("a subcommand is required and unknown options are refused") {
        CHECK_THROWS_AS(parse({}), CLI::RequiredError);
        CHECK_THROWS_AS(parse({"validate", "--bogus", "a.csv"}), CLI::ExtrasError);
    }
}
