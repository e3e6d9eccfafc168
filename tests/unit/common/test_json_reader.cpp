// Strict JSON reading: located errors, range checks, unknown-key rejection.
#include <catch2/catch.hpp>

#include "common/json_reader.h"

using namespace lvsim;

namespace {
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("malformed JSON reports the origin and byte position", "[json]") {
  // The offending 'x' is the 9th byte (positions are 1-based, as editors count columns).
  std::string msg = error_of([] { parse_json_text("{\"a\": 1 x}", "net.json"); });
  CHECK(msg == "net.json: malformed JSON at byte 9");
  CHECK_THROWS_AS(parse_json_text("{", "x"), FormatError);
  CHECK_THROWS_AS(parse_json_file("/nonexistent/file.json"), ConfigError);
}

TEST_CASE("accessors check types and ranges and name the field", "[json]") {
  auto j = parse_json_text(R"({"arr": {"rows": 0, "name": "x", "v": 1.5, "list": [1, 2]}})", "a.json");
  JsonObject top(j, "a.json", "");
  JsonObject arr = top.get_object("arr");
  std::string msg = error_of([&] { arr.get_int("rows", 1, 1024); });
  CHECK(msg == "a.json: arr.rows: value 0 out of range [1, 1024]");
  CHECK(arr.get_string("name") == "x");
  CHECK(arr.get_double("v", 0, 2) == 1.5);
  CHECK(arr.get_int_array("list", 2, 0, 9) == std::vector<int64_t>{1, 2});
  CHECK(error_of([&] { arr.get_int("missing", 0, 1); }) == "a.json: arr.missing: missing required field");
  CHECK(error_of([&] { arr.get_enum("name", {"a", "b"}); }).find("expected one of: a, b") != std::string::npos);
  CHECK(arr.get_int("absent", 0, 10, 7) == 7);
}

TEST_CASE("unread keys are rejected by finish()", "[json]") {
  auto j = parse_json_text(R"({"rows": 4, "colz": 4})", "b.json");
  JsonObject o(j, "b.json", "array");
  o.get_int("rows", 1, 10);
  CHECK(error_of([&] { o.finish(); }) == "b.json: array.colz: unknown key");
  auto ok = parse_json_text(R"({"rows": 4})", "b.json");
  JsonObject o2(ok, "b.json", "");
  o2.get_int("rows", 1, 10);
  CHECK_NOTHROW(o2.finish());
}
