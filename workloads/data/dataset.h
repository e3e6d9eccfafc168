// Image classification data sets read from their published binary files: IDX (MNIST,
// Fashion-MNIST; raw or gzip) and the CIFAR-10 binary version. Formats, layout and errors:
// docs/datasets.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "workloads/network/network.h"

namespace lvsim {

/// Labelled 8-bit images, each stored C x H x W (channel planes, row-major), one after another.
struct Dataset {
  std::string source;           // the image file(s) read, for messages
  int64_t count = 0;            // images held
  Shape image_shape;            // C, H, W
  std::vector<uint8_t> pixels;  // count x C x H x W raw pixel values
  std::vector<uint8_t> labels;  // count class indices, each < num_classes
  int num_classes = 10;

  /// First pixel of image i (C x H x W bytes).
  const uint8_t* image(int64_t i) const { return pixels.data() + i * image_shape.size(); }
};

enum class Split { Train, Test };

/// Limits of an IDX file's header, checked before anything is allocated.
inline constexpr int64_t kMaxImageBytes = int64_t(1) << 24;  // bytes of one image (e.g. 4096 x 4096)
inline constexpr int64_t kMaxImages = int64_t(1) << 27;      // images (or labels) in one file

/// Loads the first `max_images` images (-1: all) of a split from directory `dir`, detecting the
/// format from the file names present: IDX (`train-images-idx3-ubyte`, `t10k-images-idx3-ubyte`
/// and the matching `-labels-idx1-ubyte`, each raw or `.gz`) or CIFAR-10 binary
/// (`data_batch_1.bin` .. `data_batch_5.bin`, `test_batch.bin`; also inside
/// `dir/cifar-10-batches-bin`). Reads and decompresses only what the requested images need.
/// Throws FormatError naming the file and the problem (missing file, bad magic number, wrong
/// dimension count, truncated data, image/label count mismatch, label out of range, CIFAR file
/// size not a multiple of 3073 bytes).
Dataset load_dataset(const std::string& dir, Split split, int64_t max_images = -1);

/// Throws ConfigError unless the data set's image shape equals the network's input shape.
void check_fits(const Dataset& data, const Network& net);

}  // namespace lvsim
