// Helpers shared by the network import/export tests: temporary files and error assertions.
#pragma once

#include <unistd.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/errors.h"
#include "workloads/import/network_loader.h"
#include "workloads/network/network_json.h"

namespace lvsim::test {

/// An activation quantization object as the network format writes it.
inline nlohmann::json quant(double scale, int zp) {
  return {{"scale", scale}, {"zero_point", zp}};
}

inline std::filesystem::path network_test_dir() {
  auto dir = std::filesystem::temp_directory_path() / ("lvsim_test_network_json_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

/// Writes `text` to a file of the test's temporary directory and returns its path.
inline std::string write_temp(const std::string& name, const std::string& text) {
  const auto p = network_test_dir() / name;
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}

inline std::string write_temp(const std::string& name, const nlohmann::json& doc) {
  return write_temp(name, doc.dump(1));
}

/// Loads `path` expecting error type E whose message starts with "path: " and contains every part.
template <class E>
void require_load_error(const std::string& path, const std::vector<std::string>& parts) {
  std::string message;
  bool right_type = false, other = false;
  try {
    load_network(path);
  } catch (const E& e) {
    right_type = true;
    message = e.what();
  } catch (const std::exception& e) {
    other = true;
    message = e.what();
  }
  INFO("message: " << message);
  REQUIRE_FALSE(other);
  REQUIRE(right_type);
  CHECK(message.rfind(path + ": ", 0) == 0);
  for (const auto& p : parts) CHECK(message.find(p) != std::string::npos);
}

}  // namespace lvsim::test
