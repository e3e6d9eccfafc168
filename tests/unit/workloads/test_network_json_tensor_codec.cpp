// Tensor decoding of the network format: base64 (RFC 4648 vectors), little-endian dtypes, inline data.
#include <catch2/catch.hpp>

#include <string>

#include "common/errors.h"
#include "workloads/network/tensor_codec.h"

using nlohmann::json;

namespace lvsim {
namespace {

std::vector<uint8_t> bytes(const std::string& s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

TEST_CASE("tensor_codec: base64 test vectors of RFC 4648", "[network_json]") {
  const std::vector<std::pair<std::string, std::string>> vectors = {{"", ""},
                                                                    {"f", "Zg=="},
                                                                    {"fo", "Zm8="},
                                                                    {"foo", "Zm9v"},
                                                                    {"foob", "Zm9vYg=="},
                                                                    {"fooba", "Zm9vYmE="},
                                                                    {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    INFO(plain);
    const auto b = bytes(plain);
    CHECK(base64_encode(b.data(), b.size()) == encoded);
    std::vector<uint8_t> out;
    size_t bad = 0;
    CHECK(base64_decode(encoded, out, bad));
    CHECK(out == b);
  }
}

TEST_CASE("tensor_codec: invalid base64 reports the offending offset", "[network_json]") {
  std::vector<uint8_t> out;
  size_t bad = 99;
  CHECK_FALSE(base64_decode("Zm9vY", out, bad));  // length not a multiple of 4
  CHECK(bad == 5);
  CHECK_FALSE(base64_decode("Zm9v Zg=", out, bad));
  CHECK(bad == 4);
  CHECK_FALSE(base64_decode("Zm=vYg==", out, bad));  // padding inside
  CHECK(bad == 2);
  CHECK_FALSE(base64_decode("Zm9v=g==", out, bad));  // padding in the first place of the last quad
  CHECK(bad == 4);
}

Tensor decode(const json& j) {
  return read_tensor(j, "t.json", "x");
}

TEST_CASE("tensor_codec: little-endian dtypes from base64", "[network_json]") {
  // int16 [-2, 513] = FE FF 01 02; int32 [-2] = FE FF FF FF; float64 [-1.5] = 00.. F8 BF; int8 [-128, 127] = 80 7F.
  CHECK(decode({{"dtype", "int16"}, {"shape", {2}}, {"base64", "/v8BAg=="}}).ints == std::vector<int32_t>{-2, 513});
  CHECK(decode({{"dtype", "int32"}, {"shape", {1}}, {"base64", "/v///w=="}}).ints == std::vector<int32_t>{-2});
  CHECK(decode({{"dtype", "float64"}, {"shape", {1}}, {"base64", "AAAAAAAA+L8="}}).reals == std::vector<double>{-1.5});
  CHECK(decode({{"dtype", "int8"}, {"shape", {2}}, {"base64", "gH8="}}).ints == std::vector<int32_t>{-128, 127});
  CHECK(decode({{"dtype", "uint8"}, {"shape", {2}}, {"base64", "gH8="}}).ints == std::vector<int32_t>{128, 127});
}

TEST_CASE("tensor_codec: encoders give back the same tensor", "[network_json]") {
  const std::vector<int32_t> v = {-32768, -1, 0, 1, 32767};
  for (bool b64 : {true, false}) {
    CHECK(decode(int_tensor_json(DType::Int16, {5}, v, b64)).ints == v);
    const std::vector<double> f = {0.1, -2.5, 1e-30, 3.0};
    CHECK(decode(float_tensor_json(DType::Float64, {2, 2}, f, b64)).reals == f);
    CHECK(decode(float_tensor_json(DType::Float32, {4}, f, b64)).reals ==
          std::vector<double>{double(0.1f), -2.5, double(1e-30f), 3.0});
  }
}

TEST_CASE("tensor_codec: inline data, flat or nested", "[network_json]") {
  const Tensor flat = decode({{"dtype", "int32"}, {"shape", {2, 3}}, {"data", {1, 2, 3, 4, 5, 6}}});
  const Tensor nested = decode({{"dtype", "int32"}, {"shape", {2, 3}}, {"data", {{1, 2, 3}, {4, 5, 6}}}});
  CHECK(flat.ints == nested.ints);
  CHECK(nested.shape == std::vector<int64_t>{2, 3});
  CHECK(decode({{"dtype", "float32"}, {"shape", {1}}, {"data", {0.1}}}).reals[0] == double(0.1f));
  auto fails = [](const json& j, const std::string& part) {
    try {
      decode(j);
    } catch (const ConfigError& e) {
      const std::string m = e.what();
      INFO(m);
      CHECK(m.rfind("t.json: x.", 0) == 0);
      CHECK(m.find(part) != std::string::npos);
      return;
    }
    FAIL("no ConfigError for " << j.dump());
  };
  fails({{"dtype", "int32"}, {"shape", {2, 3}}, {"data", {{1, 2}, {4, 5, 6}}}}, "x.data[0]");
  fails({{"dtype", "int8"}, {"shape", {1}}, {"data", {128}}}, "x.data[0]");
  fails({{"dtype", "uint8"}, {"shape", {1}}, {"data", {-1}}}, "x.data[0]");
  fails({{"dtype", "int32"}, {"shape", {1}}, {"data", {1.5}}}, "integer");
  fails({{"dtype", "float16"}, {"shape", {1}}, {"data", {1}}}, "x.dtype");
  fails({{"dtype", "int8"}, {"shape", {0}}, {"data", json::array()}}, "x.shape");
  fails({{"dtype", "int8"}, {"shape", {1}}}, "exactly one");
  fails({{"dtype", "int8"}, {"shape", {1}}, {"data", {1}}, {"base64", "AQ=="}}, "exactly one");
}

}  // namespace
}  // namespace lvsim
