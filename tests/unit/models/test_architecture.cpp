#include <catch2/catch.hpp>

#include <fstream>

#include "common/errors.h"
#include "models/architecture.h"

using namespace lvsim;

TEST_CASE("shipped architecture presets load", "[architecture]") {
  const ArchitectureParams e = ArchitectureParams::from_json_file(LVSIM_SOURCE_DIR "/presets/arch/edge-16x16.json");
  CHECK(e.rows == 16);
  CHECK(e.cols == 16);
  CHECK(e.dataflow == Dataflow::WeightStationary);
  CHECK(e.weight_sram.capacity_bits() >= 8 * 1024 * 1024);
  const ArchitectureParams t = ArchitectureParams::from_json_file(LVSIM_SOURCE_DIR "/presets/arch/tpu-128x128.json");
  CHECK(t.rows == 128);
  CHECK(t.name == "tpu-128x128");
}

TEST_CASE("architecture files: unknown keys and bad values are located errors", "[architecture]") {
  const std::string path = LVSIM_BINARY_DIR "/test_arch_bad.json";
  auto write = [&](const std::string& text) { std::ofstream(path) << text; };
  const std::string good_sram = R"("weight_sram": {"banks": 4, "rows_per_bank": 64, "word_bits": 64})";
  write(
      R"({"array": {"rows": 4, "cols": 4, "dataflow": "weight_stationary"}, "pe": {"weight_bits_max": 8},)" +
      good_sram +
      R"(, "input_buffer_bytes": 10, "output_buffer_bytes": 10, "post_processing_lanes": 2, "clock_hz": 1e8, "colour": 1})");
  CHECK_THROWS_AS(ArchitectureParams::from_json_file(path), ConfigError);
  write(R"({"array": {"rows": 4, "cols": 4, "dataflow": "diagonal"}, "pe": {"weight_bits_max": 8},)" + good_sram +
        R"(, "input_buffer_bytes": 10, "output_buffer_bytes": 10, "post_processing_lanes": 2, "clock_hz": 1e8})");
  CHECK_THROWS_WITH(ArchitectureParams::from_json_file(path), Catch::Contains("array.dataflow"));
  write(R"({"array": {"rows": 4, "cols": 4, "dataflow": "output_stationary"}, "pe": {"weight_bits_max": 9},)" +
        good_sram +
        R"(, "input_buffer_bytes": 10, "output_buffer_bytes": 10, "post_processing_lanes": 2, "clock_hz": 1e8})");
  CHECK_THROWS_WITH(ArchitectureParams::from_json_file(path), Catch::Contains("pe.weight_bits_max"));
  write(R"({"array": {"rows": 4, "cols": 4, "dataflow": "output_stationary"}, "pe": {"weight_bits_max": 4},)" +
        good_sram +
        R"(, "input_buffer_bytes": 10, "output_buffer_bytes": 10, "post_processing_lanes": 2, "clock_hz": 1e8})");
  const ArchitectureParams p = ArchitectureParams::from_json_file(path);
  CHECK(p.dataflow == Dataflow::OutputStationary);
  CHECK(p.name == "test_arch_bad");
}

TEST_CASE("architecture: array.weight_prefetch is a boolean, off by default, on in the TPU v4 preset",
          "[architecture]") {
  CHECK_FALSE(ArchitectureParams::from_json_file(LVSIM_SOURCE_DIR "/presets/arch/edge-16x16.json").weight_prefetch);
  CHECK(ArchitectureParams::from_json_file(LVSIM_SOURCE_DIR "/presets/arch/tpu-v4-128x128.json").weight_prefetch);
  const std::string path = LVSIM_BINARY_DIR "/test_arch_prefetch.json";
  auto write = [&](const std::string& array, const std::string& dram) {
    std::ofstream(path) << R"({"array": {"rows": 4, "cols": 4, "dataflow": "weight_stationary", )" << array
                        << R"(}, "pe": {"weight_bits_max": 8}, "weight_sram": {"banks": 4, "rows_per_bank": 64, )"
                        << R"("word_bits": 64}, "input_buffer_bytes": 10, "output_buffer_bytes": 10, )"
                        << R"("post_processing_lanes": 2, "clock_hz": 1e8)" << dram << "}";
  };
  write(R"("weight_prefetch": true)", "");
  CHECK(ArchitectureParams::from_json_file(path).weight_prefetch);
  write(R"("weight_prefetch": 1)", "");
  CHECK_THROWS_WITH(ArchitectureParams::from_json_file(path), Catch::Contains("array.weight_prefetch: expected true"));
  write(R"("weight_prefetch": true)", R"(, "dram": {"weights": "streamed"})");
  CHECK_THROWS_WITH(ArchitectureParams::from_json_file(path),
                    Catch::Contains("array.weight_prefetch: needs resident weights"));
  write(R"("weight_prefetch": false)", R"(, "dram": {"weights": "streamed"})");
  CHECK_FALSE(ArchitectureParams::from_json_file(path).weight_prefetch);
}

TEST_CASE("architecture: post_processing_overlap is a boolean, off by default, on in the TPU v4 preset",
          "[architecture]") {
  for (const char* preset : {"edge-16x16", "edge-16x16-streamed", "tpu-128x128"})
    CHECK_FALSE(ArchitectureParams::from_json_file(std::string(LVSIM_SOURCE_DIR "/presets/arch/") + preset + ".json")
                    .post_processing_overlap);
  CHECK(
      ArchitectureParams::from_json_file(LVSIM_SOURCE_DIR "/presets/arch/tpu-v4-128x128.json").post_processing_overlap);
  const std::string path = LVSIM_BINARY_DIR "/test_arch_overlap.json";
  auto write = [&](const std::string& value) {
    std::ofstream(path) << R"({"array": {"rows": 4, "cols": 4, "dataflow": "weight_stationary"}, )"
                        << R"("pe": {"weight_bits_max": 8}, "weight_sram": {"banks": 4, "rows_per_bank": 64, )"
                        << R"("word_bits": 64}, "input_buffer_bytes": 10, "output_buffer_bytes": 10, )"
                        << R"("post_processing_lanes": 2, "post_processing_overlap": )" << value
                        << R"(, "clock_hz": 1e8})";
  };
  write("true");
  CHECK(ArchitectureParams::from_json_file(path).post_processing_overlap);
  write("\"yes\"");
  CHECK_THROWS_WITH(ArchitectureParams::from_json_file(path),
                    Catch::Contains("post_processing_overlap: expected true"));
}
