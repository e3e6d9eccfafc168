// SCALE-Sim topology files as workloads: timing and energy without weights, data or
// quantization. Each row is one layer, run on its own (as SCALE-Sim does), with the input sizes
// given already padded and SCALE-Sim's output size ceil((H - F + s) / s) (docs/studies.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "workloads/network/network.h"

namespace lvsim {

/// One row of a topology file (a GEMM row M, N, K is the conv ifmap M x K, filter 1 x K, one
/// channel, N filters, stride 1 — SCALE-Sim's own mapping).
struct TopologyLayer {
  std::string name;
  int64_t ifmap_h = 0, ifmap_w = 0, filter_h = 0, filter_w = 0, channels = 0, num_filters = 0, stride = 1;
  int64_t out_h() const {
    return (ifmap_h - filter_h + stride) / stride + ((ifmap_h - filter_h + stride) % stride != 0);
  }
  int64_t out_w() const {
    return (ifmap_w - filter_w + stride) / stride + ((ifmap_w - filter_w + stride) % stride != 0);
  }
  int64_t weights() const { return filter_h * filter_w * channels * num_filters; }
  int64_t macs() const { return out_h() * out_w() * weights(); }
};

struct Topology {
  std::string name;  // the file's name without folder and extension
  std::string source_file;
  bool gemm = false;  // GEMM format (M, N, K) rather than conv
  std::vector<TopologyLayer> layers;
};

/// Limits on a topology file (checked row by row while reading, before any layer is built): one
/// size of a row, and the work the whole file declares. Within them every count of a run fits in
/// 64 bits (checked again after timing, models/workload_timing.cpp).
inline constexpr int64_t kTopologyMaxDim = int64_t(1) << 20;      // any size of a row
inline constexpr int64_t kTopologyMaxLayers = int64_t(1) << 16;   // rows (layers) of one file
inline constexpr int64_t kTopologyMaxWeights = int64_t(1) << 28;  // sum of filter_h * filter_w * channels * filters
inline constexpr int64_t kTopologyMaxMacs = int64_t(1) << 40;     // sum of the layers' MACs
inline constexpr int64_t kTopologyMaxInputs = int64_t(1) << 40;   // sum of IFMAP height * width * channels

/// Reads a SCALE-Sim topology CSV, conv format (`Layer name, IFMAP Height, IFMAP Width, Filter
/// Height, Filter Width, Channels, Num Filter, Strides,`) or GEMM format (`Layer Name, M, N, K,`),
/// recognised by its header. FormatError / ConfigError naming the file, the row and the column.
Topology read_topology_csv(const std::string& path);

/// A one-layer network (8-bit zero weights, unit scales) with the layer's shapes, for the timing
/// model: the weights' values do not change cycles or action counts.
Network topology_layer_network(const TopologyLayer& layer, const std::string& source_file);

}  // namespace lvsim
