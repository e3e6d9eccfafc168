// Fuzz target: the IDX reader (load_dataset on a directory holding t10k-images-idx3-ubyte and
// t10k-labels-idx1-ubyte, raw or gzip). Input layout, so one input drives both files:
//   byte 0: bit 0 gzip both files; bit 1 cut the last 9 bytes of each gzip stream (truncated
//           stream); bits 2..7: max_images - 1 (0: all images)
//   bytes 1-2: length L of the labels file (little-endian); then L label-file bytes; the rest is
//   the images file.
#include <zlib.h>

#include <cstdio>
#include <filesystem>

#include "tests/fuzz/fuzz_common.h"
#include "workloads/data/dataset.h"

namespace {

void write_gzip(const std::string& path, const uint8_t* data, size_t size, bool cut) {
  gzFile g = gzopen(path.c_str(), "wb");
  if (!g || (size && gzwrite(g, data, unsigned(size)) != int(size)) || gzclose(g) != Z_OK) std::abort();
  if (cut) {
    std::error_code ec;
    auto n = std::filesystem::file_size(path, ec);
    std::filesystem::resize_file(path, n > 9 ? n - 9 : 0, ec);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const bool gzip = data[0] & 1, cut = data[0] & 2;
  const int64_t max_images = (data[0] >> 2) == 0 ? -1 : int64_t(data[0] >> 2);
  size_t labels_len = std::min<size_t>(size - 3, size_t(data[1]) | size_t(data[2]) << 8);
  const uint8_t* labels = data + 3;
  const uint8_t* images = labels + labels_len;
  size_t images_len = size - 3 - labels_len;

  namespace fs = std::filesystem;
  const std::string dir = lvsim::fuzz::scratch_dir() + "/idx";
  fs::remove_all(dir);
  fs::create_directory(dir);
  const std::string img = dir + "/t10k-images-idx3-ubyte", lab = dir + "/t10k-labels-idx1-ubyte";
  if (gzip) {
    write_gzip(img + ".gz", images, images_len, cut);
    write_gzip(lab + ".gz", labels, labels_len, cut);
  } else {
    lvsim::fuzz::write_file("idx/t10k-images-idx3-ubyte", images, images_len);
    lvsim::fuzz::write_file("idx/t10k-labels-idx1-ubyte", labels, labels_len);
  }
  lvsim::fuzz::expect_result_or_user_error([&] { (void)lvsim::load_dataset(dir, lvsim::Split::Test, max_images); });
  return 0;
}
