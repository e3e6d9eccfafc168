// Fuzz target: the NumPy readers. Byte 0 (mod 3) picks what the rest of the input is:
//   0: one .npy file (parse_npy)
//   1: an .npz archive (load_numpy_dataset on data.npz)
//   2: a directory of x.npy and y.npy: bytes 1-2 give x.npy's length L (little-endian), then L
//      bytes of x.npy, the rest is y.npy (load_numpy_dataset on the directory)
#include <filesystem>

#include "tests/fuzz/fuzz_common.h"
#include "workloads/data/npz_dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  namespace fs = std::filesystem;
  const int mode = data[0] % 3;
  if (mode == 0) {
    const std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);
    lvsim::fuzz::expect_result_or_user_error([&] { (void)lvsim::parse_npy(bytes, "x.npy"); });
  } else if (mode == 1) {
    const std::string path = lvsim::fuzz::write_file("data.npz", data + 1, size - 1);
    lvsim::fuzz::expect_result_or_user_error([&] { (void)lvsim::load_numpy_dataset(path, lvsim::Split::Test, -1); });
  } else {
    if (size < 3) return 0;
    const size_t x_len = std::min<size_t>(size - 3, size_t(data[1]) | size_t(data[2]) << 8);
    const std::string dir = lvsim::fuzz::scratch_dir() + "/npy";
    fs::create_directories(dir);
    lvsim::fuzz::write_file("npy/x.npy", data + 3, x_len);
    lvsim::fuzz::write_file("npy/y.npy", data + 3 + x_len, size - 3 - x_len);
    lvsim::fuzz::expect_result_or_user_error([&] { (void)lvsim::load_numpy_dataset(dir, lvsim::Split::Test, -1); });
  }
  return 0;
}
