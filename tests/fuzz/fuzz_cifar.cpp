// Fuzz target: the CIFAR-10 binary reader (load_dataset on a directory holding test_batch.bin).
// The input is the file; it is read twice, whole and for its first image only.
#include <filesystem>

#include "tests/fuzz/fuzz_common.h"
#include "workloads/data/dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fs = std::filesystem;
  const std::string dir = lvsim::fuzz::scratch_dir() + "/cifar";
  fs::create_directories(dir);
  lvsim::fuzz::write_file("cifar/test_batch.bin", data, size);
  lvsim::fuzz::expect_result_or_user_error([&] { (void)lvsim::load_dataset(dir, lvsim::Split::Test, -1); });
  lvsim::fuzz::expect_result_or_user_error([&] { (void)lvsim::load_dataset(dir, lvsim::Split::Test, 1); });
  return 0;
}
