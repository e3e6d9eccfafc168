#include "models/architecture.h"

#include <algorithm>
#include <cmath>

#include "common/errors.h"
#include "memory/weight_layout.h"
#include "models/weight_streaming.h"

namespace lvsim {

const char* dataflow_name(Dataflow d) {
  switch (d) {
    case Dataflow::WeightStationary:
      return "weight_stationary";
    case Dataflow::OutputStationary:
      return "output_stationary";
    case Dataflow::InputStationary:
      return "input_stationary";
  }
  return "?";
}

ArchitectureParams ArchitectureParams::from_json(JsonObject& o) {
  ArchitectureParams p;
  p.name = o.get_string("name", "");
  {
    JsonObject a = o.get_object("array");
    p.rows = int(a.get_int("rows", 1, 4096));
    p.cols = int(a.get_int("cols", 1, 4096));
    const std::string df = a.get_enum("dataflow", {"weight_stationary", "output_stationary", "input_stationary"});
    p.dataflow = df == "weight_stationary"   ? Dataflow::WeightStationary
                 : df == "output_stationary" ? Dataflow::OutputStationary
                                             : Dataflow::InputStationary;
    a.finish();
  }
  {
    JsonObject pe = o.get_object("pe");
    p.pe.weight_bits_max = int(pe.get_int("weight_bits_max", 2, 8));
    p.pe.activation_bits = int(pe.get_int("activation_bits", 8, 8, 8));
    p.pe.accumulator_bits = int(pe.get_int("accumulator_bits", 32, 32, 32));
    pe.finish();
  }
  {
    JsonObject w = o.get_object("weight_sram");
    p.weight_sram = WeightSramParams::from_json(w);
  }
  p.input_buffer_bytes = o.get_int("input_buffer_bytes", 1, int64_t(1) << 40);
  p.output_buffer_bytes = o.get_int("output_buffer_bytes", 1, int64_t(1) << 40);
  p.post_processing_lanes = int(o.get_int("post_processing_lanes", 1, 1 << 20));
  p.clock_hz = o.get_double("clock_hz", 1e3, 1e12);
  if (o.has("gating")) {
    JsonObject g = o.get_object("gating");
    p.pe_clock_gating = g.get_bool("pe_clock_gating");
    p.zero_operand_gating = g.get_bool("zero_operand_gating");
    g.finish();
  }
  if (o.has("dram")) {
    JsonObject d = o.get_object("dram");
    p.dram_bandwidth_bytes_per_s = d.get_double("bandwidth_bytes_per_s", 1e6, 1e15, p.dram_bandwidth_bytes_per_s);
    p.inferences_per_model_load =
        d.get_int("inferences_per_model_load", 1, int64_t(1) << 50, p.inferences_per_model_load);
    p.weight_sram.streamed = d.get_enum("weights", {"resident", "streamed"}, "resident") == "streamed";
    d.finish();
  }
  o.finish();
  return p;
}

ArchitectureParams ArchitectureParams::from_json_file(const std::string& path) {
  const nlohmann::json doc = parse_json_file(path);
  JsonObject o(doc, path, "");
  ArchitectureParams p = from_json(o);
  p.source_file = path;
  if (p.name.empty()) {
    const size_t slash = path.find_last_of('/');
    std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    const size_t dot = base.rfind(".json");
    p.name = dot == std::string::npos ? base : base.substr(0, dot);
  }
  return p;
}

void ArchitectureParams::check_fits(const Network& net) const {
  const std::string where = !source_file.empty() ? source_file : name.empty() ? "architecture" : name;
  // Activations and accumulators larger than the buffers go through DRAM (timing_model.h).
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& L = net.layers[i];
    if (!L.has_weights()) continue;
    if (L.weight.bits > pe.weight_bits_max)
      throw ConfigError(located(where, "pe.weight_bits_max",
                                "layer '" + L.name + "' has " + std::to_string(L.weight.bits) +
                                    "-bit weights, the PEs take at most " + std::to_string(pe.weight_bits_max)));
  }
  try {
    WeightLayout check(weight_sram, net);
    // Streamed weights: each streaming unit (a filter tile) must fit the SRAM at once.
    for (size_t i = 0; i < net.layers.size(); ++i) plan_weight_stream(*this, net, int(i), check);
  } catch (const ConfigError& e) {
    // The layout names the network; the fix is in the architecture, so name that file too.
    throw ConfigError(located(where, "weight_sram", e.what()));
  }
}

EnergyHardware energy_hardware(const ArchitectureParams& arch) {
  const WeightSramParams& s = arch.weight_sram;
  EnergyHardware hw;
  hw.array_rows = arch.rows;
  hw.array_cols = arch.cols;
  hw.weight_sram_banks = s.banks;
  hw.word_bits = s.word_bits;
  hw.ecc_check_bits = s.check_bits();
  hw.bank_bytes = s.rows_per_bank * (s.word_bits + s.check_bits()) / 8;
  hw.weight_sram_bytes = hw.bank_bytes * s.banks;
  hw.input_buffer_bytes = arch.input_buffer_bytes;
  hw.output_buffer_bytes = arch.output_buffer_bytes;
  hw.pe_clock_gating = arch.pe_clock_gating;
  hw.zero_operand_gating = arch.zero_operand_gating;
  return hw;
}

int64_t dram_transfer_cycles(const ArchitectureParams& arch, int64_t bytes, double clock_hz) {
  if (bytes <= 0) return 0;
  return int64_t(std::ceil(double(bytes) * clock_hz / arch.dram_bandwidth_bytes_per_s));
}

}  // namespace lvsim
