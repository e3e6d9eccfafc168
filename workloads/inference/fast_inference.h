// The fast path: the golden integer inference (workloads/inference/reference_inference.h) computed with
// vectorised integer GEMMs, batched and multithreaded over images. Bit-identical to the golden
// engine for every network the format allows, on any (possibly faulty) weight patterns; the
// results do not depend on the thread count. Design and measurements: docs/performance.md.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "workloads/inference/fast_profile.h"
#include "workloads/inference/int8_gemm.h"
#include "workloads/inference/reference_inference.h"
#include "workloads/inference/zero_operands.h"
#include "workloads/network/network.h"

namespace lvsim {

struct ChunkPlan;

/// One weight whose pattern, for one image, differs from the patterns an engine was built with
/// (e.g. a transient read error): weight `index` of layer `layer` reads as `pattern`.
struct WeightChange {
  int layer = 0;
  int64_t index = 0;
  uint8_t pattern = 0;
};
/// Fills `changes` with the weight changes of image `image` (0-based within the images passed to
/// predict/scores). Called once per image, from worker threads at once: must be thread-safe.
using ImageWeightChanges = std::function<void(int64_t image, std::vector<WeightChange>& changes)>;

/// The activations of a set of images at a layer boundary: the codes (channels-last, as the fast
/// path holds them) of every tensor that the layers from `boundary` on read and the layers before
/// it produced, and the zero-operand MACs of the layers before it. A run resumed there computes
/// only the layers from `boundary` on; its results equal a full run's on any weights that equal,
/// in every layer before `boundary`, the weights these activations were computed with.
struct FastActivations {
  int boundary = 0;
  int64_t images = 0;
  std::vector<int> tensors;     // producing layer of each held tensor (-1: the preprocessed input)
  std::vector<int64_t> offset;  // per tensor: its byte offset within an image's record
  int64_t image_bytes = 0;      // one image's record: its tensors, one after another
  std::vector<uint8_t> codes;   // images x image_bytes
  LayerZeroCounts zeros;        // per layer before `boundary`, over the images (empty: not counted)
};

/// Runs a quantized network on given weight patterns with the int8 GEMM kernels.
class FastInference {
 public:
  /// Images per batch a thread runs layer by layer (linear layers see M = batch): a multiple of
  /// the VNNI kernel's register-tile rows (6, 12), so no linear layer ends in a part-empty tile.
  static constexpr int kBatchImages = 36;

  /// Prepares the weights (as read from the weight SRAM, possibly faulty: one pattern vector per
  /// layer, empty for layers without weights). The network is copied. std::invalid_argument if a
  /// pattern vector has the wrong size or `kernel` is not supported by this CPU.
  FastInference(const Network& net, const LayerWeights& weights, Int8Kernel kernel = best_int8_kernel());
  ~FastInference();
  FastInference(FastInference&&) noexcept;
  FastInference& operator=(FastInference&&) noexcept;

  /// Predicted class of each of `count` images (pixels: consecutive C x H x W raw images).
  std::vector<int> predict(const uint8_t* pixels, int64_t count, int threads) const;
  /// The same when every image reads its own weights: the engine's patterns with that image's
  /// `changes` applied (results identical to an engine built with those weights). Each change
  /// adds delta_w8 * (a - z_in) to the accumulators of its output channel before requantization,
  /// so an image costs its GEMMs plus one pass over a layer's output pixels per changed weight.
  std::vector<int> predict(const uint8_t* pixels, int64_t count, int threads, const ImageWeightChanges& changes) const;
  /// As above (changes may be empty), and adds each conv/linear layer's zero-operand MACs and
  /// zero input codes, summed over the images, to `*zeros` (resized to the layer count): counted
  /// from the codes each layer reads in the same pass (workloads/inference/zero_operands.h), at the
  /// cost of two compares per input code.
  std::vector<int> predict(const uint8_t* pixels, int64_t count, int threads, const ImageWeightChanges& changes,
                           LayerZeroCounts* zeros) const;

  /// Output-layer codes of each image (count x output size, C x H x W each), as golden
  /// run_all_layers(...)[net.output]; the path predict uses (relu fused where possible).
  std::vector<uint8_t> scores(const uint8_t* pixels, int64_t count, int threads,
                              const ImageWeightChanges& changes = nullptr, LayerZeroCounts* zeros = nullptr) const;

  /// Whether a run can stop before layer `boundary` and resume there (0 < boundary < layer count):
  /// no layer before it computes a fused relu or max-pool at or after it.
  bool resumable_at(int boundary) const;
  /// Bytes per image of the activations held at `boundary` (FastActivations::image_bytes).
  int64_t boundary_bytes(int boundary) const;
  /// predict() resumed at start->boundary from the activations `start` of the same `count` images
  /// (nullptr: from `pixels`, unused otherwise), computed with this engine's patterns in every layer
  /// before that boundary (the caller's contract). Each of `capture` receives the activations at its
  /// `boundary` (set by the caller: resumable, after start's). zero_operand_macs as predict(),
  /// every layer (start's counts for the layers before its boundary). No per-image weight changes.
  std::vector<int> predict_resumed(const uint8_t* pixels, int64_t count, int threads, const FastActivations* start,
                                   const std::vector<FastActivations*>& capture, LayerZeroCounts* zeros) const;

  /// Output codes of every layer for one image (index = layer index), as golden run_all_layers
  /// on the engine's patterns with `changes` applied.
  std::vector<std::vector<uint8_t>> run_all_layers(const uint8_t* pixels,
                                                   const std::vector<WeightChange>& changes = {}) const;

  /// Seconds per (layer, stage) of one pass of predict over `count` images on this thread, with
  /// zero-operand counting if `count_zeros` (fast_profile.h): where the time goes.
  std::vector<std::array<double, kFastStages>> profile(const uint8_t* pixels, int64_t count, bool count_zeros) const;

  /// Multiply-accumulates the GEMM kernels execute per image: K rounded up to 4-byte steps
  /// (zero weights), N not rounded, and without the zero padding of convs whose input zero
  /// point is 0, which is skipped (docs/performance.md). Compare with Network::total_macs().
  int64_t gemm_macs_per_image() const;

  Int8Kernel kernel() const { return kernel_; }
  const Network& network() const { return net_; }

 private:
  struct GemmLayer;
  struct Workspace;
  struct Correction;
  // One group of one image of a conv: what its GEMM and output stage work on (fast_conv.cpp).
  struct ConvGroup {
    int layer = 0, g = 0, ng = 0, out_c = 0;
    int64_t img = 0, ldc = 0;
    const GemmLayer* gemm = nullptr;
    const uint8_t* plane = nullptr;  // the group's padded input
    const int32_t* sums = nullptr;   // per conv pixel: its window's input-code sum (nullptr: not needed)
    Int8Requant rq{};
    uint8_t* y = nullptr;  // the image's output at the group's first channel
    Int8GemmA a{};
  };
  // Where a run over images starts and what it captures (predict_resumed; empty: a plain run).
  struct Resume {
    const FastActivations* start = nullptr;
    std::vector<FastActivations*> capture;
  };
  std::vector<uint8_t> scores_resumed(const uint8_t* pixels, int64_t count, int threads,
                                      const ImageWeightChanges& changes, LayerZeroCounts* zero_counts,
                                      const Resume& resume) const;
  // The tensors held at `boundary` (FastActivations::tensors), in layer order.
  std::vector<int> boundary_tensors(int boundary) const;
  void check_resume(const Resume& resume, int64_t count, bool changes, bool count_zeros) const;
  // A capture's layout at its boundary, codes sized for `count` images.
  void prepare_capture(FastActivations& a, int64_t count) const;
  // Images [first, first + n) of `a` into / out of the workspace's buffers.
  void load_boundary(const FastActivations& a, int64_t first, int64_t n, Workspace& ws) const;
  void store_boundary(FastActivations& a, int64_t first, int64_t n, const Workspace& ws) const;
  // The zero-operand totals of a resumed run: start's layers before its boundary, then the captures'.
  void finish_zero_counts(const Resume& resume, LayerZeroCounts& total) const;
  // The corrections of one image's weight changes, per layer, into ws (batch slot `slot`).
  void prepare_corrections(const std::vector<WeightChange>& changes, Workspace& ws, int64_t slot) const;
  // Adds a layer's corrections of batch slot `slot` (group g) to the int32 GEMM results c (row r,
  // at c + r * ldc, computed from input row rows[r]).
  void apply_corrections(int layer, int64_t slot, int g, const uint8_t* const* rows, int64_t nrows,
                         const int64_t* segment_offset, int32_t* c, int64_t ldc, const Workspace& ws) const;
  // fuse: write a conv/linear layer's output through its relu when that relu is its only
  // consumer (predict only: the conv's own output is then never materialised).
  // resume: images [first, first + n) start at resume->start's boundary and fill its captures.
  void run_batch(const uint8_t* pixels, int64_t n, Workspace& ws, bool fuse, const Resume* resume = nullptr,
                 int64_t first = 0) const;
  void run_layer(int layer, int64_t n, Workspace& ws, bool fuse) const;
  // Adds the zero-operand MACs of conv/linear `layer` for the n images of the batch.
  void count_zero_operands(int layer, int64_t n, Workspace& ws) const;
  // pool >= 0: the max-pool layer fused into the output stage (dst then receives its codes).
  void run_conv(int layer, int64_t n, Workspace& ws, uint8_t* dst, int32_t min_code, int pool) const;
  void conv_window_major(const ConvGroup& c, const Layer& pool, Workspace& ws) const;
  void conv_pooled(const ConvGroup& c, const Layer& pool, int out_w, int chunk_rows, Workspace& ws) const;
  void conv_plain(const ConvGroup& c, const Shape& out, int chunk_rows, Workspace& ws) const;
  void run_linear(int layer, int64_t n, Workspace& ws, uint8_t* dst, int32_t min_code) const;
  // One chunk of a conv's GEMM rows through its zero-padding plan (results at the chunk's rows).
  void gemm_plan(const ChunkPlan& plan, const Int8GemmA& chunk, const PackedInt8B& b, Workspace& ws, int64_t ldc) const;

  Network net_;
  Int8Kernel kernel_;
  std::vector<GemmLayer> gemm_;        // per layer (empty entries for layers without weights)
  std::vector<int> fused_relu_;        // per layer: index of the relu that is its only consumer, or -1
  std::vector<int> fused_pool_;        // per conv layer: the max-pool computed in its output stage, or -1
  std::vector<int> linear_src_;        // per linear layer: the layer it reads channels-last (-1: input)
  std::vector<char> skip_when_fused_;  // per layer: not computed by the fused path (predict/scores)
  std::vector<uint8_t> input_lut_;     // [channel][pixel]: preprocessed input code
  LayerWeights patterns_;              // the weight patterns the GEMMs were packed from
  // Per conv/linear layer: its zero-operand counter on patterns_ (over the tensor the fast path
  // reads: a linear layer's channels-last source). Empty for layers without weights.
  std::vector<std::optional<ZeroOperandCounter>> zero_counters_;
};

}  // namespace lvsim
