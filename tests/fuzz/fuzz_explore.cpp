// Fuzz target: the exploration file (read_exploration_file) (tests/fuzz/fuzz_common.h).
#include "tests/fuzz/fuzz_common.h"
#include "sim/explore.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = lvsim::fuzz::write_file("exploration.json", data, size);
  lvsim::fuzz::expect_result_or_user_error([&] { (void)lvsim::read_exploration_file(path); });
  return 0;
}
