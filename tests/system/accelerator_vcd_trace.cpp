// SystemC with VCD tracing: a small network on a 4x4 output-stationary array; the trace file
// holds the traced signals and changes only inside the requested window, and the run still
// matches the golden engine.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "memory/weight_memory.h"
#include "models/accelerator_top.h"
#include "tests/support/models_test_util.h"
#include "workloads/inference/reference_inference.h"

using namespace lvsim;

// Linked SystemC needs the symbol; Catch2's main drives the kernel through sc_start().
int sc_main(int, char*[]) {
  return 0;
}

TEST_CASE("VCD trace of one layer's cycle window", "[system]") {
  const Network net = test::make_mini_network(5);
  ArchitectureParams arch;
  arch.rows = arch.cols = 4;
  arch.dataflow = Dataflow::OutputStationary;
  arch.weight_sram.banks = 2;
  arch.weight_sram.rows_per_bank = 1024;
  arch.post_processing_lanes = 4;
  const std::vector<uint8_t> pixels = test::random_input(net, 9);
  const std::vector<uint8_t> in = preprocess_image(net, pixels.data());
  WeightMemory wm(arch.weight_sram, net);
  TraceOptions trace;
  trace.vcd_file = LVSIM_BINARY_DIR "/accelerator_vcd_trace";
  trace.layer = 0;
  trace.first_cycle = 10;
  trace.last_cycle = 30;
  std::filesystem::remove(trace.vcd_file + ".vcd");
  {
    const std::vector<ImageRun> runs = run_network_systemc(arch, net, wm, {in}, trace);
    const auto golden = run_all_layers(net, pixels.data(), stored_weights(net));
    for (size_t l = 0; l < net.layers.size(); ++l) CHECK(runs[0].layers[l].output == golden[l]);
  }
  std::ifstream f(trace.vcd_file + ".vcd");
  REQUIRE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string vcd = ss.str();
  CHECK(vcd.find("pe_0_0_psum") != std::string::npos);
  CHECK(vcd.find("left_in_0") != std::string::npos);
  CHECK(vcd.find("sram_reads") != std::string::npos);
  CHECK(vcd.find("layer_cycle") != std::string::npos);
  // Value changes only inside the window: at most one timestamp per traced cycle (+ the header dump).
  int64_t stamps = 0;
  for (size_t p = vcd.find("\n#"); p != std::string::npos; p = vcd.find("\n#", p + 1)) ++stamps;
  CHECK(stamps >= 10);
  CHECK(stamps <= trace.last_cycle - trace.first_cycle + 3);
}
