#include "sim/workload_timing.h"

#include "common/errors.h"
#include "workloads/network_json.h"
#include "workloads/network_loader.h"
#include "workloads/topology.h"
#include "workloads/weight_requantization.h"

namespace lvsim {

LoadedWorkload load_workload(const std::string& name, const std::string& path, bool topology) {
  LoadedWorkload l;
  l.name = name;
  l.topology = topology;
  if (topology) {
    const Topology t = read_topology_csv(path);
    for (const TopologyLayer& layer : t.layers) l.nets.push_back(topology_layer_network(layer, path));
  } else {
    l.nets.push_back(load_network(path));
  }
  return l;
}

LoadedWorkload at_weight_bits(const LoadedWorkload& w, int bits) {
  if (bits == 0) return w;
  LoadedWorkload c = w;
  for (Network& net : c.nets) {
    if (w.topology)
      set_weight_bits_for_timing(net, bits);
    else
      requantize_weights(net, bits);
  }
  return c;
}

WorkloadResult time_workload(const LoadedWorkload& w, const ArchitectureParams& arch) {
  WorkloadResult r;
  for (const Network& net : w.nets) {
    try {
      arch.check_fits(net);
    } catch (const UserError& e) {
      r.reason = (w.topology ? "layer " + net.name + ": " : std::string()) + e.what();
      return r;
    }
    for (size_t l = 0; l < net.layers.size(); ++l) {
      const LayerTiming t = layer_timing(arch, net, int(l));
      r.cycles += t.cycles;
      r.stall_cycles += t.stall_cycles;
      r.counts += t.counts;
      if (net.layers[l].has_weights()) r.layers.emplace_back(net.layers[l].name, t);
    }
    r.macs += net.total_macs();
    for (const Layer& L : net.layers) r.weight_bytes += int64_t(L.weight.stored.size()) * L.weight.bits / 8;
  }
  r.feasible = true;
  return r;
}

}  // namespace lvsim
