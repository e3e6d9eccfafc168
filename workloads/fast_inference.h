// The fast path: the golden integer inference (workloads/reference_inference.h) computed with
// vectorised integer GEMMs, batched and multithreaded over images. Bit-identical to the golden
// engine for every network the format allows, on any (possibly faulty) weight patterns; the
// results do not depend on the thread count. Design and measurements: docs/performance.md.
#pragma once

#include <cstdint>
#include <vector>

#include "workloads/int8_gemm.h"
#include "workloads/network.h"
#include "workloads/reference_inference.h"

namespace lvsim {

struct ChunkPlan;

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

  /// Output-layer codes of each image (count x output size, C x H x W each), as golden
  /// run_all_layers(...)[net.output]; the path predict uses (relu fused where possible).
  std::vector<uint8_t> scores(const uint8_t* pixels, int64_t count, int threads) const;

  /// Output codes of every layer for one image (index = layer index), as golden run_all_layers.
  std::vector<std::vector<uint8_t>> run_all_layers(const uint8_t* pixels) const;

  /// Multiply-accumulates the GEMM kernels execute per image: K rounded up to 4-byte steps
  /// (zero weights), N not rounded, and without the zero padding of convs whose input zero
  /// point is 0, which is skipped (docs/performance.md). Compare with Network::total_macs().
  int64_t gemm_macs_per_image() const;

  Int8Kernel kernel() const { return kernel_; }
  const Network& network() const { return net_; }

 private:
  struct GemmLayer;
  struct Workspace;
  // fuse: write a conv/linear layer's output through its relu when that relu is its only
  // consumer (predict only: the conv's own output is then never materialised).
  void run_batch(const uint8_t* pixels, int64_t n, Workspace& ws, bool fuse) const;
  // pool >= 0: the max-pool layer fused into the output stage (dst then receives its codes).
  void run_conv(int layer, int64_t n, Workspace& ws, uint8_t* dst, int32_t min_code, int pool) const;
  void run_linear(int layer, int64_t n, Workspace& ws, uint8_t* dst, int32_t min_code) const;
  // One chunk of a conv's GEMM rows through its zero-padding plan (results at the chunk's rows).
  void gemm_plan(const ChunkPlan& plan, const Int8GemmA& chunk, const PackedInt8B& b, Workspace& ws, int64_t ldc) const;

  Network net_;
  Int8Kernel kernel_;
  std::vector<GemmLayer> gemm_;  // per layer (empty entries for layers without weights)
  std::vector<int> fused_relu_;  // per layer: index of the relu that is its only consumer, or -1
  std::vector<int> fused_pool_;  // per conv layer: the max-pool computed in its output stage, or -1
  std::vector<int> linear_src_;  // per linear layer: the layer it reads channels-last (-1: input)
  std::vector<char> skip_when_fused_;  // per layer: not computed by the fused path (predict/scores)
  std::vector<uint8_t> input_lut_;  // [channel][pixel]: preprocessed input code
};

}  // namespace lvsim
