// Fuzz target: the fault-map reader (read_fault_map) (tests/fuzz/fuzz_common.h).
#include "memory/fault_map_io.h"
#include "tests/fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = lvsim::fuzz::write_file("fault-map.json", data, size);
  lvsim::fuzz::expect_result_or_user_error([&] { (void)lvsim::read_fault_map(path); });
  return 0;
}
