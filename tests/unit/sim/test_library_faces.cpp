// The library functions the command line and the Python API both call (issue 16): studies and
// explorations from text equal to the same file, the run options' partner checks, the import's
// weight-scheme options, and the missing-input marker behind Python's FileNotFoundError.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/errors.h"
#include "common/input_file.h"
#include "sim/cli/import_command.h"
#include "sim/cli/run_options.h"
#include "sim/study/explore.h"
#include "sim/study/study_spec.h"

using namespace lvsim;

namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  const auto d = std::filesystem::temp_directory_path() / "lvsim-test-library-faces";
  std::filesystem::create_directories(d);
  const std::string path = (d / name).string();
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("a study from text is the study of the same file, relative paths from its folder", "[faces]") {
  const std::string text = R"({"format": "lvsim-study", "version": 1, "networks": ["net.json"],
    "data": {"dir": "data"}, "sweep": {"v_sram_v": [0.7, 0.9, 0.8]}, "chips": {"count": 2}})";
  const std::string path = write_temp("study.json", text);
  const StudySpec from_file = read_study_file(path);
  CHECK(study_from_text(text, path).to_json() == from_file.to_json());
  CHECK(from_file.values == std::vector<double>{0.9, 0.8, 0.7});  // sorted as the file reader sorts
  const StudySpec from_dict = study_from_text(text, "study");     // no folder: the working directory
  CHECK(from_dict.networks.at(0).path == "net.json");
  CHECK(from_dict.data_dir == "data");
  CHECK_THROWS_WITH(study_from_text(R"({"format": "lvsim-study", "colour": 1})", "study"), Catch::Contains("study: "));
}

TEST_CASE("an exploration from text keeps its axes in the text's order", "[faces]") {
  const std::string text = R"({"format": "lvsim-exploration", "version": 1, "workloads": [{"network": "n.json"}],
    "axes": {"v_sram_v": [0.9], "array.rows": [8, 16], "array.cols": [4]}})";
  const ExploreSpec s = exploration_from_text(text, "exploration");
  REQUIRE(s.axes.size() == 3);
  CHECK(s.axes[0].name == "v_sram_v");
  CHECK(s.axes[1].name == "array.rows");
  CHECK(s.axes[2].name == "array.cols");
  CHECK(s.design_points().size() == 2);
}

TEST_CASE("run options: stuck cell fraction is the stuck_at rate; options need their partners", "[faces]") {
  RunOptions o;
  o.stuck_cell_fraction = 0.02;
  check_run_options(o);
  CHECK(o.ber == 0.02);
  CHECK(o.ber_model == "stuck_at");
  RunOptions lone_model;
  lone_model.ber_model = "stuck_at";
  CHECK_THROWS_AS(check_run_options(lone_model), ConfigError);
  RunOptions tile;
  tile.fault_map_tile = true;
  CHECK_THROWS_WITH(check_run_options(tile), "command line: --fault-map-tile: needs --fault-map");
  RunOptions both;
  both.ber = 0.1;
  both.fault_map_path = "map.json";
  CHECK_THROWS_WITH(check_run_options(both), "command line: --ber: cannot be combined with --fault-map");
  CHECK(run_mode_from_name("cycle", "mode") == RunMode::Cycle);
  CHECK_THROWS_WITH(run_mode_from_name("slow", "mode"), "mode: expected golden, fast or cycle, got \"slow\"");
}

TEST_CASE("import: weight-scheme options need bits and take only their two values", "[faces]") {
  CHECK_FALSE(weight_scheme_from_options(std::nullopt, "", "", "", "", std::nullopt).has_value());
  const auto s = weight_scheme_from_options(6, "per_channel", "symmetric", "", "truncate", 0.5);
  REQUIRE(s.has_value());
  CHECK(s->bits == 6);
  CHECK(s->per_channel);
  CHECK(s->symmetric);
  CHECK(s->storage == WeightStorage::Unsigned);
  CHECK_FALSE(s->rounding);
  CHECK(s->clip == 0.5);
  CHECK_THROWS_WITH(weight_scheme_from_options(std::nullopt, "per_channel", "", "", "", std::nullopt),
                    Catch::Contains("--bits: required"));
  CHECK_THROWS_WITH(weight_scheme_from_options(8, "per_row", "", "", "", std::nullopt),
                    "command line: --granularity: expected per_tensor or per_channel, got \"per_row\"");
}

TEST_CASE("a missing input file is marked missing; an existing bad one is not", "[faces]") {
  const std::string missing = write_temp("x", "") + ".does-not-exist";
  try {
    read_input_file(missing, 1024);
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(dynamic_cast<const MissingInput*>(&e) != nullptr);
  }
  try {
    read_input_file(std::filesystem::temp_directory_path().string(), 1024);  // a directory
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(dynamic_cast<const MissingInput*>(&e) == nullptr);
  }
}
