// Result files written together (StagedOutputs): nothing at the targets before commit(), nothing
// left behind (targets or temporary files) when the command fails before it, all of them after.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/stat.h>

#include "common/errors.h"
#include "common/output_file.h"

using namespace lvsim;
namespace fs = std::filesystem;

namespace {
fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("lvsim_test_output_file_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}
std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}
size_t entries(const fs::path& d) {
  return size_t(std::distance(fs::directory_iterator(d), fs::directory_iterator{}));
}
}  // namespace

TEST_CASE("staged outputs: all at commit, none on failure", "[common][output]") {
  const fs::path d = fresh_dir("stage");
  SECTION("commit writes every file, nothing before") {
    StagedOutputs out;
    out.stage((d / "a.json").string(), "A", "--a");
    const std::string tmp = out.reserve((d / "t.vcd").string(), "--vcd", ".vcd");
    CHECK(tmp.ends_with(".vcd"));
    std::ofstream(tmp) << "V";
    out.stage((d / "b.csv").string(), "B", "--b");
    CHECK(!fs::exists(d / "a.json"));
    CHECK(!fs::exists(d / "t.vcd"));
    out.commit();
    CHECK(slurp(d / "a.json") == "A");
    CHECK(slurp(d / "t.vcd") == "V");
    CHECK(slurp(d / "b.csv") == "B");
    CHECK(entries(d) == 3);  // no temporary file left
  }
  SECTION("a failure before commit leaves nothing") {
    {
      StagedOutputs out;
      out.stage((d / "a.json").string(), "A", "--a");
      std::ofstream(out.reserve((d / "t.vcd").string(), "--vcd", ".vcd")) << "V";
      try {
        out.stage((d / "missing" / "b.csv").string(), "B", "--b");
        FAIL("no error for a missing directory");
      } catch (const ConfigError& e) {
        CHECK(std::string(e.what()).find("--b") != std::string::npos);
      }
    }
    CHECK(entries(d) == 0);
  }
  SECTION("non-regular targets are refused when staged and never replaced") {
    fs::create_directories(d / "dir");
    REQUIRE(::mkfifo((d / "fifo").c_str(), 0600) == 0);
    fs::create_symlink("/dev/null", d / "link");
    StagedOutputs out;
    for (const char* name : {"dir", "fifo", "link"})
      CHECK_THROWS_AS(out.stage((d / name).string(), "x", "--output"), ConfigError);
    CHECK(fs::is_directory(d / "dir"));
    CHECK(fs::is_fifo(d / "fifo"));
    CHECK(fs::is_symlink(d / "link"));
    CHECK(entries(d) == 3);
  }
  SECTION("a target that turned into a non-regular file by commit time is not replaced") {
    StagedOutputs out;
    out.stage((d / "a.json").string(), "A", "--a");
    out.stage((d / "b.json").string(), "B", "--b");
    fs::create_directories(d / "b.json");
    CHECK_THROWS_AS(out.commit(), ConfigError);
    CHECK(fs::is_directory(d / "b.json"));
  }
  fs::remove_all(d);
}

TEST_CASE("output locations are checked with the option's name", "[common][output]") {
  const fs::path d = fresh_dir("check");
  CHECK_NOTHROW(check_output_location((d / "new.json").string(), "--output"));
  try {
    check_output_location((d / "no" / "x.json").string(), "--output");
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).find("--output") != std::string::npos);
    CHECK(std::string(e.what()).find("cannot write into directory") != std::string::npos);
  }
  fs::remove_all(d);
}
