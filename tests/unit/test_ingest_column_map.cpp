#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "ingest/column_map.hpp"
#include "util/error.hpp"

using namespace medclaim;

TEST_SUITE("medclaim::ColumnMap") {
    TEST_CASE("canonical names resolve to themselves, ignoring case and blanks") {
        ColumnMap map;
        CHECK(map.resolve("member.sex") == FieldId::member_sex);
        CHECK(map.resolve(" Member.Sex ") == FieldId::member_sex);
        CHECK_FALSE(map.resolve("member.gender"));
    }

    TEST_CASE("a map renames columns and translates values, exact before prefix") {
        ColumnMap map = ColumnMap::parse(R"(
columns:
  gend: member.sex
  人员类别: member.category
values:
  member.sex: {"1": M, "2": F}
  member.category: {"11*": active, "1102": civil_servant, "1*": other}
ignore: [rid]
)",
                                         "test.yaml");
        CHECK(map.resolve("GEND") == FieldId::member_sex);
        CHECK(map.resolve("人员类别") == FieldId::member_category);
        CHECK(map.map_value(FieldId::member_sex, "2") == "F");
        CHECK(map.map_value(FieldId::member_sex, "9") == "9");
        CHECK(map.map_value(FieldId::member_category, "1102") == "civil_servant");
        CHECK(map.map_value(FieldId::member_category, "1101") == "active");
        CHECK(map.map_value(FieldId::member_category, "1500") == "other");
        CHECK(map.is_ignored("RID"));
        CHECK_FALSE(map.has_values(FieldId::member_id));
    }

    TEST_CASE("header_columns apply only to claim header files") {
        ColumnMap map = ColumnMap::parse("header_columns:\n  inscp_amt: prior.in_scope\n", "m.yaml");
        CHECK_FALSE(map.resolve("inscp_amt"));
        CHECK(map.resolve("inscp_amt", true) == FieldId::prior_in_scope);
    }

    TEST_CASE("errors in a map name the file, line and column with a suggestion") {
        CHECK_THROWS_WITH_AS(ColumnMap::parse("columns:\n  gend: member.sx\nvalue: {}\n", "bad.yaml"), "map `bad.yaml` has 2 error(s)",
                             InputError);
    }

    TEST_CASE("the built-in nhsa map covers every column of mdtrt_d, fee_list_d and setl_d") {
        namespace fs = std::filesystem;
        fs::path headers = fs::path(MEDCLAIM_SHARED_DIR) / "data/external/cn/medimodel/医保数据提取表/医保数据提取表-headers.csv";
        REQUIRE_MESSAGE(fs::exists(headers), "the shared test data must be beside the repository: ", headers.string());
        ColumnMap map = ColumnMap::load("nhsa");
        std::ifstream in(headers);
        std::string line;
        std::getline(in, line);  // table,position,column
        std::map<std::string, int> per_table;
        while (std::getline(in, line)) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            std::stringstream s(line);
            std::string table, position, column;
            std::getline(s, table, ',');
            std::getline(s, position, ',');
            std::getline(s, column, ',');
            if (table != "fee_list_d" && table != "mdtrt_d" && table != "setl_d") continue;
            ++per_table[table];
            bool header_file = table != "fee_list_d";
            CAPTURE(table);
            CAPTURE(column);
            CHECK((map.resolve(column, header_file).has_value() || map.is_ignored(column)));
        }
        CHECK(per_table["fee_list_d"] == 82);
        CHECK(per_table["mdtrt_d"] == 106);
        CHECK(per_table["setl_d"] == 100);
    }

    TEST_CASE("the nhsa map translates the NHSA codes of domain.md section 5") {
        ColumnMap map = ColumnMap::load("nhsa");
        CHECK(map.resolve("psn_no") == FieldId::member_id);
        CHECK(map.resolve("人员编号") == FieldId::member_id);
        CHECK(map.resolve("det_item_fee_sumamt") == FieldId::line_amount);
        CHECK(map.resolve("hilist_code") == FieldId::line_code);
        CHECK(map.resolve("mdtrt_id") == FieldId::claim_id);
        CHECK(map.map_value(FieldId::member_sex, "1") == "M");
        CHECK(map.map_value(FieldId::member_scheme, "390") == "resident");
        CHECK(map.map_value(FieldId::member_category, "1201") == "retired");
        CHECK(map.map_value(FieldId::visit_care_type, "210104") == "inpatient");
        CHECK(map.map_value(FieldId::visit_care_type, "140104") == "chronic_outpatient");
        CHECK(map.map_value(FieldId::provider_level, "02") == "3");
        CHECK(map.map_value(FieldId::line_class, "04") == "C");
        CHECK(map.map_value(FieldId::line_kind, "102") == "drug");
        // fee_list_d's line-level buckets are not claim totals.
        CHECK_FALSE(map.resolve("inscp_amt", false));
        CHECK(map.resolve("inscp_amt", true) == FieldId::prior_in_scope);
    }
}
