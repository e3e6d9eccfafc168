// Cross-check of lvsim's counts and energy accounting against a published Timeloop/Accelergy
// result (docs/energy-model.md "Cross-check"): the reference output of the
// `simple_weight_stationary` example in Accelergy-Project/timeloop-accelergy-exercises
// (workspace/example_designs/example_designs/simple_weight_stationary/ref_outputs/default_problem/
// timeloop-mapper.stats.txt): MobileNet conv1 (C = 3, M = 32, R = S = 3, stride 2, P = Q = 112)
// on a 45 nm 16 x 16 weight-stationary array with LPDDR4, 151.67 uJ in all. Its per-compute
// energies ("fJ/Compute"): mac 315.00, output_activation_reg 128.00, input_activation_reg 144.00,
// weight_reg 144.00, pe_spad 6.22, shared_glb 6712.38, DRAM 6544.64, total 13994.23; computes
// 10,838,016; DRAM scalar accesses 864 weights + 151,875 inputs + 401,408 outputs at 128 pJ per
// 16-bit scalar (512 pJ per 64-bit vector).
//
// lvsim runs the same layer (a SCALE-Sim topology row, inputs padded to 225 x 225) on a 16 x 16
// WS array with the same per-action energies: MAC 0.315 pJ, PE registers 0.144 pJ per 16-bit
// access (0.009 pJ per bit), DRAM 128 pJ per scalar (lvsim moves one byte per 8-bit code, so
// 128 pJ per byte). Compared: the MAC count (exact), the DRAM energy (compulsory traffic in both:
// within 0.1 %, lvsim pads each filter's weights to whole SRAM words), the MAC energy (exact given
// the count) and the PE register energy per MAC (lvsim counts register bits its systolic model
// writes; Timeloop counts register accesses its mapping makes: within 10 %). Not compared: the
// global buffer, whose traffic depends on the mapping (Timeloop's mapper chose one using 12 of
// the 256 PEs, 4.69 % utilization, accumulating outputs in the buffer; lvsim maps the 27 x 32
// GEMM onto 2 x 2 folds of the whole array).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

#include "energy/energy_model.h"
#include "energy/operating_point.h"
#include "energy/technology.h"
#include "models/architecture.h"
#include "models/timing_model.h"
#include "sim/cli/presets.h"
#include "workloads/network/topology.h"

using namespace lvsim;

namespace {

constexpr int64_t kTimeloopComputes = 10838016;
constexpr double kTimeloopMacFj = 315.00, kTimeloopDramFj = 6544.64;
constexpr double kTimeloopRegisterFj = 128.00 + 144.00 + 144.00;  // output, input, weight registers

nlohmann::json timeloop_tech_json() {
  std::ifstream in(std::string(LVSIM_SOURCE_DIR) + "/presets/tech/45nm.json");
  nlohmann::json j = nlohmann::json::parse(in);
  auto& d = j["dynamic_energy"];
  for (auto& [bits, pj] : d["mac_multiply_pj_by_weight_bits"].items()) pj = 0.315;  // Timeloop's "mac" = one compute
  d["accumulator_add_pj"] = 0.0;                                                    // included in the 0.315 pJ compute
  d["pe_register_write_pj_per_bit"] = 0.144 / 16;  // 0.144 pJ per 16-bit register access
  d["dram_pj_per_byte"] = 128.0;                   // per scalar: 512 pJ per 64-bit vector of four
  return j;
}

}  // namespace

TEST_CASE("Timeloop/Accelergy simple_weight_stationary: MACs, DRAM and PE register energy agree",
          "[energy][crosscheck]") {
  TopologyLayer conv1;
  conv1.name = "mobilenet_conv1";
  conv1.ifmap_h = conv1.ifmap_w = 225, conv1.filter_h = conv1.filter_w = 3;
  conv1.channels = 3, conv1.num_filters = 32, conv1.stride = 2;
  const Network net = topology_layer_network(conv1, "mobilenet_conv1.csv");
  REQUIRE(net.total_macs() == kTimeloopComputes);

  nlohmann::json aj = nlohmann::json::parse(R"({
    "name": "timeloop-sws-16x16",
    "array": {"rows": 16, "cols": 16, "dataflow": "weight_stationary"},
    "pe": {"weight_bits_max": 8, "activation_bits": 8, "accumulator_bits": 32},
    "weight_sram": {"banks": 16, "rows_per_bank": 8192, "word_bits": 64, "ecc": "none", "read_ports_per_bank": 1},
    "input_buffer_bytes": 262144, "output_buffer_bytes": 2097152,
    "post_processing_lanes": 16, "clock_hz": 1.0e9})");
  const ArchitectureParams arch = architecture_from_json(aj, "timeloop-sws-16x16.json");
  const TechnologyParams tech = TechnologyParams::from_json(timeloop_tech_json(), "45nm-timeloop.json");
  const OperatingPoint op = nominal_operating_point(tech);
  const EnergyModel em(tech, energy_hardware(arch));

  ActionCounts counts;
  for (size_t l = 0; l < net.layers.size(); ++l) counts += layer_timing(arch, net, int(l)).counts;
  REQUIRE(counts.macs() == kTimeloopComputes);
  const EnergyBreakdown e = em.breakdown(counts, op);
  const EnergyBreakdown load = em.breakdown(model_load_counts(arch, net, op.clock_hz), op);
  const double macs = double(kTimeloopComputes);

  // MAC: Timeloop's compute energy per compute.
  CHECK(e.array_macs_pj * 1e3 / macs == Approx(kTimeloopMacFj).epsilon(1e-9));
  // DRAM: image in, results out, weights once (lvsim's model load), at Timeloop's per-scalar cost.
  const double dram_fj = (e.dram_pj + load.dram_pj) * 1e3 / macs;
  INFO("lvsim DRAM " << dram_fj << " fJ/MAC, Timeloop " << kTimeloopDramFj);
  CHECK(std::abs(dram_fj / kTimeloopDramFj - 1.0) < 1e-3);
  // PE registers: lvsim's counted register bits against Timeloop's register accesses.
  const double reg_fj = e.pe_registers_pj * 1e3 / macs;
  INFO("lvsim PE registers " << reg_fj << " fJ/MAC, Timeloop " << kTimeloopRegisterFj);
  CHECK(std::abs(reg_fj / kTimeloopRegisterFj - 1.0) < 0.10);
}
