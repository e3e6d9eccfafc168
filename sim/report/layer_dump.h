// `lvsim run --dump-layers DIR`: every layer's output codes (and their dequantized values) for the
// evaluated images as NumPy .npy files, so a user compares them with their own framework and finds
// where a model diverges (docs/importing-models.md, "Inspecting layers").
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "workloads/data/dataset.h"
#include "workloads/inference/reference_inference.h"
#include "workloads/network/network.h"

namespace lvsim {

/// Dumps larger than this are refused before anything is written (--images bounds them).
inline constexpr int64_t kMaxLayerDumpBytes = int64_t(4) << 30;

/// Checks that `dir` can be created and written (without creating it: a run that fails later leaves
/// nothing) and that the dump of `images` images stays under kMaxLayerDumpBytes; ConfigError naming
/// --dump-layers otherwise. Call before any work.
void check_layer_dump(const std::string& dir, const Network& net, int64_t images);

/// The weights image `i` reads (the reference stays valid until the next call).
using ImageWeights = std::function<const LayerWeights&(int64_t image)>;

/// Writes, for the images of `test` (each image reads `weights_of_image(i)`'s patterns), image
/// batch by image batch (memory does not grow with the images):
/// `input.codes.npy` and per layer `L<index>_<name>.codes.npy` (uint8, [images, C, H, W]) and
/// `.values.npy` (float32, scale * (code - zero_point)), plus `layers.json` indexing them with
/// each tensor's shape, scale and zero point. Every file is written atomically.
void dump_layers(const std::string& dir, const Network& net, const Dataset& test, const ImageWeights& weights_of_image);

/// The bytes of a .npy file (format 1.0, C order) holding `count` elements of `descr`
/// ("|u1" uint8 or "<f4" float32) with the given shape.
std::string npy_bytes(const std::string& descr, const std::vector<int64_t>& shape, const void* data, size_t bytes);

}  // namespace lvsim
