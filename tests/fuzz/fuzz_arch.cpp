// Fuzz target: the architecture file (load_architecture) (tests/fuzz/fuzz_common.h).
#include "sim/cli/presets.h"
#include "tests/fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = lvsim::fuzz::write_file("arch.json", data, size);
  lvsim::fuzz::expect_result_or_user_error([&] { (void)lvsim::load_architecture(path); });
  return 0;
}
