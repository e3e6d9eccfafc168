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

const char* mapping_objective_name(MappingObjective o) {
  switch (o) {
    case MappingObjective::Cycles:
      return "cycles";
    case MappingObjective::Energy:
      return "energy";
    case MappingObjective::Edp:
      return "edp";
  }
  return "?";
}

namespace {

const std::vector<std::string> kDataflowNames = {"weight_stationary", "output_stationary", "input_stationary"};

Dataflow dataflow_from_name(const std::string& name) {
  return name == "weight_stationary"   ? Dataflow::WeightStationary
         : name == "output_stationary" ? Dataflow::OutputStationary
                                       : Dataflow::InputStationary;
}

/// array.dataflows: 1..3 distinct dataflow names, returned in the order WS < OS < IS.
std::vector<Dataflow> read_dataflow_list(JsonObject& a) {
  const nlohmann::json& list = a.at("dataflows");
  if (!list.is_array() || list.empty())
    a.fail("dataflows",
           "must be a non-empty array of dataflow names (weight_stationary, output_stationary, input_stationary)");
  std::vector<Dataflow> out;
  for (const nlohmann::json& v : list) {
    if (!v.is_string() ||
        std::find(kDataflowNames.begin(), kDataflowNames.end(), v.get<std::string>()) == kDataflowNames.end())
      a.fail("dataflows", v.dump() + " is not a dataflow (weight_stationary, output_stationary, input_stationary)");
    const Dataflow d = dataflow_from_name(v.get<std::string>());
    if (std::find(out.begin(), out.end(), d) != out.end()) a.fail("dataflows", v.dump() + " is listed twice");
    out.push_back(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// The array object: geometry, the dataflow or the dataflows the mapper chooses among, its objective.
void read_array(JsonObject& a, ArchitectureParams& p) {
  p.rows = int(a.get_int("rows", 1, 4096));
  p.cols = int(a.get_int("cols", 1, 4096));
  const bool listed = a.has("dataflows");
  if (listed && a.has("dataflow"))
    a.fail("dataflow",
           "give either array.dataflow (one dataflow) or array.dataflows (the mapper chooses per layer), not both");
  if (listed) {
    p.supported_dataflows = read_dataflow_list(a);
    p.dataflow = p.supported_dataflows.front();
  } else {
    p.dataflow = dataflow_from_name(a.get_enum("dataflow", kDataflowNames));
  }
  if (a.has("mapping_objective")) {
    if (!listed) a.fail("mapping_objective", "needs array.dataflows (the dataflows the mapper chooses among)");
    const std::string o = a.get_enum("mapping_objective", {"cycles", "energy", "edp"});
    p.mapping_objective = o == "cycles"   ? MappingObjective::Cycles
                          : o == "energy" ? MappingObjective::Energy
                                          : MappingObjective::Edp;
  }
  p.weight_prefetch = a.get_bool("weight_prefetch", false);
  a.finish();
}

/// ConfigError when layer `layer`'s streaming unit fits the SRAM in none of the dataflows it may
/// run in (its mapped one, or every supported one while unmapped; the last one's error).
void check_streaming_fits(const ArchitectureParams& arch, const Network& net, int layer, const WeightLayout& layout) {
  if (!arch.maps_layers() || size_t(layer) < arch.layer_dataflows.size()) {
    plan_weight_stream(arch, net, layer, layout);
    return;
  }
  ArchitectureParams a = arch;
  a.layer_dataflows.clear();
  for (size_t k = 0; k < arch.supported_dataflows.size(); ++k) {
    a.dataflow = arch.supported_dataflows[k];
    try {
      plan_weight_stream(a, net, layer, layout);
      return;
    } catch (const ConfigError&) {
      if (k + 1 == arch.supported_dataflows.size()) throw;
    }
  }
}

}  // namespace

ArchitectureParams ArchitectureParams::from_json(JsonObject& o) {
  ArchitectureParams p;
  p.name = o.get_string("name", "");
  {
    JsonObject a = o.get_object("array");
    read_array(a, p);
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
  p.post_processing_overlap = o.get_bool("post_processing_overlap", false);
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
  if (p.weight_prefetch && p.weight_sram.streamed)
    o.fail(
        "array.weight_prefetch",
        "needs resident weights (dram.weights \"resident\"): a streamed layer's first fold waits for its DRAM burst");
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
    // Streamed weights: each streaming unit (a filter tile) must fit the SRAM at once, in the
    // layer's dataflow or, before the mapper has chosen, in one of the supported dataflows.
    for (size_t i = 0; i < net.layers.size(); ++i) check_streaming_fits(*this, net, int(i), check);
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
