// Test sets as NumPy files (docs/datasets.md, "NumPy files"): an .npz archive (read with libzip)
// or a directory of .npy files, arrays `x` (N x C x H x W or N x H x W raw 8-bit pixels, uint8 or
// float holding the integers 0..255) and `y` (N integer labels); `x_train`/`y_train` and
// `x_test`/`y_test` give the two splits separately.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "workloads/data/dataset.h"

namespace lvsim {

/// Largest array (.npy member of an .npz archive, uncompressed) read.
inline constexpr int64_t kMaxNpyBytes = int64_t(4) << 30;

/// One parsed .npy array: shape, and the elements widened to double (exact for every integer
/// dtype up to 32 bits and for uint8 / float pixels).
struct NpyArray {
  std::vector<int64_t> shape;
  std::string descr;  // e.g. "|u1", "<f4"
  std::vector<double> values;
};

/// Parses the bytes of a .npy file (format versions 1-3, little-endian or single-byte dtypes,
/// C order). FormatError `origin: what` on a bad magic, header, dtype or size.
NpyArray parse_npy(const std::string& bytes, const std::string& origin);

/// True for a path ending in ".npz", or a directory holding x.npy / x_test.npy / x_train.npy.
bool is_numpy_dataset(const std::string& path);

/// Loads the first `max_images` (-1: all) of a split from an .npz file or .npy directory.
/// FormatError naming the file and the array for every problem (missing array, wrong rank or
/// dtype, pixel outside 0..255, label count, negative or > 255 label, truncated data).
Dataset load_numpy_dataset(const std::string& path, Split split, int64_t max_images);

}  // namespace lvsim
