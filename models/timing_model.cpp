#include "models/timing_model.h"

#include <algorithm>
#include <cmath>

#include "memory/weight_layout.h"
#include "models/post_processing_unit.h"
#include "models/systolic_array.h"
#include "models/weight_streaming.h"

namespace lvsim {
namespace {

int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

}  // namespace

int64_t fold_cycles(const ArchitectureParams& arch, int64_t stream) {
  return 2 * int64_t(arch.rows) + arch.cols + stream - 2;
}

int64_t scalesim_fold_cycles(const ArchitectureParams& arch, Dataflow dataflow, int64_t stream) {
  return dataflow_rules(dataflow).scalesim_fold_cycles(arch.rows, arch.cols, stream);
}

std::vector<int64_t> fold_fetch_cycles(const ArchitectureParams& arch, const WeightLayout& layout, int layer,
                                       const FoldPlan& plan, int64_t* total_words) {
  const int64_t B = arch.weight_sram.banks, P = arch.weight_sram.read_ports_per_bank;
  std::vector<int64_t> fetch;
  fetch.reserve(plan.folds.size());
  std::vector<int64_t> per_bank(static_cast<size_t>(B), 0);
  int64_t words_all = 0;
  for (const Fold& f : plan.folds) {
    std::fill(per_bank.begin(), per_bank.end(), 0);
    int64_t base = 0;
    for_each_fold_word_run(layout, layer, plan.gemm.k, f, [&](int64_t lo, int64_t hi) {
      const int64_t n = hi - lo + 1;
      base += n / B;  // every bank gets n / B words of the run, the rest go to the banks from lo on
      for (int64_t i = 0; i < n % B; ++i) ++per_bank[size_t((lo + i) % B)];
      words_all += n;
    });
    int64_t most = 0;
    for (int64_t b = 0; b < B; ++b) most = std::max(most, base + per_bank[size_t(b)]);
    fetch.push_back(ceil_div(most, P));
  }
  if (total_words) *total_words = words_all;
  return fetch;
}

// The layer run before `layer`: layer - 1, flatten views skipped; for layer 0 the network's last
// (the previous inference's); `layer` itself in a network of one layer.
static int previous_layer(const Network& net, int layer) {
  const int n = int(net.layers.size());
  int prev = (layer + n - 1) % n;
  while (net.layers[size_t(prev)].type == LayerType::Flatten) prev = (prev + n - 1) % n;  // ends at `layer` at worst
  return prev;
}

// The prefetch window after layer `prev`, whose post-processing follows its array for `prev_post`
// cycles: its last fold and that post-processing, or the post-processing alone without weights.
static int64_t window_after(const ArchitectureParams& arch, const Network& net, int prev, int64_t prev_post) {
  return net.layers[size_t(prev)].has_weights() ? fold_cycles(arch, map_gemm(arch, net, prev).stream) + prev_post
                                                : prev_post;
}

int64_t weight_prefetch_window_cycles(const ArchitectureParams& arch, const Network& net, int layer) {
  if (!arch.weight_prefetch || arch.weight_sram.streamed || !net.layers.at(size_t(layer)).has_weights()) return 0;
  const int prev = previous_layer(net, layer);
  return window_after(arch, net, prev, exposed_post_cycles(arch, net, prev));
}

int64_t network_dram_bytes(const Network& net, int layer) {
  const Layer& L = net.layers.at(size_t(layer));
  int64_t bytes = 0;
  for (int src : L.inputs)
    if (src < 0) bytes += net.input_shape.size();
  if (layer == net.output) bytes += L.out_shape.size();
  return bytes;
}

static int64_t layer_input_bytes(const Network& net, const Layer& L) {
  int64_t bytes = 0;
  for (int src : L.inputs) bytes += src < 0 ? net.input_shape.size() : net.layers[size_t(src)].out_shape.size();
  return bytes;
}

int64_t activation_spill_bytes(const ArchitectureParams& arch, const Network& net, int layer) {
  const Layer& L = net.layers.at(size_t(layer));
  if (L.type == LayerType::Flatten) return 0;  // a view: no data moves
  const int64_t buffer = arch.input_buffer_bytes;
  int64_t bytes = 0;
  const int64_t in = layer_input_bytes(net, L);
  if (in > buffer) {
    const GemmMapping g = map_gemm(arch, net, layer);
    const int64_t passes = L.has_weights() ? dataflow_rules(g.dataflow).input_passes(g) : 1;
    // The network input's first pass is part of the image read network_dram_bytes counts.
    const bool reads_image = std::find(L.inputs.begin(), L.inputs.end(), -1) != L.inputs.end();
    bytes += (passes - (reads_image ? 1 : 0)) * (in - buffer);
  }
  // The network's output is written to DRAM anyway (network_dram_bytes).
  if (L.out_shape.size() > buffer && layer != net.output) bytes += L.out_shape.size() - buffer;
  return bytes;
}

int64_t accumulator_spill_bytes(const ArchitectureParams& arch, const Layer& L, int64_t traffic_bytes) {
  if (!L.has_weights()) return 0;
  const int64_t mn = L.gemm_m() * L.gemm_n(), held = arch.output_buffer_bytes / 4;
  if (mn <= held) return 0;
  return traffic_bytes / mn * (mn - held);  // traffic is a whole number of bytes per accumulator
}

// The layer cannot end before the DRAM has moved its traffic: `busy` DRAM cycles (weight bursts
// and spilled activations, back to back from the layer's start). The wait is a stall.
static void wait_for_dram(int64_t busy, LayerTiming& t) {
  if (busy <= t.cycles) return;
  t.stall_cycles += busy - t.cycles;
  t.cycles = busy;
}

ActionCounts model_load_counts(const ArchitectureParams& arch, const Network& net, double clock_hz) {
  ActionCounts a;
  if (arch.weight_sram.streamed) return a;  // every inference streams its weights (layer_timing counts them)
  const WeightLayout layout(arch.weight_sram, net);
  a.weight_sram_writes = layout.words_used();
  if (arch.weight_sram.secded()) a.ecc_encodes = a.weight_sram_writes;
  a.dram_bytes = (layout.words_used() * arch.weight_sram.word_bits + 7) / 8;
  a.cycles = dram_transfer_cycles(arch, a.dram_bytes, clock_hz);
  return a;
}

// Streamed weights: the cycle each fold ends, from the schedule of docs/timing-model.md
// ("Streamed weights"). Cycles count from the layer's start; a burst of unit u occupies the DRAM for
// [start, start + dram_cycles) and its words can be fetched from `ready` on; fold f's fetch starts
// once fold f-1 has begun (double-buffered staging) and its unit is ready; fold f begins when its
// words are fetched and fold f-1 has ended.
static std::vector<int64_t> streamed_fold_ends(const WeightStreamPlan& plan, const std::vector<int64_t>& fetch,
                                               int64_t fold_cycles) {
  std::vector<int64_t> ends(fetch.size(), 0);
  std::vector<int64_t> ready(plan.units.size(), 0), fetched(plan.units.size(), 0);
  int64_t dram_free = 0, fold_start = 0, fold_end = 0;
  for (size_t u = 0; u < plan.units.size(); ++u) {
    const StreamUnit& unit = plan.units[u];
    const int64_t start = std::max(dram_free, unit.wait_unit >= 0 ? fetched[size_t(unit.wait_unit)] : 0);
    ready[u] = dram_free = start + unit.dram_cycles;
    for (int64_t f = unit.first_fold; f <= unit.last_fold; ++f) {
      const int64_t fetch_start = f == 0 ? ready[u] : std::max(fold_start, ready[u]);
      const int64_t fetch_end = fetch_start + fetch[size_t(f)];
      fold_start = f == 0 ? fetch_end : std::max(fold_end, fetch_end);
      ends[size_t(f)] = fold_end = fold_start + fold_cycles;
      if (f == unit.last_fold) fetched[u] = fetch_end;
    }
  }
  return ends;
}

// Resident weights: each fold's end from the layer's start. Double-buffered staging fetches fold
// f+1's words while fold f runs; fold 0's fetch overlaps the `window` cycles before the layer
// (array.weight_prefetch). A fold waits (stalls) for the rest of its fetch.
static std::vector<int64_t> resident_fold_ends(const std::vector<int64_t>& fetch, int64_t fold_cycles, int64_t window) {
  std::vector<int64_t> ends(fetch.size(), 0);
  int64_t now = 0;
  for (size_t f = 0; f < fetch.size(); ++f) {
    now += std::max<int64_t>(0, fetch[f] - (f == 0 ? window : fold_cycles)) + fold_cycles;
    ends[f] = now;
  }
  return ends;
}

// Each fold's end cycle from the layer's start (resident or streamed weights, see above).
static std::vector<int64_t> fold_ends(const WeightStreamPlan& plan, const std::vector<int64_t>& fetch,
                                      int64_t fold_cycles, int64_t window) {
  return plan.empty() ? resident_fold_ends(fetch, fold_cycles, window) : streamed_fold_ends(plan, fetch, fold_cycles);
}

// post_processing_overlap (docs/timing-model.md, "Post-processing overlap"): the unit takes each
// output tile from the cycle the fold completing it starts to deliver outputs (output_window_cycles
// before that fold's end), tiles in fold order, ceil(elements / lanes) cycles each. Returns the
// cycles it runs beyond the last fold's end.
static int64_t overlapped_post_cycles(const ArchitectureParams& arch, const GemmMapping& g, const FoldPlan& plan,
                                      const std::vector<int64_t>& fold_end) {
  const DataflowRules& rules = dataflow_rules(g.dataflow);
  const int64_t window = rules.output_window_cycles(arch.rows, arch.cols, g.stream);
  std::vector<PostProcessingUnit::QueuedTile> tiles;
  for (size_t f = 0; f < plan.folds.size(); ++f) {
    const int64_t elements = rules.output_tile_elements(g, plan.folds[f]);
    if (elements > 0) tiles.push_back({fold_end[f] - window, elements});
  }
  return std::max<int64_t>(0, PostProcessingUnit::queue_end_cycle(tiles, arch.post_processing_lanes) - fold_end.back());
}

int64_t exposed_post_cycles(const ArchitectureParams& arch, const Network& net, int layer) {
  const Layer& L = net.layers.at(size_t(layer));
  const int64_t job = PostProcessingUnit::layer_cycles(L, arch.post_processing_lanes);
  if (!arch.post_processing_overlap || !L.has_weights()) return job;
  // The tiles' timing relative to the first fold's start does not depend on the stall before it,
  // so the prefetch window (0 here) cannot change the result.
  const GemmMapping g = map_gemm(arch, net, layer);
  const WeightLayout layout(arch.weight_sram, net);
  const FoldPlan folds = plan_folds(arch, g);
  const std::vector<int64_t> fetch = fold_fetch_cycles(arch, layout, layer, folds, nullptr);
  const WeightStreamPlan plan = plan_weight_stream(arch, net, layer, layout, folds);
  return overlapped_post_cycles(arch, g, folds, fold_ends(plan, fetch, fold_cycles(arch, g.stream), 0));
}

// PE register bits written and hops (models/dataflow.cpp); every other register bit edge is idle.
static void count_pe_registers(const ArchitectureParams& arch, const GemmMapping& g, LayerTiming& t) {
  ActionCounts& a = t.counts;
  dataflow_rules(g.dataflow).count_pe_activity(arch.rows, arch.cols, g, a);
  a.pe_register_bits_idle =
      int64_t(SystolicArray::kRegisterBitsPerPe) * arch.rows * arch.cols * t.cycles - a.pe_register_bits_written;
}

// A groupnorm's parameter words in the weight SRAM (none in the register file): read before its
// statistics pass, at most `ports` per bank per cycle. Returns those cycles; sets `words`.
static int64_t norm_param_fetch_cycles(const ArchitectureParams& arch, const Network& net, int layer, int64_t& words) {
  words = 0;
  if (!net.params_in_weight_sram(net.layers.at(size_t(layer)))) return 0;
  const WeightLayout layout(arch.weight_sram, net);
  words = layout.words(layer);
  std::vector<int64_t> per_bank(size_t(arch.weight_sram.banks), 0);
  for (int64_t w = 0; w < words; ++w) ++per_bank[size_t(layout.word_address(layout.first_word(layer) + w).bank)];
  int64_t most = 0;
  for (int64_t n : per_bank) most = std::max(most, n);
  return ceil_div(most, arch.weight_sram.read_ports_per_bank);
}

LayerTiming layer_timing(const ArchitectureParams& arch, const Network& net, int layer) {
  const Layer& L = net.layers.at(size_t(layer));
  LayerTiming t;
  ActionCounts& a = t.counts;
  const int64_t R = arch.rows, C = arch.cols, pes = R * C;
  const int64_t elements = PostProcessingUnit::job_elements(L);
  t.post_cycles = PostProcessingUnit::layer_cycles(L, arch.post_processing_lanes);
  a.dram_bytes = network_dram_bytes(net, layer);
  if (!L.has_weights()) {
    if (L.type == LayerType::GroupNorm) {
      // Parameter fetch (a stall), statistics pass, one reciprocal square root per group,
      // normalization pass (docs/timing-model.md, "Post-processing unit").
      t.stall_cycles = norm_param_fetch_cycles(arch, net, layer, t.weight_words_read);
      a.weight_sram_reads = t.weight_words_read;
      if (arch.weight_sram.secded()) a.ecc_decodes = t.weight_words_read;
      a.input_buffer_reads = 2 * elements;
      a.input_buffer_writes = elements;
      a.norm_stat_ops = elements;
      a.rsqrt_ops = L.groups;
      a.norm_ops = elements;
    } else if (L.type != LayerType::Flatten) {
      a.input_buffer_reads = layer_input_bytes(net, L);
      a.input_buffer_writes = elements;
      a.post_ops = elements;
    }
    t.cycles = t.stall_cycles + t.post_cycles;
    const int64_t spill = activation_spill_bytes(arch, net, layer);
    a.dram_bytes += spill;
    wait_for_dram(dram_transfer_cycles(arch, spill), t);
    a.cycles = t.cycles;
    a.pe_register_bits_idle = int64_t(SystolicArray::kRegisterBitsPerPe) * pes * t.cycles;  // the array idles
    return t;
  }
  const GemmMapping g = map_gemm(arch, net, layer);
  const int64_t T = g.stream;
  t.folds = g.folds();
  t.fold_cycles = fold_cycles(arch, T);
  t.array_cycles = t.folds * t.fold_cycles;
  // Double-buffered weight staging: fold f+1's words are fetched while fold f runs; the first
  // fold's fetch is hidden only by array.weight_prefetch, up to the window before the layer.
  const WeightLayout layout(arch.weight_sram, net);
  const FoldPlan folds = plan_folds(arch, g);
  const std::vector<int64_t> fetch = fold_fetch_cycles(arch, layout, layer, folds, &t.weight_words_read);
  const WeightStreamPlan plan = plan_weight_stream(arch, net, layer, layout, folds);
  int64_t window = 0;
  if (arch.weight_prefetch && plan.empty()) {
    // A layer run after itself (a one-layer network) has its own fetch plan at hand.
    const int prev = previous_layer(net, layer);
    const int64_t prev_post = prev != layer ? exposed_post_cycles(arch, net, prev)
                              : arch.post_processing_overlap
                                  ? overlapped_post_cycles(arch, g, folds, fold_ends(plan, fetch, t.fold_cycles, 0))
                                  : t.post_cycles;
    window = window_after(arch, net, prev, prev_post);
  }
  const std::vector<int64_t> ends = fold_ends(plan, fetch, t.fold_cycles, window);
  t.stall_cycles = ends.back() - t.array_cycles;
  if (arch.post_processing_overlap) t.post_cycles = overlapped_post_cycles(arch, g, folds, ends);
  if (!plan.empty()) {
    a.weight_sram_writes = plan.words;
    if (arch.weight_sram.secded()) a.ecc_encodes = plan.words;
    a.dram_bytes += plan.dram_bytes;
  }
  t.cycles = t.stall_cycles + t.array_cycles + t.post_cycles;
  int64_t weight_dram_cycles = 0;
  for (const StreamUnit& u : plan.units) weight_dram_cycles += u.dram_cycles;
  t.macs = g.groups * g.m * g.k * g.n;
  t.mapping_efficiency = double(g.groups * g.row_extent * g.col_extent) / double(t.folds * pes);
  t.compute_utilization = double(t.macs) / double(t.array_cycles * pes);
  t.utilization = double(t.macs) / double((t.array_cycles + t.stall_cycles) * pes);
  t.scalesim_cycles = t.folds * scalesim_fold_cycles(arch, g.dataflow, T) - 1;

  a.macs_by_weight_bits[size_t(L.weight.bits)] = t.macs;
  a.weight_sram_reads = t.weight_words_read;
  if (arch.weight_sram.secded()) a.ecc_decodes = t.weight_words_read;
  dataflow_rules(g.dataflow).count_buffers(g, a);
  // Post-processing: reads each accumulator, writes each output code, one op per element.
  a.output_buffer_reads += 4 * elements;
  a.input_buffer_writes += elements;
  a.post_ops += elements;
  const int64_t spill = activation_spill_bytes(arch, net, layer) +
                        accumulator_spill_bytes(arch, L, a.output_buffer_reads + a.output_buffer_writes);
  a.dram_bytes += spill;
  wait_for_dram(weight_dram_cycles + dram_transfer_cycles(arch, spill), t);
  if (t.folds > 0) t.utilization = double(t.macs) / double((t.array_cycles + t.stall_cycles) * pes);
  a.cycles = t.cycles;
  count_pe_registers(arch, g, t);
  return t;
}

void write_compute_report_csv(std::ostream& os, const Network& net, const std::vector<LayerTiming>& timings,
                              const ArchitectureParams* arch) {
  std::vector<std::pair<int64_t, LayerTiming>> rows;
  std::vector<Dataflow> dataflows;
  for (size_t i = 0; i < timings.size() && i < net.layers.size(); ++i) {
    if (!net.layers[i].has_weights()) continue;
    rows.emplace_back(int64_t(i), timings[i]);
    if (arch) dataflows.push_back(arch->dataflow_of(int(i)));
  }
  write_compute_report_csv(os, rows, arch && arch->maps_layers() ? &dataflows : nullptr);
}

void write_compute_report_csv(std::ostream& os, const std::vector<std::pair<int64_t, LayerTiming>>& rows,
                              const std::vector<Dataflow>* dataflows) {
  os << "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,"
     << (dataflows ? " Dataflow,\n" : "\n");
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& [id, t] = rows[i];
    os << id << ", " << (t.array_cycles + t.stall_cycles) << ", " << t.stall_cycles << ", " << 100.0 * t.utilization
       << ", " << 100.0 * t.mapping_efficiency << ", " << 100.0 * t.compute_utilization << ",";
    if (dataflows) os << " " << dataflow_name(dataflows->at(i)) << ",";
    os << "\n";
  }
}

}  // namespace lvsim
