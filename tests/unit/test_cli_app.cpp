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

    TEST_CASE("adjudicate takes a pack, outputs, state and the input options") {
        auto c = parse({"adjudicate", "--rules", "rules/x", "--format", "csv", "--bom", "--out", "c.csv", "--lines-out", "l.csv", "--summary",
                        "s.html", "--state", "st.db", "--replace", "--explain", "--map", "nhsa", "a.jsonl"});
        CHECK(c->adjudicate_cmd->parsed());
        CHECK(c->adjudicate.rules == "rules/x");
        CHECK(c->adjudicate.format == "csv");
        CHECK(c->adjudicate.bom);
        CHECK(c->adjudicate.out == "c.csv");
        CHECK(c->adjudicate.lines_out == "l.csv");
        CHECK(c->adjudicate.summary == "s.html");
        CHECK(c->adjudicate.state == "st.db");
        CHECK(c->adjudicate.replace);
        CHECK(c->adjudicate.explain);
        CHECK(c->adjudicate.input.map == "nhsa");
        CHECK(c->adjudicate.input.files == std::vector<std::string>{"a.jsonl"});
        auto d = parse({"adjudicate", "--rules", "p", "a.jsonl"});
        CHECK(d->adjudicate.out == "-");
        CHECK(d->adjudicate.format == "jsonl");
        CHECK(d->adjudicate.state.empty());
    }

    TEST_CASE("adjudicate needs --rules and refuses an unknown format") {
        CHECK_THROWS_AS(parse({"adjudicate", "a.jsonl"}), CLI::RequiredError);
        CHECK_THROWS_AS(parse({"adjudicate", "--rules", "p", "--format", "xml", "a.jsonl"}), CLI::ValidationError);
    }

    TEST_CASE("test, explain and state take their arguments") {
        auto t = parse({"test", "rules/sample", "--filter", "b7", "--coverage"});
        CHECK(t->test_cmd->parsed());
        CHECK(t->test.pack == "rules/sample");
        CHECK(t->test.filter == "b7");
        CHECK(t->test.coverage);
        auto e = parse({"explain", "--rules", "p", "C1", "a.jsonl"});
        CHECK(e->explain.claim_id == "C1");
        CHECK(e->explain.input.files == std::vector<std::string>{"a.jsonl"});
        auto s = parse({"state", "st.db", "--member", "M1"});
        CHECK(s->state.file == "st.db");
        CHECK(s->state.member == "M1");
    }

    TEST_CASE("a subcommand is required and unknown options are refused") {
        CHECK_THROWS_AS(parse({}), CLI::RequiredError);
        CHECK_THROWS_AS(parse({"validate", "--bogus", "a.csv"}), CLI::ExtrasError);
    }
}
