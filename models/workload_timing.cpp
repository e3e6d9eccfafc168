#include "models/workload_timing.h"

#include "common/errors.h"
#include "models/mapper.h"
#include "workloads/import/network_loader.h"
#include "workloads/network/network_json.h"
#include "workloads/network/topology.h"
#include "workloads/network/weight_requantization.h"

namespace lvsim {

LoadedWorkload load_workload(const std::string& name, const std::string& path, bool topology) {
  LoadedWorkload l;
  l.name = name;
  l.topology = topology;
  if (topology) {
    l.layers = read_topology_csv(path).layers;
    l.source_file = path;
    int64_t weights = 0;
    for (const TopologyLayer& layer : l.layers) weights += layer.weights();  // within kTopologyMaxWeights
    if (weights <= kPrebuiltTopologyWeights)
      for (const TopologyLayer& layer : l.layers) l.nets.push_back(topology_layer_network(layer, path));
  } else {
    l.nets.push_back(load_network(path));
  }
  return l;
}

LoadedWorkload at_weight_bits(const LoadedWorkload& w, int bits) {
  if (bits == 0) return w;
  LoadedWorkload c = w;
  if (w.topology) c.topology_weight_bits = bits;
  for (Network& net : c.nets) {
    if (w.topology)
      set_weight_bits_for_timing(net, bits);
    else
      requantize_weights(net, bits);
  }
  return c;
}

namespace {

// Every count of a topology's timing fits in 64 bits: the largest, the register bit-clocks of the
// whole array over all cycles so far, is bounded here in floating point (the file's limits keep
// each factor small enough that the closed form's own products do not wrap first).
void check_counts_fit(const ArchitectureParams& arch, int64_t cycles_before, const LayerTiming& t,
                      const std::string& where) {
  const long double bit_clocks = 64.0L * arch.rows * arch.cols * ((long double)(cycles_before) + t.cycles);
  if (t.cycles < 0 || t.stall_cycles < 0 || bit_clocks >= 0x1p62L)
    throw ConfigError(where +
                      ": its counts on this architecture exceed 2^62 (cycles x PEs x 64 register bits); "
                      "split the layer");
}

// A topology layer's network, built for its timing and released after it.
Network topology_net(const LoadedWorkload& w, size_t i) {
  Network net = topology_layer_network(w.layers[i], w.source_file);
  if (w.topology_weight_bits != 0) set_weight_bits_for_timing(net, w.topology_weight_bits);
  return net;
}

// Adds one network's timing to `r`; false (with r.reason) when it does not fit the architecture.
bool add_network(const Network& net, bool topology, const std::string& where, const ArchitectureParams& base,
                 const TechnologyParams* tech, WorkloadResult& r) {
  ArchitectureParams arch;
  try {
    base.check_fits(net);
    arch = map_layers(base, net, tech);
  } catch (const UserError& e) {
    r.reason = (topology ? "layer " + net.name + ": " : std::string()) + e.what();
    return false;
  }
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const LayerTiming t = layer_timing(arch, net, int(l));
    if (topology) check_counts_fit(arch, r.cycles, t, where);
    r.cycles += t.cycles;
    r.stall_cycles += t.stall_cycles;
    r.counts += t.counts;
    if (!net.layers[l].has_weights()) continue;
    r.layers.emplace_back(net.layers[l].name, t);
    r.layer_dataflows.push_back(arch.dataflow_of(int(l)));
  }
  r.macs += net.total_macs();
  for (const Layer& L : net.layers) r.weight_bytes += int64_t(L.weight.stored.size()) * L.weight.bits / 8;
  return true;
}

}  // namespace

WorkloadResult time_workload(const LoadedWorkload& w, const ArchitectureParams& arch, const TechnologyParams* tech) {
  WorkloadResult r;
  r.mapped = arch.maps_layers();
  const bool built = !w.topology || !w.nets.empty();
  for (size_t i = 0; i < (built ? w.nets.size() : w.layers.size()); ++i) {
    const std::string where = w.topology ? w.source_file + ": layer " + w.layers[i].name : "";
    if (!add_network(built ? w.nets[i] : topology_net(w, i), w.topology, where, arch, tech, r)) return r;
  }
  r.feasible = true;
  return r;
}

}  // namespace lvsim
