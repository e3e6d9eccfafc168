// Cycle-level controller of the accelerator for one layer at a time: tiles conv (im2col) and
// linear GEMMs into folds per the dataflow, fetches each fold's weight words from the weight SRAM
// (read ports per bank modelled; double-buffered staging; streamed weights arrive from DRAM in
// bursts, models/weight_streaming.h), drives the array's edges cycle by
// cycle, accumulates K-folds in the output buffer, and hands the results to the post-processing
// unit. Schedule and counts: docs/timing-model.md.
#pragma once

#include <cstdint>
#include <vector>

#include "energy/action_counts.h"
#include "memory/weight_memory.h"
#include "models/architecture.h"
#include "models/dataflow.h"
#include "models/post_processing_unit.h"
#include "models/systolic_array.h"
#include "models/timing_model.h"
#include "models/weight_streaming.h"
#include "workloads/network/network.h"

namespace lvsim {

/// Result of one layer run cycle by cycle.
struct LayerRun {
  std::vector<uint8_t> output;
  int64_t cycles = 0;
  int64_t stall_cycles = 0;
  LayerTiming timing;   // as measured (same fields as the closed form layer_timing)
  ActionCounts counts;  // == timing.counts
};

/// Cycle-by-cycle layer sequencer around a SystolicArray, a WeightMemory and a PostProcessingUnit.
/// Per clock cycle the owner calls before_edge(), then the array's step(), then after_edge().
class Controller {
 public:
  Controller(const ArchitectureParams& arch, SystolicArray& array, WeightMemory& weights, PostProcessingUnit& post);

  /// Begins a layer. `inputs` (in Layer::inputs order) must stay alive until the layer finishes.
  void start_layer(const Network& net, int layer, const std::vector<const std::vector<uint8_t>*>& inputs);
  /// True while the started layer has cycles left.
  bool busy() const { return state_ != State::Done; }

  /// First half of a cycle: issues this cycle's SRAM reads, sets the array mode and edge inputs.
  void before_edge();
  /// Second half (after the array's clock edge): collects outputs, post-processing, next state.
  void after_edge();

  /// Runs up to `max_cycles` cycles at once when the controller is inside a fold's Stream phase
  /// (WS/IS), stopping before the fold's last cycle: the same registers, outputs and counts as
  /// that many before_edge(), array step(), after_edge() (SystolicArray::stream). Returns the
  /// cycles run; 0 when not applicable (then run the cycle per cycle).
  int run_stream_batch(int max_cycles);

  /// The finished layer's output, cycles and counts (call once busy() is false).
  LayerRun finish();

  /// The output buffer of the current conv/linear layer: [group][M][N] 32-bit sums, bias not added.
  const std::vector<int32_t>& accumulators() const { return out_buf_; }
  /// Cycles of the current layer so far; words read this cycle (for tracing).
  int64_t layer_cycle() const { return cycle_; }
  int layer() const { return layer_; }
  const std::vector<WordAddress>& reads_this_cycle() const { return reads_now_; }

 private:
  enum class State { WaitFetch, Load, Stream, OsCompute, OsDrain, Post, DramWait, ParamFetch, Done };
  /// Weight words of one fold, fetched at most `ports` per bank per cycle.
  struct Fetch {
    int fold = -1;
    std::vector<std::vector<size_t>> words_per_bank;  // indices into `words` held by each bank, ascending
    std::vector<size_t> next;                         // next entry of words_per_bank per bank
    std::vector<int64_t> words;                       // global word numbers, ascending
    std::vector<uint64_t> values;                     // as read (faults, ECC applied)
    bool done = false;
  };

  /// groupnorm: fetches its parameter words from the weight SRAM (ParamFetch), or takes them from
  /// the protected register file, then runs the post-processing unit's groupnorm job.
  void start_group_norm();
  void begin_param_fetch();
  void begin_fetch(int fold);
  /// array.weight_prefetch: reads the first fold's words in the `window` cycles before the layer.
  void prefetch_first_fold(int64_t window);
  /// Streamed weights: the DRAM streamer's part of cycle c (bursts end and start).
  void stream_cycle(int64_t c);
  /// Reads this cycle's words of the pending fetch (cycle c), once its unit is in the SRAM.
  void fetch_cycle(int64_t c);
  /// Turns the fetched words of a fold into zero-point-adjusted weights [o - o0][k - k0].
  void stage(const Fetch& f, std::vector<int16_t>& staged);
  void begin_fold(int fold);
  void finish_array_part();
  void note_output_tile(int64_t cycle);
  /// After post-processing: done, or wait until the DRAM has moved the layer's traffic.
  void end_layer();
  int16_t weight(int64_t o, int64_t k) const {
    return staged_[size_t((o - cur_.o0) * (cur_.k1 - cur_.k0) + (k - cur_.k0))];
  }
  int16_t activation(int64_t g, int64_t m, int64_t k) const { return im2col_[size_t((g * gm_.m + m) * gm_.k + k)]; }
  void stream_inputs(int64_t n, int16_t* left);        // left_in of stream cycle n
  void collect_stream(int64_t n, const int32_t* out);  // bottom_out of stream cycle n -> output buffer
  /// Output buffer update of `count` 32-bit sums v[i] into slot[i * step] (first K-fold: written,
  /// else added); counts 4-byte reads/writes.
  void accumulate_run(int32_t* slot, int64_t step, const int32_t* v, int64_t count, bool first);

  const ArchitectureParams arch_;
  SystolicArray& array_;
  WeightMemory& weights_;
  PostProcessingUnit& post_;

  const Network* net_ = nullptr;
  int layer_ = -1;
  std::vector<const std::vector<uint8_t>*> inputs_;
  GemmMapping gm_;
  FoldPlan plan_;                 // the layer's folds (models/dataflow.h)
  std::vector<int16_t> im2col_;   // [g][m][k]: input buffer as the edge reads it, a - z_in
  std::vector<int32_t> out_buf_;  // [g][m][n]: output buffer, 32-bit partial sums
  std::vector<int16_t> staged_, staged_next_;
  std::vector<int64_t> zero_weights_by_k_;   // current fold: zero weight operands per k - k0
  std::vector<int64_t> nonzero_stationary_;  // IS, current fold: non-zero stationary activations per row
  Fold cur_;
  int cur_index_ = -1;
  Fetch fetch_;
  // Streamed weights (empty plan: resident). Cycles of the current layer: when each unit's burst
  // ended (its words fetchable from then on) and when its last fold finished fetching it; -1 not yet.
  WeightStreamPlan stream_;
  std::vector<int64_t> unit_ready_, unit_fetched_;
  size_t next_burst_ = 0;  // next unit to load
  int burst_unit_ = -1;    // unit whose burst is in flight (-1: DRAM idle)
  int64_t burst_end_ = 0;
  int fetch_unit_ = -1;  // unit of the pending fetch's fold
  // DRAM traffic of the layer: cycles of the weight bursts started, activations that spill
  // (timing_model.h: activation_spill_bytes, accumulator_spill_bytes), and the cycle the DRAM is done.
  int64_t weight_dram_cycles_ = 0;
  int64_t spill_bytes_ = 0;
  int64_t dram_done_ = 0;
  State state_ = State::Done;
  int64_t phase_cycle_ = 0;  // cycle within the current state
  bool tile_seen_ = false;   // the current fold's first output has left the array
  // post_processing_overlap: output tiles queued for the post-processing unit, and the cycles it
  // still runs after the array (docs/timing-model.md).
  std::vector<PostProcessingUnit::QueuedTile> post_tiles_;
  int64_t post_wait_ = 0;
  int64_t cycle_ = 0;
  int64_t fold_start_ = 0;
  std::vector<WordAddress> reads_now_;
  std::vector<int16_t> batch_left_;  // run_stream_batch: left_in of each cycle, [cycle][row]
  std::vector<uint8_t> output_;
  LayerTiming measured_;
  ActionCounts counts_;
  int64_t mapped_pes_ = 0;
  ArrayStats array_at_start_;
};

/// Runs one layer cycle by cycle on a fresh array (non-weight layers: post-processing unit only).
/// The weights come from `wm` word by word (read_word), faults included.
LayerRun run_layer_cycle(const ArchitectureParams& arch, const Network& net, int layer,
                         const std::vector<const std::vector<uint8_t>*>& inputs, WeightMemory& wm);

}  // namespace lvsim
